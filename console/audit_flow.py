"""The audit trail dock at the console: shown only to roles that may read it; the filters are
applied in a worker, and again when the record changes (at most every few seconds)."""

from __future__ import annotations

from datetime import timedelta

from PySide6.QtCore import QObject, QTimer

from console.access import can
from console.audit import ALL_GROUPS, AUDIT_GROUPS, AuditFilter, audit_entries
from console.record import utc_now
from console.services import Services
from console.tasks import Tasks
from console.types import Actor, EntryView
from widgets.main_window import MainWindow

LIMIT = 1000
REREAD_AFTER_MS = 3000


class AuditFlow(QObject):
    def __init__(self, window: MainWindow, services: Services, tasks: Tasks, actor: Actor) -> None:
        super().__init__(window)
        self.window, self.services, self.tasks, self.actor = window, services, tasks, actor
        self.allowed = can(actor, "audit.read")
        self.where = AuditFilter(since=utc_now() - timedelta(days=7))
        self._days = 7
        self._reread = QTimer(self)
        self._reread.setSingleShot(True)
        self._reread.setInterval(REREAD_AFTER_MS)
        self._reread.timeout.connect(self.load)
        window.audit.set_groups([ALL_GROUPS, *AUDIT_GROUPS])
        window.audit.filter_changed.connect(self._filtered)
        window.set_audit_allowed(self.allowed)
        if self.allowed:
            self.load()

    def _filtered(self, group: str, operator: str, days: int, text: str) -> None:
        self._days = days
        self.where = AuditFilter(group or ALL_GROUPS, operator, None, None, text)
        self.load()

    def on_entries(self, _entries: list[EntryView]) -> None:
        if self.allowed and not self._reread.isActive():
            self._reread.start()

    def load(self) -> None:
        if not self.allowed:
            return
        s, actor, days = self.services, self.actor, self._days
        where = AuditFilter(
            self.where.group, self.where.operator, utc_now() - timedelta(days=days) if days else None, None,
            self.where.text,
        )  # fmt: skip
        self.tasks.submit(
            lambda: audit_entries(s.record, actor, where, LIMIT),
            lambda entries: self.window.audit.show_entries(entries, LIMIT),
            lambda e: self.window.audit.show_message(f"The audit trail could not be read: {e}"),
        )
