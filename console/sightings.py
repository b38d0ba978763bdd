"""Sightings: a controller tags a person or vehicle on a frozen frame; the rows, the stills and
the record entry land together through the one write path. Also the registers' questions: how
often was this VRM seen, what does the three-strikes policy allow for this subject."""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np
import numpy.typing as npt
from sqlalchemy import ColumnElement, false, func, or_, select, union
from sqlalchemy.orm import Session

from console.policy import REFERRAL, WARNING, StrikesAdvice, three_strikes
from console.record import ActionContext, EntryDraft, RecordService, new_action_id
from console.retention import erased_words, shown_vrm
from console.text import clean_text
from console.tiers import tier_on
from console.types import ActionResult, Actor
from console.vrm import check_vrm, compact
from storage.db import Database
from storage.models import (
    Camera,
    Category,
    Location,
    Operator,
    Outcome,
    RecordEntry,
    Sighting,
    Subject,
    Vehicle,
)
from video.stills import Box, encode_stills

STOP_CHECK = "stop_check"
WARNING_LETTER = "warning_letter"
SEARCH_MIN = 3
SEARCH_MAX = 500  # the longest text searched: a subject's description
# Above this many matching vehicles or subjects a search filters by sub-query instead of by ids.
_MATCH_IDS_MAX = 2000


class SightingError(ValueError):
    """The tag cannot be saved as it is; the message says why, for the tag panel."""


@dataclass(frozen=True)
class CategoryView:
    key: str
    label: str
    kind: str  # person, vehicle, activity, environment
    subject_prefix: str


@dataclass(frozen=True)
class SubjectView:
    id: int
    reference: str
    category_key: str
    description: str
    age_band: str = ""
    locality: str = ""


@dataclass(frozen=True)
class NewSubject:
    description: str
    age_band: str = ""
    locality: str = ""


@dataclass(frozen=True)
class VehicleDraft:
    vrm: str
    foreign: bool = False
    make: str = ""
    model: str = ""
    colour: str = ""


@dataclass(frozen=True)
class TagDraft:
    camera_key: str
    captured_at: datetime  # the frozen frame's capture time (UTC), never the click time
    category_key: str
    image: npt.NDArray[np.uint8]  # the frozen frame, BGR or BGRA
    boxes: tuple[Box, ...] = ()
    subject_id: int | None = None
    new_subject: NewSubject | None = None
    vehicle: VehicleDraft | None = None
    direction: str = ""
    notes: str = ""


@dataclass(frozen=True)
class VehicleHistory:
    vrm: str
    seen_7_days: int
    seen_28_days: int
    last_stop_check: datetime | None = None
    last_letter: datetime | None = None

    def words(self, now: datetime) -> str:
        parts = [f"{self.vrm}: seen {self.seen_7_days} time(s) in the last 7 days, {self.seen_28_days} in 28 days"]
        for what, when in (("last stop check", self.last_stop_check), ("warning letter", self.last_letter)):
            if when is not None:
                parts.append(f"{what} {(now - when).days} days ago")
        return "; ".join(parts) + "."


@dataclass(frozen=True)
class SubjectHistory:
    reference: str
    sightings: int
    advice: StrikesAdvice | None  # None: the three-strikes policy is not for this category

    def words(self) -> str:
        text = f"{self.reference}: {self.sightings} sighting(s)."
        return f"{text} {self.advice.summary}" if self.advice else text


@dataclass(frozen=True)
class SightingSaved:
    result: ActionResult
    sighting_id: int
    subject_reference: str = ""
    vrm: str = ""
    what_next: tuple[str, ...] = ()
    subject_id: int | None = None


@dataclass(frozen=True)
class SightingView:
    id: int
    captured_at: datetime
    category_key: str
    category_label: str
    camera_name: str
    location: str
    in_prescribed_area: bool
    operator: str
    subject_reference: str = ""
    vrm: str = ""
    notes: str = ""
    still_path: str = ""
    boxes: tuple[Box, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class SightingFilter:
    category_key: str = ""
    camera_key: str = ""
    since: datetime | None = None
    until: datetime | None = None
    text: str = ""  # a VRM or subject fragment of 3 or more characters


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _write_file(path: Path, data: bytes) -> None:
    """Write and fsync under a temporary name, then rename: a still is whole or absent."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    with open(partial, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    partial.replace(path)


class SightingService:
    def __init__(self, db: Database, record: RecordService, stills_dir: Path) -> None:
        self._db = db
        self._record = record
        self.stills_dir = stills_dir

    # -- reference data ---------------------------------------------------------------------

    def categories(self, operation_id: int) -> list[CategoryView]:
        with self._db.read() as s:
            rows = s.scalars(select(Category).filter_by(operation_id=operation_id).order_by(Category.id))
            return [CategoryView(c.key, c.label, c.kind, c.subject_prefix or "") for c in rows]

    def search_subjects(
        self, operation_id: int, text: str, category_key: str = "", limit: int = 20
    ) -> list[SubjectView]:
        """Subjects whose reference or description contains ``text`` (any case)."""
        query = select(Subject).where(Subject.operation_id == operation_id)
        if category_key:
            query = query.where(Subject.category_key == category_key)
        # Checked as typed text is: no stored text holds a control character, and PostgreSQL
        # refuses a NUL outright, so one typed is refused with a message, not a driver error.
        fragment = clean_text(text, "The search", SEARCH_MAX)
        if fragment:
            like = f"%{_escape_like(fragment.lower())}%"
            query = query.where(
                or_(
                    func.lower(Subject.reference).like(like, escape="\\"),
                    func.lower(Subject.description).like(like, escape="\\"),
                )
            )
        with self._db.read() as s:
            rows = s.scalars(query.order_by(Subject.reference).limit(limit))
            return [_subject_view(x) for x in rows]

    def next_reference(self, operation_id: int, category_key: str) -> str:
        with self._db.read() as s:
            category = s.scalars(select(Category).filter_by(operation_id=operation_id, key=category_key)).first()
            if category is None or not category.subject_prefix:
                raise SightingError(f"category {category_key!r} does not keep subject profiles")
            return _next_reference(s, operation_id, category.subject_prefix)

    # -- saving a tag -------------------------------------------------------------------------

    def save(
        self,
        actor: Actor,
        operation_id: int,
        draft: TagDraft,
        *,
        action_id: str | None = None,
        event_time: datetime | None = None,
    ) -> SightingSaved:
        action_id = action_id or new_action_id()
        notes = clean_text(draft.notes, "Notes", 2000, multiline=True)
        direction = clean_text(draft.direction, "Direction of travel", 40)
        vehicle, vrm_check = None, None
        if draft.vehicle is not None and draft.vehicle.vrm.strip():
            vrm_check = check_vrm(draft.vehicle.vrm, foreign=draft.vehicle.foreign)
            if not vrm_check.ok:
                raise SightingError(vrm_check.problem)
            vehicle = VehicleDraft(
                vrm_check.vrm,
                vrm_check.foreign,
                clean_text(draft.vehicle.make, "Make", 60),
                clean_text(draft.vehicle.model, "Model", 60),
                clean_text(draft.vehicle.colour, "Colour", 40),
            )
        new_subject = None
        if draft.new_subject is not None:
            new_subject = NewSubject(
                clean_text(draft.new_subject.description, "Subject description", 500, required=True),
                clean_text(draft.new_subject.age_band, "Age band", 20),
                clean_text(draft.new_subject.locality, "Locality", 120),
            )
        captured = draft.captured_at
        if captured.tzinfo is None:
            raise SightingError("the frame's capture time has no time zone")
        boxed, clean = encode_stills(draft.image, draft.boxes)
        day = captured.astimezone(UTC).strftime("%Y-%m-%d")
        folder = self.stills_dir / str(operation_id) / day
        boxed_path, clean_path = folder / f"{action_id}-boxed.jpg", folder / f"{action_id}-clean.jpg"
        _write_file(boxed_path, boxed)
        _write_file(clean_path, clean)

        outcome: dict[str, str | int] = {}

        def write(ctx: ActionContext) -> EntryDraft:
            s = ctx.session
            category = s.scalars(select(Category).filter_by(operation_id=operation_id, key=draft.category_key)).first()
            if category is None:
                raise SightingError(f"unknown category {draft.category_key!r}")
            camera = s.scalars(select(Camera).filter_by(operation_id=operation_id, key=draft.camera_key)).first()
            if camera is None:
                raise SightingError(f"unknown camera {draft.camera_key!r}")
            location = s.get(Location, camera.location_id) if camera.location_id else None
            if category.kind == "vehicle" and vehicle is None:
                raise SightingError("A vehicle sighting needs the registration mark (VRM).")
            if category.kind == "person" and draft.subject_id is None and new_subject is None:
                raise SightingError(f"Pick the {category.label.lower()} seen, or create a new subject.")
            subject_id, reference = None, ""
            if draft.subject_id is not None:
                subject = s.get(Subject, draft.subject_id)
                if subject is None or subject.operation_id != operation_id:
                    raise SightingError(f"no subject {draft.subject_id} in this operation")
                subject_id, reference = subject.id, subject.reference
            elif new_subject is not None:
                if not category.subject_prefix:
                    raise SightingError(f"{category.label} sightings do not keep subject profiles")
                ctx.serialise()
                reference = _next_reference(s, operation_id, category.subject_prefix)
                subject = Subject(
                    operation_id=operation_id,
                    reference=reference,
                    category_key=category.key,
                    description=new_subject.description,
                    age_band=new_subject.age_band,
                    locality=new_subject.locality,
                    created_at=ctx.event_time,
                )
                s.add(subject)
                s.flush()
                subject_id = subject.id
            vehicle_id = None
            if vehicle is not None:
                row = s.scalars(select(Vehicle).filter_by(operation_id=operation_id, vrm=vehicle.vrm)).first()
                if row is None:
                    row = Vehicle(operation_id=operation_id, vrm=vehicle.vrm, foreign_format=vehicle.foreign)
                    s.add(row)
                for name in ("make", "model", "colour"):
                    value = getattr(vehicle, name)
                    if value and getattr(row, name) != value:
                        setattr(row, name, value)
                s.flush()
                vehicle_id = row.id
            sighting = Sighting(
                operation_id=operation_id,
                category_key=category.key,
                captured_at=captured.astimezone(UTC),
                camera_id=camera.id,
                location_id=location.id if location else None,
                in_prescribed_area=bool(location and location.in_prescribed_area),
                operator_id=_operator_id(actor),
                subject_id=subject_id,
                vehicle_id=vehicle_id,
                direction=direction,
                boxes=json.dumps([list(b) for b in draft.boxes]),
                notes=notes,
                still_path=str(boxed_path),
                still_sha256=_sha256(boxed),
                clean_still_path=str(clean_path),
                clean_still_sha256=_sha256(clean),
            )
            s.add(sighting)
            s.flush()
            outcome.update(id=sighting.id, reference=reference)
            # Personal data (VRM, subject) stays in the rows; the entry refers to them.
            return EntryDraft(
                kind="sighting.tagged",
                text=f"{category.label} tagged on {camera.name}",
                ref_type="sighting",
                ref_id=str(sighting.id),
                payload={
                    "category": category.key,
                    "camera": camera.key,
                    "captured_at": captured.astimezone(UTC).isoformat(),
                    "boxes": len(draft.boxes),
                    "still_sha256": sighting.still_sha256,
                    "clean_still_sha256": sighting.clean_still_sha256,
                },
            )

        try:
            result = self._record.perform(
                actor, "sighting.tag", write, operation_id=operation_id, action_id=action_id, event_time=event_time
            )
        except BaseException:
            for path in (boxed_path, clean_path):
                path.unlink(missing_ok=True)
            raise
        sighting_id = int(result.ref_id) if result.ref_id else int(outcome.get("id", 0))
        return self._saved(operation_id, result, sighting_id)

    def _saved(self, operation_id: int, result: ActionResult, sighting_id: int) -> SightingSaved:
        """What matters next, shown at save time: the VRM's history, the subject's strikes."""
        now = datetime.now(UTC)
        with self._db.read() as s:
            sighting = s.get(Sighting, sighting_id)
            assert sighting is not None
            vrm = reference = ""
            next_steps = []
            if sighting.vehicle_id is not None:
                history = _vehicle_history(s, operation_id, sighting.vehicle_id, now)
                vrm = history.vrm
                next_steps.append(history.words(now))
            if sighting.subject_id is not None:
                subject_history = _subject_history(s, operation_id, sighting.subject_id, sighting.in_prescribed_area)
                reference = subject_history.reference
                next_steps.append(subject_history.words())
        return SightingSaved(result, sighting_id, reference, vrm, tuple(next_steps), sighting.subject_id)

    # -- corrections --------------------------------------------------------------------------------

    def correct(
        self,
        actor: Actor,
        operation_id: int,
        sighting_id: int,
        reason: str,
        *,
        notes: str | None = None,
        vehicle: VehicleDraft | None = None,
        action_id: str | None = None,
    ) -> ActionResult:
        """A correction is a new record entry that refers to the entry it corrects; the domain
        row then holds the corrected value (verify checks it against the new entry's digest)."""
        reason = clean_text(reason, "Reason for the correction", 500, required=True)
        new_notes = clean_text(notes, "Notes", 2000, multiline=True) if notes is not None else None
        check = None
        if vehicle is not None:
            check = check_vrm(vehicle.vrm, foreign=vehicle.foreign)
            if not check.ok:
                raise SightingError(check.problem)

        def write(ctx: ActionContext) -> EntryDraft:
            s = ctx.session
            sighting = s.get(Sighting, sighting_id)
            if sighting is None or sighting.operation_id != operation_id:
                raise SightingError(f"no sighting {sighting_id} in this operation")
            original = s.scalar(
                select(RecordEntry.seq)
                .where(RecordEntry.ref_type == "sighting", RecordEntry.ref_id == str(sighting_id))
                .order_by(RecordEntry.seq)
                .limit(1)
            )
            changed = []
            if new_notes is not None and new_notes != sighting.notes:
                sighting.notes = new_notes
                changed.append("notes")
            if check is not None:
                current = s.get(Vehicle, sighting.vehicle_id) if sighting.vehicle_id else None
                if current is None or current.vrm != check.vrm:
                    row = s.scalars(select(Vehicle).filter_by(operation_id=operation_id, vrm=check.vrm)).first()
                    if row is None:
                        row = Vehicle(operation_id=operation_id, vrm=check.vrm, foreign_format=check.foreign)
                        s.add(row)
                        s.flush()
                    sighting.vehicle_id = row.id
                    changed.append("vehicle")
            if not changed:
                raise SightingError("Nothing was changed, so there is nothing to correct.")
            s.flush()
            return EntryDraft(
                kind="sighting.corrected",
                text=f"Sighting {sighting_id} corrected: {', '.join(changed)}",
                ref_type="sighting",
                ref_id=str(sighting_id),
                payload={"changed": changed, "reason": reason},
                corrects_seq=original,
            )

        return self._record.perform(actor, "sighting.tag", write, operation_id=operation_id, action_id=action_id)

    # -- registers ------------------------------------------------------------------------------

    def vehicle_history(self, operation_id: int, vrm: str) -> VehicleHistory | None:
        now = datetime.now(UTC)
        with self._db.read() as s:
            target = compact(vrm)
            vehicle_id = s.scalars(
                select(Vehicle.id).where(Vehicle.operation_id == operation_id, Vehicle.vrm_key == target)
            ).first()
            return _vehicle_history(s, operation_id, vehicle_id, now) if vehicle_id is not None else None

    def subject_history(self, operation_id: int, subject_id: int, in_prescribed_area: bool = True) -> SubjectHistory:
        with self._db.read() as s:
            return _subject_history(s, operation_id, subject_id, in_prescribed_area)

    def moment(self, operation_id: int, sighting_id: int) -> tuple[datetime, str] | None:
        """(frame's capture time, camera key) of a sighting, for footage around it."""
        with self._db.read() as s:
            row = s.execute(
                select(Sighting.captured_at, Camera.key)
                .join(Camera, Camera.id == Sighting.camera_id)
                .where(Sighting.operation_id == operation_id, Sighting.id == sighting_id)
            ).first()
        return (row.captured_at, row.key) if row else None

    def list(self, operation_id: int, where: SightingFilter | None = None, limit: int = 200) -> list[SightingView]:
        """Newest first, filtered; text matches a VRM (spaces ignored) or a subject reference or
        description, and needs 3 or more characters."""
        where = where or SightingFilter()
        query = (
            select(Sighting, Category, Camera, Location, Operator, Subject, Vehicle)
            .join(Category, (Category.operation_id == Sighting.operation_id) & (Category.key == Sighting.category_key))
            .outerjoin(Camera, Camera.id == Sighting.camera_id)
            .outerjoin(Location, Location.id == Sighting.location_id)
            .join(Operator, Operator.id == Sighting.operator_id)
            .outerjoin(Subject, Subject.id == Sighting.subject_id)
            .outerjoin(Vehicle, Vehicle.id == Sighting.vehicle_id)
            .where(Sighting.operation_id == operation_id)
        )
        if where.category_key:
            query = query.where(Sighting.category_key == where.category_key)
        if where.camera_key:
            query = query.where(Camera.key == where.camera_key)
        if where.since is not None:
            query = query.where(Sighting.captured_at >= where.since)
        if where.until is not None:
            query = query.where(Sighting.captured_at < where.until)
        fragment = clean_text(where.text, "The search", SEARCH_MAX)  # as in search_subjects
        with self._db.read() as s:
            if fragment:
                query = query.where(self._text_match(s, operation_id, fragment))
            query = query.order_by(Sighting.captured_at.desc(), Sighting.id.desc()).limit(limit)
            rows = s.execute(query).all()
        return [
            SightingView(
                id=x.id,
                captured_at=x.captured_at,
                category_key=x.category_key,
                category_label=cat.label,
                camera_name=cam.name if cam else "",
                location=loc.name if loc else "",
                in_prescribed_area=x.in_prescribed_area,
                operator=op.display_name,
                subject_reference=subj.reference if subj else "",
                vrm=shown_vrm(veh),
                notes=erased_words(x.erased_at) or x.notes,
                still_path=x.still_path,
                boxes=tuple(tuple(b) for b in json.loads(x.boxes or "[]")),  # type: ignore[misc]
            )
            for x, cat, cam, loc, op, subj, veh in rows
        ]

    @staticmethod
    def _text_match(s: Session, operation_id: int, fragment: str) -> ColumnElement[bool]:
        """Sightings whose vehicle's VRM (spaces ignored) or subject's reference or description
        holds the fragment.

        On PostgreSQL in two steps: the matching vehicles and subjects first (a trigram index
        finds the VRMs), then their sightings by those ids. Given only a sub-query it guesses
        hundreds of matches and walks every sighting by time."""
        if len(fragment) < SEARCH_MIN:
            raise SightingError(f"Type at least {SEARCH_MIN} characters to search.")
        vrm_like = f"%{_escape_like(compact(fragment))}%"
        text_like = f"%{_escape_like(fragment.lower())}%"
        vehicles = select(Vehicle.id).where(
            Vehicle.operation_id == operation_id,
            Vehicle.vrm_key.like(vrm_like, escape="\\"),
        )
        subjects = select(Subject.id).where(
            Subject.operation_id == operation_id,
            or_(
                func.lower(Subject.reference).like(text_like, escape="\\"),
                func.lower(Subject.description).like(text_like, escape="\\"),
            ),
        )
        if s.get_bind().dialect.name == "sqlite":
            # SQLite plans the sub-queries well: it walks each index for a union (given an OR
            # it would walk every sighting by time).
            return Sighting.id.in_(
                union(
                    select(Sighting.id).where(Sighting.vehicle_id.in_(vehicles)),
                    select(Sighting.id).where(Sighting.subject_id.in_(subjects)),
                )
            )
        vehicle_ids = list(s.scalars(vehicles.limit(_MATCH_IDS_MAX + 1)))
        subject_ids = list(s.scalars(subjects.limit(_MATCH_IDS_MAX + 1)))
        if len(vehicle_ids) > _MATCH_IDS_MAX or len(subject_ids) > _MATCH_IDS_MAX:
            # Too many to list: filter by sub-query (the newest sightings hold enough of them).
            return or_(Sighting.vehicle_id.in_(vehicles), Sighting.subject_id.in_(subjects))
        # Only the halves that matched, so the planner sees one plain index condition when it can.
        found = [
            column.in_(ids)
            for column, ids in ((Sighting.vehicle_id, vehicle_ids), (Sighting.subject_id, subject_ids))
            if ids
        ]
        return or_(*found) if found else false()


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _subject_view(x: Subject) -> SubjectView:
    description = erased_words(x.erased_at) or x.description
    return SubjectView(x.id, x.reference, x.category_key, description, x.age_band, x.locality)


def _operator_id(actor: Actor) -> int:
    if actor.operator_id is None:
        raise SightingError(f"{actor.login} is not an operator of this database")
    return actor.operator_id


def _next_reference(s: Session, operation_id: int, prefix: str) -> str:
    refs = s.scalars(
        select(Subject.reference).where(Subject.operation_id == operation_id, Subject.reference.like(f"{prefix}-%"))
    ).all()
    numbers = [int(m.group(1)) for r in refs if (m := re.fullmatch(rf"{re.escape(prefix)}-(\d+)", r))]
    return f"{prefix}-{max(numbers, default=0) + 1:03d}"


def _vehicle_history(s: Session, operation_id: int, vehicle_id: int, now: datetime) -> VehicleHistory:
    vehicle = s.get(Vehicle, vehicle_id)
    assert vehicle is not None

    def seen_since(days: int) -> int:
        return int(
            s.scalar(
                select(func.count())
                .select_from(Sighting)
                .where(Sighting.vehicle_id == vehicle_id, Sighting.captured_at >= now - timedelta(days=days))
            )
            or 0
        )

    def last(kind: str) -> datetime | None:
        return s.scalar(
            select(func.max(Outcome.recorded_at)).where(
                Outcome.operation_id == operation_id, Outcome.vehicle_id == vehicle_id, Outcome.kind == kind
            )
        )

    return VehicleHistory(vehicle.vrm, seen_since(7), seen_since(28), last(STOP_CHECK), last(WARNING_LETTER))


def _subject_history(s: Session, operation_id: int, subject_id: int, in_prescribed_area: bool) -> SubjectHistory:
    subject = s.get(Subject, subject_id)
    assert subject is not None
    sightings = int(s.scalar(select(func.count()).select_from(Sighting).where(Sighting.subject_id == subject_id)) or 0)
    if subject.category_key != "sex_worker":
        return SubjectHistory(subject.reference, sightings, None)
    counts = dict(
        s.execute(
            select(Outcome.kind, func.count())
            .where(Outcome.subject_id == subject_id, Outcome.kind.in_([WARNING, REFERRAL]))
            .group_by(Outcome.kind)
        ).all()
    )
    advice = three_strikes(
        counts.get(WARNING, 0), counts.get(REFERRAL, 0), _tier_number(s, operation_id), in_prescribed_area
    )
    return SubjectHistory(subject.reference, sightings, advice)


def _tier_number(s: Session, operation_id: int) -> int:
    return tier_on(s, operation_id, date.today())
