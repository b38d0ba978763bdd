"""Working through faults: with the real PostgreSQL server stopped mid-shift, 50 tags, log lines,
status changes and a tasking's close go into the fsync'ed journal; when it is back they land
exactly once, in order, with their event times, and a dispatch that now conflicts is recorded as
a conflict, never dropped. A console killed with SIGKILL in a burst of tagging loses nothing it
acknowledged. The record verifies after each."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from console.demo import demo_spec, system_actor
from console.dispatch_rules import OutcomeDraft
from console.journal import Journal, JournaledWriter
from console.services import Services, build_services
from console.settings import Settings
from console.verify import verify
from storage.models import RecordEntry, Sighting
from tests.servers.postgres import PostgresServer, ServerUnavailable
from tests.test_sightings import vehicle_tag

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def own_postgres() -> Iterator[PostgresServer]:
    """A server of this test's own: it is stopped and started again."""
    server = PostgresServer()
    try:
        server.start()
    except ServerUnavailable as exc:
        pytest.fail(f"cannot start a PostgreSQL server: {exc}", pytrace=False)
    try:
        yield server
    finally:
        server.stop()


def console(url: str, tmp_path: Path, name: str) -> Services:
    return build_services(
        Settings(data_dir=tmp_path / name, db_url=url, anchor_path=tmp_path / f"{name}.jsonl", console_id=name)
    )


@pytest.mark.postgres
def test_fifty_actions_made_while_the_database_is_down_land_exactly_once(
    own_postgres: PostgresServer, tmp_path: Path
) -> None:
    url = own_postgres.create_database()
    a = console(url, tmp_path, "console-a")
    a.operations.import_spec(system_actor("console-a"), demo_spec(date.today()))
    op = a.operations.view("demo")
    me = a.operations.operator("demo", "console-a")
    a.shifts.start(me, op.id, ["team-a"])
    units = {u.call_sign: u for u in a.operations.units(op.id)}
    seen = a.sightings.save(me, op.id, vehicle_tag("OY09 FEU", datetime.now(UTC) - timedelta(minutes=3)))
    tasking = int(a.dispatch.dispatch(me, op.id, units["LANTERN 12"].id, sighting_id=seen.sighting_id).ref_id)
    writer = JournaledWriter(a, Journal(tmp_path / "console-a" / "journal", "console-a"))
    before = a.record.head().count

    own_postgres.halt()  # the network or the server goes away mid-shift
    made: list[datetime] = []
    results = []
    for n in range(50):
        made.append(datetime.now(UTC))
        if n % 5 == 0:
            tag = vehicle_tag("LB17 KXR", datetime.now(UTC), notes=f"offline tag {n}")
            results.append(writer.tag(me, op.id, tag).result)
        elif n == 7:
            results.append(writer.set_status(me, op.id, units["LANTERN 12"].id, "on_scene", expected="dispatched"))
        elif n == 9:
            results.append(writer.note(me, op.id, f"offline line {n}", unit_id=units["LANTERN 12"].id))
        else:
            results.append(writer.note(me, op.id, f"offline line {n}"))
    late_dispatch = writer.dispatch(me, op.id, units["LANTERN 11"].id, seen.sighting_id)
    assert all(r.journaled for r in [*results, late_dispatch]) and writer.waiting == 51

    own_postgres.resume()
    b = console(url, tmp_path, "console-b")  # meanwhile, another console sends LANTERN 11 elsewhere
    other = b.operations.operator("sgt.demo", "console-b")
    b.dispatch.dispatch(other, op.id, units["LANTERN 11"].id, sighting_id=seen.sighting_id)
    replayed = writer.replay()
    assert replayed.landed == 50 and replayed.waiting == 0
    assert len(replayed.conflicts) == 1 and replayed.conflicts[0].startswith("dispatch of LANTERN 11 at ")
    assert writer.replay().landed == 0  # a second replay writes nothing
    with a.db.read() as s:
        notes = s.execute(
            select(RecordEntry.event_time, RecordEntry.append_time, RecordEntry.text)
            .where(RecordEntry.kind == "log.note", RecordEntry.seq > before)
            .order_by(RecordEntry.seq)
        ).all()
        tags = s.scalar(select(func.count()).select_from(Sighting).where(Sighting.notes.like("offline tag %")))
        conflict = s.execute(
            select(RecordEntry.text, RecordEntry.operator).where(RecordEntry.kind == "journal.conflict")
        ).one()
        statuses = s.scalar(select(func.count()).select_from(RecordEntry).where(RecordEntry.kind == "unit.status",
                                                                                RecordEntry.seq > before))  # fmt: skip
    assert tags == 10 and len(notes) == 39 and statuses == 1
    # In order, each keeping the time it was made; appended after the server came back.
    assert [n.event_time for n in notes] == sorted(n.event_time for n in notes)
    assert all(n.append_time > n.event_time for n in notes)
    assert notes[0].event_time >= made[0] - timedelta(seconds=1)
    assert conflict.operator == "demo" and "could not be applied" in conflict.text
    assert a.record.head().count == before + 50 + 1 + 1  # b's dispatch, and the conflict entry
    a.dispatch.close(me, op.id, tasking, [OutcomeDraft("no_trace")])
    assert verify(a.db).ok
    a.close()
    b.close()


def test_an_action_the_services_refuse_is_not_journaled(demo: Services, tmp_path: Path) -> None:
    writer = JournaledWriter(demo, Journal(tmp_path / "journal", "c1"))
    me = demo.operations.operator("demo", "c1")
    with pytest.raises(ValueError, match="needs some text"):
        writer.note(me, demo.operations.view("demo").id, "   ")
    assert writer.waiting == 0


def test_a_torn_last_line_is_skipped(tmp_path: Path) -> None:
    journal = Journal(tmp_path, "c1")
    journal.path.write_bytes(b'{"action_id": "x", "kind": "note", "event_ti')  # power cut mid-write
    assert journal.pending() == []


def test_a_console_killed_in_a_burst_of_tagging_loses_nothing_it_acknowledged(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'console.db'}"
    first = console(url, tmp_path, "c1")
    first.operations.import_spec(system_actor("c1"), demo_spec(date.today()))
    first.close()
    worker = subprocess.Popen(
        [sys.executable, "-m", "tests.journal_worker", url, str(tmp_path / "c1"), "400"],
        cwd=ROOT, stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )  # fmt: skip
    assert worker.stdout is not None
    acknowledged = []
    deadline = time.monotonic() + 120
    while len(acknowledged) < 25 and time.monotonic() < deadline:
        line = worker.stdout.readline()
        if not line:
            break
        acknowledged.append(int(line.split()[1]))
    worker.send_signal(signal.SIGKILL)  # mid-burst: no chance to tidy up
    worker.wait(30)
    worker.stdout.close()
    assert len(acknowledged) >= 25
    again = console(url, tmp_path, "c1")
    writer = JournaledWriter(again, Journal(tmp_path / "c1" / "journal", "c1"))
    writer.replay()
    with again.db.read() as s:
        ids = set(s.scalars(select(RecordEntry.seq).where(RecordEntry.kind == "sighting.tagged")))
    assert set(acknowledged) <= ids
    report = verify(again.db)
    assert report.ok, report.problems
    again.close()
