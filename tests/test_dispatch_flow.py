"""The dispatch flow in the running console: a sighting dispatched from the board, status keys
from the radio log, the tasking closed with outcomes through the dialog, all in the record."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from PySide6.QtWidgets import QDialogButtonBox
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from console.services import Services
from console.verify import verify
from storage.models import Outcome, RecordEntry
from tests.test_sightings import vehicle_tag

BOUND_MS = 15_000


def card(window: Any, call_sign: str) -> Any:
    return next((c for c in window.board.cards.values() if c.unit.call_sign == call_sign), None)


def test_dispatch_status_and_close_from_the_board(qtbot: QtBot, demo_console: tuple[Any, Services]) -> None:
    session, services = demo_console
    window = session.window
    op = services.operations.view("demo")
    actor = services.operations.operator("demo", "test-console")
    seen = services.sightings.save(actor, op.id, vehicle_tag("OY09 FEU", datetime.now(UTC)))
    qtbot.waitUntil(lambda: card(window, "LANTERN 11") is not None, timeout=BOUND_MS)
    lantern = card(window, "LANTERN 11")
    window.board.dispatch_requested.emit(lantern.unit.id, seen.sighting_id)  # as a drop does
    qtbot.waitUntil(lambda: "DISPATCHED" in card(window, "LANTERN 11").status.text(), timeout=BOUND_MS)
    assert "OY09 FEU" in card(window, "LANTERN 11").tasking.text()
    assert "dispatched: tasking T-" in window.board.message.text()

    window.board.select(lantern.unit.id)
    window.actions_by_name["radio.on_scene"].trigger()  # F6
    qtbot.waitUntil(lambda: "ON SCENE" in card(window, "LANTERN 11").status.text(), timeout=BOUND_MS)
    # the radio log shows the unit's latest changes, newest first
    qtbot.waitUntil(lambda: "on scene" in window.board.radio.history.text(), timeout=BOUND_MS)
    assert window.board.radio.history.text().splitlines()[0].endswith("on scene (tasking T-1)")
    window.actions_by_name["board.dispatch"].trigger()  # no sighting selected: told what to do
    assert "Select a sighting" in window.board.message.text()

    # LANTERN 12 joins as backup from the radio log, then closing releases both
    backup = card(window, "LANTERN 12")
    window.board.select(backup.unit.id)
    window.board.radio.other_action.click()
    qtbot.waitUntil(lambda: "(backup)" in card(window, "LANTERN 12").tasking.text(), timeout=BOUND_MS)
    window.board.select(lantern.unit.id)

    window.actions_by_name["radio.close"].trigger()  # Ctrl+F4
    qtbot.waitUntil(lambda: session.dispatch_flow.dialog is not None, timeout=BOUND_MS)
    dialog = session.dispatch_flow.dialog
    assert not dialog.checks["official_warning"].isEnabled()  # the sighting has no subject
    dialog.checks["stop_check"].setChecked(True)
    dialog.checks["warning_letter"].setChecked(True)
    dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    qtbot.waitUntil(lambda: "AVAILABLE" in card(window, "LANTERN 11").status.text(), timeout=BOUND_MS)
    qtbot.waitUntil(lambda: "AVAILABLE" in card(window, "LANTERN 12").status.text(), timeout=BOUND_MS)
    assert not card(window, "LANTERN 11").tasking.isVisible()
    with services.db.read() as s:
        kinds = list(s.scalars(select(Outcome.kind).order_by(Outcome.id)))
        entries = list(s.scalars(select(RecordEntry.kind).order_by(RecordEntry.seq.desc()).limit(3)))
    assert kinds == ["stop_check", "warning_letter"]
    assert entries == ["outcome.warning_letter", "outcome.stop_check", "tasking.closed"]
    assert verify(services.db).ok
