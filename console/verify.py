"""`record verify`: walk the chain, check every domain row against its latest digest, and check
the head against the anchors kept outside the database."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import select

from console.anchors import Anchor
from console.chain import GENESIS, entry_hash, row_digest, row_key, sha256_text
from console.record import RecordService
from storage.db import Database
from storage.models import RecordEntry, tracked_tables

ERASURE_KIND = "retention.erasure"


@dataclass
class VerifyReport:
    entries: int = 0
    rows_checked: int = 0
    anchors_checked: int = 0
    head_hash: str = GENESIS
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _fields(entry: RecordEntry) -> dict[str, object]:
    return {
        "seq": entry.seq,
        "action_id": entry.action_id,
        "operation_id": entry.operation_id,
        "event_time": entry.event_time,
        "append_time": entry.append_time,
        "operator": entry.operator,
        "console_id": entry.console_id,
        "kind": entry.kind,
        "ref_type": entry.ref_type,
        "ref_id": entry.ref_id,
        "corrects_seq": entry.corrects_seq,
        "text": entry.text,
        "payload": entry.payload,
        "rows_digest": entry.rows_digest,
        "prev_hash": entry.prev_hash,
    }


def verify(db: Database, anchors: Iterable[Anchor] = ()) -> VerifyReport:
    report = VerifyReport()
    # (table, key) -> (digest or None when deleted/erased, seq of the entry that said so)
    latest: dict[tuple[str, str], tuple[str | None, int]] = {}
    hashes: dict[int, str] = {}
    expected_seq, prev = 1, GENESIS
    for entry in RecordService(db).entries():
        if entry.seq != expected_seq:
            if entry.seq > expected_seq:
                gap = entry.seq - expected_seq
                missing = f"{expected_seq}" if gap == 1 else f"{expected_seq}-{entry.seq - 1}"
                report.problems.append(
                    f"entry {missing} removed: the record jumps from {expected_seq - 1} to {entry.seq}"
                )
            else:
                report.problems.append(f"entry {entry.seq} out of order")
            break
        if entry_hash(_fields(entry)) != entry.hash:
            report.problems.append(f"entry {entry.seq} altered: its content no longer matches its hash")
            break
        if entry.prev_hash != prev:
            report.problems.append(f"entry {entry.seq} does not follow entry {entry.seq - 1}: removed or reordered")
            break
        if sha256_text(entry.rows) != entry.rows_digest:
            report.problems.append(f"entry {entry.seq} altered: its row digests were changed")
            break
        for row in json.loads(entry.rows):
            latest[(row["table"], row["key"])] = (row["digest"], entry.seq)
        if entry.kind == ERASURE_KIND:
            for gone in json.loads(entry.payload).get("erased", []):
                latest[(gone["table"], str(gone["key"]))] = (None, entry.seq)
        hashes[entry.seq] = entry.hash
        prev = entry.hash
        expected_seq += 1
        report.entries += 1
    report.head_hash = prev
    if report.problems:
        return report
    _check_anchors(anchors, hashes, report)
    _check_rows(db, latest, report)
    return report


def _check_rows(db: Database, latest: dict[tuple[str, str], tuple[str | None, int]], report: VerifyReport) -> None:
    seen: set[tuple[str, str]] = set()
    with db.read() as session:
        for table, cls in sorted(tracked_tables().items()):
            for obj in session.scalars(select(cls)).yield_per(500):
                key = row_key(obj)
                seen.add(key)
                report.rows_checked += 1
                said = latest.get(key)
                name = f"{table} row {key[1]}"
                if said is None:
                    report.problems.append(f"{name} was not written through the record")
                elif said[0] is None:
                    report.problems.append(f"{name} should be gone (entry {said[1]}) but is present")
                elif said[0] != row_digest(obj):
                    report.problems.append(f"{name} no longer matches entry {said[1]} that last wrote it")
            session.expunge_all()
    for key, (digest, seq) in sorted(latest.items()):
        if digest is not None and key not in seen:
            report.problems.append(f"{key[0]} row {key[1]} removed: entry {seq} wrote it")


def _check_anchors(anchors: Iterable[Anchor], hashes: dict[int, str], report: VerifyReport) -> None:
    count = len(hashes)
    for anchor in anchors:
        report.anchors_checked += 1
        where = f"anchor of {anchor.time:%Y-%m-%d %H:%M} UTC ({anchor.reason}, line {anchor.line})"
        if anchor.count > count:
            report.problems.append(f"record truncated: {where} counts {anchor.count} entries, the database has {count}")
        elif anchor.count > 0 and hashes[anchor.count] != anchor.hash:
            report.problems.append(f"record rewritten: entry {anchor.count} differs from the {where}")
