"""Cameras lost and restored reach the record once per outage, with how long they were gone;
a stall, a camera never live, or one not decoded says nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from console.camera_watch import CameraWatch, record_camera_event
from console.services import Services
from console.verify import verify
from storage.models import RecordEntry
from tests.test_sightings import op_id
from video.frame import SourceHealth

T0 = datetime(2026, 12, 1, 22, 0, tzinfo=UTC)
LIVE, LOST, STALLED = SourceHealth.LIVE, SourceHealth.LOST, SourceHealth.STALLED


def test_one_lost_and_one_restored_per_outage() -> None:
    watch = CameraWatch({"cam04": "Mill Lane"})
    at = [T0 + timedelta(seconds=n) for n in range(10)]
    assert watch.observe({"cam04": (SourceHealth.CONNECTING, "connecting")}, at[0]) == []
    assert watch.observe({"cam04": (LOST, "lost: refused; retrying in 2 s")}, at[1]) == []  # never live yet
    assert watch.observe({"cam04": (LIVE, "live")}, at[2]) == []
    assert watch.observe({"cam04": (STALLED, "stalled: no frame for 4 s")}, at[3]) == []
    lost = watch.observe({"cam04": (LOST, "lost: connection refused; retrying in 1 s")}, at[4])
    assert [(e.kind, e.words) for e in lost] == [
        ("camera.lost", "Camera Mill Lane lost: connection refused; retrying in 1 s")
    ]
    assert watch.observe({"cam04": (LOST, "lost: connection refused; retrying in 4 s")}, at[5]) == []
    assert watch.observe({"cam04": (SourceHealth.DECODER_STOPPED, "decoder stopped")}, at[6]) == []
    back = watch.observe({"cam04": (LIVE, "live")}, at[9])
    assert [(e.kind, e.down_seconds) for e in back] == [("camera.restored", 5.0)]
    assert "restored after 5 s" in back[0].words
    assert watch.observe({"cam04": (None, "not decoded (not on screen)")}, at[9]) == []


def test_camera_events_are_record_entries(demo: Services) -> None:
    watch = CameraWatch({"cam01": "Station Approach"})
    watch.observe({"cam01": (LIVE, "live")}, T0)
    camera = next(c for c in demo.operations.cameras(op_id(demo)) if c.key == "cam01")
    for event in watch.observe({"cam01": (LOST, "lost: timed out")}, T0 + timedelta(seconds=3)) + watch.observe(
        {"cam01": (LIVE, "live")}, T0 + timedelta(seconds=63)
    ):
        record_camera_event(demo.record, "test-console", op_id(demo), camera.id, event)
    with demo.db.read() as s:
        rows = s.execute(select(RecordEntry.kind, RecordEntry.operator, RecordEntry.ref_id, RecordEntry.text)
                         .where(RecordEntry.kind.like("camera.%")).order_by(RecordEntry.seq)).all()  # fmt: skip
    assert [r.kind for r in rows] == ["camera.lost", "camera.restored"]
    assert rows[0].operator == "console" and rows[0].ref_id == str(camera.id)
    assert rows[1].text == "Camera Station Approach restored after 60 s"
    assert verify(demo.db).ok
