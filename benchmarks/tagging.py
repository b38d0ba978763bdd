"""Tag save latency and VRM fragment search with a large store of sightings.

``python -m benchmarks.tagging [--sightings N] [--engines sqlite,postgresql] [--saves K] [--json]``

It bulk-seeds N sightings (default 1,000,000), each with its own record entry on one unbroken
chain, exactly as the write path would have written them (same row digests, same entry hashes;
the bulk rows share one placeholder still, which the JSON says). Then it measures K real tag
saves through the service (stills encoded and written, one transaction each) and VRM fragment
searches, and verifies the whole chain. Everything lives in temporary folders removed after.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import insert

from benchmarks.record_bench import ROOT, machine_info
from console.chain import GENESIS, canonical_json, entry_hash, row_digest, sha256_text
from console.demo import DEMO_CONTROLLER, DEMO_NAME, ensure_demo_operation
from console.services import Services, build_services
from console.settings import Settings
from console.sightings import SightingFilter, TagDraft, VehicleDraft
from console.verify import verify
from storage.models import RecordEntry, Sighting, Vehicle
from video.stills import encode_stills

log = logging.getLogger("tagging_bench")
LETTERS = "ABCDEFGHJKLMNOPRSTUVWXY"
BATCH = 20_000


def _vrm(rng: random.Random) -> str:
    age = rng.choice([f"{n:02d}" for n in list(range(2, 26)) + list(range(51, 76))])
    return f"{rng.choice(LETTERS)}{rng.choice(LETTERS)}{age} {''.join(rng.choices(LETTERS, k=3))}"


def _pct(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000, 2)


def _summary(values: Sequence[float]) -> dict[str, float]:
    return {
        "p50_ms": round(statistics.median(values) * 1000, 2),
        "p95_ms": _pct(values, 0.95),
        "max_ms": round(max(values) * 1000, 2),
        "n": len(values),
    }


def bulk_seed(services: Services, count: int, vehicles: int, stills_dir: Path, rng: random.Random) -> dict[str, Any]:
    """Write ``count`` sightings of ``vehicles`` distinct VRMs, each with a chained entry."""
    op = services.operations.view(DEMO_NAME)
    actor = services.operations.operator(DEMO_CONTROLLER, services.settings.console_id)
    cameras = services.operations.cameras(op.id)
    image = np.full((270, 480, 3), 70, dtype=np.uint8)
    boxed, clean = encode_stills(image, [(10, 10, 100, 60)])
    stills_dir.mkdir(parents=True, exist_ok=True)
    placeholder = stills_dir / "placeholder-boxed.jpg"
    placeholder.write_bytes(boxed)
    (stills_dir / "placeholder-clean.jpg").write_bytes(clean)
    boxed_sha, clean_sha = sha256_text_bytes(boxed), sha256_text_bytes(clean)
    began = time.perf_counter()
    engine = services.db.engine
    with engine.begin() as conn:
        head = conn.execute(RecordEntry.__table__.select().order_by(RecordEntry.seq.desc()).limit(1)).first()
        seq, prev = (head.seq, head.hash) if head else (0, GENESIS)
        max_vehicle = conn.execute(Vehicle.__table__.select().order_by(Vehicle.id.desc()).limit(1)).first()
        max_sighting = conn.execute(Sighting.__table__.select().order_by(Sighting.id.desc()).limit(1)).first()
    vehicle_base = max_vehicle.id if max_vehicle else 0
    sighting_id = max_sighting.id if max_sighting else 0
    start = datetime.now(UTC) - timedelta(days=60)
    span = 60 * 24 * 3600
    vrms = list({_vrm(rng) for _ in range(vehicles * 2)})[:vehicles]
    # Vehicles first, as one action per vehicle would have written them (in a first sighting).
    pending_vehicle: dict[int, Vehicle] = {}
    for n, vrm in enumerate(vrms, start=1):
        pending_vehicle[vehicle_base + n] = Vehicle(
            id=vehicle_base + n, operation_id=op.id, vrm=vrm, foreign_format=False, make="", model="", colour=""
        )
    times = sorted(start + timedelta(seconds=rng.randrange(span)) for _ in range(count))
    done = 0
    while done < count:
        vehicle_rows, sighting_rows, entry_rows = [], [], []
        for when in times[done : done + BATCH]:
            sighting_id += 1
            seq += 1
            vehicle_id = vehicle_base + rng.randint(1, len(vrms))
            camera = cameras[rng.randrange(len(cameras))]
            touched = []
            first = pending_vehicle.pop(vehicle_id, None)
            if first is not None:
                vehicle_rows.append(_columns(first))
                touched.append(first)
            sighting = Sighting(
                id=sighting_id,
                operation_id=op.id,
                category_key="vehicle",
                captured_at=when,
                camera_id=camera.id,
                location_id=None,
                in_prescribed_area=camera.in_prescribed_area,
                operator_id=actor.operator_id,
                subject_id=None,
                vehicle_id=vehicle_id,
                direction="",
                boxes="[[10,10,100,60]]",
                notes="",
                still_path=str(placeholder),
                still_sha256=boxed_sha,
                clean_still_path=str(stills_dir / "placeholder-clean.jpg"),
                clean_still_sha256=clean_sha,
            )
            sighting_rows.append(_columns(sighting))
            touched.append(sighting)
            rows = sorted(
                ({"table": t.__tablename__, "key": str(t.id), "digest": row_digest(t)} for t in touched),
                key=lambda r: (r["table"], r["key"]),
            )
            rows_json = canonical_json(rows)
            fields = {
                "seq": seq,
                "action_id": uuid.uuid4().hex,
                "operation_id": op.id,
                "event_time": when + timedelta(seconds=15),
                "append_time": when + timedelta(seconds=15),
                "operator": actor.login,
                "console_id": actor.console_id,
                "kind": "sighting.tagged",
                "ref_type": "sighting",
                "ref_id": str(sighting_id),
                "corrects_seq": None,
                "text": f"Vehicle tagged on {camera.name}",
                "payload": canonical_json({"category": "vehicle", "camera": camera.key, "bulk": True}),
                "rows_digest": sha256_text(rows_json),
                "prev_hash": prev,
            }
            prev = entry_hash(fields)
            entry_rows.append({**fields, "rows": rows_json, "hash": prev})
        with engine.begin() as conn:
            if vehicle_rows:
                conn.execute(insert(Vehicle), vehicle_rows)
            conn.execute(insert(Sighting), sighting_rows)
            conn.execute(insert(RecordEntry), entry_rows)
        done += len(sighting_rows)
        log.info("seeded %d / %d", done, count)
    if services.db.engine.dialect.name == "postgresql":
        # A store in steady state has been vacuumed: without this, autovacuum works through the
        # freshly loaded million rows during the measurement and the figures measure it instead.
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE")
        with engine.begin() as conn:
            for table in ("vehicle", "sighting"):  # explicit ids: move the sequences past them
                conn.exec_driver_sql(f"SELECT setval('{table}_id_seq', (SELECT max(id) FROM {table}))")
    else:
        with engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
    return {"sightings": count, "vehicles": len(vrms), "seconds": round(time.perf_counter() - began, 1)}


def _columns(row: Any) -> dict[str, Any]:
    """Every column of a row for a bulk insert (digests leave some out: see row_values)."""
    return {c.key: getattr(row, c.key) for c in row.__table__.columns}


def sha256_text_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def measure(services: Services, saves: int, searches: int, rng: random.Random) -> dict[str, Any]:
    op = services.operations.view(DEMO_NAME)
    actor = services.operations.operator(DEMO_CONTROLLER, services.settings.console_id)
    frame = np.zeros((270, 480, 4), dtype=np.uint8)
    frame[..., 2] = 120
    frame[..., 3] = 255
    save_times = []
    for _ in range(saves):
        draft = TagDraft(
            "cam01",
            datetime.now(UTC),
            "vehicle",
            frame,
            ((40, 40, 120, 80),),
            vehicle=VehicleDraft(_vrm(rng), make="Ford", colour="Blue"),
        )
        began = time.perf_counter()
        services.sightings.save(actor, op.id, draft)
        save_times.append(time.perf_counter() - began)
    with services.db.read() as s:
        known = [v for (v,) in s.execute(Vehicle.__table__.select().with_only_columns(Vehicle.vrm).limit(5000))]
    search_times, hits = [], []
    for _ in range(searches):
        vrm = rng.choice(known).replace(" ", "")
        start = rng.randrange(0, len(vrm) - 3)
        fragment = vrm[start : start + rng.choice((3, 4, 5))]
        began = time.perf_counter()
        found = services.sightings.list(op.id, SightingFilter(text=fragment), limit=200)
        search_times.append(time.perf_counter() - began)
        hits.append(len(found))
    return {
        "tag_save": _summary(save_times),
        "vrm_fragment_search": {**_summary(search_times), "mean_hits": round(statistics.mean(hits), 1), "limit": 200},
    }


def bench_engine(url: str, workdir: Path, sightings: int, vehicles: int, saves: int, searches: int) -> dict[str, Any]:
    settings = Settings(
        data_dir=workdir,
        db_url=url,
        anchor_path=workdir / "anchors.jsonl",
        console_id="bench-console",
        operation=DEMO_NAME,
        demo=True,
    )
    services = build_services(settings)
    try:
        ensure_demo_operation(services)
        rng = random.Random(11)
        seeded = bulk_seed(services, sightings, vehicles, workdir / "bulk-stills", rng)
        result: dict[str, Any] = {"seed": seeded, **measure(services, saves, searches, rng)}
        began = time.perf_counter()
        report = verify(services.db)
        result["verify"] = {
            "ok": report.ok,
            "entries": report.entries,
            "seconds": round(time.perf_counter() - began, 1),
        }
        if not report.ok:
            result["verify"]["problems"] = report.problems[:5]
        return result
    finally:
        services.close()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.tagging", description=__doc__)
    parser.add_argument("--sightings", type=int, default=1_000_000)
    parser.add_argument("--vehicles", type=int, default=50_000, help="distinct VRMs among the sightings")
    parser.add_argument("--engines", default="sqlite,postgresql")
    parser.add_argument("--saves", type=int, default=300)
    parser.add_argument("--searches", type=int, default=200)
    parser.add_argument("--json", action="store_true", help="print JSON only (default: JSON too)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(asctime)s %(message)s")
    out: dict[str, Any] = {
        "benchmark": "tagging",
        "machine": machine_info(),
        "parameters": vars(args),
        "notes": "bulk-seeded sightings share one placeholder still; the measured saves write real stills",
        "targets": {"tag_save_p95_ms": 50, "vrm_fragment_search_p95_ms": 50},
    }
    with tempfile.TemporaryDirectory(prefix="tagging-bench-") as folder:
        work = Path(folder)
        for engine in args.engines.split(","):
            if engine == "sqlite":
                out["sqlite"] = bench_engine(
                    f"sqlite:///{work / 'bench.db'}",
                    work / "sqlite",
                    args.sightings,
                    args.vehicles,
                    args.saves,
                    args.searches,
                )
            elif engine == "postgresql":
                if str(ROOT) not in sys.path:
                    sys.path.insert(0, str(ROOT))
                from tests.servers.postgres import PostgresServer

                server = PostgresServer()
                server.start()
                try:
                    out["postgresql"] = bench_engine(
                        server.create_database("tagging_bench"),
                        work / "pg",
                        args.sightings,
                        args.vehicles,
                        args.saves,
                        args.searches,
                    )
                finally:
                    server.stop()
            else:
                parser.error(f"unknown engine {engine!r}")
    for engine in ("sqlite", "postgresql"):
        section = out.get(engine)
        if section:
            section["meets_targets"] = (
                section["tag_save"]["p95_ms"] < 50 and section["vrm_fragment_search"]["p95_ms"] < 50
            )
    print(json.dumps(out, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
