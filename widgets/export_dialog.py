"""The evidence export dialog: cameras, time range (local, with pre and post roll around a
tag), exhibit reference, reason and folder; then a progress bar with Cancel and the outcome.

It only asks: ``export_requested`` carries what was chosen, the console runs the export in a
worker and reports back through ``show_progress`` and ``show_finished``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from PySide6.QtCore import QDateTime, Qt, QTimeZone, Signal
from PySide6.QtWidgets import (
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from widgets.camera_list import CameraChecklist

DATETIME_FORMAT = "dd/MM/yyyy HH:mm:ss t"


@dataclass(frozen=True)
class ExportChoice:
    camera_keys: tuple[str, ...]
    start: datetime  # UTC
    end: datetime  # UTC
    exhibit_reference: str
    reason: str
    out_dir: Path


class ExportDialog(QDialog):
    export_requested = Signal(object)  # ExportChoice
    cancel_requested = Signal()

    def __init__(
        self,
        cameras: Sequence[tuple[str, str]],
        chosen: Sequence[str],
        around: datetime,
        tz: ZoneInfo,
        out_dir: Path,
        from_tag: bool,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("exportDialog")
        self.setWindowTitle("Export evidence")
        self.setMinimumWidth(620)
        self._tz = tz
        self._qtz = QTimeZone(tz.key.encode())
        self._around = around
        self._running = False
        self.cameras = CameraChecklist(cameras, chosen)
        self.pre_roll = self._seconds(60 if from_tag else 300)
        self.post_roll = self._seconds(60 if from_tag else 0)
        self.start = self._time_edit()
        self.end = self._time_edit()
        self.pre_roll.valueChanged.connect(self._apply_rolls)
        self.post_roll.valueChanged.connect(self._apply_rolls)
        self._apply_rolls()
        self.reference = QLineEdit()
        self.reference.setPlaceholderText("e.g. DC/1234/01 (letters, digits, / _ . -)")
        self.reason = QLineEdit()
        self.reason.setPlaceholderText("why this footage is exported: recorded with the exhibit")
        self.folder = QLineEdit(str(out_dir))
        browse = QPushButton("Choose…")
        browse.clicked.connect(self._choose_folder)
        folder_row = QHBoxLayout()
        folder_row.addWidget(self.folder, 1)
        folder_row.addWidget(browse)
        rolls = QHBoxLayout()
        rolls.addWidget(QLabel("before the tag"))
        rolls.addWidget(self.pre_roll)
        rolls.addWidget(QLabel("after it"))
        rolls.addWidget(self.post_roll)
        rolls.addStretch(1)
        form = QFormLayout()
        form.addRow("Cameras", self.cameras)
        form.addRow("Around", QLabel(f"{self._local(around)}" + (" (the tag's frame)" if from_tag else " (now)")))
        form.addRow("Roll (seconds)", rolls)
        form.addRow("From", self.start)
        form.addRow("To", self.end)
        form.addRow("Exhibit reference", self.reference)
        form.addRow("Reason", self.reason)
        form.addRow("Folder", folder_row)
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.hide()
        self.message = QLabel("")
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.buttons = QDialogButtonBox()
        self.export_button = self.buttons.addButton("Export", QDialogButtonBox.ButtonRole.AcceptRole)
        self.close_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Close)
        self.export_button.clicked.connect(self._on_export)
        self.close_button.clicked.connect(self._on_close)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.progress)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        self.reference.setFocus()

    # --- inputs ----------------------------------------------------------------------------------
    @staticmethod
    def _seconds(value: int) -> QSpinBox:
        box = QSpinBox()
        box.setRange(0, 3600)
        box.setValue(value)
        box.setSuffix(" s")
        return box

    def _time_edit(self) -> QDateTimeEdit:
        edit = QDateTimeEdit()
        edit.setDisplayFormat(DATETIME_FORMAT)
        edit.setTimeZone(self._qtz)
        edit.setCalendarPopup(True)
        return edit

    def _local(self, moment: datetime) -> str:
        local = moment.astimezone(self._tz)
        return f"{local:%d/%m/%Y %H:%M:%S} {local.tzname()}"

    def _apply_rolls(self) -> None:
        self._set(self.start, self._around - timedelta(seconds=self.pre_roll.value()))
        self._set(self.end, self._around + timedelta(seconds=self.post_roll.value()))

    def _set(self, edit: QDateTimeEdit, moment: datetime) -> None:
        edit.setDateTime(QDateTime.fromMSecsSinceEpoch(int(moment.timestamp() * 1000), self._qtz))

    @staticmethod
    def _utc(edit: QDateTimeEdit) -> datetime:
        return datetime.fromtimestamp(edit.dateTime().toMSecsSinceEpoch() / 1000, UTC)

    def _choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Folder for the evidence package", self.folder.text())
        if folder:
            self.folder.setText(folder)

    def choice(self) -> ExportChoice:
        keys = tuple(self.cameras.chosen())
        return ExportChoice(
            keys,
            self._utc(self.start),
            self._utc(self.end),
            self.reference.text().strip(),
            self.reason.text().strip(),
            Path(self.folder.text().strip()),
        )

    # --- running ---------------------------------------------------------------------------------
    def _on_export(self) -> None:
        choice = self.choice()
        problem = (
            "Choose at least one camera."
            if not choice.camera_keys
            else "Give the exhibit reference."
            if not choice.exhibit_reference
            else "Say why the footage is exported."
            if not choice.reason
            else "The end must come after the start."
            if choice.end <= choice.start
            else ""
        )
        if problem:
            self.show_message(problem, problem=True)
            return
        self._running = True
        self.export_button.setEnabled(False)
        self.close_button.setText("Cancel export")
        self.progress.setValue(0)
        self.progress.show()
        self.show_message("Exporting…", problem=False)
        self.export_requested.emit(choice)

    def _on_close(self) -> None:
        if self._running:
            self.close_button.setEnabled(False)
            self.show_message("Cancelling: the unfinished package is being removed…", problem=True)
            self.cancel_requested.emit()
            return
        self.reject()

    def show_progress(self, fraction: float, words: str) -> None:
        self.progress.setValue(int(fraction * 1000))
        self.progress.setFormat(f"{fraction:.0%}  {words}")

    def show_message(self, words: str, problem: bool) -> None:
        self.message.setText(words)
        self.message.setProperty("problem", problem)
        self.message.setStyleSheet("color: #ff6b6b;" if problem else "")

    def show_finished(self, words: str, ok: bool) -> None:
        self._running = False
        self.close_button.setEnabled(True)
        self.close_button.setText("Close")
        self.export_button.setEnabled(not ok)
        if not ok:
            self.progress.hide()
        self.show_message(words, problem=not ok)
