"""The draw page in real headless Chromium: digits drawn with the mouse and a finger, clear/undo, samples,
the digit following the student across pages, Ukrainian, and never a Streamlit exception."""

from __future__ import annotations

import base64
import io
import math
import time

import numpy as np
import pytest
from conftest import (
    CANVAS,
    assert_no_exception,
    current_prediction,
    draw_stroke,
    open_app,
    touch_stroke,
    wait_canvas_ready,
    wait_for_app,
    wait_for_prediction,
)
from PIL import Image

from explorer import i18n
from explorer.ui.sidebar import THUMB_FACTOR, THUMB_KEY
from explorer.ui.widgets import BLANK, GAP, PANEL

pytestmark = pytest.mark.browser


def arc(cx, cy, rx, ry, start, stop, n=16):
    """Points on an elliptic arc; angles in radians, clockwise from 12 o'clock."""
    return [(cx + rx * math.sin(a), cy - ry * math.cos(a)) for a in np.linspace(start, stop, n)]


# Each digit as strokes in canvas bitmap coordinates (0..280), drawn the way a person would.
ONE = [(152, 42), (148, 90), (142, 150), (136, 205), (133, 240)]
SEVEN = [(72, 58), (120, 55), (170, 54), (212, 56), (196, 95), (176, 140), (158, 190), (146, 242)]
ZERO = arc(140, 142, 62, 92, -0.3, 2 * math.pi + 0.2, 30)  # closed with a small overlap, as hands do
DIGITS = {
    "0": [ZERO],
    "1": [ONE],
    "2": [[*arc(140, 95, 55, 50, -1.4, 2.2, 14), (95, 235), (150, 232), (205, 235)]],
    "3": [arc(135, 90, 50, 45, -1.3, 3.0, 14)[:-1] + arc(135, 185, 58, 52, 0.2, 4.4, 16)[1:]],
    "4": [[(150, 40), (85, 165), (205, 165)], [(170, 95), (165, 245)]],
    "5": [[(195, 45), (100, 45), (92, 125), *arc(135, 170, 62, 62, -0.6, 3.9, 16)]],
    "6": [[(175, 45), (130, 90), *arc(140, 185, 55, 55, -2.9, 3.5, 22)]],
    "7": [SEVEN],
    "8": [arc(140, 92, 45, 45, 3.14, -3.13, 20)[::-1], arc(140, 185, 58, 55, 0, 2 * math.pi, 22)],
    "9": [[*arc(140, 95, 50, 48, 2.0, 2.0 + 2 * math.pi, 22), (188, 110), (180, 180), (170, 245)]],
}
ALPHA_SUM = "c => { const a = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;"
ALPHA_SUM += " let s = 0; for (let i = 3; i < a.length; i += 4) s += a[i]; return s; }"
PAGES = ["convolution", "feature_maps", "pooling", "why_cnn"]


def canvas_ink(page) -> int:
    """Sum of the canvas' alpha channel (0 when blank)."""
    return page.locator(CANVAS).evaluate(ALPHA_SUM)


def wait_for_ink(page, timeout: float = 15.0) -> int:
    """Wait until the canvas shows some ink (painted asynchronously from an image); returns the alpha sum."""
    deadline = time.monotonic() + timeout
    while (ink := canvas_ink(page)) == 0 and time.monotonic() < deadline:
        page.wait_for_timeout(50)
    return ink


def click_canvas_button(page, action: str) -> None:
    page.locator(f".st-key-digit_canvas button[data-action={action}]").click()


def image_url(page, selector: str) -> bytes:
    """The bytes of an <img> the app shows (fetched like the browser did)."""
    src = page.locator(selector).first.evaluate("img => img.currentSrc || img.src")
    if src.startswith("data:"):  # the sidebar thumbnail comes inline
        return base64.b64decode(src.split(",", 1)[1])
    return page.request.get(src).body()


def steps_src(page) -> str | None:
    """URL of the "what the network sees" image (a new one for every new digit), None when there is none."""
    img = page.locator("[data-testid=stMain] [data-testid=stImage] img")
    return img.first.get_attribute("src") if img.count() else None


def draw_digit(page, strokes) -> str:
    """Draw a digit stroke by stroke, waiting after each for the app to show the new result; the prediction."""
    for stroke in strokes:
        before = steps_src(page)
        draw_stroke(page, stroke)
        page.wait_for_function(
            "(before) => { const img = document.querySelector('[data-testid=stMain] [data-testid=stImage] img');"
            " return img && img.getAttribute('src') !== before; }",
            arg=before,
        )
        wait_for_app(page)
    return current_prediction(page)


def go_to(page, url_path: str) -> None:
    """Follow a sidebar navigation link (same session, unlike page.goto)."""
    page.locator(f"[data-testid=stSidebarNav] a[href$='/{url_path}']").first.click()
    wait_for_app(page, skeletons=False)  # the script is done (errors would show); plotly.js may still load


@pytest.mark.parametrize(("digit", "stroke"), [("1", ONE), ("0", ZERO), ("7", SEVEN)])
def test_mouse_drawn_digit_is_recognised(app_server, page, digit, stroke):
    open_app(page, app_server)
    assert current_prediction(page) == BLANK
    draw_stroke(page, stroke)
    assert wait_for_prediction(page, previous=BLANK) == digit
    assert canvas_ink(page) > 0
    assert_no_exception(page)


def test_every_digit_drawn_with_the_mouse(app_server, page):
    open_app(page, app_server)
    got = {}
    for digit, strokes in DIGITS.items():
        got[digit] = draw_digit(page, strokes)
        click_canvas_button(page, "clear")
        wait_for_prediction(page, expected=BLANK)
    assert got == {d: d for d in DIGITS}
    assert_no_exception(page)


def test_clear_then_undo(app_server, page):
    open_app(page, app_server)
    draw_stroke(page, ONE)
    first = wait_for_prediction(page, previous=BLANK)
    click_canvas_button(page, "clear")
    assert wait_for_prediction(page, expected=BLANK) == BLANK
    assert canvas_ink(page) == 0
    click_canvas_button(page, "undo")
    assert wait_for_prediction(page, expected=first) == first
    assert canvas_ink(page) > 0
    assert_no_exception(page)


def test_digit_follows_to_every_page(app_server, page):
    open_app(page, app_server)
    draw_stroke(page, SEVEN)
    predicted = wait_for_prediction(page, previous=BLANK)
    ink = canvas_ink(page)
    # the 28x28 the network saw: third panel of the "what the network sees" image
    steps = np.asarray(
        Image.open(io.BytesIO(image_url(page, "[data-testid=stMain] [data-testid=stImage] img")))
    )
    left = 2 * (PANEL + GAP)
    seen = steps[:, left : left + PANEL, 0][::THUMB_FACTOR, ::THUMB_FACTOR]  # (28, 28)
    assert seen.shape == (28, 28) and seen.max() > 0
    for url_path in PAGES:
        go_to(page, url_path)
        assert_no_exception(page)
        thumb = np.asarray(Image.open(io.BytesIO(image_url(page, f".st-key-{THUMB_KEY} img"))).convert("L"))
        np.testing.assert_array_equal(thumb[::THUMB_FACTOR, ::THUMB_FACTOR], seen, err_msg=url_path)
    go_to(page, "")  # back to the draw page: the canvas comes back with the drawing
    wait_canvas_ready(page)
    assert abs(wait_for_ink(page) - ink) <= 0.01 * ink
    assert current_prediction(page) == predicted
    assert_no_exception(page)


def test_switch_to_ukrainian(app_server, page):
    open_app(page, app_server)
    page.locator(".st-key-lang_switch button", has_text=i18n.LANGUAGE_NAMES["uk"]).click()
    page.wait_for_function(
        f"() => document.querySelector('h1')?.innerText.includes({i18n.t('draw.title', 'uk')!r})",
        timeout=15_000,
    )
    wait_for_app(page)
    assert "lang=uk" in page.url
    assert page.locator(".st-key-prediction [data-testid=stMetricLabel]").inner_text() == i18n.t(
        "pred.label", "uk"
    )
    assert page.locator(".st-key-digit_canvas button[data-action=clear]").inner_text() == i18n.t(
        "canvas.clear", "uk"
    )
    nav = page.locator("[data-testid=stSidebarNav]").inner_text()
    assert i18n.t("nav.convolution", "uk") in nav and i18n.t("nav.convolution", "en") not in nav
    draw_stroke(page, ONE)
    wait_for_prediction(page, previous=BLANK)
    assert_no_exception(page)


@pytest.mark.parametrize(("query", "lang"), [("uk", "uk"), ("zz<script>", "en")])
def test_lang_query_parameter(app_server, page, query, lang):
    open_app(page, app_server, query=f"lang={query}")
    assert page.locator("h1").first.inner_text().strip() == i18n.t("draw.title", lang)
    assert f"lang={lang}" in page.url
    page.locator(".st-key-draw_sample button", has_text="3").click()  # a full rerun keeps the language
    wait_for_prediction(page, previous=BLANK)
    assert page.locator("h1").first.inner_text().strip() == i18n.t("draw.title", lang)
    assert f"lang={lang}" in page.url
    assert_no_exception(page)


def test_touch_drawing(app_server, browser, request):
    context = browser.new_context(
        viewport={"width": 820, "height": 1180}, has_touch=True, is_mobile=True, device_scale_factor=2
    )
    page = context.new_page()
    request.node.browser_page = page
    try:
        open_app(page, app_server)
        cdp = context.new_cdp_session(page)
        touch_stroke(page, cdp, ONE)
        assert wait_for_prediction(page, previous=BLANK) == "1"
        assert canvas_ink(page) > 0
        assert_no_exception(page)
    finally:
        context.close()


def test_load_sample(app_server, page):
    open_app(page, app_server)
    page.locator(".st-key-draw_sample button", has_text="7").click()
    assert wait_for_prediction(page, previous=BLANK) == "7"
    assert wait_for_ink(page) > 0  # the sample is painted on the canvas
    caption = page.locator("[data-testid=stMain] [data-testid=stImage]").inner_text()
    assert i18n.t("source.sample", "en", index=0, label=7) in caption  # test image #0 is a 7
    draw_stroke(page, [(60, 250), (90, 252)])  # a student adds to the example: it is still theirs to edit
    page.wait_for_function(
        "(t) => document.querySelector('[data-testid=stMain] [data-testid=stImage]')?.innerText.includes(t)",
        arg=i18n.t("source.canvas", "en"),
        timeout=15_000,
    )
    assert_no_exception(page)
