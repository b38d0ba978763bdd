"""The operation file (TOML): parse and validate it into plain specs, every error with its line.

Import into the database and export back live in `console.operation`; this module never
touches storage, so validation is complete before anything is written.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from urllib.parse import unquote, urlsplit, urlunsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from console.text import control_problem

ROLES = ("controller", "supervisor", "auditor", "administrator")
UNIT_KINDS = ("plain_clothes", "uniformed", "other")
CAMERA_KINDS = ("rtsp", "mjpeg", "file", "v4l2", "demo")
CATEGORY_KINDS = ("person", "vehicle", "activity", "environment")
KEY_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,59}$")
# The longest value each text setting may have: the width of its database column, so a long
# value is refused here with its line rather than by PostgreSQL halfway through the import.
MAX_LENGTHS: dict[tuple[str, str], int] = {
    ("operation", "name"): 120,
    ("operation", "title"): 200,
    ("operation", "timezone"): 64,
    ("operation", "authorisation_ref"): 120,
    ("tiers", "name"): 200,
    ("categories", "key"): 60,
    ("categories", "label"): 120,
    ("categories", "subject_prefix"): 8,
    ("locations", "key"): 60,
    ("locations", "name"): 200,
    ("cameras", "key"): 60,
    ("cameras", "name"): 200,
    ("cameras", "username"): 200,
    ("cameras", "password"): 200,
    ("teams", "key"): 60,
    ("teams", "name"): 120,
    ("units", "call_sign"): 30,
    ("officers", "collar_number"): 30,
    ("officers", "name"): 120,
    ("operators", "login"): 60,
    ("operators", "name"): 120,
    ("masks", "camera"): 60,
    ("masks", "name"): 120,
}
MAX_TEXT = 4000  # settings kept in unbounded columns (descriptions, URLs)
MULTILINE = {("operation", "prescribed_area"), ("operation", "lawful_basis")}
MAX_TIER = 99
# What each camera kind may open. A camera's URL goes to FFmpeg, which also reads local files
# and other protocols (file:, concat:, subfile:): only the kind's own schemes are let through.
# A file camera may name a Windows path, whose drive letter reads as a one-letter scheme. Demo
# cameras play the console's own clips and never open their URL, so any URL does for them.
URL_SCHEMES: dict[str, tuple[str, ...]] = {
    "rtsp": ("rtsp", "rtsps"),
    "mjpeg": ("http", "https"),
    "file": ("", "file"),
    "v4l2": ("",),
}


class OperationFileError(ValueError):
    """All problems found in an operation file; nothing was imported."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


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


@dataclass(frozen=True)
class OfficerSpec:
    collar_number: str
    name: str
    special_constable: bool = False
    team: str = ""
    unit: str = ""


@dataclass(frozen=True)
class OperatorSpec:
    login: str
    name: str
    role: str


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


def split_credentials(url: str) -> tuple[str, str | None, str | None]:
    """(url without user:password, username, password) — credentials never stay in the URL.

    The credentials come back decoded (``p%40ss`` is the password ``p@ss``): the capture side
    encodes them again when it opens the stream. ValueError if the URL's host or port is
    malformed."""
    parts = urlsplit(url)
    if parts.username is None and parts.password is None:
        return url, None, None
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    netloc = host + (f":{parts.port}" if parts.port is not None else "")
    user = None if parts.username is None else unquote(parts.username)
    password = None if parts.password is None else unquote(parts.password)
    return urlunsplit(parts._replace(netloc=netloc)), user, password


def redact_url(url: str) -> str:
    """The URL as it may appear in a log or on screen: any credentials replaced."""
    try:
        clean, user, password = split_credentials(url)
    except ValueError:
        # Malformed, so no parser can be trusted to find the credentials: hide all before the host.
        return re.sub(r"//[^/\s]*@", "//***@", url)
    if user is None and password is None:
        return clean
    parts = urlsplit(clean)
    return urlunsplit(parts._replace(netloc="***@" + parts.netloc))


def url_problem(kind: str, url: str) -> str:
    """Why ``url`` cannot be a stream of a ``kind`` camera, in a few words; "" when it can."""
    if any(ch.isspace() or unicodedata.category(ch) == "Cc" for ch in url):
        return "a camera URL has no spaces or control characters"
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - reading it checks the port
    except ValueError:
        # Not the parser's words: for rtsp://user:pa/ss@host they quote the password as the port.
        return "not a valid URL: check the host and port (in a password write / @ : as %2F %40 %3A)"
    if kind not in URL_SCHEMES:
        return ""  # a demo camera, or a kind refused on its own line
    allowed = URL_SCHEMES[kind]
    scheme = parts.scheme.lower()
    if scheme in allowed or (kind == "file" and len(scheme) == 1):
        return ""
    wanted = " or ".join(f"{x}://" for x in allowed if x) or "a device path or number"
    if kind == "file":
        wanted = "a file path or file://"
    return f"a {kind} camera's URL starts with {wanted}, not {scheme + ':' if scheme else 'a path'}"


def _text_problem(section: str, key: str, value: str) -> str:
    """Why a text setting is refused ("" if it is not): longer than its column, or holding a
    control character (a NUL is refused by PostgreSQL; the others are slips nobody can see)."""
    limit = MAX_LENGTHS.get((section, key), MAX_TEXT)
    if len(value) > limit:
        return f"is {len(value)} characters long; the limit is {limit}"
    return control_problem(value, multiline=(section, key) in MULTILINE)


class _Lines:
    """Finds the line of the n-th `[[section]]` and of a key inside it, for error messages."""

    def __init__(self, text: str) -> None:
        self.lines = text.splitlines()

    def of(self, section: str, index: int | None = None, key: str | None = None) -> int:
        header = re.compile(rf"^\s*\[\[?\s*{re.escape(section)}\s*\]\]?\s*(#.*)?$")
        starts = [n for n, line in enumerate(self.lines) if header.match(line)]
        if not starts:
            return 1
        start = starts[index or 0] if index is not None and index < len(starts) else starts[0]
        if key is None:
            return start + 1
        key_re = re.compile(rf"^\s*{re.escape(key)}\s*=")
        for n in range(start + 1, len(self.lines)):
            if self.lines[n].lstrip().startswith("["):
                break
            if key_re.match(self.lines[n]):
                return n + 1
        return start + 1


class _Reader:
    def __init__(self, text: str) -> None:
        self.lines = _Lines(text)
        self.problems: list[str] = []

    def problem(self, section: str, index: int | None, key: str | None, message: str) -> None:
        line = self.lines.of(section, index, key)
        where = f"{section}[{index + 1}]" if index is not None else section
        self.problems.append(f"line {line}: {where}{'.' + key if key else ''}: {message}")

    def get(
        self,
        table: dict[str, Any],
        section: str,
        index: int | None,
        key: str,
        kind: type,
        default: Any = ...,
        choices: tuple[str, ...] = (),
    ) -> Any:
        if key not in table:
            if default is ...:
                self.problem(section, index, None, f"'{key}' is required")
                return None
            return default
        value = table[key]
        if kind is int and isinstance(value, bool):
            value = "bool"  # bool is an int in Python; refuse it
        if kind is date and isinstance(value, datetime):
            value = value.isoformat()  # a datetime is a date in Python; refuse it, not compare it
        if not isinstance(value, kind):
            shown = "something else" if key == "password" else repr(value)  # a password is never repeated
            self.problem(section, index, key, f"must be {kind.__name__}, got {shown}")
            return None
        if choices and value not in choices:
            self.problem(section, index, key, f"{value!r} is not one of: {', '.join(choices)}")
            return None
        if isinstance(value, str) and not choices and default is ... and not value.strip():
            self.problem(section, index, key, "must not be empty")
            return None
        if isinstance(value, str) and (why := _text_problem(section, key, value)):
            self.problem(section, index, key, why)
            return None
        return value

    def known_keys(self, table: dict[str, Any], section: str, index: int | None, allowed: set[str]) -> None:
        for key in table:
            if key not in allowed:
                self.problem(section, index, key, f"unknown setting '{key}' (allowed: {', '.join(sorted(allowed))})")


def parse_operation(text: str) -> OperationSpec:
    """Parse and validate; raises OperationFileError listing every problem with its line."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise OperationFileError([f"not valid TOML: {exc}"]) from exc
    except RecursionError as exc:  # tomllib reads nested arrays and tables recursively
        raise OperationFileError(["not valid TOML: arrays or tables nested too deeply"]) from exc
    r = _Reader(text)
    r.known_keys(
        data,
        "file",
        None,
        {
            "operation",
            "tiers",
            "categories",
            "locations",
            "cameras",
            "teams",
            "units",
            "officers",
            "operators",
            "masks",
        },
    )
    op = data.get("operation")
    if not isinstance(op, dict):
        raise OperationFileError(["line 1: the file needs an [operation] table with name and start_date"])
    r.known_keys(
        op,
        "operation",
        None,
        {
            "name",
            "title",
            "start_date",
            "timezone",
            "prescribed_area",
            "lawful_basis",
            "authorisation_ref",
            "night_starts_hour",
            "welfare_check_minutes",
            "segment_seconds",
            "video_retention_days",
            "record_retention_days",
        },
    )
    name = r.get(op, "operation", None, "name", str)
    start = r.get(op, "operation", None, "start_date", date)
    # Read with the rest, before the problems are counted: a wrong value here is a problem too.
    title = r.get(op, "operation", None, "title", str, "")
    area = r.get(op, "operation", None, "prescribed_area", str, "")
    basis = r.get(op, "operation", None, "lawful_basis", str, "")
    authorisation = r.get(op, "operation", None, "authorisation_ref", str, "")
    tz = r.get(op, "operation", None, "timezone", str, "Europe/London")
    if isinstance(tz, str):
        try:
            ZoneInfo(tz)
        except (ZoneInfoNotFoundError, ValueError):
            r.problem("operation", None, "timezone", f"unknown time zone {tz!r}")
    night = r.get(op, "operation", None, "night_starts_hour", int, 18)
    if isinstance(night, int) and not 0 <= night <= 23:
        r.problem("operation", None, "night_starts_hour", "must be an hour from 0 to 23")
    welfare = r.get(op, "operation", None, "welfare_check_minutes", int, 15)
    if isinstance(welfare, int) and not 1 <= welfare <= 240:
        r.problem("operation", None, "welfare_check_minutes", "must be from 1 to 240 minutes")
    segment = r.get(op, "operation", None, "segment_seconds", int, 60)
    if isinstance(segment, int) and not 10 <= segment <= 3600:
        r.problem("operation", None, "segment_seconds", "must be from 10 to 3600 seconds")
    retention = r.get(op, "operation", None, "video_retention_days", int, 31)
    if isinstance(retention, int) and not 1 <= retention <= 3650:
        r.problem("operation", None, "video_retention_days", "must be from 1 to 3650 days")
    record_retention = r.get(op, "operation", None, "record_retention_days", int, 365)
    if isinstance(record_retention, int) and not 1 <= record_retention <= 3650:
        r.problem("operation", None, "record_retention_days", "must be from 1 to 3650 days")

    def items(section: str) -> list[tuple[int, dict[str, Any]]]:
        raw = data.get(section, [])
        if not isinstance(raw, list) or not all(isinstance(x, dict) for x in raw):
            r.problem(section, None, None, f"must be written as [[{section}]] tables")
            return []
        return list(enumerate(raw))

    def unique(section: str, key: str, values: list[tuple[int, Any]]) -> set[Any]:
        seen: set[Any] = set()
        for i, v in values:
            if v is None:
                continue
            if v in seen:
                r.problem(section, i, key, f"{v!r} appears more than once")
            seen.add(v)
        return seen

    def check_key(section: str, i: int, key: str, value: Any) -> None:
        if isinstance(value, str) and not KEY_RE.match(value):
            r.problem(section, i, key, f"{value!r} must be lower-case letters, digits, '-' or '_'")

    tiers = []
    for i, t in items("tiers"):
        r.known_keys(t, "tiers", i, {"number", "name", "start_date"})
        tiers.append(
            (
                i,
                TierSpec(
                    r.get(t, "tiers", i, "number", int),
                    r.get(t, "tiers", i, "name", str),
                    r.get(t, "tiers", i, "start_date", date),
                ),
            )
        )
    unique("tiers", "number", [(i, t.number) for i, t in tiers])
    for i, tier in tiers:
        if isinstance(tier.number, int) and not 1 <= tier.number <= MAX_TIER:
            r.problem("tiers", i, "number", f"must be from 1 to {MAX_TIER}")
    for i, tier in tiers:
        if isinstance(start, date) and isinstance(tier.start_date, date) and tier.start_date < start:
            r.problem("tiers", i, "start_date", "a tier cannot start before the operation")

    categories = []
    for i, c in items("categories"):
        r.known_keys(c, "categories", i, {"key", "label", "kind", "subject_prefix"})
        spec = CategorySpec(
            r.get(c, "categories", i, "key", str),
            r.get(c, "categories", i, "label", str),
            r.get(c, "categories", i, "kind", str, choices=CATEGORY_KINDS),
            r.get(c, "categories", i, "subject_prefix", str, ""),
        )
        check_key("categories", i, "key", spec.key)
        categories.append((i, spec))
    unique("categories", "key", [(i, c.key) for i, c in categories])

    locations = []
    for i, loc in items("locations"):
        r.known_keys(loc, "locations", i, {"key", "name", "prescribed_area"})
        spec_l = LocationSpec(
            r.get(loc, "locations", i, "key", str),
            r.get(loc, "locations", i, "name", str),
            r.get(loc, "locations", i, "prescribed_area", bool, False),
        )
        check_key("locations", i, "key", spec_l.key)
        locations.append((i, spec_l))
    location_keys = unique("locations", "key", [(i, x.key) for i, x in locations])

    cameras = []
    for i, cam in items("cameras"):
        r.known_keys(
            cam,
            "cameras",
            i,
            {"key", "name", "kind", "main_url", "sub_url", "location", "recording", "username", "password"},
        )
        kind = r.get(cam, "cameras", i, "kind", str, choices=CAMERA_KINDS)
        main = r.get(cam, "cameras", i, "main_url", str)
        sub = r.get(cam, "cameras", i, "sub_url", str, "")
        user = r.get(cam, "cameras", i, "username", str, None)
        password = r.get(cam, "cameras", i, "password", str, None)
        urls: dict[str, str] = {}
        for url_key, url in (("main_url", main), ("sub_url", sub)):
            if not isinstance(url, str) or not url:
                continue
            why = url_problem(kind or "", url)
            if why:
                r.problem("cameras", i, url_key, why)
                continue
            urls[url_key], u, p = split_credentials(url)
            for what, found in (("username", u), ("password", p)):
                if found is not None and len(found) > MAX_LENGTHS["cameras", what]:
                    r.problem("cameras", i, url_key, f"the {what} in the URL is too long")
            user, password = user or u, password or p
        spec_c = CameraSpec(
            key=r.get(cam, "cameras", i, "key", str),
            name=r.get(cam, "cameras", i, "name", str),
            kind=kind,
            main_url=urls.get("main_url", main),
            sub_url=urls.get("sub_url", sub),
            location=r.get(cam, "cameras", i, "location", str, ""),
            recording=r.get(cam, "cameras", i, "recording", bool, True),
            username=user,
            password=password,
        )
        check_key("cameras", i, "key", spec_c.key)
        if spec_c.location and spec_c.location not in location_keys:
            r.problem("cameras", i, "location", f"unknown location {spec_c.location!r}")
        cameras.append((i, spec_c))
    camera_keys = unique("cameras", "key", [(i, c.key) for i, c in cameras])

    masks = []
    for i, m in items("masks"):
        r.known_keys(m, "masks", i, {"camera", "name", "points"})
        camera_key = r.get(m, "masks", i, "camera", str)
        mask_name = r.get(m, "masks", i, "name", str)
        if isinstance(camera_key, str) and camera_key not in camera_keys:
            r.problem("masks", i, "camera", f"unknown camera {camera_key!r}")
        try:
            points = mask_points(m.get("points"))
        except ValueError as exc:
            r.problem("masks", i, "points", str(exc))
            continue
        masks.append((i, MaskSpec(camera_key, mask_name, points)))
    unique("masks", "name", [(i, (x.camera, x.name)) for i, x in masks])

    teams = []
    for i, tm in items("teams"):
        r.known_keys(tm, "teams", i, {"key", "name"})
        spec_t = TeamSpec(r.get(tm, "teams", i, "key", str), r.get(tm, "teams", i, "name", str))
        check_key("teams", i, "key", spec_t.key)
        teams.append((i, spec_t))
    team_keys = unique("teams", "key", [(i, t.key) for i, t in teams])

    units = []
    for i, u_ in items("units"):
        r.known_keys(u_, "units", i, {"call_sign", "kind", "team"})
        spec_u = UnitSpec(
            r.get(u_, "units", i, "call_sign", str),
            r.get(u_, "units", i, "kind", str, choices=UNIT_KINDS),
            r.get(u_, "units", i, "team", str, ""),
        )
        if spec_u.team and spec_u.team not in team_keys:
            r.problem("units", i, "team", f"unknown team {spec_u.team!r}")
        units.append((i, spec_u))
    unit_keys = unique("units", "call_sign", [(i, u.call_sign) for i, u in units])

    officers = []
    for i, o in items("officers"):
        r.known_keys(o, "officers", i, {"collar_number", "name", "special_constable", "team", "unit"})
        spec_o = OfficerSpec(
            r.get(o, "officers", i, "collar_number", str),
            r.get(o, "officers", i, "name", str),
            r.get(o, "officers", i, "special_constable", bool, False),
            r.get(o, "officers", i, "team", str, ""),
            r.get(o, "officers", i, "unit", str, ""),
        )
        if spec_o.team and spec_o.team not in team_keys:
            r.problem("officers", i, "team", f"unknown team {spec_o.team!r}")
        if spec_o.unit and spec_o.unit not in unit_keys:
            r.problem("officers", i, "unit", f"unknown unit {spec_o.unit!r}")
        officers.append((i, spec_o))
    unique("officers", "collar_number", [(i, o.collar_number) for i, o in officers])

    operators = []
    for i, p_ in items("operators"):
        r.known_keys(p_, "operators", i, {"login", "name", "role"})
        operators.append(
            (
                i,
                OperatorSpec(
                    r.get(p_, "operators", i, "login", str),
                    r.get(p_, "operators", i, "name", str),
                    r.get(p_, "operators", i, "role", str, choices=ROLES),
                ),
            )
        )
    unique("operators", "login", [(i, o.login) for i, o in operators])

    if r.problems:
        raise OperationFileError(r.problems)
    return OperationSpec(
        name=name,
        title=title,
        start_date=start,
        timezone=tz,
        prescribed_area=area,
        lawful_basis=basis,
        authorisation_ref=authorisation,
        night_starts_hour=night,
        welfare_check_minutes=welfare,
        segment_seconds=segment,
        video_retention_days=retention,
        record_retention_days=record_retention,
        tiers=tuple(t for _, t in tiers),
        categories=tuple(c for _, c in categories),
        locations=tuple(x for _, x in locations),
        cameras=tuple(c for _, c in cameras),
        teams=tuple(t for _, t in teams),
        units=tuple(u for _, u in units),
        officers=tuple(o for _, o in officers),
        operators=tuple(o for _, o in operators),
        masks=tuple(x for _, x in masks),
    )


# --- writing TOML back (tomllib reads only) -------------------------------------------------
_TOML_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\t": "\\t", "\r": "\\r"}


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, tuple | list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):
        return (
            '"'
            + "".join(
                _TOML_ESCAPES.get(ch) or (ch if ch >= " " and ch != "\x7f" else f"\\u{ord(ch):04x}") for ch in value
            )
            + '"'
        )

    raise TypeError(f"cannot write {type(value).__name__} to TOML")


def _table(header: str, values: dict[str, Any]) -> list[str]:
    lines = [header]
    lines += [f"{k} = {_toml_value(v)}" for k, v in values.items() if v is not None]
    return [*lines, ""]


def render_operation(spec: OperationSpec) -> str:
    """TOML text of an operation; passwords are never written (import keeps the stored ones)."""
    out = ["# Sentinel Console operation file", ""]
    out += _table(
        "[operation]",
        {
            "name": spec.name,
            "title": spec.title,
            "start_date": spec.start_date,
            "timezone": spec.timezone,
            "prescribed_area": spec.prescribed_area,
            "lawful_basis": spec.lawful_basis,
            "authorisation_ref": spec.authorisation_ref,
            "night_starts_hour": spec.night_starts_hour,
            "welfare_check_minutes": spec.welfare_check_minutes,
            "segment_seconds": spec.segment_seconds,
            "video_retention_days": spec.video_retention_days,
            "record_retention_days": spec.record_retention_days,
        },
    )
    for t in spec.tiers:
        out += _table("[[tiers]]", {"number": t.number, "name": t.name, "start_date": t.start_date})
    for c in spec.categories:
        out += _table(
            "[[categories]]",
            {"key": c.key, "label": c.label, "kind": c.kind, "subject_prefix": c.subject_prefix or None},
        )
    for loc in spec.locations:
        out += _table("[[locations]]", {"key": loc.key, "name": loc.name, "prescribed_area": loc.prescribed_area})
    for cam in spec.cameras:
        out += _table(
            "[[cameras]]",
            {
                "key": cam.key,
                "name": cam.name,
                "kind": cam.kind,
                "location": cam.location or None,
                "main_url": cam.main_url,
                "sub_url": cam.sub_url or None,
                "recording": cam.recording,
                "username": cam.username or None,
            },
        )
    for tm in spec.teams:
        out += _table("[[teams]]", {"key": tm.key, "name": tm.name})
    for u in spec.units:
        out += _table("[[units]]", {"call_sign": u.call_sign, "kind": u.kind, "team": u.team or None})
    for o in spec.officers:
        out += _table(
            "[[officers]]",
            {
                "collar_number": o.collar_number,
                "name": o.name,
                "special_constable": o.special_constable,
                "team": o.team or None,
                "unit": o.unit or None,
            },
        )
    for p in spec.operators:
        out += _table("[[operators]]", {"login": p.login, "name": p.name, "role": p.role})
    for m in spec.masks:
        out += _table("[[masks]]", {"camera": m.camera, "name": m.name, "points": m.points})
    return "\n".join(out)
