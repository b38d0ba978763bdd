"""Recording: each camera's encoded stream copied into time-indexed segment files without
re-encoding (PyAV demux and remux, original quality), in a process of its own.

The recorder process runs one thread per camera. A thread opens the camera's main stream with
PyAV, waits for a key frame, and writes packets unchanged into a Matroska segment (a truncated
Matroska file stays readable, so a power cut costs at most the last packets). A new segment
starts at the first key frame after the segment length, after a timestamp jump (a file
camera looping), and after a reconnection. Timestamps are rebased to 0 at each segment's first
packet; the wall-clock time of that packet, taken when it arrived, maps the whole segment onto
UTC (start + packet time). The process tells the console what happened through a queue of
plain events; it never touches the database.
"""

from __future__ import annotations

import errno
import hashlib
import logging
import os
import queue
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import av.error

from video.capture_worker import Backoff, redirect_stderr
from video.sources import OPEN_TIMEOUT_MS, READ_TIMEOUT_MS, StreamSpec, redact
from video.supervisor import capture_context, exit_words

log = logging.getLogger(__name__)

SEGMENT_SUFFIX = ".mkv"
PROGRESS_EVERY_S = 5.0
# A timestamp step backwards, or forwards by more than this, starts a new segment.
MAX_TIMESTAMP_JUMP_S = 5.0
DISK_FULL_RETRY_S = 10.0
RECORDABLE_KINDS = ("rtsp", "mjpeg", "file")


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class RecordingJob:
    """One camera to record: its main stream, where segments go and how long each is."""

    camera_key: str
    camera_name: str
    spec: StreamSpec
    segment_seconds: float = 60.0


# --- events (recorder process -> console) -----------------------------------------------------
@dataclass(frozen=True)
class SegmentOpened:
    camera_key: str
    path: str  # relative to the recordings folder
    starts_at: datetime
    codec: str


@dataclass(frozen=True)
class SegmentProgress:
    camera_key: str
    path: str
    ends_at: datetime
    bytes: int
    packets: int


@dataclass(frozen=True)
class SegmentClosed:
    camera_key: str
    path: str
    starts_at: datetime
    ends_at: datetime
    bytes: int
    packets: int
    sha256: str


@dataclass(frozen=True)
class StreamLost:
    """Recording of a camera stopped at ``at``: a gap begins."""

    camera_key: str
    at: datetime
    reason: str


@dataclass(frozen=True)
class StreamBack:
    """Recording of a camera resumed at ``at``: the gap ends."""

    camera_key: str
    at: datetime


RecorderEvent = SegmentOpened | SegmentProgress | SegmentClosed | StreamLost | StreamBack


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def probe_segment(path: Path) -> tuple[float, int] | None:
    """(seconds covered, packets) of a segment file, read packet by packet (a file a recorder
    left open when it died has no duration in its header); None when it cannot be read."""
    try:
        with av.open(str(path)) as container:
            stream = container.streams.video[0]
            tb = stream.time_base or Fraction(1, 1000)
            end, packets = 0.0, 0
            for packet in container.demux(stream):
                if packet.size == 0 or packet.pts is None:
                    continue
                packets += 1
                end = max(end, float((packet.pts + (packet.duration or 0)) * tb))
            return end, packets
    except (av.error.FFmpegError, OSError, IndexError):
        return None


def segment_name(camera_key: str, starts_at: datetime) -> str:
    """``cam01/2026-10-25/cam01_20261025T013000.120Z.mkv``: UTC, so no two hours share a name
    when the clocks go back."""
    stamp = starts_at.astimezone(UTC)
    millis = f"{stamp.microsecond // 1000:03d}"
    return f"{camera_key}/{stamp:%Y-%m-%d}/{camera_key}_{stamp:%Y%m%dT%H%M%S}.{millis}Z{SEGMENT_SUFFIX}"


def open_stream(spec: StreamSpec) -> Any:
    """Open a camera stream for demuxing; av errors are left to the caller to put in words."""
    options: dict[str, str] = {}
    if spec.kind == "rtsp":
        options = {"rtsp_transport": "tcp", "fflags": "nobuffer"}
    target = spec.open_url() if spec.kind in ("rtsp", "mjpeg") else spec.url
    return av.open(target, options=options, timeout=(OPEN_TIMEOUT_MS / 1000, READ_TIMEOUT_MS / 1000))


class SegmentWriter:
    """One open segment file: packets go in unchanged, timestamps rebased to its first packet."""

    def __init__(self, root: Path, camera_key: str, template: Any, first: Any, starts_at: datetime) -> None:
        self.relative = segment_name(camera_key, starts_at)
        self.path = root / self.relative
        counter = 1
        while self.path.exists():  # two starts within a millisecond
            counter += 1
            self.relative = self.relative.removesuffix(SEGMENT_SUFFIX) + f"-{counter}{SEGMENT_SUFFIX}"
            self.path = root / self.relative
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.time_base: Fraction = first.time_base or template.time_base or Fraction(1, 90000)
        self.offset = first.dts if first.dts is not None else first.pts
        # Wall time of local time 0 (a first packet shown after it was decoded: pts > dts).
        lead = float(((self.offset if first.pts is None else first.pts) - self.offset) * self.time_base)
        self.starts_at = starts_at - timedelta(seconds=lead)
        self.container = av.open(str(self.path), "w", format="matroska")
        self.stream = self.container.add_stream_from_template(template)
        self.packets = 0
        self.last_end = 0.0  # seconds of local time covered so far
        self.last_dts: int | None = None
        self.codec = template.codec_context.name if template.codec_context else ""

    def local_seconds(self, packet: Any) -> float:
        return float((packet.pts - self.offset) * self.time_base)

    def write(self, packet: Any) -> None:
        duration = packet.duration or 0
        packet.pts -= self.offset
        packet.dts = (packet.dts - self.offset) if packet.dts is not None else packet.pts
        self.last_dts = packet.dts
        end = float((packet.pts + duration) * self.time_base)
        packet.stream = self.stream
        self.container.mux(packet)
        self.packets += 1
        self.last_end = max(self.last_end, end)

    @property
    def ends_at(self) -> datetime:
        return self.starts_at + timedelta(seconds=self.last_end)

    def size(self) -> int:
        try:
            return self.path.stat().st_size
        except OSError:
            return 0

    def close(self, camera_key: str) -> SegmentClosed:
        self.container.close()
        with self.path.open("rb") as f:
            os.fsync(f.fileno())
        return SegmentClosed(
            camera_key=camera_key,
            path=self.relative,
            starts_at=self.starts_at,
            ends_at=self.ends_at,
            bytes=self.size(),
            packets=self.packets,
            sha256=file_sha256(self.path),
        )


class CameraRecorder:
    """Records one camera until told to stop, reconnecting with capped backoff."""

    def __init__(
        self,
        job: RecordingJob,
        root: Path,
        emit: Callable[[RecorderEvent], None],
        stop: threading.Event,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.job = job
        self.root = root
        self.emit = emit
        self.stop = stop
        self.clock = clock
        self.backoff = Backoff()
        self.segment: SegmentWriter | None = None
        self.lost = True  # until the first segment opens: the gap since the recorder started
        self.last_end: datetime | None = None
        self._progress_at = 0.0
        self._pass: tuple[float, datetime, int] | None = None  # a file pass: monotonic, wall, first pts

    def run(self) -> None:
        self.emit(StreamLost(self.job.camera_key, self.clock(), "recorder starting"))
        while not self.stop.is_set():
            reason = self._record_once()
            self._close_segment()
            if self.stop.is_set():
                break
            if not self.lost:
                self.lost = True
                self.emit(StreamLost(self.job.camera_key, self.last_end or self.clock(), reason))
            delay = DISK_FULL_RETRY_S if "disk" in reason else self.backoff.next_delay()
            log.info("recording %s: %s; retrying in %.0f s", self.job.camera_name, reason, delay)
            self.stop.wait(delay)
        self._close_segment()

    def _words(self, error: BaseException) -> str:
        if isinstance(error, OSError) and error.errno == errno.ENOSPC:
            return "recording disk full"
        text = redact(str(error), self.job.spec.secrets())
        return f"stream lost ({text})" if text else "stream lost"

    def _record_once(self) -> str:
        spec = self.job.spec
        try:
            container = open_stream(spec)
            self._pass = None
        except (av.error.FFmpegError, OSError) as error:
            return self._words(error)
        try:
            if not container.streams.video:
                return "no video in the stream"
            stream = container.streams.video[0]
            while True:
                for packet in container.demux(stream):
                    if self.stop.is_set():
                        return "stopped"
                    if packet.size == 0 or (packet.pts is None and packet.dts is None):
                        continue  # the demuxer's flush packets at the end
                    self._take(stream, packet)
                if not (spec.kind == "file" and spec.loop):
                    return "stream ended"
                # A file camera plays again from the start; the timestamps going back start a
                # new segment, with no gap.
                container.seek(0, stream=stream)
                self._pass = None
        except (av.error.FFmpegError, OSError) as error:
            return self._words(error)
        finally:
            container.close()

    def _take(self, stream: Any, packet: Any) -> None:
        if packet.pts is None:
            packet.pts = packet.dts
        if packet.dts is None:
            packet.dts = packet.pts
        # When this packet was seen: taken before closing the previous segment, which can take
        # a moment (fsync, hash).
        arrived = self._pace_file(packet) if self.job.spec.kind == "file" else self.clock()
        seg = self.segment
        if seg is not None:
            step = float((packet.dts - seg.offset - (seg.last_dts or 0)) * seg.time_base)
            jumped = step < -0.001 or step > MAX_TIMESTAMP_JUMP_S
            full = packet.is_keyframe and seg.local_seconds(packet) >= self.job.segment_seconds
            if jumped or full:
                self._close_segment(raise_errors=True)  # a disk full ends this pass: wait, retry
                seg = None
        if seg is None:
            if not packet.is_keyframe:
                return  # a segment starts on a key frame so that it plays on its own
            seg = self.segment = SegmentWriter(self.root, self.job.camera_key, stream, packet, arrived)
            self.emit(SegmentOpened(self.job.camera_key, seg.relative, seg.starts_at, seg.codec))
            if self.lost:
                self.lost = False
                self.backoff.reset()
                self.emit(StreamBack(self.job.camera_key, seg.starts_at))
        seg.write(packet)
        self.last_end = seg.ends_at
        now = time.monotonic()
        if now - self._progress_at >= PROGRESS_EVERY_S:
            self._progress_at = now
            self.emit(SegmentProgress(self.job.camera_key, seg.relative, seg.ends_at, seg.size(), seg.packets))

    def _pace_file(self, packet: Any) -> datetime:
        """A file camera is recorded at its own rate, as if it were live; returns the wall time
        the packet is due (one clock per pass through the file)."""
        tb = packet.time_base or Fraction(1, 90000)
        if self._pass is None or packet.pts < self._pass[2]:
            self._pass = (time.monotonic(), self.clock(), packet.pts)
        started, wall, first_pts = self._pass
        offset = float((packet.pts - first_pts) * tb)
        wait = started + offset - time.monotonic()
        if wait > 0:
            self.stop.wait(wait)
        return wall + timedelta(seconds=offset)

    def _close_segment(self, raise_errors: bool = False) -> None:
        """Close the open segment. A failure (disk full) is either raised, to end the pass with
        its reason, or told as the stream lost at the segment's end."""
        seg, self.segment = self.segment, None
        if seg is None:
            return
        try:
            closed = seg.close(self.job.camera_key)
        except (av.error.FFmpegError, OSError) as error:
            log.error("recording %s: closing %s failed: %s", self.job.camera_name, seg.relative, error)
            self.last_end = seg.ends_at
            if raise_errors:
                raise
            if not self.lost:
                self.lost = True
                self.emit(StreamLost(self.job.camera_key, seg.ends_at, self._words(error)))
            return
        self.last_end = closed.ends_at
        self.emit(closed)


def recorder_main(jobs: Sequence[RecordingJob], root: str, events: Any, stop: Any, console_pid: int) -> None:
    """Entry point of the recorder process: a thread per camera until ``stop`` is set or the
    console is gone."""
    secrets = [s for job in jobs for s in job.spec.secrets()]
    redirect_stderr(secrets)
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C is for the console, which stops us
    av.logging.set_level(av.logging.ERROR)
    halt = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: halt.set())

    def emit(event: RecorderEvent) -> None:
        events.put(event)

    threads = [
        threading.Thread(target=CameraRecorder(job, Path(root), emit, halt).run, name=f"rec-{job.camera_key}")
        for job in jobs
    ]
    for t in threads:
        t.start()
    while not halt.is_set():
        if stop.wait(0.5):
            break
        try:
            os.kill(console_pid, 0)
        except ProcessLookupError:
            break
        except PermissionError:
            pass
    halt.set()
    for t in threads:
        t.join()


def segments_from_clip(
    clip: Path, root: Path, camera_key: str, start: datetime, end: datetime, segment_seconds: float = 60.0
) -> Iterator[SegmentOpened | SegmentClosed]:
    """Footage of a camera over [start, end) made from a clip (played again as often as needed),
    written exactly as the recorder writes it: for the demo's past nights, tests and benchmarks."""
    cursor = start
    while cursor < end:
        pass_start = cursor
        seg: SegmentWriter | None = None
        with av.open(str(clip)) as source:
            stream = source.streams.video[0]
            tb = stream.time_base or Fraction(1, 90000)
            origin: int | None = None
            for packet in source.demux(stream):
                if packet.size == 0 or packet.pts is None:
                    continue
                origin = packet.pts if origin is None else origin
                at = pass_start + timedelta(seconds=float((packet.pts - origin) * tb))
                if at >= end:
                    break
                if seg is not None and packet.is_keyframe and seg.local_seconds(packet) >= segment_seconds:
                    yield seg.close(camera_key)
                    seg = None
                if seg is None:
                    if not packet.is_keyframe:
                        continue
                    seg = SegmentWriter(root, camera_key, stream, packet, at)
                    yield SegmentOpened(camera_key, seg.relative, seg.starts_at, seg.codec)
                seg.write(packet)
        if seg is None:
            return  # nothing of the clip fits before the end
        yield seg.close(camera_key)
        cursor = seg.ends_at


def drain(events: Any, timeout: float) -> list[RecorderEvent]:
    """Events waiting in the queue (waits up to ``timeout`` for the first)."""
    found: list[RecorderEvent] = []
    try:
        found.append(events.get(timeout=timeout))
        while True:
            found.append(events.get_nowait())
    except queue.Empty:
        pass
    return found


class RecorderProcess:
    """The console's handle on one recorder process: start, events, stop. Restarting a dead
    process is the owner's choice (``alive``, ``exit_words``)."""

    def __init__(self, jobs: Sequence[RecordingJob], root: Path) -> None:
        self.jobs = list(jobs)
        self.root = root
        self._context = capture_context()
        self.events: Any = self._context.Queue()
        self._stop: Any = self._context.Event()
        self._process: Any = None

    def start(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        self._stop.clear()
        self._process = self._context.Process(  # type: ignore[attr-defined]
            target=recorder_main,
            args=(self.jobs, str(self.root), self.events, self._stop, os.getpid()),
            name="sentinel-recorder",
            daemon=True,
        )
        self._process.start()

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def alive(self) -> bool:
        return self._process is not None and self._process.is_alive()

    def exit_words(self) -> str:
        return exit_words(self._process.exitcode if self._process is not None else None)

    def stop(self, timeout: float = READ_TIMEOUT_MS / 1000 + 3.0) -> None:
        """Ask every camera thread to close its segment, then wait; kill only if it hangs."""
        if self._process is None:
            return
        self._stop.set()
        self._process.join(timeout)
        if self._process.is_alive():
            self._process.terminate()
            self._process.join(2.0)
        if self._process.is_alive():
            self._process.kill()
            self._process.join(2.0)
