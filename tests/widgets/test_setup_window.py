"""The "Operation set-up" window, driven as an administrator would: an operation set up from an
empty database through the screens exports exactly the expected file; "Test connection" shows a
frame from a real stream, or the reason it failed; a typed camera password is never shown again."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QPoint, Qt, QTimer
from PySide6.QtWidgets import QApplication, QLineEdit
from pytestqt.qtbot import QtBot

from console.operation_file import render_operation
from console.services import Services, build_services
from console.settings import Settings
from console.setup_flow import SetupFlow
from console.tasks import Tasks
from console.types import Actor
from console.verify import verify
from tests.conftest import console_session
from tests.servers.fixtures import MjpegStreamFactory, RtspServerFactory
from tests.servers.postgres import free_port
from widgets.login_dialog import LoginDialog
from widgets.setup.section import SectionTab
from widgets.setup.window import SetupWindow

EXPECTED = Path(__file__).resolve().parents[1] / "data" / "setup_expected.toml"
ADMIN_PASSWORD = "correct-horse-battery"
CAMERA_PASSWORD = "Qu4y-s3cret"
OPERATOR_PASSWORD = "night-watch-42"
WAIT = 20_000


@pytest.fixture
def services(tmp_path: Path) -> Iterator[Services]:
    settings = Settings(
        data_dir=tmp_path / "data",
        db_url=f"sqlite:///{tmp_path / 'new.db'}",
        anchor_path=tmp_path / "anchors.jsonl",
        console_id="test-console",
    )
    built = build_services(settings)
    yield built
    built.close()


@pytest.fixture
def admin(services: Services) -> Actor:
    services.auth.create_first_administrator("test-console", "chief", "Chief Admin", ADMIN_PASSWORD)
    return services.auth.login("chief", ADMIN_PASSWORD, "test-console")


@pytest.fixture
def flow(qtbot: QtBot, services: Services, admin: Actor) -> Iterator[SetupFlow]:
    tasks = Tasks()
    setup = SetupFlow(None, services, tasks, admin, None, "op-harbour")
    setup.open()
    assert setup.window is not None
    qtbot.addWidget(setup.window)
    setup.window.resize(1400, 950)
    qtbot.waitExposed(setup.window)
    qtbot.waitUntil(lambda: setup.window is not None and setup.window.state is not None, timeout=WAIT)
    yield setup
    tasks.wait(WAIT)
    setup.close()


def type_into(qtbot: QtBot, tab: SectionTab, values: dict[str, Any]) -> None:
    """Types text as a person would; other settings (dates, choices, ticks) are set on the editor."""
    for key, value in values.items():
        editor = tab.form.editors[key]
        if isinstance(editor, QLineEdit):
            editor.clear()
            qtbot.keyClicks(editor, str(value))
            editor.editingFinished.emit()
        else:
            tab.form.set_value(key, value)


def add(qtbot: QtBot, tab: SectionTab, values: dict[str, Any]) -> None:
    qtbot.mouseClick(tab.new_button, Qt.MouseButton.LeftButton)
    type_into(qtbot, tab, values)
    count = len(tab.rows)
    qtbot.mouseClick(tab.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(tab.rows) == count + 1 or "Not saved" in tab.message.text(), timeout=WAIT)
    assert len(tab.rows) == count + 1, tab.message.text()


def create_operation(qtbot: QtBot, window: SetupWindow, flow: SetupFlow) -> None:
    tab = window.operation
    assert tab.save_button.text() == "Create operation"
    assert tab.form.value("name") == "op-harbour"  # the console's configured name, offered
    form = tab.form
    form.set_value("start_date", date(2026, 11, 2))
    for key, text in (("title", "Operation Harbour"), ("authorisation_ref", "DSA-2026-117")):
        editor = form.editors[key]
        assert isinstance(editor, QLineEdit)
        qtbot.keyClicks(editor, text)
    form.set_value("prescribed_area", "Quay Street, Station Road and the lanes between them")
    form.set_value("lawful_basis", "DPA 2018 Part 3: law enforcement purposes")
    form.set_value("record_retention_days", 400)
    qtbot.mouseClick(tab.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: flow.operation_id is not None and window.tiers.isEnabled(), timeout=WAIT)
    qtbot.waitUntil(lambda: tab.save_button.text() == "Save settings", timeout=WAIT)


def draw_mask(qtbot: QtBot, window: SetupWindow, name: str) -> None:
    cameras = window.cameras
    cameras.table.selectRow(0)
    qtbot.waitUntil(cameras.draw_button.isEnabled, timeout=WAIT)
    qtbot.mouseClick(cameras.draw_button, Qt.MouseButton.LeftButton)
    editor = cameras.editor
    rect = editor.picture_rect()
    for fx, fy in ((0.1, 0.1), (0.4, 0.1), (0.4, 0.5), (0.1, 0.5)):
        at = QPoint(round(rect.left() + fx * rect.width()), round(rect.top() + fy * rect.height()))
        qtbot.mouseClick(editor, Qt.MouseButton.LeftButton, pos=at)
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    assert len(editor.current_points()) == 4
    qtbot.keyClicks(cameras.mask_name, name)
    qtbot.mouseClick(cameras.save_mask_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: cameras.mask_list.count() == 1, timeout=WAIT)


def test_an_operation_set_up_from_scratch_exports_the_expected_file(
    qtbot: QtBot, flow: SetupFlow, services: Services, tmp_path: Path
) -> None:
    window = flow.window
    assert window is not None
    assert not window.cameras.isEnabled()  # nothing but the operation until it exists
    create_operation(qtbot, window, flow)
    add(qtbot, window.tiers, {"number": 1, "name": "Engagement", "start_date": date(2026, 11, 2)})
    add(qtbot, window.tiers, {"number": 2, "name": "Targeting exploiters", "start_date": date(2026, 11, 16)})
    add(qtbot, window.categories, {"key": "kerb-crawler", "label": "Kerb crawler", "kind": "person",
                                   "subject_prefix": "KC"})  # fmt: skip
    add(qtbot, window.categories, {"key": "vehicle", "label": "Vehicle", "kind": "vehicle"})
    add(qtbot, window.locations, {"key": "quay", "name": "Quay Street", "prescribed_area": True})
    add(qtbot, window.locations, {"key": "market", "name": "Market Square", "prescribed_area": False})
    # A URL typed with its credentials: they move to the credential fields at once.
    add(qtbot, window.cameras, {"key": "cam-quay", "name": "Quay Street north", "kind": "rtsp", "location": "quay",
                                "main_url": f"rtsp://viewer:{CAMERA_PASSWORD}@192.0.2.10:554/main",
                                "sub_url": "rtsp://192.0.2.10:554/sub"})  # fmt: skip
    add(qtbot, window.cameras, {"key": "cam-market", "name": "Market Square", "kind": "mjpeg", "location": "market",
                                "main_url": "http://192.0.2.11/video.mjpg", "recording": False,
                                "username": "council", "password": "m4rket-pass"})  # fmt: skip
    draw_mask(qtbot, window, "Flat windows No. 12")
    teams = window.teams_units.teams
    add(qtbot, teams, {"key": "team-a", "name": "Team A"})
    add(qtbot, window.teams_units.units, {"call_sign": "DS21", "kind": "plain_clothes", "team": "team-a"})
    add(qtbot, window.teams_units.units, {"call_sign": "PC40", "kind": "uniformed", "team": "team-a"})
    add(qtbot, window.officers, {"collar_number": "4417", "name": "Sam Patel", "team": "team-a", "unit": "DS21"})
    add(qtbot, window.officers, {"collar_number": "SC102", "name": "Alex Reid", "special_constable": True,
                                 "team": "team-a", "unit": "PC40"})  # fmt: skip
    add(qtbot, window.operators, {"login": "jsmith", "name": "Jo Smith", "role": "controller",
                                  "operator_password": OPERATOR_PASSWORD})  # fmt: skip

    # The camera's password is never shown again: words say it is stored, the field is empty.
    window.tabs.setCurrentWidget(window.cameras)
    window.cameras.table.selectRow(0)
    qtbot.waitUntil(lambda: window.cameras.note.text().startswith("password stored (set "), timeout=WAIT)
    assert window.cameras.form.value("username") == "viewer"
    assert window.cameras.form.value("password") == ""  # never filled back in
    assert window.cameras.form.value("main_url") == "rtsp://192.0.2.10:554/main"
    texts = window.texts()
    for secret in (CAMERA_PASSWORD, "m4rket-pass", OPERATOR_PASSWORD):
        assert not any(secret in t for t in texts), secret
    window.operators.table.selectRow(1)
    qtbot.waitUntil(lambda: window.operators.note.text().startswith("password set on "), timeout=WAIT)
    assert services.auth.login("jsmith", OPERATOR_PASSWORD, "test-console").role == "controller"

    out = tmp_path / "exported.toml"
    window.operation.export_file(str(out))
    qtbot.waitUntil(out.exists, timeout=WAIT)
    exported = out.read_text(encoding="utf-8")
    assert exported == render_operation(services.operations.export_spec("op-harbour"))
    assert exported == EXPECTED.read_text(encoding="utf-8")
    report = verify(services.db)
    assert report.ok, report.problems


def test_a_refused_save_shows_the_words_beside_the_field_and_keeps_what_was_typed(
    qtbot: QtBot, flow: SetupFlow, services: Services
) -> None:
    window = flow.window
    assert window is not None
    create_operation(qtbot, window, flow)
    before = services.record.head()
    tab = window.cameras
    window.tabs.setCurrentWidget(tab)
    qtbot.mouseClick(tab.new_button, Qt.MouseButton.LeftButton)
    type_into(qtbot, tab, {"key": "cam-1", "name": "One", "kind": "rtsp", "main_url": "http://192.0.2.1/x"})
    qtbot.mouseClick(tab.save_button, Qt.MouseButton.LeftButton)
    problem = tab.form.problems["main_url"]
    qtbot.waitUntil(problem.isVisible, timeout=WAIT)
    assert "rtsp://" in problem.text()
    assert tab.form.value("main_url") == "http://192.0.2.1/x" and tab.form.value("key") == "cam-1"
    assert services.record.head() == before


def test_test_connection_shows_a_frame_or_why_not(
    qtbot: QtBot,
    flow: SetupFlow,
    test_clip: Path,
    mjpeg_stream: MjpegStreamFactory,
    rtsp_server: RtspServerFactory,
) -> None:
    window = flow.window
    assert window is not None
    create_operation(qtbot, window, flow)
    tab = window.cameras
    window.tabs.setCurrentWidget(tab)

    def test_connection(values: dict[str, Any]) -> str:
        qtbot.mouseClick(tab.new_button, Qt.MouseButton.LeftButton)
        type_into(qtbot, tab, values)
        qtbot.mouseClick(tab.test_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(tab.test_button.isEnabled, timeout=WAIT)
        return tab.probe_words.text()

    words = test_connection({"key": "cam-file", "name": "Clip", "kind": "file", "main_url": str(test_clip)})
    assert words.startswith("Picture 320×240"), words
    assert tab.editor.picture is not None and tab.editor.picture.width() == 320
    tab.probe_stream.setCurrentIndex(1)  # the sub stream, which this camera lacks
    words = test_connection({"key": "cam-file", "name": "Clip", "kind": "file", "main_url": str(test_clip)})
    assert words == "Type the stream's URL first"
    tab.probe_stream.setCurrentIndex(0)

    stream = mjpeg_stream(test_clip)
    words = test_connection({"key": "cam-mjpeg", "name": "MJPEG", "kind": "mjpeg", "main_url": stream.url})
    assert words.startswith("Picture "), words

    server = rtsp_server({"/quay": test_clip})
    url = server.url("/quay").replace("rtsp://", f"rtsp://viewer:{CAMERA_PASSWORD}@")
    words = test_connection({"key": "cam-rtsp", "name": "RTSP", "kind": "rtsp", "main_url": url})
    assert words.startswith("Picture 320×240"), words

    port = free_port()
    words = test_connection({"key": "cam-off", "name": "Off", "kind": "rtsp", "main_url": f"rtsp://127.0.0.1:{port}/x",
                             "username": "viewer", "password": CAMERA_PASSWORD})  # fmt: skip
    assert words.startswith("refused: nothing accepts connections at 127.0.0.1:"), words
    assert tab.probe_words.property("problem") == "true"
    assert not any(CAMERA_PASSWORD in t for t in window.texts() if t)


def test_the_first_run_on_an_empty_database_opens_the_set_up_then_the_console(
    qtbot: QtBot, tmp_path: Path, demo_clips: Path
) -> None:
    """A non-demo start with no operation: the administrator is created and logs in, creates
    the operation in the set-up window, closes it, and the console carries on."""
    steps: list[str] = []

    def poll() -> None:
        modal = QApplication.activeModalWidget()
        if isinstance(modal, LoginDialog) and modal.ok.isEnabled():
            if modal.first_run:
                modal.login.setText("chief")
                modal.name.setText("Chief Admin")
                modal.repeat.setText(ADMIN_PASSWORD)
            else:
                modal.login.setText("chief")
            modal.password.setText(ADMIN_PASSWORD)
            steps.append("first run" if modal.first_run else "login")
            modal.ok.click()
            return
        window = next((w for w in QApplication.topLevelWidgets() if isinstance(w, SetupWindow) and w.isVisible()), None)
        if window is None or window.state is None:
            return
        tab = window.operation
        if not tab.exists and tab.save_button.isEnabled() and "create" not in steps:
            assert tab.form.value("name") == "demo"  # the name the console is set to open
            tab.form.set_value("title", "Operation Harbour")
            tab.form.set_value("start_date", date(2026, 11, 2))
            steps.append("create")
            qtbot.mouseClick(tab.save_button, Qt.MouseButton.LeftButton)
        elif tab.exists and "closed" not in steps:
            steps.append("closed")
            window.close()

    timer = QTimer()
    timer.setInterval(50)
    timer.timeout.connect(poll)
    timer.start()
    try:
        with console_session(tmp_path, demo_clips, demo=False) as (session, services):
            assert steps == ["first run", "login", "create", "closed"]
            assert session.actor.login == "chief" and session.actor.role == "administrator"
            assert "Operation Harbour" in session.window.windowTitle()
            assert services.operations.names() == ["demo"]
            assert session.window.actions_by_name["setup"].isEnabled()
            session.window.actions_by_name["setup"].trigger()  # Ctrl+Shift+O
            opened = session.setup_flow.window
            assert opened is not None and opened.isVisible()
            qtbot.waitUntil(lambda: opened.state is not None and opened.state.operation_id is not None, timeout=WAIT)
            assert opened.operation.form.value("title") == "Operation Harbour"
            opened.close()
    finally:
        timer.stop()


def test_import_shows_problems_with_their_lines_then_a_good_file_fills_the_screens(
    qtbot: QtBot, flow: SetupFlow, services: Services, tmp_path: Path
) -> None:
    window = flow.window
    assert window is not None
    tab = window.operation
    bad = tmp_path / "bad.toml"
    bad.write_text(EXPECTED.read_text(encoding="utf-8").replace('kind = "uniformed"', 'kind = "submarine"'))
    before = services.record.head()
    tab.import_file(str(bad))
    qtbot.waitUntil(lambda: not tab.problems.isHidden(), timeout=WAIT)
    assert "Nothing was imported" in tab.message.text()
    assert "line 78: units[2].kind: 'submarine' is not one of" in tab.problems.toPlainText()
    assert services.record.head() == before and flow.operation_id is None

    tab.import_file(str(EXPECTED))
    qtbot.waitUntil(lambda: flow.operation_id is not None and len(window.cameras.rows) == 2, timeout=WAIT)
    assert "Imported setup_expected.toml" in tab.message.text()
    assert [r.values["call_sign"] for r in window.teams_units.units.rows] == ["DS21", "PC40"]
    # Retire a camera from its tab; the screens and the file both say so.
    cameras = window.cameras
    window.tabs.setCurrentWidget(cameras)
    cameras.table.selectRow(1)
    qtbot.waitUntil(cameras.active_button.isEnabled, timeout=WAIT)
    qtbot.mouseClick(cameras.active_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not cameras.rows[1].active, timeout=WAIT)
    assert cameras.model.data(cameras.model.index(1, cameras.model.columnCount() - 1)) == "retired"
    assert cameras.active_button.text() == "Put back in use"
    assert "active = false" in render_operation(services.operations.export_spec("op-harbour"))
    # Drag a corner of the imported mask and save it: one change, the new points.
    cameras.table.selectRow(0)
    qtbot.waitUntil(lambda: cameras.mask_list.count() == 1, timeout=WAIT)
    cameras.mask_list.setCurrentRow(0)
    editor = cameras.editor
    rect = editor.picture_rect()
    start = editor.to_widget((0.4, 0.5)).toPoint()
    end = QPoint(round(rect.left() + 0.6 * rect.width()), round(rect.top() + 0.7 * rect.height()))
    qtbot.mousePress(editor, Qt.MouseButton.LeftButton, pos=start)
    qtbot.mouseMove(editor, end)
    qtbot.mouseRelease(editor, Qt.MouseButton.LeftButton, pos=end)
    moved = editor.current_points()[2]
    assert moved == pytest.approx((0.6, 0.7), abs=0.005)  # to the pixel
    qtbot.mouseClick(cameras.save_mask_button, Qt.MouseButton.LeftButton)
    # Wait for the answer, whatever it is, so that a refusal fails with its words.
    qtbot.waitUntil(lambda: cameras.mask_message.text() != "Saving the mask…", timeout=WAIT)
    assert "changed" in cameras.mask_message.text(), cameras.mask_message.text()
    assert services.operations.export_spec("op-harbour").masks[0].points[2] == moved
