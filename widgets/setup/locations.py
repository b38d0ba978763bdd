"""The Locations tab: streets and zones, and whether each lies in the prescribed area."""

from __future__ import annotations

from widgets.setup.fields import FLAG, Field
from widgets.setup.section import SectionTab


def locations_tab() -> SectionTab:
    fields = [
        Field("key", "Key", hint="station-rd", max_length=60),
        Field("name", "Name", hint="Station Road", max_length=200),
        Field("prescribed_area", "Prescribed area", FLAG, hint="lies in the prescribed area (the policies apply)"),
    ]
    columns = [("Key", "key"), ("Name", "name"), ("Prescribed area", "prescribed_area")]
    return SectionTab("locations", "location", fields, columns)
