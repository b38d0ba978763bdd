"""Subject and vehicle registers. Special-category data shows only after the console has written
the viewing to the record, and only for roles allowed to see it; it never reaches the wall."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, QTimer, Signal
from PySide6.QtWidgets import (
    QFormLayout,
    QFrame,
    QGroupBox,
    QInputDialog,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from widgets.tables import RowsModel, rows_table

SENSITIVE_FIELDS = ("ethnicity", "health", "dependency", "vulnerability")


def _when(value: Any) -> str:
    return value.astimezone().strftime("%d %b %H:%M") if value is not None else "—"


class RegistersView(QTabWidget):
    subjects_wanted = Signal(str)
    vehicles_wanted = Signal(str)
    subject_selected = Signal(int)
    sensitive_requested = Signal(int, str)  # subject id, reason for viewing
    sensitive_save_requested = Signal(int, dict)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("registersView")
        self.subject_model = RowsModel(
            [
                ("Reference", lambda r: r.reference),
                ("Description", lambda r: r.description),
                ("Age band", lambda r: r.age_band),
                ("Sightings", lambda r: r.sightings),
                ("Last seen", lambda r: _when(r.last_seen)),
                ("Warnings", lambda r: r.warnings),
                ("Referrals", lambda r: r.referrals),
            ]
        )
        self.vehicle_model = RowsModel(
            [
                ("VRM", lambda r: r.vrm + (" (foreign)" if r.foreign_format else "")),
                ("Vehicle", lambda r: " ".join(x for x in (r.colour, r.make, r.model) if x)),
                ("7 days", lambda r: r.seen_7_days),
                ("28 days", lambda r: r.seen_28_days),
                ("All", lambda r: r.sightings),
                ("Last seen", lambda r: _when(r.last_seen)),
                ("Letters", lambda r: r.letters),
                ("Stop checks", lambda r: r.stop_checks),
            ]
        )
        self.subject_search, self.vehicle_search = QLineEdit(), QLineEdit()
        self.subject_search.setPlaceholderText("Find a subject: reference or description")
        self.vehicle_search.setPlaceholderText("Find a vehicle: any part of the VRM")
        self.subject_table, self.vehicle_table = rows_table(self.subject_model), rows_table(self.vehicle_model)
        self.subject_history = QLabel("Select a subject to see the three-strikes position.")
        self.subject_history.setWordWrap(True)
        self.subject_history.setObjectName("panelStatus")

        self.sensitive_box = QGroupBox("Special-category data (restricted; every viewing is recorded)")
        self.show_sensitive = QPushButton("Show special-category data…")
        self.show_sensitive.setEnabled(False)
        self.sensitive_fields = {name: QLineEdit() for name in SENSITIVE_FIELDS}
        self.save_sensitive = QPushButton("Save special-category data")
        self.sensitive_message = QLabel("")
        self.sensitive_message.setWordWrap(True)
        form = QFormLayout(self.sensitive_box)
        form.addRow(self.show_sensitive)
        for name, line in self.sensitive_fields.items():
            form.addRow(name.capitalize(), line)
        form.addRow(self.save_sensitive)
        form.addRow(self.sensitive_message)
        self.may_read = self.may_write = False
        self._hide_sensitive()

        subjects = QWidget()
        column = QVBoxLayout(subjects)
        column.addWidget(self.subject_search)
        column.addWidget(self.subject_table, 1)
        column.addWidget(self.subject_history)
        column.addWidget(self.sensitive_box)
        vehicles = QWidget()
        column = QVBoxLayout(vehicles)
        column.addWidget(self.vehicle_search)
        column.addWidget(self.vehicle_table, 1)
        for table in (self.subject_table, self.vehicle_table):
            table.setMinimumHeight(60)
        # The subjects tab scrolls, so the dock can be as short as the record beside it.
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(subjects)
        subjects = scroll
        self.addTab(subjects, "Subjects")
        self.addTab(vehicles, "Vehicles")

        for line, signal in ((self.subject_search, self.subjects_wanted), (self.vehicle_search, self.vehicles_wanted)):
            timer = QTimer(self)
            timer.setSingleShot(True)
            timer.setInterval(200)
            timer.timeout.connect(lambda line=line, signal=signal: signal.emit(line.text()))
            line.textChanged.connect(lambda _, timer=timer: timer.start())
        self.subject_table.selectionModel().currentRowChanged.connect(self._on_subject)
        self.show_sensitive.clicked.connect(self._ask_reason)
        self.save_sensitive.clicked.connect(self._save_sensitive)

    def set_permissions(self, may_read: bool, may_write: bool) -> None:
        self.may_read, self.may_write = may_read, may_write
        self.sensitive_box.setVisible(may_read)

    def selected_subject(self) -> Any:
        index = self.subject_table.currentIndex()
        return self.subject_model.rows[index.row()] if index.isValid() else None

    def _on_subject(self, current: QModelIndex, _previous: QModelIndex) -> None:
        self._hide_sensitive()
        if current.isValid():
            row = self.subject_model.rows[current.row()]
            self.show_sensitive.setEnabled(self.may_read)
            self.subject_selected.emit(row.id)

    def show_history(self, words: str) -> None:
        self.subject_history.setText(words)

    def _ask_reason(self) -> None:
        row = self.selected_subject()
        if row is None:
            return
        reason, ok = QInputDialog.getText(
            self, "Special-category data", f"Why do you need to see {row.reference}'s data? (recorded)"
        )
        if ok and reason.strip():
            self.sensitive_requested.emit(row.id, reason.strip())

    def show_sensitive_data(self, subject_id: int, values: dict[str, str]) -> None:
        row = self.selected_subject()
        if row is None or row.id != subject_id:
            return
        for name, line in self.sensitive_fields.items():
            line.setText(values.get(name, ""))
            line.setVisible(True)
            line.setReadOnly(not self.may_write)
        self.save_sensitive.setVisible(self.may_write)
        self.sensitive_message.setText("Viewing recorded in the operation record.")

    def _hide_sensitive(self) -> None:
        for line in self.sensitive_fields.values():
            line.clear()
            line.setVisible(False)
        self.save_sensitive.setVisible(False)
        self.sensitive_message.setText("")

    def _save_sensitive(self) -> None:
        row = self.selected_subject()
        if row is not None:
            values = {name: line.text() for name, line in self.sensitive_fields.items()}
            self.sensitive_save_requested.emit(row.id, values)

    def say(self, text: str) -> None:
        self.sensitive_message.setText(text)
