"""Evidence holds, exhibit handovers and the check of an exported package.

A hold keeps a camera's footage over a span from purge until a supervisor releases it; holds,
releases and handovers are record entries. ``verify_package`` needs no database: it re-hashes
every file against the package's manifest and checksums; ``check_against_record`` then asks
the database, when reachable, whether the manifest is the one the record holds.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from console.exhibit_package import CHECKSUMS, MANIFEST, SHEET, ExportError, utc_iso
from console.record import ActionContext, EntryDraft, RecordService
from console.types import ActionResult, Actor
from storage.db import Database
from storage.models import Camera, EvidenceHold, Exhibit, ExhibitHandover, Operation, RecordEntry
from video.recorder import file_sha256


@dataclass(frozen=True)
class HoldView:
    id: int
    camera_key: str
    camera_name: str
    starts_at: datetime
    ends_at: datetime
    reason: str
    placed_by: str
    placed_at: datetime
    exhibit_reference: str
    released_at: datetime | None
    released_by: str


@dataclass
class PackageReport:
    folder: Path
    reference: str = ""
    manifest_sha256: str = ""
    files_checked: int = 0
    problems: list[str] = field(default_factory=list)
    record: str = "not checked"

    @property
    def ok(self) -> bool:
        return not self.problems


class EvidenceService:
    def __init__(self, db: Database, record: RecordService) -> None:
        self._db = db
        self._record = record

    # --- holds -----------------------------------------------------------------------------------
    def place_hold(
        self, actor: Actor, operation_id: int, camera_key: str, start: datetime, end: datetime, reason: str
    ) -> ActionResult:
        if end <= start:
            raise ExportError("A hold's end must come after its start")
        if not reason.strip():
            raise ExportError("Say why the footage is held (the reason is recorded)")

        def write(ctx: ActionContext) -> EntryDraft:
            cam = ctx.session.scalars(
                select(Camera).where(Camera.operation_id == operation_id, Camera.key == camera_key)
            ).first()
            if cam is None:
                raise ExportError(f"No camera {camera_key!r}")
            hold = EvidenceHold(
                operation_id=operation_id,
                camera_id=cam.id,
                starts_at=start,
                ends_at=end,
                reason=reason.strip(),
                placed_at=ctx.event_time,
                placed_by=actor.login,
            )
            ctx.session.add(hold)
            ctx.session.flush()
            return EntryDraft(
                kind="evidence.held",
                text=f"Footage of {cam.name} held from {utc_iso(start)} to {utc_iso(end)}: {reason.strip()}",
                ref_type="evidence_hold",
                ref_id=str(hold.id),
            )

        return self._record.perform(actor, "evidence.hold", write, operation_id=operation_id)

    def release_hold(self, actor: Actor, hold_id: int, reason: str) -> ActionResult:
        if not reason.strip():
            raise ExportError("Say why the hold is released (the reason is recorded)")
        with self._db.read() as s:
            hold = s.get(EvidenceHold, hold_id)
            if hold is None:
                raise ExportError(f"No evidence hold {hold_id}")
            operation_id = hold.operation_id

        def write(ctx: ActionContext) -> EntryDraft:
            row = ctx.session.get(EvidenceHold, hold_id)
            assert row is not None
            if row.released_at is not None:
                raise ExportError(f"Hold {hold_id} was released already, by {row.released_by}")
            row.released_at, row.released_by, row.release_reason = ctx.event_time, actor.login, reason.strip()
            return EntryDraft(
                kind="evidence.released",
                text=f"Evidence hold {hold_id} released: {reason.strip()}",
                ref_type="evidence_hold",
                ref_id=str(hold_id),
            )

        return self._record.perform(actor, "evidence.release", write, operation_id=operation_id)

    def holds(self, operation_id: int, active_only: bool = True) -> list[HoldView]:
        with self._db.read() as s:
            query = (
                select(EvidenceHold, Camera, Exhibit.reference)
                .join(Camera, Camera.id == EvidenceHold.camera_id)
                .outerjoin(Exhibit, Exhibit.id == EvidenceHold.exhibit_id)
                .where(EvidenceHold.operation_id == operation_id)
                .order_by(EvidenceHold.placed_at.desc())
            )
            if active_only:
                query = query.where(EvidenceHold.released_at.is_(None))
            return [
                HoldView(
                    h.id,
                    c.key,
                    c.name,
                    h.starts_at,
                    h.ends_at,
                    h.reason,
                    h.placed_by,
                    h.placed_at,
                    ref or "",
                    h.released_at,
                    h.released_by,
                )
                for h, c, ref in s.execute(query)
            ]

    # --- playback -------------------------------------------------------------------------------
    def record_viewing(
        self, actor: Actor, operation_id: int, camera_keys: list[str], around: datetime, reason: str
    ) -> ActionResult:
        """Playback is asked for with a reason, and recorded, before any footage is shown."""
        if not reason.strip():
            raise ExportError("Say why you are viewing recorded footage (the reason is recorded)")
        if not camera_keys:
            raise ExportError("Choose at least one camera")

        def write(ctx: ActionContext) -> EntryDraft:
            return EntryDraft(
                kind="footage.viewed",
                text=f"Recorded footage viewed: {', '.join(camera_keys)} around {utc_iso(around)}: {reason.strip()}",
                payload={"cameras": camera_keys, "around": around, "reason": reason.strip()},
            )

        return self._record.perform(actor, "footage.play", write, operation_id=operation_id)

    # --- handovers -------------------------------------------------------------------------------
    def handover(self, actor: Actor, reference: str, to_name: str, from_name: str = "", note: str = "") -> ActionResult:
        """Record who received the exhibit, and extend the handling log on its sheet."""
        if not to_name.strip():
            raise ExportError("Say who receives the exhibit")
        giver = from_name.strip() or actor.display_name
        with self._db.read() as s:
            exhibit = s.scalars(select(Exhibit).where(Exhibit.reference == reference)).first()
            if exhibit is None:
                raise ExportError(f"No exhibit {reference}")
            exhibit_id, operation_id, folder = exhibit.id, exhibit.operation_id, Path(exhibit.folder)

        def write(ctx: ActionContext) -> EntryDraft:
            row = ExhibitHandover(
                exhibit_id=exhibit_id, handed_at=ctx.event_time, from_name=giver, to_name=to_name.strip(), note=note
            )
            ctx.session.add(row)
            ctx.session.flush()
            return EntryDraft(
                kind="evidence.handover",
                text=f"Exhibit {reference} handed from {giver} to {to_name.strip()}" + (f": {note}" if note else ""),
                ref_type="exhibit",
                ref_id=str(exhibit_id),
            )

        result = self._record.perform(actor, "evidence.handover", write, operation_id=operation_id)
        if (folder / MANIFEST).exists():
            self.render_sheet(folder)
        return result

    def render_sheet(self, folder: Path) -> None:
        """(Re)write the exhibit sheet with every handover recorded so far."""
        from widgets.exhibit_sheet import Handling, render_exhibit_sheet, sheet_from_manifest  # Qt only when needed

        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        digest = file_sha256(folder / MANIFEST)
        with self._db.read() as s:
            exhibit = s.scalars(select(Exhibit).where(Exhibit.reference == manifest["exhibit_reference"])).first()
            tz_name = (
                s.scalar(select(Operation.timezone).where(Operation.id == exhibit.operation_id)) if exhibit else None
            )
            rows = (
                s.scalars(
                    select(ExhibitHandover).where(ExhibitHandover.exhibit_id == exhibit.id).order_by(ExhibitHandover.id)
                ).all()
                if exhibit
                else []
            )
        tz = ZoneInfo(tz_name or "UTC")
        handovers = [
            Handling(r.handed_at.astimezone(tz).isoformat(timespec="seconds"), r.from_name, r.to_name, r.note)
            for r in rows
        ]
        render_exhibit_sheet(folder / SHEET, sheet_from_manifest(manifest, digest, handovers))

    # --- checking a package against the record -----------------------------------------------------
    def check_against_record(self, report: PackageReport) -> None:
        with self._db.read() as s:
            exhibit = s.scalars(select(Exhibit).where(Exhibit.reference == report.reference)).first()
            if exhibit is None:
                report.problems.append(f"exhibit {report.reference} is not in the operation record's database")
                report.record = "not found"
                return
            entry = s.scalars(
                select(RecordEntry)
                .where(RecordEntry.kind == "evidence.exported", RecordEntry.ref_id == str(exhibit.id))
                .order_by(RecordEntry.seq)
            ).first()
        held = json.loads(entry.payload).get("manifest_sha256") if entry else None
        if held != report.manifest_sha256 or exhibit.manifest_sha256 != report.manifest_sha256:
            report.problems.append(
                f"manifest.json is not the one the record holds for {report.reference} "
                f"(record: {held or exhibit.manifest_sha256}, package: {report.manifest_sha256})"
            )
            report.record = "differs"
            return
        report.record = f"matches record entry {entry.seq}" if entry else "matches the exhibit row"


def verify_package(folder: Path) -> PackageReport:
    """Re-hash every file of an exported package against its manifest and checksums file."""
    report = PackageReport(folder)
    manifest_path = folder / MANIFEST
    if not manifest_path.is_file():
        report.problems.append(f"{MANIFEST} is missing: this is not an evidence package, or it was damaged")
        return report
    try:
        manifest: dict[str, Any] = json.loads(manifest_path.read_text(encoding="utf-8"))
        files: dict[str, str] = manifest["files"]
        report.reference = str(manifest["exhibit_reference"])
    except (ValueError, KeyError, TypeError) as error:
        report.problems.append(f"{MANIFEST} cannot be read ({error}): it was changed or damaged")
        return report
    report.manifest_sha256 = file_sha256(manifest_path)
    for name, digest in sorted(files.items()):
        path = folder / name
        if not path.is_file():
            report.problems.append(f"missing: {name}")
            continue
        report.files_checked += 1
        if file_sha256(path) != digest:
            report.problems.append(f"changed: {name} (SHA-256 differs from the manifest)")
    listed = set(files) | {MANIFEST, CHECKSUMS, SHEET, "README.txt", "FAILED.txt"}
    for path in sorted(folder.rglob("*")):
        name = str(path.relative_to(folder))
        if path.is_file() and name not in listed:
            report.problems.append(f"not in the manifest: {name}")
    if (folder / "FAILED.txt").exists():
        report.problems.append("the package is marked FAILED (see FAILED.txt)")
    _check_sums(folder, report)
    return report


def _check_sums(folder: Path, report: PackageReport) -> None:
    sums = folder / CHECKSUMS
    if not sums.is_file():
        report.problems.append(f"missing: {CHECKSUMS}")
        return
    for line in sums.read_text(encoding="utf-8").splitlines():
        digest, _, name = line.partition("  ")
        if name == MANIFEST and digest != report.manifest_sha256:
            report.problems.append(f"changed: {MANIFEST} (SHA-256 differs from {CHECKSUMS})")
