"""Subject access and erasure requests: everything held about a subject or a VRM is listed (an
audited special-category read), served as a folder whose SHA256SUMS check, or erased on request
by a supervisor with a reason; held data is refused, and the record still verifies."""

from __future__ import annotations

import hashlib
import json
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from console.access import PermissionDenied
from console.record import ActionContext, EntryDraft
from console.services import Services
from console.subject_access import DataRequest, SubjectAccessError
from console.text import TextError
from console.types import Actor
from console.verify import verify
from storage.models import Exhibit, RecordEntry, RecordingSegment, Subject, Vehicle
from tests.test_retention import (
    ADDRESS,
    DEPENDENCY,
    HELD_LOOK,
    HELD_VRM,
    KEEPER,
    OLD_LOOK,
    OLD_NOTE,
    OLD_VRM,
    every_text,
    make_data,
)
from tests.test_sightings import op_id


@pytest.fixture
def supervisor(demo: Services) -> Actor:
    return demo.operations.operator("sgt.demo", "test-console")


def add_exhibit_and_footage(demo: Services, supervisor: Actor, base: object) -> None:
    """An exhibit of cam02 around the held sighting, and a recorded segment covering it."""
    cam02 = next(c.id for c in demo.operations.cameras(op_id(demo)) if c.key == "cam02")
    start = base - timedelta(minutes=5)  # type: ignore[operator]

    def write(ctx: ActionContext) -> EntryDraft:
        ctx.session.add(
            Exhibit(
                operation_id=op_id(demo),
                reference="EX-0041",
                camera_id=cam02,
                starts_at=start,
                ends_at=start + timedelta(minutes=10),
                created_at=ctx.event_time,
                cameras='["cam02"]',
            )
        )
        return EntryDraft(kind="evidence.exported", text="Exhibit EX-0041 exported")

    demo.record.perform(supervisor, "evidence.export", write, operation_id=op_id(demo))
    with demo.db.write.begin() as s:
        end = start + timedelta(minutes=10)
        s.add(RecordingSegment(camera_id=cam02, starts_at=start, ends_at=end, path="cam02/a.ts", state="closed"))


def test_listing_a_subject_finds_everything_and_is_an_audited_special_category_read(
    demo: Services, controller: Actor, supervisor: Actor
) -> None:
    made = make_data(demo, controller, supervisor)
    add_exhibit_and_footage(demo, supervisor, made.base)
    oid = op_id(demo)
    with pytest.raises(PermissionDenied):
        demo.subject_access.list_held(controller, oid, DataRequest(subject="SW-001"), "request of 1 Dec")
    held = demo.subject_access.list_held(supervisor, oid, DataRequest(subject="sw-001"), "request of 1 Dec")
    assert held.label == "SW-001" and held.details["description"] == OLD_LOOK
    assert held.sensitive["dependency"] == DEPENDENCY
    assert [x.id for x in held.sightings] == [made.old_sightings[2]] and len(held.sightings[0].stills) == 2
    kinds = {e["kind"] for e in held.record_entries}
    assert {"sighting.tagged", "sensitive.updated"} <= kinds
    assert held.holds == () and held.exhibits == ()
    exhibit = demo.subject_access.list_held(supervisor, oid, DataRequest(subject="SW-002"), "request of 2 Dec")
    assert exhibit.details["description"] == HELD_LOOK and exhibit.sightings[0].holds
    assert [h["reason"] for h in exhibit.holds] == ["court case 41/26"]
    assert [e["reference"] for e in exhibit.exhibits] == ["EX-0041"]
    assert [f["path"] for f in exhibit.footage] == ["cam02/a.ts"]
    with demo.db.read() as s:
        wanted = RecordEntry.kind.in_(("subject_access.listed", "sensitive.viewed"))
        entries = s.scalars(select(RecordEntry).where(wanted))
        listed = [(e.kind, e.ref_id) for e in entries]
    assert ("subject_access.listed", str(made.old_subject)) in listed
    assert ("sensitive.viewed", str(made.old_subject)) in listed
    with pytest.raises(SubjectAccessError, match="No subject SW-999"):
        demo.subject_access.list_held(supervisor, oid, DataRequest(subject="SW-999"), "request")
    assert verify(demo.db).ok


def test_listing_a_vrm_however_typed_finds_the_vehicle_its_letters_and_keeps_the_vrm_out_of_the_record(
    demo: Services, controller: Actor, supervisor: Actor
) -> None:
    make_data(demo, controller, supervisor)
    oid = op_id(demo)
    held = demo.subject_access.list_held(supervisor, oid, DataRequest(vrm="oy09feu"), "keeper's request")
    assert held.kind == "vehicle" and held.details["vrm"] == OLD_VRM
    assert len(held.letters) == 1 and held.letters[0]["keeper_name"] == KEEPER
    assert {"letter.prepared", "sighting.tagged"} <= {e["kind"] for e in held.record_entries}
    assert not any(OLD_VRM in e["text"] for e in held.record_entries)
    with pytest.raises(SubjectAccessError, match="Leave the VRM out"):
        demo.subject_access.list_held(supervisor, oid, DataRequest(vrm=OLD_VRM), "keeper of OY09FEU asked")
    with demo.db.read() as s:
        entry = s.scalars(select(RecordEntry).where(RecordEntry.kind == "subject_access.listed")).one()
    assert entry.ref_type == "vehicle" and OLD_VRM not in entry.text + entry.payload
    assert "OY09" not in entry.text + entry.payload


def test_the_export_is_a_folder_that_checks_against_its_sums(
    demo: Services, controller: Actor, supervisor: Actor, tmp_path: Path
) -> None:
    make_data(demo, controller, supervisor)
    out = tmp_path / "served"
    served = demo.subject_access.export(supervisor, op_id(demo), DataRequest(vrm="OY09 FEU"), "keeper's request", out)
    assert served.folder.parent == out and not list(out.glob(".*partial*"))
    lines = (served.folder / "SHA256SUMS").read_text().splitlines()
    assert len(lines) == served.files >= 7  # data.json, two CSVs, the summary twice, two stills
    for line in lines:
        digest, name = line.split("  ", 1)
        assert hashlib.sha256((served.folder / name).read_bytes()).hexdigest() == digest, name
    data = json.loads((served.folder / "data.json").read_text())
    assert data["details"]["vrm"] == OLD_VRM and data["letters"][0]["keeper_address"] == ADDRESS
    assert f"VRM: {OLD_VRM}" in (served.folder / "summary.txt").read_text() and data["label"].startswith("vehicle ")
    assert KEEPER in (served.folder / "letters.csv").read_text()
    summary = served.folder / "summary.pdf"
    pdf = subprocess.run(["pdftotext", str(summary), "-"], capture_output=True, text=True, check=True).stdout
    assert "Data held about vehicle" in pdf and OLD_VRM in pdf
    with demo.db.read() as s:
        entry = s.scalars(select(RecordEntry).where(RecordEntry.kind == "subject_access.served")).one()
    assert entry.seq == served.result.seq and served.sums_sha256 in entry.payload and "OY09" not in entry.payload
    assert verify(demo.db).ok


def test_erasure_on_request_needs_a_supervisor_and_a_reason_refuses_held_data_and_verifies(
    demo: Services, controller: Actor, supervisor: Actor
) -> None:
    made = make_data(demo, controller, supervisor)
    oid = op_id(demo)
    admin = Actor("admin", "Administrator", "administrator", "test-console")
    for actor in (controller, admin):
        with pytest.raises(PermissionDenied, match="erase a subject's or vehicle's data"):
            demo.subject_access.erase(actor, oid, DataRequest(subject="SW-001"), "asked")
    with pytest.raises(TextError):
        demo.subject_access.erase(supervisor, oid, DataRequest(subject="SW-001"), "  ")
    with pytest.raises(SubjectAccessError, match=r"under evidence hold .* hold \d+ on cam02 \(court case 41/26\)"):
        demo.subject_access.erase(supervisor, oid, DataRequest(subject="SW-002"), "asked")
    with pytest.raises(SubjectAccessError, match="under evidence hold"):
        demo.subject_access.erase(supervisor, oid, DataRequest(vrm=HELD_VRM), "asked")
    demo.subject_access.erase(supervisor, oid, DataRequest(subject="SW-001"), "subject's request of 1 Dec")
    demo.subject_access.erase(supervisor, oid, DataRequest(vrm="oy09 feu"), "keeper's request of 1 Dec")
    with demo.db.read() as s:
        subject = s.get(Subject, made.old_subject)
        vehicle = s.get(Vehicle, made.old_vehicle)
        assert subject is not None and subject.erased_at is not None and subject.reference == "SW-001"
        assert vehicle is not None and vehicle.erased_at is not None
        kinds = list(s.scalars(select(RecordEntry.kind).where(RecordEntry.kind == "subject_access.erased")))
    assert len(kinds) == 2
    text = every_text(demo)
    for words in (OLD_VRM, "OY09FEU", OLD_LOOK, KEEPER, OLD_NOTE, DEPENDENCY):
        assert words not in text, words
    assert HELD_LOOK in text  # the held subject stays
    with pytest.raises(SubjectAccessError, match="erased already"):
        demo.subject_access.erase(supervisor, oid, DataRequest(subject="SW-001"), "again")
    with pytest.raises(SubjectAccessError, match="No vehicle"):
        demo.subject_access.list_held(supervisor, oid, DataRequest(vrm=OLD_VRM), "keeper's request")
    result = verify(demo.db)
    assert result.ok, result.problems


def test_the_command_line_runs_retention_and_serves_requests(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from console.cli import main

    db = f"sqlite:///{tmp_path / 'cli.db'}"
    assert main(["--db", db, "demo", "seed", "--nights", "1"]) == 0
    assert main(["--db", db, "retention", "run", "--dry-run"]) == 0
    assert "Retention: nothing due" in capsys.readouterr().out  # everything seeded is recent
    assert main(["--db", db, "retention", "run", "--operator", "demo"]) == 2  # a controller may not
    assert "may not run the retention job" in capsys.readouterr().err
    assert main(["--db", db, "retention", "run"]) == 0  # as the console itself, as the daily job
    assert "record entries" in capsys.readouterr().out
    args = ["--db", db, "sar", "list", "--subject", "CI-001", "--reason", "request 7", "--operator", "sgt.demo"]
    assert main(args) == 0 and "Data held about CI-001 (subject)" in capsys.readouterr().out
    out = tmp_path / "served"
    export = ["sar", "export", "--subject", "CI-001", "--reason", "request 7", "--operator", "sgt.demo"]
    assert main(["--db", db, *export, "--out", str(out)]) == 0
    assert "served: " in capsys.readouterr().out and len(list(out.glob("SAR-CI-001-*"))) == 1
    erase = ["sar", "erase", "--subject", "CI-001", "--reason", "request 7"]
    assert main(["--db", db, *erase, "--operator", "demo"]) == 2
    assert main(["--db", db, *erase, "--operator", "sgt.demo"]) == 0
    assert main(["--db", db, "sar", "list", "--vrm", "ZZ99 ZZZ", "--reason", "r", "--operator", "sgt.demo"]) == 2
    assert "No vehicle with that VRM" in capsys.readouterr().err
    assert main(["--db", db, "record", "verify"]) == 0
