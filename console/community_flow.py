"""Community complaints and tension notes at the console: the key opens the dialog, the report
is written in a worker, and the dialog closes on success or shows why it was refused (what was
typed stays)."""

from __future__ import annotations

import logging
from zoneinfo import ZoneInfo

from PySide6.QtCore import QObject

from console.access import ACTION_WORDS, can
from console.community import KIND_WORDS, SOURCES
from console.record import utc_now
from console.services import Services
from console.tasks import Tasks
from console.types import ActionResult, Actor
from widgets.community_dialog import CommunityDialog
from widgets.main_window import MainWindow

log = logging.getLogger("sentinel.community")


class CommunityFlow(QObject):
    def __init__(
        self, window: MainWindow, services: Services, tasks: Tasks, actor: Actor, operation_id: int, timezone: str
    ) -> None:
        super().__init__(window)
        self.window, self.services, self.tasks = window, services, tasks
        self.actor, self.operation_id = actor, operation_id
        self.tz = ZoneInfo(timezone)
        self.dialog: CommunityDialog | None = None
        window.community_key.connect(self.open)

    def open(self) -> None:
        if not can(self.actor, "community.record"):
            words = ACTION_WORDS["community.record"]
            self.window.statusBar().showMessage(f"A {self.actor.role} may not {words}.", 10_000)
            return
        if self.dialog is not None:
            self.dialog.raise_()
            return
        s, op = self.services, self.operation_id
        self.tasks.submit(lambda: s.community.location_names(op), self._show, self._failed)

    def _show(self, locations: list[str]) -> None:
        dialog = self.dialog = CommunityDialog(
            KIND_WORDS, SOURCES, locations, utc_now().astimezone(self.tz), self.window
        )
        dialog.record_requested.connect(self._record)
        dialog.rejected.connect(self._closed)
        dialog.open()  # window-modal without a nested event loop: the wall keeps painting

    def _record(self) -> None:
        dialog = self.dialog
        if dialog is None:
            return
        kind, source, location, local, text = dialog.report()
        when = local.replace(tzinfo=self.tz)
        s, actor, op = self.services, self.actor, self.operation_id

        def write() -> ActionResult:
            return s.community.record_report(actor, op, kind, text, source=source, reported_at=when, location=location)

        def done(result: ActionResult) -> None:
            self.window.statusBar().showMessage(
                f"{KIND_WORDS[kind].capitalize()} recorded (entry {result.seq})", 10_000
            )
            dialog.accept()
            self._closed()

        self.tasks.submit(write, done, lambda e: dialog.refused(str(e)))

    def _closed(self) -> None:
        if self.dialog is not None:
            self.dialog.deleteLater()
            self.dialog = None

    def _failed(self, error: BaseException) -> None:
        log.error("community report dialog: %s", error)
        self.window.statusBar().showMessage(f"The locations could not be read ({error})", 15_000)
