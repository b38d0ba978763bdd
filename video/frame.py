"""The frame type that travels from a camera source to the wall, and source health states."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

import numpy as np
import numpy.typing as npt


@dataclass(frozen=True, slots=True)
class Frame:
    """One decoded picture from a camera.

    ``image`` is BGR ``uint8`` with shape ``(height, width, 3)``. Sources publish it read-only
    and never write to it again, so a consumer may keep a frame (for a still or a tag) or wrap
    it in a QImage without copying, as long as it keeps the Frame alive while the QImage is used.
    """

    camera_id: str
    sequence: int
    captured_at: datetime  # UTC, tz-aware, taken when the frame was read from the source
    image: npt.NDArray[np.uint8]

    @property
    def width(self) -> int:
        return int(self.image.shape[1])

    @property
    def height(self) -> int:
        return int(self.image.shape[0])


class SourceHealth(StrEnum):
    """What a controller is told about a camera feed."""

    CONNECTING = "connecting"
    LIVE = "live"
    STALLED = "stalled"
    LOST = "lost"
    DECODER_STOPPED = "decoder stopped"
