"""Keeps the UI current with the database: fetches new record entries and unit states in a
worker (never on the GUI thread) and reports the database's state in words.

On SQLite (one console) it polls every second. On PostgreSQL every append also notifies a
channel; a ChangeListener hears it on its own connection through a QSocketNotifier (no thread,
no polling) and the feed fetches at once, so consoles see each other's changes within a
fraction of a second. The slower poll stays as a safety net.
"""

from __future__ import annotations

import logging
from typing import Any

import psycopg
from PySide6.QtCore import QObject, QSocketNotifier, QTimer, Signal
from sqlalchemy.engine import URL
from sqlalchemy.exc import SQLAlchemyError

from console.record import CHANGE_CHANNEL
from console.services import Services
from console.tasks import Tasks

log = logging.getLogger(__name__)

LISTEN_RETRY_S = (1.0, 2.0, 5.0, 10.0)
CONNECT_TIMEOUT_S = 5


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
        self._again = False
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
            self._again = True  # one query in flight at most; fetch once more when it is back
            return
        self._busy, self._again = True, False
        after = self._after
        services, op = self._services, self._operation_id

        def fetch() -> tuple[list[Any], list[Any]]:
            entries = services.record.since(after, 500) if after else services.record.latest(500)
            return entries, services.operations.units(op)

        self._tasks.submit(fetch, self._on_fetched, self._on_failed)

    @property
    def interval_ms(self) -> int:
        return self._timer.interval()

    def set_interval(self, interval_ms: int) -> None:
        self._timer.setInterval(interval_ms)

    def _on_fetched(self, result: tuple[list[Any], list[Any]]) -> None:
        self._busy = False
        entries, units = result
        if entries:
            self._after = max(self._after, *(e.seq for e in entries))
            self.entries_arrived.emit(entries)
        self.units_changed.emit(units)
        self.database_state.emit(True, f"{self._engine} connected")
        if self._again or len(entries) >= 500:
            self.poll()

    def _on_failed(self, error: BaseException) -> None:
        self._busy = False
        self._again = False
        if isinstance(error, SQLAlchemyError):
            self.database_state.emit(False, f"{self._engine} unreachable, retrying")
        else:
            self.database_state.emit(False, f"error reading the record: {error}")


class ChangeListener(QObject):
    """LISTEN on the record's PostgreSQL channel; `changed` fires when another console (or this
    one) commits record entries. Connects in a worker; reconnects by itself when the server goes
    away, and fires `changed` on reconnecting so nothing missed meanwhile stays missed."""

    changed = Signal()
    listening = Signal(bool)

    def __init__(self, url: URL, tasks: Tasks, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._conninfo = url.set(drivername="postgresql").render_as_string(hide_password=False)
        self._tasks = tasks
        self._conn: psycopg.Connection[Any] | None = None
        self._notifier: QSocketNotifier | None = None
        self._failures = 0
        self._stopped = True
        self._retry = QTimer(self)
        self._retry.setSingleShot(True)
        self._retry.timeout.connect(self._connect)

    @property
    def is_listening(self) -> bool:
        return self._notifier is not None

    def start(self) -> None:
        self._stopped = False
        self._connect()

    def stop(self) -> None:
        self._stopped = True
        self._retry.stop()
        self._drop()

    def _connect(self) -> None:
        conninfo = self._conninfo

        def connect() -> psycopg.Connection[Any]:
            conn = psycopg.connect(conninfo, autocommit=True, connect_timeout=CONNECT_TIMEOUT_S)
            try:
                conn.execute(f"LISTEN {CHANGE_CHANNEL}")
            except psycopg.Error:
                conn.close()
                raise
            return conn

        self._tasks.submit(connect, self._on_connected, self._on_connect_failed)

    def _on_connected(self, conn: psycopg.Connection[Any]) -> None:
        if self._stopped:
            conn.close()
            return
        self._conn, self._failures = conn, 0
        self._notifier = QSocketNotifier(conn.fileno(), QSocketNotifier.Type.Read, self)
        self._notifier.activated.connect(self._on_readable)
        self.listening.emit(True)
        self.changed.emit()  # catch up with anything committed while we were not listening

    def _on_connect_failed(self, error: BaseException) -> None:
        delay = LISTEN_RETRY_S[min(self._failures, len(LISTEN_RETRY_S) - 1)]
        self._failures += 1
        log.warning("change feed: cannot listen (%s); retrying in %g s", str(error).strip(), delay)
        if not self._stopped:
            self._retry.start(int(delay * 1000))

    def _on_readable(self) -> None:
        conn = self._conn
        if conn is None:
            return
        heard = False
        try:
            conn.pgconn.consume_input()  # non-blocking: only reads what the socket holds
            while conn.pgconn.notifies() is not None:
                heard = True
        except psycopg.Error as exc:
            self._lose(exc)
            return
        if conn.pgconn.status != psycopg.pq.ConnStatus.OK:
            self._lose(RuntimeError("connection closed by the server"))
            return
        if heard:
            self.changed.emit()

    def _lose(self, error: BaseException) -> None:
        log.warning("change feed: lost the listening connection (%s)", str(error).strip())
        self._drop()
        self.listening.emit(False)
        if not self._stopped:
            self._on_connect_failed(error)

    def _drop(self) -> None:
        if self._notifier is not None:
            self._notifier.setEnabled(False)
            self._notifier.deleteLater()
            self._notifier = None
        if self._conn is not None:
            self._conn.close()
            self._conn = None


SAFETY_POLL_MS = 5000  # while the listener is live; the feed's own interval otherwise


def listen_for_changes(services: Services, tasks: Tasks, feed: RecordFeed) -> ChangeListener | None:
    """On PostgreSQL, a listener that makes `feed` fetch as soon as anyone commits; None on
    SQLite, where one console owns the database and the feed's poll is enough."""
    if services.db.dialect != "postgresql":
        return None
    listener = ChangeListener(services.db.engine.url, tasks, feed)
    own_interval = feed.interval_ms
    listener.changed.connect(feed.poll)
    listener.listening.connect(lambda on: feed.set_interval(SAFETY_POLL_MS if on else own_interval))
    listener.start()
    return listener
