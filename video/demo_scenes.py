"""Synthetic night-time street scenes, drawn frame by frame for the demo cameras.

The demo wall needs no network and no shipped footage: each demo camera is a seeded, drawn
street (road, pavements, lit buildings, lamps; planned in video/demo_streets.py) with vehicles
and pedestrians that move in a loop of exactly the clip length, so a looping file source plays
it without a visible jump. The H.264 clips made from these scenes are in video/demo_clips.py.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from functools import lru_cache

import cv2
import numpy as np
import numpy.typing as npt

from video.demo_streets import Colour, DemoCamera, Lane, Vehicle, Walker, street_layout

Image = npt.NDArray[np.uint8]

# Bump when the drawing changes, so ensure_demo_clips re-encodes clips made by older code.
DEMO_SCENE_VERSION = 1
DEFAULT_LOOP_SECONDS = 20.0
_CLOCK_START = datetime(2025, 11, 14, 22, 47, 0)

_VEHICLE_SIZE = {"car": (0.20, 0.060), "van": (0.25, 0.085), "bus": (0.46, 0.110)}  # length, height


# --------------------------------------------------------------------------------------------
# Static background, drawn once per camera and size.


@lru_cache(maxsize=32)
def _background(camera: DemoCamera, size: tuple[int, int]) -> Image:
    width, height = size
    layout = street_layout(camera, DEFAULT_LOOP_SECONDS)  # only the static parts are used here

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


def _draw_vehicle(image: Image, vehicle: Vehicle, lane: Lane, x_left: int, unit: float) -> None:
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


def _draw_walker(image: Image, walker: Walker, x: int, stride_phase: float, unit: float) -> None:
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
    layout = street_layout(camera, loop / fps)
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
