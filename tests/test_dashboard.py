"""The returns dashboard agrees with the return it sits beside (same rows, same local nights), on
both engines; the Returns dock counts both in a worker and again when the record changes; the
PDF return carries the charts, from the console and from the command line."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pyqtgraph as pg
import pytest
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

import console.returns_flow
from console.dashboard import Dashboard, build_dashboard
from console.dispatch_rules import OUTCOME_WORDS, OutcomeDraft
from console.returns import Return, write_pdf
from console.returns_flow import ReturnsFlow
from console.services import Services
from console.sightings import NewSubject
from console.tasks import Tasks
from console.types import Actor
from storage.models import Sighting
from tests.test_returns import local
from tests.test_sightings import op_id, vehicle_tag
from widgets.dashboard import chart_images
from widgets.dashboard_charts import CHARTS
from widgets.returns_view import ReturnsView

TITLES = [chart.title for chart in CHARTS]


def section(report: Return, name: str) -> dict[str, float]:
    return {f.label: f.value for f in report.figures if f.section == name}


def a_night_of_work(demo: Services, controller: Actor, night: date) -> None:
    """Three vehicles and a sex worker on the night of ``night`` (one after midnight), a stop
    check and an intelligence submission; and a sighting row that no record entry wrote."""
    oid = op_id(demo)
    demo.sightings.save(controller, oid, vehicle_tag("LB17 KXR", local(night, 19, 10)))  # Station Approach
    stopped = demo.sightings.save(controller, oid, vehicle_tag("KN64 DWA", local(night, 23, 50), camera_key="cam02"))
    demo.sightings.save(
        controller, oid, vehicle_tag("YR12 OPL", local(night, 0, 30, next_day=True), camera_key="cam02")
    )
    person = {"category_key": "sex_worker", "vehicle": None, "new_subject": NewSubject("Red coat")}
    demo.sightings.save(controller, oid, vehicle_tag("", local(night, 22, 0), camera_key="cam03", **person))
    demo.shifts.start(controller, oid, ["team-a"], event_time=local(night, 18, 5))
    unit = next(u for u in demo.operations.units(oid) if u.status == "available")
    dispatched = demo.dispatch.dispatch(
        controller, oid, unit.id, sighting_id=stopped.sighting_id, event_time=local(night, 23, 52)
    )
    parties = demo.dispatch.parties(oid, int(dispatched.ref_id))
    demo.dispatch.close(
        controller,
        oid,
        int(dispatched.ref_id),
        [OutcomeDraft("stop_check", vehicle_id=parties.vehicle_id), OutcomeDraft("intelligence_submission")],
        event_time=local(night, 0, 10, next_day=True),
    )
    with demo.db.write.begin() as s:  # written around the record: verify reports it, nothing counts it
        s.add(Sighting(operation_id=oid, category_key="vehicle", captured_at=local(night, 20, 0), operator_id=1))


def test_the_dashboard_agrees_with_the_return_and_counts_local_nights(demo: Services, controller: Actor) -> None:
    night = date.today() - timedelta(days=2)  # week 4 of the demo, Tier 2
    a_night_of_work(demo, controller, night)
    op = demo.operations.view("demo")
    number = (night - op.start_date).days // 7 + 1
    period = demo.returns.period("demo", "week", number)
    report, d = demo.returns.build("demo", period), build_dashboard(demo.db, "demo", period)

    assert d.sightings == report.value("Sightings", "All sightings") == 4
    by_category = section(report, "Sightings by category")
    assert {label: sum(row) for label, row in zip(d.categories, d.per_night, strict=True)} == by_category
    assert (
        dict(d.top_locations)
        == section(report, "Sightings by location")
        == {
            "Canal Street": 3,
            "Station Approach": 1,
        }
    )
    by_hour = section(report, "Sightings by hour (local)")
    assert {f"{h:02d}:00": sum(row[i] for row in d.heat) for i, h in enumerate(d.hours)} == by_hour
    # The night runs 18:00 to 18:00: 00:30 on the next date is this night's, Monday night's row.
    assert len(d.nights) == 7 and d.hours[0] == 18
    n = d.nights.index(night)
    assert d.per_night[d.categories.index("Vehicle")][n] == 3
    assert d.per_night[d.categories.index("Sex worker")][n] == 1
    assert sum(row[n] for row in d.per_night) == 4 and sum(map(sum, d.per_night)) == 4
    weekday = d.weekdays[night.weekday()]
    assert d.heat[night.weekday()][d.hours.index(0)] == 1, f"00:30 belongs to {weekday} night"
    assert d.heat[(night.weekday() + 1) % 7][d.hours.index(0)] == 0
    assert d.heat[night.weekday()][d.hours.index(23)] == 1 and d.heat[night.weekday()][d.hours.index(22)] == 1

    # Outcomes by week, cumulative from the operation's start: this week's step is the return's.
    assert d.weeks == tuple(range(1, number + 1))
    outcomes = section(report, "Outcomes")
    for label, running in zip(d.outcome_kinds, d.cumulative, strict=True):
        assert running[-1] - (running[-2] if len(running) > 1 else 0) == outcomes[label], label
    assert d.cumulative[d.outcome_kinds.index(OUTCOME_WORDS["stop_check"])] == (0,) * (number - 1) + (1,)
    assert [(t.number, t.start, t.week) for t in d.tiers] == [
        (t.number, t.start_date, (t.start_date - op.start_date).days // 7 + 1) for t in op.tiers
    ]
    assert [t.week for t in d.tiers][:2] == [1, 3]

    to_date = demo.returns.period("demo", "to_date")
    whole, dd = demo.returns.build("demo", to_date), build_dashboard(demo.db, "demo", to_date)
    assert {k: c[-1] for k, c in zip(dd.outcome_kinds, dd.cumulative, strict=True)} == section(whole, "Outcomes")
    assert dd.sightings == whole.value("Sightings", "All sightings") == 4
    assert dd.nights[0] == op.start_date and dd.nights[-1] >= date.today() - timedelta(days=1)

    one = build_dashboard(demo.db, "demo", demo.returns.period("demo", "day", night))
    assert one.nights == (night,) and one.sightings == 4
    before = build_dashboard(demo.db, "demo", demo.returns.period("demo", "day", night - timedelta(days=1)))
    assert before.sightings == 0 and before.top_locations == () and not any(map(any, before.heat))


def test_before_the_operation_there_is_nothing_to_chart(demo: Services) -> None:
    op = demo.operations.view("demo")
    d = build_dashboard(demo.db, "demo", demo.returns.period("demo", "day", op.start_date - timedelta(days=30)))
    assert d.sightings == 0 and d.weeks == () and all(c == () for c in d.cumulative)


@pytest.fixture
def pdf_tools() -> None:
    for tool in ("pdfinfo", "pdfimages", "pdftotext"):
        if subprocess.run(["which", tool], capture_output=True, check=False).returncode:
            pytest.skip(f"{tool} (poppler-utils) is not installed")


def pdf_facts(path: Path) -> tuple[int, int, str]:
    """Pages, pictures and text of a PDF, as poppler reads it."""
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    pages = int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))
    listed = subprocess.run(["pdfimages", "-list", str(path)], capture_output=True, text=True, check=True).stdout
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return pages, len(listed.splitlines()) - 2, text  # two heading lines


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_the_pdf_return_prints_the_charts_after_the_tables(
    qtbot: QtBot, demo: Services, controller: Actor, tmp_path: Path, pdf_tools: None
) -> None:
    a_night_of_work(demo, controller, date.today() - timedelta(days=2))
    period = demo.returns.period("demo", "to_date")
    report = demo.returns.build("demo", period)
    plain, charted = tmp_path / "plain.pdf", tmp_path / "charted.pdf"
    write_pdf(report, plain)
    pictures = chart_images(build_dashboard(demo.db, "demo", period))
    assert [title for title, _ in pictures] == TITLES and all(not p.isNull() for _, p in pictures)
    write_pdf(report, charted, pictures)
    pages, images, text = pdf_facts(plain)
    assert images == 0 and not any(title in text for title in TITLES)
    charted_pages, charted_images, charted_text = pdf_facts(charted)
    assert charted_pages == pages + 2 and charted_images == 4  # two charts a page, after the tables
    assert all(title in charted_text for title in TITLES)
    assert charted_text.index("Sightings by category") < charted_text.index(TITLES[0])


def test_the_command_line_pdf_has_the_charts_without_a_display(tmp_path: Path, pdf_tools: None) -> None:
    db = f"sqlite:///{tmp_path / 'cli.db'}"
    run = [sys.executable, "-m", "console", "--db", db, "--operation", "demo"]
    env = {k: v for k, v in os.environ.items() if k not in ("QT_QPA_PLATFORM", "DISPLAY", "WAYLAND_DISPLAY")}
    seeded = subprocess.run(
        [*run, "demo", "seed", "--nights", "1"], capture_output=True, text=True, env=env, check=False
    )
    assert seeded.returncode == 0, seeded.stderr
    pdf = tmp_path / "week.pdf"
    made = subprocess.run(
        [*run, "returns", "--week", "4", "--format", "pdf", "--out", str(pdf)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert made.returncode == 0, made.stderr
    _, images, text = pdf_facts(pdf)
    assert images == 4 and all(title in text for title in TITLES)


class Window(QWidget):
    """What the flow uses of the main window: its Returns dock."""

    def __init__(self) -> None:
        super().__init__()
        self.returns = ReturnsView(self)


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_the_dock_counts_figures_and_charts_in_a_worker_and_again_when_the_record_changes(
    qtbot: QtBot, demo: Services, controller: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(console.returns_flow, "RECOUNT_AFTER_MS", 10)
    threads: list[threading.Thread] = []

    def counted(*args: object) -> Dashboard:
        threads.append(threading.current_thread())
        return build_dashboard(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(console.returns_flow, "build_dashboard", counted)
    oid = op_id(demo)
    demo.sightings.save(controller, oid, vehicle_tag("OY09 FEU", datetime.now(UTC) - timedelta(minutes=5)))
    window = Window()
    qtbot.addWidget(window)
    tasks = Tasks(parent=window)
    flow = ReturnsFlow(window, demo, tasks, "demo", "Europe/London")  # type: ignore[arg-type]
    view = window.returns
    assert [view.tabs.tabText(i) for i in range(view.tabs.count())] == ["Figures", "Charts"]

    def shown(n: int) -> bool:
        return (
            flow.dashboard is not None
            and flow.dashboard.sightings == n
            and any(r.label == "All sightings" and r.value == n for r in view.model.rows)
        )

    qtbot.waitUntil(lambda: shown(1))
    assert threads and all(t is not threading.main_thread() for t in threads)
    nights = view.charts.charts[0]
    assert nights.message not in nights.plot.items and any(isinstance(i, pg.BarGraphItem) for i in nights.plot.items)
    demo.sightings.save(controller, oid, vehicle_tag("KN64 DWA", datetime.now(UTC) - timedelta(minutes=1)))
    flow.on_entries([])  # what the change feed calls when entries arrive
    qtbot.waitUntil(lambda: shown(2))
    assert tasks.wait()
