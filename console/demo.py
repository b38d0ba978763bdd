"""The demo operation: imported from resources with its dates moved so that today falls in
week 4 (Tier 2), and `demo seed` nights of plausible activity written through the services."""

from __future__ import annotations

import dataclasses
import random
from datetime import UTC, date, datetime, time, timedelta
from importlib import resources
from zoneinfo import ZoneInfo

from console.cameras import prepare_demo_clips
from console.dispatch_rules import OutcomeDraft
from console.export_job import ExportRequest
from console.operation_file import parse_operation
from console.operation_spec import OperationSpec
from console.services import Services
from console.sightings import NewSubject, SightingSaved, TagDraft, VehicleDraft
from console.types import ActionResult, Actor
from video.demo_scenes import render_scene
from video.demo_streets import DemoCamera
from video.recorder import segments_from_clip

DEMO_NAME = "demo"
DEMO_CONTROLLER = "demo"
DEMO_SUPERVISOR = "sgt.demo"
EXHIBIT_ROLL = timedelta(seconds=20)  # footage kept either side of a seeded exhibit's sighting
DAYS_INTO_OPERATION = 24  # today is in week 4, Tier 2

NOTES = (
    "Radio check: all units on patrol, nothing to report",
    "Street lighting out on Mill Lane by the footbridge: reported to the council",
    "Community call: resident reports vehicles circling Canal Street",
    "Litter hotspot behind Market Square car park: passed to the dawn patrol",
    "Alley gate open at Canal Street west: rabbit run, owner to be found",
    "Taxi rank busy, no concerns at Station Approach",
    "Vehicle parked with engine running on Bridge Road for 10 minutes, moved on",
    "Support charity outreach van at Station Approach from 22:00",
    "Patrol reports group dispersed from High Street north without incident",
    "Camera 5 view partly blocked by a parked lorry",
)


def system_actor(console_id: str) -> Actor:
    return Actor(login="system", display_name="Console set-up", role="administrator", console_id=console_id)


def demo_spec(today: date, days_into: int = DAYS_INTO_OPERATION) -> OperationSpec:
    """The demo operation moved so that ``today`` is ``days_into`` days after its start."""
    text = resources.files("resources").joinpath("demo_operation.toml").read_text(encoding="utf-8")
    spec = parse_operation(text)
    shift = (today - timedelta(days=days_into)) - spec.start_date
    return dataclasses.replace(
        spec,
        start_date=spec.start_date + shift,
        tiers=tuple(dataclasses.replace(t, start_date=t.start_date + shift) for t in spec.tiers),
    )


def ensure_demo_operation(services: Services, today: date | None = None) -> bool:
    """Import the demo operation unless the database has it. True when it was imported now."""
    if DEMO_NAME in services.operations.names():
        return False
    services.operations.import_spec(system_actor(services.settings.console_id), demo_spec(today or date.today()))
    return True


def seed_nights(services: Services, nights: int, *, seed: int = 7, now: datetime | None = None) -> list[ActionResult]:
    """Write `nights` past nights of shifts and log notes, ending before the current night."""
    if nights < 1:
        raise ValueError("--nights must be 1 or more")
    now = now or datetime.now(UTC)
    ensure_demo_operation(services, now.date())
    op = services.operations.view(DEMO_NAME)
    tz = ZoneInfo(op.timezone)
    actor = services.operations.operator(DEMO_CONTROLLER, services.settings.console_id)
    rng = random.Random(seed)
    results = []
    teams = [key for key, _ in op.teams]
    today_local = now.astimezone(tz).date()
    for back in range(nights, 0, -1):
        night = today_local - timedelta(days=back)
        start = datetime.combine(night, time(18, rng.randint(0, 20)), tz).astimezone(UTC)
        end = datetime.combine(night + timedelta(days=1), time(6, rng.randint(0, 15)), tz).astimezone(UTC)
        on_duty = teams[: 1 + (back % 2)] if teams else []
        started = services.shifts.start(actor, op.id, on_duty, event_time=start)
        results.append(started)
        moments = sorted(start + timedelta(minutes=rng.randint(10, 11 * 60)) for _ in range(rng.randint(4, 8)))
        for when in moments:
            results.append(services.shifts.note(actor, op.id, rng.choice(NOTES), event_time=when))
        seen = _seed_sightings(services, actor, op.id, rng, start, end)
        results += [saved.result for saved, _ in seen]
        results += _seed_dispatches(services, actor, op.id, rng, seen)
        results += _seed_exhibit(services, op.id, night, seen)
        results.append(services.shifts.end(actor, op.id, int(started.ref_id), event_time=end))
    services.anchor("demo seed")
    return results


# Plausible demo vehicles: (VRM, make, model, colour); some come back night after night.
DEMO_VEHICLES = (
    ("OY09 FEU", "Ford", "Focus", "Silver"),
    ("LB17 KXR", "Vauxhall", "Astra", "Black"),
    ("KN64 DWA", "BMW", "3 Series", "Blue"),
    ("YR12 OPL", "Toyota", "Prius", "White"),
    ("S456 HJK", "Volkswagen", "Golf", "Red"),
    ("AB71 CDE", "Nissan", "Qashqai", "Grey"),
)
DEMO_PEOPLE = (
    ("sex_worker", "Red coat, long dark hair"),
    ("sex_worker", "Green jacket, white trainers"),
    ("kerb_crawler", "Man in grey hoodie, on foot"),
    ("controlling_individual", "Tall man, black puffer jacket, phone in hand"),
)


def _seed_sightings(
    services: Services, actor: Actor, operation_id: int, rng: random.Random, start: datetime, end: datetime
) -> list[tuple[SightingSaved, datetime]]:
    """A night's sightings of people and vehicles, each with stills of the demo scene, in time order."""
    cameras = [c for c in services.operations.cameras(operation_id) if c.kind == "demo"]
    if not cameras:
        return []
    results = []
    span = int((end - start).total_seconds())
    # Well before the end of the night, so a dispatch that follows is closed before it ends.
    moments = sorted(start + timedelta(seconds=rng.randint(600, span - 3600)) for _ in range(rng.randint(3, 6)))
    for captured in moments:
        camera_index = rng.randrange(len(cameras))
        camera = cameras[camera_index]
        image = render_scene(
            DemoCamera(camera.key, camera.name, camera_index + 1), rng.randint(0, 240), 12.5, (640, 360)
        )
        box = (rng.randint(40, 400), rng.randint(150, 220), rng.randint(80, 160), rng.randint(40, 90))
        if rng.random() < 0.6:
            vrm, make, model, colour = rng.choice(DEMO_VEHICLES)
            draft = TagDraft(
                camera.key, captured, "vehicle", image, (box,), vehicle=VehicleDraft(vrm, False, make, model, colour)
            )
        else:
            category, description = rng.choice(DEMO_PEOPLE)
            known = services.sightings.search_subjects(operation_id, description, category, limit=1)
            draft = TagDraft(
                camera.key,
                captured,
                category,
                image,
                (box,),
                subject_id=known[0].id if known else None,
                new_subject=None if known else NewSubject(description),
            )
        saved = services.sightings.save(actor, operation_id, draft, event_time=captured + timedelta(seconds=20))
        results.append((saved, captured))
    return results


def _seed_exhibit(
    services: Services, operation_id: int, night: date, seen: list[tuple[SightingSaved, datetime]]
) -> list[ActionResult]:
    """The sergeant exports the footage of the night's first vehicle sighting (the demo camera's
    clip stands in for what the recorder would have kept around it)."""
    vehicles = [(saved, captured) for saved, captured in seen if saved.vrm]
    if not vehicles:
        return []
    saved, captured = vehicles[0]
    camera_key = services.sightings.moment(operation_id, saved.sighting_id)
    cameras = services.operations.cameras(operation_id)
    if camera_key is None:
        return []
    key = camera_key[1]
    camera = next(c for c in cameras if c.key == key)
    clip = prepare_demo_clips(services.settings.demo_clip_dir, cameras)[key].main
    start, end = captured - EXHIBIT_ROLL, captured + EXHIBIT_ROLL
    for event in segments_from_clip(clip, services.settings.recordings, key, start, end):
        services.footage.apply(operation_id, {key: (camera.id, camera.name)}, event)
    sergeant = services.operations.operator(DEMO_SUPERVISOR, services.settings.console_id)
    exported = services.exports.export(
        sergeant,
        ExportRequest(
            (key,),
            start,
            end,
            f"DEMO/{night:%Y%m%d}/1",
            f"{saved.vrm} seen acting suspiciously: footage for the file",
            services.settings.data_dir / "exports",
        ),
    )
    return [exported.record]


RADIO_LINES = (
    "Pair on foot towards the subway",
    "Vehicle stopped at the lights, pair approaching",
    "Driver spoken to, details taken",
    "Nothing further, resuming patrol",
)


def _seed_dispatches(
    services: Services,
    actor: Actor,
    operation_id: int,
    rng: random.Random,
    seen: list[tuple[SightingSaved, datetime]],
) -> list[ActionResult]:
    """Send a free unit to about half of the night's sightings: en route, on scene, a radio line,
    then the tasking closed with outcomes that fit what was seen."""
    results: list[ActionResult] = []
    busy_until: dict[int, datetime] = {}
    for saved, captured in seen:
        if rng.random() < 0.4:
            continue
        when = captured + timedelta(minutes=2)
        free = [
            u
            for u in services.operations.units(operation_id)
            if u.status == "available" and busy_until.get(u.id, when) <= when
        ]
        if not free:
            continue
        unit = rng.choice(free)
        dispatched = services.dispatch.dispatch(
            actor, operation_id, unit.id, sighting_id=saved.sighting_id, event_time=when
        )
        tasking = int(dispatched.ref_id)
        results.append(dispatched)
        for minutes, status in ((1, "en_route"), (5, "on_scene")):
            results.append(
                services.dispatch.set_status(
                    actor, operation_id, unit.id, status, event_time=when + timedelta(minutes=minutes)
                )
            )
        results.append(
            services.shifts.note(
                actor, operation_id, rng.choice(RADIO_LINES), unit_id=unit.id, event_time=when + timedelta(minutes=9)
            )
        )
        parties = services.dispatch.parties(operation_id, tasking)
        outcomes = _demo_outcomes(rng, parties.vehicle_id, parties.subject_id, saved)
        closed_at = when + timedelta(minutes=rng.randint(15, 35))
        results.append(services.dispatch.close(actor, operation_id, tasking, outcomes, event_time=closed_at))
        busy_until[unit.id] = closed_at
    return results


def _demo_outcomes(
    rng: random.Random, vehicle_id: int | None, subject_id: int | None, saved: SightingSaved
) -> list[OutcomeDraft]:
    if vehicle_id is not None:
        found = [OutcomeDraft("stop_check", vehicle_id=vehicle_id)]
        if rng.random() < 0.5:
            found.append(OutcomeDraft("warning_letter", vehicle_id=vehicle_id))
        return found
    if subject_id is not None and saved.subject_reference.startswith("SW"):
        if rng.random() < 0.5:
            return [
                OutcomeDraft("official_warning", subject_id=subject_id),
                OutcomeDraft("referral", subject_id=subject_id, referral_to=rng.choice(("iom", "drug_alcohol"))),
            ]
        return [OutcomeDraft("intelligence_submission", subject_id=subject_id)]
    return [OutcomeDraft(rng.choice(("no_trace", "intelligence_submission")))]
