"""Free text typed by controllers: any printable Unicode (emoji, right-to-left scripts) is kept
exactly; control characters and over-long input are refused with a message naming the field."""

from __future__ import annotations

import unicodedata


class TextError(ValueError):
    pass


def clean_text(value: str, field: str, max_length: int, *, multiline: bool = False, required: bool = False) -> str:
    """``value`` with surrounding white space removed, or TextError saying what is wrong."""
    text = value.strip()
    if required and not text:
        raise TextError(f"{field} is empty.")
    if len(text) > max_length:
        raise TextError(f"{field} is {len(text)} characters long; the limit is {max_length}.")
    why = control_problem(text, multiline=multiline)
    if why:
        raise TextError(f"{field} {why}.")
    return text


def control_problem(text: str, *, multiline: bool = False) -> str:
    """Where ``text`` has its first control character, in words ("" if it has none)."""
    allowed = {"\n", "\t"} if multiline else set()
    for position, ch in enumerate(text, start=1):
        # Cc: control characters; Cs: lone surrogates. Format characters (Cf) such as the
        # right-to-left marks and emoji joiners are part of real text and are kept.
        if ch not in allowed and unicodedata.category(ch) in ("Cc", "Cs"):
            return f"has a control character (U+{ord(ch):04X}) at position {position}; remove it"
    return ""
