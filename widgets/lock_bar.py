"""Shown across the top of the wall while the console is locked: who locked it, and the
password field to unlock. The wall and the board stay live below it; the panels with personal
data are hidden by the main window."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QPushButton, QWidget


class LockBar(QWidget):
    unlock_requested = Signal(str)  # the password typed

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("lockBar")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)  # so the red band shows
        self.words = QLabel("")
        self.words.setObjectName("lockWords")
        self.words.setWordWrap(True)
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setMaxLength(200)
        self.password.setPlaceholderText("Password")
        self.password.setMaximumWidth(260)
        self.unlock = QPushButton("Unlock")
        self.problem = QLabel("")
        self.problem.setObjectName("lockProblem")
        row = QHBoxLayout(self)
        row.setContentsMargins(12, 8, 12, 8)
        row.addWidget(self.words, 1)
        row.addWidget(self.problem)
        row.addWidget(self.password)
        row.addWidget(self.unlock)
        self.unlock.clicked.connect(self._submit)
        self.password.returnPressed.connect(self._submit)
        self.hide()

    def show_locked(self, words: str, needs_password: bool) -> None:
        self.words.setText(words)
        self.problem.setText("")
        self.password.clear()
        self.password.setVisible(needs_password)
        self.unlock.setEnabled(True)
        self.show()
        (self.password if needs_password else self.unlock).setFocus()

    def _submit(self) -> None:
        self.unlock.setEnabled(False)
        self.problem.setText("Checking…")
        self.unlock_requested.emit(self.password.text())

    def refused(self, words: str) -> None:
        self.unlock.setEnabled(True)
        self.password.clear()
        self.password.setFocus()
        self.problem.setText(words)
