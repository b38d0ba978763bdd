"""The operation's policies in one place: the three-strikes rule for sex workers, and how an
Engagement and Support Order (ESO) changes what it allows.

DOMAIN.md: from Tier 2, a sex worker seen loitering in the prescribed area gets two recorded
official warnings; only on a third occasion is arrest considered, and then the IOM team is
contacted so that the court can make an Engagement and Support Order (ESO) instead of a fine.
Every warned person is referred to support services. Outside the prescribed area sightings are
recorded but the policy does not apply.

While an ESO is applied for or in place, the court is dealing with the third occasion: the
policy allows nothing further under three strikes. Once the order has ended the ordinary rule
applies again (the ending is said first).
"""

from __future__ import annotations

from dataclasses import dataclass

WARNING = "official_warning"
REFERRAL = "referral"
THREE_STRIKES_FROM_TIER = 2
WARNINGS_BEFORE_ARREST = 2


@dataclass(frozen=True)
class OrderState:
    """A subject's latest ESO, as the rule needs it."""

    made: bool
    ended: bool
    sessions_attended: int
    sessions_required: int
    ending: str = ""


def order_caution(warnings: int) -> str:
    """What to say when an ESO is applied for before the third occasion (recorded all the same:
    the console records what the court does)."""
    if warnings >= WARNINGS_BEFORE_ARREST:
        return ""
    return (
        f"only {warnings} official warning(s) recorded; an ESO normally follows the third occasion, "
        f"after {WARNINGS_BEFORE_ARREST} warnings"
    )


def _order_step(order: OrderState) -> str:
    if not order.made:
        return "ESO applied for, awaiting the court: no further action under three strikes meanwhile."
    if order.sessions_attended >= order.sessions_required:
        return f"ESO in place: all {order.sessions_required} support sessions attended; record the order as completed."
    return (
        f"ESO in place: support sessions {order.sessions_attended} of {order.sessions_required}; "
        "no further action under three strikes."
    )


@dataclass(frozen=True)
class StrikesAdvice:
    warnings: int
    referrals: int
    next_step: str  # what the policy allows next, in words for the tag panel
    referral_due: bool  # warned more often than referred: a referral is owed

    @property
    def summary(self) -> str:
        counts = f"{self.warnings} official warning(s), {self.referrals} referral(s)"
        owed = " Referral owed: every warned person is referred to support services." if self.referral_due else ""
        return f"{counts}. {self.next_step}{owed}"


def three_strikes(
    warnings: int, referrals: int, tier: int, in_prescribed_area: bool, order: OrderState | None = None
) -> StrikesAdvice:
    """What the three-strikes policy allows next for a sex worker seen now; ``order`` is the
    subject's latest ESO, if any."""
    if warnings < 0 or referrals < 0:
        raise ValueError("warnings and referrals cannot be negative")
    referral_due = referrals < warnings
    if tier < THREE_STRIKES_FROM_TIER:
        step = f"Tier {tier}: engagement and exit-support information only; three strikes starts at Tier 2."
    elif not in_prescribed_area:
        step = "Outside the prescribed area: record the sighting; the three-strikes policy applies inside it."
    elif order is not None and not order.ended:
        step = _order_step(order)
    elif warnings == 0:
        step = "First official warning may be given, with a referral to support services."
    elif warnings < WARNINGS_BEFORE_ARREST:
        step = "Second official warning may be given, with a referral to support services."
    else:
        step = (
            "Third occasion: arrest may be considered; contact the IOM team so the court can make "
            "an Engagement and Support Order instead of a fine."
        )
    if order is not None and order.ended and tier >= THREE_STRIKES_FROM_TIER and in_prescribed_area:
        step = f"Last ESO {order.ending}. {step}"
    return StrikesAdvice(warnings, referrals, step, referral_due)
