"""An MJPEG-over-HTTP camera on 127.0.0.1 for tests, served by ffmpeg from a looping clip.

Like many cheap IP cameras' ``/video.mjpg`` endpoints, but with a catch: ffmpeg's
``-listen 1`` HTTP server accepts ONE client and then exits when that client disconnects.
Open a new ``MjpegStream`` for each connection a test makes, and never probe the port with a
plain TCP connect (that would use up the one client), which is why readiness is read from
``/proc/net/tcp`` instead.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from types import TracebackType
from typing import IO, Self

from tests.servers.postgres import free_port

READY_TIMEOUT = 20.0
_START_ATTEMPTS = 3
_TCP_LISTEN = "0A"


class MjpegStreamError(RuntimeError):
    """ffmpeg is missing or the MJPEG stream could not start."""


def _is_listening(port: int) -> bool:
    """Whether something listens on 127.0.0.1:port, without connecting to it."""
    wanted = f"0100007F:{port:04X}"
    try:
        with open("/proc/net/tcp") as table:
            next(table)
            for row in table:
                fields = row.split()
                if fields[1] == wanted and fields[3] == _TCP_LISTEN:
                    return True
    except OSError:
        return False
    return False


class MjpegStream:
    """``ffmpeg -re -stream_loop -1`` re-encoding ``clip`` to MJPEG on http://127.0.0.1:PORT/cam.mjpg.

    Serves a single client; after that client disconnects ffmpeg exits and ``is_running()``
    turns False.
    """

    def __init__(self, clip: str | os.PathLike[str], quality: int = 5) -> None:
        self.clip = Path(clip)
        self.quality = quality
        self.port: int | None = None
        self.startup_seconds: float | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._stderr: IO[bytes] | None = None

    @property
    def url(self) -> str:
        if self.port is None:
            raise RuntimeError("MjpegStream not started")
        return f"http://127.0.0.1:{self.port}/cam.mjpg"

    def start(self, timeout: float = READY_TIMEOUT) -> Self:
        if self._process is not None:
            raise RuntimeError("MjpegStream already started")
        ffmpeg = shutil.which("ffmpeg")
        if ffmpeg is None:
            raise MjpegStreamError("ffmpeg not found on PATH; install ffmpeg (scripts/setup-system.sh)")
        if not self.clip.is_file():
            raise MjpegStreamError(f"no such clip: {self.clip}")
        began = time.monotonic()
        exit_code: int | None = None
        stderr = ""
        # The port is chosen before ffmpeg binds it; if another process wins it, ffmpeg exits
        # and we try another.
        for _attempt in range(_START_ATTEMPTS):
            port = free_port()
            self._launch(ffmpeg, port)
            if self._wait_listening(port, timeout):
                self.port = port
                self.startup_seconds = time.monotonic() - began
                return self
            assert self._process is not None
            exit_code = self._process.poll()
            stderr = self.stderr_text()
            self.close()
            if "Address already in use" not in stderr:
                break
        why = f"exited with code {exit_code}" if exit_code is not None else f"did not listen within {timeout:.0f} s"
        raise MjpegStreamError(f"ffmpeg MJPEG server {why}; stderr:\n{stderr}")

    def _launch(self, ffmpeg: str, port: int) -> None:
        if self._stderr is not None:
            self._stderr.close()
        # Lives as long as this object (closed in close()), so no `with` block.
        self._stderr = tempfile.TemporaryFile(prefix="mjpeg-ffmpeg-")  # noqa: SIM115
        reader = ["-hide_banner", "-loglevel", "error", "-nostdin", "-re", "-stream_loop", "-1"]
        writer = f"-an -c:v mjpeg -q:v {self.quality} -f mpjpeg -listen 1".split()
        self._process = subprocess.Popen(
            [ffmpeg, *reader, "-i", str(self.clip), *writer, f"http://127.0.0.1:{port}/cam.mjpg"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=self._stderr,
        )

    def _wait_listening(self, port: int, timeout: float) -> bool:
        assert self._process is not None
        deadline = time.monotonic() + timeout
        pause = threading.Event()
        while time.monotonic() < deadline:
            if _is_listening(port):
                return True
            if self._process.poll() is not None:
                return False
            pause.wait(0.02)
        return False

    def is_running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def stderr_text(self) -> str:
        if self._stderr is None:
            return ""
        self._stderr.seek(0)
        return self._stderr.read().decode(errors="replace")[-4000:]

    def stop(self, timeout: float = 10.0) -> None:
        """Terminate ffmpeg if it is still running (it may have exited after its one client)."""
        process, self._process = self._process, None
        if process is None:
            return
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout)

    def close(self) -> None:
        self.stop()
        self.port = None
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
