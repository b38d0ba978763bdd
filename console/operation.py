"""Operation set-up through the write path: import an operation file, export it back, and read
the operation's cameras, units and tiers for the UI."""

from __future__ import annotations

import json
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from console.chain import canonical_json
from console.operation_spec import (
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
from console.record import ActionContext, EntryDraft, RecordService
from console.types import ActionResult, Actor, CameraView, OperationView, TierView, UnitView
from storage.db import Database
from storage.models import (
    Camera,
    CameraCredential,
    CameraMask,
    Category,
    Location,
    Officer,
    Operation,
    Operator,
    PatrolUnit,
    Sighting,
    Subject,
    Tasking,
    TaskingUnit,
    Team,
    Tier,
    Vehicle,
)

Row = TypeVar("Row")


def mask_json(points: tuple[tuple[float, float], ...]) -> str:
    """A mask's points as stored: canonical JSON, so the row's digest does not depend on spacing."""
    return canonical_json([list(p) for p in points])


def mask_polygon(stored: str) -> tuple[tuple[float, float], ...]:
    """A stored mask's points (``camera_mask.points``) back as a polygon."""
    return mask_points(json.loads(stored))


class UnknownOperation(LookupError):
    pass


def _upsert(session: Session, cls: type[Row], where: dict[str, Any], values: dict[str, Any]) -> Row:
    row = session.scalars(select(cls).filter_by(**where)).first()
    if row is None:
        row = cls(**where, **values)
        session.add(row)
    else:
        for name, value in values.items():
            if getattr(row, name) != value:
                setattr(row, name, value)
    return row


class OperationService:
    def __init__(self, db: Database, record: RecordService) -> None:
        self._db = db
        self._record = record

    # --- import / export -----------------------------------------------------------------------
    def import_spec(self, actor: Actor, spec: OperationSpec, *, action_id: str | None = None) -> ActionResult:
        def write(ctx: ActionContext) -> EntryDraft:
            s = ctx.session
            op = _upsert(
                s,
                Operation,
                {"name": spec.name},
                {
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
            s.flush()
            oid = {"operation_id": op.id}
            for t in spec.tiers:
                _upsert(s, Tier, {**oid, "number": t.number}, {"name": t.name, "start_date": t.start_date})
            for c in spec.categories:
                _upsert(
                    s,
                    Category,
                    {**oid, "key": c.key},
                    {"label": c.label, "kind": c.kind, "subject_prefix": c.subject_prefix},
                )
            locations = {}
            for loc in spec.locations:
                locations[loc.key] = _upsert(
                    s, Location, {**oid, "key": loc.key}, {"name": loc.name, "in_prescribed_area": loc.prescribed_area}
                )
            teams = {t.key: _upsert(s, Team, {**oid, "key": t.key}, {"name": t.name}) for t in spec.teams}
            s.flush()
            cameras = {}
            for position, cam in enumerate(spec.cameras):
                camera = cameras[cam.key] = _upsert(
                    s,
                    Camera,
                    {**oid, "key": cam.key},
                    {
                        "name": cam.name,
                        "kind": cam.kind,
                        "main_url": cam.main_url,
                        "sub_url": cam.sub_url,
                        "recording": cam.recording,
                        "position": position,
                        "location_id": locations[cam.location].id if cam.location else None,
                        "active": cam.active,
                    },
                )
                if cam.username is not None or cam.password is not None:
                    s.flush()
                    cred = s.get(CameraCredential, camera.id) or CameraCredential(camera_id=camera.id)
                    cred.username = cam.username or ""
                    if cam.password is not None:
                        cred.password = cam.password
                    s.add(cred)
            s.flush()
            known = {c.key: c for c in s.scalars(select(Camera).filter_by(**oid))}
            for position, m in enumerate(spec.masks):
                if m.camera not in known:
                    raise ValueError(f"privacy mask {m.name!r} is for camera {m.camera!r}, which this operation lacks")
                _upsert(
                    s,
                    CameraMask,
                    {"camera_id": known[m.camera].id, "name": m.name},
                    {"points": mask_json(m.points), "position": position},
                )
            units = {}
            for u in spec.units:
                units[u.call_sign] = _upsert(
                    s,
                    PatrolUnit,
                    {**oid, "call_sign": u.call_sign},
                    {"kind": u.kind, "team_id": teams[u.team].id if u.team else None, "active": u.active},
                )
            s.flush()
            for o in spec.officers:
                _upsert(
                    s,
                    Officer,
                    {**oid, "collar_number": o.collar_number},
                    {
                        "name": o.name,
                        "special_constable": o.special_constable,
                        "team_id": teams[o.team].id if o.team else None,
                        "unit_id": units[o.unit].id if o.unit else None,
                        "active": o.active,
                    },
                )
            for p in spec.operators:
                _upsert(s, Operator, {"login": p.login}, {"display_name": p.name, "role": p.role, "active": p.active})
            s.flush()
            ctx.operation_id = op.id
            return EntryDraft(
                kind="operation.imported",
                text=f"Operation {spec.name!r} imported: {len(spec.cameras)} cameras, "
                f"{len(spec.locations)} locations, {len(spec.units)} units, {len(spec.operators)} operators",
                ref_type="operation",
                ref_id=str(op.id),
                payload={"cameras": len(spec.cameras), "units": len(spec.units), "officers": len(spec.officers)},
            )

        return self._record.perform(actor, "operation.import", write, operation_id=None, action_id=action_id)

    def export_spec(self, name: str) -> OperationSpec:
        with self._db.read() as s:
            op = self._operation(s, name)
            oid = op.id
            locations = {x.id: x for x in s.scalars(select(Location).filter_by(operation_id=oid).order_by(Location.id))}
            teams = {t.id: t for t in s.scalars(select(Team).filter_by(operation_id=oid).order_by(Team.id))}
            units = {u.id: u for u in s.scalars(select(PatrolUnit).filter_by(operation_id=oid).order_by(PatrolUnit.id))}
            creds = {c.camera_id: c for c in s.scalars(select(CameraCredential))}
            cameras = s.scalars(select(Camera).filter_by(operation_id=oid).order_by(Camera.position, Camera.id)).all()
            return OperationSpec(
                name=op.name,
                title=op.title,
                start_date=op.start_date,
                timezone=op.timezone,
                prescribed_area=op.prescribed_area,
                lawful_basis=op.lawful_basis,
                authorisation_ref=op.authorisation_ref,
                night_starts_hour=op.night_starts_hour,
                welfare_check_minutes=op.welfare_check_minutes,
                segment_seconds=op.segment_seconds,
                video_retention_days=op.video_retention_days,
                record_retention_days=op.record_retention_days,
                tiers=tuple(TierSpec(t.number, t.name, t.start_date) for t in op.tiers),
                categories=tuple(
                    CategorySpec(c.key, c.label, c.kind, c.subject_prefix)
                    for c in s.scalars(select(Category).filter_by(operation_id=oid).order_by(Category.id))
                ),
                locations=tuple(LocationSpec(x.key, x.name, x.in_prescribed_area) for x in locations.values()),
                cameras=tuple(
                    CameraSpec(
                        key=c.key,
                        name=c.name,
                        kind=c.kind,
                        main_url=c.main_url,
                        sub_url=c.sub_url,
                        location=locations[c.location_id].key if c.location_id else "",
                        recording=c.recording,
                        username=(creds[c.id].username or None) if c.id in creds else None,
                        active=c.active,
                    )
                    for c in cameras
                ),
                teams=tuple(TeamSpec(t.key, t.name) for t in teams.values()),
                units=tuple(
                    UnitSpec(u.call_sign, u.kind, teams[u.team_id].key if u.team_id else "", u.active)
                    for u in units.values()
                ),
                officers=tuple(
                    OfficerSpec(
                        o.collar_number,
                        o.name,
                        o.special_constable,
                        teams[o.team_id].key if o.team_id else "",
                        units[o.unit_id].call_sign if o.unit_id else "",
                        o.active,
                    )
                    for o in s.scalars(select(Officer).filter_by(operation_id=oid).order_by(Officer.id))
                ),
                operators=tuple(
                    OperatorSpec(p.login, p.display_name, p.role, p.active)
                    for p in s.scalars(select(Operator).order_by(Operator.id))
                ),
                masks=tuple(
                    MaskSpec(camera.key, m.name, mask_polygon(m.points))
                    for camera in cameras
                    for m in s.scalars(
                        select(CameraMask).filter_by(camera_id=camera.id).order_by(CameraMask.position, CameraMask.id)
                    )
                ),
            )

    # --- reading for the UI -----------------------------------------------------------------------
    @staticmethod
    def _operation(session: Session, name: str | None) -> Operation:
        query = select(Operation).order_by(Operation.id)
        if name:
            query = query.where(Operation.name == name)
        op = session.scalars(query).first()
        if op is None:
            raise UnknownOperation(
                f"No operation named {name!r} in this database"
                if name
                else "This database holds no operation yet: import one first"
            )
        return op

    def names(self) -> list[str]:
        with self._db.read() as s:
            return list(s.scalars(select(Operation.name).order_by(Operation.id)))

    def view(self, name: str | None = None) -> OperationView:
        with self._db.read() as s:
            op = self._operation(s, name)
            teams = s.scalars(select(Team).filter_by(operation_id=op.id).order_by(Team.id)).all()
            return OperationView(
                id=op.id,
                name=op.name,
                title=op.title,
                start_date=op.start_date,
                timezone=op.timezone,
                tiers=tuple(TierView(t.number, t.name, t.start_date) for t in op.tiers),
                teams=tuple((t.key, t.name) for t in teams),
                welfare_check_minutes=op.welfare_check_minutes,
                segment_seconds=op.segment_seconds,
                video_retention_days=op.video_retention_days,
                night_starts_hour=op.night_starts_hour,
                record_retention_days=op.record_retention_days,
            )

    def cameras(self, operation_id: int, *, retired: bool = False) -> list[CameraView]:
        """The operation's cameras in wall order; those taken out of use only when asked."""
        with self._db.read() as s:
            query = (
                select(Camera, Location)
                .outerjoin(Location, Camera.location_id == Location.id)
                .where(Camera.operation_id == operation_id)
                .order_by(Camera.position, Camera.id)
            )
            if not retired:
                query = query.where(Camera.active.is_(True))
            rows = s.execute(query).all()
            masks: dict[int, list[tuple[tuple[float, float], ...]]] = {}
            for m in s.scalars(
                select(CameraMask)
                .join(Camera, Camera.id == CameraMask.camera_id)
                .where(Camera.operation_id == operation_id)
                .order_by(CameraMask.position, CameraMask.id)
            ):
                masks.setdefault(m.camera_id, []).append(mask_polygon(m.points))
            return [
                CameraView(
                    id=c.id,
                    key=c.key,
                    name=c.name,
                    location=loc.name if loc else "",
                    in_prescribed_area=bool(loc and loc.in_prescribed_area),
                    kind=c.kind,
                    main_url=c.main_url,
                    sub_url=c.sub_url,
                    recording=c.recording,
                    masks=tuple(masks.get(c.id, ())),
                )
                for c, loc in rows
            ]

    def camera_credentials(self, operation_id: int) -> dict[str, tuple[str, str]]:
        """Camera key -> (username, password), for the capture helpers only; never shown."""
        with self._db.read() as s:
            rows = s.execute(
                select(Camera.key, CameraCredential.username, CameraCredential.password)
                .join(CameraCredential, CameraCredential.camera_id == Camera.id)
                .where(Camera.operation_id == operation_id)
            ).all()
            return {key: (user or "", password or "") for key, user, password in rows}

    def units(self, operation_id: int) -> list[UnitView]:
        with self._db.read() as s:
            teams = {t.id: t.name for t in s.scalars(select(Team).filter_by(operation_id=operation_id))}
            officers: dict[int, list[str]] = {}
            for o in s.scalars(select(Officer).filter_by(operation_id=operation_id, active=True).order_by(Officer.id)):
                if o.unit_id is not None:
                    label = f"{o.collar_number} {o.name}" + (" (Special)" if o.special_constable else "")
                    officers.setdefault(o.unit_id, []).append(label)
            tasks = _open_taskings(s, operation_id)
            return [
                UnitView(
                    id=u.id,
                    call_sign=u.call_sign,
                    kind=u.kind,
                    team=teams.get(u.team_id or 0, ""),
                    status=u.status,
                    status_since=u.status_since,
                    officers=tuple(officers.get(u.id, ())),
                    urgent_acknowledged_by=u.urgent_acknowledged_by if u.urgent_acknowledged_at else "",
                    **tasks.get(u.id, {}),
                )
                for u in s.scalars(
                    select(PatrolUnit).filter_by(operation_id=operation_id, active=True).order_by(PatrolUnit.id)
                )
            ]

    def operators(self, roles: tuple[str, ...] = ("controller", "supervisor")) -> list[tuple[str, str]]:
        """(login, display name) of active operators who may run a shift."""
        with self._db.read() as s:
            rows = s.execute(
                select(Operator.login, Operator.display_name)
                .where(Operator.active.is_(True), Operator.role.in_(roles))
                .order_by(Operator.display_name)
            )
            return [(r.login, r.display_name) for r in rows]

    def operator(self, login: str, console_id: str) -> Actor:
        with self._db.read() as s:
            op = s.scalars(select(Operator).where(Operator.login == login)).first()
            if op is None or not op.active:
                raise LookupError(f"No active operator {login!r}")
            return Actor(
                login=op.login, display_name=op.display_name, role=op.role, console_id=console_id, operator_id=op.id
            )


def _open_taskings(s: Session, operation_id: int) -> dict[int, dict[str, Any]]:
    """Per unit on an open tasking: its id, role, place and what it is about."""
    rows = s.execute(
        select(TaskingUnit.unit_id, TaskingUnit.role, Tasking, Location.name, Vehicle.vrm, Subject.reference)
        .join(Tasking, Tasking.id == TaskingUnit.tasking_id)
        .outerjoin(Location, Location.id == Tasking.location_id)
        .outerjoin(Sighting, Sighting.id == Tasking.sighting_id)
        .outerjoin(Vehicle, Vehicle.id == Sighting.vehicle_id)
        .outerjoin(Subject, Subject.id == Sighting.subject_id)
        .where(Tasking.operation_id == operation_id, Tasking.closed_at.is_(None), TaskingUnit.released_at.is_(None))
    ).all()
    found: dict[int, dict[str, Any]] = {}
    for unit_id, role, tasking, place, vrm, reference in rows:
        about = vrm or reference or ""
        what = " · ".join(part for part in (about, tasking.instructions) if part)
        found[unit_id] = {
            "tasking_id": tasking.id,
            "tasking_role": role,
            "tasking_place": place or "",
            "tasking_what": what,
        }
    return found
