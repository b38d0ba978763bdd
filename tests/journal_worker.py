"""Run as a separate process by test_journal: a console tagging as fast as it can, printing the
action id of each tag once the write path has acknowledged it; the test kills it with SIGKILL."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

from console.journal import Journal, JournaledWriter
from console.services import build_services
from console.settings import Settings
from tests.test_sightings import vehicle_tag


def main(db_url: str, data_dir: str, count: int) -> None:
    folder = Path(data_dir)
    services = build_services(
        Settings(data_dir=folder, db_url=db_url, anchor_path=folder / "anchors.jsonl", console_id="c1"),
        upgrade_schema=False,
    )
    op = services.operations.view("demo")
    actor = services.operations.operator("demo", "c1")
    writer = JournaledWriter(services, Journal(folder / "journal", "c1"))
    for n in range(count):
        saved = writer.tag(actor, op.id, vehicle_tag("OY09 FEU", datetime.now(UTC), notes=f"burst {n}"))
        print(f"saved {saved.result.seq}", flush=True)  # acknowledged: committed


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]))
