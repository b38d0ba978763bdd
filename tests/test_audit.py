"""The audit trail: logins, special-category reads, exports and camera events listed for
auditors and supervisors only, filtered by group, operator, time and words (typed words are
bound parameters: SQL wildcards and quotes match themselves)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from console.access import PermissionDenied
from console.audit import ALL_GROUPS, AuditFilter, audit_entries
from console.record import utc_now
from console.registers import SensitiveData
from console.services import Services
from console.sightings import NewSubject
from tests.test_sightings import op_id, vehicle_tag

GOOD = "correct horse battery"


@pytest.fixture
def audited(demo: Services) -> Services:
    oid = op_id(demo)
    demo.auth.create_first_administrator("c1", "chief", "Chief", GOOD)
    admin = demo.auth.login("chief", GOOD, "c1")
    demo.auth.set_password(admin, "auditor.demo", "audit the night 1")
    with pytest.raises(ValueError, match="do not match"):
        demo.auth.login("auditor.demo", "guess 100% wrong'; --", "c1")
    controller = demo.operations.operator("demo", "c1")
    sergeant = demo.operations.operator("sgt.demo", "c1")
    demo.sightings.save(controller, oid, vehicle_tag("SW", utc_now() - timedelta(minutes=5), category_key="sex_worker",
                                                     vehicle=None, new_subject=NewSubject("Red coat")))  # fmt: skip
    subject = demo.sightings.search_subjects(oid, "Red coat", "sex_worker")[0]
    demo.registers.write_sensitive(sergeant, oid, SensitiveData(subject.id, "White British", "", "", ""))
    demo.registers.read_sensitive(sergeant, oid, subject.id, "welfare check before the patrol")
    demo.shifts.note(controller, oid, "Radio check")  # not audited
    return demo


def kinds(entries: list[Any]) -> list[str]:
    return [e.kind for e in entries]


def test_groups_operator_and_words_filter_the_trail(audited: Services) -> None:
    auditor = audited.auth.login("auditor.demo", "audit the night 1", "c1")
    everything = audited_entries = audit_entries(audited.record, auditor, AuditFilter())
    assert "log.note" not in kinds(everything) and "sighting.tagged" not in kinds(everything)
    assert {"operator.first_administrator", "auth.login", "auth.login_failed", "sensitive.updated",
            "sensitive.viewed", "operation.imported"} <= set(kinds(audited_entries))  # fmt: skip
    assert kinds(everything) == sorted(kinds(everything), key=lambda k: 0) and everything[0].seq > everything[-1].seq
    special = audit_entries(audited.record, auditor, AuditFilter(group="Special-category data"))
    assert kinds(special) == ["sensitive.viewed", "sensitive.updated"]
    by_sergeant = audit_entries(audited.record, auditor, AuditFilter(operator="SGT.DEMO"))
    assert {e.operator for e in by_sergeant} == {"sgt.demo"}
    logins = audit_entries(audited.record, auditor, AuditFilter(group="Logins and locks", text="failed login"))
    assert kinds(logins) == ["auth.login_failed"]
    for sneaky in ("%", "_", "' OR 1=1 --", "100% wrong"):
        assert audit_entries(audited.record, auditor, AuditFilter(text=sneaky)) == []
    future = audit_entries(audited.record, auditor, AuditFilter(since=utc_now() + timedelta(hours=1)))
    assert future == []
    with pytest.raises(ValueError, match="Unknown audit group"):
        audit_entries(audited.record, auditor, AuditFilter(group="Everything"))
    assert AuditFilter().group == ALL_GROUPS


def test_only_auditors_and_supervisors_read_the_trail(audited: Services) -> None:
    controller = audited.operations.operator("demo", "c1")
    with pytest.raises(PermissionDenied, match="may not read the audit trail"):
        audit_entries(audited.record, controller, AuditFilter())
    sergeant = audited.operations.operator("sgt.demo", "c1")
    assert audit_entries(audited.record, sergeant, AuditFilter(group="Special-category data"))


def test_a_controller_never_sees_the_audit_dock(qtbot: QtBot, demo_console: tuple[Any, Services]) -> None:
    session, _services = demo_console
    window = session.window
    assert not window.audit_dock.isVisible() and not window.actions_by_name["audit"].isEnabled()
    window.actions_by_name["lock"].trigger()
    window.lock_bar.unlock.click()
    qtbot.waitUntil(lambda: not window.locked, timeout=15_000)
    assert not window.audit_dock.isVisible() and not window.actions_by_name["audit"].isEnabled()
