"""The Categories tab: what a sighting can be tagged as (sex worker, kerb crawler, vehicle ...)."""

from __future__ import annotations

from widgets.setup.fields import CHOICE, Field
from widgets.setup.section import SectionTab


def categories_tab(kinds: tuple[str, ...]) -> SectionTab:
    fields = [
        Field("key", "Key", hint="kerb-crawler", max_length=60),
        Field("label", "Label", hint="Kerb crawler", max_length=120),
        Field("kind", "Kind", CHOICE, choices=kinds, default=kinds[0] if kinds else ""),
        Field("subject_prefix", "Subject prefix", hint="KC (references KC-001 ...)", max_length=8),
    ]
    columns = [("Key", "key"), ("Label", "label"), ("Kind", "kind"), ("Prefix", "subject_prefix")]
    return SectionTab(
        "categories", "category", fields, columns, when="New categories show in the tag panel after a restart."
    )
