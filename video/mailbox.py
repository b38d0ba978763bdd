"""A one-slot shared-memory mailbox between a capture helper (writer) and the GUI (reader).

Latest frame wins: the helper never waits for the GUI and nothing queues. Frames live in three
buffers: the one the GUI is reading, the newest published one, and the one being written. The
writer picks its next buffer under a small cross-process lock, as the one that is neither, so
the GUI never sees a half-written frame and the writer never waits for a paint. The lock only
guards two integers; the GUI never blocks on it (it tries, and keeps its current frame if busy).

Layout (all int64 little-endian): a control block the GUI writes (what the tile wants), a
status block the helper writes (state, counters, last message), three slot descriptors, then
the three pixel buffers (BGRA, which is QImage's RGB32 in memory).
"""

from __future__ import annotations

import logging
import mmap
import os
import time
from dataclasses import dataclass
from enum import IntEnum
from multiprocessing.shared_memory import SharedMemory
from typing import Any

import numpy as np
import numpy.typing as npt

_log = logging.getLogger(__name__)

SLOTS = 3
CHANNELS = 4
MAX_WIDTH, MAX_HEIGHT = 1920, 1080
SLOT_BYTES = MAX_WIDTH * MAX_HEIGHT * CHANNELS
HEADER_BYTES = 4096
MESSAGE_OFFSET, MESSAGE_BYTES = 1024, 1024
SLOT_META_OFFSET = 512  # in bytes; 8 int64 per slot
TOTAL_BYTES = HEADER_BYTES + SLOTS * SLOT_BYTES


class Field(IntEnum):
    # control, written by the GUI
    CONTROL_GEN = 0
    ACTIVE = 1
    STREAM = 2
    WANT_W = 3
    WANT_H = 4
    QUIT = 5
    # status, written by the helper
    STATE = 8
    RETRY_AT_NS = 9
    FRAMES_IN = 10
    RECONNECTS = 11
    FPS_IN_MILLI = 12
    SOURCE_W = 13
    SOURCE_H = 14
    OPEN_STREAM = 15
    PUBLISHED = 16
    LATEST = 17
    READING = 18
    HEARTBEAT_NS = 19
    MESSAGE_LEN = 20
    MESSAGE_GEN = 21
    HELPER_PID = 22


class State(IntEnum):
    IDLE = 0
    CONNECTING = 1
    LIVE = 2
    LOST = 3


class Meta(IntEnum):
    SEQUENCE = 0
    CAPTURED_NS = 1
    WIDTH = 2
    HEIGHT = 3
    STREAM = 4
    SOURCE_W = 5
    SOURCE_H = 6


@dataclass(frozen=True, slots=True)
class SlotFrame:
    """A frame in the mailbox, valid until the reader's next ``acquire``."""

    sequence: int
    captured_ns: int  # UTC, ns since the epoch, taken when the helper got the frame
    width: int
    height: int
    stream: int
    source_width: int
    source_height: int
    pixels: npt.NDArray[np.uint8]  # (height, width, 4) BGRA view into shared memory


class _Block:
    def __init__(self, buffer: Any) -> None:
        self.buffer = buffer
        self.header = np.ndarray((SLOT_META_OFFSET // 8,), dtype=np.int64, buffer=buffer)
        self.meta = np.ndarray((SLOTS, 8), dtype=np.int64, buffer=buffer, offset=SLOT_META_OFFSET)
        self.message = np.ndarray((MESSAGE_BYTES,), dtype=np.uint8, buffer=buffer, offset=MESSAGE_OFFSET)

    def slot(self, index: int, width: int, height: int) -> npt.NDArray[np.uint8]:
        offset = HEADER_BYTES + index * SLOT_BYTES
        return np.ndarray((height, width, CHANNELS), dtype=np.uint8, buffer=self.buffer, offset=offset)

    def get(self, field: Field) -> int:
        return int(self.header[field])

    def set(self, field: Field, value: int) -> None:
        self.header[field] = value

    def read_message(self) -> str | None:
        """The helper's last message, or None if it is being rewritten right now."""
        generation = self.get(Field.MESSAGE_GEN)
        length = min(self.get(Field.MESSAGE_LEN), MESSAGE_BYTES)
        text = bytes(self.message[:length]).decode("utf-8", "replace")
        return text if self.get(Field.MESSAGE_GEN) == generation else None


class MailboxReader(_Block):
    """The GUI's end: creates the shared memory, writes what the tile wants, reads frames."""

    def __init__(self, lock: Any) -> None:
        self._shm = SharedMemory(create=True, size=TOTAL_BYTES)
        super().__init__(self._shm.buf)
        self.lock = lock
        self.header[:] = 0
        self.header[Field.LATEST] = -1
        self.header[Field.READING] = -1
        self._current: SlotFrame | None = None

    @property
    def name(self) -> str:
        return self._shm.name

    def want(self, active: bool, stream: int, width: int, height: int) -> None:
        values = (int(active), stream, min(width, MAX_WIDTH), min(height, MAX_HEIGHT))
        current = tuple(int(self.header[f]) for f in (Field.ACTIVE, Field.STREAM, Field.WANT_W, Field.WANT_H))
        if values != current:
            for f, v in zip((Field.ACTIVE, Field.STREAM, Field.WANT_W, Field.WANT_H), values, strict=True):
                self.header[f] = v
            self.header[Field.CONTROL_GEN] += 1

    def ask_to_quit(self) -> None:
        self.header[Field.QUIT] = 1

    @property
    def published(self) -> int:
        """Sequence of the newest published frame (0 before the first); read without the lock."""
        return int(self.header[Field.PUBLISHED])

    def acquire(self) -> SlotFrame | None:
        """Claim the newest frame for reading. If the lock is busy, keep the current one."""
        if not self.lock.acquire(False):
            return self._current
        try:
            latest = int(self.header[Field.LATEST])
            if latest >= 0:
                self.header[Field.READING] = latest
        finally:
            self.lock.release()
        if latest < 0:
            return self._current
        m = self.meta[latest]
        width, height = int(m[Meta.WIDTH]), int(m[Meta.HEIGHT])
        self._current = SlotFrame(
            sequence=int(m[Meta.SEQUENCE]),
            captured_ns=int(m[Meta.CAPTURED_NS]),
            width=width,
            height=height,
            stream=int(m[Meta.STREAM]),
            source_width=int(m[Meta.SOURCE_W]),
            source_height=int(m[Meta.SOURCE_H]),
            pixels=self.slot(latest, width, height),
        )
        return self._current

    @property
    def current(self) -> SlotFrame | None:
        return self._current

    def close(self) -> None:
        """Release and remove the shared memory. Views handed out must be dropped first."""
        self._current = None
        del self.header, self.meta, self.message
        self.buffer = None
        try:
            self._shm.close()
        except BufferError:
            # A QImage or array still points into the buffer: the mapping stays until that goes,
            # and the unlink below still removes the name, so nothing is left behind.
            _log.debug("mailbox %s closed while a view was still held", self._shm.name)
        self._shm.unlink()


class MailboxWriter(_Block):
    """The helper's end: attaches to the GUI's shared memory and publishes frames."""

    def __init__(self, name: str, lock: Any) -> None:
        # Attach with a plain mmap: the shared memory belongs to the GUI process, which
        # unlinks it, so the helper must not register it with a resource tracker.
        fd = os.open(f"/dev/shm/{name.lstrip('/')}", os.O_RDWR)
        try:
            self._map = mmap.mmap(fd, TOTAL_BYTES)
        finally:
            os.close(fd)
        super().__init__(self._map)
        self.lock = lock
        self._next = 0
        self._sequence = int(self.header[Field.PUBLISHED])
        self._message_gen = 0

    def target(self, width: int, height: int) -> npt.NDArray[np.uint8]:
        """The buffer to draw the next frame into (nobody reads it until ``publish``)."""
        return self.slot(self._next, width, height)

    def publish(self, width: int, height: int, captured_ns: int, stream: int, source: tuple[int, int]) -> int:
        self._sequence += 1
        m = self.meta[self._next]
        m[Meta.SEQUENCE] = self._sequence
        m[Meta.CAPTURED_NS] = captured_ns
        m[Meta.WIDTH], m[Meta.HEIGHT] = width, height
        m[Meta.STREAM] = stream
        m[Meta.SOURCE_W], m[Meta.SOURCE_H] = source
        with self.lock:
            self.header[Field.LATEST] = self._next
            self.header[Field.PUBLISHED] = self._sequence
            self.header[Field.SOURCE_W], self.header[Field.SOURCE_H] = source
            busy = {self._next, int(self.header[Field.READING])}
        self._next = next(i for i in range(SLOTS) if i not in busy)
        return self._sequence

    def status(self, state: State, message: str | None = None, retry_at_ns: int = 0) -> None:
        self.header[Field.RETRY_AT_NS] = retry_at_ns
        if message is not None:
            data = message.encode("utf-8")[:MESSAGE_BYTES]
            self._message_gen += 1
            self.header[Field.MESSAGE_GEN] = self._message_gen
            self.message[: len(data)] = np.frombuffer(data, dtype=np.uint8)
            self.header[Field.MESSAGE_LEN] = len(data)
            self._message_gen += 1
            self.header[Field.MESSAGE_GEN] = self._message_gen
        self.header[Field.STATE] = state
        self.beat()

    def beat(self) -> None:
        self.header[Field.HEARTBEAT_NS] = time.time_ns()

    def control(self) -> tuple[int, bool, int, int, int, bool]:
        h = self.header
        return (
            int(h[Field.CONTROL_GEN]),
            bool(h[Field.ACTIVE]),
            int(h[Field.STREAM]),
            int(h[Field.WANT_W]),
            int(h[Field.WANT_H]),
            bool(h[Field.QUIT]),
        )

    def close(self) -> None:
        del self.header, self.meta, self.message
        self.buffer = None
        self._map.close()
