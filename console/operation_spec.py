"""What an operation is made of, as plain frozen specs: the operation's settings and its tiers,
categories, locations, cameras, privacy masks, teams, units, officers and operators.

The operation file (`console.operation_file`) and the set-up screens produce these; the import
into the database (`console.operation`) consumes them. No storage and no checks beyond a mask's points.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

ROLES = ("controller", "supervisor", "auditor", "administrator")
UNIT_KINDS = ("plain_clothes", "uniformed", "other")
CAMERA_KINDS = ("rtsp", "mjpeg", "file", "v4l2", "demo")
CATEGORY_KINDS = ("person", "vehicle", "activity", "environment")


@dataclass(frozen=True)
class TierSpec:
    number: int
    name: str
    start_date: date


@dataclass(frozen=True)
class CategorySpec:
    key: str
    label: str
    kind: str
    subject_prefix: str = ""


@dataclass(frozen=True)
class LocationSpec:
    key: str
    name: str
    prescribed_area: bool = False


@dataclass(frozen=True)
class CameraSpec:
    key: str
    name: str
    kind: str
    main_url: str  # credentials removed
    sub_url: str = ""
    location: str = ""
    recording: bool = True
    username: str | None = None
    password: str | None = None  # None: keep what the database holds
    active: bool = True  # False: taken out of use (the record still refers to it)


@dataclass(frozen=True)
class MaskSpec:
    """A privacy mask: a polygon in fractions (0..1) of the picture's width and height."""

    camera: str
    name: str
    points: tuple[tuple[float, float], ...]


MASK_MIN_POINTS, MASK_MAX_POINTS = 3, 64
MASK_PLACES = 4  # decimal places kept: 1/10000 of the picture, finer than any camera's pixels


def mask_points(raw: object) -> tuple[tuple[float, float], ...]:
    """The points of a mask as stored, or ValueError saying what is wrong with them."""
    if not isinstance(raw, list | tuple) or not MASK_MIN_POINTS <= len(raw) <= MASK_MAX_POINTS:
        raise ValueError(f"a mask needs {MASK_MIN_POINTS} to {MASK_MAX_POINTS} points [x, y]")
    points = []
    for point in raw:
        if (
            not isinstance(point, list | tuple)
            or len(point) != 2
            or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in point)
        ):
            raise ValueError("each point of a mask is [x, y], two numbers")
        x, y = float(point[0]), float(point[1])
        if not (0.0 <= x <= 1.0 and 0.0 <= y <= 1.0):
            raise ValueError("mask points are fractions of the picture: from 0 to 1")
        points.append((round(x, MASK_PLACES), round(y, MASK_PLACES)))
    return tuple(points)


@dataclass(frozen=True)
class TeamSpec:
    key: str
    name: str


@dataclass(frozen=True)
class UnitSpec:
    call_sign: str
    kind: str
    team: str = ""
    active: bool = True


@dataclass(frozen=True)
class OfficerSpec:
    collar_number: str
    name: str
    special_constable: bool = False
    team: str = ""
    unit: str = ""
    active: bool = True


@dataclass(frozen=True)
class OperatorSpec:
    login: str
    name: str
    role: str
    active: bool = True


@dataclass(frozen=True)
class OperationSpec:
    name: str
    title: str
    start_date: date
    timezone: str = "Europe/London"
    prescribed_area: str = ""
    lawful_basis: str = ""
    authorisation_ref: str = ""
    night_starts_hour: int = 18
    welfare_check_minutes: int = 15
    segment_seconds: int = 60
    video_retention_days: int = 31
    record_retention_days: int = 365
    tiers: tuple[TierSpec, ...] = ()
    categories: tuple[CategorySpec, ...] = ()
    locations: tuple[LocationSpec, ...] = ()
    cameras: tuple[CameraSpec, ...] = ()
    teams: tuple[TeamSpec, ...] = ()
    units: tuple[UnitSpec, ...] = ()
    officers: tuple[OfficerSpec, ...] = ()
    operators: tuple[OperatorSpec, ...] = ()
    masks: tuple[MaskSpec, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)
