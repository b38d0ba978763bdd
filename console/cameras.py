"""Turns the operation's cameras into live feeds for the wall. The foundation plays demo and
file cameras with a looping file source; stream cameras arrive with the video-wall issue."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

from console.types import CameraView
from video.demo_scenes import DemoCamera, DemoClip, ensure_demo_clips
from video.file_source import LoopingFileSource
from video.frame import Frame, SourceHealth

STALLED_AFTER_S = 3.0


class CameraFeed:
    """One camera on the wall: its source's newest frame and its health in words."""

    def __init__(self, camera: CameraView, source: LoopingFileSource | None, unavailable: str = "") -> None:
        self.camera = camera
        self.source = source
        self._unavailable = unavailable

    @property
    def camera_name(self) -> str:
        return self.camera.name

    @property
    def location(self) -> str:
        return self.camera.location

    def latest(self) -> Frame | None:
        return self.source.slot.latest() if self.source else None

    def _stalled(self) -> bool:
        frame = self.latest()
        return frame is not None and (datetime.now(UTC) - frame.captured_at).total_seconds() > STALLED_AFTER_S

    def is_live(self) -> bool:
        return self.source is not None and self.source.health == SourceHealth.LIVE and not self._stalled()

    def health_words(self) -> str:
        if self.source is None:
            return self._unavailable
        if self.source.health == SourceHealth.LIVE and self._stalled():
            return "stalled"
        message = self.source.health_message
        if self.source.health in (SourceHealth.LIVE, SourceHealth.CONNECTING) or not message:
            return self.source.health.value
        return f"{self.source.health.value}: {message}"

    def start(self) -> None:
        if self.source:
            self.source.start()

    def stop(self) -> None:
        if self.source:
            self.source.stop()


def demo_cameras(cameras: Sequence[CameraView]) -> list[DemoCamera]:
    return [DemoCamera(key=c.key, name=c.name, seed=i + 1) for i, c in enumerate(cameras) if c.kind == "demo"]


def prepare_demo_clips(
    folder: Path, cameras: Sequence[CameraView], progress: Callable[[int, int, str], None] | None = None
) -> dict[str, DemoClip]:
    """Encode the demo cameras' clips once (first run); later runs find them ready."""
    return ensure_demo_clips(folder, demo_cameras(cameras), progress)


def build_feeds(cameras: Sequence[CameraView], clips: dict[str, DemoClip]) -> list[CameraFeed]:
    feeds = []
    for camera in cameras:
        path = _playable_path(camera, clips)
        if path is None:
            feeds.append(CameraFeed(camera, None, f"{camera.kind} cameras are not on the wall yet"))
        else:
            feeds.append(CameraFeed(camera, LoopingFileSource(camera.key, path)))
    return feeds


def _playable_path(camera: CameraView, clips: dict[str, DemoClip]) -> Path | None:
    """The foundation wall plays the main stream (the video-wall issue switches to sub streams
    for small tiles)."""
    url = camera.main_url
    if camera.kind == "demo":
        clip = clips.get(camera.key)
        if clip is None:
            return None
        return clip.main if urlsplit(url).path.endswith("/main") else clip.sub
    if camera.kind == "file":
        parts = urlsplit(url)
        return Path(parts.path) if parts.scheme in ("", "file") else None
    return None
