"""Operation set-up by administrators, one change at a time: every change is one record entry
through the write path, checked by the same rules as the operation file first.

An item the record refers to (a camera with sightings or footage, a unit with taskings, an
officer who rode in a shift) is retired, never deleted; an unreferenced one can be deleted.
Camera passwords are stored apart and never come back out: the screens get words about them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from console.auth import AuthService, LoginError, check_new_password
from console.operation import mask_json
from console.operation_checks import ITEM_KEYS, OPERATION_KEYS, FieldProblems, Known, check_item
from console.operation_spec import CameraSpec, MaskSpec, OperationSpec, mask_points
from console.record import ActionContext, EntryDraft, RecordService
from console.types import Actor, SetupDone, SetupRow, SetupState
from storage.db import Database
from storage.models import (
    Base,
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
    RecordRow,
    Shift,
    Sighting,
    Subject,
    Team,
    Tier,
)

ACTION = "operation.setup"
ITEM_SECTIONS = ("tiers", "categories", "locations", "cameras", "masks", "teams", "units", "officers", "operators")
# What each section's item is called in the record ("setup.camera.added").
THING = {
    "operation": "operation",
    "tiers": "tier",
    "categories": "category",
    "locations": "location",
    "cameras": "camera",
    "masks": "mask",
    "teams": "team",
    "units": "unit",
    "officers": "officer",
    "operators": "operator",
}
MODELS: dict[str, type[Base]] = {
    "tiers": Tier,
    "categories": Category,
    "locations": Location,
    "cameras": Camera,
    "masks": CameraMask,
    "teams": Team,
    "units": PatrolUnit,
    "officers": Officer,
    "operators": Operator,
}
RETIRABLE = ("cameras", "units", "officers", "operators")  # the others have no `active` column
# Rows that belong to an item and go with it when it is deleted.
OWN_ROWS = {"camera": ("camera_mask", "camera_credential"), "operator": ("operator_secret",)}
# Entries that only set the item up: they do not make the record refer to it.
SETUP_KINDS = ("operation.imported", "operator.first_administrator", "operator.password_set")
# When a change shows at the console, said after it is saved.
TAKES_EFFECT = {
    "cameras": "New or changed cameras appear on the wall after the console restarts.",
    "units": "The board shows the change within seconds (a retired unit leaves it).",
    "officers": "The board's unit cards show the change within seconds.",
}


class SetupError(ValueError):
    """A set-up change refused as a whole, said in a sentence (nothing was written)."""


class NothingChanged(SetupError):
    """A save that would change nothing: no entry for it."""


@dataclass(frozen=True)
class _Item:
    section: str
    row: Any


def _local_day(when: Any, timezone: str) -> date:
    day: date = when.astimezone(ZoneInfo(timezone)).date()
    return day


class OperationSetupService:
    def __init__(self, db: Database, record: RecordService, auth: AuthService) -> None:
        self._db = db
        self._record = record
        self._auth = auth

    # --- reading -----------------------------------------------------------------------------------
    def state(self, name: str | None = None) -> SetupState:
        """What the screens show of the operation named (the first one if no name); an empty
        state when the database holds no operation yet (operators are shown all the same)."""
        with self._db.read() as s:
            query = select(Operation).order_by(Operation.id)
            op = s.scalars(query.where(Operation.name == name) if name else query).first()
            operators = tuple(
                SetupRow(p.id, {"login": p.login, "name": p.display_name, "role": p.role}, p.active, words)
                for p, words in self._operator_rows(s)
            )
            if op is None:
                empty: dict[str, tuple[SetupRow, ...]] = {section: () for section in ITEM_SECTIONS}
                return SetupState(None, {}, {**empty, "operators": operators})
            sections = self._items(s, op)
            sections["operators"] = operators
            return SetupState(op.id, {key: getattr(op, key) for key in OPERATION_KEYS}, sections)

    def _items(self, s: Session, op: Operation) -> dict[str, tuple[SetupRow, ...]]:
        oid = op.id
        locations = {x.id: x for x in s.scalars(select(Location).filter_by(operation_id=oid).order_by(Location.id))}
        teams = {t.id: t for t in s.scalars(select(Team).filter_by(operation_id=oid).order_by(Team.id))}
        units = {u.id: u for u in s.scalars(select(PatrolUnit).filter_by(operation_id=oid).order_by(PatrolUnit.id))}
        cameras = s.scalars(select(Camera).filter_by(operation_id=oid).order_by(Camera.position, Camera.id)).all()
        creds = {c.camera_id: c for c in s.scalars(select(CameraCredential))}
        set_on = self._password_days(s, op.timezone)

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

    @staticmethod
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

    @staticmethod
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

    # --- the operation -----------------------------------------------------------------------------
    def create_operation(self, actor: Actor, values: dict[str, Any]) -> SetupDone:
        spec: OperationSpec = check_item("operation", values, taken=self._operation_names())

        def write(ctx: ActionContext) -> EntryDraft:
            if ctx.session.scalars(select(Operation.id).where(Operation.name == spec.name)).first() is not None:
                raise FieldProblems({"name": f"{spec.name!r} is taken already"})
            op = Operation(**{key: getattr(spec, key) for key in OPERATION_KEYS})
            ctx.session.add(op)
            ctx.session.flush()
            ctx.operation_id = op.id
            return _entry("operation", "created", spec.name, op.id, fields=list(OPERATION_KEYS))

        return self._perform(actor, None, write)

    def _operation_names(self) -> list[str]:
        with self._db.read() as s:
            return list(s.scalars(select(Operation.name)))

    def change_operation(self, actor: Actor, operation_id: int, values: dict[str, Any]) -> SetupDone:
        with self._db.read() as s:
            op = self._get(s, Operation, operation_id)
            name = op.name
            first_tier = s.scalar(select(func.min(Tier.start_date)).where(Tier.operation_id == operation_id))
        # The name is how consoles and files find the operation: it stays as created.
        spec: OperationSpec = check_item("operation", {**values, "name": name})
        if first_tier is not None and spec.start_date > first_tier:
            raise FieldProblems({"start_date": f"a tier starts on {first_tier:%Y-%m-%d}, before this date"})

        def write(ctx: ActionContext) -> EntryDraft:
            row = self._get(ctx.session, Operation, operation_id)
            changed = _assign(row, {key: getattr(spec, key) for key in OPERATION_KEYS})
            return self._changed_or_refuse("operation", row, name, changed)

        return self._perform(actor, operation_id or None, write)

    # --- items -------------------------------------------------------------------------------------
    def save(
        self, actor: Actor, operation_id: int, section: str, row_id: int | None, values: dict[str, Any]
    ) -> SetupDone:
        """Add an item (row_id None) or change one; FieldProblems (by setting) if refused."""
        if section not in ITEM_SECTIONS:
            raise ValueError(f"unknown set-up section {section!r}")
        values = dict(values)
        password = values.pop("operator_password", "") if section == "operators" else ""
        if section == "operators" and password:
            try:
                check_new_password(str(values.get("login", "")), password)
            except LoginError as exc:
                raise FieldProblems({"operator_password": str(exc)}) from None
        if section == "operators" and values.get("active") is False and values.get("login") == actor.login:
            raise FieldProblems({"active": "you cannot take yourself out of use"})
        if section == "cameras" and not values.get("password"):
            values.pop("password", None)  # nothing typed: the stored password stays
        # Retiring is its own change (set_active): a form that does not say keeps what is stored.
        keep_active = "active" not in values
        known, taken = self._context(operation_id, section, row_id, values)
        spec = check_item(section, values, known, taken)
        try:
            done = self._perform(
                actor,
                operation_id or None,
                lambda ctx: self._write_item(ctx, section, row_id, spec, keep_active=keep_active),
            )
        except NothingChanged:
            if not password:
                raise
            return self.set_password(actor, spec.login, password)  # only the password is new
        if password:
            result = self._auth.set_password(actor, spec.login, password)
            done = SetupDone(done.seq, done.kind, f"{done.words}; password set", done.ref_id or result.ref_id)
        return done

    def _context(
        self, operation_id: int, section: str, row_id: int | None, values: dict[str, Any]
    ) -> tuple[Known, list[Any]]:
        """What the item may refer to, and the identifying values other items hold already."""
        with self._db.read() as s:
            # Operators are the console's: they can be set up before there is any operation.
            op = s.get(Operation, operation_id) if section == "operators" else self._get(s, Operation, operation_id)

            def keys(model: Any, column: str) -> frozenset[str]:
                return frozenset(s.scalars(select(getattr(model, column)).where(model.operation_id == operation_id)))

            known = Known(
                start_date=op.start_date if op is not None else None,
                locations=keys(Location, "key"),
                cameras=keys(Camera, "key"),
                teams=keys(Team, "key"),
                units=keys(PatrolUnit, "call_sign"),
            )
            model: Any = MODELS[section]
            column = getattr(model, ITEM_KEYS[section])
            query = select(column).where(model.id != (row_id or -1))
            if section == "masks":
                camera = s.scalars(
                    select(Camera.id).filter_by(operation_id=operation_id, key=values.get("camera"))
                ).first()
                query = query.where(CameraMask.camera_id == (camera or -1))
            elif section != "operators":  # operators are the console's, not one operation's
                query = query.where(model.operation_id == operation_id)
            return known, list(s.scalars(query))

    def _write_item(
        self, ctx: ActionContext, section: str, row_id: int | None, spec: Any, *, keep_active: bool = True
    ) -> EntryDraft:
        s, oid = ctx.session, ctx.operation_id or 0
        model: Any = MODELS[section]
        columns = self._columns(s, oid, section, spec)
        if row_id is None:
            if section == "cameras":
                last = s.scalar(select(func.max(Camera.position)).filter_by(operation_id=oid))
                columns["position"] = (-1 if last is None else last) + 1
            if section == "masks":
                camera_id = columns["camera_id"] = self._id_of(s, Camera, oid, spec.camera)
                last = s.scalar(select(func.max(CameraMask.position)).filter_by(camera_id=camera_id))
                columns["position"] = (-1 if last is None else last) + 1
            row = model() if section in ("operators", "masks") else model(operation_id=oid)
            changed = _assign(row, columns)
            s.add(row)
        else:
            row = self._get(s, model, row_id)
            if section != "operators" and self._operation_of(s, section, row) != oid:
                raise SetupError("That item belongs to another operation")
            if section == "operators" and row.login == ctx.actor.login and columns["role"] != row.role:
                # An administrator demoting themself could leave nobody to set the console up.
                raise FieldProblems({"role": "you cannot change your own role"})
            if section in ("categories", "teams") and columns["key"] != row.key and _named_by_key(s, section, row):
                # Sightings and subjects keep a category's key, shifts their teams' keys, as text.
                raise FieldProblems({"key": f"the record names this {THING[section]} by its key: it cannot change"})
            if keep_active:
                columns.pop("active", None)
            changed = _assign(row, columns)
        if section == "cameras":
            changed += self._credentials(s, row, spec)
        s.flush()
        label = _label(s, section, row)
        if row_id is None:
            return _entry(THING[section], "added", label, row.id, fields=changed)
        return self._changed_or_refuse(section, row, label, changed)

    def _columns(self, s: Session, oid: int, section: str, spec: Any) -> dict[str, Any]:
        """The item's columns as the spec sets them (references turned into row ids)."""

        def ref(model: Any, key: str) -> int | None:
            return self._id_of(s, model, oid, key) if key else None

        if section == "tiers":
            return {"number": spec.number, "name": spec.name, "start_date": spec.start_date}
        if section == "categories":
            return {"key": spec.key, "label": spec.label, "kind": spec.kind, "subject_prefix": spec.subject_prefix}
        if section == "locations":
            return {"key": spec.key, "name": spec.name, "in_prescribed_area": spec.prescribed_area}
        if section == "cameras":
            cam: CameraSpec = spec
            return {
                "key": cam.key,
                "name": cam.name,
                "kind": cam.kind,
                "main_url": cam.main_url,
                "sub_url": cam.sub_url,
                "location_id": ref(Location, cam.location),
                "recording": cam.recording,
                "active": cam.active,
            }
        if section == "masks":
            mask: MaskSpec = spec
            return {"name": mask.name, "points": mask_json(mask.points)}
        if section == "teams":
            return {"key": spec.key, "name": spec.name}
        if section == "units":
            return {
                "call_sign": spec.call_sign,
                "kind": spec.kind,
                "team_id": ref(Team, spec.team),
                "active": spec.active,
            }
        if section == "officers":
            return {
                "collar_number": spec.collar_number,
                "name": spec.name,
                "special_constable": spec.special_constable,
                "team_id": ref(Team, spec.team),
                "unit_id": ref(PatrolUnit, spec.unit),
                "active": spec.active,
            }
        return {"login": spec.login, "display_name": spec.name, "role": spec.role, "active": spec.active}

    @staticmethod
    def _credentials(s: Session, camera: Camera, spec: CameraSpec) -> list[str]:
        """Store the camera's username and (when one was typed) password; the names of what changed."""
        s.flush()
        cred = s.get(CameraCredential, camera.id)
        if cred is None and not spec.username and not spec.password:
            return []
        if cred is None:
            cred = CameraCredential(camera_id=camera.id, username="", password="")
            s.add(cred)
        changed = []
        if (spec.username or "") != cred.username:
            cred.username = spec.username or ""
            changed.append("username")
        if spec.password is not None and spec.password != cred.password:
            cred.password = spec.password
            changed.append("password")
        return changed

    def _changed_or_refuse(self, section: str, row: Any, label: str, changed: list[str]) -> EntryDraft:
        if not changed:
            raise NothingChanged("Nothing was changed")
        words = ", ".join(_FIELD_WORDS.get(f, f) for f in sorted(set(changed)))
        return _entry(THING[section], "changed", label, row.id, f": {words}", fields=changed)

    # --- retiring and deleting -----------------------------------------------------------------------
    def set_active(self, actor: Actor, operation_id: int, section: str, row_id: int, active: bool) -> SetupDone:
        """Retire an item (taken out of use, kept for the record) or put it back in use."""
        if section not in RETIRABLE:
            raise SetupError(f"{section.capitalize()} cannot be retired: delete them when nothing refers to them")

        def write(ctx: ActionContext) -> EntryDraft:
            row: Any = self._get(ctx.session, MODELS[section], row_id)
            label = _label(ctx.session, section, row)
            if section == "operators" and row.login == actor.login and not active:
                raise SetupError("You cannot take yourself out of use")
            if row.active == active:
                raise SetupError(f"{label} is {'in use' if active else 'retired'} already")
            row.active = active
            verb = "reinstated" if active else "retired"
            return _entry(THING[section], verb, label, row.id)

        return self._perform(actor, operation_id or None, write)

    def remove(self, actor: Actor, operation_id: int, section: str, row_id: int) -> SetupDone:
        """Delete an item nothing refers to; retire one the record refers to (if it can be)."""

        def write(ctx: ActionContext) -> EntryDraft:
            s = ctx.session
            row: Any = self._get(s, MODELS[section], row_id)
            label = _label(s, section, row)
            thing = THING[section]
            if section == "operators" and row.login == actor.login:
                raise SetupError("You cannot delete yourself")
            uses = _references(s, section, row)
            if uses and section not in RETIRABLE:
                raise SetupError(f"{thing.capitalize()} {label!r} is used ({', '.join(uses)}): it cannot be deleted")
            if uses:
                if not row.active:
                    raise SetupError(f"{label} is retired already; the record refers to it, so it stays")
                row.active = False
                why = f", not deleted: it is referred to ({', '.join(uses)})"
                return _entry(thing, "retired", label, row.id, why, referred_to_by=uses)
            for table in OWN_ROWS.get(thing, ()):
                model = _model_of(table)
                column = "camera_id" if thing == "camera" else "operator_id"
                for own in s.scalars(select(model).where(getattr(model, column) == row.id)):
                    s.delete(own)
            s.flush()
            s.delete(row)
            return _entry(thing, "deleted", label, row_id)

        return self._perform(actor, operation_id or None, write)

    def set_password(self, actor: Actor, login: str, password: str) -> SetupDone:
        """An operator's password, set by an administrator (console.auth records it)."""
        try:
            result = self._auth.set_password(actor, login, password)
        except LoginError as exc:
            raise FieldProblems({"operator_password": str(exc)}) from None
        return SetupDone(result.seq, "operator.password_set", f"Password of {login} set", result.ref_id)

    # --- helpers -----------------------------------------------------------------------------------
    def _perform(self, actor: Actor, operation_id: int | None, write: Any) -> SetupDone:
        drafts: list[EntryDraft] = []

        def recorded(ctx: ActionContext) -> EntryDraft:
            draft: EntryDraft = write(ctx)
            drafts.append(draft)
            return draft

        result = self._record.perform(actor, ACTION, recorded, operation_id=operation_id)
        draft = drafts[-1] if drafts else None
        kind = draft.kind if draft else ""
        words = draft.text if draft else "Already recorded"
        section = next((sec for sec, thing in THING.items() if kind.startswith(f"setup.{thing}.")), "")
        if section in TAKES_EFFECT and not kind.endswith("deleted"):
            words += ". " + TAKES_EFFECT[section]
        return SetupDone(result.seq, kind, words, result.ref_id)

    @staticmethod
    def _get(s: Session, model: Any, row_id: int) -> Any:
        row = s.get(model, row_id)
        if row is None:
            raise SetupError("That item is no longer there (another console may have deleted it); reload")
        return row

    @staticmethod
    def _id_of(s: Session, model: Any, operation_id: int, key: str) -> int:
        column = model.call_sign if model is PatrolUnit else model.key
        found = s.scalars(select(model.id).where(model.operation_id == operation_id, column == key)).first()
        if found is None:
            raise SetupError(f"{key!r} is no longer there; reload")
        return int(found)

    @staticmethod
    def _operation_of(s: Session, section: str, row: Any) -> int:
        if section == "masks":
            camera = s.get(Camera, row.camera_id)
            return camera.operation_id if camera else -1
        return int(row.operation_id)


_FIELD_WORDS = {
    "location_id": "location",
    "team_id": "team",
    "unit_id": "unit",
    "display_name": "name",
    "in_prescribed_area": "prescribed area",
}


def _entry(thing: str, verb: str, label: str, row_id: int, more: str = "", **payload: Any) -> EntryDraft:
    """A set-up entry: "setup.camera.changed", "Camera 'cam-07' changed: name" (keys and field
    names only, never a value: the record keeps no credential and no officer's name)."""
    if "fields" in payload:
        payload["fields"] = sorted(set(payload["fields"]))
    return EntryDraft(
        kind=f"setup.{thing}.{verb}",
        text=f"{thing.capitalize()} {label!r} {verb}{more}",
        ref_type=thing,
        ref_id=str(row_id),
        payload=payload,
    )


def _label(s: Session, section: str, row: Any) -> str:
    """How an entry names the item: its key, call sign, collar number or login. A mask by its
    camera and number: its name may say whose window it covers."""
    if section == "masks":
        camera = s.get(Camera, row.camera_id)
        return f"{camera.key if camera else '?'}/{row.id}"
    return str(getattr(row, ITEM_KEYS[section]))


def _assign(row: Any, values: dict[str, Any]) -> list[str]:
    """Set the row's columns; the names of those that changed."""
    changed = []
    for name, value in values.items():
        if getattr(row, name, None) != value:
            setattr(row, name, value)
            changed.append(name)
    return changed


def _model_of(table: str) -> Any:
    for mapper in Base.registry.mappers:
        if getattr(mapper.local_table, "name", None) == table:
            return mapper.class_
    raise KeyError(table)


def _named_by_key(s: Session, section: str, row: Any) -> str:
    """What names a category or team by its key (as text, not a foreign key), in words."""
    if section == "categories":
        used = s.scalar(select(func.count()).select_from(Sighting).where(Sighting.category_key == row.key)) or 0
        used += s.scalar(select(func.count()).select_from(Subject).where(Subject.category_key == row.key)) or 0
        return f"{used} sightings or subjects" if used else ""
    shifts = s.scalars(select(Shift.team_keys).where(Shift.operation_id == row.operation_id)).all()
    return "shifts" if any(row.key in keys.split(",") for keys in shifts) else ""


def _references(s: Session, section: str, row: Any) -> list[str]:
    """What refers to the item, in words ("3 sighting rows", "the record"); [] if nothing does."""
    thing = THING[section]
    table = row.__table__.name
    found = []
    for other in Base.metadata.sorted_tables:
        if other.name in OWN_ROWS.get(thing, ()):
            continue
        for fk in other.foreign_keys:
            if fk.column.table.name == table and fk.column.name == "id":
                count = s.scalar(select(func.count()).select_from(other).where(fk.parent == row.id)) or 0
                if count:
                    found.append(f"{count} {other.name.replace('_', ' ')} row{'s' if count != 1 else ''}")
    if section in ("categories", "teams") and (named := _named_by_key(s, section, row)):
        found.append(named)
    if section == "operators":
        entries = s.scalar(select(func.count()).select_from(RecordEntry).where(RecordEntry.operator == row.login)) or 0
        if entries:
            found.append(f"{entries} record entries by them")
    # Entries other than set-up ones that wrote the row (a shift's crews, a unit's status) or
    # are about it (a camera lost and restored).
    not_setup = (~RecordEntry.kind.like("setup.%"), RecordEntry.kind.not_in(SETUP_KINDS))
    wrote = s.scalar(
        select(func.count())
        .select_from(RecordRow)
        .join(RecordEntry, RecordEntry.seq == RecordRow.seq)
        .where(RecordRow.table == table, RecordRow.key == str(row.id), *not_setup)
    )
    about = s.scalar(
        select(func.count())
        .select_from(RecordEntry)
        .where(RecordEntry.ref_type == table, RecordEntry.ref_id == str(row.id), *not_setup)
    )
    if wrote or about:
        found.append("the record")
    return found
