"""Record a community complaint or a community tension note: when it came in, by what source,
about where, and what was said. The dialog stays open with the service's message when the
report is refused, so nothing typed is lost."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from PySide6.QtCore import QDateTime, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

TEXT_LIMIT = 4000


class CommunityDialog(QDialog):
    record_requested = Signal()  # the console writes the report, then closes or calls refused()

    def __init__(
        self,
        kinds: dict[str, str],
        sources: dict[str, str],
        locations: Sequence[str],
        now_local: datetime,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Community complaint or tension note")
        self.setMinimumWidth(560)
        self.kind = QComboBox()
        for key, words in kinds.items():
            self.kind.addItem(words.capitalize(), key)
        self.source = QComboBox()
        for key, words in sources.items():
            self.source.addItem(words.capitalize(), key)
        self.location = QComboBox()
        self.location.setEditable(True)  # a known location, or a place in the caller's words
        self.location.addItem("")
        self.location.addItems(list(locations))
        if (line := self.location.lineEdit()) is not None:
            line.setPlaceholderText("A location of the operation, or type the place")
        n = now_local
        self.when = QDateTimeEdit(QDateTime(n.year, n.month, n.day, n.hour, n.minute, 0))
        self.when.setDisplayFormat("ddd dd MMM yyyy HH:mm")
        self.when.setCalendarPopup(True)
        self.text = QPlainTextEdit()
        self.text.setPlaceholderText("What was said, in the caller's words")
        self.text.setMinimumHeight(120)
        self.problem = QLabel("")
        self.problem.setObjectName("panelStatus")
        self.problem.setWordWrap(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Record")
        self.buttons.accepted.connect(self._record)
        self.buttons.rejected.connect(self.reject)
        self.text.textChanged.connect(self._check)
        form = QFormLayout()
        form.addRow("Kind", self.kind)
        form.addRow("Source", self.source)
        form.addRow("When", self.when)
        form.addRow("Where", self.location)
        form.addRow("What was said", self.text)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.problem)
        layout.addWidget(self.buttons)
        self.submitted = False
        self._check()
        self.text.setFocus(Qt.FocusReason.OtherFocusReason)

    def _check(self) -> None:
        length = len(self.text.toPlainText().strip())
        problem = ""
        if not length:
            problem = "Type what was said."
        elif length > TEXT_LIMIT:
            problem = f"The text is {length} characters long; the limit is {TEXT_LIMIT}."
        self.problem.setText(problem)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(not problem)

    def _record(self) -> None:
        self.submitted = True
        self.buttons.setEnabled(False)
        self.problem.setText("Recording…")
        self.record_requested.emit()

    def refused(self, words: str) -> None:
        self.submitted = False
        self.buttons.setEnabled(True)
        self.problem.setText(words)

    def _local_when(self) -> datetime:
        d, t = self.when.date(), self.when.time()
        return datetime(d.year(), d.month(), d.day(), t.hour(), t.minute())

    def report(self) -> tuple[str, str, str, datetime, str]:
        """(kind, source, location, local time without zone, text)."""
        return (
            str(self.kind.currentData()),
            str(self.source.currentData()),
            self.location.currentText().strip(),
            self._local_when(),
            self.text.toPlainText(),
        )
