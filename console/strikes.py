"""The three-strikes register: every sex worker with official warnings, referrals or an
Engagement and Support Order, their dates, and what the policy (console/policy.py, the one place
for the rule) allows next, an ESO in place included. A warning with no referral after it is an
exception to follow up: every warned person is referred to support services (DOMAIN.md). No
special-category data here: the register is shown on an ordinary dock."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select

from console.policy import REFERRAL, WARNING, three_strikes
from console.retention import erased_words
from console.support_orders import SEX_WORKER, OrderView, orders_by_subject
from console.tiers import tier_on
from storage.db import Database
from storage.models import Outcome, Subject


@dataclass(frozen=True)
class StrikesRow:
    subject_id: int
    reference: str
    description: str
    warnings: tuple[datetime, ...]
    referrals: tuple[tuple[datetime, str], ...]  # when, and to whom
    next_step: str
    exception: str  # "" when in order
    orders: tuple[OrderView, ...] = ()  # oldest first

    @property
    def order(self) -> OrderView | None:
        """The latest ESO, the one the next step depends on."""
        return self.orders[-1] if self.orders else None


def register(db: Database, operation_id: int, today: date | None = None) -> list[StrikesRow]:
    """Sex-worker subjects with any warning, referral or ESO, most warnings first."""
    today = today or date.today()
    with db.read() as s:
        tier = tier_on(s, operation_id, today)
        outcomes = s.execute(
            select(Outcome.subject_id, Outcome.kind, Outcome.recorded_at, Outcome.detail)
            .join(Subject, Subject.id == Outcome.subject_id)
            .where(
                Outcome.operation_id == operation_id,
                Subject.category_key == SEX_WORKER,
                Outcome.kind.in_((WARNING, REFERRAL)),
            )
            .order_by(Outcome.recorded_at)
        ).all()
        orders = orders_by_subject(s, operation_id)
        wanted = {o.subject_id for o in outcomes} | set(orders)
        subjects = {
            x.id: x
            for x in s.scalars(select(Subject).where(Subject.id.in_(wanted), Subject.category_key == SEX_WORKER))
        }
    warned: dict[int, list[datetime]] = {}
    referred: dict[int, list[tuple[datetime, str]]] = {}
    for o in outcomes:
        if o.kind == WARNING:
            warned.setdefault(o.subject_id, []).append(o.recorded_at)
        else:
            referred.setdefault(o.subject_id, []).append((o.recorded_at, o.detail or "support services"))
    rows = []
    for subject_id, subject in subjects.items():
        warnings, referrals = warned.get(subject_id, []), referred.get(subject_id, [])
        held = tuple(orders.get(subject_id, ()))
        latest = held[-1].state if held else None
        advice = three_strikes(len(warnings), len(referrals), int(tier or 1), in_prescribed_area=True, order=latest)
        unreferred = [w for w in warnings if not any(r >= w for r, _ in referrals)]
        exception = (
            f"warned on {unreferred[-1]:%d %b %Y} with no referral since: refer to support services"
            if unreferred
            else ""
        )
        rows.append(
            StrikesRow(
                subject_id,
                subject.reference,
                erased_words(subject.erased_at) or subject.description,
                tuple(warnings),
                tuple(referrals),
                advice.next_step,
                exception,
                held,
            )
        )
    rows.sort(key=lambda r: (-len(r.warnings), r.reference))
    return rows
