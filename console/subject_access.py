"""Subject access and erasure requests for one subject (by reference) or one vehicle (by VRM):
list everything held, serve it as a folder (JSON, CSV, the stills, SHA256SUMS and a readable
summary), or erase it regardless of age (a supervisor, with a reason; refused while evidence
holds cover it). Each is a record entry naming the subject by reference or the vehicle by id,
never the VRM."""

from __future__ import annotations

import csv
import io
import json
import logging
import os
import shutil
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from console.access import require
from console.chain import canonical_json
from console.exhibit_package import sha256_lines, utc_iso
from console.footage import overlapping_segments
from console.letters import letter_reference
from console.record import ActionContext, EntryDraft, RecordService, utc_now
from console.registers import SENSITIVE_FIELDS
from console.retention import Erasure, delete_files, erase_rows, erasure_draft
from console.text import clean_text
from console.types import ActionResult, Actor
from console.vrm import check_vrm, compact
from storage.db import Database
from storage.models import (
    Camera,
    EvidenceHold,
    Exhibit,
    Location,
    Outcome,
    PartnerAction,
    RecordEntry,
    RecordRow,
    Sighting,
    Subject,
    SubjectSensitive,
    SupportOrder,
    Vehicle,
    WarningLetter,
)
from video.recorder import file_sha256
from widgets.subject_access_pdf import render_summary

log = logging.getLogger("sentinel.subject_access")

SUMS = "SHA256SUMS"
REASON_LIMIT = 500


class SubjectAccessError(ValueError):
    """A request that cannot be served as asked, in words for the supervisor."""


@dataclass(frozen=True)
class DataRequest:
    """Who a request is about: a subject reference (SW-014) or a VRM (as typed)."""

    subject: str = ""
    vrm: str = ""

    def __post_init__(self) -> None:
        if bool(self.subject.strip()) == bool(self.vrm.strip()):
            raise SubjectAccessError("Give either a subject reference or a VRM.")


@dataclass(frozen=True)
class HeldSighting:
    id: int
    captured_at: datetime
    category: str
    camera: str
    location: str
    in_prescribed_area: bool
    direction: str
    notes: str
    boxes: str
    stills: tuple[str, ...]  # file paths still on disk
    still_sha256: tuple[str, ...]
    erased_at: datetime | None
    holds: tuple[int, ...]  # the evidence holds that cover it


@dataclass(frozen=True)
class Holding:
    """Everything the console holds about one subject or vehicle (plain data, to show and serve)."""

    kind: str  # subject, vehicle
    row_id: int
    label: str  # "SW-014" or "vehicle 17": how the record refers to it
    details: dict[str, str]
    erased_at: datetime | None
    sensitive: dict[str, str] = field(default_factory=dict)
    sightings: tuple[HeldSighting, ...] = ()
    outcomes: tuple[dict[str, Any], ...] = ()
    letters: tuple[dict[str, Any], ...] = ()
    support_orders: tuple[dict[str, Any], ...] = ()
    partner_actions: tuple[dict[str, Any], ...] = ()
    record_entries: tuple[dict[str, Any], ...] = ()
    footage: tuple[dict[str, Any], ...] = ()
    exhibits: tuple[dict[str, Any], ...] = ()
    holds: tuple[dict[str, Any], ...] = ()

    def counts(self) -> dict[str, int]:
        return {
            "sightings": len(self.sightings),
            "stills": sum(len(x.stills) for x in self.sightings),
            "outcomes": len(self.outcomes),
            "letters": len(self.letters),
            "support_orders": len(self.support_orders),
            "partner_actions": len(self.partner_actions),
            "record_entries": len(self.record_entries),
            "footage_segments": len(self.footage),
            "exhibits": len(self.exhibits),
            "holds": len(self.holds),
        }

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["counts"] = self.counts()
        return data

    def summary(self) -> str:
        """The readable summary: what is held, in words."""
        lines = [f"Data held about {self.label} ({self.kind})", ""]
        if self.erased_at is not None:
            lines.append(f"Personal details erased {self.erased_at:%Y-%m-%d %H:%M} UTC")
        lines += [f"{_label(k)}: {v or '-'}" for k, v in self.details.items()]
        if self.sensitive:
            lines += ["", "Special-category data:"]
            lines += [f"  {k.capitalize()}: {v or '-'}" for k, v in self.sensitive.items()]
        lines += ["", "Counts:"] + [f"  {k.replace('_', ' ')}: {n}" for k, n in self.counts().items()]
        lines += ["", "Sightings:"] + ([f"  {_sighting_line(x)}" for x in self.sightings] or ["  none"])
        for title, items, line in (
            ("Outcomes", self.outcomes, "{recorded_at} {kind} {detail}"),
            ("Warning letters", self.letters, "{reference} prepared {prepared_at}"),
            ("ESOs", self.support_orders, "applied {applied_at}, sessions {sessions} {ending}"),
            ("Partner actions", self.partner_actions, "{partner}: {finding} ({status})"),
            ("Footage held", self.footage, "segment {segment} on {camera} {from} to {to}"),
            ("Exhibits", self.exhibits, "{reference} {from} to {to}"),
            ("Evidence holds", self.holds, "hold {id} on {camera} {from} to {to}: {reason}"),
            ("Record entries", self.record_entries, "#{seq} {time} {kind}: {text}"),
        ):
            lines += ["", f"{title}:"] + ([f"  {line.format(**i)}".rstrip() for i in items] or ["  none"])
        return "\n".join(lines) + "\n"


def _label(key: str) -> str:
    return "VRM" if key == "vrm" else key.replace("_", " ").capitalize()


def _sighting_line(x: HeldSighting) -> str:
    held = f"; held as evidence (hold {', '.join(map(str, x.holds))})" if x.holds else ""
    erased = "; details erased" if x.erased_at else ""
    return f"{utc_iso(x.captured_at)} {x.category} on {x.camera} at {x.location or '-'}{held}{erased}"


@dataclass(frozen=True)
class Served:
    folder: Path
    files: int
    sums_sha256: str
    result: ActionResult


class SubjectAccessService:
    def __init__(self, db: Database, record: RecordService, clock: Callable[[], datetime] = utc_now) -> None:
        self._db = db
        self._record = record
        self._clock = clock

    # --- list ------------------------------------------------------------------------------------
    def list_held(self, actor: Actor, operation_id: int, request: DataRequest, reason: str) -> Holding:
        """Everything held; the listing (a special-category read too) is written to the record first."""
        require(actor, "subject_access.serve")
        require(actor, "sensitive.read")
        reason = self._reason(request, reason)
        found: dict[str, Holding] = {}

        def write(ctx: ActionContext) -> list[EntryDraft]:
            holding = found["h"] = gather(ctx.session, operation_id, request)
            return self._drafts(actor, "subject_access.listed", "listed", holding, reason, {})

        self._record.perform(actor, "subject_access.serve", write, operation_id=operation_id)
        return found["h"]

    # --- serve -----------------------------------------------------------------------------------
    def export(self, actor: Actor, operation_id: int, request: DataRequest, reason: str, out_dir: Path) -> Served:
        """Write the folder (built as .partial, renamed when whole), then the served entry."""
        require(actor, "subject_access.serve")
        require(actor, "sensitive.read")
        reason = self._reason(request, reason)
        with self._db.read() as s:
            holding = gather(s, operation_id, request)
        name = f"SAR-{holding.label.replace(' ', '-')}-{self._clock():%Y%m%dT%H%M%SZ}"
        final = out_dir / name
        if final.exists():
            raise SubjectAccessError(f"{final} already exists; choose another folder")
        out_dir.mkdir(parents=True, exist_ok=True)
        partial = out_dir / f".{name}.partial-{uuid.uuid4().hex[:8]}"
        partial.mkdir()
        try:
            names = write_folder(partial, holding)
            (partial / SUMS).write_text(sha256_lines(partial, names), encoding="utf-8")
            os.rename(partial, final)
        except BaseException:
            shutil.rmtree(partial, ignore_errors=True)
            raise
        sums = file_sha256(final / SUMS)

        def write(ctx: ActionContext) -> list[EntryDraft]:
            extra = {"files": len(names), "sha256sums_sha256": sums, "folder": name}
            return self._drafts(actor, "subject_access.served", "served", holding, reason, extra)

        try:
            result = self._record.perform(actor, "subject_access.serve", write, operation_id=operation_id)
        except BaseException as error:
            failed = final.with_name(f"{final.name}.FAILED")
            os.rename(final, failed)
            (failed / "FAILED.txt").write_text(f"Not served: the record entry could not be written ({error}).\n")
            raise
        return Served(final, len(names), sums, result)

    # --- erase -----------------------------------------------------------------------------------
    def erase(self, actor: Actor, operation_id: int, request: DataRequest, reason: str) -> ActionResult:
        """Erase the subject's or vehicle's personal data regardless of age; refused (naming the
        holds) while any evidence hold covers one of its sightings."""
        require(actor, "subject_access.erase")
        reason = self._reason(request, reason)
        files: list[str] = []

        def write(ctx: ActionContext) -> EntryDraft:
            ctx.serialise()  # against a retention batch or another request erasing the same rows
            s = ctx.session
            holding = gather(s, operation_id, request, with_record=False)
            if holding.holds:
                held = "; ".join(f"hold {h['id']} on {h['camera']} ({h['reason']})" for h in holding.holds)
                raise SubjectAccessError(
                    f"{holding.label} is under evidence hold and cannot be erased: {held}. "
                    "Release the hold first, if the case allows."
                )
            due = Erasure()
            due.ids[holding.kind] = [holding.row_id] if holding.erased_at is None else []
            due.ids["sighting"] = [x.id for x in holding.sightings if x.erased_at is None]
            if not due.size:
                raise SubjectAccessError(f"Nothing left to erase: the data of {holding.label} is erased already.")
            files[:] = erase_rows(s, due, ctx.event_time)
            draft = erasure_draft(
                "subject_access.erased",
                due,
                files,
                f"erasure request: {reason}",
                operation_id,
                {"request": holding.kind, "ref": holding.label},
            )
            draft.ref_type, draft.ref_id = holding.kind, str(holding.row_id)
            draft.text = f"Erasure request served for {holding.label}: {draft.text}"
            return draft

        result = self._record.perform(actor, "subject_access.erase", write, operation_id=operation_id)
        delete_files(files)
        return result

    # --- helpers ---------------------------------------------------------------------------------
    @staticmethod
    def _reason(request: DataRequest, reason: str) -> str:
        reason = clean_text(reason, "Reason for the request", REASON_LIMIT, required=True)
        if request.vrm and len(compact(request.vrm)) >= 3 and compact(request.vrm) in compact(reason):
            raise SubjectAccessError("Leave the VRM out of the reason: the record keeps no personal data.")
        return reason

    @staticmethod
    def _drafts(
        actor: Actor, kind: str, verb: str, holding: Holding, reason: str, extra: dict[str, Any]
    ) -> list[EntryDraft]:
        counts = holding.counts()
        drafts = [
            EntryDraft(
                kind=kind,
                text=f"Subject access request: data held about {holding.label} {verb} "
                f"({counts['sightings']} sighting(s), {counts['record_entries']} record entries); reason: {reason}",
                ref_type=holding.kind,
                ref_id=str(holding.row_id),
                payload={"reason": reason, "counts": counts, **extra},
            )
        ]
        if holding.kind == "subject":  # the special-category read, audited as every such read is
            drafts.append(
                EntryDraft(
                    kind="sensitive.viewed",
                    text=f"{actor.display_name} viewed special-category data of {holding.label} (subject access)",
                    ref_type="subject",
                    ref_id=str(holding.row_id),
                    payload={"reason": reason},
                )
            )
        return drafts


# --- gathering -------------------------------------------------------------------------------------


def find_row(s: Session, operation_id: int, request: DataRequest) -> Subject | Vehicle:
    if request.subject:
        reference = request.subject.strip().upper()
        subject = s.scalars(select(Subject).filter_by(operation_id=operation_id, reference=reference)).first()
        if subject is None:
            raise SubjectAccessError(f"No subject {reference} in this operation.")
        return subject
    check = check_vrm(request.vrm)
    key = compact(check.vrm or request.vrm)
    vehicle = s.scalars(
        select(Vehicle).where(
            Vehicle.operation_id == operation_id,
            or_(Vehicle.vrm == (check.vrm or request.vrm.strip().upper()), Vehicle.vrm_key == key),
        )
    ).first()
    if vehicle is None or not key:
        raise SubjectAccessError("No vehicle with that VRM in this operation (or its details were erased).")
    return vehicle


def gather(s: Session, operation_id: int, request: DataRequest, *, with_record: bool = True) -> Holding:
    row = find_row(s, operation_id, request)
    if isinstance(row, Subject):
        kind, label = "subject", row.reference
        details = {
            "reference": row.reference,
            "category": row.category_key,
            "description": row.description,
            "age_band": row.age_band,
            "locality": row.locality,
            "created_at": utc_iso(row.created_at),
        }
        sensitive_row = s.get(SubjectSensitive, row.id)
        sensitive = {f: getattr(sensitive_row, f) if sensitive_row else "" for f in SENSITIVE_FIELDS}
        owner = Sighting.subject_id
    else:
        kind, label = "vehicle", f"vehicle {row.id}"
        details = {
            "vrm": "" if row.erased_at else row.vrm,
            "make": row.make,
            "model": row.model,
            "colour": row.colour,
        }
        sensitive, owner = {}, Sighting.vehicle_id
    hold_rows = list(
        s.scalars(
            select(EvidenceHold).where(EvidenceHold.operation_id == operation_id, EvidenceHold.released_at.is_(None))
        )
    )
    cameras = {c.id: c for c in s.scalars(select(Camera).where(Camera.operation_id == operation_id))}
    places = {loc.id: loc.name for loc in s.scalars(select(Location).where(Location.operation_id == operation_id))}
    sightings: list[HeldSighting] = []
    footage: dict[int, dict[str, Any]] = {}
    exhibits: dict[int, dict[str, Any]] = {}
    held_by: dict[int, dict[str, Any]] = {}
    for x in s.scalars(select(Sighting).where(owner == row.id).order_by(Sighting.captured_at)):
        cam = cameras.get(x.camera_id or 0)
        covering = [h for h in hold_rows if h.camera_id == x.camera_id and h.starts_at <= x.captured_at <= h.ends_at]
        for h in covering:
            held_by[h.id] = {
                "id": h.id,
                "camera": cam.key if cam else "",
                "from": utc_iso(h.starts_at),
                "to": utc_iso(h.ends_at),
                "reason": h.reason,
                "exhibit_id": h.exhibit_id,
            }
        stills = tuple(p for p in (x.still_path, x.clean_still_path) if p)
        sightings.append(
            HeldSighting(
                x.id,
                x.captured_at,
                x.category_key,
                cam.key if cam else "",
                places.get(x.location_id or 0, ""),
                x.in_prescribed_area,
                x.direction,
                x.notes,
                x.boxes,
                stills,
                (x.still_sha256, x.clean_still_sha256),
                x.erased_at,
                tuple(h.id for h in covering),
            )
        )
        if x.camera_id is not None:
            moment = x.captured_at
            for seg in s.scalars(overlapping_segments(x.camera_id, moment, moment + timedelta(microseconds=1))):
                footage[seg.id] = {
                    "segment": seg.id,
                    "camera": cam.key if cam else "",
                    "from": utc_iso(seg.starts_at),
                    "to": utc_iso(seg.ends_at),
                    "path": seg.path,
                    "sha256": seg.sha256,
                }
            for ex in s.scalars(
                select(Exhibit).where(
                    Exhibit.operation_id == operation_id, Exhibit.starts_at <= moment, Exhibit.ends_at >= moment
                )
            ):
                keys = json.loads(ex.cameras or "[]")
                if ex.camera_id == x.camera_id or (cam is not None and cam.key in keys):
                    exhibits[ex.id] = {
                        "reference": ex.reference,
                        "from": utc_iso(ex.starts_at),
                        "to": utc_iso(ex.ends_at),
                        "manifest_sha256": ex.manifest_sha256,
                    }
    sighting_ids = [x.id for x in sightings]
    outcome_owner = Outcome.subject_id if kind == "subject" else Outcome.vehicle_id
    outcomes = [
        {"id": o.id, "kind": o.kind, "recorded_at": utc_iso(o.recorded_at), "detail": o.detail, "tasking": o.tasking_id}
        for o in s.scalars(select(Outcome).where(outcome_owner == row.id).order_by(Outcome.recorded_at))
    ]
    letters = []
    if kind == "vehicle":
        for w in s.scalars(select(WarningLetter).where(WarningLetter.vehicle_id == row.id).order_by(WarningLetter.id)):
            letters.append(
                {
                    "id": w.id,
                    "reference": letter_reference(w.id),
                    "prepared_at": utc_iso(w.prepared_at),
                    "printed_at": _when(w.printed_at),
                    "keeper_name": w.keeper_name,
                    "keeper_address": w.keeper_address,
                    "body": w.body,
                    "erased_at": _when(w.erased_at),
                }
            )
    orders = []
    if kind == "subject":
        for o in s.scalars(select(SupportOrder).where(SupportOrder.subject_id == row.id).order_by(SupportOrder.id)):
            orders.append(
                {
                    "id": o.id,
                    "applied_at": utc_iso(o.applied_at),
                    "made_at": _when(o.made_at),
                    "ended_at": _when(o.ended_at),
                    "ending": o.ending,
                    "sessions": f"{o.sessions_attended} of {o.sessions_required}",
                    "notes": o.notes,
                }
            )
    actions = [
        {"id": a.id, "finding": a.finding, "partner": a.partner, "status": a.status, "sighting": a.sighting_id}
        for a in s.scalars(select(PartnerAction).where(PartnerAction.sighting_id.in_(sighting_ids or [-1])))
    ]
    entries = _entries(s, kind, row.id, sighting_ids, outcomes, letters, orders, actions) if with_record else []
    return Holding(
        kind,
        row.id,
        label,
        details,
        row.erased_at,
        sensitive,
        tuple(sightings),
        tuple(outcomes),
        tuple(letters),
        tuple(orders),
        tuple(actions),
        tuple(entries),
        tuple(footage.values()),
        tuple(exhibits.values()),
        tuple(held_by.values()),
    )


def _entries(
    s: Session,
    kind: str,
    row_id: int,
    sighting_ids: list[int],
    outcomes: list[dict[str, Any]],
    letters: list[dict[str, Any]],
    orders: list[dict[str, Any]],
    actions: list[dict[str, Any]],
) -> list[dict[str, Any]]:
    """The record entries that wrote these rows (record_row) or are about them (ref_type/ref_id)."""
    refs = [(kind, row_id)] + [("sighting", i) for i in sighting_ids]
    refs += [("outcome", o["id"]) for o in outcomes] + [("warning_letter", w["id"]) for w in letters]
    refs += [("support_order", o["id"]) for o in orders] + [("partner_action", a["id"]) for a in actions]
    if kind == "subject":
        refs.append(("subject_sensitive", row_id))
    seqs: set[int] = set()
    for table, key in refs:
        seqs.update(s.scalars(select(RecordRow.seq).where(RecordRow.table == table, RecordRow.key == str(key))))
        seqs.update(
            s.scalars(select(RecordEntry.seq).where(RecordEntry.ref_type == table, RecordEntry.ref_id == str(key)))
        )
    found = []
    ordered = sorted(seqs)
    for start in range(0, len(ordered), 500):
        for e in s.scalars(
            select(RecordEntry).where(RecordEntry.seq.in_(ordered[start : start + 500])).order_by(RecordEntry.seq)
        ):
            found.append(
                {"seq": e.seq, "time": utc_iso(e.event_time), "operator": e.operator, "kind": e.kind, "text": e.text}
            )
    return found


# --- the served folder -----------------------------------------------------------------------------


def write_folder(folder: Path, holding: Holding) -> list[str]:
    """data.json, sightings.csv, letters.csv, the stills, summary.txt and .pdf; the names written."""
    names = ["data.json", "sightings.csv", "summary.txt"]
    (folder / "data.json").write_text(canonical_json(holding.as_json()) + "\n", encoding="utf-8")
    (folder / "sightings.csv").write_text(
        _csv(
            ["id", "captured_at_utc", "category", "camera", "location", "in_prescribed_area", "notes", "erased_at"],
            [
                [
                    x.id,
                    utc_iso(x.captured_at),
                    x.category,
                    x.camera,
                    x.location,
                    x.in_prescribed_area,
                    x.notes,
                    _when(x.erased_at),
                ]
                for x in holding.sightings
            ],
        ),
        encoding="utf-8",
    )
    if holding.letters:
        fields = ["reference", "prepared_at", "printed_at", "keeper_name", "keeper_address", "erased_at"]
        (folder / "letters.csv").write_text(
            _csv(fields, [[w[f] for f in fields] for w in holding.letters]), encoding="utf-8"
        )
        names.append("letters.csv")
    summary = holding.summary()
    (folder / "summary.txt").write_text(summary, encoding="utf-8")
    render_summary(folder / "summary.pdf", f"Data held about {holding.label}", summary)
    names.append("summary.pdf")
    for x in holding.sightings:
        for which, path in zip(("boxed", "clean"), x.stills, strict=False):
            source = Path(path)
            if not source.exists():
                log.warning("still of sighting %s missing: %s", x.id, source)
                continue
            name = f"stills/sighting-{x.id}_{which}.jpg"
            (folder / "stills").mkdir(exist_ok=True)
            shutil.copyfile(source, folder / name)
            names.append(name)
    return names


def _when(moment: datetime | None) -> str:
    return utc_iso(moment) if moment is not None else ""


def _csv(header: list[str], rows: list[list[Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()
