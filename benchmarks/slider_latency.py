"""Slider change -> output repainted, in headless Chromium, on the convolution and pooling pages.

One server, one browser session. Per page, a setting is moved back and forth by keyboard, as a student would:
- convolution: the padding number input (type the value, Enter) -- the output map changes size;
- pooling: the stride slider (focus its thumb, ArrowRight / ArrowLeft) -- the pooled map changes size.
Latency = the key press -> the last change of the output chart's DOM before the app is idle again
(a MutationObserver in the page records the time of every change; both ends use the page's clock).

    .venv/bin/python -m benchmarks.slider_latency [--changes 20]
"""

from __future__ import annotations

import argparse

from benchmarks.common import (
    CHROMIUM_ARGS,
    IDLE,
    CpuMeter,
    apply_priority,
    chromium_path,
    machine_line,
    median,
    pct,
    streamlit_server,
    table,
)

TIMEOUT = 60_000
QUIET_MS = (
    250  # the chart counts as repainted when nothing in it has changed for this long and the app is idle
)
OBSERVE = """(selector) => {
  // observe the whole app: Streamlit may replace the chart's element, not only its contents
  window.__sl = {last: 0, count: 0};
  const inChart = (node) => {
    const el = node.nodeType === 1 ? node : node.parentElement;
    return el !== null && el.closest(selector) !== null;
  };
  new MutationObserver((records) => {
    if (records.some((r) => inChart(r.target) || [...r.addedNodes].some(inChart))) {
      window.__sl.last = performance.now();
      window.__sl.count += 1;
    }
  }).observe(document.body, {subtree: true, childList: true, attributes: true, characterData: true});
}"""
ARM = "() => { window.__sl.count = 0; window.__sl.t0 = performance.now(); }"
SETTLED = f"""() => window.__sl.count > 0
  && document.querySelector("{IDLE}") !== null
  && performance.now() - window.__sl.last > {QUIET_MS}"""
PAGES = {  # url path: (output chart, how one change is made, control, values to alternate, tab it is on)
    "convolution": (".st-key-conv_output_chart", "number", ".st-key-conv_padding_h input", ("2", "1"), "Geometry"),
    "pooling": (".st-key-pool_output_chart", "slider", ".st-key-pool_stride_h input[type=range]", ("ArrowRight", "ArrowLeft"), None),
}  # fmt: skip


def _idle(page) -> None:
    page.wait_for_timeout(150)
    page.locator(IDLE).wait_for(state="attached", timeout=TIMEOUT)


def measure(page, url: str, path: str, changes: int) -> list[float]:
    """Milliseconds from each key press to the output chart's last repaint."""
    chart, kind, control, values, tab = PAGES[path]
    page.goto(f"{url}/{path}?lang=en", timeout=TIMEOUT)
    page.locator(chart + " .js-plotly-plot").wait_for(timeout=TIMEOUT)
    if tab:  # lazy tabs: the control is built once its tab is open
        page.get_by_role("tab", name=tab, exact=True).click()
    box = page.locator(control).first
    box.wait_for(timeout=TIMEOUT)  # sliders load lazily (a skeleton first)
    _idle(page)
    page.evaluate(OBSERVE, chart)
    box.scroll_into_view_if_needed()
    out = []
    for i in range(changes + 1):  # the first change warms up (not counted)
        value = values[i % 2]
        page.evaluate(ARM)
        if kind == "number":
            box.fill(value)
            box.press("Enter")
        else:
            box.focus()
            box.press(value)
        page.wait_for_function(SETTLED, polling="raf", timeout=TIMEOUT)
        if i:
            out.append(page.evaluate("() => window.__sl.last - window.__sl.t0"))
        _idle(page)
    return out


def main(argv: list[str] | None = None) -> int:
    """Print p50/p95 per page."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.slider_latency", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    parser.add_argument("--changes", type=int, default=20)
    args = parser.parse_args(argv)
    apply_priority()
    from playwright.sync_api import sync_playwright

    print("# Slider change → output repainted (Chromium, ms)")
    print(machine_line())
    rows = []
    meter = CpuMeter().start()
    with streamlit_server() as server, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.set_default_timeout(TIMEOUT)
        page.goto(f"{server.url}/?lang=en", timeout=TIMEOUT)  # the teacher opened the app before class
        _idle(page)
        for path in PAGES:
            ms = measure(page, server.url, path, args.changes)
            rows.append([path, len(ms), median(ms), pct(ms, 95), min(ms), max(ms)])
        browser.close()
    busy = meter.stop()
    print(table(["page", "changes", "p50", "p95", "min", "max"], rows))
    print(f"whole-machine CPU busy during the runs: {busy:.0%} · {machine_line()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
