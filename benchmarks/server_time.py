"""Server script time per rerun for every page, next to the bare compute floor measured in the same loop.

Each page runs in AppTest (the real app.py + st.navigation + sidebar + page), warmed once, then rerun N times:
- "new digit": every rerun brings a digit never seen before (the draw page gets it as a canvas stroke, i.e. a
  PNG data URL in the canvas' state, so decoding and preprocessing are included; other pages get it injected
  into st.session_state["digit"]) -- nothing is a cache hit, like a stroke;
- "same digit": a rerun with nothing changed -- what any widget change costs at least (cache hits).
The time is the script run itself (ScriptRunner._run_script in the script thread), not AppTest's own parsing.
Note: AppTest always reruns the whole page; in the browser a stroke reruns only the page's fragment.

The floor is the page's computation called directly (explorer core + torch, no Streamlit, no caches), on the
same digits in the same loop, so `ratio = server median / floor median` is what Streamlit and the page's
rendering add.

    .venv/bin/python -m benchmarks.server_time [--reruns 30] [--pages draw,pooling] [--profile PAGE] [--commands PAGE]
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np

from benchmarks.common import (
    ROOT,
    CpuMeter,
    apply_priority,
    canvas_png,
    data_url,
    machine_line,
    median,
    mnist_test_digits,
    pct,
    table,
    verdict,
)
from explorer import ui

BUDGET_MS = 30.0
PAGES = {
    "draw": "pages/draw.py",
    "convolution": "pages/convolution.py",
    "feature_maps": "pages/feature_maps.py",
    "pooling": "pages/pooling.py",
    "why_cnn": "pages/why_cnn.py",
}
CANVAS_KEY = "digit_canvas"  # explorer.ui.canvas.KEY


# ---------------------------------------------------------------------------------------------------------
# timing the script thread


@dataclass
class ScriptClock:
    """Wraps ScriptRunner._run_script: per run (wall s, script-thread CPU s, wall s of the post-run
    gc.collect(2) that `streamlit run` does), optionally under cProfile."""

    runs: list[tuple[float, float, float]] = field(default_factory=list)
    profile: cProfile.Profile | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    def install(self) -> None:
        import gc

        from streamlit.runtime.scriptrunner.script_runner import ScriptRunner

        original = ScriptRunner._run_script
        clock = self

        from streamlit import config

        def timed(runner, rerun_data):
            prof = clock.profile
            t0, c0 = time.perf_counter(), time.thread_time()
            if prof is not None:
                prof.enable()
            gc_s = 0.0
            try:
                return original(runner, rerun_data)
            finally:
                if config.get_option("runner.postScriptGC"):
                    # `streamlit run` ends every run (fragment runs too) with gc.collect(2) in
                    # ScriptRunner._on_script_finished; AppTest's LocalScriptRunner skips it, so do it here.
                    g0 = time.perf_counter()
                    gc.collect(2)
                    gc_s = time.perf_counter() - g0
                if prof is not None:
                    prof.disable()
                with clock.lock:
                    clock.runs.append((time.perf_counter() - t0, time.thread_time() - c0, gc_s))

        ScriptRunner._run_script = timed

        # `streamlit run` compiles each script once per process (Runtime's ScriptCache); AppTest makes a new
        # cache per run and recompiles app.py and the page (with magic's AST pass) every time: share one.
        from streamlit.runtime.scriptrunner.script_cache import ScriptCache
        from streamlit.testing.v1 import app_test, local_script_runner

        shared = ScriptCache()
        local_script_runner.ScriptCache = app_test.ScriptCache = lambda: shared

        # AppTest forgets before every run that app.py calls st.navigation, so each run would first start the
        # page as a v1 `pages/` script and rerun through app.py (explorer.ui.require_shell); a server does that
        # once, on its first request.
        from streamlit.runtime.pages_manager import PagesManager

        class ServerPagesManager(PagesManager):
            def __init__(self, *args, **kwargs) -> None:
                super().__init__(*args, **kwargs)
                PagesManager.uses_pages_directory = False

        app_test.PagesManager = ServerPagesManager

    def take(self) -> list[tuple[float, float, float]]:
        with self.lock:
            runs, self.runs = self.runs, []
        return runs


class CommandClock:
    """Wall time of every top-level Streamlit command (st.markdown, col.slider, ...), real time, no profiler.

    Wraps the public methods of DeltaGenerator (what `st.x`, `col.x` and `container.x` call) and rebinds the
    `st.x` names bound to the main DeltaGenerator at import. Commands inside commands count in the outer one."""

    def __init__(self) -> None:
        self.cost: dict[str, list[float]] = {}
        self.local = threading.local()
        self.enabled = False

    def install(self) -> None:
        import types

        import streamlit as st
        from streamlit.delta_generator import DeltaGenerator

        clock = self

        def wrap(name: str, func):
            def timed(*args, **kwargs):
                depth = getattr(clock.local, "depth", 0)
                if not clock.enabled or depth:
                    return func(*args, **kwargs)
                clock.local.depth = 1
                t0 = time.perf_counter()
                try:
                    return func(*args, **kwargs)
                finally:
                    clock.local.depth = 0
                    entry = clock.cost.setdefault(name, [0.0, 0])
                    entry[0] += time.perf_counter() - t0
                    entry[1] += 1

            return timed

        wrapped = {}
        for name in dir(DeltaGenerator):
            attr = getattr(DeltaGenerator, name, None)
            if name.startswith("_") or not callable(attr) or isinstance(attr, type):
                continue
            wrapped[name] = wrap(name, attr)
            setattr(DeltaGenerator, name, wrapped[name])
        main_dg = st._main
        for name in dir(st):
            bound = getattr(st, name)
            if getattr(bound, "__self__", None) is main_dg and name in wrapped:
                setattr(st, name, types.MethodType(wrapped[name], main_dg))

    def table(self, runs: int, total_ms: float, top: int = 30) -> list[list]:
        """Rows (command, ms per rerun, calls per rerun), the costliest first, then what is left."""
        rows = sorted(self.cost.items(), key=lambda kv: -kv[1][0])
        out = [[f"st.{k}", v[0] * 1e3 / runs, v[1] / runs] for k, v in rows[:top]]
        commands = sum(v[0] for _, v in rows) * 1e3 / runs
        out.append(["all Streamlit commands", commands, sum(v[1] for _, v in rows) / runs])
        out.append(["the rest (our code, figures, torch, app.py)", total_ms - commands, ""])
        return out


class FragmentRuns:
    """Lets AppTest rerun one fragment alone, as the browser asks when a widget inside it changes: while
    `ids` is set, every run request carries them as its fragment_id_queue (AppTest keeps its fragments)."""

    ids: ClassVar[list[str]] = []

    @classmethod
    def install(cls) -> None:
        from streamlit.testing.v1 import local_script_runner

        base = local_script_runner.RerunData

        def rerun_data(*args, **kwargs):
            if cls.ids:
                kwargs.setdefault("fragment_id_queue", list(cls.ids))
            return base(*args, **kwargs)

        local_script_runner.RerunData = rerun_data


def top_fragments(at) -> dict[str, str]:
    """{function name: fragment id} of the page's outermost fragments (what a widget inside them reruns)."""
    storage = at._fragment_storage
    found = {}
    for fid, wrapped in storage._fragments.items():
        if storage._parent_by_id.get(fid) is not None:
            continue
        cells = [c.cell_contents for c in wrapped.__closure__ or () if callable(c.cell_contents)]
        names = [f.__name__ for f in cells if getattr(f, "__name__", "").isidentifier()]
        found[names[0] if names else fid[:8]] = fid
    return found


# ---------------------------------------------------------------------------------------------------------
# floors: each page's computation without Streamlit


class Floors:
    """The bare computation per page (explorer core + torch, uncached) for one digit."""

    def __init__(self) -> None:
        import torch

        from explorer.model import load_pretrained, torch_for_serving

        torch_for_serving()  # as explorer.ui does
        self.torch = torch
        self.model = load_pretrained()

    def _acts(self, digit: np.ndarray) -> dict:
        from explorer.preprocess import to_input

        with self.torch.inference_mode():
            return self.model.activations(to_input(digit))

    def draw(self, digit: np.ndarray, png: bytes) -> None:
        from explorer.preprocess import load_image, preprocess

        steps = preprocess(load_image(png))
        self._acts(steps.digit if steps.digit is not None else digit)

    def convolution(self, digit: np.ndarray, png: bytes) -> None:
        from explorer import playground as pg

        s = pg.Settings.from_state(pg.DEFAULTS)
        s.convolve(digit)
        s.step(digit, 0, 0)

    def feature_maps(self, digit: np.ndarray, png: bytes) -> None:
        self._acts(digit)

    def pooling(self, digit: np.ndarray, png: bytes) -> None:
        from explorer import invariance as inv
        from explorer import pooling_lesson as lesson

        acts = self._acts(digit)
        lesson.run_pool(acts["relu1"][0, 0].numpy(), lesson.PoolSettings())
        tr = inv.Transform(1, 0, 0.0, 1.0)
        inv.measure(self.model, digit, tr, 0)
        inv.variant_row(self.model, digit, tr)

    def why_cnn(self, digit: np.ndarray, png: bytes) -> None:
        self._acts(digit)

    def get(self, page: str) -> Callable[[np.ndarray, bytes], None]:
        return getattr(self, page)


# ---------------------------------------------------------------------------------------------------------
# one page


@dataclass
class PageResult:
    """Milliseconds per rerun (wall, script-thread CPU, post-run GC wall) for new-digit and same-digit reruns,
    and the floor's (wall, CPU, 0)."""

    page: str
    new: list[tuple[float, float, float]] = field(default_factory=list)
    same: list[tuple[float, float, float]] = field(default_factory=list)
    floor: list[tuple[float, float, float]] = field(default_factory=list)
    fragments: dict[str, list[tuple[float, float, float]]] = field(default_factory=dict)
    error: str | None = None


def _ms(runs: list[tuple[float, float, float]]) -> list[tuple[float, float, float]]:
    return [(w * 1e3, c * 1e3, g * 1e3) for w, c, g in runs]


def _new_app(page_file: str, digit: np.ndarray):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
    at.session_state["digit"] = digit
    at.switch_page(page_file).run()
    return at


def _inject(at, page: str, digit: np.ndarray, png: bytes) -> None:
    if page == "draw":  # the canvas' state value, exactly as the component sets it
        at.session_state[CANVAS_KEY] = {"stroke": {"id": "b" + uuid.uuid4().hex[:12], "png": data_url(png)}}
    else:
        at.session_state["digit"] = digit


def measure_page(
    page: str, reruns: int, digits: np.ndarray, pngs: list[bytes], floors: Floors, clock: ScriptClock
) -> PageResult:
    """Warm the page once, then time `reruns` new-digit and `reruns` same-digit reruns, and the floor."""
    floor = floors.get(page)
    try:
        at = _new_app(PAGES[page], digits[0])
        _inject(at, page, digits[1], pngs[1])
        at.run()  # warm both paths (first canvas PNG, first activations)
        ui.warm_up_done.wait(60)  # app.py's background imports + gc.freeze(), seconds after a server starts
        if at.exception:
            return PageResult(page, error=at.exception[0].value.splitlines()[0][:120])
    except Exception as e:  # a page mid-edit must not stop the other pages
        return PageResult(page, error=f"{type(e).__name__}: {e}"[:120])
    clock.take()
    r = PageResult(page)
    for i in range(reruns):
        d, png = digits[2 + i], pngs[2 + i]
        t0, c0 = time.perf_counter(), time.thread_time()
        floor(d, png)
        r.floor.append(((time.perf_counter() - t0) * 1e3, (time.thread_time() - c0) * 1e3, 0.0))

        _inject(at, page, d, png)
        at.run()
        r.new += _ms(clock.take())

        at.run()
        r.same += _ms(clock.take())
        if at.exception:
            r.error = at.exception[0].value.splitlines()[0][:120]
            break
    if not r.error:
        r.fragments = measure_fragments(at, page, reruns, digits, pngs, clock)
    return r


def measure_fragments(at, page: str, reruns: int, digits, pngs, clock: ScriptClock) -> dict[str, list]:
    """Each outermost fragment rerun alone `reruns` times, a new digit each time (last: the page's full run
    is not needed again; AppTest's element tree then holds only the fragment)."""
    out = {}
    for name, fid in top_fragments(at).items():
        FragmentRuns.ids = [fid]
        try:
            for i in range(reruns):  # digits the whole-page reruns didn't see: nothing is a cache hit
                _inject(at, page, digits[2 + reruns + i], pngs[2 + reruns + i])
                at.run()
            out[name] = _ms(clock.take())
        finally:
            FragmentRuns.ids = []
    return out


def profile_page(
    page: str,
    reruns: int,
    digits: np.ndarray,
    pngs: list[bytes],
    clock: ScriptClock,
    top: int = 35,
    dump: str | None = None,
    fragment: bool = False,
) -> str:
    """cProfile (script-thread CPU time) of `reruns` new-digit reruns of one page, by cumulative and own time."""
    at = _new_app(PAGES[page], digits[0])
    _inject(at, page, digits[1], pngs[1])
    at.run()
    clock.take()
    fragments = top_fragments(at) if fragment else {}
    FragmentRuns.ids = list(fragments.values())[:1]
    clock.profile = cProfile.Profile(time.thread_time)  # CPU time: machine load inflates it less
    try:
        for i in range(reruns):
            _inject(at, page, digits[2 + i], pngs[2 + i])
            at.run()
    finally:
        prof, clock.profile = clock.profile, None
        FragmentRuns.ids = []
    runs = clock.take()
    out = io.StringIO()
    print(
        f"## cProfile of {len(runs)} new-digit reruns of {page} (median {median([w for w, _, _ in runs]) * 1e3:.1f} ms)",
        file=out,
    )
    stats = pstats.Stats(prof, stream=out)
    if dump:
        stats.dump_stats(dump)
    print(
        table(["called from our code", "CPU ms / rerun", "calls / rerun"], attribution(stats, len(runs))),
        file=out,
    )
    print(file=out)
    stats.sort_stats("cumulative").print_stats(top)
    stats.sort_stats("tottime").print_stats(top)
    return out.getvalue()


OURS = ("/pages/", "/app.py", "/explorer/")


def _short(path: str, name: str) -> str:
    if "/site-packages/streamlit/" in path:
        return f"st: {name}"
    for root in ("/pages/", "/explorer/"):
        if root in path:
            return root.strip("/") + "/" + path.split(root, 1)[1] + f":{name}"
    return path.rsplit("/site-packages/", 1)[-1] + f":{name}"


def attribution(stats: pstats.Stats, runs: int, top: int = 25) -> list[list]:
    """Where a rerun goes: the cumulative cost of each Streamlit command (the function behind Streamlit's
    telemetry wrapper) and of each library or figure-builder call made directly from our code."""
    cost: dict[str, list[float]] = {}

    def add(label: str, seconds: float, calls: int) -> None:
        entry = cost.setdefault(label, [0.0, 0])
        entry[0] += seconds
        entry[1] += calls

    for (path, _line, name), (_cc, _nc, _tt, _ct, callers) in stats.stats.items():
        for (cpath, _cl, cname), (_ccc, cnc, _ctt, cct) in callers.items():
            if (
                cpath.endswith("metrics_util.py")
                and cname == "wrapped_func"
                and not path.endswith("metrics_util.py")
            ):
                add(f"st.{name.lstrip('_')}", cct, cnc)  # a Streamlit command (nested ones counted too)
            elif any(o in cpath for o in OURS) and "/streamlit/" not in path:
                if any(o in path for o in OURS) and "/plots/" not in path:
                    continue  # our own non-figure code: see the cumulative list below
                add(_short(path, name), cct, cnc)
    rows = sorted(cost.items(), key=lambda kv: -kv[1][0])[:top]
    return [[k, v[0] * 1e3 / max(runs, 1), v[1] / max(runs, 1)] for k, v in rows]


def command_costs(
    page: str, reruns: int, digits: np.ndarray, pngs: list[bytes], clock: ScriptClock, fragment: bool = False
) -> str:
    """Real time per Streamlit command over `reruns` new-digit reruns of one page (no profiler); with
    `fragment`, reruns of the page's first outermost fragment alone."""
    commands = CommandClock()
    commands.install()
    at = _new_app(PAGES[page], digits[0])
    _inject(at, page, digits[1], pngs[1])
    at.run()
    ui.warm_up_done.wait(60)
    clock.take()
    names = list(top_fragments(at)) if fragment else []
    FragmentRuns.ids = [top_fragments(at)[names[0]]] if names else []
    commands.enabled = True
    try:
        for i in range(reruns):
            _inject(at, page, digits[2 + i], pngs[2 + i])
            at.run()
    finally:
        commands.enabled = False
        FragmentRuns.ids = []
    runs = clock.take()
    total = sum(w for w, _, _ in runs) * 1e3 / len(runs)
    what = f"reruns of its fragment {names[0]}" if names else "reruns"
    head = f"## Streamlit commands in {len(runs)} new-digit {what} of {page} (mean {total:.1f} ms per rerun)"
    return head + "\n" + table(["command", "ms / rerun", "calls / rerun"], commands.table(len(runs), total))


def main(argv: list[str] | None = None) -> int:
    """Print the table (and a profile when asked)."""
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.server_time",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--reruns", type=int, default=30)
    parser.add_argument("--pages", default=",".join(PAGES), help="comma-separated: " + ", ".join(PAGES))
    parser.add_argument("--profile", choices=list(PAGES), help="also print a cProfile of this page's reruns")
    parser.add_argument("--commands", choices=list(PAGES), help="also print the time per Streamlit command")
    parser.add_argument(
        "--fragment", action="store_true", help="--commands, --profile: the page's first fragment alone"
    )
    parser.add_argument("--profile-out", help="also save the profile (pstats file) here")
    parser.add_argument("--no-post-gc", action="store_true", help="set runner.postScriptGC=false (A/B)")
    args = parser.parse_args(argv)
    apply_priority()  # BENCH_NICE: a larger CPU share on a shared machine (also for the server)
    pages = [p for p in args.pages.split(",") if p]

    import logging

    logging.getLogger("streamlit").setLevel(logging.ERROR)  # AppTest's "missing ScriptRunContext" noise
    digits, _ = mnist_test_digits(2 * args.reruns + 2, start=100)
    pngs = [canvas_png(d) for d in digits]
    if args.no_post_gc:
        from streamlit import config

        config.set_option("runner.postScriptGC", False)
    clock = ScriptClock()
    clock.install()
    FragmentRuns.install()
    floors = Floors()

    gc_note = " · runner.postScriptGC=false" if args.no_post_gc else ""
    print(f"# Server time per rerun (AppTest, {args.reruns} reruns per column{gc_note})")
    print(machine_line())
    meter = CpuMeter().start()
    rows = []
    for page in pages:
        r = measure_page(page, args.reruns, digits, pngs, floors, clock)
        if r.error or not r.new:
            rows.append([page, f"error: {r.error}", *[""] * 9])
            continue
        wall = {k: [x[0] for x in getattr(r, k)] for k in ("new", "same", "floor")}
        cpu = {k: [x[1] for x in getattr(r, k)] for k in ("new", "same", "floor")}
        gc_ms = {k: [x[2] for x in getattr(r, k)] for k in ("new", "same")}
        frags = " · ".join(
            f"{name} {median([w for w, _, _ in runs]):.1f} (CPU {median([c for _, c, _ in runs]):.1f})"
            for name, runs in r.fragments.items()
            if runs
        )
        rows.append([
            page, median(wall["new"]), pct(wall["new"], 95), median(gc_ms["new"]), median(cpu["new"]),
            median(wall["same"]), pct(wall["same"], 95), median(gc_ms["same"]),
            median(cpu["floor"]), f"{median(cpu['new']) / max(median(cpu['floor']), 1e-3):.0f}x",
            verdict(max(median(wall["new"]), median(wall["same"])), BUDGET_MS), frags or "–",
        ])  # fmt: skip
    busy = meter.stop()
    headers = ["page", "new digit p50 ms", "p95", "of which GC", "CPU p50", "same digit p50 ms", "p95",
               "of which GC", "floor CPU p50", "CPU ratio new/floor", f"p50 ≤ {BUDGET_MS:.0f} ms",
               "fragment alone, new digit p50 ms"]  # fmt: skip
    print(table(headers, rows))
    print(
        "\n(ms; wall = the script run in its thread plus the gc.collect(2) `streamlit run` does after every run "
        "unless runner.postScriptGC=false ('of which GC'; AppTest itself skips it); "
        "CPU = that thread's CPU time, which machine load inflates less; floor = the page's computation alone; "
        "fragment alone = a rerun of only that outermost fragment, what the browser asks for when a widget "
        "inside it changes (a stroke, a slider), including the post-run GC)"
    )
    print(f"CPU busy (all cores, whole machine) during the run: {busy:.0%} · after: {machine_line()}")
    if args.commands:
        print()
        print(command_costs(args.commands, min(args.reruns, 20), digits, pngs, clock, args.fragment))
    if args.profile:
        print()
        n = min(args.reruns, 20)
        print(
            profile_page(args.profile, n, digits, pngs, clock, dump=args.profile_out, fragment=args.fragment)
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
