"""The tag panel: what the controller is looking at (the selected camera) and a log-note line.
It emits intent signals only; the console decides what happens. (The tagging issue adds
sighting boxes, categories, subjects and vehicles here.)"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QKeyCombination, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent, QKeySequence
from PySide6.QtWidgets import QLabel, QPlainTextEdit, QPushButton, QVBoxLayout, QWidget

from widgets.keymap import key_combination, key_sequence

NOTE_LIMIT = 4000


class TagPanel(QWidget):
    note_requested = Signal(str, int)  # text, selected camera index (-1 for none)

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
        save_keys = key_sequence("note.save").toString(QKeySequence.SequenceFormat.NativeText)
        self.save = QPushButton(f"Add to record ({save_keys})")
        self.save.setEnabled(False)
        self.status = QLabel("")
        self.status.setObjectName("panelStatus")
        self.status.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addWidget(self.camera_label)
        layout.addWidget(QLabel("Log note"))
        layout.addWidget(self.note)
        layout.addWidget(self.save)
        layout.addWidget(self.status)
        layout.addStretch(1)
        self.note.textChanged.connect(self._on_note_text_changed)
        self.save.clicked.connect(self.submit)
        # Panel keys are read straight off the note box, so they work whatever window is active.
        self._keys = {key_combination("note.save"): self.submit, key_combination("note.cancel"): self.clear}
        self.note.installEventFilter(self)
        self.allowed = True

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.note and event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            combo = event.keyCombination()
            if combo.key() == Qt.Key.Key_Enter:  # the keypad's Enter counts as Return
                combo = QKeyCombination(
                    combo.keyboardModifiers() & ~Qt.KeyboardModifier.KeypadModifier, Qt.Key.Key_Return
                )
            handler = self._keys.get(combo)
            if handler is not None:
                handler()
                return True
        return super().eventFilter(watched, event)

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

    def note_failed(self, message: str) -> None:
        # Keep the words: nothing typed is lost when a save fails.
        self.status.setText(f"Not saved: {message}")
        self._on_note_text_changed()

    def clear(self) -> None:
        self.note.clear()
        self.status.setText("")
