"""The video wall: camera tiles in one of six layouts, fed from capture mailboxes.

The GUI sets the pace: one precise timer looks at each visible tile's mailbox counter and asks
Qt to repaint only the tiles that have a newer frame; the paint wraps the mailbox buffer in a
QImage (no copy) and draws it. Nothing queues. Each tile tells its feed the size it shows and
whether it needs the main stream (full screen, large tiles) or the sub stream; a camera on no
visible tile is released and not decoded. The tile itself is in widgets/video_tile.py, what it
needs of a feed in widgets/tile_feed.py.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QGridLayout, QWidget

from widgets.keymap import key_combination
from widgets.tile_feed import TileFeed
from widgets.video_tile import VideoTile

# Tiles narrower than this (device pixels) show the sub stream; wider tiles and full screen
# show the main stream, as commercial VMS clients do.
SUB_STREAM_BELOW_PX = 720
# 50 times a second: each frame of a 25 fps camera is still seen within 20 ms, and each repaint
# of the window (with its flush to the screen) covers about 8 tiles rather than 4.
POLL_MS = 20
HEALTH_POLL_MS = 250

# Layout name -> (rows, columns, cells as (row, column, row span, column span)).
LAYOUTS: dict[str, tuple[int, int, tuple[tuple[int, int, int, int], ...]]] = {
    "1": (1, 1, ((0, 0, 1, 1),)),
    "2x2": (2, 2, tuple((r, c, 1, 1) for r in range(2) for c in range(2))),
    "3x3": (3, 3, tuple((r, c, 1, 1) for r in range(3) for c in range(3))),
    "4x4": (4, 4, tuple((r, c, 1, 1) for r in range(4) for c in range(4))),
    "1+5": (3, 3, ((0, 0, 2, 2), (0, 2, 1, 1), (1, 2, 1, 1), (2, 0, 1, 1), (2, 1, 1, 1), (2, 2, 1, 1))),
    "1+7": (4, 4, ((0, 0, 3, 3), (0, 3, 1, 1), (1, 3, 1, 1), (2, 3, 1, 1), *((3, c, 1, 1) for c in range(4)))),
}
LAYOUT_WORDS = {"1": "1", "2x2": "2×2", "3x3": "3×3", "4x4": "4×4", "1+5": "1+5", "1+7": "1+7"}


def default_layout(cameras: int) -> str:
    if cameras <= 1:
        return "1"
    if cameras in (6, 8):
        return f"1+{cameras - 1}"
    for name in ("2x2", "3x3"):
        if cameras <= len(LAYOUTS[name][2]):
            return name
    return "4x4"


class VideoWall(QWidget):
    """Tiles in a layout; Return shows the selected tile alone (main stream), Esc goes back."""

    selection_changed = Signal(int)
    view_changed = Signal()
    tag_requested = Signal(int)  # tile index: frozen and ready for boxes
    boxes_changed = Signal(int, int)  # tile index, number of boxes

    def __init__(self, feeds: Sequence[TileFeed], layout: str | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setObjectName("videoWall")
        self.feeds = {feed.camera_id: feed for feed in feeds}
        self.tiles: list[VideoTile] = []
        self.layout_name = ""
        self._single: int | None = None
        self.selected = -1
        self._grid = QGridLayout(self)
        self._grid.setContentsMargins(2, 2, 2, 2)
        self._grid.setSpacing(3)
        self._demand_pending = False
        self._polled: list[tuple[VideoTile, Callable[[], None]]] | None = None  # visible tiles, for refresh()
        self.running = False
        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(POLL_MS)
        self._timer.timeout.connect(self.refresh)
        self._health_timer = QTimer(self)
        self._health_timer.setInterval(HEALTH_POLL_MS)
        self._health_timer.timeout.connect(self.check_health)
        ids = list(self.feeds)
        self.apply_view(layout or default_layout(len(ids)), ids)

    # -- running --------------------------------------------------------------------------------

    def start(self) -> None:
        self.running = True
        self._timer.start()
        self._health_timer.start()
        self.update_demand()

    def stop(self) -> None:
        self.running = False
        self._timer.stop()
        self._health_timer.stop()
        for feed in self.feeds.values():
            feed.release()

    def refresh(self) -> int:
        """Repaint the visible tiles whose camera has a newer frame; return how many.

        Runs every POLL_MS: one counter read per tile with a camera, and an update (so a
        repaint of that tile alone) only where the counter moved."""
        if not self.isVisible():
            return 0
        polled = self._polled
        if polled is None:
            polled = self._polled = [(tile, tile.update) for tile in self.tiles if tile.isVisibleTo(self)]
        changed = 0
        for tile, update in polled:
            feed = tile.feed
            if feed is not None and tile.frozen is None and feed.published != tile.shown_sequence:
                update()
                changed += 1
        return changed

    def check_health(self) -> None:
        for tile in self.tiles:
            if tile.isVisible():
                tile.check_health()

    def show_privacy(self, marks: dict[str, str]) -> None:
        """Camera id -> words on tiles whose privacy masks are lifted ("" or absent: masked)."""
        for tile in self.tiles:
            tile.set_privacy_mark(marks.get(tile.feed.camera_id, "") if tile.feed is not None else "")

    def show_recording(self, states: dict[str, tuple[bool, str]]) -> None:
        """Camera id -> (recorded now, words): the REC mark on each tile showing that camera."""
        for tile in self.tiles:
            state = states.get(tile.feed.camera_id) if tile.feed is not None else None
            tile.set_recording(*(state or (False, "")))

    # -- layouts and assignment -----------------------------------------------------------------

    def current_view(self) -> tuple[str, list[str | None]]:
        return self.layout_name, [tile.feed.camera_id if tile.feed else None for tile in self.tiles]

    def apply_view(self, layout: str, cameras: Sequence[str | None]) -> None:
        """Show ``layout`` with the given camera ids tile by tile (unknown ids become empty)."""
        if layout not in LAYOUTS:
            raise ValueError(f"unknown wall layout {layout!r}; expected one of {', '.join(LAYOUTS)}")
        cells = LAYOUTS[layout][2]
        while len(self.tiles) < len(cells):
            tile = VideoTile(len(self.tiles), self)
            tile.clicked.connect(self.select)
            tile.activated.connect(self._on_tile_activated)
            self.tiles.append(tile)
        for tile in self.tiles[len(cells) :]:
            self._grid.removeWidget(tile)
            tile.set_feed(None)
            tile.deleteLater()
        del self.tiles[len(cells) :]
        seen: set[str] = set()
        for tile, camera in zip(self.tiles, [*cameras, *[None] * len(cells)], strict=False):
            feed = self.feeds.get(camera) if camera and camera not in seen else None
            if camera:
                seen.add(camera)
            tile.set_feed(feed)
        self.layout_name = layout
        self._single = None
        self._place()
        self.select(min(max(self.selected, 0), len(self.tiles) - 1), force=True)
        self.schedule_demand()
        self.view_changed.emit()

    def set_layout(self, layout: str) -> None:
        """Change the layout, keeping cameras in tile order (those that no longer fit drop off)."""
        _, cameras = self.current_view()
        placed = [c for c in cameras if c]
        spare = [c for c in self.feeds if c not in placed]
        wanted = len(LAYOUTS[layout][2]) if layout in LAYOUTS else 0
        fill = cameras + [None] * max(0, wanted - len(cameras))
        fill = [c if c else (spare.pop(0) if spare else None) for c in fill]
        self.apply_view(layout, fill)

    def assign(self, index: int, camera_id: str | None) -> None:
        """Put a camera on a tile. If it is on another tile already, the two tiles swap."""
        if not 0 <= index < len(self.tiles):
            return
        feed = self.feeds.get(camera_id) if camera_id else None
        if feed is not None:
            for tile in self.tiles:
                if tile.feed is feed and tile.index != index:
                    self.swap(tile.index, index)
                    return
        self.tiles[index].set_feed(feed)
        self.schedule_demand()
        self.view_changed.emit()

    def swap(self, a: int, b: int) -> None:
        if a == b or not (0 <= a < len(self.tiles) and 0 <= b < len(self.tiles)):
            return
        feed_a, feed_b = self.tiles[a].feed, self.tiles[b].feed
        self.tiles[a].set_feed(feed_b)
        self.tiles[b].set_feed(feed_a)
        self.schedule_demand()
        self.view_changed.emit()

    def _place(self) -> None:
        self._polled = None  # which tiles are visible is about to change
        rows, columns, cells = LAYOUTS[self.layout_name]
        for tile in self.tiles:
            self._grid.removeWidget(tile)
        for i in range(4):
            self._grid.setRowStretch(i, 1 if i < rows else 0)
            self._grid.setColumnStretch(i, 1 if i < columns else 0)
        if self._single is not None:
            for tile in self.tiles:
                tile.setVisible(tile.index == self._single)
            self._grid.addWidget(self.tiles[self._single], 0, 0, rows, columns)
        else:
            for tile, (r, c, rs, cs) in zip(self.tiles, cells, strict=True):
                tile.setVisible(True)
                self._grid.addWidget(tile, r, c, rs, cs)
        self.schedule_demand()

    # -- what each feed must deliver ------------------------------------------------------------

    def schedule_demand(self) -> None:
        if not self._demand_pending:
            self._demand_pending = True
            QTimer.singleShot(0, self.update_demand)

    def update_demand(self) -> None:
        """Tell every feed the size it is shown at and which stream; release the unseen."""
        self._demand_pending = False
        if not self.running:
            return
        ratio = self.devicePixelRatioF()
        shown: set[str] = set()
        for tile in self.tiles:
            if tile.feed is None or not tile.isVisible():
                continue
            width, height = round(tile.width() * ratio), round(tile.height() * ratio)
            main = self._single is not None or width >= SUB_STREAM_BELOW_PX
            tile.feed.want(width, height, main)
            shown.add(tile.feed.camera_id)
        for camera_id, feed in self.feeds.items():
            if camera_id not in shown:
                feed.release()

    # -- selection, full screen, pause, keys ------------------------------------------------------

    @property
    def single_view(self) -> int | None:
        return self._single

    @property
    def selected_tile(self) -> VideoTile | None:
        return self.tiles[self.selected] if 0 <= self.selected < len(self.tiles) else None

    def select(self, index: int, force: bool = False) -> None:
        if not self.tiles:
            return
        index = max(0, min(index, len(self.tiles) - 1))
        for tile in self.tiles:
            tile.set_selected(tile.index == index)
        if index != self.selected or force:
            self.selected = index
            if self._single is not None and self._single != index:
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

    def toggle_pause(self) -> None:
        tile = self.selected_tile
        if tile is not None and not tile.drawing:  # a tag in progress keeps its frozen picture
            tile.set_paused(not tile.paused)

    def begin_tag(self) -> None:
        """Freeze the selected tile at this instant and start drawing boxes on it."""
        tile = self.selected_tile
        if tile is None or tile.drawing:
            return
        for other in self.tiles:
            if other is not tile and other.drawing:
                other.set_paused(False)
        if tile.start_drawing():
            self.tag_requested.emit(tile.index)

    def end_tag(self, index: int, resume: bool = True) -> None:
        if 0 <= index < len(self.tiles):
            tile = self.tiles[index]
            tile.stop_drawing()
            if resume:
                tile.set_paused(False)

    def _on_tile_activated(self, index: int) -> None:
        self.select(index)
        self.toggle_single()

    def _grid_step(self, action: str) -> int:
        """The tile reached from the selected one by an arrow key, in the layout's own geometry."""
        cells = LAYOUTS[self.layout_name][2]
        if self._single is not None or self.selected < 0:
            return {"tile.next": 1, "tile.previous": -1}.get(action, 0) + max(self.selected, 0)
        r, c, rs, cs = cells[self.selected]
        centre = (r + rs / 2, c + cs / 2)
        direction = {"tile.next": (0, 1), "tile.previous": (0, -1), "tile.down": (1, 0), "tile.up": (-1, 0)}[action]
        best, best_score = self.selected, math.inf
        for i, (r2, c2, rs2, cs2) in enumerate(cells):
            dy, dx = r2 + rs2 / 2 - centre[0], c2 + cs2 / 2 - centre[1]
            along = dy * direction[0] + dx * direction[1]
            if i == self.selected or along <= 0:
                continue
            across = abs(dx * direction[0] + dy * direction[1])
            score = along + 2 * across
            if score < best_score:
                best, best_score = i, score
        if best == self.selected and action in ("tile.next", "tile.previous"):
            return (self.selected + (1 if action == "tile.next" else -1)) % len(cells)
        return best

    def keyPressEvent(self, event: QKeyEvent) -> None:
        combo = event.keyCombination()
        for action in ("tile.next", "tile.previous", "tile.down", "tile.up"):
            if combo == key_combination(action):
                self.select(self._grid_step(action))
                return
        handlers = {
            "tile.single": self.toggle_single,
            "tile.back": self.show_all,
            "tile.pause": self.toggle_pause,
            "tile.tag": self.begin_tag,
        }
        for action, handler in handlers.items():
            if combo == key_combination(action):
                handler()
                return
        super().keyPressEvent(event)
