"""The Convolution playground in Chromium: preset, stride and padding change the output size and its formula;
the window steps across positions (buttons and a click on the output map); the numbers shown equal torch."""

from __future__ import annotations

import itertools
import re

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from conftest import assert_no_exception, open_tab, wait_for_app

from explorer import playground as pg

pytestmark = pytest.mark.browser

FORMULA = ".st-key-conv_formula"
ARITH = ".st-key-conv_arith"
RESULT = ".st-key-conv_arith [data-testid=stMetricValue]"
# generous: a cold first load (plotly.js included) took a minute on a saturated 2-core host
TIMEOUT = 150_000
POSITION = re.compile(r"Output cell \((\d+), (\d+)\)")


def text(page, selector: str) -> str:
    return page.locator(selector).first.inner_text().strip()


def position(page) -> tuple[int, int]:
    match = POSITION.search(
        page.locator("[data-testid=stMarkdown]", has_text="Output cell").first.inner_text()
    )
    assert match, "the position line is missing"
    return int(match[1]), int(match[2])


def open_page(page, base_url: str) -> None:
    """The playground, once its three charts are drawn."""
    page.set_default_timeout(TIMEOUT)
    page.goto(f"{base_url}/convolution")
    wait_for_app(page, TIMEOUT)
    page.wait_for_function(
        "() => document.querySelectorAll('.js-plotly-plot').length >= 2 && document.querySelector('.arith')",
        timeout=TIMEOUT,
    )


def set_number(page, key: str, value: int) -> None:
    """Type into a number input and commit it with Enter, then wait for the rerun."""
    box = page.locator(f".st-key-{key} input")
    box.fill(str(value))
    box.press("Enter")
    wait_for_app(page, TIMEOUT)


def choose(page, key: str, option: str) -> None:
    """Pick an option of a selectbox by its visible text."""
    page.locator(f".st-key-{key} [role=combobox]").click()
    page.get_by_role("option", name=option, exact=True).click()
    wait_for_app(page, TIMEOUT)


def wait_text(page, selector: str, needle: str, timeout: float = TIMEOUT) -> None:
    page.wait_for_function(
        "([sel, needle]) => { const el = document.querySelector(sel); return el && el.innerText.includes(needle); }",
        arg=[selector, needle],
        timeout=timeout,
    )


def expected_value(image, kernel, stride, padding, row, col) -> float:
    """torch's value of one output cell."""
    x = torch.tensor(np.asarray(image), dtype=torch.float64)[None, None]
    w = torch.tensor(kernel, dtype=torch.float64)[None, None]
    return float(F.conv2d(x, w, stride=stride, padding=padding)[0, 0, row, col])


def shown_value(page) -> float:
    return float(text(page, RESULT).replace("−", "-"))


def test_preset_stride_padding_change_size_and_formula_and_the_window_steps(page, app_server):
    open_page(page, app_server)
    assert_no_exception(page)
    wait_text(page, FORMULA, "⌊(28 + 2·1 − 3)/1⌋ + 1 = 28")

    choose(page, "conv_preset", "Tutorial: 2×2 of 0.5")
    wait_text(page, FORMULA, "⌊(28 + 2·1 − 2)/1⌋ + 1 = 29")
    open_tab(page, "Geometry", TIMEOUT)  # the controls' second tab: stride, padding, dilation, mode
    set_number(page, "conv_stride_h", 2)
    wait_text(page, FORMULA, "Height: ⌊(28 + 2·1 − 2)/2⌋ + 1 = 15")
    set_number(page, "conv_padding_w", 0)
    wait_text(page, FORMULA, "Width: ⌊(28 + 2·0 − 2)/1⌋ + 1 = 27")
    sizes = page.locator("[data-testid=stMarkdown]", has_text="output").first.inner_text()
    assert "28×28 input → 15×27 output" in sizes
    kernel = np.full((2, 2), 0.5)
    expected = expected_value(pg.sample_digit(), kernel, (2, 1), (1, 0), *position(page))
    assert shown_value(page) == pytest.approx(expected, abs=1e-4)
    assert_no_exception(page)

    # the small grid, where every window holds numbers: the formula follows, then step the window across it
    page.locator(".st-key-conv_source button", has_text="Small grid").click()
    wait_for_app(page, TIMEOUT)
    wait_text(page, FORMULA, "Height: ⌊(5 + 2·1 − 2)/2⌋ + 1 = 3")
    wait_text(page, FORMULA, "Width: ⌊(5 + 2·0 − 2)/1⌋ + 1 = 4")
    seen = []
    for _ in range(4):
        row, col = position(page)
        expected = expected_value(pg.PAPER_GRID, kernel, (2, 1), (1, 0), row, col)
        assert shown_value(page) == pytest.approx(expected, abs=1e-4)
        seen.append(((row, col), text(page, ARITH)))
        page.locator(".st-key-conv_next button").click()
        page.wait_for_function(
            "(old) => !document.body.innerText.includes(old)",
            arg=f"Output cell ({row}, {col})",
            timeout=TIMEOUT,
        )
        wait_for_app(page, TIMEOUT)
    positions = [p for p, _ in seen]
    for before, after in itertools.pairwise(positions):
        assert after == pg.next_position(*before, (3, 4))
    assert len({a for _, a in seen}) >= 3, "the arithmetic should change as the window moves"
    assert_no_exception(page)


def test_clicking_the_output_map_moves_the_window(page, app_server):
    open_page(page, app_server)
    chart = page.locator(".st-key-conv_output_chart .js-plotly-plot")
    chart.wait_for()
    page.wait_for_function(
        "() => { const gd = document.querySelector('.st-key-conv_output_chart .js-plotly-plot');"
        " return gd && gd._fullLayout && gd._fullLayout.xaxis; }"
    )
    target = (3, 20) if position(page) != (3, 20) else (4, 21)
    chart.scroll_into_view_if_needed()
    xy = page.evaluate(
        """([row, col]) => {
            const gd = document.querySelector('.st-key-conv_output_chart .js-plotly-plot');
            const xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis, box = gd.getBoundingClientRect();
            return [box.left + xa._offset + xa.l2p(col), box.top + ya._offset + ya.l2p(row)];
        }""",
        list(target),
    )
    page.mouse.click(*xy)
    page.wait_for_function(
        "(needle) => document.body.innerText.includes(needle)",
        arg=f"Output cell ({target[0]}, {target[1]})",
        timeout=TIMEOUT,
    )
    wait_for_app(page, TIMEOUT)
    assert position(page) == target
    assert_no_exception(page)


def test_typing_weights_into_the_grid(page, app_server):
    """A typed weight (decimal comma, Enter) changes the output as torch says; a bad one is refused and undone."""
    open_page(page, app_server)
    boxes = page.locator(".st-key-conv_grid input")
    assert boxes.count() == 9 and boxes.nth(4).input_value() == "0"  # Sobel x, row 1, column 1
    before = text(page, ARITH)
    boxes.nth(4).fill("2,5")
    boxes.nth(4).press("Enter")
    page.wait_for_function(
        "(old) => { const el = document.querySelector('.st-key-conv_arith'); return el && el.innerText !== old; }",
        arg=before,
        timeout=TIMEOUT,
    )
    wait_for_app(page, TIMEOUT)
    assert page.locator(".st-key-conv_preset input[role=combobox]").input_value() == "Custom"
    kernel = pg.PRESETS["sobel_x"].copy()
    kernel[1, 1] = 2.5
    assert shown_value(page) == pytest.approx(
        expected_value(pg.sample_digit(), kernel, 1, 1, *position(page)), abs=1e-4
    )
    assert boxes.nth(4).input_value() == "2.5"
    red = boxes.nth(4).evaluate("e => getComputedStyle(e).backgroundColor")
    assert red == "rgb(103, 0, 31)"  # the largest weight: the darkest red
    below = boxes.nth(7)  # Enter moved the focus one row down, as in a spreadsheet
    assert below.evaluate("e => e.getRootNode().activeElement === e")
    assert below.get_attribute("aria-label") == "Weight in row 3, column 2"

    boxes.nth(0).fill("abc")
    boxes.nth(0).press("Tab")  # leaving the box sends it too
    page.locator("[data-testid=stAlert]", has_text="Every weight must be a number").wait_for(timeout=TIMEOUT)
    wait_for_app(page, TIMEOUT)
    assert boxes.nth(0).input_value() == "-1"  # the kept weight is back in the box
    assert shown_value(page) == pytest.approx(
        expected_value(pg.sample_digit(), kernel, 1, 1, *position(page)), abs=1e-4
    )
    assert_no_exception(page)


def test_size_steppers(page, app_server):
    """The width stepper grows the kernel (weights kept centred, the formula follows); two quick clicks on the
    height's − both count, and it stops at 1 (the padding shrinks with the kernel); the output equals torch."""
    open_page(page, app_server)
    grid = page.locator(".st-key-conv_grid")
    width = grid.get_by_role("group", name="Kernel width")
    height = grid.get_by_role("group", name="Kernel height")
    assert width.locator("output").inner_text() == "3" and height.get_attribute("title").startswith("1 to 7")
    width.get_by_role("button", name="Kernel width: one cell more").click()
    wait_text(page, FORMULA, "Width: ⌊(28 + 2·1 − 4)/1⌋ + 1 = 27")
    wait_for_app(page, TIMEOUT)
    boxes = grid.locator(".kg input")
    assert boxes.count() == 12
    assert [boxes.nth(i).input_value() for i in range(4)] == [
        "-1",
        "0",
        "1",
        "0",
    ]  # Sobel x, a zero column right
    less = height.get_by_role("button", name="Kernel height: one cell less")
    less.click()
    less.click()  # before the first rerun has come back
    wait_text(page, FORMULA, "Height: ⌊(28 + 2·0 − 1)/1⌋ + 1 = 28")
    wait_for_app(page, TIMEOUT)
    assert boxes.count() == 4 and height.locator("output").inner_text() == "1" and less.is_disabled()
    kernel = [[float(boxes.nth(i).input_value()) for i in range(4)]]
    assert kernel == [[-1, 0, 1, 0]]  # 3 -> 2 rows keeps the top two, 2 -> 1 the top one
    assert shown_value(page) == pytest.approx(
        expected_value(pg.sample_digit(), kernel, 1, (0, 1), *position(page)), abs=1e-4
    )
    grids = {  # the arithmetic grids as the page shows them: each cell's full value
        name: np.array(
            page.locator(f".arith [data-grid={name}] span").evaluate_all("s => s.map(e => +e.dataset.z)")
        )
        for name in ("window", "weight", "products")
    }
    row, col = position(page)
    padded = np.pad(pg.sample_digit(), ((0, 0), (1, 1)))
    np.testing.assert_allclose(grids["window"], padded[row, col : col + 4], atol=1e-6)
    np.testing.assert_array_equal(grids["weight"], kernel[0])
    np.testing.assert_allclose(grids["products"], grids["window"] * grids["weight"], atol=1e-12)
    assert_no_exception(page)
