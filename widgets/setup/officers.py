"""The Officers tab: the roster (collar number, name, Special Constable, team, usual unit)."""

from __future__ import annotations

from widgets.setup.fields import FLAG, REFERENCE, Field
from widgets.setup.section import SectionTab


def officers_tab() -> SectionTab:
    fields = [
        Field("collar_number", "Collar number", hint="4417", max_length=30),
        Field("name", "Name", max_length=120),
        Field("special_constable", "Special Constable", FLAG, hint="a volunteer Special Constable"),
        Field("team", "Team", REFERENCE),
        Field("unit", "Usual unit", REFERENCE),
    ]
    columns = [("Collar", "collar_number"), ("Name", "name"), ("Special", "special_constable"), ("Team", "team"),
               ("Unit", "unit")]  # fmt: skip
    when = "Unit cards on the board show their officers within seconds; a shift start offers the roster."
    return SectionTab("officers", "officer", fields, columns, retirable=True, when=when)
