"""Start of a night: who is at the console and which teams are on duty."""

from __future__ import annotations

from collections.abc import Sequence

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


class StartShiftDialog(QDialog):
    def __init__(
        self,
        operation_title: str,
        operators: Sequence[tuple[str, str]],
        teams: Sequence[tuple[str, str]],
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
        form = QFormLayout()
        form.addRow("Controller", self.operator)
        team_column = QVBoxLayout()
        for _, box in self.team_boxes:
            team_column.addWidget(box)
            box.toggled.connect(self._check)
        form.addRow("Teams on duty", team_column)
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
        ok = bool(self.team_keys()) and self.operator.count() > 0
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(ok)
        self.problem.setText("" if ok else "Pick at least one team on duty")

    def team_keys(self) -> list[str]:
        return [key for key, box in self.team_boxes if box.isChecked()]

    def login(self) -> str:
        return str(self.operator.currentData())
