"""Shifts and the log: a controller starts a night with the teams on duty, writes log notes,
and ends the night. Each is one action through the write path."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from console.record import ActionContext, EntryDraft, RecordService
from console.types import ActionResult, Actor
from storage.db import Database
from storage.models import LogNote, PatrolUnit, Shift, Team, UnitStatusChange


class ShiftError(ValueError):
    pass


class ShiftService:
    def __init__(self, db: Database, record: RecordService) -> None:
        self._db = db
        self._record = record

    def start(
        self,
        actor: Actor,
        operation_id: int,
        team_keys: list[str],
        *,
        event_time: datetime | None = None,
        action_id: str | None = None,
    ) -> ActionResult:
        if not team_keys:
            raise ShiftError("Pick at least one team on duty to start the shift")

        def write(ctx: ActionContext) -> EntryDraft:
            known = dict(
                (row.key, row.name)
                for row in ctx.session.execute(select(Team.key, Team.name).where(Team.operation_id == operation_id))
            )
            unknown = [k for k in team_keys if k not in known]
            if unknown:
                raise ShiftError(f"Unknown team(s): {', '.join(unknown)}")
            shift = Shift(
                operation_id=operation_id,
                operator_id=_operator_id(actor),
                console_id=actor.console_id,
                team_keys=",".join(team_keys),
                started_at=ctx.event_time,
            )
            ctx.session.add(shift)
            ctx.session.flush()
            _set_units(ctx, operation_id, team_keys, "off_duty", "available")
            names = ", ".join(known[k] for k in team_keys)
            return EntryDraft(
                kind="shift.started",
                text=f"{actor.display_name} started the shift with {names}",
                ref_type="shift",
                ref_id=str(shift.id),
                payload={"teams": team_keys},
            )

        return self._record.perform(
            actor, "shift.start", write, operation_id=operation_id, action_id=action_id, event_time=event_time
        )

    def end(
        self,
        actor: Actor,
        operation_id: int,
        shift_id: int,
        *,
        event_time: datetime | None = None,
        action_id: str | None = None,
    ) -> ActionResult:
        def write(ctx: ActionContext) -> EntryDraft:
            shift = ctx.session.get(Shift, shift_id)
            if shift is None or shift.operation_id != operation_id:
                raise ShiftError(f"No shift {shift_id} in this operation")
            if shift.ended_at is not None:
                raise ShiftError(f"Shift {shift_id} has already ended")
            shift.ended_at = ctx.event_time
            _set_units(ctx, operation_id, shift.team_keys.split(","), "available", "off_duty")
            return EntryDraft(
                kind="shift.ended", text=f"{actor.display_name} ended the shift", ref_type="shift", ref_id=str(shift_id)
            )

        return self._record.perform(
            actor, "shift.end", write, operation_id=operation_id, action_id=action_id, event_time=event_time
        )

    def open_shift(self, operation_id: int, console_id: str) -> int | None:
        with self._db.read() as s:
            return s.scalars(
                select(Shift.id)
                .where(Shift.operation_id == operation_id, Shift.console_id == console_id, Shift.ended_at.is_(None))
                .order_by(Shift.id.desc())
            ).first()

    def note(
        self,
        actor: Actor,
        operation_id: int,
        text: str,
        *,
        unit_id: int | None = None,
        camera_id: int | None = None,
        event_time: datetime | None = None,
        action_id: str | None = None,
    ) -> ActionResult:
        text = text.strip()
        if not text:
            raise ShiftError("A log note needs some text")
        if len(text) > 4000:
            raise ShiftError("A log note is limited to 4000 characters")

        def write(ctx: ActionContext) -> EntryDraft:
            note = LogNote(
                operation_id=operation_id,
                operator_id=_operator_id(actor),
                unit_id=unit_id,
                camera_id=camera_id,
                noted_at=ctx.event_time,
                text=text,
            )
            ctx.session.add(note)
            ctx.session.flush()
            # The words stay in the domain row (retention may erase them); the entry refers to it.
            return EntryDraft(kind="log.note", text="Log note", ref_type="log_note", ref_id=str(note.id))

        return self._record.perform(
            actor, "log.note", write, operation_id=operation_id, action_id=action_id, event_time=event_time
        )


def _set_units(ctx: ActionContext, operation_id: int, team_keys: list[str], from_status: str, to_status: str) -> None:
    """Bring the teams' units on (or off) duty; units busy with a tasking are left as they are."""
    units = ctx.session.scalars(
        select(PatrolUnit)
        .join(Team, PatrolUnit.team_id == Team.id)
        .where(PatrolUnit.operation_id == operation_id, Team.key.in_(team_keys), PatrolUnit.status == from_status)
    ).all()
    for unit in units:
        unit.status, unit.status_since = to_status, ctx.event_time
        ctx.session.add(
            UnitStatusChange(
                unit_id=unit.id,
                from_status=from_status,
                to_status=to_status,
                changed_at=ctx.event_time,
                operator_id=_operator_id(ctx.actor),
            )
        )


def _operator_id(actor: Actor) -> int:
    if actor.operator_id is None:
        raise ShiftError(f"{actor.login} is not an operator of this database")
    return actor.operator_id
