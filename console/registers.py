"""The subject and vehicle registers, and special-category data about subjects.

Ethnicity, health, dependency and vulnerability are special-category personal data: only roles
that `can()` see or change them, every viewing is itself a record entry (the audit), and they
never reach the video wall (no wall code asks for them)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Integer, func, select
from sqlalchemy.orm import Session

from console.access import require
from console.policy import REFERRAL, WARNING
from console.record import ActionContext, EntryDraft, RecordService
from console.retention import erased_words, shown_vrm
from console.sightings import STOP_CHECK, WARNING_LETTER
from console.text import clean_text
from console.types import ActionResult, Actor
from storage.db import Database
from storage.models import Outcome, Sighting, Subject, SubjectSensitive, Vehicle

SENSITIVE_FIELDS = ("ethnicity", "health", "dependency", "vulnerability")
_LIMITS = {"ethnicity": 60, "health": 2000, "dependency": 2000, "vulnerability": 2000}


@dataclass(frozen=True)
class SubjectRow:
    id: int
    reference: str
    category_key: str
    description: str
    age_band: str
    locality: str
    sightings: int
    last_seen: datetime | None
    warnings: int
    referrals: int
    erased_at: datetime | None = None  # personal details erased (retention or a request)


@dataclass(frozen=True)
class VehicleRow:
    id: int
    vrm: str
    foreign_format: bool
    make: str
    model: str
    colour: str
    seen_7_days: int
    seen_28_days: int
    sightings: int
    last_seen: datetime | None
    letters: int
    stop_checks: int
    erased_at: datetime | None = None


@dataclass(frozen=True)
class SensitiveData:
    subject_id: int
    ethnicity: str = ""
    health: str = ""
    dependency: str = ""
    vulnerability: str = ""


class RegisterService:
    def __init__(self, db: Database, record: RecordService) -> None:
        self._db = db
        self._record = record

    def subjects(self, operation_id: int, text: str = "", limit: int = 500) -> list[SubjectRow]:
        fragment = text.strip().lower()
        with self._db.read() as s:
            seen = (
                select(Sighting.subject_id, func.count().label("n"), func.max(Sighting.captured_at).label("last"))
                .where(Sighting.operation_id == operation_id, Sighting.subject_id.is_not(None))
                .group_by(Sighting.subject_id)
                .subquery()
            )
            query = (
                select(Subject, seen.c.n, seen.c.last)
                .outerjoin(seen, seen.c.subject_id == Subject.id)
                .where(Subject.operation_id == operation_id)
                .order_by(Subject.reference)
                .limit(limit)
            )
            if fragment:
                query = query.where(
                    func.lower(Subject.reference).contains(fragment, autoescape=True)
                    | func.lower(Subject.description).contains(fragment, autoescape=True)
                )
            rows = s.execute(query).all()
            outcome_counts = _outcome_counts(s, operation_id, "subject_id", [r[0].id for r in rows])
            return [
                SubjectRow(
                    x.id,
                    x.reference,
                    x.category_key,
                    erased_words(x.erased_at) or x.description,
                    x.age_band,
                    x.locality,
                    int(n or 0),
                    last,
                    outcome_counts.get((x.id, WARNING), 0),
                    outcome_counts.get((x.id, REFERRAL), 0),
                    x.erased_at,
                )
                for x, n, last in rows
            ]

    def vehicles(self, operation_id: int, text: str = "", limit: int = 500) -> list[VehicleRow]:
        now = datetime.now(UTC)
        fragment = text.replace(" ", "").upper()
        with self._db.read() as s:
            seen = (
                select(
                    Sighting.vehicle_id,
                    func.count().label("n"),
                    func.max(Sighting.captured_at).label("last"),
                    func.sum((Sighting.captured_at >= now - timedelta(days=7)).cast(Integer)).label("n7"),
                    func.sum((Sighting.captured_at >= now - timedelta(days=28)).cast(Integer)).label("n28"),
                )
                .where(Sighting.operation_id == operation_id, Sighting.vehicle_id.is_not(None))
                .group_by(Sighting.vehicle_id)
                .subquery()
            )
            query = (
                select(Vehicle, seen.c.n, seen.c.last, seen.c.n7, seen.c.n28)
                .outerjoin(seen, seen.c.vehicle_id == Vehicle.id)
                .where(Vehicle.operation_id == operation_id)
                .order_by(seen.c.last.desc().nulls_last(), Vehicle.vrm)
                .limit(limit)
            )
            if fragment:
                query = query.where(Vehicle.vrm_key.contains(fragment, autoescape=True))
            rows = s.execute(query).all()
            counts = _outcome_counts(s, operation_id, "vehicle_id", [r[0].id for r in rows])
            return [
                VehicleRow(
                    v.id,
                    shown_vrm(v),
                    v.foreign_format,
                    v.make,
                    v.model,
                    v.colour,
                    int(n7 or 0),
                    int(n28 or 0),
                    int(n or 0),
                    last,
                    counts.get((v.id, WARNING_LETTER), 0),
                    counts.get((v.id, STOP_CHECK), 0),
                    v.erased_at,
                )
                for v, n, last, n7, n28 in rows
            ]

    # -- special-category data ------------------------------------------------------------------

    def read_sensitive(self, actor: Actor, operation_id: int, subject_id: int, reason: str) -> SensitiveData:
        """Show a subject's special-category data; the viewing is written to the record first."""
        reason = clean_text(reason, "Reason for viewing", 300, required=True)
        found: dict[str, SensitiveData] = {}

        def audit(ctx: ActionContext) -> EntryDraft:
            subject = _subject(ctx, operation_id, subject_id)
            row = ctx.session.get(SubjectSensitive, subject_id)
            found["data"] = SensitiveData(subject_id, *(getattr(row, f) if row else "" for f in SENSITIVE_FIELDS))
            return EntryDraft(
                kind="sensitive.viewed",
                text=f"{actor.display_name} viewed special-category data of {subject.reference}",
                ref_type="subject",
                ref_id=str(subject_id),
                payload={"reason": reason},
            )

        self._record.perform(actor, "sensitive.read", audit, operation_id=operation_id)
        return found["data"]

    def write_sensitive(self, actor: Actor, operation_id: int, data: SensitiveData) -> ActionResult:
        require(actor, "sensitive.write")
        values = {f: clean_text(getattr(data, f), f.capitalize(), _LIMITS[f], multiline=True) for f in SENSITIVE_FIELDS}

        def write(ctx: ActionContext) -> EntryDraft:
            subject = _subject(ctx, operation_id, data.subject_id)
            row = ctx.session.get(SubjectSensitive, data.subject_id) or SubjectSensitive(subject_id=data.subject_id)
            for name, value in values.items():
                setattr(row, name, value)
            ctx.session.add(row)
            ctx.session.flush()
            return EntryDraft(
                kind="sensitive.updated",
                text=f"Special-category data of {subject.reference} updated",
                ref_type="subject",
                ref_id=str(data.subject_id),
            )

        return self._record.perform(actor, "sensitive.write", write, operation_id=operation_id)


def _subject(ctx: ActionContext, operation_id: int, subject_id: int) -> Subject:
    subject = ctx.session.get(Subject, subject_id)
    if subject is None or subject.operation_id != operation_id:
        raise LookupError(f"no subject {subject_id} in this operation")
    return subject


def _outcome_counts(s: Session, operation_id: int, column: str, ids: list[int]) -> dict[tuple[int, str], int]:
    if not ids:
        return {}
    key = getattr(Outcome, column)
    rows = s.execute(
        select(key, Outcome.kind, func.count())
        .where(Outcome.operation_id == operation_id, key.in_(ids))
        .group_by(key, Outcome.kind)
    ).all()
    return {(int(k), kind): int(n) for k, kind, n in rows}
