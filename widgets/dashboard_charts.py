"""The four returns charts (pyqtgraph), each drawn from a dashboard's plain figures in a theme:
the dark control-room one on screen, a light one for print. They never query anything."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from math import ceil
from typing import Protocol

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QFontMetrics

NO_SIGHTINGS = "No sightings in this period"
NO_OUTCOMES = "No outcomes recorded yet"


class TierMark(Protocol):
    @property
    def number(self) -> int: ...
    @property
    def week(self) -> int: ...


class DashboardData(Protocol):
    """What console.dashboard.Dashboard hands the charts (plain types only)."""

    @property
    def nights(self) -> tuple[date, ...]: ...
    @property
    def categories(self) -> tuple[str, ...]: ...
    @property
    def per_night(self) -> tuple[tuple[int, ...], ...]: ...
    @property
    def weekdays(self) -> tuple[str, ...]: ...
    @property
    def hours(self) -> tuple[int, ...]: ...
    @property
    def heat(self) -> tuple[tuple[int, ...], ...]: ...
    @property
    def weeks(self) -> tuple[int, ...]: ...
    @property
    def outcome_kinds(self) -> tuple[str, ...]: ...
    @property
    def cumulative(self) -> tuple[tuple[int, ...], ...]: ...
    @property
    def tiers(self) -> Sequence[TierMark]: ...
    @property
    def top_locations(self) -> tuple[tuple[str, int], ...]: ...


@dataclass(frozen=True)
class Theme:
    background: str
    text: str
    axis: str
    muted: str
    palette: tuple[str, ...]  # a category or outcome keeps its colour: its index picks it
    heat: tuple[str, ...]  # none -> most
    font_pt: float
    titles: bool  # print sets the title above the picture instead, as text a reader can search


# GitHub's dark and light palettes: distinct, and legible on #0d1117 and on paper respectively.
# Red comes late, so that only a rarely seen category or outcome is drawn in the alarm colour.
DARK = Theme(
    background="#0d1117",
    text="#e6edf3",
    axis="#8b949e",
    muted="#8b949e",
    palette=("#58a6ff", "#f0883e", "#3fb950", "#d2a8ff", "#e3b341", "#39c5cf", "#db61a2", "#ff7b72", "#c9d1d9"),
    heat=("#161b22", "#0d419d", "#1f6feb", "#e3b341", "#fff8c5"),
    font_pt=11,
    titles=True,
)
PRINT = Theme(
    background="#ffffff",
    text="#1f2328",
    axis="#57606a",
    muted="#57606a",
    palette=("#0969da", "#e16f24", "#1a7f37", "#8250df", "#bf8700", "#1b7c83", "#bf3989", "#cf222e", "#6e7781"),
    heat=("#ffffff", "#ddf4ff", "#54aeff", "#0550ae", "#0a3069"),
    font_pt=13,  # the picture is 900 px across a 180 mm page: about 9 pt on paper
    titles=False,
)


def _font(theme: Theme, scale: float = 1.0, bold: bool = False) -> QFont:
    font = QFont("DejaVu Sans")
    font.setPointSizeF(theme.font_pt * scale)
    font.setBold(bold)
    return font


def nice_step(least: float) -> int:
    """The smallest of 1, 2, 5, 10, 20, 50 ... that is at least ``least``."""
    scale = 1
    while True:
        for step in (scale, 2 * scale, 5 * scale):
            if step >= least:
                return step
        scale *= 10


class Chart:
    """One plot with its title, its legend row and its "nothing to show" words."""

    title = ""

    def __init__(self, theme: Theme, legend_columns: int = 0) -> None:
        self.theme = theme
        self.widget = pg.GraphicsLayoutWidget()
        self.widget.setBackground(theme.background)
        # Small enough that the tabbed bottom docks never squeeze the board; float or enlarge the
        # Returns dock to read the charts at length.
        self.widget.setMinimumSize(240, 120)
        self.plot = self.widget.addPlot(row=0, col=0)
        if theme.titles:
            self.plot.setTitle(self.title, color=theme.text, size=f"{theme.font_pt * 1.25:g}pt", bold=True)
        self.plot.setMenuEnabled(False)
        self.plot.setMouseEnabled(x=False, y=False)  # a wall chart: nothing to drag out of place
        self.plot.hideButtons()
        for name in ("left", "bottom"):
            axis = self.plot.getAxis(name)
            axis.setPen(pg.mkPen(theme.axis))
            axis.setTextPen(pg.mkPen(theme.text))
            axis.setTickFont(_font(theme, 0.9))
            axis.setStyle(hideOverlappingLabels=False)  # keep the first night and the 0 at the edges
        self.legend: pg.LegendItem | None = None
        if legend_columns:
            self.legend = pg.LegendItem(
                colCount=legend_columns,
                labelTextColor=theme.text,
                labelTextSize=f"{theme.font_pt * 0.9:g}pt",
                frame=False,
            )
            self.widget.addItem(self.legend, row=1, col=0)
        self.message = pg.TextItem("", color=theme.muted, anchor=(0.5, 0.5))
        self.message.setFont(_font(theme, 1.3))
        self._items: list[pg.GraphicsObject] = []

    def show(self, d: DashboardData) -> None:
        raise NotImplementedError

    def colour(self, index: int) -> str:
        return self.theme.palette[index % len(self.theme.palette)]

    def add(self, item: pg.GraphicsObject, legend: str = "") -> None:
        self.plot.addItem(item)
        self._items.append(item)
        if legend and self.legend is not None:
            self.legend.addItem(item, legend)

    def reset(self) -> None:
        for item in self._items:
            self.plot.removeItem(item)
        self._items.clear()
        if self.legend is not None:
            self.legend.clear()

    def empty(self, words: str) -> None:
        """Clear words instead of bare axes, so nobody reads an empty chart as a fault."""
        for name in ("left", "bottom", "right"):
            self.plot.hideAxis(name)
        self.message.setText(words)
        self.message.setPos(0.5, 0.5)  # the middle of the 0..1 range set below
        self.add(self.message)
        self.plot.setRange(xRange=(0, 1), yRange=(0, 1), padding=0)

    def axes(self, left: str, bottom: str) -> None:
        for name, words in (("left", left), ("bottom", bottom)):
            self.plot.showAxis(name)
            self.plot.setLabel(name, words, **{"color": self.theme.text, "font-size": f"{self.theme.font_pt:g}pt"})

    def ticks(self, name: str, ticks: Sequence[tuple[float, str]]) -> None:
        self.plot.getAxis(name).setTicks([list(ticks), []])

    def level_lines(self) -> None:
        """Horizontal grid lines from a bare right-hand axis: pyqtgraph clips a gridded axis's
        labels to the plot, which would drop the 0 at the foot of the left one."""
        right = self.plot.getAxis("right")
        right.setStyle(showValues=False, tickLength=0)
        right.setPen(pg.mkPen(None))
        right.setGrid(90)
        self.plot.showAxis("right")


class NightsChart(Chart):
    title = "Sightings per night, by category"

    def __init__(self, theme: Theme) -> None:
        super().__init__(theme, legend_columns=3)

    def show(self, d: DashboardData) -> None:
        self.reset()
        if not any(map(any, d.per_night)):
            self.empty(NO_SIGHTINGS)
            return
        self.axes("sightings", "night of")
        self.level_lines()
        x = np.arange(len(d.nights), dtype=float)
        bottom = np.zeros(len(d.nights))
        for i, (label, counts) in enumerate(zip(d.categories, d.per_night, strict=True)):
            if not any(counts):
                continue
            height = np.array(counts, dtype=float)
            bar = pg.BarGraphItem(
                x=x,
                height=height,
                y0=bottom.copy(),
                width=0.8,
                brush=self.colour(i),
                pen=pg.mkPen(self.theme.background),
            )
            self.add(bar, label)
            bottom += height
        step = max(1, ceil(len(d.nights) / 8))  # a label every few nights when there are many
        words = "%a %d" if len(d.nights) <= 14 else "%d %b"  # the weekday while it can be read off
        self.ticks("bottom", [(i, f"{day:{words}}") for i, day in enumerate(d.nights) if i % step == 0])
        self.plot.setRange(xRange=(-0.6, len(d.nights) - 0.4), yRange=(0, bottom.max() * 1.1), padding=0)


class HeatChart(Chart):
    title = "Sightings by hour and night of the week"

    def __init__(self, theme: Theme) -> None:
        super().__init__(theme)
        self.image = pg.ImageItem(axisOrder="row-major")
        self.plot.addItem(self.image)
        self.plot.invertY(True)  # Monday night at the top, as a calendar reads
        self.cmap = pg.ColorMap(np.linspace(0, 1, len(theme.heat)), list(theme.heat))
        self.bar = pg.ColorBarItem(values=(0, 1), colorMap=self.cmap, interactive=False, width=16)
        self.bar.setImageItem(self.image, insert_in=self.plot)
        self.bar.axis.setPen(pg.mkPen(theme.axis))
        self.bar.axis.setTextPen(pg.mkPen(theme.text))
        self.bar.axis.setTickFont(_font(theme, 0.9))

    def show(self, d: DashboardData) -> None:
        self.reset()
        cells = np.array(d.heat, dtype=float)
        most = float(cells.max()) if cells.size else 0.0
        self.image.setVisible(most > 0)
        self.bar.setVisible(most > 0)
        if most == 0:
            self.empty(NO_SIGHTINGS)
            return
        self.axes("night of", "hour (local)")
        self.image.setImage(cells, levels=(0, most))
        self.bar.setLevels(low=0, high=most)
        step = nice_step(most / 5)  # whole sightings on the colour bar, never 2.5
        self.bar.axis.setTickSpacing(step, step)
        # Colour never carries the meaning alone: each busy cell also shows its count, while
        # two digits fit in a cell (beyond that the colour bar's numbers read better).
        for row, counts in enumerate(d.heat if most < 100 else ()):
            for col, n in enumerate(counts):
                if n:
                    dark_cell = self.cmap.mapToQColor(np.array([n / most]))[0].lightness() < 128
                    words = pg.TextItem(str(n), color="#ffffff" if dark_cell else "#0d1117", anchor=(0.5, 0.5))
                    words.setFont(_font(self.theme, 0.75))
                    words.setPos(col + 0.5, row + 0.5)
                    self.add(words)
        self.ticks("bottom", [(i + 0.5, f"{h:02d}") for i, h in enumerate(d.hours)])
        self.ticks("left", [(i + 0.5, day) for i, day in enumerate(d.weekdays)])
        self.plot.setRange(xRange=(0, len(d.hours)), yRange=(0, len(d.weekdays)), padding=0)


SYMBOLS = ("o", "s", "t", "d", "star", "t1", "p", "h", "x")


class OutcomesChart(Chart):
    title = "Outcomes to date, by operation week"

    def __init__(self, theme: Theme) -> None:
        super().__init__(theme, legend_columns=2)  # the outcomes' words are long: three would not fit

    def show(self, d: DashboardData) -> None:
        self.reset()
        if not d.weeks or not any(c[-1] for c in d.cumulative):
            self.empty(NO_OUTCOMES)
            return
        self.axes("outcomes (cumulative)", "operation week")
        self.level_lines()
        top = max(c[-1] for c in d.cumulative)
        drawn = 0
        for i, (label, counts) in enumerate(zip(d.outcome_kinds, d.cumulative, strict=True)):
            if counts[-1]:
                # Warnings and referrals often run level: every other line is dashed and each has
                # its own marker, so a line laid over another still leaves it in sight.
                colour = self.colour(i)
                style = Qt.PenStyle.DashLine if drawn % 2 else Qt.PenStyle.SolidLine
                line = pg.PlotDataItem(
                    list(d.weeks),
                    list(counts),
                    pen=pg.mkPen(colour, width=3, style=style),
                    symbol=SYMBOLS[i % len(SYMBOLS)],
                    symbolSize=10,
                    symbolBrush=colour,
                    symbolPen=None,
                )
                self.add(line, f"{label} ({counts[-1]})")
                drawn += 1
        for tier in d.tiers:
            if 1 < tier.week <= d.weeks[-1]:
                # Between the last week before the tier and its first week.
                mark = pg.InfiniteLine(
                    pos=tier.week - 0.5,
                    angle=90,
                    pen=pg.mkPen(self.theme.muted, width=2, style=Qt.PenStyle.DashLine),
                    label=f"Tier {tier.number}",
                    labelOpts={"position": 0.92, "color": self.theme.text, "anchors": [(0, 0.5), (0, 0.5)]},
                )
                mark.label.setFont(_font(self.theme, 0.9, bold=True))
                self.add(mark)
        self.ticks("bottom", [(w, f"Wk {w}") for w in d.weeks])
        self.plot.setRange(xRange=(0.6, d.weeks[-1] + 0.4), yRange=(0, top * 1.1), padding=0)


class LocationsChart(Chart):
    title = "Top locations by sightings"
    LONGEST = 26  # characters of a location's name before it is shortened

    def show(self, d: DashboardData) -> None:
        self.reset()
        if not d.top_locations:
            self.empty(NO_SIGHTINGS)
            return
        self.axes("", "sightings")
        n = len(d.top_locations)  # no grid: each bar carries its count
        rows = [n - 1 - i for i in range(n)]  # the busiest at the top
        counts = [count for _, count in d.top_locations]
        self.add(pg.BarGraphItem(x0=0, y=rows, height=0.7, width=counts, brush=self.colour(0), pen=None))
        for row, count in zip(rows, counts, strict=True):
            value = pg.TextItem(f" {count}", color=self.theme.text, anchor=(0, 0.5))
            value.setFont(_font(self.theme, 0.9, bold=True))
            value.setPos(count, row)
            self.add(value)
        names = [name if len(name) <= self.LONGEST else name[: self.LONGEST - 1] + "…" for name, _ in d.top_locations]
        self.ticks("left", list(zip(rows, names, strict=True)))
        # Wide enough now for the longest name: the axis would only grow after a first paint.
        widest = max(QFontMetrics(_font(self.theme, 0.9)).horizontalAdvance(name) for name in names)
        self.plot.getAxis("left").setWidth(widest + 16)
        self.plot.setRange(xRange=(0, max(counts) * 1.15), yRange=(-0.6, n - 0.4), padding=0)


CHARTS: tuple[type[Chart], ...] = (NightsChart, HeatChart, OutcomesChart, LocationsChart)
