"""Returns computed from the record: a night written through the services, counted as it is
written, is reproduced exactly, each figure opening exactly the entries behind it; a night
across midnight and a week across the clock change count right; CSV cells cannot run."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import subprocess
import sys
from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from console.demo import demo_spec, system_actor
from console.dispatch_rules import OUTCOME_WORDS, OutcomeDraft
from console.operation_spec import CameraSpec, LocationSpec, TierSpec
from console.returns import safe_cell, to_csv, to_json
from console.services import Services
from console.sightings import NewSubject
from console.types import Actor
from tests.test_sightings import op_id, vehicle_tag

LONDON = ZoneInfo("Europe/London")


def local(day: date, hh: int, mm: int, next_day: bool = False, fold: int = 0) -> datetime:
    when = datetime.combine(day + timedelta(days=1 if next_day else 0), time(hh, mm), LONDON).replace(fold=fold)
    return when.astimezone(UTC)


def test_a_night_is_counted_exactly_with_the_entries_behind_each_figure(demo: Services, controller: Actor) -> None:
    oid = op_id(demo)
    night = date.today() - timedelta(days=2)  # Tier 2 in the demo
    written: dict[tuple[str, str], list[int]] = defaultdict(list)  # what the generator wrote, as it wrote it

    def tag(when: datetime, vrm: str | None = None, **extra: object) -> int:
        draft = vehicle_tag(vrm or "OY09 FEU", when, **extra)
        saved = demo.sightings.save(controller, oid, draft)
        label = "Vehicle" if draft.category_key == "vehicle" else "Sex worker"
        written[("Sightings by category", label)].append(saved.result.seq)
        written[("Sightings by hour (local)", f"{when.astimezone(LONDON):%H}:00")].append(saved.result.seq)
        return saved.sighting_id

    demo.sightings.save(controller, oid, vehicle_tag("AA11 AAA", local(night, 17, 59)))  # the night before
    demo.sightings.save(controller, oid, vehicle_tag("AA11 AAA", local(night, 18, 0, next_day=True)))  # the next
    tag(local(night, 19, 10), "LB17 KXR")
    stopped = tag(local(night, 23, 50), "KN64 DWA")
    tag(local(night, 0, 20, next_day=True), "KN64 DWA")  # after midnight: the same night
    tag(local(night, 5, 55, next_day=True), "YR12 OPL")
    person = {"category_key": "sex_worker", "vehicle": None, "new_subject": NewSubject("Red coat")}
    first_person = tag(local(night, 22, 0), **person)
    known = demo.sightings.search_subjects(oid, "Red coat", "sex_worker", limit=1)[0]
    tag(local(night, 2, 0, next_day=True), category_key="sex_worker", vehicle=None, subject_id=known.id)
    del first_person
    demo.shifts.start(controller, oid, ["team-a"], event_time=local(night, 18, 5))
    unit = next(u for u in demo.operations.units(oid) if u.status == "available")
    dispatched = demo.dispatch.dispatch(controller, oid, unit.id, sighting_id=stopped, event_time=local(night, 23, 52))
    on_scene = demo.dispatch.set_status(controller, oid, unit.id, "on_scene", event_time=local(night, 23, 58))
    parties = demo.dispatch.parties(oid, int(dispatched.ref_id))
    closed = demo.dispatch.close(
        controller,
        oid,
        int(dispatched.ref_id),
        [OutcomeDraft("stop_check", vehicle_id=parties.vehicle_id), OutcomeDraft("intelligence_submission")],
        event_time=local(night, 0, 10, next_day=True),
    )
    report = demo.returns.build("demo", demo.returns.period("demo", "day", night))
    for (section, label), seqs in written.items():
        figure = report.figure(section, label)
        assert figure.value == len(seqs) and list(figure.entries) == sorted(seqs), (section, label)
    assert report.value("Sightings", "All sightings") == 6
    assert report.value("People and vehicles", "Different vehicles seen") == 3
    assert report.value("People and vehicles", "Different subjects seen") == 1
    stop, intel = (
        report.figure("Outcomes", OUTCOME_WORDS["stop_check"]),
        report.figure("Outcomes", "intelligence submission"),
    )
    assert stop.value == 1 and intel.value == 1 and report.value("Outcomes", "arrest") == 0
    # One entry per outcome, written with the closing of the tasking (one action).
    assert len({*stop.entries, *intel.entries}) == 2
    assert all(closed.seq <= seq <= closed.seq + 2 for seq in (*stop.entries, *intel.entries))
    assert report.value("Outcomes by tier", "Tier 2") == 2
    response = report.figure("Response", "Dispatched to on scene, median")
    assert response.value == 6.0 and response.entries == (on_scene.seq,)
    assert report.head.count == demo.record.head().count
    # The next night holds the 18:00 sighting only; the one before holds the 17:59 one.
    assert (
        demo.returns.build("demo", demo.returns.period("demo", "day", night + timedelta(days=1))).value(
            "Sightings", "All sightings"
        )
        == 1
    )
    assert (
        demo.returns.build("demo", demo.returns.period("demo", "day", night - timedelta(days=1))).value(
            "Sightings", "All sightings"
        )
        == 1
    )
    body = to_json(report)
    assert body["record_head"]["hash"] == report.head.hash and body["period"]["start_local"].endswith("+00:00")


def test_a_week_across_the_clock_change_counts_the_repeated_hour_twice(services: Services) -> None:
    start = date(2026, 10, 19)  # Monday; British Summer Time ends at 02:00 on Sunday 25 October
    spec = dataclasses.replace(
        demo_spec(date.today()),
        start_date=start,
        tiers=(TierSpec(1, "Engagement", start), TierSpec(2, "Targeting exploiters", start + timedelta(days=14))),
    )
    services.operations.import_spec(system_actor("test-console"), spec)
    controller = services.operations.operator("demo", "test-console")
    oid = op_id(services)
    first = local(date(2026, 10, 25), 1, 30, fold=0)  # 01:30 BST = 00:30 UTC
    second = local(date(2026, 10, 25), 1, 30, fold=1)  # 01:30 GMT = 01:30 UTC
    assert second - first == timedelta(hours=1)
    for when in (first, second, local(date(2026, 10, 26), 18, 30)):
        services.sightings.save(controller, oid, vehicle_tag("OY09 FEU", when))
    period = services.returns.period("demo", "week", 1)
    assert period.end - period.start == timedelta(days=7, hours=1), "the week that holds the repeated hour"
    report = services.returns.build("demo", period)
    assert report.value("Sightings", "All sightings") == 2  # 18:30 on Monday the 26th is week 2's first night
    assert report.value("Sightings by hour (local)", "01:00") == 2
    assert (
        services.returns.build("demo", services.returns.period("demo", "week", 2)).value("Sightings", "All sightings")
        == 1
    )
    assert report.value("Outcomes by tier", "Tier 1") == 0


def test_csv_cells_that_a_spreadsheet_would_run_are_neutralised(services: Services) -> None:
    assert [safe_cell(x) for x in ("=1+1", "+44", "-2", "@SUM", "\tx", "Canal St")] == [
        "'=1+1",
        "'+44",
        "'-2",
        "'@SUM",
        "'\tx",
        "Canal St",
    ]
    spec = demo_spec(date.today())
    evil = '=HYPERLINK("http://example.invalid","click")'
    spec = dataclasses.replace(
        spec,
        locations=(*spec.locations, LocationSpec("evil", evil, True)),
        cameras=(*spec.cameras, CameraSpec("cam99", "Side street", "file", "/nonexistent.mp4", location="evil")),
    )
    services.operations.import_spec(system_actor("test-console"), spec)
    controller = services.operations.operator("demo", "test-console")
    when = datetime.now(UTC) - timedelta(hours=1)
    services.sightings.save(controller, op_id(services), vehicle_tag("OY09 FEU", when, camera_key="cam99"))
    report = services.returns.build("demo", services.returns.period("demo", "to_date"))
    rows = list(csv.reader(io.StringIO(to_csv(report))))
    cells = [cell for row in rows for cell in row]
    assert "'" + evil in cells and evil not in cells
    assert any(row[:2] == ["Sightings by location", "'" + evil] and row[2] == "1" for row in rows)


def test_returns_from_the_command_line(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'cli.db'}"
    run = [sys.executable, "-m", "console", "--db", db, "--operation", "demo"]
    assert subprocess.run([*run, "demo", "seed", "--nights", "1"], capture_output=True, check=False).returncode == 0
    night = (datetime.now(LONDON) - timedelta(days=1)).date()
    csv_out = subprocess.run([*run, "returns", "--day", night.isoformat()], capture_output=True, text=True, check=False)
    assert csv_out.returncode == 0 and "Sightings,All sightings," in csv_out.stdout
    out = tmp_path / "week.json"
    made = subprocess.run([*run, "returns", "--week", "4", "--format", "json", "--out", str(out)],
                          capture_output=True, text=True, check=False)  # fmt: skip
    assert made.returncode == 0, made.stderr
    body = json.loads(out.read_text())
    assert body["period"]["kind"] == "week" and len(body["record_head"]["hash"]) == 64
    assert all(f["value"] == len(f["entries"]) for f in body["figures"] if not f["unit"])
    pdf = tmp_path / "todate.pdf"
    assert subprocess.run([*run, "returns", "--to-date", "--format", "pdf", "--out", str(pdf)],
                          capture_output=True, check=False).returncode == 0  # fmt: skip
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "Operation to date" in text and "Sightings by category" in text
    bad = subprocess.run([*run, "returns", "--week", "0"], capture_output=True, text=True, check=False)
    assert bad.returncode == 2 and "counted from 1" in bad.stderr
