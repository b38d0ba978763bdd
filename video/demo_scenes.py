"""Synthetic night-time street scenes, and the H.264 demo clips made from them.

The demo wall needs no network and no shipped footage: each demo camera is a seeded, drawn
street (road, pavements, lit buildings, lamps) with vehicles and pedestrians that move in a loop
of exactly the clip length, so a looping file source plays it without a visible jump.
"""

from __future__ import annotations

import json
import math
import os
import re
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from fractions import Fraction
from functools import lru_cache, partial
from pathlib import Path

import av
import cv2
import numpy as np
import numpy.typing as npt

Image = npt.NDArray[np.uint8]
Colour = tuple[int, int, int]  # BGR

# Bump when the drawing changes, so ensure_demo_clips re-encodes clips made by older code.
DEMO_SCENE_VERSION = 1
DEFAULT_LOOP_SECONDS = 20.0

_KEY_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")
_CLOCK_START = datetime(2025, 11, 14, 22, 47, 0)


@dataclass(frozen=True)
class DemoCamera:
    """A demo camera: ``key`` names its files (letters, digits, ``-``, ``_``), ``seed`` its street."""

    key: str
    name: str
    seed: int


DEMO_CAMERAS: tuple[DemoCamera, ...] = (
    DemoCamera("cam01", "Station Approach", 11),
    DemoCamera("cam02", "High St North", 23),
    DemoCamera("cam03", "Market Square", 37),
    DemoCamera("cam04", "Park St", 41),
    DemoCamera("cam05", "Bus Station", 53),
    DemoCamera("cam06", "Castle Rd", 67),
    DemoCamera("cam07", "Riverside Walk", 79),
    DemoCamera("cam08", "Quay Car Park", 83),
)


@dataclass(frozen=True)
class DemoClip:
    """The two streams of one demo camera, like a real camera's main and sub stream."""

    main: Path
    sub: Path


def demo_clip(folder: Path, key: str) -> DemoClip:
    """Where a demo camera's two clips are kept in ``folder``."""
    return DemoClip(main=folder / f"{key}-main.mp4", sub=folder / f"{key}-sub.mp4")


class DemoClipError(RuntimeError):
    """The demo clips could not be written (disk full, folder not writable, encoder missing)."""


# --------------------------------------------------------------------------------------------
# Scene layout: everything random is drawn from the camera's seed once, in size-free units
# (x as a fraction of the width, y and lengths as fractions of the height).


@dataclass(frozen=True)
class _Building:
    x0: float
    x1: float
    top: float
    colour: Colour
    windows: tuple[tuple[float, float, float, float, Colour], ...]  # x0, y0, x1, y1, colour
    shop_lit: bool


@dataclass(frozen=True)
class _Lane:
    y: float  # y of the wheels' contact line
    direction: int  # +1 left to right, -1 right to left
    scale: float  # far lanes look smaller
    laps: int  # whole laps per loop, so the motion is periodic


@dataclass(frozen=True)
class _Vehicle:
    lane: int
    offset: float  # phase offset along the lane, 0..1
    kind: str  # "car", "van", "bus"
    colour: Colour


@dataclass(frozen=True)
class _Walker:
    y: float  # feet
    direction: int
    scale: float
    laps: int
    offset: float
    steps: int  # whole strides per loop
    coat: Colour
    trousers: Colour


@dataclass(frozen=True)
class _Layout:
    pavement_far: float  # top of the far pavement (the buildings' base line)
    road_top: float
    road_bottom: float
    buildings: tuple[_Building, ...]
    lamps: tuple[float, ...]  # x positions on the far pavement
    lamp_colour: Colour
    lanes: tuple[_Lane, ...]
    vehicles: tuple[_Vehicle, ...]
    walkers: tuple[_Walker, ...]


_VEHICLE_COLOURS: tuple[Colour, ...] = (
    (40, 40, 150),  # red
    (130, 70, 35),  # blue
    (135, 135, 135),  # silver
    (185, 185, 190),  # white
    (32, 32, 34),  # black
    (55, 85, 40),  # green
    (35, 150, 185),  # taxi yellow
)
_VEHICLE_SIZE = {"car": (0.20, 0.060), "van": (0.25, 0.085), "bus": (0.46, 0.110)}  # length, height
_LIT_WINDOWS: tuple[Colour, ...] = ((80, 170, 225), (110, 190, 235), (190, 165, 120), (70, 140, 200))
_CLOTHES: tuple[Colour, ...] = (
    (40, 40, 40),
    (90, 60, 40),
    (50, 50, 110),
    (110, 110, 110),
    (40, 80, 60),
    (140, 120, 90),
)


def _colour(rng: np.random.Generator, low: int, high: int) -> Colour:
    b, g, r = (int(v) for v in rng.integers(low, high, size=3))
    return (b, g, r)


@lru_cache(maxsize=64)
def _layout(camera: DemoCamera, loop_seconds: float) -> _Layout:
    rng = np.random.default_rng(camera.seed)
    pavement_far = 0.40 + float(rng.uniform(-0.03, 0.03))
    road_top = pavement_far + 0.08
    road_bottom = 0.84 + float(rng.uniform(-0.02, 0.02))

    buildings: list[_Building] = []
    x = -0.02
    while x < 1.02:
        width = float(rng.uniform(0.09, 0.21))
        top = pavement_far - float(rng.uniform(0.16, 0.34))
        base = int(rng.integers(34, 52))
        colour = (base + int(rng.integers(0, 6)), base + int(rng.integers(0, 8)), base + int(rng.integers(4, 16)))
        windows = []
        columns = max(2, int(width / 0.035))
        rows = max(1, int((pavement_far - 0.07 - top) / 0.055))
        cell_w = width / columns
        for row in range(rows):
            y0 = top + 0.02 + row * 0.055
            for column in range(columns):
                lit = rng.random() < 0.38
                fill = _LIT_WINDOWS[int(rng.integers(len(_LIT_WINDOWS)))] if lit else (30, 30, 36)
                wx = x + column * cell_w + cell_w * 0.25
                windows.append((wx, y0, wx + cell_w * 0.5, y0 + 0.028, fill))
        buildings.append(_Building(x, x + width, top, colour, tuple(windows), rng.random() < 0.45))
        x += width

    spacing = float(rng.uniform(0.24, 0.32))
    first = float(rng.uniform(0.05, spacing))
    lamps = tuple(first + i * spacing for i in range(int((1.0 - first) / spacing) + 1))
    lamp_colour: Colour = (70, 160, 235) if rng.random() < 0.6 else (215, 215, 200)  # sodium/LED

    lane_count = 4 if rng.random() < 0.35 else 2
    lane_height = (road_bottom - road_top) / lane_count
    lanes: list[_Lane] = []
    vehicles: list[_Vehicle] = []
    for index in range(lane_count):
        direction = -1 if index < lane_count // 2 else 1
        y = road_top + lane_height * (index + 0.8)
        scale = 0.72 + 0.28 * (y - road_top) / (road_bottom - road_top)
        speed = float(rng.uniform(0.10, 0.22))  # widths per second
        laps = max(1, round(speed * loop_seconds / 1.6))
        lanes.append(_Lane(y, direction, scale, laps))
        count = int(rng.integers(1, 4))
        for slot in range(count):
            kind = str(rng.choice(["car", "car", "car", "van", "bus"]))
            colour = _VEHICLE_COLOURS[int(rng.integers(len(_VEHICLE_COLOURS)))]
            offset = (slot + float(rng.uniform(0.0, 0.25))) / count
            vehicles.append(_Vehicle(index, offset, kind, colour))

    walkers: list[_Walker] = []
    for _ in range(int(rng.integers(3, 7))):
        far = rng.random() < 0.5
        y = pavement_far + float(rng.uniform(0.03, 0.07)) if far else road_bottom + float(rng.uniform(0.06, 0.13))
        speed = float(rng.uniform(0.03, 0.06))
        walkers.append(
            _Walker(
                y=y,
                direction=1 if rng.random() < 0.5 else -1,
                scale=0.7 if far else 1.0,
                laps=max(1, round(speed * loop_seconds / 1.1)),
                offset=float(rng.random()),
                steps=max(2, round(loop_seconds * float(rng.uniform(1.6, 2.0)))),
                coat=_CLOTHES[int(rng.integers(len(_CLOTHES)))],
                trousers=_CLOTHES[int(rng.integers(len(_CLOTHES)))],
            )
        )
    # Painter's order: farther (higher) things first.
    walkers.sort(key=lambda walker: walker.y)
    vehicles.sort(key=lambda vehicle: lanes[vehicle.lane].y)
    return _Layout(
        pavement_far,
        road_top,
        road_bottom,
        tuple(buildings),
        lamps,
        lamp_colour,
        tuple(lanes),
        tuple(vehicles),
        tuple(walkers),
    )


# --------------------------------------------------------------------------------------------
# Static background, drawn once per camera and size.


@lru_cache(maxsize=32)
def _background(camera: DemoCamera, size: tuple[int, int]) -> Image:
    width, height = size
    layout = _layout(camera, DEFAULT_LOOP_SECONDS)  # only the static parts are used here

    def px(fx: float) -> int:
        return round(fx * width)

    def py(fy: float) -> int:
        return round(fy * height)

    # Night sky with a little light pollution towards the skyline.
    ramp = np.linspace(0.0, 1.0, height, dtype=np.float32)[:, None]
    sky = np.empty((height, width, 3), np.float32)
    for channel, (top, bottom) in enumerate(((28, 42), (16, 40), (10, 52))):
        sky[:, :, channel] = top + (bottom - top) * ramp
    image: Image = sky.astype(np.uint8)

    for building in layout.buildings:
        cv2.rectangle(
            image, (px(building.x0), py(building.top)), (px(building.x1), py(layout.pavement_far)), building.colour, -1
        )
        edge = tuple(min(255, c + 14) for c in building.colour)
        cv2.line(
            image, (px(building.x0), py(building.top)), (px(building.x1), py(building.top)), edge, max(1, py(0.006))
        )
        for wx0, wy0, wx1, wy1, fill in building.windows:
            cv2.rectangle(image, (px(wx0), py(wy0)), (px(wx1), py(wy1)), fill, -1)
        shop_top = layout.pavement_far - 0.055
        shop = (75, 135, 185) if building.shop_lit else (36, 38, 42)
        cv2.rectangle(
            image,
            (px(building.x0 + 0.01), py(shop_top)),
            (px(building.x1 - 0.01), py(layout.pavement_far - 0.008)),
            shop,
            -1,
        )

    # Pavements with slab joints, kerbs, road.
    cv2.rectangle(image, (0, py(layout.pavement_far)), (width, py(layout.road_top)), (66, 68, 70), -1)
    cv2.rectangle(image, (0, py(layout.road_bottom)), (width, height), (70, 72, 74), -1)
    for fx in np.arange(0.0, 1.0, 0.06):
        cv2.line(image, (px(float(fx)), py(layout.pavement_far)), (px(float(fx)), py(layout.road_top)), (56, 58, 60), 1)
        cv2.line(image, (px(float(fx) + 0.03), py(layout.road_bottom)), (px(float(fx)), height), (58, 60, 62), 1)
    cv2.rectangle(image, (0, py(layout.road_top)), (width, py(layout.road_bottom)), (46, 46, 48), -1)
    kerb = max(1, py(0.008))
    cv2.line(image, (0, py(layout.road_top)), (width, py(layout.road_top)), (96, 96, 98), kerb)
    cv2.line(image, (0, py(layout.road_bottom)), (width, py(layout.road_bottom)), (100, 100, 102), kerb)

    lane_count = len(layout.lanes)
    lane_height = (layout.road_bottom - layout.road_top) / lane_count
    for index in range(1, lane_count):
        y = py(layout.road_top + index * lane_height)
        centre = index == lane_count // 2
        dash, gap = (0.07, 0.05) if centre else (0.04, 0.07)
        fx = 0.0
        while fx < 1.0:
            cv2.line(
                image,
                (px(fx), y),
                (px(fx + dash), y),
                (150, 150, 152) if centre else (120, 120, 122),
                max(1, py(0.007)),
            )
            fx += dash + gap

    # Asphalt grain, fixed per camera so it costs nothing per frame.
    grain = np.random.default_rng(camera.seed + 1).integers(-4, 5, size=image.shape, dtype=np.int16)
    image = np.clip(image.astype(np.int16) + grain, 0, 255).astype(np.uint8)

    # Lamps on the far pavement: posts, glow halos and pools of light on the road.
    # The glow is soft, so it is drawn and blurred at a quarter of the size (cheaper at 720p+).
    small = (max(4, width // 4), max(4, height // 4))
    glow = np.zeros((small[1], small[0], 3), np.float32)
    post_bottom = py(layout.road_top - 0.01)
    head_y = py(layout.pavement_far - 0.24)
    pool = 0.35 if layout.lamp_colour[0] < 128 else 0.25  # white LED light looks harsher
    for fx in layout.lamps:
        x = px(fx)
        cv2.line(image, (x, post_bottom), (x, head_y), (30, 32, 34), max(1, py(0.008)))
        cv2.line(image, (x, head_y), (x + py(0.04), head_y), (30, 32, 34), max(1, py(0.007)))
        gx, gy = (x + py(0.04)) // 4, (head_y + py(0.01)) // 4
        cv2.circle(glow, (gx, gy), max(1, py(0.05) // 4), layout.lamp_colour, -1)
        cv2.ellipse(
            glow,
            (gx, py((layout.road_top + layout.road_bottom) / 2) // 4),
            (max(1, py(0.22) // 4), max(1, py(0.12) // 4)),
            0,
            0,
            360,
            tuple(c * pool for c in layout.lamp_colour),
            -1,
        )
    blurred = cv2.GaussianBlur(glow, (0, 0), max(0.5, height * 0.035 / 4))
    full_glow = cv2.resize(blurred, (width, height), interpolation=cv2.INTER_LINEAR)
    lit = image.astype(np.float32) + np.asarray(full_glow, np.float32) * 0.8
    for fx in layout.lamps:
        cv2.circle(lit, (px(fx) + py(0.04), head_y + py(0.008)), max(1, py(0.012)), (235, 245, 255), -1)

    # Lens vignette, as on most CCTV cameras.
    xs = np.linspace(-1.0, 1.0, width, dtype=np.float32)[None, :]
    ys = np.linspace(-1.0, 1.0, height, dtype=np.float32)[:, None]
    vignette = 1.0 - 0.35 * np.clip((xs * xs + ys * ys) / 2.0, 0.0, 1.0)
    lit *= vignette[:, :, None]
    result: Image = np.clip(lit, 0, 255).astype(np.uint8)
    result.flags.writeable = False  # shared by every frame of this camera and size
    return result


# --------------------------------------------------------------------------------------------
# Moving things, drawn on a copy of the background for each frame.


def _blend_polygon(image: Image, points: npt.NDArray[np.int32], colour: Colour, alpha: float) -> None:
    height, width = image.shape[:2]
    x0, y0 = np.maximum(points.min(axis=0), 0)
    x1, y1 = np.minimum(points.max(axis=0) + 1, (width, height))
    if x1 <= x0 or y1 <= y0:
        return
    roi = image[y0:y1, x0:x1]
    overlay = roi.copy()
    cv2.fillPoly(overlay, [points - np.array([x0, y0], np.int32)], colour)
    cv2.addWeighted(overlay, alpha, roi, 1.0 - alpha, 0.0, dst=roi)


def _draw_vehicle(image: Image, vehicle: _Vehicle, lane: _Lane, x_left: int, unit: float) -> None:
    length_f, height_f = _VEHICLE_SIZE[vehicle.kind]
    length = round(length_f * unit * lane.scale)
    body = round(height_f * unit * lane.scale)
    bottom = round(lane.y * unit)
    x_right = x_left + length
    front, back = (x_right, x_left) if lane.direction > 0 else (x_left, x_right)
    ahead = lane.direction
    wheel = max(2, round(body * 0.3))

    # Headlight beam on the road ahead.
    reach = round(length * 0.9)
    beam = np.array(
        [
            [front, bottom - body // 2],
            [front + ahead * reach, bottom - body // 3],
            [front + ahead * reach, bottom + wheel],
        ],
        np.int32,
    )
    _blend_polygon(image, beam, (150, 200, 220), 0.22)

    cv2.ellipse(
        image, ((x_left + x_right) // 2, bottom), (length // 2, max(1, wheel // 2)), 0, 0, 360, (24, 24, 26), -1
    )
    cv2.rectangle(image, (x_left, bottom - body), (x_right, bottom - wheel // 2), vehicle.colour, -1)
    dark = tuple(int(c * 0.6) for c in vehicle.colour)
    glass = (70, 58, 48)
    if vehicle.kind == "car":
        cabin_top = bottom - body - round(body * 0.6)
        c0 = x_left + round(length * (0.22 if ahead > 0 else 0.18))
        c1 = x_left + round(length * (0.82 if ahead > 0 else 0.78))
        cabin = np.array(
            [
                [c0, bottom - body],
                [c0 + round(length * 0.1), cabin_top],
                [c1 - round(length * 0.14), cabin_top],
                [c1, bottom - body],
            ],
            np.int32,
        )
        cv2.fillPoly(image, [cabin], dark)
        inset = max(1, round(body * 0.12))
        window = np.array(
            [
                [c0 + inset * 2, bottom - body - inset],
                [c0 + round(length * 0.1) + inset, cabin_top + inset],
                [c1 - round(length * 0.14) - inset, cabin_top + inset],
                [c1 - inset * 2, bottom - body - inset],
            ],
            np.int32,
        )
        cv2.fillPoly(image, [window], glass)
    else:
        top = bottom - body
        cv2.rectangle(image, (x_left, top - round(body * 0.15)), (x_right, top), dark, -1)
        band_top, band_bottom = top + round(body * 0.12), top + round(body * 0.45)
        interior = (110, 175, 205) if vehicle.kind == "bus" else glass
        cv2.rectangle(
            image,
            (x_left + round(length * 0.05), band_top),
            (x_right - round(length * 0.05), band_bottom),
            interior,
            -1,
        )
        for i in range(1, 6 if vehicle.kind == "bus" else 2):
            mx = x_left + round(length * i / (6 if vehicle.kind == "bus" else 2))
            cv2.line(image, (mx, band_top), (mx, band_bottom), dark, max(1, round(body * 0.05)))
    for fraction in (0.18, 0.82):
        centre = (x_left + round(length * fraction), bottom - wheel // 2)
        cv2.circle(image, centre, wheel, (18, 18, 20), -1)
        cv2.circle(image, centre, max(1, wheel // 2), (70, 70, 72), -1)
    lamp = max(2, round(body * 0.16))
    lamp_y = bottom - round(body * 0.55)
    cv2.circle(image, (front - ahead * lamp, lamp_y), lamp, (215, 240, 255), -1)
    cv2.circle(image, (back + ahead * lamp, lamp_y), lamp, (40, 40, 230), -1)


def _draw_walker(image: Image, walker: _Walker, x: int, stride_phase: float, unit: float) -> None:
    tall = walker.scale * 0.11 * unit
    feet = round(walker.y * unit)
    hip = round(feet - tall * 0.45)
    shoulder = round(feet - tall * 0.82)
    head_r = max(1, round(tall * 0.08))
    swing = math.sin(2.0 * math.pi * stride_phase) * tall * 0.16
    limb = max(1, round(tall * 0.07))
    cv2.ellipse(
        image, (x, feet), (max(1, round(tall * 0.14)), max(1, round(tall * 0.035))), 0, 0, 360, (30, 30, 32), -1
    )
    cv2.line(image, (x, hip), (round(x + swing), feet), walker.trousers, limb)
    cv2.line(image, (x, hip), (round(x - swing), feet), walker.trousers, limb)
    cv2.line(image, (x, shoulder), (round(x - swing * 0.8), hip), walker.coat, limb)
    body_w = max(1, round(tall * 0.09))
    cv2.rectangle(image, (x - body_w, shoulder), (x + body_w, hip), walker.coat, -1)
    cv2.line(image, (x, shoulder), (round(x + swing * 0.8), hip), walker.coat, limb)
    cv2.circle(image, (x, shoulder - head_r), head_r, (75, 95, 125), -1)


def _put_outlined(image: Image, text: str, origin: tuple[int, int], scale: float, thickness: int) -> None:
    font = cv2.FONT_HERSHEY_SIMPLEX
    cv2.putText(image, text, origin, font, scale, (0, 0, 0), thickness + 2, cv2.LINE_AA)
    cv2.putText(image, text, origin, font, scale, (235, 235, 235), thickness, cv2.LINE_AA)


def _loop_frames(loop_seconds: float, fps: float) -> int:
    return max(1, int(loop_seconds * fps + 0.5))


def render_scene(
    camera: DemoCamera,
    frame_index: int,
    fps: float,
    size: tuple[int, int],
    loop_seconds: float = DEFAULT_LOOP_SECONDS,
) -> Image:
    """Draw frame ``frame_index`` of the camera's scene as a new BGR ``uint8`` array.

    ``size`` is ``(width, height)``. Everything, the burned-in clock included, repeats every
    ``loop_seconds * fps`` frames (rounded half up), so a clip of exactly that many frames loops
    seamlessly; the clock therefore jumps back at the loop point, like any looped recording.
    The first call per camera and size builds the cached background (tens of ms at 640x360).
    """
    if fps <= 0 or loop_seconds <= 0:
        raise ValueError(f"fps and loop_seconds must be positive, got {fps} and {loop_seconds}")
    width, height = size
    if width < 16 or height < 16:
        raise ValueError(f"scene size {size} is too small")
    loop = _loop_frames(loop_seconds, fps)
    index = frame_index % loop
    phase = index / loop
    layout = _layout(camera, loop / fps)
    image: Image = _background(camera, (width, height)).copy()
    unit = float(height)  # lengths are fractions of the height; positions along x of the width

    def travel(offset: float, laps: int, direction: int, margin: int) -> int:
        along = (offset + laps * phase) % 1.0
        x = -margin + along * (width + margin)
        return round(x if direction > 0 else width - x - margin)

    far_walkers = [w for w in layout.walkers if w.y < layout.road_top]
    near_walkers = [w for w in layout.walkers if w.y >= layout.road_top]
    for walker in far_walkers:
        x = travel(walker.offset, walker.laps, walker.direction, round(0.05 * unit)) + round(0.025 * unit)
        _draw_walker(image, walker, x, walker.steps * phase, unit)
    margin = round(0.5 * unit)
    for vehicle in layout.vehicles:
        lane = layout.lanes[vehicle.lane]
        _draw_vehicle(image, vehicle, lane, travel(vehicle.offset, lane.laps, lane.direction, margin), unit)
    for walker in near_walkers:
        x = travel(walker.offset, walker.laps, walker.direction, round(0.05 * unit)) + round(0.025 * unit)
        _draw_walker(image, walker, x, walker.steps * phase, unit)

    scale = 0.5 * height / 360.0
    thickness = max(1, round(height / 360.0))
    pad = max(4, round(height * 0.025))
    (_, text_h), _ = cv2.getTextSize("Ag", cv2.FONT_HERSHEY_SIMPLEX, scale, thickness)
    _put_outlined(image, camera.name, (pad, pad + text_h), scale, thickness)
    clock = (_CLOCK_START + timedelta(seconds=camera.seed * 7 + index / fps)).strftime("%d-%m-%Y %H:%M:%S")
    (clock_w, _), _ = cv2.getTextSize(clock, cv2.FONT_HERSHEY_SIMPLEX, scale, thickness)
    _put_outlined(image, clock, (width - pad - clock_w, pad + text_h), scale, thickness)
    return image


# --------------------------------------------------------------------------------------------
# Demo clips on disk.


def _marker(seconds: float, fps: float, main_size: tuple[int, int], sub_size: tuple[int, int]) -> dict[str, object]:
    return {
        "scene_version": DEMO_SCENE_VERSION,
        "seconds": seconds,
        "fps": fps,
        "main_size": list(main_size),
        "sub_size": list(sub_size),
        "codec": "h264",
    }


def _is_up_to_date(marker_path: Path, expected: dict[str, object], clip: DemoClip) -> bool:
    try:
        stored = json.loads(marker_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return bool(stored == expected and clip.main.is_file() and clip.sub.is_file())


def _write_marker(target: Path, marker: dict[str, object]) -> None:
    target.write_text(json.dumps(marker, indent=2), encoding="utf-8")


def _write_atomically(final: Path, write: Callable[[Path], None]) -> None:
    # Same folder, so os.replace is atomic; a unique name, so two writers never share a temp file.
    temp = final.with_name(f".{final.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.part")
    try:
        write(temp)
        os.replace(temp, final)
    finally:
        temp.unlink(missing_ok=True)


def _encode_clip(
    target: Path,
    camera: DemoCamera,
    frame_count: int,
    fps: float,
    render_size: tuple[int, int],
    size: tuple[int, int],
) -> None:
    rate = Fraction(fps).limit_denominator(1001)
    gop = max(1, round(2.0 * fps))
    loop_seconds = frame_count / fps
    with av.open(str(target), mode="w", format="mp4") as container:
        stream = container.add_stream(
            "libx264",
            rate=rate,
            options={
                "preset": "veryfast",
                "crf": "28",
                # Fixed 2 s GOP and no B-frames, like a typical CCTV camera stream; it keeps later
                # remuxing and seeking simple.
                "x264-params": f"keyint={gop}:min-keyint={gop}:scenecut=0:bframes=0",
            },
        )
        stream.width, stream.height = size
        stream.pix_fmt = "yuv420p"
        stream.codec_context.gop_size = gop
        for index in range(frame_count):
            image = render_scene(camera, index, fps, render_size, loop_seconds=loop_seconds)
            if render_size != size:
                image = np.asarray(cv2.resize(image, size, interpolation=cv2.INTER_AREA), np.uint8)
            frame = av.VideoFrame.from_ndarray(image, format="bgr24")
            frame.pts = index
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))


def _check_size(label: str, size: tuple[int, int]) -> None:
    width, height = size
    if width < 16 or height < 16 or width % 2 or height % 2:
        raise ValueError(f"{label} {size} must be even and at least 16x16 for H.264 yuv420p")


def ensure_demo_clips(
    folder: Path,
    cameras: Sequence[DemoCamera],
    progress: Callable[[int, int, str], None] | None = None,
    seconds: float = 20.0,
    fps: float = 12.5,
    main_size: tuple[int, int] = (640, 360),
    sub_size: tuple[int, int] = (320, 180),
) -> dict[str, DemoClip]:
    """Make sure ``folder`` holds looping H.264 main and sub clips for each camera.

    Blocking (seconds of CPU per camera): call it from a worker, not the GUI thread. Clips
    already made with the same settings and scene version are kept. ``progress(done, total,
    message)`` is called before each file is encoded (``total`` counts files, two per camera)
    and once more with ``done == total`` at the end. Raises DemoClipError if a clip cannot be
    written; files already finished stay valid.
    """
    if seconds <= 0 or fps <= 0:
        raise ValueError(f"seconds and fps must be positive, got {seconds} and {fps}")
    _check_size("main_size", main_size)
    _check_size("sub_size", sub_size)
    keys = [camera.key for camera in cameras]
    for key in keys:
        if not _KEY_PATTERN.match(key):
            raise ValueError(f"demo camera key {key!r} cannot be used in a file name")
    if len(set(keys)) != len(keys):
        raise ValueError(f"demo camera keys must be unique: {keys}")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DemoClipError(f"Cannot create the demo video folder {folder}: {exc.strerror or exc}") from exc

    frame_count = max(1, int(seconds * fps + 0.5))
    expected = _marker(seconds, fps, main_size, sub_size)
    total = 2 * len(cameras)
    done = 0
    clips: dict[str, DemoClip] = {}
    for number, camera in enumerate(cameras, start=1):
        clip = demo_clip(folder, camera.key)
        clips[camera.key] = clip
        marker_path = folder / f"{camera.key}-clips.json"
        if _is_up_to_date(marker_path, expected, clip):
            done += 2
            continue
        message = f"Encoding demo camera {number} of {len(cameras)}: {camera.name}"
        try:
            marker_path.unlink(missing_ok=True)
            for path, size in ((clip.main, main_size), (clip.sub, sub_size)):
                if progress is not None:
                    progress(done, total, message)
                _write_atomically(
                    path,
                    partial(
                        _encode_clip, camera=camera, frame_count=frame_count, fps=fps, render_size=main_size, size=size
                    ),
                )
                done += 1
            _write_atomically(marker_path, partial(_write_marker, marker=expected))
        except (av.FFmpegError, OSError, ValueError) as exc:
            reason = getattr(exc, "strerror", None) or str(exc)
            raise DemoClipError(f"Cannot write the demo video for camera {camera.name} in {folder}: {reason}") from exc
    if progress is not None:
        progress(total, total, "Demo cameras ready")
    return clips
