"""Feature maps page: pointer-up -> all conv1 + conv2 maps repainted in Chromium, and the server's script time
per rerun.

The canvas sits on the Feature maps page itself (inside the page's fragment, next to the mosaics), so a stroke
there is the real "draw -> every map follows" path. Each measured stroke is drawn on top of a base "1" and undone
afterwards (undo is not measured), so every measured rerun brings new maps, like live drawing. A second series
times the page's "Load a sample digit" button (click -> both mosaics repainted).

Repainted = both mosaics' <canvas>es (conv1's, conv2's, under .st-key-fm_mosaics) hold the new maps: the page's
script paints them synchronously with putImageData and then stamps their `data-painted`; checked every animation
frame in the page (performance.now() at pointer-up / click vs at the frame both stamps had changed).

Server time = ScriptRunner._run_script wall time for every rerun (full runs and fragment runs), recorded by a
small wrapper around `streamlit run app.py` (the app itself is not instrumented), plus the script thread's CPU
time over the same span: on a busy machine wall time includes waiting for a core, CPU time does not.

    .venv/bin/python -m benchmarks.maps_latency [--strokes 20] [--samples 10] [--no-post-gc]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.common import (
    CANVAS,
    CHROMIUM_ARGS,
    CONNECTED,
    IDLE,
    ROOT,
    SERVER_FLAGS,
    chromium_path,
    free_port,
    machine_line,
    median,
    pct,
    stop,
    table,
    verdict,
    wait_healthy,
)

TIMEOUT = 120_000  # ms: the machine may be busy
BUDGET_REPAINT_P50 = 200.0  # ms, ARCHITECTURE.md §4
BUDGET_SERVER_MEDIAN = 30.0  # ms
MOSAICS = ".st-key-fm_mosaics"  # the page's mosaics: one <canvas> per layer (in a shadow root, if any)

# Runs `streamlit run app.py` with ScriptRunner._run_script timed; one JSON line per rerun into LOG.
BOOT = """
import json, sys, time
from streamlit.runtime.scriptrunner import script_runner as sr

LOG = sys.argv.pop(1)
_run = sr.ScriptRunner._run_script

def _timed(self, rerun_data):
    t0, c0 = time.perf_counter(), time.thread_time()
    try:
        return _run(self, rerun_data)
    finally:
        ms, cpu = (time.perf_counter() - t0) * 1000, (time.thread_time() - c0) * 1000
        with open(LOG, "a") as f:
            f.write(json.dumps({"ms": ms, "cpu": cpu, "fragment": bool(rerun_data.fragment_id_queue)}) + "\\n")

sr.ScriptRunner._run_script = _timed
from streamlit.web.cli import main
sys.argv = ["streamlit", *sys.argv[1:]]
main()
"""

# In the page: remember the mosaics' hrefs and the time at any pointer-up (before the canvas sends its drawing).
INSTALL = (
    "() => {"
    f" const host = () => document.querySelector({json.dumps(MOSAICS)});"
    " const imgs = () => { const h = host(); if (!h) return [];"
    "   const iso = h.querySelector('[data-testid=stBidiComponentIsolated]');"
    "   return [...((iso && iso.shadowRoot) || h).querySelectorAll('canvas')]; };"
    " const hrefs = () => imgs().map(c => c.dataset.painted || null);"
    " window.__fm = { hrefs, t0: null, before: null, t1: null };"
    " window.__fm.arm = () => {"
    "   window.__fm.before = hrefs(); window.__fm.t0 = performance.now(); window.__fm.t1 = null; };"
    # the canvas sits in a shadow root; pointer events are composed, so window sees them first (capture)
    " window.addEventListener('pointerup', () => window.__fm.arm(), { capture: true });"
    "}"
)

REPAINTED = """
() => {
  const f = window.__fm, now = f.hrefs();
  if (f.t0 === null || now.length !== 2 || !now.every((h, i) => h && h !== f.before[i])) return false;
  f.t1 = performance.now();
  return true;
}
"""

BASE = [(150, 40), (150, 240)]  # a "1", drawn once
EXTRA = [  # one extra stroke per measurement, undone afterwards
    [(90, 60), (210, 60)],
    [(80, 140), (220, 140)],
    [(100, 230), (200, 230)],
    [(90, 60), (200, 220)],
    [(210, 60), (100, 220)],
    [(110, 40), (110, 150)],
    [(190, 140), (190, 250)],
    [(80, 100), (150, 40), (220, 100)],
    [(80, 200), (150, 260), (220, 200)],
    [(120, 120), (180, 120), (180, 180), (120, 180), (120, 120)],
]


def _wait_idle(page) -> None:
    page.wait_for_timeout(250)
    page.locator(CONNECTED).wait_for(state="attached", timeout=TIMEOUT)
    page.locator(IDLE).wait_for(state="attached", timeout=TIMEOUT)


def _stroke(page, points) -> None:
    canvas = page.locator(CANVAS)
    box = canvas.bounding_box()

    def at(p):
        return box["x"] + p[0] * box["width"] / 280, box["y"] + p[1] * box["height"] / 280

    page.mouse.move(*at(points[0]))
    page.mouse.down()
    for p in points[1:]:
        page.mouse.move(*at(p), steps=6)
    page.mouse.up()


def _repaint_ms(page) -> float:
    page.wait_for_function(REPAINTED, polling="raf", timeout=TIMEOUT)
    return page.evaluate("() => window.__fm.t1 - window.__fm.t0")


def measure(strokes: int, samples: int, extra_flags: list[str] | None = None) -> dict:
    """Drive one Chromium session on the Feature maps page; returns the latencies and server times (ms)."""
    from playwright.sync_api import sync_playwright

    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = Path(tempfile.mkstemp(prefix="maps-latency-", suffix=".jsonl")[1])
    cmd = [sys.executable, "-c", BOOT, str(log), "run", "app.py", "--server.port", str(port), *SERVER_FLAGS,
           *(extra_flags or [])]  # fmt: skip
    out = open(f"/tmp/maps-latency-{port}.log", "w")  # noqa: SIM115 -- closed below
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
    result = {"stroke": [], "sample": []}
    try:
        wait_healthy(url, proc)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.set_default_timeout(TIMEOUT)
            # a fresh server runs a page file directly (without app.py) until app.py has run once: open / first
            page.goto(f"{url}/")
            page.locator(CANVAS + "[data-ready]").wait_for(timeout=TIMEOUT)
            _wait_idle(page)
            page.goto(f"{url}/feature_maps")
            page.locator(CANVAS + "[data-ready]").wait_for(timeout=TIMEOUT)
            _wait_idle(page)
            page.locator(CANVAS).scroll_into_view_if_needed()
            page.evaluate(INSTALL)
            _stroke(page, BASE)  # first maps: plotly.js loads lazily here, not measured
            page.wait_for_function(REPAINTED, polling="raf", timeout=TIMEOUT)
            _wait_idle(page)
            log.write_text("")  # server times from here on: steady-state reruns only
            for i in range(strokes):
                _stroke(page, EXTRA[i % len(EXTRA)])
                result["stroke"].append(_repaint_ms(page))
                _wait_idle(page)
                page.locator(".st-key-digit_canvas [data-action=undo]").click()
                _wait_idle(page)
            stroke_runs = [json.loads(line) for line in log.read_text().splitlines()]
            button = page.locator(".st-key-fm_sample button").first
            for _ in range(samples):
                page.evaluate("() => window.__fm.arm()")
                button.click()
                result["sample"].append(_repaint_ms(page))
                _wait_idle(page)
            browser.close()
    finally:
        stop(proc)
        out.close()
    result["server_fragment"] = [r["ms"] for r in stroke_runs if r["fragment"]]
    result["server_fragment_cpu"] = [r["cpu"] for r in stroke_runs if r["fragment"]]
    result["server_full"] = [r["ms"] for r in stroke_runs if not r["fragment"]]
    log.unlink(missing_ok=True)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.maps_latency", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--strokes", type=int, default=20)
    parser.add_argument("--samples", type=int, default=10)
    parser.add_argument(
        "--no-post-gc",
        action="store_true",
        help="run the server with runner.postScriptGC=false (Streamlit's gc.collect(2) after every run, A/B)",
    )
    args = parser.parse_args(argv)
    start = time.perf_counter()
    r = measure(args.strokes, args.samples, ["--runner.postScriptGC", "false"] if args.no_post_gc else None)
    rows = []
    for name, values, budget in [
        ("pointer-up → conv1 + conv2 maps repainted", r["stroke"], BUDGET_REPAINT_P50),
        ("sample button → conv1 + conv2 maps repainted", r["sample"], BUDGET_REPAINT_P50),
        ("server wall time, fragment reruns (strokes, undo)", r["server_fragment"], BUDGET_SERVER_MEDIAN),
        ("server CPU time, same reruns", r["server_fragment_cpu"], BUDGET_SERVER_MEDIAN),
        ("server wall time, full reruns", r["server_full"], BUDGET_SERVER_MEDIAN),
    ]:
        p50 = median(values)
        rows.append(
            [
                name,
                len(values),
                p50,
                pct(values, 95),
                max(values, default=float("nan")),
                f"p50 ≤ {budget:g}: {verdict(p50, budget)}" if values else "–",
            ]
        )
    print(machine_line() + (" · runner.postScriptGC=false" if args.no_post_gc else ""))
    print(table(["what (ms)", "n", "p50", "p95", "max", "budget"], rows, title="Feature maps page"))
    print(f"\n({time.perf_counter() - start:.0f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
