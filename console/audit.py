"""The audit trail: the record entries an auditor looks at (logins and locks, special-category
data seen or changed, exports and footage viewed, cameras lost and recording gaps, changes to
settings and templates), listed newest first and filtered by kind, operator, time and words.
Filters are bound parameters; the text typed never becomes SQL."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, func, or_, select

from console.access import require
from console.record import RecordService
from console.text import clean_text
from console.types import Actor, EntryView
from storage.models import RecordEntry

# Group -> kinds (a kind ending in "." is a prefix).
AUDIT_GROUPS: dict[str, tuple[str, ...]] = {
    "Logins and locks": ("auth.", "operator."),
    "Special-category data": ("sensitive.",),
    "Exports and footage viewed": ("evidence.", "footage.viewed", "letter.printed"),
    "Cameras and recording": ("camera.", "recording.gap", "recording.resumed", "recording.purged",
                              "recording.started", "recording.stopped"),
    "Settings and templates": ("letters.", "operation."),
}  # fmt: skip
ALL_GROUPS = "Everything audited"
TEXT_LIMIT = 200


@dataclass(frozen=True)
class AuditFilter:
    group: str = ALL_GROUPS
    operator: str = ""
    since: datetime | None = None
    until: datetime | None = None
    text: str = ""


def _kinds(group: str) -> ColumnElement[bool]:
    if group == ALL_GROUPS:
        kinds = tuple(k for ks in AUDIT_GROUPS.values() for k in ks)
    elif group in AUDIT_GROUPS:
        kinds = AUDIT_GROUPS[group]
    else:
        raise ValueError(f"Unknown audit group {group!r}; choose one of: {', '.join(AUDIT_GROUPS)}")
    return or_(*(RecordEntry.kind.startswith(k, autoescape=True) if k.endswith(".") else RecordEntry.kind == k
                 for k in kinds))  # fmt: skip


def audit_entries(record: RecordService, actor: Actor, where: AuditFilter, limit: int = 1000) -> list[EntryView]:
    require(actor, "audit.read")
    query = select(RecordEntry).where(_kinds(where.group))
    # Typed words are checked as free text is: PostgreSQL refuses a NUL with a driver error.
    operator = clean_text(where.operator, "The operator", 60)
    if operator:
        query = query.where(RecordEntry.operator == operator.lower())
    if where.since is not None:
        query = query.where(RecordEntry.event_time >= where.since)
    if where.until is not None:
        query = query.where(RecordEntry.event_time < where.until)
    text = clean_text(where.text.strip()[:TEXT_LIMIT], "The search", TEXT_LIMIT)
    if text:
        query = query.where(func.lower(RecordEntry.text).contains(text.lower(), autoescape=True))
    return record.query(query.order_by(RecordEntry.seq.desc()).limit(limit))
