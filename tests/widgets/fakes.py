"""A fake camera feed at the hardware edge: implements the wall's TileFeed with synthetic
frames in memory, and records what the wall asked of it."""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class FakeFrame:
    sequence: int
    captured_ns: int
    width: int
    height: int
    source_width: int
    source_height: int
    pixels: np.ndarray


@dataclass(frozen=True)
class FakeHealth:
    state: str | None
    words: str


@dataclass(frozen=True)
class FakeStats:
    frames_in: int
    frames_shown: int
    fps_in: float = 25.0
    fps_shown: float = 25.0
    dropped: int = 0
    reconnects: int = 0
    restarts: int = 0
    last_frame_age_s: float | None = 0.1
    source_size: tuple[int, int] = (320, 180)
    stream: str = "sub"


class FakeFeed:
    def __init__(self, camera_id: str, name: str, location: str = "", size: tuple[int, int] = (320, 180)) -> None:
        self.camera_id = camera_id
        self.camera_name = name
        self.location = location
        self.size = size
        self.frame: FakeFrame | None = None
        self.published = 0
        self.state: str | None = "connecting"
        self.words = "connecting"
        self.wanted: tuple[int, int, bool] | None = None
        self.acquired = 0

    def push(self, level: int) -> FakeFrame:
        w, h = self.size
        pixels = np.full((h, w, 4), level, dtype=np.uint8)
        pixels[..., 3] = 255
        self.published += 1
        self.frame = FakeFrame(self.published, time.time_ns(), w, h, w, h, pixels)
        self.state, self.words = "live", "live"
        return self.frame

    def acquire(self) -> FakeFrame | None:
        self.acquired += 1
        return self.frame

    def health(self) -> FakeHealth:
        return FakeHealth(self.state, self.words)

    def want(self, width: int, height: int, main_stream: bool) -> None:
        self.wanted = (width, height, main_stream)

    def release(self) -> None:
        self.wanted = None

    def stats(self) -> FakeStats:
        return FakeStats(frames_in=self.published, frames_shown=self.acquired)
