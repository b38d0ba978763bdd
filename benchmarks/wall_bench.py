"""Video wall benchmark: N cameras through the real capture helpers onto a 1920x1080 VideoWall.

Run from the repository root (``benchmarks/video_wall.py`` is the entry point, kept import-free
so capture helpers do not load Qt when multiprocessing imports the main module in them)::

    python -m benchmarks.video_wall --feeds 16 --source file --resolution d1 --sub-stream 360p --seconds 30 --json

Clips are synthetic (ffmpeg ``testsrc2`` with temporal noise, or ``--footage FILE`` re-encoded),
H.264 main profile, 25 fps, a key frame every second, no B-frames, at a stated bitrate
(360p 512, D1 1536, 720p 3072 kbit/s unless ``--bitrate``), made once into ``--cache-dir``.
Cameras are file sources (paced at 25 fps by their helpers) or RTSP mounts of one local
GStreamer server (``tests/servers/rtsp_server.py``, one mount per camera and stream).

The wall is shown as a top-level 1920x1080 window under a private Xvfb when /usr/bin/Xvfb
exists (xcb platform), else with the offscreen platform. After ``--warmup`` seconds it measures
for ``--seconds``: per tile the captured and painted frame rates and capture-to-paint latency,
the GUI event loop's stalls (a 10 ms probe timer), the CPU (cores) and memory (RSS and PSS) of
the console process, the multiprocessing fork server and every capture helper. Then, with the
wall closed, a bare decoder (one ``cv2.VideoCapture(..., CAP_FFMPEG, [N_THREADS, 1]).read()``
thread per stream, same streams as the tiles used, in a child process) gives the baseline CPU
and ``cpu_ratio`` = wall CPU / baseline CPU. ``--restart-test`` (rtsp) stops the server, waits
until every tile says "lost", starts it again on the same port and times the first new frame
painted on every tile. Everything started here is stopped at the end, also on Ctrl+C.

CPU figures: ``cpu_cores.wall_total`` is the console process + fork server + resource tracker +
helpers (utime+stime from /proc over the window); the X server and the RTSP server are reported
beside it, not in it. ``outside_benchmark`` (other processes) and ``steal`` (the hypervisor) tell
whether the machine was shared during the window: above 0.2 cores the result says "disturbed"
and the run should be repeated. ``--profile FILE`` adds a cProfile of the GUI thread in CPU time
(it slows that thread: do not use the profiled run's figures). Exit code 3 when a target fails.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import gc
import json
import logging
import math
import os
import platform
import pstats
import select
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import Any

import cv2
import PySide6
from PySide6.QtCore import QEventLoop, Qt, QTimer, qVersion
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication

from tests.servers.rtsp_server import RtspServer, RtspServerError
from video.sources import RTSP_OPTIONS, CameraSource, StreamSpec
from video.supervisor import CameraFeed, CaptureSupervisor
from widgets.tile_feed import WallFrame
from widgets.video_tile import VideoTile
from widgets.video_wall import LAYOUTS, VideoWall

ROOT = Path(__file__).resolve().parents[1]
RESOLUTIONS = {"360p": (640, 360), "d1": (704, 576), "720p": (1280, 720)}
BITRATE_KBPS = {"360p": 512, "d1": 1536, "720p": 3072}
FPS = 25
WALL_W, WALL_H = 1920, 1080
PROBE_MS = 10
SUPERVISOR_POLL_MS = 250
XVFB = "/usr/bin/Xvfb"
FIRST_FRAME_TIMEOUT_S = 60.0
LOST_TIMEOUT_S = 30.0
BACK_TIMEOUT_S = 30.0
DISTURBED_CORES = 0.2  # CPU used by processes outside the benchmark above this: numbers suspect
CLK_TCK = os.sysconf("SC_CLK_TCK")

log = logging.getLogger("video_wall_bench")


@dataclass(frozen=True)
class Target:
    name: str
    feeds: int
    layout: str
    resolution: str | None  # None: any
    sub_stream: str | None
    min_painted_fps: float
    max_latency_p95_ms: float
    max_stall_p99_ms: float
    max_cores: float | None = None
    max_cpu_ratio: float | None = None


TARGETS = (
    Target("16 cameras, 640x360 sub streams, 4x4", 16, "4x4", None, "360p", 24, 150, 50, 1.0, 1.3),
    Target("9 cameras, 704x576 main streams, 3x3", 9, "3x3", "d1", None, 24, 150, 50),
    Target("16 cameras, 704x576 main streams, 4x4", 16, "4x4", "d1", None, 20, 250, 50),
)
RESTART_TARGET_S = 5.0


class BenchError(RuntimeError):
    """The benchmark could not run (a clip could not be made, a server did not start)."""


# --- small measuring helpers --------------------------------------------------------------------


def _pct(values: Sequence[float], q: float) -> float | None:
    if not values:
        return None
    if len(values) == 1:
        return float(values[0])
    return float(statistics.quantiles(values, n=1000, method="inclusive")[round(q * 10) - 1])


def _r(value: float | None, digits: int = 1) -> float | None:
    return None if value is None or math.isnan(value) else round(value, digits)


def _read(path: str) -> str | None:
    try:
        return Path(path).read_text()
    except OSError:
        return None


def _stat_fields(pid: int, tid: int | None = None) -> list[str] | None:
    """Fields of /proc/PID/stat after the command name (field 3, the state, is index 0)."""
    text = _read(f"/proc/{pid}/task/{tid}/stat" if tid is not None else f"/proc/{pid}/stat")
    if text is None:
        return None
    return text[text.rindex(")") + 2 :].split()


def cpu_ticks(pid: int, tid: int | None = None) -> int | None:
    fields = _stat_fields(pid, tid)
    return int(fields[11]) + int(fields[12]) if fields else None  # utime + stime


def parent_pid(pid: int) -> int | None:
    fields = _stat_fields(pid)
    return int(fields[1]) if fields else None


def _comm(pid: int, tid: int | None = None) -> str:
    text = _read(f"/proc/{pid}/task/{tid}/comm" if tid is not None else f"/proc/{pid}/comm")
    return (text or "?").strip()


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode("utf-8", "replace")
    except OSError:
        return ""


def children(pid: int) -> list[int]:
    found: list[int] = []
    with contextlib.suppress(OSError):
        for task in os.listdir(f"/proc/{pid}/task"):
            text = _read(f"/proc/{pid}/task/{task}/children") or ""
            found += [int(c) for c in text.split()]
    return found


def machine_ticks() -> tuple[int, int]:
    """Busy ticks of the whole machine (all but idle, iowait and steal) and steal ticks (the
    hypervisor ran someone else on our CPUs), from /proc/stat."""
    values = [int(v) for v in (_read("/proc/stat") or "cpu 0 0 0 0").splitlines()[0].split()[1:]]
    values += [0] * (8 - len(values))
    steal = values[7]
    return sum(values[:8]) - values[3] - values[4] - steal, steal


def all_process_ticks() -> dict[int, int]:
    found: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit() and (ticks := cpu_ticks(int(entry))) is not None:
            found[int(entry)] = ticks
    return found


def _status_kb(pid: int, key: str) -> int:
    for line in (_read(f"/proc/{pid}/status") or "").splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    return 0


def _pss_kb(pid: int) -> int:
    for line in (_read(f"/proc/{pid}/smaps_rollup") or "").splitlines():
        if line.startswith("Pss:"):
            return int(line.split()[1])
    return 0


def memory(pids: dict[int, str]) -> dict[str, Any]:
    """Sum of VmRSS and of PSS over the processes (MiB), and per role."""
    by_role: dict[str, dict[str, float]] = {}
    rss = pss = 0
    for pid, role in pids.items():
        r, p = _status_kb(pid, "VmRSS"), _pss_kb(pid)
        rss, pss = rss + r, pss + p
        entry = by_role.setdefault(role, {"processes": 0, "rss_mib": 0.0, "pss_mib": 0.0})
        entry["processes"] += 1
        entry["rss_mib"] += r / 1024
        entry["pss_mib"] += p / 1024
    for entry in by_role.values():
        entry["rss_mib"], entry["pss_mib"] = round(entry["rss_mib"], 1), round(entry["pss_mib"], 1)
    return {"rss_mib": round(rss / 1024, 1), "pss_mib": round(pss / 1024, 1), "by_role": by_role}


def machine_info() -> dict[str, Any]:
    cpuinfo = _read("/proc/cpuinfo") or ""
    model = next((ln.split(":", 1)[1].strip() for ln in cpuinfo.splitlines() if ln.startswith("model name")), "?")
    mem_kb = next(
        (int(ln.split()[1]) for ln in (_read("/proc/meminfo") or "").splitlines() if ln.startswith("MemTotal")), 0
    )
    return {
        "cores": os.cpu_count(),
        "model_name": model,
        "ram_gib": round(mem_kb / 1024 / 1024, 1),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "pyside6": PySide6.__version__,
        "qt": qVersion(),
        "opencv": cv2.__version__,
        "loadavg_at_start": (_read("/proc/loadavg") or "").split()[:3],
        "git": git_state(),
    }


def git_state() -> dict[str, Any] | None:
    """The commit measured and the files changed on top of it (the numbers belong to both)."""
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, timeout=10, check=True
        ).stdout.strip()
        status = subprocess.run(
            ["git", "status", "--porcelain"], cwd=ROOT, capture_output=True, text=True, timeout=10, check=True
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    return {"commit": commit, "changed": [line[3:] for line in status.splitlines()]}


# --- clips --------------------------------------------------------------------------------------


def make_clip(cache: Path, resolution: str, kbps: int, seconds: int, footage: Path | None) -> Path:
    """An H.264 MP4 (main profile, 25 fps, key frame every second, no B-frames), made once."""
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        raise BenchError("ffmpeg not found on PATH (scripts/setup-system.sh installs it)")
    width, height = RESOLUTIONS[resolution]
    origin = f"footage-{footage.stem}" if footage else "noise"
    clip = cache / f"wall-{width}x{height}-{FPS}fps-{kbps}k-{seconds}s-{origin}.mp4"
    if clip.exists():
        return clip
    cache.mkdir(parents=True, exist_ok=True)
    if footage is not None:
        source = ["-stream_loop", "-1", "-i", str(footage), "-t", str(seconds)]
        filters = f"scale={width}:{height},setsar=1,fps={FPS},format=yuv420p"
    else:
        source = ["-f", "lavfi", "-i", f"testsrc2=size={width}x{height}:rate={FPS}:duration={seconds}"]
        filters = "noise=alls=12:allf=t+u,format=yuv420p"
    encoder = (
        f"-c:v libx264 -preset veryfast -profile:v main -g {FPS} -keyint_min {FPS} -sc_threshold 0 -bf 0 "
        f"-b:v {kbps}k -maxrate {kbps}k -bufsize {2 * kbps}k -an -movflags +faststart"
    ).split()
    quiet = [ffmpeg, "-hide_banner", "-loglevel", "error", "-nostdin", "-y"]
    partial = clip.with_name(clip.stem + f".part{os.getpid()}.mp4")
    log.info("making clip %s", clip.name)
    try:
        result = subprocess.run(
            [*quiet, *source, "-vf", filters, *encoder, str(partial)],
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        if result.returncode != 0:
            raise BenchError(f"ffmpeg could not make {clip.name}: {result.stderr.strip()[-2000:]}")
        partial.replace(clip)
    finally:
        partial.unlink(missing_ok=True)
    return clip


def clip_info(clip: Path, stated_kbps: int) -> dict[str, Any]:
    info: dict[str, Any] = {"path": str(clip), "stated_kbit_s": stated_kbps}
    ffprobe = shutil.which("ffprobe")
    duration = 0.0
    entries = "stream=codec_name,profile,width,height,avg_frame_rate,has_b_frames:format=duration"
    if ffprobe:
        out = subprocess.run(
            [ffprobe, "-v", "error", "-select_streams", "v:0", "-of", "json", "-show_entries", entries, str(clip)],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        with contextlib.suppress(ValueError, KeyError, IndexError):
            data = json.loads(out.stdout)
            stream = data["streams"][0]
            num, _, den = stream["avg_frame_rate"].partition("/")
            info.update(
                codec=stream["codec_name"],
                profile=stream.get("profile"),
                width=stream["width"],
                height=stream["height"],
                fps=round(int(num) / int(den or 1), 3),
                b_frames=stream.get("has_b_frames"),
            )
            duration = float(data["format"]["duration"])
    info["seconds"] = round(duration, 2)
    info["kbit_s"] = round(clip.stat().st_size * 8 / duration / 1000) if duration else None
    return info


# --- processes this benchmark starts --------------------------------------------------------------


class Xvfb:
    """A private X server on a free display (Xvfb picks it and tells through -displayfd)."""

    def __init__(self) -> None:
        self.process: subprocess.Popen[bytes] | None = None
        self.display = ""

    def start(self, timeout: float = 15.0) -> str:
        read_end, write_end = os.pipe()
        try:
            self.process = subprocess.Popen(
                [XVFB, "-displayfd", str(write_end), "-screen", "0", f"{WALL_W}x{WALL_H}x24", "-nolisten", "tcp"],
                pass_fds=(write_end,),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,  # a Ctrl+C in the terminal must not kill the screen under Qt
            )
            os.close(write_end)
            write_end = -1
            text = b""
            deadline = time.monotonic() + timeout
            while not text.endswith(b"\n"):
                remaining = deadline - time.monotonic()
                if remaining <= 0 or not select.select([read_end], [], [], remaining)[0]:
                    raise BenchError("Xvfb did not report its display")
                chunk = os.read(read_end, 64)
                if not chunk:
                    raise BenchError(f"Xvfb exited with code {self.process.wait()}")
                text += chunk
        finally:
            os.close(read_end)
            if write_end >= 0:
                os.close(write_end)
        self.display = f":{int(text.strip())}"
        return self.display

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is None:
            return
        process.terminate()
        try:
            process.wait(5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


@dataclass
class ServerHolder:
    """The RTSP server (replaced by a new one on the same port by the restart test)."""

    mounts: dict[str, str]
    server: RtspServer | None = None
    port: int = 0

    def start(self, port: int = 0) -> float:
        self.server = RtspServer(self.mounts, port=port)
        self.server.start()
        assert self.server.port is not None
        self.port = self.server.port
        return self.server.startup_seconds or 0.0

    def url(self, mount: str) -> str:
        return f"rtsp://127.0.0.1:{self.port}{mount}"

    def pid(self) -> int | None:
        for pid in children(os.getpid()):
            if "rtsp_server.py" in _cmdline(pid):
                return pid
        return None

    def close(self) -> None:
        server, self.server = self.server, None
        if server is not None:
            server.close()


# --- running Qt from straight-line code --------------------------------------------------------


class _Loop:
    """The event loop running now, so a signal handler can leave it (then we raise)."""

    def __init__(self) -> None:
        self.loop: QEventLoop | None = None
        self.interrupted = 0

    def handler(self, signum: int, _frame: FrameType | None) -> None:
        self.interrupted = signum
        if self.loop is not None:
            self.loop.quit()


_LOOP = _Loop()


def run_for(seconds: float) -> None:
    loop = QEventLoop()
    timer = QTimer()
    timer.setSingleShot(True)
    timer.setTimerType(Qt.TimerType.PreciseTimer)
    timer.timeout.connect(loop.quit)
    timer.start(max(0, round(seconds * 1000)))
    _LOOP.loop = loop
    try:
        if not _LOOP.interrupted:
            loop.exec()
    finally:
        _LOOP.loop = None
        timer.stop()
    if _LOOP.interrupted:
        raise KeyboardInterrupt


def wait_until(condition: Callable[[], bool], timeout: float, step: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() >= deadline:
            return False
        run_for(step)
    return True


# --- what the wall does --------------------------------------------------------------------------


@dataclass
class TileRecord:
    last_seq: int = -1
    first_paint_ns: int = 0
    painted: int = 0  # new frames painted during the measurement window
    latencies_ms: list[float] = field(default_factory=list)
    restart_after_seq: int | None = None
    back_ns: int = 0


class Recorder:
    """``tile.on_paint``: counts new frames painted per tile and their capture-to-paint time."""

    def __init__(self, tiles: int) -> None:
        self.tiles = [TileRecord() for _ in range(tiles)]
        self.measuring = False

    def on_paint(self, tile: VideoTile, frame: WallFrame) -> None:
        now = time.time_ns()
        rec = self.tiles[tile.index]
        sequence = frame.sequence
        if sequence == rec.last_seq:
            return  # the same frame painted again (an overlay change), not a new one
        rec.last_seq = sequence
        if not rec.first_paint_ns:
            rec.first_paint_ns = now
        if self.measuring:
            rec.painted += 1
            rec.latencies_ms.append((now - frame.captured_ns) / 1e6)
        if rec.restart_after_seq is not None and sequence > rec.restart_after_seq and not rec.back_ns:
            rec.back_ns = now


class StallProbe:
    """A 10 ms timer on the GUI thread; each late tick is how long the event loop was busy."""

    def __init__(self) -> None:
        self.timer = QTimer()
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(PROBE_MS)
        self.timer.timeout.connect(self._tick)
        self.last = 0
        self.measuring = False
        self.stalls_ms: list[float] = []

    def _tick(self) -> None:
        now = time.perf_counter_ns()
        if self.measuring and self.last:
            self.stalls_ms.append(max(0.0, (now - self.last) / 1e6 - PROBE_MS))
        self.last = now


class GcWatch:
    """Python's cyclic garbage collector pauses (any thread) during the window: a GUI stall suspect."""

    def __init__(self) -> None:
        self.measuring = False
        self.pauses: list[tuple[int, float, bool]] = []  # generation, ms, on the GUI thread
        self._began = 0
        gc.callbacks.append(self._callback)

    def _callback(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._began = time.perf_counter_ns()
        elif self.measuring and self._began:
            gui = threading.current_thread() is threading.main_thread()
            self.pauses.append((int(info["generation"]), (time.perf_counter_ns() - self._began) / 1e6, gui))

    def summary(self) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for generation in (0, 1, 2):
            ms = [p[1] for p in self.pauses if p[0] == generation]
            result[f"gen{generation}"] = {
                "collections": len(ms),
                "total_ms": round(sum(ms), 1),
                "max_ms": _r(max(ms) if ms else None, 2),
            }
        result["on_gui_thread"] = sum(1 for p in self.pauses if p[2])
        return result

    def close(self) -> None:
        with contextlib.suppress(ValueError):
            gc.callbacks.remove(self._callback)


@dataclass
class Snapshot:
    mono: float
    frames_in: dict[str, int]
    ticks: dict[int, int]
    threads: dict[int, int]
    busy: int
    steal: int
    everyone: dict[int, int]


def _processes(feeds: Sequence[CameraFeed]) -> dict[int, str]:
    """The console and its capture processes: pid -> role."""
    me = os.getpid()
    pids = {me: "console"}
    for pid in children(me):
        line = _cmdline(pid)
        if "multiprocessing.forkserver" in line:
            pids[pid] = "forkserver"
        elif "multiprocessing.resource_tracker" in line:
            pids[pid] = "resource_tracker"
    for feed in feeds:
        helper = feed.helper_pid
        if helper is not None:
            pids[helper] = "helper"
            parent = parent_pid(helper)
            if parent is not None and parent != me and parent not in pids:
                pids[parent] = "forkserver"
    return pids


def snapshot(feeds: Sequence[CameraFeed], pids: Sequence[int]) -> Snapshot:
    me = os.getpid()
    threads: dict[int, int] = {}
    with contextlib.suppress(OSError):
        for task in os.listdir(f"/proc/{me}/task"):
            ticks = cpu_ticks(me, int(task))
            if ticks is not None:
                threads[int(task)] = ticks
    ticks_by_pid = {pid: t for pid in pids if (t := cpu_ticks(pid)) is not None}
    return Snapshot(
        time.monotonic(),
        {feed.camera_id: feed.stats().frames_in for feed in feeds},
        ticks_by_pid,
        threads,
        *machine_ticks(),
        all_process_ticks(),
    )


def _cores(ticks: int, seconds: float) -> float:
    return ticks / CLK_TCK / seconds if seconds > 0 else 0.0


def profile_top(profiler: cProfile.Profile, limit: int = 30) -> list[dict[str, Any]]:
    stats = pstats.Stats(profiler)
    rows = []
    for (filename, line, name), (_cc, calls, tottime, cumtime, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        where = f"{Path(filename).name}:{line}" if filename != "~" else "builtin"
        rows.append({"function": f"{where}({name})", "calls": calls, "tottime_s": tottime, "cumtime_s": cumtime})
    rows.sort(key=lambda r: r["tottime_s"], reverse=True)
    for row in rows:
        row["tottime_s"], row["cumtime_s"] = round(row["tottime_s"], 3), round(row["cumtime_s"], 3)
    return rows[:limit]


class WallRun:
    """The QApplication, supervisor and wall; ``close`` undoes all of it."""

    def __init__(self, args: argparse.Namespace, sources: Sequence[CameraSource]) -> None:
        self.args = args
        self.app = QApplication.instance() or QApplication(["sentinel-video-wall-bench"])
        self.supervisor: CaptureSupervisor | None = CaptureSupervisor(sources)
        self.feeds = list(self.supervisor.feeds.values())
        self.wall: VideoWall | None = VideoWall(self.feeds, args.layout)
        self.wall.setWindowTitle("Sentinel Console - video wall benchmark")
        self.recorder = Recorder(len(self.wall.tiles))
        for tile in self.wall.tiles:
            tile.on_paint = self.recorder.on_paint
        self.poll_timer = QTimer()
        self.poll_timer.setInterval(SUPERVISOR_POLL_MS)
        self.poll_timer.timeout.connect(self.supervisor.poll)
        self.reniced: set[int] = set()
        if args.helper_nice:
            self.poll_timer.timeout.connect(self._renice_helpers)
        self.probe = StallProbe()
        self.gc_watch = GcWatch()
        self.outside: dict[int, str] = {}  # pids measured beside the wall's (server, X server)

    @property
    def tiles(self) -> list[VideoTile]:
        assert self.wall is not None
        return [tile for tile in self.wall.tiles if tile.feed is not None]

    def _renice_helpers(self) -> None:
        """Diagnostic (--helper-nice): lower the helpers' priority from outside, as a helper
        could do itself, to see what it does to the GUI's stalls and frame rate."""
        for feed in self.feeds:
            pid = feed.helper_pid
            if pid is None or pid in self.reniced:
                continue
            with contextlib.suppress(OSError):
                for task in os.listdir(f"/proc/{pid}/task"):
                    os.setpriority(os.PRIO_PROCESS, int(task), self.args.helper_nice)
                self.reniced.add(pid)

    def start(self) -> float:
        """Show the wall and start capture; seconds until every tile painted a frame."""
        wall, supervisor = self.wall, self.supervisor
        assert wall is not None and supervisor is not None
        wall.setGeometry(0, 0, WALL_W, WALL_H)
        wall.show()
        if not wait_until(lambda: (h := wall.windowHandle()) is not None and h.isExposed(), 10.0):
            log.warning("the wall window was not exposed within 10 s")
        began = time.monotonic()
        wall.start()
        supervisor.poll()
        self.poll_timer.start()
        self.probe.timer.start()
        records = self.recorder.tiles
        if not wait_until(lambda: all(records[t.index].first_paint_ns for t in self.tiles), FIRST_FRAME_TIMEOUT_S):
            missing = [t.index + 1 for t in self.tiles if not records[t.index].first_paint_ns]
            log.warning("tiles %s painted no frame within %.0f s", missing, FIRST_FRAME_TIMEOUT_S)
        return time.monotonic() - began

    def measure(self, seconds: float, profiler: cProfile.Profile | None) -> dict[str, Any]:
        feeds = self.feeds
        roles = _processes(feeds)
        outside = dict(self.outside)
        first = snapshot(feeds, [*roles, *outside])
        self.recorder.measuring = self.probe.measuring = self.gc_watch.measuring = True
        if profiler is not None:
            profiler.enable()
        try:
            run_for(seconds)
        finally:
            if profiler is not None:
                profiler.disable()
            self.recorder.measuring = self.probe.measuring = self.gc_watch.measuring = False
        last = snapshot(feeds, [*roles, *outside])
        span = last.mono - first.mono
        mem = memory(roles)
        stats = {feed.camera_id: feed.stats() for feed in feeds}

        def delta(pid: int) -> int:
            return last.ticks.get(pid, 0) - first.ticks[pid] if pid in first.ticks and pid in last.ticks else 0

        by_role: dict[str, float] = {}
        for pid, role in roles.items():
            by_role[role] = by_role.get(role, 0.0) + _cores(delta(pid), span)
        helper_of = {feed.camera_id: feed.helper_pid for feed in feeds}
        replaced = [cid for cid, pid in helper_of.items() if pid is None or roles.get(pid) != "helper"]

        rows = []
        for tile in self.tiles:
            feed = tile.feed
            assert isinstance(feed, CameraFeed)
            rec = self.recorder.tiles[tile.index]
            captured = (last.frames_in[feed.camera_id] - first.frames_in[feed.camera_id]) / span
            painted = rec.painted / span
            frame = tile.frame
            helper = helper_of[feed.camera_id]
            rows.append(
                {
                    "tile": tile.index + 1,
                    "camera": feed.camera_id,
                    "tile_size": f"{tile.width()}x{tile.height()}",
                    "frame_size": f"{frame.width}x{frame.height}" if frame is not None else None,
                    "stream": stats[feed.camera_id].stream,
                    "source_size": "x".join(map(str, stats[feed.camera_id].source_size)),
                    "source_fps": self.args.source_fps,
                    "captured_fps": round(captured, 2),
                    "painted_fps": round(painted, 2),
                    "dropped_pct": round(max(0.0, 1 - painted / captured) * 100, 1) if captured > 0 else None,
                    "latency_p50_ms": _r(_pct(rec.latencies_ms, 50)),
                    "latency_p95_ms": _r(_pct(rec.latencies_ms, 95)),
                    "helper_pid": helper,
                    "helper_cores": round(_cores(delta(helper), span), 3) if helper is not None else None,
                    "reconnects": stats[feed.camera_id].reconnects,
                    "restarts": stats[feed.camera_id].restarts,
                }
            )
        me = os.getpid()
        names = {t.native_id: t.name for t in threading.enumerate() if t.native_id is not None}
        names[me] = "MainThread (GUI)"
        thread_cores = sorted(
            (
                (round(_cores(ticks - first.threads[tid], span), 3), names.get(tid, _comm(me, tid)))
                for tid, ticks in last.threads.items()
                if tid in first.threads
            ),
            reverse=True,
        )
        threads = [{"thread": name, "cores": cores} for cores, name in thread_cores if cores > 0.0005]
        wall_cores = sum(by_role.values())
        others = {name: _cores(delta(pid), span) for pid, name in outside.items()}
        busy = _cores(last.busy - first.busy, span)
        known = set(roles) | set(outside)
        strangers = sorted(
            (
                (_cores(ticks - first.everyone[pid], span), pid)
                for pid, ticks in last.everyone.items()
                if pid in first.everyone and pid not in known
            ),
            reverse=True,
        )
        stalls = self.probe.stalls_ms
        return {
            "seconds": round(span, 2),
            "feeds": rows,
            "stall_ms": {
                "ticks": len(stalls),
                "p50": _r(_pct(stalls, 50), 2),
                "p99": _r(_pct(stalls, 99), 2),
                "max": _r(max(stalls) if stalls else None, 2),
                "over_20ms": sum(1 for v in stalls if v > 20),
                "over_50ms": sum(1 for v in stalls if v > 50),
            },
            "gc_pauses": self.gc_watch.summary(),
            "cpu_cores": {
                "wall_total": round(wall_cores, 3),
                **{role: round(value, 3) for role, value in sorted(by_role.items())},
                **{name: round(value, 3) for name, value in others.items()},
                "machine_busy": round(busy, 3),
                "outside_benchmark": round(busy - wall_cores - sum(others.values()), 3),
                "steal": round(_cores(last.steal - first.steal, span), 3),
            },
            "outside_processes": [
                {"pid": pid, "command": _cmdline(pid)[:120] or _comm(pid), "cores": round(cores, 3)}
                for cores, pid in strangers[:5]
                if cores >= 0.01
            ],
            "console_threads": threads,
            "memory": mem,
            "helpers_replaced": replaced,
            "processes": {str(pid): role for pid, role in roles.items()},
        }

    def memory_over_time(self, minutes: float, began: float) -> list[dict[str, Any]]:
        samples: list[dict[str, Any]] = []
        end = began + minutes * 60
        marks = sorted({120.0, *range(60, int(minutes * 60) + 1, 60)})
        for mark in marks:
            if began + mark > end:
                break
            run_for(max(0.0, began + mark - time.monotonic()))
            samples.append({"minute": round(mark / 60, 2), **memory(_processes(self.feeds))})
        if time.monotonic() < end:
            run_for(end - time.monotonic())
        if not samples or samples[-1]["minute"] < minutes:
            samples.append({"minute": round(minutes, 2), **memory(_processes(self.feeds))})
        return samples

    def restart_test(self, holder: ServerHolder, down_s: float) -> dict[str, Any]:
        """Stop the RTSP server, wait for 'lost' on every tile, start it on the same port, time
        the first new frame painted on each tile from the moment the server is ready."""
        tiles = self.tiles
        port = holder.port
        stopped = time.monotonic()
        holder.close()
        lost_at: dict[int, float] = {}

        def all_lost() -> bool:
            for tile in tiles:
                if tile.index not in lost_at and tile.health_words.startswith("lost"):
                    lost_at[tile.index] = time.monotonic() - stopped
            return len(lost_at) == len(tiles)

        everyone_lost = wait_until(all_lost, LOST_TIMEOUT_S)
        for tile in tiles:
            rec = self.recorder.tiles[tile.index]
            rec.restart_after_seq, rec.back_ns = rec.last_seq, 0
        if down_s > 0:
            run_for(down_s)
        ready: list[int] = []
        failure: list[str] = []

        def start_server() -> None:
            try:
                holder.start(port)
                ready.append(time.time_ns())
            except (RtspServerError, OSError, RuntimeError) as exc:
                failure.append(str(exc))

        starter = threading.Thread(target=start_server, name="rtsp-restart", daemon=True)
        starter.start()
        wait_until(lambda: bool(ready or failure), 60.0)
        starter.join(1.0)
        result: dict[str, Any] = {
            "port": port,
            "all_lost": everyone_lost,
            "lost_after_s": {str(i + 1): round(s, 2) for i, s in sorted(lost_at.items())},
        }
        if not ready:
            result["error"] = failure[0] if failure else "the RTSP server did not restart"
            return result
        ready_ns = ready[0]
        wait_until(lambda: all(self.recorder.tiles[t.index].back_ns for t in tiles), BACK_TIMEOUT_S)
        back = {}
        for tile in tiles:
            rec = self.recorder.tiles[tile.index]
            back[str(tile.index + 1)] = round(max(0, rec.back_ns - ready_ns) / 1e9, 2) if rec.back_ns else None
            rec.restart_after_seq = None
        times = [v for v in back.values() if v is not None]
        result.update(
            server_start_s=round(holder.server.startup_seconds or 0.0, 2) if holder.server else None,
            back_after_ready_s=back,
            back_max_s=max(times) if len(times) == len(back) else None,
            tiles_not_back=[k for k, v in back.items() if v is None],
        )
        return result

    def close(self) -> None:
        self.gc_watch.close()
        self.probe.timer.stop()
        self.poll_timer.stop()
        wall, self.wall = self.wall, None
        if wall is not None:
            wall.stop()
            for tile in wall.tiles:
                tile.on_paint = None
                tile.set_feed(None)  # drops the views into the mailboxes before they close
            wall.close()
            wall.deleteLater()
            QApplication.processEvents()
        supervisor, self.supervisor = self.supervisor, None
        if supervisor is not None:
            supervisor.close()


# --- the bare decoder baseline (a child process) ---------------------------------------------------


def baseline_child(spec: dict[str, Any]) -> dict[str, Any]:
    """Decode the streams only, one thread each, paced at the source rate for files."""
    kind, targets = spec["kind"], spec["targets"]
    if kind == "rtsp":
        os.environ["OPENCV_FFMPEG_CAPTURE_OPTIONS"] = RTSP_OPTIONS  # as the helpers do
    cv2.setNumThreads(1)
    stop = threading.Event()
    counts = [0] * len(targets)
    errors = [""] * len(targets)

    def decode(index: int, target: str) -> None:
        capture = cv2.VideoCapture(target, cv2.CAP_FFMPEG, [cv2.CAP_PROP_N_THREADS, 1])
        if not capture.isOpened():
            errors[index] = "could not open"
            return
        paced = kind == "file"
        fps = capture.get(cv2.CAP_PROP_FPS)
        period = 1.0 / (fps if 1.0 <= fps <= 240.0 else FPS)
        image = None
        due = time.monotonic()
        rewound = False
        while not stop.is_set():
            ok, frame = capture.read(image) if image is not None else capture.read()
            if not ok:
                if paced and not rewound and capture.set(cv2.CAP_PROP_POS_FRAMES, 0):
                    rewound = True
                    continue
                errors[index] = "read failed"
                break
            rewound = False
            image = frame  # reuse the buffer, as the helpers do
            counts[index] += 1
            if paced:
                due += period
                now = time.monotonic()
                if due < now - 1.0:
                    due = now
                elif due > now:
                    time.sleep(due - now)
        capture.release()

    threads = [
        threading.Thread(target=decode, args=(i, t), name=f"decode-{i}", daemon=True) for i, t in enumerate(targets)
    ]
    for thread in threads:
        thread.start()
    # The window starts once every stream has decoded (RTSP opens take a second or two), plus warm-up.
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not all(c or e for c, e in zip(counts, errors, strict=True)):
        time.sleep(0.05)
    time.sleep(spec["warmup"])
    t0, c0, cpu0 = time.monotonic(), list(counts), os.times()
    time.sleep(spec["seconds"])
    t1, c1, cpu1 = time.monotonic(), list(counts), os.times()
    rss_kb = _status_kb(os.getpid(), "VmRSS")
    stop.set()
    for thread in threads:
        thread.join(10)
    span = t1 - t0
    cpu = (cpu1.user + cpu1.system) - (cpu0.user + cpu0.system)
    fps = [round((b - a) / span, 2) for a, b in zip(c0, c1, strict=True)]
    return {
        "streams": len(targets),
        "seconds": round(span, 2),
        "cores": round(cpu / span, 3),
        "decoded_fps_min": min(fps) if fps else None,
        "decoded_fps_mean": round(statistics.fmean(fps), 2) if fps else None,
        "rss_mib": round(rss_kb / 1024, 1),
        "errors": [f"stream {i + 1}: {e}" for i, e in enumerate(errors) if e],
    }


def run_baseline(kind: str, targets: Sequence[str], warmup: float, seconds: float) -> dict[str, Any]:
    spec = {"kind": kind, "targets": list(targets), "warmup": warmup, "seconds": seconds}
    command = [sys.executable, "-m", "benchmarks.video_wall", "--baseline-child", json.dumps(spec)]
    process = subprocess.Popen(command, cwd=ROOT, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, text=True)
    try:
        out, _ = process.communicate(timeout=warmup + seconds + 120)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(10)
    if process.returncode != 0:
        return {"error": f"baseline decoder exited with code {process.returncode}"}
    result: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    return result


# --- the benchmark ---------------------------------------------------------------------------------


def _shutdown_qt() -> None:
    """Destroy the QApplication while its X server is still there (Qt exits if it goes first)."""
    app = QApplication.instance()
    if app is not None:
        app.processEvents()
        app.shutdown()


def squarest_layout(feeds: int) -> str:
    for name in ("1", "2x2", "3x3", "4x4"):
        if feeds <= len(LAYOUTS[name][2]):
            return name
    raise SystemExit(f"--feeds {feeds}: the wall shows at most 16 tiles")


def _targets(args: argparse.Namespace, aggregates: dict[str, Any], restart: dict[str, Any] | None) -> list[Any]:
    results: list[dict[str, Any]] = []

    def check(what: str, value: float | None, limit: float, at_most: bool, strict: bool) -> dict[str, Any]:
        if value is None:
            ok = False
        elif at_most:
            ok = value < limit if strict else value <= limit
        else:
            ok = value >= limit
        sign = ("<" if strict else "<=") if at_most else ">="
        return {"what": what, "value": value, "target": f"{sign} {limit:g}", "pass": ok}

    for target in TARGETS:
        if (
            args.feeds != target.feeds
            or args.layout != target.layout
            or args.sub_stream != target.sub_stream
            or (target.resolution is not None and args.resolution != target.resolution)
        ):
            continue
        checks = [
            check("painted fps, every tile", aggregates["painted_fps_min"], target.min_painted_fps, False, False),
            check(
                "latency p95 ms, worst tile", aggregates["latency_p95_max_ms"], target.max_latency_p95_ms, True, True
            ),
            check("GUI stall p99 ms", aggregates["stall_ms"]["p99"], target.max_stall_p99_ms, True, True),
        ]
        if target.max_cores is not None:
            checks.append(
                check("CPU cores, wall total", aggregates["cpu_cores"]["wall_total"], target.max_cores, True, True)
            )
        if target.max_cpu_ratio is not None:
            checks.append(check("cpu_ratio", aggregates["cpu_ratio"], target.max_cpu_ratio, True, False))
        results.append({"target": target.name, "checks": checks, "pass": all(c["pass"] for c in checks)})
    if restart is not None:
        checks = [
            check("seconds to a new frame on every tile", restart.get("back_max_s"), RESTART_TARGET_S, True, False)
        ]
        results.append({"target": "back after an RTSP server restart", "checks": checks, "pass": checks[0]["pass"]})
    return results


def run(args: argparse.Namespace) -> dict[str, Any]:
    started = datetime.now(UTC)
    result: dict[str, Any] = {"benchmark": "video_wall", "started_at": started.isoformat(timespec="seconds")}
    result["machine"] = machine_info()
    with contextlib.ExitStack() as stack:
        cache = Path(args.cache_dir)
        main_kbps = args.bitrate or BITRATE_KBPS[args.resolution]
        sub_kbps = args.sub_bitrate or (BITRATE_KBPS[args.sub_stream] if args.sub_stream else 0)
        footage = Path(args.footage) if args.footage else None
        main_clip = make_clip(cache, args.resolution, main_kbps, args.clip_seconds, footage)
        sub_clip = make_clip(cache, args.sub_stream, sub_kbps, args.clip_seconds, footage) if args.sub_stream else None
        clips = {"main": clip_info(main_clip, main_kbps)}
        if sub_clip is not None:
            clips["sub"] = clip_info(sub_clip, sub_kbps)
        args.source_fps = clips["main"].get("fps", FPS)

        holder: ServerHolder | None = None
        names = [f"cam{i + 1:02d}" for i in range(args.feeds)]
        if args.source == "rtsp":
            mounts = {f"/{n}/main": str(main_clip) for n in names}
            if sub_clip is not None:
                mounts |= {f"/{n}/sub": str(sub_clip) for n in names}
            holder = ServerHolder(mounts)
            stack.callback(holder.close)
            try:
                holder.start()
            except RtspServerError as exc:
                raise BenchError(str(exc)) from None

        def spec(name: str, which: str, clip: Path) -> StreamSpec:
            if holder is not None:
                return StreamSpec("rtsp", holder.url(f"/{name}/{which}"))
            return StreamSpec("file", str(clip))

        sources = [
            CameraSource(
                name,
                f"Camera {i + 1}",
                spec(name, "main", main_clip),
                spec(name, "sub", sub_clip) if sub_clip is not None else None,
                location=f"Zone {i % 4 + 1}",
            )
            for i, name in enumerate(names)
        ]

        want = args.platform
        if want == "auto":
            want = "xcb" if Path(XVFB).exists() else "offscreen"
        xvfb = Xvfb() if want == "xcb" else None
        if xvfb is not None:
            stack.callback(xvfb.stop)
            os.environ["DISPLAY"] = xvfb.start()
        os.environ["QT_QPA_PLATFORM"] = want

        result["parameters"] = {
            "feeds": args.feeds,
            "source": args.source,
            "resolution": args.resolution,
            "sub_stream": args.sub_stream,
            "layout": args.layout,
            "seconds": args.seconds,
            "warmup": args.warmup,
            "baseline_warmup": args.baseline_warmup,
            "restart_test": args.restart_test,
            "memory_minutes": args.memory_minutes,
            "wall_size": f"{WALL_W}x{WALL_H}",
            "profiled": bool(args.profile),
            "helper_nice": args.helper_nice,
        }
        result["clips"] = clips

        # In the event loop a signal only sets a flag and leaves the loop; run_for then raises.
        previous = {s: signal.signal(s, _LOOP.handler) for s in (signal.SIGINT, signal.SIGTERM)}

        def restore_signals() -> None:
            for signum, handler in previous.items():
                signal.signal(signum, handler)

        stack.callback(restore_signals)
        wall_run = WallRun(args, sources)
        stack.callback(_shutdown_qt)
        stack.callback(wall_run.close)
        result["platform"] = QGuiApplication.platformName()
        server_pid = holder.pid() if holder is not None else None
        if server_pid is not None:
            wall_run.outside[server_pid] = "rtsp_server"
        if xvfb is not None and xvfb.process is not None:
            wall_run.outside[xvfb.process.pid] = "xvfb"
        log.info("starting %d cameras on a %s wall", args.feeds, args.layout)
        first_frames_s = wall_run.start()
        run_for(args.warmup)
        log.info("measuring for %.0f s", args.seconds)
        profiler = cProfile.Profile(time.thread_time) if args.profile else None
        began = time.monotonic()
        measured = wall_run.measure(args.seconds, profiler)
        if profiler is not None:
            profiler.dump_stats(args.profile)
            result["profile"] = {
                "file": str(args.profile),
                "clock": "GUI thread CPU time (time.thread_time)",
                "top_by_tottime": profile_top(profiler),
            }
        if args.memory_minutes:
            log.info("running %.1f minutes for memory", args.memory_minutes)
            result["memory_over_time"] = wall_run.memory_over_time(args.memory_minutes, began)
        restart = None
        if args.restart_test and holder is not None:
            log.info("restart test: stopping the RTSP server")
            restart = wall_run.restart_test(holder, args.restart_down)
            result["restart"] = restart
        streams = {row["camera"]: row["stream"] for row in measured["feeds"]}
        wall_run.close()
        QApplication.processEvents()
        restore_signals()
        if _LOOP.interrupted:
            raise KeyboardInterrupt

        targets = []
        for name, source in zip(names, sources, strict=True):
            stream = source.sub if streams.get(name) == "sub" and source.sub is not None else source.main
            targets.append(stream.url)
        log.info("baseline: bare decoders on the same %d streams", len(targets))
        baseline = run_baseline(args.source, targets, args.baseline_warmup, args.seconds)

    feeds = measured["feeds"]
    painted = [f["painted_fps"] for f in feeds]
    p50s = [f["latency_p50_ms"] for f in feeds if f["latency_p50_ms"] is not None]
    p95s = [f["latency_p95_ms"] for f in feeds if f["latency_p95_ms"] is not None]
    cores = measured["cpu_cores"]
    cores["baseline"] = baseline.get("cores")
    ratio = cores["wall_total"] / cores["baseline"] if cores.get("baseline") else None
    aggregates = {
        "first_frame_on_every_tile_s": round(first_frames_s, 2),
        "painted_fps_min": min(painted) if painted else None,
        "painted_fps_mean": round(statistics.fmean(painted), 2) if painted else None,
        "captured_fps_mean": round(statistics.fmean(f["captured_fps"] for f in feeds), 2) if feeds else None,
        "dropped_pct_max": max((f["dropped_pct"] or 0.0) for f in feeds) if feeds else None,
        "latency_p50_median_ms": _r(statistics.median(p50s)) if p50s else None,
        "latency_p95_max_ms": max(p95s) if len(p95s) == len(feeds) and p95s else None,
        "stall_ms": measured["stall_ms"],
        "cpu_cores": cores,
        "cpu_ratio": round(ratio, 3) if ratio is not None else None,
        "memory": measured["memory"],
    }
    result.update(
        measurement_seconds=measured["seconds"],
        feeds=feeds,
        aggregates=aggregates,
        console_threads=measured["console_threads"],
        baseline=baseline,
        processes=measured["processes"],
        helpers_replaced=measured["helpers_replaced"],
        outside_processes=measured["outside_processes"],
        gc_pauses=measured["gc_pauses"],
    )
    outside, steal = cores["outside_benchmark"], cores["steal"]
    if outside > DISTURBED_CORES or steal > DISTURBED_CORES:
        result["disturbed"] = (
            f"{outside:.2f} cores were used by processes outside this benchmark and {steal:.2f} cores were "
            "taken by the hypervisor (steal) during the measurement: CPU and frame-rate figures may be "
            "disturbed; repeat the run"
        )
    result["targets"] = _targets(args, aggregates, restart)
    result["pass"] = all(t["pass"] for t in result["targets"]) if result["targets"] else None
    return result


# --- output ------------------------------------------------------------------------------------------


def _fmt(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def print_table(result: dict[str, Any]) -> None:
    m, p, agg = result["machine"], result["parameters"], result["aggregates"]
    out = sys.stdout.write
    out(
        f"Machine: {m['cores']} cores, {m['model_name']}, {m['ram_gib']} GiB; Python {m['python']}, "
        f"PySide6 {m['pyside6']}, OpenCV {m['opencv']}; platform {result['platform']}\n"
    )
    out(
        f"Wall: {p['feeds']} cameras from {p['source']}, {p['resolution']}"
        f"{' + sub ' + p['sub_stream'] if p['sub_stream'] else ''}, layout {p['layout']}, "
        f"{result['measurement_seconds']} s measured after {p['warmup']} s warm-up\n"
    )
    for which, clip in result["clips"].items():
        out(
            f"Clip {which}: {clip.get('width')}x{clip.get('height')} {clip.get('fps')} fps, "
            f"{clip['kbit_s']} kbit/s (stated {clip['stated_kbit_s']})\n"
        )
    columns = [
        ("tile", "tile"),
        ("tile_size", "tile px"),
        ("frame_size", "frame"),
        ("stream", "stream"),
        ("source_fps", "src fps"),
        ("captured_fps", "capt fps"),
        ("painted_fps", "paint fps"),
        ("dropped_pct", "drop %"),
        ("latency_p50_ms", "p50 ms"),
        ("latency_p95_ms", "p95 ms"),
        ("helper_cores", "helper cores"),
    ]
    widths = [max(len(h), *(len(_fmt(f[k])) for f in result["feeds"])) for k, h in columns]
    out("  ".join(h.rjust(w) for (_, h), w in zip(columns, widths, strict=True)) + "\n")
    for f in result["feeds"]:
        out("  ".join(_fmt(f[k]).rjust(w) for (k, _), w in zip(columns, widths, strict=True)) + "\n")
    s, c = agg["stall_ms"], agg["cpu_cores"]
    out(
        f"Painted fps min/mean {_fmt(agg['painted_fps_min'])}/{_fmt(agg['painted_fps_mean'])}; "
        f"latency p95 worst {_fmt(agg['latency_p95_max_ms'])} ms; "
        f"GUI stall p50/p99/max {_fmt(s['p50'])}/{_fmt(s['p99'])}/{_fmt(s['max'])} ms\n"
    )
    out("CPU cores: " + ", ".join(f"{k} {_fmt(v)}" for k, v in c.items()) + f"; cpu_ratio {_fmt(agg['cpu_ratio'])}\n")
    mem = agg["memory"]
    out(f"Memory: RSS {mem['rss_mib']} MiB, PSS {mem['pss_mib']} MiB (console + fork server + helpers)\n")
    for sample in result.get("memory_over_time", []):
        out(f"  after {sample['minute']} min: RSS {sample['rss_mib']} MiB, PSS {sample['pss_mib']} MiB\n")
    if "restart" in result:
        r = result["restart"]
        out(f"RTSP restart: all lost {r.get('all_lost')}, back max {_fmt(r.get('back_max_s'))} s, ")
        out(f"per tile {r.get('back_after_ready_s')}\n")
    for t in result["targets"]:
        checks = "; ".join(f"{c['what']} {_fmt(c['value'])} ({c['target']})" for c in t["checks"])
        out(f"{'PASS' if t['pass'] else 'FAIL'} {t['target']}: {checks}\n")
    if "disturbed" in result:
        out(f"WARNING: {result['disturbed']}\n")


def _parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--feeds", type=int, default=16, help="cameras on the wall (default 16)")
    parser.add_argument("--source", choices=("file", "rtsp"), default="file")
    parser.add_argument("--resolution", choices=tuple(RESOLUTIONS), default="d1", help="main stream")
    parser.add_argument("--sub-stream", choices=tuple(RESOLUTIONS), help="give every camera a sub stream of this size")
    parser.add_argument("--layout", choices=tuple(LAYOUTS), help="default: the squarest grid for --feeds")
    parser.add_argument("--seconds", type=float, default=30.0, help="measurement window (default 30)")
    parser.add_argument("--warmup", type=float, default=8.0, help="after every tile painted (default 8)")
    parser.add_argument("--baseline-warmup", type=float, default=4.0, help="before the baseline window (default 4)")
    parser.add_argument("--restart-test", action="store_true", help="rtsp: restart the server, time the recovery")
    parser.add_argument("--restart-down", type=float, default=0.0, help="extra seconds the server stays down")
    parser.add_argument("--memory-minutes", type=float, default=0.0, help="run this long for RSS/PSS over time")
    parser.add_argument("--bitrate", type=int, help="main stream kbit/s (default by resolution)")
    parser.add_argument("--sub-bitrate", type=int, help="sub stream kbit/s (default by resolution)")
    parser.add_argument("--clip-seconds", type=int, default=60, help="clip length, looped (default 60)")
    parser.add_argument("--footage", help="re-encode this video instead of the synthetic pattern")
    parser.add_argument("--cache-dir", default=str(Path(tempfile.gettempdir()) / "sentinel-wall-clips"))
    parser.add_argument("--platform", choices=("auto", "xcb", "offscreen"), default="auto")
    parser.add_argument("--profile", help="cProfile the GUI thread (CPU time) over the window into this file")
    parser.add_argument(
        "--helper-nice",
        type=int,
        default=0,
        help="diagnostic: renice the capture helpers to this value (the console does not do this)",
    )
    parser.add_argument("--json", action="store_true", help="print JSON (else a readable table)")
    parser.add_argument("-v", "--verbose", action="store_true")
    parser.add_argument("--baseline-child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.baseline_child is None:
        if args.feeds < 1:
            parser.error("--feeds must be at least 1")
        args.layout = args.layout or squarest_layout(args.feeds)
        if len(LAYOUTS[args.layout][2]) < args.feeds:
            parser.error(f"layout {args.layout} has fewer than {args.feeds} tiles")
        if args.restart_test and args.source != "rtsp":
            parser.error("--restart-test needs --source rtsp")
    return args


def _raise_keyboard_interrupt(_signum: int, _frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def main(argv: Sequence[str] | None = None) -> int:
    args = _parse_args(argv)
    if args.baseline_child is not None:
        print(json.dumps(baseline_child(json.loads(args.baseline_child))), flush=True)
        return 0
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s %(name)s %(levelname)s: %(message)s",
        stream=sys.stderr,
    )
    signal.signal(signal.SIGTERM, _raise_keyboard_interrupt)
    try:
        result = run(args)
    except KeyboardInterrupt:
        print("interrupted; everything started was stopped", file=sys.stderr)
        return 130
    except BenchError as exc:
        print(f"video wall benchmark: {exc}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(result, indent=2), flush=True)
    else:
        print_table(result)
    return 0 if result["pass"] is not False else 3


if __name__ == "__main__":
    sys.exit(main())
