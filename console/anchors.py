"""Anchors: the record's head (entry count and hash) written outside the database, so that a
truncated or rewritten-and-rehashed chain shows up in `record verify`."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from console.types import ChainHead


class AnchorError(RuntimeError):
    pass


@dataclass(frozen=True)
class Anchor:
    time: datetime
    count: int
    hash: str
    reason: str
    line: int


class AnchorFile:
    """Append-only JSON-lines file; each append is fsync'ed."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def append(self, head: ChainHead, reason: str, when: datetime | None = None) -> None:
        when = when or datetime.now(UTC)
        line = json.dumps(
            {"time": when.isoformat(), "count": head.count, "hash": head.hash, "reason": reason},
            sort_keys=True,
        )
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
        try:
            os.write(fd, (line + "\n").encode("utf-8"))
            os.fsync(fd)
        finally:
            os.close(fd)

    def read(self) -> list[Anchor]:
        try:
            lines = self.path.read_text(encoding="utf-8").splitlines()
        except FileNotFoundError:
            return []
        except OSError as exc:
            raise AnchorError(f"Cannot read anchor file {self.path}: {exc.strerror}") from exc
        anchors = []
        for number, raw in enumerate(lines, start=1):
            if not raw.strip():
                continue
            try:
                data = json.loads(raw)
                anchors.append(
                    Anchor(
                        time=datetime.fromisoformat(data["time"]),
                        count=int(data["count"]),
                        hash=str(data["hash"]),
                        reason=str(data.get("reason", "")),
                        line=number,
                    )
                )
            except (ValueError, KeyError, TypeError) as exc:
                raise AnchorError(f"{self.path}, line {number}: not an anchor ({exc})") from exc
        return anchors
