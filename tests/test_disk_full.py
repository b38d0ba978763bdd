"""Recording disk full: recording stops with the reason in the index and the record, the tile and
the status bar say so, and tags and the record carry on. The full disk is a real one: a small
tmpfs mounted for the test (needs root and the right to mount, as on the CI machines)."""

from __future__ import annotations

import dataclasses
import os
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from console.operation_spec import CameraSpec
from console.recording import RecordingService
from console.services import Services, build_services
from console.verify import verify
from storage.models import RecordEntry
from tests.test_recording import SEGMENT_S, one_camera, wait_until
from tests.test_sightings import op_id, vehicle_tag

SMALL = "600k"  # room for about one segment of the test clip, then full


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    where = tmp_path / "small-disk"
    where.mkdir()
    if os.geteuid() != 0:
        pytest.skip("a full disk is made with a small tmpfs, which needs root (the CI machines run as root)")
    made = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={SMALL}", "tmpfs", str(where)],
                          capture_output=True, text=True, check=False)  # fmt: skip
    if made.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here: {made.stderr.strip()}")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


def test_a_full_recording_disk_stops_recording_but_not_the_record(
    services: Services, small_disk: Path, test_clip: Path
) -> None:
    settings = dataclasses.replace(services.settings, recordings_dir=small_disk)
    full = build_services(settings)
    try:
        oid = one_camera(full, CameraSpec("cam1", "Yard", "file", str(test_clip)))
        cameras = [c for c in full.operations.cameras(oid) if c.key == "cam1"]
        rec = RecordingService(full.db, full.record, settings, oid, 60, cameras, {}, {})
        rec.jobs = [dataclasses.replace(j, segment_seconds=SEGMENT_S) for j in rec.jobs]
        rec.start()
        try:
            wait_until(lambda: "disk full" in rec.states()["cam1"].words, timeout=60, what="the disk to fill")
            assert not rec.states()["cam1"].recording
            # The controllers carry on: a tag (its stills live elsewhere) and a log line.
            controller = full.operations.operator("demo", "test-console")
            saved = full.sightings.save(
                controller, op_id(full), vehicle_tag("OY09 FEU", datetime.now(UTC), camera_key="cam1")
            )
            note = full.shifts.note(controller, op_id(full), "Recording disk full reported to the CCTV manager")
            assert saved.result.seq > 0 and note.seq > saved.result.seq

            def gap_reasons() -> list[str]:
                with full.db.read() as s:
                    return list(s.scalars(select(RecordEntry.text).where(RecordEntry.kind == "recording.gap")))

            wait_until(lambda: any("recording disk full" in t for t in gap_reasons()), what="the gap entry")
        finally:
            rec.stop()
        assert verify(full.db).ok
    finally:
        full.close()
