"""The footage index in the database: recorded segments and gaps per camera, evidence holds,
and the purge that retention and the disk limit run. No processes, no Qt.

Segments are index rows (not digested row by row); gaps, holds and purges are domain actions
with record entries, so the record says when a camera was not recorded, which footage is held
and why, and what footage went and why.
"""

from __future__ import annotations

import logging
import shutil
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import ColumnElement, Select, func, select, text
from sqlalchemy.orm import Session

from console.record import ActionContext, EntryDraft, RecordService, utc_now
from console.types import ActionResult, Actor
from storage.db import Database
from storage.models import Camera, EvidenceHold, Operation, RecordingGap, RecordingSegment
from video.recorder import (
    RecorderEvent,
    SegmentClosed,
    SegmentOpened,
    SegmentProgress,
    StreamBack,
    StreamLost,
    file_sha256,
    probe_segment,
)

log = logging.getLogger("sentinel.footage")

RECORDER_STARTING = "recorder starting"
# A restart closer than this to the last segment's end is no gap worth an entry.
GAP_TOLERANCE_S = 2.0
DISK_RESERVE = 0.05  # without a configured limit, leave this share of the disk free
DISK_WARN_AT = 0.9
DISK_PURGE_TO = 0.95
PURGE_BATCH = 500


def recorder_actor(console_id: str) -> Actor:
    return Actor(login="recorder", display_name="Recorder", role="recorder", console_id=console_id)


@dataclass(frozen=True)
class SegmentView:
    id: int
    camera_id: int
    camera_key: str
    starts_at: datetime
    ends_at: datetime
    path: str
    bytes: int
    packets: int
    sha256: str
    state: str
    recorder: str


@dataclass(frozen=True)
class GapView:
    camera_key: str
    starts_at: datetime
    ends_at: datetime | None
    reason: str


@dataclass(frozen=True)
class DiskState:
    used_bytes: int
    limit_bytes: int
    words: str
    warning: bool


@dataclass(frozen=True)
class PurgeReport:
    segments: int
    bytes: int
    held_kept: int
    reason: str
    entry_seq: int | None = None


def _segment_view(seg: RecordingSegment, key: str) -> SegmentView:
    return SegmentView(
        seg.id,
        seg.camera_id,
        key,
        seg.starts_at,
        seg.ends_at,
        seg.path,
        seg.bytes,
        seg.packets,
        seg.sha256,
        seg.state,
        seg.recorder,
    )


def overlapping_segments(camera_id: int, start: datetime, end: datetime) -> Select[RecordingSegment]:
    """A camera's segments that overlap [start, end), oldest first (purged ones left out)."""
    return (
        select(RecordingSegment)
        .where(
            RecordingSegment.camera_id == camera_id,
            RecordingSegment.starts_at < end,
            RecordingSegment.ends_at > start,
            RecordingSegment.state != "purged",
        )
        .order_by(RecordingSegment.starts_at)
    )


def database_clock_offset_ms(db: Database) -> float | None:
    """The database server's clock minus this machine's, in ms (None for the embedded database,
    which has no clock of its own)."""
    if db.dialect != "postgresql":
        return None
    with db.read() as s:
        before = time.time()
        server = s.execute(text("SELECT extract(epoch from clock_timestamp())")).scalar_one()
        after = time.time()
    return round((float(server) - (before + after) / 2) * 1000, 1)


def duration_words(seconds: float) -> str:
    """``12 s``, ``4 min 5 s``, ``13 h 7 min``, ``2 days 3 h``."""
    whole = round(seconds)
    days, rest = divmod(whole, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days} day{'s' if days > 1 else ''} {hours} h"
    if hours:
        return f"{hours} h {minutes} min"
    if minutes:
        return f"{minutes} min {secs} s"
    return f"{secs} s"


def _gb(n: int) -> str:
    return f"{n / 1e9:.1f} GB"


def _held(operation_id: int) -> ColumnElement[bool]:
    """A segment overlaps an evidence hold of the operation that is still in force."""
    return (
        select(EvidenceHold.id)
        .where(
            EvidenceHold.operation_id == operation_id,
            EvidenceHold.released_at.is_(None),
            EvidenceHold.camera_id == RecordingSegment.camera_id,
            EvidenceHold.starts_at < RecordingSegment.ends_at,
            EvidenceHold.ends_at > RecordingSegment.starts_at,
        )
        .exists()
    )


class FootageIndex:
    def __init__(self, db: Database, record: RecordService, recorder_id: str) -> None:
        self._db = db
        self._record = record
        self.recorder_id = recorder_id
        self.actor = recorder_actor(recorder_id)

    # --- the recorder's events -------------------------------------------------------------------
    def apply(self, operation_id: int, cameras: dict[str, tuple[int, str]], event: RecorderEvent) -> None:
        """Write one recorder event into the index (``cameras``: key -> (id, name))."""
        camera_id, name = cameras[event.camera_key]
        if isinstance(event, SegmentOpened):
            with self._db.write.begin() as s:
                s.add(
                    RecordingSegment(
                        camera_id=camera_id,
                        starts_at=event.starts_at,
                        ends_at=event.starts_at,
                        path=event.path,
                        codec=event.codec,
                        recorder=self.recorder_id,
                        state="open",
                    )
                )
        elif isinstance(event, SegmentProgress | SegmentClosed):
            with self._db.write.begin() as s:
                seg = s.scalars(select(RecordingSegment).where(RecordingSegment.path == event.path)).one()
                seg.ends_at, seg.bytes, seg.packets = event.ends_at, event.bytes, event.packets
                if isinstance(event, SegmentClosed):
                    seg.sha256, seg.state = event.sha256, "closed"
        elif isinstance(event, StreamLost):
            self._gap_begins(operation_id, camera_id, name, event)
        elif isinstance(event, StreamBack):
            self._gap_ends(operation_id, camera_id, name, event.at)

    def _open_gap(self, s: Session, camera_id: int) -> RecordingGap | None:
        return s.scalars(
            select(RecordingGap)
            .where(RecordingGap.camera_id == camera_id, RecordingGap.ends_at.is_(None))
            .order_by(RecordingGap.id.desc())
        ).first()

    def _gap_begins(self, operation_id: int, camera_id: int, name: str, event: StreamLost) -> None:
        with self._db.read() as s:
            if self._open_gap(s, camera_id) is not None:
                return  # still the same gap
            starts_at, reason = event.at, event.reason
            if reason == RECORDER_STARTING:
                last = s.scalar(
                    select(func.max(RecordingSegment.ends_at)).where(RecordingSegment.camera_id == camera_id)
                )
                if last is None or (event.at - last).total_seconds() < GAP_TOLERANCE_S:
                    return  # never recorded before, or back at once
                starts_at, reason = last, "recorder not running"

        def write(ctx: ActionContext) -> EntryDraft:
            if self._open_gap(ctx.session, camera_id) is not None:
                raise _AlreadyOpen
            gap = RecordingGap(camera_id=camera_id, starts_at=starts_at, reason=reason)
            ctx.session.add(gap)
            ctx.session.flush()
            return EntryDraft(
                kind="recording.gap",
                text=f"Recording of {name} stopped at {starts_at:%H:%M:%S}Z: {reason}",
                ref_type="camera",
                ref_id=str(camera_id),
                payload={"gap_id": gap.id, "starts_at": starts_at, "reason": reason},
            )

        self._perform(write, operation_id, starts_at)

    def _gap_ends(self, operation_id: int, camera_id: int, name: str, at: datetime) -> None:
        def write(ctx: ActionContext) -> EntryDraft:
            gap = self._open_gap(ctx.session, camera_id)
            if gap is None:
                raise _AlreadyOpen
            gap.ends_at = max(at, gap.starts_at)
            seconds = (gap.ends_at - gap.starts_at).total_seconds()
            return EntryDraft(
                kind="recording.resumed",
                text=f"Recording of {name} resumed at {at:%H:%M:%S}Z after a gap of {duration_words(seconds)}",
                ref_type="camera",
                ref_id=str(camera_id),
                payload={"gap_id": gap.id, "starts_at": gap.starts_at, "ends_at": gap.ends_at},
            )

        self._perform(write, operation_id, at)

    def _perform(self, write: Any, operation_id: int, when: datetime) -> ActionResult | None:
        try:
            return self._record.perform(
                self.actor, "recording.index", write, operation_id=operation_id, event_time=when
            )
        except _AlreadyOpen:
            return None

    def recording_started(self, operation_id: int, camera_names: list[str]) -> ActionResult | None:
        """Say in the record that this machine records these cameras, with its clock's offset
        against the database server (export manifests quote it)."""
        offset = database_clock_offset_ms(self._db)

        def write(ctx: ActionContext) -> EntryDraft:
            clock = "" if offset is None else f"; clock {-offset:+.0f} ms against the database server"
            return EntryDraft(
                kind="recording.started",
                text=f"Recorder {self.recorder_id} recording {len(camera_names)} camera(s){clock}",
                payload={"cameras": camera_names, "recorder_minus_database_ms": None if offset is None else -offset},
            )

        return self._perform(write, operation_id, utc_now())

    def recording_stopped(self, operation_id: int, cameras: int) -> ActionResult | None:
        def write(ctx: ActionContext) -> EntryDraft:
            return EntryDraft(
                kind="recording.stopped",
                text=f"Recorder {self.recorder_id} stopped recording {cameras} camera(s); open segments closed",
            )

        return self._perform(write, operation_id, utc_now())

    def recorder_stopped(self, operation_id: int, cameras: dict[str, tuple[int, str]], words: str) -> None:
        """The recorder process died: every camera it recorded has a gap from its last footage."""
        for key, (camera_id, name) in cameras.items():
            with self._db.read() as s:
                last = s.scalar(
                    select(func.max(RecordingSegment.ends_at)).where(RecordingSegment.camera_id == camera_id)
                )
            if last is not None:
                self._gap_begins(operation_id, camera_id, name, StreamLost(key, last, f"recorder {words}"))

    def salvage(self, root: Path) -> int:
        """Close the segments a dead recorder of this console left open: their length read
        from the file, their hash taken now (the index says so)."""
        with self._db.write.begin() as s:
            rows = s.scalars(
                select(RecordingSegment).where(
                    RecordingSegment.state == "open", RecordingSegment.recorder == self.recorder_id
                )
            ).all()
            for seg in rows:
                path = root / seg.path
                probed = probe_segment(path) if path.exists() else None
                if probed is None:
                    seg.state = "damaged"
                    log.error("recording segment %s could not be read after the recorder stopped", seg.path)
                    continue
                seconds, packets = probed
                seg.ends_at = seg.starts_at + timedelta(seconds=seconds)
                seg.packets, seg.bytes, seg.sha256, seg.state = (
                    packets,
                    path.stat().st_size,
                    file_sha256(path),
                    "closed",
                )
            return len(rows)

    def busy_elsewhere(self, camera_ids: Iterable[int], now: datetime, within_s: float = 30.0) -> dict[int, str]:
        """Cameras another recorder is recording now (camera id -> its recorder)."""
        with self._db.read() as s:
            rows = s.execute(
                select(RecordingSegment.camera_id, RecordingSegment.recorder).where(
                    RecordingSegment.state == "open",
                    RecordingSegment.recorder != self.recorder_id,
                    RecordingSegment.ends_at > now - timedelta(seconds=within_s),
                    RecordingSegment.camera_id.in_(list(camera_ids)),
                )
            ).all()
        return {camera_id: recorder for camera_id, recorder in rows}

    # --- reading ---------------------------------------------------------------------------------
    def segments(self, camera_id: int, start: datetime, end: datetime) -> list[SegmentView]:
        """Segments of a camera that overlap [start, end), oldest first (purged ones left out)."""
        with self._db.read() as s:
            key = s.scalar(select(Camera.key).where(Camera.id == camera_id)) or ""
            return [_segment_view(r, key) for r in s.scalars(overlapping_segments(camera_id, start, end))]

    def gaps(self, camera_id: int, start: datetime, end: datetime) -> list[GapView]:
        with self._db.read() as s:
            key = s.scalar(select(Camera.key).where(Camera.id == camera_id)) or ""
            rows = s.scalars(
                select(RecordingGap)
                .where(
                    RecordingGap.camera_id == camera_id,
                    RecordingGap.starts_at < end,
                    (RecordingGap.ends_at.is_(None)) | (RecordingGap.ends_at > start),
                )
                .order_by(RecordingGap.starts_at)
            ).all()
            return [GapView(key, g.starts_at, g.ends_at, g.reason) for g in rows]

    # --- purge -----------------------------------------------------------------------------------
    def disk_state(self, root: Path, limit_bytes: int | None) -> DiskState:
        with self._db.read() as s:
            used = int(
                s.scalar(
                    select(func.coalesce(func.sum(RecordingSegment.bytes), 0)).where(RecordingSegment.state != "purged")
                )
                or 0
            )
        root.mkdir(parents=True, exist_ok=True)
        disk = shutil.disk_usage(root)
        limit = limit_bytes if limit_bytes is not None else max(0, used + disk.free - int(disk.total * DISK_RESERVE))
        if limit <= 0:
            return DiskState(used, limit, "Recording disk full: nothing more can be recorded", True)
        share = used / limit
        if share >= DISK_WARN_AT:
            words = (
                f"Recording disk at {share:.0%} of its limit ({_gb(used)} of {_gb(limit)}): at 100 % the oldest "
                "footage not held as evidence is purged"
            )
            return DiskState(used, limit, words, True)
        return DiskState(
            used, limit, f"Recording disk at {share:.0%} of its limit ({_gb(used)} of {_gb(limit)})", False
        )

    def purge(self, root: Path, limit_bytes: int | None, now: datetime | None = None) -> list[PurgeReport]:
        """Purge footage past each operation's retention, then the oldest footage while over the
        disk limit; footage under an active evidence hold is never purged."""
        now = now or utc_now()
        reports = self.purge_expired(root, now)
        state = self.disk_state(root, limit_bytes)
        if state.used_bytes > state.limit_bytes:
            target = int(state.limit_bytes * DISK_PURGE_TO)
            for operation_id in self._video_retention():
                report = self._purge_where(
                    root,
                    operation_id,
                    None,
                    f"disk limit: {_gb(state.used_bytes)} over {_gb(state.limit_bytes)}",
                    now,
                    free_bytes=state.used_bytes - target,
                )
                if report:
                    reports.append(report)
        return reports

    def purge_expired(self, root: Path, now: datetime, actor: Actor | None = None) -> list[PurgeReport]:
        """Purge every operation's footage past its video retention, batch after batch, as
        ``actor`` (the recorder by default; the retention job runs it as itself)."""
        reports: list[PurgeReport] = []
        for operation_id, days in self._video_retention().items():
            cutoff = now - timedelta(days=days)
            while report := self._purge_where(
                root,
                operation_id,
                lambda q, cutoff=cutoff: q.where(RecordingSegment.ends_at < cutoff),  # type: ignore[misc]
                f"retention: older than {days} days",
                now,
                actor=actor,
            ):
                reports.append(report)
        return reports

    def expired(self, now: datetime) -> tuple[int, int, int]:
        """What `purge_expired` would do now: (segments, bytes, segments kept as held)."""
        segments = size = kept = 0
        with self._db.read() as s:
            for operation_id, days in self._video_retention().items():
                query = (
                    select(func.count(), func.coalesce(func.sum(RecordingSegment.bytes), 0))
                    .join(Camera, Camera.id == RecordingSegment.camera_id)
                    .where(
                        Camera.operation_id == operation_id,
                        RecordingSegment.state.in_(("closed", "damaged")),
                        RecordingSegment.ends_at < now - timedelta(days=days),
                    )
                )
                held = _held(operation_id)
                n, total = s.execute(query.where(~held)).one()
                segments, size = segments + int(n), size + int(total)
                kept += int(s.execute(query.where(held)).one()[0])
        return segments, size, kept

    def _video_retention(self) -> dict[int, int]:
        with self._db.read() as s:
            return {op.id: op.video_retention_days for op in s.scalars(select(Operation))}

    def _purge_where(
        self,
        root: Path,
        operation_id: int,
        narrow: Any,
        reason: str,
        now: datetime,
        free_bytes: int | None = None,
        actor: Actor | None = None,
    ) -> PurgeReport | None:
        """One purge action: segments marked purged and the record entry naming them in one
        transaction; the files are deleted once it has committed."""
        gone: list[dict[str, Any]] = []
        counts = {"kept": 0, "freed": 0}

        def write(ctx: ActionContext) -> EntryDraft:
            gone.clear()
            counts.update(kept=0, freed=0)
            s = ctx.session
            query = (
                select(RecordingSegment, Camera.key)
                .join(Camera, Camera.id == RecordingSegment.camera_id)
                .where(Camera.operation_id == operation_id, RecordingSegment.state.in_(("closed", "damaged")))
            )
            if narrow is not None:
                query = narrow(query)
            # Held segments are left out in SQL: however many there are, the others still go.
            held = _held(operation_id)
            counts["kept"] = int(s.scalar(select(func.count()).select_from(query.where(held).subquery())) or 0)
            candidates = query.where(~held).order_by(RecordingSegment.starts_at).limit(PURGE_BATCH)
            for seg, key in s.execute(candidates).all():
                if free_bytes is not None and counts["freed"] >= free_bytes:
                    break
                seg.state = "purged"
                counts["freed"] += seg.bytes
                gone.append(
                    {"camera": key, "path": seg.path, "sha256": seg.sha256, "from": seg.starts_at, "to": seg.ends_at}
                )
            if not gone:
                raise _NothingToPurge(counts["kept"])
            return EntryDraft(
                kind="recording.purged",
                text=(
                    f"Purged {len(gone)} recording segment(s), {_gb(counts['freed'])} ({reason}); "
                    f"{counts['kept']} held as evidence kept"
                ),
                ref_type="operation",
                ref_id=str(operation_id),
                payload={"reason": reason, "segments": gone, "bytes": counts["freed"], "held_kept": counts["kept"]},
            )

        try:
            result = self._record.perform(
                actor or self.actor, "recording.purge", write, operation_id=operation_id, event_time=now
            )
        except _NothingToPurge:
            return None
        for item in gone:
            try:
                (root / item["path"]).unlink(missing_ok=True)
            except OSError as error:
                log.error("purged segment %s could not be deleted: %s", item["path"], error)
        log.info("purged %d segment(s) (%s)", len(gone), reason)
        return PurgeReport(len(gone), counts["freed"], counts["kept"], reason, result.seq)


class _AlreadyOpen(Exception):
    """The gap this event would open (or close) is already open (or closed)."""


class _NothingToPurge(Exception):
    def __init__(self, kept: int) -> None:
        super().__init__(f"nothing to purge ({kept} held)")
        self.kept = kept
