"""A fake V4L2 capture device: the hardware edge. The capture helper opens it through
``StreamSpec.device_factory`` exactly where it would open /dev/videoN with OpenCV's V4L2 backend."""

from __future__ import annotations

import time
from typing import Any

import cv2
import numpy as np

from video.sources import StreamSpec

STALL_S = 5.0


class FakeV4L2Capture:
    """A 640x480 YUYV-like camera at 25 fps drawing its frame number; refuses unknown devices."""

    def __init__(self, spec: StreamSpec) -> None:
        self.opened = spec.url in ("/dev/video0", "0", "/dev/video1")
        # /dev/video1 freezes for a while after 10 frames, as a USB camera does when its bus resets
        self.stall_after = 10 if spec.url == "/dev/video1" else None
        self.frame = 0
        self.properties: dict[int, float] = {}
        self._next = time.monotonic()

    def isOpened(self) -> bool:
        return self.opened

    def read(self, image: Any = None) -> tuple[bool, Any]:
        if not self.opened:
            return False, None
        if self.stall_after is not None and self.frame == self.stall_after:
            time.sleep(STALL_S)
            self._next = time.monotonic()
        self._next += 0.04
        delay = self._next - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        self.frame += 1
        picture = np.zeros((480, 640, 3), dtype=np.uint8)
        picture[:, :, 1] = (self.frame * 5) % 256
        cv2.putText(picture, f"V4L2 {self.frame}", (40, 240), cv2.FONT_HERSHEY_SIMPLEX, 2, (255, 255, 255), 3)
        return True, picture

    def get(self, prop: int) -> float:
        return 25.0 if prop == cv2.CAP_PROP_FPS else self.properties.get(prop, 0.0)

    def set(self, prop: int, value: float) -> bool:
        self.properties[prop] = value
        return True

    def release(self) -> None:
        self.opened = False


def open_fake(spec: StreamSpec) -> FakeV4L2Capture:
    return FakeV4L2Capture(spec)
