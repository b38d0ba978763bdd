"""The warning-letters dock: vehicle sightings a letter could answer (with the 28-day rule in
words), a letter prepared from the keeper's name and address typed off the vehicle check, the
letters register with batch printing, and, for supervisors, the template and the blocked words.
The keeper's name and address are personal data: this dock shows them, the wall never does."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QItemSelectionModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from widgets.dock_parts import beside, current_row, message_label, set_rows_keeping, show_message
from widgets.tables import RowsModel, rows_table

OVERRIDE_TEXT = QColor("#e3b341")  # amber: a letter here needs a supervisor's override


def _when(value: Any) -> str:
    return f"{value.astimezone():%d %b %Y %H:%M}" if value is not None else "—"


class CandidatesModel(RowsModel):
    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.ForegroundRole and index.isValid() and self.rows[index.row()].needs_override:
            return QBrush(OVERRIDE_TEXT)
        if role == Qt.ItemDataRole.ToolTipRole and index.isValid():
            return self.rows[index.row()].rule
        return super().data(index, role)


class LettersView(QTabWidget):
    candidates_wanted = Signal()
    prepare_requested = Signal(int, str, str, str)  # sighting id, keeper name, address, override reason
    print_requested = Signal(list)  # letter ids
    template_save_requested = Signal(str)
    blocked_save_requested = Signal(list)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("lettersView")
        self.may_prepare = self.may_override = self.may_edit = False
        self._chosen_id: int | None = None
        self._build_prepare()
        self._build_register()
        self._build_template()
        self.set_permissions(False, False, False)

    # --- building --------------------------------------------------------------------------------
    def _build_prepare(self) -> None:
        self.candidate_model = CandidatesModel(
            [
                ("Seen", lambda r: _when(r.captured_at)),
                ("VRM", lambda r: r.vrm),
                ("Vehicle", lambda r: r.vehicle),
                ("Location", lambda r: r.location),
                ("One letter in 28 days", lambda r: r.rule),
            ]
        )
        self.candidate_table = rows_table(self.candidate_model)
        self.candidate_table.setMinimumHeight(60)
        self.candidate_status = QLabel("Vehicle sightings in the prescribed area from Tier 2 with no letter yet.")
        self.candidate_status.setObjectName("panelStatus")
        self.candidate_status.setWordWrap(True)
        self.keeper_name = QLineEdit()
        self.keeper_name.setPlaceholderText("From the vehicle check (the console does not look it up)")
        self.keeper_address = QPlainTextEdit()
        self.keeper_address.setPlaceholderText("One line a line, from the vehicle check")
        self.keeper_address.setTabChangesFocus(True)
        self.keeper_address.setMaximumHeight(84)  # three lines; the dock is short
        self.override = QLineEdit()
        self.override.setPlaceholderText("Override reason (supervisors)")
        self.override.setToolTip("Why a letter despite the rules (28 days, area, tier); goes into the record")
        self.prepare = QPushButton("Prepare letter")
        self.prepare_message = message_label("lettersMessage")
        # Name, override and button in one column, the address beside them: all in view in a
        # dock as short as the record, with the message on top.
        side = QWidget()
        grid = QGridLayout(side)
        grid.setContentsMargins(6, 0, 6, 0)
        grid.addWidget(self.prepare_message, 0, 0, 1, 2)
        grid.addWidget(QLabel("Keeper's name"), 1, 0)
        grid.addWidget(QLabel("Keeper's address"), 1, 1)
        grid.addWidget(self.keeper_name, 2, 0)
        grid.addWidget(self.override, 3, 0)
        grid.addWidget(self.prepare, 4, 0)
        grid.addWidget(self.keeper_address, 2, 1, 3, 1)
        grid.setRowStretch(5, 1)
        left = QWidget()
        column = QVBoxLayout(left)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.candidate_status)
        column.addWidget(self.candidate_table, 1)
        self.addTab(beside(left, side), "Prepare")
        self.candidate_table.selectionModel().currentRowChanged.connect(self._on_candidate)
        self.prepare.clicked.connect(self._prepare)

    def _build_register(self) -> None:
        self.letter_model = RowsModel(
            [
                ("Reference", lambda r: r.reference),
                ("VRM", lambda r: r.vrm),
                ("Keeper", lambda r: r.keeper_name),
                ("Prepared", lambda r: _when(r.prepared_at)),
                ("By", lambda r: r.prepared_by),
                ("Template", lambda r: f"v{r.template_version}"),
                ("Printed", lambda r: _when(r.printed_at) if r.printed_at else "not printed"),
                ("Override", lambda r: r.override_reason),
            ]
        )
        self.letter_table = rows_table(self.letter_model)
        self.letter_table.setMinimumHeight(60)
        self.letter_table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.preview = QPlainTextEdit()
        self.preview.setReadOnly(True)
        self.preview.setPlaceholderText("Select a letter to read it.")
        self.print_pdf = QPushButton("Print to PDF…")
        self.select_unprinted = QPushButton("Select the unprinted")
        self.register_message = message_label("lettersRegisterMessage")
        side = QWidget()
        column = QVBoxLayout(side)
        bar = QHBoxLayout()
        bar.addWidget(self.select_unprinted)
        bar.addWidget(self.print_pdf)
        column.addLayout(bar)
        column.addWidget(self.register_message)
        column.addWidget(self.preview, 1)
        self.addTab(beside(self.letter_table, side), "Letters register")
        self.letter_table.selectionModel().selectionChanged.connect(lambda *_: self._on_letters())
        self.print_pdf.clicked.connect(self._print)
        self.select_unprinted.clicked.connect(self._select_unprinted)

    def _build_template(self) -> None:
        self.template_page = QWidget()
        self.template_version = QLabel("")
        self.template_version.setObjectName("panelStatus")
        self.template_body = QPlainTextEdit()
        self.template_body.setObjectName("templateBody")
        self.save_template = QPushButton("Save as a new version")
        self.blocked = QPlainTextEdit()
        self.blocked.setPlaceholderText("One word or phrase a line")
        self.save_blocked = QPushButton("Save the blocked words")
        self.template_message = message_label("lettersTemplateMessage")
        left = QWidget()
        column = QVBoxLayout(left)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.template_version)
        column.addWidget(self.template_body, 1)
        saving = QHBoxLayout()  # the message beside its button, where the eye is after a click
        saving.addWidget(self.save_template)
        saving.addWidget(self.template_message, 1)
        column.addLayout(saving)
        right = QWidget()
        column = QVBoxLayout(right)
        column.addWidget(QLabel("Words a letter must never use (whole words):"))
        column.addWidget(self.blocked, 1)
        column.addWidget(self.save_blocked)
        page = QVBoxLayout(self.template_page)
        page.setContentsMargins(0, 0, 0, 0)
        page.addWidget(beside(left, right))
        self.save_template.clicked.connect(lambda: self.template_save_requested.emit(self.template_body.toPlainText()))
        self.save_blocked.clicked.connect(
            lambda: self.blocked_save_requested.emit([w for w in self.blocked.toPlainText().splitlines() if w.strip()])
        )

    # --- permissions and content ---------------------------------------------------------------
    def set_permissions(self, may_prepare: bool, may_override: bool, may_edit: bool) -> None:
        self.may_prepare, self.may_override, self.may_edit = may_prepare, may_override, may_edit
        self.override.setVisible(may_override)
        index = self.indexOf(self.template_page)
        if may_edit and index < 0:
            self.addTab(self.template_page, "Template")
        elif not may_edit and index >= 0:
            self.removeTab(index)
        self._on_candidate_changed()
        self._on_letters()

    def show_candidates(self, rows: list[Any]) -> None:
        set_rows_keeping(self.candidate_table, self.candidate_model, rows, lambda r: r.sighting_id)
        waiting = sum(1 for r in rows if r.needs_override)
        self.candidate_status.setText(
            f"{len(rows)} sighting(s) with no letter yet"
            + (f"; {waiting} of them lettered within 28 days (supervisor's override needed)." if waiting else ".")
        )
        self._on_candidate_changed()

    def show_register(self, rows: list[Any]) -> None:
        self.letter_model.set_rows(rows)
        self._on_letters()

    def show_template(self, version: int, body: str, blocked: list[str]) -> None:
        words = "the default from the console's resources" if version == 0 else f"version {version}"
        self.template_version.setText(f"Template in use: {words}. It must say \u201can area of high anti-social "
                                      "behaviour\u201d and never use a blocked word.")  # fmt: skip
        self.template_body.setPlainText(body)
        self.blocked.setPlainText("\n".join(blocked))

    def selected_candidate(self) -> Any:
        return current_row(self.candidate_table, self.candidate_model)

    def selected_letters(self) -> list[Any]:
        rows = self.letter_model.rows
        picked = {i.row() for i in self.letter_table.selectionModel().selectedRows()}
        return [rows[i] for i in sorted(picked) if i < len(rows)]

    # --- reacting ---------------------------------------------------------------------------------
    def _on_candidate(self, _current: QModelIndex, _previous: QModelIndex) -> None:
        row = self.selected_candidate()
        # Only the controller choosing another sighting clears the message: a reload after a
        # letter (its sighting gone from the list) keeps "prepared" on screen.
        if row is not None and row.sighting_id != self._chosen_id:
            show_message(self.prepare_message, "")
        self._chosen_id = row.sighting_id if row is not None else None
        self._on_candidate_changed()

    def _on_candidate_changed(self) -> None:
        row = self.selected_candidate()
        self.prepare.setEnabled(self.may_prepare and row is not None)
        if row is None:
            self.prepare.setText("Prepare letter")
            if not self.prepare_message.text():  # "prepared" stays after its sighting leaves the list
                show_message(self.prepare_message, "Select a sighting to prepare its letter.")
            return
        self.prepare.setText(f"Prepare letter for {row.vrm}")
        if row.needs_override and not self.may_override:
            show_message(self.prepare_message, f"{row.rule.capitalize()}.", problem=True)

    def _prepare(self) -> None:
        row = self.selected_candidate()
        if row is None:
            return
        show_message(self.prepare_message, "Preparing…")
        override = self.override.text() if self.may_override else ""
        self.prepare_requested.emit(
            row.sighting_id, self.keeper_name.text(), self.keeper_address.toPlainText(), override
        )

    def prepared(self, words: str) -> None:
        self.keeper_name.clear()
        self.keeper_address.clear()
        self.override.clear()
        show_message(self.prepare_message, words)

    def say_prepare(self, words: str, problem: bool = False) -> None:
        show_message(self.prepare_message, words, problem)

    def _on_letters(self) -> None:
        picked = self.selected_letters()
        self.print_pdf.setEnabled(self.may_prepare and bool(picked))
        self.print_pdf.setText(f"Print {len(picked)} to PDF…" if len(picked) > 1 else "Print to PDF…")
        self.preview.setPlainText(picked[0].body if len(picked) == 1 else "")

    def _select_unprinted(self) -> None:
        table = self.letter_table
        table.clearSelection()
        flags = QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows
        for i, row in enumerate(self.letter_model.rows):
            if row.printed_at is None:
                table.selectionModel().select(self.letter_model.index(i, 0), flags)

    def _print(self) -> None:
        picked = self.selected_letters()
        if picked:
            self.print_requested.emit([x.id for x in picked])

    def say_register(self, words: str, problem: bool = False) -> None:
        show_message(self.register_message, words, problem)

    def say_template(self, words: str, problem: bool = False) -> None:
        show_message(self.template_message, words, problem)
