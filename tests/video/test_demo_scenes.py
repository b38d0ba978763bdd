"""The synthetic demo scenes look alive, differ per camera, loop, and become playable H.264 clips."""

from __future__ import annotations

import json
from pathlib import Path

import av
import numpy as np
import pytest

from video.demo_clips import DemoClipError, ensure_demo_clips
from video.demo_scenes import render_scene
from video.demo_streets import DEMO_CAMERAS, DemoCamera

CAMERA = DemoCamera("cam01", "Station Approach", 11)
OTHER = DemoCamera("cam02", "Park St", 41)
FPS = 12.5
SIZE = (640, 360)


def _difference(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.abs(a.astype(np.int16) - b.astype(np.int16)).mean())


def test_render_scene_returns_a_bgr_picture_of_the_requested_size() -> None:
    image = render_scene(CAMERA, 0, FPS, (320, 180))

    assert image.shape == (180, 320, 3)
    assert image.dtype == np.uint8
    # Night-time but readable: dark on average, with bright lights somewhere.
    assert 15 < image.mean() < 110
    assert image.max() > 200


def test_things_move_between_frames() -> None:
    first = render_scene(CAMERA, 0, FPS, SIZE)
    later = render_scene(CAMERA, 5, FPS, SIZE)

    changed = np.any(first != later, axis=2)
    # Below the OSD line, so the clock alone cannot satisfy this.
    assert changed[40:].mean() > 0.005


def test_each_camera_shows_a_different_street() -> None:
    assert _difference(render_scene(CAMERA, 0, FPS, SIZE), render_scene(OTHER, 0, FPS, SIZE)) > 5.0
    backgrounds = {render_scene(camera, 0, FPS, (160, 90)).tobytes() for camera in DEMO_CAMERAS}
    assert len(backgrounds) == len(DEMO_CAMERAS)


@pytest.mark.parametrize("loop_seconds", [2.0, 20.0])
def test_the_scene_loops_exactly_over_the_clip_length(loop_seconds: float) -> None:
    loop_frames = round(loop_seconds * FPS)
    start = render_scene(CAMERA, 0, FPS, SIZE, loop_seconds=loop_seconds)
    wrapped = render_scene(CAMERA, loop_frames, FPS, SIZE, loop_seconds=loop_seconds)
    last = render_scene(CAMERA, loop_frames - 1, FPS, SIZE, loop_seconds=loop_seconds)

    # The clock is part of the loop too, so the wrap is pixel-identical...
    assert np.array_equal(start, wrapped)
    # ...and the last frame of the loop leads into the first like any other pair of frames.
    assert 0 < _difference(last, start) < 3.0


def test_render_scene_leaves_the_cached_background_untouched() -> None:
    first = render_scene(CAMERA, 3, FPS, SIZE)
    first[:] = 0  # a caller may scribble on its own frame

    assert render_scene(CAMERA, 3, FPS, SIZE).max() > 0


def _probe(path: Path) -> tuple[str, int, int, int]:
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        frames = sum(1 for _ in container.decode(stream))
        return stream.codec_context.name, stream.width, stream.height, frames


def test_ensure_demo_clips_writes_h264_main_and_sub_streams_once(tmp_path: Path) -> None:
    cameras = [CAMERA, OTHER]
    calls: list[tuple[int, int, str]] = []

    clips = ensure_demo_clips(
        tmp_path,
        cameras,
        lambda done, total, message: calls.append((done, total, message)),
        seconds=2.0,
        fps=FPS,
        main_size=(320, 180),
        sub_size=(160, 90),
    )

    assert set(clips) == {"cam01", "cam02"}
    assert clips["cam02"].main == tmp_path / "cam02-main.mp4"
    assert clips["cam02"].sub == tmp_path / "cam02-sub.mp4"
    for clip in clips.values():
        assert _probe(clip.main) == ("h264", 320, 180, 25)
        assert _probe(clip.sub) == ("h264", 160, 90, 25)
    assert calls[0] == (0, 4, "Encoding demo camera 1 of 2: Station Approach")
    assert (2, 4, "Encoding demo camera 2 of 2: Park St") in calls
    assert calls[-1][:2] == (4, 4)
    assert not list(tmp_path.glob("*.part")), "temporary files left behind"

    mtimes = {path: path.stat().st_mtime_ns for path in tmp_path.iterdir()}
    calls.clear()
    again = ensure_demo_clips(
        tmp_path,
        cameras,
        lambda done, total, message: calls.append((done, total, message)),
        seconds=2.0,
        fps=FPS,
        main_size=(320, 180),
        sub_size=(160, 90),
    )

    assert again == clips
    assert {path: path.stat().st_mtime_ns for path in tmp_path.iterdir()} == mtimes
    assert calls == [(4, 4, "Demo cameras ready")]


def test_changed_settings_or_a_missing_file_re_encode(tmp_path: Path) -> None:
    clips = ensure_demo_clips(tmp_path, [CAMERA], seconds=1.0, main_size=(160, 90), sub_size=(80, 46))
    clips["cam01"].sub.unlink()

    ensure_demo_clips(tmp_path, [CAMERA], seconds=1.0, main_size=(160, 90), sub_size=(80, 46))
    assert _probe(clips["cam01"].sub) == ("h264", 80, 46, 13)  # 1 s at 12.5 fps rounds up

    ensure_demo_clips(tmp_path, [CAMERA], seconds=2.0, main_size=(160, 90), sub_size=(80, 46))
    assert _probe(clips["cam01"].main) == ("h264", 160, 90, 25)
    marker = json.loads((tmp_path / "cam01-clips.json").read_text(encoding="utf-8"))
    assert marker["seconds"] == 2.0


def test_an_unwritable_folder_gives_a_demo_clip_error(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x", encoding="utf-8")

    with pytest.raises(DemoClipError, match="demo video folder"):
        ensure_demo_clips(blocker / "clips", [CAMERA], seconds=1.0)


def test_bad_camera_keys_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="file name"):
        ensure_demo_clips(tmp_path, [DemoCamera("../escape", "Bad", 1)], seconds=1.0)
