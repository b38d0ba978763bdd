"""The data requests dock at the console (Ctrl+Shift+D), and the daily retention job.

Supervisors list, export and erase what is held about one subject or VRM; administrators preview
and run retention on demand. The console itself runs retention once a day (and shortly after
start when the record says the last run is more than a day old). All work runs in workers."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtWidgets import QDockWidget, QFileDialog

from console.access import PermissionDenied, can
from console.auth import console_actor
from console.record import utc_now
from console.retention import RetentionReport
from console.services import Services
from console.subject_access import DataRequest, Holding, SubjectAccessError
from console.tasks import Tasks
from console.text import TextError
from console.types import Actor
from widgets.main_window import MainWindow
from widgets.subject_access_view import VRM, SubjectAccessView

log = logging.getLogger("sentinel.data_requests")

CHECK_EVERY_MS = 60 * 60 * 1000  # look hourly whether a day has passed since the last run
FIRST_CHECK_MS = 2 * 60 * 1000  # shortly after start, once the console has settled
RUN_EVERY = timedelta(hours=24)
# What a request can be refused for, in words for the supervisor.
REFUSALS = (SubjectAccessError, TextError, PermissionDenied, LookupError, OSError)


def _words(error: BaseException) -> str:
    return str(error) if isinstance(error, REFUSALS) else f"it failed: {error}"


class SubjectAccessFlow(QObject):
    def __init__(self, window: MainWindow, services: Services, tasks: Tasks, actor: Actor, operation_id: int) -> None:
        super().__init__(window)
        self.window, self.services, self.tasks, self.actor, self.operation_id = (
            window,
            services,
            tasks,
            actor,
            operation_id,
        )
        # Replaced in tests: where an export is written.
        self.choose_folder: Callable[[str], str] = lambda start: QFileDialog.getExistingDirectory(
            window, "Folder for the subject access export", start
        )
        view = self.view = SubjectAccessView()
        dock = self.dock = QDockWidget("Data requests", window)
        dock.setObjectName("dataRequestsDock")
        dock.setWidget(view)
        window.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, dock)
        window.tabifyDockWidget(window.strikes_dock, dock)  # a tab beside the other registers
        allowed = (can(actor, "subject_access.serve"), can(actor, "subject_access.erase"), can(actor, "retention.run"))
        view.set_permissions(*allowed)
        if not any(allowed):
            dock.hide()  # Ctrl+Shift+D still opens it, to say who may use it
        window.record_dock.raise_()  # the operation record stays the tab in front, as at start
        window.data_requests_key.connect(self.show)
        view.list_requested.connect(self._list)
        view.export_requested.connect(self._export)
        view.erase_requested.connect(self._erase)
        view.retention_preview_requested.connect(lambda: self._retention(dry_run=True))
        view.retention_run_requested.connect(lambda: self._retention(dry_run=False))

    def show(self) -> None:
        self.dock.show()
        self.dock.raise_()
        self.view.who.setFocus()

    def _request(self, kind: str, who: str) -> DataRequest:
        return DataRequest(vrm=who) if kind == VRM else DataRequest(subject=who)

    def _submit(self, work: Callable[[], Any], done: Callable[[Any], None]) -> None:
        self.tasks.submit(work, done, lambda e: self.view.say(f"Not done: {_words(e)}", problem=True))

    def _list(self, kind: str, who: str, reason: str) -> None:
        sar, actor, oid = self.services.subject_access, self.actor, self.operation_id

        def shown(held: Holding) -> None:
            counts = held.counts()
            self.view.show_held(
                held.summary(),
                f"Listed {held.label}: {counts['sightings']} sighting(s), {counts['record_entries']} record "
                "entries (the listing is in the record).",
            )

        self._submit(lambda: sar.list_held(actor, oid, self._request(kind, who), reason), shown)

    def _export(self, kind: str, who: str, reason: str) -> None:
        chosen = self.choose_folder(str(self.services.settings.data_dir))
        if not chosen:
            self.view.say("Export cancelled.")
            return
        sar, actor, oid = self.services.subject_access, self.actor, self.operation_id
        self._submit(
            lambda: sar.export(actor, oid, self._request(kind, who), reason, Path(chosen)),
            lambda served: self.view.say(
                f"Served: {served.folder} ({served.files} files, SHA256SUMS inside; record entry {served.result.seq})."
            ),
        )

    def _erase(self, kind: str, who: str, reason: str) -> None:
        sar, actor, oid = self.services.subject_access, self.actor, self.operation_id

        def erased(result: Any) -> None:
            self.view.show_held("", f"Erased: every personal detail of {who} is gone (record entry {result.seq}).")

        self._submit(lambda: sar.erase(actor, oid, self._request(kind, who), reason), erased)

    def _retention(self, dry_run: bool) -> None:
        retention, actor = self.services.retention, self.actor

        def done(report: RetentionReport) -> None:
            if dry_run:
                self.view.show_preview(report.words(), not report.nothing_due)
            else:
                self.view.show_retention(f"{report.words()} (record entries {', '.join(map(str, report.entries))})")

        self.tasks.submit(
            lambda: retention.run(actor, dry_run=dry_run),
            done,
            lambda e: self.view.show_retention(f"Retention not run: {_words(e)}", problem=True),
        )


class RetentionJob(QObject):
    """The console runs retention as itself once a day; the status bar says what went."""

    def __init__(
        self,
        window: MainWindow,
        services: Services,
        tasks: Tasks,
        console_id: str,
        check_every_ms: int = CHECK_EVERY_MS,
        first_check_ms: int = FIRST_CHECK_MS,
    ) -> None:
        super().__init__(window)
        self.window, self.services, self.tasks = window, services, tasks
        self.actor = console_actor(console_id)
        self.last_report: RetentionReport | None = None
        self.checks = 0  # checks answered (a run or "not due yet")
        self._busy = False
        self._timer = QTimer(self)
        self._timer.setInterval(check_every_ms)
        self._timer.timeout.connect(self.check)
        self._timer.start()
        self._first = QTimer(self)
        self._first.setSingleShot(True)
        self._first.setInterval(first_check_ms)
        self._first.timeout.connect(self.check)
        self._first.start()

    def check(self) -> None:
        """Run retention if no console has run it for a day (the record says when it last ran)."""
        if self._busy:
            return
        self._busy = True
        retention, actor = self.services.retention, self.actor

        def due_then_run() -> RetentionReport | None:
            last = retention.last_run()
            if last is not None and utc_now() - last < RUN_EVERY:
                return None
            return retention.run(actor)

        self.tasks.submit(due_then_run, self._done, self._failed)

    def _done(self, report: RetentionReport | None) -> None:
        self._busy = False
        self.checks += 1
        if report is not None:
            self.last_report = report
            self.window.statusBar().showMessage(f"Daily {report.words()[0].lower()}{report.words()[1:]}", 60_000)

    def _failed(self, error: BaseException) -> None:
        self._busy = False
        log.error("daily retention did not run: %s", error)
        self.window.statusBar().showMessage(f"Daily retention did not run: {error}", 60_000)

    def stop(self) -> None:
        self._timer.stop()
        self._first.stop()
