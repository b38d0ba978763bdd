"""Bad input at every door, by property: VRMs, camera URLs, the operation file (and what its
import leaves in the database), free text and exhibit references. Each property says what a
user would notice if it broke: a crash instead of a message, a password on screen, a package
folder outside the folder chosen, a half-imported operation."""

from __future__ import annotations

import os
import re
import string
import unicodedata
from datetime import date, datetime, time
from pathlib import Path, PurePosixPath, PureWindowsPath
from urllib.parse import quote

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from console.demo import system_actor
from console.exhibit_package import ExportError, check_reference, folder_name
from console.export_job import ExportRequest
from console.operation_checks import MAX_LENGTHS, redact_url, split_credentials, url_problem
from console.operation_file import OperationFileError, _toml_value, parse_operation
from console.services import Services
from console.text import TextError, clean_text
from console.verify import verify
from console.vrm import MAX_FOREIGN_LENGTH, check_vrm, compact
from storage import models
from video.sources import redact_url as video_redact_url

DEMO = (Path(__file__).resolve().parents[1] / "resources" / "demo_operation.toml").read_text()
TODAY = date(2026, 11, 28)
FAST = settings(max_examples=150, deadline=None)
DB = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

# Any text at all, lone surrogates and control characters included.
anything = st.text(st.characters(exclude_categories=()), max_size=40)


# --- VRMs --------------------------------------------------------------------------------------
@FAST
@given(typed=anything, foreign=st.booleans())
def test_any_typed_mark_gets_an_answer_never_an_exception(typed: str, foreign: bool) -> None:
    check = check_vrm(typed, foreign=foreign, today=TODAY)
    assert check.ok == (check.vrm != "")
    assert check.ok or check.problem.strip()


@FAST
@given(typed=st.text(alphabet=string.ascii_letters + string.digits + " -", max_size=16), foreign=st.booleans())
def test_an_accepted_mark_round_trips_and_is_idempotent(typed: str, foreign: bool) -> None:
    check = check_vrm(typed, foreign=foreign, today=TODAY)
    assume(check.ok)
    # what is stored is upper-case letters and digits, spaced at most once, never invented
    assert re.fullmatch(r"[A-Z0-9]+( [A-Z0-9]+)?", check.vrm)
    assert compact(check.vrm) == compact(typed)
    assert len(compact(check.vrm)) <= MAX_FOREIGN_LENGTH
    again = check_vrm(check.vrm, foreign=foreign, today=TODAY)
    assert (again.ok, again.vrm, again.format) == (True, check.vrm, check.format)


# --- camera URLs ---------------------------------------------------------------------------------
# Passwords hold an upper-case letter, which no scheme, host or path here has, so "the password
# is not in the text" cannot pass by chance.
SECRET = string.ascii_uppercase + "!$&'()+,;=:@%/?# "
secrets = st.text(SECRET, min_size=1, max_size=20).filter(lambda s: any(c.isupper() for c in s))
hosts = st.sampled_from(["10.0.0.5", "cam-4.local", "[fe80::1]", "camera"])
paths = st.sampled_from(["", "/", "/stream1", "/streaming/channels/101", "/x.mjpg?res=low"])
ports = st.sampled_from(["", ":554", ":8080", ":0"])


@FAST
@given(
    scheme=st.sampled_from(["rtsp", "rtsps", "http", "https"]),
    user=st.text(SECRET, max_size=12),
    password=secrets,
    host=hosts,
    port=ports,
    path=paths,
)
def test_credentials_come_out_of_any_url_whole_and_never_stay_in_it(
    scheme: str, user: str, password: str, host: str, port: str, path: str
) -> None:
    url = f"{scheme}://{quote(user, safe='')}:{quote(password, safe='')}@{host}{port}{path}"
    clean, got_user, got_password = split_credentials(url)
    assert clean == f"{scheme}://{host}{port}{path}"
    assert (got_user, got_password) == (user, password)  # decoded: the capture side encodes once
    for shown in (redact_url(url), video_redact_url(url)):
        assert password not in shown and quote(password, safe="") not in shown
        assert shown.startswith(f"{scheme}://***@")


@FAST
@given(
    user=st.text(string.ascii_uppercase, min_size=1, max_size=8),
    password=st.text(string.ascii_uppercase + "!$&'()+,;=@:", min_size=1, max_size=20).filter(
        lambda s: any(c.isupper() for c in s)
    ),
    host=hosts,
    path=paths,
)
def test_a_password_typed_without_percent_encoding_is_still_hidden(
    user: str, password: str, host: str, path: str
) -> None:
    url = f"rtsp://{user}:{password}@{host}{path}"  # a bare @ or : as people type them
    clean, _, got = split_credentials(url)
    assert got == password and password not in clean
    assert password not in redact_url(url) and password not in video_redact_url(url)
    assert password not in video_redact_url(f"could not open {url}: connection refused")


def camera_file(kind: str, url: str) -> str:
    """The demo file with its first camera's kind and main URL replaced (and no sub stream)."""
    lines = DEMO.splitlines()
    first = lines.index("[[cameras]]")
    at = {
        k: next(i for i in range(first, len(lines)) if lines[i].startswith(f"{k} ="))
        for k in ("kind", "main_url", "sub_url")
    }
    lines[at["kind"]] = f"kind = {_toml_value(kind)}"
    lines[at["main_url"]] = f"main_url = {_toml_value(url)}"
    del lines[at["sub_url"]]
    return "\n".join(lines)


@FAST
@given(
    kind=st.sampled_from(["rtsp", "mjpeg", "file", "v4l2"]),
    scheme=st.sampled_from(["rtsp", "rtsps", "http", "https", "file", "concat", "subfile", "javascript", "ftp", ""]),
    password=st.text(string.ascii_uppercase, min_size=6, max_size=12),
    rest=st.sampled_from(["10.0.0.5/s", "10.0.0.5:abc/s", "[::1/s", "10.0.0.5:99999/s", "h/x y", "h/\x00"]),
)
def test_camera_urls_are_checked_against_their_kind_with_a_clear_message(
    kind: str, scheme: str, password: str, rest: str
) -> None:
    url = f"{scheme}://viewer:{password}@{rest}" if scheme else f"/dev/video0{rest}"  # a path: no password
    try:
        spec = parse_operation(camera_file(kind, url))
    except OperationFileError as refused:
        words = "\n".join(refused.problems)
        assert "cameras[1].main_url" in words
        assert password not in words  # not even when the parser took the password for the port
        return
    camera = spec.cameras[0]
    assert password not in camera.main_url
    assert url_problem(kind, url) == ""
    # only the kind's own schemes reach FFmpeg (no file:, concat: or subfile: for a network camera)
    allowed = {"rtsp": {"rtsp", "rtsps"}, "mjpeg": {"http", "https"}, "file": {"", "file"}, "v4l2": {""}}
    assert scheme in allowed[kind]


@pytest.mark.parametrize(
    ("kind", "url", "words"),
    [
        ("rtsp", "file:///etc/passwd", "starts with rtsp:// or rtsps://, not file:"),
        ("mjpeg", "rtsp://10.0.0.5/s", "starts with http:// or https://, not rtsp:"),
        ("rtsp", "concat:/a.mp4|/b.mp4", "not concat:"),
        ("file", "http://10.0.0.5/x.mp4", "a file path or file://"),
        ("rtsp", "rtsp://viewer:pa/ss@10.0.0.5/s", "not a valid URL"),
        ("rtsp", "rtsp://10.0.0.5/my stream", "no spaces or control characters"),
    ],
)
def test_odd_camera_urls_are_refused_with_their_line(kind: str, url: str, words: str) -> None:
    with pytest.raises(OperationFileError) as refused:
        parse_operation(camera_file(kind, url))
    assert len(refused.value.problems) == 1
    assert re.match(r"line \d+: cameras\[1\]\.main_url: ", refused.value.problems[0])
    assert words in refused.value.problems[0]
    assert "ss@" not in refused.value.problems[0]


@pytest.mark.parametrize("url", ["rtsp://10.0.0.5:554/s", "rtsps://cam/s", "file:///v/a.mp4", "C:\\v\\a.mp4"])
def test_ordinary_camera_urls_are_kept(url: str) -> None:
    kind = "file" if url.startswith(("file", "C:")) else "rtsp"
    assert parse_operation(camera_file(kind, url)).cameras[0].main_url == url


# --- the operation file --------------------------------------------------------------------------
def test_every_text_limit_is_its_database_column() -> None:
    tables = {
        "operation": models.Operation,
        "tiers": models.Tier,
        "categories": models.Category,
        "locations": models.Location,
        "cameras": models.Camera,
        "teams": models.Team,
        "units": models.PatrolUnit,
        "officers": models.Officer,
        "operators": models.Operator,
        "masks": models.CameraMask,
    }
    renamed = {("operators", "name"): "display_name", ("cameras", "username"): "", ("cameras", "password"): ""}
    for (section, key), limit in MAX_LENGTHS.items():
        column = renamed.get((section, key), key)
        table = models.CameraCredential if not column else tables[section]
        if (section, key) == ("masks", "camera"):  # a mask names its camera by the camera's key
            table, column = models.Camera, "key"
        found = getattr(table, column or key).property.columns[0].type
        assert isinstance(found, sa.String) and found.length == limit, (section, key, found)


@FAST
@given(text=st.text(max_size=300) | st.text(string.printable + "[]=\"'{}", max_size=300))
def test_random_text_is_refused_with_a_message_never_a_crash(text: str) -> None:
    try:
        parse_operation(text)
    except OperationFileError as refused:
        assert refused.problems and all(p.startswith(("line ", "not valid TOML")) for p in refused.problems)


def test_nesting_too_deep_for_the_reader_is_a_message() -> None:
    with pytest.raises(OperationFileError, match="nested too deeply"):
        parse_operation("x = " + "[" * 5000 + "]" * 5000)


# One setting of the demo file given a value of any TOML type, or no sense at all.
VALUE_LINES = [i for i, line in enumerate(DEMO.splitlines()) if re.match(r"^[a-z_]+ = ", line)]
toml_values = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.booleans().map(_toml_value),
    st.dates().map(_toml_value),
    st.datetimes().map(lambda d: d.isoformat()),
    st.times().map(lambda t: t.isoformat()),
    st.text(st.characters(exclude_categories=("Cs",)), max_size=30).map(_toml_value),
    st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=100, max_size=5000).map(_toml_value),
    st.lists(st.integers(), max_size=3).map(lambda xs: "[" + ", ".join(map(str, xs)) + "]"),
    st.just("{ a = 1 }"),
    st.text(max_size=10),
)


@DB
@given(line=st.sampled_from(VALUE_LINES), value=toml_values)
def test_any_value_is_refused_whole_or_imported_whole(services: Services, line: int, value: str) -> None:
    actor = system_actor("t")
    if not services.operations.names():
        services.operations.import_spec(actor, parse_operation(DEMO))
    head, before = services.record.head(), services.operations.export_spec("demo")
    lines = DEMO.splitlines()
    key = lines[line].split(" = ", 1)[0]
    lines[line] = f"{key} = {value}"
    try:
        spec = parse_operation("\n".join(lines))
    except OperationFileError as refused:
        assert all(re.match(r"(line \d+: |not valid TOML)", p) for p in refused.problems)
        assert services.record.head() == head and services.operations.export_spec("demo") == before
        return
    # Accepted by the file's checks, so the database must take it: no driver error half-way.
    services.operations.import_spec(actor, spec)
    assert services.record.head().count == head.count + 1
    assert services.operations.export_spec(spec.name).start_date == spec.start_date
    assert verify(services.db).ok
    services.operations.import_spec(actor, parse_operation(DEMO))  # the next example starts from the demo


@pytest.mark.parametrize(
    ("setting", "value", "words"),
    [
        ('name = "Team A"', '"Team\\u0000A"', "control character (U+0000) at position 5"),
        ('name = "Team A"', '"' + "A" * 121 + '"', "is 121 characters long; the limit is 120"),
        ("number = 1", "99999999999999999999", "must be from 1 to 99"),
        ("start_date = ", "1979-05-27T07:32:00", "must be date"),
        ("title = ", "0", "title: must be str"),  # read after the count of problems, it once became None
        ("prescribed_area = ", "[1]", "prescribed_area: must be str"),
        ('call_sign = "', '"' + "X" * 31 + '"', "the limit is 30"),
    ],
)
def test_values_the_database_would_refuse_are_refused_with_their_line(setting: str, value: str, words: str) -> None:
    lines = DEMO.splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith(setting))
    lines[at] = lines[at].split(" = ", 1)[0] + " = " + value
    with pytest.raises(OperationFileError) as refused:
        parse_operation("\n".join(lines))
    assert any(p.startswith(f"line {at + 1}: ") and words in p for p in refused.value.problems), refused.value


# --- free text (notes, descriptions) -------------------------------------------------------------
printable = st.characters(exclude_categories=("Cc", "Cs"))
specials = st.sampled_from(["שלום", "مرحبا", "\u200f", "👩\u200d👧", "🇬🇧", "e\u0301", "ñ", "\u202e", "Ａ", "𝔘"])
typed_text = st.lists(st.text(printable, max_size=8) | specials, max_size=8).map("".join)
controls = st.characters(categories=("Cc",))


@FAST
@given(text=typed_text)
def test_printable_unicode_is_kept_exactly(text: str) -> None:
    assume(text == text.strip())
    assert clean_text(text, "Notes", 10_000) == text
    assert clean_text(text, "Notes", 10_000, multiline=True) == text


@FAST
@given(before=typed_text, control=controls, after=typed_text, multiline=st.booleans())
def test_a_control_character_is_refused_with_its_position(
    before: str, control: str, after: str, multiline: bool
) -> None:
    assume(not (multiline and control in "\n\t"))
    text = f"x{before}{control}{after}y"
    with pytest.raises(TextError) as refused:
        clean_text(text, "Notes", 10_000, multiline=multiline)
    allowed = "\n\t" if multiline else ""
    first = next(i for i, ch in enumerate(text) if unicodedata.category(ch) == "Cc" and ch not in allowed)
    assert f"(U+{ord(text[first]):04X}) at position {first + 1}" in str(refused.value)
    assert str(refused.value).startswith("Notes ")


@FAST
@given(length=st.integers(0, 60), limit=st.integers(0, 60), char=st.sampled_from(["a", "é", "👩", "\u0301"]))
def test_the_length_limit_is_exact(length: int, limit: int, char: str) -> None:
    text = "x" * min(length, 1) + char * max(length - 1, 0)
    if length <= limit:
        assert clean_text(text, "Notes", limit) == text
    else:
        with pytest.raises(TextError, match=f"is {length} characters long; the limit is {limit}"):
            clean_text(text, "Notes", limit)


# --- exhibit references and package folders -------------------------------------------------------
hostile_parts = st.sampled_from(
    ["..", ".", "/", "\\", "C:", "CON", "nul", "Aux", "COM1", "lpt9", ".txt", "\x00", " ", "EX", "2026", "-", "_", "é"]
)
references = st.lists(hostile_parts | st.text(string.ascii_letters + string.digits, max_size=6), max_size=8).map(
    "".join
) | st.text(st.characters(exclude_categories=()), max_size=50)
WINDOWS_DEVICES = {"CON", "PRN", "AUX", "NUL", *(f"COM{n}" for n in range(10)), *(f"LPT{n}" for n in range(10))}


@settings(max_examples=300, deadline=None)
@given(reference=references)
def test_any_reference_is_refused_or_makes_one_folder_inside_the_export_folder(reference: str) -> None:
    try:
        ref = check_reference(reference)
    except ExportError as refused:
        assert str(refused).strip()
        return
    name = folder_name(ref)
    out = Path("/exports/court")
    folder = out / name
    assert folder.parent == out and os.path.normpath(folder) == str(folder)
    assert name not in (".", "..") and not set(name) & set("/\\:\x00")
    assert PureWindowsPath(name).name == name and PurePosixPath(name).name == name
    assert not name.endswith((".", " ")) and len(name) <= 40
    assert name.split(".")[0].upper() not in WINDOWS_DEVICES


@pytest.mark.parametrize(
    "reference",
    ["..", "../x", "/abs", "C:\\x", "CON", "con", "NUL", "aux.txt", "COM1", "LPT9.log", "a\x00b", "EX1.", "A" * 41, ""],
)
def test_hostile_references_are_refused_with_a_clear_message(reference: str) -> None:
    with pytest.raises(ExportError) as refused:
        check_reference(reference)
    assert "exhibit reference" in str(refused.value)


@pytest.mark.parametrize("reference", ["EX/2026/001", "SC-14.2", "CONSOLE1", "A/CON", "NUL1"])
def test_ordinary_references_are_kept(reference: str) -> None:
    assert check_reference(f" {reference} ") == reference


def test_a_refused_reference_stops_the_export_before_anything_is_written(demo: Services, tmp_path: Path) -> None:
    sergeant = demo.operations.operator("sgt.demo", "test-console")
    out = tmp_path / "exports"
    head = demo.record.head()
    now = datetime.combine(TODAY, time(22, 0)).astimezone()
    request = ExportRequest(("cam01",), now, now.replace(hour=23), "AUX", "stop check", out)
    with pytest.raises(ExportError, match="Windows keeps for a device"):
        demo.exports.export(sergeant, request)
    assert not out.exists() and demo.record.head() == head
