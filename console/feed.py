"""Keeps the UI current with the database: polls for new record entries and unit states in a
worker (never on the GUI thread) and reports the database's state in words."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal
from sqlalchemy.exc import SQLAlchemyError

from console.services import Services
from console.tasks import Tasks


class RecordFeed(QObject):
    entries_arrived = Signal(list)  # list[EntryView], newest first
    units_changed = Signal(list)  # list[UnitView]
    database_state = Signal(bool, str)

    def __init__(
        self,
        services: Services,
        tasks: Tasks,
        operation_id: int,
        interval_ms: int = 1000,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._services = services
        self._tasks = tasks
        self._operation_id = operation_id
        self._after = 0
        self._busy = False
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.poll)
        self._engine = "PostgreSQL" if services.db.dialect == "postgresql" else "SQLite"

    def start(self) -> None:
        self.poll()
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()

    def poll(self) -> None:
        if self._busy:
            return  # one query in flight at most: nothing piles up if the database is slow
        self._busy = True
        after = self._after
        services, op = self._services, self._operation_id

        def fetch() -> tuple[list[Any], list[Any]]:
            entries = services.record.since(after, 500) if after else services.record.latest(500)
            return entries, services.operations.units(op)

        self._tasks.submit(fetch, self._on_fetched, self._on_failed)

    def _on_fetched(self, result: tuple[list[Any], list[Any]]) -> None:
        self._busy = False
        entries, units = result
        if entries:
            self._after = max(self._after, *(e.seq for e in entries))
            self.entries_arrived.emit(entries)
        self.units_changed.emit(units)
        self.database_state.emit(True, f"{self._engine} connected")

    def _on_failed(self, error: BaseException) -> None:
        self._busy = False
        if isinstance(error, SQLAlchemyError):
            self.database_state.emit(False, f"{self._engine} unreachable, retrying")
        else:
            self.database_state.emit(False, f"error reading the record: {error}")
