"""Warning letters: the required phrase and the blocked words (whole words only) checked on the
template and on every letter, Tier 2 and the prescribed area, one letter a vehicle in 28 days
unless a supervisor overrides, versioned templates, the register and printing."""

from __future__ import annotations

import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from console.access import PermissionDenied
from console.letters import REQUIRED_PHRASE, LetterError, blocked_in, check_template, default_template
from console.services import Services
from console.types import Actor
from console.verify import verify
from storage.models import Outcome, RecordEntry, WarningLetter
from tests.test_sightings import op_id, vehicle_tag
from widgets.letter_pdf import render_letters

ESSEX = "Flat 2, 14 Station Road\nChelmsford\nEssex CM1 1AA"


@pytest.fixture
def supervisor(demo: Services) -> Actor:
    return demo.operations.operator("sgt.demo", "test-console")


def seen(demo: Services, controller: Actor, vrm: str, days_ago: float = 1, camera: str = "cam01") -> int:
    when = datetime.now(UTC) - timedelta(days=days_ago)
    return demo.sightings.save(controller, op_id(demo), vehicle_tag(vrm, when, camera_key=camera)).sighting_id


def test_whole_words_only_so_essex_sussex_and_middlesex_are_not_sex() -> None:
    blocked = ["sex", "kerb crawling", "prostitution"]
    assert blocked_in("Essex, Sussex, Middlesex and Sexton Road", blocked) == []
    assert blocked_in("seen for SEX work", blocked) == ["sex"]
    assert blocked_in("suspected Kerb-Crawling here", blocked) == ["kerb crawling"]
    assert blocked_in("kerb\\ncrawling", ["kerb crawling"]) == [] and blocked_in("kerb\ncrawling", blocked)


def test_templates_must_carry_the_phrase_and_no_blocked_word(demo: Services, supervisor: Actor) -> None:
    blocked = demo.letters.blocked_words(op_id(demo))
    check_template(default_template(), blocked)  # the default passes its own checks
    with pytest.raises(LetterError, match="an area of high anti-social behaviour"):
        check_template("Dear {keeper_name}, your car was seen.", blocked)
    with pytest.raises(LetterError, match="never use: prostitution"):
        check_template(f"Seen in {REQUIRED_PHRASE} known for prostitution.", blocked)
    with pytest.raises(LetterError, match="unknown fields keeper_phone"):
        check_template(f"{{keeper_phone}} {REQUIRED_PHRASE}", blocked)
    controller = demo.operations.operator("demo", "test-console")
    with pytest.raises(PermissionDenied):
        demo.letters.save_template(controller, op_id(demo), default_template())
    edited = default_template().replace("No further action", "No action at all")
    demo.letters.save_template(supervisor, op_id(demo), edited)
    assert demo.letters.template(op_id(demo)) == (1, edited)


def test_a_letter_for_a_keeper_in_essex_uses_the_template_and_lands_in_the_record(
    demo: Services, controller: Actor
) -> None:
    sighting = seen(demo, controller, "OY09 FEU")
    result = demo.letters.prepare(controller, op_id(demo), sighting, "Mr A Keeper", ESSEX)
    (letter,) = demo.letters.register(op_id(demo))
    assert letter.reference == "WL-00001" and letter.vrm == "OY09 FEU" and letter.template_version == 1
    assert "Essex CM1 1AA" in letter.body and REQUIRED_PHRASE in " ".join(letter.body.split())
    assert "Station Approach" in letter.body and "Silver Ford Focus" in letter.body
    assert blocked_in(letter.body, demo.letters.blocked_words(op_id(demo))) == []
    with demo.db.read() as s:
        entry = s.scalars(select(RecordEntry).where(RecordEntry.seq == result.seq)).one()
        assert entry.kind == "letter.prepared" and "Essex" not in entry.text and "Keeper" not in entry.payload
        outcome = s.scalars(select(Outcome).where(Outcome.kind == "warning_letter")).one()
        assert s.scalars(select(WarningLetter)).one().outcome_id == outcome.id
    history = demo.sightings.vehicle_history(op_id(demo), "OY09 FEU")
    assert history is not None and history.last_letter is not None
    assert verify(demo.db).ok


def test_one_letter_in_28_days_unless_a_supervisor_overrides_with_a_reason(
    demo: Services, controller: Actor, supervisor: Actor
) -> None:
    first = seen(demo, controller, "LB17 KXR", days_ago=3)
    demo.letters.prepare(controller, op_id(demo), first, "Ms B Keeper", "1 High St\nTown")
    again = seen(demo, controller, "LB17 KXR", days_ago=1)
    with pytest.raises(LetterError, match="a letter went to this vehicle's keeper 0 day"):
        demo.letters.prepare(controller, op_id(demo), again, "Ms B Keeper", "1 High St\nTown")
    with pytest.raises(LetterError, match="Only a supervisor"):
        demo.letters.prepare(controller, op_id(demo), again, "Ms B Keeper", "1 High St\nTown", "seen twice")
    demo.letters.prepare(supervisor, op_id(demo), again, "Ms B Keeper", "1 High St\nTown", "seen twice in a week")
    letters = demo.letters.register(op_id(demo))
    assert len(letters) == 2 and letters[0].override_reason == "seen twice in a week"
    later = datetime.now(UTC) + timedelta(days=29)
    demo.letters.prepare(controller, op_id(demo), again, "Ms B Keeper", "1 High St\nTown", now=later)


def test_no_letter_outside_the_area_or_before_tier_2_and_bad_input_is_refused(
    demo: Services, controller: Actor
) -> None:
    outside = next(c.key for c in demo.operations.cameras(op_id(demo)) if not c.in_prescribed_area)
    with pytest.raises(LetterError, match="outside the prescribed area"):
        demo.letters.prepare(controller, op_id(demo), seen(demo, controller, "KN64 DWA", camera=outside), "X", "Y")
    early = seen(demo, controller, "YR12 OPL", days_ago=20)  # week 1 of the demo: Tier 1
    with pytest.raises(LetterError, match="warning letters start at Tier 2; the sighting was in Tier 1"):
        demo.letters.prepare(controller, op_id(demo), early, "X", "Y")
    ok = seen(demo, controller, "S456 HJK")
    with pytest.raises(LetterError, match="Type the keeper's name"):
        demo.letters.prepare(controller, op_id(demo), ok, "  ", "Y")
    with pytest.raises(LetterError, match="control characters"):
        demo.letters.prepare(controller, op_id(demo), ok, "Mr\x07 Bell", "Y")
    with pytest.raises(LetterError, match="never use: sex"):
        demo.letters.prepare(controller, op_id(demo), ok, "Mr Sex", "Y")  # checked on the letter itself
    assert demo.letters.register(op_id(demo)) == []


def test_letters_print_one_a_page(demo: Services, controller: Actor, tmp_path: Path) -> None:
    for vrm in ("OY09 FEU", "LB17 KXR", "KN64 DWA"):
        demo.letters.prepare(controller, op_id(demo), seen(demo, controller, vrm), f"Keeper of {vrm}", ESSEX)
    letters = demo.letters.register(op_id(demo))
    out = tmp_path / "letters.pdf"
    render_letters(out, [(x.reference, x.body) for x in letters])
    info = subprocess.run(["pdfinfo", str(out)], capture_output=True, text=True, check=True).stdout
    assert "Pages:           3" in info
    # -layout keeps a hyphen where a line breaks after it (plain pdftotext takes it out)
    text = subprocess.run(["pdftotext", "-layout", str(out), "-"], capture_output=True, text=True, check=True).stdout
    flowing = " ".join(text.replace("-\n", "-").split())  # lines as the PDF wrapped them, joined again
    assert flowing.count("an area of high anti-social behaviour") == 3
    demo.letters.mark_printed(controller, op_id(demo), [x.id for x in letters], str(out))
    assert all(x.printed_at is not None for x in demo.letters.register(op_id(demo)))


def test_letters_from_the_command_line(tmp_path: Path) -> None:
    import sys

    from console.cli import main

    db = f"sqlite:///{tmp_path / 'cli.db'}"
    assert main(["--db", db, "demo", "seed", "--nights", "1"]) == 0
    from console.services import build_services
    from console.settings import load_settings

    services = build_services(load_settings(db=db, operation="demo"))
    try:
        controller = services.operations.operator("demo", "cli")
        sighting = seen(services, controller, "AB71 CDE")
    finally:
        services.close()
    run = [sys.executable, "-m", "console", "--db", db, "--operation", "demo", "letters"]
    made = subprocess.run(
        [*run, "prepare", "--sighting", str(sighting), "--keeper-name", "Mr C Keeper",
         "--keeper-address", "3 Mill Lane, Sussex BN1 1AA", "--operator", "demo"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    listed = subprocess.run([*run, "list"], capture_output=True, text=True, check=True).stdout
    assert "AB71 CDE" in listed and "Mr C Keeper" in listed and "not printed" in listed
    out = tmp_path / "letters.pdf"
    printed = subprocess.run(
        [*run, "print", "--out", str(out), "--operator", "demo"], capture_output=True, text=True, check=False
    )
    assert printed.returncode == 0 and "letter(s) printed" in printed.stdout and out.stat().st_size > 1000
    again = subprocess.run(
        [*run, "print", "--out", str(out), "--operator", "demo"], capture_output=True, text=True, check=False
    )
    assert again.returncode == 2 and "no letters to print" in again.stderr
    bad = tmp_path / "bad.txt"
    bad.write_text("Dear {keeper_name}, seen soliciting in " + REQUIRED_PHRASE)
    refused = subprocess.run(
        [*run, "template", "--set", str(bad), "--operator", "sgt.demo"], capture_output=True, text=True, check=False
    )
    assert refused.returncode == 2 and "soliciting" in refused.stderr


def test_candidates_are_new_sightings_in_the_area_from_tier_2_with_the_28_day_rule(
    demo: Services, controller: Actor
) -> None:
    oid = op_id(demo)
    outside = next(c.key for c in demo.operations.cameras(oid) if not c.in_prescribed_area)
    seen(demo, controller, "KN64 DWA", camera=outside)  # outside the area: never a candidate
    seen(demo, controller, "YR12 OPL", days_ago=20)  # Tier 1: never a candidate
    lettered = seen(demo, controller, "LB17 KXR", days_ago=5)
    four_days_ago = datetime.now(UTC) - timedelta(days=4)
    demo.letters.prepare(controller, oid, lettered, "Ms B Keeper", "1 High St\nTown", now=four_days_ago)
    again = seen(demo, controller, "LB17 KXR", days_ago=1)
    fresh = seen(demo, controller, "OY09 FEU", days_ago=2)
    found = demo.letters.candidates(oid)
    assert [c.sighting_id for c in found] == [again, fresh]  # newest first; the lettered one gone
    first, second = found
    assert first.vrm == "LB17 KXR" and first.needs_override and first.last_letter_at is not None
    assert first.rule.startswith("letter sent 4 day(s) ago") and "supervisor" in first.rule
    assert (second.vrm, second.vehicle, second.needs_override) == ("OY09 FEU", "Silver Ford Focus", False)
    assert second.rule == "no letter to this vehicle yet" and second.location == "Station Approach"
    later = demo.letters.candidates(oid, now=datetime.now(UTC) + timedelta(days=25))
    assert not later[0].needs_override and later[0].rule.startswith("last letter 29 days ago")
