"""An RTSP server on 127.0.0.1 that loops H.264 MP4 files forever, for tests.

Two halves: ``main()`` is the server itself and runs under the SYSTEM ``/usr/bin/python3``
(GStreamer's Python bindings come from Debian packages, not from the venv); ``RtspServer``
starts that script as a subprocess from the venv and is what fixtures use.

    /usr/bin/python3 tests/servers/rtsp_server.py --port 8554 --mount /cam1=clip.mp4

Prints ``READY <port>`` once listening (``--port 0`` picks a free port) and exits on SIGTERM.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType
from typing import Any, Self

SYSTEM_PYTHON = "/usr/bin/python3"
READY_TIMEOUT = 20.0

# Passthrough: no re-encode, so serving costs next to nothing. Frequent SPS/PPS lets a client
# that joins mid-stream (or after a loop) start decoding at the next key frame.
LAUNCH = (
    "( filesrc location={location} ! qtdemux ! h264parse config-interval=-1 "
    "! rtph264pay name=pay0 pt=96 config-interval=1 )"
)


# -- the server (system python, GObject introspection) ---------------------------------------


def _parse_mounts(values: list[str]) -> dict[str, str]:
    mounts: dict[str, str] = {}
    for value in values:
        path, sep, location = value.partition("=")
        if not sep or not path.startswith("/") or not location:
            raise SystemExit(f"--mount wants /path=FILE, got {value!r}")
        if not os.path.isfile(location):
            raise SystemExit(f"--mount {path}: no such file {location!r}")
        mounts[path] = os.path.abspath(location)
    return mounts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--port", type=int, required=True, help="TCP port; 0 picks a free one")
    parser.add_argument("--mount", action="append", required=True, metavar="/PATH=FILE")
    args = parser.parse_args(argv)
    mounts = _parse_mounts(args.mount)

    # The GObject bindings exist only for the system python, never in the venv: import them
    # here, by name, so the venv (and its type checker) can import this module.
    try:
        gi = importlib.import_module("gi")
        gi.require_version("Gst", "1.0")
        gi.require_version("GstRtspServer", "1.0")
        GLib = importlib.import_module("gi.repository.GLib")
        Gst = importlib.import_module("gi.repository.Gst")
        GstRtspServer = importlib.import_module("gi.repository.GstRtspServer")
    except (ImportError, ValueError) as exc:
        print(
            f"GStreamer RTSP server bindings unavailable to {sys.executable} ({exc}); install "
            "python3-gi gir1.2-gst-rtsp-server-1.0 (scripts/setup-system.sh)",
            file=sys.stderr,
            flush=True,
        )
        return 2

    Gst.init(None)
    loop = GLib.MainLoop()

    def loop_forever(_factory: Any, media: Any) -> None:
        # At the end of the file, swallow EOS before it reaches the RTP session (which would
        # end the stream for every client) and seek back to the start. The seek must not run
        # on the streaming thread that carries the EOS, so it goes through the main loop.
        # It has to be a flushing seek (a non-flushing one stalled the stream), so stream
        # timestamps start again from zero on each pass, as after a camera reboot.
        pipeline = media.get_element()
        payloader = pipeline.get_by_name("pay0")

        def rewind() -> bool:
            top = pipeline  # the launch-line bin; the seek goes to the pipeline holding it
            while top.get_parent() is not None:
                top = top.get_parent()
            top.seek_simple(Gst.Format.TIME, Gst.SeekFlags.FLUSH | Gst.SeekFlags.KEY_UNIT, 0)
            return False

        def on_event(_pad: Any, info: Any) -> Any:
            event = info.get_event()
            if event is not None and event.type == Gst.EventType.EOS:
                GLib.idle_add(rewind)
                return Gst.PadProbeReturn.DROP
            return Gst.PadProbeReturn.OK

        payloader.get_static_pad("sink").add_probe(Gst.PadProbeType.EVENT_DOWNSTREAM, on_event)

    server = GstRtspServer.RTSPServer()
    server.set_address("127.0.0.1")
    server.set_service(str(args.port))
    mount_points = server.get_mount_points()
    for path, location in mounts.items():
        factory = GstRtspServer.RTSPMediaFactory()
        factory.set_launch(LAUNCH.format(location=location))
        factory.set_shared(True)  # several viewers of one camera share one pipeline
        factory.connect("media-configure", loop_forever)
        mount_points.add_factory(path, factory)

    if server.attach(None) == 0:
        print(f"cannot listen on 127.0.0.1:{args.port}", file=sys.stderr, flush=True)
        return 1

    def quit_loop() -> bool:
        loop.quit()
        return False

    GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signal.SIGTERM, quit_loop)
    GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signal.SIGINT, quit_loop)
    print(f"READY {server.get_bound_port()}", flush=True)
    loop.run()
    return 0


# -- the helper (venv python) ----------------------------------------------------------------


class RtspServerError(RuntimeError):
    """The RTSP server script could not start (missing GStreamer, bad file, port taken)."""


class RtspServer:
    """Runs this file under the system python, serving ``{mount: file}`` on 127.0.0.1.

    The script binds port 0 itself and reports the port it got, so there is no window in
    which another process can take a port picked in advance.
    """

    def __init__(
        self,
        mounts: Mapping[str, str | os.PathLike[str]],
        port: int = 0,
        python: str = SYSTEM_PYTHON,
    ) -> None:
        if not mounts:
            raise ValueError("RtspServer needs at least one mount")
        self.mounts = {self._normalise(m): Path(f) for m, f in mounts.items()}
        self.requested_port = port
        self.python = python
        self.port: int | None = None
        self.startup_seconds: float | None = None
        self._process: subprocess.Popen[str] | None = None
        self._stderr: Any = None

    @staticmethod
    def _normalise(mount: str) -> str:
        return mount if mount.startswith("/") else f"/{mount}"

    def start(self, timeout: float = READY_TIMEOUT) -> Self:
        if self._process is not None:
            raise RuntimeError("RtspServer already started")
        if not Path(self.python).is_file():
            raise RtspServerError(
                f"{self.python} not found: the RTSP test server needs the system python with "
                "python3-gi and gir1.2-gst-rtsp-server-1.0 (scripts/setup-system.sh)"
            )
        began = time.monotonic()
        argv = [self.python, str(Path(__file__).resolve()), "--port", str(self.requested_port)]
        for mount, location in self.mounts.items():
            argv += ["--mount", f"{mount}={location}"]
        # stderr to a file, not a pipe: GStreamer may write a lot and nobody drains a pipe.
        # The file lives as long as this object (closed in close()), so no `with` block.
        self._stderr = tempfile.TemporaryFile(mode="w+", prefix="rtsp-server-")  # noqa: SIM115
        self._process = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            text=True,
            # The venv's environment must not leak into the system python.
            env={k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")},
        )
        line = self._read_ready_line(timeout)
        if line is None or not line.startswith("READY"):
            exit_code = self._process.poll()
            if exit_code is None and line == "":
                # stdout closed: the script is on its way out; collect its exit code.
                with contextlib.suppress(subprocess.TimeoutExpired):
                    exit_code = self._process.wait(2.0)
            stderr = self.stderr_text()
            self.close()
            why = (
                f"exited with code {exit_code}"
                if exit_code is not None
                else f"did not report READY within {timeout:.0f} s"
            )
            raise RtspServerError(f"RTSP test server {why} (stdout: {line!r}); stderr:\n{stderr}")
        self.port = int(line.split()[1])
        self.startup_seconds = time.monotonic() - began
        return self

    def _read_ready_line(self, timeout: float) -> str | None:
        # readline() blocks, so it runs on a helper thread and the wait has a deadline.
        assert self._process is not None and self._process.stdout is not None
        stdout = self._process.stdout
        result: list[str] = []
        done = threading.Event()

        def read() -> None:
            result.append(stdout.readline().strip())
            done.set()

        threading.Thread(target=read, name="rtsp-ready", daemon=True).start()
        done.wait(timeout)
        return result[0] if result else None

    def url(self, mount: str) -> str:
        if self.port is None:
            raise RuntimeError("RtspServer not started")
        return f"rtsp://127.0.0.1:{self.port}{self._normalise(mount)}"

    def is_running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def stderr_text(self) -> str:
        if self._stderr is None:
            return ""
        self._stderr.seek(0)
        text: str = self._stderr.read()
        return text[-4000:]

    def stop(self, timeout: float = 10.0) -> None:
        """SIGTERM, then SIGKILL if it has not gone within ``timeout``. Safe to call twice."""
        process, self._process = self._process, None
        self.port = None
        if process is None:
            return
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout)
        if process.stdout is not None:
            process.stdout.close()

    def close(self) -> None:
        self.stop()
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


if __name__ == "__main__":
    sys.exit(main())
