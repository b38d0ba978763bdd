"""Composition root of the GUI: builds, in order, logging, settings, the database and services,
the demo cameras, the main window; and shuts them down in reverse through one path."""

from __future__ import annotations

import functools
import json
import logging
import logging.handlers
import os
import signal
import sys
import traceback
from datetime import date
from importlib import resources
from types import TracebackType
from typing import Any

from PySide6.QtCore import QEventLoop, QObject, QSettings, QTimer, Signal
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox, QProgressDialog

from console.access import can
from console.audit_flow import AuditFlow
from console.camera_watch import CameraWatch, record_camera_event
from console.cameras import build_supervisor, prepare_demo_clips
from console.community_flow import CommunityFlow
from console.demo import DEMO_CONTROLLER, ensure_demo_operation
from console.dispatching import DispatchFlow
from console.evidence_flow import EvidenceFlow
from console.feed import ChangeListener, RecordFeed, listen_for_changes
from console.footage_flow import AtConsole
from console.journal import JOURNALED_WORDS
from console.journal_flow import JournalFlow
from console.letters_flow import LettersFlow
from console.lock_flow import LockFlow
from console.mask_flow import MaskFlow
from console.partner_actions_flow import PartnerActionsFlow
from console.playback_flow import PlaybackFlow
from console.record import utc_now
from console.recording import RecordingService
from console.returns_flow import ReturnsFlow
from console.services import Services, build_services
from console.settings import Settings
from console.setup_flow import SetupFlow, set_up_first_operation
from console.shift import Handover
from console.strikes_flow import StrikesFlow
from console.subject_access_flow import RetentionJob, SubjectAccessFlow
from console.tagging import RegistersFlow, SightingsFlow, TagFlow
from console.tasks import Tasks
from console.types import ActionResult, Actor, OperationView, WallView
from storage.db import StorageError
from video.supervisor import CaptureSupervisor
from widgets.handover_dialog import HandoverDialog
from widgets.login_dialog import LoginDialog
from widgets.main_window import MainWindow
from widgets.start_shift_dialog import StartShiftDialog

log = logging.getLogger("sentinel")
ANCHOR_EVERY_MS = 60 * 60 * 1000
CAPTURE_POLL_MS = 250
CAMERA_WATCH_MS = 1000  # how often the feeds' health is compared for lost and restored entries
RECORDING_POLL_MS = 1000
NO_DISPLAY = (
    "No display found. Start the console on a virtual screen with:\n"
    "  xvfb-run -a -s '-screen 0 1920x1080x24' sentinel-console --demo"
)


def has_display() -> bool:
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY") or os.environ.get("QT_QPA_PLATFORM"))


def configure_logging(settings: Settings) -> None:
    folder = settings.data_dir / "logs"
    folder.mkdir(parents=True, exist_ok=True)
    handler = logging.handlers.RotatingFileHandler(folder / "console.log", maxBytes=5_000_000, backupCount=5)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.INFO)


def install_crash_handler() -> None:
    """Anything not translated into a controller's message ends here: logged and shown."""

    def handler(kind: type[BaseException], error: BaseException, tb: TracebackType | None) -> None:
        text = "".join(traceback.format_exception(kind, error, tb))
        log.critical("unexpected error\n%s", text)
        if QApplication.instance() is not None:
            QMessageBox.critical(
                None,
                "Sentinel Console: unexpected error",
                f"Something went wrong that the console did not expect.\n\n{error}\n\n"
                "The details are in the console log. Work already saved is safe.",
            )

    sys.excepthook = handler


def tier_words(op: OperationView, today: date) -> str:
    week = (today - op.start_date).days // 7 + 1
    tier = op.tier_on(today)
    if week < 1:
        return f"Starts {op.start_date:%d %b %Y}"
    return f"Tier {tier.number} · week {week}" if tier else f"Week {week}"


class _Progress(QObject):
    changed = Signal(int, int, str)


class ConsoleSession:
    """One controller's session at this console: window, feeds, shift and anchors."""

    def __init__(self, app: QApplication, services: Services) -> None:
        self.app = app
        self.services = services
        self.settings = services.settings
        self.tasks = Tasks()
        self.window: MainWindow | None = None
        self.supervisor: CaptureSupervisor | None = None
        self._camera_ids: dict[str, int] = {}
        self._views: dict[str, WallView] = {}
        self._capture_timer = QTimer()
        self._camera_timer = QTimer()
        self._camera_timer.setInterval(CAMERA_WATCH_MS)
        self._capture_timer.setInterval(CAPTURE_POLL_MS)
        self.record_feed: RecordFeed | None = None
        self.change_listener: ChangeListener | None = None
        self.handover_dialog: HandoverDialog | None = None
        self.tag_flow: TagFlow | None = None
        self.recording: RecordingService | None = None
        self.playback_flow: PlaybackFlow | None = None
        self.mask_flow: MaskFlow | None = None
        self.retention_job: RetentionJob | None = None
        self._recording_timer = QTimer()
        self._recording_timer.setInterval(RECORDING_POLL_MS)
        self.actor: Actor | None = None
        self.shift_id: int | None = None
        self._teams: list[str] = []
        self._units: list[str] | None = None  # None: all of the teams' units
        self._crews: dict[str, str | None] | None = None  # None: the roster's crews
        self._anchor_timer = QTimer()
        self._anchor_timer.setInterval(ANCHOR_EVERY_MS)
        self._anchor_timer.timeout.connect(lambda: self._anchor("hourly"))

    # --- start ---------------------------------------------------------------------------------
    def start(self) -> bool:
        s = self.services
        if self.settings.demo:
            ensure_demo_operation(s)
        first: Actor | None = None
        if not self.settings.demo and not s.operations.names():
            # First run: the administrator creates the operation (or imports a file) first.
            first = set_up_first_operation(s, self.tasks, self._log_in, self.settings.operation or "")
            if first is None:
                return False
        op = s.operations.view(self.settings.operation)
        actor = first or self._choose_operator(op)
        if actor is None:
            return False
        self.actor = actor
        cameras = s.operations.cameras(op.id)
        clips = self._prepare_demo_clips(cameras) if any(c.kind == "demo" for c in cameras) else {}
        self._camera_ids = {c.key: c.id for c in cameras}
        supervisor = self.supervisor = build_supervisor(cameras, clips, s.operations.camera_credentials(op.id))
        self._capture_timer.timeout.connect(supervisor.poll)
        self._watch_cameras(op.id, cameras)
        feeds = list(supervisor.feeds.values())
        title = f"Sentinel Console · {op.title or op.name} · {actor.display_name}"
        if self.settings.demo:
            title += " · DEMO MODE: demo controller logged in without a password"
        ui_state = QSettings(str(self.settings.ui_state_path), QSettings.Format.IniFormat)
        window = self.window = MainWindow(feeds, ui_state, title)
        window.status.show_context(
            f"{actor.display_name} ({actor.role})", op.title or op.name, tier_words(op, date.today())
        )
        window.status.show_database(True, "connecting")
        may_note = can(actor, "log.note")
        window.tag_panel.set_allowed(may_note, "" if may_note else f"A {actor.role} cannot write log notes.")
        window.tag_panel.note_requested.connect(lambda text, index: self._write_note(op.id, text, index))
        window.close_requested.connect(self._end_shift_then_close)
        self.journal_flow = JournalFlow(window, s, self.tasks, self.settings)
        self.tag_flow = TagFlow(window, s, self.tasks, actor, op.id, self.journal_flow.writer)
        self.sightings_flow = SightingsFlow(window, s, self.tasks, actor, op.id)
        self.registers_flow = RegistersFlow(window, s, self.tasks, actor, op.id)
        self.dispatch_flow = DispatchFlow(window, s, self.tasks, actor, op.id, self.journal_flow.writer)
        at = AtConsole(window, s, self.tasks, actor, op.id, op.timezone, cameras)
        self.evidence_flow = EvidenceFlow(at)
        self.playback_flow = PlaybackFlow(at)
        self.returns_flow = ReturnsFlow(window, s, self.tasks, op.name, op.timezone)
        self.community_flow = CommunityFlow(window, s, self.tasks, actor, op.id, op.timezone)
        self.lock_flow = LockFlow(window, s, self.tasks, actor, self.settings.idle_lock_seconds)
        self.audit_flow = AuditFlow(window, s, self.tasks, actor)
        self.setup_flow = SetupFlow(window, s, self.tasks, actor, op.name)
        self.subject_access_flow = SubjectAccessFlow(window, s, self.tasks, actor, op.id)
        self.retention_job = RetentionJob(window, s, self.tasks, self.settings.console_id)
        self.partner_actions_flow = PartnerActionsFlow(window, s, self.tasks, actor, op.id)
        self.mask_flow = MaskFlow(window, s, self.tasks, actor, op.id, op.timezone, supervisor.feeds, cameras)
        self._start_recording(op, cameras, clips)
        window.board.welfare_minutes = op.welfare_check_minutes

        feed = self.record_feed = RecordFeed(s, self.tasks, op.id)
        self.tag_flow.saved.connect(lambda _: feed.poll())
        self.dispatch_flow.changed.connect(feed.poll)
        feed.entries_arrived.connect(self.sightings_flow.on_entries)
        feed.entries_arrived.connect(self.registers_flow.on_entries)
        feed.entries_arrived.connect(self.returns_flow.on_entries)
        feed.entries_arrived.connect(self.audit_flow.on_entries)
        feed.entries_arrived.connect(self.partner_actions_flow.on_entries)
        feed.entries_arrived.connect(self.mask_flow.on_entries)
        self.partner_actions_flow.changed.connect(feed.poll)
        feed.entries_arrived.connect(window.record_model.add_entries)
        feed.entries_arrived.connect(lambda _: self.dispatch_flow.load_history())
        # Warning letters and three strikes: docks read from the record, refreshed as it grows.
        self.letters_flow = LettersFlow(window, s, self.tasks, actor, op.id)
        self.strikes_flow = StrikesFlow(window, s, self.tasks, actor, op.id, op.timezone)
        for flow in (self.letters_flow, self.strikes_flow):
            feed.entries_arrived.connect(flow.on_entries)
            flow.changed.connect(feed.poll)
        feed.units_changed.connect(window.board.show_units)
        feed.database_state.connect(window.status.show_database)
        feed.database_state.connect(self.journal_flow.on_database_state)
        self.journal_flow.landed.connect(feed.poll)
        self.change_listener = listen_for_changes(s, self.tasks, feed)
        self._restore_wall(ui_state)
        window.wall.view_changed.connect(lambda: self._remember_wall(ui_state))
        window.wall_bar.save_requested.connect(self._save_view)
        window.wall_bar.view_chosen.connect(self._apply_view)
        window.wall_bar.save.setEnabled(can(actor, "view.save"))
        self._load_views()
        window.wall.start()
        supervisor.poll()
        self._capture_timer.start()
        feed.start()
        if can(actor, "shift.start"):
            self._start_shift(op, actor)
        if self.settings.demo:
            self.tasks.submit(lambda: s.auth.demo_login(actor), lambda _: None, lambda e: log.error("login: %s", e))
        self._anchor_timer.start()
        if window.first_start and (screen := self.app.primaryScreen()) is not None:
            window.first_layout(screen.availableGeometry())
        window.show()
        window.wall.setFocus()
        return True

    def _start_recording(self, op: OperationView, cameras: list[Any], clips: dict[str, Any]) -> None:
        """Record the cameras here unless this console is told not to (a recording machine does)."""
        if not self.settings.record_in_console or self.window is None:
            return
        s = self.services
        rec = self.recording = RecordingService(
            s.db,
            s.record,
            self.settings,
            op.id,
            op.segment_seconds,
            cameras,
            clips,
            s.operations.camera_credentials(op.id),
        )
        window = self.window

        def show() -> None:
            states = rec.states()
            window.wall.show_recording({k: (v.recording, v.words) for k, v in states.items()})
            disk = rec.disk
            full = sorted(k for k, v in states.items() if not v.recording and "disk full" in v.words)
            if full:  # an alarm, not a hint: tags and the record carry on, the footage does not
                window.status.show_recording_warning(
                    f"RECORDING STOPPED: recording disk full ({len(full)} camera(s)); free space or "
                    "set SENTINEL_RECORDING_LIMIT_GB"
                )
            elif disk is not None and disk.warning:
                window.status.show_recording_warning(disk.words)
            elif rec.last_problem:
                window.status.show_recording_warning(rec.last_problem)
            else:
                window.status.show_recording_warning("")

        self._recording_timer.timeout.connect(show)
        rec.start()
        self._recording_timer.start()

    def _watch_cameras(self, operation_id: int, cameras: list[Any]) -> None:
        """Cameras lost and restored go into the record (written in a worker)."""
        watch = CameraWatch({c.key: c.name for c in cameras})
        ids = {c.key: c.id for c in cameras}
        s, console = self.services, self.settings.console_id

        def look() -> None:
            if self.supervisor is None:
                return
            readings = {}
            for key, feed in self.supervisor.feeds.items():
                health = feed.health()
                readings[key] = (health.state, health.words)
            for event in watch.observe(readings, utc_now()):
                self.tasks.submit(
                    functools.partial(
                        record_camera_event, s.record, console, operation_id, ids.get(event.camera_key), event
                    ),
                    lambda _: None,
                    lambda e: log.error("camera event not recorded: %s", e),
                )

        self._camera_timer.timeout.connect(look)
        self._camera_timer.start()

    def _choose_operator(self, op: OperationView) -> Actor | None:
        s = self.services
        if self.settings.demo:
            self._teams = [op.teams[0][0]] if op.teams else []
            return s.operations.operator(DEMO_CONTROLLER, self.settings.console_id)
        actor = self._log_in(op)
        if actor is None or not can(actor, "shift.start"):
            return actor  # auditors and administrators work without a shift
        roster = s.shifts.roster(op.id)
        dialog = StartShiftDialog(
            op.title or op.name, [(actor.login, actor.display_name)], op.teams, roster.units, roster.officers
        )
        if dialog.exec() != StartShiftDialog.DialogCode.Accepted:
            s.auth.logout(actor)
            return None
        self._teams, self._units, self._crews = dialog.team_keys(), dialog.units(), dialog.crews()
        return actor

    def _log_in(self, op: OperationView) -> Actor | None:
        """The login dialog (first the administrator to create, on a new database); passwords are
        checked in a worker while the dialog stays responsive."""
        s, console = self.services, self.settings.console_id
        if s.auth.needs_first_administrator():
            first = LoginDialog(op.title or op.name, first_run=True)
            first.first_run_requested.connect(
                lambda login, name, password: self.tasks.submit(
                    lambda: s.auth.create_first_administrator(console, login, name, password),
                    lambda _: first.accept(),
                    lambda e: first.refused(str(e)),
                )
            )
            if first.exec() != LoginDialog.DialogCode.Accepted:
                return None
        dialog = LoginDialog(op.title or op.name, first_run=False)
        found: list[Actor] = []

        def logged_in(actor: Actor) -> None:
            found.append(actor)
            dialog.accept()

        dialog.login_requested.connect(
            lambda login, password: self.tasks.submit(
                lambda: s.auth.login(login, password, console), logged_in, lambda e: dialog.refused(str(e))
            )
        )
        if dialog.exec() != LoginDialog.DialogCode.Accepted or not found:
            return None
        return found[0]

    def _prepare_demo_clips(self, cameras: list[Any]) -> dict[str, Any]:
        """Encode demo clips in a worker (first run only) while a progress dialog shows why."""
        dialog = QProgressDialog("Preparing the demo cameras…", "", 0, 1)
        dialog.setWindowTitle("Sentinel Console")
        dialog.setCancelButton(None)
        dialog.setMinimumDuration(300)
        progress = _Progress()

        def on_progress(done: int, total: int, words: str) -> None:
            dialog.setMaximum(total)
            dialog.setValue(done)
            dialog.setLabelText(f"First start: {words}")

        progress.changed.connect(on_progress)
        loop = QEventLoop()
        outcome: dict[str, Any] = {}

        def done(clips: Any) -> None:
            outcome["clips"] = clips
            loop.quit()

        def failed(error: BaseException) -> None:
            outcome["error"] = error
            loop.quit()

        folder = self.settings.demo_clip_dir
        self.tasks.submit(lambda: prepare_demo_clips(folder, cameras, progress.changed.emit), done, failed)
        loop.exec()
        dialog.close()
        if "error" in outcome:
            log.error("demo cameras could not be prepared: %s", outcome["error"])
            QMessageBox.warning(None, "Demo cameras", f"The demo cameras could not be prepared:\n{outcome['error']}")
            return {}
        clips: dict[str, Any] = outcome["clips"]
        return clips

    # --- actions (in workers) --------------------------------------------------------------------
    def _start_shift(self, op: OperationView, actor: Actor) -> None:
        s = self.services

        def start() -> int:
            open_shift = s.shifts.open_shift(op.id, self.settings.console_id)
            if open_shift is None:
                open_shift = int(s.shifts.start(actor, op.id, self._teams, units=self._units, crews=self._crews).ref_id)
            s.anchor("shift start")
            return open_shift

        def started(shift_id: int) -> None:
            self.shift_id = shift_id

        self.tasks.submit(start, started, lambda e: self._show_problem("The shift could not be started", e))

    def _write_note(self, operation_id: int, text: str, camera_index: int) -> None:
        assert self.window is not None and self.actor is not None
        actor = self.actor
        tiles = self.window.wall.tiles
        tile_feed = tiles[camera_index].feed if 0 <= camera_index < len(tiles) else None
        camera_id = self._camera_ids.get(tile_feed.camera_id) if tile_feed is not None else None
        tag_panel = self.window.tag_panel

        writer = self.journal_flow.writer

        def write() -> ActionResult:
            return writer.note(actor, operation_id, text, camera_id=camera_id)

        def saved(result: ActionResult) -> None:
            if result.journaled:
                tag_panel.note_kept(JOURNALED_WORDS)
                return
            tag_panel.note_saved(result.seq)
            if self.record_feed:
                self.record_feed.poll()

        self.tasks.submit(write, saved, lambda e: tag_panel.note_failed(str(e)))

    # --- wall views ---------------------------------------------------------------------------------
    def _restore_wall(self, ui_state: QSettings) -> None:
        """The wall as this console last showed it (layout and cameras), if it still fits."""
        assert self.window is not None
        raw = ui_state.value("wall/view")
        if not isinstance(raw, str):
            return
        try:
            saved = json.loads(raw)
            self.window.wall.apply_view(saved["layout"], saved["tiles"])
        except (ValueError, KeyError, TypeError) as exc:
            log.warning("last wall view not restored: %s", exc)

    def _remember_wall(self, ui_state: QSettings) -> None:
        assert self.window is not None
        layout, tiles = self.window.wall.current_view()
        ui_state.setValue("wall/view", json.dumps({"layout": layout, "tiles": tiles}))

    def _load_views(self, current: str = "") -> None:
        actor, s = self.actor, self.services
        assert actor is not None

        def shown(views: list[WallView]) -> None:
            self._views = {v.name: v for v in views}
            if self.window:
                self.window.wall_bar.set_views(list(self._views), current)

        self.tasks.submit(lambda: s.views.list(actor), shown, lambda e: self._show_problem("Saved views not read", e))

    def _save_view(self, name: str) -> None:
        assert self.window is not None and self.actor is not None
        actor, s, bar = self.actor, self.services, self.window.wall_bar
        layout, tiles = self.window.wall.current_view()
        view = WallView(name, layout, tuple(tiles))

        def saved(_: object) -> None:
            bar.say(f"View “{name}” saved.")
            self._load_views(current=name)

        self.tasks.submit(lambda: s.views.save(actor, view), saved, lambda e: bar.say(f"View not saved: {e}"))

    def _apply_view(self, name: str) -> None:
        assert self.window is not None
        view = self._views.get(name)
        if view is None:
            return
        missing = [c for c in view.tiles if c and c not in self.window.wall.feeds]
        self.window.wall.apply_view(view.layout, list(view.tiles))
        self.window.wall_bar.say(
            f"{len(missing)} camera(s) of this view are no longer in the operation." if missing else ""
        )
        self.window.wall.setFocus()

    def _end_shift_then_close(self) -> None:
        """Show the hand-over summary; ending the shift writes it to the record, then closes."""
        assert self.window is not None
        window, s, shift_id = self.window, self.services, self.shift_id
        if self.actor is None or shift_id is None or self.handover_dialog is not None:
            self._end_shift(None)
            return
        op_id = s.operations.view(self.settings.operation).id

        def shown(summary: Handover) -> None:
            dialog = self.handover_dialog = HandoverDialog(summary.words(), window)
            dialog.finished.connect(lambda code: self._on_handover(dialog, code))
            dialog.open()

        self.tasks.submit(lambda: s.shifts.handover(op_id, shift_id), shown, lambda e: self._end_shift(None, e))

    def _on_handover(self, dialog: HandoverDialog, code: int) -> None:
        self.handover_dialog = None
        dialog.deleteLater()
        if code == QDialog.DialogCode.Accepted:
            self._end_shift(self.shift_id)

    def _end_shift(self, shift_id: int | None, problem: BaseException | None = None) -> None:
        assert self.window is not None
        window, s, actor = self.window, self.services, self.actor
        if problem is not None:
            log.error("hand-over summary not read: %s", problem)
        self._anchor_timer.stop()

        def end() -> None:
            if actor is not None and shift_id is not None:
                op = s.operations.view(self.settings.operation)
                s.shifts.end(actor, op.id, shift_id)
            if actor is not None:
                s.auth.logout(actor)
            s.anchor("shift end")

        def failed(error: BaseException) -> None:
            log.error("shift could not be ended cleanly: %s", error)
            window.finish_close()

        self.tasks.submit(end, lambda _: window.finish_close(), failed)

    def _anchor(self, reason: str) -> None:
        self.tasks.submit(
            lambda: self.services.anchor(reason), on_error=lambda e: log.error("anchor (%s) not written: %s", reason, e)
        )

    def _show_problem(self, what: str, error: BaseException) -> None:
        log.error("%s: %s", what, error)
        if self.window:
            self.window.statusBar().showMessage(f"{what}: {error}", 15_000)

    # --- stop ----------------------------------------------------------------------------------------
    def shutdown(self) -> None:
        self._anchor_timer.stop()
        if self.retention_job is not None:
            self.retention_job.stop()
        self._camera_timer.stop()
        if self.change_listener:
            self.change_listener.stop()
        if self.record_feed:
            self.record_feed.stop()
        self._capture_timer.stop()
        self._recording_timer.stop()
        if self.playback_flow is not None:
            self.playback_flow.close()
        if self.mask_flow is not None:
            self.mask_flow.stop()
        if self.recording:
            self.recording.stop()
        if self.window:
            self.window.wall.stop()
        if self.supervisor:
            self.supervisor.close()
        self.tasks.wait(15_000)


def apply_style(app: QApplication) -> None:
    app.setStyleSheet(resources.files("resources").joinpath("console.qss").read_text(encoding="utf-8"))


def run_gui(settings: Settings) -> int:
    if not has_display():
        print(NO_DISPLAY, file=sys.stderr)
        return 2
    configure_logging(settings)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName("Sentinel Console")
    apply_style(app)
    install_crash_handler()
    try:
        services = build_services(settings)
    except StorageError as exc:
        QMessageBox.critical(None, "Sentinel Console", str(exc))
        print(f"sentinel-console: {exc}", file=sys.stderr)
        return 2
    session = ConsoleSession(app, services)
    try:
        if not session.start():
            return 0
        # SIGTERM / Ctrl-C close the window the normal way, so the shift ends and is anchored.
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: session.window.close() if session.window else app.quit())
        return app.exec()
    finally:
        session.shutdown()
        services.close()
