"""Status bar: operator, operation, tier, database state and the clock, always in words."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QLabel, QStatusBar, QWidget


class ConsoleStatusBar(QStatusBar):
    def __init__(
        self, clock: Callable[[], datetime] = lambda: datetime.now().astimezone(), parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._clock = clock
        self.operator = QLabel()
        self.operation = QLabel()
        self.tier = QLabel()
        self.database = QLabel()
        self.database.setObjectName("databaseState")
        self.recording = QLabel()
        self.recording.setObjectName("databaseState")  # styled as a fault while it shows
        self.recording.setProperty("state", "fault")
        self.recording.hide()
        self.journal = QLabel()
        self.journal.setObjectName("databaseState")
        self.journal.setProperty("state", "fault")
        self.journal.hide()
        self.time = QLabel()
        self.time.setObjectName("clock")
        for label in (self.operator, self.operation, self.tier, self.database, self.recording, self.journal):
            self.addWidget(label)
        self.addPermanentWidget(self.time)
        self._timer = QTimer(self)
        self._timer.setInterval(500)
        self._timer.timeout.connect(self._tick)
        self._timer.start()
        self._tick()

    def show_context(self, operator: str, operation: str, tier: str) -> None:
        self.operator.setText(f"Operator: {operator}")
        self.operation.setText(f"Operation: {operation}")
        self.tier.setText(tier)

    def show_database(self, ok: bool, words: str) -> None:
        self.database.setText(("Database: " if ok else "⚠ Database: ") + words)
        self.database.setProperty("state", "ok" if ok else "fault")
        self.database.style().unpolish(self.database)
        self.database.style().polish(self.database)

    def show_journal(self, waiting: int, problem: str = "") -> None:
        """Actions kept in the local journal while the database is unreachable; none hides it."""
        words = f"⚠ {waiting} action(s) waiting in the journal" + (f" ({problem})" if problem else "")
        self.journal.setText(words if waiting else "")
        self.journal.setVisible(bool(waiting))

    def show_recording_warning(self, words: str) -> None:
        """A recording problem (disk nearly full, recorder restarting); empty hides it."""
        if words == self.recording.text() and self.recording.isVisible() == bool(words):
            return
        self.recording.setText(f"⚠ {words}" if words else "")
        self.recording.setVisible(bool(words))

    def _tick(self) -> None:
        now = self._clock()
        text = now.strftime("%a %d %b  %H:%M:%S %Z")
        if text != self.time.text():
            self.time.setText(text)
