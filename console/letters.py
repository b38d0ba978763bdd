"""Warning letters to the registered keepers of vehicles seen in the prescribed area.

DOMAIN.md: a letter must say the vehicle was seen in "an area of high anti-social behaviour"
and must never mention prostitution or sex work (risk of self-harm at home). So every template
is checked when saved, and every letter again when produced: the phrase must be there, and no
word of the operation's blocked list may appear as a whole word (a keeper in Essex, Sussex or
Middlesex still gets a letter). Letters apply from Tier 2; at most one per vehicle in 28 days
unless a supervisor overrides with a reason. The keeper's name and address are typed from the
vehicle check; the console never looks them up.
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from importlib import resources
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from console.access import can, require
from console.record import ActionContext, EntryDraft, RecordService, utc_now
from console.retention import erased_words, shown_vrm
from console.tiers import tier_on
from console.types import ActionResult, Actor
from storage.db import Database
from storage.models import (
    BlockedWord,
    LetterTemplate,
    Location,
    Operation,
    Outcome,
    Sighting,
    Tier,
    Vehicle,
    WarningLetter,
)

REQUIRED_PHRASE = "an area of high anti-social behaviour"
LETTER_GAP = timedelta(days=28)
LETTERS_FROM_TIER = 2
DEFAULT_BLOCKED = (
    "prostitution",
    "prostitute",
    "prostitutes",
    "sex",
    "sexual",
    "sex work",
    "sex worker",
    "sex workers",
    "kerb crawling",
    "kerb crawler",
    "kerb-crawling",
    "soliciting",
    "solicit",
    "brothel",
    "vice",
    "escort",
    "red light",
)
FIELDS = (
    "keeper_name",
    "keeper_address",
    "letter_date",
    "reference",
    "vrm",
    "vehicle",
    "seen_date",
    "seen_time",
    "location",
    "operation_title",
)
MAX_NAME, MAX_ADDRESS = 120, 400


class LetterError(ValueError):
    """A template or letter that may not be used, said in one sentence for the operator."""


@dataclass(frozen=True)
class LetterView:
    id: int
    reference: str
    vrm: str
    keeper_name: str
    prepared_at: datetime
    prepared_by: str
    template_version: int
    override_reason: str
    printed_at: datetime | None
    body: str
    erased_at: datetime | None = None  # keeper details and body erased: it cannot be printed again


@dataclass(frozen=True)
class LetterCandidate:
    """A vehicle sighting a letter could answer, with what the 28-day rule says of it now."""

    sighting_id: int
    captured_at: datetime
    vrm: str
    vehicle: str  # colour, make and model as tagged
    location: str
    last_letter_at: datetime | None  # the vehicle's latest letter, any age
    rule: str  # in words: "no letter to this vehicle yet", "letter sent 12 days ago: ..."
    needs_override: bool  # a second letter within 28 days: only a supervisor, with a reason


def _described(vehicle: Vehicle) -> str:
    return " ".join(x for x in (vehicle.colour, vehicle.make, vehicle.model) if x) or "vehicle"


def letter_rule(last_letter_at: datetime | None, now: datetime) -> tuple[str, bool]:
    """What the one-letter-in-28-days rule says of a vehicle now: (words, needs an override)."""
    if last_letter_at is None:
        return "no letter to this vehicle yet", False
    days = (now - last_letter_at).days
    if now - last_letter_at < LETTER_GAP:
        return f"letter sent {days} day(s) ago: supervisor's override needed", True
    return f"last letter {days} days ago: a new letter is allowed", False


def default_template() -> str:
    return resources.files("resources").joinpath("templates/warning_letter.txt").read_text(encoding="utf-8")


def letter_reference(letter_id: int) -> str:
    return f"WL-{letter_id:05d}"


def _word_pattern(word: str) -> re.Pattern[str]:
    parts = [re.escape(p) for p in re.split(r"[\s]+", word.strip()) if p]
    return re.compile(r"(?<![\w-])" + r"[\s-]+".join(parts) + r"(?![\w-])", re.IGNORECASE)


def blocked_in(text: str, blocked: Iterable[str]) -> list[str]:
    """The blocked words that appear in ``text`` as whole words (Essex is not "sex")."""
    return sorted({w for w in blocked if w.strip() and _word_pattern(w).search(text)})


def check_text(text: str, blocked: Iterable[str], what: str) -> None:
    if REQUIRED_PHRASE not in " ".join(text.split()).lower():
        raise LetterError(f'{what} must say the vehicle was seen in "{REQUIRED_PHRASE}"')
    found = blocked_in(text, blocked)
    if found:
        raise LetterError(f"{what} contains words a warning letter must never use: {', '.join(found)}")


def check_template(body: str, blocked: Iterable[str]) -> None:
    """A template may use only the known fields, must carry the phrase, no blocked word."""
    try:
        names = {name for _, name, _, _ in string.Formatter().parse(body) if name is not None}
    except ValueError as error:
        raise LetterError(f"the template's fields are not well formed ({error}); fields look like {{vrm}}") from None
    unknown = sorted(names - set(FIELDS))
    if unknown:
        raise LetterError(f"the template uses unknown fields {', '.join(unknown)}; known: {', '.join(FIELDS)}")
    check_text(body, blocked, "A warning-letter template")


def _clean(text: str, limit: int, what: str) -> str:
    cleaned = "\n".join(line.strip() for line in text.strip().splitlines())
    if not cleaned:
        raise LetterError(f"Type the keeper's {what} from the vehicle check")
    if len(cleaned) > limit:
        raise LetterError(f"The keeper's {what} is longer than {limit} characters")
    if any(ord(c) < 32 and c != "\n" for c in cleaned) or "\x7f" in cleaned:
        raise LetterError(f"The keeper's {what} contains control characters")
    return cleaned


class LetterService:
    def __init__(self, db: Database, record: RecordService) -> None:
        self._db = db
        self._record = record

    # --- template and blocked words ------------------------------------------------------------
    def blocked_words(self, operation_id: int) -> list[str]:
        with self._db.read() as s:
            words = s.scalars(select(BlockedWord.word).where(BlockedWord.operation_id == operation_id)).all()
        return sorted(words) if words else list(DEFAULT_BLOCKED)

    def set_blocked_words(self, actor: Actor, operation_id: int, words: Sequence[str]) -> ActionResult:
        cleaned = sorted({" ".join(w.lower().split()) for w in words if w.strip()})
        if not cleaned:
            raise LetterError("The blocked list cannot be empty")

        def write(ctx: ActionContext) -> EntryDraft:
            s = ctx.session
            for row in s.scalars(select(BlockedWord).where(BlockedWord.operation_id == operation_id)):
                s.delete(row)
            s.flush()
            s.add_all(BlockedWord(operation_id=operation_id, word=w) for w in cleaned)
            template = self._template(s, operation_id)
            if template is not None:
                check_text(template.body, cleaned, "The template in use")
            return EntryDraft(
                kind="letters.blocked_words",
                text=f"Blocked words for warning letters set ({len(cleaned)} words)",
                payload={"words": cleaned},
            )

        return self._record.perform(actor, "template.edit", write, operation_id=operation_id)

    @staticmethod
    def _template(s: Session, operation_id: int) -> LetterTemplate | None:
        return s.scalars(
            select(LetterTemplate)
            .where(LetterTemplate.operation_id == operation_id)
            .order_by(LetterTemplate.version.desc())
            .limit(1)
        ).first()

    def template(self, operation_id: int) -> tuple[int, str]:
        """(version, body) of the template in use; version 0 is the default from resources."""
        with self._db.read() as s:
            row = self._template(s, operation_id)
            return (row.version, row.body) if row else (0, default_template())

    def save_template(self, actor: Actor, operation_id: int, body: str) -> ActionResult:
        require(actor, "template.edit")
        check_template(body, self.blocked_words(operation_id))

        def write(ctx: ActionContext) -> EntryDraft:
            current = self._template(ctx.session, operation_id)
            version = (current.version if current else 0) + 1
            row = LetterTemplate(
                operation_id=operation_id, version=version, body=body, created_at=ctx.event_time, created_by=actor.login
            )
            ctx.session.add(row)
            ctx.session.flush()
            return EntryDraft(
                kind="letters.template",
                text=f"Warning-letter template version {version} saved",
                ref_type="letter_template",
                ref_id=str(row.id),
            )

        return self._record.perform(actor, "template.edit", write, operation_id=operation_id)

    # --- letters -------------------------------------------------------------------------------
    def prepare(
        self,
        actor: Actor,
        operation_id: int,
        sighting_id: int,
        keeper_name: str,
        keeper_address: str,
        override_reason: str = "",
        now: datetime | None = None,
    ) -> ActionResult:
        """Write a letter for a vehicle sighting in the prescribed area, as one action with its
        outcome and record entry."""
        name = _clean(keeper_name, MAX_NAME, "name")
        address = _clean(keeper_address, MAX_ADDRESS, "address")
        override = override_reason.strip()
        if override and not can(actor, "letter.override"):
            raise LetterError("Only a supervisor may override the warning-letter rules")
        blocked = self.blocked_words(operation_id)
        now = now or utc_now()

        def write(ctx: ActionContext) -> list[EntryDraft]:
            s = ctx.session
            row = s.execute(
                select(Sighting, Vehicle, Operation, Location)
                .join(Vehicle, Vehicle.id == Sighting.vehicle_id)
                .join(Operation, Operation.id == Sighting.operation_id)
                .outerjoin(Location, Location.id == Sighting.location_id)
                .where(Sighting.id == sighting_id, Sighting.operation_id == operation_id)
            ).first()
            if row is None:
                raise LetterError(f"Sighting {sighting_id} is not a vehicle sighting of this operation")
            sighting, vehicle, op, loc = row
            if vehicle.erased_at is not None or sighting.erased_at is not None:
                raise LetterError(f"Sighting {sighting_id}'s details were erased: no letter can be written for it")
            tz = ZoneInfo(op.timezone)
            seen = sighting.captured_at.astimezone(tz)
            problems = []
            if not sighting.in_prescribed_area:
                problems.append("the vehicle was seen outside the prescribed area")
            tier = tier_on(s, operation_id, seen.date())
            if tier < LETTERS_FROM_TIER:
                problems.append(f"warning letters start at Tier {LETTERS_FROM_TIER}; the sighting was in Tier {tier}")
            last = s.scalar(
                select(func.max(WarningLetter.prepared_at)).where(
                    WarningLetter.vehicle_id == vehicle.id, WarningLetter.prepared_at > now - LETTER_GAP
                )
            )
            if last is not None:
                days = (now - last).days
                problems.append(f"a letter went to this vehicle's keeper {days} day(s) ago (at most one in 28 days)")
            if problems and not override:
                raise LetterError("No letter: " + "; ".join(problems) + ". A supervisor may override with a reason.")
            template = self._template(s, operation_id)
            body_template = template.body if template else default_template()
            if template is None:
                template = LetterTemplate(
                    operation_id=operation_id, version=1, body=body_template, created_at=now, created_by="default"
                )
                s.add(template)
                s.flush()
            outcome = s.scalars(
                select(Outcome).where(
                    Outcome.operation_id == operation_id,
                    Outcome.vehicle_id == vehicle.id,
                    Outcome.kind == "warning_letter",
                    Outcome.recorded_at >= sighting.captured_at,
                    ~Outcome.id.in_(select(WarningLetter.outcome_id)),
                )
            ).first()
            if outcome is None:  # a letter decided at the console, not at a tasking's close
                outcome = Outcome(
                    operation_id=operation_id, kind="warning_letter", vehicle_id=vehicle.id, recorded_at=now
                )
                s.add(outcome)
                s.flush()
            letter = WarningLetter(
                operation_id=operation_id,
                vehicle_id=vehicle.id,
                sighting_id=sighting.id,
                outcome_id=outcome.id,
                template_id=template.id,
                keeper_name=name,
                keeper_address=address,
                body="",
                prepared_at=now,
                prepared_by=actor.login,
                override_reason=override,
            )
            s.add(letter)
            s.flush()
            described = _described(vehicle)
            fields = {
                "keeper_name": name,
                "keeper_address": address,
                "letter_date": f"{now.astimezone(tz):%d %B %Y}",
                "reference": letter_reference(letter.id),
                "vrm": vehicle.vrm,
                "vehicle": described,
                "seen_date": f"{seen:%A %d %B %Y}",
                "seen_time": f"{seen:%H:%M}",
                "location": loc.name if loc else "the town centre",
                "operation_title": op.title or op.name,
            }
            letter.body = body_template.format(**fields)
            check_text(letter.body, blocked, f"The letter to the keeper of {vehicle.vrm}")
            # The vehicle by its id, never its VRM: the record keeps no personal data.
            words = f"Warning letter {letter_reference(letter.id)} prepared for vehicle {vehicle.id}"
            if override:
                words += f" (rules overridden: {'; '.join(problems) or 'none applied'}; reason: {override})"
            return [
                EntryDraft(
                    kind="letter.prepared",
                    text=words,
                    ref_type="warning_letter",
                    ref_id=str(letter.id),
                    payload={"template_version": template.version, "override": bool(override)},
                    about=(letter, outcome, template),
                )
            ]

        return self._record.perform(actor, "letter.prepare", write, operation_id=operation_id, event_time=now)

    def candidates(self, operation_id: int, now: datetime | None = None, limit: int = 200) -> list[LetterCandidate]:
        """Vehicle sightings in the prescribed area, from Tier 2 on, that no letter answers yet,
        newest first. A letter answers its own sighting and every earlier one of its vehicle (the
        keeper was written to after them), so only sightings since a vehicle's last letter are
        offered again; the 28-day rule is said for each."""
        now = now or utc_now()
        with self._db.read() as s:
            op = s.get(Operation, operation_id)
            if op is None:
                raise LetterError(f"There is no operation {operation_id}")
            tier_from = s.scalar(
                select(func.min(Tier.start_date)).where(
                    Tier.operation_id == operation_id, Tier.number >= LETTERS_FROM_TIER
                )
            )
            if tier_from is None:
                return []
            tz = ZoneInfo(op.timezone)
            since = datetime.combine(tier_from, datetime.min.time(), tz)
            last = (
                select(WarningLetter.vehicle_id, func.max(WarningLetter.prepared_at).label("at"))
                .where(WarningLetter.operation_id == operation_id)
                .group_by(WarningLetter.vehicle_id)
                .subquery()
            )
            rows = s.execute(
                select(Sighting, Vehicle, Location.name, last.c.at)
                .join(Vehicle, Vehicle.id == Sighting.vehicle_id)
                .outerjoin(Location, Location.id == Sighting.location_id)
                .outerjoin(last, last.c.vehicle_id == Vehicle.id)
                .where(
                    Sighting.operation_id == operation_id,
                    Sighting.in_prescribed_area.is_(True),
                    Sighting.captured_at >= since,
                    Sighting.erased_at.is_(None),  # its VRM (or the sighting) erased: no letter now
                    (last.c.at.is_(None)) | (Sighting.captured_at > last.c.at),
                )
                .order_by(Sighting.captured_at.desc(), Sighting.id.desc())
                .limit(limit)
            ).all()
            found = []
            for sighting, vehicle, place, last_at in rows:
                words, override = letter_rule(last_at, now)
                found.append(
                    LetterCandidate(
                        sighting.id,
                        sighting.captured_at,
                        vehicle.vrm,
                        _described(vehicle),
                        place or "",
                        last_at,
                        words,
                        override,
                    )
                )
            return found

    def register(self, operation_id: int) -> list[LetterView]:
        with self._db.read() as s:
            rows = s.execute(
                select(WarningLetter, Vehicle, LetterTemplate.version)
                .join(Vehicle, Vehicle.id == WarningLetter.vehicle_id)
                .join(LetterTemplate, LetterTemplate.id == WarningLetter.template_id)
                .where(WarningLetter.operation_id == operation_id)
                .order_by(WarningLetter.prepared_at.desc())
            ).all()
            return [
                LetterView(
                    w.id,
                    letter_reference(w.id),
                    shown_vrm(vehicle),
                    erased_words(w.erased_at) or w.keeper_name,
                    w.prepared_at,
                    w.prepared_by,
                    version,
                    w.override_reason,
                    w.printed_at,
                    w.body,
                    w.erased_at,
                )
                for w, vehicle, version in rows
            ]

    def mark_printed(self, actor: Actor, operation_id: int, letter_ids: Sequence[int], out: str) -> ActionResult:
        def write(ctx: ActionContext) -> EntryDraft:
            rows = ctx.session.scalars(
                select(WarningLetter).where(
                    WarningLetter.operation_id == operation_id, WarningLetter.id.in_(list(letter_ids))
                )
            ).all()
            for row in rows:
                row.printed_at = ctx.event_time
            return EntryDraft(
                kind="letter.printed",
                text=f"{len(rows)} warning letter(s) printed to {out}",
                payload={"letters": [letter_reference(r.id) for r in rows]},
            )

        return self._record.perform(actor, "letter.prepare", write, operation_id=operation_id)
