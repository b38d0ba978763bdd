"""Evidence export: a self-verifying package for one or more cameras over a time range.

The package is built in a hidden ``.partial`` folder and renamed into place only when every
file is written and hashed; a failed or cancelled export is removed (or, if even that fails,
left marked FAILED), never left looking complete. Then one action writes the exhibit, an
evidence hold per camera and the record entry holding the manifest's hash.

Layout: ``master/`` (the recorded packets, bit for bit), ``working/`` (H.264 with burned-in
camera, local date-time with its UTC offset and exhibit reference), ``stills/`` (the tags'
stored stills), ``record-extract.jsonl`` (the range's record entries with their hashes),
``manifest.json``, ``SHA256SUMS`` (``sha256sum -c``), ``README.txt`` and ``exhibit-sheet.pdf``
(the printable sheet carrying the manifest's hash and the handling log).
The package's file names, times and manifest parts are in `console.exhibit_package`; the
request, the job under way and the manifest read from the database in `console.export_job`.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from console.access import require
from console.chain import canonical_json
from console.exhibit_package import (
    CHECKSUMS,
    MANIFEST,
    README,
    SHEET,
    ExportError,
    burned_in_time,
    check_reference,
    folder_name,
    footage_gaps,
    part_entry,
    readme_text,
    sha256_lines,
    utc_iso,
)
from console.export_job import CameraPlan, ExportJob, ExportRequest, build_manifest, write_record_extract
from console.footage import overlapping_segments
from console.operation import mask_polygon
from console.record import ActionContext, EntryDraft, RecordService, utc_now
from console.types import ActionResult, Actor
from storage.db import Database
from storage.models import (
    Camera,
    CameraMask,
    EvidenceHold,
    Exhibit,
    Location,
    Operation,
    Sighting,
)
from video.export import ExportCancelled, SegmentFile, continuous_runs, write_master, write_working_copy
from video.recorder import file_sha256

log = logging.getLogger("sentinel.export")

MAX_RANGE = timedelta(hours=24)
# Share of each camera's export time: the master is a copy, the working copy an encode.
MASTER_SHARE = 0.1


@dataclass(frozen=True)
class ExportResult:
    folder: Path
    manifest_sha256: str
    record: ActionResult
    files: int
    actual_start: datetime
    actual_end: datetime
    gaps: tuple[tuple[str, datetime, datetime], ...] = ()


class ExportService:
    def __init__(self, db: Database, record: RecordService, recordings: Path) -> None:
        self._db = db
        self._record = record
        self.recordings = recordings

    # --- what there is to export -----------------------------------------------------------------
    def _plan(self, request: ExportRequest) -> tuple[Operation, list[CameraPlan]]:
        if request.end <= request.start:
            raise ExportError("The end of the range must come after its start")
        if request.end - request.start > MAX_RANGE:
            raise ExportError("A range of at most 24 hours can be exported at once; export it in parts")
        if not request.reason.strip():
            raise ExportError("Say why this footage is exported (the reason is recorded)")
        if not request.camera_keys:
            raise ExportError("Choose at least one camera")
        with self._db.read() as s:
            query = select(Operation)
            if request.operation:
                query = query.where(Operation.name == request.operation)
            op = s.scalars(query.order_by(Operation.id)).first()
            if op is None:
                raise ExportError(f"No operation {request.operation!r}")
            plans: list[CameraPlan] = []
            for key in dict.fromkeys(request.camera_keys):
                row = s.execute(
                    select(Camera, Location)
                    .outerjoin(Location, Location.id == Camera.location_id)
                    .where(Camera.operation_id == op.id, (Camera.key == key) | (Camera.name == key))
                ).first()
                if row is None:
                    raise ExportError(f"No camera {key!r} in {op.title or op.name}")
                cam, loc = row
                segs = s.scalars(overlapping_segments(cam.id, request.start, request.end)).all()
                open_ = [x for x in segs if x.state == "open"]
                if open_:
                    raise ExportError(
                        f"{cam.name}: footage from {utc_iso(open_[0].starts_at)} is still being recorded; "
                        "export up to then, or wait for its segment to close"
                    )
                masks = [
                    (m.name, mask_polygon(m.points))
                    for m in s.scalars(
                        select(CameraMask).filter_by(camera_id=cam.id).order_by(CameraMask.position, CameraMask.id)
                    )
                ]
                plans.append(CameraPlan(cam.id, cam.key, cam.name, loc.name if loc else "", list(segs), masks=masks))
            if not any(p.segments for p in plans):
                raise ExportError("No recorded footage of the chosen cameras in that range")
            return op, plans

    # --- the export --------------------------------------------------------------------------------
    def export(
        self,
        actor: Actor,
        request: ExportRequest,
        progress: Callable[[float, str], None] | None = None,
        cancelled: Callable[[], bool] | None = None,
    ) -> ExportResult:
        require(actor, "evidence.export")
        reference = check_reference(request.exhibit_reference)
        op, plans = self._plan(request)
        with self._db.read() as s:
            if s.scalar(select(Exhibit.id).where(Exhibit.reference == reference)) is not None:
                raise ExportError(f"Exhibit {reference} already exists; give this export its own reference")
        final = request.out_dir / folder_name(reference)
        if final.exists():
            raise ExportError(f"{final} already exists; choose another folder")
        request.out_dir.mkdir(parents=True, exist_ok=True)
        partial = request.out_dir / f".{folder_name(reference)}.partial-{uuid.uuid4().hex[:8]}"
        partial.mkdir()
        tz = ZoneInfo(op.timezone)
        say = progress or (lambda _f, _w: None)
        try:
            job = ExportJob(actor, op, plans, request, reference, partial, tz)
            manifest = self._build(job, say, cancelled)
            manifest_sha = file_sha256(partial / MANIFEST)
            self._sheet(partial, manifest, manifest_sha, [])
            os.rename(partial, final)
        except BaseException as error:
            self._discard(partial, error)
            raise
        try:
            job.folder = final
            result = self._record_export(job, manifest, manifest_sha)
        except BaseException as error:
            failed = final.with_name(f"{final.name}.FAILED-{utc_now():%Y%m%dT%H%M%SZ}")
            os.rename(final, failed)
            (failed / "FAILED.txt").write_text(
                f"This export is NOT valid evidence: it could not be written to the operation record ({error}).\n",
                encoding="utf-8",
            )
            raise
        gaps = tuple((g["camera"], g["from_dt"], g["to_dt"]) for g in manifest["_gaps"])
        return ExportResult(
            final,
            manifest_sha,
            result,
            len(manifest["files"]),
            datetime.fromisoformat(manifest["actual"]["start_utc"].replace("Z", "+00:00")),
            datetime.fromisoformat(manifest["actual"]["end_utc"].replace("Z", "+00:00")),
            gaps,
        )

    def _discard(self, partial: Path, error: BaseException) -> None:
        why = "cancelled" if isinstance(error, ExportCancelled) else f"failed: {error}"
        log.info("export %s; removing %s", why, partial)
        try:
            shutil.rmtree(partial)
        except OSError as cleanup:
            log.error("could not remove the unfinished export %s: %s", partial, cleanup)
            try:
                (partial / "FAILED.txt").write_text(f"This export {why}. It is incomplete: do not use it.\n")
            except OSError as marking:
                log.error("could not mark %s as failed either: %s", partial, marking)

    def _build(
        self, job: ExportJob, say: Callable[[float, str], None], cancelled: Callable[[], bool] | None
    ) -> dict[str, Any]:
        plans, request, folder, tz, reference = job.plans, job.request, job.folder, job.tz, job.reference
        started = utc_now()
        (folder / "master").mkdir()
        (folder / "working").mkdir()
        gaps: list[dict[str, Any]] = []
        share = 1.0 / len(plans)
        for index, plan in enumerate(plans):
            base = index * share
            self._check_sources(plan)
            files = [SegmentFile(self.recordings / x.path, x.starts_at, x.ends_at) for x in plan.segments]
            runs = continuous_runs(files)
            gaps += footage_gaps(plan.key, runs, request.start, request.end)
            part_share = share / max(1, len(runs))
            for number, run in enumerate(runs, start=1):
                stem = f"{plan.key}_part{number}" if len(runs) > 1 else plan.key
                words = f"{plan.name}: part {number} of {len(runs)}"
                part_base = base + (number - 1) * part_share
                master = write_master(
                    run,
                    request.start,
                    request.end,
                    folder / "master" / f"{stem}.mkv",
                    _stage(say, part_base, part_share * MASTER_SHARE, f"{words}: copying the master"),
                    cancelled,
                )
                if master is None:
                    continue
                working = write_working_copy(
                    master,
                    max(request.start, master.starts_at),
                    folder / "working" / f"{stem}.mp4",
                    _overlay(plan, tz, reference),
                    _stage(
                        say,
                        part_base + part_share * MASTER_SHARE,
                        part_share * (1 - MASTER_SHARE),
                        f"{words}: the working copy",
                    ),
                    cancelled,
                    masks=[polygon for _, polygon in plan.masks],
                )
                plan.parts.append(part_entry(master, working, folder, tz))
        stills = self._copy_stills(plans, request, folder)
        say(0.98, "the record extract and the manifest")
        write_record_extract(self._db, job.op.id, request, folder, sorted({x["sighting"] for x in stills}))
        head = self._record.head()
        manifest = build_manifest(self._db, job, gaps, stills, head, started)
        (folder / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        (folder / README).write_text(readme_text(reference), encoding="utf-8")
        listed = [*sorted(manifest["files"]), MANIFEST]
        (folder / CHECKSUMS).write_text(sha256_lines(folder, listed), encoding="utf-8")
        manifest["_gaps"] = [{"camera": g["camera"], "from_dt": g["from_dt"], "to_dt": g["to_dt"]} for g in gaps]
        say(1.0, "done")
        return manifest

    def _check_sources(self, plan: CameraPlan) -> None:
        """The segments must still be what was recorded: their hashes as taken at closing."""
        for seg in plan.segments:
            path = self.recordings / seg.path
            if not path.exists():
                raise ExportError(f"{plan.name}: recording {seg.path} is missing from the recordings folder")
            if seg.sha256 and file_sha256(path) != seg.sha256:
                raise ExportError(
                    f"{plan.name}: recording {seg.path} has changed since it was recorded (hash differs); "
                    "it cannot be exported as evidence"
                )

    def _copy_stills(self, plans: list[CameraPlan], request: ExportRequest, folder: Path) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        with self._db.read() as s:
            rows = s.scalars(
                select(Sighting)
                .where(
                    Sighting.camera_id.in_([p.id for p in plans]),
                    Sighting.captured_at >= request.start,
                    Sighting.captured_at < request.end,
                )
                .order_by(Sighting.captured_at)
            ).all()
            keys = {p.id: p.key for p in plans}
            for sighting in rows:
                for which, path, digest in (
                    ("boxed", sighting.still_path, sighting.still_sha256),
                    ("clean", sighting.clean_still_path, sighting.clean_still_sha256),
                ):
                    if not path:
                        continue
                    source = Path(path)
                    if not source.exists() or file_sha256(source) != digest:
                        raise ExportError(
                            f"the still of sighting {sighting.id} is missing or changed since it was tagged"
                        )
                    name = f"stills/sighting-{sighting.id}_{keys[sighting.camera_id or 0]}_{which}.jpg"
                    (folder / "stills").mkdir(exist_ok=True)
                    shutil.copyfile(source, folder / name)
                    found.append(
                        {
                            "file": name,
                            "sighting": sighting.id,
                            "captured_at_utc": utc_iso(sighting.captured_at),
                            "camera": keys[sighting.camera_id or 0],
                            "boxes": which == "boxed",
                        }
                    )
        return found

    def _sheet(self, folder: Path, manifest: dict[str, Any], manifest_sha: str, handovers: list[Any]) -> None:
        from widgets.exhibit_sheet import render_exhibit_sheet, sheet_from_manifest

        render_exhibit_sheet(folder / SHEET, sheet_from_manifest(manifest, manifest_sha, handovers))

    def _record_export(self, job: ExportJob, manifest: dict[str, Any], manifest_sha: str) -> ActionResult:
        actor, op, plans, request, reference, folder = (
            job.actor,
            job.op,
            job.plans,
            job.request,
            job.reference,
            job.folder,
        )

        def write(ctx: ActionContext) -> list[EntryDraft]:
            s = ctx.session
            exhibit = Exhibit(
                operation_id=op.id,
                reference=reference,
                camera_id=plans[0].id,
                cameras=canonical_json([p.key for p in plans]),
                starts_at=request.start,
                ends_at=request.end,
                reason=request.reason.strip(),
                folder=str(folder),
                manifest_sha256=manifest_sha,
                created_at=ctx.event_time,
            )
            s.add(exhibit)
            s.flush()
            holds = [
                EvidenceHold(
                    operation_id=op.id,
                    camera_id=p.id,
                    starts_at=min([request.start, *(x.starts_at for x in p.segments)]),
                    ends_at=max([request.end, *(x.ends_at for x in p.segments)]),
                    reason=f"exhibit {reference}: {request.reason.strip()}",
                    exhibit_id=exhibit.id,
                    placed_at=ctx.event_time,
                    placed_by=actor.login,
                )
                for p in plans
                if p.segments
            ]
            s.add_all(holds)
            s.flush()
            names = ", ".join(p.name for p in plans)
            drafts = [
                EntryDraft(
                    kind="evidence.exported",
                    text=f"Exhibit {reference} exported: {names}, {manifest['requested']['start_local']} to "
                    f"{manifest['requested']['end_local']}; reason: {request.reason.strip()}",
                    ref_type="exhibit",
                    ref_id=str(exhibit.id),
                    payload={
                        "exhibit_reference": reference,
                        "manifest_sha256": manifest_sha,
                        "cameras": [p.key for p in plans],
                        "files": len(manifest["files"]),
                        "requested": manifest["requested"],
                        "actual": manifest["actual"],
                    },
                    about=(exhibit,),
                )
            ]
            names_by_id = {p.id: p.name for p in plans}
            drafts += [
                EntryDraft(
                    kind="evidence.held",
                    text=f"Footage held for exhibit {reference}: {names_by_id[h.camera_id]}, {utc_iso(h.starts_at)} "
                    f"to {utc_iso(h.ends_at)}",
                    ref_type="evidence_hold",
                    ref_id=str(h.id),
                    payload={"exhibit_reference": reference},
                    about=(h,),
                )
                for h in holds
            ]
            return drafts

        return self._record.perform(actor, "evidence.export", write, operation_id=op.id)


def _stage(say: Callable[[float, str], None], base: float, width: float, words: str) -> Callable[[float], None]:
    """Progress of one step, as a share of the whole export."""
    return lambda fraction: say(base + width * fraction, words)


def _overlay(plan: CameraPlan, tz: ZoneInfo, reference: str) -> Callable[[datetime], list[str]]:
    where = f" - {plan.location}" if plan.location and plan.location != plan.name else ""

    def lines(moment: datetime) -> list[str]:
        return [f"{plan.name}{where}", burned_in_time(moment, tz), f"Exhibit {reference}"]

    return lines
