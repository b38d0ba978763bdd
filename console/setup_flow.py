"""The "Operation set-up" window at the console: administrators open it (Ctrl+Shift+O, or on
the first run of a database with no operation); every save, retirement, import, export and
connection test runs in a worker and answers the tab that asked."""

from __future__ import annotations

import itertools
import logging
import tempfile
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEventLoop, QObject, Signal
from PySide6.QtWidgets import QMessageBox

from console.access import PermissionDenied, can, require
from console.operation_checks import FieldProblems, split_credentials, url_problem
from console.operation_file import OperationFileError, parse_operation, render_operation
from console.operation_spec import CAMERA_KINDS, CATEGORY_KINDS, ROLES, UNIT_KINDS
from console.services import Services
from console.setup import SetupError
from console.tasks import Tasks
from console.types import Actor, OperationView, SetupDone, SetupState
from video.demo_clips import demo_clip
from video.probe import ProbeResult, probe
from video.sources import StreamSpec, redact
from widgets.main_window import MainWindow
from widgets.setup.section import SectionTab
from widgets.setup.window import SetupWindow

log = logging.getLogger(__name__)
CHOICES = {"camera_kinds": CAMERA_KINDS, "unit_kinds": UNIT_KINDS, "category_kinds": CATEGORY_KINDS, "roles": ROLES}
# Stands in for the operation in the login dialog's title while the database holds none.
NEW_OPERATION = OperationView(id=0, name="new operation", title="New operation", start_date=date.today(),
                              timezone="Europe/London")  # fmt: skip
REFUSALS = (FieldProblems, SetupError, PermissionDenied, OperationFileError, ValueError, OSError)


class SetupFlow(QObject):
    operation_created = Signal(str)  # the new operation's name

    def __init__(
        self,
        window: MainWindow | None,
        services: Services,
        tasks: Tasks,
        actor: Actor,
        operation: str | None,
        default_name: str = "",
    ) -> None:
        super().__init__(window)
        self.services, self.tasks, self.actor = services, tasks, actor
        self.name = operation or None
        self.default_name = default_name
        self.operation_id: int | None = None
        self.window: SetupWindow | None = None
        self._probes = tempfile.TemporaryDirectory(prefix="sentinel-probe-")
        self._probe_count = itertools.count(1)
        self.allowed = can(actor, "operation.setup")
        if window is not None:
            window.setup_key.connect(self.open)
            window.actions_by_name["setup"].setEnabled(self.allowed)

    # --- the window -----------------------------------------------------------------------------------
    def open(self) -> None:
        if not self.allowed:
            return
        if self.window is None:
            win = self.window = SetupWindow(CHOICES)
            win.save_requested.connect(self._on_save)
            win.remove_requested.connect(self._on_remove)
            win.active_requested.connect(self._on_active)
            win.test_requested.connect(self._on_test)
            win.operation.create_requested.connect(self._on_create)
            win.operation.change_requested.connect(self._on_change)
            win.operation.import_requested.connect(self._on_import)
            win.operation.export_requested.connect(self._on_export)
        self.window.show()
        self.window.raise_()
        self.window.activateWindow()
        self.load()

    def load(self) -> None:
        s, name = self.services, self.name
        self.tasks.submit(lambda: s.setup.state(name), self._shown, lambda e: log.error("set-up not read: %s", e))

    def _shown(self, state: SetupState) -> None:
        self.operation_id = state.operation_id
        if state.operation:
            self.name = str(state.operation["name"])
        if self.window is not None:
            self.window.show_state(state, self.default_name)

    def close(self) -> None:
        if self.window is not None:
            self.window.close()
        self._probes.cleanup()

    # --- items ---------------------------------------------------------------------------------------
    def _on_save(self, section: str, row_id: int, values: dict[str, Any]) -> None:
        s, actor, op = self.services, self.actor, self.operation_id
        self._write(section, lambda: s.setup.save(actor, op or 0, section, row_id or None, values))

    def _on_remove(self, section: str, row_id: int) -> None:
        s, actor, op = self.services, self.actor, self.operation_id
        self._write(section, lambda: s.setup.remove(actor, op or 0, section, row_id))

    def _on_active(self, section: str, row_id: int, active: bool) -> None:
        s, actor, op = self.services, self.actor, self.operation_id
        self._write(section, lambda: s.setup.set_active(actor, op or 0, section, row_id, active))

    def _write(self, section: str, change: Callable[[], SetupDone]) -> None:
        assert self.window is not None
        tab = self.window.tab_for(section)

        def done(result: SetupDone) -> None:
            if section == "masks" and self.window is not None:
                mask_id = 0 if result.kind.endswith("deleted") else int(result.ref_id)
                self.window.cameras.mask_saved(result.words, mask_id)
            else:
                tab.saved(result.words)
            self.load()

        def failed(error: BaseException) -> None:
            if section == "masks" and self.window is not None:
                self.window.cameras.mask_refused(_words(error))
            else:
                _refuse(tab, error)

        self.tasks.submit(change, done, failed)

    # --- the operation ---------------------------------------------------------------------------------
    def _on_create(self, values: dict[str, Any]) -> None:
        s, actor = self.services, self.actor

        def done(result: SetupDone) -> None:
            self.name = str(values.get("name", ""))
            self._operation_saved(result.words)
            self.operation_created.emit(self.name)

        self.tasks.submit(lambda: s.setup.create_operation(actor, values), done, self._operation_refused)

    def _on_change(self, values: dict[str, Any]) -> None:
        s, actor, op = self.services, self.actor, self.operation_id
        self.tasks.submit(
            lambda: s.setup.change_operation(actor, op or 0, values),
            lambda result: self._operation_saved(result.words),
            self._operation_refused,
        )

    def _on_import(self, path: str) -> None:
        s, actor, existed = self.services, self.actor, self.operation_id is not None

        def run() -> tuple[str, str]:
            spec = parse_operation(Path(path).read_text(encoding="utf-8"))
            result = s.operations.import_spec(actor, spec)
            return spec.name, f"Imported {Path(path).name} (record entry {result.seq})"

        def done(found: tuple[str, str]) -> None:
            self.name = found[0]
            self._operation_saved(found[1])
            if not existed:
                self.operation_created.emit(self.name)

        self.tasks.submit(run, done, self._operation_refused)

    def _on_export(self, path: str) -> None:
        s, actor, name = self.services, self.actor, self.name or ""

        def run() -> str:
            require(actor, "operation.export")
            Path(path).write_text(render_operation(s.operations.export_spec(name)), encoding="utf-8")
            return f"Exported to {path} (usernames only: passwords never leave the database)"

        self.tasks.submit(run, self._operation_saved, self._operation_refused)

    def _operation_saved(self, words: str) -> None:
        if self.window is not None:
            self.window.operation.saved(words)
        self.load()

    def _operation_refused(self, error: BaseException) -> None:
        if self.window is None:
            return
        if isinstance(error, OperationFileError):
            self.window.operation.refused("Nothing was imported: the file has problems", lines=error.problems)
        elif isinstance(error, FieldProblems):
            self.window.operation.refused("Not saved: see the words under the fields", error.problems)
        elif isinstance(error, REFUSALS):
            self.window.operation.refused(f"Not done: {error}")
        else:
            raise error

    # --- test connection ---------------------------------------------------------------------------------
    def _on_test(self, camera_id: int, values: dict[str, Any]) -> None:
        s, actor, op = self.services, self.actor, self.operation_id
        stored_key = next(
            (str(r.values["key"]) for r in (self.window.state.sections["cameras"] if self.window and self.window.state
                                              else ()) if r.id == camera_id),
            "",
        )  # fmt: skip
        folder = Path(self._probes.name) / f"probe-{next(self._probe_count)}"
        secrets: list[str] = [str(values.get("password") or "")]

        def run() -> ProbeResult:
            require(actor, "camera.test")
            kind = str(values.get("kind", ""))
            clean, user, password = split_credentials(str(values.get("main_url", "")))
            if password:
                secrets.append(password)
            if kind == "demo":
                # A demo camera plays the console's own clip: its picture is the masks' canvas.
                clip = demo_clip(s.settings.demo_clip_dir, str(values.get("key", "")))
                if not clip.main.is_file():
                    return ProbeResult(False, "This demo camera's clip is made when the console first shows it")
                return probe(StreamSpec("file", str(clip.main)), folder)
            if not clean:
                return ProbeResult(False, "Type the stream's URL first")
            why = url_problem(kind, clean)
            if why:
                return ProbeResult(False, why)
            user = str(values.get("username") or user or "")
            password = str(values.get("password") or password or "")
            if not password and stored_key and op is not None:
                user_stored, password = s.operations.camera_credentials(op).get(stored_key, ("", ""))
                user = user or user_stored
                secrets.append(password)
            if kind == "file" and clean.startswith("file:"):
                clean = clean.removeprefix("file://")
            return probe(StreamSpec(kind, clean, user, password), folder)

        def done(result: ProbeResult) -> None:
            if self.window is not None:
                self.window.cameras.show_probe(result.ok, redact(result.words, secrets), result.frame_path)

        def failed(error: BaseException) -> None:
            if self.window is not None:
                self.window.cameras.show_probe(False, redact(f"Not tested: {error}", secrets))

        self.tasks.submit(run, done, failed)


def _words(error: BaseException) -> str:
    if isinstance(error, FieldProblems):
        return "Not saved: " + "; ".join(f"{k}: {v}" if k else v for k, v in error.problems.items())
    if isinstance(error, REFUSALS):
        return f"Not done: {error}"
    raise error


def _refuse(tab: SectionTab, error: BaseException) -> None:
    if isinstance(error, FieldProblems):
        tab.refused("Not saved", error.problems)
    else:
        tab.refused(_words(error))


def set_up_first_operation(
    services: Services, tasks: Tasks, log_in: Callable[[OperationView], Actor | None], default_name: str = ""
) -> Actor | None:
    """First run of a database with no operation: the administrator logs in (created first if
    need be) and creates or imports the operation in the set-up window; then the console goes on
    with that administrator. None if nobody did (or someone other than an administrator came)."""
    actor = log_in(NEW_OPERATION)
    if actor is None:
        return None
    if not can(actor, "operation.setup"):
        QMessageBox.information(
            None,
            "Sentinel Console",
            "This database holds no operation yet: an administrator logs in first and sets it up.",
        )
        services.auth.logout(actor)
        return None
    flow = SetupFlow(None, services, tasks, actor, None, default_name)
    loop = QEventLoop()
    flow.open()
    assert flow.window is not None
    flow.window.closed.connect(loop.quit)
    loop.exec()
    flow.close()
    tasks.wait(15_000)
    if not services.operations.names():
        services.auth.logout(actor)
        return None
    return actor
