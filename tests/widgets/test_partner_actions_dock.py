"""The Partner actions dock with the real service and workers: overdue rows stand out in colour
and in words, the raise dialog starts from a community-issue sighting, reviewing is only for
supervisors, a refusal is said in the dock, and the meeting's PDF is exported."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QDialogButtonBox
from pytestqt.qtbot import QtBot

from console.partner_actions import seed_partner_actions
from console.partner_actions_flow import PartnerActionsFlow
from console.services import Services
from console.tasks import Tasks
from console.types import Actor
from tests.conftest import console_session
from tests.test_partner_actions import community_issue
from tests.test_sightings import op_id
from tests.widgets.fakes import FakeFeed
from widgets.main_window import MainWindow
from widgets.partner_actions_view import OVERDUE_BACK, REVIEW_TEXT

WAIT_MS = 20_000
DUE, LAST_REVIEW = 5, 7  # columns


@pytest.fixture
def tasks() -> Iterator[Tasks]:
    pool = Tasks()
    yield pool
    assert pool.wait(WAIT_MS)  # before the database closes


@pytest.fixture
def seeded(demo: Services, controller: Actor) -> Services:
    supervisor = demo.operations.operator("sgt.demo", "test-console")
    seed_partner_actions(demo.partner_actions, controller, supervisor, op_id(demo))
    return demo


def dock(qtbot: QtBot, tmp_path: Path, services: Services, tasks: Tasks, login: str) -> PartnerActionsFlow:
    state = QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat)
    window = MainWindow([FakeFeed("cam01", "Cam 1", "Station Approach")], state, "Sentinel Console (test)")
    qtbot.addWidget(window)
    window.show()
    actor = services.operations.operator(login, "test-console")
    flow = PartnerActionsFlow(window, services, tasks, actor, op_id(services))
    qtbot.waitUntil(lambda: len(window.partner_actions.model.rows) == 5, timeout=WAIT_MS)
    return flow


def row_of(flow: PartnerActionsFlow, reference: str) -> int:
    return next(n for n, r in enumerate(flow.window.partner_actions.model.rows) if r.reference == reference)


def test_overdue_rows_stand_out_in_colour_and_words(
    qtbot: QtBot, tmp_path: Path, seeded: Services, tasks: Tasks
) -> None:
    flow = dock(qtbot, tmp_path, seeded, tasks, "demo")
    view, model = flow.window.partner_actions, flow.window.partner_actions.model
    overdue = row_of(flow, "PA-0001")  # street light: raised 24 days ago, due 10 days after
    assert "OVERDUE by 14 days" in model.index(overdue, DUE).data()
    assert model.index(overdue, 1).data(Qt.ItemDataRole.BackgroundRole).color() == OVERDUE_BACK
    assert model.index(overdue, 1).data(Qt.ItemDataRole.FontRole).bold()
    on_time = row_of(flow, "PA-0003")
    assert "OVERDUE" not in model.index(on_time, DUE).data()
    assert model.index(on_time, 1).data(Qt.ItemDataRole.BackgroundRole) is None
    camera = row_of(flow, "PA-0004")  # not due yet, but its fortnightly review has passed
    assert "REVIEW OVERDUE" in model.index(camera, LAST_REVIEW).data()
    assert model.index(camera, 1).data(Qt.ItemDataRole.ForegroundRole).color() == REVIEW_TEXT
    assert view.summary.text() == "5 open · 2 OVERDUE · 3 past the fortnightly review"
    flow.window.actions_by_name["partner_actions"].trigger()  # Ctrl+Shift+A
    assert flow.window.partner_actions_dock.isVisible()


def test_a_controller_raises_from_a_sighting_but_may_not_review(
    qtbot: QtBot, tmp_path: Path, seeded: Services, tasks: Tasks, controller: Actor
) -> None:
    sighting = community_issue(seeded, controller, notes="Broken fence panel: rabbit run to the canal path")
    flow = dock(qtbot, tmp_path, seeded, tasks, "demo")
    view = flow.window.partner_actions
    view.table.setCurrentIndex(view.model.index(0, 0))
    assert not view.review_button.isEnabled() and "Only a supervisor" in view.review_button.toolTip()
    qtbot.waitUntil(lambda: len(view.findings) == 1, timeout=WAIT_MS)
    qtbot.mouseClick(view.raise_button, Qt.MouseButton.LeftButton)
    dialog = view.raise_dialog
    assert dialog is not None
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    assert not ok.isEnabled() and dialog.problem.text() == "Say what was found, or start from a sighting."
    dialog.sighting.setCurrentIndex(1)
    assert dialog.finding.toPlainText() == "Broken fence panel: rabbit run to the canal path"
    assert dialog.location.currentText() == "Mill Lane"
    dialog.partner.setCurrentText("Council housing")
    dialog.owner.setText("R. Owen")
    assert ok.isEnabled() and dialog.due.date().toPython() == view.today + timedelta(days=14)
    with qtbot.waitSignal(flow.changed, timeout=WAIT_MS):
        qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(view.model.rows) == 6, timeout=WAIT_MS)
    made = next(r for r in view.model.rows if r.sighting_id == sighting)
    assert made.partner == "Council housing" and made.location == "Mill Lane" and made.owner == "R. Owen"
    assert view.message.text() == f"{made.reference} raised (record entry {seeded.record.head().count})."
    # a refusal from the service is said in the dock, in its words
    typed = {"finding": "Bin store\x07 open", "partner": "Council housing", "owner": "R. Owen", "due_on": date.today()}
    view.raise_requested.emit(typed)
    qtbot.waitUntil(lambda: "control character" in view.message.text(), timeout=WAIT_MS)


def test_a_supervisor_reviews_and_exports_the_meeting_pdf(
    qtbot: QtBot, tmp_path: Path, seeded: Services, tasks: Tasks
) -> None:
    flow = dock(qtbot, tmp_path, seeded, tasks, "sgt.demo")
    view = flow.window.partner_actions
    view.table.setCurrentIndex(view.model.index(row_of(flow, "PA-0001"), 0))
    assert view.review_button.isEnabled()
    qtbot.mouseClick(view.review_button, Qt.MouseButton.LeftButton)
    dialog = view.review_dialog
    assert dialog is not None
    dialog.status.setCurrentIndex(dialog.status.findData("done"))
    dialog.note.setPlainText("Light repaired")
    with qtbot.waitSignal(flow.changed, timeout=WAIT_MS):
        dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    qtbot.waitUntil(lambda: len(view.model.rows) == 4, timeout=WAIT_MS)  # done: off the open list
    view.show_closed.setChecked(True)
    qtbot.waitUntil(lambda: len(view.model.rows) == 5, timeout=WAIT_MS)
    done = view.model.rows[row_of(flow, "PA-0001")]
    assert done.status == "done" and not done.overdue and done.last_review_note == "Light repaired"
    view.show_closed.setChecked(False)
    qtbot.waitUntil(lambda: len(view.model.rows) == 4, timeout=WAIT_MS)
    out = tmp_path / "meeting.pdf"
    flow.choose_path = lambda _parent, _default, suffix: str(out) if suffix == ".pdf" else ""
    view.export_pdf.trigger()
    qtbot.waitUntil(lambda: view.message.text() == f"Saved to {out}", timeout=WAIT_MS)
    text = subprocess.run(["pdftotext", "-layout", str(out), "-"], capture_output=True, text=True, check=True).stdout
    assert "OVERDUE by 15 days" in text and "PA-0001" not in text


def test_the_console_dock_follows_the_record(qtbot: QtBot, tmp_path: Path, demo_clips: Path) -> None:
    """An action raised at another console reaches this one's dock through the record feed."""
    with console_session(tmp_path, demo_clips) as (session, services):
        view = session.window.partner_actions
        qtbot.waitUntil(lambda: view.summary.text() == "0 open", timeout=WAIT_MS)
        assert not view.review_button.isEnabled() and view.raise_button.isEnabled()  # the demo controller
        elsewhere = services.operations.operator("demo", "console-2")
        services.partner_actions.raise_action(
            elsewhere, op_id(services), finding="Street light out", partner="Council street lighting",
            owner="J. Patel", due_on=view.today + timedelta(days=7),
        )  # fmt: skip
        qtbot.waitUntil(lambda: [r.finding for r in view.model.rows] == ["Street light out"], timeout=WAIT_MS)
