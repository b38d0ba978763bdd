"""The tier in force at a moment: tiers start on a night (the operation's local date at
``night_starts_hour``), so 01:00 on a tier's start date still belongs to the tier before."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import Operation, Tier


def night_of(op: Operation, at: datetime) -> date:
    return (at.astimezone(ZoneInfo(op.timezone)) - timedelta(hours=op.night_starts_hour)).date()


def tier_on(s: Session, operation_id: int, night: date) -> int:
    """The tier in force on the night starting on ``night`` (1 before any tier starts)."""
    number = s.scalar(
        select(Tier.number)
        .where(Tier.operation_id == operation_id, Tier.start_date <= night)
        .order_by(Tier.start_date.desc())
        .limit(1)
    )
    return int(number or 1)


def tier_in_force(s: Session, operation_id: int, at: datetime) -> int:
    op = s.get(Operation, operation_id)
    return tier_on(s, operation_id, night_of(op, at)) if op is not None else 1
