"""Stills for sightings: the frozen frame as a clean JPEG and a copy with the boxes drawn."""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np
import numpy.typing as npt

JPEG_QUALITY = 90
Box = tuple[int, int, int, int]  # x, y, width, height in the frame's pixels


class StillError(ValueError):
    pass


def _bgr(image: npt.NDArray[np.uint8]) -> npt.NDArray[np.uint8]:
    if image.ndim == 3 and image.shape[2] == 4:
        return np.asarray(cv2.cvtColor(image, cv2.COLOR_BGRA2BGR), dtype=np.uint8)
    if image.ndim == 3 and image.shape[2] == 3:
        return image
    raise StillError(f"a still needs a colour picture, got an array of shape {image.shape}")


def draw_boxes(image: npt.NDArray[np.uint8], boxes: Sequence[Box]) -> npt.NDArray[np.uint8]:
    """A copy of ``image`` with each box outlined: yellow on a black edge, visible on any scene."""
    out = image.copy()
    thickness = max(2, round(min(out.shape[:2]) / 180))
    for n, (x, y, w, h) in enumerate(boxes, start=1):
        cv2.rectangle(out, (x, y), (x + w, y + h), (0, 0, 0), thickness + 2)
        cv2.rectangle(out, (x, y), (x + w, y + h), (0, 230, 255), thickness)
        label_y = y - 6 if y > 20 else y + h + 18
        cv2.putText(out, str(n), (x + 2, label_y), cv2.FONT_HERSHEY_SIMPLEX, 0.6, (0, 0, 0), 4)
        cv2.putText(out, str(n), (x + 2, label_y), cv2.FONT_HERSHEY_SIMPLEX, 0.6, (0, 230, 255), 2)
    return out


def check_boxes(boxes: Sequence[Box], width: int, height: int) -> list[Box]:
    checked = []
    for n, box in enumerate(boxes, start=1):
        x, y, w, h = (int(v) for v in box)
        if w < 2 or h < 2 or x < 0 or y < 0 or x + w > width or y + h > height:
            raise StillError(f"box {n} ({x}, {y}, {w}×{h}) is not inside the {width}×{height} picture")
        checked.append((x, y, w, h))
    return checked


def encode_stills(image: npt.NDArray[np.uint8], boxes: Sequence[Box]) -> tuple[bytes, bytes]:
    """(JPEG with the boxes drawn, clean JPEG) of a BGR or BGRA frame."""
    bgr = _bgr(image)
    checked = check_boxes(boxes, bgr.shape[1], bgr.shape[0])
    params = [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY]
    ok_clean, clean = cv2.imencode(".jpg", bgr, params)
    ok_boxed, boxed = cv2.imencode(".jpg", draw_boxes(bgr, checked), params)
    if not (ok_clean and ok_boxed):
        raise StillError("the still could not be encoded as JPEG")
    return boxed.tobytes(), clean.tobytes()
