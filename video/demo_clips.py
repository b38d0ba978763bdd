"""The demo cameras' looping H.264 clips on disk (a main and a sub stream each), encoded from
the synthetic scenes and re-encoded only when the settings or the scene version change."""

from __future__ import annotations

import json
import os
import re
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from functools import partial
from pathlib import Path

import av
import cv2
import numpy as np

from video.demo_scenes import DEMO_SCENE_VERSION, render_scene
from video.demo_streets import DemoCamera

_KEY_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")


@dataclass(frozen=True)
class DemoClip:
    """The two streams of one demo camera, like a real camera's main and sub stream."""

    main: Path
    sub: Path


def demo_clip(folder: Path, key: str) -> DemoClip:
    """Where a demo camera's two clips are kept in ``folder``."""
    return DemoClip(main=folder / f"{key}-main.mp4", sub=folder / f"{key}-sub.mp4")


class DemoClipError(RuntimeError):
    """The demo clips could not be written (disk full, folder not writable, encoder missing)."""


# --------------------------------------------------------------------------------------------
# Demo clips on disk.


def _marker(seconds: float, fps: float, main_size: tuple[int, int], sub_size: tuple[int, int]) -> dict[str, object]:
    return {
        "scene_version": DEMO_SCENE_VERSION,
        "seconds": seconds,
        "fps": fps,
        "main_size": list(main_size),
        "sub_size": list(sub_size),
        "codec": "h264",
    }


def _is_up_to_date(marker_path: Path, expected: dict[str, object], clip: DemoClip) -> bool:
    try:
        stored = json.loads(marker_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return bool(stored == expected and clip.main.is_file() and clip.sub.is_file())


def _write_marker(target: Path, marker: dict[str, object]) -> None:
    target.write_text(json.dumps(marker, indent=2), encoding="utf-8")


def _write_atomically(final: Path, write: Callable[[Path], None]) -> None:
    # Same folder, so os.replace is atomic; a unique name, so two writers never share a temp file.
    temp = final.with_name(f".{final.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.part")
    try:
        write(temp)
        os.replace(temp, final)
    finally:
        temp.unlink(missing_ok=True)


def _encode_clip(
    target: Path,
    camera: DemoCamera,
    frame_count: int,
    fps: float,
    render_size: tuple[int, int],
    size: tuple[int, int],
) -> None:
    rate = Fraction(fps).limit_denominator(1001)
    gop = max(1, round(2.0 * fps))
    loop_seconds = frame_count / fps
    with av.open(str(target), mode="w", format="mp4") as container:
        stream = container.add_stream(
            "libx264",
            rate=rate,
            options={
                "preset": "veryfast",
                "crf": "28",
                # Fixed 2 s GOP and no B-frames, like a typical CCTV camera stream; it keeps later
                # remuxing and seeking simple.
                "x264-params": f"keyint={gop}:min-keyint={gop}:scenecut=0:bframes=0",
            },
        )
        stream.width, stream.height = size
        stream.pix_fmt = "yuv420p"
        stream.codec_context.gop_size = gop
        for index in range(frame_count):
            image = render_scene(camera, index, fps, render_size, loop_seconds=loop_seconds)
            if render_size != size:
                image = np.asarray(cv2.resize(image, size, interpolation=cv2.INTER_AREA), np.uint8)
            frame = av.VideoFrame.from_ndarray(image, format="bgr24")
            frame.pts = index
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))


def _check_size(label: str, size: tuple[int, int]) -> None:
    width, height = size
    if width < 16 or height < 16 or width % 2 or height % 2:
        raise ValueError(f"{label} {size} must be even and at least 16x16 for H.264 yuv420p")


def ensure_demo_clips(
    folder: Path,
    cameras: Sequence[DemoCamera],
    progress: Callable[[int, int, str], None] | None = None,
    seconds: float = 20.0,
    fps: float = 12.5,
    main_size: tuple[int, int] = (640, 360),
    sub_size: tuple[int, int] = (320, 180),
) -> dict[str, DemoClip]:
    """Make sure ``folder`` holds looping H.264 main and sub clips for each camera.

    Blocking (seconds of CPU per camera): call it from a worker, not the GUI thread. Clips
    already made with the same settings and scene version are kept. ``progress(done, total,
    message)`` is called before each file is encoded (``total`` counts files, two per camera)
    and once more with ``done == total`` at the end. Raises DemoClipError if a clip cannot be
    written; files already finished stay valid.
    """
    if seconds <= 0 or fps <= 0:
        raise ValueError(f"seconds and fps must be positive, got {seconds} and {fps}")
    _check_size("main_size", main_size)
    _check_size("sub_size", sub_size)
    keys = [camera.key for camera in cameras]
    for key in keys:
        if not _KEY_PATTERN.match(key):
            raise ValueError(f"demo camera key {key!r} cannot be used in a file name")
    if len(set(keys)) != len(keys):
        raise ValueError(f"demo camera keys must be unique: {keys}")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DemoClipError(f"Cannot create the demo video folder {folder}: {exc.strerror or exc}") from exc

    frame_count = max(1, int(seconds * fps + 0.5))
    expected = _marker(seconds, fps, main_size, sub_size)
    total = 2 * len(cameras)
    done = 0
    clips: dict[str, DemoClip] = {}
    for number, camera in enumerate(cameras, start=1):
        clip = demo_clip(folder, camera.key)
        clips[camera.key] = clip
        marker_path = folder / f"{camera.key}-clips.json"
        if _is_up_to_date(marker_path, expected, clip):
            done += 2
            continue
        message = f"Encoding demo camera {number} of {len(cameras)}: {camera.name}"
        try:
            marker_path.unlink(missing_ok=True)
            for path, size in ((clip.main, main_size), (clip.sub, sub_size)):
                if progress is not None:
                    progress(done, total, message)
                _write_atomically(
                    path,
                    partial(
                        _encode_clip, camera=camera, frame_count=frame_count, fps=fps, render_size=main_size, size=size
                    ),
                )
                done += 1
            _write_atomically(marker_path, partial(_write_marker, marker=expected))
        except (av.FFmpegError, OSError, ValueError) as exc:
            reason = getattr(exc, "strerror", None) or str(exc)
            raise DemoClipError(f"Cannot write the demo video for camera {camera.name} in {folder}: {reason}") from exc
    if progress is not None:
        progress(total, total, "Demo cameras ready")
    return clips
