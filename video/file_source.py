"""A camera that plays a video file in a loop, for the demo wall.

One daemon thread per file decodes at the file's own frame rate and publishes into a
one-slot mailbox (latest frame wins). A later stage moves capture into helper processes;
the mailbox rule and the health states stay the same.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections import deque
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt

from video.frame import Frame, SourceHealth

_log = logging.getLogger(__name__)

HealthCallback = Callable[[SourceHealth, str], None]

_FALLBACK_FPS = 25.0
_FIRST_RETRY_S = 1.0
_MAX_RETRY_S = 30.0
# If the thread falls this far behind its schedule (machine busy or suspended), it restarts the
# schedule from now instead of racing through frames to catch up.
_MAX_LAG_S = 1.0


class LatestFrameSlot:
    """Thread-safe one-frame mailbox: ``publish`` replaces the frame, ``latest`` reads it.

    Nothing queues up: a slow reader simply skips frames. The publisher must hand over a
    Frame whose image it never writes again (LoopingFileSource gives every frame its own
    read-only array), so a reader may keep and use the frame for as long as it likes.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._frame: Frame | None = None
        self._published = 0

    def publish(self, frame: Frame) -> None:
        with self._lock:
            self._frame = frame
            self._published += 1

    def latest(self) -> Frame | None:
        with self._lock:
            return self._frame

    @property
    def published(self) -> int:
        """How many frames were ever published (a reader compares it to spot new frames)."""
        with self._lock:
            return self._published


class LoopingFileSource:
    """Plays one video file forever, paced at its own frame rate, into ``slot``.

    ``size`` is ``(width, height)`` to resize to, or None to keep the file's size.
    ``on_health(health, message)`` is called from the source's own thread whenever the state
    or its message changes; a Qt caller should forward it through a signal. A source is
    started once; after ``stop`` make a new one.
    """

    def __init__(
        self,
        camera_id: str,
        path: Path,
        size: tuple[int, int] | None = None,
        on_health: HealthCallback | None = None,
    ) -> None:
        if size is not None and (size[0] <= 0 or size[1] <= 0):
            raise ValueError(f"frame size must be positive, got {size}")
        self._camera_id = camera_id
        self._path = path
        self._size = size
        self._on_health = on_health
        self._slot = LatestFrameSlot()
        self._stop_requested = threading.Event()
        self._thread: threading.Thread | None = None
        self._health_lock = threading.Lock()
        self._health = SourceHealth.CONNECTING
        self._health_message = f"Opening video file {path.name}"
        self._sequence = 0
        self._frames_read = 0
        self._fps_in = 0.0
        self._read_times: deque[float] = deque(maxlen=25)
        self._last_read_error = ""

    # -- public surface -------------------------------------------------------------------

    @property
    def camera_id(self) -> str:
        return self._camera_id

    @property
    def path(self) -> Path:
        return self._path

    @property
    def slot(self) -> LatestFrameSlot:
        return self._slot

    @property
    def health(self) -> SourceHealth:
        with self._health_lock:
            return self._health

    @property
    def health_message(self) -> str:
        with self._health_lock:
            return self._health_message

    @property
    def fps_in(self) -> float:
        """Frames per second actually read, over the last second or so; 0.0 when not playing."""
        return self._fps_in

    @property
    def frames_read(self) -> int:
        return self._frames_read

    @property
    def is_running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        if self._thread is not None:
            raise RuntimeError(f"file source for camera {self._camera_id} was already started")
        self._thread = threading.Thread(target=self._run, name=f"file-source-{self._camera_id}", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 2.0) -> bool:
        """Ask the thread to finish and wait up to ``timeout`` s; True if it has finished."""
        self._stop_requested.set()
        thread = self._thread
        if thread is None:
            return True
        thread.join(timeout)
        return not thread.is_alive()

    # -- worker thread --------------------------------------------------------------------

    def _set_health(self, health: SourceHealth, message: str) -> None:
        with self._health_lock:
            changed = (health, message) != (self._health, self._health_message)
            self._health, self._health_message = health, message
        if changed:
            _log.info("camera %s: %s (%s)", self._camera_id, health.value, message)
            if self._on_health is not None:
                self._on_health(health, message)

    def _run(self) -> None:
        try:
            self._loop()
        except Exception as exc:
            # A bug, not a bad file: say so on the tile, then let threading.excepthook log it.
            self._fps_in = 0.0
            self._set_health(
                SourceHealth.DECODER_STOPPED,
                f"Video file {self._path.name} stopped after an internal error: {exc}",
            )
            raise

    def _loop(self) -> None:
        retry_in = _FIRST_RETRY_S
        name = self._path.name
        while not self._stop_requested.is_set():
            capture, reason = self._open()
            if capture is None:
                problem = f"Cannot open video file {name}: {reason}"
            else:
                try:
                    frames = self._play(capture)
                finally:
                    capture.release()
                if frames > 0:
                    # Played, then could not rewind in place: reopen straight away.
                    retry_in = _FIRST_RETRY_S
                    continue
                detail = self._last_read_error or "no picture could be decoded"
                problem = f"Cannot read video file {name}: {detail}"
            if self._stop_requested.is_set():
                break
            self._fps_in = 0.0
            self._set_health(SourceHealth.LOST, f"{problem}. Retrying in {retry_in:g} s.")
            if self._stop_requested.wait(retry_in):
                break
            retry_in = min(retry_in * 2.0, _MAX_RETRY_S)
        self._fps_in = 0.0

    def _open(self) -> tuple[cv2.VideoCapture | None, str]:
        path = self._path
        # Checked first so the controller gets a precise reason, and OpenCV does not log noise.
        if not path.exists():
            return None, "file not found"
        if not path.is_file():
            return None, "it is a folder, not a file"
        if not os.access(path, os.R_OK):
            return None, "permission denied"
        try:
            capture = cv2.VideoCapture(str(path), cv2.CAP_FFMPEG, [cv2.CAP_PROP_N_THREADS, 1])
        except cv2.error as exc:
            return None, f"the decoder refused it ({exc})"
        if not capture.isOpened():
            capture.release()
            return None, "not a video format this console can play"
        return capture, ""

    def _play(self, capture: cv2.VideoCapture) -> int:
        """Read, publish and pace frames until stopped or the file cannot be read; return count."""
        fps = capture.get(cv2.CAP_PROP_FPS)
        if not 1.0 <= fps <= 240.0:  # also catches NaN and 0 from files without a rate
            fps = _FALLBACK_FPS
        period = 1.0 / fps
        self._last_read_error = ""
        frames = 0
        rewound = False
        decode_buffer: npt.NDArray[np.uint8] | None = None
        due = time.monotonic()
        while not self._stop_requested.is_set():
            ok, image, decode_buffer = self._read(capture, decode_buffer)
            captured_at = datetime.now(UTC)
            if image is None or not ok:
                if frames == 0 or rewound:
                    return frames
                # End of file: rewind in place; if that does not work the caller reopens.
                rewound = True
                if not capture.set(cv2.CAP_PROP_POS_FRAMES, 0):
                    return frames
                continue
            rewound = False
            frames += 1
            self._publish(image, captured_at)
            if self.health is not SourceHealth.LIVE:
                self._set_health(SourceHealth.LIVE, f"Playing video file {self._path.name}")
            due += period
            now = time.monotonic()
            if due < now - _MAX_LAG_S:
                due = now
            if due > now and self._stop_requested.wait(due - now):
                break
        return frames

    def _read(
        self, capture: cv2.VideoCapture, decode_buffer: npt.NDArray[np.uint8] | None
    ) -> tuple[bool, npt.NDArray[np.uint8] | None, npt.NDArray[np.uint8] | None]:
        """Decode one frame into a new array that nobody else holds; reuse the decode buffer."""
        try:
            if self._size is None:
                # No resize: OpenCV allocates a fresh array per read, which we can hand out.
                ok, fresh = capture.read()
                return ok, (np.asarray(fresh, dtype=np.uint8) if ok else None), None
            ok, decoded = capture.read(decode_buffer) if decode_buffer is not None else capture.read()
        except cv2.error as exc:
            self._last_read_error = f"the decoder failed ({exc})"
            return False, None, decode_buffer
        if not ok or decoded is None:
            return False, None, decode_buffer
        buffer = np.asarray(decoded, dtype=np.uint8)
        width, height = self._size
        if buffer.shape[1] == width and buffer.shape[0] == height:
            return True, buffer.copy(), buffer
        resized = cv2.resize(buffer, (width, height), interpolation=cv2.INTER_LINEAR)
        return True, np.asarray(resized, dtype=np.uint8), buffer

    def _publish(self, image: npt.NDArray[np.uint8], captured_at: datetime) -> None:
        image.flags.writeable = False  # enforce the mailbox rule: a published image never changes
        frame = Frame(self._camera_id, self._sequence, captured_at, image)
        self._sequence += 1
        self._frames_read += 1
        now = time.monotonic()
        self._read_times.append(now)
        if len(self._read_times) >= 2:
            span = self._read_times[-1] - self._read_times[0]
            self._fps_in = (len(self._read_times) - 1) / span if span > 0 else 0.0
        self._slot.publish(frame)
