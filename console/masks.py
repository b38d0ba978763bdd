"""Lifting a camera's privacy masks: only a supervisor, with a reason, for a limited time.

The masks themselves are painted by the capture and playback helpers (video/masks.py) from the
camera's polygons; this service records who lifted them, why and until when, and puts them back
(by a supervisor, or by the console itself when the time runs out). Each is a record entry.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import select

from console.access import require
from console.operation import mask_polygon
from console.record import ActionContext, EntryDraft, RecordService, utc_now
from console.text import control_problem
from console.types import ActionResult, Actor, MaskLiftView
from storage.db import Database
from storage.models import Camera, CameraMask, MaskLift, Operator

DEFAULT_LIFT_MINUTES = 30
MAX_LIFT_MINUTES = 120
MAX_REASON = 1000


class MaskError(ValueError):
    """A lift or re-apply that cannot be done, in words for the supervisor."""


def restore_action_id(lift_id: int) -> str:
    """One action id per lift's re-apply: consoles noticing the same lift run out at once write it once."""
    return f"mask-restore-{lift_id}"


class MaskService:
    def __init__(self, db: Database, record: RecordService, clock: Callable[[], datetime] = utc_now) -> None:
        self._db = db
        self._record = record
        self._clock = clock

    def lift(
        self, actor: Actor, operation_id: int, camera_key: str, reason: str, minutes: int = DEFAULT_LIFT_MINUTES
    ) -> ActionResult:
        require(actor, "mask.lift")
        reason = reason.strip()
        if not reason:
            raise MaskError("Say why the privacy masks are lifted (the reason is recorded)")
        if len(reason) > MAX_REASON:
            raise MaskError(f"The reason is too long: at most {MAX_REASON} characters")
        if why := control_problem(reason, multiline=True):
            raise MaskError(f"The reason {why}")
        if not 1 <= minutes <= MAX_LIFT_MINUTES:
            raise MaskError(f"Masks can be lifted for 1 to {MAX_LIFT_MINUTES} minutes at a time")

        def write(ctx: ActionContext) -> EntryDraft:
            s = ctx.session
            camera = s.scalars(select(Camera).filter_by(operation_id=operation_id, key=camera_key)).first()
            if camera is None:
                raise MaskError(f"No camera {camera_key!r} in this operation")
            if not s.scalars(select(CameraMask.id).filter_by(camera_id=camera.id)).first():
                raise MaskError(f"{camera.name} has no privacy masks to lift")
            current = _open_lift(ctx, camera.id)
            if current is not None and current.until > ctx.event_time:
                raise MaskError(
                    f"The masks on {camera.name} are already lifted until {current.until:%H:%M} UTC "
                    f"(by {current.lifted_by})"
                )
            until = ctx.event_time + timedelta(minutes=minutes)
            lift = MaskLift(
                camera_id=camera.id, lifted_at=ctx.event_time, lifted_by=actor.login, reason=reason, until=until
            )
            s.add(lift)
            s.flush()
            return EntryDraft(
                kind="mask.lifted",
                text=f"{actor.display_name} lifted the privacy masks on {camera.name} for {minutes} min: {reason}",
                ref_type="camera",
                ref_id=str(camera.id),
                payload={"lift": lift.id, "camera": camera.key, "minutes": minutes, "until": until.isoformat()},
            )

        return self._record.perform(actor, "mask.lift", write, operation_id=operation_id, event_time=self._clock())

    def restore(self, actor: Actor, lift_id: int, *, ran_out: bool = False) -> ActionResult:
        """Put a camera's masks back. Once per lift: a second call (another console) is a replay."""
        require(actor, "mask.restore")

        def write(ctx: ActionContext) -> EntryDraft:
            s = ctx.session
            lift = s.get(MaskLift, lift_id)
            if lift is None:
                raise MaskError(f"No mask lift {lift_id}")
            camera = s.get(Camera, lift.camera_id)
            assert camera is not None
            ctx.operation_id = camera.operation_id
            if lift.restored_at is not None:
                raise MaskError(f"The masks on {camera.name} were already re-applied at {lift.restored_at:%H:%M} UTC")
            lift.restored_at = ctx.event_time
            lift.restored_by = "" if ran_out else actor.login
            if ran_out:
                minutes = round((lift.until - lift.lifted_at).total_seconds() / 60)
                text = f"Privacy masks on {camera.name} re-applied: the {minutes}-minute lift ran out"
            else:
                text = f"{actor.display_name} re-applied the privacy masks on {camera.name}"
            return EntryDraft(
                kind="mask.restored",
                text=text,
                ref_type="camera",
                ref_id=str(camera.id),
                payload={"lift": lift.id, "camera": camera.key, "ran_out": ran_out},
            )

        return self._record.perform(
            actor,
            "mask.restore",
            write,
            operation_id=None,
            action_id=restore_action_id(lift_id),
            event_time=self._clock(),
        )

    def open_lifts(self, operation_id: int) -> list[MaskLiftView]:
        """Lifts not yet put back (some may have run out and wait for their re-apply entry)."""
        with self._db.read() as s:
            rows = s.execute(
                select(MaskLift, Camera.key, Camera.name, Operator.display_name)
                .join(Camera, Camera.id == MaskLift.camera_id)
                .outerjoin(Operator, Operator.login == MaskLift.lifted_by)
                .where(Camera.operation_id == operation_id, MaskLift.restored_at.is_(None))
                .order_by(MaskLift.id)
            ).all()
            return [
                MaskLiftView(lift.id, key, name, shown or lift.lifted_by, lift.reason, lift.lifted_at, lift.until)
                for lift, key, name, shown in rows
            ]

    def camera_masks(self, operation_id: int) -> dict[str, tuple[tuple[tuple[float, float], ...], ...]]:
        """Camera key -> its mask polygons now (set-up may change them while the console runs)."""
        found: dict[str, list[tuple[tuple[float, float], ...]]] = {}
        with self._db.read() as s:
            rows = s.execute(
                select(Camera.key, CameraMask.points)
                .join(CameraMask, CameraMask.camera_id == Camera.id)
                .where(Camera.operation_id == operation_id)
                .order_by(Camera.id, CameraMask.position, CameraMask.id)
            ).all()
            for key, points in rows:
                found.setdefault(key, []).append(mask_polygon(points))
        return {key: tuple(polygons) for key, polygons in found.items()}


def _open_lift(ctx: ActionContext, camera_id: int) -> MaskLift | None:
    return ctx.session.scalars(
        select(MaskLift).filter_by(camera_id=camera_id, restored_at=None).order_by(MaskLift.id.desc())
    ).first()
