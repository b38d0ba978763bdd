"""The warning-letters dock at the console: candidates, the register and the template are read
in workers and again when the record says they changed; preparing, printing (the PDF is written
in a worker) and template edits go through LetterService, and a refusal comes back in words."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QFileDialog

from console.access import can
from console.letters import LetterError
from console.services import Services
from console.tasks import Tasks
from console.types import ActionResult, Actor, EntryView
from widgets.letter_pdf import render_letters
from widgets.main_window import MainWindow

log = logging.getLogger("sentinel.letters")
RELOAD_AFTER_MS = 500  # a night's tagging arrives as bursts of entries: read once a burst


def ask_pdf_path(parent: MainWindow, default: str) -> str:
    chosen, _ = QFileDialog.getSaveFileName(parent, "Print the warning letters to", default, "*.pdf")
    return chosen


class LettersFlow(QObject):
    changed = Signal()  # a letter was prepared or printed, or the template changed: poll the record

    def __init__(self, window: MainWindow, services: Services, tasks: Tasks, actor: Actor, operation_id: int) -> None:
        super().__init__(window)
        self.window, self.services, self.tasks = window, services, tasks
        self.actor, self.operation_id = actor, operation_id
        # Where a batch is printed: a file dialog at the console, a fixed path in tests.
        self.choose_path: Callable[[str], str] = lambda default: ask_pdf_path(window, default)
        self._reload = QTimer(self)
        self._reload.setSingleShot(True)
        self._reload.setInterval(RELOAD_AFTER_MS)
        self._reload.timeout.connect(self.load)
        self.may_edit = can(actor, "template.edit")
        view = window.letters
        view.set_permissions(can(actor, "letter.prepare"), can(actor, "letter.override"), self.may_edit)
        view.prepare_requested.connect(self._prepare)
        view.print_requested.connect(self._print)
        view.template_save_requested.connect(self._save_template)
        view.blocked_save_requested.connect(self._save_blocked)
        self.load()

    def on_entries(self, entries: list[EntryView]) -> None:
        if any(e.kind.startswith(("sighting.", "letter")) for e in entries) and not self._reload.isActive():
            self._reload.start()

    def load(self) -> None:
        letters, oid, view = self.services.letters, self.operation_id, self.window.letters
        self.tasks.submit(lambda: letters.candidates(oid), view.show_candidates, self._failed)
        self.tasks.submit(lambda: letters.register(oid), view.show_register, self._failed)
        if self.may_edit:

            def template() -> tuple[int, str, list[str]]:
                version, body = letters.template(oid)
                return version, body, letters.blocked_words(oid)

            self.tasks.submit(template, lambda t: view.show_template(*t), self._failed)

    # --- actions -----------------------------------------------------------------------------------
    def _prepare(self, sighting_id: int, name: str, address: str, override: str) -> None:
        letters, actor, oid, view = self.services.letters, self.actor, self.operation_id, self.window.letters

        def prepared(result: ActionResult) -> None:
            view.prepared(f"Letter WL-{int(result.ref_id):05d} prepared (record entry {result.seq}).")
            self._done()

        self.tasks.submit(
            lambda: letters.prepare(actor, oid, sighting_id, name, address, override),
            prepared,
            lambda e: view.say_prepare(f"Not prepared: {e}", problem=True),
        )

    def _print(self, letter_ids: Sequence[int]) -> None:
        view = self.window.letters
        default = str(self.services.settings.data_dir / f"warning-letters-{date.today():%Y%m%d}.pdf")
        chosen = self.choose_path(default)
        if not chosen:
            return
        path = Path(chosen)
        letters, actor, oid, wanted = self.services.letters, self.actor, self.operation_id, set(letter_ids)
        view.say_register(f"Printing {len(wanted)} letter(s)…")

        def write() -> tuple[int, Path]:
            batch = [x for x in letters.register(oid) if x.id in wanted and x.erased_at is None]
            if not batch:
                raise LetterError("the chosen letters' keeper details were erased: they cannot be printed again")
            batch.sort(key=lambda x: x.prepared_at)  # in the order they were prepared
            render_letters(path, [(x.reference, x.body) for x in batch])
            letters.mark_printed(actor, oid, [x.id for x in batch], str(path))
            return len(batch), path

        def printed(done: tuple[int, Path]) -> None:
            view.say_register(f"{done[0]} letter(s) printed to {done[1]}.")
            self._done()

        self.tasks.submit(write, printed, lambda e: view.say_register(f"Not printed: {e}", problem=True))

    def _save_template(self, body: str) -> None:
        letters, actor, oid = self.services.letters, self.actor, self.operation_id
        self._template_action(lambda: letters.save_template(actor, oid, body), "Template saved as a new version")

    def _save_blocked(self, words: list[str]) -> None:
        letters, actor, oid = self.services.letters, self.actor, self.operation_id
        self._template_action(lambda: letters.set_blocked_words(actor, oid, words), "Blocked words saved")

    def _template_action(self, do: Callable[[], ActionResult], words: str) -> None:
        view = self.window.letters

        def saved(result: ActionResult) -> None:
            view.say_template(f"{words} (record entry {result.seq}).")
            self._done()

        self.tasks.submit(do, saved, lambda e: view.say_template(f"Not saved: {e}", problem=True))

    def _done(self) -> None:
        self.changed.emit()
        self.load()

    def _failed(self, error: BaseException) -> None:
        log.error("letters: %s", error)
        self.window.letters.say_register(f"The letters could not be read: {error}", problem=True)
