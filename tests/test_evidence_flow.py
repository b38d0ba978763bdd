"""Recording and evidence at the console: the wall says which cameras are recording, and an
export made from a sighting through the dialog is a package that verifies."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from console.evidence import verify_package
from console.services import Services
from tests.conftest import console_session
from tests.test_recording import index_footage
from tests.test_sightings import vehicle_tag

WAIT_MS = 30_000


@pytest.fixture
def console(qtbot: QtBot, tmp_path: Path, demo_clips: Path) -> Iterator[tuple[Any, Services]]:
    with console_session(tmp_path, demo_clips) as started:
        yield started


def test_the_console_records_its_cameras_and_the_wall_says_so(qtbot: QtBot, console: tuple[Any, Services]) -> None:
    session, services = console
    assert session.recording is not None
    qtbot.waitUntil(lambda: all(s.recording for s in session.recording.states().values()), timeout=WAIT_MS)
    tile = session.window.wall.tiles[0]
    qtbot.waitUntil(lambda: tile.recording_words == "recording", timeout=WAIT_MS)
    assert tile.recording_mark() == "● REC"
    with services.db.read() as s:
        from sqlalchemy import select

        from storage.models import RecordEntry

        assert s.scalars(select(RecordEntry).where(RecordEntry.kind == "recording.started")).first() is not None


def test_export_around_a_sighting_through_the_dialog(
    qtbot: QtBot, console: tuple[Any, Services], test_clip: Path
) -> None:
    session, services = console
    window = session.window
    op_id = services.operations.view("demo").id
    when = datetime.now(UTC) - timedelta(hours=2)
    index_footage(services, op_id, "cam01", test_clip, [(when - timedelta(seconds=90), when + timedelta(seconds=90))])
    controller = services.operations.operator("demo", "test-console")
    tagged = services.sightings.save(controller, op_id, vehicle_tag("OY09 FEU", when))
    window.sightings.period.setCurrentIndex(window.sightings.period.count() - 1)  # the longest period
    qtbot.waitUntil(lambda: any(r.id == tagged.sighting_id for r in window.sightings.model.rows), timeout=WAIT_MS)
    row = next(i for i, r in enumerate(window.sightings.model.rows) if r.id == tagged.sighting_id)
    window.sightings.table.setCurrentIndex(window.sightings.model.index(row, 0))
    qtbot.waitUntil(window.sightings.export.isEnabled)
    qtbot.mouseClick(window.sightings.export, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: session.evidence_flow.dialog is not None and session.evidence_flow.dialog.isVisible())
    dialog = session.evidence_flow.dialog
    choice = dialog.choice()
    assert choice.camera_keys == ("cam01",)
    assert choice.start == when.replace(microsecond=when.microsecond // 1000 * 1000) - timedelta(seconds=60)
    assert abs((choice.end - when).total_seconds() - 60) < 0.01
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    assert "Give the exhibit reference" in dialog.message.text()
    qtbot.keyClicks(dialog.reference, "DC/55/2")
    qtbot.keyClicks(dialog.reason, "stop check: driver reported")
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.message.text().startswith("Exported to"), timeout=120_000)
    assert dialog.progress.value() == 1000
    folder = Path(dialog.message.text().split("\n")[0].removeprefix("Exported to "))
    report = verify_package(folder)
    assert report.ok, report.problems
    services.evidence.check_against_record(report)
    assert report.ok
    assert [h.exhibit_reference for h in services.evidence.holds(op_id)] == ["DC/55/2"]


def test_playback_asks_why_then_shows_the_footage_at_the_tag_and_plays(
    qtbot: QtBot, console: tuple[Any, Services], test_clip: Path
) -> None:
    session, services = console
    window = session.window
    op_id = services.operations.view("demo").id
    when = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1, milliseconds=-270)
    index_footage(services, op_id, "cam01", test_clip, [(when - timedelta(seconds=30), when + timedelta(seconds=30))])
    controller = services.operations.operator("demo", "test-console")
    first = services.sightings.save(controller, op_id, vehicle_tag("OY09 FEU", when))
    services.sightings.save(controller, op_id, vehicle_tag("LB17 KXR", when + timedelta(seconds=12)))
    window.sightings.period.setCurrentIndex(window.sightings.period.count() - 1)
    qtbot.waitUntil(lambda: any(r.id == first.sighting_id for r in window.sightings.model.rows), timeout=WAIT_MS)
    row = next(i for i, r in enumerate(window.sightings.model.rows) if r.id == first.sighting_id)
    window.sightings.table.setCurrentIndex(window.sightings.model.index(row, 0))
    window.playback_key.emit()
    flow = session.playback_flow
    qtbot.waitUntil(lambda: flow.request is not None and flow.request.isVisible())
    request = flow.request
    assert request.chosen() == ["cam01"]
    qtbot.mouseClick(request.play, Qt.MouseButton.LeftButton)
    assert "Say why" in request.message.text() and flow.view is None
    qtbot.keyClicks(request.reason, "checking the stop of OY09 FEU")
    qtbot.mouseClick(request.play, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: flow.view is not None and flow.view.isVisible(), timeout=WAIT_MS)
    view, clock = flow.view, flow.clock
    feed = clock.feeds[0]

    def shown_near(moment: datetime, within: float) -> bool:
        at = feed.shown_at()
        return at is not None and abs((at - moment).total_seconds()) < within

    qtbot.waitUntil(lambda: shown_near(when, 0.5), timeout=WAIT_MS)  # the tag's frame, within 0.5 s
    tile = view.wall.tiles[0]
    qtbot.waitUntil(lambda: tile.has_new_frame() or tile.feed is feed, timeout=WAIT_MS)
    assert [t.at for t in view.timeline.tags] == [when, when + timedelta(seconds=12)]
    assert view.timeline.tracks[0].spans, "the recorded span is on the timeline"
    qtbot.keyClick(view, Qt.Key.Key_PageDown)  # the next tag
    qtbot.waitUntil(lambda: shown_near(when + timedelta(seconds=12), 0.5), timeout=WAIT_MS)
    qtbot.keyClick(view, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: clock.playing and "playing 1×" in view.position.text(), timeout=WAIT_MS)
    qtbot.waitUntil(lambda: shown_near(when + timedelta(seconds=13.5), 0.3), timeout=WAIT_MS)
    qtbot.keyClick(view, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: not clock.playing and "paused" in view.position.text())
    with services.db.read() as s:
        from sqlalchemy import select

        from storage.models import RecordEntry

        viewed = s.scalars(select(RecordEntry).where(RecordEntry.kind == "footage.viewed")).one()
    assert "checking the stop of OY09 FEU" in viewed.text
    view.close()
    qtbot.waitUntil(lambda: flow.view is None)


def test_the_returns_dock_counts_tonight_and_opens_the_entries_behind_a_figure(
    qtbot: QtBot, console: tuple[Any, Services]
) -> None:
    session, services = console
    window = session.window
    op_id = services.operations.view("demo").id
    controller = services.operations.operator("demo", "test-console")
    for minutes in (3, 2, 1):
        services.sightings.save(
            controller, op_id, vehicle_tag("OY09 FEU", datetime.now(UTC) - timedelta(minutes=minutes))
        )
    view = window.returns
    qtbot.waitUntil(lambda: any(r.label == "All sightings" and r.value == 3 for r in view.model.rows), timeout=WAIT_MS)
    assert view.title.text().startswith("Night of") and services.record.head().hash[:16] in view.head.text()
    row = next(i for i, r in enumerate(view.model.rows) if r.label == "All sightings")
    view.table.setCurrentIndex(view.model.index(row, 0))
    qtbot.waitUntil(lambda: view.behind.count() == 3, timeout=WAIT_MS)
    assert all("sighting.tagged" in view.behind.item(i).text() for i in range(3))
    view.period.setCurrentIndex(4)  # operation to date
    qtbot.waitUntil(lambda: view.title.text().startswith("Operation to date"), timeout=WAIT_MS)
