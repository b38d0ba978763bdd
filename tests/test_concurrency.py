"""Two consoles appending at once to one PostgreSQL database keep one unbroken chain."""

from __future__ import annotations

import itertools
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from console.services import Services
from console.verify import verify
from storage.models import RecordEntry

pytestmark = pytest.mark.postgres
PER_CONSOLE = 500


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_two_consoles_append_500_each_into_one_chain(demo: Services, tmp_path: Path) -> None:
    root = Path(__file__).resolve().parents[1]
    workers = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.append_worker",
                demo.settings.db_url,
                name,
                str(PER_CONSOLE),
                str(tmp_path / "anchors.jsonl"),
            ],
            cwd=root,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name in ("console-1", "console-2")
    ]
    for w in workers:
        _, err = w.communicate(timeout=300)
        assert w.returncode == 0, err

    report = verify(demo.db)
    assert report.ok, report.problems
    assert report.entries == 1 + 2 * PER_CONSOLE
    with demo.db.read() as s:
        by_console = dict(
            s.execute(select(RecordEntry.console_id, func.count()).group_by(RecordEntry.console_id)).all()
        )
        consoles = [c for (c,) in s.execute(select(RecordEntry.console_id).order_by(RecordEntry.seq))]
    assert by_console["console-1"] == by_console["console-2"] == PER_CONSOLE
    # They really ran at the same time: the chain interleaves the two consoles.
    switches = sum(1 for a, b in itertools.pairwise(consoles) if a != b)
    assert switches > 10
