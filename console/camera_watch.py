"""Cameras lost and restored, in the record: the console watches its feeds' health and writes
an entry when a camera that was live is lost (or its decoder stops) and again when it is live
once more, with how long it was gone. A short stall is not a loss; a camera on no visible tile is
not decoded, so says nothing. Credentials never reach the words (the supervisor redacts them)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from console.auth import console_actor
from console.record import ActionContext, EntryDraft, RecordService
from console.text import clean_text
from console.types import ActionResult
from video.frame import SourceHealth

DOWN = frozenset({SourceHealth.LOST, SourceHealth.DECODER_STOPPED})


@dataclass(frozen=True)
class CameraEvent:
    camera_key: str
    kind: str  # camera.lost, camera.restored
    at: datetime
    words: str
    down_seconds: float = 0.0


class CameraWatch:
    """Turns health readings into lost / restored events, once per outage."""

    def __init__(self, names: dict[str, str]) -> None:
        self.names = names
        self._live_seen: set[str] = set()
        self._down_since: dict[str, datetime] = {}

    def observe(self, readings: dict[str, tuple[SourceHealth | None, str]], now: datetime) -> list[CameraEvent]:
        events = []
        for key, (state, words) in readings.items():
            name = self.names.get(key, key)
            if state == SourceHealth.LIVE:
                self._live_seen.add(key)
                since = self._down_since.pop(key, None)
                if since is not None:
                    gone = (now - since).total_seconds()
                    events.append(CameraEvent(key, "camera.restored", now, f"Camera {name} restored after "
                                              f"{gone:.0f} s", gone))  # fmt: skip
            elif state in DOWN and key in self._live_seen and key not in self._down_since:
                self._down_since[key] = now
                events.append(CameraEvent(key, "camera.lost", now, f"Camera {name} {words}"))
        return events


def record_camera_event(
    record: RecordService, console_id: str, operation_id: int, camera_id: int | None, event: CameraEvent
) -> ActionResult:
    text = clean_text(event.words, "Camera event", 500)

    def write(_ctx: ActionContext) -> EntryDraft:
        payload = {"down_seconds": round(event.down_seconds, 1)} if event.kind == "camera.restored" else {}
        return EntryDraft(kind=event.kind, text=text, ref_type="camera", ref_id=str(camera_id or ""), payload=payload)

    return record.perform(
        console_actor(console_id), "camera.health", write, operation_id=operation_id, event_time=event.at
    )
