"""The journal at the console: while actions wait in it the status bar says how many, and the
console tries to replay them every few seconds and at once when the database answers again;
conflicts found on replay are shown to the controller (and are in the record)."""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, QTimer, Signal

from console.journal import Journal, JournaledWriter, Replayed
from console.services import Services
from console.settings import Settings
from console.tasks import Tasks
from widgets.main_window import MainWindow

log = logging.getLogger("sentinel.journal")
RETRY_MS = 5000


class JournalFlow(QObject):
    landed = Signal()  # replayed entries are in the record: read them

    def __init__(self, window: MainWindow, services: Services, tasks: Tasks, settings: Settings) -> None:
        super().__init__(window)
        self.window, self.tasks = window, tasks
        self.writer = JournaledWriter(services, Journal(settings.data_dir / "journal", settings.console_id))
        self._busy = False
        self.timer = QTimer(self)
        self.timer.setInterval(RETRY_MS)
        self.timer.timeout.connect(self.replay)
        self.timer.start()
        self.replay()  # what a crash or power cut left behind

    def on_database_state(self, ok: bool, _words: str) -> None:
        if ok:
            self.replay()

    def replay(self) -> None:
        if self._busy:
            return
        self._busy = True
        self.tasks.submit(self.writer.replay, self._replayed, self._failed)

    def _replayed(self, result: Replayed) -> None:
        self._busy = False
        status = self.window.status
        status.show_journal(result.waiting)
        if result.landed:
            self.window.statusBar().showMessage(
                f"{result.landed} action(s) kept while the database was unreachable are now in the record", 15_000
            )
            self.landed.emit()
        for words in result.conflicts:
            log.warning("journal conflict: %s", words)
            self.window.board.show_message(f"Conflict after the outage: {words}", problem=True)
        if result.conflicts:
            self.landed.emit()

    def _failed(self, error: BaseException) -> None:
        self._busy = False
        log.error("journal replay failed: %s", error)
        self.window.status.show_journal(self.writer.waiting, f"replay failed: {error}")
