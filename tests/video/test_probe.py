"""The "Test connection" probe against real servers on 127.0.0.1: a picture from a real file and an RTSP
stream; the reason in words for an HTTP camera that refuses the credentials, a server that is no
camera, a port nobody listens on and one that never answers; never a password in the words."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from PySide6.QtGui import QImage

from tests.servers.fixtures import RtspServerFactory
from tests.servers.postgres import free_port
from video.probe import probe
from video.sources import StreamSpec

PASSWORD = "Pr0be-s3cret"


class _Camera(BaseHTTPRequestHandler):
    """Answers like a camera's web server: 401 without the right password, else a web page."""

    def do_GET(self) -> None:
        if self.path.startswith("/locked"):
            self.send_response(401)
            self.send_header("WWW-Authenticate", 'Basic realm="camera"')
            self.end_headers()
            return
        body = b"<html><body>Camera admin page</body></html>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_args: object) -> None:
        pass


@pytest.fixture
def web_camera() -> Iterator[int]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Camera)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


@pytest.fixture
def silent_port() -> Iterator[int]:
    """Accepts connections and never says a word."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(4)
    yield listener.getsockname()[1]
    listener.close()


def test_a_file_and_an_rtsp_stream_give_a_picture(
    tmp_path: Path, test_clip: Path, rtsp_server: RtspServerFactory
) -> None:
    found = probe(StreamSpec("file", str(test_clip)), tmp_path / "file")
    assert found.ok and (found.width, found.height) == (320, 240), found.words
    assert QImage(found.frame_path).size().width() == 320
    server = rtsp_server({"/cam": test_clip})
    found = probe(StreamSpec("rtsp", server.url("/cam"), "viewer", PASSWORD), tmp_path / "rtsp")
    assert found.ok and found.words.startswith("Picture 320×240 in "), found.words


def test_each_failure_says_why_in_words_without_the_password(tmp_path: Path, web_camera: int, silent_port: int) -> None:
    cases = [
        (StreamSpec("mjpeg", f"http://127.0.0.1:{web_camera}/locked", "viewer", PASSWORD), "authentication failed"),
        (StreamSpec("mjpeg", f"http://127.0.0.1:{web_camera}/locked"), "the camera asks for a username and password"),
        (StreamSpec("mjpeg", f"http://127.0.0.1:{web_camera}/page"), "but what came back is not a video stream"),
        (StreamSpec("rtsp", f"rtsp://127.0.0.1:{free_port()}/x", "viewer", PASSWORD), "refused: nothing accepts"),
        (StreamSpec("file", str(tmp_path / "missing.mp4")), "video file missing.mp4 not found"),
    ]
    for n, (spec, words) in enumerate(cases):
        found = probe(spec, tmp_path / f"case-{n}")
        assert not found.ok and words in found.words, (spec.url, found.words)
        assert PASSWORD not in found.words and not found.frame_path
    hung = probe(StreamSpec("rtsp", f"rtsp://127.0.0.1:{silent_port}/x", "viewer", PASSWORD), tmp_path / "hung", 2.0)
    assert not hung.ok and hung.words == "timed out: no picture within 2 s"
    assert hung.seconds < 6
