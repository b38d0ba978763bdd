"""The controller's core act, driven through the real console: select a live tile, press the tag
key, draw a box, pick the category, type the VRM, save with the panel key. The stored time is
the frozen frame's capture time, and the panel says what matters next."""

from __future__ import annotations

import dataclasses
import json
from datetime import date
from pathlib import Path
from typing import Any

from PySide6.QtCore import QPoint, Qt
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from console.demo import demo_spec, system_actor
from console.services import Services
from storage.models import Camera, Sighting, Subject, Vehicle
from tests.conftest import console_session
from widgets.board import dropped_sighting, sighting_mime


def start_tag(qtbot: QtBot, window: Any, index: int) -> Any:
    wall = window.wall
    tile = wall.tiles[index]
    qtbot.waitUntil(lambda: tile.shown_sequence > 2, timeout=30_000)
    wall.select(index)
    wall.setFocus()
    qtbot.keyClick(wall, Qt.Key.Key_T)
    assert tile.drawing and tile.paused
    form = window.tag_panel.tag_form
    qtbot.waitUntil(lambda: not form.isHidden() and form.category.count() > 0, timeout=15_000)
    # draw one box with the mouse on the frozen picture
    qtbot.mousePress(tile, Qt.MouseButton.LeftButton, pos=QPoint(tile.width() // 4, tile.height() // 4))
    qtbot.mouseMove(tile, QPoint(tile.width() // 2, tile.height() // 2))
    qtbot.mouseRelease(tile, Qt.MouseButton.LeftButton, pos=QPoint(tile.width() // 2, tile.height() // 2))
    assert len(tile.boxes) == 1
    return tile


def test_tag_a_vehicle_from_the_wall(qtbot: QtBot, demo_console: tuple[Any, Services]) -> None:
    session, services = demo_console
    window = session.window
    tile = start_tag(qtbot, window, 1)
    frozen_at = tile.frozen_time()
    camera_key = tile.feed.camera_id
    form = window.tag_panel.tag_form
    form.category.setCurrentIndex(form.category.findData("vehicle"))
    assert not form.vehicle_box.isHidden() and form.subject_box.isHidden()
    # a slip first: O for 0; the form says so while typing, the save is refused
    qtbot.keyClicks(form.vrm, "oyo9feu")
    assert form.vrm.text() == "OYO9FEU" and "did you mean OY09 FEU" in form.vrm_status.text()
    qtbot.keyClick(form.vrm, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: "Not saved: " in form.message.text(), timeout=15_000)
    assert tile.drawing  # still frozen: nothing lost
    form.vrm.clear()
    qtbot.keyClicks(form.vrm, "oy09 feu")
    assert form.vrm_status.text().startswith("✓ OY09 FEU")
    qtbot.keyClicks(form.colour, "Silver")
    qtbot.keyClick(form.colour, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    panel = window.tag_panel
    qtbot.waitUntil(lambda: panel.tag_result.text().startswith("Saved as record entry"), timeout=15_000)
    assert "OY09 FEU: seen 1 time(s) in the last 7 days" in panel.tag_result.text()
    assert not tile.drawing and not tile.paused and form.isHidden()
    with services.db.read() as s:
        sighting = s.scalars(select(Sighting)).one()
        vehicle = s.get(Vehicle, sighting.vehicle_id)
        assert vehicle is not None and (vehicle.vrm, vehicle.colour) == ("OY09 FEU", "Silver")
        assert frozen_at is not None and abs((sighting.captured_at - frozen_at).total_seconds()) < 0.001
        assert Path(sighting.still_path).is_file()
        assert len(json.loads(sighting.boxes)) == 1
        camera = s.get(Camera, sighting.camera_id)
        assert camera is not None and camera.key == camera_key
    assert services.record.latest(1)[0].kind == "sighting.tagged"
    # the last tag waits in the panel, ready to drag onto a unit (the board takes its mime data)
    assert panel.last_tag.sighting_id == sighting.id and "OY09 FEU" in panel.last_tag.text()
    assert dropped_sighting(sighting_mime(sighting.id)) == sighting.id
    # the sightings dock shows it (the record feed tells it), with its still
    view = window.sightings
    qtbot.waitUntil(lambda: view.model.rowCount() == 1, timeout=15_000)
    assert view.model.rows[0].vrm == "OY09 FEU" and view.model.data(view.model.index(0, 4)).endswith("◆ in area") is (
        view.model.rows[0].in_prescribed_area
    )
    view.table.selectRow(0)
    qtbot.waitUntil(lambda: view.still.pixmap() is not None and not view.still.pixmap().isNull(), timeout=15_000)
    view.search.setText("9f")
    qtbot.waitUntil(lambda: "at least 3 characters" in view.message.text(), timeout=5_000)
    view.search.setText("zz99")
    qtbot.waitUntil(lambda: view.model.rowCount() == 0, timeout=15_000)
    view.search.setText("09 fe")
    qtbot.waitUntil(lambda: view.model.rowCount() == 1, timeout=15_000)
    vehicles = window.registers.vehicle_model
    qtbot.waitUntil(lambda: [r.vrm for r in vehicles.rows] == ["OY09 FEU"], timeout=15_000)
    assert vehicles.rows[0].seen_7_days == 1


def test_tag_a_new_subject_and_cancel_another(qtbot: QtBot, demo_console: tuple[Any, Services]) -> None:
    session, services = demo_console
    window = session.window
    tile = start_tag(qtbot, window, 0)
    form = window.tag_panel.tag_form
    form.category.setCurrentIndex(form.category.findData("sex_worker"))
    assert not form.subject_box.isHidden() and form.vehicle_box.isHidden()
    qtbot.keyClicks(form.new_description, "Red coat, long dark hair")
    qtbot.keyClick(form.new_description, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    panel = window.tag_panel
    qtbot.waitUntil(lambda: "SW-001" in panel.tag_result.text(), timeout=15_000)
    assert "First official warning may be given" in panel.tag_result.text()  # the demo is in Tier 2
    registers = window.registers
    qtbot.waitUntil(lambda: [r.reference for r in registers.subject_model.rows] == ["SW-001"], timeout=15_000)
    assert registers.sensitive_box.isHidden()  # a controller never sees special-category data
    registers.subject_table.selectRow(0)
    qtbot.waitUntil(lambda: "SW-001: 1 sighting(s)" in registers.subject_history.text(), timeout=15_000)
    # the next tag finds the subject by description; Esc gives the tag up and saves nothing
    start_tag(qtbot, window, 0)
    form.category.setCurrentIndex(form.category.findData("sex_worker"))
    qtbot.keyClicks(form.subject_query, "red coat")
    qtbot.waitUntil(lambda: form.subject_list.count() == 1, timeout=15_000)
    assert form.subject_list.item(0).text().startswith("SW-001")
    qtbot.keyClick(form.subject_query, Qt.Key.Key_Escape)
    assert form.isHidden() and not tile.drawing and not tile.paused
    with services.db.read() as s:
        assert len(s.scalars(select(Sighting)).all()) == 1
        assert [x.reference for x in s.scalars(select(Subject))] == ["SW-001"]


def test_tag_a_car_on_real_street_footage(qtbot: QtBot, tmp_path: Path, demo_clips: Path, shared_footage: Path) -> None:
    """The same flow on a file camera playing real footage (skips without ../shared/footage)."""
    clip = shared_footage / "video" / "vehicle_counting_input_video.mp4"

    def with_footage(services: Services) -> None:
        spec = demo_spec(date.today())
        cameras = list(spec.cameras)
        cameras[1] = dataclasses.replace(cameras[1], kind="file", main_url=str(clip), sub_url="")
        services.operations.import_spec(system_actor("test-console"), dataclasses.replace(spec, cameras=tuple(cameras)))

    with console_session(tmp_path, demo_clips, with_footage) as (session, services):
        window = session.window
        tile = start_tag(qtbot, window, 1)
        assert tile.feed.camera_id == "cam02" and tile.frame.source_width == 640  # the real clip, 640x352
        frozen_at = tile.frozen_time()
        form = window.tag_panel.tag_form
        form.category.setCurrentIndex(form.category.findData("vehicle"))
        qtbot.keyClicks(form.vrm, "KN64DWA")
        qtbot.keyClick(form.vrm, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
        qtbot.waitUntil(lambda: window.tag_panel.tag_result.text().startswith("Saved"), timeout=15_000)
        with services.db.read() as s:
            sighting = s.scalars(select(Sighting)).one()
            assert frozen_at is not None and abs((sighting.captured_at - frozen_at).total_seconds()) < 0.001
