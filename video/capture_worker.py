"""The capture helper: one process per camera that opens its stream with OpenCV, decodes,
scales to the size its tile asked for and publishes into the shared-memory mailbox.

It runs outside the GUI process because OpenCV's FFMPEG backend aborts the whole process on
some malformed input; here that kills one helper, and the console's supervisor restarts it.
The helper never needs the GUI: it reads what is wanted from the mailbox's control block and
writes its state there. It leaves by itself when asked, when the console process is gone, or
on SIGTERM.
"""

from __future__ import annotations

import os
import random
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Sequence
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

from video.mailbox import MAX_HEIGHT, MAX_WIDTH, Field, MailboxWriter, State
from video.masks import PrivacyMasks
from video.sources import (
    MAIN,
    READ_TIMEOUT_MS,
    CameraSource,
    Capture,
    SourceError,
    ask_for_bgra,
    configure_process,
    fit_size,
    open_capture,
    redact,
)

FIRST_RETRY_S = 0.5
RETRY_CAP_S = 2.5  # the production cap: with 1-1.5 s to reopen a stream, a camera is back within 5 s
JITTER = 0.25
IDLE_POLL_S = 0.05
PARENT_CHECK_S = 1.0
_FALLBACK_FPS = 25.0
_MAX_LAG_S = 1.0
# Frames for a tile this much smaller than the source (a main stream in a small tile) are
# scaled here, to the tile's size, so the GUI copies them without scaling; smaller reductions
# are left to the GUI, which samples them as it paints for what sampling them here would cost
# (and a tagged still then keeps the stream's own resolution).
HELPER_SCALES_BELOW = 0.6
_CONTROL_GEN, _QUIT, _STATE = int(Field.CONTROL_GEN), int(Field.QUIT), int(Field.STATE)
_FRAMES_IN, _FPS_IN_MILLI = int(Field.FRAMES_IN), int(Field.FPS_IN_MILLI)
_MASKS_LIFTED = int(Field.MASKS_LIFTED)
_HEARTBEAT_NS, _LIVE = int(Field.HEARTBEAT_NS), int(State.LIVE)


class Backoff:
    """Capped exponential backoff with jitter, so many cameras do not retry in step."""

    def __init__(self, first: float = FIRST_RETRY_S, cap: float = RETRY_CAP_S, rng: random.Random | None = None):
        self.first, self.cap = first, cap
        self.failures = 0
        self._rng = rng or random.Random()

    def next_delay(self) -> float:
        base = min(self.cap, self.first * (2**self.failures))
        self.failures += 1
        return float(min(self.cap, base * self._rng.uniform(1 - JITTER, 1 + JITTER)))

    def reset(self) -> None:
        self.failures = 0


def redirect_stderr(secrets: Sequence[str]) -> None:
    """Route this process's fd 2 (FFmpeg and OpenCV write there) through a redacting thread, so
    no camera credential reaches a terminal or a log."""
    read_end, write_end = os.pipe()
    original = os.dup(2)
    os.dup2(write_end, 2)
    os.close(write_end)
    sys.stderr = os.fdopen(os.dup(2), "w", buffering=1, errors="replace")

    def pump() -> None:
        with os.fdopen(read_end, "rb") as pipe:
            for line in pipe:
                os.write(original, redact(line.decode("utf-8", "replace"), secrets).encode("utf-8"))

    threading.Thread(target=pump, name="stderr-redactor", daemon=True).start()


class CaptureHelper:
    def __init__(self, source: CameraSource, mailbox: MailboxWriter, console_pid: int, retry_cap: float):
        self.source = source
        self.mailbox = mailbox
        self.console_pid = console_pid
        self.backoff = Backoff(cap=retry_cap)
        self.stop = threading.Event()
        self.capture: Capture | None = None
        self.open_stream = -1
        self._decode: npt.NDArray[np.uint8] | None = None
        # (width, height) while frames come as BGRA at the size they are published at: the next
        # one is then decoded straight into the mailbox slot it is published from.
        self._into_slot: tuple[int, int] | None = None
        self._scaled: npt.NDArray[np.uint8] | None = None  # the frame at the size planned, when scaled here
        self._times: deque[int] = deque(maxlen=26)  # capture times (ns) of the last frames
        self._plan_key: tuple[int, int, int, int] = (0, 0, 0, 0)
        self._planned: tuple[int, int, bool] = (0, 0, False)
        self._orphaned = False
        # Counters carry on across helper restarts: they are the camera's, not this process's.
        self._frames_in = mailbox.get(Field.FRAMES_IN)
        self._reconnects = mailbox.get(Field.RECONNECTS)
        self._had_frames = False
        self._was_lost = False
        self._parent_checked = 0.0
        self.masks = PrivacyMasks(source.masks)

    # -- the loop ---------------------------------------------------------------------------

    def run(self) -> None:
        self.mailbox.status(State.IDLE, "")
        while not self._should_stop():
            _, active, stream, want_w, want_h, _ = self.mailbox.control()
            if not active:
                self._close()
                self.mailbox.status(State.IDLE)
                time.sleep(IDLE_POLL_S)
                continue
            if self.source.sub is None:
                stream = MAIN
            if self.capture is None or stream != self.open_stream:
                self._connect(stream)
                continue
            self._play(want_w, want_h)
        self._close()

    def _should_stop(self) -> bool:
        if self.stop.is_set() or self.mailbox.get(Field.QUIT) or self._orphaned:
            return True
        now = time.monotonic()
        if now - self._parent_checked > PARENT_CHECK_S:
            self._parent_checked = now
            try:
                os.kill(self.console_pid, 0)
            except ProcessLookupError:
                self._orphaned = True  # the console is gone: nobody will read our frames
                return True
            except PermissionError:
                pass  # alive, under another user
        return False

    def _connect(self, stream: int) -> None:
        self._close()
        spec = self.source.stream(stream)
        self.mailbox.status(State.CONNECTING, f"connecting to {spec.display_name()}")
        try:
            self.capture = open_capture(spec)
            ask_for_bgra(self.capture, spec)
        except SourceError as exc:
            self._lost(str(exc))
            return
        except (cv2.error, OSError, ImportError, AttributeError) as exc:
            self._lost(f"could not open {spec.display_name()}: {exc}")
            return
        self.open_stream = stream
        self.mailbox.set(Field.OPEN_STREAM, stream)
        if self._was_lost and self._had_frames:
            self._reconnects += 1
            self.mailbox.set(Field.RECONNECTS, self._reconnects)
        self._was_lost = False

    def _lost(self, reason: str) -> None:
        """Say why, wait the backoff delay (leaving early if what is wanted changes)."""
        self._close()
        self._was_lost = True
        self._times.clear()
        self.mailbox.set(Field.FPS_IN_MILLI, 0)
        delay = self.backoff.next_delay()
        retry_at = time.time_ns() + int(delay * 1e9)
        self.mailbox.status(State.LOST, redact(reason, self.source.secrets()), retry_at)
        generation = self.mailbox.get(Field.CONTROL_GEN)
        deadline = time.monotonic() + delay
        while time.monotonic() < deadline and not self._should_stop():
            if self.mailbox.get(Field.CONTROL_GEN) != generation:
                break
            time.sleep(IDLE_POLL_S)

    def _play(self, want_w: int, want_h: int) -> None:
        """Read and publish frames until what is wanted changes or the stream fails.

        This loop runs for every frame of every camera, so it is kept lean: locals instead of
        attribute look-ups, the mailbox's int view instead of numpy scalars, one clock read for
        the capture time, the reused decode buffer, and the parent check only once a second."""
        capture = self.capture
        assert capture is not None
        spec = self.source.stream(self.open_stream)
        paced = spec.kind == "file" and self.source.pace_files
        fps = capture.get(cv2.CAP_PROP_FPS) if paced else 0.0
        period = 1.0 / (fps if 1.0 <= fps <= 240.0 else _FALLBACK_FPS)
        words = self.mailbox.words
        generation = words[_CONTROL_GEN]
        stopping = self.stop.is_set
        read = capture.read
        publish, published = self._publish, self._published
        target = self.mailbox.target
        monotonic, time_ns, sleep = time.monotonic, time.time_ns, time.sleep
        buffer = self._decode
        self._into_slot = None
        due = monotonic()
        read_any = False
        rewound = False
        while not stopping() and not words[_QUIT] and words[_CONTROL_GEN] == generation:
            into_slot = self._into_slot
            if into_slot is not None:
                buffer = target(*into_slot)  # the slot the next frame is published from
            try:
                ok, image = read(buffer) if buffer is not None else read()
            except cv2.error as exc:
                self._lost(f"the decoder failed on {spec.display_name()}: {exc}")
                return
            captured_ns = time_ns()
            if not ok or image is None:
                if spec.kind == "file" and spec.loop and read_any and not rewound:
                    rewound = True
                    if capture.set(cv2.CAP_PROP_POS_FRAMES, 0):
                        continue
                    self._close()  # could not rewind in place: reopen at once
                    return
                if spec.kind == "file":
                    self._lost(f"no picture could be decoded from {spec.display_name()}")
                else:
                    self._lost(
                        f"no frame from {spec.display_name()} for {READ_TIMEOUT_MS / 1000:g} s or the stream ended"
                    )
                return
            rewound = False
            read_any = True
            if image is not buffer:
                # A new array (the first frame, or the decoder changed size): decode into it from
                # now on if it is a plain writeable uint8 array.
                image = np.asarray(image)
                reusable = image.dtype == np.uint8 and image.flags.writeable
                buffer = self._decode = image if reusable else None
                self._into_slot = None
                if not reusable:
                    image = np.asarray(image, dtype=np.uint8)
            publish(image, want_w, want_h, captured_ns)
            published(captured_ns)
            now = monotonic()
            if now - self._parent_checked > PARENT_CHECK_S and self._should_stop():
                return
            if paced:
                due += period
                if due < now - _MAX_LAG_S:
                    due = now
                if due > now:
                    sleep(due - now)

    def _plan(self, source_w: int, source_h: int, want_w: int, want_h: int) -> tuple[int, int, bool]:
        """The size to publish a source_w x source_h frame at, and whether to scale it here."""
        # Never more than a mailbox slot holds. The GUI scales up, and scales down to no less
        # than HELPER_SCALES_BELOW while it paints.
        width, height = fit_size(
            source_w, source_h, min(want_w or MAX_WIDTH, MAX_WIDTH), min(want_h or MAX_HEIGHT, MAX_HEIGHT)
        )
        if width < HELPER_SCALES_BELOW * source_w or source_w > MAX_WIDTH or source_h > MAX_HEIGHT:
            self._scaled = np.empty((height, width, 3), dtype=np.uint8)
            return width, height, True
        return source_w, source_h, False

    def _publish(self, image: npt.NDArray[np.uint8], want_w: int, want_h: int, captured_ns: int) -> None:
        """Put the frame into the mailbox's next slot at the size planned for it, as BGRA (which
        is QImage's RGB32 in memory), and publish it."""
        shape = image.shape
        source_h, source_w = shape[0], shape[1]
        key = (source_w, source_h, want_w, want_h)
        if key != self._plan_key:
            self._plan_key = key
            self._planned = self._plan(source_w, source_h, want_w, want_h)
        width, height, scale = self._planned
        mailbox = self.mailbox
        target = mailbox.target(width, height)
        bgra = image.ndim == 3 and shape[2] == 4
        if image is target:
            pass  # the decoder wrote it into the slot itself
        elif scale:
            if bgra:
                cv2.resize(image, (width, height), target, 0.0, 0.0, cv2.INTER_LINEAR)
            elif self._scaled is not None:
                cv2.resize(self._bgr(image), (width, height), self._scaled, 0.0, 0.0, cv2.INTER_LINEAR)
                cv2.cvtColor(self._scaled, cv2.COLOR_BGR2BGRA, target)
        elif bgra:
            np.copyto(target, image)  # the first frame: the next ones are decoded into their slot
        elif image.ndim == 2:
            cv2.cvtColor(image, cv2.COLOR_GRAY2BGRA, target)
        else:
            cv2.cvtColor(image, cv2.COLOR_BGR2BGRA, target)  # a decoder that gives BGR only
        self._into_slot = (width, height) if bgra and not scale else None
        # The picture is in the slot target at (width, height). Privacy: the masked areas are
        # black before the frame is published, unless a supervisor has lifted them for a while.
        if self.masks and not mailbox.words[_MASKS_LIFTED]:
            self.masks.apply(target)
        mailbox.publish(width, height, captured_ns, self.open_stream, (source_w, source_h))

    @staticmethod
    def _bgr(image: npt.NDArray[np.uint8]) -> npt.NDArray[np.uint8]:
        if image.ndim == 2:
            return np.asarray(cv2.cvtColor(image, cv2.COLOR_GRAY2BGR), dtype=np.uint8)
        return image

    def _published(self, captured_ns: int) -> None:
        """Counters, the input frame rate and the heartbeat, after each published frame."""
        words = self.mailbox.words
        self._frames_in += 1
        words[_FRAMES_IN] = self._frames_in
        times = self._times
        times.append(captured_ns)
        first = times[0]
        if captured_ns > first:
            words[_FPS_IN_MILLI] = (len(times) - 1) * 1_000_000_000_000 // (captured_ns - first)
        if self._had_frames and words[_STATE] == _LIVE:
            words[_HEARTBEAT_NS] = captured_ns
        else:
            self._had_frames = True
            self.backoff.reset()
            self.mailbox.status(State.LIVE, f"live from {self.source.stream(self.open_stream).display_name()}")

    def _close(self) -> None:
        if self.capture is not None:
            self.capture.release()
            self.capture = None
        self.open_stream = -1


def helper_main(source: CameraSource, mailbox_name: str, lock: Any, console_pid: int, retry_cap: float) -> None:
    """Entry point of a capture helper process."""
    redirect_stderr(source.secrets())
    configure_process(spec.kind for spec in (source.main, source.sub) if spec is not None)
    mailbox = MailboxWriter(mailbox_name, lock)
    mailbox.set(Field.HELPER_PID, os.getpid())
    helper = CaptureHelper(source, mailbox, console_pid, retry_cap)
    signal.signal(signal.SIGTERM, lambda *_: helper.stop.set())
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C is for the console, which stops us
    try:
        helper.run()
    finally:
        mailbox.status(State.IDLE, "")
        mailbox.close()
