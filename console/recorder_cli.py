"""`sentinel-console recorder`: recording without the console's window, for a dedicated
recording machine sharing the room's database (or a console that should not record itself)."""

from __future__ import annotations

import signal
import sys
import threading
import time
from types import FrameType

from console.cameras import prepare_demo_clips
from console.recording import RecordingService
from console.services import build_services
from console.settings import Settings

STATUS_EVERY_S = 1.0


def run_recorder(settings: Settings, seconds: float | None = None, purge_only: bool = False) -> int:
    if seconds is not None and seconds <= 0:
        print("sentinel-console: --for must be a number of seconds above 0", file=sys.stderr)
        return 2
    services = build_services(settings)
    try:
        if purge_only:
            reports = services.footage.purge(settings.recordings, settings.recording_limit_bytes)
            for r in reports:
                print(f"purged {r.segments} segment(s), {r.bytes / 1e9:.2f} GB ({r.reason}); {r.held_kept} held kept")
            state = services.footage.disk_state(settings.recordings, settings.recording_limit_bytes)
            print(("nothing to purge; " if not reports else "") + state.words)
            return 0
        op = services.operations.view(settings.operation)
        cameras = services.operations.cameras(op.id)
        clips = {}
        if any(c.kind == "demo" for c in cameras):
            clips = prepare_demo_clips(settings.demo_clip_dir, cameras)
        recording = RecordingService(
            services.db,
            services.record,
            settings,
            op.id,
            op.segment_seconds,
            cameras,
            clips,
            services.operations.camera_credentials(op.id),
        )
        stop = threading.Event()

        def on_signal(_signum: int, _frame: FrameType | None) -> None:
            stop.set()

        signal.signal(signal.SIGINT, on_signal)
        signal.signal(signal.SIGTERM, on_signal)
        print(f"recording {len(recording.jobs)} camera(s) of {op.title or op.name} into {settings.recordings}")
        recording.start()
        deadline = time.monotonic() + seconds if seconds is not None else None
        said: dict[str, str] = {}
        while not stop.wait(STATUS_EVERY_S):
            for key, camera in sorted(recording.states().items()):
                if said.get(key) != camera.words:
                    said[key] = camera.words
                    print(f"  {key}: {camera.words}", flush=True)
            if deadline is not None and time.monotonic() >= deadline:
                break
        print("stopping: closing the open segments ...", flush=True)
        recording.stop()
        if recording.last_problem:
            print(f"last problem: {recording.last_problem}")
        return 0
    finally:
        services.close()
