"""One evidence export under way, and what its package says of itself from the database: the
request, each camera's plan, the job, the record extract, the recorders' clocks and the manifest.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import av
from sqlalchemy import select

from console.chain import canonical_json
from console.exhibit_package import (
    CHECKSUMS,
    FORMAT,
    MANIFEST,
    README,
    SHEET,
    ExportError,
    local_iso,
    privacy_words,
    software_version,
    time_span,
    utc_iso,
)
from console.footage import database_clock_offset_ms
from console.types import Actor, ChainHead
from storage.db import Database
from storage.models import Operation, RecordEntry, RecordingSegment
from video.recorder import file_sha256


@dataclass(frozen=True)
class ExportRequest:
    camera_keys: tuple[str, ...]
    start: datetime
    end: datetime
    exhibit_reference: str
    reason: str
    out_dir: Path
    operation: str | None = None


@dataclass
class CameraPlan:
    id: int
    key: str
    name: str
    location: str
    segments: list[RecordingSegment] = field(default_factory=list)
    parts: list[dict[str, Any]] = field(default_factory=list)
    masks: list[tuple[str, tuple[tuple[float, float], ...]]] = field(default_factory=list)  # (name, polygon)


@dataclass
class ExportJob:
    """One export under way: who, what, where it is being written."""

    actor: Actor
    op: Operation
    plans: list[CameraPlan]
    request: ExportRequest
    reference: str
    folder: Path
    tz: ZoneInfo


def write_record_extract(
    db: Database, operation_id: int, request: ExportRequest, folder: Path, sightings: list[int]
) -> None:
    """Entries of the range, and every entry about a sighting in it (tagged and corrected
    later: their event time is when the controller acted, not the frame's)."""
    about = (RecordEntry.ref_type == "sighting") & RecordEntry.ref_id.in_([str(i) for i in sightings])
    in_range = (RecordEntry.event_time >= request.start) & (RecordEntry.event_time < request.end)
    with db.read() as s, (folder / "record-extract.jsonl").open("w", encoding="utf-8") as out:
        entries = s.scalars(
            select(RecordEntry)
            .where(RecordEntry.operation_id == operation_id, in_range | about)
            .order_by(RecordEntry.seq)
        )
        for e in entries:
            out.write(
                canonical_json(
                    {
                        "seq": e.seq,
                        "event_time": e.event_time,
                        "append_time": e.append_time,
                        "operator": e.operator,
                        "console_id": e.console_id,
                        "kind": e.kind,
                        "ref_type": e.ref_type,
                        "ref_id": e.ref_id,
                        "text": e.text,
                        "rows_digest": e.rows_digest,
                        "prev_hash": e.prev_hash,
                        "hash": e.hash,
                    }
                )
                + "\n"
            )


def recorder_clocks(db: Database, plans: list[CameraPlan], console_id: str) -> dict[str, Any]:
    recorders = sorted({seg.recorder for p in plans for seg in p.segments})
    clocks: dict[str, Any] = {}
    with db.read() as s:
        for name in recorders:
            if name == console_id:
                clocks[name] = "this console"
                continue
            payload = s.scalar(
                select(RecordEntry.payload)
                .where(RecordEntry.kind == "recording.started", RecordEntry.console_id == name)
                .order_by(RecordEntry.seq.desc())
                .limit(1)
            )
            offset = json.loads(payload).get("recorder_minus_database_ms") if payload else None
            clocks[name] = {"recorder_minus_database_ms": offset} if offset is not None else "unknown"
    return clocks


def build_manifest(
    db: Database,
    job: ExportJob,
    gaps: list[dict[str, Any]],
    stills: list[dict[str, Any]],
    head: ChainHead,
    started: datetime,
) -> dict[str, Any]:
    actor, op, plans, request, folder, tz = job.actor, job.op, job.plans, job.request, job.folder, job.tz
    parts = [part for p in plans for part in p.parts]
    if not parts:
        raise ExportError("No frames of the chosen cameras fall in that range")
    actual_start = min(datetime.fromisoformat(x["_start"]) for x in parts)
    actual_end = max(datetime.fromisoformat(x["_end"]) for x in parts)
    files = {
        str(path.relative_to(folder)): file_sha256(path)
        for path in sorted(folder.rglob("*"))
        if path.is_file() and path.name not in (MANIFEST, CHECKSUMS, SHEET, README)
    }
    offset = database_clock_offset_ms(db)
    return {
        "format": FORMAT,
        "exhibit_reference": job.reference,
        "operation": {"name": op.name, "title": op.title, "timezone": op.timezone},
        "operator": {"login": actor.login, "name": actor.display_name, "role": actor.role},
        "console": actor.console_id,
        "reason": request.reason.strip(),
        "created_at_utc": utc_iso(started),
        "created_at_local": local_iso(started, tz),
        "requested": time_span(request.start, request.end, tz),
        "actual": time_span(actual_start, actual_end, tz),
        "cameras": [
            {
                "key": p.key,
                "name": p.name,
                "location": p.location,
                "parts": [{k: v for k, v in part.items() if not k.startswith("_")} for part in p.parts],
                "source_segments": [
                    {
                        "path": x.path,
                        "sha256": x.sha256,
                        "starts_at_utc": utc_iso(x.starts_at),
                        "ends_at_utc": utc_iso(x.ends_at),
                        "recorder": x.recorder,
                    }
                    for x in p.segments
                ],
                "gaps": [
                    {k: v for k, v in g.items() if not k.endswith("_dt") and k != "camera"}
                    for g in gaps
                    if g["camera"] == p.key
                ],
            }
            for p in plans
        ],
        "stills": stills,
        "record_extract": "record-extract.jsonl",
        "record_head": {"entries": head.count, "hash": head.hash},
        "clocks": {
            "console_minus_database_ms": None if offset is None else -offset,
            "database": "PostgreSQL server clock" if offset is not None else "embedded SQLite: the console's clock",
            "recorders": recorder_clocks(db, plans, actor.console_id),
        },
        "privacy_masks": privacy_words({p.key: p.masks for p in plans}),
        "files": files,
        "software": {
            "name": "sentinel-console",
            "version": software_version(),
            "pyav": av.__version__,
            "ffmpeg": ".".join(str(x) for x in av.library_versions.get("libavformat", ())),
        },
    }
