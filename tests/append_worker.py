"""Run as a separate process by test_concurrency: one console appending N log notes."""

from __future__ import annotations

import sys

from console.services import build_services
from console.settings import Settings


def main(db_url: str, console_id: str, count: int, anchor: str) -> None:
    from pathlib import Path

    services = build_services(
        Settings(data_dir=Path(anchor).parent, db_url=db_url, anchor_path=Path(anchor), console_id=console_id),
        upgrade_schema=False,
    )
    op = services.operations.view("demo")
    actor = services.operations.operator("demo", console_id)
    for i in range(count):
        services.shifts.note(actor, op.id, f"{console_id} note {i}")
    services.close()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4])
