"""The Cameras tab: each camera's name, kind, location, main and sub stream, recording and
credentials; "Test connection" grabs a frame (or says why not), and that frame is the canvas
of the camera's privacy masks below. A password is never shown again once typed: a URL typed
with user:password@ has them moved into the credential fields at once."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QImage
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSizePolicy,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from console.types import SetupRow
from widgets.dock_parts import message_label, show_message
from widgets.mask_editor import MaskEditor
from widgets.setup.fields import CHOICE, FLAG, REFERENCE, SECRET, Field
from widgets.setup.section import SectionTab

WHEN = (
    "New or changed cameras appear on the wall after the console restarts. "
    "Mask changes apply to the wall as soon as they are saved."
)

MASK_COLUMN_PX = 320


class CamerasTab(SectionTab):
    test_requested = Signal(int, object)  # camera row id (0: not saved yet), the typed values

    def __init__(self, kinds: tuple[str, ...], parent: QWidget | None = None) -> None:
        fields = [
            Field("key", "Key", hint="cam-07", max_length=60),
            Field("name", "Name", hint="Station Road north", max_length=200),
            Field("kind", "Kind", CHOICE, choices=kinds, default="rtsp" if "rtsp" in kinds else ""),
            Field("location", "Location", REFERENCE),
            Field("main_url", "Main stream URL", hint="rtsp://192.0.2.10:554/main", max_length=4000),
            Field("sub_url", "Sub stream URL", hint="optional: a smaller stream for the wall", max_length=4000),
            Field("recording", "Recording", FLAG, default=True, hint="record this camera"),
            Field("username", "Username", max_length=200),
            Field("password", "Password", SECRET, hint="type to set or replace the password", max_length=200),
        ]
        columns = [("Key", "key"), ("Name", "name"), ("Kind", "kind"), ("Location", "location"), ("URL", "main_url")]
        super().__init__("cameras", "camera", fields, columns, retirable=True, when=WHEN, parent=parent)
        self.mask_rows: list[SetupRow] = []
        for key in ("main_url", "sub_url"):
            editor = self.form.editors[key]
            assert isinstance(editor, QLineEdit)
            editor.editingFinished.connect(lambda k=key: self._take_credentials(k))
        self.test_button = QPushButton("Test connection")
        self.test_button.setObjectName("testConnection")
        self.test_button.clicked.connect(self._on_test_clicked)
        self.probe_stream = QComboBox()
        self.probe_stream.addItem("main stream", "main_url")
        self.probe_stream.addItem("sub stream", "sub_url")
        self.probe_words = message_label("probeWords")
        probe_row = QHBoxLayout()
        probe_row.addWidget(self.test_button)
        probe_row.addWidget(self.probe_stream)
        probe_row.addWidget(self.probe_words, 1)
        self.side_layout.insertLayout(3, probe_row)
        # The camera's form above, its masks below (the picture wants the room).
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.body)
        split.addWidget(self._mask_panel())
        split.setSizes([560, 400])
        self.layout().addWidget(split)  # type: ignore[union-attr]

    def _mask_panel(self) -> QWidget:
        self.editor = MaskEditor()
        self.mask_list = QListWidget()
        self.mask_list.setObjectName("maskList")
        self.mask_list.setMinimumHeight(60)
        self.mask_list.currentItemChanged.connect(lambda item, _old: self._on_mask_chosen(item))
        self.mask_name = QLineEdit()
        self.mask_name.setObjectName("maskName")
        self.mask_name.setMaxLength(120)
        self.mask_name.setPlaceholderText("name: e.g. flat windows, No. 12")
        self.draw_button = QPushButton("Draw new mask")
        self.save_mask_button = QPushButton("Save mask")
        self.delete_mask_button = QPushButton("Delete mask")
        self.mask_message = message_label("maskMessage")
        self.draw_button.clicked.connect(self._on_draw_clicked)
        self.save_mask_button.clicked.connect(self._on_save_mask_clicked)
        self.delete_mask_button.clicked.connect(lambda: self._delete_mask(self.editor.selected))
        self.editor.selection_changed.connect(self._on_editor_selection)
        self.editor.delete_requested.connect(self._delete_mask)
        self.editor.polygon_changed.connect(lambda: show_message(self.mask_message, "Changed: press Save mask"))
        heading = QLabel("Privacy masks")
        heading.setObjectName("panelHeading")
        how = QLabel("Click the corners of a private place; double-click or Enter closes it; drag a corner to move it.")
        how.setToolTip(
            "Masked areas are black on the wall, in stills, playback and working copies; masters keep the original."
        )
        how.setWordWrap(True)
        how.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)  # never cut: the list gives way
        side = QVBoxLayout()
        side.addWidget(heading)
        side.addWidget(how)
        side.addWidget(self.mask_list, 1)
        side.addWidget(self.mask_name)
        for button in (self.draw_button, self.save_mask_button, self.delete_mask_button):
            side.addWidget(button)
        side.addWidget(self.mask_message)
        panel = QWidget()
        row = QHBoxLayout(panel)
        column = QWidget()
        column.setFixedWidth(MASK_COLUMN_PX)
        column.setLayout(side)
        row.addWidget(column)
        row.addWidget(self.editor, 1)
        self._set_mask_controls(False)
        return panel

    # --- credentials ------------------------------------------------------------------------------------
    def _take_credentials(self, key: str) -> None:
        """user:password@ typed into a URL goes to the credential fields, never stays in view."""
        editor = self.form.editors[key]
        assert isinstance(editor, QLineEdit)
        text = editor.text().strip()
        if "@" not in text or "://" not in text:
            return
        url = QUrl(text)
        user, password = url.userName(), url.password()
        if not url.isValid() or not (user or password):
            return
        url.setUserInfo("")
        editor.setText(url.toString())
        if user:
            self.form.set_value("username", user)
        if password:
            self.form.set_value("password", password)

    def values(self) -> dict[str, Any]:
        for key in ("main_url", "sub_url"):
            self._take_credentials(key)
        return super().values()

    # --- test connection -----------------------------------------------------------------------------------
    def _on_test_clicked(self) -> None:
        self.test_button.setEnabled(False)
        show_message(self.probe_words, "Connecting… (up to 8 s)")
        values = self.values()
        # The stream to test goes as the main URL: the console tests one stream at a time.
        values["main_url"] = values.get(self.probe_stream.currentData(), "")
        self.test_requested.emit(self._selected_id, values)

    def show_probe(self, ok: bool, words: str, picture_path: str = "") -> None:
        self.test_button.setEnabled(True)
        show_message(self.probe_words, words, problem=not ok)
        if ok and picture_path:
            self.editor.set_picture(QImage(picture_path))

    # --- masks ---------------------------------------------------------------------------------------------
    def show_masks(self, rows: tuple[SetupRow, ...] | list[SetupRow]) -> None:
        self.mask_rows = list(rows)
        self._fill_masks()

    def row_shown(self, row: SetupRow) -> None:
        self.editor.set_picture(None)
        show_message(self.probe_words, "")
        self._fill_masks()

    def start_new(self) -> None:
        super().start_new()
        if hasattr(self, "editor"):
            self.editor.set_picture(None)
            self._fill_masks()

    def _camera_key(self) -> str:
        row = self.selected()
        return str(row.values.get("key", "")) if row is not None else ""

    def _fill_masks(self) -> None:
        if not hasattr(self, "editor"):
            return
        key = self._camera_key()
        mine = [m for m in self.mask_rows if m.values.get("camera") == key] if key else []
        chosen = self.editor.selected
        self.mask_list.blockSignals(True)
        self.mask_list.clear()
        for m in mine:
            item = QListWidgetItem(str(m.values["name"]))
            item.setData(256, m.id)
            self.mask_list.addItem(item)
            if m.id == chosen:
                self.mask_list.setCurrentItem(item)
        self.mask_list.blockSignals(False)
        self.editor.set_masks({m.id: (str(m.values["name"]), tuple(m.values["points"])) for m in mine})
        if chosen > 0 and chosen not in self.editor.masks:
            self.mask_name.clear()
        self._set_mask_controls(bool(key))

    def _set_mask_controls(self, camera_saved: bool) -> None:
        for widget in (self.draw_button, self.mask_name, self.save_mask_button, self.delete_mask_button):
            widget.setEnabled(camera_saved)
        show_message(self.mask_message, "" if camera_saved else "Save the camera first, then draw its masks.")

    def _on_mask_chosen(self, item: QListWidgetItem | None) -> None:
        mask_id = int(item.data(256)) if item is not None else -1
        self.editor.select(mask_id)
        self.mask_name.setText(item.text() if item is not None else "")

    def _on_editor_selection(self, mask_id: int) -> None:
        for i in range(self.mask_list.count()):
            item = self.mask_list.item(i)
            if int(item.data(256)) == mask_id:
                self.mask_list.setCurrentItem(item)
                return
        self.mask_list.clearSelection()

    def _on_draw_clicked(self) -> None:
        self.mask_list.clearSelection()
        self.mask_name.clear()
        self.editor.start_drawing()
        show_message(self.mask_message, "Click the corners of the area; double-click or Enter closes it.")

    def _on_save_mask_clicked(self) -> None:
        points = self.editor.current_points()
        if not points:
            show_message(self.mask_message, "Draw the mask first (three points or more).", problem=True)
            return
        mask_id = max(self.editor.selected, 0)
        values = {
            "camera": self._camera_key(),
            "name": self.mask_name.text().strip(),
            "points": [list(p) for p in points],
        }
        show_message(self.mask_message, "Saving the mask…")
        self.save_requested.emit("masks", mask_id, values)

    def _delete_mask(self, mask_id: int) -> None:
        if mask_id > 0:
            show_message(self.mask_message, "Deleting the mask…")
            self.remove_requested.emit("masks", mask_id)

    def mask_saved(self, words: str, mask_id: int = 0) -> None:
        if mask_id:
            self.editor.selected = mask_id
        show_message(self.mask_message, words)

    def mask_refused(self, words: str) -> None:
        show_message(self.mask_message, words, problem=True)
