"""Operation set-up by administrators, one change at a time: every change is one record entry
through the write path, checked by the same rules as the operation file first.

An item the record refers to (a camera with sightings or footage, a unit with taskings, an
officer who rode in a shift) is retired, never deleted; an unreferenced one can be deleted.
Camera passwords are stored apart and never come back out: the screens get words about them.
What the screens show is read in `console.setup_state`; what refers to an item is found in
`console.setup_references`.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from console.auth import AuthService, LoginError, check_new_password
from console.operation import mask_json
from console.operation_checks import ITEM_KEYS, OPERATION_KEYS, FieldProblems, Known, check_item
from console.operation_spec import CameraSpec, MaskSpec, OperationSpec
from console.record import ActionContext, EntryDraft, RecordService
from console.setup_references import OWN_ROWS, THING, model_of, named_by_key, references
from console.setup_state import ITEM_SECTIONS, setup_state
from console.types import Actor, SetupDone, SetupState
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
    PatrolUnit,
    Team,
    Tier,
)

ACTION = "operation.setup"
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
            return setup_state(s, name)

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
            if section in ("categories", "teams") and columns["key"] != row.key and named_by_key(s, section, row):
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
            uses = references(s, section, row)
            if uses and section not in RETIRABLE:
                raise SetupError(f"{thing.capitalize()} {label!r} is used ({', '.join(uses)}): it cannot be deleted")
            if uses:
                if not row.active:
                    raise SetupError(f"{label} is retired already; the record refers to it, so it stays")
                row.active = False
                why = f", not deleted: it is referred to ({', '.join(uses)})"
                return _entry(thing, "retired", label, row.id, why, referred_to_by=uses)
            for table in OWN_ROWS.get(thing, ()):
                model = model_of(table)
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
