"""Bulk-seeds the returns benchmark's operation (benchmarks/returns.py): turns the plan
(returns_plan.py) into rows and record entries on one unbroken chain, exactly as the write path
would have written them, inserted in batches."""

from __future__ import annotations

import hashlib
import heapq
import logging
import random
import time
import uuid
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import Engine, func, insert, select, update

from benchmarks.returns_plan import add_notes, plan_operation, planned_entries
from console.chain import GENESIS, canonical_json, entry_hash, row_digest, sha256_text
from console.demo import DEMO_CONTROLLER, DEMO_NAME, DEMO_VEHICLES
from console.dispatch_rules import OUTCOME_WORDS, REFERRAL_TO, STATUS_WORDS, tasking_ref
from console.services import Services
from console.types import Actor
from storage.models import (
    Camera,
    Category,
    Location,
    LogNote,
    Operation,
    Outcome,
    PatrolUnit,
    RecordEntry,
    RecordRow,
    Sighting,
    Subject,
    Tasking,
    TaskingUnit,
    UnitStatusChange,
    Vehicle,
)
from video.stills import encode_stills

log = logging.getLogger("returns_bench")
LETTERS = "ABCDEFGHJKLMNOPRSTUVWXY"
BATCH = 20_000  # entries per insert transaction
# Insert order of the bulk rows (foreign keys first).
TABLES: tuple[type[Any], ...] = (
    Vehicle,
    Subject,
    Sighting,
    Tasking,
    TaskingUnit,
    UnitStatusChange,
    Outcome,
    LogNote,
    RecordEntry,
    RecordRow,
)
DESCRIPTIONS = ("Red coat, long dark hair", "Grey hoodie, on foot", "Black puffer jacket", "Green jacket, trainers")


def _vrm(rng: random.Random) -> str:
    age = rng.choice([f"{n:02d}" for n in list(range(2, 26)) + list(range(51, 76))])
    return f"{rng.choice(LETTERS)}{rng.choice(LETTERS)}{age} {''.join(rng.choices(LETTERS, k=3))}"


def _columns(row: Any) -> dict[str, Any]:
    """Every column of a row for a bulk insert (digests leave some out: see row_values)."""
    return {c.key: getattr(row, c.key) for c in row.__table__.columns}


# --- writing the plan as the write path would have -------------------------------------------


class Seeder:
    """Turns the plan into rows and chained record entries, inserted in batches."""

    def __init__(self, services: Services, op: Operation, actor: Actor, stills: Path, rng: random.Random) -> None:
        self.engine: Engine = services.db.engine
        self.op = op
        self.actor = actor
        self.rng = rng
        self.buffers: dict[type[Any], list[dict[str, Any]]] = {t: [] for t in TABLES}
        self.counts: Counter[str] = Counter()
        self.pending = 0
        with services.db.read() as s:
            head = s.execute(
                select(RecordEntry.seq, RecordEntry.hash).order_by(RecordEntry.seq.desc()).limit(1)
            ).first()
            self.seq: int = head.seq if head else 0
            self.prev: str = head.hash if head else GENESIS
            self.existing_entries = self.seq
            self.next_id = {
                t: int(s.scalar(select(func.max(t.id))) or 0) for t in TABLES if t not in (RecordEntry, RecordRow)
            }
            self.units = [
                PatrolUnit(**_columns(u))
                for u in s.scalars(select(PatrolUnit).filter_by(operation_id=op.id).order_by(PatrolUnit.id))
            ]
            self.cameras = [
                {
                    "id": c.id,
                    "key": c.key,
                    "name": c.name,
                    "location_id": c.location_id,
                    "place": name,
                    "inside": inside,
                }
                for c, name, inside in s.execute(
                    select(Camera, Location.name, Location.in_prescribed_area)
                    .outerjoin(Location, Location.id == Camera.location_id)
                    .where(Camera.operation_id == op.id)
                    .order_by(Camera.id)
                )
            ]
            self.categories = {
                c.key: c for c in s.scalars(select(Category).filter_by(operation_id=op.id).order_by(Category.id))
            }
        image = np.full((270, 480, 3), 70, dtype=np.uint8)
        boxed, clean = encode_stills(image, [(10, 10, 100, 60)])
        stills.mkdir(parents=True, exist_ok=True)
        self.boxed_path, self.clean_path = stills / "placeholder-boxed.jpg", stills / "placeholder-clean.jpg"
        self.boxed_path.write_bytes(boxed)
        self.clean_path.write_bytes(clean)
        self.boxed_sha, self.clean_sha = hashlib.sha256(boxed).hexdigest(), hashlib.sha256(clean).hexdigest()
        self.vehicle_ids: dict[int, Vehicle] = {}
        self.subject_ids: dict[int, Subject] = {}
        self.references: Counter[str] = Counter()
        self.sightings: dict[int, Sighting] = {}
        self.open: dict[int, tuple[Tasking, TaskingUnit]] = {}
        self.parties: dict[int, tuple[int | None, int | None]] = {}  # tasking id -> (vehicle, subject)
        self.vrms: set[str] = set()

    def _id(self, table: type[Any]) -> int:
        self.next_id[table] += 1
        return self.next_id[table]

    def _new(self, obj: Any, final: Any = None) -> None:
        """Buffer a new row for insertion (`final`: its values at the end of the plan, if they change)."""
        self.buffers[type(obj)].append(_columns(final if final is not None else obj))
        self.counts[obj.__tablename__] += 1

    def _entry(
        self,
        when: datetime,
        action_id: str,
        kind: str,
        text: str,
        ref_type: str,
        ref_id: int,
        payload: dict[str, Any],
        touched: Sequence[Any],
    ) -> None:
        self.seq += 1
        rows = sorted(
            ({"table": t.__tablename__, "key": str(t.id), "digest": row_digest(t)} for t in touched),
            key=lambda r: (r["table"], r["key"]),
        )
        rows_json = canonical_json(rows)
        fields = {
            "seq": self.seq,
            "action_id": action_id,
            "operation_id": self.op.id,
            "event_time": when,
            "append_time": when + timedelta(seconds=1),
            "operator": self.actor.login,
            "console_id": self.actor.console_id,
            "kind": kind,
            "ref_type": ref_type,
            "ref_id": str(ref_id),
            "corrects_seq": None,
            "text": text,
            "payload": canonical_json(payload),
            "rows_digest": sha256_text(rows_json),
            "prev_hash": self.prev,
        }
        self.prev = entry_hash(fields)
        self.buffers[RecordEntry].append({**fields, "rows": rows_json, "hash": self.prev})
        self.buffers[RecordRow].extend({"seq": self.seq, "table": r["table"], "key": r["key"]} for r in rows)
        self.counts["record_entry"] += 1
        self.counts["record_row"] += len(rows)
        self.counts[f"entry:{kind}"] += 1
        self.pending += 1

    def _change(self, unit: PatrolUnit, status: str, tasking_id: int | None, when: datetime) -> UnitStatusChange:
        change = UnitStatusChange(
            id=self._id(UnitStatusChange),
            unit_id=unit.id,
            tasking_id=tasking_id,
            from_status=unit.status,
            to_status=status,
            changed_at=when,
            operator_id=self.actor.operator_id,
        )
        self._new(change)
        self.counts[f"unit_status_change:{status}"] += 1
        unit.status, unit.status_since = status, when
        return change

    def apply(self, when: datetime, kind: str, d: dict[str, Any]) -> None:
        action_id = uuid.uuid4().hex
        if kind == "sighting":
            self._sighting(when, action_id, d)
        elif kind == "status":
            unit = self.units[d["unit"]]
            held = self.open.get(d["tasking"]) if d["tasking"] else None
            was = unit.status
            change = self._change(unit, d["to"], held[0].id if held else None, when)
            self._entry(
                when,
                action_id,
                "unit.status",
                f"{unit.call_sign} {STATUS_WORDS[was]} → {STATUS_WORDS[d['to']]}",
                "patrol_unit",
                unit.id,
                {"from": was, "to": d["to"]},
                [change, unit],
            )
        elif kind == "dispatch":
            self._dispatch(when, action_id, d)
        elif kind == "close":
            self._close(when, action_id, d)
        elif kind == "note":
            unit_id = self.units[d["unit"]].id if d.get("unit") is not None else None
            camera = d.get("camera")
            note = LogNote(
                id=self._id(LogNote),
                operation_id=self.op.id,
                operator_id=self.actor.operator_id,
                unit_id=unit_id,
                camera_id=self.cameras[camera]["id"] if camera is not None else None,
                noted_at=when,
                text=d["text"],
            )
            self._new(note)
            self._entry(when, action_id, "log.note", "Log note", "log_note", note.id, {}, [note])
        else:
            raise ValueError(kind)
        if self.pending >= BATCH:
            self.flush()

    def _sighting(self, when: datetime, action_id: str, d: dict[str, Any]) -> None:
        camera = self.cameras[d["camera"]]
        category = self.categories[d["category"]]
        touched: list[Any] = []
        vehicle_id = subject_id = None
        if d["vehicle"] is not None:
            vehicle = self.vehicle_ids.get(d["vehicle"])
            if vehicle is None:
                _, make, model, colour = self.rng.choice(DEMO_VEHICLES)
                vehicle = Vehicle(
                    id=self._id(Vehicle),
                    operation_id=self.op.id,
                    vrm=self._unique_vrm(),
                    foreign_format=False,
                    make=make,
                    model=model,
                    colour=colour,
                )
                self.vehicle_ids[d["vehicle"]] = vehicle
                self._new(vehicle)
                touched.append(vehicle)
            vehicle_id = vehicle.id
        if d["subject"] is not None:
            subject = self.subject_ids.get(d["subject"])
            if subject is None:
                self.references[category.subject_prefix] += 1
                subject = Subject(
                    id=self._id(Subject),
                    operation_id=self.op.id,
                    reference=f"{category.subject_prefix}-{self.references[category.subject_prefix]:03d}",
                    category_key=category.key,
                    description=self.rng.choice(DESCRIPTIONS),
                    age_band="",
                    locality="",
                    created_at=when,
                )
                self.subject_ids[d["subject"]] = subject
                self._new(subject)
                touched.append(subject)
            subject_id = subject.id
        sighting = Sighting(
            id=self._id(Sighting),
            operation_id=self.op.id,
            category_key=category.key,
            captured_at=d["captured"],
            camera_id=camera["id"],
            location_id=camera["location_id"],
            in_prescribed_area=bool(camera["inside"]),
            operator_id=self.actor.operator_id,
            subject_id=subject_id,
            vehicle_id=vehicle_id,
            direction="",
            boxes="[[10, 10, 100, 60]]",
            notes="",
            still_path=str(self.boxed_path),
            still_sha256=self.boxed_sha,
            clean_still_path=str(self.clean_path),
            clean_still_sha256=self.clean_sha,
        )
        self._new(sighting)
        self.sightings[d["no"]] = sighting
        touched.append(sighting)
        payload = {
            "category": category.key,
            "camera": camera["key"],
            "captured_at": d["captured"].isoformat(),
            "boxes": 1,
            "still_sha256": self.boxed_sha,
            "clean_still_sha256": self.clean_sha,
        }
        text = f"{category.label} tagged on {camera['name']}"
        self._entry(when, action_id, "sighting.tagged", text, "sighting", sighting.id, payload, touched)

    def _unique_vrm(self) -> str:
        while True:
            vrm = _vrm(self.rng)
            if vrm not in self.vrms:
                self.vrms.add(vrm)
                return vrm

    def _dispatch(self, when: datetime, action_id: str, d: dict[str, Any]) -> None:
        unit = self.units[d["unit"]]
        sighting = self.sightings.pop(d["sighting"])
        tasking = Tasking(
            id=self._id(Tasking),
            operation_id=self.op.id,
            sighting_id=sighting.id,
            location_id=sighting.location_id,
            instructions="",
            opened_at=when,
            closed_at=None,
        )
        place = TaskingUnit(
            id=self._id(TaskingUnit), tasking_id=tasking.id, unit_id=unit.id, role="primary", joined_at=when
        )
        place.released_at = None
        # The rows go in as they stand at the end of the plan (closed, released); the digests
        # here are of them as dispatched, the closing entry digests them again.
        self._new(tasking, Tasking(**{**_columns(tasking), "closed_at": d["closed"]}))
        self._new(place, TaskingUnit(**{**_columns(place), "released_at": d["closed"]}))
        change = self._change(unit, "dispatched", tasking.id, when)
        self.open[d["tasking"]] = (tasking, place)
        self.counts["taskings"] += 1
        camera = next(c for c in self.cameras if c["id"] == sighting.camera_id)
        text = f"{unit.call_sign} dispatched, tasking {tasking_ref(tasking.id)} to {camera['place']}"
        text += f": sighting {sighting.id}"
        self._entry(
            when,
            action_id,
            "tasking.dispatched",
            text,
            "tasking",
            tasking.id,
            {"unit": unit.call_sign, "sighting_id": sighting.id, "location_id": sighting.location_id},
            [tasking, place, change, unit],
        )
        self.parties[tasking.id] = (sighting.vehicle_id, sighting.subject_id)

    def _close(self, when: datetime, action_id: str, d: dict[str, Any]) -> None:
        unit = self.units[d["unit"]]
        tasking, place = self.open.pop(d["tasking"])
        vehicle_id, subject_id = self.parties.pop(tasking.id)
        tasking.closed_at = when
        place.released_at = when
        change = self._change(unit, "available", tasking.id, when)
        kinds = [k for k, _ in d["outcomes"]]
        text = (
            f"Tasking {tasking_ref(tasking.id)} closed: "
            + "; ".join(OUTCOME_WORDS[k] for k in kinds)
            + f" ({unit.call_sign} released)"
        )
        payload = {"outcomes": kinds, "released": [unit.call_sign]}
        self._entry(
            when, action_id, "tasking.closed", text, "tasking", tasking.id, payload, [tasking, place, change, unit]
        )
        for index, (kind, referral_to) in enumerate(d["outcomes"], start=2):
            detail = ""
            if kind == "referral":
                detail = REFERRAL_TO[referral_to]
            elif kind == "arrest":
                detail = "Arrested on suspicion of controlling prostitution for gain"
            outcome = Outcome(
                id=self._id(Outcome),
                operation_id=self.op.id,
                tasking_id=tasking.id,
                kind=kind,
                subject_id=subject_id if kind not in ("stop_check", "warning_letter", "reported_for_offence") else None,
                vehicle_id=vehicle_id if kind in ("stop_check", "warning_letter", "reported_for_offence") else None,
                recorded_at=when,
                detail=detail,
            )
            self._new(outcome)
            self.counts[f"outcome:{kind}"] += 1
            self._entry(
                when,
                f"{action_id}/{index}",
                f"outcome.{kind}",
                OUTCOME_WORDS[kind].capitalize(),
                "outcome",
                outcome.id,
                {"tasking_id": tasking.id},
                [outcome],
            )

    def flush(self) -> None:
        with self.engine.begin() as conn:
            for table in TABLES:
                rows = self.buffers[table]
                if rows:
                    conn.execute(insert(table), rows)
                    rows.clear()
        log.info("seeded %d entries", self.seq)
        self.pending = 0

    def finish(self) -> None:
        """The last batch, the units as they stand at the end, and statistics for the planner."""
        self.flush()
        with self.engine.begin() as conn:
            for unit in self.units:
                conn.execute(
                    update(PatrolUnit)
                    .where(PatrolUnit.id == unit.id)
                    .values(status=unit.status, status_since=unit.status_since)
                )
        if self.engine.dialect.name == "postgresql":
            with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql("VACUUM ANALYZE")
            with self.engine.begin() as conn:
                for table in TABLES:
                    if table not in (RecordEntry, RecordRow):
                        name = table.__tablename__
                        conn.exec_driver_sql(
                            f"SELECT setval('{name}_id_seq', (SELECT coalesce(max(id), 1) FROM {name}))"
                        )
        else:
            with self.engine.begin() as conn:
                conn.exec_driver_sql("ANALYZE")


def bulk_seed(
    services: Services, sightings: int, entries: int, weeks: int, vehicles: int, subjects: int, stills: Path
) -> dict[str, Any]:
    rng = random.Random(11)
    op_view = services.operations.view(DEMO_NAME)
    actor = services.operations.operator(DEMO_CONTROLLER, services.settings.console_id)
    with services.db.read() as s:
        op = s.scalars(select(Operation).where(Operation.id == op_view.id)).one()
    began = time.perf_counter()
    seeder = Seeder(services, op, actor, stills, rng)
    plan = plan_operation(op, seeder.units, seeder.cameras, sightings, vehicles, subjects, weeks, utc(), rng)
    notes = max(0, entries - seeder.existing_entries - planned_entries(plan))
    add_notes(plan, op, notes, len(seeder.cameras), rng)
    heapq.heapify(plan.events)
    planned = time.perf_counter() - began
    while plan.events:
        when, _, _, kind, data = heapq.heappop(plan.events)
        seeder.apply(when, kind, data)
    seeder.finish()
    c = seeder.counts
    seeded = {
        "seconds": round(time.perf_counter() - began, 1),
        "plan_seconds": round(planned, 1),
        "operation_start": op.start_date.isoformat(),
        "nights": plan.nights,
        "entries_before_seed": seeder.existing_entries,
        "record_entries": seeder.seq,
        "record_entries_seeded": c["record_entry"],
        "record_rows": c["record_row"],
        "sightings": c["sighting"],
        "vehicles": c["vehicle"],
        "subjects": c["subject"],
        "taskings": c["taskings"],
        "unit_status_changes": c["unit_status_change"],
        "unit_status_changes_by_status": {
            k.split(":", 1)[1]: v for k, v in sorted(c.items()) if k.startswith("unit_status_change:")
        },
        "outcomes": c["outcome"],
        "outcomes_by_kind": {k.split(":", 1)[1]: v for k, v in sorted(c.items()) if k.startswith("outcome:")},
        "log_notes": c["log_note"],
        "entries_by_kind": {k.split(":", 1)[1]: v for k, v in sorted(c.items()) if k.startswith("entry:")},
    }
    return seeded


def utc() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)
