"""Correct a sighting: the new values and why. The record keeps both (a new entry refers to the
old one); nothing is overwritten silently."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QPlainTextEdit, QWidget


class CorrectionDialog(QDialog):
    def __init__(self, title: str, vrm: str, notes: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Correct a sighting")
        self.original_vrm, self.original_notes = vrm, notes
        self.vrm = QLineEdit(vrm)
        self.vrm.setEnabled(bool(vrm))
        self.notes = QPlainTextEdit(notes)
        self.notes.setTabChangesFocus(True)
        self.reason = QLineEdit()
        self.reason.setPlaceholderText("Why: e.g. misread the last letter")
        self.message = QLabel("The correction is a new record entry; the original stays in the record.")
        self.message.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)
        form = QFormLayout(self)
        form.addRow(QLabel(title))
        form.addRow("VRM", self.vrm)
        form.addRow("Notes", self.notes)
        form.addRow("Reason", self.reason)
        form.addRow(self.message)
        form.addRow(buttons)

    def _accept(self) -> None:
        if not self.reason.text().strip():
            self.message.setText("Say why the sighting is corrected.")
            self.reason.setFocus()
            return
        self.accept()

    def changed_vrm(self) -> str | None:
        text = self.vrm.text().strip()
        return (
            text if self.original_vrm and text.replace(" ", "").upper() != self.original_vrm.replace(" ", "") else None
        )

    def changed_notes(self) -> str | None:
        text = self.notes.toPlainText()
        return text if text.strip() != self.original_notes.strip() else None
