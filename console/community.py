"""Community complaints and community tension notes, as the controllers take them: when, where,
from what source (a call, an e-mail, a meeting ...), and what was said. The returns count them;
the words may name residents, so they stay in the row and the record entry says only what kind
of report came in, from where."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from console.record import ActionContext, EntryDraft, RecordService, utc_now
from console.text import clean_text
from console.types import ActionResult, Actor
from storage.db import Database
from storage.models import CommunityReport, Location

COMPLAINT, TENSION = "complaint", "tension"
KIND_WORDS = {COMPLAINT: "community complaint", TENSION: "community tension note"}
SOURCES = {
    "call": "telephone call",
    "email": "e-mail",
    "meeting": "residents' meeting",
    "in_person": "in person",
    "patrol": "patrol report",
    "partner": "partner agency",
    "social_media": "social media",
    "other": "other",
}
TEXT_LIMIT, PLACE_LIMIT = 4000, 200
# A report cannot be dated in the future, nor so far back that it is a typing slip.
CLOCK_SLACK = timedelta(minutes=5)
OLDEST = timedelta(days=366)


class CommunityError(ValueError):
    """A report that cannot be recorded, said in one sentence for the controller."""


@dataclass(frozen=True)
class CommunityReportView:
    id: int
    kind: str
    source: str
    reported_at: datetime
    location: str  # the known location's name, or the place typed in
    text: str


class CommunityService:
    def __init__(self, db: Database, record: RecordService) -> None:
        self._db = db
        self._record = record

    def record_report(
        self,
        actor: Actor,
        operation_id: int,
        kind: str,
        text: str,
        *,
        source: str = "call",
        reported_at: datetime | None = None,
        location: str = "",
        action_id: str | None = None,
    ) -> ActionResult:
        """Write a complaint or tension note as one action. ``location`` is a known location's
        name, or else a place in the controller's words."""
        if kind not in KIND_WORDS:
            raise CommunityError(f"A community report is a complaint or a tension note, not {kind!r}")
        if source not in SOURCES:
            raise CommunityError(f"Unknown source {source!r}; choose one of: {', '.join(SOURCES)}")
        words = clean_text(text, "The report's text", TEXT_LIMIT, multiline=True, required=True)
        place = clean_text(location, "The place", PLACE_LIMIT)
        now = utc_now()
        when = reported_at or now
        if when.tzinfo is None:
            raise CommunityError("The time of the report needs a time zone")
        if when > now + CLOCK_SLACK:
            raise CommunityError("The time of the report is in the future")
        if when < now - OLDEST:
            raise CommunityError(f"The time of the report is more than {OLDEST.days} days ago; check the date")
        if actor.operator_id is None:
            raise CommunityError(f"{actor.login} is not an operator of this database")

        def write(ctx: ActionContext) -> EntryDraft:
            known = None
            if place:
                known = ctx.session.scalars(
                    select(Location).where(Location.operation_id == operation_id, Location.name == place)
                ).first()
            row = CommunityReport(
                operation_id=operation_id,
                kind=kind,
                source=source,
                reported_at=when,
                location_id=known.id if known else None,
                place="" if known else place,
                text=words,
                operator_id=actor.operator_id,
            )
            ctx.session.add(row)
            ctx.session.flush()
            where = f" about {known.name}" if known else (" (place typed in)" if place else "")
            return EntryDraft(
                kind=f"community.{kind}",
                text=f"{KIND_WORDS[kind].capitalize()} recorded, by {SOURCES[source]}{where}",
                ref_type="community_report",
                ref_id=str(row.id),
                payload={"source": source},
            )

        return self._record.perform(
            actor, "community.record", write, operation_id=operation_id, action_id=action_id, event_time=when
        )

    def location_names(self, operation_id: int) -> list[str]:
        with self._db.read() as s:
            return list(
                s.scalars(select(Location.name).where(Location.operation_id == operation_id).order_by(Location.name))
            )

    def reports(self, operation_id: int, since: datetime | None = None, limit: int = 500) -> list[CommunityReportView]:
        with self._db.read() as s:
            query = (
                select(CommunityReport, Location.name)
                .outerjoin(Location, Location.id == CommunityReport.location_id)
                .where(CommunityReport.operation_id == operation_id)
                .order_by(CommunityReport.reported_at.desc())
                .limit(limit)
            )
            if since is not None:
                query = query.where(CommunityReport.reported_at >= since)
            return [
                CommunityReportView(r.id, r.kind, r.source, r.reported_at, name or r.place, r.text)
                for r, name in s.execute(query)
            ]
