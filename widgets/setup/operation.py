"""The Operation tab: the operation's settings (title, time zone, the prescribed area, the lawful
basis and authorisation reference, night start, welfare checks, segments, retention periods),
its creation on a new database, and the import and export of the operation file."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from widgets.dock_parts import message_label, show_message
from widgets.setup.fields import DAY, MULTILINE, NUMBER, Field, FieldForm

FIELDS = [
    Field("name", "Name (short, fixed)", hint="op-harbour", max_length=120, fixed_once_saved=True),
    Field("title", "Title", hint="Operation Harbour", max_length=200),
    Field("start_date", "Starts on", DAY),
    Field("timezone", "Time zone", default="Europe/London", max_length=64),
    Field("prescribed_area", "Prescribed area", MULTILINE, hint="the streets the policies apply in"),
    Field("lawful_basis", "Lawful basis", MULTILINE, hint="e.g. DPA 2018 Part 3, law enforcement purposes"),
    Field("authorisation_ref", "Authorisation reference", max_length=120),
    Field("night_starts_hour", "Night starts at (hour)", NUMBER, low=0, high=23, default=18),
    Field("welfare_check_minutes", "Welfare check after (minutes)", NUMBER, low=1, high=240, default=15),
    Field("segment_seconds", "Recording segments (seconds)", NUMBER, low=10, high=3600, default=60),
    Field("video_retention_days", "Keep footage (days)", NUMBER, low=1, high=3650, default=31),
    Field("record_retention_days", "Keep personal data in the record (days)", NUMBER, low=1, high=3650, default=365),
]
WHEN = (
    "Retention periods apply at the next retention run; recording segments and the night start "
    "after the console restarts; the rest at once."
)


class OperationTab(QWidget):
    create_requested = Signal(object)  # the typed settings
    change_requested = Signal(object)
    import_requested = Signal(str)  # a file's path
    export_requested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.exists = False
        self.heading = QLabel("")
        self.heading.setObjectName("panelHeading")
        self.form = FieldForm(FIELDS)
        self.save_button = QPushButton("")
        self.save_button.clicked.connect(self._on_save_clicked)
        self.import_button = QPushButton("Import operation file…")
        self.export_button = QPushButton("Export operation file…")
        self.import_button.clicked.connect(self._choose_import)
        self.export_button.clicked.connect(self._choose_export)
        self.message = message_label("operationMessage")
        self.problems = QPlainTextEdit()
        self.problems.setObjectName("importProblems")
        self.problems.setReadOnly(True)
        self.problems.setMaximumHeight(140)
        self.problems.hide()
        when = QLabel(WHEN)
        when.setObjectName("setupWhen")
        when.setWordWrap(True)
        buttons = QHBoxLayout()
        for button in (self.save_button, self.import_button, self.export_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        inner = QWidget()
        layout = QVBoxLayout(inner)
        layout.addWidget(self.heading)
        layout.addWidget(self.form)
        layout.addLayout(buttons)
        layout.addWidget(self.message)
        layout.addWidget(self.problems)
        layout.addWidget(when)
        layout.addStretch(1)
        area = QScrollArea()
        area.setWidgetResizable(True)
        area.setWidget(inner)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(area)
        self.show_operation({})

    def show_operation(self, values: dict[str, Any], default_name: str = "") -> None:
        self.exists = bool(values)
        self.form.set_values(values or {"name": default_name}, saved=self.exists)
        self.heading.setText(
            f"Settings of {values.get('title') or values.get('name')}" if self.exists
            else "No operation yet: create it here, or import an operation file"
        )  # fmt: skip
        self.save_button.setText("Save settings" if self.exists else "Create operation")
        self.export_button.setEnabled(self.exists)

    def _on_save_clicked(self) -> None:
        self.save_button.setEnabled(False)
        show_message(self.message, "Saving…")
        values = self.form.values()
        (self.change_requested if self.exists else self.create_requested).emit(values)

    def _choose_import(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Import an operation file", "", "Operation files (*.toml)")
        if path:
            self.import_file(path)

    def _choose_export(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export the operation file", "operation.toml", "*.toml")
        if path:
            self.export_file(path)

    def import_file(self, path: str) -> None:
        show_message(self.message, "Importing…")
        self.problems.hide()
        self.import_requested.emit(path)

    def export_file(self, path: str) -> None:
        show_message(self.message, "Exporting…")
        self.export_requested.emit(path)

    # --- the console's answers ----------------------------------------------------------------------------
    def saved(self, words: str) -> None:
        self.save_button.setEnabled(True)
        self.problems.hide()
        self.form.show_problems({})
        show_message(self.message, words)

    def refused(self, words: str, problems: dict[str, str] | None = None, lines: list[str] | None = None) -> None:
        self.save_button.setEnabled(True)
        rest = self.form.show_problems(problems or {})
        show_message(self.message, "; ".join(rest) if problems and rest else words, problem=True)
        if lines:
            self.problems.setPlainText("\n".join(lines))
            self.problems.show()
