"""The command line for recording and evidence: recorder, export create/verify/handover and
evidence holds, through real processes where the grammar or exit code matters."""

from __future__ import annotations

import json
import subprocess
import sys
import unicodedata
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from console.operation_spec import CameraSpec
from console.services import Services, build_services
from console.settings import Settings
from storage.models import RecordEntry
from tests.test_recording import one_camera, record_footage, segments

ROOT = Path(__file__).resolve().parents[1]


def run(db: str, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "console", "--db", db, "--operation", "demo", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@pytest.fixture
def sqlite_services(tmp_path: Path) -> Iterator[Services]:
    """The command line works the same on both engines (the services are tested on both): one here."""
    built = build_services(
        Settings(
            data_dir=tmp_path / "data",
            db_url=f"sqlite:///{tmp_path / 'cli.db'}",
            anchor_path=tmp_path / "anchors.jsonl",
            console_id="test-console",
        )
    )
    yield built
    built.close()


def test_export_create_verify_and_handover_from_the_command_line(sqlite_services: Services, test_clip: Path) -> None:
    services = sqlite_services
    db = services.settings.db_url
    t0 = datetime(2026, 11, 30, 23, 0, tzinfo=UTC)
    record_footage(services, test_clip, [(t0, t0 + timedelta(seconds=8))])
    out = services.settings.data_dir / "exports"
    made = run(db, "export", "create", "--camera", "Canal Street east", "--start", "2026-11-30T23:00:01",
               "--end", "2026-11-30T23:00:06", "--exhibit", "DC/77/1", "--reason", "stop check",
               "--out", str(out), "--operator", "demo")  # fmt: skip
    assert made.returncode == 0, made.stderr
    folder = out / "DC_77_1"
    assert f"exhibit DC/77/1 exported to {folder}" in made.stdout and "100%  done" in made.stderr
    checked = run(db, "export", "verify", str(folder))
    assert checked.returncode == 0 and "files verified" in checked.stdout and "matches record entry" in checked.stdout
    # Without a database the files alone are checked.
    offline = run("postgresql+psycopg://nobody@127.0.0.1:1/none", "export", "verify", str(folder))
    assert offline.returncode == 0 and "database not reachable" in offline.stdout
    # Without the console at all: the checksums file works with plain sha256sum.
    plain = subprocess.run(["sha256sum", "-c", "SHA256SUMS"], cwd=folder, capture_output=True, text=True, check=False)
    assert plain.returncode == 0 and "FAILED" not in plain.stdout
    handed = run(
        db, "export", "handover", "DC/77/1", "--to", "DC Patel (CPS file)", "--note", "for review", "--operator", "demo"
    )
    assert handed.returncode == 0, handed.stderr
    sheet = subprocess.run(
        ["pdftotext", "-layout", str(folder / "exhibit-sheet.pdf"), "-"], capture_output=True, text=True, check=True
    )
    sheet_text = unicodedata.normalize("NFKC", sheet.stdout)  # the PDF's ligatures as letters
    assert "DC Patel (CPS file)" in sheet_text, "the handling log on the sheet shows the handover"
    assert json.loads((folder / "manifest.json").read_text())["exhibit_reference"] == "DC/77/1"
    assert run(db, "export", "verify", str(folder)).returncode == 0, "the sheet is outside the hashed files"
    (folder / "working" / "cam1.mp4").write_bytes(b"not the working copy")
    (folder / "record-extract.jsonl").unlink()
    broken = run(db, "export", "verify", str(folder))
    assert broken.returncode == 1
    assert "changed: working/cam1.mp4" in broken.stdout and "missing: record-extract.jsonl" in broken.stdout


def test_export_refuses_bad_input_with_one_line(sqlite_services: Services, test_clip: Path) -> None:
    services = sqlite_services
    db = services.settings.db_url
    t0 = datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    record_footage(services, test_clip, [(t0, t0 + timedelta(seconds=8))])
    base = [
        "export",
        "create",
        "--camera",
        "cam1",
        "--exhibit",
        "X/1",
        "--reason",
        "r",
        "--out",
        "/tmp/x",
        "--operator",
        "demo",
    ]
    twice = run(db, *base, "--start", "2026-10-25T01:30", "--end", "2026-10-25T01:31:00+01:00")
    assert twice.returncode == 2 and "happens twice in Europe/London" in twice.stderr
    backwards = run(db, *base, "--start", "2026-10-25T01:31:00+01:00", "--end", "2026-10-25T01:30:00+01:00")
    assert backwards.returncode == 2 and "must come after its start" in backwards.stderr
    nobody = run(db, *base[:-1], "ghost", "--start", "2026-10-25T01:30:00+01:00", "--end", "2026-10-25T01:31:00+01:00")
    assert nobody.returncode == 2 and "No active operator 'ghost'" in nobody.stderr
    auditor = run(
        db, *base[:-1], "auditor.demo", "--start", "2026-10-25T01:30:00+01:00", "--end", "2026-10-25T01:31:00+01:00"
    )
    assert auditor.returncode == 2 and "may not export evidence" in auditor.stderr
    empty = run(db, *base, "--start", "2026-10-26T01:30", "--end", "2026-10-26T01:31")
    assert empty.returncode == 2 and "No recorded footage" in empty.stderr


def test_holds_from_the_command_line(sqlite_services: Services, test_clip: Path) -> None:
    services = sqlite_services
    db = services.settings.db_url
    one_camera(services, CameraSpec("cam1", "Canal Street east", "file", str(test_clip)))
    held = run(db, "evidence", "hold", "--camera", "cam1", "--start", "2026-11-30T23:00", "--end", "2026-11-30T23:10",
               "--reason", "IOPC request", "--operator", "demo")  # fmt: skip
    assert held.returncode == 0 and "hold 1" in held.stdout
    listed = run(db, "evidence", "list")
    assert "Canal Street east" in listed.stdout and "in force; IOPC request (by demo)" in listed.stdout
    refused = run(db, "evidence", "release", "1", "--reason", "done", "--operator", "demo")
    assert refused.returncode == 2 and "A controller may not release an evidence hold" in refused.stderr
    released = run(db, "evidence", "release", "1", "--reason", "done", "--operator", "sgt.demo")
    assert released.returncode == 0
    assert "no evidence holds in force" in run(db, "evidence", "list").stdout
    assert "released" in run(db, "evidence", "list", "--all").stdout


def test_the_headless_recorder_records_for_the_time_asked(sqlite_services: Services, test_clip: Path) -> None:
    services = sqlite_services
    one_camera(services, CameraSpec("cam1", "Canal Street east", "file", str(test_clip)))
    done = run(services.settings.db_url, "recorder", "--for", "5", timeout=60)
    assert done.returncode == 0, done.stderr
    assert "cam1: recording" in done.stdout and "closing the open segments" in done.stdout
    closed = [s for s in segments(services) if s.state == "closed"]
    assert closed and sum((s.ends_at - s.starts_at).total_seconds() for s in closed) >= 3
    with services.db.read() as s:
        kinds = [e.kind for e in s.scalars(select(RecordEntry).order_by(RecordEntry.seq))]
    assert "recording.started" in kinds and kinds[-1] == "recording.stopped"
