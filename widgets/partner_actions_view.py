"""The Partner actions dock: environmental findings given to partners, open ones first by due
date. An overdue action stands out in colour and in words ("OVERDUE by 3 days"), so does one
past its fortnightly review; Raise…, Review… (roles that may) and Export… ask the console."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any, Protocol

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMenu,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from console.partner_rules import STATUS_WORDS
from widgets.partner_action_dialogs import FindingRow, RaiseDialog, ReviewDialog
from widgets.tables import RowsModel, rows_table

_Index = QModelIndex | QPersistentModelIndex
# Readable on the dark style (resources/console.qss): white on deep red for overdue, the style's
# amber for a review that is due, the style's grey for done and cancelled.
OVERDUE_BACK, OVERDUE_TEXT = QColor("#7a1518"), QColor("#ffffff")
REVIEW_TEXT = QColor("#e3b341")
CLOSED_TEXT = QColor("#8b949e")
FINDING, LOCATION, PARTNER, OWNER, LAST_REVIEW = 1, 2, 3, 4, 7  # columns


class ActionRow(Protocol):
    @property
    def id(self) -> int: ...
    @property
    def reference(self) -> str: ...
    @property
    def finding(self) -> str: ...
    @property
    def location(self) -> str: ...
    @property
    def partner(self) -> str: ...
    @property
    def owner(self) -> str: ...
    @property
    def due_on(self) -> date: ...
    @property
    def status(self) -> str: ...
    @property
    def status_words(self) -> str: ...
    @property
    def overdue(self) -> bool: ...
    @property
    def overdue_words(self) -> str: ...
    @property
    def is_open(self) -> bool: ...
    @property
    def last_review_at(self) -> datetime | None: ...
    @property
    def last_review_by(self) -> str: ...
    @property
    def next_review_due(self) -> date | None: ...
    @property
    def review_overdue(self) -> bool: ...


def _due(row: ActionRow) -> str:
    return f"{row.due_on:%d %b %Y}" + (f"  ⚠ {row.overdue_words}" if row.overdue else "")


def _review(row: ActionRow) -> str:
    """Short, so the finding keeps its room; who reviewed is in the tooltip."""
    last = f"{row.last_review_at.astimezone():%d %b}" if row.last_review_at else "not yet"
    if row.review_overdue:
        return f"{last} · REVIEW OVERDUE"
    if row.next_review_due is not None:
        return f"{last} · next {row.next_review_due:%d %b}"
    return last


def _review_tip(row: ActionRow) -> str:
    words = (
        f"Last reviewed {row.last_review_at.astimezone():%d %b %Y} by {row.last_review_by}."
        if row.last_review_at
        else "Not reviewed yet."
    )
    if row.next_review_due is not None:
        due = "was due" if row.review_overdue else "is due"
        words += f" The next fortnightly review {due} {row.next_review_due:%d %b %Y}."
    return words


class PartnerActionsModel(RowsModel):
    """Rows of actions; an overdue one in white on red and bold, a review due in amber."""

    def __init__(self) -> None:
        super().__init__(
            [
                ("Ref", lambda r: r.reference),
                ("Finding", lambda r: r.finding.replace("\n", " ")),
                ("Location", lambda r: r.location or "—"),
                ("Partner", lambda r: r.partner),
                ("Owner", lambda r: r.owner),
                ("Due", _due),
                ("Status", lambda r: r.status_words),
                ("Last review", _review),
            ]
        )

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self.rows[index.row()]
        if role == Qt.ItemDataRole.BackgroundRole and row.overdue:
            return QBrush(OVERDUE_BACK)
        if role == Qt.ItemDataRole.ForegroundRole:
            if row.overdue:
                return QBrush(OVERDUE_TEXT)
            if row.review_overdue:
                return QBrush(REVIEW_TEXT)
            if not row.is_open:
                return QBrush(CLOSED_TEXT)
        if role == Qt.ItemDataRole.FontRole and (row.overdue or row.review_overdue):
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.ToolTipRole and index.column() in (FINDING, LOCATION, PARTNER, OWNER):
            return super().data(index, Qt.ItemDataRole.DisplayRole)  # the whole of an elided cell
        if role == Qt.ItemDataRole.ToolTipRole and index.column() == LAST_REVIEW:
            return _review_tip(row)
        return super().data(index, role)


class PartnerActionsView(QWidget):
    show_closed_changed = Signal(bool)  # done and cancelled actions listed too
    raise_requested = Signal(dict)  # finding, location, partner, owner, due_on, sighting_id
    review_requested = Signal(int, dict)  # action id; status, note, due_on (None: unchanged)
    export_requested = Signal(str)  # csv or pdf

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("partnerActionsView")
        self.summary = QLabel("Loading…")
        self.summary.setObjectName("panelHeading")
        self.show_closed = QCheckBox("Show done and cancelled")
        self.model = PartnerActionsModel()
        self.table = rows_table(self.model)
        self.table.setMinimumHeight(60)
        self.table.setWordWrap(False)
        # The finding takes the room that is left (elided, whole in its tooltip), so the due date's
        # OVERDUE words and the review column always show in full.
        header = self.table.horizontalHeader()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(FINDING, QHeaderView.ResizeMode.Stretch)
        # Where, who and by whom are short enough elided; the finding is what the meeting reads.
        for column, width in ((LOCATION, 130), (PARTNER, 150), (OWNER, 130)):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
            self.table.setColumnWidth(column, width)
        self.raise_button = QPushButton("Raise…")
        self.review_button = QPushButton("Review…")
        self.review_button.setEnabled(False)
        self.export_button = QPushButton("Export…")
        menu = QMenu(self.export_button)
        self.export_csv = menu.addAction("CSV for a spreadsheet…")
        self.export_pdf = menu.addAction("PDF for the partnership meeting…")
        self.export_button.setMenu(menu)
        self.message = QLabel("")
        self.message.setObjectName("panelStatus")
        self.message.setWordWrap(True)
        bar = QHBoxLayout()
        bar.addWidget(self.summary, 1)
        bar.addWidget(self.show_closed)
        bar.addWidget(self.raise_button)
        bar.addWidget(self.review_button)
        bar.addWidget(self.export_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(bar)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.message)
        self.may_raise = self.may_review = True
        self._review_refusal = ""
        self.partners: list[str] = []
        self.locations: list[tuple[str, str]] = []
        self.findings: list[FindingRow] = []
        self.today = date.today()
        self.raise_dialog: RaiseDialog | None = None
        self.review_dialog: ReviewDialog | None = None
        self.show_closed.toggled.connect(self.show_closed_changed.emit)
        self.raise_button.clicked.connect(self.open_raise)
        self.review_button.clicked.connect(self.open_review)
        self.table.doubleClicked.connect(lambda _: self.open_review())
        self.table.selectionModel().currentRowChanged.connect(lambda *_: self._enable())
        self.export_csv.triggered.connect(lambda: self.export_requested.emit("csv"))
        self.export_pdf.triggered.connect(lambda: self.export_requested.emit("pdf"))

    # --- what the console tells the dock -----------------------------------------------------------
    def set_permissions(self, may_raise: bool, may_review: bool, role: str) -> None:
        self.may_raise, self.may_review = may_raise, may_review
        self.raise_button.setEnabled(may_raise)
        self.raise_button.setToolTip("" if may_raise else f"A {role} may not raise partner actions.")
        self._review_refusal = "" if may_review else f"Only a supervisor reviews partner actions; you are a {role}."
        self.review_button.setToolTip(self._review_refusal or "Review the selected action")
        self._enable()

    def set_choices(
        self, partners: Sequence[str], locations: Sequence[tuple[str, str]], findings: Sequence[FindingRow]
    ) -> None:
        self.partners, self.locations, self.findings = list(partners), list(locations), list(findings)

    def show_actions(self, rows: Sequence[ActionRow], today: date) -> None:
        self.today = today
        chosen = self.selected()
        self.model.set_rows(rows)
        if chosen is not None:
            for n, row in enumerate(rows):
                if row.id == chosen.id:
                    self.table.setCurrentIndex(self.model.index(n, 0))
        open_rows = [r for r in rows if r.is_open]
        overdue = sum(1 for r in open_rows if r.overdue)
        reviews = sum(1 for r in open_rows if r.review_overdue)
        words = f"{len(open_rows)} open"
        if overdue:
            words += f" · {overdue} OVERDUE"
        if reviews:
            words += f" · {reviews} past the fortnightly review"
        self.summary.setText(words)
        self._enable()

    def say(self, words: str) -> None:
        self.message.setText(words)

    def selected(self) -> ActionRow | None:
        index = self.table.currentIndex()
        return self.model.rows[index.row()] if index.isValid() and index.row() < len(self.model.rows) else None

    def _enable(self) -> None:
        self.review_button.setEnabled(self.may_review and self.selected() is not None)

    # --- dialogs ------------------------------------------------------------------------------------
    def open_raise(self) -> None:
        if not self.may_raise:
            return
        dialog = self.raise_dialog = RaiseDialog(self.partners, self.locations, self.findings, self.today, self)
        dialog.accepted.connect(lambda: self.raise_requested.emit(dialog.values()))
        dialog.finished.connect(lambda _: self._closed("raise_dialog", dialog))
        dialog.open()

    def open_review(self) -> None:
        row = self.selected()
        if row is None:
            return
        if not self.may_review:
            self.say(self._review_refusal)
            return
        heading = f"{row.reference}: {row.finding}"
        state = f"{row.partner}, owner {row.owner}. Due {_due(row)}; {STATUS_WORDS.get(row.status, row.status)}."
        dialog = self.review_dialog = ReviewDialog(
            heading, state, list(STATUS_WORDS.items()), row.status, row.due_on, self.today, self
        )
        dialog.accepted.connect(lambda: self.review_requested.emit(row.id, dialog.values()))
        dialog.finished.connect(lambda _: self._closed("review_dialog", dialog))
        dialog.open()

    def _closed(self, name: str, dialog: QWidget) -> None:
        if getattr(self, name) is dialog:
            setattr(self, name, None)
        dialog.deleteLater()
