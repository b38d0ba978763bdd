"""What refers to a set-up item, which decides whether removing it deletes it or retires it:
foreign keys to its row, sightings and shifts that name it by its key as text, and record
entries (other than set-up ones) that wrote its row or are about it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage.models import Base, RecordEntry, RecordRow, Shift, Sighting, Subject

# What each section's item is called in the record ("setup.camera.added").
THING = {
    "operation": "operation",
    "tiers": "tier",
    "categories": "category",
    "locations": "location",
    "cameras": "camera",
    "masks": "mask",
    "teams": "team",
    "units": "unit",
    "officers": "officer",
    "operators": "operator",
}
# Rows that belong to an item and go with it when it is deleted.
OWN_ROWS = {"camera": ("camera_mask", "camera_credential"), "operator": ("operator_secret",)}
# Entries that only set the item up: they do not make the record refer to it.
SETUP_KINDS = ("operation.imported", "operator.first_administrator", "operator.password_set")


def model_of(table: str) -> Any:
    for mapper in Base.registry.mappers:
        if getattr(mapper.local_table, "name", None) == table:
            return mapper.class_
    raise KeyError(table)


def named_by_key(s: Session, section: str, row: Any) -> str:
    """What names a category or team by its key (as text, not a foreign key), in words."""
    if section == "categories":
        used = s.scalar(select(func.count()).select_from(Sighting).where(Sighting.category_key == row.key)) or 0
        used += s.scalar(select(func.count()).select_from(Subject).where(Subject.category_key == row.key)) or 0
        return f"{used} sightings or subjects" if used else ""
    shifts = s.scalars(select(Shift.team_keys).where(Shift.operation_id == row.operation_id)).all()
    return "shifts" if any(row.key in keys.split(",") for keys in shifts) else ""


def references(s: Session, section: str, row: Any) -> list[str]:
    """What refers to the item, in words ("3 sighting rows", "the record"); [] if nothing does."""
    thing = THING[section]
    table = row.__table__.name
    found = []
    for other in Base.metadata.sorted_tables:
        if other.name in OWN_ROWS.get(thing, ()):
            continue
        for fk in other.foreign_keys:
            if fk.column.table.name == table and fk.column.name == "id":
                count = s.scalar(select(func.count()).select_from(other).where(fk.parent == row.id)) or 0
                if count:
                    found.append(f"{count} {other.name.replace('_', ' ')} row{'s' if count != 1 else ''}")
    if section in ("categories", "teams") and (named := named_by_key(s, section, row)):
        found.append(named)
    if section == "operators":
        entries = s.scalar(select(func.count()).select_from(RecordEntry).where(RecordEntry.operator == row.login)) or 0
        if entries:
            found.append(f"{entries} record entries by them")
    # Entries other than set-up ones that wrote the row (a shift's crews, a unit's status) or
    # are about it (a camera lost and restored).
    not_setup = (~RecordEntry.kind.like("setup.%"), RecordEntry.kind.not_in(SETUP_KINDS))
    wrote = s.scalar(
        select(func.count())
        .select_from(RecordRow)
        .join(RecordEntry, RecordEntry.seq == RecordRow.seq)
        .where(RecordRow.table == table, RecordRow.key == str(row.id), *not_setup)
    )
    about = s.scalar(
        select(func.count())
        .select_from(RecordEntry)
        .where(RecordEntry.ref_type == table, RecordEntry.ref_id == str(row.id), *not_setup)
    )
    if wrote or about:
        found.append("the record")
    return found
