"""The Partner actions dock at the console: actions read in a worker, again when the record
says one was raised or reviewed (or a community-issue sighting was tagged, for the raise
dialog's list), and every few minutes so that an action turns overdue after midnight; raising,
reviewing and exports run in workers too."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QFileDialog, QWidget

from console.access import can
from console.partner_actions import FindingChoice, PartnerActionView, action_reference, export
from console.record import utc_now
from console.services import Services
from console.tasks import Tasks
from console.types import ActionResult, Actor, EntryView
from widgets.main_window import MainWindow

log = logging.getLogger("sentinel.partner_actions")
REREAD_EVERY_MS = 10 * 60 * 1000


def ask_path(parent: QWidget, default: str, suffix: str) -> str:
    chosen, _ = QFileDialog.getSaveFileName(parent, "Export partner actions", default, f"*{suffix}")
    return chosen


class PartnerActionsFlow(QObject):
    changed = Signal()  # an action was raised or reviewed here: the record feed may poll now

    def __init__(self, window: MainWindow, services: Services, tasks: Tasks, actor: Actor, operation_id: int) -> None:
        super().__init__(window)
        self.window, self.services, self.tasks = window, services, tasks
        self.actor, self.operation_id = actor, operation_id
        self.show_closed = False
        # Where an export goes; a test answers for the file dialog.
        self.choose_path: Callable[[QWidget, str, str], str] = ask_path
        self._timer = QTimer(self)
        self._timer.setInterval(REREAD_EVERY_MS)
        self._timer.timeout.connect(self.load)
        self._timer.start()
        view = window.partner_actions
        view.set_permissions(can(actor, "partner_action.raise"), can(actor, "partner_action.review"), actor.role)
        view.show_closed_changed.connect(self._on_view_show_closed_changed)
        view.raise_requested.connect(self._on_view_raise_requested)
        view.review_requested.connect(self._on_view_review_requested)
        view.export_requested.connect(self._on_view_export_requested)
        self.load()
        self.load_choices()

    def on_entries(self, entries: list[EntryView]) -> None:
        if any(e.kind.startswith("partner_action.") for e in entries):
            self.load()
        if any(e.kind.startswith("sighting.") for e in entries):
            self.load_choices()

    def load(self) -> None:
        service, oid, everything = self.services.partner_actions, self.operation_id, self.show_closed

        def read() -> tuple[list[PartnerActionView], date]:
            report = service.report(oid, open_only=not everything)
            return list(report.actions), report.today

        self.tasks.submit(read, lambda got: self.window.partner_actions.show_actions(*got), self._failed)

    def load_choices(self) -> None:
        service, oid = self.services.partner_actions, self.operation_id

        def read() -> tuple[list[str], list[tuple[str, str]], list[FindingChoice]]:
            return service.partners(oid), service.locations(oid), service.recent_findings(oid)

        self.tasks.submit(read, lambda got: self.window.partner_actions.set_choices(*got), self._failed)

    def _on_view_show_closed_changed(self, shown: bool) -> None:
        self.show_closed = shown
        self.load()

    def _on_view_raise_requested(self, values: dict[str, Any]) -> None:
        service, oid, actor = self.services.partner_actions, self.operation_id, self.actor
        self.tasks.submit(lambda: service.raise_action(actor, oid, **values), self._done("raised"), self._failed)

    def _on_view_review_requested(self, action_id: int, values: dict[str, Any]) -> None:
        service, oid, actor = self.services.partner_actions, self.operation_id, self.actor
        self.tasks.submit(lambda: service.review(actor, oid, action_id, **values), self._done("reviewed"), self._failed)

    def _done(self, what: str) -> Callable[[ActionResult], None]:
        def said(result: ActionResult) -> None:
            ref = action_reference(int(result.ref_id)) if result.ref_id.isdigit() else "Partner action"
            self.window.partner_actions.say(f"{ref} {what} (record entry {result.seq}).")
            self.load()
            self.load_choices()  # a partner typed in for the first time is offered next time
            self.changed.emit()

        return said

    def _on_view_export_requested(self, kind: str) -> None:
        suffix = ".csv" if kind == "csv" else ".pdf"
        default = str(self.services.settings.data_dir / f"partner-actions-{utc_now():%Y%m%d}{suffix}")
        chosen = self.choose_path(self.window, default, suffix)
        if not chosen:
            return
        path = Path(chosen)
        service, oid, everything = self.services.partner_actions, self.operation_id, self.show_closed

        def write() -> Path:
            export(service.report(oid, open_only=not everything), kind, path)
            return path

        self.tasks.submit(write, lambda p: self.window.partner_actions.say(f"Saved to {p}"), self._failed)

    def _failed(self, error: BaseException) -> None:
        log.error("partner actions: %s", error)
        self.window.partner_actions.say(str(error))
