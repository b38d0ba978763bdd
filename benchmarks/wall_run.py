"""The wall under measurement (video wall benchmark, wall_bench.py): the QApplication, capture
supervisor and VideoWall driven from straight-line code through short event loops, with the
per-tile paint record, the GUI stall probe and the garbage-collector watch, measured over a
window, and the RTSP restart test."""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import gc
import logging
import math
import os
import pstats
import statistics
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any

from PySide6.QtCore import QEventLoop, Qt, QTimer
from PySide6.QtWidgets import QApplication

from benchmarks.wall_rig import (
    WALL_H,
    WALL_W,
    ServerHolder,
    cmdline,
    comm,
    console_processes,
    cores_used,
    memory,
    snapshot,
)
from tests.servers.rtsp_server import RtspServerError
from video.sources import CameraSource
from video.supervisor import CameraFeed, CaptureSupervisor
from widgets.tile_feed import WallFrame
from widgets.video_tile import VideoTile
from widgets.video_wall import VideoWall

PROBE_MS = 10
SUPERVISOR_POLL_MS = 250
FIRST_FRAME_TIMEOUT_S = 60.0
LOST_TIMEOUT_S = 30.0
BACK_TIMEOUT_S = 30.0

log = logging.getLogger("video_wall_bench")


def _pct(values: Sequence[float], q: float) -> float | None:
    if not values:
        return None
    if len(values) == 1:
        return float(values[0])
    return float(statistics.quantiles(values, n=1000, method="inclusive")[round(q * 10) - 1])


def round_or_none(value: float | None, digits: int = 1) -> float | None:
    return None if value is None or math.isnan(value) else round(value, digits)


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


LOOP = _Loop()


def run_for(seconds: float) -> None:
    loop = QEventLoop()
    timer = QTimer()
    timer.setSingleShot(True)
    timer.setTimerType(Qt.TimerType.PreciseTimer)
    timer.timeout.connect(loop.quit)
    timer.start(max(0, round(seconds * 1000)))
    LOOP.loop = loop
    try:
        if not LOOP.interrupted:
            loop.exec()
    finally:
        LOOP.loop = None
        timer.stop()
    if LOOP.interrupted:
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
                "max_ms": round_or_none(max(ms) if ms else None, 2),
            }
        result["on_gui_thread"] = sum(1 for p in self.pauses if p[2])
        return result

    def close(self) -> None:
        with contextlib.suppress(ValueError):
            gc.callbacks.remove(self._callback)


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
        roles = console_processes(feeds)
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
            by_role[role] = by_role.get(role, 0.0) + cores_used(delta(pid), span)
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
                    "latency_p50_ms": round_or_none(_pct(rec.latencies_ms, 50)),
                    "latency_p95_ms": round_or_none(_pct(rec.latencies_ms, 95)),
                    "helper_pid": helper,
                    "helper_cores": round(cores_used(delta(helper), span), 3) if helper is not None else None,
                    "reconnects": stats[feed.camera_id].reconnects,
                    "restarts": stats[feed.camera_id].restarts,
                }
            )
        me = os.getpid()
        names = {t.native_id: t.name for t in threading.enumerate() if t.native_id is not None}
        names[me] = "MainThread (GUI)"
        thread_cores = sorted(
            (
                (round(cores_used(ticks - first.threads[tid], span), 3), names.get(tid, comm(me, tid)))
                for tid, ticks in last.threads.items()
                if tid in first.threads
            ),
            reverse=True,
        )
        threads = [{"thread": name, "cores": cores} for cores, name in thread_cores if cores > 0.0005]
        wall_cores = sum(by_role.values())
        others = {name: cores_used(delta(pid), span) for pid, name in outside.items()}
        busy = cores_used(last.busy - first.busy, span)
        known = set(roles) | set(outside)
        strangers = sorted(
            (
                (cores_used(ticks - first.everyone[pid], span), pid)
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
                "p50": round_or_none(_pct(stalls, 50), 2),
                "p99": round_or_none(_pct(stalls, 99), 2),
                "max": round_or_none(max(stalls) if stalls else None, 2),
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
                "steal": round(cores_used(last.steal - first.steal, span), 3),
            },
            "outside_processes": [
                {"pid": pid, "command": cmdline(pid)[:120] or comm(pid), "cores": round(cores, 3)}
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
            samples.append({"minute": round(mark / 60, 2), **memory(console_processes(self.feeds))})
        if time.monotonic() < end:
            run_for(end - time.monotonic())
        if not samples or samples[-1]["minute"] < minutes:
            samples.append({"minute": round(minutes, 2), **memory(console_processes(self.feeds))})
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


def shutdown_qt() -> None:
    """Destroy the QApplication while its X server is still there (Qt exits if it goes first)."""
    app = QApplication.instance()
    if app is not None:
        app.processEvents()
        app.shutdown()
