"""The Convolution playground in AppTest: every number shown equals torch, in both languages.

Figures are read back from the plotly spec Streamlit sends (json.loads(element.proto.spec)); numpy arrays travel
as base64 typed arrays. Expected values are computed here directly with torch (F.pad + F.conv2d).
"""

from __future__ import annotations

import functools
import os
import re

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from streamlit.testing.v1 import AppTest

from explorer import i18n, kernels
from explorer import playground as pg
from explorer.plots import grid_csv
from explorer.samples import load_samples

PAGE = "pages/convolution.py"


@pytest.fixture(scope="module")
def digit() -> np.ndarray:
    samples = load_samples()
    return samples.digit(samples.of_class(2)[0])


@pytest.fixture(scope="module")
def open_page(open_app):
    """open_page(digit=None, lang='en', **state) -> AppTest on the Convolution page."""
    return functools.partial(open_app, PAGE)


def rerun(at: AppTest) -> AppTest:
    at.run()
    assert not at.exception, at.exception
    return at


def show(at: AppTest, name: str) -> AppTest:
    """Open the controls tab "kernel" or "geometry" (as its callback does); only the open tab's widgets are built."""
    at.session_state["conv_panel"] = name
    return rerun(at)


GEOMETRY = {"conv_panel": "geometry"}  # open_page(..., **GEOMETRY)


@pytest.fixture(scope="module")
def shown_output(array, figure):
    """shown_output(at) -> the output heatmap's values."""
    return lambda at: array(figure(at, "conv_output_chart")["data"][0]["z"])


def arithmetic_grids(at: AppTest) -> dict[str, np.ndarray]:
    """The arithmetic grids by name (window, weight, products): each cell's full value from its data-z."""
    body = next(el.proto.body for el in at.get("html") if 'class="arith"' in el.proto.body)
    kw = int(re.search(r"--kw:(\d+)", body)[1])
    grids = {}
    for name, cells in re.findall(r'data-grid="(\w+)">(.*?)</figure>', body):
        values = [float(v) for v in re.findall(r'data-z="([^"]+)"', cells)]
        grids[name] = np.array(values).reshape(-1, kw)
    return grids


@pytest.fixture(scope="module")
def shown_arithmetic():
    """shown_arithmetic(at) -> the arithmetic grids by name (window, weight, products)."""
    return arithmetic_grids


def state(at: AppTest) -> dict:
    return {key: at.session_state[key] for key in pg.DEFAULTS}


def reference(image, st: dict, relu: bool | None = None) -> np.ndarray:
    """The convolution the settings describe, computed directly with torch in float64."""
    x = torch.tensor(np.asarray(image, dtype=np.float64))[None, None]
    ph, pw = st["conv_padding_h"], st["conv_padding_w"]
    mode = st["conv_padding_mode"]
    x = F.pad(x, (pw, pw, ph, ph)) if mode == "zeros" else F.pad(x, (pw, pw, ph, ph), mode=mode)
    w = torch.tensor(np.asarray(st["conv_kernel"], dtype=np.float64))
    if st["conv_flip"]:
        w = torch.flip(w, (0, 1))
    stride, dilation = (st["conv_stride_h"], st["conv_stride_w"]), st["conv_dilation"]
    y = F.conv2d(
        x, w[None, None], torch.tensor([float(st["conv_bias"])], dtype=torch.float64), stride, 0, dilation
    )
    relu = st["conv_relu"] if relu is None else relu
    return (F.relu(y) if relu else y)[0, 0].numpy()


@pytest.fixture(scope="module")
def check_numbers(shown_output, shown_arithmetic):
    """check_numbers(at, image): output heatmap, arithmetic grids, sum lines and result metric equal torch."""

    def check(at: AppTest, image) -> None:
        s = state(at)
        expected = reference(image, s)
        np.testing.assert_allclose(shown_output(at), expected, atol=1e-9)
        row, col = at.session_state["conv_row"], at.session_state["conv_col"]
        assert 0 <= row < expected.shape[0] and 0 <= col < expected.shape[1]
        grids = shown_arithmetic(at)
        np.testing.assert_allclose(grids["products"], grids["window"] * grids["weight"], atol=1e-12)
        pre = reference(image, s, relu=False)[row, col]
        assert grids["products"].sum() + s["conv_bias"] == pytest.approx(pre, abs=1e-9)
        weight = np.asarray(s["conv_kernel"])
        np.testing.assert_array_equal(grids["weight"], np.flip(weight) if s["conv_flip"] else weight)
        metric = at.get_by_key("conv_arith").metric[0].value
        assert float(metric.replace("−", "-")) == pytest.approx(expected[row, col], abs=1e-4)
        lines = at.get_by_key("conv_arith").markdown[0].value.split("  \n")
        assert lines[1].endswith(f"= {pg.fmt(pre)}")
        h, w = np.asarray(image).shape
        formulas = " ".join(m.value for m in at.get_by_key("conv_formula").markdown)
        assert formulas.endswith(f"= {expected.shape[1]}") and f"= {expected.shape[0]}" in formulas
        assert (
            f"({h} + 2·{s['conv_padding_h']} " in formulas and f"({w} + 2·{s['conv_padding_w']} " in formulas
        )

    return check


# ----------------------------------------------------------------------------------------------------------


def test_default_page_shows_the_digit_convolved(digit, open_page, shown_output, check_numbers, array, figure):
    at = open_page(digit, conv_sparse_open=True)
    assert at.title[0].value == "Convolution playground"
    assert at.session_state["conv_preset"] == "sobel_x"
    check_numbers(at, digit)
    out = shown_output(at)
    assert out.shape == (28, 28)
    # the first cell shown is where |output| is largest
    assert abs(out[at.session_state["conv_row"], at.session_state["conv_col"]]) == pytest.approx(
        np.abs(out).max()
    )
    text = " ".join(m.value for m in at.markdown)
    assert "⌊(28 + 2·1 − 3)/1⌋ + 1 = 28" in text and "28×28 input → 28×28 output" in text
    assert "615,440" in [m.value for m in at.metric]  # dense 784 -> 784 with bias
    padded = array(figure(at, "conv_input_chart")["data"][0]["z"])
    np.testing.assert_array_equal(padded, np.pad(digit, 1))


def test_ukrainian_is_complete(digit, open_page, check_numbers):
    at = open_page(digit, lang="uk", conv_sparse_open=True, conv_code_open=True)
    assert at.title[0].value == "Пісочниця згортки"
    text = " ".join(m.value for m in at.markdown) + " ".join(c.value for c in at.caption)
    assert "Висота: ⌊(28 + 2·1 − 3)/1⌋ + 1 = 28" in text and "Сума вага × вхід" in text
    english = {i18n.t(k, "en") for k in i18n.table() if k.startswith("conv.")}
    labels = [w.label for w in at.number_input] + [w.label for w in at.selectbox] + [t.label for t in at.tabs]
    labels += [e.label for e in at.expander]
    # a fresh page, not a rerun: AppTest formats the old selectbox values outside the script, in English
    geo = open_page(digit, lang="uk", **GEOMETRY)
    labels += (
        [w.label for w in geo.number_input] + [w.label for w in geo.toggle] + [w.label for w in geo.selectbox]
    )
    assert len(labels) > 12 and not set(labels) & english
    assert "615\u00a0440" in [m.value for m in at.metric]  # Ukrainian thousands separator, not a comma
    check_numbers(at, digit)


def test_no_digit_uses_a_bundled_sample(open_page, check_numbers):
    at = open_page(None)
    assert any("MNIST" in c.value for c in at.caption)
    check_numbers(at, pg.sample_digit())


@pytest.mark.parametrize("name", list(pg.PRESETS))
def test_every_preset(digit, name, open_page, check_numbers):
    at = open_page(digit)
    at.selectbox(key="conv_preset").set_value(name)
    rerun(at)
    assert np.array_equal(at.session_state["conv_kernel"], pg.PRESETS[name])
    check_numbers(at, digit)


def test_random_settings_match_torch(digit, open_page, check_numbers):
    rng = np.random.default_rng(7)
    at = open_page(digit)
    for i in range(6):
        image = digit if i % 2 == 0 else pg.PAPER_GRID
        at.segmented_control(key="conv_source").set_value("digit" if i % 2 == 0 else "grid")
        kh, kw = (int(v) for v in rng.integers(1, 6, size=2))
        at.session_state["conv_kernel"] = np.round(rng.uniform(-2, 2, size=(kh, kw)), 2).tolist()
        show(at, "geometry")
        b = pg.bounds(image.shape, (kh, kw))
        at.number_input(key="conv_dilation").set_value(int(rng.integers(1, b.dilation + 1)))
        at.selectbox(key="conv_padding_mode").set_value(str(rng.choice(pg.ops.PADDING_MODES)))
        rerun(at)
        for key in ("conv_padding_h", "conv_padding_w", "conv_stride_h", "conv_stride_w"):
            widget = at.number_input(key=key)
            widget.set_value(int(rng.integers(widget.min, widget.max + 1)))
            rerun(at)
        at.toggle(key="conv_relu").set_value(bool(i % 3 == 0))
        at.toggle(key="conv_flip").set_value(bool(i % 2 == 1))
        show(at, "kernel")  # the geometry tab's settings stay while its widgets are off the page
        at.number_input(key="conv_bias").set_value(float(np.round(rng.uniform(-1, 1), 2)))
        rerun(at)
        check_numbers(at, image)


def test_widget_bounds_come_from_output_size(digit, open_page, check_numbers, grid):
    at = open_page(digit, conv_source="grid", **GEOMETRY)
    st = state(at)
    kh, kw = np.shape(st["conv_kernel"])
    b = pg.bounds(
        (5, 5),
        (kh, kw),
        st["conv_dilation"],
        (st["conv_padding_h"], st["conv_padding_w"]),
        st["conv_padding_mode"],
    )
    assert at.number_input(key="conv_stride_h").max == b.stride[0] == 5 + 2 - 3 + 1
    assert at.number_input(key="conv_padding_h").max == 2 and at.number_input(key="conv_dilation").max == 2
    at.selectbox(key="conv_padding_mode").set_value("reflect")
    at.number_input(key="conv_dilation").set_value(2)
    rerun(at)
    assert at.number_input(key="conv_padding_h").max == 4  # span 5 − 1, and reflect needs < 5
    at.number_input(key="conv_padding_h").set_value(3)
    at.number_input(key="conv_stride_h").set_value(1)
    rerun(at)
    assert at.number_input(key="conv_stride_h").max == 5 + 2 * 3 - 5 + 1
    check_numbers(at, pg.PAPER_GRID)
    # a bigger kernel: dilation and padding shrink with it, the output never empties
    show(at, "kernel")
    assert grid(at)["size_max_h"] == 5  # the 5x5 grid
    step_size(at, 5, np.shape(at.session_state["conv_kernel"])[1], "s5")
    assert at.session_state["conv_dilation"] == 1
    show(at, "geometry")
    assert at.number_input(key="conv_dilation").max == 1
    check_numbers(at, pg.PAPER_GRID)


def test_paper_figure_on_the_small_grid(digit, open_page, shown_output, check_numbers, figure):
    at = open_page(
        digit,
        conv_source="grid",
        conv_preset="paper",
        conv_kernel=pg.PAPER_KERNEL.tolist(),
        conv_padding_h=0,
        conv_padding_w=0,
        conv_row=0,
        conv_col=0,
    )
    np.testing.assert_array_equal(shown_output(at), [[12, 12, 17], [10, 17, 19], [9, 6, 14]])
    arith = at.get_by_key("conv_arith").markdown[0].value.split("  \n")[0]
    assert arith == "Sum of weight × input: 0·3 + 1·3 + 2·2 + 2·0 + 2·0 + 0·1 + 0·3 + 1·1 + 2·2 = 12"
    spec = figure(at, "conv_input_chart")["data"][0]
    assert spec["text"][0] == ["3", "3", "2", "1", "0"]  # every input value written in its cell
    # Fig. 1.2: stride 2, padding 1
    show(at, "geometry")
    at.number_input(key="conv_padding_h").set_value(1)
    at.number_input(key="conv_padding_w").set_value(1)
    rerun(at)
    at.number_input(key="conv_stride_h").set_value(2)
    at.number_input(key="conv_stride_w").set_value(2)
    rerun(at)
    np.testing.assert_array_equal(shown_output(at), [[6, 17, 3], [8, 17, 13], [6, 4, 4]])
    check_numbers(at, pg.PAPER_GRID)


def test_uncovered_rows_are_explained(digit, open_page, check_numbers, figure):
    at = open_page(digit, conv_stride_h=2, conv_stride_w=2, conv_padding_h=0, conv_padding_w=0)
    warnings = [w.value for w in at.warning]
    assert any("Rows 27 " in w and "(28 + 2·0 − 3) = 25" in w and "remainder 1" in w for w in warnings)
    assert any("Columns 27 " in w for w in warnings)
    shapes = figure(at, "conv_input_chart")["layout"]["shapes"]
    assert any(s["y0"] == 26.5 and s["y1"] == 27.5 for s in shapes)  # row 27 greyed out
    check_numbers(at, digit)


def test_stepping_moves_the_window(digit, open_page, shown_arithmetic, check_numbers, figure):
    at = open_page(digit, conv_row=0, conv_col=0)
    seen = []
    for _ in range(3):
        grids = shown_arithmetic(at)
        seen.append((at.session_state["conv_row"], at.session_state["conv_col"], grids["window"].copy()))
        check_numbers(at, digit)
        at.button(key="conv_next").click()
        rerun(at)
    assert [(r, c) for r, c, _ in seen] == [(0, 0), (0, 1), (0, 2)]
    at.button(key="conv_prev").click()
    rerun(at)
    assert (at.session_state["conv_row"], at.session_state["conv_col"]) == (0, 2)
    at.slider(key="conv_row").set_value(14)
    at.slider(key="conv_col").set_value(9)
    rerun(at)
    padded = np.pad(digit, 1)
    np.testing.assert_array_equal(shown_arithmetic(at)["window"], padded[14:17, 9:12])
    assert "Output cell (14, 9) looks at input rows 13–15 and columns 8–10." in [m.value for m in at.markdown]
    shapes = figure(at, "conv_input_chart")["layout"]["shapes"]
    assert any(s["x0"] == 7.5 and s["x1"] == 10.5 and s["y0"] == 12.5 and s["y1"] == 15.5 for s in shapes)


def test_clicking_an_output_cell_selects_it(digit, open_page, check_numbers):
    at = open_page(digit, conv_row=0, conv_col=0)
    at.session_state["conv_output_chart"] = {
        "selection": {"points": [{"x": 5, "y": 11}], "point_indices": [], "box": [], "lasso": []}
    }
    rerun(at)
    assert (at.session_state["conv_row"], at.session_state["conv_col"]) == (11, 5)
    check_numbers(at, digit)


def test_play_advances_one_cell_per_run(digit, open_page, check_numbers):
    at = open_page(digit, conv_row=2, conv_col=27)
    at.toggle(key="conv_play").set_value(True)
    rerun(at)
    assert (at.session_state["conv_row"], at.session_state["conv_col"]) == (3, 0)
    rerun(at)
    assert (at.session_state["conv_row"], at.session_state["conv_col"]) == (3, 1)
    check_numbers(at, digit)
    at.toggle(key="conv_play").set_value(False)
    rerun(at)
    assert (at.session_state["conv_row"], at.session_state["conv_col"]) == (3, 1)


@pytest.fixture(scope="module")
def grid(grids):
    """grid(at) -> the data the kernel grid was mounted with (cells decoded), or None when it is not shown."""
    return lambda at: grids(at).get("conv_grid")


def type_weight(
    at: AppTest, row: int, col: int, text: str, edit_id: str, version: int | None = None
) -> AppTest:
    """What the grid sends when a student types `text` into box (row, col) and presses Enter (by default on
    the grid version the page shows now)."""
    version = at.session_state["conv_editor"] if version is None else version
    at.session_state["conv_grid"] = {
        "edit": {"id": edit_id, "row": row, "col": col, "text": text, "version": version}
    }
    return rerun(at)


def step_size(at: AppTest, rows: int, cols: int, size_id: str) -> AppTest:
    """What the grid sends when a student steps the kernel's height or width to rows x cols."""
    at.session_state["conv_grid"] = {"edit": None, "size": {"id": size_id, "rows": rows, "cols": cols}}
    return rerun(at)


def test_size_steppers_resize_the_kernel_centred(digit, open_page, check_numbers, grid):
    at = open_page(digit)  # Sobel x, 3x3
    shown = grid(at)
    assert (shown["size_max_h"], shown["size_max_w"]) == (7, 7)
    assert (shown["size_label_h"], shown["size_label_w"]) == ("Kernel height", "Kernel width")
    assert shown["size_help_h"] == i18n.t("conv.kernel_size_help", "en", max=7)
    sobel = np.array(at.session_state["conv_kernel"])
    step_size(at, 3, 5, "s1")
    kernel = np.array(at.session_state["conv_kernel"])
    np.testing.assert_array_equal(kernel[:, 1:4], sobel)  # the old weights stay in the middle
    assert not kernel[:, [0, 4]].any() and at.session_state["conv_preset"] == pg.CUSTOM
    assert np.shape(grid(at)["cells"]) == (3, 5)
    check_numbers(at, digit)
    version = at.session_state["conv_editor"]
    rerun(at)  # the same size event again is not a second resize
    assert at.session_state["conv_editor"] == version
    step_size(at, 1, 5, "s2")
    assert at.session_state["conv_kernel"] == [[0, -2, 0, 2, 0]]  # the middle row of the 3x5
    for bad in ((0, 3), (8, 3), (3, 2.0), ("3", 3)):  # outside 1..7, or not an int: refused, kernel kept
        step_size(at, *bad, f"bad{bad}")
        assert np.shape(at.session_state["conv_kernel"]) == (1, 5) and not at.exception
    check_numbers(at, digit)


def test_kernel_edits_and_refusals(digit, open_page, check_numbers, grid):
    at = open_page(digit)
    type_weight(at, 1, 1, "4,5", "e1")
    assert at.session_state["conv_kernel"][1][1] == 4.5 and at.session_state["conv_preset"] == pg.CUSTOM
    assert grid(at)["cells"][1][1]["text"] == "4.5" and not at.error
    check_numbers(at, digit)
    before = at.session_state["conv_kernel"]
    type_weight(at, 0, 0, "1e9", "e2")
    assert at.session_state["conv_kernel"] == before
    assert [e.value for e in at.error] == [i18n.t("conv.error.kernel_too_large", "en", max_abs=1000.0)]
    assert (
        grid(at)["taken"] == "e2" and grid(at)["cells"][0][0]["text"] == "-1"
    )  # the box shows the kept weight
    check_numbers(at, digit)
    type_weight(at, 2, 0, "", "e3")  # an emptied box is refused too
    assert at.session_state["conv_kernel"] == before and at.error
    rerun(at)
    assert not at.error  # the message goes with the next change
    type_weight(at, 1, 1, "7", "e3")  # an edit already taken is not applied twice
    assert at.session_state["conv_kernel"] == before
    stale = grid(at)["version"]
    at.selectbox(key="conv_preset").set_value("laplacian")
    rerun(at)
    type_weight(at, 1, 1, "7", "e4", version=stale)  # typed into the grid the preset replaced: out of date
    assert at.session_state["conv_kernel"] == kernels.preset("laplacian").tolist()
    check_numbers(at, digit)


@pytest.mark.parametrize("lang", ["en", "uk"])
def test_the_grid_shows_every_weight_tinted_around_zero(digit, open_page, lang, grid):
    at = open_page(digit, lang, conv_preset="sharpen", conv_kernel=kernels.preset("sharpen").tolist())
    data = grid(at)
    texts = [[cell["text"] for cell in row] for row in data["cells"]]
    assert texts == [["0", "-1", "0"], ["-1", "5", "-1"], ["0", "-1", "0"]]
    colours = {cell["text"]: (cell["bg"], cell["ink"]) for row in data["cells"] for cell in row}
    assert colours["0"] == ("rgb(247, 247, 247)", "#000000")  # the scale's white middle: zero
    assert colours["5"][1] == "#ffffff"  # the darkest red carries white text
    assert data["label"] == i18n.t("conv.grid_label", lang)
    assert "{row}" in data["cell"] and "{col}" in data["cell"]
    at = open_page(digit, lang, conv_preset="box_blur", conv_kernel=kernels.preset("box_blur").tolist())
    assert grid(at)["cells"][0][0]["text"] == "0.111111"  # a decimal point, as the page's other numbers


def test_buttons_random_normalise_and_size(digit, open_page, check_numbers):
    at = open_page(digit)
    at.button(key="conv_random_button").click()
    rerun(at)
    np.testing.assert_array_equal(at.session_state["conv_kernel"], kernels.random_kernel(3, 3, 1))
    at.button(key="conv_normalise_button").click()
    rerun(at)
    assert np.sum(at.session_state["conv_kernel"]) == pytest.approx(1.0) or np.abs(
        at.session_state["conv_kernel"]
    ).max() == pytest.approx(1.0)
    check_numbers(at, digit)
    step_size(at, 3, 5, "s1")
    assert np.shape(at.session_state["conv_kernel"]) == (3, 5)
    check_numbers(at, digit)


def test_generated_code_reproduces_the_shown_output(digit, tmp_path, open_page, shown_output):
    at = open_page(
        digit,
        conv_source="grid",
        conv_stride_h=2,
        conv_padding_mode="circular",
        conv_flip=True,
        conv_bias=0.5,
        conv_relu=True,
        conv_code_open=True,
    )
    code = at.code[0].value
    assert 'padding_mode="circular"' in code and "flip(0, 1)" in code and "torch.relu" in code
    scope: dict = {}
    exec(compile(code, "<page code>", "exec"), scope)
    np.testing.assert_allclose(scope["y"][0, 0].numpy(), shown_output(at), atol=1e-5)
    # the digit needs the downloaded CSV
    at.segmented_control(key="conv_source").set_value("digit")
    rerun(at)
    code = at.code[0].value
    assert at.get_by_key("conv_download") is not None
    (tmp_path / pg.INPUT_CSV).write_text(grid_csv(digit))  # what the download button serves
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        scope = {}
        exec(compile(code, "<page code>", "exec"), scope)
    finally:
        os.chdir(cwd)
    np.testing.assert_allclose(scope["y"][0, 0].numpy(), shown_output(at), atol=1e-5)
    assert re.search(r"kernel_size=\(3, 3\), stride=\(2, 1\)", code)


def test_settings_survive_a_page_switch(digit, open_page, check_numbers):
    at = open_page(digit, conv_stride_w=2, **GEOMETRY)
    at.number_input(key="conv_padding_h").set_value(0)
    rerun(at)
    at.switch_page("pages/pooling.py").run()
    at.switch_page(PAGE).run()
    assert not at.exception
    assert at.session_state["conv_padding_h"] == 0 and at.session_state["conv_stride_w"] == 2
    check_numbers(at, digit)


def test_closed_sections_build_nothing_and_settings_survive_the_tabs(digit, open_page, check_numbers, grid):
    at = open_page(digit)
    assert grid(at)
    assert [w.key for w in at.number_input] == ["conv_bias"]  # the kernel tab only
    assert not at.metric[1:] and not at.code  # sparse counts and code are closed expanders
    show(at, "geometry")
    assert not grid(at) and "conv_stride_h" in [w.key for w in at.number_input]
    at.number_input(key="conv_stride_h").set_value(2)
    at.selectbox(key="conv_padding_mode").set_value("reflect")
    rerun(at)
    show(at, "kernel")
    at.number_input(key="conv_bias").set_value(0.25)
    rerun(at)
    s = state(at)
    assert (s["conv_stride_h"], s["conv_padding_mode"], s["conv_bias"]) == (2, "reflect", 0.25)
    assert "14×28 output" in " ".join(m.value for m in at.markdown)
    check_numbers(at, digit)
    show(at, "geometry")
    assert at.number_input(key="conv_stride_h").value == 2
    assert at.selectbox(key="conv_padding_mode").value == "reflect"
    at.session_state["conv_code_open"] = True  # as the expander's callback records it
    rerun(at)
    at.switch_page("pages/pooling.py").run()
    at.switch_page(PAGE).run()  # the open tab and the open expander are as they were
    assert "conv_stride_h" in [w.key for w in at.number_input] and at.code
