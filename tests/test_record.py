"""The one write path and the operation record, on SQLite and on a real PostgreSQL."""

from __future__ import annotations

import itertools

import pytest
from sqlalchemy import func, select, text

from console.access import PermissionDenied
from console.record import ActionContext, EntryDraft
from console.services import Services
from console.shift import ShiftError
from console.types import Actor
from console.verify import verify
from storage.models import LogNote, RecordEntry


def _count(services: Services, model: type) -> int:
    with services.db.read() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def test_actions_build_one_unbroken_chain(demo: Services, controller: Actor) -> None:
    op = demo.operations.view("demo")
    shift = demo.shifts.start(controller, op.id, ["team-a"])
    for i in range(5):
        demo.shifts.note(controller, op.id, f"radio check {i}")
    demo.shifts.end(controller, op.id, int(shift.ref_id))

    entries = list(demo.record.entries())
    assert [e.seq for e in entries] == list(range(1, 9))
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(entries))
    report = verify(demo.db)
    assert report.ok, report.problems
    assert report.entries == 8
    assert demo.record.head().hash == entries[-1].hash


def test_entry_refers_to_the_note_but_does_not_copy_its_words(demo: Services, controller: Actor) -> None:
    op = demo.operations.view("demo")
    demo.shifts.note(controller, op.id, "Blue Ford circling Canal Street")
    newest = demo.record.latest(1)[0]
    assert newest.kind == "log.note" and newest.ref_type == "log_note"
    assert "Canal" not in newest.text
    assert newest.detail == "Blue Ford circling Canal Street"
    with demo.db.read() as s:
        stored = s.scalars(select(RecordEntry).order_by(RecordEntry.seq.desc())).first()
        assert stored is not None and "Canal" not in stored.payload + stored.text + stored.rows


def test_replayed_action_is_recognised_not_applied_twice(demo: Services, controller: Actor) -> None:
    op = demo.operations.view("demo")
    first = demo.shifts.note(controller, op.id, "once only", action_id="a" * 32)
    again = demo.shifts.note(controller, op.id, "once only", action_id="a" * 32)
    assert not first.replayed and again.replayed
    assert again.seq == first.seq
    assert _count(demo, LogNote) == 1


def test_permission_is_enforced_and_nothing_is_written(demo: Services) -> None:
    auditor = demo.operations.operator("auditor.demo", "test-console")
    op = demo.operations.view("demo")
    before = demo.record.head()
    with pytest.raises(PermissionDenied, match="auditor may not write in the log"):
        demo.shifts.note(auditor, op.id, "not allowed")
    assert demo.record.head() == before
    assert _count(demo, LogNote) == 0


def test_failed_action_leaves_neither_rows_nor_entry(demo: Services, controller: Actor) -> None:
    op = demo.operations.view("demo")
    before = demo.record.head()

    def half_done(ctx: ActionContext) -> EntryDraft:
        ctx.session.add(
            LogNote(
                operation_id=op.id, operator_id=controller.operator_id, noted_at=ctx.event_time, text="should vanish"
            )
        )
        ctx.session.flush()
        raise ShiftError("the radio dropped mid-action")

    with pytest.raises(ShiftError):
        demo.record.perform(controller, "log.note", half_done, operation_id=op.id)
    assert demo.record.head() == before
    assert _count(demo, LogNote) == 0
    assert verify(demo.db).ok


def test_unknown_team_refuses_the_shift(demo: Services, controller: Actor) -> None:
    op = demo.operations.view("demo")
    with pytest.raises(ShiftError, match="Unknown team"):
        demo.shifts.start(controller, op.id, ["team-z"])
    with pytest.raises(ShiftError, match="at least one team"):
        demo.shifts.start(controller, op.id, [])


def test_database_refuses_to_change_or_delete_record_entries(demo: Services) -> None:
    for statement in ("UPDATE record_entry SET text = 'x'", "DELETE FROM record_entry"):
        with pytest.raises(Exception, match="append-only"), demo.db.engine.begin() as conn:
            conn.execute(text(statement))
    assert demo.record.head().count == 1
