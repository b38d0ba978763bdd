"""The threats the console is built against, each with the test that covers it, as data; a test
that every named test exists, so the list cannot rot; and the threat tests with no other home:
credentials in logs and exports, special-category data on the wall or burned into a working
copy, the keeper's address in the record, a failed login's name, CSV formulas and SQL text."""

from __future__ import annotations

import ast
import dataclasses
import importlib
import inspect
import logging
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from console.auth import LoginError
from console.cameras import camera_source
from console.demo import system_actor
from console.exhibit_package import burned_in_time
from console.export import _overlay
from console.export_job import CameraPlan as _CameraPlan
from console.operation_file import parse_operation, render_operation
from console.returns import safe_cell
from console.services import Services
from console.types import Actor
from storage.models import RecordEntry, SubjectSensitive
from tests.test_letters import ESSEX, seen
from tests.test_sightings import op_id
from widgets.tile_feed import TileFeed

ROOT = Path(__file__).resolve().parents[1]
DEMO = (ROOT / "resources" / "demo_operation.toml").read_text()


@dataclass(frozen=True)
class Threat:
    threat: str
    where: str
    tests: tuple[str, ...]  # "module::test_name", module relative to tests/


THREATS: tuple[Threat, ...] = (
    Threat(
        "A mistyped or hostile registration mark crashes the tag form or is stored unnormalised",
        "console/vrm.py check_vrm",
        (
            "test_fuzz_input::test_any_typed_mark_gets_an_answer_never_an_exception",
            "test_fuzz_input::test_an_accepted_mark_round_trips_and_is_idempotent",
            "test_vrm::test_near_misses_are_refused_with_a_reason",
        ),
    ),
    Threat(
        "A camera password stays in a stored URL, or shows in a message, log or export",
        "console/operation_checks.py split_credentials, redact_url; video/sources.py redact",
        (
            "test_fuzz_input::test_credentials_come_out_of_any_url_whole_and_never_stay_in_it",
            "test_fuzz_input::test_a_password_typed_without_percent_encoding_is_still_hidden",
            "test_security::test_camera_credentials_are_never_logged_shown_or_exported",
            "test_operation_file::test_imported_credentials_stay_out_of_the_record",
            "video.test_capture::test_credentials_are_never_shown_or_logged",
            "video.test_capture::test_helper_stderr_is_redacted",
        ),
    ),
    Threat(
        "An operation file points FFmpeg at a local file or another protocol (file:, concat:, subfile:)",
        "console/operation_checks.py url_problem",
        (
            "test_fuzz_input::test_camera_urls_are_checked_against_their_kind_with_a_clear_message",
            "test_fuzz_input::test_odd_camera_urls_are_refused_with_their_line",
        ),
    ),
    Threat(
        "A bad operation file crashes the import or leaves it half done",
        "console/operation_file.py parse_operation; console/operation.py import_spec",
        (
            "test_fuzz_input::test_random_text_is_refused_with_a_message_never_a_crash",
            "test_fuzz_input::test_any_value_is_refused_whole_or_imported_whole",
            "test_fuzz_input::test_values_the_database_would_refuse_are_refused_with_their_line",
            "test_fuzz_input::test_every_text_limit_is_its_database_column",
            "test_fuzz_input::test_nesting_too_deep_for_the_reader_is_a_message",
        ),
    ),
    Threat(
        "Notes and descriptions carry control characters (NUL breaks PostgreSQL) or lose typed text",
        "console/text.py clean_text",
        (
            "test_fuzz_input::test_printable_unicode_is_kept_exactly",
            "test_fuzz_input::test_a_control_character_is_refused_with_its_position",
            "test_fuzz_input::test_the_length_limit_is_exact",
        ),
    ),
    Threat(
        "An exhibit reference writes outside the export folder, or makes a folder Windows cannot open",
        "console/exhibit_package.py check_reference, folder_name",
        (
            "test_fuzz_input::test_any_reference_is_refused_or_makes_one_folder_inside_the_export_folder",
            "test_fuzz_input::test_hostile_references_are_refused_with_a_clear_message",
            "test_fuzz_input::test_a_refused_reference_stops_the_export_before_anything_is_written",
        ),
    ),
    Threat(
        "Search text becomes SQL, matches by wildcard, or fails in the driver (NUL on PostgreSQL)",
        "console/sightings.py search_subjects, list; console/audit.py audit_entries",
        (
            "test_fuzz_search::test_subject_search_finds_only_subjects_holding_the_text",
            "test_fuzz_search::test_sighting_search_finds_only_sightings_holding_the_text",
            "test_fuzz_search::test_audit_filter_finds_only_entries_holding_the_text",
            "test_fuzz_search::test_a_nul_or_broken_character_gets_a_message_not_a_driver_error",
            "test_fuzz_search::test_wildcards_are_literal_and_sql_is_only_text",
        ),
    ),
    Threat(
        "SQL is put together from values instead of bound parameters",
        "console/, storage/",
        ("test_security::test_sql_text_is_only_constant_statements_with_bound_parameters",),
    ),
    Threat(
        "Special-category data (ethnicity, health, dependency, vulnerability) on the video wall or "
        "burned into an exported working copy",
        "widgets/video_wall.py, video_tile.py, tile_feed.py; console/export.py _overlay; video/export.py",
        (
            "test_security::test_tiles_and_burn_in_are_built_from_camera_facts_only",
            "test_security::test_burned_in_lines_are_camera_time_and_exhibit",
            "test_registers::test_special_category_data_is_restricted_and_every_viewing_audited",
        ),
    ),
    Threat(
        "The registered keeper's address lands in the operation record",
        "console/letters.py prepare",
        (
            "test_security::test_the_keepers_name_and_address_never_reach_the_record",
            "test_letters::test_a_letter_for_a_keeper_in_essex_uses_the_template_and_lands_in_the_record",
        ),
    ),
    Threat(
        "A password typed into the login name field is written to the record",
        "console/auth.py login",
        (
            "test_auth::test_five_failures_lock_a_login_out_and_every_attempt_is_recorded",
            "test_security::test_an_impossible_login_name_is_recorded_without_the_name",
        ),
    ),
    Threat(
        "A typed cell runs as a formula when a return or the partners' list is opened in a spreadsheet",
        "console/returns.py safe_cell; console/partner_actions.py to_csv",
        (
            "test_returns::test_csv_cells_that_a_spreadsheet_would_run_are_neutralised",
            "test_partner_actions::test_csv_cells_a_spreadsheet_would_run_are_neutralised",
            "test_security::test_no_cell_starts_as_a_formula",
        ),
    ),
    Threat(
        "The operation record is edited, cut short or rewritten without it showing",
        "console/chain.py, console/verify.py, console/anchors.py",
        (
            "test_tampering::test_edited_entry",
            "test_tampering::test_deleted_entry",
            "test_tampering::test_truncated_tail_without_domain_rows_is_caught_by_the_anchor",
            "test_tampering::test_rewritten_and_rehashed_chain_needs_the_anchor",
        ),
    ),
    Threat(
        "An operator acts beyond their role",
        "console/access.py can/require; console/record.py perform",
        ("test_record::test_permission_is_enforced_and_nothing_is_written",),
    ),
)


def test_every_threat_names_tests_that_exist() -> None:
    for threat in THREATS:
        assert threat.tests, threat.threat
        for name in threat.tests:
            module, _, function = name.partition("::")
            found = getattr(importlib.import_module(f"tests.{module}"), function, None)
            assert callable(found) and function.startswith("test_"), f"{threat.threat}: no test {name}"


# --- credentials ---------------------------------------------------------------------------------
PASSWORD = "Wh1stle&Bell"  # a test camera's


def test_camera_credentials_are_never_logged_shown_or_exported(
    services: Services, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    url = f"rtsp://viewer:{PASSWORD.replace('&', '%26')}@10.0.0.5:554/stream1"
    text = DEMO.replace('kind = "demo"', 'kind = "rtsp"', 1).replace(
        'main_url = "demo://cam01/main"', f'main_url = "{url}"'
    )
    text = text.replace('sub_url = "demo://cam01/sub"\n', "", 1)
    spec = parse_operation(text)
    assert spec.cameras[0].password == PASSWORD  # decoded once: the capture side encodes it again
    services.operations.import_spec(system_actor("t"), spec)
    oid = services.operations.view("demo").id
    cameras = services.operations.cameras(oid)
    source = camera_source(cameras[0], {}, ("viewer", PASSWORD))
    assert source.main.open_url() == url  # what reaches FFmpeg, and only FFmpeg
    shown = [repr(c) for c in cameras] + [
        source.main.display_name(),
        render_operation(services.operations.export_spec("demo")),
    ]
    broken = text.replace(url, url.replace(":554", ":55x"))
    with pytest.raises(ValueError) as refused:
        parse_operation(broken)
    shown.append(str(refused.value))
    for entry in services.record.entries():
        shown.append(entry.text + entry.payload + entry.rows)
    for words in [*shown, caplog.text]:
        assert PASSWORD not in words and "Wh1stle%26Bell" not in words


# --- special-category data -----------------------------------------------------------------------
SENSITIVE = {c.key for c in SubjectSensitive.__table__.columns} - {"subject_id"}
# The words a tile or a burn-in would need to reach special-category data (the camera's own
# health() is its signal, not a person's, and is checked by type below).
SENSITIVE_WORDS = re.compile(r"SubjectSensitive|sensitive|ethnicity|dependency|vulnerability|description", re.I)


def test_tiles_and_burn_in_are_built_from_camera_facts_only() -> None:
    assert {"ethnicity", "health", "dependency", "vulnerability"} == SENSITIVE
    tile_members = {name for name in dir(TileFeed) if not name.startswith("_")}
    assert tile_members == {"camera_id", "camera_name", "location", "published", "acquire", "health", "want",
                            "release", "stats"}  # fmt: skip
    assert inspect.signature(TileFeed.health).return_annotation == "HealthLike"  # the camera's signal state
    assert {f.name for f in dataclasses.fields(_CameraPlan)} == {
        "id",
        "key",
        "name",
        "location",
        "segments",
        "parts",
        "masks",
    }
    assert list(inspect.signature(_overlay).parameters) == ["plan", "tz", "reference"]
    for path in ("widgets/video_wall.py", "widgets/video_tile.py", "widgets/tile_feed.py", "video/export.py"):
        assert not SENSITIVE_WORDS.search((ROOT / path).read_text()), path
    assert not SENSITIVE_WORDS.search(inspect.getsource(_overlay))


def test_burned_in_lines_are_camera_time_and_exhibit() -> None:
    tz, moment = ZoneInfo("Europe/London"), datetime(2026, 11, 28, 22, 5, tzinfo=UTC)
    lines = _overlay(_CameraPlan(1, "cam01", "Station Approach 1", "Station Approach"), tz, "EX/1")(moment)
    assert lines == ["Station Approach 1 - Station Approach", burned_in_time(moment, tz), "Exhibit EX/1"]


# --- the keeper's address, failed logins ------------------------------------------------------------
def test_the_keepers_name_and_address_never_reach_the_record(demo: Services, controller: Actor) -> None:
    sighting = seen(demo, controller, "OY09 FEU")
    demo.letters.prepare(controller, op_id(demo), sighting, "Mr Alfred Keeper", ESSEX)
    personal = ["Alfred", "Keeper", *ESSEX.splitlines()]
    for entry in demo.record.entries():
        held = entry.text + entry.payload + entry.rows
        assert not [p for p in personal if p in held], entry.kind


@pytest.mark.parametrize("typed", ["correct horse\x00battery", "x" * 61, "tab\tname"])
def test_an_impossible_login_name_is_recorded_without_the_name(demo: Services, typed: str) -> None:
    with pytest.raises(LoginError, match="do not match an operator"):
        demo.auth.login(typed, "anything at all", "c1")
    with demo.db.read() as s:
        texts = list(s.scalars(select(RecordEntry.text).where(RecordEntry.kind == "auth.login_failed")))
    assert texts == ["Failed login: a name that is not an active operator"]


# --- CSV formulas ---------------------------------------------------------------------------------
@settings(max_examples=200)
@given(value=st.text(max_size=20) | st.sampled_from(["=1+1", "+44", "-2", "@SUM(A1)", "\t=x", "\r=x"]).map(str))
def test_no_cell_starts_as_a_formula(value: str) -> None:
    cell = safe_cell(value)
    assert not cell.startswith(("=", "+", "-", "@", "\t", "\r"))  # what spreadsheets run (OWASP)
    assert cell in (value, "'" + value)  # neutralised by a quote, never rewritten


# --- SQL text -------------------------------------------------------------------------------------
# Raw SQL calls whose statement is not one constant string, allowed by file and by the names
# formatted in: module constants, a loop over two constant verbs, and the BEGIN mode the code
# itself sets as an execution option (DEFERRED or IMMEDIATE); never a value from a user.
ALLOWED_FORMATTED = {
    "console/feed.py": {"CHANGE_CHANNEL"},
    "storage/db.py": {"SQLITE_BUSY_TIMEOUT_MS", "mode"},
    "storage/migrations/versions/0001_initial_schema.py": {"verb"},
    "storage/migrations/versions/0003_vehicle_vrm_trigram.py": {"INDEX"},
}
RAW_SQL = {"text", "literal_column", "exec_driver_sql", "execute"}


def test_sql_text_is_only_constant_statements_with_bound_parameters() -> None:
    found = []
    for path in sorted([*(ROOT / "console").rglob("*.py"), *(ROOT / "storage").rglob("*.py")]):
        where = str(path.relative_to(ROOT))
        for node in ast.walk(ast.parse(path.read_text(), where)):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if name not in RAW_SQL:
                continue
            statement = node.args[0]
            if name == "execute" and not isinstance(statement, ast.Constant | ast.JoinedStr | ast.BinOp):
                continue  # session.execute(select(...)): built by SQLAlchemy, every value bound
            if isinstance(statement, ast.Constant) and isinstance(statement.value, str):
                continue
            names = {n.id for n in ast.walk(statement) if isinstance(n, ast.Name)}
            if isinstance(statement, ast.JoinedStr) and names and names <= ALLOWED_FORMATTED.get(where, set()):
                continue
            found.append(f"{where}:{node.lineno}: {ast.unparse(node)[:80]}")
    assert found == [], "SQL put together from values:\n" + "\n".join(found)
