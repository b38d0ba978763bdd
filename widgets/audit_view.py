"""The audit trail dock (auditors and supervisors): logins, special-category data seen, exports,
cameras lost and recording gaps, settings changed; filtered by kind, operator, time and words."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QLineEdit, QVBoxLayout, QWidget

from console.types import EntryView
from widgets.tables import RowsModel, rows_table

SPANS = (("Last 24 hours", 1), ("Last 7 days", 7), ("Last 31 days", 31), ("All time", 0))
TYPING_PAUSE_MS = 400  # filter once the typing stops


class AuditView(QWidget):
    filter_changed = Signal(str, str, int, str)  # group, operator, days (0: all), text

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("auditView")
        self.group = QComboBox()
        self.span = QComboBox()
        for words, days in SPANS:
            self.span.addItem(words, days)
        self.span.setCurrentIndex(1)
        self.operator = QLineEdit()
        self.operator.setPlaceholderText("Operator login")
        self.operator.setMaximumWidth(180)
        self.text = QLineEdit()
        self.text.setPlaceholderText("Words in the entry")
        self.text.setMaxLength(200)
        self.count = QLabel("")
        self.count.setObjectName("panelStatus")
        self.model = RowsModel([
            ("#", lambda e: e.seq),
            ("Time", lambda e: f"{e.event_time.astimezone():%d %b %Y %H:%M:%S}"),
            ("Operator", lambda e: e.operator),
            ("Console", lambda e: e.console_id),
            ("Kind", lambda e: e.kind),
            ("Entry", lambda e: e.text),
        ])  # fmt: skip
        self.table = rows_table(self.model)
        bar = QHBoxLayout()
        for widget in (self.group, self.span, self.operator):
            bar.addWidget(widget)
        bar.addWidget(self.text, 1)
        bar.addWidget(self.count)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(bar)
        layout.addWidget(self.table, 1)
        self._pause = QTimer(self)
        self._pause.setSingleShot(True)
        self._pause.setInterval(TYPING_PAUSE_MS)
        self._pause.timeout.connect(self.ask)
        self.group.currentIndexChanged.connect(lambda _: self.ask())
        self.span.currentIndexChanged.connect(lambda _: self.ask())
        self.operator.textChanged.connect(lambda _: self._pause.start())
        self.text.textChanged.connect(lambda _: self._pause.start())

    def set_groups(self, groups: Sequence[str]) -> None:
        self.group.blockSignals(True)  # filled once, before the first reading
        self.group.clear()
        self.group.addItems(list(groups))
        self.group.blockSignals(False)

    def ask(self) -> None:
        self.count.setText("Reading…")
        self.filter_changed.emit(
            self.group.currentText(), self.operator.text(), int(self.span.currentData()), self.text.text()
        )

    def show_entries(self, entries: Sequence[EntryView], limit: int) -> None:
        self.model.set_rows(entries)
        more = f" (the newest {limit}; narrow the filter for older ones)" if len(entries) >= limit else ""
        self.count.setText(f"{len(entries)} entr{'y' if len(entries) == 1 else 'ies'}{more}")

    def show_message(self, words: str) -> None:
        self.count.setText(words)
