"""Feature maps page in Chromium: draw a digit, open a channel by clicking its map, replace its filter, watch the
prediction panel change, reset; and the edit stays in its own browser session."""

from __future__ import annotations

import pytest

from tests.browser.conftest import (
    VIEWPORT,
    assert_no_exception,
    current_prediction,
    draw_stroke,
    open_app,
    wait_for_app,
    wait_for_prediction,
)

pytestmark = pytest.mark.browser

PANEL = ".st-key-prediction"
MOSAICS = ".st-key-fm_mosaics"
IMAGES = (
    MOSAICS + " canvas"
)  # the mosaics component: a <canvas> per layer (Playwright pierces its shadow root)
CONV1 = {"channels": 32, "cols": 8, "tile": 28}  # the page's conv1 mosaic: 8 tiles of 28x28 per row
HREFS = (
    f"(() => {{ const h = document.querySelector('{MOSAICS}'),"
    " iso = h && h.querySelector('[data-testid=stBidiComponentIsolated]');"
    " return h ? [...((iso && iso.shadowRoot) || h).querySelectorAll('canvas')].map(c => c.dataset.painted)"
    ".join('|') : ''; })()"
)


def mosaic_hrefs(page) -> str:
    return page.evaluate(f"() => {HREFS}")


def panel_text(page) -> str:
    return page.locator(PANEL).first.inner_text()


def click_tile(page, panel: int, channel: int, spec: dict) -> None:
    """Click the middle of one channel's tile in mosaic `panel` (0: conv1; unsorted: tile i = channel i)."""
    plot = page.locator(IMAGES).nth(panel)
    plot.scroll_into_view_if_needed()
    box = plot.bounding_box()
    t = spec["tile"]
    width = spec["cols"] * (t + 1) - 1  # cells across, NaN gutters included
    rows = -(-spec["channels"] // spec["cols"])
    height = rows * (t + 1) - 1
    r, q = divmod(channel, spec["cols"])
    x = box["x"] + (q * (t + 1) + t / 2) / width * box["width"]
    y = box["y"] + (r * (t + 1) + t / 2) / height * box["height"]
    page.mouse.click(x, y)


def wait_changed(page, script: str, before: str, timeout: float = 30_000) -> None:
    page.wait_for_function(f"(before) => ({script}) !== before", arg=before, timeout=timeout)


def open_channel_section(page) -> None:
    """Open "one channel up close" (built only while open) unless a tile click has opened it already."""
    if page.locator(".st-key-fm_whatif").count() == 0:
        page.locator(".st-key-fm_detail summary").click()
        page.locator(".st-key-fm_whatif").wait_for()
        wait_for_app(page)


def apply_preset(page, label: str) -> None:
    open_channel_section(page)
    if page.locator(".st-key-fm_apply").count() == 0:  # the what-if section is switched off
        page.locator(".st-key-fm_whatif label").click()
        page.locator(".st-key-fm_apply button").wait_for()
        wait_for_app(page)
    page.locator(".st-key-fm_preset").get_by_role("combobox").click()
    page.get_by_role("option", name=label).click()
    wait_for_app(page)
    page.locator(".st-key-fm_match input[type=checkbox]").uncheck(force=True)
    wait_for_app(page)
    page.locator(".st-key-fm_apply button").click()


def open_feature_maps(page, base_url: str) -> None:
    # a fresh server runs a page file by itself (without app.py) until app.py has run once: open / first
    open_app(page, base_url)
    open_app(page, base_url, "feature_maps")


def test_draw_open_channel_edit_and_reset(app_server, page):
    open_feature_maps(page, app_server)
    assert current_prediction(page) == "–"
    draw_stroke(page, [(150, 40), (150, 240)])  # a "1"
    drawn = wait_for_prediction(page, previous="–")
    assert drawn.isdigit()
    page.locator(IMAGES).nth(1).wait_for()
    assert_no_exception(page)

    # open channel 5 by clicking its map in the conv1 mosaic: the closed section opens on it
    assert page.locator(".st-key-fm_channel").count() == 0
    click_tile(page, 0, 5, CONV1)
    page.wait_for_function(
        "() => document.querySelector('.st-key-fm_channel_conv1 input')?.value === '5'", timeout=30_000
    )
    wait_for_app(page)
    page.locator(".st-key-fm_channel .hm image").first.wait_for()

    # replace filter 5 with the (unscaled) outline kernel: its map and the prediction panel change
    before_panel, before_maps = panel_text(page), mosaic_hrefs(page)
    apply_preset(page, "outline")
    page.locator("[data-testid=stAlert]", has_text="Filter 5 of conv1 is edited").wait_for(timeout=30_000)
    wait_for_app(page)
    wait_changed(page, f"document.querySelector('{PANEL}').innerText", before_panel)
    assert "Without the edit" in panel_text(page) or "Without the edit" in page.content()
    assert mosaic_hrefs(page) != before_maps
    assert_no_exception(page)

    # reset: the trained filter, the first prediction and panel come back
    page.locator(".st-key-fm_reset button").click()
    page.locator("[data-testid=stAlert]", has_text="is edited").wait_for(state="detached", timeout=30_000)
    wait_for_app(page)
    assert current_prediction(page) == drawn
    assert panel_text(page) == before_panel
    assert_no_exception(page)


def test_an_edit_is_invisible_to_another_session(app_server, page, browser):
    other = browser.new_context(viewport=VIEWPORT).new_page()
    try:
        for p in (page, other):
            open_feature_maps(p, app_server)
            p.locator(".st-key-fm_sample button").first.click()  # both load the same first sample
            wait_for_prediction(p, previous="–")
        original = panel_text(other)
        assert panel_text(page) == original

        apply_preset(page, "all zeros (switch the channel off)")
        page.locator("[data-testid=stAlert]", has_text="is edited").wait_for(timeout=30_000)
        wait_for_app(page)

        before = mosaic_hrefs(other)
        other.locator(".st-key-fm_per_channel label").click()  # any rerun of the other session
        wait_changed(other, HREFS, before)
        wait_for_app(other)
        assert other.locator("[data-testid=stAlert]", has_text="is edited").count() == 0
        assert panel_text(other) == original
        assert_no_exception(other)
    finally:
        other.context.close()
