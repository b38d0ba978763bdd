"""What happens in the returns benchmark's operation (benchmarks/returns.py): the demo operation
moved W weeks into the past, and the plan of its nights in time order (sightings, units on and off
duty, taskings with their outcomes, log notes) that returns_seed.py writes."""

from __future__ import annotations

import dataclasses
import random
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from typing import Any
from zoneinfo import ZoneInfo

from console.demo import NOTES, RADIO_LINES, demo_spec
from storage.models import (
    Operation,
    PatrolUnit,
)

PEOPLE = ("sex_worker", "kerb_crawler", "controlling_individual")


def bench_spec(today: date, weeks: int) -> Any:
    """The demo operation, started `weeks` weeks before today, its tiers moved as demo_spec moves them."""
    spec = demo_spec(today)
    shift = (today - timedelta(days=7 * weeks)) - spec.start_date
    return dataclasses.replace(
        spec,
        start_date=spec.start_date + shift,
        tiers=tuple(dataclasses.replace(t, start_date=t.start_date + shift) for t in spec.tiers),
    )


# --- the plan: what happened, in time order ---------------------------------------------------


@dataclasses.dataclass
class Plan:
    events: list[tuple[datetime, int, int, str, dict[str, Any]]]  # (time, order, n, kind, data)
    nights: int
    first_night: date
    taskings: int


def plan_operation(
    op: Operation,
    units: Sequence[PatrolUnit],
    cameras: Sequence[dict[str, Any]],
    sightings: int,
    vehicles: int,
    subjects: int,
    weeks: int,
    now: datetime,
    rng: random.Random,
) -> Plan:
    """Sightings over the nights, units on and off duty, taskings with their outcomes (notes come later)."""
    tz = ZoneInfo(op.timezone)
    windows: list[tuple[datetime, datetime]] = []
    latest = now - timedelta(hours=2)  # nothing after that: every week lies wholly in the past
    for n in range(weeks * 7):
        day = op.start_date + timedelta(days=n)
        start = datetime.combine(day, dtime(op.night_starts_hour), tz).astimezone(UTC)
        end = datetime.combine(day + timedelta(days=1), dtime(6), tz).astimezone(UTC)
        windows.append((start, min(end, latest)))
    usable = [i for i, (a, b) in enumerate(windows) if (b - a).total_seconds() > 3600]
    weights = [(windows[i][1] - windows[i][0]).total_seconds() for i in usable]
    counts = Counter(rng.choices(usable, weights=weights, k=sightings))
    events: list[tuple[datetime, int, int, str, dict[str, Any]]] = []
    counter = 0

    def add(when: datetime, order: int, kind: str, **data: Any) -> None:
        nonlocal counter
        counter += 1
        events.append((when, order, counter, kind, data))

    subject_category = [PEOPLE[rng.randrange(len(PEOPLE))] for _ in range(subjects)]
    sighting_no = tasking_no = 0
    for night in usable:
        start, end = windows[night]
        span = int((end - start).total_seconds())
        for u in range(len(units)):
            add(start, 0, "status", unit=u, to="available", tasking=None)
        free_at = [start] * len(units)
        for captured in sorted(start + timedelta(seconds=rng.randint(60, span - 60)) for _ in range(counts[night])):
            sighting_no += 1
            camera = rng.randrange(len(cameras))
            r = rng.random()
            vehicle = subject = None
            if r < 0.6:
                category = "vehicle"
                vehicle = int(vehicles * rng.random() ** 2)  # some vehicles come back often
            elif r < 0.96:
                subject = int(subjects * rng.random() ** 2)
                category = subject_category[subject]
            else:
                category = rng.choice(("suspicious_activity", "community_issue"))
            add(
                captured + timedelta(seconds=20),
                1,
                "sighting",
                no=sighting_no,
                captured=captured,
                camera=camera,
                category=category,
                vehicle=vehicle,
                subject=subject,
            )
            dispatched = captured + timedelta(seconds=rng.randint(60, 180))
            free = [u for u in range(len(units)) if free_at[u] <= dispatched]
            if not free or rng.random() < 0.3:
                continue
            on_scene = dispatched + timedelta(seconds=rng.randint(120, 480))
            closed = on_scene + timedelta(seconds=rng.randint(180, 900))
            if closed > end - timedelta(minutes=5):
                continue
            unit = rng.choice(free)
            free_at[unit] = closed + timedelta(seconds=30)
            tasking_no += 1
            add(dispatched, 1, "dispatch", unit=unit, tasking=tasking_no, sighting=sighting_no, closed=closed)
            add(dispatched + timedelta(seconds=60), 1, "status", unit=unit, to="en_route", tasking=tasking_no)
            add(on_scene, 1, "status", unit=unit, to="on_scene", tasking=tasking_no)
            if rng.random() < 0.5:
                add(
                    on_scene + timedelta(seconds=rng.randint(30, 170)),
                    1,
                    "note",
                    text=rng.choice(RADIO_LINES),
                    unit=unit,
                )
            add(closed, 1, "close", unit=unit, tasking=tasking_no, outcomes=_outcomes(rng, category))
        for u in range(len(units)):
            add(max(end, free_at[u]) + timedelta(seconds=60), 2, "status", unit=u, to="off_duty", tasking=None)
    return Plan(events, len(usable), op.start_date + timedelta(days=usable[0]) if usable else op.start_date, tasking_no)


def _outcomes(rng: random.Random, category: str) -> list[tuple[str, str]]:
    """(kind, referral_to) of the outcomes a tasking to a sighting of `category` closes with."""
    if category == "vehicle":
        found = [("stop_check", "")]
        if rng.random() < 0.5:
            found.append(("warning_letter", ""))
        if rng.random() < 0.05:
            found.append(("reported_for_offence", ""))
        return found
    if category == "sex_worker":
        if rng.random() < 0.5:
            return [("official_warning", ""), ("referral", rng.choice(("iom", "drug_alcohol", "other")))]
        return [("intelligence_submission", "")]
    if category in PEOPLE:
        r = rng.random()
        if r < 0.1:
            return [("arrest", "")]
        if r < 0.13:
            return [("warrant_executed", "")]
        return [("intelligence_submission", "")]
    return [(rng.choice(("no_trace", "intelligence_submission")), "")]


def add_notes(plan: Plan, op: Operation, count: int, cameras: int, rng: random.Random) -> None:
    """`count` controller's notes spread over the nights the plan covers."""
    tz = ZoneInfo(op.timezone)
    for n in range(count):
        day = plan.first_night + timedelta(days=rng.randrange(plan.nights))
        start = datetime.combine(day, dtime(op.night_starts_hour), tz).astimezone(UTC)
        when = start + timedelta(seconds=rng.randint(120, 11 * 3600))
        camera = rng.randrange(cameras) if rng.random() < 0.3 else None
        plan.events.append((when, 1, -1 - n, "note", {"text": rng.choice(NOTES), "unit": None, "camera": camera}))


def planned_entries(plan: Plan) -> int:
    return sum(1 + len(d["outcomes"]) if kind == "close" else 1 for _, _, _, kind, d in plan.events)
