"""The rig around the video wall benchmark (wall_bench.py): the clips the cameras play (made
with ffmpeg), the private X server and the RTSP server it starts, the CPU and memory of the
console's processes and of the machine read from /proc, and the bare decoder baseline that runs
in a child process."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import platform
import select
import shutil
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import PySide6
from PySide6.QtCore import qVersion

from tests.servers.rtsp_server import RtspServer
from video.sources import RTSP_OPTIONS
from video.supervisor import CameraFeed

ROOT = Path(__file__).resolve().parents[1]
RESOLUTIONS = {"360p": (640, 360), "d1": (704, 576), "720p": (1280, 720)}
BITRATE_KBPS = {"360p": 512, "d1": 1536, "720p": 3072}
FPS = 25
WALL_W, WALL_H = 1920, 1080
XVFB = "/usr/bin/Xvfb"
CLK_TCK = os.sysconf("SC_CLK_TCK")

log = logging.getLogger("video_wall_bench")


class BenchError(RuntimeError):
    """The benchmark could not run (a clip could not be made, a server did not start)."""


# --- CPU and memory from /proc ----------------------------------------------------------------


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


def comm(pid: int, tid: int | None = None) -> str:
    text = _read(f"/proc/{pid}/task/{tid}/comm" if tid is not None else f"/proc/{pid}/comm")
    return (text or "?").strip()


def cmdline(pid: int) -> str:
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


@dataclass
class Snapshot:
    mono: float
    frames_in: dict[str, int]
    ticks: dict[int, int]
    threads: dict[int, int]
    busy: int
    steal: int
    everyone: dict[int, int]


def console_processes(feeds: Sequence[CameraFeed]) -> dict[int, str]:
    """The console and its capture processes: pid -> role."""
    me = os.getpid()
    pids = {me: "console"}
    for pid in children(me):
        line = cmdline(pid)
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


def cores_used(ticks: int, seconds: float) -> float:
    return ticks / CLK_TCK / seconds if seconds > 0 else 0.0


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
            if "rtsp_server.py" in cmdline(pid):
                return pid
        return None

    def close(self) -> None:
        server, self.server = self.server, None
        if server is not None:
            server.close()


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
