"""The rules every setting of an operation must pass, the same for the operation file and for
the set-up screens: text limits, keys and logins, camera URLs and the credentials typed into
them, numbers in range, and references between items (a camera's location, an officer's unit).

`Reader` reads one item's table into its spec, collecting each problem with where it is;
`check_item` applies the same reading to one item typed into a screen (FieldProblems if refused).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from urllib.parse import unquote, urlsplit, urlunsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from console.operation_spec import (
    CAMERA_KINDS,
    CATEGORY_KINDS,
    ROLES,
    UNIT_KINDS,
    CameraSpec,
    CategorySpec,
    LocationSpec,
    MaskSpec,
    OfficerSpec,
    OperationSpec,
    OperatorSpec,
    TeamSpec,
    TierSpec,
    UnitSpec,
    mask_points,
)
from console.text import control_problem

KEY_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,59}$")
LOGIN_RE = re.compile(r"^[a-z0-9._-]{1,60}$")  # as console.auth takes a login
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


class Reader:
    """Reads the tables of an operation file into specs, keeping each problem with its line."""

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


OPERATION_KEYS = (
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
)
# Whole numbers of the [operation] table: default, lowest, highest, and the words of the range.
NUMBER_SETTINGS: dict[str, tuple[int, int, int, str]] = {
    "night_starts_hour": (18, 0, 23, "must be an hour from 0 to 23"),
    "welfare_check_minutes": (15, 1, 240, "must be from 1 to 240 minutes"),
    "segment_seconds": (60, 10, 3600, "must be from 10 to 3600 seconds"),
    "video_retention_days": (31, 1, 3650, "must be from 1 to 3650 days"),
    "record_retention_days": (365, 1, 3650, "must be from 1 to 3650 days"),
}


@dataclass(frozen=True)
class Known:
    """What an item may refer to: the operation's start, and the keys of its other items."""

    start_date: date | None = None
    locations: frozenset[str] = frozenset()
    cameras: frozenset[str] = frozenset()
    teams: frozenset[str] = frozenset()
    units: frozenset[str] = frozenset()


def _check_key(r: Reader, section: str, i: int | None, key: str, value: Any) -> None:
    if isinstance(value, str) and not KEY_RE.match(value):
        r.problem(section, i, key, f"{value!r} must be lower-case letters, digits, '-' or '_'")


def read_settings(r: Reader, op: dict[str, Any]) -> OperationSpec:
    """The [operation] table alone (no items)."""
    r.known_keys(op, "operation", None, set(OPERATION_KEYS))
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
    numbers: dict[str, Any] = {}
    for key, (default, low, high, words) in NUMBER_SETTINGS.items():
        value = numbers[key] = r.get(op, "operation", None, key, int, default)
        if isinstance(value, int) and not low <= value <= high:
            r.problem("operation", None, key, words)
    return OperationSpec(
        name=name,
        title=title,
        start_date=start,
        timezone=tz,
        prescribed_area=area,
        lawful_basis=basis,
        authorisation_ref=authorisation,
        **numbers,
    )


def _read_tier(r: Reader, t: dict[str, Any], i: int | None, known: Known) -> TierSpec:
    r.known_keys(t, "tiers", i, {"number", "name", "start_date"})
    tier = TierSpec(
        r.get(t, "tiers", i, "number", int),
        r.get(t, "tiers", i, "name", str),
        r.get(t, "tiers", i, "start_date", date),
    )
    if isinstance(tier.number, int) and not 1 <= tier.number <= MAX_TIER:
        r.problem("tiers", i, "number", f"must be from 1 to {MAX_TIER}")
    start = known.start_date
    if isinstance(start, date) and isinstance(tier.start_date, date) and tier.start_date < start:
        r.problem("tiers", i, "start_date", "a tier cannot start before the operation")
    return tier


def _read_category(r: Reader, c: dict[str, Any], i: int | None, _known: Known) -> CategorySpec:
    r.known_keys(c, "categories", i, {"key", "label", "kind", "subject_prefix"})
    spec = CategorySpec(
        r.get(c, "categories", i, "key", str),
        r.get(c, "categories", i, "label", str),
        r.get(c, "categories", i, "kind", str, choices=CATEGORY_KINDS),
        r.get(c, "categories", i, "subject_prefix", str, ""),
    )
    _check_key(r, "categories", i, "key", spec.key)
    return spec


def _read_location(r: Reader, loc: dict[str, Any], i: int | None, _known: Known) -> LocationSpec:
    r.known_keys(loc, "locations", i, {"key", "name", "prescribed_area"})
    spec = LocationSpec(
        r.get(loc, "locations", i, "key", str),
        r.get(loc, "locations", i, "name", str),
        r.get(loc, "locations", i, "prescribed_area", bool, False),
    )
    _check_key(r, "locations", i, "key", spec.key)
    return spec


CAMERA_KEYS = {"key", "name", "kind", "main_url", "sub_url", "location", "recording", "username", "password", "active"}


def _read_camera(r: Reader, cam: dict[str, Any], i: int | None, known: Known) -> CameraSpec:
    """A camera; user:password typed into a URL moves to the credential fields."""
    r.known_keys(cam, "cameras", i, CAMERA_KEYS)
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
    spec = CameraSpec(
        key=r.get(cam, "cameras", i, "key", str),
        name=r.get(cam, "cameras", i, "name", str),
        kind=kind,
        main_url=urls.get("main_url", main),
        sub_url=urls.get("sub_url", sub),
        location=r.get(cam, "cameras", i, "location", str, ""),
        recording=r.get(cam, "cameras", i, "recording", bool, True),
        username=user,
        password=password,
        active=r.get(cam, "cameras", i, "active", bool, True),
    )
    _check_key(r, "cameras", i, "key", spec.key)
    if spec.location and spec.location not in known.locations:
        r.problem("cameras", i, "location", f"unknown location {spec.location!r}")
    return spec


def _read_mask(r: Reader, m: dict[str, Any], i: int | None, known: Known) -> MaskSpec | None:
    r.known_keys(m, "masks", i, {"camera", "name", "points"})
    camera_key = r.get(m, "masks", i, "camera", str)
    mask_name = r.get(m, "masks", i, "name", str)
    if isinstance(camera_key, str) and camera_key not in known.cameras:
        r.problem("masks", i, "camera", f"unknown camera {camera_key!r}")
    try:
        points = mask_points(m.get("points"))
    except ValueError as exc:
        r.problem("masks", i, "points", str(exc))
        return None
    return MaskSpec(camera_key, mask_name, points)


def _read_team(r: Reader, tm: dict[str, Any], i: int | None, _known: Known) -> TeamSpec:
    r.known_keys(tm, "teams", i, {"key", "name"})
    spec = TeamSpec(r.get(tm, "teams", i, "key", str), r.get(tm, "teams", i, "name", str))
    _check_key(r, "teams", i, "key", spec.key)
    return spec


def _read_unit(r: Reader, u: dict[str, Any], i: int | None, known: Known) -> UnitSpec:
    r.known_keys(u, "units", i, {"call_sign", "kind", "team", "active"})
    spec = UnitSpec(
        r.get(u, "units", i, "call_sign", str),
        r.get(u, "units", i, "kind", str, choices=UNIT_KINDS),
        r.get(u, "units", i, "team", str, ""),
        r.get(u, "units", i, "active", bool, True),
    )
    if spec.team and spec.team not in known.teams:
        r.problem("units", i, "team", f"unknown team {spec.team!r}")
    return spec


def _read_officer(r: Reader, o: dict[str, Any], i: int | None, known: Known) -> OfficerSpec:
    r.known_keys(o, "officers", i, {"collar_number", "name", "special_constable", "team", "unit", "active"})
    spec = OfficerSpec(
        r.get(o, "officers", i, "collar_number", str),
        r.get(o, "officers", i, "name", str),
        r.get(o, "officers", i, "special_constable", bool, False),
        r.get(o, "officers", i, "team", str, ""),
        r.get(o, "officers", i, "unit", str, ""),
        r.get(o, "officers", i, "active", bool, True),
    )
    if spec.team and spec.team not in known.teams:
        r.problem("officers", i, "team", f"unknown team {spec.team!r}")
    if spec.unit and spec.unit not in known.units:
        r.problem("officers", i, "unit", f"unknown unit {spec.unit!r}")
    return spec


def _read_operator(r: Reader, p: dict[str, Any], i: int | None, _known: Known) -> OperatorSpec:
    r.known_keys(p, "operators", i, {"login", "name", "role", "active"})
    spec = OperatorSpec(
        r.get(p, "operators", i, "login", str),
        r.get(p, "operators", i, "name", str),
        r.get(p, "operators", i, "role", str, choices=ROLES),
        r.get(p, "operators", i, "active", bool, True),
    )
    if isinstance(spec.login, str) and not LOGIN_RE.match(spec.login):
        r.problem("operators", i, "login", "a login is lower-case letters, digits, dots, dashes or underscores")
    return spec


ITEM_READERS: dict[str, Callable[[Reader, dict[str, Any], int | None, Known], Any]] = {
    "tiers": _read_tier,
    "categories": _read_category,
    "locations": _read_location,
    "cameras": _read_camera,
    "masks": _read_mask,
    "teams": _read_team,
    "units": _read_unit,
    "officers": _read_officer,
    "operators": _read_operator,
}
# What makes an item one of its kind: the setting that must not repeat.
ITEM_KEYS = {
    "tiers": "number",
    "categories": "key",
    "locations": "key",
    "cameras": "key",
    "masks": "name",
    "teams": "key",
    "units": "call_sign",
    "officers": "collar_number",
    "operators": "login",
}
SECTIONS = ("operation", *ITEM_READERS)


class FieldProblems(ValueError):
    """What is wrong with one item typed into a screen: setting -> words ("" for the whole)."""

    def __init__(self, problems: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" if k else v for k, v in problems.items()))
        self.problems = problems


class _FormReader(Reader):
    """Collects the problems of one item by setting, the first problem of each."""

    def __init__(self) -> None:
        super().__init__("")
        self.fields: dict[str, str] = {}

    def problem(self, section: str, index: int | None, key: str | None, message: str) -> None:
        self.fields.setdefault(key or "", message)
        self.problems.append(message)


def check_item(section: str, values: dict[str, Any], known: Known | None = None, taken: Iterable[Any] = ()) -> Any:
    """The spec of one item as a screen typed it, checked by the same rules as the file;
    ``taken`` are the identifying values other items already hold. FieldProblems if refused."""
    r = _FormReader()
    known = known or Known()
    spec = read_settings(r, values) if section == "operation" else ITEM_READERS[section](r, values, None, known)
    ident = ITEM_KEYS.get(section)
    if spec is not None and ident and getattr(spec, ident) in set(taken):
        r.problem(section, None, ident, f"{getattr(spec, ident)!r} is taken already")
    if r.fields:
        raise FieldProblems(r.fields)
    return spec
