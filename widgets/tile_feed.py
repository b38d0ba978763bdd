"""What a wall tile needs from a camera feed: the frame in a capture mailbox, the feed's health
and counters, and a frame's capture time (as a datetime and as latency at paint time)."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Protocol

import numpy as np


class WallFrame(Protocol):
    """A frame in a capture mailbox, valid until the feed's next ``acquire``."""

    @property
    def sequence(self) -> int: ...
    @property
    def captured_ns(self) -> int: ...
    @property
    def width(self) -> int: ...
    @property
    def height(self) -> int: ...
    @property
    def source_width(self) -> int: ...
    @property
    def source_height(self) -> int: ...
    @property
    def pixels(self) -> np.ndarray: ...  # (height, width, 4) BGRA = QImage RGB32


class HealthLike(Protocol):
    @property
    def state(self) -> str | None: ...
    @property
    def words(self) -> str: ...


class TileFeed(Protocol):
    """What a tile needs from a camera feed."""

    @property
    def camera_id(self) -> str: ...
    @property
    def camera_name(self) -> str: ...
    @property
    def location(self) -> str: ...
    @property
    def published(self) -> int: ...
    def acquire(self) -> WallFrame | None: ...
    def health(self) -> HealthLike: ...
    def want(self, width: int, height: int, main_stream: bool) -> None: ...
    def release(self) -> None: ...
    def stats(self) -> object: ...  # fps_in, fps_shown, dropped, reconnects, restarts, last_frame_age_s ...


def stats_words(stats: object) -> str:
    """A feed's counters in words, for the tile's tooltip."""
    get = stats.__getattribute__
    age = get("last_frame_age_s")
    width, height = get("source_size")
    return "\n".join(
        [
            f"Stream: {get('stream')} ({width}×{height})" if width else f"Stream: {get('stream')}",
            f"Frames in: {get('fps_in'):.1f}/s, shown: {get('fps_shown'):.1f}/s",
            f"Dropped: {get('dropped')} of {get('frames_in')}",
            f"Reconnects: {get('reconnects')}, decoder restarts: {get('restarts')}",
            f"Last frame: {age:.1f} s ago" if age is not None else "Last frame: none yet",
        ]
    )


def frame_time(captured_ns: int) -> datetime:
    return datetime.fromtimestamp(captured_ns / 1e9, UTC)


def painted_latency_ms(frame: WallFrame) -> float:
    """Capture-to-paint time of a frame, in ms (both clocks are UTC wall time)."""
    return (time.time_ns() - frame.captured_ns) / 1e6
