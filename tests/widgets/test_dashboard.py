"""The Charts tab draws what it is given: stacked bars with a legend, the heat map with its
counts, the outcome lines with the tiers marked, the busiest locations by name; and says so in
words when there is nothing to draw, without keeping old items from the last count."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import numpy as np
import pyqtgraph as pg
from pytestqt.qtbot import QtBot

from console.dashboard import WEEKDAYS, Dashboard, TierStart
from console.dispatch_rules import OUTCOME_WORDS
from widgets.dashboard import DashboardView
from widgets.dashboard_charts import NO_OUTCOMES, NO_SIGHTINGS, Chart, HeatChart

START = date(2026, 3, 2)  # a Monday
KINDS = tuple(OUTCOME_WORDS.values())


def dashboard(per_night: tuple[tuple[int, ...], ...] = ((2, 0, 1), (0, 0, 0), (1, 3, 0))) -> Dashboard:
    heat = [[0] * 24 for _ in WEEKDAYS]
    heat[0][5] = sum(row[0] for row in per_night)  # Monday night, 23:00
    heat[1][6] = sum(row[1] for row in per_night)
    heat[2][0] = sum(row[2] for row in per_night)
    cumulative = [(0, 0, 0, 0)] * len(KINDS)
    cumulative[0] = (1, 3, 8, 9)  # stop checks
    cumulative[1] = (0, 0, 4, 6)  # warning letters
    total = sum(map(sum, per_night))
    return Dashboard(
        operation="Operation Demo",
        period_label="Operation to date",
        timezone="Europe/London",
        nights=tuple(START + timedelta(days=n) for n in range(3)),
        categories=("Kerb crawler", "Sex worker", "Vehicle"),
        per_night=per_night,
        weekdays=WEEKDAYS,
        hours=tuple((18 + h) % 24 for h in range(24)),
        heat=tuple(map(tuple, heat)),
        weeks=(1, 2, 3, 4),
        outcome_kinds=KINDS,
        cumulative=tuple(cumulative),
        tiers=(
            TierStart(1, "Engagement", START, 1),
            TierStart(2, "Targeting exploiters", START + timedelta(days=14), 3),
            TierStart(3, "Warrants", START + timedelta(days=28), 5),  # after the last week: not marked
        ),
        top_locations=(("Canal Street", total - 2), ("Station Approach", 2)) if total else (),
    )


def items(chart: Chart, kind: type) -> list:  # type: ignore[type-arg]
    return [i for i in chart.plot.items if isinstance(i, kind)]


def message(chart: Chart) -> str:
    return chart.message.toPlainText() if chart.message in chart.plot.items else ""


def test_the_four_charts_draw_the_figures(qtbot: QtBot) -> None:
    view = DashboardView()
    qtbot.addWidget(view)
    view.resize(1400, 800)
    view.show_dashboard(dashboard())
    nights, heat, outcomes, places = view.charts
    assert isinstance(heat, HeatChart)

    bars = items(nights, pg.BarGraphItem)  # one stack a category that was seen
    assert [b.opts["height"].tolist() for b in bars] == [[2, 0, 1], [1, 3, 0]]
    assert [b.opts["y0"].tolist() for b in bars] == [[0, 0, 0], [2, 0, 1]]  # Vehicle sits on Kerb crawler
    assert nights.legend is not None
    assert [label.text for _, label in nights.legend.items] == ["Kerb crawler", "Vehicle"]
    assert nights.plot.getAxis("bottom")._tickLevels[0][0] == (0, "Mon 02")

    image = heat.image.image
    assert image is not None and image.shape == (7, 24) and image[0, 5] == 3 and image.sum() == 7
    assert heat.bar.isVisible() and heat.bar.levels() == (0, 3)
    counts = sorted(t.toPlainText() for t in items(heat, pg.TextItem))
    assert counts == ["1", "3", "3"]

    lines = items(outcomes, pg.PlotDataItem)
    assert [line.yData.tolist() for line in lines] == [[1, 3, 8, 9], [0, 0, 4, 6]]
    assert outcomes.legend is not None
    assert [label.text for _, label in outcomes.legend.items] == [
        "stop check (9)",
        "warning letter to the registered keeper (6)",
    ]
    marks = items(outcomes, pg.InfiniteLine)
    assert [(m.value(), m.label.toPlainText()) for m in marks] == [(2.5, "Tier 2")]

    (bar,) = items(places, pg.BarGraphItem)
    assert np.asarray(bar.opts["width"]).tolist() == [5, 2] and np.asarray(bar.opts["y"]).tolist() == [1, 0]
    assert places.plot.getAxis("left")._tickLevels[0] == [(1, "Canal Street"), (0, "Station Approach")]
    assert not any(message(c) for c in view.charts)


def test_an_empty_period_says_so_and_a_new_count_replaces_the_old(qtbot: QtBot) -> None:
    view = DashboardView()
    qtbot.addWidget(view)
    nights, heat, outcomes, places = view.charts
    assert all(message(c) == "Counting…" for c in view.charts)
    view.show_dashboard(dashboard())
    quiet = replace(dashboard(((0, 0, 0),) * 3), cumulative=tuple((0, 0, 0, 0) for _ in KINDS))
    view.show_dashboard(quiet)
    assert [message(c) for c in view.charts] == [NO_SIGHTINGS, NO_SIGHTINGS, NO_OUTCOMES, NO_SIGHTINGS]
    for chart in view.charts:  # the words in the middle of the plot, not in a corner
        (x0, x1), (y0, y1) = chart.plot.vb.viewRange()
        assert (chart.message.pos().x(), chart.message.pos().y()) == ((x0 + x1) / 2, (y0 + y1) / 2)
    assert not items(nights, pg.BarGraphItem) and not items(outcomes, pg.PlotDataItem)
    assert not items(outcomes, pg.InfiniteLine) and not items(places, pg.BarGraphItem)
    assert not heat.image.isVisible() and not heat.bar.isVisible()
    assert not nights.plot.getAxis("left").isVisible()
    assert nights.legend is not None and nights.legend.items == []
    for _ in range(3):
        view.show_dashboard(dashboard())
    assert len(items(nights, pg.BarGraphItem)) == 2 and len(items(heat, pg.TextItem)) == 3
    assert len(items(outcomes, pg.InfiniteLine)) == 1 and not any(message(c) for c in view.charts)
    assert heat.image.isVisible() and nights.plot.getAxis("left").isVisible()
