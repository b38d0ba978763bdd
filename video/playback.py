"""Playback of recorded footage, decoded in a helper process like live capture.

``FootageReader`` walks one camera's segments in wall-clock time: seek to any moment (decoding
from the key frame before it), then frame after frame across segment boundaries, or key frames
only for fast play. ``playback_main`` is the helper process: it follows commands from the
console (seek, play at a speed from an anchor, pause, step) and publishes each frame into the
same shared-memory mailbox the wall reads, with the frame's UTC wall time as its capture time.

Several cameras stay in step without talking to each other: each is told the same anchor (a
wall time and the monotonic instant it corresponds to) and the speed, and shows the newest
frame at or before ``anchor + speed x (now - anchor instant)`` on the machine's one monotonic
clock.
"""

from __future__ import annotations

import os
import queue
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from fractions import Fraction
from typing import Any

import av
import av.error
import cv2
import numpy as np

from video.export import SegmentFile
from video.frame import SourceHealth
from video.mailbox import MAX_HEIGHT, MAX_WIDTH, Field, MailboxReader, MailboxWriter, SlotFrame, State
from video.masks import Polygon, PrivacyMasks
from video.sources import fit_size
from video.supervisor import FeedHealth, FeedStats, capture_context, exit_words

KEYFRAMES_ONLY_ABOVE = 4.0
SPEEDS = (0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0)
IDLE_WAIT_S = 0.05
PARENT_CHECK_S = 1.0


def to_ns(moment: datetime) -> int:
    return int(moment.timestamp() * 1_000_000) * 1000


def from_ns(ns: int) -> datetime:
    return datetime.fromtimestamp(ns / 1e9, UTC)


@dataclass(frozen=True)
class Shown:
    """A decoded frame and the moment it shows."""

    at: datetime
    frame: Any  # av.VideoFrame


class FootageReader:
    """One camera's recorded segments, read in wall-clock order."""

    def __init__(self, segments: Sequence[SegmentFile]) -> None:
        self.segments = sorted(segments, key=lambda s: s.starts_at)
        self._index = -1
        self._container: Any = None
        self._frames: Iterator[Any] | None = None
        self._tb = Fraction(1, 1000)
        self.keyframes_only = False
        self.last: Shown | None = None
        self._ahead: Shown | None = None  # read past a seek's moment, handed out next

    def close(self) -> None:
        if self._container is not None:
            self._container.close()
        self._container, self._frames = None, None

    def _open(self, index: int) -> None:
        self.close()
        self._index = index
        seg = self.segments[index]
        self._container = av.open(str(seg.path))
        stream = self._container.streams.video[0]
        stream.thread_type = "AUTO"
        stream.codec_context.skip_frame = "NONKEY" if self.keyframes_only else "DEFAULT"
        self._tb = stream.time_base or Fraction(1, 1000)
        self._frames = self._container.decode(stream)

    def set_keyframes_only(self, on: bool) -> None:
        """Decode key frames only (fast play) or every frame; takes effect from the frame shown
        last (frames already in the decoder are dropped by seeking there again)."""
        if on != self.keyframes_only:
            self.keyframes_only = on
            if self.last is not None:
                self.seek(self.last.at)

    def _segment_for(self, moment: datetime) -> int | None:
        """The segment showing ``moment``; else the next one after it (a gap); None past the end."""
        for i, seg in enumerate(self.segments):
            if moment < seg.ends_at:
                return i
        return None

    def next(self) -> Shown | None:
        """The next frame, into the next segment when this one ends; None at the end."""
        if self._ahead is not None:
            self.last, self._ahead = self._ahead, None
            return self.last
        while True:
            if self._frames is None:
                following = self._index + 1
                if following >= len(self.segments):
                    return None
                self._open(following)
            assert self._frames is not None
            try:
                frame = next(self._frames)
            except StopIteration:
                self._frames = None
                if self._index + 1 >= len(self.segments):
                    self.close()
                    return None
                continue
            except av.error.FFmpegError:
                self._frames = None  # a damaged segment: go on with the next one
                continue
            if frame.pts is None:
                continue
            seg = self.segments[self._index]
            self.last = Shown(seg.starts_at + timedelta(seconds=float(frame.pts * self._tb)), frame)
            return self.last

    def seek(self, moment: datetime) -> Shown | None:
        """The newest frame at or before ``moment`` (the first frame after it inside a gap)."""
        index = self._segment_for(moment)
        if index is None:
            index = len(self.segments) - 1
            if index < 0:
                return None
        self._open(index)
        self._ahead = None
        seg = self.segments[index]
        offset = max(0.0, (moment - seg.starts_at).total_seconds())
        assert self._container is not None
        stream = self._container.streams.video[0]
        self._container.seek(int(offset / self._tb), stream=stream, backward=True, any_frame=False)
        self._frames = self._container.decode(stream)
        best: Shown | None = None
        while True:
            shown = self.next()
            if shown is None:
                break
            if shown.at > moment:
                if best is None:
                    best = shown
                else:
                    self._ahead = shown
                break
            best = shown
        self.last = best
        return best

    def previous(self) -> Shown | None:
        """The frame before the last one shown (decoding again from the key frame before it)."""
        if self.last is None:
            return None
        return self.seek(self.last.at - timedelta(microseconds=1))


class _Player:
    """The helper's loop: commands in, frames out."""

    def __init__(
        self,
        reader: FootageReader,
        mailbox: MailboxWriter,
        commands: Any,
        console_pid: int,
        masks: Sequence[Polygon] = (),
    ) -> None:
        self.reader = reader
        self.masks = PrivacyMasks(masks)
        self.mailbox = mailbox
        self.commands = commands
        self.console_pid = console_pid
        self.playing = False
        self.speed = 1.0
        self.anchor_ns = 0  # wall time at the anchor instant
        self.anchor_mono_ns = 0
        self.pending: Shown | None = None  # decoded, not yet due
        self.quit = False
        self._checked = 0.0

    def target_ns(self) -> int:
        return self.anchor_ns + int(self.speed * (time.monotonic_ns() - self.anchor_mono_ns))

    def run(self) -> None:
        self.mailbox.status(State.CONNECTING, "")
        while not self.quit and self._console_alive():
            wait = IDLE_WAIT_S
            if self.playing:
                wait = self._play_turn()
            try:
                command = self.commands.get(timeout=max(0.0, wait))
            except queue.Empty:
                continue
            self._obey(command)

    def _console_alive(self) -> bool:
        now = time.monotonic()
        if now - self._checked < PARENT_CHECK_S:
            return True
        self._checked = now
        try:
            os.kill(self.console_pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            pass
        return True

    def _obey(self, command: tuple[Any, ...]) -> None:
        kind = command[0]
        if kind == "quit":
            self.quit = True
        elif kind == "seek":
            self.playing = False
            self._show(self.reader.seek(from_ns(command[1])))
        elif kind == "play":
            _, self.anchor_ns, self.anchor_mono_ns, self.speed = command
            self.reader.set_keyframes_only(self.speed > KEYFRAMES_ONLY_ABOVE)
            self.playing = True
            self.pending = None
            self._show(self.reader.seek(from_ns(self.anchor_ns)))
        elif kind == "pause":
            self.playing = False
            self.reader.set_keyframes_only(False)
            self._show(self.reader.seek(from_ns(command[1])))
        elif kind == "step":
            self.playing = False
            self.reader.set_keyframes_only(False)
            self._show(self.reader.next() if command[1] > 0 else self.reader.previous())

    def _play_turn(self) -> float:
        """Show every frame that is due; return how long until the next one is."""
        target = self.target_ns()
        while True:
            if self.pending is None:
                self.pending = self.reader.next()
                if self.pending is None:
                    self.playing = False
                    self.mailbox.status(State.LOST, "end of the recorded footage")
                    return IDLE_WAIT_S
            due = to_ns(self.pending.at)
            if due > target:
                return min(0.5, (due - target) / 1e9 / max(self.speed, 0.01))
            shown, self.pending = self.pending, None
            following_due = self._peek_due()
            if following_due is None or following_due > target:
                self._show(shown)  # the newest frame due: older ones are skipped, latest wins

    def _peek_due(self) -> int | None:
        if self.pending is None:
            self.pending = self.reader.next()
        return to_ns(self.pending.at) if self.pending is not None else None

    def _show(self, shown: Shown | None) -> None:
        if shown is None:
            self.mailbox.status(State.LOST, "no recorded footage here")
            return
        _, active, _, want_w, want_h, _ = self.mailbox.control()
        frame = shown.frame
        w, h = fit_size(frame.width, frame.height, want_w or frame.width, want_h or frame.height)
        w, h = min(w, MAX_WIDTH), min(h, MAX_HEIGHT)
        image = frame.to_ndarray(format="bgra")
        target = self.mailbox.target(w, h)
        if (w, h) == (frame.width, frame.height):
            np.copyto(target, image)
        else:
            cv2.resize(image, (w, h), dst=target, interpolation=cv2.INTER_AREA)
        if self.masks and not self.mailbox.get(Field.MASKS_LIFTED):
            self.masks.apply(target)  # recordings keep the original; what is shown is masked
        self.mailbox.publish(w, h, to_ns(shown.at), 0, (frame.width, frame.height))
        self.mailbox.status(State.LIVE, "")
        del active


def playback_main(
    segments: Sequence[SegmentFile],
    mailbox_name: str,
    lock: Any,
    commands: Any,
    console_pid: int,
    masks: Sequence[Polygon] = (),
) -> None:
    """Entry point of a playback helper process."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    mailbox = MailboxWriter(mailbox_name, lock)
    reader = FootageReader(segments)
    player = _Player(reader, mailbox, commands, console_pid, masks)
    signal.signal(signal.SIGTERM, lambda *_: setattr(player, "quit", True))
    try:
        player.run()
    finally:
        reader.close()
        mailbox.status(State.IDLE, "")
        mailbox.close()


class PlaybackFeed:
    """One camera's recorded footage as the wall sees a feed: a helper process decoding into a
    mailbox, steered by commands."""

    def __init__(
        self,
        camera_id: str,
        camera_name: str,
        location: str,
        segments: Sequence[SegmentFile],
        masks: Sequence[Polygon] = (),
    ) -> None:
        self.camera_id, self.camera_name, self.location = camera_id, camera_name, location
        self.segments = list(segments)
        context = capture_context()
        self.mailbox = MailboxReader(context.Lock())
        self.commands: Any = context.Queue()
        self._process: Any = context.Process(  # type: ignore[attr-defined]
            target=playback_main,
            args=(self.segments, self.mailbox.name, self.mailbox.lock, self.commands, os.getpid(), tuple(masks)),
            name=f"sentinel-playback-{camera_id}",
            daemon=True,
        )
        self._shown = 0

    def start(self) -> None:
        self._process.start()

    def send(self, *command: Any) -> None:
        self.commands.put(command)

    def lift_masks(self, lifted: bool) -> None:
        self.mailbox.set(Field.MASKS_LIFTED, 1 if lifted else 0)

    # --- the tile's side -------------------------------------------------------------------------
    @property
    def published(self) -> int:
        return self.mailbox.published

    def acquire(self) -> SlotFrame | None:
        return self.mailbox.acquire()

    def want(self, width: int, height: int, main_stream: bool) -> None:
        self.mailbox.want(True, 0, width, height)

    def release(self) -> None:
        self.mailbox.want(False, 0, 0, 0)

    def health(self) -> FeedHealth:
        if not self._process.is_alive() and self._process.exitcode is not None:
            return FeedHealth(
                SourceHealth.DECODER_STOPPED, f"playback decoder stopped ({exit_words(self._process.exitcode)})"
            )
        state = State(self.mailbox.get(Field.STATE))
        if state == State.LIVE:
            return FeedHealth(SourceHealth.LIVE, "recorded")
        if state == State.LOST:
            return FeedHealth(SourceHealth.LOST, self.mailbox.read_message() or "no recorded footage here")
        return FeedHealth(SourceHealth.CONNECTING, "opening the recording")

    def stats(self) -> FeedStats:
        frame = self.mailbox.current
        size = (frame.source_width, frame.source_height) if frame is not None else (0, 0)
        return FeedStats(0.0, 0.0, self.published, self.published, 0, 0, 0, None, size, "recording")

    def shown_at(self) -> datetime | None:
        frame = self.mailbox.current
        return from_ns(frame.captured_ns) if frame is not None else None

    def close(self, timeout: float = 3.0) -> None:
        if self._process.is_alive():
            self.send("quit")
            self._process.join(timeout)
        if self._process.is_alive():
            self._process.kill()
            self._process.join(1.0)
        self.mailbox.close()


class PlaybackClock:
    """Several cameras' playback in step: one position, one speed, one anchor for all."""

    def __init__(self, feeds: Sequence[PlaybackFeed], start: datetime) -> None:
        self.feeds = list(feeds)
        self.position_at_pause = start
        self.speed = 1.0
        self.playing = False
        self._anchor = start
        self._anchor_mono_ns = 0

    def start(self) -> None:
        for feed in self.feeds:
            feed.start()
        self.seek(self.position_at_pause)

    def position(self) -> datetime:
        if not self.playing:
            return self.position_at_pause
        elapsed = (time.monotonic_ns() - self._anchor_mono_ns) / 1e9
        return self._anchor + timedelta(seconds=elapsed * self.speed)

    def seek(self, moment: datetime) -> None:
        if self.playing:
            self._anchor, self._anchor_mono_ns = moment, time.monotonic_ns()
            for feed in self.feeds:
                feed.send("play", to_ns(moment), self._anchor_mono_ns, self.speed)
            return
        self.position_at_pause = moment
        for feed in self.feeds:
            feed.send("seek", to_ns(moment))

    def play(self, speed: float | None = None) -> None:
        if speed is not None:
            if speed not in SPEEDS:
                raise ValueError(f"speed {speed} is not one of {', '.join(f'{s:g}x' for s in SPEEDS)}")
            now = self.position()
            self.speed = speed
            self.position_at_pause = now
        start = self.position() if self.playing else self.position_at_pause
        self.playing = True
        self._anchor, self._anchor_mono_ns = start, time.monotonic_ns()
        for feed in self.feeds:
            feed.send("play", to_ns(start), self._anchor_mono_ns, self.speed)

    def pause(self) -> None:
        self.position_at_pause = self.position()
        self.playing = False
        for feed in self.feeds:
            feed.send("pause", to_ns(self.position_at_pause))

    def step(self, frames: int, lead: PlaybackFeed | None = None) -> None:
        """One frame on (or back) on ``lead`` (the first camera by default); the others follow
        to the moment it shows."""
        self.pause()
        lead = lead or self.feeds[0]
        lead.send("step", frames)

    def follow(self, lead: PlaybackFeed) -> None:
        """After a step, once the lead camera shows its frame: that is the position, and the
        other cameras are shown at it."""
        moment = lead.shown_at()
        if moment is None:
            return
        self.position_at_pause = moment
        for feed in self.feeds:
            if feed is not lead:
                feed.send("seek", to_ns(moment))

    def close(self) -> None:
        for feed in self.feeds:
            feed.close()
