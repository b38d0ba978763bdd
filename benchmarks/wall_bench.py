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

This module holds the run, the targets, the readable table and the command line; the wall under
measurement is in wall_run.py; the clips, the X and RTSP servers, the /proc readings and the bare
decoder baseline are in wall_rig.py.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import json
import logging
import os
import signal
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import Any

from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication

from benchmarks.wall_rig import (
    BITRATE_KBPS,
    FPS,
    RESOLUTIONS,
    WALL_H,
    WALL_W,
    XVFB,
    BenchError,
    ServerHolder,
    Xvfb,
    baseline_child,
    clip_info,
    machine_info,
    make_clip,
    run_baseline,
)
from benchmarks.wall_run import LOOP, WallRun, profile_top, round_or_none, run_for, shutdown_qt
from tests.servers.rtsp_server import RtspServerError
from video.sources import CameraSource, StreamSpec
from widgets.video_wall import LAYOUTS

DISTURBED_CORES = 0.2  # CPU used by processes outside the benchmark above this: numbers suspect

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

# --- the benchmark ---------------------------------------------------------------------------------


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
        previous = {s: signal.signal(s, LOOP.handler) for s in (signal.SIGINT, signal.SIGTERM)}

        def restore_signals() -> None:
            for signum, handler in previous.items():
                signal.signal(signum, handler)

        stack.callback(restore_signals)
        wall_run = WallRun(args, sources)
        stack.callback(shutdown_qt)
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
        if LOOP.interrupted:
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
        "latency_p50_median_ms": round_or_none(statistics.median(p50s)) if p50s else None,
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
