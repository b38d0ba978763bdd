"""What a capture helper opens: a camera's main and optional sub stream, and how each kind of
source is opened with OpenCV (FFMPEG backend for streams and files, V4L2 for local devices).

Credentials travel inside ``StreamSpec.url`` only as far as the helper process; everything that
may be logged or shown goes through ``redact`` first.
"""

from __future__ import annotations

import importlib
import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import quote, urlsplit, urlunsplit

import cv2
import numpy as np
import numpy.typing as npt

STREAM_KINDS = ("rtsp", "mjpeg", "file", "v4l2")
MAIN, SUB = 0, 1
STREAM_NAMES = {MAIN: "main", SUB: "sub"}

OPEN_TIMEOUT_MS = 5000
READ_TIMEOUT_MS = 5000
# FFmpeg options for network streams, set per helper process before opening (OpenCV reads them
# from the environment): RTSP over TCP, no input buffering, low delay.
RTSP_OPTIONS = "rtsp_transport;tcp|fflags;nobuffer|flags;low_delay|max_delay;500000"
MJPEG_OPTIONS = "fflags;nobuffer|flags;low_delay"


class Capture(Protocol):
    """The part of ``cv2.VideoCapture`` a helper uses; a device fake implements the same."""

    def isOpened(self) -> bool: ...
    def read(self, image: Any = ...) -> tuple[bool, Any]: ...
    def get(self, prop: int) -> float: ...
    def set(self, prop: int, value: float) -> bool: ...
    def release(self) -> None: ...


@dataclass(frozen=True)
class StreamSpec:
    """One stream of a camera. ``url``: rtsp://, http(s):// (MJPEG), a file path or file:// URL,
    or a V4L2 device (/dev/videoN or its number). ``device_factory`` names a callable
    ("module:function") that opens a V4L2 device; empty means OpenCV's V4L2 backend."""

    kind: str
    url: str
    username: str = ""
    password: str = ""
    device_factory: str = ""
    loop: bool = True  # files: play again from the start at the end

    def __post_init__(self) -> None:
        if self.kind not in STREAM_KINDS:
            raise ValueError(f"unknown stream kind {self.kind!r}; expected one of {', '.join(STREAM_KINDS)}")

    @property
    def is_live(self) -> bool:
        return self.kind in ("rtsp", "mjpeg", "v4l2")

    def open_url(self) -> str:
        """The URL with credentials put back in, for the helper's OpenCV call only."""
        if not (self.username or self.password) or self.kind not in ("rtsp", "mjpeg"):
            return self.url
        parts = urlsplit(self.url)
        user = quote(self.username, safe="") + (":" + quote(self.password, safe="") if self.password else "")
        return urlunsplit(parts._replace(netloc=f"{user}@{parts.netloc.rpartition('@')[2]}"))

    def secrets(self) -> list[str]:
        """Every spelling of the credentials that could turn up in a message."""
        found = [s for s in (self.password, quote(self.password, safe="")) if s]
        parts = urlsplit(self.url)
        if parts.password:
            found.append(parts.password)
        return found

    def display_name(self) -> str:
        if self.kind == "file":
            return Path(urlsplit(self.url).path if self.url.startswith("file:") else self.url).name
        return redact_url(self.url)


@dataclass(frozen=True)
class CameraSource:
    """A camera as the capture side sees it: id, name and its streams."""

    camera_id: str
    name: str
    main: StreamSpec
    sub: StreamSpec | None = None
    location: str = ""
    pace_files: bool = True  # play files at their own frame rate (a file camera is "live")
    # Privacy masks: polygons in fractions of the picture, painted black before a frame leaves
    # the helper (video/masks.py).
    masks: tuple[tuple[tuple[float, float], ...], ...] = ()

    def stream(self, which: int) -> StreamSpec:
        return self.sub if which == SUB and self.sub is not None else self.main

    def secrets(self) -> list[str]:
        return [s for spec in (self.main, self.sub) if spec for s in spec.secrets()]


# Up to the last @ before the path: a password typed with a bare @ in it (rtsp://u:p@ss@host)
# is hidden whole, as URL parsers read it, not only up to its first @.
_USERINFO = re.compile(r"(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*://)[^/\s]*@")


def redact_url(url: str) -> str:
    """The URL as it may appear in a log or on screen: any user:password replaced by ***."""
    return _USERINFO.sub(r"\g<scheme>***@", url)


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """Text with URL credentials and every known secret replaced by ***."""
    text = redact_url(text)
    for secret in sorted({s for s in secrets if s}, key=len, reverse=True):
        text = text.replace(secret, "***")
    return text


class SourceError(Exception):
    """A source could not be opened or read; the message is fit for a tile and the log."""


def _file_path(spec: StreamSpec) -> Path:
    parts = urlsplit(spec.url)
    return Path(parts.path) if parts.scheme == "file" else Path(spec.url)


def _check_file(path: Path) -> None:
    if not path.exists():
        raise SourceError(f"video file {path.name} not found")
    if not path.is_file():
        raise SourceError(f"{path.name} is a folder, not a video file")
    if not os.access(path, os.R_OK):
        raise SourceError(f"no permission to read video file {path.name}")


def _device_index(url: str) -> int | str:
    match = re.fullmatch(r"(?:/dev/video)?(\d+)", url.strip())
    return int(match.group(1)) if match else url


def load_factory(dotted: str) -> Callable[[StreamSpec], Capture]:
    module_name, _, attr = dotted.partition(":")
    factory: Callable[[StreamSpec], Capture] = getattr(importlib.import_module(module_name), attr)
    return factory


def open_v4l2(spec: StreamSpec) -> Capture:
    """Open a local capture device with OpenCV's V4L2 backend, asking for MJPEG where offered."""
    capture = cv2.VideoCapture(_device_index(spec.url), cv2.CAP_V4L2)
    if capture.isOpened():
        capture.set(cv2.CAP_PROP_FOURCC, cv2.VideoWriter.fourcc(*"MJPG"))
        capture.set(cv2.CAP_PROP_BUFFERSIZE, 1)
    return capture


def open_capture(spec: StreamSpec) -> Capture:
    """Open one stream; raise SourceError with a message for the tile when it cannot be opened.

    Network options must already be in the environment (``configure_process``)."""
    params = [
        cv2.CAP_PROP_OPEN_TIMEOUT_MSEC,
        OPEN_TIMEOUT_MS,
        cv2.CAP_PROP_READ_TIMEOUT_MSEC,
        READ_TIMEOUT_MS,
        cv2.CAP_PROP_N_THREADS,
        1,
    ]
    if spec.kind == "v4l2":
        capture = load_factory(spec.device_factory)(spec) if spec.device_factory else open_v4l2(spec)
        if not capture.isOpened():
            capture.release()
            raise SourceError(f"capture device {spec.url} could not be opened")
        return capture
    if spec.kind == "file":
        path = _file_path(spec)
        _check_file(path)
        target = str(path)
    else:
        target = spec.open_url()
    try:
        capture = cv2.VideoCapture(target, cv2.CAP_FFMPEG, params)
    except cv2.error as exc:
        raise SourceError(f"the decoder refused {spec.display_name()}: {exc}") from None
    if not capture.isOpened():
        capture.release()
        if spec.kind == "file":
            raise SourceError(f"{spec.display_name()} is not a video this console can play")
        raise SourceError(f"no video from {spec.display_name()} (refused, unreachable or not a video stream)")
    return capture


def ask_for_bgra(capture: Capture, spec: StreamSpec) -> bool:
    """Ask OpenCV's FFMPEG backend to convert each decoded picture straight to BGRA (QImage's
    RGB32 in memory): one conversion from the decoder's YUV instead of YUV to BGR, then BGR to
    BGRA. False where it cannot (V4L2 devices, an OpenCV without it); frames then come as BGR."""
    if spec.kind == "v4l2":
        return False
    try:
        return bool(capture.set(cv2.CAP_PROP_FORMAT, cv2.CV_8UC4))
    except cv2.error:
        return False


def configure_process(spec_kinds: Iterable[str]) -> None:
    """Per-process capture options, set once in a helper before the first open."""
    kinds = set(spec_kinds)
    if "rtsp" in kinds:
        os.environ["OPENCV_FFMPEG_CAPTURE_OPTIONS"] = RTSP_OPTIONS
    elif "mjpeg" in kinds:
        os.environ["OPENCV_FFMPEG_CAPTURE_OPTIONS"] = MJPEG_OPTIONS
    os.environ.setdefault("OPENCV_LOG_LEVEL", "ERROR")
    cv2.setNumThreads(1)


FILL_WITHIN_PX = 3


def fit_size(source_w: int, source_h: int, box_w: int, box_h: int) -> tuple[int, int]:
    """The largest size with the source's aspect ratio inside the box, never larger than the
    source (the GUI scales up; the helper only ever scales down). A reduction that comes within
    FILL_WITHIN_PX of the box's other side is stretched to it: nobody sees a distortion under
    3 px, and the wall then copies the picture into its tile with no margins to fill."""
    if source_w <= 0 or source_h <= 0:
        return 0, 0
    if box_w <= 0 or box_h <= 0:
        return source_w, source_h
    scale = min(box_w / source_w, box_h / source_h, 1.0)
    width, height = max(2, round(source_w * scale)), max(2, round(source_h * scale))
    if scale < 1.0:
        if 0 < box_w - width < FILL_WITHIN_PX and box_w <= source_w:
            width = box_w
        if 0 < box_h - height < FILL_WITHIN_PX and box_h <= source_h:
            height = box_h
    return width, height


Image = npt.NDArray[np.uint8]
