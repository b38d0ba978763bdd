"""The returns dashboard: the figures behind the charts (sightings per night by category, an
hour-by-night-of-the-week heat map, outcomes cumulative by operation week, top locations), for
an operation and a returns Period, counted by the return's own rule so that the charts and the
tables agree: current rows (corrections applied) that a record entry wrote, in local time.

One query per table selects only the columns the charts need; a single pass counts them, so a
ten-week operation of 100,000 sightings is counted in a fraction of a second.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from itertools import accumulate
from zoneinfo import ZoneInfo

from sqlalchemy import DateTime, String, cast, exists, select, type_coerce
from sqlalchemy.orm import InstrumentedAttribute, Session
from sqlalchemy.sql.elements import ColumnElement

from console.dispatch_rules import OUTCOME_WORDS
from console.returns import Period, ReturnsError, local_start
from storage.db import Database
from storage.models import Category, Location, Operation, Outcome, RecordRow, Sighting, Tier

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
TOP_LOCATIONS = 10
NO_LOCATION = "no location"  # the return's word for a sighting without one
Counts = tuple[tuple[int, ...], ...]
QUARTER = timedelta(minutes=15)
EPOCH, EPOCH_UTC = datetime(1970, 1, 1), datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class TierStart:
    number: int
    name: str
    start: date
    week: int  # the operation week holding the tier's first night


@dataclass(frozen=True)
class Dashboard:
    operation: str
    period_label: str
    timezone: str
    # (a) sightings per night: per_night[c][n] for categories[c] on the night of nights[n]
    nights: tuple[date, ...]
    categories: tuple[str, ...]
    per_night: tuple[tuple[int, ...], ...]
    # (b) heat[w][h]: sightings on the night of weekday WEEKDAYS[w] in local hour hours[h]; the
    # hours run from the night's start (18:00 first), so one night reads as one unbroken row
    weekdays: tuple[str, ...]
    hours: tuple[int, ...]
    heat: tuple[tuple[int, ...], ...]
    # (c) cumulative[k][i]: outcomes of outcome_kinds[k] from the operation's start to the end of
    # week weeks[i] (the last point stops at the period's end)
    weeks: tuple[int, ...]
    outcome_kinds: tuple[str, ...]
    cumulative: tuple[tuple[int, ...], ...]
    tiers: tuple[TierStart, ...]
    # (d) the busiest locations, most sightings first
    top_locations: tuple[tuple[str, int], ...]

    @property
    def sightings(self) -> int:
        return sum(map(sum, self.per_night))


def build_dashboard(db: Database, operation: str | None, period: Period) -> Dashboard:
    with db.read() as s:
        query = select(Operation).order_by(Operation.id)
        op = s.scalars(query.where(Operation.name == operation) if operation else query).first()
        if op is None:
            raise ReturnsError(f"No operation {operation!r}" if operation else "No operation in the database")
        tz = ZoneInfo(op.timezone)
        nights = _nights(op, period, tz)
        categories, per_night, heat, top = _sightings(s, op, period, tz, nights)
        weeks, cumulative = _outcomes(s, op, period, tz)
        tiers = tuple(
            TierStart(t.number, t.name, t.start_date, (t.start_date - op.start_date).days // 7 + 1)
            for t in s.scalars(select(Tier).where(Tier.operation_id == op.id).order_by(Tier.number))
        )
        return Dashboard(
            operation=op.title or op.name,
            period_label=period.label,
            timezone=op.timezone,
            nights=nights,
            categories=categories,
            per_night=per_night,
            weekdays=WEEKDAYS,
            hours=tuple((op.night_starts_hour + h) % 24 for h in range(24)),
            heat=heat,
            weeks=weeks,
            outcome_kinds=tuple(OUTCOME_WORDS.values()),
            cumulative=cumulative,
            tiers=tiers,
            top_locations=top,
        )


def _night_of(op: Operation, moment: datetime, tz: ZoneInfo) -> date:
    """The date whose night holds ``moment``: 01:00 belongs to the night before."""
    return (moment.astimezone(tz) - timedelta(hours=op.night_starts_hour)).date()


def _nights(op: Operation, period: Period, tz: ZoneInfo) -> tuple[date, ...]:
    first = _night_of(op, period.start, tz)
    last = _night_of(op, period.end - timedelta(microseconds=1), tz)
    return tuple(first + timedelta(days=n) for n in range((last - first).days + 1))


def _entered(table: str, row_id: InstrumentedAttribute[int]) -> ColumnElement[bool]:
    """A record entry wrote the row: the return counts no other (verify reports those)."""
    return exists().where(RecordRow.table == table, RecordRow.key == cast(row_id, String))


def _sightings(
    s: Session, op: Operation, period: Period, tz: ZoneInfo, nights: tuple[date, ...]
) -> tuple[tuple[str, ...], Counts, Counts, tuple[tuple[str, int], ...]]:
    """Categories, per_night, heat and top_locations as the Dashboard holds them."""
    # Only the columns the counts need and no joins (labels and names come from two small
    # lookups): on 100,000 sightings, SQLite's rows and Python's loop are the whole cost.
    # Naive UTC as stored: the zone is applied once a quarter-hour below, not once a row.
    stored_utc = type_coerce(Sighting.captured_at, DateTime())
    rows = (
        s.connection()
        .execute(
            select(stored_utc, Sighting.category_key, Sighting.location_id).where(
                Sighting.operation_id == op.id,
                Sighting.captured_at >= period.start,
                Sighting.captured_at < period.end,
                _entered("sighting", Sighting.id),
            )
        )
        .all()
    )
    categories = dict(s.execute(select(Category.key, Category.label).where(Category.operation_id == op.id)).all())
    names = dict(s.execute(select(Location.id, Location.name)).all())
    # The same category list as the return, so a category keeps its colour from period to period.
    labels = sorted(set(categories.values()))
    column = {label: i for i, label in enumerate(labels)}
    counted = [(at, key, place) for at, key, place in rows if key in categories]  # the return's inner join
    # By UTC quarter-hour first, then each quarter placed once in local time: exact, as every
    # zone's offsets and clock changes fall on whole UTC quarter-hours.
    quarters = Counter(((at - EPOCH) // QUARTER, key) for at, key, _ in counted)
    first = nights[0]
    per_night = [[0] * len(nights) for _ in labels]
    heat = [[0] * 24 for _ in WEEKDAYS]
    for (quarter, key), n in quarters.items():
        local = max(EPOCH_UTC + quarter * QUARTER, period.start).astimezone(tz)
        night = (local - timedelta(hours=op.night_starts_hour)).date()
        per_night[column[categories[key]]][(night - first).days] += n
        heat[night.weekday()][(local.hour - op.night_starts_hour) % 24] += n
    places: Counter[str] = Counter()
    for place, n in Counter(place for _, _, place in counted).items():
        places[(names.get(place) if place is not None else None) or NO_LOCATION] += n  # one line a name
    top = sorted(places.items(), key=lambda item: (-item[1], item[0]))[:TOP_LOCATIONS]
    return tuple(labels), tuple(map(tuple, per_night)), tuple(map(tuple, heat)), tuple(top)


def _outcomes(s: Session, op: Operation, period: Period, tz: ZoneInfo) -> tuple[tuple[int, ...], Counts]:
    """Weeks 1..N (N: the week of the period's last night) and each outcome kind's running total."""
    start = local_start(op, op.start_date)
    last_week = (_night_of(op, period.end - timedelta(microseconds=1), tz) - op.start_date).days // 7 + 1
    weeks = tuple(range(1, last_week + 1))
    # UTC instants at which weeks 2..N begin (local 18:00, so a week across a clock change is right)
    bounds = [local_start(op, op.start_date + timedelta(days=7 * w)) for w in weeks[:-1]]
    kinds = list(OUTCOME_WORDS)
    counts = [[0] * len(weeks) for _ in kinds]
    if weeks:
        rows = s.execute(
            select(Outcome.kind, Outcome.recorded_at).where(
                Outcome.operation_id == op.id,
                Outcome.recorded_at >= start,
                Outcome.recorded_at < period.end,
                Outcome.kind.in_(kinds),
                _entered("outcome", Outcome.id),
            )
        )
        index = {kind: i for i, kind in enumerate(kinds)}
        for kind, recorded_at in rows:
            counts[index[kind]][bisect_right(bounds, recorded_at)] += 1
    return weeks, tuple(tuple(accumulate(per_week)) for per_week in counts)
