"""pytest plugin: real PostgreSQL, RTSP and MJPEG servers on 127.0.0.1, and a test clip.

Load with ``pytest_plugins = ["tests.servers.fixtures"]``. A missing server binary fails the
test (never skips it): the suite is meant to prove the console works against real servers.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

import pytest

from tests.servers.mjpeg import MjpegStream, MjpegStreamError
from tests.servers.postgres import PostgresServer, ServerUnavailable
from tests.servers.rtsp_server import RtspServer, RtspServerError

CLIP_SIZE = (320, 240)
CLIP_FPS = 25
CLIP_SECONDS = 4

ClipPath = str | os.PathLike[str]
RtspServerFactory = Callable[[Mapping[str, ClipPath]], RtspServer]
MjpegStreamFactory = Callable[[ClipPath], MjpegStream]


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """One PostgreSQL 15 server for the whole session."""
    server = PostgresServer()
    try:
        server.start()
    except ServerUnavailable as exc:
        pytest.fail(f"cannot start the test PostgreSQL server: {exc}", pytrace=False)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def postgres_url(postgres_server: PostgresServer) -> Iterator[str]:
    """SQLAlchemy URL of a new, empty database, dropped after the test."""
    url = postgres_server.create_database()
    yield url
    postgres_server.drop_database(url.rsplit("/", 1)[1])


@pytest.fixture(scope="session")
def test_clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 320x240, 25 fps, 4 s H.264 MP4 (ffmpeg's test pattern), made once per session."""
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        pytest.fail("ffmpeg not found on PATH; install ffmpeg (scripts/setup-system.sh)", pytrace=False)
    clip = tmp_path_factory.mktemp("clips") / "testsrc.mp4"
    width, height = CLIP_SIZE
    source = f"testsrc=size={width}x{height}:rate={CLIP_FPS}:duration={CLIP_SECONDS}"
    # A key frame every second and no B-frames: clients that join mid-stream, or land after
    # a loop, start decoding within a second.
    encoder = f"-c:v libx264 -preset ultrafast -pix_fmt yuv420p -g {CLIP_FPS} -bf 0".split()
    quiet = ["-hide_banner", "-loglevel", "error", "-nostdin", "-y"]
    mp4 = ["-movflags", "+faststart"]
    result = subprocess.run(
        [ffmpeg, *quiet, "-f", "lavfi", "-i", source, *encoder, *mp4, str(clip)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    if result.returncode != 0:
        pytest.fail(f"ffmpeg could not make the test clip: {result.stderr.strip()}", pytrace=False)
    return clip


@pytest.fixture
def rtsp_server() -> Iterator[RtspServerFactory]:
    """Factory: ``rtsp_server({"/cam1": clip})`` starts a looping RTSP server; stopped after."""
    started: list[RtspServer] = []

    def start(mounts: Mapping[str, ClipPath]) -> RtspServer:
        server = RtspServer(mounts)
        started.append(server)
        try:
            return server.start()
        except RtspServerError as exc:
            pytest.fail(f"cannot start the test RTSP server: {exc}", pytrace=False)

    yield start
    for server in reversed(started):
        server.close()


@pytest.fixture
def mjpeg_stream() -> Iterator[MjpegStreamFactory]:
    """Factory: ``mjpeg_stream(clip)`` starts a one-client MJPEG camera; stopped after."""
    started: list[MjpegStream] = []

    def start(clip: ClipPath) -> MjpegStream:
        stream = MjpegStream(clip)
        started.append(stream)
        try:
            return stream.start()
        except MjpegStreamError as exc:
            pytest.fail(f"cannot start the test MJPEG stream: {exc}", pytrace=False)

    yield start
    for stream in reversed(started):
        stream.close()
