"""The wall with real capture helpers: one helper dying never stops the other tiles or the
GUI's event loop; a stalled camera says so in words."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer
from pytestqt.qtbot import QtBot

from video.sources import CameraSource, StreamSpec
from video.supervisor import CaptureSupervisor
from widgets.video_wall import VideoWall


@pytest.fixture
def live_wall(qtbot: QtBot, test_clip: Path) -> Iterator[tuple[VideoWall, CaptureSupervisor]]:
    sources = [CameraSource(f"cam{i}", f"Camera {i}", StreamSpec("file", str(test_clip))) for i in range(3)]
    sources.append(
        CameraSource(
            "usb", "Desk camera", StreamSpec("v4l2", "/dev/video1", device_factory="tests.video.fake_v4l2:open_fake")
        )
    )
    sup = CaptureSupervisor(sources)
    wall = VideoWall(list(sup.feeds.values()), "2x2")
    qtbot.addWidget(wall)
    wall.resize(1280, 720)
    wall.show()
    qtbot.waitExposed(wall)
    poll = QTimer()
    poll.setInterval(100)
    poll.timeout.connect(sup.poll)
    poll.start()
    wall.start()
    try:
        yield wall, sup
    finally:
        poll.stop()
        wall.stop()
        sup.close()


def test_a_dying_helper_never_stops_the_other_tiles_or_the_event_loop(
    qtbot: QtBot, live_wall: tuple[VideoWall, CaptureSupervisor]
) -> None:
    wall, sup = live_wall
    tiles = wall.tiles[:3]
    qtbot.waitUntil(lambda: all(t.shown_sequence > 3 for t in tiles), timeout=30_000)
    ticks = [0]
    probe = QTimer()
    probe.setInterval(20)
    probe.timeout.connect(lambda: ticks.__setitem__(0, ticks[0] + 1))
    probe.start()
    victim = sup.feed("cam0")
    pid = victim.helper_pid
    assert pid is not None
    os.kill(pid, signal.SIGSEGV)
    qtbot.waitUntil(lambda: tiles[0].health_words.startswith("decoder stopped (killed by SIGSEGV)"), timeout=10_000)
    shown = [t.shown_sequence for t in tiles[1:]]
    ticks_then = ticks[0]
    qtbot.waitUntil(
        lambda: all(t.shown_sequence > s + 10 for t, s in zip(tiles[1:], shown, strict=True)), timeout=10_000
    )
    assert ticks[0] > ticks_then + 10  # the event loop kept turning
    qtbot.waitUntil(lambda: tiles[0].health_words == "live", timeout=30_000)
    before = tiles[0].shown_sequence
    qtbot.waitUntil(lambda: tiles[0].shown_sequence > before + 5, timeout=30_000)
    probe.stop()


def test_a_camera_without_frames_for_3_s_is_shown_as_stalled_then_live_again(
    qtbot: QtBot, live_wall: tuple[VideoWall, CaptureSupervisor]
) -> None:
    wall, _ = live_wall
    usb = wall.tiles[3]
    qtbot.waitUntil(lambda: usb.health_words.startswith("stalled: no frame for"), timeout=30_000)
    assert not usb.live
    qtbot.waitUntil(lambda: usb.health_words == "live", timeout=30_000)
