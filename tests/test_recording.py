"""Recording: a camera's stream copied into time-indexed segments without re-encoding, gaps in
the index when the camera drops, and the purge (retention, disk limit, evidence holds)."""

from __future__ import annotations

import dataclasses
import itertools
import json
import time
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import av
import pytest
from sqlalchemy import select

from console.demo import demo_spec, system_actor
from console.footage import FootageIndex
from console.operation_spec import CameraSpec
from console.recording import RecordingService
from console.services import Services
from console.verify import verify
from storage.models import RecordEntry, RecordingSegment
from tests.servers.fixtures import RtspServerFactory
from tests.servers.rtsp_server import RtspServer
from video.recorder import file_sha256, segments_from_clip

SEGMENT_S = 2.0


def wait_until(condition: Callable[[], object], timeout: float = 30.0, what: str = "condition") -> None:
    """Poll with a generous bound (this service runs on its own thread, no Qt loop involved)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def one_camera(services: Services, camera: CameraSpec) -> int:
    spec = dataclasses.replace(demo_spec(date.today()), cameras=(camera,), masks=())
    services.operations.import_spec(system_actor("test-console"), spec)
    return services.operations.view("demo").id


@pytest.fixture
def recording(services: Services) -> Iterator[Callable[[CameraSpec], RecordingService]]:
    started: list[RecordingService] = []

    def start(camera: CameraSpec) -> RecordingService:
        op_id = one_camera(services, camera)
        cameras = [c for c in services.operations.cameras(op_id) if c.key == camera.key]
        rec = RecordingService(services.db, services.record, services.settings, op_id, 60, cameras, {}, {})
        rec.jobs = [dataclasses.replace(j, segment_seconds=SEGMENT_S) for j in rec.jobs]
        rec.start()
        started.append(rec)
        return rec

    yield start
    for rec in started:
        rec.stop()


def segments(services: Services) -> list[RecordingSegment]:
    with services.db.read() as s:
        return list(s.scalars(select(RecordingSegment).order_by(RecordingSegment.starts_at)))


def packets(path: Path) -> list[bytes]:
    with av.open(str(path)) as c:
        return [bytes(p) for p in c.demux(c.streams.video[0]) if p.size]


def test_a_file_camera_is_recorded_in_segments_that_match_the_source_packets(
    services: Services, recording: Callable[[CameraSpec], RecordingService], test_clip: Path
) -> None:
    rec = recording(CameraSpec("cam1", "Yard", "file", str(test_clip)))
    wait_until(lambda: len([s for s in segments(services) if s.state == "closed"]) >= 3, what="three closed segments")
    assert rec.states()["cam1"].recording and rec.states()["cam1"].words == "recording"
    rec.stop()
    closed = [s for s in segments(services) if s.state == "closed"]
    root = services.settings.recordings
    source = packets(test_clip)  # 4 s clip, a key frame every second: two segments per pass
    for seg in closed:
        path = root / seg.path
        assert seg.sha256 == file_sha256(path) and seg.bytes == path.stat().st_size
        got = packets(path)
        assert len(got) == seg.packets > 0
        start = source.index(got[0])
        assert got == source[start : start + len(got)], "packets are copied unchanged"
        shortest = 0.0 if seg is closed[-1] else 1.9  # the last one ends where recording stopped
        assert shortest < (seg.ends_at - seg.starts_at).total_seconds() <= 2.1
    for before, after in itertools.pairwise(closed):
        assert abs((after.starts_at - before.ends_at).total_seconds()) < 0.15, "segments follow on without gaps"
    assert verify(services.db).ok


def test_rtsp_recording_survives_a_server_restart_with_the_gap_in_the_index(
    services: Services,
    recording: Callable[[CameraSpec], RecordingService],
    rtsp_server: RtspServerFactory,
    test_clip: Path,
) -> None:
    server = rtsp_server({"/cam1": test_clip})
    port = server.port
    rec = recording(CameraSpec("cam1", "Station", "rtsp", server.url("/cam1")))

    def closed_since(when: datetime) -> int:
        return len([s for s in segments(services) if s.state == "closed" and s.starts_at >= when])

    # About 30 s in all: 14 s of footage, the camera down for a few seconds, 14 s more.
    began = datetime.now(UTC)
    wait_until(lambda: closed_since(began) >= 7, what="14 s of segments")  # before the camera reboots
    server.stop()
    down_at = datetime.now(UTC)
    wait_until(lambda: not rec.states()["cam1"].recording, what="the recorder to see the camera lost")
    assert port is not None
    restarted = RtspServer({"/cam1": test_clip}, port=port).start()
    try:
        up_at = datetime.now(UTC)
        wait_until(lambda: rec.states()["cam1"].recording, timeout=30, what="recording to resume")
        wait_until(lambda: closed_since(up_at) >= 7, what="14 s of segments after the restart")
    finally:
        rec.stop()
        restarted.close()
    index = FootageIndex(services.db, services.record, "test-console")
    camera_id = services.operations.cameras(services.operations.view("demo").id)[0].id
    everything = index.segments(camera_id, down_at - timedelta(hours=1), up_at + timedelta(hours=1))
    gaps = index.gaps(camera_id, down_at - timedelta(hours=1), up_at + timedelta(hours=1))
    assert len(gaps) == 1 and gaps[0].ends_at is not None
    gap = gaps[0]
    assert gap.starts_at <= down_at + timedelta(seconds=1) and gap.ends_at >= up_at - timedelta(seconds=1)
    before = [s for s in everything if s.ends_at <= gap.starts_at + timedelta(milliseconds=1)]
    after = [s for s in everything if s.starts_at >= gap.ends_at - timedelta(milliseconds=1)]
    assert before and after and len(before) + len(after) == len(everything), "no segment overlaps the gap"
    assert all(s.state == "closed" and s.sha256 for s in everything)
    # Nothing outside the gap is lost: the footage runs from the first segment to the gap and on
    # from the gap to the end, segment after segment.
    for run in (before, after):
        for a, b in itertools.pairwise(run):
            assert abs((b.starts_at - a.ends_at).total_seconds()) < 0.5
    with services.db.read() as s:
        kinds = [e.kind for e in s.scalars(select(RecordEntry).order_by(RecordEntry.seq))]
    assert kinds.count("recording.gap") == 1 and kinds.count("recording.resumed") == 1
    assert verify(services.db).ok


# --- export -------------------------------------------------------------------------------------


def record_footage(services: Services, clip: Path, spans: list[tuple[datetime, datetime]]) -> int:
    """The demo operation with one camera, cam1, and its footage over ``spans``."""
    op_id = one_camera(services, CameraSpec("cam1", "Canal Street east", "file", str(clip)))
    index_footage(services, op_id, "cam1", clip, spans)
    return op_id


def index_footage(
    services: Services, op_id: int, camera_key: str, clip: Path, spans: list[tuple[datetime, datetime]]
) -> None:
    """Index footage of a camera over ``spans`` made from ``clip`` (one segment per pass of the
    4 s clip), as a recorder would have written it at those times."""
    cam = next(c for c in services.operations.cameras(op_id) if c.key == camera_key)
    cams = {camera_key: (cam.id, cam.name)}
    for start, end in spans:
        for event in segments_from_clip(clip, services.settings.recordings, camera_key, start, end):
            services.footage.apply(op_id, cams, event)


def test_export_across_two_segments_and_a_gap_is_a_verifiable_package(services: Services, test_clip: Path) -> None:
    from console.evidence import verify_package
    from console.export_job import ExportRequest
    from tests.test_sightings import vehicle_tag
    from video.export import clip_packets

    t0 = datetime(2026, 11, 30, 23, 0, tzinfo=UTC)
    op_id = record_footage(
        services, test_clip, [(t0, t0 + timedelta(seconds=8)), (t0 + timedelta(seconds=12), t0 + timedelta(seconds=20))]
    )
    controller = services.operations.operator("demo", "test-console")
    tagged = services.sightings.save(
        controller, op_id, vehicle_tag("OY09 FEU", t0 + timedelta(seconds=5), camera_key="cam1")
    )
    start, end = t0 + timedelta(seconds=2.5), t0 + timedelta(seconds=17.5)
    request = ExportRequest(
        ("cam1",), start, end, "DC/1234/01", "stop check of OY09 FEU", services.settings.data_dir / "exports"
    )
    progress: list[float] = []
    result = services.exports.export(controller, request, lambda f, _w: progress.append(f))
    folder = result.folder
    assert folder.name == "DC_1234_01" and progress[-1] == 1.0
    manifest = json.loads((folder / "manifest.json").read_text())
    camera = manifest["cameras"][0]
    assert [p["master"] for p in camera["parts"]] == ["master/cam1_part1.mkv", "master/cam1_part2.mkv"]
    assert camera["gaps"] == [{"from_utc": "2026-11-30T23:00:08.000Z", "to_utc": "2026-11-30T23:00:12.000Z"}]
    # The master begins at the key frame before the start and copies the recorded packets unchanged.
    assert camera["parts"][0]["master_start_utc"] == "2026-11-30T23:00:02.000Z"
    segs = segments(services)
    recorded = [clip_packets(services.settings.recordings / s.path) for s in segs]
    assert clip_packets(folder / "master/cam1_part1.mkv") == recorded[0][50:] + recorded[1]
    assert clip_packets(folder / "master/cam1_part2.mkv") == recorded[2] + recorded[3][:38]  # 16.00 ... 17.48 s
    with av.open(str(folder / "working/cam1_part1.mp4")) as working:
        assert working.streams.video[0].codec_context.name == "h264"
        assert working.streams.video[0].frames == 137  # 2.52 ... 7.96 s: from the start asked for
    assert {s["sighting"] for s in manifest["stills"]} == {tagged.sighting_id}
    extract = [json.loads(line) for line in (folder / "record-extract.jsonl").read_text().splitlines()]
    assert [e["seq"] for e in extract] == [tagged.result.seq], "the tag's entry, with its hash, is in the extract"
    assert manifest["record_head"]["hash"] and (folder / "exhibit-sheet.pdf").stat().st_size > 1000
    with services.db.read() as s:
        entry = s.scalars(select(RecordEntry).where(RecordEntry.kind == "evidence.exported")).one()
    assert json.loads(entry.payload)["manifest_sha256"] == result.manifest_sha256
    report = verify_package(folder)
    assert report.ok, report.problems
    services.evidence.check_against_record(report)
    assert report.ok and report.record.startswith("matches record entry")
    assert verify(services.db).ok

    working = folder / "working/cam1_part2.mp4"
    data = bytearray(working.read_bytes())
    data[len(data) // 2] ^= 0x01
    working.write_bytes(bytes(data))
    still = next((folder / "stills").iterdir())
    still.unlink()
    problems = verify_package(folder).problems
    assert "changed: working/cam1_part2.mp4 (SHA-256 differs from the manifest)" in problems
    assert f"missing: stills/{still.name}" in problems


def test_the_repeated_hour_when_clocks_go_back_is_told_apart_by_its_offset(services: Services, test_clip: Path) -> None:
    from console.exhibit_package import burned_in_time
    from console.export_job import ExportRequest

    # British Summer Time ends at 01:00 UTC on 25 October 2026: 01:00-02:00 local happens twice.
    t0 = datetime(2026, 10, 25, 0, 59, 58, tzinfo=UTC)  # 01:59:58 BST
    op_id = record_footage(services, test_clip, [(t0, t0 + timedelta(seconds=8))])
    del op_id
    tz = ZoneInfo("Europe/London")
    assert burned_in_time(t0, tz) == "25/10/2026 01:59:58.0 +01:00 BST"
    assert burned_in_time(t0 + timedelta(seconds=3), tz) == "25/10/2026 01:00:01.0 +00:00 GMT"
    controller = services.operations.operator("demo", "test-console")
    request = ExportRequest(
        ("cam1",), t0, t0 + timedelta(seconds=6), "BST-1", "clock change check", services.settings.data_dir / "x"
    )
    manifest = json.loads((services.exports.export(controller, request).folder / "manifest.json").read_text())
    assert manifest["requested"]["start_local"] == "2026-10-25T01:59:58.000+01:00"
    assert manifest["requested"]["end_local"] == "2026-10-25T01:00:04.000+00:00"


def test_a_cancelled_or_failed_export_leaves_nothing_that_looks_complete(services: Services, test_clip: Path) -> None:
    from console.exhibit_package import ExportError
    from console.export_job import ExportRequest
    from video.export import ExportCancelled

    t0 = datetime(2026, 11, 30, 22, 0, tzinfo=UTC)
    record_footage(services, test_clip, [(t0, t0 + timedelta(seconds=8))])
    controller = services.operations.operator("demo", "test-console")
    out = services.settings.data_dir / "exports"
    request = ExportRequest(("cam1",), t0, t0 + timedelta(seconds=8), "EX-9", "test", out)
    with pytest.raises(ExportCancelled):
        services.exports.export(controller, request, cancelled=lambda: True)
    assert list(out.iterdir()) == []
    first = segments(services)[0]
    path = services.settings.recordings / first.path
    data = bytearray(path.read_bytes())
    data[-10] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(ExportError, match="has changed since it was recorded"):
        services.exports.export(controller, request)
    assert list(out.iterdir()) == []
    with services.db.read() as s:
        assert not s.scalars(select(RecordEntry).where(RecordEntry.kind.like("evidence.%"))).all()


def test_retention_purges_what_is_due_keeps_held_footage_and_the_record_verifies(
    services: Services, test_clip: Path
) -> None:
    now = datetime.now(UTC)
    old, recent = now - timedelta(days=40), now - timedelta(days=2)
    op_id = record_footage(
        services, test_clip, [(old, old + timedelta(seconds=12)), (recent, recent + timedelta(seconds=8))]
    )
    supervisor = services.operations.operator("sgt.demo", "test-console")
    hold = services.evidence.place_hold(
        supervisor, op_id, "cam1", old + timedelta(seconds=5), old + timedelta(seconds=6), "CPS request"
    )
    reports = services.footage.purge(services.settings.recordings, None, now)
    assert len(reports) == 1 and reports[0].segments == 2 and reports[0].held_kept == 1
    states = [(s.starts_at, s.state) for s in segments(services)]
    assert [st for _, st in states] == ["purged", "closed", "purged", "closed", "closed"]
    for seg in segments(services):
        assert (services.settings.recordings / seg.path).exists() == (seg.state != "purged")
    with services.db.read() as s:
        entry = s.scalars(select(RecordEntry).where(RecordEntry.kind == "recording.purged")).one()
    payload = json.loads(entry.payload)
    assert payload["reason"] == "retention: older than 31 days" and len(payload["segments"]) == 2
    assert verify(services.db).ok
    # Released (by a supervisor only), the held segment goes at the next purge.
    controller = services.operations.operator("demo", "test-console")
    from console.access import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.evidence.release_hold(controller, int(hold.ref_id), "case closed")
    services.evidence.release_hold(supervisor, int(hold.ref_id), "case closed")
    assert services.footage.purge(services.settings.recordings, None, now)[0].segments == 1
    assert verify(services.db).ok


def test_the_disk_limit_warns_before_it_bites_then_purges_the_oldest_first(services: Services, test_clip: Path) -> None:
    t0 = datetime.now(UTC) - timedelta(hours=3)
    record_footage(services, test_clip, [(t0, t0 + timedelta(seconds=16))])
    root = services.settings.recordings
    used = sum(s.bytes for s in segments(services))
    assert not services.footage.disk_state(root, used * 2).warning
    warned = services.footage.disk_state(root, int(used / 0.92))
    assert warned.warning and warned.words.startswith("Recording disk at 92% of its limit")
    assert services.footage.purge(root, int(used / 0.92)) == []  # under the limit: nothing goes yet
    reports = services.footage.purge(root, int(used * 0.6))
    assert len(reports) == 1 and reports[0].reason.startswith("disk limit")
    states = [s.state for s in segments(services)]
    assert states == ["purged", "purged", "closed", "closed"], "the oldest first, down to 95 % of the limit"
