"""explorer.playground: bounds never allow an empty output, texts carry the numbers, the code reproduces."""

from __future__ import annotations

import itertools
import os
import re

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from explorer import i18n, kernels, ops
from explorer import playground as pg


def torch_conv(image, s: pg.Settings) -> np.ndarray:
    """Reference: the same convolution written directly with torch (F.pad + F.conv2d), float64."""
    x = torch.tensor(image, dtype=torch.float64)[None, None]
    ph, pw = s.padding
    if s.padding_mode == "zeros":
        x = F.pad(x, (pw, pw, ph, ph))
    else:
        x = F.pad(x, (pw, pw, ph, ph), mode=s.padding_mode)
    w = torch.tensor(s.kernel, dtype=torch.float64)
    if s.flip:
        w = w.flip(0, 1)
    y = F.conv2d(
        x, w[None, None], torch.tensor([s.bias], dtype=torch.float64), stride=s.stride, dilation=s.dilation
    )
    return (F.relu(y) if s.relu else y)[0, 0].numpy()


def random_state(rng, shape) -> dict:
    """Random settings (possibly out of bounds) for an input of `shape`, clamped like the page does."""
    kh, kw = rng.integers(1, 8, size=2)
    raw = {
        "conv_kernel": np.round(rng.uniform(-3, 3, size=(kh, kw)), 2).tolist(),
        "conv_bias": float(np.round(rng.uniform(-2, 2), 2)),
        "conv_stride_h": int(rng.integers(1, 10)),
        "conv_stride_w": int(rng.integers(1, 10)),
        "conv_padding_h": int(rng.integers(0, 8)),
        "conv_padding_w": int(rng.integers(0, 8)),
        "conv_dilation": int(rng.integers(1, 6)),
        "conv_padding_mode": str(rng.choice(ops.PADDING_MODES)),
        "conv_relu": bool(rng.integers(2)),
        "conv_flip": bool(rng.integers(2)),
        "conv_row": int(rng.integers(-1, 30)),
        "conv_col": int(rng.integers(-1, 30)),
    }
    return pg.clamp(raw, shape)


# ----------------------------------------------------------------------------------------------------------
# bounds and clamping


@pytest.mark.parametrize("shape", [(28, 28), (5, 5), (5, 7), (3, 3)])
def test_every_setting_inside_the_bounds_gives_an_output(shape):
    """Exhaustive over kernel size, dilation, padding mode and every padding / stride the bounds allow."""
    for kh, kw in itertools.product(range(1, min(7, shape[0]) + 1), range(1, min(7, shape[1]) + 1)):
        if shape == (28, 28) and (kh, kw) not in {(1, 1), (3, 3), (7, 7), (2, 5)}:
            continue  # keep the test quick: the 28x28 case is the same arithmetic
        d_max = pg.bounds(shape, (kh, kw)).dilation
        for d, mode in itertools.product(range(1, d_max + 1), ops.PADDING_MODES):
            b = pg.bounds(shape, (kh, kw), d, (0, 0), mode)
            assert b.dilation == d_max
            for ph, pw in [(0, 0), b.padding]:
                sb = pg.bounds(shape, (kh, kw), d, (ph, pw), mode)
                for sh, sw in [(1, 1), sb.stride]:
                    assert min(ops.output_shape(shape, (kh, kw), (sh, sw), (ph, pw), d)) >= 1
            # the extreme corner, run through torch for real
            sh, sw = pg.bounds(shape, (kh, kw), d, b.padding, mode).stride
            out = ops.conv2d(np.ones(shape), np.ones((kh, kw)), 0, (sh, sw), b.padding, d, mode)
            assert out.shape == ops.output_shape(shape, (kh, kw), (sh, sw), b.padding, d)


def test_bounds_follow_pytorch_limits():
    b = pg.bounds((5, 5), (3, 3), 1, (0, 0), "reflect")
    assert b.kernel_size == (5, 5)
    assert b.dilation == 2  # 2·(3 − 1) + 1 = 5 fits, 3 would span 7
    assert b.padding == (2, 2)  # full padding k − 1 = 2 (< 5 so reflect allows it)
    assert b.stride == (3, 3)  # 5 + 0 − 3 + 1: larger strides give the same 1-cell output
    assert pg.bounds((5, 5), (3, 3), 2, (0, 0), "reflect").padding == (4, 4)  # span − 1 = 4 < 5
    assert pg.bounds((3, 3), (3, 3), 1, (0, 0), "reflect").padding == (2, 2)
    assert pg.bounds((2, 2), (2, 2), 1, (0, 0), "reflect").padding == (1, 1)  # reflect needs p < size
    assert pg.bounds((28, 28), (3, 3)).stride == (pg.STRIDE_CAP, pg.STRIDE_CAP)
    with pytest.raises(RuntimeError):  # PyTorch really refuses reflect padding == size
        F.pad(torch.zeros(1, 1, 2, 2), (2, 2, 2, 2), mode="reflect")


def test_clamp_moves_everything_inside():
    state = {
        "conv_kernel": np.ones((7, 7)).tolist(),
        "conv_stride_h": 50,
        "conv_stride_w": 0,
        "conv_padding_h": 9,
        "conv_padding_w": -3,
        "conv_dilation": 9,
        "conv_padding_mode": "reflect",
        "conv_row": 99,
        "conv_col": -1,
        "conv_bias": float("nan"),
        "conv_source": "nope",
    }
    out = pg.clamp(state, (5, 5))
    assert np.shape(out["conv_kernel"]) == (5, 5) and out["conv_preset"] == pg.CUSTOM
    assert out["conv_dilation"] == 1 and out["conv_padding_h"] == 4 and out["conv_padding_w"] == 0
    assert out["conv_stride_h"] == min(pg.STRIDE_CAP, 5 + 8 - 5 + 1) and out["conv_stride_w"] == 1
    assert out["conv_bias"] == 0.0 and out["conv_source"] == "digit"
    h_out, _ = pg.Settings.from_state(out).output_shape((5, 5))
    assert out["conv_row"] == h_out - 1 and out["conv_col"] == -1
    assert pg.resolve_cell(out["conv_row"], 1, np.zeros((h_out, 3))) == (h_out - 1, 1)
    assert pg.resolve_cell(-1, 1, np.array([[0.0, 1.0], [-3.0, 2.0]])) == (1, 0)
    assert pg.clamp({}, (28, 28))["conv_kernel"] == kernels.preset("sobel_x").tolist()


def test_clamp_refuses_a_broken_kernel():
    out = pg.clamp({"conv_kernel": [[1, float("inf")]], "conv_preset": pg.CUSTOM}, (28, 28))
    assert (
        out["conv_kernel"] == pg.DEFAULTS["conv_kernel"] and out["conv_preset"] == pg.DEFAULTS["conv_preset"]
    )


def test_defaults_are_valid_and_json_like():
    import json

    json.dumps(pg.DEFAULTS)  # round-trips through query params later
    assert pg.clamp(pg.DEFAULTS, (28, 28))["conv_kernel"] == pg.DEFAULTS["conv_kernel"]
    assert all(key.startswith("conv_") for key in pg.DEFAULTS)


# ----------------------------------------------------------------------------------------------------------
# numbers equal torch


def test_random_settings_match_torch():
    rng = np.random.default_rng(0)
    image = rng.uniform(0, 1, size=(28, 28))
    for shape in [(28, 28), (5, 5)] * 25:
        img = image[: shape[0], : shape[1]]
        s = pg.Settings.from_state(random_state(rng, shape))
        np.testing.assert_allclose(s.convolve(img), torch_conv(img, s), atol=1e-12)


def test_presets_on_the_paper_grid_match_torch_and_the_paper():
    for name in pg.PRESETS:
        s = pg.Settings(kernel=pg.PRESETS[name].copy(), padding=(1, 1))
        np.testing.assert_allclose(s.convolve(pg.PAPER_GRID), torch_conv(pg.PAPER_GRID, s), atol=1e-12)
    fig_1_1 = pg.Settings(kernel=pg.PAPER_KERNEL)
    np.testing.assert_array_equal(fig_1_1.convolve(pg.PAPER_GRID), [[12, 12, 17], [10, 17, 19], [9, 6, 14]])
    fig_1_2 = pg.Settings(kernel=pg.PAPER_KERNEL, stride=(2, 2), padding=(1, 1))
    np.testing.assert_array_equal(fig_1_2.convolve(pg.PAPER_GRID), [[6, 17, 3], [8, 17, 13], [6, 4, 4]])


def test_tutorial_half_is_the_mean_of_each_2x2_times_2():
    s = pg.Settings(kernel=pg.PRESETS["tutorial_half"].copy(), stride=(2, 2))
    expected = [
        [0.5 * (3 + 3 + 0 + 0), 0.5 * (2 + 1 + 1 + 3)],
        [0.5 * (3 + 1 + 2 + 0), 0.5 * (2 + 2 + 0 + 2)],
    ]
    np.testing.assert_allclose(s.convolve(pg.PAPER_GRID), expected)


def test_step_matches_output_everywhere():
    rng = np.random.default_rng(1)
    for _ in range(10):
        state = random_state(rng, (5, 5))
        s = pg.Settings.from_state(state)
        out = s.convolve(pg.PAPER_GRID, relu=False)
        for r, c in itertools.product(range(out.shape[0]), range(out.shape[1])):
            step = s.step(pg.PAPER_GRID, r, c)
            assert step.total == pytest.approx(out[r, c], abs=1e-12)


# ----------------------------------------------------------------------------------------------------------
# kernel editing


def test_resize_keeps_the_centre():
    k5 = pg.resize_kernel(kernels.preset("identity"), 5, 5)
    assert k5[2, 2] == 1 and k5.sum() == 1
    np.testing.assert_array_equal(pg.resize_kernel(k5, 3, 3), kernels.preset("identity"))
    assert pg.resize_kernel(kernels.preset("sobel_x"), 3, 1).tolist() == [[0], [0], [0]]
    assert pg.resize_kernel([[1, 2], [3, 4]], 3, 3).tolist() == [[1, 2, 0], [3, 4, 0], [0, 0, 0]]


def test_edited_kernel_and_refusals():
    kernel = kernels.preset("identity")
    assert pg.edited_kernel(kernel, 1, 1, "1") is None  # unchanged
    assert pg.edited_kernel(kernel, 0, 0, " 0,0 ") is None
    edited = pg.edited_kernel(kernel, 2, 1, "−2,5")
    expected = kernel.copy()
    expected[2, 1] = -2.5
    np.testing.assert_array_equal(edited, expected)
    np.testing.assert_array_equal(kernel, kernels.preset("identity"))  # the input is not written to
    assert pg.edited_kernel(kernel, 0, 2, "1/9")[0, 2] == pytest.approx(1 / 9)
    for text, key in [
        ("", "kernel_nonfinite"),
        ("abc", "kernel_nonfinite"),
        ("inf", "kernel_nonfinite"),
        ("nan", "kernel_nonfinite"),
        ("1/0", "kernel_nonfinite"),
        ("1e6", "kernel_too_large"),
        ("-1001", "kernel_too_large"),
    ]:
        with pytest.raises(ValueError) as err:
            pg.edited_kernel(kernel, 1, 1, text)
        assert err.value.args[0] == key, text
        for lang in i18n.LANGUAGES:
            message = pg.kernel_error(err.value, lang)
            assert message and "{" not in message
    with pytest.raises(ValueError) as err:
        pg.edited_kernel(kernel, 3, 0, "1")  # outside the 3x3 kernel
    assert "7×7" in pg.kernel_error(err.value, "en")


def test_preset_matching():
    assert pg.preset_matching(kernels.preset("laplacian")) == "laplacian"
    assert pg.preset_matching(pg.PAPER_KERNEL) == "paper"
    assert pg.preset_matching([[1.0, 2.0]]) == pg.CUSTOM


def test_next_position_and_pick():
    assert pg.next_position(0, 2, (3, 3)) == (1, 0)
    assert pg.next_position(2, 2, (3, 3)) == (0, 0)
    assert pg.next_position(0, 0, (3, 3), -1) == (2, 2)
    assert pg.picked_cell({"selection": {"points": [{"x": 4, "y": 1}]}}, (5, 5)) == (1, 4)
    assert pg.picked_cell({"selection": {"points": []}}, (5, 5)) is None
    assert pg.picked_cell({"selection": {"points": [{"x": 9, "y": 1}]}}, (5, 5)) is None
    assert pg.picked_cell(None, (5, 5)) is None


# ----------------------------------------------------------------------------------------------------------
# texts


def test_arithmetic_lines_show_the_numbers():
    s = pg.Settings(kernel=pg.PAPER_KERNEL, bias=-20.0)
    step = s.step(pg.PAPER_GRID, 0, 0)
    sum_line, bias_line, relu_line = pg.arithmetic_lines(step, "en")
    assert sum_line.endswith("= 12") and "0·3 + 1·3 + 2·2 + 2·0" in sum_line
    assert bias_line.endswith("12 + (−20) = −8")
    assert relu_line == "ReLU: max(−8, 0) = 0"
    long = pg.Settings(kernel=np.ones((7, 7))).step(np.ones((7, 7)), 0, 0)
    assert "49" in pg.arithmetic_lines(long, "uk")[0] and pg.arithmetic_lines(long, "uk")[0].endswith("= 49")


def test_arithmetic_grids_in_html():
    from explorer.plots.conv import arithmetic_html

    step = ops.conv_step(
        pg.PAPER_GRID, pg.PAPER_KERNEL, 0.0, 0, 0, padding=1
    )  # the window hangs over the corner
    html = arithmetic_html(
        step.window, step.weight, step.products, step.in_bounds, titles=("<w>", "k", "p"), zrange=(0.0, 3.0)
    )
    assert "&lt;w&gt;" in html and "<w>" not in html  # titles are text, never markup
    window = re.search(r'data-grid="window">(.*?)</figure>', html)[1]
    cells = re.findall(
        r'<span( class="pad")? data-z="([^"]+)" title="[^"]+" style="background:([^;]+);', window
    )
    assert len(cells) == 9
    assert [bool(pad) for pad, _, _ in cells] == list(~step.in_bounds.ravel())  # padding cells outlined
    assert [float(z) for _, z, _ in cells] == list(step.window.ravel())
    levels = [round(255 * float(z) / 3) for _, z, _ in cells]  # black at 0, white at 3 (the grid's maximum)
    assert [colour for _, _, colour in cells] == [f"rgb({v},{v},{v})" for v in levels] and 255 in levels
    weights = re.search(r'data-grid="weight">(.*?)</figure>', html)[1]
    assert "background:rgb(103, 0, 31)" in weights  # the largest weight (2): the darkest red
    assert html.count('class="pad"') == int((~step.in_bounds).sum())  # only the window marks padding


def test_cell_numbers():
    from explorer.plots import format_value

    assert [format_value(v) for v in (3.0, -2.0, 0.5, -0.125, 0.996, -0.004, 0.004)] == [
        "3", "-2", "0.5", "-0.12", "1", "0", "0"
    ]  # fmt: skip
    assert [format_value(v) for v in (float("-inf"), float("inf"), float("nan"))] == ["−∞", "∞", ""]


def test_fmt_count():
    assert pg.fmt_count(615440, "en") == "615,440" and pg.fmt_count(615440, "uk") == "615\u00a0440"
    assert pg.fmt_count(26533.04, "uk") == "26\u00a0533" and pg.fmt_count(2.25, "uk") == "2,2"
    assert pg.fmt_count(2.25, "en") == "2.2" and pg.fmt_count(10, "en") == "10"


def test_fmt():
    assert (
        pg.fmt(3.0) == "3" and pg.fmt(-0.25) == "−0.25" and pg.fmt(1 / 3) == "0.333" and pg.fmt(-1e-9) == "0"
    )


def test_uncovered_text_fig_2_7_and_lost_input():
    # Fig. 2.7: i=6, k=3, s=2, p=1: only the last padded row is skipped
    assert pg.uncovered_indices(6, 3, 2, 1, 1) == ([], [6])
    text = pg.uncovered_text("h", 6, 3, 2, 1, 1, "en")
    assert (
        "Rows 6 " in text and "(6 + 2·1 − 3) = 5" in text and "remainder 1" in text and "Only padding" in text
    )
    # 28 wide, k=3, s=2, p=0: column 27 of the input is lost
    assert pg.uncovered_indices(28, 3, 2, 0, 1) == ([27], [])
    text = pg.uncovered_text("w", 28, 3, 2, 0, 1, "uk")
    assert "Стовпці 27" in text and "остачу 1" in text
    # stride larger than the kernel: gaps between windows
    assert pg.uncovered_indices(5, 1, 2, 0, 1) == ([1, 3], [])
    assert "1, 3" in pg.uncovered_text("h", 5, 1, 2, 0, 1, "en")
    # dilation 2 with stride 2: odd rows fall into the holes
    assert pg.uncovered_indices(7, 3, 2, 0, 2) == ([1, 3, 5], [])
    assert "dilation 2" in pg.uncovered_text("h", 7, 3, 2, 0, 2, "en")
    assert pg.uncovered_text("h", 28, 3, 1, 1, 1, "en") is None


def test_size_lines():
    s = pg.Settings(kernel=np.ones((3, 5)), stride=(2, 1), padding=(1, 0))
    assert pg.size_lines((28, 28), s, "en") == [
        "Height: ⌊(28 + 2·1 − 3)/2⌋ + 1 = 14",
        "Width: ⌊(28 + 2·0 − 5)/1⌋ + 1 = 24",
    ]


def test_counts_match_torch_modules():
    n = pg.counts((28, 28), (3, 3), (26, 26))
    assert n["conv_params"] == sum(p.numel() for p in torch.nn.Conv2d(1, 1, 3).parameters()) == 10
    assert n["dense_params"] == 784 * 676 + 676
    assert n["conv_macs"] == 676 * 9 and n["dense_macs"] == 784 * 676


def test_every_key_has_both_languages():
    keys = [k for k in i18n.table() if k.startswith("conv.")]
    assert len(keys) > 50
    for key in keys:
        for lang in i18n.LANGUAGES:
            assert i18n.table()[key][lang].strip(), (key, lang)
    for name in [*pg.PRESETS, pg.CUSTOM]:
        assert f"conv.preset.{name}" in i18n.table()


# ----------------------------------------------------------------------------------------------------------
# PyTorch code


def run_code(code: str, tmp_path, image) -> np.ndarray:
    """Exec the generated code in tmp_path (where the input CSV is saved) and return its `y`."""
    from explorer.plots import grid_csv

    (tmp_path / pg.INPUT_CSV).write_text(grid_csv(image))
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        scope: dict = {}
        exec(compile(code, "<generated>", "exec"), scope)
    finally:
        os.chdir(cwd)
    return scope["y"][0, 0].numpy()


def test_generated_code_reproduces_the_output(tmp_path, capsys):
    rng = np.random.default_rng(2)
    image = rng.uniform(0, 1, size=(28, 28)).astype(np.float32)
    for i, (shape, inline) in enumerate([((28, 28), False), ((5, 5), True)] * 6):
        img = image[: shape[0], : shape[1]] if i % 2 == 0 else pg.PAPER_GRID
        s = pg.Settings.from_state(random_state(rng, shape))
        code = pg.pytorch_code(s, img, "uk" if i % 3 else "en", inline_input=inline)
        assert "nn.Conv2d(1, 1, kernel_size=" in code
        assert ("padding_mode=" in code) == (s.padding_mode != "zeros")
        np.testing.assert_allclose(run_code(code, tmp_path, img), s.convolve(img), atol=1e-4)
    capsys.readouterr()
