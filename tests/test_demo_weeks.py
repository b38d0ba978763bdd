"""A generated 10-week operation, whose generator keeps a ledger of what it writes as it writes
it (never by querying), is reproduced exactly by the returns: every figure of every night, every
week and the operation to date, with exactly the record entries behind it. The ten weeks before
today cross a change of the clocks, and nights cross midnight."""

from __future__ import annotations

import statistics
import subprocess
import sys
from collections import defaultdict
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from console.community import SOURCES
from console.demo_weeks import Ledger, seed_weeks
from console.dispatch_rules import OUTCOME_WORDS
from console.returns import COUNT_ONLY, SPECIAL_ETHNICITY, SPECIAL_NEEDS, Period, Return
from console.services import Services
from console.types import OperationView
from console.verify import verify

Expected = dict[tuple[str, str], tuple[float, tuple[int, ...]]]


def _night_of(op: OperationView, at: datetime) -> date:
    return (at.astimezone(ZoneInfo(op.timezone)) - timedelta(hours=op.night_starts_hour)).date()


def expected_figures(ledger: Ledger, op: OperationView, period: Period) -> Expected:
    """The figures a return must show, counted from the ledger alone."""
    tz = ZoneInfo(op.timezone)
    out: dict[tuple[str, str], list[int]] = defaultdict(list)
    counts: dict[tuple[str, str], int] = defaultdict(int)

    def inside(at: datetime) -> bool:
        return period.start <= at < period.end

    first_subject: dict[str, int] = {}
    first_vehicle: dict[str, int] = {}
    for s in sorted(ledger.sightings, key=lambda x: x.captured_at):
        if not inside(s.captured_at):
            continue
        out[("Sightings", "All sightings")].append(s.seq)
        if s.in_area:
            out[("Sightings", "In the prescribed area")].append(s.seq)
        out[("Sightings by category", s.category)].append(s.seq)
        out[("Sightings by location", s.location)].append(s.seq)
        out[("Sightings by hour (local)", f"{s.captured_at.astimezone(tz):%H}:00")].append(s.seq)
        if s.subject:
            first_subject.setdefault(s.subject, s.seq)
        if s.vehicle:
            first_vehicle.setdefault(s.vehicle, s.seq)
    out[("People and vehicles", "Different subjects seen")] = list(first_subject.values())
    out[("People and vehicles", "Different vehicles seen")] = list(first_vehicle.values())
    for reference, seq in first_subject.items():
        p = ledger.people[reference]
        out[("Subjects seen by age band", f"{p.category}: {p.age_band or 'not recorded'}")].append(seq)
        out[("Subjects seen by locality", f"{p.category}: {p.locality or 'not recorded'}")].append(seq)
        counts[(SPECIAL_ETHNICITY, f"{p.category}: {p.ethnicity or 'not recorded'}")] += 1
        counts[(SPECIAL_NEEDS, f"{p.category}: dependency issue recorded")] += 1 if p.dependency else 0
        counts[(SPECIAL_NEEDS, f"{p.category}: vulnerability recorded")] += 1 if p.vulnerability else 0
    tiers = sorted(op.tiers, key=lambda t: t.start_date)
    for o in ledger.outcomes:
        if inside(o.recorded_at):
            out[("Outcomes", OUTCOME_WORDS[o.kind])].append(o.seq)
            out[("Outcomes by team", o.team)].append(o.seq)
            night = _night_of(op, o.recorded_at)
            tier = max((t.number for t in tiers if t.start_date <= night), default=1)
            out[("Outcomes by tier", f"Tier {tier}")].append(o.seq)
    reached = [
        r for r in ledger.responses if inside(r.dispatched_at) and r.on_scene_at < period.end + timedelta(hours=12)
    ]
    out[("Response", "Taskings reached on scene")] = [r.seq for r in reached]
    for c in ledger.community:
        if inside(c.reported_at):
            out[("Community", "Community complaints" if c.kind == "complaint" else "Community tension notes")].append(
                c.seq
            )
            if c.kind == "complaint":
                out[("Community complaints by source", SOURCES[c.source])].append(c.seq)
    for order in ledger.orders.values():
        if inside(order.applied[1]):
            out[("ESOs", "Applied for")].append(order.applied[0])
        if order.made and inside(order.made[1]):
            out[("ESOs", "Made by the court")].append(order.made[0])
        if order.ended and inside(order.ended[1]):
            label = "Completed" if order.ending == "completed" else "Ended otherwise (refused, breached, withdrawn)"
            out[("ESOs", label)].append(order.ended[0])
        if order.made and order.made[1] < period.end and (order.ended is None or order.ended[1] >= period.end):
            out[("ESOs", "In place at the end of the period")].append(order.made[0])
    figures: Expected = {key: (len(seqs), tuple(sorted(seqs))) for key, seqs in out.items()}
    figures.update({key: (n, ()) for key, n in counts.items()})
    if reached:
        minutes = sorted((r.on_scene_at - r.dispatched_at).total_seconds() / 60 for r in reached)
        seqs = tuple(sorted(r.seq for r in reached))
        figures[("Response", "Dispatched to on scene, median")] = (round(statistics.median(minutes), 1), seqs)
        p90 = minutes[min(len(minutes) - 1, int(0.9 * len(minutes)))]
        figures[("Response", "Dispatched to on scene, 90th percentile")] = (round(p90, 1), seqs)
    return figures


def assert_reproduced(report: Return, expected: Expected) -> None:
    shown = {(f.section, f.label): f for f in report.figures}
    for key, (value, _) in expected.items():
        if value:
            assert key in shown, f"{report.period.label}: no figure {key}"
    for key, f in shown.items():
        value, entries = expected.get(key, (0, ()))
        assert (f.value, f.entries) == (value, entries), f"{report.period.label}: {key}"
        assert f.unit != COUNT_ONLY or f.entries == ()


@pytest.fixture
def ten_weeks(services: Services) -> tuple[Services, Ledger]:
    return services, seed_weeks(services, 10, seed=5, density=1.0)


def test_a_generated_ten_week_operation_is_reproduced_exactly(ten_weeks: tuple[Services, Ledger]) -> None:
    services, ledger = ten_weeks
    op = services.operations.view("demo")
    tz = ZoneInfo(op.timezone)
    # The ten weeks before today cross a change of the clocks (the last Sunday of March or October).
    offsets = {datetime.combine(op.start_date + timedelta(days=n), time(12), tz).utcoffset() for n in range(70)}
    assert len(offsets) == 2
    assert services.record.head().count == ledger.entries + 1  # + the import of the demo operation
    kinds = {o.kind for o in ledger.outcomes}
    assert {"stop_check", "warning_letter", "official_warning", "referral", "intelligence_submission"} <= kinds
    assert ledger.community and ledger.responses and ledger.letters > 0 and ledger.partner_actions > 0
    assert any(o.made for o in ledger.orders.values()) and any(o.ended for o in ledger.orders.values())
    periods = [services.returns.period("demo", "week", n) for n in range(1, 11)]
    periods += [services.returns.period("demo", "day", op.start_date + timedelta(days=n)) for n in range(70)]
    periods.append(services.returns.period("demo", "to_date"))
    for period in periods:
        assert_reproduced(services.returns.build("demo", period), expected_figures(ledger, op, period))
    whole = services.returns.build("demo", periods[-1])
    assert whole.value("Sightings", "All sightings") == len(ledger.sightings)
    assert sum(whole.value("Outcomes", w) for w in OUTCOME_WORDS.values()) == len(ledger.outcomes)
    assert whole.value("Outcomes by tier", "Tier 1") > 0 and whole.value("Outcomes by tier", "Tier 3") > 0
    assert verify(services.db).ok


def test_weeks_are_seeded_from_the_command_line(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'weeks.db'}"
    run = [sys.executable, "-m", "console", "--db", db, "--operation", "demo", "demo", "seed"]
    made = subprocess.run([*run, "--weeks", "2", "--density", "0.5"], capture_output=True, text=True, check=False)
    assert made.returncode == 0, made.stderr
    assert "demo seeded: 2 week(s)" in made.stdout
    again = subprocess.run([*run, "--weeks", "3"], capture_output=True, text=True, check=False)
    assert again.returncode == 2 and "would run into tonight" in again.stderr
    silly = subprocess.run([*run, "--weeks", "99"], capture_output=True, text=True, check=False)
    assert silly.returncode == 2 and "between 1 and 26" in silly.stderr
