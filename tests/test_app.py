"""The whole console on the demo operation, as `make run` starts it (offscreen): the wall moves,
the shift starts, a note lands in the record, closing ends the shift, and the record verifies."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date
from pathlib import Path

from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from console.app import ConsoleSession, tier_words
from console.services import build_services
from console.verify import verify
from tests.conftest import demo_settings

ROOT = Path(__file__).resolve().parents[1]


def test_demo_console_end_to_end(qtbot: QtBot, tmp_path: Path, demo_clips: Path) -> None:
    settings = demo_settings(tmp_path, demo_clips)
    services = build_services(settings)
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    session = ConsoleSession(app, services)
    try:
        assert session.start()
        window = session.window
        assert window is not None
        assert "DEMO MODE" in window.windowTitle()
        tiles = window.wall.tiles
        assert len(tiles) == 8
        # every demo camera is live and moving
        qtbot.waitUntil(lambda: all(t.shown_sequence > 0 for t in tiles), timeout=30_000)
        first = tiles[0].shown_sequence
        qtbot.waitUntil(lambda: tiles[0].shown_sequence > first + 5, timeout=30_000)
        assert all(t.feed.health().words == "live" for t in tiles)
        # the shift started, its teams' units are on the board as available
        model = window.record_model

        def kinds() -> list[str]:
            return [model.data(model.index(r, 3)) for r in range(model.rowCount())]

        qtbot.waitUntil(lambda: "shift.started" in kinds(), timeout=15_000)
        qtbot.waitUntil(lambda: any(c.unit.status == "available" for c in window.board.cards.values()), timeout=15_000)
        assert window.status.tier.text() == tier_words(services.operations.view("demo"), date.today())
        assert "SQLite connected" in window.status.database.text()
        # a note typed in the panel lands in the record and shows in the list
        window.actions_by_name["tile.4"].trigger()
        window.tag_panel.note.setPlainText("Lighting out by the footbridge")
        window.tag_panel.submit()
        qtbot.waitUntil(lambda: "Saved as record entry" in window.tag_panel.status.text(), timeout=15_000)
        qtbot.waitUntil(
            lambda: any(
                model.data(model.index(r, 4)) == "Lighting out by the footbridge" for r in range(model.rowCount())
            ),
            timeout=15_000,
        )
        # the operator saves the wall as a named view, changes it, and brings the view back
        wall, bar = window.wall, window.wall_bar
        wall.swap(0, 1)
        saved_view = wall.current_view()
        bar.save_requested.emit("Canal watch")
        qtbot.waitUntil(lambda: bar.views.findText("Canal watch") >= 0, timeout=15_000)
        assert "saved" in bar.message.text()
        window.actions_by_name["wall.layout.2x2"].trigger()
        assert wall.layout_name == "2x2" and bar.layout_buttons["2x2"].isChecked()
        bar.view_chosen.emit("Canal watch")
        assert wall.current_view() == saved_view
        # each camera is decoded in its own helper process
        helper_pids = [f.helper_pid for f in session.supervisor.feeds.values()] if session.supervisor else []
        assert len(set(helper_pids)) == 8 and os.getpid() not in helper_pids
        # closing ends the shift (in a worker) and anchors the head
        window.close()
        qtbot.waitUntil(lambda: session.handover_dialog is not None, timeout=15_000)
        summary = session.handover_dialog.text.toPlainText()
        assert "Open taskings:" in summary and services.record.head().hash in summary
        session.handover_dialog.end.click()
        qtbot.waitUntil(lambda: not window.isVisible(), timeout=15_000)
    finally:
        session.shutdown()
    for pid in helper_pids:  # no helper outlives the console
        assert (
            pid is None or not Path(f"/proc/{pid}").exists() or "Z" in Path(f"/proc/{pid}/stat").read_text().split()[2]
        )
    # The recorder stops after the shift has ended (the console closing): its entries follow.
    newest = [e for e in services.record.latest(8) if not e.kind.startswith("recording.")]
    assert services.record.latest(1)[0].kind == "recording.stopped"
    assert [e.kind for e in newest[:2]] == ["auth.logout", "shift.ended"]  # the operator logs out last
    assert newest[2].kind == "log.note" and newest[2].detail == "Lighting out by the footbridge"
    anchors = services.anchors.read()
    assert [a.reason for a in anchors] == ["shift start", "shift end"]
    report = verify(services.db, anchors)
    assert report.ok, report.problems
    services.close()


def test_without_a_display_it_says_how_to_start_and_exits_2(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    env["SENTINEL_DATA_DIR"] = str(tmp_path)
    result = subprocess.run(
        [sys.executable, "-m", "console", "--demo"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert "xvfb-run -a" in result.stderr
