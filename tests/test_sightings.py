"""Tagging a sighting through the write path: rows, stills and entry together; the frame's
capture time; VRM checks; subjects with the next free reference; what matters next; filters;
and the record verifies (and catches an edited VRM). Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import select, text

import console.sightings as sightings_module
from console.access import PermissionDenied
from console.services import Services
from console.sightings import NewSubject, SightingError, SightingFilter, TagDraft, VehicleDraft
from console.text import TextError
from console.types import Actor
from console.verify import verify
from storage.models import RecordEntry, Sighting, Subject, Vehicle


def frame() -> np.ndarray:
    image = np.zeros((270, 480, 4), dtype=np.uint8)
    image[..., 1] = 90
    image[..., 3] = 255
    return image


def op_id(services: Services) -> int:
    return services.operations.view("demo").id


def vehicle_tag(vrm: str, when: datetime, **extra: object) -> TagDraft:
    fields: dict[str, object] = {
        "camera_key": "cam01",
        "captured_at": when,
        "category_key": "vehicle",
        "image": frame(),
        "boxes": ((40, 50, 120, 60),),
        "vehicle": VehicleDraft(vrm, make="Ford", model="Focus", colour="Silver"),
        "direction": "towards the station",
    }
    fields.update(extra)
    return TagDraft(**fields)  # type: ignore[arg-type]


def test_vehicle_tag_stores_rows_stills_and_entry_with_the_frame_time(demo: Services, controller: Actor) -> None:
    frame_time = datetime.now(UTC) - timedelta(seconds=42)  # the frozen frame, not the save click
    saved = demo.sightings.save(controller, op_id(demo), vehicle_tag("oy09feu", frame_time))
    assert saved.vrm == "OY09 FEU"
    with demo.db.read() as s:
        sighting = s.get(Sighting, saved.sighting_id)
        assert sighting is not None
        assert abs((sighting.captured_at - frame_time).total_seconds()) < 0.001
        assert sighting.in_prescribed_area  # cam01 looks at Station Approach, inside the area
        assert json.loads(sighting.boxes) == [[40, 50, 120, 60]]
        for path, digest in (
            (sighting.still_path, sighting.still_sha256),
            (sighting.clean_still_path, sighting.clean_still_sha256),
        ):
            data = Path(path).read_bytes()
            assert data[:2] == b"\xff\xd8" and hashlib.sha256(data).hexdigest() == digest
        vehicle = s.get(Vehicle, sighting.vehicle_id)
        assert vehicle is not None and (vehicle.vrm, vehicle.make, vehicle.colour) == ("OY09 FEU", "Ford", "Silver")
        entry = s.scalars(select(RecordEntry).where(RecordEntry.seq == saved.result.seq)).one()
        assert entry.kind == "sighting.tagged" and entry.ref_id == str(saved.sighting_id)
        assert "OY09" not in entry.text + entry.payload  # personal data stays in the rows
    assert Path(sighting.still_path).read_bytes() != Path(sighting.clean_still_path).read_bytes()
    # the second sighting of the same car says how often it was seen
    again = demo.sightings.save(controller, op_id(demo), vehicle_tag("OY09 FEU", datetime.now(UTC)))
    assert any("seen 2 time(s) in the last 7 days, 2 in 28 days" in line for line in again.what_next)
    report = verify(demo.db)
    assert report.ok, report.problems


def test_invalid_vrm_stops_the_save_and_leaves_nothing_behind(demo: Services, controller: Actor) -> None:
    head = demo.record.head()
    with pytest.raises(SightingError, match="did you mean OY09 FEU"):
        demo.sightings.save(controller, op_id(demo), vehicle_tag("OYO9 FEU", datetime.now(UTC)))
    with pytest.raises(SightingError, match="needs the registration mark"):
        demo.sightings.save(controller, op_id(demo), vehicle_tag("", datetime.now(UTC)))
    assert demo.record.head() == head
    stills = demo.settings.stills_dir
    assert not stills.exists() or not any(p.is_file() for p in stills.rglob("*"))


def test_a_failed_transaction_removes_its_stills(demo: Services, controller: Actor) -> None:
    with pytest.raises(SightingError, match="unknown camera"):
        demo.sightings.save(controller, op_id(demo), vehicle_tag("AB12 CDE", datetime.now(UTC), camera_key="nope"))
    assert not any(p.is_file() for p in demo.settings.stills_dir.rglob("*"))


def test_new_subjects_get_the_next_free_reference_and_the_three_strikes_advice(
    demo: Services, controller: Actor
) -> None:
    oid = op_id(demo)
    assert demo.sightings.next_reference(oid, "sex_worker") == "SW-001"
    person = {"camera_key": "cam01", "category_key": "sex_worker", "image": frame(), "boxes": ((10, 10, 40, 90),)}
    first = demo.sightings.save(
        controller,
        oid,
        TagDraft(captured_at=datetime.now(UTC), new_subject=NewSubject("Red coat, long dark hair", "25-34"), **person),  # type: ignore[arg-type]
    )
    assert first.subject_reference == "SW-001"
    assert any("First official warning may be given" in line for line in first.what_next)
    second = demo.sightings.save(
        controller,
        oid,
        TagDraft(captured_at=datetime.now(UTC), new_subject=NewSubject("Green jacket"), **person),  # type: ignore[arg-type]
    )
    assert second.subject_reference == "SW-002"
    found = demo.sightings.search_subjects(oid, "red coat")
    assert [x.reference for x in found] == ["SW-001"]
    third = demo.sightings.save(
        controller,
        oid,
        TagDraft(captured_at=datetime.now(UTC), subject_id=found[0].id, **person),  # type: ignore[arg-type]
    )
    assert third.subject_reference == "SW-001" and "SW-001: 2 sighting(s)" in third.what_next[0]
    with pytest.raises(SightingError, match="Pick the sex worker seen"):
        demo.sightings.save(controller, oid, TagDraft(captured_at=datetime.now(UTC), **person))  # type: ignore[arg-type]
    kc = demo.sightings.save(
        controller,
        oid,
        TagDraft(
            camera_key="cam02",
            captured_at=datetime.now(UTC),
            category_key="kerb_crawler",
            image=frame(),
            new_subject=NewSubject("Man in grey hoodie"),
        ),
    )
    assert kc.subject_reference == "KC-001"


def test_notes_keep_any_printable_text_and_refuse_control_characters(demo: Services, controller: Actor) -> None:
    oid = op_id(demo)
    words = "Seen twice 👀 — مرحبا بالعالم; '); DROP TABLE sighting; --"
    saved = demo.sightings.save(controller, oid, vehicle_tag("AB12 CDE", datetime.now(UTC), notes=words))
    with demo.db.read() as s:
        row = s.get(Sighting, saved.sighting_id)
        assert row is not None and row.notes == words
        assert s.scalar(select(Sighting.id).where(Sighting.id == saved.sighting_id)) is not None  # table intact
    with pytest.raises(TextError, match="control character"):
        demo.sightings.save(controller, oid, vehicle_tag("AB12 CDE", datetime.now(UTC), notes="bell\x07"))
    with pytest.raises(TextError, match="the limit is 2000"):
        demo.sightings.save(controller, oid, vehicle_tag("AB12 CDE", datetime.now(UTC), notes="x" * 2001))


def test_list_filters_by_category_camera_time_and_text(demo: Services, controller: Actor) -> None:
    oid = op_id(demo)
    now = datetime.now(UTC)
    demo.sightings.save(controller, oid, vehicle_tag("OY09 FEU", now - timedelta(hours=3)))
    demo.sightings.save(controller, oid, vehicle_tag("AB12 CDE", now - timedelta(hours=2), camera_key="cam02"))
    demo.sightings.save(
        controller,
        oid,
        TagDraft(
            camera_key="cam03",
            captured_at=now - timedelta(hours=1),
            category_key="sex_worker",
            image=frame(),
            new_subject=NewSubject("Blue dress"),
        ),
    )
    everything = demo.sightings.list(oid)
    assert [v.vrm or v.subject_reference for v in everything] == ["SW-001", "AB12 CDE", "OY09 FEU"]  # newest first
    assert [v.vrm for v in demo.sightings.list(oid, SightingFilter(text="09fe"))] == ["OY09 FEU"]
    assert [v.vrm for v in demo.sightings.list(oid, SightingFilter(text="b12 c"))] == ["AB12 CDE"]
    assert [v.subject_reference for v in demo.sightings.list(oid, SightingFilter(text="blue"))] == ["SW-001"]
    assert len(demo.sightings.list(oid, SightingFilter(category_key="vehicle"))) == 2
    assert [v.camera_name for v in demo.sightings.list(oid, SightingFilter(camera_key="cam02"))] == [
        "Canal Street east"
    ]
    assert len(demo.sightings.list(oid, SightingFilter(since=now - timedelta(minutes=150)))) == 2
    assert demo.sightings.list(oid, SightingFilter(text="%_%")) == []  # wildcards are just text
    with pytest.raises(SightingError, match="at least 3 characters"):
        demo.sightings.list(oid, SightingFilter(text="ab"))


def test_text_search_with_many_matches_filters_by_sub_query(
    demo: Services, controller: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past the id-list bound the search filters by sub-query; the answer is the same."""
    oid = op_id(demo)
    now = datetime.now(UTC)
    for hours, vrm in enumerate(("AB12 CDE", "AB12 CDF", "OY09 FEU")):
        demo.sightings.save(controller, oid, vehicle_tag(vrm, now - timedelta(hours=hours)))
    by_ids = [v.vrm for v in demo.sightings.list(oid, SightingFilter(text="ab12"))]
    monkeypatch.setattr(sightings_module, "_MATCH_IDS_MAX", 1)
    assert [v.vrm for v in demo.sightings.list(oid, SightingFilter(text="ab12"))] == by_ids == ["AB12 CDE", "AB12 CDF"]


def test_an_edited_vrm_is_caught_by_verify(demo: Services, controller: Actor) -> None:
    saved = demo.sightings.save(controller, op_id(demo), vehicle_tag("OY09 FEU", datetime.now(UTC)))
    assert verify(demo.db).ok
    with demo.db.write.begin() as s:
        s.execute(text("UPDATE vehicle SET vrm = 'AB12 CDE'"))
    report = verify(demo.db)
    assert not report.ok and any("vehicle" in p for p in report.problems)
    with demo.db.read() as s:
        assert s.scalar(select(Subject.id)) is None
    assert saved.sighting_id > 0


def test_an_auditor_cannot_tag(demo: Services) -> None:
    auditor = demo.operations.operator("auditor.demo", "test-console")
    with pytest.raises(PermissionDenied):
        demo.sightings.save(auditor, op_id(demo), vehicle_tag("OY09 FEU", datetime.now(UTC)))


def test_a_correction_is_a_new_entry_referring_to_the_old_and_verifies(demo: Services, controller: Actor) -> None:
    oid = op_id(demo)
    saved = demo.sightings.save(controller, oid, vehicle_tag("AB12 CDF", datetime.now(UTC), notes="blue car"))
    why = "Misread the last letter"
    result = demo.sightings.correct(
        controller, oid, saved.sighting_id, why, vehicle=VehicleDraft("ab12cde"), notes="silver car"
    )
    entry = demo.record.latest(1)[0]
    assert entry.seq == result.seq and entry.kind == "sighting.corrected"
    assert entry.corrects_seq == saved.result.seq
    [view] = demo.sightings.list(oid)
    assert (view.vrm, view.notes) == ("AB12 CDE", "silver car")
    report = verify(demo.db)
    assert report.ok, report.problems
    with pytest.raises(SightingError, match="Nothing was changed"):
        demo.sightings.correct(controller, oid, saved.sighting_id, "again", notes="silver car")
    with pytest.raises(TextError, match="Reason for the correction is empty"):
        demo.sightings.correct(controller, oid, saved.sighting_id, "  ", notes="x")
    # the corrected row is now what verify protects
    with demo.db.write.begin() as s:
        s.execute(text("UPDATE sighting SET notes = 'blue car'"))
    assert not verify(demo.db).ok


def test_demo_seed_writes_sightings_with_stills_that_verify(services: Services) -> None:
    from console.demo import seed_nights

    seed_nights(services, 2)
    oid = op_id(services)
    seen = services.sightings.list(oid)
    assert len(seen) >= 6
    assert any(v.vrm for v in seen) and any(v.subject_reference for v in seen)
    with services.db.read() as s:
        for row in s.scalars(select(Sighting)):
            assert hashlib.sha256(Path(row.still_path).read_bytes()).hexdigest() == row.still_sha256
            assert row.captured_at < datetime.now(UTC)
    report = verify(services.db, services.anchors.read())
    assert report.ok, report.problems
