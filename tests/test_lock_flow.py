"""Login and lock at the console: a real start asks for the password (the first run creates the
administrator), the lock key and the idle time lock the console with the wall and board live and
every panel with personal data hidden, and unlocking needs the operator's password."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QDockWidget, QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from console.demo import demo_spec, system_actor
from console.services import Services
from storage.models import RecordEntry
from tests.conftest import console_session
from widgets.login_dialog import LoginDialog

BOUND_MS = 15_000


def kinds(services: Services) -> list[str]:
    with services.db.read() as s:
        return list(s.scalars(select(RecordEntry.kind).order_by(RecordEntry.seq)))


def visible_docks(window: Any) -> set[str]:
    return {d.objectName() for d in window.findChildren(QDockWidget) if d.isVisible()}


def test_the_lock_key_hides_personal_data_and_keeps_the_wall_live(
    qtbot: QtBot, demo_console: tuple[Any, Services]
) -> None:
    session, services = demo_console
    window = session.window
    qtbot.waitUntil(lambda: "auth.login" in kinds(services), timeout=BOUND_MS)
    before = visible_docks(window)
    assert {"tagDock", "recordDock", "boardDock"} <= before
    window.actions_by_name["lock"].trigger()
    assert window.locked and window.lock_bar.isVisible()
    assert visible_docks(window) == {"boardDock"}
    assert not window.board.isEnabled() and not window.actions_by_name["board.dispatch"].isEnabled()
    assert "Demo mode: press Unlock" in window.lock_bar.words.text()
    shown = window.wall.tiles[0].shown_sequence
    qtbot.waitUntil(lambda: window.wall.tiles[0].shown_sequence > shown + 5, timeout=BOUND_MS)  # still live
    window.close()  # closing would end the shift: not while locked
    assert window.isVisible() and "Unlock the console first" in window.lock_bar.problem.text()
    qtbot.waitUntil(lambda: "auth.lock" in kinds(services), timeout=BOUND_MS)
    window.lock_bar.unlock.click()
    qtbot.waitUntil(lambda: not window.locked, timeout=BOUND_MS)
    assert visible_docks(window) == before and window.board.isEnabled()
    assert kinds(services)[-1] == "auth.unlock"


def test_idle_time_locks_the_console(qtbot: QtBot, tmp_path: Path, demo_clips: Path) -> None:
    with console_session(tmp_path, demo_clips, idle_lock_seconds=2) as (session, services):
        window = session.window
        qtbot.waitUntil(lambda: window.locked, timeout=BOUND_MS)
        assert "no key or mouse for 2 seconds" in window.lock_bar.words.text()
        qtbot.waitUntil(lambda: "auth.lock" in kinds(services), timeout=BOUND_MS)


def answer_dialogs(qtbot: QtBot, answers: list[Callable[[QWidget], bool]]) -> QTimer:
    """Fill the modal dialogs the start shows, in order (each answer returns True when done)."""
    timer = QTimer()
    timer.setInterval(50)

    def poll() -> None:
        modal = QApplication.activeModalWidget()
        if modal is not None and answers and answers[0](modal):
            answers.pop(0)

    timer.timeout.connect(poll)
    timer.start()
    return timer


def test_a_real_start_creates_the_administrator_then_asks_for_the_password(
    qtbot: QtBot, tmp_path: Path, demo_clips: Path
) -> None:
    typed: list[str] = []

    def first_run(modal: QWidget) -> bool:
        if not isinstance(modal, LoginDialog) or not modal.first_run or not modal.ok.isEnabled():
            return False
        if not typed:  # first a mismatch, then the real thing
            modal.login.setText("chief")
            modal.name.setText("Chief Admin")
            modal.password.setText("correct horse battery")
            modal.repeat.setText("correct horse batterx")
            modal.ok.click()
            typed.append(modal.problem.text())
            return False
        modal.password.setText("correct horse battery")
        modal.repeat.setText("correct horse battery")
        modal.ok.click()
        return True

    def wrong_then_right(modal: QWidget) -> bool:
        if not isinstance(modal, LoginDialog) or modal.first_run or not modal.ok.isEnabled():
            return False
        if len(typed) == 1:
            modal.login.setText("chief")
            modal.password.setText("wrong password")
            modal.ok.click()
            typed.append("wrong")
            return False
        if "do not match" not in modal.problem.text():
            return False
        typed.append(modal.problem.text())
        modal.password.setText("correct horse battery")
        modal.ok.click()
        return True

    def import_demo(services: Services) -> None:
        from datetime import date

        services.operations.import_spec(system_actor("test-console"), demo_spec(date.today()))

    timer = answer_dialogs(qtbot, [first_run, wrong_then_right])
    try:
        with console_session(tmp_path, demo_clips, import_demo, demo=False) as (session, services):
            assert session.actor.login == "chief" and session.actor.role == "administrator"
            assert "DEMO MODE" not in session.window.windowTitle()
            assert typed[0] == "The two passwords are not the same."
            assert "do not match an operator" in typed[2]
            recorded = kinds(services)
            assert recorded.count("operator.first_administrator") == 1
            assert recorded.count("auth.login_failed") == 1 and recorded.count("auth.login") == 1
            assert "shift.started" not in recorded  # an administrator works without a shift
    finally:
        timer.stop()
