"""The tagging flow at the console: the wall freezes a tile, the tag panel takes the keyboard,
and the save goes to the sighting service in a worker with the frozen frame's capture time."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal

from console.access import can
from console.journal import JOURNALED_WORDS, JournaledWriter
from console.registers import SENSITIVE_FIELDS, SensitiveData
from console.services import Services
from console.sightings import NewSubject, SightingFilter, SightingSaved, SubjectView, TagDraft, VehicleDraft
from console.tasks import Tasks
from console.types import ActionResult, Actor, EntryView
from console.vrm import check_vrm
from widgets.correction_dialog import CorrectionDialog
from widgets.main_window import MainWindow
from widgets.tag_form import TagFields

log = logging.getLogger("sentinel.tagging")


def vrm_words(text: str, foreign: bool) -> tuple[bool, str]:
    check = check_vrm(text, foreign=foreign)
    return (True, f"{check.vrm} ({check.format})") if check.ok else (False, check.problem)


class TagFlow(QObject):
    saved = Signal(object)  # SightingSaved, after the record has it

    def __init__(
        self, window: MainWindow, services: Services, tasks: Tasks, actor: Actor, operation_id: int,
        writer: JournaledWriter,
    ) -> None:  # fmt: skip
        super().__init__(window)
        self.window, self.services, self.tasks = window, services, tasks
        self.actor, self.operation_id = actor, operation_id
        self.writer = writer
        self.tile_index = -1
        self.allowed = can(actor, "sighting.tag")
        form = window.tag_panel.tag_form
        form.vrm_checker = vrm_words
        wall = window.wall
        wall.tag_requested.connect(self.begin)
        wall.boxes_changed.connect(self._on_boxes)
        window.tag_panel.tag_start_requested.connect(wall.begin_tag)
        form.remove_box_requested.connect(self._remove_box)
        form.cancel_requested.connect(self.cancel)
        form.subject_search.connect(self._search_subjects)
        form.save_requested.connect(self.save)
        self.tasks.submit(
            lambda: services.sightings.categories(operation_id),
            lambda cats: form.set_categories([(c.key, c.label, c.kind) for c in cats]),
            lambda e: log.error("categories not read: %s", e),
        )

    def begin(self, index: int) -> None:
        wall, panel = self.window.wall, self.window.tag_panel
        if not self.allowed:
            wall.end_tag(index)
            panel.end_tag(f"A {self.actor.role} cannot tag sightings.")
            return
        if panel.tagging and self.tile_index != index:
            wall.end_tag(self.tile_index)  # one tag at a time: the earlier one is given up
        self.tile_index = index
        tile = wall.tiles[index]
        assert tile.feed is not None
        when = tile.frozen_time()
        stamp = when.astimezone().strftime("%H:%M:%S") if when else "?"
        self.window.tag_dock.show()
        self.window.tag_dock.raise_()
        panel.begin_tag(f"Tag on tile {index + 1}: {tile.feed.camera_name}, frame of {stamp}")

    def _on_boxes(self, index: int, count: int) -> None:
        if index == self.tile_index:
            self.window.tag_panel.tag_form.show_boxes(count)

    def _remove_box(self) -> None:
        if 0 <= self.tile_index < len(self.window.wall.tiles):
            self.window.wall.tiles[self.tile_index].remove_last_box()

    def cancel(self) -> None:
        self.window.wall.end_tag(self.tile_index)
        self.window.tag_panel.end_tag("Tag cancelled; nothing was saved.")
        self.tile_index = -1
        self.window.wall.setFocus()

    def _search_subjects(self, text: str, category_key: str) -> None:
        form, sightings, oid = self.window.tag_panel.tag_form, self.services.sightings, self.operation_id

        def shown(found: list[SubjectView]) -> None:
            form.set_subjects([(x.id, x.reference, x.description) for x in found])

        self.tasks.submit(
            lambda: sightings.search_subjects(oid, text, category_key, limit=8),
            shown,
            lambda e: form.failed(f"subject search failed: {e}"),
        )

    def save(self, fields: TagFields) -> None:
        wall, form = self.window.wall, self.window.tag_panel.tag_form
        index = self.tile_index
        if not 0 <= index < len(wall.tiles):
            form.failed("no tile is being tagged")
            return
        tile = wall.tiles[index]
        if tile.feed is None or tile.frozen_pixels is None:
            form.failed("the frozen picture is gone; press the tag key again")
            return
        draft = TagDraft(
            camera_key=tile.feed.camera_id,
            captured_at=datetime.fromtimestamp(tile.frozen_ns / 1e9, UTC),
            category_key=fields.category_key,
            image=tile.frozen_pixels,
            boxes=tuple(tile.boxes),
            subject_id=fields.subject_id,
            new_subject=NewSubject(fields.new_subject_description, fields.new_subject_age_band)
            if fields.new_subject_description
            else None,
            vehicle=VehicleDraft(fields.vrm, fields.foreign, fields.make, fields.model, fields.colour)
            if fields.vrm.strip()
            else None,
            direction=fields.direction,
            notes=fields.notes,
        )
        actor, writer, oid = self.actor, self.writer, self.operation_id
        work: Callable[[], SightingSaved] = lambda: writer.tag(actor, oid, draft)  # noqa: E731

        def done(result: SightingSaved) -> None:
            wall.end_tag(index)
            if result.result.journaled:
                self.window.tag_panel.end_tag(JOURNALED_WORDS)
                self.tile_index = -1
                wall.setFocus()
                return
            who = result.vrm or result.subject_reference
            lines = [f"Saved as record entry {result.result.seq}" + (f": {who}" if who else "."), *result.what_next]
            self.window.tag_panel.end_tag("\n".join(lines))
            self.window.tag_panel.last_tag.show_sighting(result.sighting_id, who or f"sighting {result.sighting_id}")
            self.tile_index = -1
            wall.setFocus()
            self.saved.emit(result)

        self.tasks.submit(work, done, lambda e: form.failed(str(e)))


class SightingsFlow(QObject):
    """Feeds the sightings dock from the service (in workers) and handles corrections."""

    def __init__(self, window: MainWindow, services: Services, tasks: Tasks, actor: Actor, operation_id: int) -> None:
        super().__init__(window)
        self.window, self.services, self.tasks = window, services, tasks
        self.actor, self.operation_id = actor, operation_id
        view = window.sightings
        view.query_changed.connect(self.load)
        view.still_requested.connect(self._load_still)
        view.correction_requested.connect(self._correct)
        oid, sightings, ops = operation_id, services.sightings, services.operations

        def choices() -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
            cats = [(c.key, c.label) for c in sightings.categories(oid)]
            cams = [(c.key, c.name) for c in ops.cameras(oid)]
            return cats, cams

        def shown(result: tuple[list[tuple[str, str]], list[tuple[str, str]]]) -> None:
            view.set_choices(*result)
            view.ask()

        tasks.submit(choices, shown, lambda e: log.error("sighting filters not read: %s", e))

    def refresh(self) -> None:
        self.window.sightings.ask()

    def on_entries(self, entries: list[EntryView]) -> None:
        if any(e.kind.startswith("sighting.") for e in entries):
            self.refresh()

    def load(self, query: dict[str, Any]) -> None:
        hours = int(query.get("hours") or 0)
        where = SightingFilter(
            category_key=query.get("category", ""),
            camera_key=query.get("camera", ""),
            since=datetime.now(UTC) - timedelta(hours=hours) if hours else None,
            text=query.get("text", ""),
        )
        sightings, oid, view = self.services.sightings, self.operation_id, self.window.sightings
        self.tasks.submit(
            lambda: sightings.list(oid, where, limit=500),
            view.show_rows,
            lambda e: view.message.setText(str(e)),
        )

    def _load_still(self, sighting_id: int, path: str) -> None:
        view = self.window.sightings

        def read() -> bytes:
            try:
                return Path(path).read_bytes()
            except OSError as exc:
                log.error("still of sighting %s not readable: %s", sighting_id, exc)
                return b""

        self.tasks.submit(read, lambda data: view.show_still(sighting_id, data))

    def _correct(self, sighting_id: int) -> None:
        view = self.window.sightings
        row = next((r for r in view.model.rows if r.id == sighting_id), None)
        if row is None:
            return
        dialog = CorrectionDialog(
            f"{row.category_label} on {row.camera_name}, {row.captured_at.astimezone():%d %b %H:%M:%S}",
            row.vrm,
            row.notes,
            self.window,
        )
        if dialog.exec() != CorrectionDialog.DialogCode.Accepted:
            return
        vrm, notes, reason = dialog.changed_vrm(), dialog.changed_notes(), dialog.reason.text()
        actor, sightings, oid = self.actor, self.services.sightings, self.operation_id

        def work() -> ActionResult:
            vehicle = VehicleDraft(vrm) if vrm is not None else None
            return sightings.correct(actor, oid, sighting_id, reason, notes=notes, vehicle=vehicle)

        def done(result: ActionResult) -> None:
            view.message.setText(f"Corrected in record entry {result.seq}; the original stays in the record.")
            self.refresh()

        self.tasks.submit(work, done, lambda e: view.message.setText(f"Not corrected: {e}"))


class RegistersFlow(QObject):
    """Feeds the subject and vehicle registers; special-category data only through the audited
    service call, and only for roles that may see it."""

    def __init__(self, window: MainWindow, services: Services, tasks: Tasks, actor: Actor, operation_id: int) -> None:
        super().__init__(window)
        self.window, self.services, self.tasks = window, services, tasks
        self.actor, self.operation_id = actor, operation_id
        view = window.registers
        view.set_permissions(can(actor, "sensitive.read"), can(actor, "sensitive.write"))
        view.subjects_wanted.connect(self.load_subjects)
        view.vehicles_wanted.connect(self.load_vehicles)
        view.subject_selected.connect(self._history)
        view.sensitive_requested.connect(self._read_sensitive)
        view.sensitive_save_requested.connect(self._write_sensitive)
        self.refresh()

    def refresh(self) -> None:
        view = self.window.registers
        self.load_subjects(view.subject_search.text())
        self.load_vehicles(view.vehicle_search.text())

    def on_entries(self, entries: list[EntryView]) -> None:
        if any(e.kind.startswith(("sighting.", "outcome.")) for e in entries):
            self.refresh()

    def load_subjects(self, text: str) -> None:
        registers, oid, view = self.services.registers, self.operation_id, self.window.registers
        self.tasks.submit(lambda: registers.subjects(oid, text), view.subject_model.set_rows, self._failed)

    def load_vehicles(self, text: str) -> None:
        registers, oid, view = self.services.registers, self.operation_id, self.window.registers
        self.tasks.submit(lambda: registers.vehicles(oid, text), view.vehicle_model.set_rows, self._failed)

    def _history(self, subject_id: int) -> None:
        sightings, oid, view = self.services.sightings, self.operation_id, self.window.registers
        self.tasks.submit(lambda: sightings.subject_history(oid, subject_id).words(), view.show_history, self._failed)

    def _read_sensitive(self, subject_id: int, reason: str) -> None:
        registers, oid, actor, view = self.services.registers, self.operation_id, self.actor, self.window.registers

        def shown(data: SensitiveData) -> None:
            view.show_sensitive_data(subject_id, {f: getattr(data, f) for f in SENSITIVE_FIELDS})

        self.tasks.submit(lambda: registers.read_sensitive(actor, oid, subject_id, reason), shown, self._failed)

    def _write_sensitive(self, subject_id: int, values: dict[str, str]) -> None:
        registers, oid, actor, view = self.services.registers, self.operation_id, self.actor, self.window.registers
        data = SensitiveData(subject_id, **{f: values.get(f, "") for f in SENSITIVE_FIELDS})
        self.tasks.submit(
            lambda: registers.write_sensitive(actor, oid, data),
            lambda result: view.say(f"Saved in record entry {result.seq}."),
            self._failed,
        )

    def _failed(self, error: BaseException) -> None:
        log.error("registers: %s", error)
        self.window.registers.say(str(error))
