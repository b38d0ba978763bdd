"""The one write path and the append-only operation record.

`RecordService.perform` checks permission, runs the action's domain writes and appends the
record entry in one transaction. The entry carries digests of the rows written, not their
content, so retention can erase personal data and the chain still verifies. A client-made
action id makes a replay of the same action harmless.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Select, event, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from console.access import require
from console.chain import GENESIS, canonical_json, entry_hash, row_digest, row_key, sha256_text
from console.types import ActionResult, Actor, ChainHead, EntryView
from storage.db import Database
from storage.models import (
    LogNote,
    Outcome,
    RecordEntry,
    RecordRow,
    Sighting,
    Tasking,
    Vehicle,
    WarningLetter,
    tracked_tables,
)

# Key for PostgreSQL's transaction-scoped advisory lock that serialises appends across consoles.
_APPEND_LOCK = 0x5E_47_1E_1
# PostgreSQL channel told the sequence number of every appended entry (delivered at commit), so
# other consoles hear of a change at once instead of at their next poll.
CHANGE_CHANNEL = "sentinel_record"


def utc_now() -> datetime:
    return datetime.now(UTC)


def new_action_id() -> str:
    return uuid.uuid4().hex


@dataclass
class EntryDraft:
    """What an action says about itself in the record."""

    kind: str
    text: str
    ref_type: str = ""
    ref_id: str = ""
    payload: dict[str, Any] = field(default_factory=dict)
    corrects_seq: int | None = None
    # When an action writes several entries: the rows (ORM objects) this one is about. The
    # first entry carries every row no later entry claims.
    about: tuple[Any, ...] = ()


@dataclass
class ActionContext:
    session: Session
    actor: Actor
    event_time: datetime
    operation_id: int | None

    def serialise(self) -> None:
        """Take the append lock now (PostgreSQL): for actions that allocate the next free number
        (a subject reference), so two consoles cannot pick the same one."""
        if self.session.get_bind().dialect.name == "postgresql":
            self.session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _APPEND_LOCK})


Action = Callable[[ActionContext], EntryDraft | list[EntryDraft]]


class _WrittenRows:
    """Collects every tracked row the session inserts, updates or deletes during an action."""

    def __init__(self, session: Session) -> None:
        self.touched: dict[tuple[str, str], Any] = {}
        self.deleted: set[tuple[str, str]] = set()
        self._tracked = set(tracked_tables().values())
        event.listen(session, "after_flush", self._after_flush)

    def _after_flush(self, session: Session, _context: Any) -> None:
        for obj in list(session.new) + list(session.dirty):
            if type(obj) in self._tracked:
                key = row_key(obj)
                self.touched[key] = obj
                self.deleted.discard(key)
        for obj in session.deleted:
            if type(obj) in self._tracked:
                key = row_key(obj)
                self.touched.pop(key, None)
                self.deleted.add(key)

    def digests(self) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = [
            {"table": t, "key": k, "digest": row_digest(obj)} for (t, k), obj in self.touched.items()
        ]
        rows += [{"table": t, "key": k, "digest": None} for (t, k) in self.deleted]
        rows.sort(key=lambda r: (r["table"], r["key"]))
        return rows


class RecordService:
    def __init__(self, db: Database, clock: Callable[[], datetime] = utc_now) -> None:
        self._db = db
        self._clock = clock

    # --- writing -----------------------------------------------------------------------------
    def perform(
        self,
        actor: Actor,
        action: str,
        do: Action,
        *,
        operation_id: int | None,
        action_id: str | None = None,
        event_time: datetime | None = None,
    ) -> ActionResult:
        require(actor, action)
        action_id = action_id or new_action_id()
        when = event_time or self._clock()
        try:
            with self._db.write.begin() as session:
                existing = self._find_action(session, action_id)
                if existing is not None:
                    return existing
                written = _WrittenRows(session)
                ctx = ActionContext(session, actor, when, operation_id)
                done = do(ctx)
                drafts = [done] if isinstance(done, EntryDraft) else done
                if not drafts:
                    raise ValueError(f"action {action} wrote no record entry")
                session.flush()
                first: RecordEntry | None = None
                for index, (draft, rows) in enumerate(_share_rows(drafts, written.digests())):
                    entry_id = action_id if index == 0 else f"{action_id}/{index + 1}"
                    entry = self._append(session, actor, entry_id, ctx.operation_id, when, draft, rows)
                    first = first or entry
                assert first is not None
                return ActionResult(seq=first.seq, hash=first.hash, ref_id=first.ref_id)
        except IntegrityError:
            # Another console (or a replay) appended the same action id first.
            with self._db.read() as session:
                replay = self._find_action(session, action_id)
            if replay is None:
                raise
            return replay

    def _find_action(self, session: Session, action_id: str) -> ActionResult | None:
        row = session.execute(
            select(RecordEntry.seq, RecordEntry.hash, RecordEntry.ref_id).where(RecordEntry.action_id == action_id)
        ).first()
        if row is None:
            return None
        return ActionResult(seq=row.seq, hash=row.hash, replayed=True, ref_id=row.ref_id)

    def _append(
        self,
        session: Session,
        actor: Actor,
        action_id: str,
        operation_id: int | None,
        when: datetime,
        draft: EntryDraft,
        rows: list[dict[str, Any]],
    ) -> RecordEntry:
        if session.get_bind().dialect.name == "postgresql":
            session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _APPEND_LOCK})
        head = session.execute(
            select(RecordEntry.seq, RecordEntry.hash).order_by(RecordEntry.seq.desc()).limit(1)
        ).first()
        seq, prev_hash = (head.seq + 1, head.hash) if head else (1, GENESIS)
        rows_json = canonical_json(rows)
        fields: dict[str, Any] = {
            "seq": seq,
            "action_id": action_id,
            "operation_id": operation_id,
            "event_time": when.astimezone(UTC),
            "append_time": self._clock().astimezone(UTC),
            "operator": actor.login,
            "console_id": actor.console_id,
            "kind": draft.kind,
            "ref_type": draft.ref_type,
            "ref_id": str(draft.ref_id),
            "corrects_seq": draft.corrects_seq,
            "text": draft.text,
            "payload": canonical_json(draft.payload),
            "rows_digest": sha256_text(rows_json),
            "prev_hash": prev_hash,
        }
        entry = RecordEntry(**fields, rows=rows_json, hash=entry_hash(fields))
        session.add(entry)
        session.flush()
        session.add_all(RecordRow(seq=seq, table=r["table"], key=r["key"]) for r in rows)
        if session.get_bind().dialect.name == "postgresql":
            session.execute(text("SELECT pg_notify(:channel, :seq)"), {"channel": CHANGE_CHANNEL, "seq": str(seq)})
        return entry

    # --- reading -----------------------------------------------------------------------------
    def head(self) -> ChainHead:
        with self._db.read() as session:
            row = session.execute(
                select(RecordEntry.seq, RecordEntry.hash).order_by(RecordEntry.seq.desc()).limit(1)
            ).first()
        return ChainHead(count=row.seq, hash=row.hash) if row else ChainHead(0, GENESIS)

    def latest(self, limit: int = 200) -> list[EntryView]:
        """The newest `limit` entries, newest first."""
        return self._views(select(RecordEntry).order_by(RecordEntry.seq.desc()).limit(limit))

    def since(self, after_seq: int, limit: int = 500) -> list[EntryView]:
        """Entries after `after_seq`, oldest first, at most `limit` (call again for more)."""
        return self._views(
            select(RecordEntry).where(RecordEntry.seq > after_seq).order_by(RecordEntry.seq).limit(limit)
        )

    def query(self, query: Select[Any]) -> list[EntryView]:
        """Entries chosen by a query over RecordEntry (the audit view's filters)."""
        return self._views(query)

    def _views(self, query: Select[Any]) -> list[EntryView]:
        with self._db.read() as session:
            rows: Sequence[RecordEntry] = session.scalars(query).all()
            notes = _log_note_texts(session, [r.ref_id for r in rows if r.ref_type == "log_note"])
            marks = _vehicle_marks(session, rows)
            return [
                entry_view(r, notes.get(r.ref_id, "") if r.ref_type == "log_note" else marks.get(r.seq, ""))
                for r in rows
            ]

    def entries_at(self, seqs: Sequence[int], limit: int = 2000) -> list[EntryView]:
        """The entries with these sequence numbers, oldest first (a figure's entries behind it)."""
        wanted = sorted(set(seqs))[:limit]
        found: list[EntryView] = []
        for start in range(0, len(wanted), 900):
            part = wanted[start : start + 900]
            found += self._views(select(RecordEntry).where(RecordEntry.seq.in_(part)).order_by(RecordEntry.seq))
        return found

    def entries(self, batch: int = 1000) -> Iterator[RecordEntry]:
        """Every entry in chain order, streamed (detached rows)."""
        last = 0
        while True:
            with self._db.read() as session:
                rows = session.scalars(
                    select(RecordEntry).where(RecordEntry.seq > last).order_by(RecordEntry.seq).limit(batch)
                ).all()
            if not rows:
                return
            yield from rows
            last = rows[-1].seq


def _share_rows(drafts: list[EntryDraft], rows: list[dict[str, Any]]) -> list[tuple[EntryDraft, list[dict[str, Any]]]]:
    """Give each entry of a several-entry action the digests of the rows it is about."""
    claims = {row_key(obj): index for index, draft in enumerate(drafts) for obj in draft.about}
    shares: list[list[dict[str, Any]]] = [[] for _ in drafts]
    for row in rows:
        shares[claims.get((row["table"], row["key"]), 0)].append(row)
    return list(zip(drafts, shares, strict=True))


def _log_note_texts(session: Session, ids: list[str]) -> dict[str, str]:
    wanted = [int(i) for i in ids if i.isdigit()]
    if not wanted:
        return {}
    return {str(i): t for i, t in session.execute(select(LogNote.id, LogNote.text).where(LogNote.id.in_(wanted)))}


def _vehicle_marks(session: Session, rows: Sequence[RecordEntry]) -> dict[int, str]:
    """Entries name a vehicle by its id, never its VRM (personal data, erased after its period);
    shown, they carry the VRM while the vehicle's row still holds it."""
    by_ref: dict[str, list[RecordEntry]] = {}
    for r in rows:
        if r.ref_type in _VEHICLE_OF and r.ref_id.isdigit() and "vehicle " in r.text:
            by_ref.setdefault(r.ref_type, []).append(r)
    found: dict[int, str] = {}
    for ref_type, entries in by_ref.items():
        ids = sorted({int(e.ref_id) for e in entries})[:900]
        vrms: dict[int, str] = {int(i): v for i, v in session.execute(_VEHICLE_OF[ref_type](ids))}
        for e in entries:
            if (vrm := vrms.get(int(e.ref_id))) is not None:
                found[e.seq] = f"{e.text} ({vrm})"
    return found


def _vrm_by(key: Any, *joins: tuple[Any, Any]) -> Callable[[list[int]], Select[Any]]:
    """(row id, VRM) of the rows with these ids, through the joins to their vehicle (not erased)."""

    def query(ids: list[int]) -> Select[Any]:
        q = select(key, Vehicle.vrm)
        for target, on in joins:
            q = q.join(target, on)
        return q.where(key.in_(ids), Vehicle.erased_at.is_(None))

    return query


_VEHICLE_OF: dict[str, Callable[[list[int]], Select[Any]]] = {
    "outcome": _vrm_by(Outcome.id, (Vehicle, Vehicle.id == Outcome.vehicle_id)),
    "warning_letter": _vrm_by(WarningLetter.id, (Vehicle, Vehicle.id == WarningLetter.vehicle_id)),
    "tasking": _vrm_by(
        Tasking.id, (Sighting, Sighting.id == Tasking.sighting_id), (Vehicle, Vehicle.id == Sighting.vehicle_id)
    ),
}


def entry_view(row: RecordEntry, detail: str = "") -> EntryView:
    return EntryView(
        seq=row.seq,
        event_time=row.event_time,
        append_time=row.append_time,
        operator=row.operator,
        console_id=row.console_id,
        kind=row.kind,
        ref_type=row.ref_type,
        ref_id=row.ref_id,
        text=row.text,
        corrects_seq=row.corrects_seq,
        hash=row.hash,
        detail=detail,
    )
