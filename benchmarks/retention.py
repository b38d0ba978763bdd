"""How long the retention job (console/retention.py) takes on a seeded operation, and how long its
longest transaction holds the database.

``python -m benchmarks.retention [--weeks W] [--db URL] [--json]``

It seeds the demo operation over W weeks through the write path (`demo seed --weeks W`: stills,
letters, outcomes, community reports), then runs retention as the console two years later, first
dry (counting), then for real, and verifies the record. Each erasure batch is one transaction:
the figure that matters for a room of consoles is the longest one. Everything lives in a temporary
folder removed at the end (the database too, unless --db names one).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from benchmarks.record_bench import machine_info
from console.auth import console_actor
from console.cli import main as cli
from console.record import RecordService, utc_now
from console.services import build_services
from console.settings import load_settings
from console.verify import verify


def run(weeks: int, db: str | None, folder: Path) -> dict[str, Any]:
    os.environ["SENTINEL_DATA_DIR"] = str(folder / "data")
    url = db or f"sqlite:///{folder / 'retention.db'}"
    started = time.perf_counter()
    if cli(["--db", url, "demo", "seed", "--weeks", str(weeks)]) != 0:
        raise SystemExit("seeding failed")
    seeded_s = time.perf_counter() - started
    services = build_services(load_settings(db=url))
    batches: list[float] = []
    perform = RecordService.perform

    def timed(self: RecordService, actor: Any, action: str, *args: Any, **kwargs: Any) -> Any:
        begun = time.perf_counter()
        try:
            return perform(self, actor, action, *args, **kwargs)
        finally:
            if action == "retention.run":
                batches.append(time.perf_counter() - begun)

    services.record.perform = timed.__get__(services.record)  # type: ignore[method-assign]
    try:
        actor, later = console_actor("benchmark"), utc_now() + timedelta(days=730)
        begun = time.perf_counter()
        dry = services.retention.run(actor, now=later, dry_run=True)
        dry_s = time.perf_counter() - begun
        begun = time.perf_counter()
        report = services.retention.run(actor, now=later)
        run_s = time.perf_counter() - begun
        begun = time.perf_counter()
        checked = verify(services.db)
        verify_s = time.perf_counter() - begun
    finally:
        services.close()
    return {
        "engine": url.split(":", 1)[0],
        "weeks": weeks,
        "seed_s": round(seeded_s, 1),
        "would_erase": dry.erased,
        "dry_run_s": round(dry_s, 2),
        "erased": report.erased,
        "still_files": report.stills,
        "entries": len(report.entries),
        "run_s": round(run_s, 2),
        "longest_batch_s": round(max(batches, default=0.0), 3),
        "verify_ok": checked.ok,
        "verify_s": round(verify_s, 2),
        "machine": machine_info(),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--weeks", type=int, default=10)
    parser.add_argument("--db", help="a PostgreSQL URL (a fresh database); default a temporary SQLite file")
    parser.add_argument("--json", action="store_true", help="print only the JSON line")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="sentinel-retention-") as tmp:
        result = run(args.weeks, args.db, Path(tmp))
    print(json.dumps(result))
    if not args.json:
        print(
            f"{sum(result['erased'].values())} rows erased in {result['entries']} entries, {result['run_s']} s "
            f"(longest transaction {result['longest_batch_s']} s); verify {'ok' if result['verify_ok'] else 'FAILED'}",
            file=sys.stderr,
        )
    return 0 if result["verify_ok"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
