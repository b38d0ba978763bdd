"""One kind of item of the operation (tiers, cameras, officers ...): a table of them with a form
beside it, and New / Save / Retire / Delete. The tab only asks (signals); the console writes
in a worker and answers with ``saved`` or ``refused``, keeping what was typed on a refusal."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from console.types import SetupRow
from widgets.dock_parts import beside, current_row, message_label, show_message
from widgets.setup.fields import Field, FieldForm
from widgets.tables import RowsModel, rows_table


def _cell(key: str, row: SetupRow) -> str:
    return shown(row.values.get(key))


def shown(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    return "" if value is None else str(value)


class SectionTab(QWidget):
    save_requested = Signal(str, int, object)  # section, row id (0: a new item), values
    remove_requested = Signal(str, int)  # section, row id: deleted, or retired if referred to
    active_requested = Signal(str, int, bool)  # section, row id, back in use (True) or retired

    def __init__(
        self,
        section: str,
        thing: str,
        fields: list[Field],
        columns: list[tuple[str, str]],
        *,
        retirable: bool = False,
        when: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.section, self.thing, self.retirable = section, thing, retirable
        self.ident = fields[0].key
        self.rows: list[SetupRow] = []
        table_columns: list[tuple[str, Callable[[Any], object]]] = [
            (header, functools.partial(_cell, key)) for header, key in columns
        ]
        if retirable:
            table_columns.append(("In use", lambda r: "yes" if r.active else "retired"))
        self.model = RowsModel(table_columns)
        self.table = rows_table(self.model)
        self.table.setObjectName(f"{section}Table")
        self.table.selectionModel().currentRowChanged.connect(lambda *_: self._on_table_current())
        self.form = FieldForm(fields)
        self.heading = QLabel(f"New {thing}")
        self.heading.setObjectName("panelHeading")
        self.note = QLabel("")
        self.note.setObjectName("setupNote")
        self.note.setWordWrap(True)
        self.message = message_label(f"{section}Message")
        self.new_button = QPushButton(f"New {thing}")
        self.save_button = QPushButton("Save")
        self.active_button = QPushButton("Retire")
        self.active_button.setVisible(retirable)
        self.delete_button = QPushButton("Delete")
        self.delete_button.setToolTip(
            f"Deletes the {thing}; one the record refers to is retired instead" if retirable else f"Deletes the {thing}"
        )
        self.new_button.clicked.connect(self.start_new)
        self.save_button.clicked.connect(self._on_save_clicked)
        self.active_button.clicked.connect(self._on_active_clicked)
        self.delete_button.clicked.connect(self._on_delete_clicked)
        buttons = QHBoxLayout()
        for button in (self.new_button, self.save_button, self.active_button, self.delete_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        side = QWidget()
        self.side_layout = QVBoxLayout(side)
        self.side_layout.addWidget(self.heading)
        self.side_layout.addWidget(self.form)
        self.side_layout.addWidget(self.note)
        self.side_layout.addLayout(buttons)
        self.side_layout.addWidget(self.message)
        self.when = QLabel(when)
        self.when.setObjectName("setupWhen")
        self.when.setWordWrap(True)
        self.when.setVisible(bool(when))
        self.side_layout.addWidget(self.when)
        self.side_layout.addStretch(1)
        self.body = beside(self.table, side, (1, 1))
        layout = QVBoxLayout(self)
        layout.addWidget(self.body)
        self._selected_id = 0
        self._pending: Any = None  # the identifying value of an item being added
        self.start_new()

    # --- shown --------------------------------------------------------------------------------------
    def show_rows(self, rows: tuple[SetupRow, ...] | list[SetupRow]) -> None:
        """The items as the database holds them now; the one being edited stays selected."""
        self.rows = list(rows)
        keep = self._selected_id
        if self._pending is not None:
            keep = next((r.id for r in self.rows if r.values.get(self.ident) == self._pending), keep)
            self._pending = None
        self.model.set_rows(self.rows)
        index = next((i for i, r in enumerate(self.rows) if r.id == keep), -1)
        if index >= 0:
            self.table.selectRow(index)
            self._show(self.rows[index])
        elif keep:
            self.start_new()

    def selected(self) -> SetupRow | None:
        return next((r for r in self.rows if r.id == self._selected_id), None)

    def start_new(self) -> None:
        self._selected_id = 0
        self.table.clearSelection()
        self.form.clear()
        self.heading.setText(f"New {self.thing}")
        self.note.setText("")
        self.active_button.setEnabled(False)
        self.delete_button.setEnabled(False)

    def _on_table_current(self) -> None:
        row = current_row(self.table, self.model)
        if isinstance(row, SetupRow) and row.id != self._selected_id:
            self._show(row)

    def _show(self, row: SetupRow) -> None:
        self._selected_id = row.id
        self.form.set_values(row.values, saved=True)
        label = row.values.get(self.ident, "")
        self.heading.setText(f"{self.thing.capitalize()} {label}" + ("" if row.active else " (retired)"))
        self.note.setText(row.note)
        self.active_button.setText("Put back in use" if not row.active else "Retire")
        self.active_button.setEnabled(True)
        self.delete_button.setEnabled(True)
        self.row_shown(row)

    def row_shown(self, row: SetupRow) -> None:
        """For tabs that show more of the selected item (a camera's masks)."""

    # --- asked of the console -----------------------------------------------------------------------
    def values(self) -> dict[str, Any]:
        return self.form.values()

    def _on_save_clicked(self) -> None:
        values = self.values()
        self._pending = values.get(self.ident) if not self._selected_id else None
        self.busy(f"Saving the {self.thing}…")
        self.save_requested.emit(self.section, self._selected_id, values)

    def _on_active_clicked(self) -> None:
        row = self.selected()
        if row is not None:
            self.busy("Saving…")
            self.active_requested.emit(self.section, row.id, not row.active)

    def _on_delete_clicked(self) -> None:
        row = self.selected()
        if row is not None:
            self.busy("Deleting…")
            self.remove_requested.emit(self.section, row.id)

    def busy(self, words: str) -> None:
        self.save_button.setEnabled(False)
        show_message(self.message, words)

    # --- the console's answers ------------------------------------------------------------------------
    def saved(self, words: str) -> None:
        self.save_button.setEnabled(True)
        self.form.show_problems({})
        show_message(self.message, words)

    def refused(self, words: str, problems: dict[str, str] | None = None) -> None:
        """Nothing was written: the words, and each field's problem beside it; the typed values stay."""
        self._pending = None
        self.save_button.setEnabled(True)
        rest = self.form.show_problems(problems or {})
        text = "Not saved: " + ("; ".join(rest) if rest else "see the words under the fields") if problems else words
        show_message(self.message, text, problem=True)
