"""Vehicle registration marks (VRMs): normalise what a controller typed, check it against the UK
formats, and point out the slips people make reading plates at night (I/1, O/0).

Formats (DVLA):
- current, from September 2001: two memory-tag letters, a two-digit age identifier, three
  random letters: ``OY09 FEU``. I and Q are never used; Z only among the random letters.
- prefix, 1983-2001: year letter, 1-3 digits, three letters: ``A123 BCD``.
- suffix, 1963-1983: three letters, 1-3 digits, year letter: ``ABC 123D``.
- dateless, before 1963: 1-3 letters and 1-4 digits, either way round: ``ABC 123``, ``1234 AB``.
- Northern Ireland: 1-3 letters including I or Z, then 1-4 digits: ``AIZ 1234``.
- Q plates (vehicles of uncertain age or identity): Q, 1-3 digits, 1-3 letters: ``Q123 ABC``.
Anything else is refused unless the controller chooses "foreign / other format".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from itertools import product

MAX_FOREIGN_LENGTH = 12
_YEAR_LETTERS = "ABCDEFGHJKLMNPRSTVWXY"  # the year letters of prefix and suffix marks (no I O Q U Z)

FORMATS: tuple[tuple[str, re.Pattern[str], str], ...] = (
    ("current", re.compile(r"([A-HJ-PR-Y][A-HJ-PR-Y])(\d\d)([A-HJ-PR-Z]{3})"), r"\1\2 \3"),
    ("prefix", re.compile(rf"([{_YEAR_LETTERS}])([1-9]\d{{0,2}})([A-HJ-PR-Y]{{3}})"), r"\1\2 \3"),
    ("suffix", re.compile(rf"([A-HJ-PR-Y]{{3}})([1-9]\d{{0,2}})([{_YEAR_LETTERS}])"), r"\1 \2\3"),
    ("Q plate", re.compile(r"(Q)([1-9]\d{0,2})([A-HJ-PR-Z]{1,3})"), r"\1\2 \3"),
    ("Northern Ireland", re.compile(r"((?=[A-Z]{0,2}[IZ])[A-Z]{1,3})([1-9]\d{0,3})"), r"\1 \2"),
    ("dateless", re.compile(r"([A-HJ-PR-Y]{1,3})([1-9]\d{0,3})"), r"\1 \2"),
    ("dateless", re.compile(r"([1-9]\d{0,3})([A-HJ-PR-Y]{1,3})"), r"\1 \2"),
)
_LOOK_ALIKE = {"I": "1", "1": "I", "O": "0", "0": "O"}


@dataclass(frozen=True)
class VrmCheck:
    typed: str
    vrm: str  # normalised (upper case, standard spacing); "" when refused
    format: str  # one of the format names, "foreign / other format", or "" when refused
    problem: str = ""  # why it was refused, in one sentence
    suggestions: tuple[str, ...] = field(default_factory=tuple)

    @property
    def ok(self) -> bool:
        return not self.problem

    @property
    def foreign(self) -> bool:
        return self.format == "foreign / other format"


def compact(typed: str) -> str:
    """Upper case with spaces and hyphens removed: the form marks are compared and searched in."""
    return re.sub(r"[\s\-]+", "", typed).upper()


def _current_age_ok(age: str, today: date) -> str:
    """'' if the age identifier has been issued by ``today``; else why not."""
    number = int(age)
    year = today.year % 100
    march = year if today.month >= 3 else year - 1
    september = year + 50 if today.month >= 9 else year + 49
    if number in (0, 1, 50):
        return f"age identifier {age} was never issued"
    if (number < 50 and number > march) or (number > 50 and number > september):
        return f"age identifier {age} has not been issued yet"
    return ""


def _match(text: str, today: date) -> tuple[str, str, str]:
    """(vrm, format, problem) for a compact mark; vrm '' if no UK format fits."""
    problem = ""
    for name, pattern, spaced in FORMATS:
        m = pattern.fullmatch(text)
        if m is None:
            continue
        if name == "current":
            problem = _current_age_ok(m.group(2), today)
            if problem:
                continue
        return m.expand(spaced), name, ""
    return "", "", problem


def _look_alike_variants(text: str, limit: int = 4) -> list[str]:
    positions = [i for i, ch in enumerate(text) if ch in _LOOK_ALIKE][:limit]
    variants = []
    for flips in product((False, True), repeat=len(positions)):
        if not any(flips):
            continue
        chars = list(text)
        for pos, flip in zip(positions, flips, strict=True):
            if flip:
                chars[pos] = _LOOK_ALIKE[chars[pos]]
        variants.append("".join(chars))
    return variants


def check_vrm(typed: str, foreign: bool = False, today: date | None = None) -> VrmCheck:
    """Normalise and validate ``typed``. ``foreign``: the controller chose "foreign / other format"."""
    today = today or date.today()
    text = compact(typed)
    if not text:
        return VrmCheck(typed, "", "", "Type the registration mark (VRM).")
    if not text.isascii() or not text.isalnum():
        bad = "".join(sorted({c for c in text if not (c.isascii() and c.isalnum())}))
        return VrmCheck(typed, "", "", f"A registration mark has only letters and digits, not {bad!r}.")
    if foreign:
        if len(text) > MAX_FOREIGN_LENGTH:
            return VrmCheck(typed, "", "", f"A registration mark has at most {MAX_FOREIGN_LENGTH} characters.")
        return VrmCheck(typed, text, "foreign / other format")
    vrm, name, problem = _match(text, today)
    if vrm:
        return VrmCheck(typed, vrm, name)
    suggestions = []
    for variant in _look_alike_variants(text):
        candidate, _, _ = _match(variant, today)
        if candidate and candidate not in suggestions:
            suggestions.append(candidate)
    if suggestions:
        why = f"{_spaced(text)} is not a UK format; did you mean {' or '.join(suggestions)}? (I/1 and O/0 look alike)"
    elif problem:
        why = f"{_spaced(text)} is not a valid UK mark: {problem}."
    else:
        why = (
            f"{_spaced(text)} is not a UK registration format; check it, "
            "or choose “foreign / other format” if it is not a UK plate."
        )
    return VrmCheck(typed, "", "", why, tuple(suggestions))


def _spaced(text: str) -> str:
    return text if len(text) <= 12 else text[:12] + "…"
