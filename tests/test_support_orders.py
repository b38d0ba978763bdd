"""Engagement and Support Orders: applied for, made, sessions attended, ended, each step a record
entry that names the subject by reference only; bad steps refused in words; the count of orders
in place at a moment; and the record still verifies. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from console.access import PermissionDenied
from console.services import Services
from console.sightings import NewSubject
from console.support_orders import SupportOrderError
from console.types import Actor
from console.verify import verify
from storage.models import RecordEntry, SupportOrder
from tests.test_sightings import op_id, vehicle_tag
from tests.test_strikes import warn


def new_subject(demo: Services, controller: Actor, when: datetime, category: str = "sex_worker") -> tuple[int, int]:
    """(subject id, sighting id) of a new subject seen at ``when`` in the prescribed area."""
    tag = vehicle_tag("", when, category_key=category, vehicle=None, new_subject=NewSubject("Red coat"))
    saved = demo.sightings.save(controller, op_id(demo), tag)
    subject = demo.sightings.search_subjects(op_id(demo), saved.subject_reference, category, limit=1)[0]
    return subject.id, saved.sighting_id


def test_an_eso_from_application_to_completion_each_step_in_the_record(demo: Services, controller: Actor) -> None:
    oid, esos = op_id(demo), demo.support_orders
    start = datetime.now(UTC) - timedelta(days=10)
    demo.shifts.start(controller, oid, ["team-a"], event_time=start)
    subject, sighting = new_subject(demo, controller, start)
    warn(demo, controller, sighting, start + timedelta(minutes=5), refer=True)
    warn(demo, controller, sighting, start + timedelta(days=1), refer=True)
    applied = esos.apply(controller, oid, subject, start + timedelta(days=2), sessions_required=2, notes="via IOM")
    assert applied.caution == ""  # two warnings: the usual course
    order = applied.order_id
    assert esos.in_place(oid) == []  # applied for is not in place
    esos.make(controller, oid, order, start + timedelta(days=3))
    made_at = start + timedelta(days=3)
    esos.session_attended(controller, oid, order, start + timedelta(days=4))
    (view,) = esos.orders(oid, subject)
    assert view.words().startswith("made") and "sessions 1 of 2" in view.words() and view.is_open
    esos.session_attended(controller, oid, order, start + timedelta(days=5))
    with pytest.raises(SupportOrderError, match=r"All 2 sessions .* end it as completed"):
        esos.session_attended(controller, oid, order, start + timedelta(days=6))
    ended = esos.end(controller, oid, order, "completed", start + timedelta(days=6))
    assert esos.in_place(oid) == []
    with demo.db.read() as s:
        from console.support_orders import in_place

        assert in_place(s, oid, made_at - timedelta(seconds=1)) == []
        assert in_place(s, oid, made_at) == [order]  # made at that moment: in place
        assert in_place(s, oid, start + timedelta(days=6) - timedelta(seconds=1)) == [order]
        row = s.get(SupportOrder, order)
        assert row is not None and (row.sessions_attended, row.ending) == (2, "completed") and row.notes == "via IOM"
        kinds = s.scalars(
            select(RecordEntry.kind).where(RecordEntry.ref_type == "support_order").order_by(RecordEntry.seq)
        ).all()
        assert kinds == ["eso.applied", "eso.made", "eso.session", "eso.session", "eso.ended"]
        last = s.scalars(select(RecordEntry).where(RecordEntry.seq == ended.result.seq)).one()
        assert last.text.startswith("ESO ended (completed): SW-") and "IOM" not in last.text + last.payload
    with pytest.raises(SupportOrderError, match=r"already ended \(completed\)"):
        esos.session_attended(controller, oid, order)
    report = verify(demo.db)
    assert report.ok, report.problems


def test_an_early_application_is_recorded_with_the_caution_and_bad_steps_are_refused(
    demo: Services, controller: Actor
) -> None:
    oid, esos = op_id(demo), demo.support_orders
    start = datetime.now(UTC) - timedelta(days=5)
    subject, _ = new_subject(demo, controller, start)
    with pytest.raises(SupportOrderError, match="no subject 99999"):
        esos.apply(controller, oid, 99999)
    with pytest.raises(SupportOrderError, match="still to come"):
        esos.apply(controller, oid, subject, datetime.now(UTC) + timedelta(days=2))
    with pytest.raises(SupportOrderError, match="between 1 and 20"):
        esos.apply(controller, oid, subject, sessions_required=0)
    kerb, _ = new_subject(demo, controller, start, category="kerb_crawler")
    with pytest.raises(SupportOrderError, match="not a sex-worker subject"):
        esos.apply(controller, oid, kerb)
    applied = esos.apply(controller, oid, subject, start + timedelta(days=1))
    assert "only 0 official warning(s) recorded" in applied.caution
    assert "normally follows the third occasion" in demo.record.latest(1)[0].text
    order = applied.order_id
    with pytest.raises(SupportOrderError, match="already has an ESO applied for"):
        esos.apply(controller, oid, subject)
    with pytest.raises(SupportOrderError, match="has not been made yet"):
        esos.session_attended(controller, oid, order)
    with pytest.raises(SupportOrderError, match="cannot be completed"):
        esos.end(controller, oid, order, "completed")
    with pytest.raises(SupportOrderError, match="cannot be before the application"):
        esos.make(controller, oid, order, start)
    with pytest.raises(SupportOrderError, match="ends as one of completed, refused"):
        esos.end(controller, oid, order, "lapsed")
    with pytest.raises(SupportOrderError, match="no ESO 424242"):
        esos.make(controller, oid, 424242)
    esos.make(controller, oid, order, start + timedelta(days=2))
    with pytest.raises(SupportOrderError, match="already made"):
        esos.make(controller, oid, order)
    with pytest.raises(SupportOrderError, match="only an application can be refused"):
        esos.end(controller, oid, order, "refused")
    with pytest.raises(SupportOrderError, match="has attended 0 of 3 sessions"):
        esos.end(controller, oid, order, "completed")
    auditor = demo.operations.operator("auditor.demo", "test-console")
    with pytest.raises(PermissionDenied):
        esos.end(auditor, oid, order, "breached")
    assert esos.in_place(oid) == [order]
    esos.end(controller, oid, order, "breached", notes="missed the second meeting")
    assert esos.in_place(oid) == []
    # a new application after the order ended is allowed; a refused one ends it unmade
    again = esos.apply(controller, oid, subject).order_id
    esos.end(controller, oid, again, "refused")
    assert [o.ending for o in esos.orders(oid, subject)] == ["breached", "refused"]
    report = verify(demo.db)
    assert report.ok, report.problems
