"""The Returns dock: tonight's return, a week's performance or the operation to date, as
figures (select one to see exactly the record entries behind it) and as charts; export CSV or
print PDF."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QPushButton,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from widgets.dashboard import DashboardView
from widgets.dashboard_charts import DashboardData
from widgets.tables import RowsModel, rows_table

# (words, kind, offset): the periods offered; the console turns them into dates and weeks.
PERIODS = (
    ("Tonight", "day", 0),
    ("Last night", "day", -1),
    ("This week", "week", 0),
    ("Last week", "week", -1),
    ("Operation to date", "to_date", 0),
)


class FigureRow(Protocol):
    @property
    def section(self) -> str: ...
    @property
    def label(self) -> str: ...
    @property
    def value(self) -> float: ...
    @property
    def unit(self) -> str: ...
    @property
    def entries(self) -> tuple[int, ...]: ...


def _value(row: FigureRow) -> str:
    return f"{row.value:g} {row.unit}".strip()


class ReturnsView(QWidget):
    period_chosen = Signal(str, int)  # kind, offset (0: the current night or week, -1 the one before)
    entries_wanted = Signal(tuple)  # the record entries behind the selected figure
    export_requested = Signal(str)  # csv or pdf

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("returnsView")
        self.period = QComboBox()
        for words, kind, offset in PERIODS:
            self.period.addItem(words, (kind, offset))
        self.title = QLabel("")
        self.title.setObjectName("panelStatus")
        self.head = QLabel("")
        self.head.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.model = RowsModel([("Section", lambda r: r.section), ("Figure", lambda r: r.label), ("Value", _value)])
        self.table = rows_table(self.model)
        self.behind = QListWidget()
        self.behind.setObjectName("entriesBehind")
        self.behind_title = QLabel("Select a figure to see the record entries behind it")
        self.csv = QPushButton("Export CSV…")
        self.pdf = QPushButton("Print PDF…")
        bar = QHBoxLayout()
        bar.addWidget(self.period)
        bar.addWidget(self.title, 1)
        bar.addWidget(self.csv)
        bar.addWidget(self.pdf)
        right = QWidget()
        column = QVBoxLayout(right)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.behind_title)
        column.addWidget(self.behind, 1)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self.table)
        split.addWidget(right)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        self.charts = DashboardView()
        self.tabs = QTabWidget()
        self.tabs.addTab(split, "Figures")
        self.tabs.addTab(self.charts, "Charts")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(bar)
        layout.addWidget(self.head)
        layout.addWidget(self.tabs, 1)
        self.period.currentIndexChanged.connect(lambda _: self.ask())
        self.table.selectionModel().currentRowChanged.connect(self._on_row)
        self.csv.clicked.connect(lambda: self.export_requested.emit("csv"))
        self.pdf.clicked.connect(lambda: self.export_requested.emit("pdf"))

    def ask(self) -> None:
        kind, offset = self.period.currentData()
        self.title.setText("Counting…")
        self.period_chosen.emit(kind, offset)

    def show_return(self, title: str, head: str, figures: Sequence[Any]) -> None:
        current = self.table.currentIndex()
        self.title.setText(title)
        self.head.setText(head)
        self.model.set_rows(figures)
        if current.isValid() and current.row() < len(figures):
            self.table.setCurrentIndex(self.model.index(current.row(), 0))

    def show_dashboard(self, dashboard: DashboardData) -> None:
        self.charts.show_dashboard(dashboard)

    def _on_row(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if not current.isValid() or current.row() >= len(self.model.rows):
            return
        row = self.model.rows[current.row()]
        self.behind_title.setText(
            f"{row.label}: {len(row.entries)} record entr{'y' if len(row.entries) == 1 else 'ies'}"
        )
        self.behind.clear()
        if row.entries:
            self.entries_wanted.emit(tuple(row.entries))

    def show_entries(self, lines: Sequence[str]) -> None:
        self.behind.clear()
        self.behind.addItems(list(lines))

    def show_message(self, words: str) -> None:
        self.title.setText(words)
