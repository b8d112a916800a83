"""The "Why CNNs" page through AppTest: totals equal torch's sum(p.numel()), the bundled network's table,
receptive fields on the student's digit, the RGB sum equal to F.conv2d, 4-D shapes, uploads, both languages.

Figures are read back from the spec Streamlit sends (json.loads(element.proto.spec)); numpy arrays travel as
base64 typed arrays. Expected values are computed here with torch directly.
"""

from __future__ import annotations

import functools
import itertools
import re

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from PIL import Image
from streamlit.testing.v1 import AppTest
from torch import nn

from explorer import channels, i18n
from explorer.model import load_pretrained
from explorer.plots import why as plots
from explorer.preprocess import to_input
from explorer.samples import load_samples

PAGE = "pages/why_cnn.py"
NNBSP = "\u202f"  # Ukrainian thousands separator
LAYERS = ("conv1", "pool1", "conv2", "pool2")


@pytest.fixture(scope="module")
def digit() -> np.ndarray:
    s = load_samples()
    return s.digit(s.of_class(7)[0])


@pytest.fixture(scope="module")
def open_page(open_app):
    """open_page(digit=None, lang='en', **state) -> AppTest on the Why CNNs page, via the home page."""
    return functools.partial(open_app, PAGE, home_first=True)


def tiles(mosaic: np.ndarray, n: int, w: int) -> list[np.ndarray]:
    """The n tiles of a one-row mosaic with the page's gutter."""
    gutter = max(2, w // 8)
    return [mosaic[:, i * (w + gutter) : i * (w + gutter) + w] for i in range(n)]


# ---------------------------------------------------------------------------------------------------
# parameters


def torch_dense_total(shape, layers, width) -> int:
    widths = [int(np.prod(shape)), *([width] * layers), 10]
    return sum(
        p.numel() for a, b in itertools.pairwise(widths) for p in nn.Linear(a, b, device="meta").parameters()
    )


def torch_cnn_total(shape, n, filters, k, pool) -> int:
    """The page's CNN built from torch modules on the meta device; the flatten size from a real forward."""
    c, h, w = shape
    x = torch.zeros(1, 1, h, w)
    total = 0
    for i in range(n):
        conv = nn.Conv2d(c, filters * 2**i, k, padding=k // 2, device="meta")
        total += sum(p.numel() for p in conv.parameters())
        x = F.conv2d(x, torch.zeros(1, 1, k, k), padding=k // 2)
        x = F.max_pool2d(x, 2) if pool else x
        c = filters * 2**i
    return total + sum(
        p.numel() for p in nn.Linear(c * x.shape[-1] * x.shape[-2], 10, device="meta").parameters()
    )


def metrics(at: AppTest) -> list[str]:
    return [m.value for m in at.metric]


SETTINGS = [
    {},
    {"why_side": 224, "why_in_channels": 3, "why_dense_layers": 3, "why_dense_width": 4096},
    {
        "why_side": 32,
        "why_in_channels": 3,
        "why_conv_kernel": 3,
        "why_conv_layers": 3,
        "why_conv_filters": 64,
    },
    {
        "why_side": 64,
        "why_conv_pool": False,
        "why_conv_layers": 1,
        "why_dense_layers": 0,
        "why_conv_kernel": 7,
    },
]


@pytest.mark.parametrize("state", SETTINGS)
def test_totals_equal_torch(state, open_page):
    at = open_page(why_section="params", **state)
    s = {k.removeprefix("why_"): at.session_state[k] for k in ("why_side", "why_in_channels")}
    shape = (s["in_channels"], s["side"], s["side"])
    dense = torch_dense_total(
        shape, at.session_state["why_dense_layers"], at.session_state["why_dense_width"]
    )
    cnn = torch_cnn_total(
        shape,
        at.session_state["why_conv_layers"],
        at.session_state["why_conv_filters"],
        at.session_state["why_conv_kernel"],
        at.session_state["why_conv_pool"],
    )
    values = metrics(at)
    assert values[0] == f"{dense:,}" and values[2] == f"{cnn:,}"
    for key, value in state.items():
        assert at.session_state[key] == value


def test_changing_the_dense_width_changes_the_totals(open_page):
    at = open_page(why_section="params")
    before = metrics(at)[0]
    assert before == f"{torch_dense_total((1, 28, 28), 2, 1000):,}" == "1,796,010"
    at.select_slider(key="why_dense_width").set_value(4096).run()
    assert metrics(at)[0] == f"{torch_dense_total((1, 28, 28), 2, 4096):,}"
    at.slider(key="why_dense_layers").set_value(0).run()
    assert metrics(at)[0] == f"{torch_dense_total((1, 28, 28), 0, 4096):,}" == "7,850"
    assert metrics(at)[1] == "7,840"  # multiply-adds: 784 x 10


def test_conv_layers_are_clamped_to_what_fits(open_page):
    at = open_page(why_section="params", why_conv_layers=5, why_conv_kernel=7)
    assert at.slider(key="why_conv_layers").max == 4  # 28 -> 14 -> 7 -> 3 -> 1: a fifth pool would fail
    assert at.session_state["why_conv_layers"] == 4
    assert metrics(at)[2] == f"{torch_cnn_total((1, 28, 28), 4, 32, 7, True):,}"


@pytest.mark.parametrize("lang", ["en", "uk"])
def test_bundled_network_table(lang, open_page, markdown):
    at = open_page(lang=lang, why_section="params")
    model = load_pretrained()
    counts = {n: sum(p.numel() for p in m.parameters()) for n, m in model.named_children()}
    total = sum(counts.values())
    text = markdown(at)
    sep = NNBSP if lang == "uk" else ","
    assert f"{counts['fc1']:,}".replace(",", sep) in text and f"{total:,}".replace(",", sep) in text
    pct = f"{100 * counts['fc1'] / total:.1f}"
    assert (pct.replace(".", ",") if lang == "uk" else pct) + "\u00a0%" in text  # 98.1 %
    assert "16×16" in text and "5×5" in text  # receptive-field column
    tables = [m for m in at.markdown if "| --- " in m.value or "| :---" in m.value]
    assert len(tables) == 3  # the dense and the conv calculator, the bundled network
    for table in tables:  # each scrolls sideways inside its column instead of running into the next one
        assert table.proto.allow_html and table.value.startswith('<div style="overflow-x: auto">')


# ---------------------------------------------------------------------------------------------------
# sparse connections


def test_sparse_connections_counts_and_picture(open_page, figure, markdown):
    at = open_page(why_section="sparse", why_sparse_kernel=4, why_sparse_unit=2)
    text = markdown(at)
    conv = nn.Conv1d(1, 1, 4)
    dense = nn.Linear(9, 6)
    assert f"**{sum(p.numel() for p in conv.parameters())}**" in text  # 4 shared weights + 1 bias
    assert f"**{sum(p.numel() for p in dense.parameters())}**" in text  # 9 x 6 + 6
    assert "**19,694,080**" in text  # a dense layer doing conv1's job
    fig = figure(at, "why_sparse_chart")
    bold = [tr for tr in fig["data"] if tr.get("line", {}).get("width") == 6]
    assert len(bold) == 4  # the selected unit's 4 connections, one per shared weight
    inputs = sorted({x for tr in bold for x in tr["x"][:1]})
    assert inputs == [2, 3, 4, 5]


def test_sparse_unit_is_clamped_when_the_kernel_grows(open_page):
    at = open_page(why_section="sparse", why_sparse_kernel=2, why_sparse_unit=7)
    at.segmented_control(key="why_sparse_kernel").set_value(5).run()
    assert not at.exception
    assert at.session_state["why_sparse_unit"] == 4 and at.slider(key="why_sparse_unit").max == 4


# ---------------------------------------------------------------------------------------------------
# receptive fields


@pytest.mark.parametrize(
    "layer,row,col", [("conv1", 0, 27), ("pool1", 6, 6), ("conv2", 5, 7), ("pool2", 3, 3)]
)
def test_receptive_field_on_the_students_digit(digit, layer, row, col, open_page, array, figure, markdown):
    at = open_page(digit=digit, why_section="rf", why_rf_layer=layer, why_rf_row=row, why_rf_col=col)
    # the exact input pixels: non-zero gradient through the model's geometry with all-one weights, avg pooling
    x = torch.ones(1, 1, 28, 28, dtype=torch.float64, requires_grad=True)
    y = x
    ones = torch.ones(1, 1, 5, 5, dtype=torch.float64)
    for name in LAYERS[: LAYERS.index(layer) + 1]:
        y = F.avg_pool2d(y, 2) if name.startswith("pool") else F.conv2d(y, ones, padding=2)
    y[0, 0, row, col].backward()
    rows, cols = np.nonzero(x.grad[0, 0].numpy())
    top, bottom, left, right = rows.min(), rows.max(), cols.min(), cols.max()
    assert len(rows) == (bottom - top + 1) * (right - left + 1)  # a full box
    text = markdown(at)
    assert f"rows {top}–{bottom} and columns {left}–{right}" in text
    assert f"{bottom - top + 1} × {right - left + 1} = {len(rows)}" in text
    input_fig = figure(at, "why_rf_input")
    np.testing.assert_allclose(array(input_fig["data"][0]["z"]), digit, atol=1e-6)
    outline = next(s for s in input_fig["layout"]["shapes"] if s["line"].get("width") == 3)
    assert (outline["x0"], outline["x1"], outline["y0"], outline["y1"]) == (
        left - 0.5,
        right + 0.5,
        top - 0.5,
        bottom + 0.5,
    )
    with torch.inference_mode():
        acts = load_pretrained().activations(to_input(digit))
    layer_fig = figure(at, "why_rf_chart")
    expected = acts[layer][0].mean(0).numpy()
    values = array(layer_fig["data"][0]["customdata"])  # (H*W, 3): row, col, value of each clickable cell
    np.testing.assert_allclose(values[:, 2].reshape(expected.shape), expected, atol=1e-5)
    assert [tuple(v) for v in values[:, :2].astype(int)] == list(
        itertools.product(*map(range, expected.shape))
    )


def test_receptive_field_cells_are_clamped_and_fall_back_to_a_sample(open_page, markdown):
    at = open_page(why_section="rf", why_rf_layer="conv1", why_rf_row=27, why_rf_col=20)
    assert at.info and at.info[0].value == i18n.t("why.rf_fallback", "en")
    at.segmented_control(key="why_rf_layer").set_value("pool2").run()
    assert not at.exception
    assert (at.session_state["why_rf_row"], at.session_state["why_rf_col"]) == (6, 6)
    assert at.slider(key="why_rf_row").max == 6
    assert "rows 18–27 and columns 18–27: **10 × 10 = 100 pixels**" in markdown(at)  # clipped at the corner


def test_a_click_selects_the_cell():
    # what the browser sends for a click on the transparent marker of row 5, column 3 (customdata arrives as a dict)
    event = {"selection": {"points": [{"x": 3, "y": 5, "customdata": {"0": 5, "1": 3, "2": 0.1}}]}}
    assert plots.selected_cell(event) == (5, 3)
    assert plots.selected_cell({"selection": {"points": []}}) is None
    assert plots.selected_cell(None) is None


# ---------------------------------------------------------------------------------------------------
# colour channels


def torch_rgb(image, weight, bias, padding) -> np.ndarray:
    x = torch.as_tensor(image, dtype=torch.float64)[None]  # (1, 3, H, W)
    w = torch.as_tensor(weight, dtype=torch.float64)  # (C_out, 3, 3, 3)
    return F.conv2d(x, w, torch.as_tensor(bias, dtype=torch.float64), padding=padding)[0].numpy()


def expected_sum(image, factor_r, slice_b, factor_b, bias):
    k = channels.SLICES
    weight = np.stack([factor_r * k["identity"], -1.0 * k["identity"], factor_b * k[slice_b]])
    return torch_rgb(image, weight[None], [bias], 1)[0]


@pytest.fixture(scope="module")
def check_sum_chart(array, figure):
    """check_sum_chart(at, image, expected, bias, factor_r): the sum chart's tiles add up to `expected`."""

    def check(at: AppTest, image, expected, bias, factor_r) -> None:
        z = array(figure(at, "why_sum_chart")["data"][0]["z"])
        r, g, b, total = tiles(z, 4, 64)
        np.testing.assert_allclose(total, expected, atol=1e-6)
        np.testing.assert_allclose(r + g + b + bias, expected, atol=1e-6)
        np.testing.assert_allclose(r, factor_r * image[0], atol=1e-6)

    return check


@pytest.mark.parametrize("lang", ["en", "uk"])
def test_rgb_sum_equals_conv2d(lang, open_page, markdown, check_sum_chart):
    # settings injected before the run: AppTest can't rerun a page whose selectboxes translate their options
    # (it compares the stored value with the translated labels)
    state = {"why_factor_r": 2.0, "why_slice_b": "sobel_x", "why_factor_b": -0.5, "why_bias": 0.25}
    at = open_page(lang=lang, why_section="channels", **state)
    image = channels.to_chw(channels.sample_image())
    check_sum_chart(at, image, expected_sum(image, 2.0, "sobel_x", -0.5, 0.25), 0.25, 2.0)
    text = markdown(at)
    total = expected_sum(image, 2.0, "sobel_x", -0.5, 0.25)
    r, c = np.unravel_index(np.argmax(np.abs(total)), total.shape)
    assert f"= **{plots.format_float(total[r, c], lang)}**" in text


def test_rgb_kernel_widgets(open_page, check_sum_chart):
    at = open_page(lang="en", why_section="channels")
    at.number_input(key="why_factor_r").set_value(-1.5)
    at.number_input(key="why_factor_b").set_value(1.0)
    at.slider(key="why_bias").set_value(-0.5).run()
    assert not at.exception
    image = channels.to_chw(channels.sample_image())
    check_sum_chart(at, image, expected_sum(image, -1.5, "zero", 1.0, -0.5), -0.5, -1.5)


def test_several_kernels_and_4d_shapes(open_page, array, figure):
    at = open_page(why_section="batch", why_out_channels=3, why_batch=5, why_padding=0)
    code = at.code[0].value
    assert "x.shape      == (5, 3, 64, 64)" in code
    assert "weight.shape == (3, 3, 3, 3)" in code
    assert "y.shape      == (5, 3, 62, 62)" in code
    image = channels.to_chw(channels.sample_image())
    names = list(channels.BANK)[:2]
    user = channels.rgb_kernel((("identity", 1.0), ("identity", -1.0), ("zero", 0.0)))
    weights = np.stack([user] + [channels.rgb_kernel(channels.BANK[n]) for n in names])
    expected = torch_rgb(image, weights, [0.0] * 3, 0)
    fig = figure(at, "why_multi_chart")
    values = array(fig["data"][0]["customdata"])  # the real values (colours are scaled per map)
    for got, want in zip(tiles(values, 3, 62), expected, strict=True):
        np.testing.assert_allclose(got, want, atol=1e-6)
    y = nn.Conv2d(3, 3, 3)(torch.zeros(5, 3, 64, 64))
    assert f"({', '.join(map(str, y.shape))})" in code


@pytest.mark.parametrize("lang", ["en", "uk"])
def test_upload(lang, open_page, array, figure, to_bytes):
    at = open_page(lang="en", why_section="channels", why_rgb_source="upload")
    at.file_uploader(key="why_upload").set_value(
        ("wide.png", to_bytes(Image.new("RGB", (128, 64), (0, 255, 0))), "image/png")
    )
    at.run()
    assert not at.exception and not at.error
    z = array(figure(at, "why_sum_chart")["data"][0]["z"])
    assert z.shape == (32, 4 * 64 + 3 * 8)  # the upload (longer side reduced to 64), not the sample
    at.session_state["why_section"] = "batch"  # the kept upload feeds the 4-D section too
    at.run()
    assert "x.shape      == (2, 3, 32, 64)" in at.code[0].value
    at.session_state["why_section"] = "channels"  # the uploader forgot its file; the picture is kept
    at.run()
    assert array(figure(at, "why_sum_chart")["data"][0]["z"]).shape[0] == 32
    # the language is switched with the last run only: AppTest can't rerun a Ukrainian page whose selectboxes
    # translate their options (it compares the stored value with the translated labels)
    at.file_uploader(key="why_upload").set_value(("bad.png", b"not an image", "image/png"))
    at.session_state["lang"] = lang
    at.run()
    assert not at.exception
    assert [e.value for e in at.error] == [i18n.t("error_not_image", lang)]
    assert array(figure(at, "why_sum_chart")["data"][0]["z"]).shape[0] == 64  # falls back to the sample


# ---------------------------------------------------------------------------------------------------
# state and languages


def test_unusable_settings_fall_back_to_defaults(open_page):
    at = open_page(
        why_section="bogus",
        why_side=999,
        why_factor_r=float("nan"),
        why_rf_layer="fc1",
        why_batch=-3,
        why_dense_width="wide",
        why_conv_pool="yes",
        why_bias=1,
    )
    assert at.session_state["why_section"] == "params" and at.session_state["why_side"] == 28
    assert at.session_state["why_batch"] == 1 and at.session_state["why_dense_width"] == 1000
    assert at.session_state["why_conv_pool"] is True
    at.session_state["why_section"] = "channels"
    at.run()
    assert not at.exception and at.session_state["why_factor_r"] == 1.0
    assert at.session_state["why_bias"] == 1.0 and isinstance(at.session_state["why_bias"], float)
    at.session_state["why_section"] = "rf"
    at.run()
    assert not at.exception and at.session_state["why_rf_layer"] == "pool2"


@pytest.mark.parametrize("section", ["params", "sparse", "rf", "channels", "batch"])
def test_every_section_in_ukrainian(digit, section, open_page, markdown):
    at = open_page(lang="uk", digit=digit, why_section=section)
    assert at.title[0].value == i18n.t("why.title", "uk")
    text = markdown(at)
    assert re.search("[а-яіїєґ]", text)
    english = [i18n.t(k, "en") for k in i18n.table() if k.startswith("why.") and len(i18n.t(k, "en")) > 40]
    assert not [e for e in english if e[:40] in text]


def test_every_slice_and_bank_kernel_has_a_name():
    for name in channels.SLICES:
        assert i18n.t(f"why.kernel_{name}", "uk")
    for name in channels.BANK:
        assert i18n.t(f"why.bank_{name}", "uk")
