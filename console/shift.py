"""Shifts and the log: a controller starts a night with the teams on duty, writes log notes,
and ends the night. Each is one action through the write path."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from console.record import ActionContext, EntryDraft, RecordService
from console.types import ActionResult, Actor
from storage.db import Database
from storage.models import (
    Location,
    LogNote,
    Officer,
    Outcome,
    PatrolUnit,
    RecordEntry,
    Shift,
    Tasking,
    TaskingUnit,
    Team,
    UnitStatusChange,
)


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
        units: list[str] | None = None,
        crews: dict[str, str | None] | None = None,
        event_time: datetime | None = None,
        action_id: str | None = None,
    ) -> ActionResult:
        """Start the night with the teams on duty. `units`: the call signs on duty tonight (all
        of the teams' units if None); `crews`: collar number -> the call sign that officer rides
        in tonight, or None for not on duty (the roster's crews if not given)."""
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
            on_duty = _set_units(ctx, operation_id, team_keys, "off_duty", "available", units)
            crewed = _set_crews(ctx, operation_id, crews) if crews is not None else {}
            names = ", ".join(known[k] for k in team_keys)
            return EntryDraft(
                kind="shift.started",
                text=f"{actor.display_name} started the shift with {names}"
                + (f"; units on duty: {', '.join(on_duty)}" if on_duty else ""),
                ref_type="shift",
                ref_id=str(shift.id),
                payload={"teams": team_keys, "units": on_duty, "crews": crewed},
            )

        return self._record.perform(
            actor, "shift.start", write, operation_id=operation_id, action_id=action_id, event_time=event_time
        )

    def roster(self, operation_id: int) -> Roster:
        """The teams' units and officers, with each officer's usual unit, for the start dialog."""
        with self._db.read() as s:
            teams = {t.id: t.key for t in s.scalars(select(Team).where(Team.operation_id == operation_id))}
            units = list(
                s.scalars(select(PatrolUnit).where(PatrolUnit.operation_id == operation_id).order_by(PatrolUnit.id))
            )
            call_signs = {u.id: u.call_sign for u in units}
            officers = s.scalars(select(Officer).where(Officer.operation_id == operation_id).order_by(Officer.id))
            return Roster(
                units=tuple(RosterUnit(u.call_sign, u.kind, teams.get(u.team_id or 0, "")) for u in units),
                officers=tuple(
                    RosterOfficer(
                        o.collar_number,
                        o.name,
                        o.special_constable,
                        teams.get(o.team_id or 0, ""),
                        call_signs.get(o.unit_id or 0, ""),
                    )
                    for o in officers
                ),
            )

    def handover(self, operation_id: int, shift_id: int) -> Handover:
        """What the next controller needs: open taskings, units' states, the night's outcomes,
        and the record's head."""
        with self._db.read() as s:
            shift = s.get(Shift, shift_id)
            if shift is None or shift.operation_id != operation_id:
                raise ShiftError(f"No shift {shift_id} in this operation")
            call_signs = {u.id: u for u in s.scalars(select(PatrolUnit).where(PatrolUnit.operation_id == operation_id))}
            open_taskings = []
            for tasking in s.scalars(
                select(Tasking)
                .where(Tasking.operation_id == operation_id, Tasking.closed_at.is_(None))
                .order_by(Tasking.id)
            ):
                crew = s.scalars(
                    select(TaskingUnit.unit_id).where(
                        TaskingUnit.tasking_id == tasking.id, TaskingUnit.released_at.is_(None)
                    )
                )
                place = s.get(Location, tasking.location_id) if tasking.location_id else None
                words = [f"T-{tasking.id}", f"opened {tasking.opened_at.astimezone():%H:%M}"]
                words += [place.name] if place else []
                words += [", ".join(call_signs[u].call_sign for u in crew if u in call_signs) or "no unit"]
                words += [tasking.instructions] if tasking.instructions else []
                open_taskings.append(" · ".join(words))
            units = tuple(
                f"{u.call_sign}: {u.status.replace('_', ' ')}"
                + (f" since {u.status_since.astimezone():%H:%M}" if u.status_since else "")
                for u in sorted(call_signs.values(), key=lambda u: u.call_sign)
            )
            outcomes = dict(
                (kind, int(n))
                for kind, n in s.execute(
                    select(Outcome.kind, func.count())
                    .where(Outcome.operation_id == operation_id, Outcome.recorded_at >= shift.started_at)
                    .group_by(Outcome.kind)
                    .order_by(Outcome.kind)
                )
            )
            head = s.execute(
                select(RecordEntry.seq, RecordEntry.hash).order_by(RecordEntry.seq.desc()).limit(1)
            ).first()
            return Handover(
                started_at=shift.started_at,
                open_taskings=tuple(open_taskings),
                units=units,
                outcomes=outcomes,
                entries=head.seq if head else 0,
                head_hash=head.hash if head else "",
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
        """End the night; the entry carries the hand-over summary as it stood just before."""
        summary = self.handover(operation_id, shift_id)

        def write(ctx: ActionContext) -> EntryDraft:
            shift = ctx.session.get(Shift, shift_id)
            if shift is None or shift.operation_id != operation_id:
                raise ShiftError(f"No shift {shift_id} in this operation")
            if shift.ended_at is not None:
                raise ShiftError(f"Shift {shift_id} has already ended")
            shift.ended_at = ctx.event_time
            _set_units(ctx, operation_id, shift.team_keys.split(","), "available", "off_duty")
            open_count = len(summary.open_taskings)
            return EntryDraft(
                kind="shift.ended",
                text=f"{actor.display_name} ended the shift; hand-over: {open_count} open tasking(s), "
                f"{sum(summary.outcomes.values())} outcome(s) tonight",
                ref_type="shift",
                ref_id=str(shift_id),
                payload=summary.payload(),
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


def _set_units(
    ctx: ActionContext,
    operation_id: int,
    team_keys: list[str],
    from_status: str,
    to_status: str,
    call_signs: list[str] | None = None,
) -> list[str]:
    """Bring the teams' units (or the named ones among them) on or off duty; units busy with a
    tasking are left as they are. Returns the call signs changed."""
    query = (
        select(PatrolUnit)
        .join(Team, PatrolUnit.team_id == Team.id)
        .where(PatrolUnit.operation_id == operation_id, Team.key.in_(team_keys), PatrolUnit.status == from_status)
        .order_by(PatrolUnit.id)
    )
    if call_signs is not None:
        query = query.where(PatrolUnit.call_sign.in_(call_signs))
    units = ctx.session.scalars(query).all()
    for unit in units:
        ctx.session.add(
            UnitStatusChange(
                unit_id=unit.id,
                from_status=from_status,
                to_status=to_status,
                changed_at=ctx.event_time,
                operator_id=_operator_id(ctx.actor),
            )
        )
        unit.status, unit.status_since = to_status, ctx.event_time
    return [u.call_sign for u in units]


def _set_crews(ctx: ActionContext, operation_id: int, crews: dict[str, str | None]) -> dict[str, str]:
    """Put officers in tonight's units (None: not on duty tonight)."""
    units = {
        u.call_sign: u.id
        for u in ctx.session.scalars(select(PatrolUnit).where(PatrolUnit.operation_id == operation_id))
    }
    officers = {
        o.collar_number: o for o in ctx.session.scalars(select(Officer).where(Officer.operation_id == operation_id))
    }
    unknown = [c for c in crews if c not in officers] + [u for u in crews.values() if u and u not in units]
    if unknown:
        raise ShiftError(f"Not on the roster: {', '.join(unknown)}")
    for collar, call_sign in crews.items():
        officers[collar].unit_id = units[call_sign] if call_sign else None
    return {collar: call_sign or "" for collar, call_sign in crews.items()}


@dataclass(frozen=True)
class RosterUnit:
    call_sign: str
    kind: str
    team_key: str


@dataclass(frozen=True)
class RosterOfficer:
    collar_number: str
    name: str
    special_constable: bool
    team_key: str
    unit_call_sign: str  # the unit the officer rode in last (the roster's default)


@dataclass(frozen=True)
class Roster:
    units: tuple[RosterUnit, ...]
    officers: tuple[RosterOfficer, ...]


@dataclass(frozen=True)
class Handover:
    started_at: datetime
    open_taskings: tuple[str, ...]
    units: tuple[str, ...]
    outcomes: dict[str, int]
    entries: int
    head_hash: str

    def payload(self) -> dict[str, object]:
        return {
            # References only: a tasking's instructions are free text that may name a VRM.
            "open_taskings": [t.split(" · ")[0] for t in self.open_taskings],
            "units": list(self.units),
            "outcomes": dict(self.outcomes),
            "entries": self.entries,
            "head_hash": self.head_hash,
        }

    def words(self) -> str:
        """The summary as plain text, to show, print and keep."""
        lines = [f"Shift started {self.started_at.astimezone():%d %b %Y %H:%M}", "", "Open taskings:"]
        lines += [f"  {t}" for t in self.open_taskings] or ["  none"]
        lines += ["", "Units:"] + [f"  {u}" for u in self.units]
        lines += ["", "Outcomes this shift:"]
        lines += [f"  {kind.replace('_', ' ')}: {n}" for kind, n in self.outcomes.items()] or ["  none"]
        lines += ["", f"Operation record: {self.entries} entries, head {self.head_hash}"]
        return "\n".join(lines)


def _operator_id(actor: Actor) -> int:
    if actor.operator_id is None:
        raise ShiftError(f"{actor.login} is not an operator of this database")
    return actor.operator_id
