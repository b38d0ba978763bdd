"""Evidence export and recording costs: ``python -m benchmarks.export [--minutes M] [--cameras N] [--json]``.

1. A 704x576 H.264 clip (ffmpeg ``testsrc2`` with temporal noise, 25 fps, a key frame every
   second, no B-frames, 1536 kbit/s) of ``--minutes`` (default 10) is made once into
   ``--cache-dir`` and indexed as 60 s recording segments of one camera, exactly as the
   recorder writes them (same writer, same index).
2. With no wall running, it times the master export of the whole span (packets copied) and the
   working copy (decode, burn-in, libx264), each as a multiple of real time, and then the whole
   package through the export service (hashes, stills, record extract, manifest, PDF sheet).
3. Recording: ``--cameras`` (default 16) RTSP mounts of the same clip on one local GStreamer
   server (passthrough); the recorder process records them all; its CPU (utime + stime of the
   process and its threads, from /proc) over ``--record-seconds`` after a warm-up, in cores.

Targets: master >= 100x real time, working copy >= 3x, recording 16 cameras < 0.3 cores.
Prints one JSON object; exit code 3 when a target is missed. Temporary folders are removed.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
TARGETS = {"master_x_realtime": 100.0, "working_copy_x_realtime": 3.0, "recording_16_cameras_cores": 0.3}


def make_clip(cache: Path, minutes: float) -> Path:
    cache.mkdir(parents=True, exist_ok=True)
    clip = cache / f"d1-noise-{minutes:g}min.mp4"
    if clip.exists():
        return clip
    source = f"testsrc2=size=704x576:rate=25:duration={minutes * 60:g},noise=alls=12:allf=t"
    encoder = "-c:v libx264 -preset veryfast -b:v 1536k -maxrate 1536k -bufsize 3072k -g 25 -bf 0 -pix_fmt yuv420p"
    partial = clip.with_suffix(".partial.mp4")
    subprocess.run(
        ["ffmpeg", "-hide_banner", "-loglevel", "error", "-nostdin", "-y", "-f", "lavfi", "-i", source,
         *encoder.split(), "-movflags", "+faststart", str(partial)],
        check=True,
    )  # fmt: skip
    partial.rename(clip)
    return clip


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process and all its threads."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def process_cpu() -> float:
    t = os.times()
    return t.user + t.system


def index_clip(services: Any, clip: Path, start: datetime, seconds: float) -> tuple[int, list[Any]]:
    """The clip as 60 s recording segments of camera cam1 from ``start``, indexed."""
    from console.demo import demo_spec, system_actor
    from console.operation_spec import CameraSpec
    from video.recorder import SegmentClosed, segments_from_clip

    camera = CameraSpec("cam1", "Canal Street east", "file", str(clip))
    services.operations.import_spec(
        system_actor("bench"), dataclasses.replace(demo_spec(date.today()), cameras=(camera,), masks=())
    )
    op_id = services.operations.view("demo").id
    cam = services.operations.cameras(op_id)[0]
    closed = []
    end = start + timedelta(seconds=seconds)
    for event in segments_from_clip(clip, services.settings.recordings, "cam1", start, end, 60.0):
        services.footage.apply(op_id, {"cam1": (cam.id, cam.name)}, event)
        if isinstance(event, SegmentClosed):
            closed.append(event)
    return op_id, closed


def measure_export(clip: Path, minutes: float, work: Path) -> dict[str, Any]:
    from console.export_job import ExportRequest
    from console.services import build_services
    from console.settings import Settings
    from video.export import SegmentFile, continuous_runs, write_master, write_working_copy

    settings = Settings(
        data_dir=work / "data",
        db_url=f"sqlite:///{work / 'bench.db'}",
        anchor_path=work / "a.jsonl",
        console_id="bench",
    )
    services = build_services(settings)
    try:
        start = datetime(2026, 11, 30, 23, 0, tzinfo=UTC)
        span = minutes * 60
        _, closed = index_clip(services, clip, start, span)
        end = start + timedelta(seconds=span)
        files = [SegmentFile(settings.recordings / c.path, c.starts_at, c.ends_at) for c in closed]
        (run,) = continuous_runs(files)
        cpu0, t0 = process_cpu(), time.perf_counter()
        master = write_master(run, start, end, work / "master.mkv")
        master_s, master_cpu = time.perf_counter() - t0, process_cpu() - cpu0
        assert master is not None
        cpu0, t0 = process_cpu(), time.perf_counter()
        working = write_working_copy(
            master, start, work / "working.mp4", lambda m: ["Canal Street east", m.isoformat(), "X/1"]
        )
        working_s, working_cpu = time.perf_counter() - t0, process_cpu() - cpu0
        actor = services.operations.operator("sgt.demo", "bench")
        t0 = time.perf_counter()
        result = services.exports.export(
            actor, ExportRequest(("cam1",), start, end, "BENCH/1", "benchmark", work / "out")
        )
        package_s = time.perf_counter() - t0
        return {
            "footage_seconds": span,
            "segments": len(closed),
            "master": {
                "seconds": round(master_s, 3),
                "x_realtime": round(span / master_s, 1),
                "cpu_seconds": round(master_cpu, 3),
                "packets": master.packets,
                "bytes": master.path.stat().st_size,
            },
            "working_copy": {
                "seconds": round(working_s, 2),
                "x_realtime": round(span / working_s, 2),
                "cpu_cores": round(working_cpu / working_s, 2),
                "frames": working.frames,
                "bytes": working.path.stat().st_size,
                "encoder": "libx264 preset superfast crf 23",
            },
            "whole_package": {
                "seconds": round(package_s, 2),
                "x_realtime": round(span / package_s, 2),
                "files": result.files,
            },
        }
    finally:
        services.close()


def measure_recording(clip: Path, cameras: int, warmup: float, seconds: float, work: Path) -> dict[str, Any]:
    from tests.servers.rtsp_server import RtspServer
    from video.recorder import RecorderProcess, RecordingJob, SegmentClosed, drain
    from video.sources import StreamSpec

    mounts = {f"/cam{i + 1}": clip for i in range(cameras)}
    with RtspServer(mounts) as server:
        jobs = [
            RecordingJob(f"cam{i + 1}", f"Camera {i + 1}", StreamSpec("rtsp", server.url(f"/cam{i + 1}")), 60.0)
            for i in range(cameras)
        ]
        recorder = RecorderProcess(jobs, work / "recordings")
        recorder.start()
        assert recorder.pid is not None
        try:
            time.sleep(warmup)
            events = drain(recorder.events, 0.0)
            cpu0, t0 = cpu_seconds(recorder.pid), time.perf_counter()
            time.sleep(seconds)
            cores = (cpu_seconds(recorder.pid) - cpu0) / (time.perf_counter() - t0)
        finally:
            recorder.stop()
        events += drain(recorder.events, 0.5)
    closed = [e for e in events if isinstance(e, SegmentClosed)]
    recorded = sum((e.ends_at - e.starts_at).total_seconds() for e in closed)
    return {
        "cameras": cameras,
        "source": "rtsp (GStreamer passthrough, 127.0.0.1)",
        "measured_seconds": seconds,
        "recorder_cpu_cores": round(cores, 3),
        "segments_closed": len(closed),
        "seconds_recorded": round(recorded, 1),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--cameras", type=int, default=16)
    parser.add_argument("--record-seconds", type=float, default=30.0)
    parser.add_argument("--warmup", type=float, default=8.0)
    parser.add_argument("--cache-dir", type=Path, default=Path(tempfile.gettempdir()) / "sentinel-bench-clips")
    parser.add_argument("--skip-recording", action="store_true")
    parser.add_argument("--json", action="store_true", help="print JSON only (default: JSON too)")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from benchmarks.record_bench import machine_info

    clip = make_clip(args.cache_dir, args.minutes)
    work = Path(tempfile.mkdtemp(prefix="sentinel-export-bench-"))
    try:
        result: dict[str, Any] = {
            "benchmark": "export",
            "machine": machine_info(),
            "clip": {"file": clip.name, "size": "704x576", "fps": 25, "bitrate_kbit_s": 1536, "gop": 25},
            "targets": TARGETS,
            "export": measure_export(clip, args.minutes, work),
        }
        if not args.skip_recording:
            (work / "rec").mkdir()
            result["recording"] = measure_recording(clip, args.cameras, args.warmup, args.record_seconds, work / "rec")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    met = {
        "master_x_realtime": result["export"]["master"]["x_realtime"] >= TARGETS["master_x_realtime"],
        "working_copy_x_realtime": result["export"]["working_copy"]["x_realtime"] >= TARGETS["working_copy_x_realtime"],
    }
    if "recording" in result and args.cameras >= 16:
        met["recording_16_cameras_cores"] = (
            result["recording"]["recorder_cpu_cores"] < TARGETS["recording_16_cameras_cores"]
        )
    result["meets_targets"] = met
    print(json.dumps(result, indent=2))
    return 0 if all(met.values()) else 3


if __name__ == "__main__":
    sys.exit(main())
