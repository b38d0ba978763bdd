"""The demo cameras and the street each one looks at: a seeded plan of buildings, lamps, lanes,
vehicles and pedestrians, drawn from the camera's seed once, in size-free units."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

Colour = tuple[int, int, int]  # BGR


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

# --------------------------------------------------------------------------------------------
# Scene layout: everything random is drawn from the camera's seed once, in size-free units
# (x as a fraction of the width, y and lengths as fractions of the height).


@dataclass(frozen=True)
class Building:
    x0: float
    x1: float
    top: float
    colour: Colour
    windows: tuple[tuple[float, float, float, float, Colour], ...]  # x0, y0, x1, y1, colour
    shop_lit: bool


@dataclass(frozen=True)
class Lane:
    y: float  # y of the wheels' contact line
    direction: int  # +1 left to right, -1 right to left
    scale: float  # far lanes look smaller
    laps: int  # whole laps per loop, so the motion is periodic


@dataclass(frozen=True)
class Vehicle:
    lane: int
    offset: float  # phase offset along the lane, 0..1
    kind: str  # "car", "van", "bus"
    colour: Colour


@dataclass(frozen=True)
class Walker:
    y: float  # feet
    direction: int
    scale: float
    laps: int
    offset: float
    steps: int  # whole strides per loop
    coat: Colour
    trousers: Colour


@dataclass(frozen=True)
class StreetLayout:
    pavement_far: float  # top of the far pavement (the buildings' base line)
    road_top: float
    road_bottom: float
    buildings: tuple[Building, ...]
    lamps: tuple[float, ...]  # x positions on the far pavement
    lamp_colour: Colour
    lanes: tuple[Lane, ...]
    vehicles: tuple[Vehicle, ...]
    walkers: tuple[Walker, ...]


_VEHICLE_COLOURS: tuple[Colour, ...] = (
    (40, 40, 150),  # red
    (130, 70, 35),  # blue
    (135, 135, 135),  # silver
    (185, 185, 190),  # white
    (32, 32, 34),  # black
    (55, 85, 40),  # green
    (35, 150, 185),  # taxi yellow
)
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
def street_layout(camera: DemoCamera, loop_seconds: float) -> StreetLayout:
    rng = np.random.default_rng(camera.seed)
    pavement_far = 0.40 + float(rng.uniform(-0.03, 0.03))
    road_top = pavement_far + 0.08
    road_bottom = 0.84 + float(rng.uniform(-0.02, 0.02))

    buildings: list[Building] = []
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
        buildings.append(Building(x, x + width, top, colour, tuple(windows), rng.random() < 0.45))
        x += width

    spacing = float(rng.uniform(0.24, 0.32))
    first = float(rng.uniform(0.05, spacing))
    lamps = tuple(first + i * spacing for i in range(int((1.0 - first) / spacing) + 1))
    lamp_colour: Colour = (70, 160, 235) if rng.random() < 0.6 else (215, 215, 200)  # sodium/LED

    lane_count = 4 if rng.random() < 0.35 else 2
    lane_height = (road_bottom - road_top) / lane_count
    lanes: list[Lane] = []
    vehicles: list[Vehicle] = []
    for index in range(lane_count):
        direction = -1 if index < lane_count // 2 else 1
        y = road_top + lane_height * (index + 0.8)
        scale = 0.72 + 0.28 * (y - road_top) / (road_bottom - road_top)
        speed = float(rng.uniform(0.10, 0.22))  # widths per second
        laps = max(1, round(speed * loop_seconds / 1.6))
        lanes.append(Lane(y, direction, scale, laps))
        count = int(rng.integers(1, 4))
        for slot in range(count):
            kind = str(rng.choice(["car", "car", "car", "van", "bus"]))
            colour = _VEHICLE_COLOURS[int(rng.integers(len(_VEHICLE_COLOURS)))]
            offset = (slot + float(rng.uniform(0.0, 0.25))) / count
            vehicles.append(Vehicle(index, offset, kind, colour))

    walkers: list[Walker] = []
    for _ in range(int(rng.integers(3, 7))):
        far = rng.random() < 0.5
        y = pavement_far + float(rng.uniform(0.03, 0.07)) if far else road_bottom + float(rng.uniform(0.06, 0.13))
        speed = float(rng.uniform(0.03, 0.06))
        walkers.append(
            Walker(
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
    return StreetLayout(
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
