"""At the console: Ctrl+Shift+C records a community complaint through the dialog (a refusal
keeps what was typed), and the outcome dialog says when an outcome comes before its tier."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QDialogButtonBox
from pytestqt.qtbot import QtBot

from console.services import Services
from widgets.outcome_dialog import OutcomeDialog

BOUND_MS = 15_000


def test_a_complaint_recorded_from_the_console(qtbot: QtBot, demo_console: tuple[Any, Services]) -> None:
    session, services = demo_console
    window = session.window
    window.actions_by_name["community"].trigger()
    qtbot.waitUntil(lambda: session.community_flow.dialog is not None, timeout=BOUND_MS)
    dialog = session.community_flow.dialog
    record = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    assert not record.isEnabled() and "Type what was said" in dialog.problem.text()
    dialog.location.setCurrentText("Canal Street")
    dialog.source.setCurrentIndex(dialog.source.findData("meeting"))
    dialog.text.setPlainText("Residents say cars circle the canal bridge after 22:00")
    dialog.when.setDateTime(dialog.when.dateTime().addSecs(2 * 3600))  # in the future: refused
    record.click()
    qtbot.waitUntil(lambda: "in the future" in dialog.problem.text(), timeout=BOUND_MS)
    assert dialog.isVisible() and "cars circle" in dialog.text.toPlainText()  # nothing typed is lost
    dialog.when.setDateTime(dialog.when.dateTime().addSecs(-3 * 3600))
    record.click()
    qtbot.waitUntil(lambda: session.community_flow.dialog is None, timeout=BOUND_MS)
    op = services.operations.view("demo")
    reports = services.community.reports(op.id)
    assert len(reports) == 1 and reports[0].source == "meeting" and reports[0].location == "Canal Street"
    assert "Community complaint recorded" in window.statusBar().currentMessage()


def test_the_outcome_dialog_says_when_an_outcome_comes_before_its_tier(qtbot: QtBot) -> None:
    dialog = OutcomeDialog("Tasking T-1", "OY09 FEU", "SW-001", tier=1)
    qtbot.addWidget(dialog)
    dialog.show()
    assert not dialog.policy_note.isVisible()
    dialog.checks["official_warning"].setChecked(True)
    dialog.checks["warning_letter"].setChecked(True)
    note = dialog.policy_note.text()
    assert dialog.policy_note.isVisible()
    assert "Tier 1 is in force: official warnings under the three-strikes policy start at Tier 2." in note
    assert "warning letters start at Tier 2" in note
    # Still allowed: the console records what happened and says so.
    assert dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).isEnabled()
    later = OutcomeDialog("Tasking T-2", "OY09 FEU", "SW-001", tier=2)
    qtbot.addWidget(later)
    later.checks["official_warning"].setChecked(True)
    later.checks["warrant_executed"].setChecked(True)
    assert later.policy_note.text() == "Tier 2 is in force: warrants start at Tier 3."
