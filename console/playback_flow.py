"""Playback at the console: the playback key asks which cameras and why (recorded before any
footage is shown), then opens the playback window on the recorded footage around the selected
sighting or camera, with the timeline's spans, gaps and tags, and steers the helpers' clock."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from PySide6.QtCore import QTimer

from console.footage import GapView, SegmentView
from console.footage_flow import AtConsole, FootageFlow
from console.record import utc_now
from console.sightings import SightingFilter
from console.types import CameraView
from video.export import SegmentFile
from video.playback import PlaybackClock, PlaybackFeed
from widgets.playback_request import PlaybackRequestDialog
from widgets.playback_view import PlaybackView
from widgets.timeline import TagMark, Track

log = logging.getLogger("sentinel.playback")

WINDOW = timedelta(hours=2)  # footage loaded either side of the moment asked for
POSITION_EVERY_MS = 100


@dataclass(frozen=True)
class _Footage:
    cameras: list[CameraView]
    segments: dict[str, list[SegmentView]]
    gaps: dict[str, list[GapView]]
    tags: list[TagMark]


class PlaybackFlow(FootageFlow):
    def __init__(self, at: AtConsole) -> None:
        super().__init__(at)
        self.request: PlaybackRequestDialog | None = None
        self.view: PlaybackView | None = None
        self.clock: PlaybackClock | None = None
        self._timer = QTimer(self)
        self._timer.setInterval(POSITION_EVERY_MS)
        self._timer.timeout.connect(self._show_position)
        self._stepping = False
        self.window.playback_key.connect(self.open)

    def open(self) -> None:
        self.around_selection("footage.play", timedelta(minutes=5), self._ask)

    def _ask(self, around: datetime, chosen: list[str], from_tag: bool) -> None:
        local = around.astimezone(self.tz)
        words = f"{local:%d/%m/%Y %H:%M:%S} {local.tzname()}" + (
            " (the tag's frame)" if from_tag else " (5 minutes ago)"
        )
        dialog = self.request = PlaybackRequestDialog(
            [(c.key, c.name) for c in self.cameras], chosen, words, self.window
        )
        dialog.requested.connect(lambda keys, reason: self._start(keys, reason, around))
        dialog.show()

    def _start(self, keys: list[str], reason: str, around: datetime) -> None:
        s, op = self.services, self.operation_id
        chosen = [c for c in self.cameras if c.key in keys]

        def load() -> _Footage:
            s.evidence.record_viewing(self.actor, op, keys, around, reason)  # recorded before anything shows
            start, end = around - WINDOW, around + WINDOW
            segments = {c.key: s.footage.segments(c.id, start, end) for c in chosen}
            gaps = {c.key: s.footage.gaps(c.id, start, end) for c in chosen}
            tags = [
                TagMark(x.captured_at, f"{x.category_label}: {x.vrm or x.subject_reference} ({x.camera_name})")
                for key in keys
                for x in s.sightings.list(op, SightingFilter(camera_key=key, since=start, until=end), limit=500)
            ]
            return _Footage(chosen, segments, gaps, tags)

        self.tasks.submit(load, lambda f: self._show(f, around), lambda e: self.problem("Playback not started", e))

    def _show(self, footage: _Footage, around: datetime) -> None:
        self.close()
        root = self.services.settings.recordings
        feeds = [
            PlaybackFeed(
                c.key,
                c.name,
                c.location,
                [SegmentFile(root / x.path, x.starts_at, x.ends_at) for x in footage.segments[c.key]],
                c.masks,
            )
            for c in footage.cameras
        ]
        clock = self.clock = PlaybackClock(feeds, around)
        names = ", ".join(c.name for c in footage.cameras)
        view = self.view = PlaybackView(feeds, self.tz, f"Recorded footage: {names}")
        tracks = [
            Track(
                c.key,
                c.name,
                tuple((x.starts_at, x.ends_at) for x in footage.segments[c.key]),
                tuple((g.starts_at, g.ends_at or utc_now(), g.reason) for g in footage.gaps[c.key]),
            )
            for c in footage.cameras
        ]
        view.show_footage(tracks, footage.tags, around - timedelta(minutes=10), around + timedelta(minutes=10))
        view.play_requested.connect(clock.play)
        view.pause_requested.connect(clock.pause)
        view.seek_requested.connect(clock.seek)
        view.step_requested.connect(self._step)
        view.tag_jump_requested.connect(self._jump)
        view.closed.connect(self.close)
        clock.start()
        view.show()
        self._timer.start()

    def _step(self, frames: int) -> None:
        if self.clock is not None:
            self.clock.step(frames)
            self._stepping = True

    def _jump(self, direction: int) -> None:
        if self.clock is None or self.view is None:
            return
        tag = self.view.tag_from(self.clock.position(), direction)
        if tag is None:
            self.view.position.setText(self.view.position.text().split("  ·  ")[0] + "  ·  no more tags that way")
            return
        self.clock.seek(tag.at)
        self.view.show_position(self.clock.position(), self.clock.playing)

    def _show_position(self) -> None:
        if self.clock is None or self.view is None:
            return
        if self._stepping:  # the others follow once the lead camera shows its new frame
            lead = self.clock.feeds[0]
            at = lead.shown_at()
            if at is not None and at != self.clock.position_at_pause:
                self.clock.follow(lead)
                self._stepping = False
        self.view.show_position(self.clock.position(), self.clock.playing)

    def close(self) -> None:
        self._timer.stop()
        clock, self.clock = self.clock, None
        view, self.view = self.view, None
        if view is not None and view.isVisible():
            view.close()
        if clock is not None:
            clock.close()
