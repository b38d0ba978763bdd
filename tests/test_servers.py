"""The test servers themselves: each one really serves what the console will consume."""

from __future__ import annotations

import time
from pathlib import Path

import cv2
import psycopg
import pytest

from tests.servers.fixtures import (
    CLIP_FPS,
    CLIP_SECONDS,
    CLIP_SIZE,
    MjpegStreamFactory,
    RtspServerFactory,
)
from tests.servers.postgres import PostgresServer
from tests.servers.rtsp_server import RtspServer, RtspServerError

OPEN_TIMEOUT_MS = 15_000
READ_TIMEOUT_MS = 5_000


def _open(url: str) -> cv2.VideoCapture:
    # Timeouts bound every blocking call, so a dead server fails the test instead of hanging it.
    cap = cv2.VideoCapture(
        url,
        cv2.CAP_FFMPEG,
        [
            cv2.CAP_PROP_OPEN_TIMEOUT_MSEC,
            OPEN_TIMEOUT_MS,
            cv2.CAP_PROP_READ_TIMEOUT_MSEC,
            READ_TIMEOUT_MS,
            cv2.CAP_PROP_N_THREADS,
            1,
        ],
    )
    assert cap.isOpened(), f"OpenCV could not open {url}"
    return cap


def _read_frames(cap: cv2.VideoCapture, count: int, deadline_s: float) -> list[tuple[int, int]]:
    """Read up to ``count`` frames before the deadline; return each frame's (width, height)."""
    sizes: list[tuple[int, int]] = []
    deadline = time.monotonic() + deadline_s
    while len(sizes) < count and time.monotonic() < deadline:
        ok, frame = cap.read()
        if not ok:
            break
        sizes.append((frame.shape[1], frame.shape[0]))
    return sizes


@pytest.fixture
def rtsp_over_tcp(monkeypatch: pytest.MonkeyPatch) -> None:
    # RTP interleaved on the RTSP connection: no UDP ports to allocate and no dropped
    # packets to make frame counts flaky.
    monkeypatch.setenv("OPENCV_FFMPEG_CAPTURE_OPTIONS", "rtsp_transport;tcp")


# -- PostgreSQL ----------------------------------------------------------------------------------


def test_postgres_accepts_psycopg_and_is_version_15(postgres_server: PostgresServer) -> None:
    with psycopg.connect(postgres_server.superuser_dsn("postgres")) as conn:
        row = conn.execute("select version()").fetchone()
    assert row is not None
    assert row[0].startswith("PostgreSQL 15"), row[0]


def test_postgres_listens_on_loopback_only(postgres_server: PostgresServer) -> None:
    assert postgres_server.run_sql("postgres", "show listen_addresses") == [("127.0.0.1",)]


def test_postgres_url_is_for_sqlalchemy_psycopg(postgres_url: str) -> None:
    assert postgres_url.startswith("postgresql+psycopg://postgres@127.0.0.1:")
    dbname = postgres_url.rsplit("/", 1)[1]
    dsn = postgres_url.replace("postgresql+psycopg://", "postgresql://", 1)
    with psycopg.connect(dsn) as conn:
        row = conn.execute("select current_database()").fetchone()
    assert row == (dbname,)


def test_created_databases_are_independent(postgres_server: PostgresServer) -> None:
    first = postgres_server.create_database().rsplit("/", 1)[1]
    second = postgres_server.create_database().rsplit("/", 1)[1]
    try:
        assert first != second
        postgres_server.run_sql(first, "create table camera (name text)")
        postgres_server.run_sql(first, "insert into camera values ('Park St')")
        postgres_server.run_sql(second, "create table camera (name text)")

        assert postgres_server.run_sql(first, "select name from camera") == [("Park St",)]
        assert postgres_server.run_sql(second, "select name from camera") == []
    finally:
        postgres_server.drop_database(first)
        postgres_server.drop_database(second)


# -- RTSP ----------------------------------------------------------------------------------------


@pytest.mark.usefixtures("rtsp_over_tcp")
def test_rtsp_serves_clip_and_loops_it(rtsp_server: RtspServerFactory, test_clip: Path) -> None:
    server = rtsp_server({"/cam1": test_clip})
    cap = _open(server.url("/cam1"))
    try:
        clip_frames = CLIP_FPS * CLIP_SECONDS
        wanted = clip_frames + CLIP_FPS * 2  # two seconds into the second pass
        # The server paces at 25 fps, so this takes about 6 s; the margin covers a slow machine.
        sizes = _read_frames(cap, wanted, deadline_s=wanted / CLIP_FPS + 15)
    finally:
        cap.release()
    assert len(sizes) == wanted, f"stream stopped after {len(sizes)} frames; clip has {clip_frames}"
    assert set(sizes) == {CLIP_SIZE}


@pytest.mark.usefixtures("rtsp_over_tcp")
def test_rtsp_serves_several_mounts_and_viewers(rtsp_server: RtspServerFactory, test_clip: Path) -> None:
    server = rtsp_server({"/cam1": test_clip, "cam2": test_clip})
    caps = [_open(server.url(mount)) for mount in ("/cam1", "/cam1", "/cam2")]
    try:
        for cap in caps:
            assert _read_frames(cap, 10, deadline_s=10) == [CLIP_SIZE] * 10
    finally:
        for cap in caps:
            cap.release()


def test_rtsp_server_reports_a_missing_interpreter(test_clip: Path) -> None:
    server = RtspServer({"/cam1": test_clip}, python="/nonexistent/python3")
    with pytest.raises(RtspServerError, match="python3-gi"):
        server.start()


def test_rtsp_server_reports_why_it_could_not_start(tmp_path: Path) -> None:
    server = RtspServer({"/cam1": tmp_path / "missing.mp4"})
    with pytest.raises(RtspServerError, match="no such file"):
        server.start()
    assert not server.is_running()


# -- MJPEG ---------------------------------------------------------------------------------------


def test_mjpeg_stream_serves_frames_of_the_clip_size(mjpeg_stream: MjpegStreamFactory, test_clip: Path) -> None:
    stream = mjpeg_stream(test_clip)
    cap = _open(stream.url)
    try:
        sizes = _read_frames(cap, 25, deadline_s=15)
    finally:
        cap.release()
    assert sizes == [CLIP_SIZE] * 25
