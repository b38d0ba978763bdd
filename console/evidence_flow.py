"""Evidence at the console: the export key opens the export dialog around the selected
sighting (or the selected camera, now), runs the export in a worker with progress and cancel,
and tells the controller where the package is and what it holds."""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta

from PySide6.QtCore import QObject, Signal

from console.access import PermissionDenied
from console.exhibit_package import ExportError
from console.export import ExportResult
from console.export_job import ExportRequest
from console.footage_flow import AtConsole, FootageFlow
from video.export import ExportCancelled, ExportMediaError
from widgets.export_dialog import ExportChoice, ExportDialog

log = logging.getLogger("sentinel.evidence")


class _Progress(QObject):
    changed = Signal(float, str)  # emitted from the worker, delivered on the GUI thread


class EvidenceFlow(FootageFlow):
    exported = Signal(object)  # ExportResult

    def __init__(self, at: AtConsole) -> None:
        super().__init__(at)
        self.dialog: ExportDialog | None = None
        self._cancel = threading.Event()
        self._progress = _Progress()
        self.window.export_key.connect(self.open)

    def open(self) -> None:
        self.around_selection("evidence.export", timedelta(0), self._show_dialog)

    def _show_dialog(self, around: datetime, chosen: list[str], from_tag: bool) -> None:
        dialog = self.dialog = ExportDialog(
            [(c.key, c.name) for c in self.cameras],
            chosen,
            around,
            self.tz,
            self.services.settings.data_dir / "exports",
            from_tag,
            self.window,
        )
        dialog.export_requested.connect(self._run)
        dialog.cancel_requested.connect(self._cancel.set)
        self._progress.changed.connect(dialog.show_progress)
        dialog.finished.connect(lambda _code: self._progress.changed.disconnect(dialog.show_progress))
        dialog.show()

    def _run(self, choice: ExportChoice) -> None:
        self._cancel.clear()
        request = ExportRequest(
            choice.camera_keys, choice.start, choice.end, choice.exhibit_reference, choice.reason, choice.out_dir
        )
        progress, cancel = self._progress, self._cancel

        def work() -> ExportResult:
            return self.services.exports.export(self.actor, request, progress.changed.emit, cancel.is_set)

        self.tasks.submit(work, self._done, self._failed)

    def _done(self, result: ExportResult) -> None:
        gaps = "".join(
            f"\nGap in {camera}: no footage from {a.astimezone(self.tz):%H:%M:%S} to {b.astimezone(self.tz):%H:%M:%S}"
            for camera, a, b in result.gaps
        )
        words = (
            f"Exported to {result.folder}\n{result.files} files; manifest SHA-256 {result.manifest_sha256} "
            f"(record entry {result.record.seq}). The footage is held as evidence until a supervisor releases it."
            f"{gaps}"
        )
        if self.dialog is not None:
            self.dialog.show_finished(words, ok=True)
        self.exported.emit(result)

    def _failed(self, error: BaseException) -> None:
        if isinstance(error, ExportCancelled):
            words = "Export cancelled: nothing was kept and nothing was recorded."
        elif isinstance(error, ExportError | ExportMediaError | PermissionDenied | OSError):
            words = f"Export not made: {error}"
        else:
            log.error("export failed", exc_info=error)
            words = f"Export failed unexpectedly: {error}. Nothing was recorded; details are in the console log."
        if self.dialog is not None:
            self.dialog.show_finished(words, ok=False)
