"""The dispatch flow at the console: the board and the radio log ask, the dispatch service
answers from a worker, and the board says what happened or why not. A refusal because another
console got there first also refreshes the board, so the controller sees the winner's state."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QDialog

from console.access import PermissionDenied, can
from console.dispatch import DispatchConflict, TaskingParties
from console.dispatch_rules import NEEDS_SUBJECT, NEEDS_VEHICLE, STATUS_WORDS, OutcomeDraft, tasking_ref
from console.journal import JOURNALED_WORDS, JournaledWriter
from console.services import Services
from console.tasks import Tasks
from console.text import TextError
from console.types import ActionResult, Actor
from widgets.main_window import MainWindow
from widgets.outcome_dialog import OutcomeDialog

log = logging.getLogger("sentinel.dispatch")
# Refusals the controller can act on; anything else is a fault, logged with its trace.
EXPECTED = (ValueError, TextError, PermissionDenied)


class DispatchFlow(QObject):
    changed = Signal()  # something was written: the record feed should fetch now

    def __init__(
        self, window: MainWindow, services: Services, tasks: Tasks, actor: Actor, operation_id: int,
        writer: JournaledWriter,
    ) -> None:  # fmt: skip
        super().__init__(window)
        self.window, self.services, self.tasks = window, services, tasks
        self.actor, self.operation_id = actor, operation_id
        self.writer = writer
        self.dialog: OutcomeDialog | None = None
        board = window.board
        board.dispatch_requested.connect(self.dispatch)
        window.dispatch_key.connect(self.dispatch_selected)
        board.radio.status_requested.connect(self.set_status)
        board.radio.acknowledge_requested.connect(self.acknowledge)
        board.radio.line_entered.connect(self.write_line)
        board.radio.close_requested.connect(self.ask_outcomes)
        board.selection_changed.connect(lambda _: self.load_history())
        board.radio.backup_requested.connect(self.backup)
        board.radio.reassign_requested.connect(self.reassign)
        may = can(actor, "tasking.dispatch")
        board.radio.setEnabled(may)
        if not may:
            board.show_message(f"A {actor.role} may watch the board but not dispatch.", problem=False)

    def load_history(self) -> None:
        """The selected unit's radio log, read in a worker (again after each change)."""
        unit = self.window.board.selected_id
        if unit is None:
            return
        s, op, radio = self.services, self.operation_id, self.window.board.radio
        self.tasks.submit(
            lambda: s.dispatch.radio_log(op, unit),
            lambda lines: radio.show_history(unit, lines),
            lambda e: log.warning("radio log not read: %s", e),
        )

    # -- asking the service ------------------------------------------------------------------

    def _run(self, work: Callable[[], Any], done: Callable[[Any], str]) -> None:
        def ok(result: Any) -> None:
            if isinstance(result, ActionResult) and result.journaled:
                self.window.board.show_message(JOURNALED_WORDS, problem=True)
                return
            self.window.board.show_message(done(result))
            self.changed.emit()

        def failed(error: BaseException) -> None:
            if not isinstance(error, EXPECTED):
                log.error("dispatch action failed", exc_info=error)
            self.window.board.show_message(str(error), problem=True)
            if isinstance(error, DispatchConflict):
                self.changed.emit()  # show what the other console did

        self.tasks.submit(work, ok, failed)

    def dispatch(self, unit_id: int, sighting_id: int) -> None:
        actor, op = self.actor, self.operation_id
        self._run(
            lambda: self.writer.dispatch(actor, op, unit_id, sighting_id),
            lambda r: f"{self._call_sign(unit_id)} dispatched: tasking {tasking_ref(int(r.ref_id))}",
        )

    def dispatch_selected(self) -> None:
        sighting = self.window.sightings.selected_id() or self.window.tag_panel.last_tag.sighting_id
        unit = self.window.board.selected_id
        if sighting is None or unit is None:
            self.window.board.show_message(
                "Select a sighting in the Sightings list (or tag one) and a unit on the board, then dispatch.",
                problem=True,
            )
            return
        self.dispatch(unit, sighting)

    def backup(self, tasking_id: int, unit_id: int) -> None:
        s, actor, op = self.services, self.actor, self.operation_id
        self._run(
            lambda: s.dispatch.join(actor, op, tasking_id, unit_id),
            lambda _: f"{self._call_sign(unit_id)} sent as backup to tasking {tasking_ref(tasking_id)}",
        )

    def reassign(self, tasking_id: int, from_unit: int, to_unit: int) -> None:
        s, actor, op = self.services, self.actor, self.operation_id
        self._run(
            lambda: s.dispatch.reassign(actor, op, tasking_id, from_unit, to_unit),
            lambda _: (
                f"Tasking {tasking_ref(tasking_id)} handed from {self._call_sign(from_unit)} "
                f"to {self._call_sign(to_unit)}"
            ),
        )

    def set_status(self, unit_id: int, status: str, expected: str) -> None:
        actor, op = self.actor, self.operation_id
        self._run(
            lambda: self.writer.set_status(actor, op, unit_id, status, expected),
            lambda _: f"{self._call_sign(unit_id)}: {STATUS_WORDS[status]}",
        )

    def acknowledge(self, unit_id: int) -> None:
        s, actor, op = self.services, self.actor, self.operation_id
        self._run(
            lambda: s.dispatch.acknowledge_urgent(actor, op, unit_id),
            lambda _: f"{self._call_sign(unit_id)}: urgent assistance acknowledged",
        )

    def write_line(self, unit_id: int, text: str) -> None:
        actor, op = self.actor, self.operation_id
        radio = self.window.board.radio

        def done(_: ActionResult) -> str:
            radio.line_written()
            return f"{self._call_sign(unit_id)}: radio log line written"

        self._run(lambda: self.writer.note(actor, op, text, unit_id=unit_id), done)

    def ask_outcomes(self, tasking_id: int) -> None:
        s, op = self.services, self.operation_id
        self.tasks.submit(
            lambda: s.dispatch.parties(op, tasking_id),
            self._open_dialog,
            lambda e: self.window.board.show_message(str(e), problem=True),
        )

    def _open_dialog(self, parties: TaskingParties) -> None:
        dialog = self.dialog = OutcomeDialog(
            parties.words, parties.vrm, parties.subject_reference, self.window, tier=parties.tier
        )
        dialog.finished.connect(lambda code: self._on_outcomes(dialog, parties, code))
        dialog.open()  # window-modal, no nested event loop: the wall keeps painting

    def _on_outcomes(self, dialog: OutcomeDialog, parties: TaskingParties, code: int) -> None:
        self.dialog = None
        dialog.deleteLater()
        if code != QDialog.DialogCode.Accepted:
            return
        drafts = [
            OutcomeDraft(
                kind,
                subject_id=parties.subject_id if kind in NEEDS_SUBJECT or kind == "arrest" else None,
                vehicle_id=parties.vehicle_id if kind in NEEDS_VEHICLE else None,
                detail=detail,
                referral_to=referral,
            )
            for kind, detail, referral in dialog.outcomes()
        ]
        actor, op = self.actor, self.operation_id
        self._run(
            lambda: self.writer.close(actor, op, parties.tasking_id, drafts),
            lambda _: f"Tasking {tasking_ref(parties.tasking_id)} closed with {len(drafts)} outcome(s)",
        )

    def _call_sign(self, unit_id: int) -> str:
        card = self.window.board.cards.get(unit_id)
        return card.unit.call_sign if card else f"unit {unit_id}"
