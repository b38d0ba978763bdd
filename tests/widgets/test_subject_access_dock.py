"""The data requests dock (Ctrl+Shift+D) on the real services, with workers: a supervisor lists,
exports and erases what is held about a subject (held data refused in words), a controller gets
no buttons, an administrator previews retention before running it, and the daily job runs once
a day as the console itself."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from console.record import utc_now
from console.services import Services
from console.subject_access_flow import RetentionJob, SubjectAccessFlow
from console.tasks import Tasks
from console.types import Actor
from storage.models import RecordEntry, Subject
from tests.test_retention import HELD_LOOK, OLD_LOOK, make_data
from tests.test_sightings import op_id
from tests.widgets.test_letters_strikes_docks import window

BOUND_MS = 15_000


@pytest.fixture
def tasks() -> Iterator[Tasks]:
    pool = Tasks()
    yield pool
    pool.wait()


@pytest.fixture
def supervisor(demo: Services) -> Actor:
    return demo.operations.operator("sgt.demo", "test-console")


def test_a_supervisor_lists_exports_and_erases_from_the_dock(
    qtbot: QtBot, tmp_path: Path, demo: Services, controller: Actor, supervisor: Actor, tasks: Tasks
) -> None:
    made = make_data(demo, controller, supervisor)
    w = window(qtbot, tmp_path)
    flow = SubjectAccessFlow(w, demo, tasks, supervisor, op_id(demo))
    view = flow.view
    w.show()
    w.actions_by_name["data_requests"].trigger()  # Ctrl+Shift+D
    assert flow.dock.isVisible() and view.list_button.isEnabled() and view.erase_button.isEnabled()
    assert not view.retention_box.isVisible()  # retention is for administrators

    view.who.setText("SW-001")
    qtbot.mouseClick(view.list_button, Qt.MouseButton.LeftButton)
    assert "Give the reason" in view.message.text()
    view.reason.setText("request 2026/41")
    qtbot.mouseClick(view.list_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: OLD_LOOK in view.held.toPlainText(), timeout=BOUND_MS)
    assert "Listed SW-001: 1 sighting(s)" in view.message.text()
    w.resize(1400, 900)
    flow.dock.grab().save(str(tmp_path / "data-requests.png"))

    out = tmp_path / "served"
    flow.choose_folder = lambda _start: str(out)
    qtbot.mouseClick(view.export_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: view.message.text().startswith("Served: "), timeout=BOUND_MS)
    assert len(list(out.glob("SAR-SW-001-*/SHA256SUMS"))) == 1

    asked: list[str] = []
    view.confirm = lambda _title, words: asked.append(words) is None and False  # "No": nothing happens
    qtbot.mouseClick(view.erase_button, Qt.MouseButton.LeftButton)
    assert asked and "SW-001" in asked[0] and view.message.text().startswith("Served: ")
    view.confirm = lambda _title, _words: True
    view.who.setText("SW-002")
    qtbot.mouseClick(view.erase_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "under evidence hold" in view.message.text(), timeout=BOUND_MS)
    assert view.message.property("problem") == "true" and "court case 41/26" in view.message.text()
    view.who.setText("SW-001")
    qtbot.mouseClick(view.erase_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: view.message.text().startswith("Erased: "), timeout=BOUND_MS)
    with demo.db.read() as s:
        subject = s.get(Subject, made.old_subject)
        held = s.get(Subject, made.held_subject)
    assert subject is not None and subject.erased_at is not None and subject.description == ""
    assert held is not None and held.description == HELD_LOOK


def test_a_controller_gets_no_buttons_and_the_words_why(
    qtbot: QtBot, tmp_path: Path, demo: Services, controller: Actor, tasks: Tasks
) -> None:
    w = window(qtbot, tmp_path)
    flow = SubjectAccessFlow(w, demo, tasks, controller, op_id(demo))
    w.show()
    flow.show()
    assert not flow.view.request_box.isEnabled() and not flow.view.retention_box.isVisible()
    assert "served by supervisors" in flow.view.message.text()


def test_an_administrator_previews_retention_then_runs_it(
    qtbot: QtBot, tmp_path: Path, demo: Services, tasks: Tasks
) -> None:
    admin = Actor("admin", "Administrator", "administrator", "test-console")
    w = window(qtbot, tmp_path)
    flow = SubjectAccessFlow(w, demo, tasks, admin, op_id(demo))
    view = flow.view
    w.show()
    flow.show()
    assert view.retention_box.isVisible() and not view.list_button.isEnabled()
    assert not view.run_button.isEnabled()  # preview first
    qtbot.mouseClick(view.preview_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Retention: nothing due" in view.retention_words.text(), timeout=BOUND_MS)
    assert not view.run_button.isEnabled()  # nothing would go, so nothing to run
    view.show_preview("Retention: would erase 3 sighting(s)", True)  # as after a preview that found some
    view.confirm = lambda _title, words: "would erase 3" in words
    qtbot.mouseClick(view.run_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "record entries" in view.retention_words.text(), timeout=BOUND_MS)
    with demo.db.read() as s:
        entry = s.scalars(select(RecordEntry).where(RecordEntry.kind == "retention.run")).one()
    assert entry.operator == "admin"


def test_the_daily_job_runs_as_the_console_once_a_day(
    qtbot: QtBot, tmp_path: Path, demo: Services, tasks: Tasks
) -> None:
    w = window(qtbot, tmp_path)
    job = RetentionJob(w, demo, tasks, "test-console", check_every_ms=50, first_check_ms=10)
    qtbot.waitUntil(lambda: job.last_report is not None, timeout=BOUND_MS)
    assert "Daily retention: nothing due" in w.statusBar().currentMessage()
    # Several checks later: the record says it ran within the day, so no new run.
    qtbot.waitUntil(lambda: job.checks >= 4, timeout=BOUND_MS)
    job.stop()
    tasks.wait()
    with demo.db.read() as s:
        runs = s.scalars(select(RecordEntry).where(RecordEntry.kind == "retention.run")).all()
    assert [r.operator for r in runs] == ["console"]
    assert utc_now() - runs[0].event_time < timedelta(minutes=1)


def test_in_the_console_ctrl_shift_d_opens_the_dock_and_a_lock_hides_it(
    qtbot: QtBot, demo_console: tuple[Any, Services]
) -> None:
    session, _services = demo_console
    window = session.window
    assert window.actions_by_name["data_requests"].shortcut().toString() == "Ctrl+Shift+D"
    window.actions_by_name["data_requests"].trigger()
    dock = session.subject_access_flow.dock
    qtbot.waitUntil(dock.isVisible, timeout=BOUND_MS)
    assert "served by supervisors" in session.subject_access_flow.view.message.text()  # the demo controller
    window.set_locked(True, "Locked", needs_password=True)  # personal data hides with the other docks
    assert not dock.isVisible()
    window.set_locked(False)
    assert dock.isVisible()
