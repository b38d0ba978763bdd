"""What the evidence and playback flows share: who is at the console, the operation's cameras
and time zone, and what the footage is "around": the selected sighting's frame, else the
selected tile's camera at a moment before now."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from PySide6.QtCore import QObject

from console.access import ACTION_WORDS, can
from console.record import utc_now
from console.services import Services
from console.tasks import Tasks
from console.types import Actor, CameraView
from widgets.main_window import MainWindow

log = logging.getLogger("sentinel.footage")

# Called with the moment, the cameras chosen at first, and whether the moment is a tag's frame.
Then = Callable[[datetime, list[str], bool], None]


@dataclass(frozen=True)
class AtConsole:
    """The console's session as a flow sees it."""

    window: MainWindow
    services: Services
    tasks: Tasks
    actor: Actor
    operation_id: int
    timezone: str
    cameras: list[CameraView]


class FootageFlow(QObject):
    def __init__(self, at: AtConsole) -> None:
        super().__init__(at.window)
        self.window, self.services, self.tasks = at.window, at.services, at.tasks
        self.actor, self.operation_id = at.actor, at.operation_id
        self.tz = ZoneInfo(at.timezone)
        self.cameras = at.cameras

    def around_selection(self, action: str, before_now: timedelta, then: Then) -> None:
        """Find the moment (reading the sighting in a worker), then call ``then`` on the GUI thread."""
        if not can(self.actor, action):
            self.window.statusBar().showMessage(f"A {self.actor.role} may not {ACTION_WORDS[action]}.", 10_000)
            return
        sighting_id = self.window.sightings.selected_id() or self.window.tag_panel.last_tag.sighting_id

        def located() -> tuple[datetime, str] | None:
            return None if sighting_id is None else self.services.sightings.moment(self.operation_id, sighting_id)

        def found(moment: tuple[datetime, str] | None) -> None:
            if moment is not None:
                then(moment[0], [moment[1]], True)
                return
            tile = self.window.wall.tiles[self.window.wall.selected]
            then(utc_now() - before_now, [tile.feed.camera_id] if tile.feed is not None else [], False)

        self.tasks.submit(located, found, lambda e: self.problem("the sighting could not be read", e))

    def problem(self, what: str, error: BaseException) -> None:
        log.error("%s: %s", what, error)
        self.window.statusBar().showMessage(f"{what} ({error})", 15_000)
