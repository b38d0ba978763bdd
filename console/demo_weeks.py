"""`demo seed --weeks N`: N weeks of plausible activity across the tiers, written through the
services as controllers would write it, for trying the returns and the charts on a realistic
operation. The generator keeps a ledger of what it wrote, as it wrote it (the record entry of
each sighting, outcome and report, from the write path's answer, never by querying), so a test
can check that the returns reproduce every figure exactly.

The shape follows DOMAIN.md: Tier 1 engagement (referrals, intelligence), Tier 2 stop checks,
warning letters and three strikes, Tier 3 warrants and arrests of exploiters; complaints fall
as the weeks go on, and sightings drift out of the prescribed area (displacement).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import TypeVar
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt

from console.dispatch_rules import OutcomeDraft
from console.registers import SensitiveData
from console.services import Services
from console.sightings import NewSubject, SightingSaved, TagDraft, VehicleDraft
from console.types import CameraView, OperationView, UnitView

R = TypeVar("R")

MAX_WEEKS = 26
MORNING = time(6, 30)  # a generated night's shift has ended by then
KEEPERS = (
    ("Mr J Harding", "14 Elm Grove\nWestfield\nWF3 2LP"),
    ("Ms A Okafor", "Flat 2, 9 Ropewalk\nChelmsford\nCM1 4HQ"),  # an Essex keeper still gets a letter
    ("Mr D Price", "3 The Paddocks\nLewes\nBN7 1RX"),  # Sussex
    ("Mrs K Patel", "77 Uxbridge Road\nHarrow\nHA3 6DE"),  # Middlesex
    ("Mr S Novak", "22 Quarry Lane\nMillbrook\nMB2 9TT"),
)
ETHNICITIES = ("White British", "White other", "Black British", "Asian British", "Mixed", "")
AGE_BANDS = ("18-24", "25-34", "35-44", "45-54", "")
LOCALITIES = ("Town centre", "Northfield estate", "Out of town", "")
PEOPLE = {  # category: (how many distinct people, descriptions to draw on)
    "sex_worker": (14, ("red coat", "green jacket", "grey tracksuit", "denim jacket", "long blonde hair")),
    "kerb_crawler": (8, ("man in grey hoodie", "man with a dog", "older man, flat cap")),
    "controlling_individual": (4, ("tall man, black puffer jacket", "man on a bicycle, phone in hand")),
}
NOTES = (
    "Radio check: all units on patrol, nothing to report",
    "Support charity outreach van at Station Approach from 22:00",
    "Taxi rank busy, no concerns",
)
COMPLAINTS = (
    ("call", "Resident reports cars circling the block and slowing down"),
    ("email", "Used needles found in the alley behind the shops"),
    ("meeting", "Residents' meeting: people standing on the corner late at night"),
    ("call", "Noise and arguments in the street after midnight"),
    ("in_person", "Shopkeeper reports people using the doorway overnight"),
)
FINDINGS = (  # environmental audit findings: the note on the sighting, and the partner to act on it
    ("Street light out by the footbridge", "Council street lighting", "Lighting engineer on call"),
    ("Litter and needles behind the car park", "Council litter (dawn patrol)", "Dawn patrol supervisor"),
    ("Alley gate left open: a rabbit run", "Council housing", "Estate manager"),
    ("Blind spot by the subway: a camera needed", "Council CCTV", "CCTV manager"),
)
REVIEW_EVERY = 14  # days: partner actions are reviewed fortnightly
TENSIONS = (
    ("meeting", "Residents talk of forming their own street patrol"),
    ("social_media", "Posts naming a house as a brothel; risk of vigilante action"),
)


@dataclass(frozen=True)
class SightingFact:
    seq: int
    captured_at: datetime
    category: str  # the category's label
    location: str
    in_area: bool
    subject: str  # reference, "" for none
    vehicle: str  # VRM, "" for none


@dataclass(frozen=True)
class OutcomeFact:
    seq: int
    kind: str
    recorded_at: datetime
    team: str


@dataclass(frozen=True)
class ResponseFact:
    seq: int  # the on-scene status change's entry
    dispatched_at: datetime
    on_scene_at: datetime


@dataclass(frozen=True)
class CommunityFact:
    seq: int
    kind: str
    source: str
    reported_at: datetime


@dataclass
class OrderFact:
    """An ESO's steps as written: (entry, when) of each; ending in words when it ended."""

    applied: tuple[int, datetime]
    made: tuple[int, datetime] | None = None
    ended: tuple[int, datetime] | None = None
    ending: str = ""


@dataclass(frozen=True)
class Person:
    reference: str
    category: str  # the category's label
    age_band: str
    locality: str
    ethnicity: str
    dependency: str
    vulnerability: str


@dataclass
class Ledger:
    """What the generator wrote, as it wrote it."""

    sightings: list[SightingFact] = field(default_factory=list)
    outcomes: list[OutcomeFact] = field(default_factory=list)
    responses: list[ResponseFact] = field(default_factory=list)
    community: list[CommunityFact] = field(default_factory=list)
    people: dict[str, Person] = field(default_factory=dict)
    orders: dict[int, OrderFact] = field(default_factory=dict)
    letters: int = 0
    partner_actions: int = 0
    entries: int = 0  # every record entry the generator's actions wrote


@dataclass
class _Pools:
    subject_ids: dict[tuple[str, int], int] = field(default_factory=dict)  # (category, n) -> subject id
    warnings: dict[int, int] = field(default_factory=dict)  # subject id -> official warnings given
    lettered: dict[str, datetime] = field(default_factory=dict)  # VRM -> last letter prepared
    open_actions: dict[int, str] = field(default_factory=dict)  # partner action id -> status
    eso_steps: list[tuple[datetime, int, str]] = field(default_factory=list)  # (when, order id, step)


def demo_vehicles(count: int, rng: random.Random) -> list[VehicleDraft]:
    """Plausible current-format marks (two memory-tag letters, an issued age identifier, three
    random letters) with makes and colours; fixed by the seed."""
    tags, random_letters = "ABCDEFGHKLMNOPRSVWY", "ABCDEFGHJKLMNOPRSTUVWXYZ"
    makes = (("Ford", "Focus"), ("Vauxhall", "Astra"), ("BMW", "3 Series"), ("Toyota", "Prius"), ("Audi", "A4"))
    colours = ("Silver", "Black", "Blue", "White", "Red", "Grey")
    found = []
    for _ in range(count):
        mark = (
            rng.choice(tags) + rng.choice(tags) + rng.choice(("09", "12", "17", "64", "66", "71", "19"))
            + " " + "".join(rng.choice(random_letters) for _ in range(3))
        )  # fmt: skip
        make, model = rng.choice(makes)
        found.append(VehicleDraft(mark, False, make, model, rng.choice(colours)))
    return found


def _frame(rng: random.Random) -> npt.NDArray[np.uint8]:
    """A small still that stands in for the tagged frame (the demo needs no camera)."""
    image = np.zeros((180, 320, 3), np.uint8)
    image[:] = (rng.randint(20, 60), rng.randint(20, 60), rng.randint(20, 60))
    image[100:150, 120:220] = (40, 40, 160)
    return image


class WeeksWriter:
    def __init__(self, services: Services, op: OperationView, seed: int, density: float) -> None:
        self.s, self.op = services, op
        self.rng = random.Random(seed)
        self.density = density
        self.tz = ZoneInfo(op.timezone)
        self.ledger = Ledger()
        self.pools = _Pools()
        console = services.settings.console_id
        self.controller = services.operations.operator("demo", console)
        self.sergeant = services.operations.operator("sgt.demo", console)
        self.cameras = [c for c in services.operations.cameras(op.id) if c.location]
        self.labels = {c.key: c.label for c in services.sightings.categories(op.id)}
        self.vehicles = demo_vehicles(int(30 * max(1.0, density)), self.rng)
        self.teams = [key for key, _ in op.teams]

    # --- the nights ------------------------------------------------------------------------------
    def night(self, day: date, week: int) -> None:
        tier = self._tier(day)
        start = self._local(day, 18, self.rng.randint(0, 15))
        end = self._local(day + timedelta(days=1), 6, self.rng.randint(0, 15))
        on_duty = self.teams if self.rng.random() < 0.7 else self.teams[:1]
        shift = self._count(self.s.shifts.start(self.controller, self.op.id, on_duty, event_time=start))
        self._eso_steps_due(start)
        units = [u for u in self.s.operations.units(self.op.id) if u.status == "available"]
        free_at = {u.id: start for u in units}
        mean = {1: 5.0, 2: 6.0}.get(tier, 4.5) * self.density
        moments = sorted(
            start + timedelta(seconds=self.rng.randint(900, 10 * 3600)) for _ in range(self._poisson(mean))
        )
        for when in moments:
            self._sighting(when, week, tier, units, free_at)
        for _ in range(self._poisson(max(0.2, 1.4 - 0.12 * week) * self.density)):
            self._community("complaint", start, end)
        if self.rng.random() < 0.15:
            self._community("tension", start, end)
        self._count(
            self.s.shifts.note(
                self.controller, self.op.id, self.rng.choice(NOTES), event_time=start + timedelta(hours=1)
            )
        )
        self._count(self.s.shifts.end(self.controller, self.op.id, int(shift.ref_id), event_time=end))
        if (day - self.op.start_date).days % REVIEW_EVERY == REVIEW_EVERY - 1:
            self._review_actions(end + timedelta(hours=4))

    def _sighting(
        self, when: datetime, week: int, tier: int, units: list[UnitView], free_at: dict[int, datetime]
    ) -> None:
        rng = self.rng
        outside = [c for c in self.cameras if not c.in_prescribed_area]
        inside = [c for c in self.cameras if c.in_prescribed_area]
        displaced = rng.random() < min(0.6, 0.1 + 0.05 * week)  # follow the problem: it moves out
        camera = rng.choice(outside if displaced and outside else inside or outside)
        category = rng.choices(
            ("vehicle", "sex_worker", "kerb_crawler", "controlling_individual", "suspicious_activity",
             "community_issue"),
            weights=(40, 30 if tier == 1 else 22, 8, 6, 8, 4),
        )[0]  # fmt: skip
        draft, person = self._draft(camera, when, category)
        saved = self.s.sightings.save(self.controller, self.op.id, draft, event_time=when + timedelta(seconds=30))
        self._count(saved.result)
        if person is not None and saved.subject_id is not None and draft.new_subject is not None:
            self.pools.subject_ids[person] = saved.subject_id
            self._person(saved.subject_reference, saved.subject_id, category, draft.new_subject)
        self.ledger.sightings.append(
            SightingFact(
                saved.result.seq, when, self.labels[category], camera.location, camera.in_prescribed_area,
                saved.subject_reference, saved.vrm,
            )
        )  # fmt: skip
        if category == "community_issue":
            self._raise_action(saved.sighting_id, draft.notes, when)
            return
        if rng.random() < 0.4:
            return
        dispatch_at = when + timedelta(minutes=rng.randint(1, 4))
        free = [u for u in units if free_at[u.id] <= dispatch_at]
        if not free:
            return
        unit = rng.choice(free)
        free_at[unit.id] = self._task(unit, saved, category, camera.in_prescribed_area, dispatch_at, tier)

    def _draft(self, camera: CameraView, when: datetime, category: str) -> tuple[TagDraft, tuple[str, int] | None]:
        rng = self.rng
        box = ((rng.randint(10, 150), rng.randint(40, 100), rng.randint(40, 100), rng.randint(30, 60)),)
        if category == "vehicle":
            # Some vehicles come back night after night; new ones keep turning up.
            vehicle = rng.choice(self.vehicles[: 12 + len(self.ledger.sightings) // 15])
            return TagDraft(camera.key, when, category, _frame(rng), box, vehicle=vehicle), None
        if category not in PEOPLE:
            notes = rng.choice(FINDINGS)[0] if category == "community_issue" else "Group gathering"
            return TagDraft(camera.key, when, category, _frame(rng), box, notes=notes), None
        size, looks = PEOPLE[category]
        n = rng.randrange(size)
        person = (category, n)
        known = self.pools.subject_ids.get(person)
        if known is not None:
            return TagDraft(camera.key, when, category, _frame(rng), box, subject_id=known), person
        new = NewSubject(f"{looks[n % len(looks)]} ({n + 1})", rng.choice(AGE_BANDS), rng.choice(LOCALITIES))
        return TagDraft(camera.key, when, category, _frame(rng), box, new_subject=new), person

    def _person(self, reference: str, subject_id: int, category: str, new: NewSubject) -> None:
        """A new subject's profile as the generator made it; a sex worker's special-category data
        recorded by the sergeant (supervisors only)."""
        ethnicity = dependency = vulnerability = ""
        if category == "sex_worker":
            ethnicity = self.rng.choice(ETHNICITIES)
            dependency = self.rng.choice(("alcohol", "opiates", "crack cocaine", "", ""))
            vulnerability = self.rng.choice(("homeless", "mental health", "", ""))
            if ethnicity or dependency or vulnerability:
                self._count(
                    self.s.registers.write_sensitive(
                        self.sergeant, self.op.id, SensitiveData(subject_id, ethnicity, "", dependency, vulnerability)
                    )
                )
        self.ledger.people[reference] = Person(
            reference, self.labels[category], new.age_band, new.locality, ethnicity, dependency, vulnerability
        )

    def _task(
        self, unit: UnitView, saved: SightingSaved, category: str, in_area: bool, at: datetime, tier: int
    ) -> datetime:
        """Dispatch, en route, on scene, then close with outcomes; a letter to follow. Returns when
        the unit is free again."""
        rng, s, me, oid = self.rng, self.s, self.controller, self.op.id
        sighting_id, vrm = saved.sighting_id, saved.vrm
        tasking = int(self._count(s.dispatch.dispatch(me, oid, unit.id, sighting_id=sighting_id, event_time=at)).ref_id)
        self._count(s.dispatch.set_status(me, oid, unit.id, "en_route", event_time=at + timedelta(minutes=1)))
        arrived = at + timedelta(minutes=rng.randint(2, 14), seconds=rng.randint(0, 59))
        on_scene = self._count(s.dispatch.set_status(me, oid, unit.id, "on_scene", event_time=arrived))
        self.ledger.responses.append(ResponseFact(on_scene.seq, at, arrived))
        parties = s.dispatch.parties(oid, tasking)
        closed_at = arrived + timedelta(minutes=rng.randint(8, 30))
        outcomes = self._outcomes(parties.vehicle_id, saved.subject_id, category, vrm, in_area, tier, closed_at)
        closed = self._count(s.dispatch.close(me, oid, tasking, outcomes, event_time=closed_at))
        self.ledger.entries += len(outcomes)  # an entry per outcome besides the closing one
        for i, o in enumerate(outcomes):
            self.ledger.outcomes.append(OutcomeFact(closed.seq + 1 + i, o.kind, closed_at, unit.team))
        if any(o.kind == "warning_letter" for o in outcomes):
            name, address = rng.choice(KEEPERS)
            prepared = closed_at + timedelta(minutes=20)
            self._count(s.letters.prepare(me, oid, sighting_id, name, address, now=prepared))
            self.pools.lettered[vrm] = prepared
            self.ledger.letters += 1
        return closed_at

    def _outcomes(
        self,
        vehicle_id: int | None,
        subject_id: int | None,
        category: str,
        vrm: str,
        in_area: bool,
        tier: int,
        at: datetime,
    ) -> list[OutcomeDraft]:
        rng = self.rng
        if vehicle_id is not None:
            if tier < 2:
                return [OutcomeDraft(rng.choice(("intelligence_submission", "no_trace")))]
            found = [OutcomeDraft("stop_check", vehicle_id=vehicle_id)]
            last = self.pools.lettered.get(vrm)
            if in_area and (last is None or at - last > timedelta(days=29)) and rng.random() < 0.6:
                found.append(OutcomeDraft("warning_letter", vehicle_id=vehicle_id))
            if rng.random() < 0.06:
                found.append(OutcomeDraft("reported_for_offence", vehicle_id=vehicle_id))
            return found
        if category == "sex_worker" and subject_id is not None:
            if tier < 2 or not in_area:
                if rng.random() < 0.5:  # exit-support information, and a referral when accepted
                    return [OutcomeDraft("referral", subject_id=subject_id, referral_to="drug_alcohol")]
                return [OutcomeDraft("intelligence_submission", subject_id=subject_id)]
            warned = self.pools.warnings.get(subject_id, 0)
            if warned < 2:
                self.pools.warnings[subject_id] = warned + 1
                return [
                    OutcomeDraft("official_warning", subject_id=subject_id),
                    OutcomeDraft("referral", subject_id=subject_id, referral_to=rng.choice(("iom", "drug_alcohol"))),
                ]
            if warned == 2:
                self.pools.warnings[subject_id] = 3
                self._apply_for_eso(subject_id, at)
                return [
                    OutcomeDraft("arrest", subject_id=subject_id, detail="Third occasion: loitering; IOM contacted"),
                    OutcomeDraft("referral", subject_id=subject_id, referral_to="iom"),
                ]
            return [OutcomeDraft("referral", subject_id=subject_id, referral_to="iom")]
        if category == "kerb_crawler" and tier >= 2 and rng.random() < 0.3:
            return [OutcomeDraft("reported_for_offence", subject_id=subject_id)]
        if category == "controlling_individual" and tier >= 3:
            if rng.random() < 0.35:
                return [OutcomeDraft("warrant_executed", subject_id=subject_id)]
            if rng.random() < 0.3:
                return [OutcomeDraft("arrest", subject_id=subject_id, detail="Proactive arrest: supply of drugs")]
        return [OutcomeDraft(rng.choice(("intelligence_submission", "intelligence_submission", "no_trace")))]

    def _raise_action(self, sighting_id: int, notes: str, seen: datetime) -> None:
        """The controller turns the finding into an action for the partner who can fix it."""
        _, partner, owner = next(f for f in FINDINGS if f[0] == notes)
        raised = seen + timedelta(minutes=10)
        due = (raised.astimezone(self.tz) + timedelta(days=self.rng.choice((7, 14, 21)))).date()
        result = self._count(
            self.s.partner_actions.raise_action(
                self.controller, self.op.id, partner=partner, owner=owner, due_on=due, sighting_id=sighting_id,
                now=raised,
            )
        )  # fmt: skip
        self.pools.open_actions[int(result.ref_id)] = "open"
        self.ledger.partner_actions += 1

    def _review_actions(self, at: datetime) -> None:
        """The fortnightly partnership meeting: the sergeant reviews every open action."""
        for action_id, status in list(self.pools.open_actions.items()):
            step = self.rng.random()
            new = "done" if step < 0.5 else ("in_progress" if status == "open" or step < 0.8 else status)
            note = {"done": "Partner reports it fixed", "in_progress": "Works order raised"}.get(new, "Chased")
            due = (at.astimezone(self.tz) + timedelta(days=14)).date() if new != "done" else None
            self._count(
                self.s.partner_actions.review(
                    self.sergeant, self.op.id, action_id, status=new, note=note, due_on=due, now=at
                )
            )
            if new == "done":
                del self.pools.open_actions[action_id]
            else:
                self.pools.open_actions[action_id] = new

    def _apply_for_eso(self, subject_id: int, at: datetime) -> None:
        """Third occasion: IOM is contacted so the court can make an ESO instead of a fine; the
        order is made a few days later, sessions every few days, then completed (or, now and then,
        breached)."""
        applied = self._count(
            self.s.support_orders.apply(self.controller, self.op.id, subject_id, when=at + timedelta(hours=2))
        )
        order = applied.order_id
        self.ledger.orders[order] = OrderFact((applied.result.seq, at + timedelta(hours=2)))
        made = at + timedelta(days=3, hours=3)
        self.pools.eso_steps.append((made, order, "made"))
        for n in range(1, 4):
            self.pools.eso_steps.append((made + timedelta(days=4 * n), order, "session"))
        ending = "breached" if self.rng.random() < 0.2 else "completed"
        self.pools.eso_steps.append((made + timedelta(days=13), order, ending))

    def _eso_steps_due(self, until: datetime) -> None:
        due = sorted(step for step in self.pools.eso_steps if step[0] <= until)
        self.pools.eso_steps = [step for step in self.pools.eso_steps if step[0] > until]
        for when, order, step in due:
            fact = self.ledger.orders[order]
            if fact.ended is not None:
                continue  # breached before its sessions were done
            orders = self.s.support_orders
            if step == "made":
                done = self._count(orders.make(self.sergeant, self.op.id, order, when=when))
                fact.made = (done.result.seq, when)
            elif step == "session":
                self._count(orders.session_attended(self.controller, self.op.id, order, when=when))
            else:
                done = self._count(orders.end(self.sergeant, self.op.id, order, step, when=when))
                fact.ended, fact.ending = (done.result.seq, when), step

    def _community(self, kind: str, start: datetime, end: datetime) -> None:
        source, text = self.rng.choice(COMPLAINTS if kind == "complaint" else TENSIONS)
        when = start + timedelta(seconds=self.rng.randint(0, int((end - start).total_seconds()) - 1))
        place = self.rng.choice([c.location for c in self.cameras] + ["by the footbridge"])
        result = self.s.community.record_report(
            self.controller, self.op.id, kind, text, source=source, reported_at=when, location=place
        )
        self._count(result)
        self.ledger.community.append(CommunityFact(result.seq, kind, source, when))

    # --- small things ----------------------------------------------------------------------------
    def _count(self, result: R) -> R:  # an ActionResult, or a step result holding one
        self.ledger.entries += 1
        return result

    def _tier(self, day: date) -> int:
        tier = self.op.tier_on(day)
        return tier.number if tier else 1

    def _local(self, day: date, hour: int, minute: int) -> datetime:
        return datetime.combine(day, time(hour, minute), self.tz).astimezone(UTC)

    def _poisson(self, mean: float) -> int:
        """A count with the given mean (Knuth's method: small means only)."""
        limit, k, p = np.exp(-mean), 0, 1.0
        while True:
            p *= self.rng.random()
            if p <= limit:
                return k
            k += 1


def seed_weeks(
    services: Services, weeks: int, *, seed: int = 11, density: float = 1.0, now: datetime | None = None
) -> Ledger:
    """Write ``weeks`` operation weeks of nights, the last ending this morning. The demo operation
    is imported starting that many weeks ago when the database has none."""
    from console.demo import DEMO_NAME, demo_spec, system_actor

    if not 1 <= weeks <= MAX_WEEKS:
        raise ValueError(f"--weeks must be between 1 and {MAX_WEEKS}")
    if density <= 0:
        raise ValueError("the density of activity must be above 0")
    now = now or datetime.now(UTC)
    # The last night written ends at about 06:15 on this morning: before 06:30 it is still running.
    local_now = datetime.now(ZoneInfo("Europe/London")) if now is None else now.astimezone(ZoneInfo("Europe/London"))
    morning = local_now.date() if local_now.time() >= MORNING else local_now.date() - timedelta(days=1)
    if DEMO_NAME not in services.operations.names():
        services.operations.import_spec(
            system_actor(services.settings.console_id), demo_spec(morning, days_into=7 * weeks)
        )
    op = services.operations.view(DEMO_NAME)
    last = op.start_date + timedelta(days=7 * weeks - 1)
    if last >= morning:
        raise ValueError(
            f"The demo operation here started on {op.start_date:%d %b %Y}: {weeks} week(s) of nights would run "
            f"into tonight. Seed a new database, or ask for fewer weeks."
        )
    writer = WeeksWriter(services, op, seed, density)
    for n in range(7 * weeks):
        day = op.start_date + timedelta(days=n)
        writer.night(day, n // 7 + 1)
    services.anchor(f"demo seed --weeks {weeks}")
    return writer.ledger
