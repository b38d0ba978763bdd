"""Run blocking work (database, files) off the GUI thread and hear back through Qt signals."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

log = logging.getLogger(__name__)


class _Signals(QObject):
    done = Signal(object)
    failed = Signal(object)


class _Job(QRunnable):
    def __init__(self, fn: Callable[[], Any], signals: _Signals) -> None:
        super().__init__()
        self.setAutoDelete(True)
        self._fn = fn
        self._signals = signals

    def run(self) -> None:
        try:
            result = self._fn()
        except Exception as exc:  # noqa: BLE001 - handed to the caller's error slot, never dropped
            self._signals.failed.emit(exc)
        else:
            self._signals.done.emit(result)


class Tasks(QObject):
    """A small pool of worker threads. Results arrive on the GUI thread in `on_done`/`on_error`."""

    def __init__(self, max_threads: int = 4, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(max_threads)
        self._pending: set[_Signals] = set()

    def submit(
        self,
        fn: Callable[[], Any],
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
    ) -> None:
        signals = _Signals()  # created on the GUI thread, so its slots run there
        self._pending.add(signals)

        def finished(result: Any, ok: bool) -> None:
            self._pending.discard(signals)
            if ok and on_done is not None:
                on_done(result)
            elif not ok:
                if on_error is None:
                    log.error("background task failed", exc_info=result)
                else:
                    on_error(result)

        signals.done.connect(lambda r: finished(r, True))
        signals.failed.connect(lambda e: finished(e, False))
        self.pool.start(_Job(fn, signals))

    @property
    def pending(self) -> int:
        return len(self._pending)

    def wait(self, timeout_ms: int = 10_000) -> bool:
        return self.pool.waitForDone(timeout_ms)
