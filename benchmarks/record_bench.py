"""How fast the operation record appends, verifies and reads back, on SQLite and a real PostgreSQL.

Run ``python benchmarks/record_bench.py [--entries N] [--engines sqlite,postgresql] [--out FILE]``;
it prints one JSON object. Everything it writes lives in temporary folders removed at the end.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import resource
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from itertools import pairwise
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any

import sqlalchemy

from console.demo import DEMO_CONTROLLER, DEMO_NAME, ensure_demo_operation
from console.services import Services, build_services
from console.settings import Settings
from console.verify import verify

if TYPE_CHECKING:
    from tests.servers.postgres import PostgresServer

ROOT = Path(__file__).resolve().parents[1]
ENGINES = ("sqlite", "postgresql")
CONSOLE_ID = "bench-console"
LATEST_LIMIT = 200
LATEST_RUNS = 20
WORKERS = 2
# A worker that has not finished by then is stuck, not slow (2000 notes take seconds).
WORKER_TIMEOUT_S = 900

log = logging.getLogger("record_bench")


class BenchError(RuntimeError):
    """The benchmark could not produce trustworthy numbers (a worker failed, the chain broke)."""


# --- measuring ------------------------------------------------------------------------------


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 3)


def _latency_summary(samples: Sequence[float]) -> dict[str, float]:
    ordered = sorted(samples)
    p95 = statistics.quantiles(ordered, n=100, method="inclusive")[94] if len(ordered) > 1 else ordered[0]
    return {
        "median_ms": _ms(statistics.median(ordered)),
        "p95_ms": _ms(p95),
        "max_ms": _ms(ordered[-1]),
        "min_ms": _ms(ordered[0]),
    }


def _rate(count: int, seconds: float) -> float:
    return round(count / seconds, 1) if seconds > 0 else float("inf")


def _peak_rss_mib() -> float:
    # ru_maxrss is in KiB on Linux.
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def _timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    began = time.perf_counter()
    result = fn()
    return time.perf_counter() - began, result


# --- the machine ----------------------------------------------------------------------------


def _proc_field(path: str, name: str) -> str | None:
    """The value of `name: value` in a /proc file, or None off Linux."""
    try:
        lines = Path(path).read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return None
    for line in lines:
        key, _, value = line.partition(":")
        if key.strip() == name:
            return value.strip()
    return None


def _cpu_model() -> str:
    return _proc_field("/proc/cpuinfo", "model name") or platform.processor() or "unknown"


def _mem_total_mib() -> float | None:
    total = _proc_field("/proc/meminfo", "MemTotal")  # "16318132 kB"
    return round(int(total.split()[0]) / 1024, 1) if total else None


def _git_commit() -> str | None:
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None
    return f"{head}-dirty" if dirty else head


def machine_info() -> dict[str, Any]:
    try:
        nproc = len(os.sched_getaffinity(0))
    except AttributeError:
        nproc = os.cpu_count() or 0
    try:
        import psycopg

        psycopg_version: str | None = psycopg.__version__
    except ImportError:
        psycopg_version = None
    return {
        "nproc": nproc,
        "cpu_model": _cpu_model(),
        "mem_total_mib": _mem_total_mib(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "sqlalchemy": sqlalchemy.__version__,
        "psycopg": psycopg_version,
        "sqlite_library": sqlite3.sqlite_version,
        "commit": _git_commit(),
        "temp_dir": tempfile.gettempdir(),
    }


# --- one engine, one process ----------------------------------------------------------------


@contextmanager
def _services(db_url: str, folder: Path) -> Iterator[Services]:
    folder.mkdir(parents=True, exist_ok=True)
    services = build_services(
        Settings(data_dir=folder, db_url=db_url, anchor_path=folder / "anchors.jsonl", console_id=CONSOLE_ID)
    )
    try:
        yield services
    finally:
        services.close()


def bench_engine(db_url: str, folder: Path, entries: int) -> dict[str, Any]:
    """N sequential log notes, then verify the whole chain, then read the newest entries."""
    with _services(db_url, folder) as services:
        ensure_demo_operation(services)
        op_id = services.operations.view(DEMO_NAME).id
        actor = services.operations.operator(DEMO_CONTROLLER, CONSOLE_ID)
        before = services.record.head().count

        latencies: list[float] = []
        began = time.perf_counter()
        for i in range(entries):
            t0 = time.perf_counter()
            services.shifts.note(actor, op_id, f"Benchmark note {i}: radio check, all units on patrol")
            latencies.append(time.perf_counter() - t0)
        append_s = time.perf_counter() - began
        appended = services.record.head().count - before
        if appended != entries:
            raise BenchError(f"{entries} notes written but the record grew by {appended}")

        services.anchor("benchmark")
        anchors = services.anchors.read()
        verify_s, report = _timed(lambda: verify(services.db, anchors))
        if not report.ok:
            raise BenchError(f"verify found problems on {services.db.dialect}: {report.problems[:5]}")

        expected = min(LATEST_LIMIT, report.entries)
        read_times = []
        for _ in range(LATEST_RUNS):
            seconds, newest = _timed(lambda: services.record.latest(LATEST_LIMIT))
            if len(newest) != expected:
                raise BenchError(f"latest({LATEST_LIMIT}) returned {len(newest)} entries, expected {expected}")
            read_times.append(seconds)

        return {
            "append": {
                "entries": appended,
                "seconds": round(append_s, 3),
                "entries_per_s": _rate(appended, append_s),
                "latency": _latency_summary(latencies),
            },
            "verify": {
                "chain_entries": report.entries,
                "rows_checked": report.rows_checked,
                "anchors_checked": report.anchors_checked,
                "seconds": round(verify_s, 3),
                "entries_per_s": _rate(report.entries, verify_s),
            },
            "latest": {
                "limit": LATEST_LIMIT,
                "runs": LATEST_RUNS,
                "median_ms": _ms(statistics.median(read_times)),
                "min_ms": _ms(min(read_times)),
                "max_ms": _ms(max(read_times)),
            },
            "peak_rss_mib_so_far": _peak_rss_mib(),
        }


# --- two consoles appending at once (PostgreSQL) --------------------------------------------


def _run_workers(db_url: str, folder: Path, per_worker: int) -> float:
    """Start the worker processes, wait for all of them; the wall time from spawn to last exit."""
    anchor = folder / "anchors.jsonl"
    started: list[tuple[subprocess.Popen[bytes], Path]] = []
    began = time.perf_counter()
    try:
        for n in range(1, WORKERS + 1):
            err_path = folder / f"worker-{n}.stderr"
            with err_path.open("wb") as err:
                argv = [sys.executable, "-m", "tests.append_worker", db_url, f"console-{n}", str(per_worker)]
                proc = subprocess.Popen([*argv, str(anchor)], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=err)
            started.append((proc, err_path))
        for proc, _ in started:
            proc.wait(timeout=WORKER_TIMEOUT_S)
        wall_s = time.perf_counter() - began
    finally:
        for proc, _ in started:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    for proc, err_path in started:
        if proc.returncode != 0:
            tail = err_path.read_text(errors="replace")[-2000:]
            raise BenchError(f"append worker exited with {proc.returncode}:\n{tail}")
    return wall_s


def bench_concurrent(db_url: str, folder: Path, entries: int) -> dict[str, Any]:
    per_worker = entries // WORKERS
    with _services(db_url, folder) as services:
        ensure_demo_operation(services)
        before = services.record.head().count
        wall_s = _run_workers(db_url, folder, per_worker)

        total = WORKERS * per_worker
        chronological = [(e.append_time, e.console_id) for e in services.record.entries() if e.seq > before]
        if len(chronological) != total:
            raise BenchError(f"{WORKERS} workers x {per_worker} notes but the record grew by {len(chronological)}")
        # Wall time includes each worker's interpreter start-up and imports; the append window
        # (first to last append_time the workers wrote) is the part the database serialises.
        window_s = (chronological[-1][0] - chronological[0][0]).total_seconds()
        switches = sum(1 for a, b in pairwise(chronological) if a[1] != b[1])

        verify_s, report = _timed(lambda: verify(services.db))
        if not report.ok:
            raise BenchError(f"verify found problems after the concurrent run: {report.problems[:5]}")
        return {
            "workers": WORKERS,
            "entries_per_worker": per_worker,
            "entries": total,
            "wall_s": round(wall_s, 3),
            "entries_per_s": _rate(total, wall_s),
            "append_window_s": round(window_s, 3),
            "entries_per_s_in_window": _rate(total, window_s),
            "console_switches_in_chain": switches,
            "verify_s": round(verify_s, 3),
            "chain_ok": report.ok,
        }


# --- running it all -------------------------------------------------------------------------


def _bench_postgres(entries: int, workdir: Path) -> dict[str, Any]:
    # tests/ is not installed; it is importable from the checkout root.
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from tests.servers.postgres import PostgresServer, ServerUnavailable

    log.info("postgresql: starting a throwaway server")
    server = PostgresServer()
    try:
        server.start()
    except ServerUnavailable as exc:
        log.warning("postgresql skipped: %s", exc)
        return {"skipped": str(exc)}
    try:
        info = _postgres_info(server)
        log.info("postgresql: %d notes", entries)
        section = bench_engine(server.create_database("bench_single"), workdir / "pg-single", entries)
        section["config"] = info
        log.info("postgresql: %d workers x %d notes", WORKERS, entries // WORKERS)
        section["concurrent"] = bench_concurrent(
            server.create_database("bench_concurrent"), workdir / "pg-concurrent", entries
        )
        return section
    finally:
        server.stop()


def _postgres_info(server: PostgresServer) -> dict[str, Any]:
    version = server.run_sql("postgres", "SHOW server_version")[0][0]
    settings = dict(
        server.run_sql(
            "postgres",
            "SELECT name, current_setting(name) FROM pg_settings WHERE name = ANY(%s)",
            [["fsync", "synchronous_commit", "full_page_writes", "shared_buffers"]],
        )
    )
    return {"server_version": version, "startup_s": round(server.startup_seconds or 0, 3), "settings": settings}


def run(entries: int, engines: Sequence[str], workdir: Path) -> dict[str, Any]:
    results: dict[str, Any] = {
        "benchmark": "record",
        "time": datetime.now(UTC).isoformat(timespec="seconds"),
        "entries_requested": entries,
        "machine": machine_info(),
        "engines": {},
    }
    if "sqlite" in engines:
        log.info("sqlite: %d notes", entries)
        db_file = workdir / "sqlite" / "record.db"
        section = bench_engine(f"sqlite:///{db_file}", workdir / "sqlite", entries)
        # Set by storage.db on every connection.
        section["config"] = {"journal_mode": "WAL", "synchronous": "NORMAL"}
        results["engines"]["sqlite"] = section
    if "postgresql" in engines:
        results["engines"]["postgresql"] = _bench_postgres(entries, workdir)
    results["peak_rss_mib"] = _peak_rss_mib()
    return results


def _parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=2000, help="log notes to append per engine (default 2000)")
    parser.add_argument("--engines", default=",".join(ENGINES), help="comma-separated: sqlite,postgresql")
    parser.add_argument("--out", type=Path, help="also write the JSON to this file")
    args = parser.parse_args(argv)
    if args.entries < WORKERS:
        parser.error(f"--entries must be at least {WORKERS} (the concurrent case splits them over {WORKERS} workers)")
    args.engines = [name.strip() for name in args.engines.split(",") if name.strip()]
    unknown = sorted(set(args.engines) - set(ENGINES))
    if unknown or not args.engines:
        parser.error(f"--engines takes {', '.join(ENGINES)}; got {', '.join(unknown) or 'nothing'}")
    return args


def _raise_keyboard_interrupt(_signum: int, _frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def main(argv: Sequence[str] | None = None) -> int:
    args = _parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(name)s: %(message)s", stream=sys.stderr)
    logging.getLogger("alembic").setLevel(logging.WARNING)
    # SIGTERM unwinds like Ctrl-C so the PostgreSQL server and temp folders are cleaned up.
    signal.signal(signal.SIGTERM, _raise_keyboard_interrupt)
    with tempfile.TemporaryDirectory(prefix="sentinel-bench-") as tmp:
        workdir = Path(tmp)
        # Nothing may touch the user's data folder, including the worker processes.
        os.environ["SENTINEL_DATA_DIR"] = str(workdir / "data")
        os.environ.pop("SENTINEL_DB", None)
        os.environ.pop("SENTINEL_ANCHOR_FILE", None)
        try:
            results = run(args.entries, args.engines, workdir)
        except BenchError as exc:
            log.error("%s", exc)
            return 1
    text = json.dumps(results, indent=2)
    print(text)
    if args.out is not None:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
