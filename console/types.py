"""Plain, frozen types that services hand to the UI and the CLI (never live ORM rows)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

# Wall layouts and how many tiles each shows (one big tile plus 5 or 7 small ones for "1+n").
LAYOUT_TILES: dict[str, int] = {"1": 1, "2x2": 4, "3x3": 9, "4x4": 16, "1+5": 6, "1+7": 8}


@dataclass(frozen=True)
class Actor:
    """The operator performing an action, at a console."""

    login: str
    display_name: str
    role: str
    console_id: str
    operator_id: int | None = None


@dataclass(frozen=True)
class ChainHead:
    count: int
    hash: str


@dataclass(frozen=True)
class EntryView:
    seq: int
    event_time: datetime
    append_time: datetime
    operator: str
    console_id: str
    kind: str
    ref_type: str
    ref_id: str
    text: str
    corrects_seq: int | None
    hash: str
    detail: str = ""  # text of the domain row referred to (a log note's words), when still held


@dataclass(frozen=True)
class ActionResult:
    seq: int
    hash: str
    replayed: bool = False
    ref_id: str = ""
    journaled: bool = False  # the database was unreachable: kept in the local journal for now


@dataclass(frozen=True)
class TierView:
    number: int
    name: str
    start_date: date


@dataclass(frozen=True)
class CameraView:
    id: int
    key: str
    name: str
    location: str
    in_prescribed_area: bool
    kind: str
    main_url: str  # without credentials
    sub_url: str
    recording: bool = True
    # Privacy masks: polygons in fractions (0..1) of the picture, blacked out by the capture
    # helper before a frame leaves it.
    masks: tuple[tuple[tuple[float, float], ...], ...] = ()


@dataclass(frozen=True)
class WallView:
    """A named wall: its layout and the camera key shown in each tile position (None: empty)."""

    name: str
    layout: str
    tiles: tuple[str | None, ...]


@dataclass(frozen=True)
class UnitView:
    id: int
    call_sign: str
    kind: str
    team: str
    status: str
    status_since: datetime | None
    officers: tuple[str, ...] = ()
    tasking_id: int | None = None  # the open tasking the unit is on
    tasking_role: str = ""  # primary, backup
    tasking_place: str = ""
    tasking_what: str = ""  # the instructions, or the sighting it came from
    urgent_acknowledged_by: str = ""  # who acknowledged the current urgent assistance call


@dataclass(frozen=True)
class OperationView:
    id: int
    name: str
    title: str
    start_date: date
    timezone: str
    tiers: tuple[TierView, ...] = field(default_factory=tuple)
    teams: tuple[tuple[str, str], ...] = ()  # (key, name)
    welfare_check_minutes: int = 15
    segment_seconds: int = 60
    video_retention_days: int = 31
    night_starts_hour: int = 18
    record_retention_days: int = 365

    def tier_on(self, day: date) -> TierView | None:
        current = None
        for tier in sorted(self.tiers, key=lambda t: t.start_date):
            if tier.start_date <= day:
                current = tier
        return current


@dataclass(frozen=True)
class MaskLiftView:
    """A supervisor's lift of one camera's privacy masks, until a set time."""

    id: int
    camera_key: str
    camera_name: str
    lifted_by: str  # display name
    reason: str
    lifted_at: datetime
    until: datetime


# --- operation set-up (administrators' screens) ---------------------------------------------------
@dataclass(frozen=True)
class SetupRow:
    """One item of the operation as the set-up screens show it: its settings under the operation
    file's names (never a password), whether it is in use, and words about it ("password stored")."""

    id: int
    values: dict[str, Any]
    active: bool = True
    note: str = ""


@dataclass(frozen=True)
class SetupState:
    """Everything the set-up screens show; ``operation_id`` None while there is no operation."""

    operation_id: int | None
    operation: dict[str, Any]
    sections: dict[str, tuple[SetupRow, ...]]


@dataclass(frozen=True)
class SetupDone:
    """A set-up change written: its record entry and what it did, in words."""

    seq: int
    kind: str
    words: str
    ref_id: str = ""
