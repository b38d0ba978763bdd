"""Working through a database outage: tags, dispatches, status changes, outcomes and log lines
that cannot reach the database go into a local journal, fsync'ed line by line with each action's
id from the write path, and are replayed in order when the database is back.

A replayed action keeps its event time (the record gives it a new append time) and its action id,
so an action that had in fact been committed before the connection dropped is recognised and not
written twice. An action that now conflicts (a unit dispatched meanwhile by another console) is
recorded as a conflict entry and shown to the controller, never dropped. While anything waits in
the journal, new actions queue behind it so that the order is kept.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from sqlalchemy.exc import InterfaceError, OperationalError

from console.dispatch_rules import OutcomeDraft
from console.record import ActionContext, EntryDraft, new_action_id, utc_now
from console.services import Services
from console.sightings import NewSubject, SightingSaved, TagDraft, VehicleDraft
from console.types import ActionResult, Actor
from storage.db import StorageError
from storage.models import PatrolUnit

log = logging.getLogger("sentinel.journal")
JOURNALED = ActionResult(seq=0, hash="", journaled=True)
JOURNALED_WORDS = (
    "Database unreachable: kept in this console's journal (saved to disk); it goes into the record "
    "as soon as the database is back."
)


# The database could not be reached (as opposed to an action it refused).
UNREACHABLE = (OperationalError, InterfaceError, StorageError)
# An action the services refused, in words: on replay, a conflict to record and show.
REFUSED = (ValueError, LookupError, PermissionError)


@dataclass(frozen=True)
class Pending:
    action_id: str
    kind: str  # tag, dispatch, status, close, note
    event_time: datetime
    actor: Actor
    operation_id: int
    args: dict[str, Any]

    def words(self, call_sign: str = "") -> str:
        """What the action was, in words; ``call_sign``: the unit's, when it is known."""
        a = self.args
        unit = call_sign or f"unit {a.get('unit_id')}"
        return {
            "tag": f"tag of {a.get('category_key', 'a sighting')}",
            "dispatch": f"dispatch of {unit}",
            "status": f"status {a.get('status')} for {unit}",
            "close": f"closing of tasking T-{a.get('tasking_id')}",
            "note": "log line",
        }.get(self.kind, self.kind) + f" at {self.event_time.astimezone():%H:%M:%S}"


@dataclass(frozen=True)
class Replayed:
    landed: int
    conflicts: tuple[str, ...]  # in words, for the controller
    waiting: int  # still in the journal (the database went away again)


class Journal:
    """The file: one JSON line per action, then a line per outcome of its replay."""

    def __init__(self, folder: Path, console_id: str) -> None:
        self.folder = folder
        self.path = folder / f"{console_id}.jsonl"
        self._lock = threading.Lock()
        folder.mkdir(parents=True, exist_ok=True)

    def _append(self, line: dict[str, Any]) -> None:
        data = (json.dumps(line, separators=(",", ":"), default=str) + "\n").encode("utf-8")
        with self._lock:
            fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
            try:
                os.write(fd, data)
                os.fsync(fd)  # on disk before the controller is told it is kept
            finally:
                os.close(fd)

    def add(self, pending: Pending) -> None:
        self._append({
            "action_id": pending.action_id, "kind": pending.kind, "event_time": pending.event_time.isoformat(),
            "actor": asdict(pending.actor), "operation_id": pending.operation_id, "args": pending.args,
        })  # fmt: skip

    def settle(self, action_id: str, how: str, words: str = "") -> None:
        self._append({"settled": action_id, "how": how, "words": words})

    def pending(self) -> list[Pending]:
        """Actions not yet settled, in the order they were made. A torn last line (power cut while
        writing) is skipped with a warning: it was never acknowledged to the controller."""
        if not self.path.exists():
            return []
        waiting: dict[str, Pending] = {}
        with self._lock:
            lines = self.path.read_bytes().splitlines()
        for number, raw in enumerate(lines, start=1):
            try:
                line = json.loads(raw)
            except ValueError:
                log.warning("journal %s line %d is torn; skipped", self.path, number)
                continue
            if "settled" in line:
                waiting.pop(line["settled"], None)
            else:
                waiting[line["action_id"]] = Pending(
                    line["action_id"], line["kind"], datetime.fromisoformat(line["event_time"]),
                    Actor(**line["actor"]), int(line["operation_id"]), line["args"],
                )  # fmt: skip
        return list(waiting.values())

    def compact(self) -> None:
        """Once everything is settled the file is emptied (what it held is in the record now)."""
        with self._lock:
            if self.path.exists():
                tmp = self.path.with_suffix(".tmp")
                tmp.write_bytes(b"")
                os.replace(tmp, self.path)
        for image in self.folder.glob("*.png"):
            image.unlink(missing_ok=True)


class JournaledWriter:
    """The controller's actions, through the database when it answers, else the journal."""

    def __init__(self, services: Services, journal: Journal) -> None:
        self.s = services
        self.journal = journal
        self._replaying = threading.Lock()

    @property
    def waiting(self) -> int:
        return len(self.journal.pending())

    # --- the actions ---------------------------------------------------------------------------
    def tag(self, actor: Actor, operation_id: int, draft: TagDraft) -> SightingSaved:
        action_id, when = new_action_id(), utc_now()
        args = _tag_args(draft)

        def now() -> SightingSaved:
            return self.s.sightings.save(actor, operation_id, draft, action_id=action_id, event_time=when)

        def later() -> None:
            image = self.journal.folder / f"{action_id}.png"
            ok, png = cv2.imencode(".png", draft.image)
            if not ok:
                raise OSError("the frame could not be kept in the journal")
            _write_synced(image, png.tobytes())
            self.journal.add(Pending(action_id, "tag", when, actor, operation_id, {**args, "image": image.name}))

        return self._either(now, later, lambda: SightingSaved(JOURNALED, 0))

    def dispatch(self, actor: Actor, operation_id: int, unit_id: int, sighting_id: int) -> ActionResult:
        return self._simple(actor, operation_id, "dispatch", {"unit_id": unit_id, "sighting_id": sighting_id})

    def set_status(
        self, actor: Actor, operation_id: int, unit_id: int, status: str, expected: str | None = None
    ) -> ActionResult:
        return self._simple(actor, operation_id, "status", {"unit_id": unit_id, "status": status, "expected": expected})

    def close(self, actor: Actor, operation_id: int, tasking_id: int, outcomes: list[OutcomeDraft]) -> ActionResult:
        args = {"tasking_id": tasking_id, "outcomes": [asdict(o) for o in outcomes]}
        return self._simple(actor, operation_id, "close", args)

    def note(
        self, actor: Actor, operation_id: int, text: str, unit_id: int | None = None, camera_id: int | None = None
    ) -> ActionResult:
        return self._simple(actor, operation_id, "note", {"text": text, "unit_id": unit_id, "camera_id": camera_id})

    def _simple(self, actor: Actor, operation_id: int, kind: str, args: dict[str, Any]) -> ActionResult:
        pending = Pending(new_action_id(), kind, utc_now(), actor, operation_id, args)
        return self._either(lambda: self._apply(pending), lambda: self.journal.add(pending), lambda: JOURNALED)

    def _either(self, now: Callable[[], Any], later: Callable[[], None], kept: Callable[[], Any]) -> Any:
        if not self.journal.pending():
            try:
                return now()
            except UNREACHABLE as error:  # a refusal is not caught: the controller is told why
                log.warning("database unreachable (%s): the action goes into the journal", error)
        later()
        return kept()

    # --- replay --------------------------------------------------------------------------------
    def _apply(self, p: Pending) -> Any:
        s, a = self.s, p.args
        if p.kind == "tag":
            return s.sightings.save(p.actor, p.operation_id, _tag_draft(a, self.journal.folder),
                                    action_id=p.action_id, event_time=p.event_time)  # fmt: skip
        if p.kind == "dispatch":
            return s.dispatch.dispatch(p.actor, p.operation_id, a["unit_id"], sighting_id=a["sighting_id"],
                                       action_id=p.action_id, event_time=p.event_time)  # fmt: skip
        if p.kind == "status":
            return s.dispatch.set_status(p.actor, p.operation_id, a["unit_id"], a["status"], expected=a["expected"],
                                         action_id=p.action_id, event_time=p.event_time)  # fmt: skip
        if p.kind == "close":
            drafts = [OutcomeDraft(**o) for o in a["outcomes"]]
            return s.dispatch.close(p.actor, p.operation_id, a["tasking_id"], drafts, action_id=p.action_id,
                                    event_time=p.event_time)  # fmt: skip
        if p.kind == "note":
            return s.shifts.note(p.actor, p.operation_id, a["text"], unit_id=a["unit_id"], camera_id=a["camera_id"],
                                 action_id=p.action_id, event_time=p.event_time)  # fmt: skip
        raise ValueError(f"unknown journal action {p.kind!r}")

    def replay(self) -> Replayed:
        """Apply what waits, in order; stop at the first outage (the rest waits for the next try)."""
        if not self._replaying.acquire(blocking=False):
            return Replayed(0, (), self.waiting)  # another worker is replaying
        try:
            landed, conflicts = 0, list[str]()
            pending = self.journal.pending()
            for index, p in enumerate(pending):
                try:
                    self._apply(p)
                except UNREACHABLE:
                    return Replayed(landed, tuple(conflicts), len(pending) - index)
                except REFUSED as error:
                    words = f"{p.words(self._call_sign(p))} by {p.actor.login} could not be applied: {error}"
                    self._record_conflict(p, words)
                    self.journal.settle(p.action_id, "conflict", words)
                    conflicts.append(words)
                    continue
                self.journal.settle(p.action_id, "landed")
                landed += 1
            self.journal.compact()
            return Replayed(landed, tuple(conflicts), 0)
        finally:
            self._replaying.release()

    def _call_sign(self, p: Pending) -> str:
        """The call sign of the unit an action was for ("" if none): the database answers again."""
        unit_id = p.args.get("unit_id")
        if not isinstance(unit_id, int):
            return ""
        with self.s.db.read() as session:
            unit = session.get(PatrolUnit, unit_id)
            return unit.call_sign if unit is not None else ""

    def _record_conflict(self, p: Pending, words: str) -> None:
        def write(_ctx: ActionContext) -> EntryDraft:
            return EntryDraft(
                kind="journal.conflict",
                text=f"Made while the database was unreachable: {words}",
                payload={"action_id": p.action_id, "kind": p.kind, "made_at": p.event_time.isoformat()},
            )

        # A conflict has its own action id made from the original's, so a second replay of the
        # same journal cannot record it twice.
        self.s.record.perform(p.actor, "journal.conflict", write, operation_id=p.operation_id,
                              action_id=f"{p.action_id}:conflict", event_time=p.event_time)  # fmt: skip


def _write_synced(path: Path, data: bytes) -> None:
    tmp = path.with_suffix(".part")
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def _tag_args(d: TagDraft) -> dict[str, Any]:
    return {
        "camera_key": d.camera_key, "captured_at": d.captured_at.isoformat(), "category_key": d.category_key,
        "boxes": [list(b) for b in d.boxes], "subject_id": d.subject_id,
        "new_subject": asdict(d.new_subject) if d.new_subject else None,
        "vehicle": asdict(d.vehicle) if d.vehicle else None, "direction": d.direction, "notes": d.notes,
    }  # fmt: skip


def _tag_draft(a: dict[str, Any], folder: Path) -> TagDraft:
    decoded = cv2.imdecode(np.frombuffer((folder / a["image"]).read_bytes(), np.uint8), cv2.IMREAD_UNCHANGED)
    if decoded is None:
        raise ValueError(f"the journal's frame {a['image']} cannot be read")
    image = np.asarray(decoded, dtype=np.uint8)
    return TagDraft(
        a["camera_key"], datetime.fromisoformat(a["captured_at"]), a["category_key"], image,
        tuple(tuple(b) for b in a["boxes"]), a["subject_id"],
        NewSubject(**a["new_subject"]) if a["new_subject"] else None,
        VehicleDraft(**a["vehicle"]) if a["vehicle"] else None, a["direction"], a["notes"],
    )  # fmt: skip
