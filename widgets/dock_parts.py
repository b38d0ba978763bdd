"""Parts the letters and three-strikes docks share: a one-line message (green when something
was done, red-amber when it was refused; the style sheet colours QLabel[problem="true"]), a table
with a scrolling side panel, and the selection kept across a reload."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QLabel, QScrollArea, QSplitter, QTableView, QWidget

from widgets.tables import RowsModel


def message_label(name: str) -> QLabel:
    label = QLabel("")
    label.setObjectName(name)
    label.setProperty("dockMessage", "true")
    label.setWordWrap(True)
    return label


def show_message(label: QLabel, words: str, problem: bool = False) -> None:
    label.setText(words)
    label.setProperty("problem", "true" if problem else "false")
    # a dynamic property only restyles once the style is applied again
    label.style().unpolish(label)
    label.style().polish(label)


def beside(main: QWidget, side: QWidget, stretch: tuple[int, int] = (3, 2)) -> QSplitter:
    """``main`` on the left, ``side`` on the right; the side scrolls, so the dock can be as
    short as the record beside it."""
    area = QScrollArea()
    area.setWidgetResizable(True)
    area.setFrameShape(QFrame.Shape.NoFrame)
    area.setWidget(side)
    split = QSplitter(Qt.Orientation.Horizontal)
    split.addWidget(main)
    split.addWidget(area)
    split.setStretchFactor(0, stretch[0])
    split.setStretchFactor(1, stretch[1])
    # Start in that ratio too: left to the size hints, a form's side panel takes half the dock.
    split.setSizes([stretch[0] * 1000, stretch[1] * 1000])
    return split


def current_row(table: QTableView, model: RowsModel) -> Any:
    """The row under the table's current index, or None."""
    index = table.currentIndex()
    return model.rows[index.row()] if index.isValid() and index.row() < len(model.rows) else None


def set_rows_keeping(table: QTableView, model: RowsModel, rows: list[Any], key: Callable[[Any], object]) -> None:
    """Show ``rows`` and select again the row that was selected (same ``key``), if still there."""
    row = current_row(table, model)
    chosen = key(row) if row is not None else None
    model.set_rows(rows)
    if chosen is None:
        return
    for i, row in enumerate(rows):
        if key(row) == chosen:
            table.setCurrentIndex(model.index(i, 0))
            return
