"""The playback timeline: one row per camera with its recorded spans and gaps, the tags as
marks above, hour and minute ticks in local time, and the position as a line. Click or drag
to scrub (``seek_requested``), the wheel zooms around the pointer."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from PySide6.QtCore import QEvent, QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QHelpEvent, QMouseEvent, QPainter, QPaintEvent, QPen, QPolygonF, QWheelEvent
from PySide6.QtWidgets import QToolTip, QWidget

LABEL_W = 150
TAG_H = 16
ROW_H = 22
AXIS_H = 22
MIN_SPAN = timedelta(seconds=20)
MAX_SPAN = timedelta(days=2)
TICKS = (1, 5, 10, 30, 60, 300, 600, 1800, 3600, 3 * 3600, 6 * 3600, 12 * 3600)  # seconds

_RECORDED = QColor("#2f8f57")
_GAP = QColor("#a33a3a")
_TAG = QColor("#e3b341")
_CURSOR = QColor("#58a6ff")
_TEXT = QColor("#c9d1d9")
_GRID = QColor("#30363d")


@dataclass(frozen=True)
class Track:
    camera_key: str
    name: str
    spans: tuple[tuple[datetime, datetime], ...]
    gaps: tuple[tuple[datetime, datetime, str], ...] = ()


@dataclass(frozen=True)
class TagMark:
    at: datetime
    words: str


class Timeline(QWidget):
    seek_requested = Signal(object)  # datetime, UTC

    def __init__(self, tz: ZoneInfo, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("timeline")
        self.tz = tz
        now = datetime.now(UTC)
        self.start, self.end = now - timedelta(hours=1), now
        self.tracks: list[Track] = []
        self.tags: list[TagMark] = []
        self.position: datetime | None = None
        self.setMouseTracking(True)
        self.setMinimumHeight(AXIS_H + TAG_H + ROW_H + 8)

    # --- what it shows -------------------------------------------------------------------------------
    def set_window(self, start: datetime, end: datetime) -> None:
        span = min(max(end - start, MIN_SPAN), MAX_SPAN)
        middle = start + (end - start) / 2
        self.start, self.end = middle - span / 2, middle + span / 2
        self.update()

    def set_tracks(self, tracks: Sequence[Track]) -> None:
        self.tracks = list(tracks)
        self.setMinimumHeight(AXIS_H + TAG_H + ROW_H * max(1, len(self.tracks)) + 8)
        self.updateGeometry()
        self.update()

    def set_tags(self, tags: Sequence[TagMark]) -> None:
        self.tags = sorted(tags, key=lambda t: t.at)
        self.update()

    def set_position(self, moment: datetime) -> None:
        if moment == self.position:
            return
        self.position = moment
        if not self.start <= moment <= self.end:  # keep the position in view
            span = self.end - self.start
            self.start, self.end = moment - span / 4, moment + span * 3 / 4
        self.update()

    def sizeHint(self) -> QSize:
        return QSize(900, AXIS_H + TAG_H + ROW_H * max(1, len(self.tracks)) + 8)

    # --- geometry ----------------------------------------------------------------------------------
    def _x(self, moment: datetime) -> float:
        width = max(1, self.width() - LABEL_W - 8)
        return LABEL_W + width * (moment - self.start) / (self.end - self.start)

    def time_at(self, x: float) -> datetime:
        width = max(1, self.width() - LABEL_W - 8)
        share = min(1.0, max(0.0, (x - LABEL_W) / width))
        return self.start + (self.end - self.start) * share

    def _row(self, index: int) -> QRectF:
        return QRectF(LABEL_W, TAG_H + index * ROW_H + 2, self.width() - LABEL_W - 8, ROW_H - 4)

    # --- painting ----------------------------------------------------------------------------------
    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        p.fillRect(self.rect(), QColor("#0d1117"))
        p.setPen(_TEXT)
        for i, track in enumerate(self.tracks):
            row = self._row(i)
            p.setPen(_TEXT)
            p.drawText(QRectF(4, row.top(), LABEL_W - 8, row.height()), int(Qt.AlignmentFlag.AlignVCenter), track.name)
            p.fillRect(row, QColor("#161b22"))
            for a, b in track.spans:
                self._bar(p, row, a, b, QBrush(_RECORDED))
            for a, b, _ in track.gaps:
                self._bar(p, row, a, b, QBrush(_GAP, Qt.BrushStyle.BDiagPattern))
        self._axis(p)
        p.setBrush(_TAG)
        p.setPen(Qt.PenStyle.NoPen)
        for tag in self.tags:
            if self.start <= tag.at <= self.end:
                x = self._x(tag.at)
                p.drawPolygon(QPolygonF([QPointF(x - 6, 2), QPointF(x + 6, 2), QPointF(x, TAG_H - 2)]))
        if self.position is not None and self.start <= self.position <= self.end:
            x = self._x(self.position)
            p.setPen(QPen(_CURSOR, 2))
            p.drawLine(QPointF(x, 0), QPointF(x, self.height()))
        p.end()

    def _bar(self, p: QPainter, row: QRectF, a: datetime, b: datetime, brush: QBrush) -> None:
        left, right = max(self._x(a), row.left()), min(self._x(b), row.right())
        if right > left:
            p.fillRect(QRectF(left, row.top(), max(1.0, right - left), row.height()), brush)

    def _axis(self, p: QPainter) -> None:
        top = self.height() - AXIS_H
        span_s = (self.end - self.start).total_seconds()
        step = next((t for t in TICKS if span_s / t <= 12), TICKS[-1])
        local_start = self.start.astimezone(self.tz)
        first = local_start.replace(microsecond=0) + timedelta(seconds=-(local_start.timestamp() % step) + step)
        p.setPen(_GRID)
        p.drawLine(LABEL_W, top, self.width() - 8, top)
        moment = first.astimezone(UTC)
        while moment <= self.end:
            x = self._x(moment)
            local = moment.astimezone(self.tz)
            label = f"{local:%H:%M}" if step >= 60 else f"{local:%H:%M:%S}"
            if local.hour == 0 and local.minute == 0 and step >= 3600:
                label = f"{local:%a %d %b}"
            p.setPen(_GRID)
            p.drawLine(QPointF(x, TAG_H), QPointF(x, top + 4))
            p.setPen(_TEXT)
            p.drawText(QRectF(x - 40, top + 3, 80, AXIS_H - 4), int(Qt.AlignmentFlag.AlignHCenter), label)
            moment += timedelta(seconds=step)

    # --- interaction ---------------------------------------------------------------------------------
    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton and event.position().x() >= LABEL_W:
            self.seek_requested.emit(self.time_at(event.position().x()))

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if event.buttons() & Qt.MouseButton.LeftButton and event.position().x() >= LABEL_W:
            self.seek_requested.emit(self.time_at(event.position().x()))

    def wheelEvent(self, event: QWheelEvent) -> None:
        anchor = self.time_at(event.position().x())
        factor = 0.8 if event.angleDelta().y() > 0 else 1.25
        span = min(max((self.end - self.start) * factor, MIN_SPAN), MAX_SPAN)
        share = (anchor - self.start) / (self.end - self.start)
        self.start = anchor - span * share
        self.end = self.start + span
        self.update()

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip and isinstance(event, QHelpEvent):
            QToolTip.showText(event.globalPos(), self.words_at(event.pos().x(), event.pos().y()), self)
            return True
        return super().event(event)

    def words_at(self, x: float, y: float) -> str:
        """What the pointer is over: a tag, a gap and its reason, or the time."""
        moment = self.time_at(x)
        local = moment.astimezone(self.tz)
        when = f"{local:%d/%m/%Y %H:%M:%S} {local.tzname()}"
        if y < TAG_H:
            near = [t for t in self.tags if abs(self._x(t.at) - x) <= 6]
            if near:
                return "\n".join(t.words for t in near)
        index = int((y - TAG_H) // ROW_H)
        if 0 <= index < len(self.tracks):
            for a, b, reason in self.tracks[index].gaps:
                if a <= moment <= b:
                    return f"{self.tracks[index].name}: not recorded ({reason}) — {when}"
        return when
