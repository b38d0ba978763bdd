"""What the set-up screens show of an operation: its settings and every item's row, with words
about stored passwords in place of the passwords themselves (they never come back out).
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from console.operation_checks import OPERATION_KEYS
from console.operation_spec import mask_points
from console.types import SetupRow, SetupState
from storage.models import (
    Camera,
    CameraCredential,
    CameraMask,
    Category,
    Location,
    Officer,
    Operation,
    Operator,
    OperatorSecret,
    PatrolUnit,
    RecordEntry,
    Team,
)

ITEM_SECTIONS = ("tiers", "categories", "locations", "cameras", "masks", "teams", "units", "officers", "operators")


def setup_state(s: Session, name: str | None = None) -> SetupState:
    """What the screens show of the operation named (the first one if no name); an empty
    state when the database holds no operation yet (operators are shown all the same)."""
    query = select(Operation).order_by(Operation.id)
    op = s.scalars(query.where(Operation.name == name) if name else query).first()
    operators = tuple(
        SetupRow(p.id, {"login": p.login, "name": p.display_name, "role": p.role}, p.active, words)
        for p, words in _operator_rows(s)
    )
    if op is None:
        empty: dict[str, tuple[SetupRow, ...]] = {section: () for section in ITEM_SECTIONS}
        return SetupState(None, {}, {**empty, "operators": operators})
    sections = _items(s, op)
    sections["operators"] = operators
    return SetupState(op.id, {key: getattr(op, key) for key in OPERATION_KEYS}, sections)


def _items(s: Session, op: Operation) -> dict[str, tuple[SetupRow, ...]]:
    oid = op.id
    locations = {x.id: x for x in s.scalars(select(Location).filter_by(operation_id=oid).order_by(Location.id))}
    teams = {t.id: t for t in s.scalars(select(Team).filter_by(operation_id=oid).order_by(Team.id))}
    units = {u.id: u for u in s.scalars(select(PatrolUnit).filter_by(operation_id=oid).order_by(PatrolUnit.id))}
    cameras = s.scalars(select(Camera).filter_by(operation_id=oid).order_by(Camera.position, Camera.id)).all()
    creds = {c.camera_id: c for c in s.scalars(select(CameraCredential))}
    set_on = _password_days(s, op.timezone)

    def camera_row(c: Camera) -> SetupRow:
        cred = creds.get(c.id)
        note = ""
        if cred is not None and cred.password:
            day = set_on.get(c.id)
            note = f"password stored (set {day:%Y-%m-%d})" if day else "password stored"
        values = {
            "key": c.key,
            "name": c.name,
            "kind": c.kind,
            "location": locations[c.location_id].key if c.location_id else "",
            "main_url": c.main_url,
            "sub_url": c.sub_url,
            "recording": c.recording,
            "username": cred.username if cred else "",
        }
        return SetupRow(c.id, values, c.active, note)

    by_id = {c.id: c for c in cameras}
    masks = s.scalars(
        select(CameraMask)
        .where(CameraMask.camera_id.in_(list(by_id) or [-1]))
        .order_by(CameraMask.position, CameraMask.id)
    ).all()
    return {
        "tiers": tuple(
            SetupRow(t.id, {"number": t.number, "name": t.name, "start_date": t.start_date}) for t in op.tiers
        ),
        "categories": tuple(
            SetupRow(c.id, {"key": c.key, "label": c.label, "kind": c.kind, "subject_prefix": c.subject_prefix})
            for c in s.scalars(select(Category).filter_by(operation_id=oid).order_by(Category.id))
        ),
        "locations": tuple(
            SetupRow(x.id, {"key": x.key, "name": x.name, "prescribed_area": x.in_prescribed_area})
            for x in locations.values()
        ),
        "cameras": tuple(camera_row(c) for c in cameras),
        "masks": tuple(
            SetupRow(
                m.id,
                {"camera": by_id[m.camera_id].key, "name": m.name, "points": mask_points(json.loads(m.points))},
            )
            for m in sorted(masks, key=lambda m: ([c.id for c in cameras].index(m.camera_id), m.position, m.id))
        ),
        "teams": tuple(SetupRow(t.id, {"key": t.key, "name": t.name}) for t in teams.values()),
        "units": tuple(
            SetupRow(
                u.id,
                {"call_sign": u.call_sign, "kind": u.kind, "team": teams[u.team_id].key if u.team_id else ""},
                u.active,
            )
            for u in units.values()
        ),
        "officers": tuple(
            SetupRow(
                o.id,
                {
                    "collar_number": o.collar_number,
                    "name": o.name,
                    "special_constable": o.special_constable,
                    "team": teams[o.team_id].key if o.team_id else "",
                    "unit": units[o.unit_id].call_sign if o.unit_id else "",
                },
                o.active,
            )
            for o in s.scalars(select(Officer).filter_by(operation_id=oid).order_by(Officer.id))
        ),
    }


def _operator_rows(s: Session) -> list[tuple[Operator, str]]:
    secrets = {x.operator_id: x for x in s.scalars(select(OperatorSecret))}
    rows = []
    for p in s.scalars(select(Operator).order_by(Operator.id)):
        secret = secrets.get(p.id)
        if secret is not None and secret.password_hash:
            when = f" on {secret.changed_at:%Y-%m-%d}" if secret.changed_at else ""
            rows.append((p, f"password set{when}"))
        else:
            rows.append((p, "no password yet: cannot log in"))
    return rows


def _password_days(s: Session, timezone: str) -> dict[int, date]:
    """Camera id -> the day its stored password was last set at these screens (from the
    record; a password that came in an imported file has no day of its own)."""
    rows = s.execute(
        select(RecordEntry.ref_id, func.max(RecordEntry.event_time))
        .where(
            RecordEntry.ref_type == "camera",
            RecordEntry.kind.like("setup.camera.%"),
            RecordEntry.payload.like('%"password"%'),
        )
        .group_by(RecordEntry.ref_id)
    ).all()
    found = {}
    for key, when in rows:
        if key.isdigit() and when is not None:
            stamp = when if when.tzinfo else when.replace(tzinfo=ZoneInfo("UTC"))
            found[int(key)] = _local_day(stamp, timezone)
    return found


def _local_day(when: Any, timezone: str) -> date:
    day: date = when.astimezone(ZoneInfo(timezone)).date()
    return day
