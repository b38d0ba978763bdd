"""The dispatch board's rules: unit statuses and the changes allowed between them, taskings
(dispatch, backup, reassign, close with outcomes) and urgent assistance.

Every change is one action through the write path. Each action takes the append lock before it
reads a unit (``ActionContext.serialise``), so when two consoles dispatch the same unit at once
the second sees the first one's tasking and is told who won.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from console.dispatch_rules import (
    AVAILABLE,
    DETAIL_LIMIT,
    DISPATCHABLE,
    DISPATCHED,
    NEEDS_SUBJECT,
    NEEDS_VEHICLE,
    OUTCOME_WORDS,
    REFERRAL_TO,
    STATUS_WORDS,
    STATUSES,
    TASKED,
    URGENT,
    OutcomeDraft,
    allowed,
    early_for_tier,
    tasking_ref,
)
from console.policy import REFERRAL
from console.record import ActionContext, EntryDraft, RecordService, utc_now
from console.text import clean_text
from console.tiers import tier_in_force
from console.types import ActionResult, Actor
from storage.db import Database
from storage.models import (
    Location,
    LogNote,
    Outcome,
    PatrolUnit,
    Sighting,
    Subject,
    Tasking,
    TaskingUnit,
    UnitStatusChange,
    Vehicle,
)


class DispatchError(ValueError):
    """A dispatch action that cannot be done, with the reason in words."""


class DispatchConflict(DispatchError):
    """Another controller changed the unit or tasking first; the message says what they did."""


@dataclass(frozen=True)
class TaskingParties:
    """Who and what a tasking is about, for the outcomes that need them."""

    tasking_id: int
    words: str
    vehicle_id: int | None
    vrm: str
    subject_id: int | None
    subject_reference: str
    tier: int = 1  # in force now: the outcome dialog says when an outcome comes before its tier


class DispatchService:
    def __init__(self, db: Database, record: RecordService) -> None:
        self._db = db
        self._record = record

    def parties(self, operation_id: int, tasking_id: int) -> TaskingParties:
        with self._db.read() as s:
            tasking = s.get(Tasking, tasking_id)
            if tasking is None or tasking.operation_id != operation_id:
                raise DispatchError(f"No tasking {tasking_ref(tasking_id)} in this operation")
            sighting = s.get(Sighting, tasking.sighting_id) if tasking.sighting_id is not None else None
            vehicle = s.get(Vehicle, sighting.vehicle_id) if sighting and sighting.vehicle_id else None
            subject = s.get(Subject, sighting.subject_id) if sighting and sighting.subject_id else None
            place = _location_name(s, operation_id, tasking.location_id)
            words = " · ".join(
                p
                for p in (
                    f"Tasking {tasking_ref(tasking.id)}",
                    place,
                    _sighting_words(s, sighting) if sighting else "",
                    tasking.instructions,
                )
                if p
            )
            return TaskingParties(
                tasking.id,
                words,
                vehicle.id if vehicle else None,
                vehicle.vrm if vehicle else "",
                subject.id if subject else None,
                subject.reference if subject else "",
                tier_in_force(s, operation_id, utc_now()),
            )

    def radio_log(self, operation_id: int, unit_id: int, limit: int = 12) -> list[tuple[datetime, str]]:
        """The unit's latest status changes and radio-log lines, newest first."""
        with self._db.read() as s:
            unit = _unit(s, operation_id, unit_id)
            changes = s.execute(
                select(UnitStatusChange.changed_at, UnitStatusChange.to_status, UnitStatusChange.tasking_id)
                .where(UnitStatusChange.unit_id == unit.id)
                .order_by(UnitStatusChange.id.desc())
                .limit(limit)
            ).all()
            lines = s.execute(
                select(LogNote.noted_at, LogNote.text)
                .where(LogNote.unit_id == unit.id)
                .order_by(LogNote.id.desc())
                .limit(limit)
            ).all()
        found = [
            (when, STATUS_WORDS.get(status, status) + (f" (tasking {tasking_ref(t)})" if t else ""))
            for when, status, t in changes
        ]
        found += [(when, f"“{text}”") for when, text in lines]
        return sorted(found, key=lambda x: x[0], reverse=True)[:limit]

    # -- status changes ---------------------------------------------------------------------

    def set_status(
        self,
        actor: Actor,
        operation_id: int,
        unit_id: int,
        status: str,
        *,
        expected: str | None = None,
        event_time: datetime | None = None,
        action_id: str | None = None,
    ) -> ActionResult:
        """Change a unit's status from the radio log. `expected` is the status the controller
        saw: if another console changed it meanwhile, the change is refused and says so."""
        if status not in STATUSES:
            raise DispatchError(f"Unknown status {status!r}")

        def write(ctx: ActionContext) -> EntryDraft:
            ctx.serialise()
            unit = _unit(ctx.session, operation_id, unit_id)
            _check_expected(unit, expected)
            current = unit.status
            if status == current:
                raise DispatchError(f"{unit.call_sign} is already {STATUS_WORDS[status]}")
            if status == DISPATCHED:
                raise DispatchError(f"Dispatch {unit.call_sign} to a sighting or a location to make it dispatched")
            held = _open_tasking(ctx.session, unit.id)
            if held is None and status in TASKED:
                raise DispatchError(f"{unit.call_sign} has no tasking: dispatch it to one")
            if held is not None and status not in TASKED | {URGENT}:
                raise DispatchError(
                    f"{unit.call_sign} holds tasking {tasking_ref(held.tasking_id)}: close it or reassign it first"
                )
            if not allowed(current, status):
                raise DispatchError(
                    f"{unit.call_sign} cannot go from {STATUS_WORDS[current]} to {STATUS_WORDS[status]}"
                )
            if current == URGENT and unit.urgent_acknowledged_at is None:
                raise DispatchError(f"Acknowledge {unit.call_sign}'s urgent assistance call first")
            if status == URGENT:
                unit.urgent_acknowledged_at, unit.urgent_acknowledged_by = None, ""
            _change(ctx, unit, status, held.tasking_id if held else None)
            words = (
                f"URGENT ASSISTANCE called by {unit.call_sign}"
                if status == URGENT
                else f"{unit.call_sign} {STATUS_WORDS[current]} → {STATUS_WORDS[status]}"
            )
            return EntryDraft(
                kind="unit.urgent" if status == URGENT else "unit.status",
                text=words,
                ref_type="patrol_unit",
                ref_id=str(unit.id),
                payload={"from": current, "to": status},
            )

        return self._record.perform(
            actor, "unit.status", write, operation_id=operation_id, action_id=action_id, event_time=event_time
        )

    def acknowledge_urgent(
        self,
        actor: Actor,
        operation_id: int,
        unit_id: int,
        *,
        event_time: datetime | None = None,
        action_id: str | None = None,
    ) -> ActionResult:
        def write(ctx: ActionContext) -> EntryDraft:
            ctx.serialise()
            unit = _unit(ctx.session, operation_id, unit_id)
            if unit.status != URGENT:
                raise DispatchError(f"{unit.call_sign} has no urgent assistance call to acknowledge")
            if unit.urgent_acknowledged_at is not None:
                raise DispatchConflict(
                    f"{unit.call_sign}'s urgent assistance call was acknowledged by {unit.urgent_acknowledged_by} "
                    f"at {unit.urgent_acknowledged_at:%H:%M}"
                )
            unit.urgent_acknowledged_at, unit.urgent_acknowledged_by = ctx.event_time, actor.display_name
            return EntryDraft(
                kind="unit.urgent_acknowledged",
                text=f"{actor.display_name} acknowledged {unit.call_sign}'s urgent assistance call",
                ref_type="patrol_unit",
                ref_id=str(unit.id),
            )

        return self._record.perform(
            actor, "unit.status", write, operation_id=operation_id, action_id=action_id, event_time=event_time
        )

    # -- taskings ---------------------------------------------------------------------------

    def dispatch(
        self,
        actor: Actor,
        operation_id: int,
        unit_id: int,
        *,
        sighting_id: int | None = None,
        location_id: int | None = None,
        instructions: str = "",
        event_time: datetime | None = None,
        action_id: str | None = None,
    ) -> ActionResult:
        """Make a tasking (a sighting and/or a location, and instructions) and dispatch the unit
        to it. The result's ref_id is the tasking's id."""
        instructions = clean_text(instructions, "Instructions", DETAIL_LIMIT)
        if sighting_id is None and location_id is None and not instructions:
            raise DispatchError("A tasking needs a sighting, a location or instructions")

        def write(ctx: ActionContext) -> EntryDraft:
            ctx.serialise()
            unit = _unit(ctx.session, operation_id, unit_id)
            _check_free(ctx.session, unit)
            where = location_id
            about = ""
            if sighting_id is not None:
                sighting = ctx.session.get(Sighting, sighting_id)
                if sighting is None or sighting.operation_id != operation_id:
                    raise DispatchError(f"No sighting {sighting_id} in this operation")
                where = where if where is not None else sighting.location_id
                about = _sighting_words(ctx.session, sighting)
            place = _location_name(ctx.session, operation_id, where)
            tasking = Tasking(
                operation_id=operation_id,
                sighting_id=sighting_id,
                location_id=where,
                instructions=instructions,
                opened_at=ctx.event_time,
            )
            ctx.session.add(tasking)
            ctx.session.flush()
            ctx.session.add(
                TaskingUnit(tasking_id=tasking.id, unit_id=unit.id, role="primary", joined_at=ctx.event_time)
            )
            _change(ctx, unit, DISPATCHED, tasking.id)
            words = f"{unit.call_sign} dispatched, tasking {tasking_ref(tasking.id)}"
            words += f" to {place}" if place else ""
            words += f": {about}" if about else ""
            return EntryDraft(
                kind="tasking.dispatched",
                text=words,
                ref_type="tasking",
                ref_id=str(tasking.id),
                payload={"unit": unit.call_sign, "sighting_id": sighting_id, "location_id": where},
            )

        return self._record.perform(
            actor, "tasking.dispatch", write, operation_id=operation_id, action_id=action_id, event_time=event_time
        )

    def join(
        self,
        actor: Actor,
        operation_id: int,
        tasking_id: int,
        unit_id: int,
        *,
        event_time: datetime | None = None,
        action_id: str | None = None,
    ) -> ActionResult:
        """Send a second unit to an open tasking as backup."""

        def write(ctx: ActionContext) -> EntryDraft:
            ctx.serialise()
            tasking = _open(ctx.session, operation_id, tasking_id)
            unit = _unit(ctx.session, operation_id, unit_id)
            _check_free(ctx.session, unit)
            ctx.session.add(
                TaskingUnit(tasking_id=tasking.id, unit_id=unit.id, role="backup", joined_at=ctx.event_time)
            )
            _change(ctx, unit, DISPATCHED, tasking.id)
            return EntryDraft(
                kind="tasking.backup",
                text=f"{unit.call_sign} dispatched as backup to tasking {tasking_ref(tasking.id)}",
                ref_type="tasking",
                ref_id=str(tasking.id),
                payload={"unit": unit.call_sign},
            )

        return self._record.perform(
            actor, "tasking.dispatch", write, operation_id=operation_id, action_id=action_id, event_time=event_time
        )

    def reassign(
        self,
        actor: Actor,
        operation_id: int,
        tasking_id: int,
        from_unit_id: int,
        to_unit_id: int,
        *,
        event_time: datetime | None = None,
        action_id: str | None = None,
    ) -> ActionResult:
        """Hand a unit's place on a tasking to another unit, in one action: the first is stood
        down (available), the second dispatched in the same role."""

        def write(ctx: ActionContext) -> EntryDraft:
            ctx.serialise()
            tasking = _open(ctx.session, operation_id, tasking_id)
            leaving = _unit(ctx.session, operation_id, from_unit_id)
            coming = _unit(ctx.session, operation_id, to_unit_id)
            place = ctx.session.scalars(
                select(TaskingUnit).where(
                    TaskingUnit.tasking_id == tasking.id,
                    TaskingUnit.unit_id == leaving.id,
                    TaskingUnit.released_at.is_(None),
                )
            ).first()
            if place is None:
                raise DispatchConflict(f"{leaving.call_sign} is no longer on tasking {tasking_ref(tasking.id)}")
            _check_free(ctx.session, coming)
            place.released_at = ctx.event_time
            _change(ctx, leaving, AVAILABLE, tasking.id)
            ctx.session.add(
                TaskingUnit(tasking_id=tasking.id, unit_id=coming.id, role=place.role, joined_at=ctx.event_time)
            )
            _change(ctx, coming, DISPATCHED, tasking.id)
            return EntryDraft(
                kind="tasking.reassigned",
                text=f"Tasking {tasking_ref(tasking.id)} reassigned from {leaving.call_sign} to {coming.call_sign}",
                ref_type="tasking",
                ref_id=str(tasking.id),
                payload={"from": leaving.call_sign, "to": coming.call_sign},
            )

        return self._record.perform(
            actor, "tasking.dispatch", write, operation_id=operation_id, action_id=action_id, event_time=event_time
        )

    def close(
        self,
        actor: Actor,
        operation_id: int,
        tasking_id: int,
        outcomes: Sequence[OutcomeDraft],
        *,
        event_time: datetime | None = None,
        action_id: str | None = None,
    ) -> ActionResult:
        """Close a tasking with one or more outcomes and release its units (available), in one
        action: a closing entry, and an entry per outcome."""
        if not outcomes:
            raise DispatchError("Record at least one outcome to close a tasking")
        checked = [_check_outcome(o) for o in outcomes]

        def write(ctx: ActionContext) -> list[EntryDraft]:
            ctx.serialise()
            tasking = _open(ctx.session, operation_id, tasking_id)
            tasking.closed_at = ctx.event_time
            released = []
            for place in ctx.session.scalars(
                select(TaskingUnit).where(TaskingUnit.tasking_id == tasking.id, TaskingUnit.released_at.is_(None))
            ):
                place.released_at = ctx.event_time
                unit = ctx.session.get(PatrolUnit, place.unit_id)
                if unit is not None:
                    released.append(unit.call_sign)
                    if unit.status in TASKED:
                        _change(ctx, unit, AVAILABLE, tasking.id)
            tier = tier_in_force(ctx.session, operation_id, ctx.event_time)
            early = sorted({w for o in checked if (w := early_for_tier(o.kind, tier))})
            payload: dict[str, object] = {"outcomes": [o.kind for o in checked], "released": released}
            if early:
                payload["early_for_tier"] = early
            drafts = [
                EntryDraft(
                    kind="tasking.closed",
                    text=f"Tasking {tasking_ref(tasking.id)} closed: "
                    + "; ".join(OUTCOME_WORDS[o.kind] for o in checked)
                    + (f" ({', '.join(released)} released)" if released else "")
                    + "".join(f" Note: {w}" for w in early),
                    ref_type="tasking",
                    ref_id=str(tasking.id),
                    payload=payload,
                )
            ]
            for o in checked:
                outcome = _outcome_row(ctx, operation_id, tasking, o)
                drafts.append(
                    EntryDraft(
                        kind=f"outcome.{o.kind}",
                        text=_outcome_words(ctx.session, o),
                        ref_type="outcome",
                        ref_id=str(outcome.id),
                        payload={"tasking_id": tasking.id},
                        about=(outcome,),
                    )
                )
            return drafts

        return self._record.perform(
            actor, "tasking.close", write, operation_id=operation_id, action_id=action_id, event_time=event_time
        )


# -- helpers ------------------------------------------------------------------------------------


def _unit(session: Session, operation_id: int, unit_id: int) -> PatrolUnit:
    unit = session.get(PatrolUnit, unit_id)
    if unit is None or unit.operation_id != operation_id:
        raise DispatchError(f"No unit {unit_id} in this operation")
    return unit


def _check_expected(unit: PatrolUnit, expected: str | None) -> None:
    if expected is not None and unit.status != expected:
        raise DispatchConflict(
            f"{unit.call_sign} is now {STATUS_WORDS.get(unit.status, unit.status)}"
            f" (changed at {unit.status_since:%H:%M} on another console); the board shows it now"
            if unit.status_since
            else f"{unit.call_sign} is now {STATUS_WORDS.get(unit.status, unit.status)}"
        )


def _open_tasking(session: Session, unit_id: int) -> TaskingUnit | None:
    return session.scalars(
        select(TaskingUnit)
        .join(Tasking, Tasking.id == TaskingUnit.tasking_id)
        .where(TaskingUnit.unit_id == unit_id, TaskingUnit.released_at.is_(None), Tasking.closed_at.is_(None))
    ).first()


def _check_free(session: Session, unit: PatrolUnit) -> None:
    """A unit takes at most one tasking, and only when it is free to go."""
    held = _open_tasking(session, unit.id)
    if held is not None:
        raise DispatchConflict(
            f"{unit.call_sign} is already on tasking {tasking_ref(held.tasking_id)}"
            f" ({STATUS_WORDS.get(unit.status, unit.status)} since {unit.status_since:%H:%M})"
            if unit.status_since
            else f"{unit.call_sign} is already on tasking {tasking_ref(held.tasking_id)}"
        )
    if unit.status not in DISPATCHABLE:
        raise DispatchError(
            f"{unit.call_sign} is {STATUS_WORDS.get(unit.status, unit.status)}: it cannot be dispatched"
        )


def _open(session: Session, operation_id: int, tasking_id: int) -> Tasking:
    tasking = session.get(Tasking, tasking_id)
    if tasking is None or tasking.operation_id != operation_id:
        raise DispatchError(f"No tasking {tasking_ref(tasking_id)} in this operation")
    if tasking.closed_at is not None:
        raise DispatchConflict(f"Tasking {tasking_ref(tasking_id)} was closed at {tasking.closed_at:%H:%M}")
    return tasking


def _change(ctx: ActionContext, unit: PatrolUnit, status: str, tasking_id: int | None) -> None:
    ctx.session.add(
        UnitStatusChange(
            unit_id=unit.id,
            tasking_id=tasking_id,
            from_status=unit.status,
            to_status=status,
            changed_at=ctx.event_time,
            operator_id=_operator_id(ctx.actor),
        )
    )
    unit.status, unit.status_since = status, ctx.event_time


def _location_name(session: Session, operation_id: int, location_id: int | None) -> str:
    if location_id is None:
        return ""
    location = session.get(Location, location_id)
    if location is None or location.operation_id != operation_id:
        raise DispatchError(f"No location {location_id} in this operation")
    return location.name


def _sighting_words(session: Session, sighting: Sighting) -> str:
    if sighting.vehicle_id is not None:
        return f"sighting {sighting.id}, vehicle {sighting.vehicle_id}"  # never the VRM (personal data)
    if sighting.subject_id is not None:
        subject = session.get(Subject, sighting.subject_id)
        return f"sighting {sighting.id}, {subject.reference}" if subject else f"sighting {sighting.id}"
    return f"sighting {sighting.id}"


def _check_outcome(o: OutcomeDraft) -> OutcomeDraft:
    if o.kind not in OUTCOME_WORDS:
        raise DispatchError(f"Unknown outcome {o.kind!r}")
    if o.kind in NEEDS_VEHICLE and o.vehicle_id is None:
        raise DispatchError(f"A {OUTCOME_WORDS[o.kind]} needs the vehicle it is about")
    if o.kind in NEEDS_SUBJECT and o.subject_id is None:
        raise DispatchError(f"An {OUTCOME_WORDS[o.kind]} needs the subject it is about")
    if o.kind == REFERRAL and o.referral_to not in REFERRAL_TO:
        raise DispatchError("Say where the referral goes: IOM, the drug and alcohol partnership, or other")
    detail = clean_text(o.detail, "Outcome detail", DETAIL_LIMIT)
    if o.kind == "arrest" and not detail:
        raise DispatchError("An arrest needs who was arrested and what for")
    return OutcomeDraft(o.kind, o.subject_id, o.vehicle_id, detail, o.referral_to)


def _outcome_row(ctx: ActionContext, operation_id: int, tasking: Tasking, o: OutcomeDraft) -> Outcome:
    if o.subject_id is not None:
        subject = ctx.session.get(Subject, o.subject_id)
        if subject is None or subject.operation_id != operation_id:
            raise DispatchError(f"No subject {o.subject_id} in this operation")
    if o.vehicle_id is not None:
        vehicle = ctx.session.get(Vehicle, o.vehicle_id)
        if vehicle is None or vehicle.operation_id != operation_id:
            raise DispatchError(f"No vehicle {o.vehicle_id} in this operation")
    detail = f"{REFERRAL_TO[o.referral_to]}: {o.detail}".rstrip(": ") if o.kind == REFERRAL else o.detail
    outcome = Outcome(
        operation_id=operation_id,
        tasking_id=tasking.id,
        kind=o.kind,
        subject_id=o.subject_id,
        vehicle_id=o.vehicle_id,
        recorded_at=ctx.event_time,
        detail=detail,
    )
    ctx.session.add(outcome)
    ctx.session.flush()
    return outcome


def _outcome_words(session: Session, o: OutcomeDraft) -> str:
    words = OUTCOME_WORDS[o.kind].capitalize()
    if o.vehicle_id is not None:
        words += f": vehicle {o.vehicle_id}"  # never the VRM: the record keeps no personal data
    if o.subject_id is not None and (subject := session.get(Subject, o.subject_id)) is not None:
        words += f": {subject.reference}"
    if o.kind == REFERRAL:
        words += f" to {REFERRAL_TO[o.referral_to]}"
    return words


def _operator_id(actor: Actor) -> int:
    if actor.operator_id is None:
        raise DispatchError(f"{actor.login} is not an operator of this database")
    return actor.operator_id
