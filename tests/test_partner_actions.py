"""Partner actions: raised (typed in or from a community-issue sighting), reviewed by supervisors,
overdue when past the due date and not done, next review a fortnight after the last; every raise
and review one record entry that keeps the finding's words out; CSV cells neutralised, the PDF
says OVERDUE in words with the record head; the command line. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from console.access import PermissionDenied
from console.partner_actions import PartnerActionError, seed_partner_actions, to_csv, write_pdf
from console.services import Services
from console.sightings import TagDraft
from console.types import Actor
from console.verify import verify
from storage.models import PartnerAction, PartnerActionReview, RecordEntry
from tests.test_sightings import frame, op_id, vehicle_tag

LONDON = ZoneInfo("Europe/London")


@pytest.fixture
def supervisor(demo: Services) -> Actor:
    return demo.operations.operator("sgt.demo", "test-console")


def today() -> date:
    return datetime.now(UTC).astimezone(LONDON).date()


def community_issue(demo: Services, controller: Actor, notes: str = "", camera: str = "cam04") -> int:
    draft = TagDraft(camera, datetime.now(UTC) - timedelta(hours=1), "community_issue", frame(), notes=notes)
    return demo.sightings.save(controller, op_id(demo), draft).sighting_id


def raise_lighting(demo: Services, actor: Actor, **extra: object) -> int:
    fields: dict[str, object] = {
        "finding": "Street light out by the footbridge steps",
        "partner": "Council street lighting",
        "owner": "J. Patel",
        "due_on": today() + timedelta(days=10),
        "location": "canal-street",
    }
    fields.update(extra)
    return int(demo.partner_actions.raise_action(actor, op_id(demo), **fields).ref_id)  # type: ignore[arg-type]


def test_raise_and_review_write_rows_and_one_entry_each_without_the_words(
    demo: Services, controller: Actor, supervisor: Actor
) -> None:
    action_id = raise_lighting(demo, controller)
    (action,) = demo.partner_actions.actions(op_id(demo))
    assert action.reference == f"PA-{action_id:04d}" and action.location == "Canal Street"
    assert action.status == "open" and not action.overdue and action.reviews == 0
    assert action.next_review_due == today() + timedelta(days=14) and not action.review_overdue

    new_due = today() + timedelta(days=30)
    result = demo.partner_actions.review(
        supervisor, op_id(demo), action_id, status="in progress", note="Works order 4471 raised", due_on=new_due
    )
    (action,) = demo.partner_actions.actions(op_id(demo))
    assert action.status == "in_progress" and action.status_words == "in progress" and action.due_on == new_due
    assert action.reviews == 1 and action.last_review_by == "sgt.demo" and "4471" in action.last_review_note
    with demo.db.read() as s:
        entries = s.scalars(select(RecordEntry).where(RecordEntry.kind.like("partner_action.%"))).all()
        assert [e.kind for e in entries] == ["partner_action.raised", "partner_action.reviewed"]
        assert entries[1].seq == result.seq
        for e in entries:  # the finding, the owner and the note stay in the domain rows
            assert "footbridge" not in e.text + e.payload and "Patel" not in e.text + e.payload
            assert "4471" not in e.text + e.payload
        assert "Council street lighting" in entries[0].text and entries[0].ref_id == str(action_id)
        review = s.scalars(select(PartnerActionReview)).one()
        assert review.status == "in_progress" and review.due_on == new_due
    assert verify(demo.db).ok


def test_overdue_and_the_fortnightly_review(demo: Services, controller: Actor, supervisor: Actor) -> None:
    raised = datetime.now(UTC) - timedelta(days=20)
    due = raised.astimezone(LONDON).date() + timedelta(days=6)
    action_id = raise_lighting(demo, controller, due_on=due, now=raised)
    (a,) = demo.partner_actions.actions(op_id(demo))
    assert a.overdue and a.days_overdue == 14 and a.overdue_words == "OVERDUE by 14 days"
    assert a.next_review_due == raised.astimezone(LONDON).date() + timedelta(days=14) and a.review_overdue

    demo.partner_actions.review(supervisor, op_id(demo), action_id, status="open", note="Chased")
    (a,) = demo.partner_actions.actions(op_id(demo))
    assert a.overdue and a.days_overdue == 14  # a review alone does not move the due date
    assert a.next_review_due == today() + timedelta(days=14) and not a.review_overdue

    demo.partner_actions.review(supervisor, op_id(demo), action_id, status="done")
    (a,) = demo.partner_actions.actions(op_id(demo))
    assert not a.overdue and a.overdue_words == "" and a.next_review_due is None and not a.review_overdue
    assert demo.partner_actions.actions(op_id(demo), open_only=True) == []
    with demo.db.read() as s:
        assert s.scalars(select(PartnerAction)).one().closed_at is not None
    demo.partner_actions.review(supervisor, op_id(demo), action_id, status="open", note="Light out again")
    (a,) = demo.partner_actions.actions(op_id(demo), open_only=True)
    assert a.overdue
    with demo.db.read() as s:
        assert s.scalars(select(PartnerAction)).one().closed_at is None
    assert [r.status for r in demo.partner_actions.reviews(op_id(demo), action_id)] == ["open", "done", "open"]
    assert verify(demo.db).ok


def test_an_action_from_a_community_issue_sighting(demo: Services, controller: Actor) -> None:
    noted = community_issue(demo, controller, notes="Side gate of the yard left open: rabbit run")
    bare = community_issue(demo, controller, camera="cam06")
    assert [f.sighting_id for f in demo.partner_actions.recent_findings(op_id(demo))] == [bare, noted]
    due = today() + timedelta(days=14)
    for sighting in (noted, bare):
        demo.partner_actions.raise_action(
            controller, op_id(demo), partner="Council housing", owner="R. Owen", due_on=due, sighting_id=sighting
        )
    by_sighting = {a.sighting_id: a for a in demo.partner_actions.actions(op_id(demo))}
    assert by_sighting[noted].finding == "Side gate of the yard left open: rabbit run"
    assert by_sighting[noted].location == "Mill Lane"  # the sighting's camera looks at Mill Lane
    assert by_sighting[bare].finding.startswith("Community issue / environmental finding at Bridge Road, seen ")
    assert verify(demo.db).ok


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"finding": "   "}, "Say what was found"),
        ({"finding": "x" * 1001}, "The finding is 1001 characters long; the limit is 1000."),
        ({"finding": "Bin store\x07 open"}, "The finding has a control character (U+0007) at position 10"),
        ({"partner": ""}, "The partner is empty."),
        ({"owner": "\t"}, "The owner is empty."),
        ({"due_on": date(2020, 1, 6)}, "The due date 06 Jan 2020 has passed; give today or a later date."),
        ({"due_on": date.today() + timedelta(days=400)}, "is more than a year ahead; check the year"),
        ({"location": "Atlantis"}, "No location 'Atlantis' in this operation; known: Bridge Road, Canal Street"),
        ({"sighting_id": 999_999}, "Sighting 999999 is not a sighting of this operation."),
    ],
)
def test_bad_input_is_refused_in_one_sentence_and_writes_nothing(
    demo: Services, controller: Actor, change: dict[str, object], message: str
) -> None:
    before = demo.record.head()
    with pytest.raises(PartnerActionError) as refused:
        raise_lighting(demo, controller, **change)
    assert message in str(refused.value)
    assert demo.record.head() == before and demo.partner_actions.actions(op_id(demo)) == []


def test_a_vehicle_sighting_is_no_finding_and_reviews_are_checked(
    demo: Services, controller: Actor, supervisor: Actor
) -> None:
    car = demo.sightings.save(controller, op_id(demo), vehicle_tag("OY09 FEU", datetime.now(UTC))).sighting_id
    with pytest.raises(PartnerActionError, match=f"Sighting {car} is a vehicle sighting, not a community issue"):
        raise_lighting(demo, controller, finding="", sighting_id=car)
    action_id = raise_lighting(demo, controller)
    with pytest.raises(PartnerActionError, match="Status 'finished' is not one of: open, in progress, done"):
        demo.partner_actions.review(supervisor, op_id(demo), action_id, status="finished")
    with pytest.raises(PartnerActionError, match="No partner action PA-0999 in this operation"):
        demo.partner_actions.review(supervisor, op_id(demo), 999, status="done")
    with pytest.raises(PartnerActionError, match="The review note has a control character"):
        demo.partner_actions.review(supervisor, op_id(demo), action_id, status="done", note="ok\x1b[2J")
    with pytest.raises(PartnerActionError, match="has passed"):
        demo.partner_actions.review(supervisor, op_id(demo), action_id, status="open", due_on=date(2020, 1, 6))
    with pytest.raises(PermissionDenied, match="A controller may not review partner actions"):
        demo.partner_actions.review(controller, op_id(demo), action_id, status="done")
    auditor = demo.operations.operator("auditor.demo", "test-console")
    with pytest.raises(PermissionDenied, match=r"An? auditor may not raise partner actions"):
        raise_lighting(demo, auditor)
    (a,) = demo.partner_actions.actions(op_id(demo))
    assert a.status == "open" and a.reviews == 0


def test_csv_cells_a_spreadsheet_would_run_are_neutralised(demo: Services, controller: Actor) -> None:
    raise_lighting(demo, controller, finding='=HYPERLINK("http://x.example","click")', partner="+Council CCTV")
    text = to_csv(demo.partner_actions.report(op_id(demo)))
    rows = list(csv.reader(io.StringIO(text)))
    (action,) = [r for r in rows if r and r[0].startswith("PA-")]
    assert action[1] == "'+Council CCTV" and action[2] == '\'=HYPERLINK("http://x.example","click")'
    head = demo.record.head()
    assert ["Record head", f"{head.count} entries, {head.hash}"] in rows


def test_the_meeting_pdf_groups_by_partner_and_says_overdue_in_words(
    qapp: object, demo: Services, controller: Actor, supervisor: Actor, tmp_path: Path
) -> None:
    # qapp: the widget tests after this one need the QApplication, not the bare GUI one a PDF makes
    seed_partner_actions(demo.partner_actions, controller, supervisor, op_id(demo))
    closed = raise_lighting(demo, controller)
    demo.partner_actions.review(supervisor, op_id(demo), closed, status="done")  # not on the meeting's list
    report = demo.partner_actions.report(op_id(demo))
    assert len(report.actions) == 5 and sum(a.overdue for a in report.actions) == 2
    out = tmp_path / "actions.pdf"
    write_pdf(report, out)
    text = subprocess.run(["pdftotext", "-layout", str(out), "-"], capture_output=True, text=True, check=True).stdout
    assert "OVERDUE by 14 days" in text and "OVERDUE by 15 days" in text
    assert "Council litter (dawn patrol) (2)" in text and "Council street lighting (1)" in text
    assert report.head.hash in text.replace("\n", "").replace(" ", "")
    assert f"{report.today:%A %d %B %Y}" in text
    assert f"PA-{closed:04d}" not in text and "PA-0001" in text


def test_partner_actions_from_the_command_line(tmp_path: Path) -> None:
    from console.cli import main

    db = f"sqlite:///{tmp_path / 'cli.db'}"
    assert main(["--db", db, "demo", "seed", "--nights", "1"]) == 0
    run = [sys.executable, "-m", "console", "--db", db, "--operation", "demo", "actions"]

    def cli(*words: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*run, *words], capture_output=True, text=True, check=False)

    due = (today() + timedelta(days=7)).isoformat()
    made = cli("raise", "--finding", "Fly-tipping behind the chip shop", "--partner", "Council litter (dawn patrol)",
               "--owner", "Dawn patrol", "--due", due, "--location", "Mill Lane", "--operator", "demo")  # fmt: skip
    assert made.returncode == 0 and "partner action PA-0001 raised" in made.stdout, made.stderr
    past = cli("raise", "--finding", "x", "--partner", "p", "--owner", "o", "--due", "2020-01-06", "--operator", "demo")
    assert past.returncode == 2 and "has passed" in past.stderr
    refused = cli("review", "1", "--status", "done", "--operator", "demo")
    assert refused.returncode == 2 and "A controller may not review partner actions." in refused.stderr
    reviewed = cli("review", "1", "--status", "in_progress", "--note", "Booked", "--operator", "sgt.demo")
    assert reviewed.returncode == 0, reviewed.stderr
    listed = cli("list", "--open")
    assert listed.returncode == 0 and "PA-0001  in progress" in listed.stdout and "Fly-tipping" in listed.stdout
    assert "last reviewed" in listed.stdout and "by sgt.demo" in listed.stdout
    for fmt in ("csv", "pdf"):
        out = tmp_path / f"actions.{fmt}"
        done = cli("export", "--format", fmt, "--out", str(out))
        assert done.returncode == 0 and "1 partner action(s) written" in done.stdout and out.stat().st_size > 100
    assert "Fly-tipping behind the chip shop" in (tmp_path / "actions.csv").read_text(encoding="utf-8")
    verified = subprocess.run(
        [sys.executable, "-m", "console", "--db", db, "record", "verify"], capture_output=True, text=True, check=False
    )
    assert verified.returncode == 0 and "record verified" in verified.stdout, verified.stdout
