"""Recording at the console (or on a dedicated recording machine): starts the recorder process
for the operation's cameras with recording on, writes what it reports into the footage index
on a thread of its own, restarts the process when it dies, and runs the purge (retention and
the disk limit) every few minutes. Nothing here touches Qt; the wall asks ``states()``.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.exc import SQLAlchemyError

from console.cameras import CameraSetupError, camera_source
from console.footage import DiskState, FootageIndex, PurgeReport
from console.record import RecordService, utc_now
from console.settings import Settings
from console.types import CameraView
from storage.db import Database, StorageError
from video.demo_clips import DemoClip
from video.recorder import (
    RECORDABLE_KINDS,
    RecorderProcess,
    RecordingJob,
    SegmentClosed,
    SegmentOpened,
    StreamBack,
    StreamLost,
    drain,
)

log = logging.getLogger("sentinel.recording")

PURGE_EVERY_S = 300.0
FIRST_RESTART_S = 1.0
RESTART_CAP_S = 30.0


@dataclass(frozen=True)
class CameraRecording:
    """What the wall shows about one camera's recording."""

    camera_key: str
    recording: bool
    words: str


class RecordingService:
    def __init__(
        self,
        db: Database,
        record: RecordService,
        settings: Settings,
        operation_id: int,
        segment_seconds: int,
        cameras: Sequence[CameraView],
        clips: dict[str, DemoClip],
        credentials: dict[str, tuple[str, str]],
    ) -> None:
        self.settings = settings
        self.root = settings.recordings
        self.index = FootageIndex(db, record, settings.console_id)
        self.operation_id = operation_id
        self._states: dict[str, CameraRecording] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._process: RecorderProcess | None = None
        self._restart_at = 0.0
        self._restart_delay = FIRST_RESTART_S
        self._purged_at = 0.0
        self._started_at = 0.0
        self.disk: DiskState | None = None
        self.last_problem = ""
        self.purges: list[PurgeReport] = []  # the latest purge pass's reports
        self.jobs: list[RecordingJob] = []
        self._cameras: dict[str, tuple[int, str]] = {}
        for cam in cameras:
            self._plan(cam, clips, credentials.get(cam.key), segment_seconds)

    def _plan(
        self, cam: CameraView, clips: dict[str, DemoClip], credentials: tuple[str, str] | None, segment_seconds: int
    ) -> None:
        if not cam.recording:
            self._set(cam.key, False, "recording off")
            return
        try:
            source = camera_source(cam, clips, credentials)
        except CameraSetupError as error:
            self._set(cam.key, False, f"not recorded: {error}")
            return
        if source.main.kind not in RECORDABLE_KINDS:
            self._set(cam.key, False, "not recorded: a local capture device is live only")
            return
        self.jobs.append(RecordingJob(cam.key, cam.name, source.main, float(segment_seconds)))
        self._cameras[cam.key] = (cam.id, cam.name)
        self._set(cam.key, False, "recording: starting")

    def _set(self, key: str, recording: bool, words: str) -> None:
        with self._lock:
            self._states[key] = CameraRecording(key, recording, words)

    def states(self) -> dict[str, CameraRecording]:
        with self._lock:
            return dict(self._states)

    # --- life --------------------------------------------------------------------------------------
    def start(self) -> None:
        """Start recording (returns at once; the process and the index work on their own thread)."""
        self._thread = threading.Thread(target=self._run, name="recording-index", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 15.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self) -> None:
        try:
            self._skip_cameras_recorded_elsewhere()
            self.index.salvage(self.root)
            if self.jobs:
                self.index.recording_started(self.operation_id, [j.camera_name for j in self.jobs])
        except (StorageError, SQLAlchemyError, OSError) as error:
            self.last_problem = f"recording index unavailable: {error}"
            log.error(self.last_problem)
        while not self._stop.is_set():
            try:
                self._turn()
            except (StorageError, SQLAlchemyError, OSError) as error:
                # The database is away: the recorder keeps writing files; the index catches up
                # with the events still queued once it is back.
                self.last_problem = f"recording index unavailable: {error}"
                log.error(self.last_problem)
                self._stop.wait(2.0)
        self._stop_process()
        try:
            self._apply_pending()
            if self.jobs:
                self.index.recording_stopped(self.operation_id, len(self.jobs))
        except (StorageError, SQLAlchemyError) as error:
            log.error("recording index: the stop could not be recorded: %s", error)

    def _skip_cameras_recorded_elsewhere(self) -> None:
        ids = {camera_id: key for key, (camera_id, _) in self._cameras.items()}
        busy = self.index.busy_elsewhere(ids, utc_now())
        for camera_id, recorder in busy.items():
            key = ids[camera_id]
            self._set(key, True, f"recorded by {recorder}")
            self._cameras.pop(key)
        self.jobs = [j for j in self.jobs if j.camera_key in self._cameras]

    def _turn(self) -> None:
        if not self.jobs:
            self._stop.wait(1.0)
            return
        process = self._process
        if process is None or not process.alive():
            if process is not None:
                words = process.exit_words()
                self.last_problem = f"recorder {words}, restarting in {self._restart_delay:.0f} s"
                log.error(self.last_problem)
                self._apply_pending()
                self.index.recorder_stopped(self.operation_id, self._cameras, words)
                for key in self._cameras:
                    self._set(key, False, f"not recording: recorder {words}")
                self._process = None
                self._restart_at = time.monotonic() + self._restart_delay
                self._restart_delay = min(RESTART_CAP_S, self._restart_delay * 2)
            if time.monotonic() >= self._restart_at:
                self.index.salvage(self.root)
                self._process = RecorderProcess(self.jobs, self.root)
                self._process.start()
                self._started_at = time.monotonic()
            else:
                self._stop.wait(0.2)
                return
        assert self._process is not None
        for event in drain(self._process.events, 0.5):
            self._apply(event)
        if time.monotonic() - self._started_at > 60:
            self._restart_delay = FIRST_RESTART_S
        if time.monotonic() - self._purged_at >= PURGE_EVERY_S:
            self.purge_now()

    def _apply_pending(self) -> None:
        if self._process is not None:
            for event in drain(self._process.events, 0.0):
                self._apply(event)

    def _apply(self, event: object) -> None:
        self.index.apply(self.operation_id, self._cameras, event)  # type: ignore[arg-type]
        key = getattr(event, "camera_key", "")
        if isinstance(event, SegmentOpened | StreamBack):
            self._set(key, True, "recording")
        elif isinstance(event, StreamLost):
            self._set(key, False, f"not recording: {event.reason}")
        elif isinstance(event, SegmentClosed):
            pass  # the next segment's opening says recording again

    def _stop_process(self) -> None:
        if self._process is not None:
            self._process.stop()
            try:
                self._apply_pending()
            except (StorageError, SQLAlchemyError) as error:
                log.error("recording index: the last events could not be written: %s", error)

    def purge_now(self, now: datetime | None = None) -> list[PurgeReport]:
        self._purged_at = time.monotonic()
        self.purges = self.index.purge(self.root, self.settings.recording_limit_bytes, now)
        self.disk = self.index.disk_state(self.root, self.settings.recording_limit_bytes)
        return self.purges
