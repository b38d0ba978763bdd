"""The shell: the video wall in the centre, docks for the board, the record and the tag panel,
the status bar, one keymap, and the window layout saved between starts."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence

from PySide6.QtCore import QByteArray, QRect, QSettings, Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent
from PySide6.QtWidgets import QDialog, QDockWidget, QMainWindow, QVBoxLayout, QWidget

from console.dispatch_rules import STATUSES
from widgets.audit_view import AuditView
from widgets.board import DispatchBoard
from widgets.camera_list import CameraList, WallBar
from widgets.help_overlay import HelpOverlay
from widgets.keymap import KEYMAP, WINDOW, key_sequence
from widgets.letters_view import LettersView
from widgets.lock_bar import LockBar
from widgets.partner_actions_view import PartnerActionsView
from widgets.record_view import RecordModel, RecordView
from widgets.registers_view import RegistersView
from widgets.returns_view import ReturnsView
from widgets.sightings_view import SightingsView
from widgets.status_bar import ConsoleStatusBar
from widgets.strikes_view import StrikesView
from widgets.tag_panel import TagPanel
from widgets.tile_feed import TileFeed
from widgets.video_wall import LAYOUTS, VideoWall

LAYOUT_VERSION = 5  # 5: audit trail, partner actions, letters and three-strikes docks


class MainWindow(QMainWindow):
    close_requested = Signal()  # the console ends the shift, then calls finish_close()
    dispatch_key = Signal()  # dispatch the board's selected unit to the selected sighting
    export_key = Signal()  # export evidence around the selected sighting or camera
    playback_key = Signal()  # play back recorded footage around the selected sighting or camera
    community_key = Signal()  # record a community complaint or tension note
    lock_key = Signal()  # lock the console now
    masks_key = Signal()  # lift or re-apply the privacy masks of the selected tile's camera
    setup_key = Signal()  # open the operation set-up window (administrators)
    data_requests_key = Signal()  # open the data requests dock (subject access, erasure, retention)

    def __init__(
        self, feeds: Sequence[TileFeed], ui_state: QSettings, title: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("mainWindow")
        self.setWindowTitle(title)
        self._ui_state = ui_state
        self._closing = False
        self.wall = VideoWall(feeds)
        self.wall_bar = WallBar()
        centre = QWidget()
        column = QVBoxLayout(centre)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        self.lock_bar = LockBar()
        column.addWidget(self.lock_bar)
        column.addWidget(self.wall_bar)
        column.addWidget(self.wall, 1)
        self.locked = False
        self._hidden_by_lock: list[QDockWidget] = []
        self.setCentralWidget(centre)
        self.camera_list = CameraList(feeds)
        self.record_model = RecordModel()
        self.record_view = RecordView(self.record_model)
        self.board = DispatchBoard()
        self.tag_panel = TagPanel()
        self.board_dock = self._dock("Dispatch board", "boardDock", self.board, Qt.DockWidgetArea.RightDockWidgetArea)
        self.tag_dock = self._dock("Tag and note", "tagDock", self.tag_panel, Qt.DockWidgetArea.RightDockWidgetArea)
        self.record_dock = self._dock(
            "Operation record", "recordDock", self.record_view, Qt.DockWidgetArea.BottomDockWidgetArea
        )
        self.camera_dock = self._dock("Cameras", "cameraDock", self.camera_list, Qt.DockWidgetArea.LeftDockWidgetArea)
        self.sightings = SightingsView()
        self.sightings_dock = self._dock(
            "Sightings", "sightingsDock", self.sightings, Qt.DockWidgetArea.BottomDockWidgetArea
        )
        self.registers = RegistersView()
        self.registers_dock = self._dock(
            "Registers", "registersDock", self.registers, Qt.DockWidgetArea.BottomDockWidgetArea
        )
        self.returns = ReturnsView()
        self.returns_dock = self._dock("Returns", "returnsDock", self.returns, Qt.DockWidgetArea.BottomDockWidgetArea)
        self.audit = AuditView()
        self._audit_allowed = False
        self.audit_dock = self._dock("Audit trail", "auditDock", self.audit, Qt.DockWidgetArea.BottomDockWidgetArea)
        self.tabifyDockWidget(self.record_dock, self.sightings_dock)
        self.tabifyDockWidget(self.sightings_dock, self.registers_dock)
        self.tabifyDockWidget(self.registers_dock, self.returns_dock)
        self.tabifyDockWidget(self.returns_dock, self.audit_dock)
        self.partner_actions = PartnerActionsView()
        self.partner_actions_dock = self._dock(
            "Partner actions", "partnerActionsDock", self.partner_actions, Qt.DockWidgetArea.BottomDockWidgetArea
        )
        self.tabifyDockWidget(self.returns_dock, self.partner_actions_dock)
        # Warning letters and the three-strikes register (Tier 2 on), beside the returns.
        self.letters = LettersView()
        self.letters_dock = self._dock("Letters", "lettersDock", self.letters, Qt.DockWidgetArea.BottomDockWidgetArea)
        self.strikes = StrikesView()
        self.strikes_dock = self._dock(
            "Three strikes", "strikesDock", self.strikes, Qt.DockWidgetArea.BottomDockWidgetArea
        )
        self.tabifyDockWidget(self.returns_dock, self.letters_dock)
        self.tabifyDockWidget(self.letters_dock, self.strikes_dock)
        self.record_dock.raise_()
        # The board and the tag panel run the full height on the right (the bottom docks stop at
        # them), so the tabbed panels below the wall never squeeze the board.
        self.setCorner(Qt.Corner.BottomRightCorner, Qt.DockWidgetArea.RightDockWidgetArea)
        self.status = ConsoleStatusBar()
        self.setStatusBar(self.status)
        self.help_overlay = HelpOverlay(self)
        self.actions_by_name: dict[str, QAction] = {}
        self._bind_keymap()
        self.wall.selection_changed.connect(self._on_wall_selection_changed)
        self.wall.view_changed.connect(lambda: self.wall_bar.show_layout(self.wall.layout_name))
        self.wall_bar.layout_chosen.connect(self._set_wall_layout)
        self.camera_list.camera_activated.connect(self._put_camera_on_selected_tile)
        self.sightings.export_requested.connect(self.export_key.emit)
        self.wall_bar.show_layout(self.wall.layout_name)
        self.resize(1600, 950)
        self._size_docks()
        self._initial_state = self.saveState(LAYOUT_VERSION)
        self.first_start = not self._restore_layout()
        if self.wall.tiles:
            self._on_wall_selection_changed(self.wall.selected)

    def _dock(self, title: str, name: str, widget: QWidget, area: Qt.DockWidgetArea) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(name)  # saveState needs stable names
        dock.setWidget(widget)
        dock.setFeatures(
            QDockWidget.DockWidgetFeature.DockWidgetMovable | QDockWidget.DockWidgetFeature.DockWidgetFloatable
        )
        self.addDockWidget(area, dock)
        return dock

    def _bind_keymap(self) -> None:
        handlers: dict[str, Callable[[], object]] = {
            "help": self.help_overlay.toggle,
            "fullscreen": self._toggle_fullscreen,
            "note": self._focus_note,
            "record.filter": self._focus_record_filter,
            "board": self._focus_board,
            "sightings": self._focus_sightings,
            "returns": self._focus_returns,
            "partner_actions": lambda: self._focus_dock(self.partner_actions_dock, self.partner_actions.table),
            "letters": lambda: self._focus_dock(self.letters_dock, self.letters.candidate_table),
            "strikes": lambda: self._focus_dock(self.strikes_dock, self.strikes.table),
            "wall": self.wall.setFocus,
            "layout.reset": self.reset_layout,
            "wall.cameras": self._focus_cameras,
            "wall.save_view": self.wall_bar.ask_name,
            "quit": self.close,
            "board.dispatch": self.dispatch_key.emit,
            "evidence.export": self.export_key.emit,
            "footage.play": self.playback_key.emit,
            "community": self.community_key.emit,
            "data_requests": self.data_requests_key.emit,
            "lock": self.lock_key.emit,
            "masks.lift": self.masks_key.emit,
            "setup": self.setup_key.emit,
            "audit": self._focus_audit,
            "radio.acknowledge": self.board.radio.request_acknowledge,
            "radio.close": self.board.radio.request_close,
            "radio.line": self._focus_radio_line,
        }
        for status in STATUSES:
            if f"radio.{status}" in {s.action for s in KEYMAP}:
                handlers[f"radio.{status}"] = functools.partial(self.board.radio.request_status, status)
        for n in range(1, 10):
            handlers[f"tile.{n}"] = functools.partial(self._select_tile, n - 1)
        for name in LAYOUTS:
            handlers[f"wall.layout.{name}"] = functools.partial(self._set_wall_layout, name)
        for shortcut in KEYMAP:
            if shortcut.context != WINDOW:
                continue  # the wall and the panel handle their own keys
            action = QAction(shortcut.words, self)
            action.setShortcut(key_sequence(shortcut.action))
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            action.triggered.connect(handlers[shortcut.action])
            self.addAction(action)
            self.actions_by_name[shortcut.action] = action

    # --- keymap handlers -------------------------------------------------------------------------
    def _toggle_fullscreen(self) -> None:
        self.showNormal() if self.isFullScreen() else self.showFullScreen()

    def _focus_note(self) -> None:
        self.tag_dock.show()
        self.tag_dock.raise_()
        self.tag_panel.note.setFocus()

    def _focus_record_filter(self) -> None:
        self.record_dock.show()
        self.record_view.search.setFocus()
        self.record_view.search.selectAll()

    def _focus_radio_line(self) -> None:
        self._focus_board()
        self.board.radio.line.setFocus()

    def _focus_board(self) -> None:
        self.board_dock.show()
        self.board_dock.raise_()
        self.board.setFocus()

    def _select_tile(self, index: int) -> None:
        if index < len(self.wall.tiles):
            self.wall.select(index)
            self.wall.setFocus()

    def _focus_sightings(self) -> None:
        self.sightings_dock.show()
        self.sightings_dock.raise_()
        self.sightings.search.setFocus()

    def _focus_returns(self) -> None:
        self.returns_dock.show()
        self.returns_dock.raise_()
        self.returns.period.setFocus()

    def set_audit_allowed(self, allowed: bool) -> None:
        """The audit trail is for auditors and supervisors; others never see the dock."""
        self.audit_dock.setVisible(allowed)
        self.audit_dock.toggleViewAction().setEnabled(allowed)
        self.actions_by_name["audit"].setEnabled(allowed)
        self._audit_allowed = allowed

    def _focus_audit(self) -> None:
        if self._audit_allowed:
            self._focus_dock(self.audit_dock, self.audit.text)

    def _focus_dock(self, dock: QDockWidget, focus: QWidget) -> None:
        dock.show()
        dock.raise_()
        focus.setFocus()

    def _focus_cameras(self) -> None:
        self.camera_dock.show()
        self.camera_dock.raise_()
        self.camera_list.setFocus()

    def _set_wall_layout(self, name: str) -> None:
        self.wall.set_layout(name)
        self.wall.setFocus()

    def _put_camera_on_selected_tile(self, camera_id: str) -> None:
        self.wall.assign(self.wall.selected, camera_id)

    def _on_wall_selection_changed(self, index: int) -> None:
        feed = self.wall.tiles[index].feed
        if feed is None:
            self.tag_panel.set_camera(index, "no camera on this tile", "")
        else:
            self.tag_panel.set_camera(index, feed.camera_name, feed.location)

    # --- lock ----------------------------------------------------------------------------------------
    def set_locked(self, locked: bool, words: str = "", needs_password: bool = True) -> None:
        """Locked: the wall and the board stay visible and live, every other panel (they hold
        personal data) is hidden, open dialogs are closed, and nothing can be changed."""
        if locked == self.locked:
            return
        self.locked = locked
        if locked:
            for dialog in self.findChildren(QDialog):
                if dialog.isVisible():
                    dialog.reject()
            self.help_overlay.hide()
            self._hidden_by_lock = [
                d for d in self.findChildren(QDockWidget) if d is not self.board_dock and d.isVisible()
            ]
            for dock in self._hidden_by_lock:
                dock.hide()
            self.lock_bar.show_locked(words, needs_password)
        else:
            for dock in self._hidden_by_lock:
                dock.show()
            self._hidden_by_lock = []
            self.lock_bar.hide()
        for widget in (self.board, self.wall_bar):
            widget.setEnabled(not locked)
        self.wall.setEnabled(not locked)  # still painting: disabled only stops clicks and keys
        for name, action in self.actions_by_name.items():
            action.setEnabled(not locked or name == "help")
        self.actions_by_name["audit"].setEnabled(self._audit_allowed and not locked)
        if not locked:
            self.wall.setFocus()

    # --- layout ------------------------------------------------------------------------------------
    def _restore_layout(self) -> bool:
        geometry = self._ui_state.value("window/geometry")
        state = self._ui_state.value("window/state")
        restored = isinstance(geometry, QByteArray) and self.restoreGeometry(geometry)
        if isinstance(state, QByteArray):
            restored = self.restoreState(state, LAYOUT_VERSION) and restored
        return bool(restored)

    def _size_docks(self) -> None:
        width, height = self.width(), self.height()
        self.resizeDocks([self.camera_dock], [max(240, width // 8)], Qt.Orientation.Horizontal)
        self.resizeDocks([self.board_dock, self.tag_dock], [max(420, width // 4)] * 2, Qt.Orientation.Horizontal)
        self.resizeDocks([self.record_dock], [max(220, height // 4)], Qt.Orientation.Vertical)
        self.resizeDocks(
            [self.board_dock, self.tag_dock], [height * 6 // 10, height * 3 // 10], Qt.Orientation.Vertical
        )

    def first_layout(self, available: QRect) -> None:
        """First start on this machine: fill the screen and size the docks to it."""
        self.setGeometry(available)
        self._size_docks()
        self._initial_state = self.saveState(LAYOUT_VERSION)

    def save_layout(self) -> None:
        self._ui_state.setValue("window/geometry", self.saveGeometry())
        self._ui_state.setValue("window/state", self.saveState(LAYOUT_VERSION))
        self._ui_state.sync()

    def reset_layout(self) -> None:
        for dock in (self.board_dock, self.tag_dock, self.record_dock):
            dock.setFloating(False)
            dock.show()
        self.restoreState(self._initial_state, LAYOUT_VERSION)

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.locked and not self._closing:
            event.ignore()  # closing ends the shift: a change, so not while locked
            self.lock_bar.refused("Unlock the console first to close it.")
            return
        if self._closing:
            self.save_layout()
            event.accept()
            return
        # Let the console end the shift (a database write) off the GUI thread first.
        event.ignore()
        self.close_requested.emit()

    def finish_close(self) -> None:
        self._closing = True
        self.close()
