"""The three-strikes dock at the console: the register is read in a worker, again when the
record says warnings, referrals or ESOs changed, and each ESO step goes through the support-order
service in a worker; a refusal comes back as words in the dock."""

from __future__ import annotations

import logging
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from PySide6.QtCore import QObject, QTimer, Signal

from console.access import can
from console.services import Services
from console.strikes import StrikesRow, register
from console.support_orders import StepResult
from console.tasks import Tasks
from console.types import Actor, EntryView
from widgets.main_window import MainWindow

log = logging.getLogger("sentinel.strikes")
RELOAD_AFTER_MS = 500  # a tasking closed with several outcomes arrives as a burst of entries
# Entry kinds that can change the register (outcomes come with a tasking's close; a corrected
# sighting may move it to another subject).
CHANGES = ("outcome.", "eso.", "sighting.corrected")
# A court date has no time of day: noon keeps it on the same local date whatever the offset.
DATED_AT = time(12, 0)


class StrikesFlow(QObject):
    changed = Signal()  # an ESO step was recorded: the record feed may poll now

    def __init__(
        self, window: MainWindow, services: Services, tasks: Tasks, actor: Actor, operation_id: int, timezone: str
    ) -> None:
        super().__init__(window)
        self.window, self.services, self.tasks = window, services, tasks
        self.actor, self.operation_id, self.tz = actor, operation_id, ZoneInfo(timezone)
        self._reload = QTimer(self)
        self._reload.setSingleShot(True)
        self._reload.setInterval(RELOAD_AFTER_MS)
        self._reload.timeout.connect(self.load)
        view = window.strikes
        may = can(actor, "eso.record")
        view.set_permissions(may, "" if may else f"A {actor.role} cannot record Engagement and Support Orders.")
        view.eso_requested.connect(self._record_step)
        self.load()

    def on_entries(self, entries: list[EntryView]) -> None:
        if any(e.kind.startswith(CHANGES) for e in entries) and not self._reload.isActive():
            self._reload.start()

    def load(self) -> None:
        db, oid = self.services.db, self.operation_id
        self.tasks.submit(lambda: register(db, oid), self._show, self._failed)

    def _show(self, rows: list[StrikesRow]) -> None:
        self.window.strikes.show_rows(rows)

    def moment(self, day: date) -> datetime | None:
        """The time recorded for a step on ``day``: now when it is today, else noon that day."""
        if day >= datetime.now(self.tz).date():
            return None
        return datetime.combine(day, DATED_AT, self.tz)

    def _record_step(self, step: str, subject_id: int, order_id: int, fields: dict[str, Any]) -> None:
        orders, actor, oid = self.services.support_orders, self.actor, self.operation_id
        when = self.moment(fields["on"])

        def write() -> StepResult:
            if step == "apply":
                return orders.apply(actor, oid, subject_id, when, fields["sessions_required"], fields["notes"])
            if step == "made":
                return orders.make(actor, oid, order_id, when)
            if step == "session":
                return orders.session_attended(actor, oid, order_id, when)
            return orders.end(actor, oid, order_id, fields["ending"], when, fields["notes"])

        self.tasks.submit(write, self._recorded, self._refused)

    def _recorded(self, done: StepResult) -> None:
        words = f"Recorded in entry {done.result.seq}."
        if done.caution:
            words += f" Note: {done.caution}."
        self.window.strikes.step_done(words)
        self.changed.emit()
        self.load()

    def _refused(self, error: BaseException) -> None:
        log.info("ESO step refused: %s", error)
        self.window.strikes.say(f"Not recorded: {error}", problem=True)

    def _failed(self, error: BaseException) -> None:
        log.error("three-strikes register: %s", error)
        self.window.strikes.say(f"The register could not be read: {error}", problem=True)
