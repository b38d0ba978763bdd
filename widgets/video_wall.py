"""The video wall: a grid of camera tiles. The GUI sets the pace: a timer checks each tile's
source for a newer frame and repaints only tiles that changed. Nothing is queued."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

import numpy as np
from PySide6.QtCore import QKeyCombination, QRect, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QFont, QImage, QKeyEvent, QMouseEvent, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QGridLayout, QSizePolicy, QWidget

from widgets.keymap import key_sequence


class FrameLike(Protocol):
    @property
    def image(self) -> np.ndarray: ...
    @property
    def sequence(self) -> int: ...
    @property
    def captured_at(self) -> datetime: ...


class TileFeed(Protocol):
    """What a tile needs from a camera: the newest frame and the feed's health in words."""

    @property
    def camera_name(self) -> str: ...
    @property
    def location(self) -> str: ...
    def latest(self) -> FrameLike | None: ...
    def health_words(self) -> str: ...
    def is_live(self) -> bool: ...


def _first_key(action: str) -> QKeyCombination:
    return key_sequence(action)[0]  # type: ignore[index]  # QKeySequence supports [] at run time


HEALTH_COLOURS = {True: QColor("#2fbf71"), False: QColor("#f0a030")}


class VideoTile(QWidget):
    """One camera: picture, name and location, the frame's local time, health in words."""

    clicked = Signal(int)
    activated = Signal(int)

    def __init__(self, index: int, feed: TileFeed, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.index = index
        self.feed = feed
        self.selected = False
        self._frame: FrameLike | None = None
        self._image: QImage | None = None
        self._painted_sequence = -1
        self.setMinimumSize(160, 90)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.setAccessibleName(f"Camera {index + 1}: {feed.camera_name}")

    def refresh(self) -> bool:
        """Take the newest frame if there is one; repaint only when something changed."""
        frame = self.feed.latest()
        if frame is not None and frame.sequence != self._painted_sequence:
            self._frame = frame
            image = frame.image
            # Wrap without copying; the frame (and its array) is kept alive in self._frame.
            self._image = QImage(
                image.data, image.shape[1], image.shape[0], image.strides[0], QImage.Format.Format_BGR888
            )
            self._painted_sequence = frame.sequence
            self.update()
            return True
        return False

    def set_selected(self, selected: bool) -> None:
        if selected != self.selected:
            self.selected = selected
            self.update()

    @property
    def painted_sequence(self) -> int:
        return self._painted_sequence

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self.clicked.emit(self.index)
        super().mousePressEvent(event)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        self.activated.emit(self.index)

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        rect = self.rect()
        p.fillRect(rect, QColor("#05070a"))
        if self._image is not None:
            p.drawImage(self._fit(self._image.width(), self._image.height(), rect), self._image)
        self._paint_overlay(p, rect)
        p.end()

    @staticmethod
    def _fit(w: int, h: int, rect: QRect) -> QRectF:
        scale = min(rect.width() / w, rect.height() / h)
        tw, th = w * scale, h * scale
        return QRectF(rect.x() + (rect.width() - tw) / 2, rect.y() + (rect.height() - th) / 2, tw, th)

    def _paint_overlay(self, p: QPainter, rect: QRect) -> None:
        font = QFont(self.font())
        font.setPointSizeF(max(9.0, min(13.0, rect.height() / 22)))
        font.setBold(True)
        p.setFont(font)
        line = p.fontMetrics().height() + 6
        bar = QColor(0, 0, 0, 170)
        top = QRect(rect.x(), rect.y(), rect.width(), line)
        bottom = QRect(rect.x(), rect.bottom() - line + 1, rect.width(), line)
        p.fillRect(top, QColor("#1f6feb") if self.selected else bar)
        p.fillRect(bottom, bar)
        p.setPen(QColor("#ffffff"))
        name = f"{self.index + 1}  {self.feed.camera_name}"
        if self.feed.location and self.feed.location != self.feed.camera_name:
            name += f" · {self.feed.location}"
        p.drawText(top.adjusted(8, 0, -8, 0), Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft, name)
        if self._frame is not None:
            local = self._frame.captured_at.astimezone()
            p.drawText(
                bottom.adjusted(8, 0, -8, 0),
                Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft,
                local.strftime("%d %b %Y %H:%M:%S"),
            )
        live = self.feed.is_live()
        # Health in words and a shape, never colour alone.
        words = ("● " if live else "▲ ") + self.feed.health_words().upper()
        p.setPen(HEALTH_COLOURS[live])
        p.drawText(bottom.adjusted(8, 0, -8, 0), Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight, words)
        if self.selected:
            p.setPen(QPen(QColor("#58a6ff"), 4))
            p.drawRect(rect.adjusted(2, 2, -2, -2))
        if self._image is None:
            p.setPen(QColor("#c9d1d9"))
            p.drawText(rect, Qt.AlignmentFlag.AlignCenter, "No picture yet")


class VideoWall(QWidget):
    """Tiles in the squarest grid that fits; Return shows the selected camera alone."""

    selection_changed = Signal(int)

    def __init__(self, feeds: Sequence[TileFeed], fps: float = 15.0, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setObjectName("videoWall")
        self.tiles = [VideoTile(i, feed, self) for i, feed in enumerate(feeds)]
        self.columns = max(1, math.ceil(math.sqrt(len(self.tiles))))
        self._grid = QGridLayout(self)
        self._grid.setContentsMargins(2, 2, 2, 2)
        self._grid.setSpacing(3)
        self._single: int | None = None
        for tile in self.tiles:
            tile.clicked.connect(self.select)
            tile.activated.connect(self._on_tile_activated)
        self._place()
        self.selected = -1
        if self.tiles:
            self.select(0)
        self._timer = QTimer(self)
        self._timer.setInterval(max(10, int(1000 / fps)))
        self._timer.timeout.connect(self.refresh)

    def start(self) -> None:
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()

    def refresh(self) -> int:
        return sum(1 for tile in self.tiles if tile.isVisible() and tile.refresh())

    @property
    def single_view(self) -> int | None:
        return self._single

    def _place(self) -> None:
        for tile in self.tiles:
            self._grid.removeWidget(tile)
        if self._single is not None:
            for tile in self.tiles:
                tile.setVisible(tile.index == self._single)
            self._grid.addWidget(self.tiles[self._single], 0, 0)
            return
        for tile in self.tiles:
            tile.setVisible(True)
            self._grid.addWidget(tile, tile.index // self.columns, tile.index % self.columns)

    def select(self, index: int) -> None:
        if not self.tiles:
            return
        index = max(0, min(index, len(self.tiles) - 1))
        for tile in self.tiles:
            tile.set_selected(tile.index == index)
        if index != self.selected:
            self.selected = index
            if self._single is not None:
                self._single = index
                self._place()
            self.selection_changed.emit(index)

    def toggle_single(self) -> None:
        self._single = None if self._single is not None else self.selected
        self._place()

    def show_all(self) -> None:
        if self._single is not None:
            self._single = None
            self._place()

    def _on_tile_activated(self, index: int) -> None:
        self.select(index)
        self.toggle_single()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        moves = {"tile.next": 1, "tile.previous": -1, "tile.down": self.columns, "tile.up": -self.columns}
        for action, step in moves.items():
            if event.keyCombination() == _first_key(action):
                self.select(self.selected + step)
                return
        if event.keyCombination() == _first_key("tile.single"):
            self.toggle_single()
            return
        if event.keyCombination() == _first_key("tile.back"):
            self.show_all()
            return
        super().keyPressEvent(event)
