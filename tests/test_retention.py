"""Retention: exactly what has passed its period goes (boundary days included), what an evidence
hold covers stays, a second run erases nothing, and `record verify` passes afterwards; the
erased VRMs, descriptions, keeper details, notes and complainants' words are nowhere in the
database, and the stills are gone from the disk."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import String, Text, select

import console.footage as footage_module
from console.access import PermissionDenied
from console.auth import console_actor
from console.letters import LetterError
from console.registers import SensitiveData
from console.retention import RUN_KIND, RetentionReport, RetentionService
from console.services import Services
from console.sightings import NewSubject, TagDraft
from console.strikes import register
from console.types import Actor
from console.verify import verify
from storage.models import (
    Base,
    CommunityReport,
    RecordEntry,
    RecordingSegment,
    Sighting,
    Subject,
    SubjectSensitive,
    Vehicle,
    WarningLetter,
)
from tests.test_sightings import frame, op_id, vehicle_tag

YEAR = timedelta(days=365)
OLD_VRM, KEPT_VRM, HELD_VRM = "OY09 FEU", "LB17 KXR", "KN64 DWA"
OLD_LOOK, HELD_LOOK = "Red coat, long dark hair", "Green jacket, white trainers"
KEEPER, ADDRESS = "Mr Alfred Keeperson", "Flat 2, 14 Station Road\nChelmsford CM1 1AA"
OLD_NOTE, COMPLAINT = "Leaning into the silver Ford", "Woman shouting outside number 12 every night"
DEPENDENCY = "Heroin, daily"


@dataclass
class Made:
    base: datetime  # when the old data was made; the newer data is two days later
    old_vehicle: int
    kept_vehicle: int
    held_vehicle: int
    old_subject: int
    held_subject: int
    old_sightings: list[int]
    newer_sighting: int
    held_sightings: list[int]
    old_letter: int
    old_report: int
    newer_report: int
    stills: list[Path]


@pytest.fixture
def supervisor(demo: Services) -> Actor:
    return demo.operations.operator("sgt.demo", "test-console")


def person(camera: str, when: datetime, **extra: object) -> TagDraft:
    return TagDraft(
        camera_key=camera,
        captured_at=when,
        category_key="sex_worker",
        image=frame(),
        boxes=((10, 10, 40, 90),),
        **extra,  # type: ignore[arg-type]
    )


def make_data(demo: Services, controller: Actor, supervisor: Actor) -> Made:
    """Old data (five days ago), newer data (three days ago), and a held exhibit's sightings."""
    oid = op_id(demo)
    base = datetime.now(UTC).replace(microsecond=0) - timedelta(days=5)
    newer = base + timedelta(days=2)
    save = demo.sightings.save
    old_car = save(controller, oid, vehicle_tag(OLD_VRM, base, notes=OLD_NOTE), event_time=base)
    demo.letters.prepare(controller, oid, old_car.sighting_id, KEEPER, ADDRESS, now=base)
    kept_old = save(controller, oid, vehicle_tag(KEPT_VRM, base), event_time=base)
    kept_new = save(controller, oid, vehicle_tag(KEPT_VRM, newer), event_time=newer)
    new_subject = NewSubject(OLD_LOOK, "25-34", "Town")
    sw = save(controller, oid, person("cam01", base, new_subject=new_subject), event_time=base)
    assert sw.subject_id is not None
    demo.registers.write_sensitive(supervisor, oid, SensitiveData(sw.subject_id, dependency=DEPENDENCY))
    # The exhibit: cam02 around `base` is held; its subject and vehicle stay with it.
    held_person = save(controller, oid, person("cam02", base, new_subject=NewSubject(HELD_LOOK)), event_time=base)
    held_car = save(controller, oid, vehicle_tag(HELD_VRM, base, camera_key="cam02"), event_time=base)
    demo.evidence.place_hold(
        supervisor, oid, "cam02", base - timedelta(minutes=5), base + timedelta(minutes=5), "court case 41/26"
    )
    old_report = demo.community.record_report(controller, oid, "complaint", COMPLAINT, reported_at=base)
    newer_report = demo.community.record_report(controller, oid, "complaint", "Litter again", reported_at=newer)
    with demo.db.read() as s:
        rows = {x.id: x for x in s.scalars(select(Sighting))}
        vehicle = {v.vrm: v.id for v in s.scalars(select(Vehicle))}
        letter = s.scalars(select(WarningLetter)).one()
        stills = [Path(p) for x in rows.values() for p in (x.still_path, x.clean_still_path)]
    assert all(p.exists() for p in stills)
    return Made(
        base=base,
        old_vehicle=vehicle[OLD_VRM],
        kept_vehicle=vehicle[KEPT_VRM],
        held_vehicle=vehicle[HELD_VRM],
        old_subject=sw.subject_id,
        held_subject=held_person.subject_id or 0,
        old_sightings=[old_car.sighting_id, kept_old.sighting_id, sw.sighting_id],
        newer_sighting=kept_new.sighting_id,
        held_sightings=[held_person.sighting_id, held_car.sighting_id],
        old_letter=letter.id,
        old_report=int(old_report.ref_id),
        newer_report=int(newer_report.ref_id),
        stills=stills,
    )


def erased_ids(demo: Services, cls: type[Base]) -> set[int]:
    with demo.db.read() as s:
        return {int(i) for i in s.scalars(select(cls.id).where(cls.erased_at.is_not(None)))}  # type: ignore[attr-defined]


def every_text(demo: Services) -> str:
    """Every text column of every table, the operation record included."""
    found: list[str] = []
    with demo.db.read() as s:
        for table in Base.metadata.sorted_tables:
            columns = [c for c in table.columns if isinstance(c.type, String | Text)]
            if columns:
                found += [str(v) for row in s.execute(select(*columns)) for v in row if v]
    return "\n".join(found)


def test_retention_erases_exactly_what_is_due_keeps_the_held_and_verifies(
    demo: Services, controller: Actor, supervisor: Actor
) -> None:
    made = make_data(demo, controller, supervisor)
    # A year and an hour later: the old data is past its period, the newer two days short of it.
    report = demo.retention.run(console_actor("test-console"), now=made.base + YEAR + timedelta(hours=1))
    assert report.erased == {
        "sighting": 3,
        "subject": 1,
        "vehicle": 1,
        "warning_letter": 1,
        "community_report": 1,
    }
    assert report.held_kept["sighting"] == 2 and report.held_kept["subject"] == 1
    assert report.held_kept["vehicle"] == 1 and report.stills == 6
    assert erased_ids(demo, Sighting) == set(made.old_sightings)
    assert erased_ids(demo, Subject) == {made.old_subject}
    assert erased_ids(demo, Vehicle) == {made.old_vehicle}  # the kept one was seen again two days later
    assert erased_ids(demo, WarningLetter) == {made.old_letter}
    assert erased_ids(demo, CommunityReport) == {made.old_report}
    with demo.db.read() as s:
        subject = s.get(Subject, made.old_subject)
        assert subject is not None and subject.reference == "SW-001"  # the pseudonym stays
        assert (subject.description, subject.age_band, subject.locality) == ("", "", "")
        assert s.get(SubjectSensitive, made.old_subject) is None
        vehicle = s.get(Vehicle, made.old_vehicle)
        assert vehicle is not None and vehicle.vrm == f"(erased {made.old_vehicle})" and vehicle.vrm_key == ""
        sighting = s.get(Sighting, made.old_sightings[0])
        assert sighting is not None and sighting.still_path == "" and sighting.notes == "" and sighting.boxes == "[]"
        assert len(sighting.still_sha256) == 64  # the hash stays: an exhibit's copy can still be checked
        held = s.get(Sighting, made.held_sightings[0])
        assert held is not None and held.still_path and held.erased_at is None
        kept = s.get(Sighting, made.newer_sighting)
        assert kept is not None and kept.still_path and kept.erased_at is None
        entry = s.scalars(select(RecordEntry).where(RecordEntry.kind == "retention.erasure")).one()
        assert entry.operator == "console" and "record-data retention: older than 365 days" in entry.text
        assert f'{{"key":"{made.old_subject}","table":"subject_sensitive"}}' in entry.payload
    gone = {p for p in made.stills if not p.exists()}
    assert len(gone) == 6 and all(str(p) not in every_text(demo) for p in gone)
    result = verify(demo.db)
    assert result.ok, result.problems


def test_after_erasure_the_personal_data_is_nowhere_in_the_database(
    demo: Services, controller: Actor, supervisor: Actor
) -> None:
    made = make_data(demo, controller, supervisor)
    oid = op_id(demo)
    demo.shifts.start(controller, oid, ["team-a"], event_time=made.base)
    unit = next(u.id for u in demo.operations.units(oid) if u.call_sign == "LANTERN 11")
    demo.dispatch.dispatch(
        controller, oid, unit, sighting_id=made.old_sightings[0], instructions=f"Stop {OLD_VRM}", event_time=made.base
    )
    before = every_text(demo)
    for words in (OLD_VRM, OLD_LOOK, KEEPER, "Station Road", OLD_NOTE, COMPLAINT, DEPENDENCY):
        assert words in before  # they were there
    demo.retention.run(console_actor("test-console"), now=made.base + YEAR + timedelta(days=3))
    after = every_text(demo)
    for words in (OLD_VRM, OLD_VRM.replace(" ", ""), OLD_LOOK, KEEPER, "Station Road", OLD_NOTE, COMPLAINT):
        assert words not in after, words
    assert DEPENDENCY not in after and KEPT_VRM not in after  # three days on, the newer data went too
    assert HELD_VRM in after and HELD_LOOK in after  # held as evidence
    assert verify(demo.db).ok


def test_the_boundary_day_stays_and_a_second_later_it_goes(
    demo: Services, controller: Actor, supervisor: Actor
) -> None:
    made = make_data(demo, controller, supervisor)
    actor = console_actor("test-console")
    exactly = demo.retention.run(actor, now=made.base + YEAR)  # captured exactly 365 days ago: kept
    assert sum(exactly.erased.values()) == 0 and erased_ids(demo, Sighting) == set()
    later = demo.retention.run(actor, now=made.base + YEAR + timedelta(seconds=1))
    assert later.erased["sighting"] == 3 and erased_ids(demo, Sighting) == set(made.old_sightings)
    # Two days later still, the vehicle seen again goes too.
    demo.retention.run(actor, now=made.base + YEAR + timedelta(days=2, seconds=1))
    assert erased_ids(demo, Vehicle) == {made.old_vehicle, made.kept_vehicle}
    assert erased_ids(demo, CommunityReport) == {made.old_report, made.newer_report}
    assert made.held_vehicle not in erased_ids(demo, Vehicle)
    assert verify(demo.db).ok


def test_a_second_run_erases_nothing_and_says_so_once(demo: Services, controller: Actor, supervisor: Actor) -> None:
    made = make_data(demo, controller, supervisor)
    actor = console_actor("test-console")
    now = made.base + YEAR + timedelta(hours=1)
    first = demo.retention.run(actor, now=now)
    again = demo.retention.run(actor, now=now)
    assert sum(first.erased.values()) == 7 and sum(again.erased.values()) == 0
    with demo.db.read() as s:
        kinds = list(s.scalars(select(RecordEntry.kind).where(RecordEntry.kind.like("retention.%"))))
        line = s.scalars(select(RecordEntry).where(RecordEntry.kind == RUN_KIND)).one()
    assert kinds == ["retention.erasure", RUN_KIND]
    assert "no personal data due" in line.text and "held as evidence kept" in line.text
    assert demo.retention.last_run() == now
    assert verify(demo.db).ok


def test_a_dry_run_counts_what_would_go_and_changes_nothing(
    demo: Services, controller: Actor, supervisor: Actor
) -> None:
    made = make_data(demo, controller, supervisor)
    head = demo.record.head()
    preview = demo.retention.run(console_actor("test-console"), now=made.base + YEAR + timedelta(hours=1), dry_run=True)
    assert preview.dry_run and preview.erased["sighting"] == 3 and preview.stills == 6
    assert "would erase" in preview.words() and preview.entries == ()
    assert demo.record.head() == head and erased_ids(demo, Sighting) == set()
    assert all(p.exists() for p in made.stills)


def test_only_administrators_and_the_console_itself_run_retention(
    demo: Services, controller: Actor, supervisor: Actor
) -> None:
    for actor in (controller, supervisor):
        with pytest.raises(PermissionDenied, match="run the retention job"):
            demo.retention.run(actor)
    admin = Actor("admin", "Administrator", "administrator", "test-console")
    assert demo.retention.run(admin).entries  # a run with nothing due still leaves its line


def test_big_operations_go_in_batches_each_its_own_transaction_and_entry(
    demo: Services, controller: Actor, supervisor: Actor
) -> None:
    made = make_data(demo, controller, supervisor)
    small = RetentionService(demo.db, demo.record, demo.footage, demo.settings.recordings, batch=2)
    report = small.run(console_actor("test-console"), now=made.base + YEAR + timedelta(hours=1))
    assert sum(report.erased.values()) == 7 and len(report.entries) >= 4
    with demo.db.read() as s:
        assert s.scalar(select(RecordEntry.kind).where(RecordEntry.seq == report.entries[-1])) == "retention.erasure"
    assert erased_ids(demo, Sighting) == set(made.old_sightings)
    assert verify(demo.db).ok


def test_footage_past_video_retention_goes_unless_held(demo: Services, controller: Actor, supervisor: Actor) -> None:
    made = make_data(demo, controller, supervisor)
    root = demo.settings.recordings
    cams = {c.key: c.id for c in demo.operations.cameras(op_id(demo))}
    now = made.base + timedelta(days=40)  # video retention is 31 days
    spans = {
        "old.ts": ("cam01", made.base),
        "held.ts": ("cam02", made.base - timedelta(seconds=30)),  # inside the exhibit's hold
        "recent.ts": ("cam01", now - timedelta(days=3)),
    }
    with demo.db.write.begin() as s:
        for name, (camera, start) in spans.items():
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            (root / name).write_bytes(b"\x47" * 188)
            s.add(
                RecordingSegment(
                    camera_id=cams[camera],
                    starts_at=start,
                    ends_at=start + timedelta(minutes=1),
                    path=name,
                    bytes=188,
                    sha256="0" * 64,
                    state="closed",
                )
            )
    actor = console_actor("test-console")
    preview = demo.retention.run(actor, now=now, dry_run=True)
    assert (preview.footage_segments, preview.footage_held) == (1, 1)
    report = demo.retention.run(actor, now=now)
    assert report.footage_segments == 1 and report.footage_held == 1
    assert not (root / "old.ts").exists() and (root / "held.ts").exists() and (root / "recent.ts").exists()
    with demo.db.read() as s:
        purge = s.scalars(select(RecordEntry).where(RecordEntry.kind == "recording.purged")).one()
        assert purge.operator == "console"
    assert verify(demo.db).ok


def test_every_view_says_erased_in_words_and_the_returns_count_not_recorded(
    demo: Services, controller: Actor, supervisor: Actor
) -> None:
    made = make_data(demo, controller, supervisor)
    now = made.base + YEAR + timedelta(hours=1)
    oid = op_id(demo)
    demo.support_orders.apply(controller, oid, made.old_subject, when=made.base, notes="Lives with her sister")
    # The record view shows the VRM beside the entry's "vehicle N" while the vehicle's row holds it.
    (shown,) = [e for e in demo.record.latest() if e.kind == "letter.prepared"]
    assert shown.detail == f"{shown.text} ({OLD_VRM})" and OLD_VRM not in shown.text
    demo.retention.run(console_actor("test-console"), now=now)
    assert not any(OLD_VRM in e.text + e.detail for e in demo.record.latest())
    assert "her sister" not in every_text(demo)  # the ESO's notes went with the subject's details
    day = f"details erased {now:%Y-%m-%d}"
    subjects = {r.reference: r for r in demo.registers.subjects(oid)}
    assert subjects["SW-001"].description == day and subjects["SW-001"].erased_at == now
    assert subjects["SW-002"].description == HELD_LOOK  # held
    vehicles = {r.id: r for r in demo.registers.vehicles(oid)}
    assert vehicles[made.old_vehicle].vrm == f"vehicle {made.old_vehicle}, {day}"
    assert vehicles[made.kept_vehicle].vrm == KEPT_VRM
    rows = {r.id: r for r in demo.sightings.list(oid)}
    erased = rows[made.old_sightings[0]]
    assert erased.notes == day and erased.vrm.endswith(day) and erased.still_path == ""
    (letter,) = demo.letters.register(oid)
    assert letter.keeper_name == day and letter.erased_at == now and letter.body == ""
    assert made.old_sightings[1] not in {c.sighting_id for c in demo.letters.candidates(oid, now=now)}
    assert made.newer_sighting in {c.sighting_id for c in demo.letters.candidates(oid, now=now)}
    with pytest.raises(LetterError, match="details were erased"):
        demo.letters.prepare(controller, oid, made.old_sightings[1], "Mr B", "1 High St", now=now)
    assert [x.description for x in demo.sightings.search_subjects(oid, "SW-001")] == [day]
    strikes = {r.reference: r for r in register(demo.db, oid)}
    assert strikes["SW-001"].description == day
    report = demo.returns.build("demo", demo.returns.period("demo", "to_date", now=now))
    # SW-001's age band (25-34) was erased; SW-002 never had one.
    assert report.value("Subjects seen by age band", "Sex worker: not recorded") == 2
    assert report.value("Subjects seen by age band", "Sex worker: 25-34") == 0


def test_two_consoles_running_at_once_erase_each_row_once(demo: Services, controller: Actor, supervisor: Actor) -> None:
    made = make_data(demo, controller, supervisor)
    now = made.base + YEAR + timedelta(hours=1)
    small = RetentionService(demo.db, demo.record, demo.footage, demo.settings.recordings, batch=2)
    reports: list[RetentionReport] = []
    problems: list[BaseException] = []

    def console(name: str) -> None:
        try:
            reports.append(small.run(console_actor(name), now=now))
        except BaseException as error:  # noqa: BLE001 - handed to the assertion below
            problems.append(error)

    threads = [threading.Thread(target=console, args=(f"console-{n}",)) for n in (1, 2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not problems and len(reports) == 2
    assert sum(sum(r.erased.values()) for r in reports) == 7  # each row erased by one of them
    with demo.db.read() as s:
        blanked = [
            row["key"]
            for payload in s.scalars(select(RecordEntry.payload).where(RecordEntry.kind == "retention.erasure"))
            for row in json.loads(payload)["blanked"]
            if row["table"] == "sighting"
        ]
    assert sorted(blanked) == sorted(str(i) for i in made.old_sightings)
    assert verify(demo.db).ok


def test_many_held_segments_never_stall_the_footage_purge(
    demo: Services, controller: Actor, supervisor: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(footage_module, "PURGE_BATCH", 2)
    made = make_data(demo, controller, supervisor)  # cam02 is held from base - 5 min to base + 5 min
    cam02 = next(c.id for c in demo.operations.cameras(op_id(demo)) if c.key == "cam02")
    root = demo.settings.recordings
    root.mkdir(parents=True, exist_ok=True)
    # Nine held segments come first in time (more than a purge looks at in one go), then three that may go.
    starts = [made.base - timedelta(minutes=5) + timedelta(minutes=i) for i in range(9)]
    starts += [made.base + timedelta(minutes=30 + i) for i in range(3)]
    with demo.db.write.begin() as s:
        for i, start in enumerate(starts):
            (root / f"s{i}.ts").write_bytes(b"\x47" * 188)
            end = start + timedelta(minutes=1)
            s.add(RecordingSegment(camera_id=cam02, starts_at=start, ends_at=end, path=f"s{i}.ts", state="closed"))
    report = demo.retention.run(console_actor("test-console"), now=made.base + timedelta(days=40))
    assert (report.footage_segments, report.footage_held) == (3, 9)
    assert sorted(p.name for p in root.glob("s*.ts")) == [f"s{i}.ts" for i in range(9)]
    assert verify(demo.db).ok
