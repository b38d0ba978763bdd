"""Privacy masks: polygons over private places (windows, gardens) blacked out of a picture.

A mask is kept in fractions of the picture's width and height, so one definition fits the main
stream, the sub stream and every tile size. The capture and playback helpers paint the masks
on each frame before it leaves them, and the working copy of an export has them burned in; a
recording and the master of an export keep the camera's original stream.
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np
import numpy.typing as npt

Polygon = tuple[tuple[float, float], ...]  # (x, y) fractions from the top left, 0..1

# Y'CbCr black in the limited range H.264 uses: luma 16, both chroma planes 128.
_YUV_BLACK = (16, 128, 128)
_SIZES_KEPT = 8


class PrivacyMasks:
    """A camera's masks, turned into pixel polygons once per picture size."""

    def __init__(self, polygons: Sequence[Polygon]) -> None:
        self.polygons = tuple(tuple((float(x), float(y)) for x, y in p) for p in polygons if len(p) >= 3)
        self._pixels: dict[tuple[int, int], list[npt.NDArray[np.int32]]] = {}

    def __bool__(self) -> bool:
        return bool(self.polygons)

    def pixels(self, width: int, height: int) -> list[npt.NDArray[np.int32]]:
        """The polygons in pixels of a width x height picture. A point on the far edge (1.0)
        lands on the last pixel, so a mask drawn to the edge covers it."""
        found = self._pixels.get((width, height))
        if found is None:
            if len(self._pixels) >= _SIZES_KEPT:
                self._pixels.clear()  # sizes change rarely (a tile resized): keep the few in use
            found = self._pixels[width, height] = [
                np.array(
                    [(round(x * (width - 1)), round(y * (height - 1))) for x, y in polygon], dtype=np.int32
                ).reshape(-1, 1, 2)
                for polygon in self.polygons
            ]
        return found

    def apply(self, image: npt.NDArray[np.uint8]) -> None:
        """Black out the masked areas of a BGR, BGRA or grey picture, in place."""
        if not self.polygons:
            return
        height, width = image.shape[:2]
        channels = 1 if image.ndim == 2 else image.shape[2]
        colour = (0, 0, 0, 255)[:channels] if channels > 1 else (0,)
        cv2.fillPoly(image, self.pixels(width, height), colour, lineType=cv2.LINE_8)

    def apply_yuv420(self, planes: Sequence[npt.NDArray[np.uint8]]) -> None:
        """Black out the masked areas of a YUV 4:2:0 picture given as its three planes, in place
        (the export's working copy is drawn on its decoded planes)."""
        if not self.polygons:
            return
        for plane, value in zip(planes, _YUV_BLACK, strict=True):
            height, width = plane.shape[:2]
            cv2.fillPoly(plane, self.pixels(width, height), (value,), lineType=cv2.LINE_8)


def masked_fraction(image: npt.NDArray[np.uint8], polygon: Polygon) -> float:
    """The share of a polygon's pixels that are black in ``image`` (tests and self-checks)."""
    height, width = image.shape[:2]
    area = np.zeros((height, width), dtype=np.uint8)
    cv2.fillPoly(area, PrivacyMasks([polygon]).pixels(width, height), (1,))
    inside = area.astype(bool)
    picture = image if image.ndim == 2 else image[..., :3]
    dark = picture.max(axis=-1) <= 24 if picture.ndim == 3 else picture <= 24
    total = int(inside.sum())
    return float((dark & inside).sum()) / total if total else 0.0
