"""Community complaints and tension notes: recorded through the write path with clear refusals,
counted in the returns with the entries behind them; outcomes that come before their tier are
recorded with a note; special-category data reaches a return only as counts."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from console.community import CommunityError
from console.dispatch_rules import OutcomeDraft
from console.record import utc_now
from console.registers import SensitiveData
from console.returns import COUNT_ONLY, SPECIAL_ETHNICITY, SPECIAL_NEEDS
from console.services import Services
from console.sightings import NewSubject
from console.text import TextError
from console.types import Actor
from console.verify import verify
from tests.test_returns import local
from tests.test_sightings import op_id, vehicle_tag


def test_complaints_and_tension_notes_are_counted_with_their_entries(demo: Services, controller: Actor) -> None:
    oid = op_id(demo)
    now = utc_now()
    complaint = demo.community.record_report(
        controller, oid, "complaint", "Cars circling all evening", source="call", location="Canal Street",
        reported_at=now - timedelta(minutes=30),
    )  # fmt: skip
    emailed = demo.community.record_report(
        controller, oid, "complaint", "Litter in the alley", source="email", location="behind the chip shop",
        reported_at=now - timedelta(minutes=20),
    )  # fmt: skip
    tension = demo.community.record_report(
        controller, oid, "tension", "Residents' group planning a street patrol", source="meeting",
        reported_at=now - timedelta(minutes=10),
    )  # fmt: skip
    listed = demo.community.reports(oid)
    assert [r.kind for r in listed] == ["tension", "complaint", "complaint"]
    assert listed[2].location == "Canal Street" and listed[1].location == "behind the chip shop"
    report = demo.returns.build("demo", demo.returns.period("demo", "to_date"))
    complaints = report.figure("Community", "Community complaints")
    assert complaints.value == 2 and complaints.entries == (complaint.seq, emailed.seq)
    assert report.figure("Community", "Community tension notes").entries == (tension.seq,)
    assert report.figure("Community complaints by source", "telephone call").entries == (complaint.seq,)
    assert report.figure("Community complaints by source", "e-mail").entries == (emailed.seq,)
    entries = demo.record.entries_at([complaint.seq])
    # The entry says what came in, not what was said (the words may name residents).
    assert "Cars circling" not in entries[0].text and "Canal Street" in entries[0].text
    assert verify(demo.db).ok


@pytest.mark.parametrize(
    ("kind", "text", "extra", "words"),
    [
        ("rumour", "x", {}, "complaint or a tension note"),
        ("complaint", "   ", {}, "is empty"),
        ("complaint", "bell\x07", {}, "control character"),
        ("complaint", "x" * 4001, {}, "limit is 4000"),
        ("complaint", "x", {"source": "pigeon"}, "Unknown source"),
        ("complaint", "x", {"reported_at": utc_now() + timedelta(hours=1)}, "in the future"),
        ("complaint", "x", {"reported_at": utc_now() - timedelta(days=400)}, "more than 366 days ago"),
    ],
)
def test_a_bad_report_is_refused_in_words_and_writes_nothing(
    demo: Services, controller: Actor, kind: str, text: str, extra: dict[str, object], words: str
) -> None:
    before = demo.record.head()
    with pytest.raises((CommunityError, TextError), match=words):
        demo.community.record_report(controller, op_id(demo), kind, text, **extra)  # type: ignore[arg-type]
    assert demo.record.head() == before


def test_an_auditor_may_not_record_a_complaint(demo: Services) -> None:
    auditor = demo.operations.operator("auditor.demo", "test-console")
    with pytest.raises(PermissionError, match="may not record community complaints"):
        demo.community.record_report(auditor, op_id(demo), "complaint", "noise")


def test_an_outcome_before_its_tier_is_recorded_with_a_note(demo: Services, controller: Actor) -> None:
    oid = op_id(demo)
    op = demo.operations.view("demo")
    tier1_night = op.start_date + timedelta(days=3)  # week 1: Tier 1
    saved = demo.sightings.save(
        controller, oid,
        vehicle_tag("SW", local(tier1_night, 21, 0), category_key="sex_worker", vehicle=None,
                    new_subject=NewSubject("Blue scarf")),
    )  # fmt: skip
    demo.shifts.start(controller, oid, ["team-a"], event_time=local(tier1_night, 18, 5))
    unit = next(u for u in demo.operations.units(oid) if u.status == "available")
    tasking = demo.dispatch.dispatch(controller, oid, unit.id, sighting_id=saved.sighting_id,
                                     event_time=local(tier1_night, 21, 2))  # fmt: skip
    parties = demo.dispatch.parties(oid, int(tasking.ref_id))
    closed = demo.dispatch.close(
        controller, oid, int(tasking.ref_id),
        [OutcomeDraft("official_warning", subject_id=parties.subject_id),
         OutcomeDraft("referral", subject_id=parties.subject_id, referral_to="iom")],
        event_time=local(tier1_night, 21, 30),
    )  # fmt: skip
    entry = demo.record.entries_at([closed.seq])[0]
    assert "Tier 1 is in force: official warnings under the three-strikes policy start at Tier 2." in entry.text
    # Today (week 4, Tier 2) the same outcome carries no note.
    assert parties.tier == 2


def test_special_category_data_reaches_a_return_only_as_counts(demo: Services, controller: Actor) -> None:
    oid = op_id(demo)
    sergeant = demo.operations.operator("sgt.demo", "test-console")
    now = utc_now()
    people = []
    for n, (ethnicity, dependency) in enumerate((("White British", "alcohol"), ("White British", ""), ("", "heroin"))):
        saved = demo.sightings.save(
            controller, oid,
            vehicle_tag("SW", now - timedelta(minutes=40 - n), category_key="sex_worker", vehicle=None,
                        new_subject=NewSubject(f"Person {n}", age_band="25-34", locality="Town centre")),
        )  # fmt: skip
        subject = demo.sightings.search_subjects(oid, f"Person {n}", "sex_worker", limit=1)[0]
        demo.registers.write_sensitive(sergeant, oid, SensitiveData(subject.id, ethnicity, "", dependency, ""))
        people.append(saved)
    report = demo.returns.build("demo", demo.returns.period("demo", "to_date"))
    ethnic = report.figure(SPECIAL_ETHNICITY, "Sex worker: White British")
    assert ethnic.value == 2 and ethnic.entries == () and ethnic.unit == COUNT_ONLY
    assert report.value(SPECIAL_ETHNICITY, "Sex worker: not recorded") == 1
    assert report.value(SPECIAL_NEEDS, "Sex worker: dependency issue recorded") == 2
    age = report.figure("Subjects seen by age band", "Sex worker: 25-34")
    assert age.value == 3 and age.entries == tuple(p.result.seq for p in people)
    # No figure names a person's special-category detail, and none shows the words typed.
    labels = " ".join(f.label for f in report.figures)
    assert "alcohol" not in labels and "heroin" not in labels


def test_community_reports_from_the_command_line(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'cli.db'}"
    run = [sys.executable, "-m", "console", "--db", db, "--operation", "demo"]
    assert subprocess.run([*run, "demo", "seed", "--nights", "1"], capture_output=True, check=False).returncode == 0
    add = [*run, "community", "add", "--operator", "demo", "--source", "email", "--location", "Mill Lane"]
    made = subprocess.run([*add, "--text", "Needles found by the footbridge"], capture_output=True, text=True,
                          check=False)  # fmt: skip
    assert made.returncode == 0, made.stderr
    assert "community complaint recorded" in made.stdout
    listed = subprocess.run([*run, "community", "list"], capture_output=True, text=True, check=False)
    assert "by e-mail · Mill Lane: Needles found by the footbridge" in listed.stdout
    bad = subprocess.run([*add, "--text", "x", "--at", "yesterday"], capture_output=True, text=True, check=False)
    assert bad.returncode == 2 and "not a date and time" in bad.stderr
    empty = subprocess.run([*add, "--text", " "], capture_output=True, text=True, check=False)
    assert empty.returncode == 2 and "is empty" in empty.stderr
