"""Locking the console: on demand (the lock key) and after the configured idle time without a
key press or mouse use anywhere in the application. Locking shows at once; the record entries
for lock and unlock and the password check run in a worker."""

from __future__ import annotations

import logging

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication

from console.auth import LoginError
from console.services import Services
from console.tasks import Tasks
from console.types import ActionResult, Actor
from widgets.main_window import MainWindow

log = logging.getLogger("sentinel.lock")
ACTIVITY = frozenset({
    QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress, QEvent.Type.MouseMove, QEvent.Type.Wheel,
})  # fmt: skip


class LockFlow(QObject):
    def __init__(self, window: MainWindow, services: Services, tasks: Tasks, actor: Actor, idle_seconds: int) -> None:
        super().__init__(window)
        self.window, self.services, self.tasks, self.actor = window, services, tasks, actor
        self.needs_password = services.auth.state(actor.login).has_password  # the demo controller has none
        self.idle = QTimer(self)
        self.idle.setSingleShot(True)
        self.idle_seconds = idle_seconds
        self.idle.timeout.connect(lambda: self.lock(f"no key or mouse for {self._idle_words()}"))
        window.lock_key.connect(lambda: self.lock("on demand"))
        window.lock_bar.unlock_requested.connect(self._unlock)
        app = QApplication.instance()
        if idle_seconds > 0 and app is not None:
            app.installEventFilter(self)
            self.idle.start(idle_seconds * 1000)

    def _idle_words(self) -> str:
        minutes, seconds = divmod(self.idle_seconds, 60)
        return f"{minutes} minute(s)" if not seconds else f"{self.idle_seconds} seconds"

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in ACTIVITY and not self.window.locked:
            self.idle.start()  # restart the countdown
        return False

    def lock(self, why: str) -> None:
        if self.window.locked:
            return
        how = "Type your password to unlock." if self.needs_password else "Demo mode: press Unlock."
        self.window.set_locked(
            True, f"Console locked ({why}) by {self.actor.display_name}. The wall and the board stay live. {how}",
            self.needs_password,
        )  # fmt: skip
        s, actor = self.services, self.actor
        self.tasks.submit(lambda: s.auth.lock(actor, why), lambda _: None, self._entry_failed)

    def _unlock(self, password: str) -> None:
        s, actor = self.services, self.actor

        def check() -> ActionResult:
            if not self.needs_password:
                return s.auth.unlock_without_password(actor)
            return s.auth.unlock(actor, password)

        def refused(error: BaseException) -> None:
            if isinstance(error, LoginError):
                self.window.lock_bar.refused(str(error))
            else:
                log.error("unlock: %s", error)
                self.window.lock_bar.refused(f"Could not check the password ({error})")

        self.tasks.submit(check, self._unlocked, refused)

    def _unlocked(self, _result: ActionResult) -> None:
        self.window.set_locked(False)
        if self.idle_seconds > 0:
            self.idle.start()

    def _entry_failed(self, error: BaseException) -> None:
        log.error("the lock could not be recorded: %s", error)
        self.window.statusBar().showMessage(f"The lock could not be recorded ({error})", 15_000)
