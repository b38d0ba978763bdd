"""Engagement and Support Orders (ESOs): applied for, made by the court, support sessions
attended, ended (completed, refused, breached, withdrawn). Each step is one action through the
write path with its record entry; the entry names the subject by its pseudonymous reference and
keeps the notes (which may name people) in the row, not in the record.

Decisions, so the screen and the returns agree:
- ESOs are for sex-worker subjects. One open order (applied for, not ended) per subject.
- An ESO normally follows the third occasion under three strikes. The console records what the
  court did, so an application with fewer official warnings is accepted, and the caution (from
  console/policy.py) is said back to the controller and written into the entry's text.
- Sessions count up to the number the order requires and no further: the last one attended,
  the order is ended as completed.
- "refused" is the court declining to make the order, so only an order not yet made can be
  refused; "breached" and "completed" only a made one; "withdrawn" either.
- ``in_place(session, operation_id, at)`` is the plain count the returns use: orders made at or
  before ``at`` and not ended by then.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from console.policy import WARNING, OrderState, order_caution
from console.record import ActionContext, EntryDraft, RecordService, utc_now
from console.text import clean_text
from console.types import ActionResult, Actor
from storage.db import Database
from storage.models import Outcome, Subject, SupportOrder

SEX_WORKER = "sex_worker"
ENDINGS = ("completed", "refused", "breached", "withdrawn")
MAX_SESSIONS = 20
MAX_NOTES = 1000
# A console clock a little behind the server's must not make "now" look like the future.
CLOCK_SLACK = timedelta(minutes=5)


class SupportOrderError(ValueError):
    """An ESO step that cannot be recorded, said in one sentence for the controller."""


@dataclass(frozen=True)
class OrderView:
    id: int
    subject_id: int
    subject_reference: str
    applied_at: datetime
    made_at: datetime | None
    sessions_required: int
    sessions_attended: int
    ended_at: datetime | None
    ending: str
    notes: str

    @property
    def is_open(self) -> bool:
        return self.ended_at is None

    @property
    def state(self) -> OrderState:
        return OrderState(
            made=self.made_at is not None,
            ended=self.ended_at is not None,
            sessions_attended=self.sessions_attended,
            sessions_required=self.sessions_required,
            ending=self.ending,
        )

    def words(self) -> str:
        """One line for a register: "made 10 Mar, sessions 2 of 3" or "applied 4 Mar"."""
        parts = [f"applied {self.applied_at:%d %b}"]
        if self.made_at is not None:
            parts = [f"made {self.made_at:%d %b}", f"sessions {self.sessions_attended} of {self.sessions_required}"]
        if self.ended_at is not None:
            parts.append(f"{self.ending} {self.ended_at:%d %b}")
        return ", ".join(parts)


@dataclass(frozen=True)
class StepResult:
    result: ActionResult
    order_id: int
    caution: str = ""  # said to the controller; the step was recorded all the same


def in_place(s: Session, operation_id: int, at: datetime) -> list[int]:
    """Ids of the operation's ESOs in place at ``at``: made at or before it, not ended by then.
    A list, not a count, so a figure can name the record entries behind it."""
    ids = s.scalars(
        select(SupportOrder.id)
        .where(
            SupportOrder.operation_id == operation_id,
            SupportOrder.made_at.is_not(None),
            SupportOrder.made_at <= at,
            or_(SupportOrder.ended_at.is_(None), SupportOrder.ended_at > at),
        )
        .order_by(SupportOrder.id)
    ).all()
    return list(ids)


def order_view(order: SupportOrder, reference: str) -> OrderView:
    return OrderView(
        order.id,
        order.subject_id,
        reference,
        order.applied_at,
        order.made_at,
        order.sessions_required,
        order.sessions_attended,
        order.ended_at,
        order.ending,
        order.notes,
    )


def orders_by_subject(s: Session, operation_id: int) -> dict[int, list[OrderView]]:
    """Every ESO of the operation, oldest first, by subject (for the three-strikes register)."""
    rows = s.execute(
        select(SupportOrder, Subject.reference)
        .join(Subject, Subject.id == SupportOrder.subject_id)
        .where(SupportOrder.operation_id == operation_id)
        .order_by(SupportOrder.applied_at, SupportOrder.id)
    ).all()
    found: dict[int, list[OrderView]] = {}
    for order, reference in rows:
        found.setdefault(order.subject_id, []).append(order_view(order, reference))
    return found


def _moment(when: datetime | None, what: str) -> datetime:
    when = when or utc_now()
    if when.tzinfo is None:
        raise SupportOrderError(f"The date of the {what} needs a time zone")
    if when > utc_now() + CLOCK_SLACK:
        raise SupportOrderError(f"The {what} cannot be recorded for a date still to come ({when:%d %b %Y})")
    return when


def _not_before(when: datetime, earlier: datetime, what: str, before: str) -> None:
    if when < earlier:
        raise SupportOrderError(f"The {what} ({when:%d %b %Y}) cannot be before the {before} ({earlier:%d %b %Y})")


class SupportOrderService:
    def __init__(self, db: Database, record: RecordService) -> None:
        self._db = db
        self._record = record

    # --- reading ---------------------------------------------------------------------------------
    def orders(self, operation_id: int, subject_id: int | None = None) -> list[OrderView]:
        """The operation's ESOs (or one subject's), oldest first."""
        with self._db.read() as s:
            found = orders_by_subject(s, operation_id)
        if subject_id is not None:
            return found.get(subject_id, [])
        return sorted((o for group in found.values() for o in group), key=lambda o: (o.applied_at, o.id))

    def in_place(self, operation_id: int, at: datetime | None = None) -> list[int]:
        with self._db.read() as s:
            return in_place(s, operation_id, at or utc_now())

    # --- the steps -------------------------------------------------------------------------------
    def apply(
        self,
        actor: Actor,
        operation_id: int,
        subject_id: int,
        when: datetime | None = None,
        sessions_required: int = 3,
        notes: str = "",
    ) -> StepResult:
        """Record that an ESO was applied for (the IOM team contacted, the case before the court)."""
        when = _moment(when, "application")
        notes = clean_text(notes, "Notes", MAX_NOTES, multiline=True)
        if not 1 <= sessions_required <= MAX_SESSIONS:
            raise SupportOrderError(f"An ESO requires between 1 and {MAX_SESSIONS} support sessions")
        said: dict[str, str] = {}

        def write(ctx: ActionContext) -> EntryDraft:
            s = ctx.session
            subject = s.get(Subject, subject_id)
            if subject is None or subject.operation_id != operation_id:
                raise SupportOrderError(f"There is no subject {subject_id} in this operation")
            if subject.category_key != SEX_WORKER:
                raise SupportOrderError(f"{subject.reference} is not a sex-worker subject; ESOs are for sex workers")
            open_order = s.scalars(
                select(SupportOrder).where(SupportOrder.subject_id == subject_id, SupportOrder.ended_at.is_(None))
            ).first()
            if open_order is not None:
                raise SupportOrderError(
                    f"{subject.reference} already has an ESO applied for on {open_order.applied_at:%d %b %Y}; "
                    "end it before applying again"
                )
            warnings = int(
                s.scalar(select(func.count()).where(Outcome.subject_id == subject_id, Outcome.kind == WARNING)) or 0
            )
            said["caution"] = order_caution(warnings)
            order = SupportOrder(
                operation_id=operation_id,
                subject_id=subject_id,
                applied_at=when,
                sessions_required=sessions_required,
                sessions_attended=0,
                notes=notes,
            )
            s.add(order)
            s.flush()
            text = f"ESO applied for: {subject.reference} ({sessions_required} support sessions)"
            if said["caution"]:
                text += f"; {said['caution']}"
            return EntryDraft(
                kind="eso.applied",
                text=text,
                ref_type="support_order",
                ref_id=str(order.id),
                payload={"subject": subject.reference, "warnings": warnings},
            )

        result = self._record.perform(actor, "eso.record", write, operation_id=operation_id, event_time=when)
        return StepResult(result, int(result.ref_id), said.get("caution", ""))

    def make(self, actor: Actor, operation_id: int, order_id: int, when: datetime | None = None) -> StepResult:
        """Record that the court made the order."""
        when = _moment(when, "order")

        def step(order: SupportOrder, reference: str) -> EntryDraft:
            if order.made_at is not None:
                raise SupportOrderError(f"{reference}'s ESO was already made on {order.made_at:%d %b %Y}")
            _not_before(when, order.applied_at, "order", "application")
            order.made_at = when
            return EntryDraft(
                kind="eso.made",
                text=f"ESO made by the court: {reference} ({order.sessions_required} support sessions)",
            )

        return self._step(actor, operation_id, order_id, when, step)

    def session_attended(
        self, actor: Actor, operation_id: int, order_id: int, when: datetime | None = None
    ) -> StepResult:
        """Count one support session attended, up to the number the order requires."""
        when = _moment(when, "session")

        def step(order: SupportOrder, reference: str) -> EntryDraft:
            if order.made_at is None:
                raise SupportOrderError(f"{reference}'s ESO has not been made yet; sessions start once it is")
            _not_before(when, order.made_at, "session", "order")
            if order.sessions_attended >= order.sessions_required:
                raise SupportOrderError(
                    f"All {order.sessions_required} sessions of {reference}'s ESO are attended; end it as completed"
                )
            order.sessions_attended += 1
            return EntryDraft(
                kind="eso.session",
                text=f"ESO support session attended: {reference}, "
                f"{order.sessions_attended} of {order.sessions_required}",
            )

        return self._step(actor, operation_id, order_id, when, step)

    def end(
        self,
        actor: Actor,
        operation_id: int,
        order_id: int,
        ending: str,
        when: datetime | None = None,
        notes: str = "",
    ) -> StepResult:
        """End the order: completed, refused (by the court), breached or withdrawn."""
        when = _moment(when, "ending")
        notes = clean_text(notes, "Notes", MAX_NOTES, multiline=True)
        if ending not in ENDINGS:
            raise SupportOrderError(f"An ESO ends as one of {', '.join(ENDINGS)}, not {ending!r}")

        def step(order: SupportOrder, reference: str) -> EntryDraft:
            made = order.made_at is not None
            if ending == "refused" and made:
                raise SupportOrderError(f"{reference}'s ESO was made; only an application can be refused")
            if ending in ("completed", "breached") and not made:
                raise SupportOrderError(f"{reference}'s ESO has not been made, so it cannot be {ending}")
            if ending == "completed" and order.sessions_attended < order.sessions_required:
                raise SupportOrderError(
                    f"{reference} has attended {order.sessions_attended} of {order.sessions_required} sessions; "
                    "an ESO is completed when all are attended"
                )
            _not_before(when, order.made_at or order.applied_at, "ending", "order" if made else "application")
            order.ended_at, order.ending = when, ending
            if notes:
                order.notes = f"{order.notes}\n{notes}".strip()
            return EntryDraft(kind="eso.ended", text=f"ESO ended ({ending}): {reference}")

        return self._step(actor, operation_id, order_id, when, step)

    def _step(
        self,
        actor: Actor,
        operation_id: int,
        order_id: int,
        when: datetime,
        step: Callable[[SupportOrder, str], EntryDraft],
    ) -> StepResult:
        def write(ctx: ActionContext) -> EntryDraft:
            order = ctx.session.get(SupportOrder, order_id)
            if order is None or order.operation_id != operation_id:
                raise SupportOrderError(f"There is no ESO {order_id} in this operation")
            subject = ctx.session.get(Subject, order.subject_id)
            reference = subject.reference if subject else f"subject {order.subject_id}"
            if order.ended_at is not None:
                raise SupportOrderError(
                    f"{reference}'s ESO already ended ({order.ending}) on {order.ended_at:%d %b %Y}"
                )
            draft = step(order, reference)
            ctx.session.flush()
            draft.ref_type, draft.ref_id = "support_order", str(order.id)
            draft.payload = {"subject": reference, "sessions": [order.sessions_attended, order.sessions_required]}
            return draft

        result = self._record.perform(actor, "eso.record", write, operation_id=operation_id, event_time=when)
        return StepResult(result, order_id)
