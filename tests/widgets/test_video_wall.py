"""The foundation's video wall: tiles paint the newest frame only, selection and single view."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from pytestqt.qtbot import QtBot

from tests.widgets.fakes import FakeFeed
from widgets.video_wall import VideoWall


def make_wall(qtbot: QtBot, n: int = 8) -> tuple[VideoWall, list[FakeFeed]]:
    feeds = [FakeFeed(f"Camera {i}", "Canal Street") for i in range(n)]
    wall = VideoWall(feeds)
    qtbot.addWidget(wall)
    wall.resize(960, 540)
    wall.show()
    qtbot.waitExposed(wall)
    return wall, feeds


def test_tiles_repaint_only_when_a_new_frame_arrives(qtbot: QtBot) -> None:
    wall, feeds = make_wall(qtbot)
    assert wall.refresh() == 0  # nothing yet
    feeds[2].push(200)
    assert wall.refresh() == 1
    assert wall.tiles[2].painted_sequence == 1
    assert wall.refresh() == 0  # same frame: no repaint
    feeds[2].push(10)
    assert wall.refresh() == 1 and wall.tiles[2].painted_sequence == 2


def test_tile_shows_the_picture_and_health_in_words(qtbot: QtBot) -> None:
    wall, feeds = make_wall(qtbot, 1)
    feeds[0].push(200)
    wall.refresh()
    picture = wall.tiles[0].grab().toImage()
    centre = QColor(picture.pixel(picture.width() // 2, picture.height() // 2))
    assert centre.red() > 150 and centre.green() > 150  # the grey frame is painted
    assert wall.tiles[0].feed.health_words() == "live"


def test_wall_uses_the_squarest_grid(qtbot: QtBot) -> None:
    assert make_wall(qtbot, 8)[0].columns == 3
    assert make_wall(qtbot, 16)[0].columns == 4
    assert make_wall(qtbot, 1)[0].columns == 1


def test_keys_move_the_selection_and_open_a_single_camera(qtbot: QtBot) -> None:
    wall, _ = make_wall(qtbot)
    wall.setFocus()
    seen: list[int] = []
    wall.selection_changed.connect(seen.append)
    qtbot.keyClick(wall, Qt.Key.Key_Right)
    qtbot.keyClick(wall, Qt.Key.Key_Down)
    assert wall.selected == 4 and seen == [1, 4]
    qtbot.keyClick(wall, Qt.Key.Key_Return)
    assert wall.single_view == 4
    assert [t.isVisible() for t in wall.tiles].count(True) == 1
    qtbot.keyClick(wall, Qt.Key.Key_Escape)
    assert wall.single_view is None and all(t.isVisible() for t in wall.tiles)
    qtbot.keyClick(wall, Qt.Key.Key_Left, delay=0)
    assert wall.selected == 3


def test_click_selects_and_double_click_toggles_single_view(qtbot: QtBot) -> None:
    wall, _ = make_wall(qtbot)
    qtbot.mouseClick(wall.tiles[5], Qt.MouseButton.LeftButton)
    assert wall.selected == 5 and wall.tiles[5].selected and not wall.tiles[0].selected
    qtbot.mouseDClick(wall.tiles[5], Qt.MouseButton.LeftButton)
    assert wall.single_view == 5
