"""Why-CNNs page in Chromium: the dense width changes the totals; picking a receptive-field cell (layer button,
click on the map) changes the highlighted input pixels."""

from __future__ import annotations

import itertools

import pytest

from tests.browser.conftest import assert_no_exception, open_app, wait_for_app

pytestmark = pytest.mark.browser

RESULT = ".st-key-why_rf_result"


def open_why(page, base_url: str, lang: str = "en") -> None:
    """The page, after one visit to the app's root: until some session has run app.py (st.navigation), a fresh
    server routes /why_cnn to pages/why_cnn.py by Streamlit's old pages/ discovery, without app.py."""
    open_app(page, base_url, "", f"lang={lang}")
    open_app(page, base_url, "why_cnn", f"lang={lang}")


def metric(page, key: str) -> str:
    return page.locator(f".st-key-{key} [data-testid=stMetricValue]").first.inner_text().strip()


def choose(page, group: str, label: str) -> None:
    """Click one option of a segmented control and wait for the rerun."""
    page.locator(f".st-key-{group}").get_by_role("radio", name=label, exact=True).click()
    wait_for_app(page)


def wait_for_text(page, selector: str, text: str) -> str:
    page.wait_for_function(
        "([sel, text]) => { const el = document.querySelector(sel); return el && el.innerText.includes(text); }",
        arg=[selector, text],
    )
    wait_for_app(page)
    return page.locator(selector).first.inner_text()


def dense_total(width: int, layers: int = 2, inputs: int = 784, classes: int = 10) -> int:
    widths = [inputs, *([width] * layers), classes]
    return sum(a * b + b for a, b in itertools.pairwise(widths))  # weights + biases


def test_changing_the_dense_width_changes_the_totals(app_server, page):
    open_why(page, app_server)
    assert metric(page, "why_dense_total") == f"{dense_total(1000):,}" == "1,796,010"
    cnn_before = metric(page, "why_cnn_total")
    thumb = page.locator(".st-key-why_dense_width input[type=range]")  # the slider's (visually hidden) input
    thumb.focus()
    page.keyboard.press("ArrowRight")  # 1000 -> 2048 units per hidden layer
    expected = f"{dense_total(2048):,}"
    page.wait_for_function(
        "([sel, want]) => document.querySelector(sel)?.innerText.trim() === want",
        arg=[".st-key-why_dense_total [data-testid=stMetricValue]", expected],
    )
    wait_for_app(page)
    assert metric(page, "why_dense_total") == expected == "5,824,522"
    assert metric(page, "why_cnn_total") == cnn_before  # the CNN did not change
    assert_no_exception(page)


def test_picking_a_receptive_field_cell(app_server, page):
    open_why(page, app_server)
    choose(page, "why_section", "Receptive fields")
    text = wait_for_text(page, RESULT, "of pool2")
    assert "rows 6–21 and columns 6–21: 16 × 16 = 256 pixels" in text  # cell (3, 3) of pool2
    choose(page, "why_rf_layer", "conv1")
    assert "rows 1–5 and columns 1–5: 5 × 5 = 25 pixels" in wait_for_text(page, RESULT, "of conv1")

    plot = page.locator(".st-key-why_rf_chart .nsewdrag").first  # conv1's 28x28 map, one marker per cell
    plot.scroll_into_view_if_needed()
    box = plot.bounding_box()
    row, col = 20, 10
    x, y = box["x"] + (col + 0.5) * box["width"] / 28, box["y"] + (row + 0.5) * box["height"] / 28
    page.mouse.move(x, y)
    page.mouse.click(x, y)
    text = wait_for_text(page, RESULT, f"row {row}, column {col}")
    assert "rows 18–22 and columns 8–12: 5 × 5 = 25 pixels" in text
    assert page.locator(".st-key-why_rf_row input[type=range]").input_value() == str(
        row
    )  # the sliders follow
    assert page.locator(".st-key-why_rf_col input[type=range]").input_value() == str(col)

    choose(page, "why_rf_layer", "pool2")  # the same cell index does not exist in pool2's 7x7: clamped
    text = wait_for_text(page, RESULT, "of pool2")
    assert "row 6, column 6" in text and "10 × 10 = 100 pixels" in text  # clipped at the corner
    assert_no_exception(page)


def test_ukrainian(app_server, page):
    open_why(page, app_server, "uk")
    choose(page, "why_section", "Рецептивні поля")
    text = wait_for_text(page, RESULT, "кількість пікселів")
    assert "16 × 16 = 256" in text
    assert_no_exception(page)
