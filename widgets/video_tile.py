"""One tile of the video wall: a camera's picture painted from its mailbox with cached name
and status bars, the tile's tooltip and health, pause, boxes drawn for a tag, and dragging
tiles and cameras onto it.

A live tile repaints 25 times a second, 16 tiles at once: the per-frame path (paintEvent,
_image, _placement, _paint_cached_overlay) does only what must happen per frame.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QMimeData, QPoint, QPointF, QRect, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QAction,
    QColor,
    QContextMenuEvent,
    QDrag,
    QDragEnterEvent,
    QDropEvent,
    QFont,
    QFontMetrics,
    QImage,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
    QResizeEvent,
)
from PySide6.QtWidgets import QApplication, QMenu, QSizePolicy, QWidget

from widgets.tile_feed import TileFeed, WallFrame, frame_time, stats_words

if TYPE_CHECKING:
    from widgets.video_wall import VideoWall

CAMERA_MIME = "application/x-sentinel-camera"
TILE_MIME = "application/x-sentinel-tile"
FILL_WITHIN_PX = 3  # a picture this close to the tile's width or height is stretched to it

_BACKGROUND = QColor("#05070a")
_BAR = QColor(0, 0, 0, 170)
_LEFT = Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft
_RIGHT = Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight
_EMPTY_TIP = "Empty tile: drag a camera here"
_SELECTED_PEN = QPen(QColor("#58a6ff"), 4)
_PRIVACY_COLOUR = QColor("#ff7bd5")  # masks lifted: a colour no other mark uses


def _margins(rect: QRect, picture: QRectF) -> list[QRectF]:
    """What the picture leaves uncovered in the tile (filling the whole tile costs 3x more)."""
    x, y, w, h = rect.x(), rect.y(), rect.width(), rect.height()
    margins = []
    if picture.left() - x > 0.5:
        margins.append(QRectF(x, y, picture.left() - x + 1, h))
        margins.append(QRectF(picture.right() - 1, y, x + w - picture.right() + 1, h))
    if picture.top() - y > 0.5:
        margins.append(QRectF(x, y, w, picture.top() - y + 1))
        margins.append(QRectF(x, picture.bottom() - 1, w, y + h - picture.bottom() + 1))
    return margins


class VideoTile(QWidget):
    """One position on the wall: a camera's picture, its name, the frame's local time and the
    feed's health in words (and a shape: never colour alone)."""

    clicked = Signal(int)
    activated = Signal(int)

    def __init__(self, index: int, wall: VideoWall) -> None:
        super().__init__(wall)
        self.index = index
        self.wall = wall
        self.feed: TileFeed | None = None
        self.selected = False
        self.shown_sequence = 0
        self.frame: WallFrame | None = None
        self.frozen: QImage | None = None  # paused: a copy of the picture at that moment
        self.frozen_pixels: np.ndarray | None = None  # the same copy as an array (BGRA), for stills
        self.frozen_ns = 0
        self.drawing = False  # tagging: the controller draws boxes on the frozen picture
        self.boxes: list[tuple[int, int, int, int]] = []  # in the frozen picture's pixels
        self._box_from: QPointF | None = None
        self._box_to: QPointF | None = None
        self.health_words = ""
        self.recording, self.recording_words = False, ""  # "": this console knows nothing of it
        self.privacy_mark = ""  # "UNMASKED until 02:40" while a supervisor has lifted them
        self.live = False
        self.on_paint: Callable[[VideoTile, WallFrame], None] | None = None
        # The two bars, rendered when what they show changes and copied onto every frame.
        self._name_bar, self._status_bar = QImage(), QImage()
        self._name_at, self._status_at = QPoint(), QPoint()
        self._bars_key: tuple[object, ...] = ()
        self._bars_second = -1
        self._ratio = 1.0
        self._bar_font_now = QFont()
        self._size = (self.width(), self.height())  # kept by resizeEvent, for the per-frame paint
        self._placement_key: tuple[int, int, tuple[int, int]] = (0, 0, (0, 0))
        self._placed: tuple[QRectF, QPoint | None, list[QRectF], bool] = (QRectF(), None, [], False)
        self._images: dict[int, tuple[np.ndarray, QImage]] = {}  # id(pixels) -> (pixels, QImage over them)
        self._press: QPoint | None = None
        self.setMinimumSize(120, 68)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.setAcceptDrops(True)
        self._name_accessibly()

    def _name_accessibly(self) -> None:
        name = self.feed.camera_name if self.feed else "empty"
        self.setAccessibleName(f"Tile {self.index + 1}: {name}")

    def set_feed(self, feed: TileFeed | None) -> None:
        if feed is self.feed:
            return
        self.stop_drawing()
        self.feed = feed
        self.frame = None
        self._images.clear()  # no view into the old feed's buffers outlives the change
        self.frozen = None
        self.frozen_pixels = None
        self.shown_sequence = 0
        self.health_words = ""
        self.recording, self.recording_words = False, ""
        self.privacy_mark = ""
        self._name_accessibly()
        self.update()

    @property
    def paused(self) -> bool:
        return self.frozen is not None

    def set_paused(self, paused: bool) -> None:
        """Freeze the picture shown now; the camera's source keeps running."""
        if paused == self.paused or self.feed is None:
            return
        if paused:
            frame = self.frame
            if frame is None:
                return
            pixels = np.array(frame.pixels, copy=True)
            self.frozen_pixels = pixels
            self.frozen = QImage(pixels.data, frame.width, frame.height, pixels.strides[0], QImage.Format.Format_RGB32)
            self.frozen_ns = frame.captured_ns
        else:
            self.stop_drawing()
            self.frozen = None
            self.frozen_pixels = None
            self.shown_sequence = 0
        self.update()

    # -- tagging: boxes on the frozen picture ---------------------------------------------------

    def start_drawing(self) -> bool:
        """Freeze the picture (if it is not already) and let the mouse draw boxes on it."""
        if self.feed is None or (self.frozen is None and self.frame is None):
            return False
        self.set_paused(True)
        self.drawing = True
        self.boxes = []
        self.setCursor(Qt.CursorShape.CrossCursor)
        self.update()
        return True

    def stop_drawing(self) -> None:
        if self.drawing:
            self.drawing = False
            self.boxes = []
            self._box_from = self._box_to = None
            self.unsetCursor()
            self.update()

    def remove_last_box(self) -> None:
        if self.boxes:
            self.boxes.pop()
            self.wall.boxes_changed.emit(self.index, len(self.boxes))
            self.update()

    def _image_rect(self) -> QRectF:
        assert self.frozen is not None
        return self._fit(self.frozen.width(), self.frozen.height(), self.rect())

    def _to_picture(self, point: QPointF) -> QPointF:
        """Widget position -> pixel of the frozen picture (clamped inside it)."""
        assert self.frozen is not None
        target = self._image_rect()
        x = (point.x() - target.x()) * self.frozen.width() / max(target.width(), 1)
        y = (point.y() - target.y()) * self.frozen.height() / max(target.height(), 1)
        return QPointF(min(max(x, 0.0), self.frozen.width()), min(max(y, 0.0), self.frozen.height()))

    def _to_widget(self, box: tuple[float, float, float, float]) -> QRectF:
        assert self.frozen is not None
        target = self._image_rect()
        sx, sy = target.width() / self.frozen.width(), target.height() / self.frozen.height()
        x, y, w, h = box
        return QRectF(target.x() + x * sx, target.y() + y * sy, w * sx, h * sy)

    def add_box(self, start: QPointF, end: QPointF) -> None:
        """Add a box between two widget positions (as a mouse drag would)."""
        a, b = self._to_picture(start), self._to_picture(end)
        x, y = round(min(a.x(), b.x())), round(min(a.y(), b.y()))
        w, h = round(abs(a.x() - b.x())), round(abs(a.y() - b.y()))
        if w >= 4 and h >= 4:
            self.boxes.append((x, y, w, h))
            self.wall.boxes_changed.emit(self.index, len(self.boxes))
        self.update()

    def _paint_boxes(self, p: QPainter) -> None:
        pending = []
        if self._box_from is not None and self._box_to is not None:
            a, b = self._to_picture(self._box_from), self._to_picture(self._box_to)
            pending = [(min(a.x(), b.x()), min(a.y(), b.y()), abs(a.x() - b.x()), abs(a.y() - b.y()))]
        for n, box in enumerate([*self.boxes, *pending], start=1):
            rect = self._to_widget(tuple(float(v) for v in box))  # type: ignore[arg-type]
            p.setPen(QPen(QColor("#000000"), 5))
            p.drawRect(rect)
            p.setPen(QPen(QColor("#ffe600"), 3))
            p.drawRect(rect)
            p.drawText(rect.topLeft() + QPointF(4, 16), str(n))

    def frozen_time(self) -> datetime | None:
        return frame_time(self.frozen_ns) if self.frozen is not None else None

    def has_new_frame(self) -> bool:
        return self.feed is not None and not self.paused and self.feed.published != self.shown_sequence

    def check_health(self) -> None:
        if self.feed is None:
            if self.toolTip() != _EMPTY_TIP:
                self.setToolTip(_EMPTY_TIP)
            return
        if self.underMouse() or not self.toolTip():
            tip = f"{self.feed.camera_name}: {self.health_words or 'connecting'}\n{stats_words(self.feed.stats())}"
            if self.recording_words:
                tip += f"\nRecording: {self.recording_words}"
            if self.privacy_mark:
                tip += f"\nPrivacy masks lifted by a supervisor: {self.privacy_mark.lower()}"
            if tip != self.toolTip():
                self.setToolTip(tip)
        health = self.feed.health()
        live = health.state == "live"
        if (health.words, live) != (self.health_words, self.live):
            self.health_words, self.live = health.words, live
            self.update()

    def set_recording(self, recording: bool, words: str) -> None:
        """Whether this camera is being recorded now, and if not, why ("" when not known here)."""
        if (recording, words) != (self.recording, self.recording_words):
            self.recording, self.recording_words = recording, words
            self.update()

    def set_privacy_mark(self, words: str) -> None:
        if words != self.privacy_mark:
            self.privacy_mark = words
            self.update()

    def recording_mark(self) -> str:
        """The mark in the name bar: REC while recorded, NOT REC when recording is on but failing."""
        if self.recording:
            return "● REC"
        if self.recording_words and self.recording_words != "recording off":
            return "▲ NOT REC"
        return ""

    def set_selected(self, selected: bool) -> None:
        if selected != self.selected:
            self.selected = selected
            self.update()

    # -- painting ---------------------------------------------------------------------------
    #
    # A live tile repaints 25 times a second, 16 tiles at once, so the frame path does only what
    # must happen per frame: claim the newest frame, blit it, copy the two overlay bars. The
    # picture's place in the tile, the margins, the QImage over each mailbox buffer and the bars
    # are worked out once and kept until what they depend on changes.

    def _image(self, frame: WallFrame) -> QImage:
        """A QImage over the frame's pixels (no copy), kept for as long as the buffer is reused."""
        pixels = frame.pixels
        cached = self._images.get(id(pixels))
        if cached is not None and cached[0] is pixels:
            return cached[1]
        image = self._wrap(frame)
        if len(self._images) >= 4:
            self._images.clear()  # a new buffer size, or a feed that hands out fresh arrays
        self._images[id(pixels)] = (pixels, image)
        return image

    @staticmethod
    def _wrap(frame: WallFrame) -> QImage:
        pixels = frame.pixels
        return QImage(pixels.data, frame.width, frame.height, pixels.strides[0], QImage.Format.Format_RGB32)

    def _placement(self, width: int, height: int) -> tuple[QRectF, QPoint | None, list[QRectF], bool]:
        """Where a width x height picture goes in this tile: the target rectangle, the point to
        copy it to when it comes at the tile's own size (None: it is scaled), the margins it
        leaves, and whether it is enlarged (smoothed); worked out once per picture and tile size."""
        key = (width, height, self._size)
        if key != self._placement_key:
            rect = QRect(0, 0, *self._size)
            target = self._fit(width, height, rect)
            at: QPoint | None = None
            if abs(target.width() - width) < FILL_WITHIN_PX and abs(target.height() - height) < FILL_WITHIN_PX:
                # The feed scaled it to this tile (to within a pixel or two): copy it unscaled,
                # centred, which is a plain blit, rather than stretching it by those pixels.
                at = QPoint((rect.width() - width) // 2, (rect.height() - height) // 2)
                target = QRectF(at.x(), at.y(), width, height)
            self._placement_key = key
            self._placed = (target, at, _margins(rect, target), target.width() > width + 1)
        return self._placed

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        feed = self.feed
        if self.frozen is None and feed is not None:
            frame = feed.acquire()
            if frame is not None:
                if self.frame is None:
                    p.fillRect(self.rect(), _BACKGROUND)  # the first frame: clear what was there
                self.frame = frame
                self.shown_sequence = frame.sequence
                target, at, margins, enlarged = self._placement(frame.width, frame.height)
                for margin in margins:
                    p.fillRect(margin, _BACKGROUND)
                if at is not None:
                    p.drawImage(at, self._image(frame))
                else:
                    # Enlargements are smoothed. Reductions the helper left to us (to 0.6 at most)
                    # are sampled: at that scale it looks the same, and Qt's smoothing would cost
                    # more CPU in its thread pool than the helper's resize saved.
                    if enlarged:
                        p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
                    p.drawImage(target, self._image(frame))
                if self.on_paint is not None:
                    self.on_paint(self, frame)
                self._paint_cached_overlay(p, frame.captured_ns)
                p.end()
                return
        rect = self.rect()
        p.fillRect(rect, _BACKGROUND)
        if self.frozen is not None:
            p.drawImage(self._fit(self.frozen.width(), self.frozen.height(), rect), self.frozen)
            if self.drawing:
                self._paint_boxes(p)
            self._paint_cached_overlay(p, self.frozen_ns)
        elif self.frame is not None:
            self._paint_cached_overlay(p, self.frame.captured_ns)
        else:
            self._paint_overlay(p, rect)  # messages in the middle: rare, drawn directly
        p.end()

    def _paint_cached_overlay(self, p: QPainter, shown_ns: int) -> None:
        """The bars change at most once a second (the clock). Each is rendered into an image of
        its own when what it shows changes (only the status bar when only the second moved)
        and copied onto every frame."""
        second = shown_ns // 1_000_000_000
        if second != self._bars_second:
            self._ratio = self.devicePixelRatioF()  # looked at once a second (and on resize), not per frame
        ratio = self._ratio
        key = (
            self._size,
            ratio,
            self.selected,
            self.feed,
            self.drawing,
            self.frozen is not None,
            self.live,
            self.health_words,
            self.recording,
            self.recording_words,
            self.privacy_mark,
        )
        if key != self._bars_key:
            self._render_bars(ratio)
            self._bars_key, self._bars_second = key, second
        elif second != self._bars_second:
            self._render_bar(self._status_bar, self._paint_status_bar)
            self._bars_second = second
        p.drawImage(self._name_at, self._name_bar)
        p.drawImage(self._status_at, self._status_bar)
        if self.selected:
            p.setPen(_SELECTED_PEN)
            p.drawRect(QRect(0, 0, *self._size).adjusted(2, 2, -2, -2))

    def _render_bars(self, ratio: float) -> None:
        width, height = self._size
        font = self._bar_font(height)
        line = QFontMetrics(font).height() + 6
        size = QSize(width, line)
        for name in ("_name_bar", "_status_bar"):
            bar: QImage = getattr(self, name)
            if bar.size() != size * ratio or bar.devicePixelRatio() != ratio:
                # Kept while the size holds (no new memory each second); a QImage in the format
                # the raster engine blends fastest, since it is copied onto every frame.
                bar = QImage(size * ratio, QImage.Format.Format_ARGB32_Premultiplied)
                bar.setDevicePixelRatio(ratio)
                setattr(self, name, bar)
        self._bar_font_now = font
        self._name_at, self._status_at = QPoint(0, 0), QPoint(0, height - line)
        self._render_bar(self._name_bar, self._paint_name_bar)
        self._render_bar(self._status_bar, self._paint_status_bar)

    def _render_bar(self, bar: QImage, paint: Callable[[QPainter, QRect], None]) -> None:
        bar.fill(Qt.GlobalColor.transparent)
        painter = QPainter(bar)
        painter.setFont(self._bar_font_now)
        paint(painter, QRect(QPoint(0, 0), bar.deviceIndependentSize().toSize()))
        painter.end()

    @staticmethod
    def _fit(w: int, h: int, rect: QRect) -> QRectF:
        scale = min(rect.width() / max(w, 1), rect.height() / max(h, 1))
        tw, th = w * scale, h * scale
        # Under 1.5 px of margin a side: fill the tile. The stretch (under 3 px) cannot be seen,
        # and the tile then has no margins to fill and an aligned picture on every frame.
        if rect.width() - tw < FILL_WITHIN_PX:
            tw = rect.width()
        if rect.height() - th < FILL_WITHIN_PX:
            th = rect.height()
        return QRectF(rect.x() + (rect.width() - tw) / 2, rect.y() + (rect.height() - th) / 2, tw, th)

    def _bar_font(self, tile_height: int) -> QFont:
        font = QFont(self.font())
        font.setPointSizeF(max(9.0, min(13.0, tile_height / 22)))
        font.setBold(True)
        return font

    def _paint_overlay(self, p: QPainter, rect: QRect) -> int:
        """Draw the name bar, the time and health bar and any message; return the bar height."""
        p.setFont(self._bar_font(rect.height()))
        line = p.fontMetrics().height() + 6
        self._paint_name_bar(p, QRect(rect.x(), rect.y(), rect.width(), line))
        if self.feed is None:
            p.setPen(QColor("#8b949e"))
            p.drawText(rect, Qt.AlignmentFlag.AlignCenter, "Drag a camera here")
        else:
            self._paint_status_bar(p, QRect(rect.x(), rect.bottom() - line + 1, rect.width(), line))
            if self.frame is None and self.frozen is None:
                p.setPen(QColor("#c9d1d9"))
                p.drawText(
                    rect.adjusted(8, line, -8, -line),
                    Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
                    self.health_words or "connecting",
                )
        if self.selected:
            p.setPen(_SELECTED_PEN)
            p.drawRect(rect.adjusted(2, 2, -2, -2))
        return line

    def _paint_name_bar(self, p: QPainter, top: QRect) -> None:
        """Tile number, camera name and place, and the recording mark (the font is set)."""
        p.fillRect(top, QColor("#1f6feb") if self.selected else _BAR)
        p.setPen(QColor("#ffffff"))
        text = top.adjusted(8, 0, -8, 0)
        if self.feed is None:
            p.drawText(text, _LEFT, f"{self.index + 1}  empty")
            return
        name = f"{self.index + 1}  {self.feed.camera_name}"
        if self.feed.location and self.feed.location != self.feed.camera_name:
            name += f" · {self.feed.location}"
        mark = self.recording_mark()
        mark_width = p.fontMetrics().horizontalAdvance(mark + "  ") if mark else 0
        if mark:
            p.setPen(QColor("#ff5555") if self.recording else QColor("#f0a030"))
            p.drawText(text, _RIGHT, mark)
        if self.privacy_mark:
            # The whole words when they leave room for the name, else the one word.
            privacy = self.privacy_mark
            if p.fontMetrics().horizontalAdvance(privacy) > (top.width() - 16 - mark_width) // 2:
                privacy = privacy.split(" ", 1)[0]
            p.setPen(_PRIVACY_COLOUR)
            p.drawText(text.adjusted(0, 0, -mark_width, 0), _RIGHT, privacy)
            mark_width += p.fontMetrics().horizontalAdvance(privacy + "  ")
        p.setPen(QColor("#ffffff"))
        p.drawText(
            text, _LEFT, p.fontMetrics().elidedText(name, Qt.TextElideMode.ElideRight, top.width() - 16 - mark_width)
        )

    def _paint_status_bar(self, p: QPainter, bottom: QRect) -> None:
        """The shown frame's local time and the feed's health (or paused, tagging) in words."""
        p.fillRect(bottom, _BAR)
        p.setPen(QColor("#ffffff"))
        text = bottom.adjusted(8, 0, -8, 0)
        shown_ns = self.frozen_ns if self.frozen is not None else (self.frame.captured_ns if self.frame else 0)
        if shown_ns:
            p.drawText(text, _LEFT, frame_time(shown_ns).astimezone().strftime("%d %b %Y %H:%M:%S"))
        if self.drawing:
            words, colour = "✎ TAGGING: DRAW BOXES", QColor("#ffe600")
        elif self.frozen is not None:
            words, colour = "❚❚ PAUSED", QColor("#e3b341")
        else:
            live = self.live and bool(self.frame)
            words = ("● " if live else "▲ ") + (self.health_words or "connecting").upper()
            colour = QColor("#2fbf71") if live else QColor("#f0a030")
        p.setPen(colour)
        width = bottom.width() - 16 - (p.fontMetrics().horizontalAdvance("00 May 0000 00:00:00  ") if shown_ns else 0)
        p.drawText(text, _RIGHT, p.fontMetrics().elidedText(words, Qt.TextElideMode.ElideRight, max(60, width)))

    # -- mouse: select, full screen, drag to swap, drop a camera ------------------------------

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if self.drawing and event.button() == Qt.MouseButton.LeftButton:
            self._box_from = self._box_to = event.position()
            return
        if event.button() == Qt.MouseButton.LeftButton:
            self._press = event.position().toPoint()
        self.clicked.emit(self.index)
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self.drawing:
            if self._box_from is not None:
                self._box_to = event.position()
                self.update()
            return
        if self._press is None or self.feed is None or not event.buttons() & Qt.MouseButton.LeftButton:
            return
        if (event.position().toPoint() - self._press).manhattanLength() < QApplication.startDragDistance():
            return
        self._press = None
        drag = QDrag(self)
        mime = QMimeData()
        mime.setData(TILE_MIME, str(self.index).encode())
        drag.setMimeData(mime)
        drag.exec(Qt.DropAction.MoveAction)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self.drawing and self._box_from is not None:
            start, self._box_from, self._box_to = self._box_from, None, None
            self.add_box(start, event.position())
            return
        self._press = None
        super().mouseReleaseEvent(event)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        if not self.drawing:
            self.activated.emit(self.index)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasFormat(TILE_MIME) or event.mimeData().hasFormat(CAMERA_MIME):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        mime = event.mimeData()
        if mime.hasFormat(TILE_MIME):
            self.wall.swap(int(bytes(mime.data(TILE_MIME).data()).decode()), self.index)
        elif mime.hasFormat(CAMERA_MIME):
            self.wall.assign(self.index, bytes(mime.data(CAMERA_MIME).data()).decode())
        else:
            return
        event.acceptProposedAction()
        self.wall.select(self.index)

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:
        self.wall.select(self.index)
        menu = QMenu(self)
        full: QAction = menu.addAction("Back to the wall" if self.wall.single_view is not None else "Full screen")
        full.triggered.connect(self.wall.toggle_single)
        tag = menu.addAction("Tag a sighting here…")
        tag.setEnabled(self.feed is not None and not self.drawing and (self.frame is not None or self.paused))
        tag.triggered.connect(self.wall.begin_tag)
        pause = menu.addAction("Resume" if self.paused else "Pause (freeze this picture)")
        pause.setEnabled(self.feed is not None)
        pause.triggered.connect(self.wall.toggle_pause)
        clear = menu.addAction("Take the camera off this tile")
        clear.setEnabled(self.feed is not None)
        clear.triggered.connect(lambda: self.wall.assign(self.index, None))
        menu.exec(event.globalPos())

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._size = (self.width(), self.height())
        self._ratio = self.devicePixelRatioF()
        self.wall.schedule_demand()
