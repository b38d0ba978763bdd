"""How soon one console sees another's change on a shared PostgreSQL database.

``python -m benchmarks.change_feed [--changes N] [--interval S] [--json]``

A real PostgreSQL server starts in a temporary folder. This process is the watching console: a
RecordFeed with its ChangeListener (LISTEN/NOTIFY through a QSocketNotifier), its safety poll set
to 10 minutes so only the notifications can bring changes in time. A second process is the
acting console: it writes N radio-log lines and unit status changes at a steady interval and
prints when each committed. The figure is commit-to-arrival time per record entry (wall clock,
one machine), p50/p95/max, target under 1 s.
"""

from __future__ import annotations

import argparse
import json
import logging
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
TARGET_S = 1.0
log = logging.getLogger("change_feed")


def _settings(url: str, folder: Path, console_id: str) -> Any:
    from console.settings import Settings

    return Settings(
        data_dir=folder, db_url=url, anchor_path=folder / "anchors.jsonl", console_id=console_id, operation="demo"
    )


def writer(url: str, folder: str, changes: int, interval: float) -> int:
    """The acting console: alternate log lines and status changes; print "seq unix-time"."""
    from console.demo import DEMO_CONTROLLER
    from console.services import build_services

    services = build_services(_settings(url, Path(folder), "acting-console"), upgrade_schema=False)
    try:
        op = services.operations.view("demo")
        actor = services.operations.operator(DEMO_CONTROLLER, "acting-console")
        unit = next(u for u in services.operations.units(op.id) if u.status == "available")
        busy = False
        due = time.monotonic()
        for n in range(changes):
            if n % 2:
                result = services.shifts.note(actor, op.id, f"radio line {n}", unit_id=unit.id)
            else:
                busy = not busy
                result = services.dispatch.set_status(actor, op.id, unit.id, "busy" if busy else "available")
            print(f"{result.seq} {time.time():.6f}", flush=True)
            due += interval
            time.sleep(max(0.0, due - time.monotonic()))
    finally:
        services.close()
    return 0


def watch(changes: int, interval: float) -> dict[str, Any]:
    from PySide6.QtCore import QCoreApplication, QTimer

    from console.demo import DEMO_CONTROLLER, ensure_demo_operation
    from console.feed import RecordFeed, listen_for_changes
    from console.services import build_services
    from console.tasks import Tasks
    from tests.servers.postgres import PostgresServer

    app = QCoreApplication.instance() or QCoreApplication(sys.argv[:1])
    server = PostgresServer()
    server.start()
    try:
        url = server.create_database("change_feed")
        with tempfile.TemporaryDirectory(prefix="change-feed-") as tmp:
            folder = Path(tmp)
            services = build_services(_settings(url, folder, "watching-console"))
            ensure_demo_operation(services)
            op = services.operations.view("demo")
            actor = services.operations.operator(DEMO_CONTROLLER, "watching-console")
            services.shifts.start(actor, op.id, ["team-a"])
            tasks = Tasks()
            feed = RecordFeed(services, tasks, op.id, interval_ms=600_000)
            listener = listen_for_changes(services, tasks, feed)
            assert listener is not None
            arrived: dict[int, float] = {}
            feed.entries_arrived.connect(lambda entries: [arrived.setdefault(e.seq, time.time()) for e in entries])
            feed.start()
            deadline = time.monotonic() + 30
            while not listener.is_listening and time.monotonic() < deadline:
                app.processEvents()
                time.sleep(0.01)
            if not listener.is_listening:
                raise RuntimeError("the change listener did not connect within 30 s")
            acting = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "benchmarks.change_feed",
                    "--writer",
                    url,
                    str(folder),
                    str(changes),
                    str(interval),
                ],
                cwd=ROOT,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            timer = QTimer()
            timer.setInterval(50)
            timer.timeout.connect(lambda: acting.poll() is not None and app.quit())
            timer.start()
            app.exec()
            out, err = acting.communicate(timeout=60)
            if acting.returncode != 0:
                raise RuntimeError(f"the acting console failed: {err.strip()[-2000:]}")
            committed = {int(seq): float(t) for seq, t in (line.split() for line in out.splitlines() if line.strip())}
            settle = time.monotonic() + 5  # the last few may still be on their way
            while not set(committed) <= set(arrived) and time.monotonic() < settle:
                app.processEvents()
                time.sleep(0.01)
            listener.stop()
            feed.stop()
            tasks.wait()
            services.close()
    finally:
        server.stop()
    delays = sorted(arrived[seq] - t for seq, t in committed.items() if seq in arrived)
    missing = sorted(set(committed) - set(arrived))
    if not delays:
        raise RuntimeError("no change arrived")

    def pct(q: float) -> float:
        return round(1000 * delays[min(len(delays) - 1, int(q * len(delays)))], 1)

    return {
        "changes": len(committed),
        "arrived": len(delays),
        "missing": missing,
        "commit_to_arrival_ms": {
            "p50": pct(0.5),
            "p95": pct(0.95),
            "max": round(1000 * delays[-1], 1),
            "mean": round(1000 * statistics.fmean(delays), 1),
        },
        "target_ms": TARGET_S * 1000,
        "pass": not missing and delays[-1] < TARGET_S,
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--changes", type=int, default=200, help="record entries the acting console writes")
    parser.add_argument("--interval", type=float, default=0.1, help="seconds between them (default 0.1)")
    parser.add_argument("--json", action="store_true", help="print JSON (else a short summary)")
    parser.add_argument("--writer", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.writer:
        url, folder, changes, interval = args.writer
        return writer(url, folder, int(changes), float(interval))
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    logging.basicConfig(level=logging.WARNING)
    from benchmarks.record_bench import machine_info

    result = {"benchmark": "change_feed", "machine": machine_info(), **watch(args.changes, args.interval)}
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        lat = result["commit_to_arrival_ms"]
        print(
            f"{result['arrived']}/{result['changes']} changes seen; commit to arrival p50 {lat['p50']} ms, "
            f"p95 {lat['p95']} ms, max {lat['max']} ms (target < {result['target_ms']:.0f} ms)"
        )
    return 0 if result["pass"] else 3


if __name__ == "__main__":
    sys.exit(main())
