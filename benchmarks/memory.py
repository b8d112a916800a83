"""Server memory: VmRSS of `streamlit run app.py` with 1 and with N sessions, against a bare
`python -c "import torch, streamlit"` process.

Each session is a websocket client (benchmarks/wsclient.py, replaying benchmarks/recorded/session.json) that
opens the app, draws a digit (a distinct MNIST test image per session), visits every page once and stays
connected, so its session state, widget states and media files are all alive when RSS is read.

    .venv/bin/python -m benchmarks.memory [--sessions 30]
"""

from __future__ import annotations

import argparse
import asyncio
import subprocess
import sys
import time

from benchmarks.common import (
    ROOT,
    apply_priority,
    machine_line,
    rss_mb,
    stop,
    streamlit_server,
    table,
)
from benchmarks.load_test import RECORDING, Stats, Student, prepare_drawings
from benchmarks.wsclient import Recording

BUDGET_FIRST_MB = 150.0
BUDGET_EXTRA_MB = 5.0
SETTLE_S = 3.0


def baseline_rss() -> float:
    """VmRSS of a bare `python -c "import torch, streamlit"` (MB), read once the imports are done."""
    return _rss_after("import torch, streamlit")


async def open_sessions(students: list[Student], pid: int | None = None, rows: list | None = None) -> None:
    """Each student: connect, open, draw once, then visit every page once (RSS after each step when `rows`)."""
    for st in students:
        await st.s.connect()
        await st.open()
        if rows is not None:
            rows.append(["  1st session: draw page opened", rss_mb(pid)])
        await st.stroke("first_stroke", time.perf_counter())
        if rows is not None:
            rows.append(["  1st session: + one stroke", rss_mb(pid)])
        for path in [p for p in st.s.pages if p] + [""]:
            await st.navigate(path, time.perf_counter())
            if rows is not None:
                rows.append([f"  1st session: + {path or 'draw'} page visited", rss_mb(pid)])


def import_costs() -> list[list]:
    """RSS added by importing what the pages import, on top of torch + streamlit (fresh process each)."""
    base = "import torch, streamlit"
    probes = {
        "torchvision": "import torchvision.transforms.functional",
        "plotly (graph_objects)": "import plotly.graph_objects, plotly.io",
        "pandas": "import pandas",
        "pyarrow": "import pyarrow",
        "altair (st.bar_chart)": "import altair",
        "PIL": "from PIL import Image",
    }
    ref = _rss_after(base)
    return [[f"  + import {name}", _rss_after(f"{base}; {code}") - ref] for name, code in probes.items()]


def _rss_after(code: str) -> float:
    full = f"{code}; import sys, time; print('ready', flush=True); time.sleep(60)"
    proc = subprocess.Popen([sys.executable, "-c", full], stdout=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        if proc.stdout.readline().strip() != "ready":
            raise RuntimeError(f"probe failed: {code}")
        time.sleep(0.5)
        return rss_mb(proc.pid)
    finally:
        stop(proc)


async def measure(sessions: int, rec: Recording) -> tuple[list[list], list[list]]:
    """Rows (state, RSS MB) for the sessions, and for the first session step by step."""
    drawings = prepare_drawings(sessions, start=5000)
    stats = Stats()
    rows = []
    with streamlit_server() as server:
        url, ws_url = server.url, server.ws_url
        time.sleep(SETTLE_S)
        rows.append(["server started, no session", rss_mb(server.pid)])
        students = [
            Student(i, url, ws_url, rec, [drawings[i]], rec.slider_page, stats, timeout=300)
            for i in range(sessions)
        ]
        steps: list = []
        await open_sessions(students[:1], server.pid, steps)
        await asyncio.sleep(SETTLE_S)
        rows.append(["1 session (drew, visited every page)", rss_mb(server.pid)])
        await open_sessions(students[1:])
        await asyncio.sleep(SETTLE_S)
        rows.append([f"{sessions} sessions (each drew, visited every page)", rss_mb(server.pid)])
        for st in students:
            await st.s.close()
        await asyncio.sleep(SETTLE_S)
        rows.append([f"after the {sessions} sessions disconnected", rss_mb(server.pid)])
    errors = [a for a in stats.actions if a.error]
    if errors or stats.leaks:
        print(
            f"warning: {len(errors)} errors, {len(stats.leaks)} leaks while opening sessions", file=sys.stderr
        )
        for a in errors[:5]:
            print(f"  {a.kind}: {a.error}", file=sys.stderr)
    return rows, steps


def main(argv: list[str] | None = None) -> int:
    """Print the table and the verdicts."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.memory", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    parser.add_argument("--sessions", type=int, default=30)
    parser.add_argument("--recording", default=str(RECORDING))
    parser.add_argument("--imports", action="store_true", help="also measure the RSS each heavy import adds")
    args = parser.parse_args(argv)
    apply_priority()  # BENCH_NICE: a larger CPU share on a shared machine (also for the server)
    rec = Recording.load(args.recording)

    print("# Server memory (VmRSS)")
    print(machine_line())
    base = baseline_rss()
    rows, steps = asyncio.run(measure(args.sessions, rec))
    out = [['bare `python -c "import torch, streamlit"`', base, 0.0]] + [[n, r, r - base] for n, r in rows]
    print(table(["state", "RSS MB", "above baseline MB"], out))
    print()
    print(
        table(
            ["first session, step by step", "RSS MB", "above baseline MB"],
            [[n, r, r - base] for n, r in steps],
        )
    )
    if args.imports:
        print()
        print(table(["import on top of torch + streamlit (fresh process)", "RSS added MB"], import_costs()))
    one, many = rows[1][1], rows[2][1]
    per_extra = (many - one) / max(1, args.sessions - 1)
    print(
        f"\nbudget: 1 session {one - base:.0f} MB above baseline ≤ {BUDGET_FIRST_MB:.0f} MB: "
        f"{'ok' if one - base <= BUDGET_FIRST_MB else 'OVER'} · per extra session {per_extra:.2f} MB ≤ "
        f"{BUDGET_EXTRA_MB:.0f} MB: {'ok' if per_extra <= BUDGET_EXTRA_MB else 'OVER'}"
    )
    print(machine_line())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
