"""Privacy masks: black in the live tile, the still and the working copy, untouched in the
master; only a supervisor lifts them, with a reason, for a limited time, and they come back."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import av
import cv2
import numpy as np
import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from console.access import PermissionDenied
from console.demo import demo_spec, system_actor
from console.masks import MaskError, MaskService
from console.operation_spec import CameraSpec, MaskSpec
from console.services import Services
from console.verify import verify
from storage.models import MaskLift, RecordEntry, Sighting
from tests.conftest import console_session
from tests.test_recording import index_footage
from tests.test_tagging_flow import start_tag
from video.mailbox import Field
from video.masks import PrivacyMasks, masked_fraction
from video.sources import CameraSource, StreamSpec
from video.supervisor import CaptureSupervisor

WINDOW = ((0.55, 0.10), (0.95, 0.10), (0.95, 0.60), (0.55, 0.60))  # a window, in fractions
OUTSIDE = ((0.05, 0.65), (0.45, 0.65), (0.45, 0.95), (0.05, 0.95))  # a patch the mask leaves alone
BOUND_MS = 30_000


# --- the mask itself ------------------------------------------------------------------------------
def test_a_mask_blacks_out_its_polygon_at_any_size_and_layout() -> None:
    mask = PrivacyMasks([WINDOW])
    for height, width in ((240, 320), (576, 704), (91, 161)):
        bgra = np.full((height, width, 4), 200, np.uint8)
        mask.apply(bgra)
        assert masked_fraction(bgra, WINDOW) == 1.0 and masked_fraction(bgra, OUTSIDE) == 0.0
        assert (bgra[..., 3] == 200).sum() + (bgra[..., 3] == 255).sum() == height * width  # alpha kept opaque
        bgr = np.full((height, width, 3), 200, np.uint8)
        mask.apply(bgr)
        assert masked_fraction(bgr, WINDOW) == 1.0
    # A mask drawn to the edge covers the last row and column.
    edge = PrivacyMasks([((0.5, 0.5), (1.0, 0.5), (1.0, 1.0), (0.5, 1.0))])
    picture = np.full((100, 100, 3), 255, np.uint8)
    edge.apply(picture)
    assert picture[99, 99].tolist() == [0, 0, 0] and picture[0, 0].tolist() == [255, 255, 255]
    # YUV 4:2:0 planes (the working copy): luma 16, no colour, inside only.
    y, u, v = np.full((240, 320), 180, np.uint8), np.full((120, 160), 90, np.uint8), np.full((120, 160), 90, np.uint8)
    mask.apply_yuv420([y, u, v])
    assert y[60, 250] == 16 and u[30, 125] == 128 and v[30, 125] == 128
    assert y[200, 50] == 180 and u[100, 25] == 90


def test_a_mask_in_the_operation_file_must_name_a_camera_and_fit_the_picture() -> None:
    from console.operation_file import OperationFileError, parse_operation, render_operation

    text = (Path(__file__).parents[1] / "resources" / "demo_operation.toml").read_text()
    spec = parse_operation(text)
    assert spec.masks and spec.masks[0].camera == "cam06"
    assert parse_operation(render_operation(spec)) == spec
    for bad, words in (
        ('camera = "cam99"\nname = "x"\npoints = [[0, 0], [1, 0], [1, 1]]', "unknown camera 'cam99'"),
        ('camera = "cam01"\nname = "x"\npoints = [[0, 0], [1, 0]]', "a mask needs 3 to 64 points"),
        ('camera = "cam01"\nname = "x"\npoints = [[0, 0], [1.5, 0], [1, 1]]', "fractions of the picture"),
        ('camera = "cam01"\nname = "x"\npoints = [[0, 0], [1, "a"], [1, 1]]', "two numbers"),
    ):
        with pytest.raises(OperationFileError) as refused:
            parse_operation(text + "\n[[masks]]\n" + bad + "\n")
        assert words in str(refused.value) and "line " in str(refused.value)


# --- the capture helper -------------------------------------------------------------------------------
@pytest.fixture
def masked_camera(test_clip: Path) -> Iterator[tuple[CaptureSupervisor, Any]]:
    source = CameraSource("cam1", "Test file", StreamSpec("file", str(test_clip)), masks=(WINDOW,))
    sup = CaptureSupervisor([source])
    try:
        yield sup, sup.feed("cam1")
    finally:
        sup.close()


def newest(qtbot: QtBot, sup: CaptureSupervisor, feed: Any, after: int) -> Any:
    def arrived() -> bool:
        sup.poll()
        return feed.published > after + 2

    qtbot.waitUntil(arrived, timeout=BOUND_MS)
    frame = feed.acquire()
    assert frame is not None
    return frame


def test_the_capture_helper_masks_before_publishing_and_a_lift_shows_the_whole_picture(
    qtbot: QtBot, masked_camera: tuple[CaptureSupervisor, Any]
) -> None:
    sup, feed = masked_camera
    feed.want(320, 240, main_stream=True)
    frame = newest(qtbot, sup, feed, 0)
    assert masked_fraction(frame.pixels, WINDOW) > 0.99, "the masked window is black in the published frame"
    assert masked_fraction(frame.pixels, OUTSIDE) < 0.5, "the rest of the picture is shown"
    feed.lift_masks(True)
    assert feed.masks_lifted
    qtbot.waitUntil(
        lambda: masked_fraction(newest(qtbot, sup, feed, feed.published).pixels, WINDOW) < 0.5, timeout=BOUND_MS
    )
    feed.lift_masks(False)
    qtbot.waitUntil(
        lambda: masked_fraction(newest(qtbot, sup, feed, feed.published).pixels, WINDOW) > 0.99, timeout=BOUND_MS
    )
    # A smaller tile: the helper scales, the mask follows the picture.
    feed.want(120, 90, main_stream=True)
    qtbot.waitUntil(lambda: newest(qtbot, sup, feed, feed.published).width == 120, timeout=BOUND_MS)
    assert masked_fraction(newest(qtbot, sup, feed, feed.published).pixels, WINDOW) > 0.99
    # Masks changed at set-up: the helper restarts with them, the old window is shown again.
    feed.set_masks((OUTSIDE,))
    qtbot.waitUntil(
        lambda: masked_fraction(newest(qtbot, sup, feed, feed.published).pixels, OUTSIDE) > 0.99, timeout=BOUND_MS
    )
    assert masked_fraction(newest(qtbot, sup, feed, feed.published).pixels, WINDOW) < 0.5
    assert feed.mailbox.get(Field.MASKS_LIFTED) == 0


# --- lifting: who, why, how long -------------------------------------------------------------------------
@pytest.fixture
def masked_demo(demo: Services) -> Services:
    return demo  # the demo operation has a mask on cam06 (Bridge Road)


def test_only_a_supervisor_lifts_masks_with_a_reason_and_they_come_back_once(masked_demo: Services) -> None:
    s = masked_demo
    op = s.operations.view("demo").id
    controller = s.operations.operator("demo", "c1")
    sergeant = s.operations.operator("sgt.demo", "c1")
    t0 = datetime.now(UTC)
    clock = [t0]
    masks = MaskService(s.db, s.record, lambda: clock[0])
    with pytest.raises(PermissionDenied):
        masks.lift(controller, op, "cam06", "want to see")
    with pytest.raises(MaskError, match="Say why"):
        masks.lift(sergeant, op, "cam06", "   ")
    with pytest.raises(MaskError, match="has no privacy masks"):
        masks.lift(sergeant, op, "cam01", "incident 1234")
    with pytest.raises(MaskError, match="1 to 120 minutes"):
        masks.lift(sergeant, op, "cam06", "incident 1234", minutes=600)
    lifted = masks.lift(sergeant, op, "cam06", "incident 1234: assault reported at the door")
    with pytest.raises(MaskError, match="already lifted until"):
        masks.lift(sergeant, op, "cam06", "again")
    [lift] = masks.open_lifts(op)
    assert (lift.camera_key, lift.lifted_by) == ("cam06", "Sgt Demo")
    assert lift.until - lift.lifted_at == timedelta(minutes=30)  # the default
    # The time runs out; two consoles notice at once: one entry.
    clock[0] = t0 + timedelta(minutes=31)
    first = masks.restore(controller, lift.id, ran_out=True)
    second = masks.restore(s.operations.operator("demo", "c2"), lift.id, ran_out=True)
    assert second.replayed and second.seq == first.seq
    assert masks.open_lifts(op) == []
    with s.db.read() as db:
        entries = db.scalars(select(RecordEntry).where(RecordEntry.kind.like("mask.%")).order_by(RecordEntry.seq)).all()
        row = db.get(MaskLift, lift.id)
        assert row is not None and row.restored_by == "" and row.restored_at == t0 + timedelta(minutes=31)
    assert [e.kind for e in entries] == ["mask.lifted", "mask.restored"]
    assert entries[0].seq == lifted.seq and "incident 1234" in entries[0].text and "for 30 min" in entries[0].text
    assert "the 30-minute lift ran out" in entries[1].text
    # A supervisor may put them back early, by name.
    clock[0] = t0 + timedelta(minutes=40)
    masks.lift(sergeant, op, "cam06", "incident 1240", minutes=5)
    [again] = masks.open_lifts(op)
    masks.restore(sergeant, again.id)
    assert s.record.latest(1)[0].text == "Sgt Demo re-applied the privacy masks on Bridge Road"
    assert verify(s.db).ok


# --- through the console: tile, still, lift, run out -------------------------------------------------------
def test_a_masked_area_is_black_on_the_tile_and_in_the_still_until_a_supervisor_lifts_it(
    qtbot: QtBot, tmp_path: Path, demo_clips: Path
) -> None:
    with console_session(tmp_path, demo_clips) as (session, services):
        window = session.window
        [polygon] = services.masks.camera_masks(services.operations.view("demo").id)["cam06"]
        index = next(i for i, t in enumerate(window.wall.tiles) if t.feed is not None and t.feed.camera_id == "cam06")
        tile = window.wall.tiles[index]
        qtbot.waitUntil(lambda: tile.frame is not None and tile.shown_sequence > 2, timeout=BOUND_MS)
        assert masked_fraction(tile.frame.pixels, polygon) > 0.99
        # The controller cannot lift them.
        window.wall.select(index)
        session.mask_flow.open()
        assert "Only a supervisor" in window.statusBar().currentMessage()
        # A tag on that tile: the still has the window black.
        start_tag(qtbot, window, index)
        form = window.tag_panel.tag_form
        form.category.setCurrentIndex(form.category.findData("vehicle"))
        qtbot.keyClicks(form.vrm, "oy09 feu")
        qtbot.keyClick(form.vrm, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
        qtbot.waitUntil(
            lambda: window.tag_panel.tag_result.text().startswith("Saved as record entry"), timeout=BOUND_MS
        )
        with services.db.read() as db:
            sighting = db.scalars(select(Sighting)).one()
        for path in (sighting.still_path, sighting.clean_still_path):
            still = cv2.imread(path)
            assert still is not None and masked_fraction(still, shrink(polygon)) > 0.97, path
        # A supervisor at another console lifts them: this console follows within its poll.
        sergeant = services.operations.operator("sgt.demo", "c2")
        op = services.operations.view("demo").id
        services.masks.lift(sergeant, op, "cam06", "incident 77: person at the window", minutes=1)
        session.mask_flow.poll()
        qtbot.waitUntil(lambda: tile.privacy_mark.startswith("UNMASKED until"), timeout=BOUND_MS)
        qtbot.waitUntil(lambda: masked_fraction(tile.frame.pixels, polygon) < 0.6, timeout=BOUND_MS)
        # The minute runs out: masked again by this console's own clock, and recorded once.
        qtbot.waitUntil(lambda: not tile.privacy_mark, timeout=90_000)
        qtbot.waitUntil(lambda: masked_fraction(tile.frame.pixels, polygon) > 0.99, timeout=BOUND_MS)
        qtbot.waitUntil(lambda: services.record.latest(1)[0].kind == "mask.restored", timeout=BOUND_MS)
        assert "ran out" in services.record.latest(1)[0].text
        assert verify(services.db).ok


def shrink(polygon: tuple[tuple[float, float], ...], by: float = 0.02) -> tuple[tuple[float, float], ...]:
    """The polygon pulled in towards its centre: JPEG blurs the mask's edge by a pixel or two."""
    cx = sum(x for x, _ in polygon) / len(polygon)
    cy = sum(y for _, y in polygon) / len(polygon)
    return tuple((x + (cx - x) * by * 10, y + (cy - y) * by * 10) for x, y in polygon)


# --- export: working copy masked, master original --------------------------------------------------------
def test_the_working_copy_is_masked_and_the_master_is_the_original(services: Services, test_clip: Path) -> None:
    from console.export_job import ExportRequest

    spec = dataclasses.replace(
        demo_spec(date.today()),
        cameras=(CameraSpec("cam1", "Canal Street east", "file", str(test_clip)),),
        masks=(MaskSpec("cam1", "Flat 2 window", WINDOW),),
    )
    services.operations.import_spec(system_actor("test-console"), spec)
    op_id = services.operations.view("demo").id
    t0 = datetime(2026, 11, 30, 23, 0, tzinfo=UTC)
    index_footage(services, op_id, "cam1", test_clip, [(t0, t0 + timedelta(seconds=8))])
    controller = services.operations.operator("demo", "test-console")
    request = ExportRequest(
        ("cam1",), t0 + timedelta(seconds=1), t0 + timedelta(seconds=6), "DC/77/01", "window check",
        services.settings.data_dir / "exports",
    )  # fmt: skip
    folder = services.exports.export(controller, request).folder
    manifest = json.loads((folder / "manifest.json").read_text())
    privacy = manifest["privacy_masks"]
    assert privacy["configured"] is True and "masters are the cameras' original recorded stream" in privacy["words"]
    assert privacy["cameras"]["cam1"] == [{"name": "Flat 2 window", "points": [list(p) for p in WINDOW]}]
    working = decoded_frames(folder / "working" / "cam1.mp4")
    master = decoded_frames(folder / "master" / "cam1.mkv")
    assert working and master
    assert all(masked_fraction(f, shrink(WINDOW)) > 0.97 for f in working), "every working-copy frame is masked"
    assert all(masked_fraction(f, WINDOW) < 0.3 for f in master), "the master keeps the original picture"
    assert all(masked_fraction(f, OUTSIDE) < 0.3 for f in working)


def decoded_frames(path: Path, every: int = 10) -> list[np.ndarray]:
    with av.open(str(path)) as clip:
        return [f.to_ndarray(format="bgr24") for i, f in enumerate(clip.decode(video=0)) if i % every == 0]
