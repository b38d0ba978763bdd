"""Dispatch rules: the transition table (exhaustively), taskings, outcomes, urgent assistance and
conflicts between consoles, on both engines."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from console.dispatch import DispatchConflict, DispatchError
from console.dispatch_rules import (
    AVAILABLE,
    DISPATCHED,
    EN_ROUTE,
    OFF_DUTY,
    ON_SCENE,
    STATUSES,
    URGENT,
    OutcomeDraft,
)
from console.services import Services
from console.sightings import NewSubject, TagDraft
from console.text import TextError
from console.types import Actor
from console.verify import verify
from storage.models import (
    LogNote,
    Outcome,
    PatrolUnit,
    RecordEntry,
    Sighting,
    Tasking,
    TaskingUnit,
    UnitStatusChange,
)
from tests.test_sightings import frame, op_id, vehicle_tag


def unit_id(services: Services, call_sign: str) -> int:
    with services.db.read() as s:
        found = s.scalar(select(PatrolUnit.id).where(PatrolUnit.call_sign == call_sign))
    assert found is not None
    return found


def status_of(services: Services, unit: int) -> str:
    with services.db.read() as s:
        row = s.get(PatrolUnit, unit)
        assert row is not None
        return row.status


def force_status(services: Services, unit: int, status: str) -> None:
    """Put a unit straight into a status (test set-up only; bypasses the rules)."""
    with services.db.write.begin() as s:
        row = s.get(PatrolUnit, unit)
        assert row is not None
        row.status, row.status_since = status, datetime.now(UTC)
        row.urgent_acknowledged_at, row.urgent_acknowledged_by = None, ""


@pytest.fixture
def on_duty(demo: Services, controller: Actor) -> Services:
    demo.shifts.start(controller, op_id(demo), ["team-a", "team-b"])
    return demo


# The board's rules in words, independent of the service's own table: what a controller may
# set by hand from each status, for a unit that holds no tasking and for one that does.
FREE_UNIT = {
    "off_duty": {"available"},
    "available": {"busy", "off_duty", "urgent_assistance"},
    "dispatched": {"urgent_assistance"},  # (only reachable with a tasking)
    "en_route": {"urgent_assistance"},
    "on_scene": {"urgent_assistance"},
    "busy": {"available", "returning", "off_duty", "urgent_assistance"},
    "returning": {"available", "busy", "off_duty", "urgent_assistance"},
    "urgent_assistance": {"available", "busy", "returning"},
}
TASKED_UNIT = {
    "dispatched": {"en_route", "on_scene", "urgent_assistance"},
    "en_route": {"on_scene", "urgent_assistance"},
    "on_scene": {"en_route", "urgent_assistance"},
    "urgent_assistance": {"en_route", "on_scene"},
}


def test_every_status_change_follows_the_rules(on_duty: Services, controller: Actor) -> None:
    """All 8 x 8 pairs by hand from the radio log, for a free unit and for a tasked one."""
    oid = op_id(on_duty)
    free, tasked = unit_id(on_duty, "LANTERN 21"), unit_id(on_duty, "LANTERN 22")
    on_duty.dispatch.dispatch(controller, oid, tasked, instructions="Standing job")
    cases = [(free, c, FREE_UNIT[c]) for c in STATUSES] + [(tasked, c, TASKED_UNIT[c]) for c in TASKED_UNIT]
    tried = 0
    for unit, current, allowed_targets in cases:
        for target in STATUSES:
            force_status(on_duty, unit, current)
            if current == URGENT:
                on_duty.dispatch.acknowledge_urgent(controller, oid, unit)
            tried += 1
            if target in allowed_targets:
                on_duty.dispatch.set_status(controller, oid, unit, target, expected=current)
                assert status_of(on_duty, unit) == target, (unit, current, target)
            else:
                with pytest.raises(DispatchError):
                    on_duty.dispatch.set_status(controller, oid, unit, target, expected=current)
                assert status_of(on_duty, unit) == current, (unit, current, target)
    assert tried == 8 * 8 + 4 * 8
    assert verify(on_duty.db).ok


def test_dispatch_makes_a_tasking_and_the_unit_follows_it(on_duty: Services, controller: Actor) -> None:
    oid = op_id(on_duty)
    seen = on_duty.sightings.save(controller, oid, vehicle_tag("OY09 FEU", datetime.now(UTC)))
    unit = unit_id(on_duty, "LANTERN 11")
    result = on_duty.dispatch.dispatch(
        controller, oid, unit, sighting_id=seen.sighting_id, instructions="Stop check if it stops"
    )
    tasking = int(result.ref_id)
    assert status_of(on_duty, unit) == DISPATCHED
    with on_duty.db.read() as s:
        row = s.get(Tasking, tasking)
        assert row is not None and row.sighting_id == seen.sighting_id and row.location_id is not None
        entry = s.scalar(select(RecordEntry).where(RecordEntry.seq == result.seq))
        assert entry is not None and entry.kind == "tasking.dispatched"
        # The vehicle by its id, never its VRM: retention can erase the VRM and the entry holds.
        vehicle = seen_vehicle(on_duty, seen.sighting_id)
        assert "LANTERN 11 dispatched" in entry.text and f"vehicle {vehicle}" in entry.text
        assert "OY09" not in entry.text and "OY09" not in entry.payload
    on_duty.dispatch.set_status(controller, oid, unit, EN_ROUTE)
    on_duty.dispatch.set_status(controller, oid, unit, ON_SCENE)
    # Leaving the tasking by hand is refused: close it or reassign it.
    with pytest.raises(DispatchError, match="holds tasking T-"):
        on_duty.dispatch.set_status(controller, oid, unit, AVAILABLE)
    # One tasking per unit.
    with pytest.raises(DispatchConflict, match="already on tasking"):
        on_duty.dispatch.dispatch(controller, oid, unit, instructions="Another job")
    with on_duty.db.read() as s:
        changes = s.scalars(select(UnitStatusChange.to_status).where(UnitStatusChange.unit_id == unit)).all()
    assert list(changes)[-3:] == [DISPATCHED, EN_ROUTE, ON_SCENE]


def test_backup_reassign_and_close_with_outcomes(on_duty: Services, controller: Actor) -> None:
    oid = op_id(on_duty)
    now = datetime.now(UTC)
    seen = on_duty.sightings.save(controller, oid, vehicle_tag("AB12 CDE", now))
    worker = on_duty.sightings.save(
        controller,
        oid,
        TagDraft("cam02", now, "sex_worker", frame(), new_subject=NewSubject("Red coat")),
    )
    with on_duty.db.read() as s:
        vehicle_id = s.scalar(select(Sighting.vehicle_id).where(Sighting.id == seen.sighting_id))
        subject_id = s.scalar(select(Sighting.subject_id).where(Sighting.id == worker.sighting_id))
    a, b, c = (unit_id(on_duty, cs) for cs in ("LANTERN 11", "LANTERN 12", "LANTERN 21"))
    tasking = int(on_duty.dispatch.dispatch(controller, oid, a, sighting_id=seen.sighting_id).ref_id)
    on_duty.dispatch.join(controller, oid, tasking, b)
    assert status_of(on_duty, b) == DISPATCHED
    on_duty.dispatch.reassign(controller, oid, tasking, a, c)
    assert (status_of(on_duty, a), status_of(on_duty, c)) == (AVAILABLE, DISPATCHED)
    with on_duty.db.read() as s:
        places = s.execute(
            select(TaskingUnit.unit_id, TaskingUnit.role, TaskingUnit.released_at).where(
                TaskingUnit.tasking_id == tasking
            )
        ).all()
    assert {(u, r, rel is None) for u, r, rel in places} == {
        (a, "primary", False),
        (b, "backup", True),
        (c, "primary", True),
    }

    with pytest.raises(DispatchError, match="at least one outcome"):
        on_duty.dispatch.close(controller, oid, tasking, [])
    with pytest.raises(DispatchError, match="needs the vehicle"):
        on_duty.dispatch.close(controller, oid, tasking, [OutcomeDraft("stop_check")])
    with pytest.raises(DispatchError, match="where the referral goes"):
        on_duty.dispatch.close(controller, oid, tasking, [OutcomeDraft("referral", subject_id=subject_id)])
    with pytest.raises(DispatchError, match="who was arrested"):
        on_duty.dispatch.close(controller, oid, tasking, [OutcomeDraft("arrest")])
    with pytest.raises(TextError, match="control character"):
        on_duty.dispatch.close(controller, oid, tasking, [OutcomeDraft("no_trace", detail="bad\x1b")])
    assert vehicle_id is not None and subject_id is not None
    advice = on_duty.sightings.subject_history(oid, subject_id).advice
    assert advice is not None
    warnings_before = advice.warnings

    result = on_duty.dispatch.close(
        controller,
        oid,
        tasking,
        [
            OutcomeDraft("stop_check", vehicle_id=vehicle_id),
            OutcomeDraft("warning_letter", vehicle_id=vehicle_id),
            OutcomeDraft("official_warning", subject_id=subject_id),
            OutcomeDraft("referral", subject_id=subject_id, referral_to="iom"),
        ],
    )
    assert {status_of(on_duty, u) for u in (b, c)} == {AVAILABLE}
    with on_duty.db.read() as s:
        closed = s.get(Tasking, tasking)
        assert closed is not None and closed.closed_at is not None
        kinds = s.scalars(select(Outcome.kind).where(Outcome.tasking_id == tasking).order_by(Outcome.id)).all()
        entries = s.scalars(select(RecordEntry).where(RecordEntry.seq >= result.seq).order_by(RecordEntry.seq)).all()
    assert list(kinds) == ["stop_check", "warning_letter", "official_warning", "referral"]
    # One closing entry and one per outcome, in one action.
    assert [e.kind for e in entries] == [
        "tasking.closed",
        "outcome.stop_check",
        "outcome.warning_letter",
        "outcome.official_warning",
        "outcome.referral",
    ]
    assert entries[0].action_id and all(e.action_id.startswith(entries[0].action_id) for e in entries)
    assert f"vehicle {vehicle_id}" in entries[1].text and "to IOM" in entries[4].text
    assert not any("AB12" in e.text or "AB12" in e.payload for e in entries)  # no VRM in the record
    # The three-strikes status follows the outcomes through the one rule.
    advice = on_duty.sightings.subject_history(oid, subject_id).advice
    assert advice is not None and advice.warnings == warnings_before + 1 and advice.referrals == 1
    history = on_duty.sightings.vehicle_history(oid, "AB12 CDE")
    assert history is not None and history.last_stop_check is not None and history.last_letter is not None
    with pytest.raises(DispatchConflict, match="was closed at"):
        on_duty.dispatch.close(controller, oid, tasking, [OutcomeDraft("no_trace")])
    assert verify(on_duty.db).ok


def test_urgent_assistance_stays_until_acknowledged(on_duty: Services, controller: Actor) -> None:
    oid, unit = op_id(on_duty), unit_id(on_duty, "LANTERN 12")
    tasking = int(on_duty.dispatch.dispatch(controller, oid, unit, instructions="Check the alley").ref_id)
    on_duty.dispatch.set_status(controller, oid, unit, ON_SCENE)
    on_duty.dispatch.set_status(controller, oid, unit, URGENT)
    with pytest.raises(DispatchError, match="Acknowledge LANTERN 12's urgent assistance call first"):
        on_duty.dispatch.set_status(controller, oid, unit, ON_SCENE)
    sergeant = on_duty.operations.operator("sgt.demo", "test-console")
    on_duty.dispatch.acknowledge_urgent(sergeant, oid, unit)
    with pytest.raises(DispatchConflict, match="acknowledged by"):
        on_duty.dispatch.acknowledge_urgent(controller, oid, unit)
    with pytest.raises(DispatchError, match="holds tasking"):
        on_duty.dispatch.set_status(controller, oid, unit, AVAILABLE)
    on_duty.dispatch.set_status(controller, oid, unit, ON_SCENE)
    on_duty.dispatch.close(controller, oid, tasking, [OutcomeDraft("no_trace")])
    assert status_of(on_duty, unit) == AVAILABLE
    with on_duty.db.read() as s:
        kinds = s.scalars(select(RecordEntry.kind).order_by(RecordEntry.seq.desc()).limit(6)).all()
    assert "unit.urgent" in kinds and "unit.urgent_acknowledged" in kinds


def test_a_stale_board_is_told_what_changed(on_duty: Services, controller: Actor) -> None:
    """Two controllers act on what their boards showed: the second is refused and told."""
    oid, unit = op_id(on_duty), unit_id(on_duty, "LANTERN 22")
    other = on_duty.operations.operator("sgt.demo", "console-2")
    on_duty.dispatch.dispatch(other, oid, unit, instructions="Car park")
    with pytest.raises(DispatchConflict, match="LANTERN 22 is already on tasking T-"):
        on_duty.dispatch.dispatch(controller, oid, unit, instructions="Canal path")
    with pytest.raises(DispatchConflict, match="LANTERN 22 is now dispatched"):
        on_duty.dispatch.set_status(controller, oid, unit, OFF_DUTY, expected=AVAILABLE)
    with on_duty.db.read() as s:
        assert s.scalar(select(func.count()).select_from(Tasking).where(Tasking.closed_at.is_(None))) == 1


def test_dispatch_refuses_bad_input_clearly(on_duty: Services, controller: Actor) -> None:
    oid, unit = op_id(on_duty), unit_id(on_duty, "LANTERN 11")
    with pytest.raises(DispatchError, match="needs a sighting, a location or instructions"):
        on_duty.dispatch.dispatch(controller, oid, unit)
    with pytest.raises(DispatchError, match="No sighting 999999"):
        on_duty.dispatch.dispatch(controller, oid, unit, sighting_id=999999)
    with pytest.raises(DispatchError, match="No unit 999999"):
        on_duty.dispatch.dispatch(controller, oid, 999999, instructions="x")
    with pytest.raises(DispatchError, match="Unknown status"):
        on_duty.dispatch.set_status(controller, oid, unit, "lunch")
    force_status(on_duty, unit, OFF_DUTY)
    with pytest.raises(DispatchError, match="off duty: it cannot be dispatched"):
        on_duty.dispatch.dispatch(controller, oid, unit, instructions="x")
    auditor = on_duty.operations.operator("auditor.demo", "test-console")
    with pytest.raises(PermissionError, match="may not dispatch units"):
        on_duty.dispatch.dispatch(auditor, oid, unit_id(on_duty, "LANTERN 12"), instructions="x")
    assert status_of(on_duty, unit) == OFF_DUTY


def test_demo_seed_writes_dispatches_radio_lines_and_outcomes(services: Services) -> None:
    from console.demo import seed_nights

    seed_nights(services, 3)
    oid = op_id(services)
    with services.db.read() as s:
        taskings = s.scalars(select(Tasking)).all()
        kinds = set(s.scalars(select(Outcome.kind)))
        radio_lines = s.scalar(select(func.count()).select_from(LogNote).where(LogNote.unit_id.is_not(None)))
        statuses = {u.status for u in s.scalars(select(PatrolUnit))}
    assert taskings and all(t.closed_at is not None for t in taskings)  # every seeded tasking closed
    assert "stop_check" in kinds and radio_lines and radio_lines >= len(taskings)
    assert statuses == {OFF_DUTY}  # each seeded night ended with its shift
    assert services.operations.units(oid)
    report = verify(services.db, services.anchors.read())
    assert report.ok, report.problems


def seen_vehicle(services: Services, sighting_id: int) -> int | None:
    with services.db.read() as s:
        row = s.get(Sighting, sighting_id)
        return row.vehicle_id if row else None
