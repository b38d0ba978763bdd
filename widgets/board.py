"""The dispatch board: one card per unit on duty (call sign, kind, officers with Specials marked,
status in words with minutes since the last change, the tasking and where), and under it the
radio log for the selected unit (status keys, acknowledge, a free-text line, close tasking).

It never writes anything itself: it asks by signal and the console answers from a worker. A
sighting dropped on a card (or the dispatch key with a sighting chosen) asks for a dispatch.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from PySide6.QtCore import QMimeData, QPoint, Qt, QTimer, Signal
from PySide6.QtGui import QDrag, QDragEnterEvent, QDropEvent, QKeyEvent, QMouseEvent
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from console.dispatch_rules import (
    AVAILABLE,
    BUSY,
    DISPATCHABLE,
    EN_ROUTE,
    OFF_DUTY,
    ON_SCENE,
    RETURNING,
    STATUS_WORDS,
    TASKED,
    TRANSITIONS,
    URGENT,
    tasking_ref,
)
from console.types import UnitView
from widgets.keymap import key_combination, shortcut

SIGHTING_MIME = "application/x-sentinel-sighting"
WELFARE_MINUTES = 15
WATCHED = TASKED  # units the welfare check watches
KIND_WORDS = {
    "plain_clothes": "Plain-clothes pair · unmarked vehicle",
    "uniformed": "Uniformed pair · marked vehicle",
    "other": "Other unit",
}
# The radio log's status buttons, in the order a night runs (keys from the keymap).
STATUS_BUTTONS = (
    (EN_ROUTE, "En route"),
    (ON_SCENE, "On scene"),
    (BUSY, "Busy"),
    (RETURNING, "Returning"),
    (AVAILABLE, "Available"),
    (OFF_DUTY, "Off duty"),
    (URGENT, "URGENT"),
)


def _keys(action: str) -> str:
    return shortcut(action).keys


def minutes_since(since: datetime | None, now: datetime) -> int | None:
    if since is None:
        return None
    return max(0, int((now - since).total_seconds() // 60))


def sighting_mime(sighting_id: int) -> QMimeData:
    data = QMimeData()
    data.setData(SIGHTING_MIME, str(sighting_id).encode())
    data.setText(f"sighting {sighting_id}")
    return data


def dropped_sighting(data: QMimeData) -> int | None:
    if not data.hasFormat(SIGHTING_MIME):
        return None
    raw = bytes(data.data(SIGHTING_MIME).data()).decode("ascii", "replace")
    return int(raw) if raw.isdigit() else None


def card_state(unit: UnitView, now: datetime, welfare_minutes: int) -> tuple[str, str]:
    """(alert, words): alert is "urgent", "acknowledged", "welfare" or "" for the card's colour;
    words is the status line."""
    minutes = minutes_since(unit.status_since, now)
    elapsed = f"  ·  {minutes} min" if minutes is not None else ""
    words = STATUS_WORDS.get(unit.status, unit.status).upper() + elapsed
    if unit.status == URGENT:
        if unit.urgent_acknowledged_by:
            return "acknowledged", f"{words}  ·  acknowledged by {unit.urgent_acknowledged_by}"
        return "urgent", f"{words}  ·  NOT ACKNOWLEDGED"
    if unit.status in WATCHED and minutes is not None and minutes >= welfare_minutes:
        return "welfare", f"{words}  ·  no update {minutes} min: welfare check"
    return "", words


class SightingChip(QLabel):
    """The last sighting tagged at this console, ready to drag onto a unit."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("sightingChip")
        self.setWordWrap(True)
        self.setCursor(Qt.CursorShape.OpenHandCursor)
        self.sighting_id: int | None = None
        self._pressed: QPoint | None = None
        self.hide()

    def show_sighting(self, sighting_id: int, words: str) -> None:
        self.sighting_id = sighting_id
        self.setText(f"⠿ Last tag: {words}. Drag onto a unit to dispatch it.")
        self.setToolTip(f"Sighting {sighting_id}")
        self.show()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self._pressed = event.position().toPoint()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._pressed is None or self.sighting_id is None:
            return
        if (event.position().toPoint() - self._pressed).manhattanLength() < QApplication.startDragDistance():
            return
        self._pressed = None
        drag = QDrag(self)
        drag.setMimeData(sighting_mime(self.sighting_id))
        drag.exec(Qt.DropAction.CopyAction)


class UnitCard(QFrame):
    clicked = Signal(int)
    sighting_dropped = Signal(int, int)  # unit id, sighting id

    def __init__(self, unit: UnitView, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("unitCard")
        self.setMinimumWidth(300)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAcceptDrops(True)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        self.call_sign = QLabel()
        self.call_sign.setObjectName("callSign")
        self.status = QLabel()
        self.status.setObjectName("unitStatus")
        self.status.setWordWrap(True)
        self.tasking = QLabel()
        self.tasking.setObjectName("unitTasking")
        self.tasking.setWordWrap(True)
        self.kind = QLabel()
        self.kind.setWordWrap(True)
        self.officers = QLabel()
        self.officers.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 8, 10, 8)
        layout.setSpacing(2)
        for w in (self.call_sign, self.status, self.tasking, self.kind, self.officers):
            layout.addWidget(w)
        self.unit = unit
        self.alert = ""
        self.selected = False

    def show_unit(self, unit: UnitView, now: datetime, welfare_minutes: int) -> None:
        self.unit = unit
        self.call_sign.setText(f"{unit.call_sign}  ·  {unit.team}" if unit.team else unit.call_sign)
        alert, words = card_state(unit, now, welfare_minutes)
        self.status.setText(words)
        if unit.tasking_id is not None:
            role = " (backup)" if unit.tasking_role == "backup" else ""
            parts = [f"Tasking {tasking_ref(unit.tasking_id)}{role}", unit.tasking_place, unit.tasking_what]
            self.tasking.setText(" · ".join(p for p in parts if p))
            self.tasking.show()
        else:
            self.tasking.hide()
        self.kind.setText(KIND_WORDS.get(unit.kind, unit.kind))
        self.officers.setText(", ".join(unit.officers) or "No officers assigned")
        self._restyle(status=unit.status, alert=alert)
        self.alert = alert
        self.setAccessibleName(f"{unit.call_sign}: {words}")

    def set_selected(self, selected: bool) -> None:
        if selected != self.selected:
            self.selected = selected
            self._restyle(selected=selected)

    def _restyle(self, **properties: object) -> None:
        for name, value in properties.items():
            target = self.status if name == "status" else self
            target.setProperty(name, value)
            target.style().unpolish(target)
            target.style().polish(target)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self.clicked.emit(self.unit.id)
        super().mousePressEvent(event)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if dropped_sighting(event.mimeData()) is not None:
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        sighting = dropped_sighting(event.mimeData())
        if sighting is not None:
            event.acceptProposedAction()
            self.sighting_dropped.emit(self.unit.id, sighting)


class RadioLog(QFrame):
    """Status buttons, acknowledge, a free-text line and close tasking, for the selected unit."""

    status_requested = Signal(int, str, str)  # unit id, status, the status the board showed
    acknowledge_requested = Signal(int)
    line_entered = Signal(int, str)
    close_requested = Signal(int)  # tasking id
    backup_requested = Signal(int, int)  # tasking id, unit id
    reassign_requested = Signal(int, int, int)  # tasking id, from unit id, to unit id

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("radioLog")
        self.unit: UnitView | None = None
        self.others: list[UnitView] = []
        self.heading = QLabel("Radio log: select a unit")
        self.heading.setObjectName("panelHeading")
        self.buttons: dict[str, QPushButton] = {}
        grid = QGridLayout()
        grid.setSpacing(4)
        for index, (status, label) in enumerate(STATUS_BUTTONS):
            button = QPushButton(f"{label}  [{_keys(f'radio.{status}')}]")
            button.setObjectName("urgentButton" if status == URGENT else "statusButton")
            button.clicked.connect(lambda _=False, s=status: self.request_status(s))
            grid.addWidget(button, index // 4, index % 4)
            self.buttons[status] = button
        self.acknowledge = QPushButton(f"Acknowledge urgent  [{_keys('radio.acknowledge')}]")
        self.acknowledge.setObjectName("urgentButton")
        self.acknowledge.clicked.connect(self.request_acknowledge)
        self.close_tasking = QPushButton(f"Close tasking…  [{_keys('radio.close')}]")
        self.close_tasking.clicked.connect(self.request_close)
        self.history = QLabel("")
        self.history.setObjectName("radioHistory")
        self.history.setWordWrap(True)
        self.history.setTextFormat(Qt.TextFormat.PlainText)
        self.line = QLineEdit()
        self.line.setPlaceholderText("Radio log line for the selected unit; Return writes it")
        self.line.setMaxLength(4000)
        self.line.returnPressed.connect(self._enter_line)
        row = QHBoxLayout()
        row.addWidget(self.acknowledge)
        row.addWidget(self.close_tasking)
        # A free unit joins an open tasking as backup; a tasked unit hands its place to a free one.
        self.other = QComboBox()
        self.other.setMinimumWidth(160)
        self.other_action = QPushButton("")
        self.other_action.clicked.connect(self._other_action)
        other_row = QHBoxLayout()
        other_row.addWidget(self.other, 1)
        other_row.addWidget(self.other_action)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.heading)
        layout.addLayout(grid)
        layout.addLayout(row)
        layout.addLayout(other_row)
        layout.addWidget(self.line)
        layout.addWidget(self.history)
        self.show_unit(None)

    def show_unit(self, unit: UnitView | None) -> None:
        if unit is None or self.unit is None or unit.id != self.unit.id:
            self.history.setText("")
        self.unit = unit
        if unit is None:
            self.heading.setText("Radio log: select a unit")
        else:
            self.heading.setText(f"Radio log: {unit.call_sign} ({STATUS_WORDS.get(unit.status, unit.status)})")
        for status, button in self.buttons.items():
            button.setEnabled(unit is not None and self._may(unit, status))
        self.acknowledge.setEnabled(unit is not None and unit.status == URGENT and not unit.urgent_acknowledged_by)
        self.close_tasking.setEnabled(unit is not None and unit.tasking_id is not None)
        self.line.setEnabled(unit is not None)
        self._fill_other()

    def show_history(self, unit_id: int, lines: Sequence[tuple[datetime, str]]) -> None:
        """The selected unit's latest changes and radio lines (newest first)."""
        if self.unit is None or self.unit.id != unit_id:
            return  # an answer for a unit no longer selected
        self.history.setText("\n".join(f"{when.astimezone():%H:%M}  {words}" for when, words in lines))

    def set_others(self, units: Sequence[UnitView]) -> None:
        self.others = list(units)
        self._fill_other()

    def _fill_other(self) -> None:
        """Backup choices (open taskings) for a free unit; reassign choices (free units) for a
        tasked one."""
        unit = self.unit
        self.other.clear()
        if unit is not None and unit.tasking_id is not None:
            self.other_action.setText("Hand tasking to this unit")
            for u in self.others:
                if u.status in DISPATCHABLE and u.tasking_id is None:
                    self.other.addItem(u.call_sign, u.id)
        elif unit is not None and unit.status in DISPATCHABLE:
            self.other_action.setText("Send as backup")
            taskings: dict[int, list[str]] = {}
            for u in self.others:
                if u.tasking_id is not None:
                    taskings.setdefault(u.tasking_id, []).append(u.call_sign)
            for tasking, crews in sorted(taskings.items()):
                self.other.addItem(f"{tasking_ref(tasking)} with {', '.join(crews)}", tasking)
        else:
            self.other_action.setText("Send as backup")
        usable = self.other.count() > 0
        self.other.setEnabled(usable)
        self.other_action.setEnabled(usable)

    def _other_action(self) -> None:
        unit, chosen = self.unit, self.other.currentData()
        if unit is None or chosen is None:
            return
        if unit.tasking_id is not None:
            self.reassign_requested.emit(unit.tasking_id, unit.id, int(chosen))
        else:
            self.backup_requested.emit(int(chosen), unit.id)

    @staticmethod
    def _may(unit: UnitView, status: str) -> bool:
        if status not in TRANSITIONS.get(unit.status, frozenset()):
            return False
        if unit.status == URGENT and not unit.urgent_acknowledged_by:
            return False
        holds = unit.tasking_id is not None
        return (status in TASKED) == holds or status == URGENT

    def request_status(self, status: str) -> None:
        if self.unit is not None and self.buttons[status].isEnabled():
            self.status_requested.emit(self.unit.id, status, self.unit.status)

    def request_acknowledge(self) -> None:
        if self.unit is not None and self.acknowledge.isEnabled():
            self.acknowledge_requested.emit(self.unit.id)

    def request_close(self) -> None:
        if self.unit is not None and self.unit.tasking_id is not None:
            self.close_requested.emit(self.unit.tasking_id)

    def _enter_line(self) -> None:
        text = self.line.text().strip()
        if self.unit is not None and text:
            self.line_entered.emit(self.unit.id, text)

    def line_written(self) -> None:
        self.line.clear()


class DispatchBoard(QWidget):
    """Cards of the units on duty (scrolling) above the radio log for the selected one."""

    selection_changed = Signal(object)  # UnitView | None
    dispatch_requested = Signal(int, int)  # unit id, sighting id

    def __init__(
        self,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        welfare_minutes: int = WELFARE_MINUTES,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("dispatchBoard")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # Up and Down move between the cards
        self._clock = clock
        self.welfare_minutes = welfare_minutes
        self.cards: dict[int, UnitCard] = {}
        self.selected_id: int | None = None
        self._announced: int | None = None  # the selection last told by selection_changed
        self._units: list[UnitView] = []
        body = QWidget()
        self._layout = QVBoxLayout(body)
        self._layout.setAlignment(Qt.AlignmentFlag.AlignTop)
        self._layout.setSpacing(6)
        self.off_duty = QLabel()
        self.off_duty.setObjectName("offDuty")
        self.cards_area = QScrollArea()
        self.cards_area.setObjectName("boardCards")
        self.cards_area.setWidgetResizable(True)
        self.cards_area.setWidget(body)
        self.radio = RadioLog()
        self.message = QLabel("")
        self.message.setObjectName("boardMessage")
        self.message.setWordWrap(True)
        self.message.hide()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.cards_area, 1)
        layout.addWidget(self.off_duty)
        layout.addWidget(self.message)
        layout.addWidget(self.radio)
        self._ticker = QTimer(self)  # minutes since the last change, and the welfare check
        self._ticker.setInterval(15_000)
        self._ticker.timeout.connect(self.refresh_times)
        self._ticker.start()

    @property
    def selected_unit(self) -> UnitView | None:
        card = self.cards.get(self.selected_id) if self.selected_id is not None else None
        return card.unit if card else None

    def show_units(self, units: Sequence[UnitView]) -> None:
        self._units = list(units)
        on_duty = [u for u in units if u.status != OFF_DUTY]
        wanted = {u.id for u in on_duty}
        for unit_id in [k for k in self.cards if k not in wanted]:
            self.cards.pop(unit_id).deleteLater()
        now = self._clock()
        for position, unit in enumerate(on_duty):
            card = self.cards.get(unit.id)
            if card is None:
                card = self.cards[unit.id] = UnitCard(unit)
                card.clicked.connect(self.select)
                card.sighting_dropped.connect(self.dispatch_requested)
            if self._layout.indexOf(card) != position:
                self._layout.insertWidget(position, card)
            card.show_unit(unit, now, self.welfare_minutes)
        self.radio.set_others(on_duty)
        off = [u.call_sign for u in units if u.status == OFF_DUTY]
        self.off_duty.setText(f"Off duty: {', '.join(off)}" if off else "")
        self.off_duty.setVisible(bool(off))
        if self.selected_id not in self.cards:
            self.selected_id = None
        self._show_selection()

    def show_message(self, text: str, problem: bool = False) -> None:
        """What the last dispatch action did, or why it was refused (kept until the next)."""
        self.message.setText(text)
        self.message.setProperty("problem", problem)
        self.message.style().unpolish(self.message)
        self.message.style().polish(self.message)
        self.message.setVisible(bool(text))

    def refresh_times(self) -> None:
        now = self._clock()
        for card in self.cards.values():
            card.show_unit(card.unit, now, self.welfare_minutes)

    def select(self, unit_id: int | None) -> None:
        self.selected_id = unit_id if unit_id in self.cards else None
        self._show_selection()

    def _show_selection(self) -> None:
        for unit_id, card in self.cards.items():
            card.set_selected(unit_id == self.selected_id)
        unit = self.selected_unit
        self.radio.show_unit(unit)
        if self.selected_id != self._announced:
            self._announced = self.selected_id
            self.selection_changed.emit(unit)

    def step(self, delta: int) -> None:
        """Move the selection up or down the cards (keys)."""
        items = (self._layout.itemAt(i) for i in range(self._layout.count()))
        ids = [w.unit.id for item in items if item is not None and isinstance(w := item.widget(), UnitCard)]
        if not ids:
            return
        current = ids.index(self.selected_id) if self.selected_id in ids else -1
        self.select(ids[max(0, min(len(ids) - 1, current + delta))])

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if not self.radio.line.hasFocus():
            for action, delta in (("board.up", -1), ("board.down", 1)):
                if event.keyCombination() == key_combination(action):
                    self.step(delta)
                    return
        super().keyPressEvent(event)
