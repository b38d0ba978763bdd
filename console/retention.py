"""Retention: erase personal data that has passed its period and is not held as evidence.

Footage past the operation's video retention is purged (console.footage does it, holds
respected). Record data past `record_retention_days` loses its personal parts: stills, notes and
boxes of sightings; subjects' details and special-category data; vehicles' VRM, make, model and
colour; warning letters' keeper details and body; community reports' words. The rows stay, with
`erased_at` set, so counts and the record's references hold; the write path digests their new
state into a `retention.erasure` entry (references and counts, never the data), so `record
verify` still passes. Work goes in batches, one transaction each.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, or_, select
from sqlalchemy.orm import Session

from console.access import require
from console.footage import FootageIndex
from console.record import ActionContext, EntryDraft, RecordService, utc_now
from console.types import Actor
from console.verify import ERASURE_KIND  # verify marks the rows such an entry deletes as gone
from storage.db import Database
from storage.models import (
    CommunityReport,
    EvidenceHold,
    Operation,
    Outcome,
    RecordEntry,
    Sighting,
    Subject,
    SubjectSensitive,
    SupportOrder,
    Tasking,
    Vehicle,
    WarningLetter,
)

log = logging.getLogger("sentinel.retention")

RUN_KIND = "retention.run"
BATCH = 400  # rows erased per transaction, so a big operation never holds the database for long

# The kinds of row erased, in the order they are reported.
KINDS = ("sighting", "subject", "vehicle", "warning_letter", "community_report")
KIND_WORDS = {
    "sighting": "sighting(s)",
    "subject": "subject(s)",
    "vehicle": "vehicle(s)",
    "warning_letter": "warning letter(s)",
    "community_report": "community report(s)",
}


def erased_vrm(vehicle_id: int) -> str:
    """What an erased vehicle's VRM column holds: never a real VRM, unique per vehicle (the
    operation's VRMs are unique)."""
    return f"(erased {vehicle_id})"


def erased_words(erased_at: datetime | None) -> str:
    """How every view shows an erased row's personal data ("" while it is held)."""
    return f"details erased {erased_at:%Y-%m-%d}" if erased_at is not None else ""


def shown_vrm(vehicle: Vehicle | None) -> str:
    """A vehicle's VRM as views show it: the mark, or that it was erased."""
    if vehicle is None:
        return ""
    return f"vehicle {vehicle.id}, {erased_words(vehicle.erased_at)}" if vehicle.erased_at else vehicle.vrm


@dataclass
class Holds:
    """The unreleased evidence holds of an operation, by camera."""

    spans: dict[int, list[tuple[datetime, datetime]]] = field(default_factory=dict)

    @classmethod
    def load(cls, s: Session, operation_id: int) -> Holds:
        holds = cls()
        for hold in s.scalars(
            select(EvidenceHold).where(EvidenceHold.operation_id == operation_id, EvidenceHold.released_at.is_(None))
        ):
            holds.spans.setdefault(hold.camera_id, []).append((hold.starts_at, hold.ends_at))
        return holds

    def covers(self, camera_id: int | None, at: datetime) -> bool:
        return camera_id is not None and any(start <= at <= end for start, end in self.spans.get(camera_id, ()))

    def held_ids(self, rows: Iterable[tuple[int, int | None, datetime]]) -> set[int]:
        """Of (owner id, camera id, captured at) rows, the owners with a held sighting."""
        return {owner for owner, camera_id, at in rows if self.covers(camera_id, at)}


@dataclass
class Erasure:
    """The rows one transaction erases (ids by kind) and the held rows it passed over."""

    ids: dict[str, list[int]] = field(default_factory=lambda: {k: [] for k in KINDS})
    held: dict[str, int] = field(default_factory=lambda: {k: 0 for k in KINDS})
    deleted: list[tuple[str, int]] = field(default_factory=list)  # rows deleted outright

    @property
    def size(self) -> int:
        return sum(len(v) for v in self.ids.values())

    def add(self, other: Erasure) -> None:
        for kind in KINDS:
            self.ids[kind] += other.ids[kind]
            self.held[kind] += other.held[kind]
        self.deleted += other.deleted


@dataclass(frozen=True)
class RetentionReport:
    """What one run erased (or, dry, would erase): counts per kind, held rows kept, footage."""

    now: datetime
    dry_run: bool
    erased: dict[str, int]
    held_kept: dict[str, int]
    stills: int
    footage_segments: int
    footage_bytes: int
    footage_held: int
    entries: tuple[int, ...] = ()

    @property
    def nothing_due(self) -> bool:
        return not any(self.erased.values()) and not self.footage_segments

    def words(self) -> str:
        verb = "would erase" if self.dry_run else "erased"
        parts = [f"{n} {KIND_WORDS[k]}" for k, n in self.erased.items() if n]
        record = f"personal data {verb} from {', '.join(parts)} ({self.stills} still file(s))" if parts else ""
        footage = (
            f"{self.footage_segments} footage segment(s) ({self.footage_bytes / 1e9:.1f} GB)"
            if (self.footage_segments)
            else ""
        )
        done = "; ".join(x for x in (record, footage and f"{footage} {'would go' if self.dry_run else 'purged'}") if x)
        held = sum(self.held_kept.values()) + self.footage_held
        kept = f"; {held} held as evidence kept" if held else ""
        return f"Retention: {done or 'nothing due'}{kept}"


class RetentionService:
    def __init__(
        self,
        db: Database,
        record: RecordService,
        footage: FootageIndex,
        recordings: Path,
        clock: Callable[[], datetime] = utc_now,
        batch: int = BATCH,
    ) -> None:
        self._db = db
        self._record = record
        self._footage = footage
        self._recordings = recordings
        self._clock = clock
        self._batch = batch

    def last_run(self) -> datetime | None:
        """When retention last ran (any console), from the record."""
        with self._db.read() as s:
            found: datetime | None = s.scalar(
                select(func.max(RecordEntry.event_time)).where(RecordEntry.kind.in_((RUN_KIND, ERASURE_KIND)))
            )
            return found

    def run(self, actor: Actor, now: datetime | None = None, dry_run: bool = False) -> RetentionReport:
        """Erase what has passed its period and is not held (in every operation). A dry run
        counts what would go and writes nothing."""
        require(actor, "retention.run")
        now = now or self._clock()
        if dry_run:
            segments, size, kept = self._footage.expired(now)
        else:
            purges = self._footage.purge_expired(self._recordings, now, actor)
            segments, size = sum(p.segments for p in purges), sum(p.bytes for p in purges)
            kept = max((p.held_kept for p in purges), default=0)
        total, stills, seqs = Erasure(), 0, []
        with self._db.read() as s:
            periods = {op.id: op.record_retention_days for op in s.scalars(select(Operation).order_by(Operation.id))}
        for operation_id, days in periods.items():
            cutoff = now - timedelta(days=days)
            reason = f"record-data retention: older than {days} days"
            cursors, done, entries = {k: 0 for k in KINDS}, Erasure(), []
            while True:
                batch, files, seq = self._batch_once(actor, operation_id, cutoff, now, reason, cursors, dry_run)
                done.add(batch)
                stills += files
                entries += [seq] if seq is not None else []
                if batch.size < self._batch:
                    break
            if not dry_run and not entries:
                entries.append(self._nothing_due(actor, operation_id, now, reason, done))
            total.add(done)
            seqs += entries
        report = RetentionReport(
            now,
            dry_run,
            {k: len(v) for k, v in total.ids.items()},
            dict(total.held),
            stills,
            segments,
            size,
            kept,
            tuple(seqs),
        )
        log.info("%s", report.words())
        return report

    def _batch_once(
        self,
        actor: Actor,
        operation_id: int,
        cutoff: datetime,
        now: datetime,
        reason: str,
        cursors: dict[str, int],
        dry_run: bool,
    ) -> tuple[Erasure, int, int | None]:
        """Find (and unless dry, erase) up to one batch of due rows; (rows, still files, entry)."""
        if dry_run:
            with self._db.read() as s:
                due = due_rows(s, operation_id, cutoff, cursors, self._batch)
                return due, count_stills(s, due.ids["sighting"]), None
        found: dict[str, Any] = {}

        def write(ctx: ActionContext) -> EntryDraft:
            # Chosen inside the transaction, after the append lock (PostgreSQL): a hold placed or
            # a sighting made meanwhile counts, and two consoles' daily runs do not both erase a row.
            ctx.serialise()
            start = dict(cursors)
            due = due_rows(ctx.session, operation_id, cutoff, start, self._batch)
            if not due.size:
                raise _NothingDue(due, start)
            files = erase_rows(ctx.session, due, now)
            found.update(due=due, files=files, cursors=start)
            return erasure_draft(ERASURE_KIND, due, files, reason, operation_id, {"cutoff": cutoff})

        try:
            result = self._record.perform(actor, "retention.run", write, operation_id=operation_id, event_time=now)
        except _NothingDue as nothing:
            cursors.update(nothing.cursors)
            return nothing.due, 0, None
        cursors.update(found["cursors"])
        files: list[str] = found["files"]
        delete_files(files)
        return found["due"], len(files), result.seq

    def _nothing_due(self, actor: Actor, operation_id: int, now: datetime, reason: str, done: Erasure) -> int:
        """The day's line in the record when nothing was due: the job ran, and what it kept."""
        held = {k: n for k, n in done.held.items() if n}

        def write(_ctx: ActionContext) -> EntryDraft:
            kept = f"; {sum(held.values())} held as evidence kept" if held else ""
            return EntryDraft(
                kind=RUN_KIND,
                text=f"Retention run: no personal data due for erasure ({reason}){kept}",
                ref_type="operation",
                ref_id=str(operation_id),
                payload={"reason": reason, "held_kept": held},
            )

        return self._record.perform(actor, "retention.run", write, operation_id=operation_id, event_time=now).seq


class _NothingDue(Exception):
    def __init__(self, due: Erasure, cursors: dict[str, int]) -> None:
        super().__init__("nothing due")
        self.due = due
        self.cursors = cursors


# --- choosing what is due -------------------------------------------------------------------------


def _all_before(cutoff: datetime, *times: Any) -> ColumnElement[bool]:
    """Every one of these times (scalar sub-queries, None when there is none) before the cutoff."""
    return and_(*(or_(t.is_(None), t < cutoff) for t in times))


def _unused_since(cutoff: datetime, owner: Any, *uses: tuple[Any, Any]) -> ColumnElement[bool]:
    """The owner's last use, by each (time, foreign key) column pair, is before the cutoff."""
    return _all_before(cutoff, *(select(func.max(at)).where(fk == owner).scalar_subquery() for at, fk in uses))


def due_rows(s: Session, operation_id: int, cutoff: datetime, cursors: dict[str, int], budget: int) -> Erasure:
    """Up to ``budget`` not yet erased rows past the cutoff, after each kind's cursor (advanced
    past every row looked at, held ones included, so held rows are not looked at again)."""
    holds = Holds.load(s, operation_id)
    due = Erasure()
    queries: dict[str, Select[Any]] = {
        "sighting": select(Sighting.id).where(
            Sighting.operation_id == operation_id, Sighting.erased_at.is_(None), Sighting.captured_at < cutoff
        ),
        "subject": select(Subject.id).where(
            Subject.operation_id == operation_id,
            Subject.erased_at.is_(None),
            Subject.created_at < cutoff,
            _unused_since(
                cutoff,
                Subject.id,
                (Sighting.captured_at, Sighting.subject_id),
                (Outcome.recorded_at, Outcome.subject_id),
                (SupportOrder.applied_at, SupportOrder.subject_id),
                (SupportOrder.made_at, SupportOrder.subject_id),
                (SupportOrder.ended_at, SupportOrder.subject_id),
            ),
        ),
        "vehicle": select(Vehicle.id).where(
            Vehicle.operation_id == operation_id,
            Vehicle.erased_at.is_(None),
            _unused_since(
                cutoff,
                Vehicle.id,
                (Sighting.captured_at, Sighting.vehicle_id),
                (WarningLetter.prepared_at, WarningLetter.vehicle_id),
                (WarningLetter.printed_at, WarningLetter.vehicle_id),
                (Outcome.recorded_at, Outcome.vehicle_id),
            ),
        ),
        "warning_letter": select(WarningLetter.id).where(
            WarningLetter.operation_id == operation_id,
            WarningLetter.erased_at.is_(None),
            _all_before(cutoff, WarningLetter.prepared_at, WarningLetter.printed_at),
        ),
        "community_report": select(CommunityReport.id).where(
            CommunityReport.operation_id == operation_id,
            CommunityReport.erased_at.is_(None),
            CommunityReport.reported_at < cutoff,
        ),
    }
    id_columns = {
        "sighting": Sighting.id,
        "subject": Subject.id,
        "vehicle": Vehicle.id,
        "warning_letter": WarningLetter.id,
        "community_report": CommunityReport.id,
    }
    for kind in KINDS:
        while due.size < budget:
            room = budget - due.size
            ids = list(
                s.scalars(queries[kind].where(id_columns[kind] > cursors[kind]).order_by(id_columns[kind]).limit(room))
            )
            if not ids:
                break
            cursors[kind] = ids[-1]
            held = held_among(s, holds, kind, ids)
            due.held[kind] += len(held)
            due.ids[kind] += [i for i in ids if i not in held]
    return due


def held_among(s: Session, holds: Holds, kind: str, ids: Sequence[int]) -> set[int]:
    """Which of these rows an evidence hold keeps: a sighting inside a hold's camera and span,
    and the subject, vehicle and vehicle's letters of such a sighting."""
    if not holds.spans or not ids or kind == "community_report":
        return set()
    owner = {"sighting": Sighting.id, "subject": Sighting.subject_id, "vehicle": Sighting.vehicle_id}.get(kind)
    if owner is not None:
        rows = s.execute(select(owner, Sighting.camera_id, Sighting.captured_at).where(owner.in_(ids)))
    else:  # a letter is held with its vehicle's sightings
        rows = s.execute(
            select(WarningLetter.id, Sighting.camera_id, Sighting.captured_at)
            .join(Sighting, Sighting.vehicle_id == WarningLetter.vehicle_id)
            .where(WarningLetter.id.in_(ids))
        )
    return holds.held_ids((int(a or 0), b, c) for a, b, c in rows)


def count_stills(s: Session, sighting_ids: Sequence[int]) -> int:
    found = 0
    for start in range(0, len(sighting_ids), 500):
        part = sighting_ids[start : start + 500]
        for boxed, clean in s.execute(
            select(Sighting.still_path, Sighting.clean_still_path).where(Sighting.id.in_(part))
        ):
            found += bool(boxed) + bool(clean)
    return found


# --- erasing ----------------------------------------------------------------------------------------


def erase_rows(s: Session, due: Erasure, now: datetime) -> list[str]:
    """Blank the personal data of these rows (ORM changes, so the write path digests them) and
    delete subjects' special-category rows; the still files to delete once committed."""
    files: list[str] = []
    for sighting in _rows(s, Sighting, due.ids["sighting"]):
        files += [p for p in (sighting.still_path, sighting.clean_still_path) if p]
        # The stills' SHA-256 stay: they are in the record already, and an exhibit's copies can
        # still be checked against them.
        sighting.notes, sighting.boxes, sighting.still_path, sighting.clean_still_path = "", "[]", "", ""
        sighting.erased_at = now
        # A tasking's typed instructions ("stop the silver Focus AB12 ...") go with its sighting.
        for tasking in s.scalars(select(Tasking).where(Tasking.sighting_id == sighting.id, Tasking.instructions != "")):
            tasking.instructions = ""
    for subject in _rows(s, Subject, due.ids["subject"]):
        subject.description, subject.age_band, subject.locality = "", "", ""
        subject.erased_at = now
        sensitive = s.get(SubjectSensitive, subject.id)
        if sensitive is not None:
            s.delete(sensitive)
            due.deleted.append(("subject_sensitive", subject.id))
        for order in s.scalars(select(SupportOrder).where(SupportOrder.subject_id == subject.id)):
            order.notes = ""
        _blank_outcome_details(s, Outcome.subject_id == subject.id)
    for vehicle in _rows(s, Vehicle, due.ids["vehicle"]):
        vehicle.vrm = erased_vrm(vehicle.id)
        vehicle.vrm_key = ""  # after vrm: its validator sets the key from the VRM
        vehicle.make, vehicle.model, vehicle.colour = "", "", ""
        vehicle.erased_at = now
        _blank_outcome_details(s, Outcome.vehicle_id == vehicle.id)
        letters = s.scalars(select(WarningLetter.id).where(WarningLetter.vehicle_id == vehicle.id)).all()
        extra = [i for i in letters if i not in set(due.ids["warning_letter"])]
        due.ids["warning_letter"] += extra  # an erased vehicle's letters go with it
    for letter in _rows(s, WarningLetter, due.ids["warning_letter"]):
        if letter.erased_at is None:
            letter.keeper_name, letter.keeper_address, letter.body = "", "", ""
            letter.erased_at = now
    for report in _rows(s, CommunityReport, due.ids["community_report"]):
        report.text = ""
        report.erased_at = now
    s.flush()
    return files


def _blank_outcome_details(s: Session, where: ColumnElement[bool]) -> None:
    for outcome in s.scalars(select(Outcome).where(where, Outcome.detail != "")):
        outcome.detail = ""


def _rows(s: Session, cls: Any, ids: Sequence[int]) -> list[Any]:
    found: list[Any] = []
    for start in range(0, len(ids), 500):
        found += s.scalars(select(cls).where(cls.id.in_(ids[start : start + 500])).order_by(cls.id)).all()
    return found


def erasure_draft(
    kind: str, due: Erasure, files: list[str], reason: str, operation_id: int | None, extra: dict[str, Any]
) -> EntryDraft:
    """The entry naming what went: counts and row references, the reason, never the data."""
    counts = {k: len(v) for k, v in due.ids.items() if v}
    words = ", ".join(f"{n} {KIND_WORDS[k]}" for k, n in counts.items())
    held = sum(due.held.values())
    text = f"Personal data erased from {words} ({len(files)} still file(s) deleted); reason: {reason}"
    if held:
        text += f"; {held} held as evidence kept"
    return EntryDraft(
        kind=kind,
        text=text,
        ref_type="operation" if operation_id is not None else "",
        ref_id=str(operation_id or ""),
        payload={
            **extra,
            "reason": reason,
            "counts": counts,
            "stills_deleted": len(files),
            "held_kept": {k: n for k, n in due.held.items() if n},
            # Rows whose personal columns were blanked: the write path digests their new state.
            "blanked": [{"table": k, "key": str(i)} for k in KINDS for i in sorted(due.ids[k])],
            # Rows deleted outright (verify marks them gone).
            "erased": [{"table": t, "key": str(i)} for t, i in sorted(due.deleted)],
        },
    )


def delete_files(paths: Iterable[str]) -> None:
    for path in paths:
        try:
            Path(path).unlink(missing_ok=True)
        except OSError as error:
            log.error("erased still %s could not be deleted: %s", path, error)
