"""Daily returns, weekly performance and operation to date, computed from what the controllers
recorded: the current domain rows (corrections applied), never totals typed in.

A "day" is the night that starts at the operation's ``night_starts_hour`` (18:00 local by
default) on that date; operation weeks are seven such nights counted from the start date. The
bounds are local times turned into UTC, so a night or week across a clock change has its true
length (a week ending on the night the clocks go back holds the repeated hour once each time).
Every figure carries the record entries behind it (the entry that first wrote each row it
counts), exactly as many as it counts; each return carries the record's head.
"""

from __future__ import annotations

import csv
import io
import statistics
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from console.community import COMPLAINT, SOURCES, TENSION
from console.dispatch_rules import OUTCOME_WORDS
from console.record import RecordService, utc_now
from console.types import ChainHead
from storage.db import Database
from storage.models import (
    Category,
    CommunityReport,
    Location,
    Operation,
    Outcome,
    PatrolUnit,
    RecordEntry,
    RecordRow,
    Sighting,
    Subject,
    SubjectSensitive,
    SupportOrder,
    TaskingUnit,
    Team,
    Tier,
    UnitStatusChange,
)

CSV_RISKY = ("=", "+", "-", "@", "\t", "\r")
# Special-category data: counts only, no entries (see ReturnsService._subjects).
SPECIAL_ETHNICITY = "Special category, counts only: subjects seen by ethnicity"
SPECIAL_NEEDS = "Special category, counts only: dependency and vulnerability"
COUNT_ONLY = "subjects (count only)"
# The record entry kinds of an ESO's steps (console/support_orders.py writes them).
ESO_APPLIED, ESO_MADE, ESO_ENDED = "eso.applied", "eso.made", "eso.ended"


class ReturnsError(ValueError):
    """The period asked for does not exist (said in one sentence)."""


@dataclass(frozen=True)
class Period:
    kind: str  # day, week, to_date
    label: str
    start: datetime  # UTC, inclusive
    end: datetime  # UTC, exclusive


@dataclass(frozen=True)
class Figure:
    section: str
    label: str
    value: float
    entries: tuple[int, ...] = ()  # record entries behind the figure
    unit: str = ""


@dataclass(frozen=True)
class Return:
    operation: str
    period: Period
    figures: tuple[Figure, ...]
    head: ChainHead
    generated_at: datetime
    timezone: str

    def figure(self, section: str, label: str) -> Figure:
        for f in self.figures:
            if (f.section, f.label) == (section, label):
                return f
        raise KeyError(f"no figure {section} / {label}")

    def value(self, section: str, label: str) -> float:
        try:
            return self.figure(section, label).value
        except KeyError:
            return 0


def local_start(op: Operation, day: date) -> datetime:
    return datetime.combine(day, time(op.night_starts_hour), ZoneInfo(op.timezone)).astimezone(UTC)


def night(op: Operation, day: date) -> Period:
    return Period("day", f"Night of {day:%A %d %B %Y}", local_start(op, day), local_start(op, day + timedelta(days=1)))


def week(op: Operation, number: int) -> Period:
    if number < 1:
        raise ReturnsError("Operation weeks are counted from 1")
    first = op.start_date + timedelta(days=7 * (number - 1))
    last = first + timedelta(days=6)
    label = f"Week {number}: nights of {first:%d %b} to {last:%d %b %Y}"
    return Period("week", label, local_start(op, first), local_start(op, last + timedelta(days=1)))


def to_date(op: Operation, now: datetime) -> Period:
    return Period(
        "to_date",
        f"Operation to date ({now.astimezone(ZoneInfo(op.timezone)):%d %b %Y %H:%M})",
        local_start(op, op.start_date),
        now,
    )


def _entries_for(s: Session, table: str, ids: Iterable[int], kind: str | None = None) -> dict[int, int]:
    """Row id -> the first record entry that wrote it (of that kind, when a row is written by
    several actions and the figure counts one of them: an ESO made, not applied for)."""
    keys = [str(i) for i in ids]
    found: dict[int, int] = {}
    for chunk in range(0, len(keys), 900):
        part = keys[chunk : chunk + 900]
        query = (
            select(RecordRow.key, func.min(RecordRow.seq))
            .where(RecordRow.table == table, RecordRow.key.in_(part))
            .group_by(RecordRow.key)
        )
        if kind is not None:
            query = query.join(RecordEntry, RecordEntry.seq == RecordRow.seq).where(RecordEntry.kind == kind)
        found.update({int(k): int(seq) for k, seq in s.execute(query)})
    return found


class _Figures:
    def __init__(self) -> None:
        self.items: list[Figure] = []

    def count(self, section: str, label: str, entries: Sequence[int]) -> None:
        self.items.append(Figure(section, label, len(entries), tuple(sorted(entries))))

    def groups(self, section: str, groups: dict[str, list[int]], order: Sequence[str] | None = None) -> None:
        for label in order if order is not None else sorted(groups):
            self.count(section, label, groups.get(label, []))


class ReturnsService:
    def __init__(self, db: Database, record: RecordService) -> None:
        self._db = db
        self._record = record

    def _operation(self, s: Session, name: str | None) -> Operation:
        query = select(Operation).order_by(Operation.id)
        if name:
            query = query.where(Operation.name == name)
        op = s.scalars(query).first()
        if op is None:
            raise ReturnsError(f"No operation {name!r}" if name else "No operation in the database")
        return op

    def period(self, operation: str | None, kind: str, value: Any = None, now: datetime | None = None) -> Period:
        with self._db.read() as s:
            op = self._operation(s, operation)
            if kind == "day":
                return night(op, value)
            if kind == "week":
                return week(op, int(value))
            return to_date(op, now or utc_now())

    def build(self, operation: str | None, period: Period) -> Return:
        head = self._record.head()  # first: the return covers no less than the head it names
        with self._db.read() as s:
            op = self._operation(s, operation)
            tz = ZoneInfo(op.timezone)
            figures = _Figures()
            self._sightings(s, op, period, tz, figures)
            self._outcomes(s, op, period, tz, figures)
            self._response(s, op, period, figures)
            self._community(s, op, period, figures)
            self._support_orders(s, op, period, figures)
            return Return(op.title or op.name, period, tuple(figures.items), head, utc_now(), op.timezone)

    # --- the figures -----------------------------------------------------------------------------
    def _sightings(self, s: Session, op: Operation, period: Period, tz: ZoneInfo, out: _Figures) -> None:
        rows = s.execute(
            select(
                Sighting.id,
                Sighting.captured_at,
                Sighting.subject_id,
                Sighting.vehicle_id,
                Category.label,
                Location.name,
                Sighting.in_prescribed_area,
            )
            .join(Category, (Category.operation_id == Sighting.operation_id) & (Category.key == Sighting.category_key))
            .outerjoin(Location, Location.id == Sighting.location_id)
            .where(
                Sighting.operation_id == op.id, Sighting.captured_at >= period.start, Sighting.captured_at < period.end
            )
            .order_by(Sighting.captured_at)
        ).all()
        entry = _entries_for(s, "sighting", [r.id for r in rows])
        by_category: dict[str, list[int]] = defaultdict(list)
        by_location: dict[str, list[int]] = defaultdict(list)
        by_hour: dict[str, list[int]] = defaultdict(list)
        subjects: dict[int, int] = {}
        vehicles: dict[int, int] = {}
        inside: list[int] = []
        for r in rows:
            seq = entry.get(r.id)
            if seq is None:
                continue  # a row no entry wrote: verify reports it; it is not counted here
            by_category[r.label].append(seq)
            by_location[r.name or "no location"].append(seq)
            by_hour[f"{r.captured_at.astimezone(tz):%H}:00"].append(seq)
            if r.in_prescribed_area:
                inside.append(seq)
            if r.subject_id is not None:
                subjects.setdefault(r.subject_id, seq)  # the first sighting of each in the period
            if r.vehicle_id is not None:
                vehicles.setdefault(r.vehicle_id, seq)
        categories = [c for (c,) in s.execute(select(Category.label).where(Category.operation_id == op.id))]
        out.count("Sightings", "All sightings", [e for v in by_category.values() for e in v])
        out.count("Sightings", "In the prescribed area", inside)
        out.groups("Sightings by category", by_category, sorted(set(categories) | set(by_category)))
        out.groups("Sightings by location", by_location)
        start = datetime.combine(date(2000, 1, 1), time(op.night_starts_hour))
        hours = [f"{(start + timedelta(hours=h)).hour:02d}:00" for h in range(24)]
        out.groups("Sightings by hour (local)", by_hour, hours)
        out.count("People and vehicles", "Different subjects seen", list(subjects.values()))
        out.count("People and vehicles", "Different vehicles seen", list(vehicles.values()))
        self._subjects(s, op, subjects, out)

    def _subjects(self, s: Session, op: Operation, first_seen: dict[int, int], out: _Figures) -> None:
        """Age band and locality of the people seen (each once, by the entry of their first
        sighting in the period), and the special-category data only as counts: a count of
        special-category data opens no entries, since the entries behind a small count would
        point at the persons (DOMAIN.md: restricted, never per person in a return)."""
        labels = dict(s.execute(select(Category.key, Category.label).where(Category.operation_id == op.id)).all())
        ids = list(first_seen)
        people: list[Any] = []
        for chunk in range(0, len(ids), 900):
            people += s.execute(
                select(
                    Subject.id,
                    Subject.category_key,
                    Subject.age_band,
                    Subject.locality,
                    SubjectSensitive.ethnicity,
                    SubjectSensitive.dependency,
                    SubjectSensitive.vulnerability,
                )
                .outerjoin(SubjectSensitive, SubjectSensitive.subject_id == Subject.id)
                .where(Subject.id.in_(ids[chunk : chunk + 900]))
            ).all()
        by_age: dict[str, list[int]] = defaultdict(list)
        by_locality: dict[str, list[int]] = defaultdict(list)
        ethnicity: dict[str, int] = defaultdict(int)
        needs: dict[str, int] = defaultdict(int)
        for p in people:
            group = labels.get(p.category_key, p.category_key)
            seq = first_seen[p.id]
            by_age[f"{group}: {p.age_band or 'not recorded'}"].append(seq)
            by_locality[f"{group}: {p.locality or 'not recorded'}"].append(seq)
            ethnicity[f"{group}: {p.ethnicity or 'not recorded'}"] += 1
            needs[f"{group}: dependency issue recorded"] += 1 if (p.dependency or "").strip() else 0
            needs[f"{group}: vulnerability recorded"] += 1 if (p.vulnerability or "").strip() else 0
        out.groups("Subjects seen by age band", by_age)
        out.groups("Subjects seen by locality", by_locality)
        for label in sorted(ethnicity):
            out.items.append(Figure(SPECIAL_ETHNICITY, label, ethnicity[label], unit=COUNT_ONLY))
        for label in sorted(needs):
            out.items.append(Figure(SPECIAL_NEEDS, label, needs[label], unit=COUNT_ONLY))

    def _community(self, s: Session, op: Operation, period: Period, out: _Figures) -> None:
        rows = s.execute(
            select(CommunityReport.id, CommunityReport.kind, CommunityReport.source).where(
                CommunityReport.operation_id == op.id,
                CommunityReport.reported_at >= period.start,
                CommunityReport.reported_at < period.end,
            )
        ).all()
        entry = _entries_for(s, "community_report", [r.id for r in rows])
        kinds: dict[str, list[int]] = defaultdict(list)
        sources: dict[str, list[int]] = defaultdict(list)
        for r in rows:
            if r.id in entry:
                kinds[r.kind].append(entry[r.id])
                if r.kind == COMPLAINT:
                    sources[SOURCES.get(r.source, r.source)].append(entry[r.id])
        out.count("Community", "Community complaints", kinds.get(COMPLAINT, []))
        out.count("Community", "Community tension notes", kinds.get(TENSION, []))
        out.groups("Community complaints by source", sources)

    def _support_orders(self, s: Session, op: Operation, period: Period, out: _Figures) -> None:
        """ESOs applied for, made and ended in the period (by the entry recording each step), and
        in place at its end (made, not ended; by the entry that recorded the order made)."""
        rows = s.execute(
            select(
                SupportOrder.id,
                SupportOrder.applied_at,
                SupportOrder.made_at,
                SupportOrder.ended_at,
                SupportOrder.ending,
            ).where(SupportOrder.operation_id == op.id, SupportOrder.applied_at < period.end)
        ).all()
        ids = [r.id for r in rows]
        applied = _entries_for(s, "support_order", ids, ESO_APPLIED)
        made = _entries_for(s, "support_order", ids, ESO_MADE)
        ended = _entries_for(s, "support_order", ids, ESO_ENDED)

        def within(at: datetime | None) -> bool:
            return at is not None and period.start <= at < period.end

        out.count("ESOs", "Applied for", [applied[r.id] for r in rows if within(r.applied_at) and r.id in applied])
        out.count("ESOs", "Made by the court", [made[r.id] for r in rows if within(r.made_at) and r.id in made])
        out.count(
            "ESOs",
            "Completed",
            [ended[r.id] for r in rows if within(r.ended_at) and r.ending == "completed" and r.id in ended],
        )
        out.count(
            "ESOs",
            "Ended otherwise (refused, breached, withdrawn)",
            [ended[r.id] for r in rows if within(r.ended_at) and r.ending != "completed" and r.id in ended],
        )
        in_place = [
            made[r.id]
            for r in rows
            if r.made_at is not None
            and r.made_at < period.end
            and (r.ended_at is None or r.ended_at >= period.end)
            and r.id in made
        ]
        out.count("ESOs", "In place at the end of the period", in_place)

    def _outcomes(self, s: Session, op: Operation, period: Period, tz: ZoneInfo, out: _Figures) -> None:
        rows = s.execute(
            select(Outcome.id, Outcome.kind, Outcome.recorded_at, Outcome.tasking_id).where(
                Outcome.operation_id == op.id, Outcome.recorded_at >= period.start, Outcome.recorded_at < period.end
            )
        ).all()
        entry = _entries_for(s, "outcome", [r.id for r in rows])
        teams = dict(
            s.execute(
                select(TaskingUnit.tasking_id, Team.name)
                .join(PatrolUnit, PatrolUnit.id == TaskingUnit.unit_id)
                .join(Team, Team.id == PatrolUnit.team_id)
                .where(
                    TaskingUnit.role == "primary",
                    TaskingUnit.tasking_id.in_([r.tasking_id for r in rows if r.tasking_id]),
                )
            ).all()
        )
        tiers = s.execute(select(Tier.number, Tier.start_date).where(Tier.operation_id == op.id)).all()
        by_kind: dict[str, list[int]] = defaultdict(list)
        by_team: dict[str, list[int]] = defaultdict(list)
        by_tier: dict[str, list[int]] = defaultdict(list)
        for r in rows:
            seq = entry.get(r.id)
            if seq is None:
                continue
            by_kind[OUTCOME_WORDS.get(r.kind, r.kind)].append(seq)
            by_team[teams.get(r.tasking_id, "not from a tasking (console)")].append(seq)
            local = r.recorded_at.astimezone(tz)
            night_of = (local - timedelta(hours=op.night_starts_hour)).date()
            tier = max((t.number for t in tiers if t.start_date <= night_of), default=1)
            by_tier[f"Tier {tier}"].append(seq)
        out.groups("Outcomes", by_kind, list(OUTCOME_WORDS.values()))
        out.groups("Outcomes by team", by_team)
        out.groups("Outcomes by tier", by_tier)

    def _response(self, s: Session, op: Operation, period: Period, out: _Figures) -> None:
        """Dispatched to on scene, per tasking opened in the period (its first unit there)."""
        changes = s.execute(
            select(
                UnitStatusChange.id,
                UnitStatusChange.tasking_id,
                UnitStatusChange.to_status,
                UnitStatusChange.changed_at,
            )
            .join(PatrolUnit, PatrolUnit.id == UnitStatusChange.unit_id)
            .where(
                PatrolUnit.operation_id == op.id,
                UnitStatusChange.tasking_id.is_not(None),
                UnitStatusChange.to_status.in_(("dispatched", "on_scene")),
                UnitStatusChange.changed_at >= period.start,
                UnitStatusChange.changed_at < period.end + timedelta(hours=12),
            )
            .order_by(UnitStatusChange.changed_at)
        ).all()
        dispatched: dict[int, datetime] = {}
        arrived: dict[int, tuple[int, datetime]] = {}
        for c in changes:
            if c.to_status == "dispatched" and c.tasking_id not in dispatched and c.changed_at < period.end:
                dispatched[c.tasking_id] = c.changed_at
            elif c.to_status == "on_scene" and c.tasking_id in dispatched and c.tasking_id not in arrived:
                arrived[c.tasking_id] = (c.id, c.changed_at)
        entry = _entries_for(s, "unit_status_change", [change_id for change_id, _ in arrived.values()])
        minutes = [(at - dispatched[t]).total_seconds() / 60 for t, (_, at) in arrived.items()]
        seqs = [entry[change_id] for change_id, _ in arrived.values() if change_id in entry]
        out.count("Response", "Taskings reached on scene", seqs)
        if minutes:
            out.items.append(
                Figure(
                    "Response",
                    "Dispatched to on scene, median",
                    round(statistics.median(minutes), 1),
                    tuple(sorted(seqs)),
                    "min",
                )
            )
            ordered = sorted(minutes)
            p90 = ordered[min(len(ordered) - 1, int(0.9 * len(ordered)))]
            out.items.append(
                Figure("Response", "Dispatched to on scene, 90th percentile", round(p90, 1), tuple(sorted(seqs)), "min")
            )


# --- output --------------------------------------------------------------------------------------


def safe_cell(value: object) -> str:
    """A CSV cell a spreadsheet will not run: text starting with = + - @ or a tab is quoted."""
    text = str(value)
    return "'" + text if text.startswith(CSV_RISKY) else text


def to_csv(report: Return) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    tz = ZoneInfo(report.timezone)
    p = report.period
    for key, value in (
        ("Operation", report.operation),
        ("Period", p.label),
        ("From", p.start.astimezone(tz).isoformat()),
        ("To", p.end.astimezone(tz).isoformat()),
        ("Record head", f"{report.head.count} entries, {report.head.hash}"),
        ("Generated", report.generated_at.astimezone(tz).isoformat(timespec="seconds")),
    ):
        writer.writerow([safe_cell(key), safe_cell(value)])
    writer.writerow([])
    writer.writerow(["Section", "Figure", "Value", "Unit", "Record entries"])
    for f in report.figures:
        number = int(f.value) if float(f.value).is_integer() else f.value
        writer.writerow([safe_cell(f.section), safe_cell(f.label), number, f.unit, " ".join(map(str, f.entries))])
    return out.getvalue()


def write_pdf(report: Return, path: Path, charts: Sequence[tuple[str, Any]] = ()) -> None:
    """The return as a printable table (Qt's PDF writer), then ``charts``: (title, QImage) as
    widgets.dashboard.chart_images draws them (on the GUI thread: a worker may write the PDF)."""
    from widgets.returns_pdf import render_return  # Qt only when a PDF is wanted

    body = to_json(report)
    facts = [
        ("Operation", report.operation),
        ("Period", report.period.label),
        ("From", body["period"]["start_local"]),
        ("To", body["period"]["end_local"]),
        ("Record head", f"{report.head.count} entries, {report.head.hash}"),
    ]
    rows = [(f.section, f.label, f"{f.value:g} {f.unit}".strip()) for f in report.figures]
    render_return(path, f"Sentinel Console: {report.period.label}", facts, rows, charts)


def write_text(text: str, path: Path) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


def to_json(report: Return) -> dict[str, Any]:
    tz = ZoneInfo(report.timezone)
    return {
        "operation": report.operation,
        "period": {
            "kind": report.period.kind,
            "label": report.period.label,
            "start_local": report.period.start.astimezone(tz).isoformat(),
            "end_local": report.period.end.astimezone(tz).isoformat(),
        },
        "record_head": {"entries": report.head.count, "hash": report.head.hash},
        "generated_at": report.generated_at.isoformat(timespec="seconds"),
        "figures": [
            {"section": f.section, "label": f.label, "value": f.value, "unit": f.unit, "entries": list(f.entries)}
            for f in report.figures
        ],
    }
