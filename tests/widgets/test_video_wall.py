"""The video wall: repaint only on new frames, six layouts, drag and drop, swap, pause, full
screen on the main stream, sub streams for small tiles, and no decoding for unseen cameras."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt
from PySide6.QtGui import QColor, QDropEvent, QFontMetrics, QImage
from pytestqt.qtbot import QtBot

from tests.widgets.fakes import FakeFeed
from widgets.video_tile import CAMERA_MIME, TILE_MIME
from widgets.video_wall import LAYOUTS, SUB_STREAM_BELOW_PX, VideoWall, default_layout


def make_wall(qtbot: QtBot, n: int = 8, layout: str | None = None) -> tuple[VideoWall, list[FakeFeed]]:
    feeds = [FakeFeed(f"cam{i}", f"Camera {i}", "Canal Street") for i in range(n)]
    wall = VideoWall(feeds, layout)
    qtbot.addWidget(wall)
    wall.resize(1920, 1080)
    wall.show()
    qtbot.waitExposed(wall)
    wall.start()
    wall._timer.stop()  # the tests drive refresh() themselves
    return wall, feeds


def test_tiles_repaint_only_when_a_new_frame_arrives(qtbot: QtBot) -> None:
    wall, feeds = make_wall(qtbot, 9, "3x3")
    assert wall.refresh() == 0  # nothing yet
    feeds[2].push(200)
    assert wall.refresh() == 1
    qtbot.waitUntil(lambda: wall.tiles[2].shown_sequence == 1)
    assert wall.refresh() == 0  # same frame: no repaint
    feeds[2].push(10)
    assert wall.refresh() == 1
    qtbot.waitUntil(lambda: wall.tiles[2].shown_sequence == 2)


def test_tile_paints_the_mailbox_picture_and_health_in_words(qtbot: QtBot) -> None:
    wall, feeds = make_wall(qtbot, 1)
    feeds[0].push(200)
    wall.check_health()
    picture = wall.tiles[0].grab().toImage()
    centre = QColor(picture.pixel(picture.width() // 2, picture.height() // 2))
    assert centre.red() > 150 and centre.green() > 150  # the grey frame is painted
    assert wall.tiles[0].health_words == "live" and wall.tiles[0].live
    feeds[0].state, feeds[0].words = "lost", "lost: refused; retrying in 3 s"
    wall.check_health()
    assert wall.tiles[0].health_words == "lost: refused; retrying in 3 s" and not wall.tiles[0].live


@pytest.mark.parametrize(("layout", "tiles"), [("1", 1), ("2x2", 4), ("3x3", 9), ("4x4", 16), ("1+5", 6), ("1+7", 8)])
def test_every_layout_has_its_tiles_and_one_large_tile_for_rings(qtbot: QtBot, layout: str, tiles: int) -> None:
    wall, _ = make_wall(qtbot, 16, layout)
    qtbot.waitUntil(lambda: wall.tiles[-1].width() > 0)
    assert len(wall.tiles) == tiles == len(LAYOUTS[layout][2])
    widths = sorted(t.width() for t in wall.tiles)
    if layout.startswith("1+"):
        assert widths[-1] > 1.8 * widths[0]  # the big tile
    else:
        assert widths[-1] - widths[0] <= 3  # an even grid
    # cameras fill the tiles in order
    assert [t.feed.camera_id for t in wall.tiles if t.feed] == [f"cam{i}" for i in range(tiles)]


def test_default_layout_fits_the_cameras() -> None:
    assert [default_layout(n) for n in (1, 3, 6, 8, 9, 12)] == ["1", "2x2", "1+5", "1+7", "3x3", "4x4"]


def test_small_tiles_use_the_sub_stream_and_full_screen_the_main(qtbot: QtBot) -> None:
    wall, feeds = make_wall(qtbot, 16, "4x4")
    qtbot.waitUntil(lambda: feeds[0].wanted is not None)
    assert all(f.wanted is not None and f.wanted[2] is False for f in feeds)  # 480 px wide: sub
    assert feeds[0].wanted[0] < SUB_STREAM_BELOW_PX
    wall.select(5)
    wall.toggle_single()
    qtbot.waitUntil(lambda: feeds[5].wanted is not None and feeds[5].wanted[2] is True)
    assert feeds[5].wanted[0] > 1800  # the whole wall's width
    # the other cameras are not on screen now, so they are not decoded
    assert all(f.wanted is None for i, f in enumerate(feeds) if i != 5)
    wall.show_all()
    qtbot.waitUntil(lambda: all(f.wanted is not None for f in feeds))
    assert feeds[5].wanted[2] is False


def test_a_camera_on_no_tile_is_released(qtbot: QtBot) -> None:
    wall, feeds = make_wall(qtbot, 6, "2x2")
    qtbot.waitUntil(lambda: feeds[0].wanted is not None)
    assert feeds[4].wanted is None and feeds[5].wanted is None
    wall.set_layout("1+5")
    qtbot.waitUntil(lambda: feeds[5].wanted is not None)
    assert [t.feed.camera_id for t in wall.tiles if t.feed] == [f"cam{i}" for i in range(6)]
    assert feeds[0].wanted[2] is True  # the big tile is wide enough for the main stream
    wall.set_layout("1")
    qtbot.waitUntil(lambda: feeds[1].wanted is None)
    assert feeds[0].wanted is not None


def _drop(qtbot: QtBot, wall: VideoWall, index: int, mime_type: str, data: str) -> None:
    mime = QMimeData()
    mime.setData(mime_type, data.encode())
    tile = wall.tiles[index]
    event = QDropEvent(
        QPointF(tile.width() / 2, tile.height() / 2),
        Qt.DropAction.MoveAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    tile.dropEvent(event)


def test_dropping_a_camera_puts_it_on_the_tile_and_dragging_tiles_swaps_them(qtbot: QtBot) -> None:
    wall, feeds = make_wall(qtbot, 9, "2x2")
    views: list[object] = []
    wall.view_changed.connect(lambda: views.append(wall.current_view()))
    _drop(qtbot, wall, 1, CAMERA_MIME, "cam7")
    assert wall.current_view() == ("2x2", ["cam0", "cam7", "cam2", "cam3"])
    assert wall.selected == 1
    # a camera already on the wall moves: the two tiles swap
    _drop(qtbot, wall, 3, CAMERA_MIME, "cam0")
    assert wall.current_view() == ("2x2", ["cam3", "cam7", "cam2", "cam0"])
    _drop(qtbot, wall, 2, TILE_MIME, "1")
    assert wall.current_view() == ("2x2", ["cam3", "cam2", "cam7", "cam0"])
    assert len(views) == 3
    qtbot.waitUntil(lambda: feeds[7].wanted is not None and feeds[1].wanted is None)


def test_views_apply_and_unknown_cameras_leave_tiles_empty(qtbot: QtBot) -> None:
    wall, _ = make_wall(qtbot, 4)
    wall.apply_view("1+5", ["cam3", None, "gone", "cam3", "cam1"])
    assert wall.current_view() == ("1+5", ["cam3", None, None, None, "cam1", None])
    with pytest.raises(ValueError, match="unknown wall layout"):
        wall.apply_view("5x5", [])


def test_pause_freezes_the_picture_while_the_source_keeps_running(qtbot: QtBot) -> None:
    wall, feeds = make_wall(qtbot, 1)
    feeds[0].push(200)
    wall.refresh()
    qtbot.waitUntil(lambda: wall.tiles[0].shown_sequence == 1)
    wall.setFocus()
    qtbot.keyClick(wall, Qt.Key.Key_Space)
    tile = wall.tiles[0]
    assert tile.paused and tile.frozen_time() is not None
    feeds[0].push(30)
    assert wall.refresh() == 0  # paused tiles do not follow the source
    picture = tile.grab().toImage()
    assert QColor(picture.pixel(picture.width() // 2, picture.height() // 2)).red() > 150
    assert feeds[0].wanted is not None  # the camera is still being decoded
    qtbot.keyClick(wall, Qt.Key.Key_Space)
    assert not tile.paused and wall.refresh() == 1


def test_arrow_keys_follow_the_layout_geometry(qtbot: QtBot) -> None:
    wall, _ = make_wall(qtbot, 8, "1+7")
    wall.setFocus()
    qtbot.keyClick(wall, Qt.Key.Key_Right)  # from the big tile to the ring on its right
    assert wall.selected in (1, 2, 3)
    wall.select(0)
    qtbot.keyClick(wall, Qt.Key.Key_Down)  # to the bottom row
    assert wall.selected in (4, 5, 6)
    wall.select(7)
    qtbot.keyClick(wall, Qt.Key.Key_Up)
    assert wall.selected == 3
    qtbot.keyClick(wall, Qt.Key.Key_Return)
    assert wall.single_view == 3 and [t.isVisible() for t in wall.tiles].count(True) == 1
    qtbot.keyClick(wall, Qt.Key.Key_Escape)
    assert wall.single_view is None and all(t.isVisible() for t in wall.tiles)


def test_click_selects_and_double_click_toggles_full_screen(qtbot: QtBot) -> None:
    wall, _ = make_wall(qtbot)
    qtbot.mouseClick(wall.tiles[5], Qt.MouseButton.LeftButton)
    assert wall.selected == 5 and wall.tiles[5].selected and not wall.tiles[0].selected
    qtbot.mouseDClick(wall.tiles[5], Qt.MouseButton.LeftButton)
    assert wall.single_view == 5


def test_tooltip_words_carry_the_feed_counters(qtbot: QtBot) -> None:
    from PySide6.QtCore import QEvent, QPoint
    from PySide6.QtGui import QHelpEvent
    from PySide6.QtWidgets import QApplication, QToolTip

    wall, feeds = make_wall(qtbot, 1)
    feeds[0].push(100)
    wall.check_health()
    tile = wall.tiles[0]
    tile.setToolTip("")
    tile.check_health()  # counters are refreshed while the pointer is over the tile
    QApplication.sendEvent(tile, QHelpEvent(QEvent.Type.ToolTip, QPoint(5, 5), tile.mapToGlobal(QPoint(5, 5))))
    words = QToolTip.text()
    assert words.startswith("Camera 0: live")
    assert "Stream: sub (320×180)" in words and "Frames in: 25.0/s" in words and "Last frame: 0.1 s ago" in words


def test_a_picture_within_3_px_of_the_tile_fills_it_and_others_keep_their_margins(qtbot: QtBot) -> None:
    wall, feeds = make_wall(qtbot, 16, "4x4")
    tile = wall.tiles[1]  # not the selected tile: no selection border at the edges
    qtbot.waitUntil(lambda: tile.width() > 200)
    width, height = tile.width(), tile.height()
    # 16:9 in a tile a pixel or two off 16:9: stretched to the tile, no background at the sides
    assert 0 < abs(width - height * 16 / 9) < 3
    feeds[1].size = (640, 360)
    feeds[1].push(200)
    picture = tile.grab().toImage()
    middle = height // 2
    assert QColor(picture.pixel(0, middle)).red() > 150 and QColor(picture.pixel(width - 1, middle)).red() > 150
    # 4:3 in a tile of the same size: the sides stay background
    feeds[2].size = (640, 480)
    feeds[2].push(200)
    other = wall.tiles[2].grab().toImage()
    assert QColor(other.pixel(0, middle)).red() < 50 and QColor(other.pixel(width // 2, middle)).red() > 150


def test_frames_from_one_buffer_reuse_its_image_and_a_new_feed_drops_it(qtbot: QtBot) -> None:
    wall, feeds = make_wall(qtbot, 2, "2x2")
    tile = wall.tiles[0]
    frame = feeds[0].push(200)
    assert wall.refresh() == 1
    qtbot.waitUntil(lambda: tile.shown_sequence == 1)
    assert len(tile._images) == 1
    image = tile._images[id(frame.pixels)][1]
    # the next frame arrives in the same buffer (as the mailbox's do): same QImage, new pixels
    frame.pixels[..., :3] = 40
    feeds[0].published += 1
    feeds[0].frame = type(frame)(2, frame.captured_ns, frame.width, frame.height, 320, 180, frame.pixels)
    assert wall.refresh() == 1
    qtbot.waitUntil(lambda: tile.shown_sequence == 2)
    assert tile._images[id(frame.pixels)][1] is image
    picture = tile.grab().toImage()
    assert QColor(picture.pixel(picture.width() // 2, picture.height() // 2)).red() < 60  # the new pixels
    wall.assign(0, "cam1")
    assert not tile._images  # no view into the old feed's buffers is kept


def test_a_picture_at_the_tile_size_is_copied_pixel_for_pixel_and_centred(qtbot: QtBot) -> None:
    wall, feeds = make_wall(qtbot, 16, "4x4")
    tile = wall.tiles[1]  # not the selected tile: no selection border at the edges
    qtbot.waitUntil(lambda: tile.width() > 200)
    width, height = tile.width(), tile.height()
    # what a helper sends a tile it scaled for: 2 px narrower than the tile (its aspect ratio)
    feeds[1].size = (width - 2, height)
    frame = feeds[1].push(0)
    columns = np.arange(width - 2) % 200 + 50
    frame.pixels[..., 2] = columns  # red rises column by column: any scaling would show
    assert wall.refresh() >= 1
    qtbot.waitUntil(lambda: tile.shown_sequence == 1)
    picture = tile.grab().toImage()
    middle = height // 2
    reds = [QColor(picture.pixel(x, middle)).red() for x in range(width)]
    assert reds[0] < 20 and reds[-1] < 20  # a pixel of background at each side, not a stretch
    assert reds[1:-1] == columns.tolist()


def test_the_clock_on_a_tile_moves_with_the_frames_and_the_name_bar_stays(qtbot: QtBot) -> None:
    wall, feeds = make_wall(qtbot, 4, "2x2")
    tile = wall.tiles[1]
    qtbot.waitUntil(lambda: tile.width() > 200)
    first = feeds[1].push(120)
    bar = tile._bar_font(tile.height())
    line = QFontMetrics(bar).height() + 6

    def bars() -> tuple[QImage, QImage]:
        picture = tile.grab().toImage()
        return picture.copy(0, 0, tile.width(), line), picture.copy(0, tile.height() - line, tile.width(), line)

    name_before, status_before = bars()
    # the same camera a second later: a new frame (same picture) with a new capture time
    feeds[1].published += 1
    later = first.captured_ns + 1_000_000_000
    feeds[1].frame = type(first)(2, later, first.width, first.height, 320, 180, first.pixels)
    assert wall.refresh() == 1
    qtbot.waitUntil(lambda: tile.shown_sequence == 2)
    name_after, status_after = bars()
    assert name_after == name_before  # name, place and mark: unchanged
    assert status_after != status_before  # the time moved on by a second
