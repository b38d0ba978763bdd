"""The operation file (TOML): parse and validate it into plain specs, every error with its line,
and write a spec back as TOML.

The specs are in `console.operation_spec`, the rules each setting is checked by in
`console.operation_checks`. Import into the database and export back live in
`console.operation`; this module never touches storage, so validation is complete before
anything is written.
"""

from __future__ import annotations

import tomllib
from dataclasses import replace
from datetime import date
from typing import Any

from console.operation_checks import ITEM_KEYS, ITEM_READERS, SECTIONS, Known, Reader, read_settings
from console.operation_spec import OperationSpec


class OperationFileError(ValueError):
    """All problems found in an operation file; nothing was imported."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


def parse_operation(text: str) -> OperationSpec:
    """Parse and validate; raises OperationFileError listing every problem with its line."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise OperationFileError([f"not valid TOML: {exc}"]) from exc
    except RecursionError as exc:  # tomllib reads nested arrays and tables recursively
        raise OperationFileError(["not valid TOML: arrays or tables nested too deeply"]) from exc
    r = Reader(text)
    r.known_keys(data, "file", None, set(SECTIONS))
    op = data.get("operation")
    if not isinstance(op, dict):
        raise OperationFileError(["line 1: the file needs an [operation] table with name and start_date"])
    settings = read_settings(r, op)
    found: dict[str, list[Any]] = {}

    def read(section: str, known: Known) -> set[Any]:
        raw = data.get(section, [])
        if not isinstance(raw, list) or not all(isinstance(x, dict) for x in raw):
            r.problem(section, None, None, f"must be written as [[{section}]] tables")
            raw = []
        items = [(i, ITEM_READERS[section](r, table, i, known)) for i, table in enumerate(raw)]
        found[section] = [spec for _, spec in items if spec is not None]
        seen: set[Any] = set()
        for i, spec in items:
            if spec is None:
                continue
            # A mask's name is its own only on its camera.
            value = (spec.camera, spec.name) if section == "masks" else getattr(spec, ITEM_KEYS[section])
            if value is None:
                continue
            if value in seen:
                r.problem(section, i, ITEM_KEYS[section], f"{value!r} appears more than once")
            seen.add(value)
        return seen

    start = settings.start_date if isinstance(settings.start_date, date) else None
    read("tiers", Known(start_date=start))
    read("categories", Known())
    locations = frozenset(read("locations", Known()))
    cameras = frozenset(read("cameras", Known(locations=locations)))
    read("masks", Known(cameras=cameras))
    teams = frozenset(read("teams", Known()))
    units = frozenset(read("units", Known(teams=teams)))
    read("officers", Known(teams=teams, units=units))
    read("operators", Known())
    if r.problems:
        raise OperationFileError(r.problems)
    items: dict[str, Any] = {section: tuple(specs) for section, specs in found.items()}
    return replace(settings, **items)


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
                "active": None if cam.active else False,
            },
        )
    for tm in spec.teams:
        out += _table("[[teams]]", {"key": tm.key, "name": tm.name})
    for u in spec.units:
        out += _table(
            "[[units]]",
            {"call_sign": u.call_sign, "kind": u.kind, "team": u.team or None, "active": None if u.active else False},
        )
    for o in spec.officers:
        out += _table(
            "[[officers]]",
            {
                "collar_number": o.collar_number,
                "name": o.name,
                "special_constable": o.special_constable,
                "team": o.team or None,
                "unit": o.unit or None,
                "active": None if o.active else False,
            },
        )
    for p in spec.operators:
        out += _table(
            "[[operators]]",
            {"login": p.login, "name": p.name, "role": p.role, "active": None if p.active else False},
        )
    for m in spec.masks:
        out += _table("[[masks]]", {"camera": m.camera, "name": m.name, "points": m.points})
    return "\n".join(out)
