"""The tag panel: what the controller is looking at (the selected camera), the tag form while a
sighting is being tagged, and a log-note line. It emits intent signals only; the console
decides what happens."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QFrame, QLabel, QPlainTextEdit, QPushButton, QScrollArea, QVBoxLayout, QWidget

from widgets.board import SightingChip
from widgets.keymap import PanelKeys, key_sequence
from widgets.tag_form import TagForm

NOTE_LIMIT = 4000


class TagPanel(QWidget):
    note_requested = Signal(str, int)  # text, selected camera index (-1 for none)
    tag_start_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("tagPanel")
        self.camera_index = -1
        self.camera_label = QLabel("No camera selected")
        self.camera_label.setObjectName("panelHeading")
        self.camera_label.setWordWrap(True)
        self.note = QPlainTextEdit()
        self.note.setPlaceholderText("Log note: what happened, where, who was told")
        self.note.setAccessibleName("Log note")
        self.note.setTabChangesFocus(True)
        self.note.setMaximumHeight(110)
        save_keys = key_sequence("panel.save").toString(QKeySequence.SequenceFormat.NativeText)
        self.save = QPushButton(f"Add to record ({save_keys})")
        self.save.setEnabled(False)
        self.status = QLabel("")
        self.status.setObjectName("panelStatus")
        self.status.setWordWrap(True)
        tag_keys = key_sequence("tile.tag").toString(QKeySequence.SequenceFormat.NativeText)
        self.tag_button = QPushButton(f"Tag a sighting on this camera ({tag_keys} on the wall)")
        self.tag_button.clicked.connect(self.tag_start_requested)
        self.tag_form = TagForm()
        self.tag_form.hide()
        self.tag_result = QLabel("")
        self.tag_result.setObjectName("tagResult")
        self.tag_result.setWordWrap(True)
        self.tag_result.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        # Everything scrolls, so a short dock never clips the form or its messages.
        inner = QWidget()
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(inner)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)
        layout = QVBoxLayout(inner)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addWidget(self.camera_label)
        layout.addWidget(self.tag_button)
        layout.addWidget(self.tag_form)
        layout.addWidget(self.tag_result)
        self.last_tag = SightingChip()
        layout.addWidget(self.last_tag)
        layout.addWidget(QLabel("Log note"))
        layout.addWidget(self.note)
        layout.addWidget(self.save)
        layout.addWidget(self.status)
        layout.addStretch(1)
        self.note.textChanged.connect(self._on_note_text_changed)
        self.save.clicked.connect(self.submit)
        self._keys = PanelKeys({"panel.save": self.submit, "panel.cancel": self.clear}, [self.note], self)
        self.allowed = True

    # -- tagging ------------------------------------------------------------------------------------

    def begin_tag(self, heading: str) -> None:
        self.tag_result.setText("")
        self.tag_button.hide()
        self.tag_form.show()
        self.tag_form.begin(heading)

    def end_tag(self, result: str = "") -> None:
        self.tag_form.hide()
        self.tag_button.show()
        self.tag_result.setText(result)

    @property
    def tagging(self) -> bool:
        return not self.tag_form.isHidden()

    def set_camera(self, index: int, name: str, location: str) -> None:
        self.camera_index = index
        self.camera_label.setText(f"Camera {index + 1}: {name}" + (f"\n{location}" if location else ""))

    def set_allowed(self, allowed: bool, reason: str = "") -> None:
        """Whether the operator may write notes (the console asks `can()`)."""
        self.allowed = allowed
        self.note.setReadOnly(not allowed)
        self._on_note_text_changed()
        if not allowed:
            self.status.setText(reason)

    def _on_note_text_changed(self) -> None:
        text = self.note.toPlainText().strip()
        self.save.setEnabled(self.allowed and 0 < len(text) <= NOTE_LIMIT)
        if len(text) > NOTE_LIMIT:
            self.status.setText(f"Too long: {len(text)} of {NOTE_LIMIT} characters")

    def submit(self) -> None:
        text = self.note.toPlainText().strip()
        if not self.allowed or not text or len(text) > NOTE_LIMIT:
            return
        self.save.setEnabled(False)
        self.status.setText("Saving…")
        self.note_requested.emit(text, self.camera_index)

    def note_saved(self, seq: int) -> None:
        self.note.clear()
        self.status.setText(f"Saved as record entry {seq}")

    def note_kept(self, words: str) -> None:
        """Written somewhere safe other than the record (the journal): cleared, and said where."""
        self.note.clear()
        self.status.setText(words)

    def note_failed(self, message: str) -> None:
        # Keep the words: nothing typed is lost when a save fails.
        self.status.setText(f"Not saved: {message}")
        self._on_note_text_changed()

    def clear(self) -> None:
        self.note.clear()
        self.status.setText("")
