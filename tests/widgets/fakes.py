"""A fake camera feed at the hardware edge: implements the wall's TileFeed with synthetic frames."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np


@dataclass(frozen=True)
class FakeFrame:
    image: np.ndarray
    sequence: int
    captured_at: datetime


class FakeFeed:
    def __init__(self, name: str, location: str = "", size: tuple[int, int] = (320, 180)) -> None:
        self.camera_name = name
        self.location = location
        self.size = size
        self.frame: FakeFrame | None = None
        self.health = "connecting"

    def push(self, level: int) -> FakeFrame:
        w, h = self.size
        image = np.full((h, w, 3), level, dtype=np.uint8)
        seq = (self.frame.sequence + 1) if self.frame else 1
        self.frame = FakeFrame(image, seq, datetime.now(UTC))
        self.health = "live"
        return self.frame

    def latest(self) -> FakeFrame | None:
        return self.frame

    def health_words(self) -> str:
        return self.health

    def is_live(self) -> bool:
        return self.health == "live"
