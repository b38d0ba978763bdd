"""The "Test connection" of the set-up screens: open a camera's stream in a short-lived helper
process, grab one frame within a time limit, and say in words why not when it fails.

OpenCV can abort a whole process on bad input (MEDIA-NOTES.md), so the opening happens in a
child; the caller (a worker thread, never the GUI thread) waits for it at most ``timeout_s``
and kills it after. The child writes ``frame.png`` and ``status.json`` into a folder. Every
word that comes back has passed through ``redact``: no credential reaches a message or log.

Also runnable as ``python -m video.probe`` with a JSON request on standard input
({"kind", "url", "username", "password", "folder"}), printing the status as JSON.
"""

from __future__ import annotations

import base64
import json
import os
import socket
import sys
import time
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass
from pathlib import Path
from urllib.parse import urlsplit

import cv2

from video.sources import SourceError, StreamSpec, configure_process, open_capture, redact
from video.supervisor import capture_context

PROBE_TIMEOUT_S = 8.0
CHECK_TIMEOUT_S = 2.0  # each look at the server after OpenCV gave up
DEFAULT_PORTS = {"rtsp": 554, "rtsps": 322, "http": 80, "https": 443}


@dataclass(frozen=True)
class ProbeResult:
    ok: bool
    words: str  # what happened, for the screen ("Picture 704x576 in 1.2 s", "refused: ...")
    frame_path: str = ""  # PNG of the frame grabbed
    width: int = 0
    height: int = 0
    seconds: float = 0.0


def probe(spec: StreamSpec, folder: Path, timeout_s: float = PROBE_TIMEOUT_S) -> ProbeResult:
    """Blocks up to ``timeout_s`` (call it from a worker): one frame of the stream, or why not."""
    folder.mkdir(parents=True, exist_ok=True)
    for old in ("frame.png", "status.json"):
        (folder / old).unlink(missing_ok=True)
    started = time.monotonic()
    context = capture_context()
    process = context.Process(  # type: ignore[attr-defined]
        target=probe_main, args=(spec, str(folder)), name="sentinel-probe", daemon=True
    )
    process.start()
    process.join(timeout_s)
    seconds = time.monotonic() - started
    if process.is_alive():
        # A hung decoder or a silent network: nothing short of ending the child stops it.
        process.kill()
        process.join(2.0)
        return ProbeResult(False, f"timed out: no picture within {timeout_s:.0f} s", seconds=seconds)
    status = folder / "status.json"
    if not status.exists():
        code = process.exitcode
        return ProbeResult(
            False,
            f"the decoder stopped on this source (helper ended with code {code}): not a video it can read",
            seconds=seconds,
        )
    found = json.loads(status.read_text(encoding="utf-8"))
    words = redact(str(found.get("words", "")), spec.secrets())
    return ProbeResult(
        ok=bool(found.get("ok")),
        words=words,
        frame_path=str(folder / "frame.png") if found.get("ok") else "",
        width=int(found.get("width", 0)),
        height=int(found.get("height", 0)),
        seconds=seconds,
    )


def probe_main(spec: StreamSpec, folder: str) -> None:
    """The child: open, read one frame, write the PNG and the status."""
    out = Path(folder)
    started = time.monotonic()
    # FFmpeg writes its own messages (URLs among them) straight to the process's stderr: none
    # of them may reach the console's log with a credential in it.
    quiet = os.open(os.devnull, os.O_WRONLY)
    os.dup2(quiet, 1)
    os.dup2(quiet, 2)
    status: dict[str, object]
    try:
        status = _grab(spec, out, started)
    except SourceError as exc:
        status = {"ok": False, "words": _why(spec, str(exc))}
    except cv2.error as exc:
        status = {"ok": False, "words": f"the decoder refused this source: {exc}"}
    status["words"] = redact(str(status["words"]), spec.secrets())
    partial = out / "status.json.part"
    partial.write_text(json.dumps(status), encoding="utf-8")
    partial.replace(out / "status.json")


def _grab(spec: StreamSpec, out: Path, started: float) -> dict[str, object]:
    configure_process([spec.kind])
    capture = open_capture(spec)
    try:
        ok, frame = capture.read()
    finally:
        capture.release()
    if not ok or frame is None:
        raise SourceError("the stream opened but sent no picture")
    if not cv2.imwrite(str(out / "frame.png"), frame):
        return {"ok": False, "words": "a picture came but could not be kept (temporary folder not writable)"}
    height, width = frame.shape[:2]
    seconds = time.monotonic() - started
    return {"ok": True, "words": f"Picture {width}×{height} in {seconds:.1f} s", "width": width, "height": height}


def _why(spec: StreamSpec, opencv_words: str) -> str:
    """OpenCV only says "not opened": look at the server to say why (refused, timed out,
    authentication, not a video). Only after OpenCV gave up: some cameras take one client."""
    if spec.kind not in ("rtsp", "mjpeg"):
        return opencv_words
    parts = urlsplit(spec.url)
    host = parts.hostname or ""
    try:
        port = parts.port or DEFAULT_PORTS.get(parts.scheme.lower(), 0)
    except ValueError:
        return "not a valid URL: check the host and port"
    where = f"{host}:{port}"
    try:
        with socket.create_connection((host, port), timeout=CHECK_TIMEOUT_S) as conn:
            if spec.kind == "rtsp":
                answer = _rtsp_answer(conn, spec)
            else:
                conn.close()
                answer = _http_answer(spec)
    except ConnectionRefusedError:
        return f"refused: nothing accepts connections at {where} (wrong port, or the camera is off)"
    except TimeoutError:
        return f"timed out: no answer from {where} within {CHECK_TIMEOUT_S:.0f} s (wrong address, or a firewall)"
    except socket.gaierror:
        return f"unknown host {host!r}: check the address"
    except OSError as exc:
        return f"cannot reach {where}: {exc.strerror or exc}"
    if answer == 401:
        if spec.username or spec.password:
            return "authentication failed: the camera refused the username and password"
        return "the camera asks for a username and password"
    if answer == 404:
        return f"connected to {where}, but the camera has no stream at that path (404)"
    if answer and answer >= 400:
        return f"connected to {where}, but the camera answered {answer}"
    return f"connected to {where}, but what came back is not a video stream this console can play"


def _rtsp_answer(conn: socket.socket, spec: StreamSpec) -> int:
    conn.settimeout(CHECK_TIMEOUT_S)
    request = f"DESCRIBE {spec.url} RTSP/1.0\r\nCSeq: 1\r\nAccept: application/sdp\r\n"
    if spec.username or spec.password:
        token = base64.b64encode(f"{spec.username}:{spec.password}".encode()).decode()
        request += f"Authorization: Basic {token}\r\n"
    conn.sendall((request + "\r\n").encode())
    first = conn.recv(512).split(b"\r\n", 1)[0].split()
    return int(first[1]) if len(first) >= 2 and first[1].isdigit() else 0


def _http_answer(spec: StreamSpec) -> int:
    request = urllib.request.Request(spec.url, method="GET")
    if spec.username or spec.password:
        token = base64.b64encode(f"{spec.username}:{spec.password}".encode()).decode()
        request.add_header("Authorization", f"Basic {token}")
    try:
        with urllib.request.urlopen(request, timeout=CHECK_TIMEOUT_S) as reply:
            status: int = reply.status
            return status
    except urllib.error.HTTPError as exc:
        return int(exc.code)


def main() -> int:
    request = json.load(sys.stdin)
    spec = StreamSpec(request["kind"], request["url"], request.get("username", ""), request.get("password", ""))
    result = probe(spec, Path(request["folder"]), float(request.get("timeout", PROBE_TIMEOUT_S)))
    print(json.dumps(asdict(result)))
    return 0 if result.ok else 1


if __name__ == "__main__":
    sys.exit(main())
