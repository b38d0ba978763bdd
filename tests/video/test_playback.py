"""Playback: frames found by wall-clock time across segments and gaps, and the helper process
that follows seek, play, pause and step commands into a mailbox."""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from video.export import SegmentFile
from video.playback import FootageReader, PlaybackClock, PlaybackFeed
from video.recorder import SegmentClosed, segments_from_clip

T0 = datetime(2026, 11, 30, 23, 0, tzinfo=UTC)
FRAME = timedelta(milliseconds=40)


@pytest.fixture
def footage(tmp_path: Path, test_clip: Path) -> list[SegmentFile]:
    """0-8 s and 12-20 s after T0: four 4 s segments with a gap between the pairs."""
    found = []
    for start, end in ((T0, T0 + timedelta(seconds=8)), (T0 + timedelta(seconds=12), T0 + timedelta(seconds=20))):
        for event in segments_from_clip(test_clip, tmp_path, "cam1", start, end):
            if isinstance(event, SegmentClosed):
                found.append(SegmentFile(tmp_path / event.path, event.starts_at, event.ends_at))
    return found


def test_seek_lands_on_the_frame_showing_that_moment_within_one_frame(footage: list[SegmentFile]) -> None:
    reader = FootageReader(footage)
    for seconds in (0.0, 0.5, 3.99, 4.0, 6.123, 15.5, 19.9):
        moment = T0 + timedelta(seconds=seconds)
        shown = reader.seek(moment)
        assert shown is not None
        assert timedelta(0) <= moment - shown.at < FRAME, seconds
    reader.close()


def test_frames_run_on_across_segments_and_a_seek_into_the_gap_shows_the_next_footage(
    footage: list[SegmentFile],
) -> None:
    reader = FootageReader(footage)
    shown = reader.seek(T0 + timedelta(seconds=3.9))
    assert shown is not None
    times = [shown.at]
    for _ in range(5):
        nxt = reader.next()
        assert nxt is not None
        times.append(nxt.at)
    assert all(timedelta(milliseconds=39) < b - a < timedelta(milliseconds=41) for a, b in itertools.pairwise(times))
    assert any(t >= T0 + timedelta(seconds=4) for t in times), "the next segment follows on"
    in_gap = reader.seek(T0 + timedelta(seconds=10))
    assert in_gap is not None and in_gap.at == T0 + timedelta(seconds=12)
    assert reader.seek(T0 + timedelta(seconds=30)) is not None, "past the end: the last footage"
    reader.close()


def test_fast_play_decodes_key_frames_only(footage: list[SegmentFile]) -> None:
    reader = FootageReader(footage)
    reader.seek(T0)
    reader.set_keyframes_only(True)
    times = []
    while (shown := reader.next()) is not None and shown.at < T0 + timedelta(seconds=8):
        times.append(shown.at)
    assert times == [T0 + timedelta(seconds=s) for s in range(1, 8)], "one key frame a second"
    reader.close()


def wait_until(condition: Callable[[], object], timeout: float = 20.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def feeds(footage: list[SegmentFile]) -> Iterator[list[PlaybackFeed]]:
    made = [PlaybackFeed(f"cam{i}", f"Camera {i}", "", footage) for i in (1, 2)]
    for feed in made:
        feed.want(320, 240, main_stream=True)
    yield made
    for feed in made:
        feed.close()


def shows(feed: PlaybackFeed, moment: datetime, within: timedelta = FRAME) -> bool:
    feed.acquire()
    at = feed.shown_at()
    return at is not None and timedelta(0) <= moment - at < within


def test_the_helper_seeks_plays_in_step_and_steps_frame_by_frame(feeds: list[PlaybackFeed]) -> None:
    clock = PlaybackClock(feeds, T0 + timedelta(seconds=6))
    clock.start()
    for feed in feeds:
        wait_until(lambda feed=feed: shows(feed, T0 + timedelta(seconds=6)), what="the frame at 6 s")
        assert feed.health().words == "recorded"
    frame = feeds[0].acquire()
    assert frame is not None and (frame.width, frame.height) == (320, 240)
    clock.seek(T0 + timedelta(seconds=1))
    clock.play(1.0)
    wait_until(lambda: clock.position() >= T0 + timedelta(seconds=2.5), what="a second and a half of play")
    for _ in range(10):  # while playing, both cameras show what the clock says, within a few frames
        now = clock.position()
        for feed in feeds:
            feed.acquire()
            at = feed.shown_at()
            assert at is not None and abs((now - at).total_seconds()) < 0.25
        time.sleep(0.05)
    clock.play(8.0)  # fast: key frames only, whole seconds of this clip
    wait_until(lambda: clock.position() >= T0 + timedelta(seconds=6), what="fast play")
    feeds[0].acquire()
    at = feeds[0].shown_at()
    assert at is not None and at.microsecond == 0
    clock.pause()
    paused = clock.position()
    wait_until(lambda: shows(feeds[0], paused), what="the paused frame")
    clock.step(1)
    wait_until(lambda: shows(feeds[0], paused + FRAME, within=FRAME * 2) and feeds[0].shown_at() != paused)
    clock.follow(feeds[0])
    stepped = clock.position()
    wait_until(lambda: shows(feeds[1], stepped), what="the other camera to follow the step")
    clock.seek(T0 + timedelta(seconds=30))
    wait_until(lambda: shows(feeds[0], T0 + timedelta(seconds=19.96), within=FRAME * 2), what="the last frame")


def test_jumping_to_a_tag_lands_within_half_a_second_of_it(feeds: list[PlaybackFeed]) -> None:
    clock = PlaybackClock(feeds[:1], T0)
    clock.start()
    tag = T0 + timedelta(seconds=14, milliseconds=321)
    clock.seek(tag)
    wait_until(lambda: shows(feeds[0], tag), what="the tag's frame")
    at = feeds[0].shown_at()
    assert at is not None and abs((tag - at).total_seconds()) < 0.5
