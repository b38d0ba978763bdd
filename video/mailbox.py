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
    # 1 while a supervisor has lifted the camera's privacy masks; 0 (masks painted) otherwise,
    # so a fresh or unreadable control block always masks.
    MASKS_LIFTED = 6
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


# Plain ints for the per-frame paths (an IntEnum member costs a lookup each time).
_LATEST, _READING, _PUBLISHED = int(Field.LATEST), int(Field.READING), int(Field.PUBLISHED)
_SOURCE_W, _SOURCE_H, _HEARTBEAT_NS = int(Field.SOURCE_W), int(Field.SOURCE_H), int(Field.HEARTBEAT_NS)


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


# The header and slot descriptors as a flat int64 view (Python ints, no numpy on the per-frame
# paths): index of a field, and of a slot's descriptor entries.
_WORDS = (SLOT_META_OFFSET + SLOTS * 64) // 8
_META = SLOT_META_OFFSET // 8


def _meta_index(slot: int, entry: Meta) -> int:
    return _META + slot * 8 + int(entry)


class _Block:
    def __init__(self, buffer: Any) -> None:
        self.buffer = buffer
        self.header = np.ndarray((SLOT_META_OFFSET // 8,), dtype=np.int64, buffer=buffer)
        self.meta = np.ndarray((SLOTS, 8), dtype=np.int64, buffer=buffer, offset=SLOT_META_OFFSET)
        self.message = np.ndarray((MESSAGE_BYTES,), dtype=np.uint8, buffer=buffer, offset=MESSAGE_OFFSET)
        self._bytes = memoryview(buffer)
        self.words = self._bytes[: _WORDS * 8].cast("q")  # header + slot descriptors, as Python ints
        self._views: dict[tuple[int, int, int], npt.NDArray[np.uint8]] = {}

    def slot(self, index: int, width: int, height: int) -> npt.NDArray[np.uint8]:
        """A (height, width, 4) view of slot ``index`` (made once per slot and size, then reused)."""
        key = (index, width, height)
        view = self._views.get(key)
        if view is None:
            if len(self._views) >= 2 * SLOTS:
                self._views.clear()  # the size changed: drop the views of the old size
            offset = HEADER_BYTES + index * SLOT_BYTES
            view = np.ndarray((height, width, CHANNELS), dtype=np.uint8, buffer=self.buffer, offset=offset)
            self._views[key] = view
        return view

    def get(self, field: Field) -> int:
        return self.words[field]

    def set(self, field: Field, value: int) -> None:
        self.words[field] = int(value)

    def read_message(self) -> str | None:
        """The helper's last message, or None if it is being rewritten right now."""
        generation = self.get(Field.MESSAGE_GEN)
        length = min(self.get(Field.MESSAGE_LEN), MESSAGE_BYTES)
        text = bytes(self.message[:length]).decode("utf-8", "replace")
        return text if self.get(Field.MESSAGE_GEN) == generation else None

    def _drop_views(self) -> None:
        """Let go of every view into the buffer this block made (before the buffer closes)."""
        self._views.clear()
        del self.header, self.meta, self.message
        self.words.release()
        self._bytes.release()
        self.buffer = None


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
        self._current_slot = -1

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
        return self.words[Field.PUBLISHED]

    def acquire(self) -> SlotFrame | None:
        """Claim the newest frame for reading. If the lock is busy, keep the current one."""
        words = self.words
        if not self.lock.acquire(False):
            return self._current
        try:
            latest = words[_LATEST]
            if latest >= 0:
                words[_READING] = latest
        finally:
            self.lock.release()
        if latest < 0:
            return self._current
        base = _META + latest * 8
        current = self._current
        if current is not None and current.sequence == words[base] and self._current_slot == latest:
            return current  # nothing newer: the same frame, no new descriptor
        width, height = words[base + 2], words[base + 3]
        self._current_slot = latest
        self._current = SlotFrame(
            words[base],
            words[base + 1],
            width,
            height,
            words[base + 4],
            words[base + 5],
            words[base + 6],
            self.slot(latest, width, height),
        )
        return self._current

    @property
    def current(self) -> SlotFrame | None:
        return self._current

    def close(self) -> None:
        """Release and remove the shared memory. Views handed out must be dropped first."""
        self._current = None
        self._drop_views()
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
        # A restarted helper must not start writing into the slot the GUI still shows (the last
        # one published before, or the one it reads): the first buffer is neither.
        with lock:
            held = (self.words[_LATEST], self.words[_READING])
        self._next = next(index for index in range(SLOTS) if index not in held)
        self._sequence = int(self.header[Field.PUBLISHED])
        self._message_gen = 0

    def target(self, width: int, height: int) -> npt.NDArray[np.uint8]:
        """The buffer to draw the next frame into (nobody reads it until ``publish``)."""
        return self.slot(self._next, width, height)

    def publish(self, width: int, height: int, captured_ns: int, stream: int, source: tuple[int, int]) -> int:
        words = self.words
        self._sequence += 1
        sequence, index = self._sequence, self._next
        base = _META + index * 8
        words[base] = sequence
        words[base + 1] = captured_ns
        words[base + 2] = width
        words[base + 3] = height
        words[base + 4] = stream
        source_w, source_h = source
        words[base + 5] = source_w
        words[base + 6] = source_h
        with self.lock:
            words[_LATEST] = index
            words[_PUBLISHED] = sequence
            words[_SOURCE_W] = source_w
            words[_SOURCE_H] = source_h
            reading = words[_READING]
        # the next buffer: neither the one just published nor the one the reader holds
        index = (index + 1) % SLOTS
        if index == reading:
            index = (index + 1) % SLOTS
        self._next = index
        return sequence

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

    def beat(self, now_ns: int = 0) -> None:
        self.words[_HEARTBEAT_NS] = now_ns or time.time_ns()

    def control(self) -> tuple[int, bool, int, int, int, bool]:
        w = self.words
        return (
            w[Field.CONTROL_GEN],
            bool(w[Field.ACTIVE]),
            w[Field.STREAM],
            w[Field.WANT_W],
            w[Field.WANT_H],
            bool(w[Field.QUIT]),
        )

    def close(self) -> None:
        self._drop_views()
        self._map.close()
