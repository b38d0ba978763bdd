"""Several consoles on one PostgreSQL database: each hears the others' changes through
LISTEN/NOTIFY (not the poll), and two dispatching one unit at once get one winner."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from console.feed import ChangeListener, RecordFeed, listen_for_changes
from console.services import Services
from console.tasks import Tasks
from console.types import Actor
from tests.test_sightings import op_id
from widgets.board import DispatchBoard

pytestmark = pytest.mark.postgres
ROOT = Path(__file__).resolve().parents[1]
BOUND_MS = 15_000


def other_console(demo: Services, tmp_path: Path, name: str, call_sign: str, start_at: float) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.dispatch_worker",
            demo.settings.db_url,
            name,
            call_sign,
            str(start_at),
            str(tmp_path),
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def card_text(board: DispatchBoard, call_sign: str) -> str:
    cards = {c.unit.call_sign: c for c in board.cards.values()}
    return cards[call_sign].status.text() if call_sign in cards else ""


@pytest.fixture
def live_feed(qtbot: QtBot, demo: Services, controller: Actor) -> Iterator[tuple[RecordFeed, ChangeListener]]:
    demo.shifts.start(controller, op_id(demo), ["team-a", "team-b"])
    tasks = Tasks()
    feed = RecordFeed(demo, tasks, op_id(demo), interval_ms=600_000)  # the poll would be far too late
    listener = listen_for_changes(demo, tasks, feed)
    assert listener is not None
    feed.start()
    qtbot.waitUntil(lambda: listener.is_listening, timeout=BOUND_MS)
    yield feed, listener
    listener.stop()
    feed.stop()
    tasks.wait()


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_a_dispatch_on_another_console_shows_on_this_board(
    qtbot: QtBot, demo: Services, tmp_path: Path, live_feed: tuple[RecordFeed, ChangeListener]
) -> None:
    feed, _ = live_feed
    board = DispatchBoard()
    qtbot.addWidget(board)
    feed.units_changed.connect(board.show_units)
    arrived: list[str] = []
    feed.entries_arrived.connect(lambda entries: arrived.extend(e.kind for e in entries))
    qtbot.waitUntil(lambda: "AVAILABLE" in card_text(board, "LANTERN 11"), timeout=BOUND_MS)

    worker = other_console(demo, tmp_path, "console-2", "LANTERN 11", time.time())
    out, err = worker.communicate(timeout=120)
    assert worker.returncode == 0, err
    assert out.startswith("dispatched T-"), out
    qtbot.waitUntil(lambda: "DISPATCHED" in card_text(board, "LANTERN 11"), timeout=BOUND_MS)
    assert "tasking.dispatched" in arrived


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_two_consoles_dispatching_one_unit_at_once_get_one_winner(
    demo: Services, controller: Actor, tmp_path: Path
) -> None:
    demo.shifts.start(controller, op_id(demo), ["team-a"])
    start_at = time.time() + 3.0  # both processes are up and waiting by then
    workers = [other_console(demo, tmp_path, f"console-{i}", "LANTERN 12", start_at) for i in (1, 2)]
    lines = []
    for worker in workers:
        out, err = worker.communicate(timeout=120)
        assert worker.returncode == 0, err
        lines.append(out.strip())
    assert sorted(line.split()[0] for line in lines) == ["dispatched", "refused"], lines
    refusal = next(line for line in lines if line.startswith("refused"))
    assert "LANTERN 12 is already on tasking T-" in refusal
