"""The three-strikes rule (DOMAIN.md) in its one place."""

from __future__ import annotations

import pytest

from console.policy import three_strikes


def test_tier_1_is_engagement_only() -> None:
    advice = three_strikes(0, 0, tier=1, in_prescribed_area=True)
    assert "engagement" in advice.next_step and "Tier 2" in advice.next_step


def test_warnings_then_arrest_with_iom_in_the_prescribed_area() -> None:
    steps = [three_strikes(w, w, tier=2, in_prescribed_area=True).next_step for w in range(4)]
    assert steps[0].startswith("First official warning")
    assert steps[1].startswith("Second official warning")
    assert steps[2].startswith("Third occasion: arrest may be considered") and "IOM" in steps[2]
    assert steps[3] == steps[2]


def test_outside_the_prescribed_area_the_policy_does_not_apply() -> None:
    advice = three_strikes(2, 2, tier=3, in_prescribed_area=False)
    assert advice.next_step.startswith("Outside the prescribed area")


def test_a_warning_without_a_referral_is_pointed_out() -> None:
    advice = three_strikes(1, 0, tier=2, in_prescribed_area=True)
    assert advice.referral_due and "Referral owed" in advice.summary
    assert not three_strikes(1, 1, tier=2, in_prescribed_area=True).referral_due
    with pytest.raises(ValueError):
        three_strikes(-1, 0, tier=2, in_prescribed_area=True)


def test_an_eso_applied_for_or_in_place_holds_the_rule_and_an_ended_one_releases_it() -> None:
    from console.policy import OrderState, order_caution

    waiting = OrderState(made=False, ended=False, sessions_attended=0, sessions_required=3)
    running = OrderState(made=True, ended=False, sessions_attended=2, sessions_required=3)
    done = OrderState(made=True, ended=True, sessions_attended=3, sessions_required=3, ending="completed")
    assert three_strikes(2, 2, 2, True, waiting).next_step.startswith("ESO applied for, awaiting the court")
    assert three_strikes(2, 2, 2, True, running).next_step == (
        "ESO in place: support sessions 2 of 3; no further action under three strikes."
    )
    assert three_strikes(2, 2, 2, True, done).next_step.startswith("Last ESO completed. Third occasion")
    assert three_strikes(2, 2, 2, False, running).next_step.startswith("Outside the prescribed area")
    assert "only 1 official warning(s)" in order_caution(1) and order_caution(2) == ""
