"""Partner actions: environmental findings (litter, lighting, a place needing a camera, an open
alley or "rabbit run") given to a partner with an owner and a due date, reviewed fortnightly.

A controller or supervisor raises an action, typed in or from a sighting of an "environment"
category; supervisors review it (status, note, a new due date). Each raise and each review is one
record entry through the one write path; the entry says which action, which partner and when it
is due, never the finding's or the note's words (they stay in the domain rows). Overdue means the
due date has passed and the action is neither done nor cancelled; the next review is due 14 days
after the last review (or after raising). Dates are the operation's local dates.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from console.partner_rules import (
    CLOSED,
    KNOWN_PARTNERS,
    LATEST_DUE,
    MAX_FINDING,
    MAX_NAME,
    MAX_NOTE,
    REVIEW_EVERY,
    STATUS_WORDS,
)
from console.record import ActionContext, EntryDraft, RecordService, utc_now
from console.returns import safe_cell, write_text
from console.text import TextError, clean_text
from console.types import ActionResult, Actor, ChainHead
from storage.db import Database
from storage.models import Category, Location, Operation, PartnerAction, PartnerActionReview, Sighting

ENVIRONMENT = "environment"


class PartnerActionError(ValueError):
    """A partner action that cannot be raised or reviewed as given, said in one sentence."""


@dataclass(frozen=True)
class PartnerActionView:
    id: int
    reference: str
    finding: str
    location: str
    partner: str
    owner: str
    due_on: date
    status: str
    raised_at: datetime
    sighting_id: int | None
    last_review_at: datetime | None
    last_review_by: str
    last_review_note: str
    reviews: int
    overdue: bool
    days_overdue: int
    next_review_due: date | None  # None once done or cancelled
    review_overdue: bool

    @property
    def status_words(self) -> str:
        return STATUS_WORDS.get(self.status, self.status)

    @property
    def overdue_words(self) -> str:
        """The overdue state in words (colour never carries it alone)."""
        if not self.overdue:
            return ""
        return f"OVERDUE by {self.days_overdue} day{'' if self.days_overdue == 1 else 's'}"

    @property
    def is_open(self) -> bool:
        return self.status not in CLOSED


@dataclass(frozen=True)
class ReviewView:
    reviewed_at: datetime
    reviewed_by: str
    status: str
    due_on: date
    note: str


@dataclass(frozen=True)
class FindingChoice:
    """A recent sighting of an environment category that an action can start from."""

    sighting_id: int
    captured_at: datetime
    category_label: str
    location_key: str
    location: str
    notes: str

    @property
    def finding(self) -> str:
        return self.notes or f"{self.category_label} at {self.location or 'an unrecorded place'}"


@dataclass(frozen=True)
class PartnerActionsReport:
    """What the partnership meeting gets: the actions, the date and the record's head."""

    operation: str
    today: date
    generated_at: datetime
    head: ChainHead
    actions: tuple[PartnerActionView, ...]
    timezone: str

    def by_partner(self) -> list[tuple[str, list[PartnerActionView]]]:
        groups: dict[str, list[PartnerActionView]] = defaultdict(list)
        for action in self.actions:
            groups[action.partner].append(action)
        return sorted(groups.items(), key=lambda item: item[0].lower())


def action_reference(action_id: int) -> str:
    return f"PA-{action_id:04d}"


def parse_status(value: str) -> str:
    key = "_".join(value.strip().lower().replace("-", " ").split())
    if key not in STATUS_WORDS:
        raise PartnerActionError(f"Status {value.strip()!r} is not one of: {', '.join(STATUS_WORDS.values())}.")
    return key


def _text(value: str, field: str, limit: int, *, multiline: bool = False, required: bool = False) -> str:
    try:
        return clean_text(value, field, limit, multiline=multiline, required=required)
    except TextError as exc:
        raise PartnerActionError(str(exc)) from None


def _check_due(due_on: date, today: date) -> None:
    if due_on < today:
        raise PartnerActionError(f"The due date {due_on:%d %b %Y} has passed; give today or a later date.")
    if due_on > today + LATEST_DUE:
        raise PartnerActionError(f"The due date {due_on:%d %b %Y} is more than a year ahead; check the year.")


def _operation(s: Session, operation_id: int) -> Operation:
    op = s.get(Operation, operation_id)
    if op is None:
        raise PartnerActionError(f"No operation {operation_id} in the database.")
    return op


def _local_today(op: Operation, now: datetime) -> date:
    return now.astimezone(ZoneInfo(op.timezone)).date()


def _location(s: Session, operation_id: int, name: str) -> Location | None:
    wanted = name.strip().lower()
    if not wanted:
        return None
    rows = s.scalars(select(Location).where(Location.operation_id == operation_id).order_by(Location.name)).all()
    for row in rows:
        if wanted in (row.key.lower(), row.name.lower()):
            return row
    known = ", ".join(r.name for r in rows)
    raise PartnerActionError(f"No location {name.strip()!r} in this operation; known: {known}.")


def _environment_sighting(s: Session, operation_id: int, sighting_id: int) -> tuple[Sighting, Category]:
    row = s.execute(
        select(Sighting, Category)
        .join(Category, (Category.operation_id == Sighting.operation_id) & (Category.key == Sighting.category_key))
        .where(Sighting.id == sighting_id, Sighting.operation_id == operation_id)
    ).first()
    if row is None:
        raise PartnerActionError(f"Sighting {sighting_id} is not a sighting of this operation.")
    sighting, category = row
    if category.kind != ENVIRONMENT:
        raise PartnerActionError(
            f"Sighting {sighting_id} is a {category.label.lower()} sighting, not a community issue or "
            "environmental finding."
        )
    return sighting, category


class PartnerActionService:
    def __init__(self, db: Database, record: RecordService) -> None:
        self._db = db
        self._record = record

    # --- writing ---------------------------------------------------------------------------------
    def raise_action(
        self,
        actor: Actor,
        operation_id: int,
        *,
        partner: str,
        owner: str,
        due_on: date,
        finding: str = "",
        location: str = "",
        sighting_id: int | None = None,
        now: datetime | None = None,
    ) -> ActionResult:
        """Raise an action; without ``finding`` a sighting's notes (or its category and place) say it."""
        typed = _text(finding, "The finding", MAX_FINDING, multiline=True)
        partner = _text(partner, "The partner", MAX_NAME, required=True)
        owner = _text(owner, "The owner", MAX_NAME, required=True)
        if not typed and sighting_id is None:
            raise PartnerActionError("Say what was found (the finding), or start from a sighting.")
        now = now or utc_now()

        def write(ctx: ActionContext) -> EntryDraft:
            s = ctx.session
            op = _operation(s, operation_id)
            _check_due(due_on, _local_today(op, now))
            place = _location(s, operation_id, location)
            words = typed
            if sighting_id is not None:
                sighting, category = _environment_sighting(s, operation_id, sighting_id)
                if place is None and sighting.location_id is not None:
                    place = s.get(Location, sighting.location_id)
                if not words:
                    seen = sighting.captured_at.astimezone(ZoneInfo(op.timezone))
                    where = place.name if place else "an unrecorded place"
                    words = sighting.notes.strip() or f"{category.label} at {where}, seen {seen:%d %b %Y %H:%M}"
                    words = words[:MAX_FINDING]
            row = PartnerAction(
                operation_id=operation_id,
                finding=words,
                sighting_id=sighting_id,
                location_id=place.id if place else None,
                partner=partner,
                owner=owner,
                due_on=due_on,
                status="open",
                raised_at=now,
            )
            s.add(row)
            s.flush()
            ref = action_reference(row.id)
            at = f" at {place.name}" if place else ""
            return EntryDraft(
                kind="partner_action.raised",
                text=f"Partner action {ref}{at} raised for {partner}, due {due_on:%d %b %Y}",
                ref_type="partner_action",
                ref_id=str(row.id),
                payload={"reference": ref, "partner": partner, "due_on": due_on.isoformat(), "sighting": sighting_id},
            )

        return self._record.perform(actor, "partner_action.raise", write, operation_id=operation_id, event_time=now)

    def review(
        self,
        actor: Actor,
        operation_id: int,
        action_id: int,
        *,
        status: str,
        note: str = "",
        due_on: date | None = None,
        now: datetime | None = None,
    ) -> ActionResult:
        """Record a review (supervisors): the status, a note, and a new due date if one is given."""
        key = parse_status(status)
        note = _text(note, "The review note", MAX_NOTE, multiline=True)
        now = now or utc_now()

        def write(ctx: ActionContext) -> EntryDraft:
            s = ctx.session
            op = _operation(s, operation_id)
            row = s.get(PartnerAction, action_id)
            if row is None or row.operation_id != operation_id:
                raise PartnerActionError(f"No partner action {action_reference(action_id)} in this operation.")
            if due_on is not None and due_on != row.due_on:
                _check_due(due_on, _local_today(op, now))
                row.due_on = due_on
            row.status = key
            row.reviewed_at = now
            if key in CLOSED:
                row.closed_at = row.closed_at or now
            else:
                row.closed_at = None  # reopened
            s.add(
                PartnerActionReview(
                    action_id=row.id,
                    reviewed_at=now,
                    reviewed_by=actor.login,
                    status=key,
                    due_on=row.due_on,
                    note=note,
                )
            )
            s.flush()
            ref = action_reference(row.id)
            return EntryDraft(
                kind="partner_action.reviewed",
                text=f"Partner action {ref} reviewed: {STATUS_WORDS[key]}, due {row.due_on:%d %b %Y}",
                ref_type="partner_action",
                ref_id=str(row.id),
                payload={"reference": ref, "status": key, "due_on": row.due_on.isoformat(), "note": bool(note)},
            )

        return self._record.perform(actor, "partner_action.review", write, operation_id=operation_id, event_time=now)

    # --- reading ---------------------------------------------------------------------------------
    def actions(
        self, operation_id: int, *, open_only: bool = False, now: datetime | None = None
    ) -> list[PartnerActionView]:
        """Open actions first, by due date; overdue and review dates as of ``now``."""
        now = now or utc_now()
        with self._db.read() as s:
            op = _operation(s, operation_id)
            return self._views(s, op, open_only, now)

    def _views(self, s: Session, op: Operation, open_only: bool, now: datetime) -> list[PartnerActionView]:
        tz = ZoneInfo(op.timezone)
        today = _local_today(op, now)
        query = (
            select(PartnerAction, Location.name)
            .outerjoin(Location, Location.id == PartnerAction.location_id)
            .where(PartnerAction.operation_id == op.id)
        )
        if open_only:
            query = query.where(PartnerAction.status.not_in(CLOSED))
        rows = s.execute(query).all()
        counts: dict[int, int] = defaultdict(int)
        last: dict[int, PartnerActionReview] = {}
        for review in s.scalars(
            select(PartnerActionReview)
            .join(PartnerAction, PartnerAction.id == PartnerActionReview.action_id)
            .where(PartnerAction.operation_id == op.id)
            .order_by(PartnerActionReview.reviewed_at, PartnerActionReview.id)
        ):
            counts[review.action_id] += 1
            last[review.action_id] = review  # the latest wins
        views = []
        for a, place in rows:
            is_open = a.status not in CLOSED
            overdue = is_open and a.due_on < today
            latest = last.get(a.id)
            reviewed = latest.reviewed_at if latest else None
            next_review = (reviewed or a.raised_at).astimezone(tz).date() + REVIEW_EVERY if is_open else None
            views.append(
                PartnerActionView(
                    id=a.id,
                    reference=action_reference(a.id),
                    finding=a.finding,
                    location=place or "",
                    partner=a.partner,
                    owner=a.owner,
                    due_on=a.due_on,
                    status=a.status,
                    raised_at=a.raised_at,
                    sighting_id=a.sighting_id,
                    last_review_at=reviewed,
                    last_review_by=latest.reviewed_by if latest else "",
                    last_review_note=latest.note if latest else "",
                    reviews=counts[a.id],
                    overdue=overdue,
                    days_overdue=(today - a.due_on).days if overdue else 0,
                    next_review_due=next_review,
                    review_overdue=next_review is not None and next_review < today,
                )
            )
        views.sort(key=lambda v: (not v.is_open, v.due_on, v.id))
        return views

    def reviews(self, operation_id: int, action_id: int) -> list[ReviewView]:
        """An action's reviews, oldest first."""
        with self._db.read() as s:
            rows = s.scalars(
                select(PartnerActionReview)
                .join(PartnerAction, PartnerAction.id == PartnerActionReview.action_id)
                .where(PartnerAction.id == action_id, PartnerAction.operation_id == operation_id)
                .order_by(PartnerActionReview.reviewed_at, PartnerActionReview.id)
            ).all()
            return [ReviewView(r.reviewed_at, r.reviewed_by, r.status, r.due_on, r.note) for r in rows]

    def partners(self, operation_id: int) -> list[str]:
        """The partners to offer: DOMAIN.md's, then any others already used in this operation."""
        with self._db.read() as s:
            used = s.scalars(select(PartnerAction.partner).where(PartnerAction.operation_id == operation_id).distinct())
            extra = sorted(set(used) - set(KNOWN_PARTNERS), key=str.lower)
        return [*KNOWN_PARTNERS, *extra]

    def locations(self, operation_id: int) -> list[tuple[str, str]]:
        """(key, name) of the operation's locations, by name."""
        with self._db.read() as s:
            rows = s.execute(
                select(Location.key, Location.name).where(Location.operation_id == operation_id).order_by(Location.name)
            ).all()
        return [(k, n) for k, n in rows]

    def recent_findings(self, operation_id: int, days: int = 28, limit: int = 50) -> list[FindingChoice]:
        """Sightings of environment categories in the last ``days``, newest first."""
        since = utc_now() - timedelta(days=days)
        with self._db.read() as s:
            rows = s.execute(
                select(Sighting, Category.label, Location.key, Location.name)
                .join(
                    Category,
                    (Category.operation_id == Sighting.operation_id) & (Category.key == Sighting.category_key),
                )
                .outerjoin(Location, Location.id == Sighting.location_id)
                .where(
                    Sighting.operation_id == operation_id,
                    Category.kind == ENVIRONMENT,
                    Sighting.captured_at >= since,
                )
                .order_by(Sighting.captured_at.desc())
                .limit(limit)
            ).all()
            return [
                FindingChoice(x.id, x.captured_at, label, key or "", name or "", x.notes.strip())
                for x, label, key, name in rows
            ]

    def report(self, operation_id: int, *, open_only: bool = True, now: datetime | None = None) -> PartnerActionsReport:
        """The actions for the partnership meeting, with the record's head."""
        head = self._record.head()  # first: the list covers no less than the head it names
        now = now or utc_now()
        with self._db.read() as s:
            op = _operation(s, operation_id)
            actions = self._views(s, op, open_only, now)
            return PartnerActionsReport(
                op.title or op.name, _local_today(op, now), now, head, tuple(actions), op.timezone
            )


# --- output --------------------------------------------------------------------------------------

CSV_COLUMNS = (
    "Reference",
    "Partner",
    "Finding",
    "Location",
    "Owner",
    "Due",
    "Status",
    "Overdue",
    "Last review",
    "Last review note",
    "Next review due",
)


def _day(value: date | None) -> str:
    return f"{value:%d %b %Y}" if value else ""


def action_cells(action: PartnerActionView, tz: ZoneInfo) -> list[str]:
    """One action as the export's cells, in CSV_COLUMNS order."""
    reviewed = action.last_review_at.astimezone(tz).date() if action.last_review_at else None
    next_review = _day(action.next_review_due) + (" (REVIEW OVERDUE)" if action.review_overdue else "")
    return [
        action.reference,
        action.partner,
        action.finding,
        action.location,
        action.owner,
        _day(action.due_on),
        action.status_words,
        action.overdue_words,
        f"{_day(reviewed)} by {action.last_review_by}" if reviewed else "not reviewed yet",
        action.last_review_note,
        next_review,
    ]


def report_facts(report: PartnerActionsReport) -> list[tuple[str, str]]:
    overdue = sum(1 for a in report.actions if a.overdue)
    return [
        ("Operation", report.operation),
        ("Date", f"{report.today:%A %d %B %Y}"),
        ("Actions", f"{len(report.actions)} listed, {overdue} overdue"),
        ("Record head", f"{report.head.count} entries, {report.head.hash}"),
    ]


def to_csv(report: PartnerActionsReport) -> str:
    """Every cell a spreadsheet could run as a formula is neutralised (findings are typed in)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for key, value in report_facts(report):
        writer.writerow([safe_cell(key), safe_cell(value)])
    writer.writerow([])
    writer.writerow(CSV_COLUMNS)
    tz = ZoneInfo(report.timezone)
    for _partner, actions in report.by_partner():
        for action in actions:
            writer.writerow([safe_cell(cell) for cell in action_cells(action, tz)])
    return out.getvalue()


def _pdf_cells(action: PartnerActionView, tz: ZoneInfo) -> list[str]:
    cells = dict(zip(CSV_COLUMNS, action_cells(action, tz), strict=True))
    finding = cells["Finding"] + (f"\n({cells['Location']})" if cells["Location"] else "")
    due = cells["Due"] + (f"\n{cells['Overdue']}" if cells["Overdue"] else "")
    review = cells["Last review"] + (f"\n{cells['Last review note']}" if cells["Last review note"] else "")
    next_review = cells["Next review due"].replace(" (", "\n(")
    return [cells["Reference"], finding, cells["Owner"], due, cells["Status"], review, next_review]


def write_pdf(report: PartnerActionsReport, path: Path) -> None:
    """The actions grouped by partner, overdue ones said in words (Qt's PDF writer)."""
    from widgets.partner_actions_pdf import render_partner_actions  # Qt only when a PDF is wanted

    tz = ZoneInfo(report.timezone)
    groups = [(partner, [_pdf_cells(a, tz) for a in actions]) for partner, actions in report.by_partner()]
    render_partner_actions(path, f"Partner actions: {report.operation}", report_facts(report), groups)


def export(report: PartnerActionsReport, kind: str, path: Path) -> None:
    """``kind``: csv (a spreadsheet) or pdf (the meeting's list); written atomically either way."""
    if kind == "csv":
        write_text(to_csv(report), path)
    else:
        write_pdf(report, path)


# --- for a demo generator ------------------------------------------------------------------------

DEMO_ACTIONS = (
    # (finding, location key, partner, owner, raised days ago, due days after raising, reviews)
    ("Street light out by the footbridge steps", "canal-street", KNOWN_PARTNERS[0], "J. Patel", 24, 10, 1),
    ("Alley behind the launderette open at night (rabbit run)", "mill-lane", KNOWN_PARTNERS[3], "R. Owen", 9, 21, 0),
    ("Needles and litter by the car park pay machine", "market-square", KNOWN_PARTNERS[2], "Dawn patrol", 3, 7, 0),
    ("Blind spot by the taxi rank: needs a camera", "station-approach", KNOWN_PARTNERS[1], "CCTV manager", 30, 45, 2),
    ("Overgrown hedge hides the bus shelter", "bridge-road", KNOWN_PARTNERS[2], "Dawn patrol", 20, 5, 1),
)


def seed_partner_actions(
    service: PartnerActionService, controller: Actor, supervisor: Actor, operation_id: int, now: datetime | None = None
) -> list[ActionResult]:
    """A few demo actions, raised in the past and reviewed, so that some are overdue today (one
    past its due date, one past its fortnightly review); through the service like any other."""
    now = now or datetime.now(UTC)
    results = []
    for finding, place, partner, owner, ago, due_in, reviews in DEMO_ACTIONS:
        raised = now - timedelta(days=ago)
        due = raised.date() + timedelta(days=due_in)
        made = service.raise_action(
            controller, operation_id, finding=finding, location=place, partner=partner, owner=owner,
            due_on=due, now=raised,
        )  # fmt: skip
        results.append(made)
        for n in range(reviews):
            when = raised + timedelta(days=3 + 7 * n)
            status = "in_progress" if n == 0 else "open"
            note = "Reported to the partner; works order raised." if n == 0 else "Chased at the partnership meeting."
            results.append(
                service.review(supervisor, operation_id, int(made.ref_id), status=status, note=note, now=when)
            )
    return results
