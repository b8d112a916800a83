"""Classroom load: N concurrent sessions against one `streamlit run app.py`, each speaking Streamlit's websocket
protocol (benchmarks/wsclient.py) with the messages a real browser sent (benchmarks/recorded/session.json,
made by benchmarks/record_session.py; recorded automatically when missing).

Per session: open the app (draw page) and draw a first digit; then, every --period seconds for --seconds, one
action at a fixed phase (sessions are spread evenly over the period):
- even sessions: first half strokes on the draw page (canvas state = a new MNIST test digit rendered as the
  canvas' PNG, a fragment rerun), then go to --slider-page and move a slider there (a rerun of the fragment holding it, as Chromium sends it);
- odd sessions: the same two halves in the other order, so strokes and slider moves overlap all the time.
An action is sent when due, or as soon as the session's previous action finished (a late start is counted).

Latency = BackMsg sent -> its script_finished ForwardMsg. With browser.gatherUsageStats on (as on Community
Cloud) the server also reports each run's own exec time (page_profile), printed next to it.

Isolation checks on every reply (a failure counts as a cross-session leak):
- stroke: the canvas is sent back showing this stroke's own id; the prediction metric is the digit the model
  predicts for THIS session's drawing; the bar chart holds exactly its ten probabilities;
- slider: a fragment rerun's text is what this session got before for the same slider value (a full rerun:
  the sidebar thumbnail, fetched from /media, is this session's current digit; so after every navigation).

    .venv/bin/python -m benchmarks.load_test [--sessions 30] [--seconds 60] [--period 2] [--url URL]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import io
import json
import random
import re
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from benchmarks.common import (
    CpuMeter,
    apply_priority,
    canvas_png,
    data_url,
    machine_line,
    median,
    mnist_test_digits,
    pct,
    process_cpu_seconds,
    rss_mb,
    streamlit_server,
    table,
)
from benchmarks.wsclient import Recording, Run, Session, widget_key

RECORDING = Path(__file__).resolve().parent / "recorded" / "session.json"
BUDGET_P95_MS = 500.0
CANVAS_KEY = "digit_canvas"
BAR_VALUE = re.compile(r'data-p="([0-9.]+)"')  # explorer.ui.widgets.probability_bars: one per digit


# ---------------------------------------------------------------------------------------------------------
# what each session draws, and what it must see


@dataclass(frozen=True)
class Drawing:
    """One stroke's PNG and what the app must answer for it."""

    png_url: str
    digit: np.ndarray  # the app's 28x28 digit after preprocessing
    probs: np.ndarray  # (10,)
    predicted: int


def prepare_drawings(n: int, start: int) -> list[Drawing]:
    """`n` distinct MNIST test digits as canvas PNGs, with the expected digit and probabilities (same code as
    the app: explorer.preprocess + the bundled model)."""
    import torch

    from explorer.model import load_pretrained
    from explorer.preprocess import load_image, preprocess, to_input

    torch.set_num_threads(1)
    model = load_pretrained()
    images, _ = mnist_test_digits(n, start=start)
    out = []
    for img in images:
        png = canvas_png(img)
        digit = preprocess(load_image(png)).digit
        with torch.inference_mode():
            probs = model.activations(to_input(digit))["softmax"][0].numpy()
        out.append(Drawing(data_url(png), digit, probs.astype(np.float64), int(probs.argmax())))
    return out


def thumbnail_pixels(png: bytes) -> np.ndarray:
    """A PNG decoded to an RGBA uint8 array."""
    from PIL import Image

    return np.asarray(Image.open(io.BytesIO(png)).convert("RGBA"))


def expected_thumbnail(digit: np.ndarray, side: int) -> np.ndarray:
    """The sidebar thumbnail of `digit` as the app draws it (explorer.plots.to_png), decoded."""
    from explorer.plots import to_png

    return thumbnail_pixels(to_png(digit, factor=max(1, side // 28)))


# ---------------------------------------------------------------------------------------------------------
# results


@dataclass
class Action:
    session: int
    kind: str  # load | first_stroke | stroke | navigate | slider
    latency_ms: float | None
    exec_ms: float | None
    late_ms: float
    nbytes: int
    error: str | None = None


@dataclass
class Stats:
    actions: list[Action] = field(default_factory=list)
    leaks: list[str] = field(default_factory=list)
    checks: int = 0

    def add(self, a: Action) -> None:
        self.actions.append(a)


# ---------------------------------------------------------------------------------------------------------
# one session


class Student:
    """One simulated student: a websocket session replaying the recorded browser messages."""

    def __init__(
        self,
        index: int,
        server_url: str,
        ws_url: str,
        rec: Recording,
        drawings: list[Drawing],
        slider_page: str,
        stats: Stats,
        timeout: float,
    ) -> None:
        self.i = index
        self.http = server_url
        self.s = Session(ws_url)
        self.rec = rec
        self.drawings = drawings
        self.slider_page = slider_page
        self.stats = stats
        self.timeout = timeout
        self.current: Drawing | None = None
        self.strokes = 0
        self.page = ""
        self.ids: dict[str, str] = {}  # user key -> widget id, as last shown
        self.fragments: dict[str, str] = {}  # user key -> fragment id of the element
        self.sliders: dict[str, tuple[str, list[float]]] = {}  # user key -> (id, default value)
        self.slider_key: str | None = None
        self.slider_values: list[list[float]] = []
        self.slider_turn = 0
        self.slider_replies: dict[tuple, str] = {}  # slider value -> the fragment's text for it
        self.rng = random.Random(index)
        self.dead = False

    # ---- protocol helpers

    def _learn(self, run: Run) -> None:
        for delta, el in run.elements():
            kind = el.WhichOneof("type")
            wid = getattr(getattr(el, kind), "id", "") if kind else ""
            key = widget_key(wid) if isinstance(wid, str) else None
            if key:
                self.ids[key] = wid
                self.fragments[key] = delta.fragment_id
            if kind == "slider" and key:
                self.sliders[key] = (wid, list(el.slider.default))

    def _remap(self, template) -> list:
        """The recorded widget states with this session's widget ids (matched by user key)."""
        out = []
        for w in template.widget_states.widgets:
            key = widget_key(w.id)
            if key and key in self.ids:
                w = type(w).FromString(w.SerializeToString())
                w.id = self.ids[key]
                out.append(w)
        return out

    async def _rerun(self, state, kind: str, due: float) -> Run | None:
        late = max(0.0, time.perf_counter() - due) * 1e3
        try:
            run = await self.s.rerun(state, timeout=self.timeout)
        except Exception as e:  # closed socket, protocol error
            self.stats.add(Action(self.i, kind, None, None, late, 0, f"{type(e).__name__}: {e}"[:160]))
            self.dead = True
            return None
        error = None
        if run.status == "timeout":
            error, self.dead = "timeout", True  # later messages could be mistaken for the next run's
        elif run.status not in ("ok", "ok-fragment"):
            error = f"script finished: {run.status}"
        elif run.exceptions():
            error = "exception: " + run.exceptions()[0][:140]
        self.stats.add(Action(self.i, kind, run.latency_ms, run.exec_ms, late, run.nbytes, error))
        self._learn(run)
        return run

    # ---- actions

    async def open(self) -> None:
        """Load the app's default page, as the browser's first message does."""
        template = self.rec.reruns("load")[0]
        state = self.s.client_state(query_string=template.query_string, page_hash="")
        state.context_info.CopyFrom(template.context_info)
        self.s.context_info = template.context_info
        await self._rerun(state, "load", time.perf_counter())
        self.page = ""

    async def stroke(self, kind: str, due: float) -> None:
        """Send the next drawing as the canvas' new state (a fragment rerun) and check the reply."""
        template = self.rec.reruns("stroke")[0]
        drawing = self.drawings[self.strokes % len(self.drawings)]
        self.strokes += 1
        stroke_id = f"s{self.i}-{self.strokes}-{self.rng.getrandbits(32):08x}"
        widgets = self._remap(template)
        for w in widgets:
            if widget_key(w.id) == CANVAS_KEY:
                w.json_value = json.dumps({"stroke": {"id": stroke_id, "png": drawing.png_url}})
        fragment = self.fragments.get(CANVAS_KEY, template.fragment_id)
        state = self.s.client_state(
            query_string=template.query_string, page_hash=self.s.pages.get("", template.page_script_hash),
            fragment_id=fragment, widgets=widgets,
        )  # fmt: skip
        run = await self._rerun(state, kind, due)
        if run is None or run.status not in ("ok", "ok-fragment"):
            return
        self.current = drawing
        self._check_stroke(run, stroke_id, drawing)

    async def navigate(self, path: str, due: float) -> None:
        """Go to another page through the sidebar (no widget states, the page's hash)."""
        state = self.s.client_state(query_string="lang=en", page_hash=self.s.pages.get(path, ""), widgets=[])
        self.ids, self.fragments, self.sliders = {}, {}, {}
        run = await self._rerun(state, "navigate", due)
        self.page = path
        if run is not None and path == self.slider_page:
            self._pick_slider()
            await self._check_thumbnail(run)

    def _pick_slider(self) -> None:
        """The slider the browser moved in the recording, and the two values to alternate between."""
        template = self.rec.reruns("slider")[0]
        recorded = {widget_key(w.id): list(w.double_array_value.data) for w in template.widget_states.widgets
                    if w.WhichOneof("value") == "double_array_value"}  # fmt: skip
        moved = [k for k, v in recorded.items() if k in self.sliders and v != self.sliders[k][1]]
        key = moved[0] if moved else next(iter(self.sliders), None)
        self.slider_key = key
        if key is not None:
            default = self.sliders[key][1]
            other = recorded.get(key) if moved else [default[0] + 1]
            self.slider_values = [other, default]

    async def slide(self, due: float) -> None:
        """Move the slider (as Chromium does: a rerun of the fragment holding it, else of the page) and check
        the reply is this session's."""
        if self.slider_key is None:
            self.stats.add(Action(self.i, "slider", None, None, 0, 0, "no slider found on the page"))
            return
        template = self.rec.reruns("slider")[0]
        widgets = self._remap(template)
        value = self.slider_values[self.slider_turn % 2]
        self.slider_turn += 1
        for w in widgets:
            if widget_key(w.id) == self.slider_key:
                del w.double_array_value.data[:]
                w.double_array_value.data.extend(value)
        fragment = self.fragments.get(self.slider_key, "")  # Chromium reruns only the slider's fragment
        state = self.s.client_state(
            query_string=template.query_string,
            page_hash=self.s.pages.get(self.slider_page, ""),
            fragment_id=fragment,
            widgets=widgets,
        )
        run = await self._rerun(state, "slider", due)
        if run is not None and run.status == "ok":
            await self._check_thumbnail(run)
        elif run is not None and run.status == "ok-fragment":
            self._check_slider_reply(run, value)

    def _check_slider_reply(self, run: Run, value: list[float]) -> None:
        """A fragment rerun has no sidebar: its text must be what this session got before for the same value."""
        text = "\n".join(el.markdown.body for _, el in run.elements("markdown"))
        self.stats.checks += 1
        seen = self.slider_replies.setdefault(tuple(value), text)
        if text != seen:
            self._leak(f"slider value {value}: the page shows another state than before")

    # ---- isolation checks

    def _leak(self, text: str) -> None:
        self.stats.leaks.append(f"session {self.i}: {text}")

    def _check_stroke(self, run: Run, stroke_id: str, drawing: Drawing) -> None:
        self.stats.checks += 1
        scenes = [json.loads(el.bidi_component.json).get("scene_id") for d, el in run.elements("bidi_component")
                  if el.bidi_component.id.endswith(CANVAS_KEY)]  # fmt: skip
        if not scenes or scenes[-1] != stroke_id:
            got = scenes[-1] if scenes else None
            self._leak(f"canvas scene {got!r} is not this stroke {stroke_id!r}")
        metrics = [el.metric.body for _, el in run.elements("metric")]
        if not metrics or metrics[0] != str(drawing.predicted):
            self._leak(f"prediction {metrics[:1]} != expected {drawing.predicted}")
        probs = self._chart_probabilities(run)
        if probs is None:
            self._leak("no probability chart in the reply")
        elif probs.shape != (10,) or not np.allclose(probs, drawing.probs, atol=1e-4):
            self._leak(f"chart probabilities {np.round(probs, 3)} != expected {np.round(drawing.probs, 3)}")

    @staticmethod
    def _chart_probabilities(run: Run) -> np.ndarray | None:
        """The ten probabilities of the prediction bars (explorer.ui.widgets.probability_bars), or None."""
        for _, el in run.elements("html"):
            found = BAR_VALUE.findall(el.html.body)
            if len(found) == 10:
                return np.asarray([float(p) for p in found], dtype=np.float64)
        return None

    async def _check_thumbnail(self, run: Run) -> None:
        if self.current is None:
            return
        urls = [el.imgs.imgs[0].url for d, el in self._sidebar_elements(run, "imgs") if el.imgs.imgs]
        self.stats.checks += 1
        if not urls:
            self._leak("no digit thumbnail in the sidebar")
            return
        try:
            if urls[0].startswith("data:"):  # the thumbnail comes inline (explorer.ui.sidebar)
                png = base64.b64decode(urls[0].split(",", 1)[1])
            else:
                png = await asyncio.to_thread(_fetch, self.http + urls[0])
        except Exception as e:
            self.stats.add(Action(self.i, "thumbnail", None, None, 0, 0, f"fetch {urls[0]}: {e}"[:160]))
            return
        got = thumbnail_pixels(png)
        want = expected_thumbnail(self.current.digit, got.shape[0])
        if got.shape != want.shape or np.abs(got.astype(int) - want.astype(int)).max() > 1:
            self._leak("sidebar thumbnail is not this session's digit")

    @staticmethod
    def _sidebar_elements(run: Run, kind: str):
        for m in run.messages:
            if m.WhichOneof("type") != "delta" or m.delta.WhichOneof("type") != "new_element":
                continue
            el = m.delta.new_element
            if el.WhichOneof("type") == kind and m.metadata.delta_path[:1] == [1]:  # root 1 = sidebar
                yield m.delta, el

    def _plan(self, n: int) -> list[str]:
        half = n // 2
        strokes = ["stroke"] * half
        sliders = [f"nav:{self.slider_page}"] + ["slider"] * (n - half - 1)
        if self.i % 2 == 0:
            return strokes + sliders
        return sliders[: n - half] + ["nav:"] + ["stroke"] * (half - 1)


def _fetch(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=30) as r:
        return r.read()


# ---------------------------------------------------------------------------------------------------------
# the run


@dataclass
class Phase:
    """What the timed phase cost: wall seconds, machine CPU busy fraction, server CPU seconds and RSS."""

    wall: float
    cpu_busy: float
    server_cpu: float | None
    rss_before: float | None
    rss_after: float | None


async def run_load(
    server_url: str,
    ws_url: str,
    pid: int | None,
    args,
    rec: Recording,
    drawings: list[list[Drawing]],
    stats: Stats,
) -> Phase:
    """Connect everyone (at most --connect-concurrency at a time) and draw once, then the timed phase."""
    n_actions = max(2, round(args.seconds / args.period))
    students = [
        Student(i, server_url, ws_url, rec, drawings[i], args.slider_page, stats, args.timeout)
        for i in range(args.sessions)
    ]
    gate = asyncio.Semaphore(args.connect_concurrency)
    if not args.no_warmup:
        await warm_up(ws_url, rec, args.timeout * 4)
    rss_before = rss_mb(pid) if pid else None

    async def setup(st: Student) -> None:
        async with gate:
            try:
                await st.s.connect()
                await st.open()
                if not st.dead:
                    await st.stroke("first_stroke", time.perf_counter())
            except Exception as e:
                stats.add(Action(st.i, "load", None, None, 0, 0, f"{type(e).__name__}: {e}"[:160]))
                st.dead = True

    await asyncio.wait_for(asyncio.gather(*(setup(st) for st in students)), args.timeout * 3 + 60)

    meter = CpuMeter().start()
    cpu0 = process_cpu_seconds(pid) if pid else None
    t0 = time.perf_counter() + 0.2
    tasks = [
        asyncio.create_task(timed(st, t0 + i * args.period / args.sessions, args.period, n_actions))
        for i, st in enumerate(students)
    ]
    _, pending = await asyncio.wait(tasks, timeout=args.seconds + args.timeout + 30)
    for t in pending:  # bounded: whatever is still running at the deadline is stopped and counted
        t.cancel()
        stats.add(Action(-1, "session", None, None, 0, 0, "session still running at the deadline"))
    wall = time.perf_counter() - t0
    phase = Phase(
        wall,
        meter.stop(),
        process_cpu_seconds(pid) - cpu0 if pid else None,
        rss_before,
        rss_mb(pid) if pid else None,
    )
    for st in students:
        await st.s.close()
    return phase


async def warm_up(ws_url: str, rec: Recording, timeout: float) -> None:
    """One session opens every page once (imports, model, caches), as the teacher would before class."""
    s = Session(ws_url)
    await s.connect()
    template = rec.reruns("load")[0]
    s.context_info = template.context_info
    run = await s.rerun(s.client_state(page_hash=""), timeout=timeout)
    times = [f"draw {run.latency_ms or float('nan'):.0f} ms"]
    for path, page_hash in list(s.pages.items()):
        if path:
            run = await s.rerun(s.client_state(page_hash=page_hash, widgets=[]), timeout=timeout)
            times.append(f"{path} {run.latency_ms or float('nan'):.0f} ms")
    await s.close()
    print("warm-up (first visit of each page, one session): " + ", ".join(times), flush=True)


async def timed(st: Student, t0: float, period: float, n_actions: int) -> None:
    """One session's timed actions: each at its due time, or right after the previous one when late."""
    for k, kind in enumerate(st._plan(n_actions)):
        if st.dead:
            break
        due = t0 + k * period
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        if kind == "stroke":
            await st.stroke("stroke", due)
        elif kind == "slider":
            await st.slide(due)
        else:
            await st.navigate(kind.split(":", 1)[1], due)


def report(stats: Stats, args, phase: Phase) -> int:
    """Print the tables; returns the number of budget failures."""
    kinds = ["load", "first_stroke", "stroke", "slider", "navigate"]
    rows = []
    for kind in kinds:
        acts = [a for a in stats.actions if a.kind == kind]
        if not acts:
            continue
        lat = [a.latency_ms for a in acts if a.latency_ms is not None and a.error is None]
        ex = [a.exec_ms for a in acts if a.exec_ms is not None and a.error is None]
        late = [a for a in acts if a.late_ms > 50]
        rows.append([
            kind, len(acts), median(lat), pct(lat, 95), max(lat) if lat else float("nan"), median(ex), pct(ex, 95),
            sum(a.error is not None for a in acts), len(late), f"{median([a.nbytes for a in acts]) / 1024:.1f}",
        ])  # fmt: skip
    timed = [a for a in stats.actions if a.kind in ("stroke", "slider", "navigate")]
    lat = [a.latency_ms for a in timed if a.latency_ms is not None and a.error is None]
    ex = [a.exec_ms for a in timed if a.exec_ms is not None and a.error is None]
    rows.append(["timed actions, all", len(timed), median(lat), pct(lat, 95), max(lat) if lat else float("nan"),
                 median(ex), pct(ex, 95), sum(a.error is not None for a in timed),
                 sum(a.late_ms > 50 for a in timed), ""])  # fmt: skip
    headers = ["action", "n", "p50 ms", "p95 ms", "max ms", "server exec p50", "exec p95", "errors",
               "late starts", "KB recv p50"]  # fmt: skip
    print(table(headers, rows))
    errors = [a for a in stats.actions if a.error]
    p95 = pct(lat, 95)
    wall = phase.wall
    print(
        f"\nsessions {args.sessions} · period {args.period:g} s · timed phase {wall:.1f} s · "
        f"{len(timed) / wall if wall else 0:.1f} actions/s · isolation checks {stats.checks} · "
        f"leaks {len(stats.leaks)} · errors {len(errors)}"
    )
    if phase.server_cpu is not None:
        print(
            f"server process CPU during the timed phase: {phase.server_cpu:.1f} s = "
            f"{phase.server_cpu / wall:.0%} of one core"
        )
    print(f"whole-machine CPU busy during the timed phase: {phase.cpu_busy:.0%} · {machine_line()}")
    if phase.rss_before is not None:
        print(
            f"server RSS: {phase.rss_before:.0f} MB before the sessions, {phase.rss_after:.0f} MB with "
            f"{args.sessions} sessions after the run"
        )
    for text in stats.leaks[:10]:
        print("  LEAK", text)
    for a in errors[:10]:
        print(f"  ERROR session {a.session} {a.kind}: {a.error}")
    ok = (p95 <= BUDGET_P95_MS, not errors, not stats.leaks)
    print(
        f"\nbudget: p95 {p95:.0f} ms ≤ {BUDGET_P95_MS:.0f} ms: {'ok' if ok[0] else 'OVER'} · "
        f"0 errors: {'ok' if ok[1] else 'NO'} · 0 leaks: {'ok' if ok[2] else 'NO'}"
    )
    return sum(not x for x in ok)


def main(argv: list[str] | None = None) -> int:
    """Run the load test and print the tables."""
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.load_test",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--sessions", type=int, default=30)
    parser.add_argument("--seconds", type=float, default=60.0, help="length of the timed phase")
    parser.add_argument("--period", type=float, default=2.0, help="seconds between one session's actions")
    parser.add_argument("--slider-page", default=None, help="url_path of the slider page (default: recorded)")
    parser.add_argument("--timeout", type=float, default=30.0, help="per action; a session stops after one")
    parser.add_argument("--connect-concurrency", type=int, default=30)
    parser.add_argument("--url", help="an already running app (http://host:port); default: start one")
    parser.add_argument("--recording", type=Path, default=RECORDING)
    parser.add_argument(
        "--server-flag",
        action="append",
        default=[],
        metavar="OPTION=VALUE",
        help="extra `streamlit run` option for an A/B run, e.g. runner.postScriptGC=false",
    )
    parser.add_argument(
        "--no-warmup", action="store_true", help="don't open every page once before the sessions"
    )
    parser.add_argument(
        "--no-page-profile",
        action="store_true",
        help="start the server with browser.gatherUsageStats false (no server exec times)",
    )
    args = parser.parse_args(argv)
    apply_priority()  # BENCH_NICE: a larger CPU share on a shared machine (also for the server)

    if not args.recording.exists():
        from benchmarks.record_session import record

        print(f"no recording at {args.recording}: recording one with Chromium ...", flush=True)
        record(args.slider_page or "pooling", args.recording)
    rec = Recording.load(args.recording)
    args.slider_page = args.slider_page or rec.slider_page

    n_actions = max(2, round(args.seconds / args.period))
    per_session = n_actions + 1
    print(f"preparing {args.sessions * per_session} distinct drawings ...", flush=True)
    flat = prepare_drawings(args.sessions * per_session, start=1000)
    drawings = [flat[i * per_session : (i + 1) * per_session] for i in range(args.sessions)]

    print(
        f"# Classroom load: {args.sessions} websocket sessions, {args.seconds:g} s, an action every "
        f"{args.period:g} s per session (strokes on the draw page, slider on '{args.slider_page}')"
    )
    print(machine_line())
    stats = Stats()
    extra = ["--browser.gatherUsageStats", "false" if args.no_page_profile else "true"]
    for flag in args.server_flag:  # e.g. runner.postScriptGC=false
        name, _, value = flag.partition("=")
        extra += [f"--{name}", value]
    if args.server_flag:
        print("server flags: " + " ".join(args.server_flag))

    def go(server_url: str, pid: int | None) -> int:
        ws_url = re.sub(r"^http", "ws", server_url.rstrip("/")) + "/_stcore/stream"
        phase = asyncio.run(run_load(server_url.rstrip("/"), ws_url, pid, args, rec, drawings, stats))
        return report(stats, args, phase)

    if args.url:
        return 1 if go(args.url, None) else 0
    with streamlit_server(extra=extra) as server:
        return 1 if go(server.url, server.pid) else 0


if __name__ == "__main__":
    raise SystemExit(main())
