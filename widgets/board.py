"""The dispatch board: one card per unit on duty with its status in words and minutes since the
last change. (The dispatch issue adds tasking, drag-and-drop and the radio log.)"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QLabel, QScrollArea, QVBoxLayout, QWidget

from console.types import UnitView

KIND_WORDS = {
    "plain_clothes": "Plain-clothes pair · unmarked vehicle",
    "uniformed": "Uniformed pair · marked vehicle",
    "other": "Other unit",
}
STATUS_WORDS = {
    "off_duty": "OFF DUTY",
    "available": "AVAILABLE",
    "dispatched": "DISPATCHED",
    "en_route": "EN ROUTE",
    "on_scene": "ON SCENE",
    "busy": "BUSY",
    "returning": "RETURNING",
    "urgent_assistance": "URGENT ASSISTANCE",
}


def minutes_since(since: datetime | None, now: datetime) -> str:
    if since is None:
        return ""
    minutes = max(0, int((now - since).total_seconds() // 60))
    return f"{minutes} min"


class UnitCard(QFrame):
    def __init__(self, unit: UnitView, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("unitCard")
        self.setMinimumWidth(380)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.call_sign = QLabel()
        self.call_sign.setObjectName("callSign")
        self.status = QLabel()
        self.status.setObjectName("unitStatus")
        self.kind = QLabel()
        self.kind.setWordWrap(True)
        self.officers = QLabel()
        self.officers.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 8, 10, 8)
        layout.setSpacing(2)
        for w in (self.call_sign, self.status, self.kind, self.officers):
            layout.addWidget(w)
        self.unit = unit
        self.show_unit(unit, datetime.now(UTC))

    def show_unit(self, unit: UnitView, now: datetime) -> None:
        self.unit = unit
        self.call_sign.setText(f"{unit.call_sign}  ·  {unit.team}" if unit.team else unit.call_sign)
        elapsed = minutes_since(unit.status_since, now)
        self.status.setText(STATUS_WORDS.get(unit.status, unit.status.upper()) + (f"  ·  {elapsed}" if elapsed else ""))
        self.status.setProperty("status", unit.status)
        self.status.style().unpolish(self.status)
        self.status.style().polish(self.status)
        self.kind.setText(KIND_WORDS.get(unit.kind, unit.kind))
        self.officers.setText(", ".join(unit.officers) or "No officers assigned")


class DispatchBoard(QScrollArea):
    def __init__(
        self, clock: Callable[[], datetime] = lambda: datetime.now(UTC), parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("dispatchBoard")
        self.setWidgetResizable(True)
        self._clock = clock
        self._body = QWidget()
        self._layout = QVBoxLayout(self._body)
        self._layout.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.setWidget(self._body)
        self.cards: dict[int, UnitCard] = {}

    def show_units(self, units: Sequence[UnitView]) -> None:
        now = self._clock()
        wanted = {u.id for u in units}
        for unit_id in [k for k in self.cards if k not in wanted]:
            self.cards.pop(unit_id).deleteLater()
        for unit in units:
            card = self.cards.get(unit.id)
            if card is None:
                card = self.cards[unit.id] = UnitCard(unit)
                self._layout.addWidget(card)
            else:
                card.show_unit(unit, now)
