"""The Teams & units tab: the teams on duty, and their patrol units (pairs) with call signs."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QSplitter, QVBoxLayout, QWidget

from widgets.setup.fields import CHOICE, REFERENCE, Field
from widgets.setup.section import SectionTab


class TeamsUnitsTab(QWidget):
    def __init__(self, unit_kinds: tuple[str, ...], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.teams = SectionTab(
            "teams",
            "team",
            [Field("key", "Key", hint="team-a", max_length=60), Field("name", "Name", hint="Team A", max_length=120)],
            [("Key", "key"), ("Name", "name")],
        )
        self.units = SectionTab(
            "units",
            "unit",
            [
                Field("call_sign", "Call sign", hint="DS21", max_length=30),
                Field("kind", "Kind", CHOICE, choices=unit_kinds, default=unit_kinds[0] if unit_kinds else ""),
                Field("team", "Team", REFERENCE),
            ],
            [("Call sign", "call_sign"), ("Kind", "kind"), ("Team", "team")],
            retirable=True,
            when="The board shows new, changed and retired units within seconds.",
        )
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.teams)
        split.addWidget(self.units)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(split)
