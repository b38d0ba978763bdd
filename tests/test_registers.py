"""Subject and vehicle registers, and special-category data: restricted by role, every viewing
audited in the record, values never in the record's text."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from sqlalchemy import select

from console.access import PermissionDenied
from console.record import ActionContext, EntryDraft
from console.registers import SensitiveData
from console.services import Services
from console.sightings import NewSubject, TagDraft, VehicleDraft
from console.types import Actor
from console.verify import verify
from storage.models import Outcome, RecordEntry

IMAGE = np.full((90, 160, 3), 80, dtype=np.uint8)


def tag(services: Services, actor: Actor, when: datetime, **fields: object) -> int:
    oid = services.operations.view("demo").id
    draft = TagDraft(camera_key="cam01", captured_at=when, image=IMAGE, **fields)  # type: ignore[arg-type]
    return services.sightings.save(actor, oid, draft).sighting_id


def record_outcome(services: Services, actor: Actor, kind: str, **ref: int) -> None:
    """Outcomes arrive with the dispatch issue; here one is written through the same write path."""
    oid = services.operations.view("demo").id

    def write(ctx: ActionContext) -> EntryDraft:
        row = Outcome(operation_id=oid, kind=kind, recorded_at=ctx.event_time, **ref)
        ctx.session.add(row)
        ctx.session.flush()
        return EntryDraft(kind=f"outcome.{kind}", text=kind, ref_type="outcome", ref_id=str(row.id))

    services.record.perform(actor, "log.note", write, operation_id=oid)


def test_vehicle_register_counts_sightings_letters_and_stop_checks(demo: Services, controller: Actor) -> None:
    now = datetime.now(UTC)
    for days in (1, 3, 10, 40):
        tag(demo, controller, now - timedelta(days=days), category_key="vehicle", vehicle=VehicleDraft("OY09 FEU"))
    tag(demo, controller, now, category_key="vehicle", vehicle=VehicleDraft("AB12 CDE", make="Ford"))
    oid = demo.operations.view("demo").id
    rows = {r.vrm: r for r in demo.registers.vehicles(oid)}
    feu = rows["OY09 FEU"]
    assert (feu.seen_7_days, feu.seen_28_days, feu.sightings) == (2, 3, 4)
    record_outcome(demo, controller, "warning_letter", vehicle_id=feu.id)
    record_outcome(demo, controller, "stop_check", vehicle_id=feu.id)
    again = {r.vrm: r for r in demo.registers.vehicles(oid, "09f")}
    assert list(again) == ["OY09 FEU"] and (again["OY09 FEU"].letters, again["OY09 FEU"].stop_checks) == (1, 1)
    assert rows["AB12 CDE"].make == "Ford"


def test_subject_register_counts_warnings_and_referrals(demo: Services, controller: Actor) -> None:
    now = datetime.now(UTC)
    tag(demo, controller, now, category_key="sex_worker", new_subject=NewSubject("Red coat"))
    oid = demo.operations.view("demo").id
    [row] = demo.registers.subjects(oid)
    tag(demo, controller, now, category_key="sex_worker", subject_id=row.id)
    record_outcome(demo, controller, "official_warning", subject_id=row.id)
    [row] = demo.registers.subjects(oid, "red")
    assert (row.reference, row.sightings, row.warnings, row.referrals) == ("SW-001", 2, 1, 0)
    history = demo.sightings.subject_history(oid, row.id)
    assert history.advice is not None and history.advice.referral_due
    assert demo.registers.subjects(oid, "nobody") == []


def test_special_category_data_is_restricted_and_every_viewing_audited(demo: Services, controller: Actor) -> None:
    tag(demo, controller, datetime.now(UTC), category_key="sex_worker", new_subject=NewSubject("Red coat"))
    oid = demo.operations.view("demo").id
    [row] = demo.registers.subjects(oid)
    sergeant = demo.operations.operator("sgt.demo", "test-console")
    secret = SensitiveData(row.id, ethnicity="White British", dependency="Heroin", vulnerability="Homeless")
    with pytest.raises(PermissionDenied):
        demo.registers.write_sensitive(controller, oid, secret)
    with pytest.raises(PermissionDenied):
        demo.registers.read_sensitive(controller, oid, row.id, "curious")
    demo.registers.write_sensitive(sergeant, oid, secret)
    before = demo.record.head().count
    seen = demo.registers.read_sensitive(sergeant, oid, row.id, "Referral to IOM")
    assert seen == secret
    audit = demo.record.latest(1)[0]
    assert demo.record.head().count == before + 1
    assert audit.kind == "sensitive.viewed" and audit.ref_id == str(row.id)
    with demo.db.read() as s:
        everything = " ".join(f"{e.text} {e.payload}" for e in s.scalars(select(RecordEntry)))
    assert "Referral to IOM" in everything  # the reason for viewing is audited
    for value in ("White British", "Heroin", "Homeless"):
        assert value not in everything
    report = verify(demo.db)
    assert report.ok, report.problems
