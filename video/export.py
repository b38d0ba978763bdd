"""Evidence clips from recorded segments: the master (the recorded packets copied bit for bit,
never transcoded) and the working copy (H.264 MP4 with camera, date-time and exhibit reference
burned in). Pure media work on files; the console decides what to export and records it.

Times are UTC wall-clock: a segment's packet at local time t was seen at starts_at + t.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import av.error
import cv2
import numpy as np
import numpy.typing as npt

from video.masks import Polygon, PrivacyMasks

# Segments closer than this follow on from each other in one master file; a wider gap starts
# a new file (the camera was lost, or the recorder stopped).
RUN_TOLERANCE_S = 0.5
OUT_TIME_BASE = Fraction(1, 1000)
CANCEL_CHECK_EVERY = 25

Progress = Callable[[float], None]
Cancelled = Callable[[], bool]


class ExportCancelled(Exception):
    """The operator cancelled the export."""


class ExportMediaError(Exception):
    """A segment could not be read or the clip could not be written (said in one sentence)."""


@dataclass(frozen=True)
class SegmentFile:
    path: Path
    starts_at: datetime
    ends_at: datetime


@dataclass(frozen=True)
class ClipPart:
    """One continuous stretch of a camera's footage written to one file."""

    path: Path
    starts_at: datetime
    ends_at: datetime
    packets: int
    frames: int = 0


def continuous_runs(segments: Sequence[SegmentFile], tolerance_s: float = RUN_TOLERANCE_S) -> list[list[SegmentFile]]:
    """Segments (oldest first) grouped into runs that follow on without a gap."""
    runs: list[list[SegmentFile]] = []
    for seg in sorted(segments, key=lambda s: s.starts_at):
        if runs and (seg.starts_at - runs[-1][-1].ends_at).total_seconds() <= tolerance_s:
            runs[-1].append(seg)
        else:
            runs.append([seg])
    return runs


def _wall(seg: SegmentFile, ts: int, tb: Fraction) -> datetime:
    return seg.starts_at + timedelta(seconds=float(ts * tb))


def _check(cancelled: Cancelled | None, count: int) -> None:
    if cancelled is not None and count % CANCEL_CHECK_EVERY == 0 and cancelled():
        raise ExportCancelled


def write_master(
    run: Sequence[SegmentFile],
    start: datetime,
    end: datetime,
    out: Path,
    progress: Progress | None = None,
    cancelled: Cancelled | None = None,
) -> ClipPart | None:
    """Copy the packets of ``run`` that show [start, end) into ``out`` (Matroska), unchanged.

    It begins at the last key frame at or before ``start`` so that the clip plays from its
    first frame; its timestamps count from that key frame. None when nothing of the run falls
    in the range."""
    output: Any = None
    out_stream: Any = None
    first_wall: datetime | None = None
    last_wall = start
    written = 0
    pending: list[tuple[Any, datetime, datetime]] = []  # from the last key frame, until ``start``
    span = max((end - start).total_seconds(), 1e-6)
    finished = False
    try:
        for seg in run:
            if finished:
                break
            try:
                source = av.open(str(seg.path))
            except (av.error.FFmpegError, OSError) as error:
                raise ExportMediaError(f"recording {seg.path.name} cannot be read: {error}") from error
            with source:
                stream = source.streams.video[0]
                tb = stream.time_base or OUT_TIME_BASE
                for packet in source.demux(stream):
                    if packet.size == 0 or packet.pts is None:
                        continue
                    wall = _wall(seg, packet.pts, tb)
                    if wall >= end:
                        finished = True
                        break
                    item = (packet, wall, _wall(seg, packet.dts if packet.dts is not None else packet.pts, tb))
                    if first_wall is None:
                        if packet.is_keyframe:
                            pending = []
                        elif not pending:
                            continue  # no key frame yet: nothing before one can be shown
                        pending.append(item)
                        if wall < start:
                            continue
                        output = av.open(str(out), "w", format="matroska")
                        out_stream = output.add_stream_from_template(stream)
                        first_wall = pending[0][1]
                        batch, pending = pending, []
                    else:
                        batch = [item]
                    for held, held_wall, held_dts in batch:
                        duration = float((held.duration or 0) * tb)
                        _mux(output, out_stream, held, held_wall, held_dts, first_wall)
                        written += 1
                        last_wall = max(last_wall, held_wall + timedelta(seconds=duration))
                    _check(cancelled, written)
                    if progress is not None and written % CANCEL_CHECK_EVERY == 0:
                        progress(min(1.0, (wall - start).total_seconds() / span))
        if output is not None:
            output.close()
            output = None
    finally:
        if output is not None:  # an error or a cancel on the way: no half clip left behind
            output.close()
            out.unlink(missing_ok=True)
    if first_wall is None:
        return None
    return ClipPart(out, first_wall, last_wall, written)


def _mux(output: Any, stream: Any, packet: Any, wall: datetime, dts_wall: datetime, origin: datetime) -> None:
    duration = packet.duration
    tb = packet.time_base
    packet.pts = round((wall - origin).total_seconds() / OUT_TIME_BASE)
    packet.dts = round((dts_wall - origin).total_seconds() / OUT_TIME_BASE)
    packet.duration = round(float((duration or 0) * tb) / OUT_TIME_BASE)
    packet.time_base = OUT_TIME_BASE
    packet.stream = stream
    output.mux(packet)


def ascii_text(text: str) -> str:
    """What OpenCV's burned-in font can draw: accents folded away, anything else as '?'."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return "".join(c if 32 <= ord(c) < 127 else "?" for c in folded) or "?"


def burn_in(picture: npt.NDArray[np.uint8], width: int, height: int, lines: Sequence[str]) -> None:
    """Draw ``lines`` in white on a dark grey band across the top of a planar YUV 4:2:0 picture
    (PyAV's layout: the Y plane, then U and V each folded into rows of ``width``), as large as the
    picture's height suggests and never wider than the picture. Working on the planes spares two
    colour conversions a frame."""
    font = cv2.FONT_HERSHEY_SIMPLEX
    texts = [ascii_text(line) for line in lines]
    widest = max(cv2.getTextSize(t, font, 1.0, 1)[0][0] for t in texts)
    scale = min(max(0.45, 0.8 * height / 720), 0.94 * width / max(widest, 1))
    thickness = 1 if scale < 0.8 else 2
    line_h = int(cv2.getTextSize("Ag", font, scale, thickness)[0][1] * 1.7) + 2
    band = min(height, line_h * len(texts) + line_h // 3)
    luma = picture[:height]
    cv2.convertScaleAbs(luma[:band], luma[:band], 0.3, 11)  # darker, in place
    chroma_rows = -(-band // 4)  # the band's chroma rows in the folded planes, rounded up
    picture[height : height + chroma_rows] = 128  # U: no colour
    picture[height + height // 4 : height + height // 4 + chroma_rows] = 128  # V: no colour
    for i, line in enumerate(texts):
        y = line_h * (i + 1) - line_h // 4
        cv2.putText(luma, line, (max(2, int(0.02 * width)), y), font, scale, 235, thickness, cv2.LINE_AA)


def yuv420_planes(
    picture: npt.NDArray[np.uint8], width: int, height: int
) -> tuple[npt.NDArray[np.uint8], npt.NDArray[np.uint8], npt.NDArray[np.uint8]]:
    """Views of the Y, U and V planes of a planar YUV 4:2:0 picture in PyAV's layout (the Y plane,
    then U and V each folded into rows of ``width``)."""
    quarter = height // 4
    chroma = (height // 2, width // 2)
    return (
        picture[:height],
        picture[height : height + quarter].reshape(chroma),
        picture[height + quarter : height + 2 * quarter].reshape(chroma),
    )


def write_working_copy(
    master: ClipPart,
    start: datetime,
    out: Path,
    overlay: Callable[[datetime], Sequence[str]],
    progress: Progress | None = None,
    cancelled: Cancelled | None = None,
    crf: int = 23,
    preset: str = "superfast",
    masks: Sequence[Polygon] = (),
) -> ClipPart:
    """Decode the master and encode an H.264 MP4 from ``start`` on, each frame with the camera's
    privacy masks blacked out and the lines ``overlay(frame's UTC time)`` burned in."""
    privacy = PrivacyMasks(masks)
    span = max((master.ends_at - start).total_seconds(), 1e-6)
    frames = 0
    first: datetime | None = None
    last = start
    done = False
    try:
        with (
            av.open(str(master.path)) as source,
            av.open(str(out), "w", format="mp4", options={"movflags": "+faststart"}) as output,
        ):
            stream = source.streams.video[0]
            stream.thread_type = "AUTO"
            tb = stream.time_base or OUT_TIME_BASE
            encoder: Any = None
            for frame in source.decode(stream):
                if frame.pts is None:
                    continue
                wall = master.starts_at + timedelta(seconds=float(frame.pts * tb))
                if wall < start:
                    continue
                if encoder is None:
                    encoder = output.add_stream("libx264", rate=_rate(stream))
                    encoder.width, encoder.height = frame.width - frame.width % 2, frame.height - frame.height % 2
                    encoder.pix_fmt = "yuv420p"
                    encoder.time_base = OUT_TIME_BASE
                    encoder.options = {"crf": str(crf), "preset": preset}
                    first = wall
                if (frame.width, frame.height, frame.format.name) != (encoder.width, encoder.height, "yuv420p"):
                    frame = frame.reformat(width=encoder.width, height=encoder.height, format="yuv420p")
                planes = np.asarray(frame.to_ndarray(), dtype=np.uint8)
                if privacy:
                    privacy.apply_yuv420(yuv420_planes(planes, encoder.width, encoder.height))
                burn_in(planes, encoder.width, encoder.height, overlay(wall))
                picture = av.VideoFrame.from_ndarray(planes, format="yuv420p")
                picture.pts = round((wall - first).total_seconds() / OUT_TIME_BASE) if first else 0
                picture.time_base = OUT_TIME_BASE
                for packet in encoder.encode(picture):
                    output.mux(packet)
                frames += 1
                last = wall
                _check(cancelled, frames)
                if progress is not None and frames % CANCEL_CHECK_EVERY == 0:
                    progress(min(1.0, (wall - start).total_seconds() / span))
            if encoder is not None:
                for packet in encoder.encode(None):
                    output.mux(packet)
        done = True
    finally:
        if not done:
            out.unlink(missing_ok=True)
    if first is None:
        out.unlink(missing_ok=True)
        raise ExportMediaError(f"no frames of {master.path.name} fall in the range")
    return ClipPart(out, first, last, frames, frames)


def _rate(stream: Any) -> Fraction:
    rate = stream.average_rate or stream.guessed_rate
    return Fraction(rate) if rate else Fraction(25)


def clip_packets(path: Path) -> list[bytes]:
    """The payload of every video packet of a file, in order (for checks and tests)."""
    with av.open(str(path)) as c:
        return [bytes(p) for p in c.demux(c.streams.video[0]) if p.size]
