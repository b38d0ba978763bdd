"""Raise a partner action (typed in, or started from a recent community-issue sighting) and
review one (status, note, a new due date). The dialogs only collect; the console checks and
records, and says what is wrong in the dock if it refuses."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any, Protocol

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from console.partner_rules import MAX_FINDING, MAX_NAME, MAX_NOTE, REVIEW_EVERY

DEFAULT_DUE = REVIEW_EVERY  # due by the next fortnightly review, unless the controller says otherwise


class FindingRow(Protocol):
    @property
    def sighting_id(self) -> int: ...
    @property
    def captured_at(self) -> datetime: ...
    @property
    def location_key(self) -> str: ...
    @property
    def location(self) -> str: ...
    @property
    def finding(self) -> str: ...


def _date_edit(day: date, earliest: date) -> QDateEdit:
    edit = QDateEdit(QDate(day.year, day.month, day.day))
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("ddd dd MMM yyyy")
    edit.setMinimumDate(QDate(earliest.year, earliest.month, earliest.day))
    return edit


def _limited(edit: QPlainTextEdit, limit: int) -> str:
    text = edit.toPlainText()
    return text if len(text) <= limit else text[:limit]


def _buttons(dialog: QDialog, ok_words: str) -> QDialogButtonBox:
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
    buttons.button(QDialogButtonBox.StandardButton.Ok).setText(ok_words)
    buttons.accepted.connect(dialog.accept)
    buttons.rejected.connect(dialog.reject)
    return buttons


class RaiseDialog(QDialog):
    def __init__(
        self,
        partners: Sequence[str],
        locations: Sequence[tuple[str, str]],
        findings: Sequence[FindingRow],
        today: date,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Raise a partner action")
        self.setMinimumWidth(640)
        self._filled = ""  # the finding text last copied from a sighting, to know when it was edited
        self.sighting = QComboBox()
        # Long findings would otherwise widen the dialog past the screen and clip the labels.
        self.sighting.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.sighting.setMinimumContentsLength(40)
        self.sighting.addItem("Typed in (no sighting)", None)
        for f in findings:
            when = f.captured_at.astimezone().strftime("%d %b %H:%M")
            words = f.finding.replace("\n", " ")
            short = words if len(words) <= 60 else words[:59] + "…"
            self.sighting.addItem(f"{when} · {f.location or 'no location'} · {short}", f)
        if not findings:
            self.sighting.setToolTip("No community-issue sightings in the last 28 days")
        self.finding = QPlainTextEdit()
        self.finding.setPlaceholderText("What was found: a street light out, an open alley, litter, a blind spot…")
        self.finding.setFixedHeight(90)
        self.location = QComboBox()
        self.location.addItem("No location", "")
        for key, name in locations:
            self.location.addItem(name, key)
        self.partner = QComboBox()
        typed = QLineEdit()
        typed.setObjectName("comboText")  # the style pads the combo box, not its line edit too
        typed.setPlaceholderText("Pick or type the partner")
        typed.setMaxLength(MAX_NAME)
        self.partner.setLineEdit(typed)
        self.partner.addItems(list(partners))
        self.partner.setCurrentIndex(-1)
        self.owner = QLineEdit()
        self.owner.setMaxLength(MAX_NAME)
        self.owner.setPlaceholderText("Who at the partner sees it done")
        self.due = _date_edit(today + DEFAULT_DUE, today)
        self.problem = QLabel("")
        self.problem.setObjectName("panelStatus")
        self.buttons = _buttons(self, "Raise action")
        form = QFormLayout()
        form.addRow("Sighting", self.sighting)
        form.addRow("Finding", self.finding)
        form.addRow("Location", self.location)
        form.addRow("Partner", self.partner)
        form.addRow("Owner", self.owner)
        form.addRow("Due", self.due)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.problem)
        layout.addWidget(self.buttons)
        self.sighting.currentIndexChanged.connect(self._on_sighting)
        for signal in (self.finding.textChanged, self.owner.textChanged, self.partner.currentTextChanged):
            signal.connect(self._check)
        self._check()

    def _on_sighting(self, _index: int) -> None:
        chosen: Any = self.sighting.currentData()
        if chosen is None:
            return
        if self.finding.toPlainText() in ("", self._filled):  # never overwrite the controller's words
            self._filled = chosen.finding
            self.finding.setPlainText(chosen.finding)
        at = self.location.findData(chosen.location_key)
        if chosen.location_key and at >= 0:
            self.location.setCurrentIndex(at)

    def _check(self) -> None:
        problem = ""
        if not self.finding.toPlainText().strip() and self.sighting.currentData() is None:
            problem = "Say what was found, or start from a sighting."
        elif len(self.finding.toPlainText()) > MAX_FINDING:
            problem = f"The finding is longer than {MAX_FINDING} characters."
        elif not self.partner.currentText().strip():
            problem = "Pick or type the partner."
        elif not self.owner.text().strip():
            problem = "Say who owns the action at the partner."
        self.problem.setText(problem)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(not problem)

    def values(self) -> dict[str, Any]:
        chosen: Any = self.sighting.currentData()
        return {
            "finding": _limited(self.finding, MAX_FINDING),
            "location": str(self.location.currentData() or ""),
            "partner": self.partner.currentText(),
            "owner": self.owner.text(),
            "due_on": self.due.date().toPython(),
            "sighting_id": chosen.sighting_id if chosen is not None else None,
        }


class ReviewDialog(QDialog):
    def __init__(
        self,
        heading: str,
        state: str,
        statuses: Sequence[tuple[str, str]],
        current_status: str,
        due_on: date,
        today: date,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Review a partner action")
        self.setMinimumWidth(520)
        title = QLabel(heading)
        title.setObjectName("panelHeading")
        title.setWordWrap(True)
        now = QLabel(state)
        now.setWordWrap(True)
        self.status = QComboBox()
        for key, words in statuses:
            self.status.addItem(words.capitalize(), key)
        self.status.setCurrentIndex(max(0, self.status.findData(current_status)))
        self.note = QPlainTextEdit()
        self.note.setPlaceholderText("What the partner said, what happens next")
        self.note.setFixedHeight(90)
        self.new_due = QCheckBox("New due date")
        self.due = _date_edit(max(due_on, today), today)
        self.due.setEnabled(False)
        self.new_due.toggled.connect(self.due.setEnabled)
        self.buttons = _buttons(self, "Record review")
        form = QFormLayout()
        form.addRow("Status", self.status)
        form.addRow("Note", self.note)
        form.addRow(self.new_due, self.due)
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(now)
        layout.addLayout(form)
        layout.addWidget(self.buttons)

    def values(self) -> dict[str, Any]:
        return {
            "status": str(self.status.currentData()),
            "note": _limited(self.note, MAX_NOTE),
            "due_on": self.due.date().toPython() if self.new_due.isChecked() else None,
        }
