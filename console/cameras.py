"""Turns the operation's cameras into capture sources for the wall's helper processes.

Demo cameras play the project's own encoded clips (main and sub stream) like file cameras;
stream cameras get their credentials from the database here, and from here on only the capture
helper sees them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from urllib.parse import urlsplit

from console.types import CameraView
from video.demo_clips import DemoClip, ensure_demo_clips
from video.demo_streets import DemoCamera
from video.sources import CameraSource, StreamSpec
from video.supervisor import CaptureSupervisor


def demo_cameras(cameras: Sequence[CameraView]) -> list[DemoCamera]:
    return [DemoCamera(key=c.key, name=c.name, seed=i + 1) for i, c in enumerate(cameras) if c.kind == "demo"]


def prepare_demo_clips(
    folder: Path, cameras: Sequence[CameraView], progress: Callable[[int, int, str], None] | None = None
) -> dict[str, DemoClip]:
    """Encode the demo cameras' clips once (first run); later runs find them ready."""
    return ensure_demo_clips(folder, demo_cameras(cameras), progress)


class CameraSetupError(ValueError):
    """A camera's record cannot become a source (said in one sentence, camera named)."""


def _file_url(url: str) -> str:
    parts = urlsplit(url)
    return parts.path if parts.scheme == "file" else url


def camera_source(
    camera: CameraView, clips: dict[str, DemoClip], credentials: tuple[str, str] | None = None
) -> CameraSource:
    user, password = credentials or ("", "")
    sub: StreamSpec | None
    if camera.kind == "demo":
        clip = clips.get(camera.key)
        if clip is None:
            raise CameraSetupError(f"demo camera {camera.name} has no clip")
        main, sub = StreamSpec("file", str(clip.main)), StreamSpec("file", str(clip.sub))
    elif camera.kind == "file":
        main = StreamSpec("file", _file_url(camera.main_url))
        sub = StreamSpec("file", _file_url(camera.sub_url)) if camera.sub_url else None
    elif camera.kind in ("rtsp", "mjpeg", "v4l2"):
        main = StreamSpec(camera.kind, camera.main_url, user, password)
        sub = StreamSpec(camera.kind, camera.sub_url, user, password) if camera.sub_url else None
    else:
        raise CameraSetupError(f"camera {camera.name} has an unknown kind {camera.kind!r}")
    return CameraSource(camera.key, camera.name, main, sub, location=camera.location, masks=camera.masks)


def build_supervisor(
    cameras: Sequence[CameraView],
    clips: dict[str, DemoClip],
    credentials: dict[str, tuple[str, str]],
) -> CaptureSupervisor:
    return CaptureSupervisor(camera_source(c, clips, credentials.get(c.key)) for c in cameras)
