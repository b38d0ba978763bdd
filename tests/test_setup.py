"""Operation set-up through the service: every change one record entry, refusals write nothing,
retire versus delete, credentials never in the record or an export, and verify passes."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import select

from console.access import PermissionDenied
from console.camera_watch import CameraEvent, record_camera_event
from console.operation_checks import FieldProblems
from console.operation_file import parse_operation, render_operation
from console.services import Services
from console.setup import SetupError
from console.types import Actor
from console.verify import verify
from storage.models import Camera, CameraCredential, CameraMask, PatrolUnit, RecordEntry

GOOD = "correct-horse-battery"
CAMERA_PASSWORD = "s3cret-Pa55"
START = date(2026, 11, 2)


@pytest.fixture
def admin(services: Services) -> Actor:
    services.auth.create_first_administrator("test-console", "chief", "Chief Admin", GOOD)
    return services.auth.login("chief", GOOD, "test-console")


def operation(services: Services, admin: Actor) -> int:
    done = services.setup.create_operation(
        admin, {"name": "op-harbour", "title": "Operation Harbour", "start_date": START, "timezone": "Europe/London"}
    )
    assert done.kind == "setup.operation.created"
    state = services.setup.state("op-harbour")
    assert state.operation_id is not None
    return state.operation_id


def entries(services: Services) -> list[RecordEntry]:
    return list(services.record.entries())


def add(services: Services, admin: Actor, op: int, section: str, values: dict[str, Any]) -> int:
    before = services.record.head().count
    done = services.setup.save(admin, op, section, None, values)
    assert services.record.head().count == before + (2 if values.get("operator_password") else 1)
    assert done.kind.startswith("setup.") and done.kind.endswith(".added")
    return int(done.ref_id)


CAMERA = {
    "key": "cam-quay",
    "name": "Quay Street",
    "kind": "rtsp",
    "location": "quay",
    "main_url": f"rtsp://viewer:{CAMERA_PASSWORD}@127.0.0.1:8554/quay",
    "sub_url": "",
    "recording": True,
    "username": "",
    "password": "",
}


def build(services: Services, admin: Actor) -> tuple[int, dict[str, int]]:
    op = operation(services, admin)
    ids = {
        "tier": add(services, admin, op, "tiers", {"number": 1, "name": "Engagement", "start_date": START}),
        "category": add(services, admin, op, "categories", {"key": "kc", "label": "Kerb crawler", "kind": "person"}),
        "location": add(services, admin, op, "locations", {"key": "quay", "name": "Quay St", "prescribed_area": True}),
        "camera": add(services, admin, op, "cameras", CAMERA),
        "team": add(services, admin, op, "teams", {"key": "a", "name": "Team A"}),
        "unit": add(services, admin, op, "units", {"call_sign": "PC1", "kind": "plain_clothes", "team": "a"}),
        "officer": add(
            services, admin, op, "officers", {"collar_number": "1234", "name": "Pat Jones", "team": "a", "unit": "PC1"}
        ),
        "operator": add(
            services,
            admin,
            op,
            "operators",
            {"login": "ctl1", "name": "Cary Controller", "role": "controller", "operator_password": "night-watch-42"},
        ),
    }
    ids["mask"] = add(
        services,
        admin,
        op,
        "masks",
        {"camera": "cam-quay", "name": "Flat window", "points": [[0, 0], [0.5, 0], [0.5, 0.5]]},
    )
    return op, ids


def test_every_change_is_one_record_entry_and_verify_passes(services: Services, admin: Actor) -> None:
    op, ids = build(services, admin)
    kinds = [e.kind for e in entries(services)]
    assert kinds[-11:] == [
        "setup.operation.created",
        "setup.tier.added",
        "setup.category.added",
        "setup.location.added",
        "setup.camera.added",
        "setup.team.added",
        "setup.unit.added",
        "setup.officer.added",
        "setup.operator.added",
        "operator.password_set",
        "setup.mask.added",
    ]
    # Entries name items by key, call sign or collar number: no officer's name, no mask's words.
    texts = " ".join(e.text + e.payload for e in entries(services))
    assert "Pat Jones" not in texts and "Flat window" not in texts and "Mask 'cam-quay/" in texts
    # A change names the fields it changed, never a credential's value.
    changed = dict(CAMERA, name="Quay Street north", password="n3w-Pa55word")
    done = services.setup.save(admin, op, "cameras", ids["camera"], changed)
    assert done.kind == "setup.camera.changed"
    assert "after the console restarts" in done.words
    last = entries(services)[-1]
    assert last.payload == '{"fields":["name","password"]}'
    with services.db.read() as s:
        cred = s.get(CameraCredential, ids["camera"])
        assert cred is not None and (cred.username, cred.password) == ("viewer", "n3w-Pa55word")
        camera = s.get(Camera, ids["camera"])
        assert camera is not None and camera.main_url == "rtsp://127.0.0.1:8554/quay"
    row = next(r for r in services.setup.state("op-harbour").sections["cameras"])
    assert row.values["username"] == "viewer" and "password" not in row.values
    assert row.note.startswith("password stored (set ") and CAMERA_PASSWORD not in repr(row)
    text = render_operation(services.operations.export_spec("op-harbour"))
    assert 'username = "viewer"' in text and "n3w-Pa55word" not in text and CAMERA_PASSWORD not in text
    assert parse_operation(text).masks[0].points == ((0.0, 0.0), (0.5, 0.0), (0.5, 0.5))
    # A new password alone for an operator is one entry, the one console.auth writes.
    jsmith = {"login": "ctl1", "name": "Cary Controller", "role": "controller"}
    count = services.record.head().count
    done = services.setup.save(admin, op, "operators", ids["operator"], {**jsmith, "operator_password": "day-watch-42"})
    assert done.kind == "operator.password_set" and services.record.head().count == count + 1
    with pytest.raises(SetupError, match="Nothing was changed"):
        services.setup.save(admin, op, "operators", ids["operator"], jsmith)
    chief = {"login": "chief", "name": "Chief Admin", "role": "auditor"}
    with pytest.raises(FieldProblems, match="your own role"):
        services.setup.save(admin, op, "operators", admin.operator_id or 0, chief)
    assert services.record.head().count == count + 1
    for entry in entries(services):
        for secret in (CAMERA_PASSWORD, "n3w-Pa55word", "night-watch-42", "day-watch-42"):
            assert secret not in entry.text and secret not in entry.payload and secret not in entry.rows
    report = verify(services.db)
    assert report.ok, report.problems


def test_refusals_come_back_by_field_and_write_nothing(services: Services, admin: Actor) -> None:
    op, _ = build(services, admin)
    before = services.record.head()
    refusals: list[tuple[str, dict[str, Any], str]] = [
        ("cameras", dict(CAMERA, key="cam-2", main_url="http://127.0.0.1/x"), "main_url"),
        ("cameras", dict(CAMERA, name="Other"), "key"),  # cam-quay is taken
        ("cameras", dict(CAMERA, key="Bad Key"), "key"),
        ("cameras", dict(CAMERA, key="cam-3", location="nowhere"), "location"),
        ("tiers", {"number": 2, "name": "Early", "start_date": date(2026, 10, 1)}, "start_date"),
        ("tiers", {"number": 1, "name": "Again", "start_date": START}, "number"),
        ("units", {"call_sign": "PC2", "kind": "submarine"}, "kind"),
        ("officers", {"collar_number": "99", "name": "X", "unit": "PC9"}, "unit"),
        (
            "operators",
            {"login": "new", "name": "New", "role": "controller", "operator_password": "short"},
            "operator_password",
        ),
        ("operators", {"login": "x2", "name": "X", "role": "king"}, "role"),
        ("masks", {"camera": "cam-quay", "name": "M", "points": [[0, 0], [2, 0], [0, 1]]}, "points"),
    ]
    for section, values, field in refusals:
        with pytest.raises(FieldProblems) as refused:
            services.setup.save(admin, op, section, None, values)
        assert field in refused.value.problems, (section, refused.value.problems)
    with pytest.raises(FieldProblems) as bad_op:
        services.setup.change_operation(admin, op, {"start_date": START, "timezone": "Mars/Olympus"})
    assert "timezone" in bad_op.value.problems
    controller = services.operations.operator("ctl1", "test-console")
    with pytest.raises(PermissionDenied):
        services.setup.save(controller, op, "teams", None, {"key": "b", "name": "Team B"})
    assert services.record.head() == before


def test_referenced_items_retire_and_unreferenced_ones_are_deleted(services: Services, admin: Actor) -> None:
    op, ids = build(services, admin)
    spare = add(services, admin, op, "cameras", dict(CAMERA, key="cam-spare", main_url="rtsp://127.0.0.1/spare"))
    done = services.setup.remove(admin, op, "cameras", spare)
    assert done.kind == "setup.camera.deleted"
    event = CameraEvent("cam-quay", "camera.lost", datetime.now(UTC), "no video")
    record_camera_event(services.record, "test-console", op, ids["camera"], event)
    done = services.setup.remove(admin, op, "cameras", ids["camera"])
    assert done.kind == "setup.camera.retired" and "record" in done.words
    with services.db.read() as s:
        assert s.get(Camera, spare) is None
        assert s.get(Camera, ids["camera"]) is not None
        assert s.scalars(select(CameraMask).where(CameraMask.camera_id == ids["camera"])).first() is not None
    assert [c.key for c in services.operations.cameras(op)] == []
    assert [c.key for c in services.operations.cameras(op, retired=True)] == ["cam-quay"]
    # Putting it back is a change of its own; a file exported meanwhile says it is retired.
    assert "active = false" in render_operation(services.operations.export_spec("op-harbour"))
    services.setup.set_active(admin, op, "cameras", ids["camera"], True)
    # A unit with a status change in the record is retired; its officers are referred to by a shift.
    services.shifts.start(services.operations.operator("ctl1", "test-console"), op, ["a"])
    assert services.setup.remove(admin, op, "units", ids["unit"]).kind == "setup.unit.retired"
    with services.db.read() as s:
        unit = s.get(PatrolUnit, ids["unit"])
        assert unit is not None and not unit.active
    # Shifts name their teams by key: a team on a shift keeps its key and cannot be deleted.
    with pytest.raises(FieldProblems, match="names this team by its key"):
        services.setup.save(admin, op, "teams", ids["team"], {"key": "alpha", "name": "Team A"})
    with pytest.raises(SetupError, match="cannot be deleted"):
        services.setup.remove(admin, op, "teams", ids["team"])
    assert services.setup.save(admin, op, "teams", ids["team"], {"key": "a", "name": "Alpha"}).kind == (
        "setup.team.changed"
    )
    # A location in use by a camera cannot go (locations have no retirement).
    with pytest.raises(SetupError, match="cannot be deleted"):
        services.setup.remove(admin, op, "locations", ids["location"])
    assert services.setup.remove(admin, op, "masks", ids["mask"]).kind == "setup.mask.deleted"
    assert services.setup.remove(admin, op, "tiers", ids["tier"]).kind == "setup.tier.deleted"
    # An operator who never did anything can be deleted; the administrator cannot delete themself.
    assert services.setup.remove(admin, op, "operators", ids["operator"]).kind == "setup.operator.retired"
    lone = add(services, admin, op, "operators", {"login": "spare", "name": "Spare", "role": "auditor"})
    assert services.setup.remove(admin, op, "operators", lone).kind == "setup.operator.deleted"
    with pytest.raises(SetupError):
        services.setup.remove(admin, op, "operators", admin.operator_id or 0)
    report = verify(services.db)
    assert report.ok, report.problems
