"""The Tiers tab: the operation's tiers (number, name, the day each starts)."""

from __future__ import annotations

from widgets.setup.fields import DAY, NUMBER, Field
from widgets.setup.section import SectionTab


def tiers_tab() -> SectionTab:
    fields = [
        Field("number", "Tier number", NUMBER, low=1, high=99, default=1),
        Field("name", "Name", hint="Engagement and high-visibility patrols"),
        Field("start_date", "Starts on", DAY),
    ]
    columns = [("Tier", "number"), ("Name", "name"), ("Starts", "start_date")]
    return SectionTab(
        "tiers", "tier", fields, columns, when="A tier applies from its first day (letters, three strikes)."
    )
