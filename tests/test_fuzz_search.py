"""Anything typed into a search box, on SQLite and PostgreSQL: LIKE wildcards, backslashes,
quotes, SQL, NUL bytes and unpaired surrogates. The search answers or says in words why not;
it never fails in the driver, finds only rows that hold the text, and leaves the tables as
they were."""

from __future__ import annotations

import unicodedata
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from console.audit import AuditFilter, audit_entries
from console.services import Services
from console.sightings import NewSubject, SightingError, SightingFilter, TagDraft, VehicleDraft
from console.text import TextError
from console.types import Actor
from console.verify import verify
from console.vrm import compact
from storage.models import RecordEntry, Sighting, Subject, Vehicle

DB = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

DESCRIPTIONS = [
    "100% cotton coat",
    "under_score on the hood",
    "back\\slash tattoo",
    "O'Brien's \"red\" van",
    "'; DROP TABLE subject; --",
    "Élodie, grey jacket",
    "ünïcödé scarf",
]
VRMS = ["OY09 FEU", "AB51 CDE", "Y9 ABC"]
HOSTILE = st.sampled_from(
    ["%", "_", "\\", "'", '"', "%_%", "\\%", "'; DROP TABLE subject; --", "\x00", "\ud800", "coat", "OY09", "é", "É"]
)
typed = st.lists(HOSTILE | st.text(st.characters(exclude_categories=()), max_size=6), max_size=5).map("".join)


def _frame() -> np.ndarray:
    image = np.zeros((90, 160, 4), dtype=np.uint8)
    image[..., 3] = 255
    return image


def _seed(demo: Services, controller: Actor) -> int:
    """Subjects with awkward descriptions and vehicles, once per database."""
    oid = demo.operations.view("demo").id
    if demo.sightings.search_subjects(oid, "cotton"):
        return oid
    when = datetime.now(UTC) - timedelta(minutes=5)
    for text in DESCRIPTIONS:
        draft = TagDraft("cam01", when, "sex_worker", _frame(), new_subject=NewSubject(text))
        demo.sightings.save(controller, oid, draft)
    for vrm in VRMS:
        demo.sightings.save(controller, oid, TagDraft("cam02", when, "vehicle", _frame(), vehicle=VehicleDraft(vrm)))
    return oid


def _counts(demo: Services) -> tuple[int, int, int, int]:
    with demo.db.read() as s:
        tables = (Subject, Sighting, Vehicle, RecordEntry)
        counted = [s.scalar(select(func.count()).select_from(t)) or 0 for t in tables]
    return counted[0], counted[1], counted[2], counted[3]


def _refused_in_words(error: Exception) -> None:
    assert isinstance(error, TextError | SightingError), f"{type(error).__name__}: {error}"
    assert str(error).endswith("."), str(error)


@DB
@given(text=typed)
def test_subject_search_finds_only_subjects_holding_the_text(demo: Services, controller: Actor, text: str) -> None:
    oid = _seed(demo, controller)
    before = _counts(demo)
    try:
        found = demo.sightings.search_subjects(oid, text, limit=100)
    except (TextError, SightingError) as refused:
        _refused_in_words(refused)
        assert any(unicodedata.category(c) in ("Cc", "Cs") for c in text)  # only what no stored text holds
    else:
        fragment = text.strip().lower()
        for x in found:
            assert fragment in x.reference.lower() or fragment in x.description.lower(), (text, x)
        # every seeded description holding the text as typed (ASCII: case folding is the engine's) is found
        held = {d for d in DESCRIPTIONS if text.strip() in d and text.strip().isascii()}
        assert held <= {x.description for x in found}
    assert _counts(demo) == before


@DB
@given(text=typed)
def test_sighting_search_finds_only_sightings_holding_the_text(demo: Services, controller: Actor, text: str) -> None:
    oid = _seed(demo, controller)
    before = _counts(demo)
    described = {x.reference: x.description for x in demo.sightings.search_subjects(oid, "", limit=100)}
    try:
        rows = demo.sightings.list(oid, SightingFilter(text=text), limit=500)
    except (TextError, SightingError) as refused:
        _refused_in_words(refused)
    else:
        fragment = text.strip()
        for row in rows:
            in_vrm = bool(row.vrm) and compact(fragment) in compact(row.vrm)
            in_subject = bool(row.subject_reference) and (
                fragment.lower() in row.subject_reference.lower()
                or fragment.lower() in described[row.subject_reference].lower()
            )
            assert in_vrm or in_subject, (text, row)
        if fragment in {"OY09", "coat"}:
            assert rows
    assert _counts(demo) == before


@DB
@given(text=typed, operator=typed)
def test_audit_filter_finds_only_entries_holding_the_text(
    demo: Services, controller: Actor, text: str, operator: str
) -> None:
    _seed(demo, controller)
    before = _counts(demo)
    auditor = demo.operations.operator("auditor.demo", "test-console")
    try:
        entries = audit_entries(demo.record, auditor, AuditFilter(text=text, operator=operator))
    except TextError as refused:
        _refused_in_words(refused)
    else:
        for entry in entries:
            assert text.strip().lower() in entry.text.lower(), (text, entry)
            if operator.strip():
                assert entry.operator == operator.strip().lower()
    assert _counts(demo) == before


@pytest.mark.parametrize("text", ["a\x00b", "\x00", "SW\x00-001", "\ud800abc"])
def test_a_nul_or_broken_character_gets_a_message_not_a_driver_error(
    demo: Services, controller: Actor, text: str
) -> None:
    oid = _seed(demo, controller)
    auditor = demo.operations.operator("auditor.demo", "test-console")
    for search in (
        lambda: demo.sightings.search_subjects(oid, text),
        lambda: demo.sightings.list(oid, SightingFilter(text=text)),
        lambda: audit_entries(demo.record, auditor, AuditFilter(text=text)),
        lambda: audit_entries(demo.record, auditor, AuditFilter(operator=text)),
    ):
        with pytest.raises(TextError, match=r"has a control character \(U\+[0-9A-F]{4}\) at position \d+"):
            search()
    assert verify(demo.db).ok


def test_wildcards_are_literal_and_sql_is_only_text(demo: Services, controller: Actor) -> None:
    oid = _seed(demo, controller)
    assert [x.description for x in demo.sightings.search_subjects(oid, "%")] == ["100% cotton coat"]
    assert [x.description for x in demo.sightings.search_subjects(oid, "_")] == ["under_score on the hood"]
    assert [x.description for x in demo.sightings.search_subjects(oid, "\\")] == ["back\\slash tattoo"]
    assert [x.description for x in demo.sightings.search_subjects(oid, "'s \"red")] == ["O'Brien's \"red\" van"]
    dropped = demo.sightings.search_subjects(oid, "'; DROP TABLE subject; --")
    assert [x.description for x in dropped] == ["'; DROP TABLE subject; --"]
    assert len(demo.sightings.list(oid, SightingFilter(text="DROP TABLE"))) == 1
    assert len(demo.sightings.search_subjects(oid, "", limit=100)) == len(DESCRIPTIONS)  # the table is still there
    assert verify(demo.db).ok
