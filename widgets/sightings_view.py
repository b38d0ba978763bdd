"""The sightings dock: newest first, filtered by category, camera, period and text (a VRM or
subject fragment of 3 or more characters); the selected sighting's still below the list.
It asks for rows and stills by signal; the console answers from a worker."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Protocol

from PySide6.QtCore import QMimeData, QModelIndex, QPersistentModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QPixmap, QResizeEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from widgets.board import SIGHTING_MIME, sighting_mime
from widgets.tables import RowsModel, rows_table

PERIODS = (("Last 12 hours", 12), ("Last 24 hours", 24), ("Last 7 days", 24 * 7), ("Last 28 days", 24 * 28), ("All", 0))
SEARCH_MIN = 3
_Index = QModelIndex | QPersistentModelIndex


class SightingRow(Protocol):
    @property
    def id(self) -> int: ...
    @property
    def captured_at(self) -> datetime: ...
    @property
    def category_label(self) -> str: ...
    @property
    def camera_name(self) -> str: ...
    @property
    def location(self) -> str: ...
    @property
    def in_prescribed_area(self) -> bool: ...
    @property
    def operator(self) -> str: ...
    @property
    def subject_reference(self) -> str: ...
    @property
    def vrm(self) -> str: ...
    @property
    def notes(self) -> str: ...
    @property
    def still_path(self) -> str: ...


def _where(row: Any) -> str:
    return row.location + ("  ◆ in area" if row.in_prescribed_area else "")


class SightingsModel(RowsModel):
    """Rows can be dragged onto a unit on the dispatch board."""

    def flags(self, index: _Index) -> Qt.ItemFlag:
        return super().flags(index) | Qt.ItemFlag.ItemIsDragEnabled

    def mimeTypes(self) -> list[str]:
        return [SIGHTING_MIME]

    def mimeData(self, indexes: Sequence[QModelIndex]) -> QMimeData:
        rows = sorted({i.row() for i in indexes if i.isValid() and i.row() < len(self.rows)})
        return sighting_mime(self.rows[rows[0]].id) if rows else QMimeData()


def sightings_model() -> RowsModel:
    return SightingsModel(
        [
            ("Time", lambda r: r.captured_at.astimezone().strftime("%d %b %H:%M:%S")),
            ("Category", lambda r: r.category_label),
            ("Who / vehicle", lambda r: r.vrm or r.subject_reference),
            ("Camera", lambda r: r.camera_name),
            ("Where", _where),
            ("Operator", lambda r: r.operator),
            ("Notes", lambda r: r.notes.replace("\n", " ")),
        ]
    )


class SightingsView(QWidget):
    query_changed = Signal(dict)  # {"category": key, "camera": key, "hours": int, "text": str}
    still_requested = Signal(int, str)  # sighting id, path
    correction_requested = Signal(int)
    export_requested = Signal()  # export evidence around the selected sighting

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("sightingsView")
        self.category = QComboBox()
        self.category.addItem("All categories", "")
        self.camera = QComboBox()
        self.camera.addItem("All cameras", "")
        self.period = QComboBox()
        for words, hours in PERIODS:
            self.period.addItem(words, hours)
        self.period.setCurrentIndex(1)
        self.search = QLineEdit()
        self.search.setPlaceholderText("VRM or subject: 3 characters or more")
        self.search.setClearButtonEnabled(True)
        self.message = QLabel("")
        self.message.setObjectName("panelStatus")
        self.model = sightings_model()
        self.table = rows_table(self.model)
        self.table.setDragEnabled(True)  # drag a sighting onto a unit to dispatch it
        self.table.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        self.still = QLabel("Select a sighting to see its still")
        self.still.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.still.setMinimumHeight(40)
        self.table.setMinimumHeight(60)
        self.correct = QPushButton("Correct this sighting…")
        self.correct.setEnabled(False)
        self.export = QPushButton("Export evidence around it…  [Ctrl+E]")
        self.export.setEnabled(False)
        filters = QHBoxLayout()
        for widget in (self.category, self.camera, self.period):
            filters.addWidget(widget)
        filters.addWidget(self.search, 1)
        # The still sits beside the list, so a short dock still shows many rows and a readable still.
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self.table)
        lower = QWidget()
        lower_layout = QVBoxLayout(lower)
        lower_layout.setContentsMargins(0, 0, 0, 0)
        lower_layout.addWidget(self.still, 1)
        lower_layout.addWidget(self.correct)
        lower_layout.addWidget(self.export)
        split.addWidget(lower)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 1)
        self.still.setMinimumWidth(260)
        # Ignored: the still takes the room it is given instead of shrinking to its last pixmap.
        self.still.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(filters)
        layout.addWidget(self.message)
        layout.addWidget(split, 1)
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(200)
        self._debounce.timeout.connect(self.ask)
        for combo in (self.category, self.camera, self.period):
            combo.currentIndexChanged.connect(lambda _: self._debounce.start())
        self.search.textChanged.connect(lambda _: self._debounce.start())
        self.table.selectionModel().currentRowChanged.connect(self._on_row)
        self.correct.clicked.connect(self._on_correct)
        self.export.clicked.connect(self.export_requested.emit)
        self._still_for = -1
        self._still_pixmap: QPixmap | None = None

    def set_choices(self, categories: Sequence[tuple[str, str]], cameras: Sequence[tuple[str, str]]) -> None:
        """(key, words) for the category and camera filters."""
        for combo, choices in ((self.category, categories), (self.camera, cameras)):
            for key, words in choices:
                combo.addItem(words, key)

    def query(self) -> dict[str, Any]:
        return {
            "category": self.category.currentData() or "",
            "camera": self.camera.currentData() or "",
            "hours": int(self.period.currentData() or 0),
            "text": self.search.text().strip(),
        }

    def ask(self) -> None:
        query = self.query()
        if 0 < len(query["text"]) < SEARCH_MIN:
            self.message.setText(f"Type at least {SEARCH_MIN} characters to search.")
            return
        self.message.setText("")
        self.query_changed.emit(query)

    def show_rows(self, rows: Sequence[SightingRow]) -> None:
        selected = self.selected_id()
        self.model.set_rows(rows)
        self.message.setText("" if rows else "No sightings match.")
        for n, row in enumerate(self.model.rows):
            if row.id == selected:
                self.table.selectRow(n)
                break

    def selected_id(self) -> int | None:
        index = self.table.currentIndex()
        return self.model.rows[index.row()].id if index.isValid() and index.row() < len(self.model.rows) else None

    def _on_row(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if not current.isValid():
            self.correct.setEnabled(False)
            self.export.setEnabled(False)
            return
        row = self.model.rows[current.row()]
        self.correct.setEnabled(True)
        self.export.setEnabled(True)
        if row.id != self._still_for:
            self._still_for = row.id
            self._still_pixmap = None
            if not row.still_path:  # erased once past its retention, or on request
                self.still.setText("No still kept for this sighting: erased under the retention rules.")
                return
            self.still.setText("Loading the still…")
            self.still_requested.emit(row.id, row.still_path)

    def show_still(self, sighting_id: int, data: bytes) -> None:
        if sighting_id != self._still_for:
            return  # an older request answered late
        pixmap = QPixmap()
        if not data or not pixmap.loadFromData(data):
            self.still.setText("The still is missing or unreadable: tell the supervisor.")
            return
        self._still_pixmap = pixmap
        self._fit_still()

    def _fit_still(self) -> None:
        if self._still_pixmap is not None:
            fitted = self._still_pixmap.scaled(
                self.still.size(), Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation
            )
            self.still.setPixmap(fitted)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit_still()

    def _on_correct(self) -> None:
        selected = self.selected_id()
        if selected is not None:
            self.correction_requested.emit(selected)
