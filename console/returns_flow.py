"""The Returns dock at the console: the figures and the charts' dashboard are counted in a worker
(never on the GUI thread), again when the record changes (at most every few seconds), and a
figure's entries are read back on demand; CSV and PDF (with the charts) go to a file the
controller picks."""

from __future__ import annotations

import logging
from datetime import date, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QFileDialog

from console.dashboard import Dashboard, build_dashboard
from console.record import utc_now
from console.returns import Period, Return, to_csv, write_pdf, write_text
from console.services import Services
from console.tasks import Tasks
from console.types import EntryView
from widgets.dashboard import chart_images
from widgets.main_window import MainWindow

log = logging.getLogger("sentinel.returns")
RECOUNT_AFTER_MS = 3000


class ReturnsFlow(QObject):
    def __init__(self, window: MainWindow, services: Services, tasks: Tasks, operation: str, timezone: str) -> None:
        super().__init__(window)
        self.window, self.services, self.tasks = window, services, tasks
        self.operation = operation
        self.tz = ZoneInfo(timezone)
        self.report: Return | None = None
        self.dashboard: Dashboard | None = None
        self._choice = ("day", 0)
        self._recount = QTimer(self)
        self._recount.setSingleShot(True)
        self._recount.setInterval(RECOUNT_AFTER_MS)
        self._recount.timeout.connect(self.load)
        view = window.returns
        view.period_chosen.connect(self._chosen)
        view.entries_wanted.connect(self._entries)
        view.export_requested.connect(self._export)
        view.ask()

    def _chosen(self, kind: str, offset: int) -> None:
        self._choice = (kind, offset)
        self.load()

    def on_entries(self, _entries: list[EntryView]) -> None:
        if not self._recount.isActive():
            self._recount.start()

    def load(self) -> None:
        kind, offset = self._choice
        s, name, tz = self.services, self.operation, self.tz

        def chosen() -> Period:
            now = utc_now()
            local = now.astimezone(tz)
            op = s.operations.view(name)
            tonight = (local - timedelta(hours=op.night_starts_hour)).date()
            if kind == "day":
                return s.returns.period(name, "day", tonight + timedelta(days=offset))
            if kind == "week":
                return s.returns.period(name, "week", max(1, (tonight - op.start_date).days // 7 + 1 + offset))
            return s.returns.period(name, "to_date", now=now)

        def count() -> tuple[Return, Dashboard]:
            period = chosen()
            return s.returns.build(name, period), build_dashboard(s.db, name, period)

        self.tasks.submit(count, self._show, self._failed)

    def _show(self, result: tuple[Return, Dashboard]) -> None:
        report, self.dashboard = result
        self.report = report
        p = report.period
        start, end = p.start.astimezone(self.tz), p.end.astimezone(self.tz)
        title = f"{p.label}: {start:%a %d %b %H:%M} to {end:%a %d %b %H:%M %Z}"
        counted = report.generated_at.astimezone(self.tz)
        head = f"Record head: {report.head.count} entries, {report.head.hash[:16]}…  (counted {counted:%H:%M:%S})"
        self.window.returns.show_return(title, head, report.figures)
        self.window.returns.show_dashboard(self.dashboard)

    def _entries(self, seqs: tuple[int, ...]) -> None:
        record = self.services.record

        def read() -> list[str]:
            return [
                f"#{e.seq}  {e.event_time.astimezone(self.tz):%d %b %H:%M}  {e.kind}  {e.text}"
                for e in record.entries_at(list(seqs))
            ]

        self.tasks.submit(read, self.window.returns.show_entries, self._failed)

    def _export(self, kind: str) -> None:
        report = self.report
        if report is None:
            return
        suffix = ".csv" if kind == "csv" else ".pdf"
        default = str(self.services.settings.data_dir / f"return-{date.today():%Y%m%d}{suffix}")
        chosen, _ = QFileDialog.getSaveFileName(self.window, "Save the return", default, f"*{suffix}")
        if not chosen:
            return
        path = Path(chosen)
        # Qt draws charts on the GUI thread only: the pictures are made here, the PDF in the worker.
        charts = chart_images(self.dashboard) if kind == "pdf" and self.dashboard is not None else []

        def write() -> Path:
            if kind == "csv":
                write_text(to_csv(report), path)
            else:
                write_pdf(report, path, charts)
            return path

        self.tasks.submit(write, lambda p: self.window.returns.show_message(f"Saved to {p}"), self._failed)

    def _failed(self, error: BaseException) -> None:
        log.error("returns: %s", error)
        self.window.returns.show_message(f"The return could not be counted: {error}")
