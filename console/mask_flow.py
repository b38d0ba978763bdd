"""Privacy masks at the console: a supervisor lifts a tile's camera's masks for a while (Ctrl+M),
the tiles say so, and the masks come back when the time runs out, by themselves.

The capture helpers paint the masks unless told they are lifted, so the default is always
masked. This console re-applies a lift that ran out on its own clock at once, even with the
database away, and writes the re-apply entry when it can. Lifts made at other consoles and
masks changed at set-up are picked up every few seconds.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any
from zoneinfo import ZoneInfo

from PySide6.QtCore import QObject, QTimer

from console.access import ACTION_WORDS, can
from console.auth import console_actor
from console.masks import DEFAULT_LIFT_MINUTES, MAX_LIFT_MINUTES
from console.record import utc_now
from console.services import Services
from console.tasks import Tasks
from console.types import Actor, CameraView, EntryView, MaskLiftView
from widgets.main_window import MainWindow
from widgets.mask_lift_dialog import MaskLiftDialog

log = logging.getLogger("sentinel.masks")

POLL_MS = 5000  # lifts from other consoles, masks changed at set-up, lifts run out
EXPIRY_CHECK_MS = 1000  # a lift that ran out is re-applied here within a second

Polygons = tuple[tuple[tuple[float, float], ...], ...]


class MaskFlow(QObject):
    def __init__(
        self,
        window: MainWindow,
        services: Services,
        tasks: Tasks,
        actor: Actor,
        operation_id: int,
        timezone: str,
        feeds: Mapping[str, Any],
        cameras: list[CameraView],
    ) -> None:
        super().__init__(window)
        self.window, self.services, self.tasks = window, services, tasks
        self.actor, self.operation_id, self.tz = actor, operation_id, ZoneInfo(timezone)
        self.feeds = feeds  # camera key -> CameraFeed (lift_masks, set_masks, source.masks)
        self.names = {c.key: c.name for c in cameras}
        self.masks: dict[str, Polygons] = {c.key: c.masks for c in cameras if c.masks}
        self.lifts: dict[str, MaskLiftView] = {}  # camera key -> the lift in force here
        self.restoring: set[int] = set()
        self.dialog: MaskLiftDialog | None = None
        self._reading = False
        window.masks_key.connect(self.open)
        self.poll_timer = QTimer(self)
        self.poll_timer.setInterval(POLL_MS)
        self.poll_timer.timeout.connect(self.poll)
        self.expiry_timer = QTimer(self)
        self.expiry_timer.setInterval(EXPIRY_CHECK_MS)
        self.expiry_timer.timeout.connect(self._check_expiry)
        for feed in feeds.values():
            feed.lift_masks(False)  # masked from the start, whatever a previous run left
        self.poll_timer.start()
        self.expiry_timer.start()
        self.poll()

    def stop(self) -> None:
        """The console is closing: no more reads, and answers still under way change nothing."""
        self.poll_timer.stop()
        self.expiry_timer.stop()
        self.feeds = {}

    # --- the key -----------------------------------------------------------------------------------
    def open(self) -> None:
        tile = self.window.wall.selected_tile
        if tile is None or tile.feed is None:
            self._say("Select a tile showing a camera first.")
            return
        key = tile.feed.camera_id
        name = self.names.get(key, key)
        if self.dialog is not None:
            self.dialog.raise_()
            return
        lift = self.lifts.get(key)
        if lift is not None:
            if not can(self.actor, "mask.restore"):
                self._say(f"A {self.actor.role} may not {ACTION_WORDS['mask.restore']}.")
                return
            words = (
                f"The privacy masks on {name} were lifted by {lift.lifted_by} until "
                f"{lift.until.astimezone(self.tz):%H:%M}: {lift.reason}"
            )
            dialog = MaskLiftDialog(name, len(self.masks.get(key, ())), 0, MAX_LIFT_MINUTES, words, self.window)
            dialog.restore_requested.connect(lambda: self._restore(dialog, lift))
        else:
            if not self.masks.get(key):
                self._say(f"{name} has no privacy masks.")
                return
            if not can(self.actor, "mask.lift"):
                self._say(f"Only a supervisor can lift privacy masks: a {self.actor.role} may not.")
                return
            dialog = MaskLiftDialog(name, len(self.masks[key]), DEFAULT_LIFT_MINUTES, MAX_LIFT_MINUTES, "", self.window)
            dialog.lift_requested.connect(lambda: self._lift(dialog, key))
        self.dialog = dialog
        dialog.finished.connect(self._closed)
        dialog.open()  # window-modal without a nested event loop: the wall keeps painting

    def _lift(self, dialog: MaskLiftDialog, key: str) -> None:
        reason, minutes = dialog.request()
        s, actor, op = self.services, self.actor, self.operation_id

        def done(_: object) -> None:
            self._say(f"Privacy masks on {self.names.get(key, key)} lifted for {minutes} minutes (recorded).")
            dialog.accept()
            self.poll()

        self.tasks.submit(lambda: s.masks.lift(actor, op, key, reason, minutes), done, lambda e: dialog.refused(str(e)))

    def _restore(self, dialog: MaskLiftDialog, lift: MaskLiftView) -> None:
        self._put_back(lift.camera_key)  # at once, before the database has answered
        s, actor = self.services, self.actor

        def done(_: object) -> None:
            self._say(f"Privacy masks on {lift.camera_name} re-applied (recorded).")
            dialog.accept()
            self.poll()

        self.tasks.submit(lambda: s.masks.restore(actor, lift.id), done, lambda e: dialog.refused(str(e)))

    def _closed(self) -> None:
        if self.dialog is not None:
            self.dialog.deleteLater()
            self.dialog = None

    # --- keeping the tiles right ---------------------------------------------------------------------
    def on_entries(self, entries: list[EntryView]) -> None:
        """A lift or a set-up change written anywhere: read again now rather than at the next poll."""
        if any(e.kind.startswith(("mask.", "setup.")) for e in entries):
            self.poll()

    def poll(self) -> None:
        if self._reading:
            return
        self._reading = True
        s, op = self.services, self.operation_id

        def read() -> tuple[list[MaskLiftView], dict[str, Polygons]]:
            return s.masks.open_lifts(op), s.masks.camera_masks(op)

        def failed(error: BaseException) -> None:
            self._reading = False
            log.warning("privacy masks: could not read the lifts: %s", error)

        self.tasks.submit(read, self._apply, failed)

    def _apply(self, found: tuple[list[MaskLiftView], dict[str, Polygons]]) -> None:
        self._reading = False
        lifts, masks = found
        for key, feed in self.feeds.items():
            polygons = masks.get(key, ())
            if feed.source.masks != polygons:
                log.info("camera %s: privacy masks changed at set-up (%d now)", key, len(polygons))
                feed.set_masks(polygons)
        self.masks = {k: v for k, v in masks.items() if v}
        now = utc_now()
        self.lifts = {lift.camera_key: lift for lift in lifts if lift.until > now and lift.camera_key in self.masks}
        for key, feed in self.feeds.items():
            feed.lift_masks(key in self.lifts)
        for lift in lifts:
            if lift.until <= now:
                self._record_ran_out(lift)
        self._show()

    def _check_expiry(self) -> None:
        now = utc_now()
        for key, lift in list(self.lifts.items()):
            if lift.until <= now:
                self._put_back(key)
                self._record_ran_out(lift)

    def _put_back(self, key: str) -> None:
        self.lifts.pop(key, None)
        feed = self.feeds.get(key)
        if feed is not None:
            feed.lift_masks(False)
        self._show()

    def _record_ran_out(self, lift: MaskLiftView) -> None:
        if lift.id in self.restoring:
            return
        self.restoring.add(lift.id)
        s = self.services
        actor = self.actor if can(self.actor, "mask.restore") else console_actor(self.actor.console_id)

        def failed(error: BaseException) -> None:
            self.restoring.discard(lift.id)  # tried again at the next poll
            log.warning("privacy masks on %s re-applied here; the record entry waits: %s", lift.camera_key, error)

        self.tasks.submit(lambda: s.masks.restore(actor, lift.id, ran_out=True), lambda _: None, failed)

    def _show(self) -> None:
        marks = {key: f"UNMASKED until {lift.until.astimezone(self.tz):%H:%M}" for key, lift in self.lifts.items()}
        self.window.wall.show_privacy(marks)

    def _say(self, words: str) -> None:
        self.window.statusBar().showMessage(words, 10_000)
