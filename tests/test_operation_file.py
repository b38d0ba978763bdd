"""Operation file validation (every error with its line), credentials kept out of URLs, and a
round trip property test."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from console.access import PermissionDenied, Role, can
from console.demo import demo_spec, system_actor
from console.operation_checks import redact_url, split_credentials
from console.operation_file import OperationFileError, parse_operation, render_operation
from console.operation_spec import OperationSpec, TeamSpec
from console.services import Services
from console.types import Actor

DEMO = (Path(__file__).resolve().parents[1] / "resources" / "demo_operation.toml").read_text()


def problems(text: str) -> list[str]:
    with pytest.raises(OperationFileError) as caught:
        parse_operation(text)
    return caught.value.problems


def test_demo_file_is_valid() -> None:
    spec = parse_operation(DEMO)
    assert len(spec.cameras) == 8 and len(spec.teams) == 2 and len(spec.units) == 4
    assert {u.kind for u in spec.units} == {"plain_clothes", "uniformed"}
    assert any(loc.prescribed_area for loc in spec.locations) and not all(loc.prescribed_area for loc in spec.locations)


def test_errors_name_their_line() -> None:
    lines = DEMO.splitlines()
    target = next(i for i, line in enumerate(lines) if line == 'location = "mill-lane"')
    lines[target] = 'location = "nowhere"'
    found = problems("\n".join(lines))
    assert found == [f"line {target + 1}: cameras[4].location: unknown location 'nowhere'"]


def test_every_problem_is_reported_at_once() -> None:
    text = (
        DEMO.replace('kind = "uniformed"', 'kind = "mounted"', 1)
        .replace("night_starts_hour = 18", "night_starts_hour = 31")
        .replace('key = "cam02"', 'key = "cam01"')
        .replace("special_constable = true", 'special_constable = "yes"')
        .replace("welfare_check_minutes = 15", "welfare_check_minutes = 0")
    )
    found = problems(text)
    assert len(found) == 5
    joined = "\n".join(found)
    assert "'mounted' is not one of: plain_clothes, uniformed, other" in joined
    assert "night_starts_hour: must be an hour from 0 to 23" in joined
    assert "cameras[2].key: 'cam01' appears more than once" in joined
    assert "special_constable: must be bool" in joined
    assert "welfare_check_minutes: must be from 1 to 240 minutes" in joined


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("not toml = = =", "not valid TOML"),
        ("[something]\nx = 1", "needs an [operation] table"),
        ('[operation]\nname = "x"\nstart_date = 2026-01-01\ncolour = "red"', "unknown setting 'colour'"),
        ('[operation]\nname = ""\nstart_date = 2026-01-01', "name: must not be empty"),
        ('[operation]\nname = "x"\nstart_date = "monday"', "start_date: must be date"),
        ('[operation]\nname = "x"\nstart_date = 2026-01-01\ntimezone = "Mars/Olympus"', "unknown time zone"),
    ],
)
def test_bad_input_gets_a_clear_message(text: str, expected: str) -> None:
    assert expected in "\n".join(problems(text))


def test_credentials_never_stay_in_the_url() -> None:
    text = DEMO.replace(
        'main_url = "demo://cam01/main"', 'kind2 = 1\nmain_url = "rtsp://viewer:s3cret@10.0.0.5:554/stream1"'
    ).replace("kind2 = 1\n", "")
    spec = parse_operation(text)
    cam = spec.cameras[0]
    assert cam.main_url == "rtsp://10.0.0.5:554/stream1"
    assert (cam.username, cam.password) == ("viewer", "s3cret")
    assert "s3cret" not in render_operation(spec)
    assert redact_url("rtsp://viewer:s3cret@10.0.0.5/x") == "rtsp://***@10.0.0.5/x"
    assert split_credentials("http://cam.local/x.mjpg") == ("http://cam.local/x.mjpg", None, None)


def test_imported_credentials_stay_out_of_the_record(services: Services) -> None:
    text = DEMO.replace('main_url = "demo://cam01/main"', 'main_url = "rtsp://viewer:s3cret@10.0.0.5/stream1"')
    services.operations.import_spec(system_actor("t"), parse_operation(text))
    views = services.operations.cameras(services.operations.view("demo").id)
    assert views[0].main_url == "rtsp://10.0.0.5/stream1"
    for entry in services.record.entries():
        assert "s3cret" not in entry.text + entry.payload + entry.rows
    # export does not write the password, and re-importing the export keeps the stored one
    exported = services.operations.export_spec("demo")
    assert exported.cameras[0].username == "viewer" and exported.cameras[0].password is None
    services.operations.import_spec(system_actor("t"), exported)
    assert services.operations.export_spec("demo") == exported


def test_reimport_updates_in_place_and_verifies(services: Services) -> None:
    from console.verify import verify

    actor = system_actor("t")
    spec = demo_spec(date(2026, 11, 28))
    services.operations.import_spec(actor, spec)
    renamed = parse_operation(render_operation(spec).replace('name = "Team A"', 'name = "Alpha team"'))
    services.operations.import_spec(actor, renamed)
    assert ("team-a", "Alpha team") in services.operations.view("demo").teams
    assert verify(services.db).ok


def test_only_administrators_import(services: Services) -> None:
    clerk = Actor(login="x", display_name="X", role="controller", console_id="t")
    with pytest.raises(PermissionDenied):
        services.operations.import_spec(clerk, demo_spec(date.today()))
    assert services.operations.names() == []


def test_demo_dates_put_today_in_tier_2() -> None:
    today = date(2027, 3, 9)
    spec = demo_spec(today)
    assert (today - spec.start_date).days == 24
    started = [t.number for t in spec.tiers if t.start_date <= today]
    assert max(started) == 2


def test_can_knows_every_role_and_refuses_unknown_actions() -> None:
    class Who:
        def __init__(self, role: str) -> None:
            self.role = role

    assert can(Who(Role.SUPERVISOR), "evidence.release")
    assert not can(Who(Role.CONTROLLER), "evidence.release")
    assert not can(Who(Role.ADMINISTRATOR), "sensitive.read")
    assert can(Who(Role.CONTROLLER), "log.note") and not can(Who(Role.AUDITOR), "log.note")
    with pytest.raises(ValueError, match="unknown action"):
        can(Who(Role.CONTROLLER), "record.delete")


names = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=40).filter(
    lambda s: s.strip() != ""
)


# The area is a description: new lines and tabs are kept, other control characters refused.
area_text = st.text(st.characters(exclude_categories=("Cs", "Cc")) | st.sampled_from("\n\t"), max_size=80)


@settings(max_examples=60, deadline=None)
@given(title=names, team_name=names, area=area_text)
def test_render_then_parse_is_the_identity(title: str, team_name: str, area: str) -> None:
    spec = OperationSpec(
        name="op",
        title=title,
        start_date=date(2026, 1, 5),
        prescribed_area=area,
        teams=(TeamSpec("team-a", team_name),),
    )
    assert parse_operation(render_operation(spec)) == spec
