"""Where a real server's rerun time goes: `streamlit run app.py` under cProfile in EVERY thread (the asyncio
event loop that handles websockets and forwards messages, and each session's script thread), driven from a
separate process by the websocket load client. Prints the profile grouped by area and the top functions.

    .venv/bin/python -m benchmarks.profile_server [--sessions 4] [--seconds 20] [--top 40]

cProfile slows Python code down (~1.5-2x), so read shares, not absolute times. With --timer cpu (default)
the times are each thread's CPU time, so waiting (epoll, queues, sleeps) doesn't count and machine load matters less.
"""

from __future__ import annotations

import argparse
import os
import pstats
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

from benchmarks.common import (
    ROOT,
    SERVER_FLAGS,
    apply_priority,
    free_port,
    machine_line,
    stop,
    table,
    wait_healthy,
)

AREAS = [  # (label, substring of the file path), first match wins
    ("our code: pages/ + app.py", "/main/pages/"),
    ("our code: pages/ + app.py", "/main/app.py"),
    ("our code: explorer/", "/main/explorer/"),
    ("torch", "/site-packages/torch/"),
    ("torchvision", "/site-packages/torchvision/"),
    ("plotly", "/site-packages/plotly/"),
    ("PIL", "/site-packages/PIL/"),
    ("numpy", "/site-packages/numpy/"),
    ("pandas", "/site-packages/pandas/"),
    ("pyarrow", "/site-packages/pyarrow/"),
    ("altair / narwhals (st.bar_chart)", "/site-packages/altair/"),
    ("altair / narwhals (st.bar_chart)", "/site-packages/narwhals/"),
    ("streamlit: elements (marshalling)", "/streamlit/elements/"),
    ("streamlit: caching", "/streamlit/runtime/caching/"),
    ("streamlit: script runner", "/streamlit/runtime/scriptrunner"),
    ("streamlit: session state", "/streamlit/runtime/state/"),
    ("streamlit: app session / forward msgs", "/streamlit/runtime/"),
    ("streamlit: web server (starlette)", "/streamlit/web/"),
    ("streamlit: other", "/streamlit/"),
    ("starlette / uvicorn / websockets", "/site-packages/starlette/"),
    ("starlette / uvicorn / websockets", "/site-packages/uvicorn/"),
    ("starlette / uvicorn / websockets", "/site-packages/websockets/"),
    ("protobuf", "/site-packages/google/"),
    ("python stdlib", "/lib/python3.11/"),
]


def serve(port: int, out: Path, cpu_timer: bool, flags: list[str]) -> None:
    """Run `streamlit run app.py` in this process with a cProfile per thread; dump them at exit."""
    import atexit
    import cProfile
    import threading

    profiles: list[cProfile.Profile] = []
    lock = threading.Lock()

    def new_profile() -> cProfile.Profile:
        return cProfile.Profile(time.thread_time) if cpu_timer else cProfile.Profile()

    def start_thread_profile(*_args) -> None:
        prof = new_profile()  # the first event of each new thread lands here; enable() takes over
        with lock:
            profiles.append(prof)
        prof.enable()

    def dump() -> None:
        with lock:
            for p in profiles:
                p.disable()
            if profiles:
                stats = pstats.Stats(profiles[0])
                for p in profiles[1:]:
                    stats.add(p)
                stats.dump_stats(str(out))

    atexit.register(dump)
    threading.setprofile(start_thread_profile)
    main = new_profile()
    profiles.append(main)
    main.enable()
    from streamlit.web import cli

    extra = [x for f in flags for x in (f"--{f.partition('=')[0]}", f.partition("=")[2])]
    sys.argv = ["streamlit", "run", "app.py", "--server.port", str(port), *SERVER_FLAGS, *extra]
    os.chdir(ROOT)
    cli.main(prog_name="streamlit")  # exits through SystemExit; atexit dumps the profiles


def by_area(stats: pstats.Stats) -> list[list]:
    """Own (tottime) seconds per area, largest first."""
    areas: dict[str, float] = defaultdict(float)
    total = 0.0
    for (path, _line, _name), (_cc, _nc, tottime, _ct, _callers) in stats.stats.items():
        total += tottime
        label = next((lab for lab, sub in AREAS if sub in path), "other (builtins, C)")
        areas[label] += tottime
    rows = sorted(areas.items(), key=lambda kv: -kv[1])
    return [[k, v, f"{v / total:.0%}"] for k, v in rows]


def main(argv: list[str] | None = None) -> int:
    """Start the profiled server, drive it with the load client, stop it, print the profile."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.profile_server", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    parser.add_argument("--sessions", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--out", type=Path, default=Path("/tmp/bench-server.prof"))
    parser.add_argument(
        "--timer",
        choices=["cpu", "wall"],
        default="cpu",
        help="cpu: each thread's CPU time (robust to machine load); wall: elapsed time",
    )
    parser.add_argument(
        "--server-flag",
        action="append",
        default=[],
        metavar="OPTION=VALUE",
        help="extra `streamlit run` option, e.g. runner.postScriptGC=false",
    )
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)  # internal: the profiled server
    args = parser.parse_args(argv)
    apply_priority()  # BENCH_NICE, inherited by the profiled server and the load client
    if args.serve:
        serve(args.serve, args.out, args.timer == "cpu", args.server_flag)
        return 0

    port = free_port()
    args.out.unlink(missing_ok=True)
    log = open(f"/tmp/bench-profile-server-{port}.log", "w")  # noqa: SIM115 -- closed below
    proc = subprocess.Popen(
        [sys.executable, "-m", "benchmarks.profile_server", "--serve", str(port), "--out", str(args.out),
         "--timer", args.timer, *(x for f in args.server_flag for x in ("--server-flag", f))],
        cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        wait_healthy(f"http://127.0.0.1:{port}", proc)
        print(
            f"# Server profile: {args.sessions} sessions for {args.seconds:g} s (load client in another process)"
        )
        print(machine_line(), flush=True)
        client = [sys.executable, "-m", "benchmarks.load_test", "--url", f"http://127.0.0.1:{port}",
                  "--sessions", str(args.sessions), "--seconds", str(args.seconds)]  # fmt: skip
        if args.server_flag:
            print("server flags: " + " ".join(args.server_flag))
        subprocess.run(client, cwd=ROOT, check=False)
    finally:
        stop(proc, timeout=60)  # the profiles are written at exit
        log.close()
    for _ in range(20):
        if args.out.exists():
            break
        time.sleep(0.5)
    if not args.out.exists():
        print("no profile was written (server killed?)")
        return 1
    stats = pstats.Stats(str(args.out))
    print()
    print(table([f"area (own {args.timer} time, all threads, incl. warm-up)", "s", "share"], by_area(stats)))
    print()
    stats.sort_stats("tottime").print_stats(args.top)
    stats.sort_stats("cumulative").print_stats(args.top)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
