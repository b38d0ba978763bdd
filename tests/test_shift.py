"""The night's shift: units and crews picked from the roster at the start, and the hand-over
summary shown and written to the record at the end, on both engines."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from console.dispatch_rules import OutcomeDraft
from console.services import Services
from console.shift import ShiftError
from console.types import Actor
from console.verify import verify
from storage.models import Officer, PatrolUnit, RecordEntry
from tests.test_sightings import op_id


def statuses(services: Services) -> dict[str, str]:
    with services.db.read() as s:
        return {u.call_sign: u.status for u in s.scalars(select(PatrolUnit))}


def test_start_picks_units_and_crews_from_the_roster(demo: Services, controller: Actor) -> None:
    oid = op_id(demo)
    roster = demo.shifts.roster(oid)
    assert {u.call_sign for u in roster.units} == {"LANTERN 11", "LANTERN 12", "LANTERN 21", "LANTERN 22"}
    doyle = next(o for o in roster.officers if o.collar_number == "SC 7718")
    assert doyle.special_constable and doyle.unit_call_sign == "LANTERN 12"
    result = demo.shifts.start(
        controller,
        oid,
        ["team-a"],
        units=["LANTERN 11"],
        crews={"SC 7718": "LANTERN 11", "PC 1930": None},
    )
    assert statuses(demo) == {
        "LANTERN 11": "available",
        "LANTERN 12": "off_duty",
        "LANTERN 21": "off_duty",
        "LANTERN 22": "off_duty",
    }
    with demo.db.read() as s:
        crew = {o.collar_number: o.unit_id for o in s.scalars(select(Officer))}
        lantern_11 = s.scalar(select(PatrolUnit.id).where(PatrolUnit.call_sign == "LANTERN 11"))
        entry = s.scalar(select(RecordEntry).where(RecordEntry.seq == result.seq))
    assert crew["SC 7718"] == lantern_11 and crew["PC 1930"] is None
    assert entry is not None and "units on duty: LANTERN 11" in entry.text
    assert json.loads(entry.payload)["crews"] == {"SC 7718": "LANTERN 11", "PC 1930": ""}
    units = {u.call_sign: u for u in demo.operations.units(oid)}
    assert any("SC 7718" in o and "(Special)" in o for o in units["LANTERN 11"].officers)
    with pytest.raises(ShiftError, match="Not on the roster: PC 0000"):
        demo.shifts.start(controller, oid, ["team-b"], crews={"PC 0000": None})
    assert verify(demo.db).ok


def test_end_writes_the_hand_over_summary(demo: Services, controller: Actor) -> None:
    oid = op_id(demo)
    shift = int(demo.shifts.start(controller, oid, ["team-a"]).ref_id)
    units = {u.call_sign: u.id for u in demo.operations.units(oid)}
    closed = int(demo.dispatch.dispatch(controller, oid, units["LANTERN 11"], instructions="Car park").ref_id)
    demo.dispatch.close(controller, oid, closed, [OutcomeDraft("no_trace"), OutcomeDraft("intelligence_submission")])
    demo.dispatch.dispatch(controller, oid, units["LANTERN 12"], instructions="Alley by the station")
    summary = demo.shifts.handover(oid, shift)
    assert len(summary.open_taskings) == 1 and "LANTERN 12" in summary.open_taskings[0]
    assert "Alley by the station" in summary.open_taskings[0]
    assert summary.outcomes == {"intelligence_submission": 1, "no_trace": 1}
    assert "LANTERN 12: dispatched" in " ".join(summary.units)
    head = demo.record.head()
    assert (summary.entries, summary.head_hash) == (head.count, head.hash)
    words = summary.words()
    assert "Open taskings:" in words and head.hash in words and "no trace: 1" in words

    result = demo.shifts.end(controller, oid, shift)
    with demo.db.read() as s:
        entry = s.scalar(select(RecordEntry).where(RecordEntry.seq == result.seq))
    assert entry is not None and entry.kind == "shift.ended"
    assert "1 open tasking(s), 2 outcome(s)" in entry.text
    payload = json.loads(entry.payload)
    assert payload["head_hash"] == head.hash and payload["outcomes"]["no_trace"] == 1
    # A unit still on a tasking stays on it; the others go off duty.
    assert statuses(demo)["LANTERN 12"] == "dispatched" and statuses(demo)["LANTERN 11"] == "off_duty"
    with pytest.raises(ShiftError, match="already ended"):
        demo.shifts.end(controller, oid, shift)
    assert verify(demo.db).ok
