"""The three-strikes register: warnings and referrals with dates, the next step from the one
policy rule, and a warning with no referral after it listed as an exception."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta

from console.dispatch_rules import OutcomeDraft
from console.services import Services
from console.sightings import NewSubject
from console.strikes import register
from console.types import Actor
from tests.test_sightings import op_id, vehicle_tag


def warn(demo: Services, controller: Actor, sighting: int, when: datetime, refer: bool) -> None:
    oid = op_id(demo)
    unit = next(u for u in demo.operations.units(oid) if u.status == "available")
    tasking = int(demo.dispatch.dispatch(controller, oid, unit.id, sighting_id=sighting, event_time=when).ref_id)
    subject = demo.dispatch.parties(oid, tasking).subject_id
    outcomes = [OutcomeDraft("official_warning", subject_id=subject)]
    if refer:
        outcomes.append(OutcomeDraft("referral", subject_id=subject, referral_to="iom"))
    demo.dispatch.close(controller, oid, tasking, outcomes, event_time=when + timedelta(minutes=20))


def strikes_cli(demo: Services) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "console", "--db", demo.settings.db_url, "--operation", "demo", "strikes"]
    return subprocess.run(command, capture_output=True, text=True, check=False)


def test_the_register_shows_dates_the_next_step_and_a_warning_without_referral(
    demo: Services, controller: Actor
) -> None:
    oid = op_id(demo)
    start = datetime.now(UTC) - timedelta(days=3)
    demo.shifts.start(controller, oid, ["team-a"], event_time=start)
    person = {"category_key": "sex_worker", "vehicle": None, "new_subject": NewSubject("Green jacket")}
    first = demo.sightings.save(controller, oid, vehicle_tag("", start + timedelta(hours=1), **person))
    warn(demo, controller, first.sighting_id, start + timedelta(hours=1, minutes=5), refer=True)
    known = demo.sightings.search_subjects(oid, "Green jacket", "sex_worker", limit=1)[0]
    again = demo.sightings.save(
        controller, oid, vehicle_tag("", start + timedelta(days=1), category_key="sex_worker", vehicle=None,
                                     subject_id=known.id)
    )  # fmt: skip
    warn(demo, controller, again.sighting_id, start + timedelta(days=1, minutes=5), refer=False)
    (row,) = register(demo.db, oid)
    assert row.reference == first.subject_reference and len(row.warnings) == 2 and len(row.referrals) == 1
    assert row.referrals[0][1].startswith("IOM")
    assert row.next_step.startswith("Third occasion: arrest may be considered")
    assert row.exception.startswith("warned on") and "no referral since" in row.exception
    out = strikes_cli(demo)
    assert out.returncode == 0 and "EXCEPTION: warned on" in out.stdout and "warnings: 2" in out.stdout


def test_esos_are_in_the_register_and_an_order_in_place_changes_the_next_step(
    demo: Services, controller: Actor
) -> None:
    from tests.test_support_orders import new_subject

    oid, esos = op_id(demo), demo.support_orders
    start = datetime.now(UTC) - timedelta(days=6)
    demo.shifts.start(controller, oid, ["team-a"], event_time=start)
    warned, sighting = new_subject(demo, controller, start)
    warn(demo, controller, sighting, start + timedelta(minutes=5), refer=True)
    warn(demo, controller, sighting, start + timedelta(days=1), refer=True)
    order = esos.apply(controller, oid, warned, start + timedelta(days=2)).order_id
    esos.make(controller, oid, order, start + timedelta(days=3))
    esos.session_attended(controller, oid, order, start + timedelta(days=4))
    esos.session_attended(controller, oid, order, start + timedelta(days=5))
    unwarned, _ = new_subject(demo, controller, start)  # an ESO with no warnings recorded here
    esos.apply(controller, oid, unwarned, start + timedelta(days=1))
    rows = {r.subject_id: r for r in register(demo.db, oid)}
    assert set(rows) == {warned, unwarned}
    first = rows[warned]
    assert first.order is not None and "sessions 2 of 3" in first.order.words()
    assert first.next_step == "ESO in place: support sessions 2 of 3; no further action under three strikes."
    assert first.exception == ""
    second = rows[unwarned]
    assert second.warnings == () and second.next_step.startswith("ESO applied for, awaiting the court")
    esos.session_attended(controller, oid, order)
    assert register(demo.db, oid)[0].next_step.startswith("ESO in place: all 3 support sessions attended")
    esos.end(controller, oid, order, "completed")
    after = next(r for r in register(demo.db, oid) if r.subject_id == warned)
    assert after.next_step.startswith("Last ESO completed. Third occasion: arrest may be considered")
    out = strikes_cli(demo)
    assert out.returncode == 0 and "ESO: made " in out.stdout and "completed" in out.stdout
    assert "    ESO: applied " in out.stdout and "next: ESO applied for, awaiting the court" in out.stdout
