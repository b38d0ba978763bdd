"""Run as a separate console process by test_change_feed: dispatch one unit at a given moment.

Prints one line: ``dispatched T-<n> <unix time of commit>`` or ``refused <message>``.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from console.dispatch import DispatchError
from console.services import build_services
from console.settings import Settings
from storage.models import PatrolUnit


def main(db_url: str, console_id: str, call_sign: str, start_at: float, folder: str) -> None:
    services = build_services(
        Settings(
            data_dir=Path(folder), db_url=db_url, anchor_path=Path(folder) / "anchors.jsonl", console_id=console_id
        ),
        upgrade_schema=False,
    )
    try:
        op = services.operations.view("demo")
        actor = services.operations.operator("demo", console_id)
        with services.db.read() as s:
            unit = next(u.id for u in s.query(PatrolUnit).filter_by(call_sign=call_sign))
        time.sleep(max(0.0, start_at - time.time()))
        try:
            result = services.dispatch.dispatch(actor, op.id, unit, instructions=f"from {console_id}")
        except DispatchError as exc:
            print(f"refused {exc}", flush=True)
        else:
            print(f"dispatched T-{result.ref_id} {time.time():.6f}", flush=True)
    finally:
        services.close()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4]), sys.argv[5])
