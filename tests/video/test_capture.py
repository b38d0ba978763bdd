"""Capture in helper processes against real sources: files, the GStreamer RTSP server, ffmpeg's
MJPEG server and a fake V4L2 device; failures give words on the tile and a log line, a dead
helper is restarted, and no credential is ever shown."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest
from pytestqt.qtbot import QtBot

from tests.servers.fixtures import MjpegStreamFactory, RtspServerFactory
from tests.servers.rtsp_server import RtspServer
from video.capture_worker import RETRY_CAP_S
from video.frame import SourceHealth
from video.mailbox import Field, State
from video.sources import CameraSource, StreamSpec, redact
from video.supervisor import CameraFeed, CaptureSupervisor

BOUND_MS = 30_000  # generous: the benchmark measures the real figures


@pytest.fixture
def supervisor() -> Iterator[Callable[..., CaptureSupervisor]]:
    made: list[CaptureSupervisor] = []

    def make(*sources: CameraSource, retry_cap: float = RETRY_CAP_S) -> CaptureSupervisor:
        sup = CaptureSupervisor(sources, retry_cap=retry_cap)
        made.append(sup)
        return sup

    yield make
    for sup in made:
        sup.close()


def wait_for(qtbot: QtBot, sup: CaptureSupervisor, condition: Callable[[], bool], timeout: int = BOUND_MS) -> None:
    def check() -> bool:
        sup.poll()
        return condition()

    qtbot.waitUntil(check, timeout=timeout)


def frames_arrive(qtbot: QtBot, sup: CaptureSupervisor, feed: CameraFeed, count: int = 5) -> None:
    start = feed.published
    wait_for(qtbot, sup, lambda: feed.published >= start + count)


def test_file_camera_frames_carry_camera_sequence_and_utc_capture_time(
    qtbot: QtBot, supervisor: Callable[..., CaptureSupervisor], test_clip: Path
) -> None:
    sup = supervisor(CameraSource("cam1", "Test file", StreamSpec("file", str(test_clip))))
    feed = sup.feed("cam1")
    feed.want(160, 160, main_stream=False)
    frames_arrive(qtbot, sup, feed)
    before = time.time_ns()
    frame = feed.acquire()
    assert frame is not None
    assert (frame.width, frame.height) == (160, 120)  # 320x240 fitted into the box asked for
    assert (frame.source_width, frame.source_height) == (320, 240)
    assert frame.pixels.shape == (120, 160, 4)
    assert 0 <= (before - frame.captured_ns) / 1e9 < 5  # taken when the helper got it
    assert feed.captured_at(frame).tzinfo is not None
    assert feed.health().state == SourceHealth.LIVE and feed.health().words == "live"
    again = feed.acquire()
    frames_arrive(qtbot, sup, feed, 3)
    newer = feed.acquire()
    assert again is not None and newer is not None and newer.sequence > again.sequence
    stats = feed.stats()
    assert 15 < stats.fps_in < 35  # the 25 fps clip is paced at its own rate
    assert stats.frames_in >= newer.sequence - 1


def test_modest_reductions_are_left_to_the_gui(
    qtbot: QtBot, supervisor: Callable[..., CaptureSupervisor], test_clip: Path
) -> None:
    """A tile a little smaller than the source gets the source size (the GUI scales while it
    paints); a much smaller one gets frames scaled by the helper."""
    sup = supervisor(CameraSource("cam1", "Test file", StreamSpec("file", str(test_clip))))
    feed = sup.feed("cam1")
    feed.want(280, 210, main_stream=False)  # 0.875 of 320x240
    frames_arrive(qtbot, sup, feed)
    wait_for(qtbot, sup, lambda: (f := feed.acquire()) is not None and (f.width, f.height) == (320, 240))
    feed.want(120, 90, main_stream=False)  # 0.375 of it
    wait_for(qtbot, sup, lambda: (f := feed.acquire()) is not None and (f.width, f.height) == (120, 90))


def test_frames_reach_the_wall_in_their_true_colours_at_every_size(
    qtbot: QtBot, supervisor: Callable[..., CaptureSupervisor], tmp_path: Path
) -> None:
    """The decoder converts straight to BGRA (in the slot itself at the stream's size): blue,
    green and red land in their own bytes, opaque, unscaled and scaled."""
    clip = tmp_path / "orange.mp4"
    colour = "0xE07020"  # red 224, green 112, blue 32
    subprocess.run(
        ["ffmpeg", "-hide_banner", "-loglevel", "error", "-nostdin", "-y", "-f", "lavfi", "-i",
         f"color=c={colour}:size=320x240:rate=25:duration=2", "-c:v", "libx264", "-pix_fmt", "yuv420p",
         "-preset", "ultrafast", str(clip)],
        check=True, timeout=60,
    )  # fmt: skip
    sup = supervisor(CameraSource("cam1", "Orange wall", StreamSpec("file", str(clip))))
    feed = sup.feed("cam1")
    for box, size in (((320, 240), (320, 240)), ((120, 90), (120, 90))):
        feed.want(*box, main_stream=True)
        wait_for(qtbot, sup, lambda size=size: (f := feed.acquire()) is not None and (f.width, f.height) == size)
        frame = feed.acquire()
        assert frame is not None
        blue, green, red, alpha = (int(np.median(frame.pixels[..., c])) for c in range(4))
        assert abs(red - 224) <= 6 and abs(green - 112) <= 6 and abs(blue - 32) <= 6, (size, red, green, blue)
        assert alpha == 255 and int(frame.pixels[..., 3].min()) == 255


def test_rtsp_frames_arrive_and_come_back_after_a_server_restart(
    qtbot: QtBot, supervisor: Callable[..., CaptureSupervisor], rtsp_server: RtspServerFactory, test_clip: Path
) -> None:
    server = rtsp_server({"/cam1": test_clip})
    sup = supervisor(CameraSource("cam1", "RTSP camera", StreamSpec("rtsp", server.url("/cam1"))))
    feed = sup.feed("cam1")
    feed.want(320, 240, main_stream=True)
    frames_arrive(qtbot, sup, feed)
    assert feed.health().words == "live"
    port = server.port
    server.stop()
    wait_for(qtbot, sup, lambda: feed.health().state == SourceHealth.LOST)
    words = feed.health().words
    assert words.startswith("lost: ") and ("retrying in" in words or "retrying now" in words)
    assert port is not None
    restarted = RtspServer({"/cam1": test_clip}, port=port).start()  # same address, as a camera reboots
    try:
        wait_for(qtbot, sup, lambda: feed.health().state == SourceHealth.LIVE)
        frames_arrive(qtbot, sup, feed)
        assert feed.stats().reconnects >= 1
    finally:
        restarted.close()


def test_mjpeg_frames_arrive(
    qtbot: QtBot, supervisor: Callable[..., CaptureSupervisor], mjpeg_stream: MjpegStreamFactory, test_clip: Path
) -> None:
    stream = mjpeg_stream(test_clip)
    sup = supervisor(CameraSource("cam1", "MJPEG camera", StreamSpec("mjpeg", stream.url)))
    feed = sup.feed("cam1")
    feed.want(640, 480, main_stream=True)
    frames_arrive(qtbot, sup, feed)
    frame = feed.acquire()
    assert frame is not None and (frame.source_width, frame.source_height) == (320, 240)


def test_v4l2_device_through_the_fake_at_the_device_edge(
    qtbot: QtBot, supervisor: Callable[..., CaptureSupervisor]
) -> None:
    factory = "tests.video.fake_v4l2:open_fake"
    sup = supervisor(
        CameraSource("usb", "Desk camera", StreamSpec("v4l2", "/dev/video0", device_factory=factory)),
        CameraSource("none", "Missing camera", StreamSpec("v4l2", "/dev/video7", device_factory=factory)),
    )
    good, missing = sup.feed("usb"), sup.feed("none")
    good.want(320, 240, main_stream=True)
    missing.want(320, 240, main_stream=True)
    frames_arrive(qtbot, sup, good)
    frame = good.acquire()
    assert frame is not None and (frame.width, frame.height) == (320, 240)
    wait_for(qtbot, sup, lambda: missing.health().state == SourceHealth.LOST)
    assert "capture device /dev/video7 could not be opened" in missing.health().words


def _bad_sources(tmp_path: Path, server_url: str, test_clip: Path) -> dict[str, StreamSpec]:
    text = tmp_path / "notes.mp4"
    text.write_text("this is not a video, just words\n" * 100)
    crafted = tmp_path / "crafted.mp4"
    data = bytearray(test_clip.read_bytes())
    rng = np.random.default_rng(7)
    # keep the container header, scramble the coded pictures
    for offset in rng.integers(2048, len(data), size=len(data) // 50):
        data[int(offset)] = int(rng.integers(0, 256))
    crafted.write_bytes(bytes(data[: len(data) * 2 // 3]))
    truncated = tmp_path / "truncated.mp4"
    truncated.write_bytes(test_clip.read_bytes()[:3000])  # a valid header, then nothing
    return {
        "truncated": StreamSpec("file", str(truncated)),
        "wrong-url": StreamSpec("rtsp", server_url.rsplit("/", 1)[0] + "/no-such-camera"),
        "refused": StreamSpec("rtsp", "rtsp://127.0.0.1:9/stream"),
        "not-video": StreamSpec("file", str(text)),
        "missing": StreamSpec("file", str(tmp_path / "gone.mp4")),
        "crafted": StreamSpec("file", str(crafted)),
    }


def test_bad_sources_say_why_on_the_tile_and_in_the_log(
    qtbot: QtBot,
    supervisor: Callable[..., CaptureSupervisor],
    rtsp_server: RtspServerFactory,
    test_clip: Path,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="video.supervisor")
    server = rtsp_server({"/cam1": test_clip})
    specs = _bad_sources(tmp_path, server.url("/cam1"), test_clip)
    sup = supervisor(*(CameraSource(key, key, spec) for key, spec in specs.items()))
    for feed in sup.feeds.values():
        feed.want(320, 240, main_stream=True)

    def settled() -> bool:
        # the crafted file may play some frames, fail, or kill its helper: any is a settled state
        return all(
            f.health().state in (SourceHealth.LOST, SourceHealth.DECODER_STOPPED)
            or (f.camera_id == "crafted" and f.published > 0)
            for f in sup.feeds.values()
        )

    wait_for(qtbot, sup, settled)
    words = {key: sup.feed(key).health().words for key in specs}
    assert "no video from rtsp://127.0.0.1:" in words["wrong-url"] and "/no-such-camera" in words["wrong-url"]
    assert "no video from rtsp://127.0.0.1:9/stream" in words["refused"]
    assert "notes.mp4 is not a video this console can play" in words["not-video"]
    assert "video file gone.mp4 not found" in words["missing"]
    assert "no picture could be decoded from truncated.mp4" in words["truncated"]
    for key in ("wrong-url", "refused", "not-video", "missing", "truncated"):
        assert "retrying in" in words[key] or "retrying now" in words[key]
        assert any(key in r.getMessage() and r.levelno == logging.WARNING for r in caplog.records), key


def test_a_helper_killed_by_a_signal_is_restarted_and_the_tile_says_so(
    qtbot: QtBot, supervisor: Callable[..., CaptureSupervisor], test_clip: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="video.supervisor")
    sup = supervisor(
        CameraSource("victim", "Victim", StreamSpec("file", str(test_clip))),
        CameraSource("other", "Other", StreamSpec("file", str(test_clip))),
    )
    victim, other = sup.feed("victim"), sup.feed("other")
    for feed in (victim, other):
        feed.want(320, 240, main_stream=True)
    frames_arrive(qtbot, sup, victim)
    pid = victim.helper_pid
    assert pid is not None
    # What OpenCV does on a malformed file: abort the process it runs in.
    os.kill(pid, signal.SIGABRT)
    wait_for(qtbot, sup, lambda: victim.health().state == SourceHealth.DECODER_STOPPED, timeout=10_000)
    assert victim.health().words.startswith("decoder stopped (killed by SIGABRT), restarting in ")
    assert any("capture helper killed by SIGABRT" in r.getMessage() for r in caplog.records)
    frames_arrive(qtbot, sup, other)  # the other camera never stopped
    wait_for(qtbot, sup, lambda: victim.health().state == SourceHealth.LIVE)
    assert victim.helper_pid not in (None, pid) and victim.stats().restarts == 1
    frames_arrive(qtbot, sup, victim)


def test_a_camera_nobody_wants_is_not_decoded(
    qtbot: QtBot, supervisor: Callable[..., CaptureSupervisor], test_clip: Path
) -> None:
    sup = supervisor(CameraSource("cam1", "Cam", StreamSpec("file", str(test_clip))))
    feed = sup.feed("cam1")
    sup.poll()
    assert feed.helper_pid is None  # never wanted: no helper at all
    feed.want(320, 240, main_stream=True)
    frames_arrive(qtbot, sup, feed)
    feed.release()
    wait_for(qtbot, sup, lambda: feed.mailbox.get(Field.STATE) == State.IDLE)
    count = feed.stats().frames_in
    # the helper closed the stream: no frames are decoded while nobody shows the camera
    deadline = time.monotonic() + 1.0
    qtbot.waitUntil(lambda: time.monotonic() > deadline, timeout=5_000)
    assert feed.stats().frames_in == count
    assert feed.health().state is None and "not decoded" in feed.health().words


def test_sub_stream_for_small_tiles_main_stream_full_screen(
    qtbot: QtBot, supervisor: Callable[..., CaptureSupervisor], tmp_path: Path
) -> None:
    from video.demo_clips import ensure_demo_clips
    from video.demo_streets import DemoCamera

    clip = ensure_demo_clips(tmp_path, [DemoCamera("cam01", "Station Approach", 1)], seconds=2.0)["cam01"]
    sup = supervisor(
        CameraSource("cam01", "Station Approach", StreamSpec("file", str(clip.main)), StreamSpec("file", str(clip.sub)))
    )
    feed = sup.feed("cam01")
    feed.want(480, 270, main_stream=False)
    wait_for(qtbot, sup, lambda: (f := feed.acquire()) is not None and f.source_width == 320)
    assert feed.stats().stream == "sub"
    feed.want(1920, 1080, main_stream=True)
    wait_for(qtbot, sup, lambda: (f := feed.acquire()) is not None and f.source_width == 640)
    frame = feed.acquire()
    assert frame is not None and (frame.width, frame.height) == (640, 360)
    assert feed.stats().stream == "main"


def test_credentials_are_never_shown_or_logged(
    qtbot: QtBot,
    supervisor: Callable[..., CaptureSupervisor],
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
) -> None:
    caplog.set_level(logging.DEBUG)
    spec = StreamSpec("rtsp", "rtsp://127.0.0.1:9/live", username="operator", password="pa55-w0rd!")
    assert spec.open_url() == "rtsp://operator:pa55-w0rd%21@127.0.0.1:9/live"
    sup = supervisor(CameraSource("cam1", "Locked camera", spec))
    feed = sup.feed("cam1")
    feed.want(320, 240, main_stream=True)
    wait_for(qtbot, sup, lambda: feed.health().state == SourceHealth.LOST)
    shown = feed.health().words + repr(feed.stats())
    out, err = capfd.readouterr()
    for secret in ("pa55-w0rd", "pa55-w0rd%21"):
        assert secret not in shown and secret not in caplog.text and secret not in out + err


def test_helper_stderr_is_redacted() -> None:
    code = (
        "import os, time; from video.capture_worker import redirect_stderr; "
        "redirect_stderr(['hunter2']); "
        "os.write(2, b'[rtsp] DESCRIBE rtsp://admin:hunter2@10.0.0.5/ch1 failed: 401\\n'); time.sleep(0.3)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert "hunter2" not in result.stderr
    assert "rtsp://***@10.0.0.5/ch1 failed: 401" in result.stderr


def test_redact_replaces_url_credentials_and_known_secrets() -> None:
    assert redact("open rtsp://u:p@host/x and http://a@b/c") == "open rtsp://***@host/x and http://***@b/c"
    assert redact("password is s3cret", ["s3cret"]) == "password is ***"
