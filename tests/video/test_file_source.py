"""LoopingFileSource plays a clip forever at its own pace, and survives a missing or bad file."""

from __future__ import annotations

import itertools
import os
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from video.demo_scenes import DemoCamera, ensure_demo_clips
from video.file_source import LatestFrameSlot, LoopingFileSource
from video.frame import Frame, SourceHealth

CAMERA = DemoCamera("cam07", "Riverside Walk", 79)
CLIP_FRAMES = 13  # 1 s at 12.5 fps
DEADLINE_S = 10.0


def _wait_until(condition: Callable[[], bool], timeout: float = DEADLINE_S) -> bool:
    pause = threading.Event()
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        pause.wait(0.01)
    return True


@pytest.fixture(scope="module")
def one_second_clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("clips")
    clips = ensure_demo_clips(folder, [CAMERA], seconds=1.0, fps=12.5, main_size=(320, 180), sub_size=(160, 90))
    return clips[CAMERA.key].main


class HealthLog:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.entries: list[tuple[SourceHealth, str]] = []

    def __call__(self, health: SourceHealth, message: str) -> None:
        with self._lock:
            self.entries.append((health, message))

    def states(self) -> list[SourceHealth]:
        with self._lock:
            return [health for health, _ in self.entries]


@pytest.fixture
def started() -> Iterator[list[LoopingFileSource]]:
    """Sources a test starts; stopped afterwards even when the test fails."""
    sources: list[LoopingFileSource] = []
    yield sources
    for source in sources:
        assert source.stop(timeout=5.0)


def _start(sources: list[LoopingFileSource], source: LoopingFileSource) -> LoopingFileSource:
    sources.append(source)
    source.start()
    return source


def test_the_source_goes_live_and_frames_are_numbered_and_stamped_in_utc(
    one_second_clip: Path, started: list[LoopingFileSource]
) -> None:
    health = HealthLog()
    source = _start(started, LoopingFileSource("cam07", one_second_clip, on_health=health))
    frames: list[Frame] = []

    def collect_five() -> bool:
        frame = source.slot.latest()
        if frame is not None and (not frames or frame.sequence != frames[-1].sequence):
            frames.append(frame)
        return len(frames) >= 5

    assert _wait_until(collect_five)
    assert source.health is SourceHealth.LIVE
    assert health.states()[0] is SourceHealth.LIVE  # CONNECTING is the initial state, LIVE the first change
    assert all(frame.camera_id == "cam07" for frame in frames)
    assert [f.sequence for f in frames] == sorted({f.sequence for f in frames})
    assert all(frame.captured_at.utcoffset() == timedelta(0) for frame in frames)
    assert all(a.captured_at < b.captured_at for a, b in itertools.pairwise(frames))
    assert frames[0].image.shape == (180, 320, 3)


def test_the_clip_loops_past_its_end_at_roughly_its_own_frame_rate(
    one_second_clip: Path, started: list[LoopingFileSource]
) -> None:
    source = _start(started, LoopingFileSource("cam07", one_second_clip))

    assert _wait_until(lambda: source.frames_read > CLIP_FRAMES + 5)
    assert source.health is SourceHealth.LIVE
    latest = source.slot.latest()
    assert latest is not None and latest.sequence >= CLIP_FRAMES + 5  # numbering carries on across the loop
    # Paced at the file's 12.5 fps, not decoded as fast as possible.
    assert 6.0 < source.fps_in < 20.0


@pytest.mark.parametrize(
    ("size", "shape"),
    [((200, 100), (100, 200, 3)), ((320, 180), (180, 320, 3)), (None, (180, 320, 3))],
    ids=["resized", "same-size", "as-decoded"],
)
def test_frames_have_the_asked_size_and_a_published_picture_never_changes(
    one_second_clip: Path,
    started: list[LoopingFileSource],
    size: tuple[int, int] | None,
    shape: tuple[int, int, int],
) -> None:
    source = _start(started, LoopingFileSource("cam07", one_second_clip, size=size))
    assert _wait_until(lambda: source.slot.latest() is not None)
    first = source.slot.latest()
    assert first is not None
    kept = first.image.copy()

    # Well past the end of the clip, so any buffer the source reuses has been written again.
    assert _wait_until(lambda: source.frames_read > first.sequence + CLIP_FRAMES + 3)
    assert first.image.shape == shape
    assert not first.image.flags.writeable
    assert (first.image == kept).all()


def test_stop_is_prompt_and_the_thread_is_gone(one_second_clip: Path) -> None:
    source = LoopingFileSource("cam07", one_second_clip)
    source.start()
    assert _wait_until(lambda: source.frames_read >= 2)

    began = time.monotonic()
    assert source.stop()
    assert time.monotonic() - began < 1.0
    assert not source.is_running
    assert "file-source-cam07" not in {thread.name for thread in threading.enumerate()}


def test_a_missing_file_is_reported_lost_with_its_name_and_retried(
    tmp_path: Path, started: list[LoopingFileSource]
) -> None:
    health = HealthLog()
    source = _start(started, LoopingFileSource("cam03", tmp_path / "gone-main.mp4", on_health=health))

    assert _wait_until(lambda: source.health is SourceHealth.LOST)
    assert "Cannot open video file gone-main.mp4: file not found" in source.health_message
    assert "Retrying in 1 s" in source.health_message
    assert source.is_running
    assert source.slot.latest() is None

    began = time.monotonic()
    assert source.stop()  # promptly, even while waiting to retry
    assert time.monotonic() - began < 1.0


def test_a_file_that_is_not_a_video_is_reported_lost(tmp_path: Path, started: list[LoopingFileSource]) -> None:
    bogus = tmp_path / "notes.mp4"
    bogus.write_text("this is not a video\n" * 50, encoding="utf-8")
    source = _start(started, LoopingFileSource("cam05", bogus))

    assert _wait_until(lambda: source.health is SourceHealth.LOST)
    assert "notes.mp4" in source.health_message
    assert source.is_running


def test_the_source_recovers_when_the_file_appears(
    one_second_clip: Path, tmp_path: Path, started: list[LoopingFileSource]
) -> None:
    late = tmp_path / "late.mp4"
    health = HealthLog()
    source = _start(started, LoopingFileSource("cam02", late, on_health=health))
    assert _wait_until(lambda: source.health is SourceHealth.LOST)

    partial = tmp_path / "late.mp4.part"
    partial.write_bytes(one_second_clip.read_bytes())
    os.replace(partial, late)  # appears whole, as a copy tool would leave it

    assert _wait_until(lambda: source.health is SourceHealth.LIVE)
    assert health.states()[0] is SourceHealth.LOST
    assert health.states()[-1] is SourceHealth.LIVE


def test_the_slot_keeps_only_the_latest_frame() -> None:
    slot = LatestFrameSlot()
    assert slot.latest() is None and slot.published == 0

    for sequence in range(3):
        slot.publish(Frame("cam01", sequence, datetime.now(UTC), np.zeros((2, 2, 3), np.uint8)))

    latest = slot.latest()
    assert latest is not None and latest.sequence == 2
    assert slot.published == 3
