"""How fast the returns dashboard (console/dashboard.py) is counted from a large operation on
SQLite, beside the return it agrees with.

``python -m benchmarks.dashboard [--sightings N] [--entries M] [--weeks W] [--reps R]``

Seeds the operation as benchmarks/returns.py does (the demo operation W weeks in, N sightings
with their record entries), then times build_dashboard for every week and for the operation to
date, and checks each against ReturnsService.build (sightings, locations, outcomes). Target:
the operation to date of 100,000 sightings well under a second. Prints JSON; exit code 3 when
the target is missed, 1 when the dashboard and the return disagree.
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

from benchmarks.record_bench import machine_info
from benchmarks.returns_plan import bench_spec
from benchmarks.returns_seed import bulk_seed
from console.dashboard import Dashboard, build_dashboard
from console.demo import DEMO_NAME, system_actor
from console.returns import Period, Return
from console.services import Services, build_services
from console.settings import Settings

TARGET_S = 1.0


def agrees(d: Dashboard, report: Return) -> bool:
    places = {f.label: f.value for f in report.figures if f.section == "Sightings by location"}
    outcomes = {f.label: f.value for f in report.figures if f.section == "Outcomes"}
    steps = {k: c[-1] - (c[-2] if len(c) > 1 else 0) for k, c in zip(d.outcome_kinds, d.cumulative, strict=True)}
    top = dict(sorted(places.items(), key=lambda item: (-item[1], item[0]))[:10])
    return (
        d.sightings == report.value("Sightings", "All sightings")
        and dict(d.top_locations) == top
        and (report.period.kind != "week" or steps == outcomes)
    )


def timed(services: Services, period: Period, reps: int) -> tuple[list[float], bool]:
    times = []
    for _ in range(reps + 1):  # the first warms the caches
        began = time.perf_counter()
        d = build_dashboard(services.db, DEMO_NAME, period)
        times.append(time.perf_counter() - began)
    return times[1:], agrees(d, services.returns.build(DEMO_NAME, period))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.dashboard", description=__doc__)
    parser.add_argument("--sightings", type=int, default=100_000)
    parser.add_argument("--entries", type=int, default=150_000, help="record entries in all (log notes fill up)")
    parser.add_argument("--weeks", type=int, default=10)
    parser.add_argument("--reps", type=int, default=3)
    args = parser.parse_args(argv)
    out: dict[str, Any] = {"benchmark": "dashboard", "machine": machine_info(), "parameters": vars(args)}
    with tempfile.TemporaryDirectory(prefix="dashboard-bench-") as folder:
        work = Path(folder)
        settings = Settings(
            data_dir=work,
            db_url=f"sqlite:///{work / 'bench.db'}",
            anchor_path=work / "anchors.jsonl",
            console_id="bench-console",
            operation=DEMO_NAME,
            demo=True,
        )
        services = build_services(settings)
        try:
            services.operations.import_spec(system_actor(settings.console_id), bench_spec(date.today(), args.weeks))
            seeded = bulk_seed(services, args.sightings, args.entries, args.weeks, 3_000, 600, work / "stills")
            gc.collect()
            out["seed"] = {k: v for k, v in seeded.items() if not isinstance(v, dict)}
            weeks, ok = [], True
            for number in range(1, args.weeks + 1):
                times, same = timed(services, services.returns.period(DEMO_NAME, "week", number), args.reps)
                weeks += times
                ok = ok and same
            to_date, same = timed(services, services.returns.period(DEMO_NAME, "to_date"), args.reps)
            out["week_s"] = {"p50": round(statistics.median(weeks), 4), "max": round(max(weeks), 4)}
            out["to_date_s"] = {"p50": round(statistics.median(to_date), 4), "max": round(max(to_date), 4)}
            out["agrees_with_the_return"] = ok and same
        finally:
            services.close()
    out["meets_target"] = out["to_date_s"]["max"] < TARGET_S
    print(json.dumps(out, indent=2, default=str))
    return 1 if not out["agrees_with_the_return"] else 0 if out["meets_target"] else 3


if __name__ == "__main__":
    sys.exit(main())
