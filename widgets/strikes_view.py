"""The three-strikes dock: every sex worker with warnings, referrals or an Engagement and
Support Order, and what the policy allows next. A warning with no referral after it is an
exception: its row is coloured and says so in words (colour alone is lost on some screens and
to some eyes). Only pseudonymous references here, never special-category data."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QDate, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from widgets.dock_parts import beside, current_row, message_label, set_rows_keeping, show_message
from widgets.tables import RowsModel, rows_table

ENDINGS = ("completed", "refused", "breached", "withdrawn")
EXCEPTION_BACKGROUND = QColor("#5c1a1b")  # dark red that keeps light text readable on the dark style
EXCEPTION_TEXT = QColor("#ffdcd7")


def _day(value: Any) -> str:
    return f"{value.astimezone():%d %b}"


def warnings_words(row: Any) -> str:
    return f"{len(row.warnings)}: {', '.join(_day(w) for w in row.warnings)}" if row.warnings else "none"


def referrals_words(row: Any) -> str:
    if not row.referrals:
        return "none"
    return f"{len(row.referrals)}: {', '.join(f'{to} ({_day(when)})' for when, to in row.referrals)}"


def order_words(row: Any) -> str:
    return row.order.words() if row.order is not None else "—"


def exception_words(row: Any) -> str:
    return f"EXCEPTION: {row.exception}" if row.exception else ""


def next_words(row: Any) -> str:
    """The exception first (it is what to do first), then what the policy allows next."""
    return f"{exception_words(row)}. {row.next_step}" if row.exception else row.next_step


class StrikesModel(RowsModel):
    """The register's rows; an exception row is painted so it stands out in the list."""

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if index.isValid() and self.rows[index.row()].exception:
            if role == Qt.ItemDataRole.BackgroundRole:
                return QBrush(EXCEPTION_BACKGROUND)
            if role == Qt.ItemDataRole.ForegroundRole:
                return QBrush(EXCEPTION_TEXT)
        if index.isValid() and role == Qt.ItemDataRole.ToolTipRole:
            row = self.rows[index.row()]
            return "\n".join(x for x in (row.next_step, exception_words(row)) if x)
        return super().data(index, role)


class StrikesView(QWidget):
    # (step, subject id, order id (0 when applying), fields: on, sessions_required, ending, notes)
    eso_requested = Signal(str, int, int, dict)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("strikesView")
        self.model = StrikesModel(
            [
                ("Reference", lambda r: r.reference),
                ("Warnings", warnings_words),
                ("Referrals", referrals_words),
                ("ESO", order_words),
                ("Follow up and next step", next_words),
            ]
        )
        self.table = rows_table(self.model)
        self.table.setMinimumHeight(60)
        # The policy's words are long: wrap them in a column that takes the room left, rather
        # than one line that runs off the dock.
        self.table.setWordWrap(True)
        header = self.table.horizontalHeader()
        for column, width in ((2, 200), (3, 170)):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
            header.resizeSection(column, width)
        self.status = QLabel("Loading the three-strikes register…")
        self.status.setObjectName("panelStatus")
        self.status.setWordWrap(True)

        self.order_box = QGroupBox("Engagement and Support Order")
        self.chosen = QLabel("Select a subject in the register.")
        self.chosen.setWordWrap(True)
        self.on = QDateEdit()
        self.on.setCalendarPopup(True)
        self.on.setDisplayFormat("dd MMM yyyy")
        self.on.setDate(QDate.currentDate())
        self.on.setMaximumDate(QDate.currentDate())  # steps already taken, never planned ones
        self.sessions = QSpinBox()
        self.sessions.setRange(1, 20)
        self.sessions.setValue(3)
        self.ending = QComboBox()
        self.ending.addItems(list(ENDINGS))
        self.notes = QLineEdit()
        self.notes.setPlaceholderText("Notes (kept with the order, not in the record)")
        self.notes.setToolTip("Kept with the order, not in the record; they may name people")
        self.apply = QPushButton("Apply for ESO")
        self.made = QPushButton("Order made")
        self.session = QPushButton("Session attended")
        self.end = QPushButton("End order as")
        self.message = message_label("strikesMessage")
        # Three short rows: the dock shares the bottom of the screen with the record.
        fields = QGridLayout()
        fields.addWidget(QLabel("On"), 0, 0)
        fields.addWidget(self.on, 0, 1)
        fields.addWidget(QLabel("Sessions required"), 0, 2)
        fields.addWidget(self.sessions, 0, 3)
        steps = QHBoxLayout()
        for button in (self.apply, self.made, self.session):
            steps.addWidget(button)
        ending = QHBoxLayout()
        ending.addWidget(self.end)
        ending.addWidget(self.ending)
        ending.addWidget(self.notes, 1)
        box = QVBoxLayout(self.order_box)
        box.addWidget(self.chosen)
        box.addLayout(fields)
        box.addLayout(steps)
        box.addLayout(ending)
        box.addWidget(self.message)
        box.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.status)
        layout.addWidget(beside(self.table, self.order_box, (2, 1)), 1)

        self.may_record = False
        self.permission_words = ""
        self._chosen_id: int | None = None
        self.table.selectionModel().currentRowChanged.connect(self._on_row)
        self.apply.clicked.connect(lambda: self._ask("apply"))
        self.made.clicked.connect(lambda: self._ask("made"))
        self.session.clicked.connect(lambda: self._ask("session"))
        self.end.clicked.connect(lambda: self._ask("end"))
        self._enable()

    def set_permissions(self, may_record: bool, words: str = "") -> None:
        """``words``: why the buttons are off, said when a subject is selected."""
        self.may_record, self.permission_words = may_record, words
        self._enable()

    def show_rows(self, rows: list[Any]) -> None:
        set_rows_keeping(self.table, self.model, rows, lambda r: r.subject_id)
        self.table.resizeRowsToContents()
        exceptions = sum(1 for r in rows if r.exception)
        self.status.setText(
            f"{len(rows)} subject(s); "
            + (f"{exceptions} EXCEPTION(S): warned with no referral since." if exceptions else "no exceptions.")
        )
        self._enable()

    def selected(self) -> Any:
        return current_row(self.table, self.model)

    def say(self, words: str, problem: bool = False) -> None:
        show_message(self.message, words, problem)

    def _on_row(self, _current: QModelIndex, _previous: QModelIndex) -> None:
        row = self.selected()
        chosen = row.subject_id if row is not None else None
        if chosen != self._chosen_id:  # a reload selecting the same subject again keeps the message
            self._chosen_id = chosen
            self.say("")
        self._enable()

    def _enable(self) -> None:
        row = self.selected()
        order: Any = row.order if row is not None else None
        open_order = order is not None and order.is_open
        made = open_order and order.made_at is not None
        sessions_left = made and order.sessions_attended < order.sessions_required
        may = self.may_record and row is not None
        self.apply.setEnabled(may and not open_order)
        self.made.setEnabled(may and open_order and not made)
        self.session.setEnabled(may and sessions_left)
        self.end.setEnabled(may and open_order)
        if row is None:
            self.chosen.setText("Select a subject in the register.")
            return
        state = f"ESO: {order.words()}" if order is not None else "No ESO recorded."
        self.chosen.setText(f"{row.reference}. {state}")
        if not self.may_record and self.permission_words:
            self.say(self.permission_words)

    def _ask(self, step: str) -> None:
        row = self.selected()
        if row is None:
            return
        order = row.order
        fields = {
            "on": self.on.date().toPython(),
            "sessions_required": self.sessions.value(),
            "ending": self.ending.currentText(),
            "notes": self.notes.text(),
        }
        self.say("Recording…")
        self.eso_requested.emit(step, row.subject_id, order.id if order is not None and step != "apply" else 0, fields)

    def step_done(self, words: str) -> None:
        self.notes.clear()
        self.say(words)
