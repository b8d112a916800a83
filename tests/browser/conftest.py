"""Browser-test fixtures: a real `streamlit run app.py` and Playwright driving Debian's Chromium.

Without Chromium or playwright every browser test is skipped, unless EXPLORER_REQUIRE_BROWSER=1 (CI), in
which case they fail. A failing test leaves a full-page screenshot in test-artifacts/.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

from benchmarks.common import (
    CANVAS,
    CHROMIUM_ARGS,
    CONNECTED,
    IDLE,
    PREDICTION,
    SIDE,
    find_chromium,
    free_port,
    stop,
    streamlit_command,
    wait_healthy,
)

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
REQUIRE = os.environ.get("EXPLORER_REQUIRE_BROWSER") == "1"
LAUNCH_ARGS = CHROMIUM_ARGS
HEALTH_CHECK = ["--server.scriptHealthCheckEnabled", "true"]
VIEWPORT = {"width": 1400, "height": 1000}
STARTUP_TIMEOUT = 60.0
TIMEOUT = 120_000  # ms; generous: CI machines are shared and slow (a real failure still fails)


def _unavailable() -> str | None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed"
    return None if find_chromium() else "chromium is not installed"


def _skip_or_fail(reason: str):
    if REQUIRE:
        pytest.fail(f"EXPLORER_REQUIRE_BROWSER=1 but {reason}")
    pytest.skip(reason)


def start_server(log_path: Path) -> tuple[subprocess.Popen, str]:
    """Start the app on a free port; returns the process and its base URL once healthy."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = open(log_path, "w")  # noqa: SIM115 -- closed with the process
    proc = subprocess.Popen(
        streamlit_command(port, HEALTH_CHECK), cwd=ROOT, stdout=log, stderr=subprocess.STDOUT
    )
    proc.log = log  # type: ignore[attr-defined]
    try:
        wait_healthy(url, proc, STARTUP_TIMEOUT)
    except Exception:
        stop_server(proc)
        raise
    return proc, url


def stop_server(proc: subprocess.Popen) -> None:
    """Stop the server by its PID."""
    stop(proc)
    proc.log.close()  # type: ignore[attr-defined]


@pytest.fixture(scope="session")
def app_server(tmp_path_factory):
    """Base URL of a `streamlit run app.py` started for this test session (stopped by PID at the end)."""
    reason = _unavailable()
    if reason:
        _skip_or_fail(reason)
    proc, url = start_server(tmp_path_factory.mktemp("server") / "streamlit.log")
    yield url
    stop_server(proc)


@pytest.fixture(scope="session")
def browser():
    """Headless Debian Chromium driven by Playwright."""
    reason = _unavailable()
    if reason:
        _skip_or_fail(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=find_chromium(), args=LAUNCH_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser, request):
    """A fresh context (fresh Streamlit session) and page per test, 1400x1000."""
    context = browser.new_context(viewport=VIEWPORT)
    pg = context.new_page()
    pg.set_default_timeout(TIMEOUT)
    request.node.browser_page = pg
    yield pg
    context.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """On failure, save a full-page screenshot of the test's page under test-artifacts/."""
    report = yield
    pg = getattr(item, "browser_page", None)
    if report.failed and report.when == "call" and pg is not None:
        ARTIFACTS.mkdir(exist_ok=True)
        name = re.sub(r"[^\w.-]+", "_", item.nodeid)[-150:]
        try:
            pg.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
        except Exception as e:  # a crashed page must not hide the real failure
            report.sections.append(("screenshot", f"could not save a screenshot: {e}"))
    return report


# ---------------------------------------------------------------------------------------------------------
# helpers


def wait_for_app(page, timeout: float = TIMEOUT, skeletons: bool = True) -> None:
    """Wait until the app is connected, its script has finished and (unless skeletons=False) no skeleton of a
    lazily loaded element (e.g. the first plotly chart) is left: Streamlit's own e2e recipe."""
    page.wait_for_timeout(210)
    page.locator(CONNECTED).wait_for(state="attached", timeout=timeout)
    page.locator(IDLE).wait_for(state="attached", timeout=timeout)
    if skeletons:
        page.wait_for_function(
            "() => document.querySelectorAll('[data-testid=stSkeleton]').length === 0", timeout=timeout
        )
    page.wait_for_timeout(100)


def open_tab(page, label: str, timeout: float = TIMEOUT) -> None:
    """Click the tab labelled `label` and wait for the rerun that builds its content (tabs are lazy)."""
    page.get_by_role("tab", name=label, exact=True).click()
    wait_for_app(page, timeout)


def open_app(page, base_url: str, path: str = "", query: str = "") -> None:
    """Go to a page of the app and wait until it is idle (and its canvas ready, if it has one)."""
    page.goto(f"{base_url}/{path}{'?' + query if query else ''}", wait_until="domcontentloaded")
    page.locator("[data-testid=stAppViewContainer]").wait_for(timeout=TIMEOUT)
    wait_for_app(page)


def wait_canvas_ready(page, timeout: float = TIMEOUT):
    """The canvas element once its pointer listeners are attached."""
    canvas = page.locator(CANVAS)
    page.locator(CANVAS + "[data-ready]").wait_for(timeout=timeout)
    return canvas


def _to_page(box: dict, point) -> tuple[float, float]:
    return box["x"] + point[0] * box["width"] / SIDE, box["y"] + point[1] * box["height"] / SIDE


def draw_stroke(page, points, steps: int = 4) -> None:
    """One mouse stroke through `points` (canvas bitmap coordinates 0..280), scaled to the element's box."""
    canvas = wait_canvas_ready(page)
    canvas.scroll_into_view_if_needed()  # raw mouse events don't scroll
    box = canvas.bounding_box()
    page.mouse.move(*_to_page(box, points[0]))
    page.mouse.down()
    for p in points[1:]:
        page.mouse.move(*_to_page(box, p), steps=steps)
    page.mouse.up()


def touch_stroke(page, cdp, points, steps: int = 4) -> None:
    """One finger stroke through `points` via CDP Input.dispatchTouchEvent (context made with has_touch)."""
    canvas = wait_canvas_ready(page)
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()

    def touch(kind: str, p) -> None:
        x, y = _to_page(box, p)
        pts = (
            [] if kind == "touchEnd" else [{"x": x, "y": y, "id": 1, "radiusX": 2, "radiusY": 2, "force": 1}]
        )
        cdp.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": pts})

    touch("touchStart", points[0])
    last = points[0]
    for p in points[1:]:
        for i in range(1, steps + 1):
            touch(
                "touchMove", (last[0] + (p[0] - last[0]) * i / steps, last[1] + (p[1] - last[1]) * i / steps)
            )
        last = p
    touch("touchEnd", last)


def current_prediction(page) -> str:
    """The prediction metric's text: a digit, or '–' when nothing is drawn."""
    return page.locator(PREDICTION).first.inner_text().strip()


def wait_for_prediction(
    page, expected: str | None = None, previous: str | None = None, timeout: float = 30_000
) -> str:
    """Wait until the prediction equals `expected` (or differs from `previous`), then for the rerun to end."""
    if expected is not None:
        cond = f"(el) => el.innerText.trim() === {expected!r}"
    else:
        cond = f"(el) => el.innerText.trim() !== {previous!r}"
    page.locator(PREDICTION).first.wait_for(timeout=timeout)
    page.wait_for_function(
        f"() => {{ const el = document.querySelector({PREDICTION!r}); return el && ({cond})(el); }}",
        timeout=timeout,
    )
    wait_for_app(page)
    return current_prediction(page)


def assert_no_exception(page) -> None:
    """No Streamlit exception box anywhere on the page."""
    count = page.locator("[data-testid=stException]").count()
    assert count == 0, page.locator("[data-testid=stException]").first.inner_text()
