"""The shell: one keymap without clashes, F1 help, docks whose layout comes back next start,
the note panel's intent signal."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QKeySequence
from pytestqt.qtbot import QtBot

from tests.widgets.fakes import FakeFeed
from widgets.keymap import KEYMAP, PANEL, WALL, WINDOW, Shortcut, clashes
from widgets.main_window import MainWindow


def window(qtbot: QtBot, tmp_path: Path) -> MainWindow:
    state = QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat)
    w = MainWindow([FakeFeed(f"cam{i}", f"Cam {i}", "Mill Lane") for i in range(4)], state, "Sentinel Console (test)")
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    return w


def test_keymap_has_no_clashes() -> None:
    assert clashes() == []


def test_clash_detection_really_detects() -> None:
    extra = (*KEYMAP, Shortcut("duplicate.help", "F1", "clash", WINDOW))
    assert clashes(extra) == ["F1: help (window) and duplicate.help (window)"]
    # the same key in two contexts that are never active together is fine
    assert clashes((Shortcut("a", "Esc", "x", WALL), Shortcut("b", "Esc", "y", PANEL))) == []


def test_every_window_shortcut_is_bound(qtbot: QtBot, tmp_path: Path) -> None:
    w = window(qtbot, tmp_path)
    for s in KEYMAP:
        if s.context == WINDOW:
            assert w.actions_by_name[s.action].shortcut() == QKeySequence(s.keys)


def test_f1_shows_every_shortcut(qtbot: QtBot, tmp_path: Path) -> None:
    w = window(qtbot, tmp_path)
    w.actions_by_name["help"].trigger()
    assert w.help_overlay.isVisible()
    assert len(w.help_overlay.lines) == len(KEYMAP)
    assert any("Ctrl+Return" in keys for keys, _ in w.help_overlay.lines)
    w.actions_by_name["help"].trigger()
    assert not w.help_overlay.isVisible()


def test_ctrl_number_selects_a_camera_and_the_panel_follows(qtbot: QtBot, tmp_path: Path) -> None:
    w = window(qtbot, tmp_path)
    w.actions_by_name["tile.3"].trigger()
    assert w.wall.selected == 2
    assert w.tag_panel.camera_label.text().startswith("Camera 3: Cam 2")


def test_note_panel_emits_intent_and_keeps_words_when_saving_fails(qtbot: QtBot, tmp_path: Path) -> None:
    w = window(qtbot, tmp_path)
    w.actions_by_name["tile.2"].trigger()
    w.actions_by_name["note"].trigger()
    qtbot.keyClicks(w.tag_panel.note, "Van circling Mill Lane")
    with qtbot.waitSignal(w.tag_panel.note_requested) as signal:
        qtbot.keyClick(w.tag_panel.note, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert signal.args == ["Van circling Mill Lane", 1]
    w.tag_panel.note_failed("database unreachable")
    assert w.tag_panel.note.toPlainText() == "Van circling Mill Lane"
    assert "Not saved: database unreachable" in w.tag_panel.status.text()
    w.tag_panel.note_saved(42)
    assert w.tag_panel.note.toPlainText() == "" and "entry 42" in w.tag_panel.status.text()


def test_layout_comes_back_next_start(qtbot: QtBot, tmp_path: Path) -> None:
    first = window(qtbot, tmp_path)
    assert first.first_start
    first.record_dock.setFloating(True)
    first.board_dock.hide()
    first.save_layout()
    again = window(qtbot, tmp_path)
    assert not again.first_start
    assert again.record_dock.isFloating()
    assert not again.board_dock.isVisible()
    again.reset_layout()
    assert not again.record_dock.isFloating() and again.board_dock.isVisible()


def test_many_setter_calls_do_not_abort_the_interpreter(qtbot: QtBot) -> None:
    """PySide6 6.12.0 on Python 3.11 aborts after many None-returning calls (MEDIA-NOTES.md);
    the pinned release must survive what a 16-tile wall does in a few minutes."""
    from PySide6.QtWidgets import QLabel

    label = QLabel()
    qtbot.addWidget(label)
    for i in range(200_000):
        label.setText("x" if i % 2 else "y")
    assert label.text() == "x"
