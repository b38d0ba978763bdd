"""VRM normalisation and validation against the UK formats, with look-alike slips pointed out.
A fixed table of real and near-miss marks, then properties over generated marks."""

from __future__ import annotations

import string
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from console.vrm import check_vrm, compact

TODAY = date(2026, 11, 28)

VALID = [
    # typed, normalised, format
    ("OY09 FEU", "OY09 FEU", "current"),  # ../shared/footage/plates/eu5.jpg
    ("oy09feu", "OY09 FEU", "current"),
    ("  ab51 - cde ", "AB51 CDE", "current"),
    ("LB76 ZZZ", "LB76 ZZZ", "current"),  # September 2026
    ("KY26ABC", "KY26 ABC", "current"),  # March 2026
    ("A123 BCD", "A123 BCD", "prefix"),
    ("y9abc", "Y9 ABC", "prefix"),
    ("ABC 123D", "ABC 123D", "suffix"),
    ("xyv1a", "XYV 1A", "suffix"),
    ("ABC 1234", "ABC 1234", "dateless"),
    ("1 A", "1 A", "dateless"),
    ("1234AB", "1234 AB", "dateless"),
    ("AIZ 1234", "AIZ 1234", "Northern Ireland"),
    ("bz 44", "BZ 44", "Northern Ireland"),
    ("Q123 ABC", "Q123 ABC", "Q plate"),
]

REFUSED = [
    # typed, words the message must contain
    ("OYO9 FEU", "did you mean OY09 FEU"),  # the plate's ground truth as OCR read it: O for 0
    ("0Y09 FEU", "did you mean OY09 FEU"),
    ("A1Z 1234", "did you mean AIZ 1234"),  # 1 for I in a Northern Ireland mark
    ("AB99 CDE", "has not been issued yet"),  # September 2049
    ("AB27 CDE", "has not been issued yet"),  # March 2027
    ("AB50 CDE", "never issued"),
    ("QQ12 ABC", "not a UK registration format"),
    ("ABCDEFGH", "not a UK registration format"),
    ("AB12 CD€", "only letters and digits"),
    ("", "Type the registration mark"),
    ("PP587AO", "not a UK registration format"),  # a Czech plate from the same folder
]


@pytest.mark.parametrize(("typed", "vrm", "kind"), VALID)
def test_real_uk_marks_are_normalised_and_accepted(typed: str, vrm: str, kind: str) -> None:
    check = check_vrm(typed, today=TODAY)
    assert check.ok, check.problem
    assert (check.vrm, check.format) == (vrm, kind)


@pytest.mark.parametrize(("typed", "words"), REFUSED)
def test_near_misses_are_refused_with_a_reason(typed: str, words: str) -> None:
    check = check_vrm(typed, today=TODAY)
    assert not check.ok and check.vrm == ""
    assert words in check.problem


def test_look_alike_slips_suggest_only_valid_marks() -> None:
    # 1 for I at the end of a current mark gives I, which is never a random letter: no suggestion
    assert check_vrm("AB12 CD1", today=TODAY).suggestions == ()
    assert check_vrm("0Y09 FEU", today=TODAY).suggestions == ("OY09 FEU",)


def test_foreign_format_is_an_explicit_choice() -> None:
    assert not check_vrm("PP587AO", today=TODAY).ok
    check = check_vrm("pp 587 ao", foreign=True, today=TODAY)
    assert check.ok and check.vrm == "PP587AO" and check.foreign
    assert not check_vrm("A" * 13, foreign=True).ok
    assert not check_vrm("PP 587;--", foreign=True).ok


_CURRENT_FIRST = "ABCDEFGHJKLMNOPRSTUVWXY"
_RANDOM = "ABCDEFGHJKLMNOPRSTUVWXYZ"
ages = st.sampled_from([f"{n:02d}" for n in list(range(2, 27)) + list(range(51, 77))])


@given(
    st.sampled_from(_CURRENT_FIRST),
    st.sampled_from(_CURRENT_FIRST),
    ages,
    st.text(alphabet=_RANDOM, min_size=3, max_size=3),
    st.sampled_from(["", " ", "  ", "-"]),
    st.booleans(),
)
def test_any_issued_current_mark_is_accepted_however_it_is_typed(
    a: str, b: str, age: str, tail: str, gap: str, lower: bool
) -> None:
    typed = f"{a}{b}{age}{gap}{tail}"
    typed = typed.lower() if lower else typed
    check = check_vrm(typed, today=TODAY)
    assert check.ok, check.problem
    assert check.vrm == f"{a}{b}{age} {tail}" and check.format == "current"


@given(st.text(alphabet=string.ascii_letters + string.digits + " -", max_size=12))
def test_normalising_is_idempotent_and_never_invents_characters(typed: str) -> None:
    check = check_vrm(typed, today=TODAY)
    if check.ok:
        again = check_vrm(check.vrm, today=TODAY)
        assert again.ok and again.vrm == check.vrm
        assert compact(check.vrm) == compact(typed)
    else:
        assert check.problem.endswith((".", ")")) and check.vrm == ""


@given(st.text(max_size=40))
def test_any_text_gets_an_answer_not_an_exception(typed: str) -> None:
    check = check_vrm(typed, today=TODAY)
    assert check.ok or check.problem
