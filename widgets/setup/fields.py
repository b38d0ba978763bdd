"""A form built from a list of fields: one editor per setting, with the problem the console
found in it shown right under it, and the values read back under the operation file's names."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

TEXT, MULTILINE, NUMBER, DAY, FLAG, CHOICE, REFERENCE, SECRET = (
    "text", "multiline", "number", "date", "flag", "choice", "reference", "secret",
)  # fmt: skip


@dataclass(frozen=True)
class Field:
    key: str  # the setting's name in the operation file
    label: str
    kind: str = TEXT
    choices: tuple[str, ...] = ()  # CHOICE: the allowed values
    low: int = 0  # NUMBER
    high: int = 0
    default: Any = None
    max_length: int = 200
    hint: str = ""  # placeholder or the check box's words
    fixed_once_saved: bool = False  # shown but not editable once the item exists


Editor = QLineEdit | QPlainTextEdit | QSpinBox | QDateEdit | QCheckBox | QComboBox


def _editor(field: Field) -> Editor:
    if field.kind == MULTILINE:
        box = QPlainTextEdit()
        box.setPlaceholderText(field.hint)
        box.setFixedHeight(70)
        return box
    if field.kind == NUMBER:
        spin = QSpinBox()
        spin.setRange(field.low, field.high)
        return spin
    if field.kind == DAY:
        day = QDateEdit()
        day.setCalendarPopup(True)
        day.setDisplayFormat("yyyy-MM-dd")
        return day
    if field.kind == FLAG:
        return QCheckBox(field.hint)
    if field.kind in (CHOICE, REFERENCE):
        combo = QComboBox()
        if field.kind == REFERENCE:
            combo.addItem("(none)", "")
        for choice in field.choices:
            combo.addItem(choice.replace("_", " "), choice)
        return combo
    line = QLineEdit()
    line.setMaxLength(field.max_length)
    line.setPlaceholderText(field.hint)
    if field.kind == SECRET:
        line.setEchoMode(QLineEdit.EchoMode.Password)
    return line


class FieldForm(QWidget):
    """The editors of one item, in a form; ``values()`` reads them, ``show_problems`` puts the
    refusal's words under the fields they are about."""

    def __init__(self, fields: list[Field], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.fields = {f.key: f for f in fields}
        self.editors: dict[str, Editor] = {}
        self.problems: dict[str, QLabel] = {}
        self.form = QFormLayout(self)
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        for field in fields:
            editor = self.editors[field.key] = _editor(field)
            editor.setObjectName(f"field_{field.key}")
            problem = self.problems[field.key] = QLabel("")
            problem.setObjectName("fieldProblem")
            problem.setWordWrap(True)
            problem.hide()
            cell = QWidget()
            stack = QVBoxLayout(cell)
            stack.setContentsMargins(0, 0, 0, 0)
            stack.setSpacing(2)
            stack.addWidget(editor)
            stack.addWidget(problem)
            self.form.addRow(field.label, cell)
        self.clear()

    # --- values ------------------------------------------------------------------------------------
    def values(self) -> dict[str, Any]:
        return {key: self.value(key) for key in self.editors}

    def value(self, key: str) -> Any:
        editor = self.editors[key]
        if isinstance(editor, QPlainTextEdit):
            return editor.toPlainText().strip()
        if isinstance(editor, QSpinBox):
            return editor.value()
        if isinstance(editor, QDateEdit):
            day = editor.date()
            return date(day.year(), day.month(), day.day())
        if isinstance(editor, QCheckBox):
            return editor.isChecked()
        if isinstance(editor, QComboBox):
            return editor.currentData() or ""
        return editor.text() if self.fields[key].kind == SECRET else editor.text().strip()

    def set_value(self, key: str, value: Any) -> None:
        editor = self.editors.get(key)
        if editor is None:
            return
        if isinstance(editor, QPlainTextEdit):
            editor.setPlainText(str(value or ""))
        elif isinstance(editor, QSpinBox):
            editor.setValue(int(value or 0))
        elif isinstance(editor, QDateEdit):
            day = value if isinstance(value, date) else date.today()
            editor.setDate(QDate(day.year, day.month, day.day))
        elif isinstance(editor, QCheckBox):
            editor.setChecked(bool(value))
        elif isinstance(editor, QComboBox):
            index = editor.findData(value or "")
            if index < 0 and value:
                editor.addItem(f"{value} (unknown)", value)
                index = editor.count() - 1
            editor.setCurrentIndex(max(index, 0))
        else:
            editor.setText(str(value or ""))

    def set_values(self, values: dict[str, Any], *, saved: bool) -> None:
        """Show an item (``saved``: it exists, so fields fixed once saved cannot change)."""
        for key, field in self.fields.items():
            self.set_value(key, values.get(key, field.default))
            self.editors[key].setEnabled(not (saved and field.fixed_once_saved))
        self.show_problems({})

    def clear(self) -> None:
        self.set_values({}, saved=False)

    def set_choices(self, key: str, choices: list[str]) -> None:
        """The items a reference may name (a camera's location, a unit's team)."""
        editor = self.editors.get(key)
        if not isinstance(editor, QComboBox):
            return
        current = editor.currentData() or ""
        editor.blockSignals(True)
        editor.clear()
        editor.addItem("(none)", "")
        for choice in choices:
            editor.addItem(choice, choice)
        editor.blockSignals(False)
        self.set_value(key, current)

    # --- problems ---------------------------------------------------------------------------------
    def show_problems(self, problems: dict[str, str]) -> list[str]:
        """Words under each field named; the problems about no field here come back."""
        for key, label in self.problems.items():
            words = problems.get(key, "")
            label.setText(words)
            label.setVisible(bool(words))
        if problems:
            first = next((k for k in problems if k in self.editors), None)
            if first is not None:
                self.editors[first].setFocus(Qt.FocusReason.OtherFocusReason)
        return [f"{k}: {v}" if k else v for k, v in problems.items() if k not in self.editors]
