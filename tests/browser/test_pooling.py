"""Pooling page in Chromium: toggle max/average, change the stride, open the invariance tab and move the shift slider,
go back; the pooled map, the size formula and the invariance numbers follow, and they equal torch /
explorer.invariance computed here."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from explorer import i18n
from explorer import invariance as inv
from explorer import pooling_lesson as lesson
from explorer.model import load_pretrained
from tests.browser.conftest import assert_no_exception, wait_for_app

pytestmark = pytest.mark.browser

OUTPUT = ".st-key-pool_output_chart"
METRICS = ".st-key-pool_invariance [data-testid=stMetricValue]"
SUMMARY = ".st-key-pool_summary"
LONG = 150_000  # plotly.js paints the charts; on a loaded 2-core machine that took ~100 s (normally ~2 s)


def wait_output(page, expected: list) -> None:
    """Wait until the pooled map shows these cell texts (plotly draws a chart once it is scrolled into view)."""
    page.locator(OUTPUT).scroll_into_view_if_needed()
    page.wait_for_function(
        """([sel, want]) => { const gd = document.querySelector(sel + ' .js-plotly-plot');
                              return gd && gd.data && JSON.stringify(gd.data[0].text) === want; }""",
        arg=[OUTPUT, json.dumps(expected, separators=(",", ":"), ensure_ascii=False)],
        timeout=LONG,
    )


def texts(a: np.ndarray) -> list:
    from explorer.plots import format_value

    return [[format_value(v) for v in row] for row in a]


def press(page, key: str, presses: int = 1, direction: str = "ArrowRight") -> None:
    """Move a slider by keyboard: focus its thumb and press the arrow key."""
    page.locator(f".st-key-{key}").first.scroll_into_view_if_needed()
    thumb = page.locator(
        f".st-key-{key} input[type=range]"
    ).first  # react-aria: a visually hidden range input
    thumb.focus()
    for _ in range(presses):
        page.keyboard.press(direction)
    wait_for_app(page, LONG)


def open_tab(page, label: str) -> None:
    """Click a tab and wait for the rerun that builds its content (the page's tabs are lazy)."""
    page.get_by_role("tab", name=label, exact=True).click()
    wait_for_app(page, LONG)


def metric_values(page) -> list[str]:
    return page.locator(METRICS).all_inner_texts()


def test_pooling_controls_update_the_outputs(app_server, page):
    page.set_default_timeout(LONG)
    page.goto(f"{app_server}/pooling")
    page.locator("[data-testid=stAppViewContainer]").wait_for()
    wait_for_app(page, LONG)
    grid = lesson.EXAMPLE_GRID
    x = torch.as_tensor(grid)[None, None]
    wait_output(page, texts(lesson.EXAMPLE_POOLED))
    assert "⌈(5 + 2·0 − 2)/2⌉ + 1 = 3" in page.locator(SUMMARY).inner_text()

    # max -> average
    page.locator(".st-key-pool_mode button", has_text="Average").click()
    wait_for_app(page, LONG)
    avg = F.avg_pool2d(x, 2, 2, ceil_mode=True)[0, 0].numpy()
    wait_output(page, texts(avg))
    assert avg[1, 0] == (4 + 7 + 3 + 2) / 4 and avg[0, 2] == (0 + 1) / 2  # ceil_mode: only real cells count
    page.locator(".st-key-pool_mode button", has_text="Max").click()
    wait_for_app(page, LONG)
    wait_output(page, texts(lesson.EXAMPLE_POOLED))

    # stride across 2 -> 3: 3×3 becomes 3×2
    press(page, "pool_stride_w")
    expected = F.max_pool2d(x, 2, (2, 3), ceil_mode=True)[0, 0].numpy()
    assert expected.shape == (3, 2)
    wait_output(page, texts(expected))
    assert "⌈(5 + 2·0 − 2)/3⌉ + 1 = 2" in page.locator(SUMMARY).inner_text()

    # the tabs are lazy: no invariance numbers until their tab is open
    assert page.locator(METRICS).count() == 0
    open_tab(page, i18n.t("pool.tab.moves"))

    # shift 1 -> 2 pixels: the invariance numbers are recomputed (nothing drawn: the bundled 9)
    nine = lesson.sample_digit()
    model = load_pretrained()
    page.locator(METRICS).first.scroll_into_view_if_needed()
    before = metric_values(page)
    want1 = [f"{c.correlation:.2f}" for c in inv.measure(model, nine, inv.Transform(dx=1), 0)]
    assert before == want1
    press(page, "pool_shift_x")
    want2 = [f"{c.correlation:.2f}" for c in inv.measure(model, nine, inv.Transform(dx=2), 0)]
    assert want2 != want1
    page.wait_for_function(
        """(want) => JSON.stringify(Array.from(document.querySelectorAll(
             '.st-key-pool_invariance [data-testid=stMetricValue]')).map(e => e.innerText.trim())) === want""",
        arg=json.dumps(want2, separators=(",", ":")),
        timeout=LONG,
    )
    assert page.locator(OUTPUT).count() == 0

    # back on the first tab the settings are as they were: stride 3 across
    open_tab(page, i18n.t("pool.tab.pool"))
    wait_output(page, texts(expected))
    assert_no_exception(page)
