"""Classroom features in Chromium: a shared link reproduces the settings in a fresh context, PNG and CSV
downloads carry the right numbers, projector mode enlarges the type, the guided lesson works by keyboard."""

from __future__ import annotations

import io
import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import numpy as np
import pytest
from conftest import VIEWPORT, assert_no_exception, open_tab, start_server, stop_server, wait_for_app
from PIL import Image
from playwright.sync_api import expect

from explorer import i18n, kernels
from explorer import playground as pg
from explorer.plots import DIVERGING, symmetric_range
from explorer.ui import export

ROOT = Path(__file__).resolve().parents[2]
LAPLACIAN = "3x3:0,1,0,1,-4,1,0,1,0"


pytestmark = pytest.mark.browser


WAIT = 120_000  # plotly.js charts take long to paint when the machine is busy


def visit(page, base: str, path: str = "", query: str = "") -> None:
    """Go to a page of the app and wait until it has settled (a generous timeout on a loaded machine)."""
    page.set_default_timeout(60_000)
    page.goto(f"{base}/{path}{'?' + query if query else ''}", timeout=WAIT)
    wait_for_app(page, WAIT)


def settle(page) -> None:
    wait_for_app(page, WAIT)


@pytest.fixture(scope="module")
def server(app_server):
    """The session's app server (no warm-up visit: a deep link works as a fresh server's first request)."""
    return app_server


def query(url: str) -> dict[str, str]:
    return {k: v[-1] for k, v in parse_qs(urlsplit(url).query).items()}


def wait_for_url(page, pattern: str, timeout: float = 30_000) -> None:
    """Wait until the address bar matches `pattern` (a regex over the whole URL)."""
    page.wait_for_url(re.compile(pattern), timeout=timeout)


def shared_link(page) -> str:
    """Open the sidebar's share popover and return the link shown in its code box."""
    page.locator(".st-key-share_link [data-testid=stPopoverButton]").first.click()
    code = page.locator("[data-testid=stPopoverBody] [data-testid=stCode] code")
    code.wait_for()
    link = code.inner_text().strip()
    page.keyboard.press("Escape")
    return link


def select_option(page, key: str, label: str) -> None:
    """Choose `label` in the selectbox keyed `key`."""
    page.locator(f".st-key-{key} input[role=combobox]").click()
    page.get_by_role("option", name=label, exact=True).click()
    settle(page)


def set_number(page, key: str, value: int) -> None:
    """Type a value into the number input keyed `key` and confirm with Enter (keyboard only)."""
    box = page.locator(f".st-key-{key} input")
    box.fill(str(value))
    box.press("Enter")
    settle(page)


def test_shared_link_opens_the_same_settings_in_a_fresh_context(page, browser, server, request):
    visit(page, server, "convolution", "lang=uk&sample=3")
    select_option(page, "conv_preset", i18n.t("conv.preset.laplacian", "uk"))
    open_tab(page, i18n.t("conv.geometry.header", "uk"), WAIT)
    set_number(page, "conv_stride_h", 2)
    select_option(page, "conv_padding_mode", i18n.t("conv.mode.reflect", "uk"))
    wait_for_url(page, r".*stride_h=2.*")
    address = query(page.url)
    assert address["kernel"] == LAPLACIAN and address["padding_mode"] == "reflect"
    assert address["sample"] == "3" and address["lang"] == "uk" and address["panel"] == "geometry"

    link = shared_link(page)
    assert link.startswith(f"{server}/convolution?")
    assert query(link) == address  # the copy-link box shows exactly the address bar's settings
    assert f"kernel={LAPLACIAN}" in link  # readable: ',' and ':' are not escaped

    student = browser.new_context(viewport=VIEWPORT)  # a new browser profile: a new Streamlit session
    page = student.new_page()
    request.node.browser_page = page  # screenshot this one on failure
    page.set_default_timeout(60_000)
    page.goto(link, timeout=WAIT)
    settle(page)
    assert_no_exception(page)
    assert page.locator("h1").first.inner_text().strip() == i18n.t("conv.title", "uk")
    # the link opens the tab the teacher had open (geometry), then the kernel tab shows the preset
    assert page.locator(".st-key-conv_stride_h input").input_value() == "2"
    assert page.locator(".st-key-conv_stride_w input").input_value() == "1"
    mode = page.locator(".st-key-conv_padding_mode input[role=combobox]").input_value()
    assert mode == i18n.t("conv.mode.reflect", "uk")
    open_tab(page, i18n.t("conv.kernel.header", "uk"), WAIT)
    preset = page.locator(".st-key-conv_preset input[role=combobox]").input_value()
    assert preset == i18n.t("conv.preset.laplacian", "uk")
    page.locator(".st-key-sidebar_digit img").wait_for()  # the MNIST sample is the current digit
    wait_for_url(page, r"^(?!.*panel=).*$")  # the kernel tab is the default: it leaves the link
    assert query(page.url) == {k: v for k, v in address.items() if k != "panel"}
    assert not page.locator("[data-testid=stToast]").count()  # nothing was rejected
    student.close()


def test_bad_link_falls_back_with_a_notice(page, server):
    visit(page, server, "convolution", "stride_h=1e400&kernel=%3Cscript%3E&padding_mode=mirror&lang=en")
    assert_no_exception(page)
    toast = page.locator("[data-testid=stToast]").first
    toast.wait_for()
    text = toast.inner_text()
    for name in ("stride_h", "kernel", "padding_mode"):
        assert name in text
    assert "<script>" not in text and "mirror" not in text  # raw values are never echoed
    open_tab(page, "Geometry", WAIT)
    assert page.locator(".st-key-conv_stride_h input").input_value() == "1"
    assert not page.locator("script:has-text('alert')").count()
    q = query(page.url)
    assert "stride_h" not in q and "kernel" not in q and q["lang"] == "en"


def test_download_png_and_csv(page, server, tmp_path):
    visit(page, server, "convolution", "lang=en")
    sample = pg.sample_digit()
    expected = pg.Settings(kernel=kernels.preset("sobel_x"), padding=(1, 1)).convolve(sample)  # (28, 28)

    page.locator(".st-key-conv_downloads [data-testid=stPopoverButton]").first.click()  # built when opened
    button = page.locator(".st-key-conv_output_csv button").first  # (a hidden twin sizes the tooltip)
    button.scroll_into_view_if_needed()
    with page.expect_download() as info:
        button.click()
    assert info.value.suggested_filename == "conv_output.csv"
    csv = tmp_path / "out.csv"
    info.value.save_as(csv)
    grid = np.loadtxt(csv, delimiter=",")
    assert grid.shape == expected.shape == (28, 28)
    np.testing.assert_allclose(grid, expected, rtol=0, atol=1e-12)

    button = page.locator(".st-key-conv_output_png button").first
    with page.expect_download() as info:
        button.press("Enter")  # keyboard operable
    assert info.value.suggested_filename == "conv_output.png"
    png = tmp_path / "out.png"
    info.value.save_as(png)
    got = np.asarray(Image.open(png).convert("RGB"))
    r = symmetric_range(expected)
    want = np.asarray(
        Image.open(io.BytesIO(export.heatmap_png(expected, DIVERGING, zmin=-r, zmax=r))).convert("RGB")
    )
    assert got.shape == want.shape and np.array_equal(got, want)  # the app's colour scale and range
    assert_no_exception(page)


def _font_px(page, selector: str) -> float:
    return page.locator(selector).first.evaluate("e => parseFloat(getComputedStyle(e).fontSize)")


def test_projector_mode_enlarges_type(page, server, browser):
    visit(page, server, "", "lang=en")
    heading = "[data-testid=stMain] h1"
    label = "[data-testid=stSidebar] [data-testid=stWidgetLabel] p"
    before = _font_px(page, heading), _font_px(page, label)
    toggle = page.locator(".st-key-projector input")
    toggle.focus()
    page.keyboard.press("Space")  # keyboard operable
    settle(page)
    wait_for_url(page, r".*projector=1.*")
    after = _font_px(page, heading), _font_px(page, label)
    assert after[0] >= 1.2 * before[0] and after[1] >= 1.2 * before[1], (before, after)

    fresh = browser.new_context(viewport=VIEWPORT)  # the link alone switches it on
    other = fresh.new_page()
    other.set_default_timeout(60_000)
    visit(other, server, "pooling", "projector=1&lang=uk")
    assert _font_px(other, heading) == pytest.approx(after[0], rel=0.05)
    assert other.locator(".st-key-projector input").is_checked()
    fresh.close()


def test_lesson_predict_then_reveal_by_keyboard(page, server):
    visit(page, server, "convolution", "lesson=1&lang=en")
    panel = page.locator(".st-key-lesson_panel")
    panel.wait_for()
    assert "step 3 of 5" in panel.inner_text()
    guesses = panel.locator("[data-testid=stNumberInput] input")
    guesses.nth(0).fill("28")
    guesses.nth(0).press("Enter")
    settle(page)
    guesses.nth(1).fill("28")
    guesses.nth(1).press("Enter")
    settle(page)
    assert not panel.locator("[data-testid=stAlertContentSuccess]").count()  # nothing shown before reveal
    panel.get_by_role("button", name=re.compile("Reveal")).press("Enter")
    settle(page)
    assert panel.locator("[data-testid=stAlertContentSuccess]").inner_text().startswith("Right!")
    panel.get_by_role("link", name=re.compile("Feature maps")).click()
    wait_for_url(page, r".*/feature_maps\?.*lesson=1.*")
    settle(page)
    assert "step 4 of 5" in page.locator(".st-key-lesson_panel").inner_text()


def test_deep_link_as_the_first_request(browser, tmp_path):
    proc, url = start_server(tmp_path / "streamlit.log")
    try:
        context = browser.new_context(viewport=VIEWPORT)
        page = context.new_page()
        page.set_default_timeout(60_000)
        visit(page, url, "convolution", "lang=uk&stride_h=2")
        assert page.locator("h1").first.inner_text().strip() == i18n.t("conv.title", "uk")
        open_tab(page, i18n.t("conv.geometry.header", "uk"), WAIT)
        expect(page.locator(".st-key-conv_stride_h input")).to_have_value("2", timeout=30_000)
        assert_no_exception(page)
        context.close()
    finally:
        stop_server(proc)
