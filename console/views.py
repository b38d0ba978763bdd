"""Named wall views per operator: the layout and which camera sits in which tile, saved in the
database so an operator finds them on any console. A screen preference, so no record entry."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from console.access import require
from console.chain import canonical_json
from console.operation import UnknownOperation
from console.record import utc_now
from console.types import LAYOUT_TILES, Actor, WallView
from storage.db import Database
from storage.models import Camera, Operation, SavedView

NAME_MAX = 80


class ViewError(ValueError):
    """A wall view that cannot be saved; the message says why in one sentence."""


class ViewService:
    """Saved wall views of the console's operation (`operation` by name; None: the first one)."""

    def __init__(self, db: Database, operation: str | None = None, clock: Callable[[], datetime] = utc_now) -> None:
        self._db = db
        self._operation = operation
        self._clock = clock

    def list(self, actor: Actor) -> list[WallView]:
        """The actor's own views in this operation, by name (ignoring case)."""
        if actor.operator_id is None:
            return []
        with self._db.read() as s:
            rows = s.scalars(
                select(SavedView).where(
                    SavedView.operation_id == self._operation_id(s), SavedView.operator_id == actor.operator_id
                )
            ).all()
            views = [WallView(r.name, r.layout, tuple(json.loads(r.tiles))) for r in rows]
        return sorted(views, key=lambda v: (v.name.casefold(), v.name))

    def save(self, actor: Actor, view: WallView) -> None:
        """Store the view under its name, replacing the actor's view of that name if there is one."""
        require(actor, "view.save")
        operator_id = _operator_id(actor)
        name = _clean_name(view.name)
        chosen = _checked_tiles(view)
        tiles = canonical_json(list(view.tiles))
        # Two consoles of one operator may insert the same name at once: the loser updates instead.
        for attempt in range(2):
            try:
                with self._db.write.begin() as s:
                    operation_id = self._operation_id(s)
                    known = set(s.scalars(select(Camera.key).where(Camera.operation_id == operation_id)))
                    unknown = [key for key in chosen if key not in known]
                    if unknown:
                        raise ViewError(f"Camera {unknown[0]!r} is not one of this operation's cameras.")
                    row = s.scalars(
                        select(SavedView).where(
                            SavedView.operation_id == operation_id,
                            SavedView.operator_id == operator_id,
                            SavedView.name == name,
                        )
                    ).first()
                    if row is None:
                        row = SavedView(operation_id=operation_id, operator_id=operator_id, name=name)
                        s.add(row)
                    row.layout, row.tiles, row.updated_at = view.layout, tiles, self._clock()
                return
            except IntegrityError:
                if attempt:
                    raise

    def delete(self, actor: Actor, name: str) -> bool:
        """Remove the actor's view of that name; False when there was none."""
        require(actor, "view.save")
        if actor.operator_id is None:
            return False
        with self._db.write.begin() as s:
            row = s.scalars(
                select(SavedView).where(
                    SavedView.operation_id == self._operation_id(s),
                    SavedView.operator_id == actor.operator_id,
                    SavedView.name == name.strip(),
                )
            ).first()
            if row is None:
                return False
            s.delete(row)
            return True

    def _operation_id(self, session: Session) -> int:
        query = select(Operation.id).order_by(Operation.id)
        if self._operation:
            query = query.where(Operation.name == self._operation)
        found = session.scalars(query).first()
        if found is None:
            raise UnknownOperation(
                f"No operation named {self._operation!r} in this database"
                if self._operation
                else "This database holds no operation yet: import one first"
            )
        return found


def _operator_id(actor: Actor) -> int:
    if actor.operator_id is None:
        raise ViewError(f"{actor.login} is not an operator of this database, so cannot keep wall views.")
    return actor.operator_id


def _clean_name(name: str) -> str:
    name = name.strip()
    if not name:
        raise ViewError("A wall view needs a name.")
    if len(name) > NAME_MAX:
        raise ViewError(f"A wall view's name is limited to {NAME_MAX} characters.")
    return name


def _checked_tiles(view: WallView) -> list[str]:
    """The camera keys of the view's tiles, in order, once the layout and tile count fit."""
    expected = LAYOUT_TILES.get(view.layout)
    if expected is None:
        raise ViewError(f"Layout {view.layout!r} is not one of {', '.join(LAYOUT_TILES)}.")
    if len(view.tiles) != expected:
        raise ViewError(f"Layout {view.layout} has {expected} tiles, but the view gives {len(view.tiles)}.")
    chosen = [key for key in view.tiles if key is not None]
    seen: set[str] = set()
    for key in chosen:
        if key in seen:
            raise ViewError(f"Camera {key!r} is in the view more than once.")
        seen.add(key)
    return chosen
