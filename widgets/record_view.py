"""The operation record as a live list: newest first, filter by kind and by any text.
Holds at most `limit` entries in memory; older ones stay in the database."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, QSortFilterProxyModel, Qt
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QHeaderView, QLineEdit, QTableView, QVBoxLayout, QWidget

from console.types import EntryView

Index = QModelIndex | QPersistentModelIndex
COLUMNS = ("#", "Time", "Operator", "What", "Entry")


class RecordModel(QAbstractTableModel):
    def __init__(self, limit: int = 2000) -> None:
        super().__init__()
        self.limit = limit
        self._rows: list[EntryView] = []  # newest first

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid():
            return None
        e = self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return (
                str(e.seq),
                e.event_time.astimezone().strftime("%d %b %H:%M:%S"),
                e.operator,
                e.kind,
                describe(e),
            )[index.column()]
        if role == Qt.ItemDataRole.ToolTipRole:
            return (
                f"Entry {e.seq} at {e.event_time.astimezone():%Y-%m-%d %H:%M:%S %Z} from {e.console_id}\nhash {e.hash}"
            )
        if role == Qt.ItemDataRole.UserRole:
            return e
        return None

    def add_entries(self, entries: Sequence[EntryView]) -> None:
        """Add entries (any order); duplicates ignored; the oldest beyond `limit` dropped."""
        known = self._rows[0].seq if self._rows else 0
        fresh = sorted((e for e in entries if e.seq > known), key=lambda e: e.seq, reverse=True)
        if not fresh:
            return
        self.beginInsertRows(QModelIndex(), 0, len(fresh) - 1)
        self._rows[0:0] = fresh
        self.endInsertRows()
        if len(self._rows) > self.limit:
            self.beginRemoveRows(QModelIndex(), self.limit, len(self._rows) - 1)
            del self._rows[self.limit :]
            self.endRemoveRows()

    @property
    def newest_seq(self) -> int:
        return self._rows[0].seq if self._rows else 0

    def kinds(self) -> list[str]:
        return sorted({e.kind for e in self._rows})


def describe(entry: EntryView) -> str:
    text = entry.detail or entry.text
    if entry.corrects_seq:
        text = f"(corrects #{entry.corrects_seq}) {text}"
    return text


class RecordFilter(QSortFilterProxyModel):
    def __init__(self) -> None:
        super().__init__()
        self.kind = ""
        self.words = ""

    def set_filter(self, kind: str, words: str) -> None:
        self.beginFilterChange()
        self.kind, self.words = kind, words.strip().lower()
        self.endFilterChange()

    def filterAcceptsRow(self, source_row: int, source_parent: Index) -> bool:
        model = self.sourceModel()
        entry: EntryView = model.data(model.index(source_row, 0, source_parent), Qt.ItemDataRole.UserRole)
        if self.kind and entry.kind != self.kind:
            return False
        if self.words:
            hay = f"{entry.seq} {entry.operator} {entry.kind} {describe(entry)} {entry.ref_type} {entry.ref_id}".lower()
            return all(word in hay for word in self.words.split())
        return True


class RecordView(QWidget):
    ALL_KINDS = "All kinds"

    def __init__(self, model: RecordModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.proxy = RecordFilter()
        self.proxy.setSourceModel(model)
        self.kind_box = QComboBox()
        self.kind_box.addItem(self.ALL_KINDS)
        self.kind_box.setAccessibleName("Filter the record by kind")
        self.search = QLineEdit()
        self.search.setPlaceholderText("Filter the record: any words")
        self.search.setClearButtonEnabled(True)
        self.table = QTableView()
        self.table.setModel(self.proxy)
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().setVisible(False)
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        for col in range(len(COLUMNS) - 1):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        bar = QHBoxLayout()
        bar.addWidget(self.kind_box)
        bar.addWidget(self.search, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(bar)
        layout.addWidget(self.table)
        self.kind_box.currentTextChanged.connect(self._apply)
        self.search.textChanged.connect(self._apply)
        model.rowsInserted.connect(self._on_model_rows_inserted)

    def _apply(self) -> None:
        kind = self.kind_box.currentText()
        self.proxy.set_filter("" if kind == self.ALL_KINDS else kind, self.search.text())

    def _on_model_rows_inserted(self) -> None:
        current = {self.kind_box.itemText(i) for i in range(self.kind_box.count())}
        for kind in self.model.kinds():
            if kind not in current:
                self.kind_box.addItem(kind)

    def visible_rows(self) -> int:
        return self.proxy.rowCount()
