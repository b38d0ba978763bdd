"""`record verify` catches every kind of tampering done in SQL, on both engines."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import Connection, select, text

from console.chain import GENESIS, entry_hash
from console.services import Services
from console.types import Actor
from console.verify import _fields, verify
from storage.models import RecordEntry

Tamper = Callable[[Connection], None]


@pytest.fixture
def night(demo: Services, controller: Actor) -> Services:
    """A short night: shift start, six notes, shift end, anchored — 9 entries."""
    op = demo.operations.view("demo")
    shift = demo.shifts.start(controller, op.id, ["team-a"])
    for i in range(6):
        demo.shifts.note(controller, op.id, f"radio check {i}")
    demo.shifts.end(controller, op.id, int(shift.ref_id))
    demo.anchor("shift end")
    assert verify(demo.db, demo.anchors.read()).ok
    return demo


def _tamper(services: Services, sql: Tamper) -> None:
    """What an intruder with database access would do: lift the protection, then edit."""
    with services.db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("ALTER TABLE record_entry DISABLE TRIGGER USER"))
        else:
            conn.execute(text("DROP TRIGGER record_entry_no_update"))
            conn.execute(text("DROP TRIGGER record_entry_no_delete"))
        sql(conn)


def _first_problem(services: Services, *, with_anchor: bool = False) -> str:
    report = verify(services.db, services.anchors.read() if with_anchor else ())
    assert not report.ok, "tampering went unnoticed"
    return report.problems[0]


def test_edited_entry(night: Services) -> None:
    _tamper(night, lambda c: c.execute(text("UPDATE record_entry SET text = 'nothing happened' WHERE seq = 3")))
    assert _first_problem(night) == "entry 3 altered: its content no longer matches its hash"


def test_deleted_entry(night: Services) -> None:
    _tamper(night, lambda c: c.execute(text("DELETE FROM record_entry WHERE seq = 4")))
    assert _first_problem(night).startswith("entry 4 removed")


def test_swapped_entries(night: Services) -> None:
    def swap(c: Connection) -> None:
        c.execute(text("UPDATE record_entry SET seq = 1000 WHERE seq = 3"))
        c.execute(text("UPDATE record_entry SET seq = 3 WHERE seq = 4"))
        c.execute(text("UPDATE record_entry SET seq = 4 WHERE seq = 1000"))

    _tamper(night, swap)
    assert _first_problem(night).startswith("entry 3 altered")


def test_edited_domain_row(night: Services) -> None:
    _tamper(night, lambda c: c.execute(text("UPDATE log_note SET text = 'rewritten' WHERE id = 2")))
    problem = _first_problem(night)
    assert problem.startswith("log_note row 2 no longer matches entry 4")


def test_deleted_domain_row(night: Services) -> None:
    _tamper(night, lambda c: c.execute(text("DELETE FROM log_note WHERE id = 5")))
    assert _first_problem(night) == "log_note row 5 removed: entry 7 wrote it"


def test_domain_row_added_behind_the_record(night: Services) -> None:
    _tamper(
        night,
        lambda c: c.execute(
            text(
                "INSERT INTO log_note (id, operation_id, operator_id, noted_at, text) "
                "SELECT 99, operation_id, operator_id, noted_at, 'slipped in' FROM log_note WHERE id = 1"
            )
        ),
    )
    assert _first_problem(night) == "log_note row 99 was not written through the record"


def test_deleted_newest_entries(night: Services) -> None:
    _tamper(night, lambda c: c.execute(text("DELETE FROM record_entry WHERE seq > 7")))
    # The rows those entries wrote are now unaccounted for...
    assert _first_problem(night) == "log_note row 6 was not written through the record"
    # ...and the anchor names the truncation first.
    assert _first_problem(night, with_anchor=True).startswith(
        "record truncated: anchor of "
    ) and "counts 9 entries, the database has 7" in _first_problem(night, with_anchor=True)


def test_truncated_tail_without_domain_rows_is_caught_by_the_anchor(demo: Services, controller: Actor) -> None:
    op = demo.operations.view("demo")
    for i in range(4):
        demo.shifts.note(controller, op.id, f"note {i}")
    demo.anchor("hourly")
    _tamper(
        demo,
        lambda c: (
            c.execute(text("DELETE FROM log_note WHERE id > 2")),
            c.execute(text("DELETE FROM record_entry WHERE seq > 3")),
        ),
    )
    assert verify(demo.db).ok  # without an anchor a clean truncation cannot be seen...
    assert _first_problem(demo, with_anchor=True).startswith(  # ...with one it can
        "record truncated: anchor of "
    )


def test_rewritten_and_rehashed_chain_needs_the_anchor(night: Services) -> None:
    def rewrite(c: Connection) -> None:
        with night.db.read() as s:
            entries = s.scalars(select(RecordEntry).order_by(RecordEntry.seq)).all()
        prev = GENESIS
        for e in entries:
            fields = _fields(e)
            if e.seq == 2:
                fields["text"] = "history rewritten"
            fields["prev_hash"] = prev
            new_hash = entry_hash(fields)
            c.execute(
                text("UPDATE record_entry SET text = :t, prev_hash = :p, hash = :h WHERE seq = :s"),
                {"t": fields["text"], "p": prev, "h": new_hash, "s": e.seq},
            )
            prev = new_hash

    _tamper(night, rewrite)
    assert verify(night.db).ok  # a consistent forgery...
    assert _first_problem(night, with_anchor=True).startswith("record rewritten: entry 9 differs from the anchor")
