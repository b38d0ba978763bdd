"""Start of a night: who is at the console, which teams are on duty, and from the roster the
units out tonight and which officer rides in which unit."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

NOT_ON_DUTY = "Not on duty tonight"


class RosterUnitLike(Protocol):
    @property
    def call_sign(self) -> str: ...
    @property
    def team_key(self) -> str: ...


class RosterOfficerLike(Protocol):
    @property
    def collar_number(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def special_constable(self) -> bool: ...
    @property
    def team_key(self) -> str: ...
    @property
    def unit_call_sign(self) -> str: ...


class StartShiftDialog(QDialog):
    def __init__(
        self,
        operation_title: str,
        operators: Sequence[tuple[str, str]],
        teams: Sequence[tuple[str, str]],
        units: Sequence[RosterUnitLike] = (),
        officers: Sequence[RosterOfficerLike] = (),
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Start shift · {operation_title}")
        self.operator = QComboBox()
        for login, name in operators:
            self.operator.addItem(name, login)
        self.team_boxes = [(key, QCheckBox(name)) for key, name in teams]
        if self.team_boxes:
            self.team_boxes[0][1].setChecked(True)
        self.problem = QLabel("")
        self.problem.setObjectName("panelStatus")
        form = self._form = QFormLayout()
        form.addRow("Controller", self.operator)
        team_column = QVBoxLayout()
        for _, box in self.team_boxes:
            team_column.addWidget(box)
            box.toggled.connect(self._check)
        form.addRow("Teams on duty", team_column)
        self.unit_boxes = [(u, QCheckBox(u.call_sign)) for u in units]
        unit_column = QVBoxLayout()
        for _, box in self.unit_boxes:
            box.setChecked(True)
            unit_column.addWidget(box)
            box.toggled.connect(self._check)
        if self.unit_boxes:
            form.addRow("Units out tonight", unit_column)
        self.crew_boxes: list[tuple[RosterOfficerLike, QComboBox]] = []
        for officer in officers:
            combo = QComboBox()
            label = f"{officer.collar_number} {officer.name}" + (" (Special)" if officer.special_constable else "")
            form.addRow(label, combo)
            self.crew_boxes.append((officer, combo))
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Start shift")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.problem)
        layout.addWidget(self.buttons)
        self._check()

    def _check(self) -> None:
        teams = set(self.team_keys())
        for unit, box in self.unit_boxes:
            box.setVisible(unit.team_key in teams)
        out = [u.call_sign for u, box in self.unit_boxes if u.team_key in teams and box.isChecked()]
        for officer, combo in self.crew_boxes:
            visible = officer.team_key in teams
            wanted = combo.currentText() or officer.unit_call_sign
            combo.blockSignals(True)
            combo.clear()
            if visible:  # (an officer of a team not on duty starts from the roster again)
                combo.addItems([*out, NOT_ON_DUTY])
                combo.setCurrentText(wanted if wanted in out else NOT_ON_DUTY)
            combo.blockSignals(False)
            combo.setVisible(visible)
            label = self._form.labelForField(combo)
            if label is not None:
                label.setVisible(visible)
        ok = bool(self.team_keys()) and self.operator.count() > 0
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(ok)
        self.problem.setText("" if ok else "Pick at least one team on duty")

    def team_keys(self) -> list[str]:
        return [key for key, box in self.team_boxes if box.isChecked()]

    def login(self) -> str:
        return str(self.operator.currentData())

    def unit_boxes_by_sign(self) -> list[tuple[str, QCheckBox]]:
        return [(u.call_sign, box) for u, box in self.unit_boxes]

    def units(self) -> list[str] | None:
        """Call signs out tonight (None: no roster was shown, so all of the teams' units)."""
        if not self.unit_boxes:
            return None
        teams = set(self.team_keys())
        return [u.call_sign for u, box in self.unit_boxes if u.team_key in teams and box.isChecked()]

    def crews(self) -> dict[str, str | None] | None:
        """Collar number -> tonight's unit (None: not on duty), for the officers of the teams."""
        if not self.crew_boxes:
            return None
        teams = set(self.team_keys())
        return {
            o.collar_number: (None if combo.currentText() == NOT_ON_DUTY else combo.currentText())
            for o, combo in self.crew_boxes
            if o.team_key in teams
        }
