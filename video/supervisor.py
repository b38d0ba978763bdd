"""The console's side of capture: one feed per camera, each backed by a helper process and a
shared-memory mailbox, and a supervisor that starts, watches and restarts the helpers.

Nothing here blocks the caller: processes are started and stopped on the supervisor's own
thread; the GUI only sets what each feed should deliver, reads the newest frame and asks for
the feed's health in words. No Qt here: the GUI layer calls ``poll`` from a timer.
"""

from __future__ import annotations

import logging
import math
import multiprocessing
import os
import queue
import signal
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from multiprocessing.context import BaseContext
from typing import Any

from video.capture_worker import RETRY_CAP_S, helper_main
from video.frame import SourceHealth
from video.mailbox import Field, MailboxReader, SlotFrame, State
from video.sources import MAIN, SUB, CameraSource, redact

_log = logging.getLogger(__name__)

STALLED_AFTER_S = 3.0
FIRST_RESTART_S = 1.0
RESTART_CAP_S = 30.0
HEALTHY_RUN_S = 60.0  # a helper that ran this long starts its restart backoff afresh
IDLE_STOP_S = 60.0  # a helper nobody has wanted for this long is stopped
STOP_GRACE_S = 2.0


def capture_context() -> BaseContext:
    """Helpers are forked from a clean server process that has OpenCV loaded already: quick to
    start, and never a fork of the GUI process with its Qt threads."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["video.capture_worker"])
    return context


@dataclass(frozen=True)
class FeedHealth:
    state: SourceHealth | None  # None: nobody wants this camera now, so it is not decoded
    words: str


@dataclass(frozen=True)
class FeedStats:
    fps_in: float
    fps_shown: float
    frames_in: int
    frames_shown: int
    dropped: int
    reconnects: int
    restarts: int
    last_frame_age_s: float | None
    source_size: tuple[int, int]
    stream: str


def exit_words(code: int | None) -> str:
    if code is None:
        return "stopped"
    if code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exited with code {code}"


class CameraFeed:
    """One camera: its helper process, its mailbox and what the wall wants from it."""

    def __init__(self, source: CameraSource, supervisor: CaptureSupervisor) -> None:
        self.source = source
        self._sup = supervisor
        self._lock = threading.Lock()  # guards the process handle between threads
        self.mailbox = MailboxReader(supervisor.context.Lock())
        self._process: Any = None
        self._starting = False
        self._started_at = 0.0
        self._restart_at = 0.0
        self._restart_failures = 0
        self.restarts = 0
        self._stopped_reason = ""
        self._wanted = False
        self._unwanted_since = time.monotonic()
        self._shown: deque[float] = deque(maxlen=26)
        self.frames_shown = 0
        self._first_published = -1
        self._last_logged: tuple[Any, ...] = ()
        self._last_message = ""  # the helper's last whole message (kept while it rewrites one)

    @property
    def camera_id(self) -> str:
        return self.source.camera_id

    @property
    def camera_name(self) -> str:
        return self.source.name

    @property
    def location(self) -> str:
        return self.source.location

    # -- what the wall wants ------------------------------------------------------------------

    def want(self, width: int, height: int, main_stream: bool) -> None:
        """Deliver frames scaled into width x height, from the main or the sub stream."""
        self._wanted = True
        stream = MAIN if main_stream or self.source.sub is None else SUB
        self.mailbox.want(True, stream, width, height)

    def lift_masks(self, lifted: bool) -> None:
        """Paint the camera's privacy masks (False) or show the whole picture (True) from the
        next frame; a new helper reads it from the control block too."""
        self.mailbox.set(Field.MASKS_LIFTED, 1 if lifted else 0)

    @property
    def masks_lifted(self) -> bool:
        return bool(self.mailbox.get(Field.MASKS_LIFTED))

    def set_masks(self, masks: tuple[tuple[tuple[float, float], ...], ...]) -> None:
        """New mask polygons (changed at set-up): the helper restarts with them at once."""
        if masks == self.source.masks:
            return
        self.source = replace(self.source, masks=masks)
        # Stopped on the supervisor's thread; the next poll starts a helper with the new source
        # (the start is queued behind the stop on the same thread).
        self._sup.submit(self._stop_process)

    def release(self) -> None:
        """Nobody shows this camera now: the helper closes the stream (no decoding)."""
        if self._wanted:
            self._unwanted_since = time.monotonic()
        self._wanted = False
        self.mailbox.want(False, int(self.mailbox.get(Field.STREAM)), 0, 0)

    @property
    def wanted(self) -> bool:
        return self._wanted

    # -- frames -------------------------------------------------------------------------------

    @property
    def published(self) -> int:
        return self.mailbox.published

    def acquire(self) -> SlotFrame | None:
        """The newest frame (valid until the next call). Counts it as shown if it is new."""
        before = self.mailbox.current
        frame = self.mailbox.acquire()
        if frame is not None and (before is None or frame.sequence != before.sequence):
            self.frames_shown += 1
            self._shown.append(time.monotonic())
            if self._first_published < 0:
                self._first_published = frame.sequence - 1
        return frame

    # -- helper life --------------------------------------------------------------------------

    def _alive(self) -> bool:
        with self._lock:
            return self._process is not None and self._process.is_alive()

    def poll(self, now: float) -> None:
        with self._lock:
            process, starting = self._process, self._starting
        if starting:
            return
        if process is not None and not process.is_alive():
            self._on_death(process.exitcode, now)
            process = None
        if process is None:
            if self._wanted and now >= self._restart_at:
                self._begin_start(now)
        elif not self._wanted and now - self._unwanted_since > IDLE_STOP_S:
            self._sup.submit(self._stop_process)
        self._log_health()

    def _on_death(self, exitcode: int | None, now: float) -> None:
        with self._lock:
            self._process = None
        ran = now - self._started_at
        if ran > HEALTHY_RUN_S:
            self._restart_failures = 0
        delay = min(RESTART_CAP_S, FIRST_RESTART_S * 2**self._restart_failures)
        self._restart_failures += 1
        self._restart_at = now + delay
        self._stopped_reason = exit_words(exitcode)
        _log.warning(
            "camera %s: capture helper %s after %.1f s; restarting in %.0f s",
            self.camera_id,
            self._stopped_reason,
            ran,
            delay,
        )
        # A helper killed inside the mailbox lock would leave it held: the next one gets a new lock.
        self.mailbox.lock = self._sup.context.Lock()
        self.mailbox.set(Field.STATE, State.IDLE)

    def _begin_start(self, now: float) -> None:
        with self._lock:
            self._starting = True
        self._started_at = now
        if self._stopped_reason:
            self.restarts += 1
        self._sup.submit(self._start_process)

    def _start_process(self) -> None:
        """On the supervisor's thread: start a helper (quick once the fork server is up)."""
        try:
            process = self._sup.context.Process(  # type: ignore[attr-defined]
                target=helper_main,
                args=(self.source, self.mailbox.name, self.mailbox.lock, os.getpid(), self._sup.retry_cap),
                name=f"capture-{self.camera_id}",
                daemon=True,
            )
            self.mailbox.set(Field.QUIT, 0)
            process.start()
        except (OSError, RuntimeError) as exc:
            _log.error("camera %s: could not start a capture helper: %s", self.camera_id, exc)
            with self._lock:
                self._starting = False
            self._on_death(None, time.monotonic())
            return
        with self._lock:
            self._process = process
            self._starting = False
        self._stopped_reason = ""

    def _stop_process(self, timeout: float = STOP_GRACE_S) -> None:
        with self._lock:
            process = self._process
            self._process = None
        if process is None:
            return
        self.mailbox.ask_to_quit()
        process.join(timeout)
        if process.is_alive():
            process.terminate()
            process.join(1.0)
        if process.is_alive():
            process.kill()
            process.join(1.0)
        self.mailbox.set(Field.STATE, State.IDLE)

    @property
    def helper_pid(self) -> int | None:
        with self._lock:
            return self._process.pid if self._process is not None else None

    # -- health and counters ------------------------------------------------------------------

    def health(self, now: float | None = None) -> FeedHealth:
        now = time.monotonic() if now is None else now
        if not self._wanted:
            return FeedHealth(None, "not decoded (not on screen)")
        with self._lock:
            process, starting = self._process, self._starting
        if process is None and not starting and self._stopped_reason:
            wait = max(0, math.ceil(self._restart_at - now))
            return FeedHealth(
                SourceHealth.DECODER_STOPPED,
                f"decoder stopped ({self._stopped_reason}), restarting in {wait} s",
            )
        state = State(self.mailbox.get(Field.STATE))
        if state == State.LIVE:
            age = self.last_frame_age()
            if age is not None and age > STALLED_AFTER_S:
                return FeedHealth(SourceHealth.STALLED, f"stalled: no frame for {age:.0f} s")
            return FeedHealth(SourceHealth.LIVE, "live")
        if state == State.LOST:
            retry_ns = self.mailbox.get(Field.RETRY_AT_NS) - time.time_ns()
            wait = max(0, math.ceil(retry_ns / 1e9))
            reason = self._message()
            retry = f"retrying in {wait} s" if wait else "retrying now"
            return FeedHealth(SourceHealth.LOST, f"lost: {reason}; {retry}" if reason else f"lost; {retry}")
        return FeedHealth(SourceHealth.CONNECTING, "connecting")

    def _message(self) -> str:
        text = self.mailbox.read_message()
        if text is not None:
            self._last_message = redact(text, self.source.secrets())
        return self._last_message

    def last_frame_age(self) -> float | None:
        """Seconds since the newest published frame was captured (UTC clocks)."""
        if self.mailbox.published == 0:
            return None
        latest = int(self.mailbox.get(Field.LATEST))
        if latest < 0:
            return None
        captured = int(self.mailbox.meta[latest][1])
        return max(0.0, (time.time_ns() - captured) / 1e9)

    def stats(self) -> FeedStats:
        shown = list(self._shown)
        fps_shown = (len(shown) - 1) / (shown[-1] - shown[0]) if len(shown) >= 2 and shown[-1] > shown[0] else 0.0
        frames_in = self.mailbox.get(Field.FRAMES_IN)
        published_since = self.mailbox.published - max(self._first_published, 0)
        stream = self.mailbox.get(Field.OPEN_STREAM)
        return FeedStats(
            fps_in=self.mailbox.get(Field.FPS_IN_MILLI) / 1000,
            fps_shown=fps_shown,
            frames_in=frames_in,
            frames_shown=self.frames_shown,
            dropped=max(0, published_since - self.frames_shown) if self._first_published >= 0 else 0,
            reconnects=self.mailbox.get(Field.RECONNECTS),
            restarts=self.restarts,
            last_frame_age_s=self.last_frame_age(),
            source_size=(self.mailbox.get(Field.SOURCE_W), self.mailbox.get(Field.SOURCE_H)),
            stream="sub" if stream == SUB else "main",
        )

    def captured_at(self, frame: SlotFrame) -> datetime:
        return datetime.fromtimestamp(frame.captured_ns / 1e9, UTC)

    def _log_health(self) -> None:
        health = self.health()
        key = (health.state, self._message() if health.state == SourceHealth.LOST else "")
        if key != self._last_logged:
            self._last_logged = key
            if health.state in (SourceHealth.LOST, SourceHealth.DECODER_STOPPED):
                _log.warning("camera %s (%s): %s", self.camera_id, self.source.name, health.words)
            elif health.state is not None:
                _log.info("camera %s (%s): %s", self.camera_id, self.source.name, health.words)

    def close(self) -> None:
        self._stop_process()
        self.mailbox.close()


class CaptureSupervisor:
    """Owns every camera feed. ``poll`` (from a GUI timer) watches helpers and restarts the dead."""

    def __init__(
        self,
        sources: Iterable[CameraSource],
        retry_cap: float = RETRY_CAP_S,
        context: BaseContext | None = None,
    ) -> None:
        self.context = context or capture_context()
        self.retry_cap = retry_cap
        self._jobs: queue.SimpleQueue[Callable[[], None] | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._work, name="capture-supervisor", daemon=True)
        self._thread.start()
        self.feeds: dict[str, CameraFeed] = {}
        for source in sources:
            self.feeds[source.camera_id] = CameraFeed(source, self)

    def submit(self, job: Callable[[], None]) -> None:
        self._jobs.put(job)

    def _work(self) -> None:
        while (job := self._jobs.get()) is not None:
            try:
                job()
            except Exception:  # noqa: BLE001 - one camera's failure must not stop the others' jobs
                _log.exception("capture supervisor job failed")

    def feed(self, camera_id: str) -> CameraFeed:
        return self.feeds[camera_id]

    def poll(self) -> None:
        now = time.monotonic()
        for feed in self.feeds.values():
            feed.poll(now)

    def close(self, timeout: float = 5.0) -> None:
        """Stop every helper and free the shared memory (at console shutdown)."""
        self._jobs.put(None)
        self._thread.join(timeout)
        for feed in self.feeds.values():
            feed.mailbox.ask_to_quit()
        for feed in self.feeds.values():
            feed.close()
