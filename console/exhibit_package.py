"""The evidence package's format, apart from making it: its file names, the exhibit reference
and the folder it names, times as the package and the burn-in show them (and as an operator
types them), the manifest's spans, parts, gaps and privacy words, the checksums and the README.

Shared by the export (`console.export`), its verification (`console.evidence`) and subject
access; nothing here reads the database.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from importlib import metadata
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from video.export import ClipPart, SegmentFile
from video.recorder import file_sha256

MANIFEST = "manifest.json"
CHECKSUMS = "SHA256SUMS"
SHEET = "exhibit-sheet.pdf"
README = "README.txt"
FORMAT = "sentinel-exhibit/1"
_REFERENCE = re.compile(r"[A-Za-z0-9][A-Za-z0-9/_.-]{0,39}")
# Names Windows keeps for devices, with or without an extension ("NUL.txt" is the device too):
# a package may be copied to a Windows machine for court, where such a folder cannot be opened.
_WINDOWS_RESERVED = re.compile(r"(CON|PRN|AUX|NUL|COM[0-9]|LPT[0-9])(\..*)?", re.IGNORECASE)


class ExportError(ValueError):
    """The export cannot be made as asked (said in one sentence for the operator)."""


def local_iso(moment: datetime, tz: ZoneInfo) -> str:
    return moment.astimezone(tz).isoformat(timespec="milliseconds")


def utc_iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def burned_in_time(moment: datetime, tz: ZoneInfo) -> str:
    """``25/10/2026 01:30:12.4 +01:00 BST``: the offset makes the repeated hour unambiguous."""
    local = moment.astimezone(tz)
    offset = local.strftime("%z")
    return f"{local:%d/%m/%Y %H:%M:%S}.{local.microsecond // 100_000} {offset[:3]}:{offset[3:]} {local.tzname()}"


def parse_time(text: str, tz: ZoneInfo) -> datetime:
    """An ISO date-time from an operator. Without an offset it is local time in ``tz``; a local
    time that happens twice (clocks going back) or never (clocks going forward) is refused."""
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        example = "2026-11-30T23:15 or 2026-11-30T23:15:00+00:00"
        raise ExportError(f"{text!r} is not a date-time such as {example}") from None
    if moment.tzinfo is not None:
        return moment.astimezone(UTC)
    first, second = moment.replace(tzinfo=tz, fold=0), moment.replace(tzinfo=tz, fold=1)
    if first.utcoffset() != second.utcoffset():
        if first.astimezone(UTC).astimezone(tz).replace(tzinfo=None) != moment:
            raise ExportError(f"{text} does not exist in {tz.key} (the clocks go forward then); give another time")
        early, late = (_offset_words(x) for x in (first, second))
        raise ExportError(
            f"{text} happens twice in {tz.key} (the clocks go back): add {early} for the first time "
            f"or {late} for the second, e.g. {text}{early}"
        )
    return first.astimezone(UTC)


def _offset_words(moment: datetime) -> str:
    digits = moment.strftime("%z")
    return f"{digits[:3]}:{digits[3:]}"


def check_reference(reference: str) -> str:
    """The exhibit reference as it is recorded, or ExportError saying why it cannot be one."""
    ref = reference.strip()
    if not _REFERENCE.fullmatch(ref):
        raise ExportError(
            "An exhibit reference is 1 to 40 letters, digits and / _ . - (starting with a letter or digit), "
            f"not {reference!r}"
        )
    if _WINDOWS_RESERVED.fullmatch(folder_name(ref)):
        raise ExportError(f"{ref} is a name Windows keeps for a device; choose another exhibit reference")
    if ref.endswith("."):
        # Windows drops a trailing dot, so "AB/1." would open the folder of "AB/1".
        raise ExportError("An exhibit reference cannot end with a dot")
    return ref


def folder_name(reference: str) -> str:
    """The package folder's name for a checked reference: one path component (no / in it)."""
    return reference.replace("/", "_")


def software_version() -> str:
    try:
        return metadata.version("sentinel-console")
    except metadata.PackageNotFoundError:
        return "unknown"


def sha256_lines(folder: Path, names: Sequence[str]) -> str:
    return "".join(f"{file_sha256(folder / name)}  {name}\n" for name in names)


def privacy_words(masks: dict[str, list[tuple[str, tuple[tuple[float, float], ...]]]]) -> dict[str, Any]:
    """What the manifest says about privacy masks (camera key -> its masks as (name, polygon)):
    which exist, and where they are applied."""
    masked = {
        key: [{"name": name, "points": [list(x) for x in polygon]} for name, polygon in polygons]
        for key, polygons in masks.items()
    }
    if not any(masked.values()):
        return {"configured": False, "words": "no privacy masks configured on these cameras"}
    return {
        "configured": True,
        "words": "Privacy masks exist on this footage. The working copies have them blacked out; the "
        "masters are the cameras' original recorded stream, unmasked, as recorded.",
        "cameras": {key: masks for key, masks in masked.items() if masks},
    }


def time_span(start: datetime, end: datetime, tz: ZoneInfo) -> dict[str, str]:
    return {
        "start_utc": utc_iso(start),
        "end_utc": utc_iso(end),
        "start_local": local_iso(start, tz),
        "end_local": local_iso(end, tz),
    }


def part_entry(master: ClipPart, working: ClipPart, folder: Path, tz: ZoneInfo) -> dict[str, Any]:
    return {
        "master": str(master.path.relative_to(folder)),
        "working_copy": str(working.path.relative_to(folder)),
        **{f"master_{k}": v for k, v in time_span(master.starts_at, master.ends_at, tz).items()},
        **{f"working_{k}": v for k, v in time_span(working.starts_at, working.ends_at, tz).items()},
        "master_packets": master.packets,
        "working_frames": working.frames,
        "_start": master.starts_at.isoformat(),
        "_end": master.ends_at.isoformat(),
    }


def footage_gaps(camera: str, runs: list[list[SegmentFile]], start: datetime, end: datetime) -> list[dict[str, Any]]:
    """Stretches of the requested range with no footage of the camera (its key)."""
    found: list[tuple[datetime, datetime]] = []
    cursor = start
    for run in runs:
        if run[0].starts_at > cursor + timedelta(seconds=0.5):
            found.append((cursor, run[0].starts_at))
        cursor = max(cursor, run[-1].ends_at)
    if cursor < end - timedelta(seconds=0.5):
        found.append((cursor, end))
    return [
        {"camera": camera, "from_utc": utc_iso(a), "to_utc": utc_iso(b), "from_dt": a, "to_dt": b} for a, b in found
    ]


def readme_text(reference: str) -> str:
    return f"""Exhibit {reference}: evidence package made by Sentinel Console
==============================================================

What is here
  master/              the camera's recorded stream, copied packet for packet (never re-encoded)
  working/             a viewing copy (H.264 MP4) with camera, date-time (with UTC offset) and
                       exhibit reference burned in; not the evidence itself
  stills/              the stills taken when controllers tagged sightings in the range
  record-extract.jsonl the operation record's entries for the range, each with its hash and the
                       hash of the entry before it
  manifest.json        what was exported, by whom, why, the time spans, and the SHA-256 of every file
  SHA256SUMS           checksums of every file above and of manifest.json
  exhibit-sheet.pdf    the printable exhibit sheet with the manifest's SHA-256 and the handling log

How to check it without the console
  In this folder run:    sha256sum -c SHA256SUMS
  Every line must say OK. Then compare the SHA-256 of manifest.json
  (sha256sum manifest.json) with the one printed on the exhibit sheet and held in the
  operation record (entry kind evidence.exported).

With the console:        sentinel-console export verify <this folder>
"""
