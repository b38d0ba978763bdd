"""The letters and three-strikes docks on the real services, with workers: an exception row
stands out in colour and words, ESO steps from the buttons (and no buttons for an auditor), a
letter refused within 28 days says why in the dock, the override field only for supervisors,
the template refused in words, and a batch printed to one PDF marked printed."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
from pytestqt.qtbot import QtBot

from console.letters_flow import LettersFlow
from console.services import Services
from console.strikes_flow import StrikesFlow
from console.tasks import Tasks
from console.types import Actor
from tests.test_letters import ESSEX, seen
from tests.test_sightings import op_id
from tests.test_strikes import warn
from tests.test_support_orders import new_subject
from tests.widgets.fakes import FakeFeed
from widgets.main_window import MainWindow
from widgets.strikes_view import EXCEPTION_BACKGROUND

BOUND_MS = 15_000


@pytest.fixture
def tasks() -> Iterator[Tasks]:
    pool = Tasks()
    yield pool
    pool.wait()


def window(qtbot: QtBot, tmp_path: Path) -> MainWindow:
    state = QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat)
    w = MainWindow([FakeFeed("cam01", "Cam 1", "Station Approach")], state, "Sentinel Console (test)")
    qtbot.addWidget(w)
    return w


def test_exceptions_stand_out_and_eso_steps_are_recorded_from_the_dock(
    qtbot: QtBot, tmp_path: Path, demo: Services, controller: Actor, tasks: Tasks
) -> None:
    oid = op_id(demo)
    start = datetime.now(UTC) - timedelta(days=4)
    demo.shifts.start(controller, oid, ["team-a"], event_time=start)
    warned, sighting = new_subject(demo, controller, start)
    warn(demo, controller, sighting, start + timedelta(minutes=5), refer=False)
    referred, other = new_subject(demo, controller, start)
    warn(demo, controller, other, start + timedelta(minutes=50), refer=True)
    w = window(qtbot, tmp_path)
    flow = StrikesFlow(w, demo, tasks, controller, oid, "Europe/London")
    view = w.strikes
    qtbot.waitUntil(lambda: len(view.model.rows) == 2, timeout=BOUND_MS)
    assert "1 EXCEPTION(S)" in view.status.text()
    rows = [r.subject_id for r in view.model.rows]
    bad, good = rows.index(warned), rows.index(referred)
    follow_up = view.model.index(bad, 4)
    assert view.model.data(follow_up).startswith("EXCEPTION: warned on")
    assert view.model.data(follow_up, Qt.ItemDataRole.BackgroundRole).color() == EXCEPTION_BACKGROUND
    assert not view.model.data(view.model.index(good, 4)).startswith("EXCEPTION")
    assert view.model.data(view.model.index(good, 4), Qt.ItemDataRole.BackgroundRole) is None
    shown = " ".join(str(view.model.data(view.model.index(r, c))) for r in range(2) for c in range(5))
    assert "Red coat" not in shown  # references only on this dock

    view.table.setCurrentIndex(view.model.index(good, 0))
    assert view.apply.isEnabled() and not view.made.isEnabled() and not view.session.isEnabled()
    view.apply.click()
    qtbot.waitUntil(lambda: view.message.text().startswith("Recorded in entry"), timeout=BOUND_MS)
    assert "only 1 official warning(s) recorded" in view.message.text()  # recorded, with the caution
    qtbot.waitUntil(view.made.isEnabled, timeout=BOUND_MS)
    assert not view.apply.isEnabled()
    view.made.click()
    qtbot.waitUntil(view.session.isEnabled, timeout=BOUND_MS)
    view.session.click()
    qtbot.waitUntil(lambda: "sessions 1 of 3" in view.model.data(view.model.index(good, 3)), timeout=BOUND_MS)
    assert (
        next(r for r in view.model.rows if r.subject_id == referred).next_step
        == "ESO in place: support sessions 1 of 3; no further action under three strikes."
    )
    view.ending.setCurrentText("completed")
    view.end.click()  # one session of three: the service refuses, the dock says so
    qtbot.waitUntil(lambda: view.message.text().startswith("Not recorded:"), timeout=BOUND_MS)
    assert "attended 1 of 3 sessions" in view.message.text() and view.message.property("problem") == "true"
    assert [o.ending for o in demo.support_orders.orders(oid, referred)] == [""]
    assert flow.moment(datetime.now(flow.tz).date()) is None  # today: the time of the click


def test_an_auditor_reads_the_register_but_cannot_record_esos(
    qtbot: QtBot, tmp_path: Path, demo: Services, controller: Actor, tasks: Tasks
) -> None:
    oid = op_id(demo)
    subject, _ = new_subject(demo, controller, datetime.now(UTC) - timedelta(hours=2))
    demo.support_orders.apply(controller, oid, subject)
    w = window(qtbot, tmp_path)
    auditor = demo.operations.operator("auditor.demo", "test-console")
    StrikesFlow(w, demo, tasks, auditor, oid, "Europe/London")
    view = w.strikes
    qtbot.waitUntil(lambda: len(view.model.rows) == 1, timeout=BOUND_MS)
    view.table.setCurrentIndex(view.model.index(0, 0))
    assert not any(b.isEnabled() for b in (view.apply, view.made, view.session, view.end))
    assert "auditor cannot record" in view.message.text()
    assert view.model.rows[0].next_step.startswith("ESO applied for, awaiting the court")


def letters_window(
    qtbot: QtBot, tmp_path: Path, demo: Services, actor: Actor, tasks: Tasks
) -> tuple[MainWindow, LettersFlow]:
    w = window(qtbot, tmp_path)
    return w, LettersFlow(w, demo, tasks, actor, op_id(demo))


def test_a_letter_within_28_days_is_refused_in_words_and_only_a_supervisor_can_override(
    qtbot: QtBot, tmp_path: Path, demo: Services, controller: Actor, tasks: Tasks
) -> None:
    oid = op_id(demo)
    first = seen(demo, controller, "LB17 KXR", days_ago=3)
    two_days_ago = datetime.now(UTC) - timedelta(days=2)
    demo.letters.prepare(controller, oid, first, "Ms B Keeper", "1 High St\nTown", now=two_days_ago)
    seen(demo, controller, "LB17 KXR", days_ago=1)  # seen again since the letter
    w, _ = letters_window(qtbot, tmp_path, demo, controller, tasks)
    view = w.letters
    qtbot.waitUntil(lambda: len(view.candidate_model.rows) == 1, timeout=BOUND_MS)
    assert view.override.isHidden()  # a controller: no override
    assert view.indexOf(view.template_page) < 0  # nor the template
    view.candidate_table.setCurrentIndex(view.candidate_model.index(0, 0))
    assert "letter sent 2 day(s) ago" in view.candidate_model.data(view.candidate_model.index(0, 4))
    view.keeper_name.setText("Ms B Keeper")
    view.keeper_address.setPlainText("1 High St\nTown")
    view.prepare.click()
    qtbot.waitUntil(lambda: view.prepare_message.text().startswith("Not prepared:"), timeout=BOUND_MS)
    assert "a letter went to this vehicle's keeper 2 day(s) ago" in view.prepare_message.text()
    assert view.keeper_name.text() == "Ms B Keeper"  # nothing typed is lost
    assert len(demo.letters.register(oid)) == 1

    supervisor = demo.operations.operator("sgt.demo", "test-console")
    w2, _ = letters_window(qtbot, tmp_path / "sgt", demo, supervisor, tasks)
    sgt = w2.letters
    qtbot.waitUntil(lambda: len(sgt.candidate_model.rows) == 1, timeout=BOUND_MS)
    assert not sgt.override.isHidden() and sgt.indexOf(sgt.template_page) >= 0
    sgt.candidate_table.setCurrentIndex(sgt.candidate_model.index(0, 0))
    sgt.keeper_name.setText("Ms B Keeper")
    sgt.keeper_address.setPlainText("1 High St\nTown")
    sgt.override.setText("seen twice in a week")
    sgt.prepare.click()
    qtbot.waitUntil(lambda: sgt.prepare_message.text().startswith("Letter WL-00002 prepared"), timeout=BOUND_MS)
    qtbot.waitUntil(lambda: len(sgt.letter_model.rows) == 2 and not sgt.candidate_model.rows, timeout=BOUND_MS)
    assert sgt.letter_model.rows[0].override_reason == "seen twice in a week" and sgt.keeper_name.text() == ""


def test_the_template_is_refused_in_words_and_a_batch_prints_to_one_pdf(
    qtbot: QtBot, tmp_path: Path, demo: Services, controller: Actor, tasks: Tasks
) -> None:
    oid = op_id(demo)
    for vrm in ("OY09 FEU", "KN64 DWA", "S456 HJK"):
        demo.letters.prepare(controller, oid, seen(demo, controller, vrm), f"Keeper of {vrm}", ESSEX)
    supervisor = demo.operations.operator("sgt.demo", "test-console")
    w, flow = letters_window(qtbot, tmp_path, demo, supervisor, tasks)
    view = w.letters
    qtbot.waitUntil(
        lambda: len(view.letter_model.rows) == 3 and bool(view.template_body.toPlainText()), timeout=BOUND_MS
    )
    assert "version 1" in view.template_version.text()  # the first letter stored the default as v1
    view.template_body.setPlainText(view.template_body.toPlainText().replace("anti-social", "antisocial"))
    view.save_template.click()
    qtbot.waitUntil(lambda: view.template_message.text().startswith("Not saved:"), timeout=BOUND_MS)
    assert "an area of high anti-social behaviour" in view.template_message.text()
    view.template_body.setPlainText(demo.letters.template(oid)[1] + "\nNo brothel here.")
    view.save_template.click()
    qtbot.waitUntil(lambda: "never use: brothel" in view.template_message.text(), timeout=BOUND_MS)
    assert demo.letters.template(oid)[0] == 1
    view.template_body.setPlainText(demo.letters.template(oid)[1].replace("No further action", "No action"))
    view.save_template.click()
    qtbot.waitUntil(lambda: "version 2" in view.template_version.text(), timeout=BOUND_MS)
    assert view.template_message.text().startswith("Template saved as a new version")

    view.setCurrentIndex(1)
    view.select_unprinted.click()
    picked = [x.reference for x in view.selected_letters()]
    assert len(picked) == 3 and view.print_pdf.text() == "Print 3 to PDF…"
    out = tmp_path / "batch.pdf"
    flow.choose_path = lambda _default: str(out)
    view.print_pdf.click()
    qtbot.waitUntil(lambda: view.register_message.text().startswith("3 letter(s) printed"), timeout=BOUND_MS)
    info = subprocess.run(["pdfinfo", str(out)], capture_output=True, text=True, check=True).stdout
    assert "Pages:           3" in info
    assert all(x.printed_at is not None for x in demo.letters.register(oid))
    qtbot.waitUntil(lambda: all(r.printed_at for r in view.letter_model.rows), timeout=BOUND_MS)
    assert demo.record.latest(1)[0].kind == "letter.printed"
