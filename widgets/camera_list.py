"""The camera list (drag a camera onto a wall tile, or double-click to put it on the selected
tile) and the wall bar above the tiles: layouts and the operator's saved views."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QMimeData, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QToolButton,
    QWidget,
)

from widgets.tile_feed import TileFeed
from widgets.video_tile import CAMERA_MIME
from widgets.video_wall import LAYOUT_WORDS, LAYOUTS

_ID_ROLE = Qt.ItemDataRole.UserRole


class CameraList(QListWidget):
    camera_activated = Signal(str)

    def __init__(self, feeds: Sequence[TileFeed], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("cameraList")
        self.setDragEnabled(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setWordWrap(True)
        for feed in feeds:
            text = feed.camera_name
            if feed.location and feed.location not in feed.camera_name:
                text += f"  ·  {feed.location}"
            item = QListWidgetItem(text)
            item.setData(_ID_ROLE, feed.camera_id)
            item.setToolTip(f"{feed.camera_name}: drag onto a tile, or press Return to show it on the selected tile")
            self.addItem(item)
        self.itemActivated.connect(lambda item: self.camera_activated.emit(item.data(_ID_ROLE)))

    def mimeData(self, items: Sequence[QListWidgetItem]) -> QMimeData:
        mime = QMimeData()
        if items:
            mime.setData(CAMERA_MIME, str(items[0].data(_ID_ROLE)).encode())
        return mime

    def mimeTypes(self) -> list[str]:
        return [CAMERA_MIME]


class CameraChecklist(QListWidget):
    """Cameras to tick (an export, a playback): (key, name) rows, some ticked at first."""

    def __init__(self, cameras: Sequence[tuple[str, str]], chosen: Sequence[str], parent: QWidget | None = None):
        super().__init__(parent)
        for key, name in cameras:
            item = QListWidgetItem(name)
            item.setData(Qt.ItemDataRole.UserRole, key)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if key in chosen else Qt.CheckState.Unchecked)
            self.addItem(item)
        self.setMaximumHeight(160)

    def chosen(self) -> list[str]:
        return [
            str(self.item(i).data(Qt.ItemDataRole.UserRole))
            for i in range(self.count())
            if self.item(i).checkState() == Qt.CheckState.Checked
        ]


class WallBar(QWidget):
    """Layout buttons, the saved-view chooser and Save view."""

    layout_chosen = Signal(str)
    view_chosen = Signal(str)
    save_requested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("wallBar")
        row = QHBoxLayout(self)
        row.setContentsMargins(4, 2, 4, 2)
        row.addWidget(QLabel("Layout"))
        self.layout_buttons: dict[str, QToolButton] = {}
        for n, name in enumerate(LAYOUTS, start=1):
            button = QToolButton()
            button.setText(LAYOUT_WORDS[name])
            button.setCheckable(True)
            button.setAutoExclusive(True)
            button.setToolTip(f"Wall layout {LAYOUT_WORDS[name]} (Alt+{n})")
            button.clicked.connect(lambda _=False, name=name: self.layout_chosen.emit(name))
            self.layout_buttons[name] = button
            row.addWidget(button)
        row.addSpacing(16)
        row.addWidget(QLabel("View"))
        self.views = QComboBox()
        self.views.setMinimumContentsLength(16)
        self.views.setPlaceholderText("Saved views")
        self.views.activated.connect(lambda i: self.view_chosen.emit(self.views.itemText(i)))
        row.addWidget(self.views)
        self.save = QPushButton("Save view…")
        self.save.setToolTip("Save this layout and these cameras under a name (Ctrl+Shift+S)")
        self.save.clicked.connect(self.ask_name)
        row.addWidget(self.save)
        self.message = QLabel()
        self.message.setObjectName("wallBarMessage")
        row.addWidget(self.message, 1)

    def show_layout(self, name: str) -> None:
        button = self.layout_buttons.get(name)
        if button is not None:
            button.setChecked(True)

    def set_views(self, names: Sequence[str], current: str = "") -> None:
        self.views.blockSignals(True)
        self.views.clear()
        self.views.addItems(list(names))
        self.views.setCurrentIndex(self.views.findText(current) if current else -1)
        self.views.blockSignals(False)

    def ask_name(self) -> None:
        name, ok = QInputDialog.getText(self, "Save wall view", "Name of this view:", text=self.views.currentText())
        if ok and name.strip():
            self.save_requested.emit(name.strip())

    def say(self, text: str) -> None:
        self.message.setText(text)
