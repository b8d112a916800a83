"""explorer.ops against PyTorch and the hand-computed cases of CONV_ARITHMETIC.md."""

import itertools

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from explorer import ops

# CONV_ARITHMETIC §6.1: the paper's 5x5 input and the kernel of Figs 1.1-1.2
PAPER_INPUT = np.array(
    [[3, 3, 2, 1, 0], [0, 0, 1, 3, 1], [3, 1, 2, 2, 3], [2, 0, 0, 2, 2], [2, 0, 0, 0, 1]], dtype=float
)
PAPER_KERNEL = np.array([[0, 1, 2], [2, 2, 0], [0, 1, 2]], dtype=float)


@pytest.fixture
def one_thread():
    """Tiny torch calls run ~10x faster on one thread when the machine is busy."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def _torch_len(fn):
    """Output length along H from a torch call, or None where torch raises."""
    try:
        return fn().shape[2]
    except RuntimeError:
        return None


def _ops_len(*args, **kwargs):
    """ops.output_size, or None where it raises ValueError."""
    try:
        return ops.output_size(*args, **kwargs)
    except ValueError:
        return None


# ----------------------------------------------------------------------------------------------------------
# output_size


@torch.no_grad()
def test_output_size_sweep_matches_torch(one_thread):
    mismatches = []
    for size in range(1, 41):
        x = torch.zeros(1, 1, size, 1)  # (1, 1, H, 1): only the H axis matters
        for k, s, p, d in itertools.product(range(1, 8), range(1, 5), range(4), range(1, 4)):
            w = torch.zeros(1, 1, k, 1)  # (1, 1, k, 1)
            conv = _torch_len(lambda x=x, w=w, s=s, p=p, d=d: F.conv2d(x, w, None, (s, 1), (p, 0), (d, 1)))
            ceil = _torch_len(
                lambda x=x, k=k, s=s, p=p, d=d: F.max_pool2d(
                    x, (k, 1), (s, 1), (p, 0), (d, 1), ceil_mode=True
                )
            )
            if conv != _ops_len(size, k, s, p, d):
                mismatches.append(("conv", size, k, s, p, d, conv))
            if ceil != _ops_len(size, k, s, p, d, ceil_mode=True):
                mismatches.append(("ceil", size, k, s, p, d, ceil))
    assert mismatches == []


@torch.no_grad()
def test_output_size_pool_floor_matches_torch(one_thread):
    mismatches = []
    for size in range(1, 13):
        x = torch.zeros(1, 1, size, 1)
        for k, s, p, d in itertools.product(range(1, 8), range(1, 5), range(4), range(1, 4)):
            pool = _torch_len(lambda x=x, k=k, s=s, p=p, d=d: F.max_pool2d(x, (k, 1), (s, 1), (p, 0), (d, 1)))
            if pool != _ops_len(size, k, s, p, d, pool=True):
                mismatches.append((size, k, s, p, d, pool))
    assert mismatches == []


@pytest.mark.parametrize(
    ("i", "k", "s", "p", "d", "o"),
    [
        (4, 3, 1, 0, 1, 2),  # Fig 2.1
        (5, 4, 1, 2, 1, 6),  # 2.2
        (5, 3, 1, 1, 1, 5),  # 2.3
        (5, 3, 1, 2, 1, 7),  # 2.4
        (5, 3, 2, 0, 1, 2),  # 2.5
        (5, 3, 2, 1, 1, 3),  # 2.6
        (6, 3, 2, 1, 1, 3),  # 2.7
        (7, 3, 1, 0, 2, 3),  # 5.1
    ],
)
def test_paper_shape_cases(i, k, s, p, d, o):
    assert ops.output_size(i, k, s, p, d) == o


def test_fig_2_7_last_row_never_covered():
    assert ops.uncovered(6, 3, 2, 1) == [7]
    assert ops.uncovered(5, 3, 2, 1) == []
    assert ops.uncovered(7, 3, 1, 0, dilation=2) == []
    assert ops.uncovered(7, 2, 3, 0) == [2, 5, 6]  # windows 0-1, 3-4


@pytest.mark.parametrize(
    ("i", "k", "s", "p", "floor", "ceil"),
    [
        (5, 2, 2, 0, 2, 3),
        (7, 2, 2, 0, 3, 4),
        (22, 3, 2, 0, 10, 11),
        (28, 2, 2, 0, 14, 14),
        (5, 2, 2, 1, 3, 3),
        (3, 2, 2, 1, 2, 2),
    ],
)
def test_pool_ceil_mode_cases(i, k, s, p, floor, ceil):
    assert ops.output_size(i, k, s, p, pool=True) == floor
    assert ops.output_size(i, k, s, p, ceil_mode=True) == ceil


def test_ceil_mode_drops_window_starting_in_right_padding():
    # naive ⌈(5 + 2 − 2)/2⌉ + 1 = 4, PyTorch gives 3
    assert ops.ceil_mode_dropped(5, 2, 2, 1)
    assert ops.ceil_mode_dropped(3, 2, 2, 1)
    assert not ops.ceil_mode_dropped(5, 2, 2, 0)
    assert ops.size_formula(5, 2, 2, 1, ceil_mode=True) == "⌈(5 + 2·1 − 2)/2⌉ + 1 − 1 = 3"


@pytest.mark.parametrize(
    ("k", "s", "p", "conv", "pooled"),
    [
        (3, 1, 0, 26, 13),
        (3, 1, 1, 28, 14),
        (5, 1, 0, 24, 12),
        (5, 1, 2, 28, 14),
        (3, 2, 1, 14, 7),
        (5, 2, 0, 12, 6),
        (4, 2, 1, 14, 7),
    ],
)
def test_mnist_chains(k, s, p, conv, pooled):
    assert ops.output_size(28, k, s, p) == conv
    assert ops.output_size(conv, 2, 2, pool=True) == pooled
    layers = [ops.Layer("conv", k, s, p), ops.Layer("pool", 2, 2)]
    assert ops.chain_shapes(layers) == [(28, 28), (conv, conv), (pooled, pooled)]


def test_guard_against_missing_factor_two_on_padding():
    assert ops.output_size(28, 5, 1, 2) == 28  # (28 + 2 − 5)//1 + 1 would be 26


@pytest.mark.parametrize(
    ("args", "kwargs", "fragment"),
    [
        ((0, 3), {}, "input size"),
        ((5, 0), {}, "kernel_size"),
        ((5, 3, 0), {}, "stride"),
        ((5, 3, 1, -1), {}, "padding"),
        ((5, 3, 1, 0, 0), {}, "dilation"),
        ((2, 3), {}, "larger than the padded input"),
        ((7, 3, 1, 0, 4), {}, "larger than the padded input"),
        ((5, 3, 1, 2), {"pool": True}, "kernel_size // 2"),
        ((1, 3), {"ceil_mode": True}, "too small"),
    ],
)
def test_output_size_errors(args, kwargs, fragment):
    with pytest.raises(ValueError, match=fragment):
        ops.output_size(*args, **kwargs)


def test_output_shape_per_axis():
    assert ops.output_shape((28, 20), (5, 3), (1, 2), (2, 0)) == (28, 9)
    assert ops.output_shape((7, 7), 3, dilation=(2, 1)) == (3, 5)


def test_size_formula():
    assert ops.size_formula(28, 3, 2, 1) == "⌊(28 + 2·1 − 3)/2⌋ + 1 = 14"
    assert ops.size_formula(7, 3, 1, 0, dilation=2) == "⌊(7 + 2·0 − 2·(3 − 1) − 1)/1⌋ + 1 = 3"
    assert ops.size_formula(7, 2, 2, 0, ceil_mode=True) == "⌈(7 + 2·0 − 2)/2⌉ + 1 = 4"
    with pytest.raises(ValueError):
        ops.size_formula(2, 3, 1, 0)


def test_bounds_helpers_agree_with_output_size():
    for size, p, d in itertools.product(range(1, 30), range(4), range(1, 4)):
        k = ops.max_kernel_size(size, p, d)
        assert ops.is_valid(size, k, 1, p, d) and not ops.is_valid(size, k + 1, 1, p, d)
    for size, k, p in itertools.product(range(1, 30), range(2, 8), range(4)):
        if ops.is_valid(size, k, 1, p):
            d = ops.max_dilation(size, k, p)
            assert ops.is_valid(size, k, 1, p, d) and not ops.is_valid(size, k, 1, p, d + 1)
    for k in range(1, 8):
        p = ops.max_valid_padding(k, pool=True)
        assert ops.is_valid(20, k, 1, p, pool=True) and not ops.is_valid(20, k, 1, p + 1, pool=True)
    assert ops.max_valid_padding(3) == 2
    assert ops.max_valid_padding(3, dilation=2) == 4
    assert ops.max_valid_padding(7, size=4, padding_mode="reflect") == 3
    assert ops.max_valid_padding(7, size=4, padding_mode="circular") == 4


# ----------------------------------------------------------------------------------------------------------
# the paper's numeric figures


def test_fig_1_1_conv():
    expected = [[12, 12, 17], [10, 17, 19], [9, 6, 14]]
    np.testing.assert_array_equal(ops.conv2d(PAPER_INPUT, PAPER_KERNEL), expected)


def test_fig_1_2_conv_stride_2_padding_1():
    expected = [[6, 17, 3], [8, 17, 13], [6, 4, 4]]
    np.testing.assert_array_equal(ops.conv2d(PAPER_INPUT, PAPER_KERNEL, stride=2, padding=1), expected)


def test_fig_1_5_avg_pool():
    expected = np.array([[15, 15, 15], [9, 11, 16], [10, 7, 12]]) / 9
    np.testing.assert_allclose(ops.avg_pool2d(PAPER_INPUT, 3, 1), expected, rtol=0, atol=1e-12)
    np.testing.assert_allclose(
        np.round(ops.avg_pool2d(PAPER_INPUT, 3, 1), 1), [[1.7, 1.7, 1.7], [1.0, 1.2, 1.8], [1.1, 0.8, 1.3]]
    )


def test_fig_1_6_max_pool():
    out, argmax = ops.max_pool2d(PAPER_INPUT, 3, 1)
    np.testing.assert_array_equal(out, [[3, 3, 3], [3, 3, 3], [3, 2, 3]])
    np.testing.assert_array_equal(PAPER_INPUT[argmax[..., 0], argmax[..., 1]], out)


def test_fig_1_1_worked_top_left_cell():
    step = ops.conv_step(PAPER_INPUT, PAPER_KERNEL, 0.0, 0, 0)
    np.testing.assert_array_equal(step.window, PAPER_INPUT[:3, :3])
    np.testing.assert_array_equal(step.products, PAPER_INPUT[:3, :3] * PAPER_KERNEL)
    assert step.total == 12 and step.relu == 12
    assert step.in_bounds.all()


# ----------------------------------------------------------------------------------------------------------
# padding modes and pooling conventions (§5)


@pytest.mark.parametrize(
    ("mode", "row"),
    [
        ("zeros", [0.889, 1.667, 1.333]),
        ("reflect", [2.667, 3.0, 3.333]),
        ("replicate", [1.333, 2.0, 2.667]),
        ("circular", [4.0, 4.0, 4.0]),
    ],
)
def test_padding_mode_first_row(mode, row):
    x = np.arange(9, dtype=float).reshape(3, 3)
    out = ops.conv2d(x, np.full((3, 3), 1 / 9), padding=1, padding_mode=mode)
    assert out.shape == (3, 3)
    np.testing.assert_allclose(out[0], row, atol=5e-4)


def test_pad2d_matches_f_pad():
    x = np.arange(12, dtype=float).reshape(3, 4)
    t = torch.as_tensor(x)[None, None]
    for mode in ("reflect", "replicate", "circular"):
        np.testing.assert_array_equal(ops.pad2d(x, (2, 1), mode), F.pad(t, (1, 1, 2, 2), mode=mode)[0, 0])
    padded = ops.pad2d(x, 1, value=-np.inf)
    assert padded.shape == (5, 6) and np.isneginf(padded[0]).all()
    np.testing.assert_array_equal(padded[1:-1, 1:-1], x)


def test_count_include_pad_corner():
    x = np.ones((3, 3))
    assert ops.avg_pool2d(x, 3, 1, 1)[0, 0] == pytest.approx(4 / 9)
    assert ops.avg_pool2d(x, 3, 1, 1, count_include_pad=False)[0, 0] == pytest.approx(1.0)


def test_padding_mode_errors():
    x = np.zeros((3, 3))
    with pytest.raises(ValueError, match="reflect"):
        ops.conv2d(x, np.ones((7, 7)), padding=3, padding_mode="reflect")
    with pytest.raises(ValueError, match="circular"):
        ops.conv2d(x, np.ones((7, 7)), padding=4, padding_mode="circular")
    with pytest.raises(ValueError, match="padding_mode"):
        ops.conv2d(x, np.ones((3, 3)), padding=1, padding_mode="mirror")
    with pytest.raises(ValueError, match="larger than the padded input"):
        ops.conv2d(x, np.ones((5, 5)))
    with pytest.raises(ValueError, match="2-D"):
        ops.conv2d(np.zeros((1, 3, 3)), np.ones((3, 3)))
    assert ops.conv2d(x, np.ones((7, 7)), padding=3, padding_mode="circular").shape == (3, 3)
    assert ops.conv2d(x, np.ones((7, 7)), padding=3, padding_mode="replicate").shape == (3, 3)


# ----------------------------------------------------------------------------------------------------------
# the tutorial's 2x2 filter of 0.5 and its zero-padded pooling


def test_tutorial_half_filter_on_paper_input():
    half = np.full((2, 2), 0.5)
    expected = [[3, 3, 3.5, 2.5], [2, 2, 4, 4.5], [3, 1.5, 3, 4.5], [2, 0, 1, 2.5]]  # half of each 2x2 sum
    np.testing.assert_array_equal(ops.conv2d(PAPER_INPUT, half), expected)
    np.testing.assert_array_equal(ops.conv2d(PAPER_INPUT, half, stride=2), [[3, 3.5], [3, 3]])


def test_zero_padded_pool_differs_from_torch_on_negative_values():
    x = -np.arange(1, 26, dtype=float).reshape(5, 5)  # all negative
    out, padded = ops.zero_padded_max_pool(x)
    assert padded.shape == (6, 6)
    np.testing.assert_array_equal(padded[:5, :5], x)
    assert (padded[5] == 0).all() and (padded[:, 5] == 0).all()
    np.testing.assert_array_equal(out, [[-1, -3, 0], [-11, -13, 0], [0, 0, 0]])
    torch_out = ops.torch_ceil_max_pool(x)
    np.testing.assert_array_equal(torch_out, [[-1, -3, -5], [-11, -13, -15], [-21, -23, -25]])


def test_zero_padded_pool_agrees_with_torch_on_non_negative_values():
    x = np.arange(25, dtype=float).reshape(5, 5)
    out, _ = ops.zero_padded_max_pool(x)
    np.testing.assert_array_equal(out, [[6, 8, 9], [16, 18, 19], [21, 23, 24]])
    np.testing.assert_array_equal(out, ops.torch_ceil_max_pool(x))


def test_zero_padded_pool_sizes():
    for n in range(3, 12):
        out, padded = ops.zero_padded_max_pool(np.ones((n, n)), 3, 2)
        assert padded.shape == (n + (n - 3) % 2,) * 2  # one zero row/col only when the windows don't fit
        assert out.shape == (ops.output_size(n, 3, 2, ceil_mode=True),) * 2
    out, padded = ops.zero_padded_max_pool(np.ones((1, 1)), 3, 2)  # smaller than the window: pad up to it
    assert padded.shape == (3, 3) and out.shape == (1, 1)


# ----------------------------------------------------------------------------------------------------------
# conv2d and conv_step against torch on random settings


def _random_settings(rng):
    """A random valid conv2d setting on a small random image."""
    while True:
        h, w = rng.integers(3, 13, size=2)
        kh, kw = rng.integers(1, 8, size=2)
        stride = tuple(int(v) for v in rng.integers(1, 4, size=2))
        dilation = tuple(int(v) for v in rng.integers(1, 3, size=2))
        padding = tuple(int(v) for v in rng.integers(0, 4, size=2))
        mode = str(rng.choice(ops.PADDING_MODES))
        if mode == "reflect":
            padding = (min(padding[0], h - 1), min(padding[1], w - 1))
        try:
            ops.output_shape((h, w), (kh, kw), stride, padding, dilation)
        except ValueError:
            continue
        x = rng.normal(size=(h, w))
        weight = rng.normal(size=(kh, kw))
        return x, weight, float(rng.normal()), stride, padding, dilation, mode


def test_conv2d_matches_nn_conv2d_random(one_thread):
    rng = np.random.default_rng(0)
    for _ in range(200):
        x, weight, bias, stride, padding, dilation, mode = _random_settings(rng)
        layer = nn.Conv2d(1, 1, weight.shape, stride, padding, dilation, padding_mode=mode).double()
        with torch.no_grad():
            layer.weight.copy_(torch.as_tensor(weight)[None, None])
            layer.bias.fill_(bias)
            expected = layer(torch.as_tensor(x)[None, None])[0, 0].numpy()  # (H_out, W_out)
        got = ops.conv2d(x, weight, bias, stride, padding, dilation, mode)
        np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(
            ops.conv2d(x, weight, bias, stride, padding, dilation, mode, relu=True), np.maximum(expected, 0)
        )


def test_conv2d_accepts_tensors_and_float32():
    x = torch.rand(6, 6, dtype=torch.float32)
    out = ops.conv2d(x, torch.ones(2, 2), 1.0)
    assert isinstance(out, np.ndarray) and out.shape == (5, 5)
    np.testing.assert_allclose(out, F.conv2d(x[None, None], torch.ones(1, 1, 2, 2))[0, 0] + 1, rtol=1e-6)


def test_flip_is_true_convolution():
    rng = np.random.default_rng(1)
    for kh, kw in [(1, 1), (2, 3), (3, 3), (5, 2)]:
        x, weight = rng.normal(size=(6, 7)), rng.normal(size=(kh, kw))
        full = F.conv_transpose2d(torch.as_tensor(x)[None, None], torch.as_tensor(weight)[None, None])[0, 0]
        got = ops.conv2d(x, weight, padding=(kh - 1, kw - 1), flip=True)
        np.testing.assert_allclose(got, full.numpy(), atol=1e-12)
    # an off-centre identity kernel shifts one way as correlation and the other as convolution
    shift = np.zeros((3, 3))
    shift[1, 2] = 1.0
    x = np.arange(25, dtype=float).reshape(5, 5)
    np.testing.assert_array_equal(ops.conv2d(x, shift, padding=1)[:, :4], x[:, 1:])
    np.testing.assert_array_equal(ops.conv2d(x, shift, padding=1, flip=True)[:, 1:], x[:, :4])


def test_conv_step_total_equals_conv2d(one_thread):
    rng = np.random.default_rng(2)
    for _ in range(150):
        x, weight, bias, stride, padding, dilation, mode = _random_settings(rng)
        flip = bool(rng.integers(2))
        out = ops.conv2d(x, weight, bias, stride, padding, dilation, mode, flip=flip)
        for row, col in {(0, 0), (out.shape[0] - 1, out.shape[1] - 1), tuple(rng.integers(0, out.shape))}:
            step = ops.conv_step(x, weight, bias, row, col, stride, padding, dilation, mode, flip)
            assert step.total == pytest.approx(out[row, col], abs=1e-10)
            assert step.relu == max(step.total, 0.0)
            np.testing.assert_array_equal(step.products, step.window * step.weight)
            np.testing.assert_array_equal(step.weight, np.flip(weight) if flip else weight)
            assert list(step.rows) == [row * stride[0] + i * dilation[0] for i in range(weight.shape[0])]
            assert list(step.cols) == [col * stride[1] + j * dilation[1] for j in range(weight.shape[1])]
            inside = np.outer(
                (step.rows >= padding[0]) & (step.rows < padding[0] + x.shape[0]),
                (step.cols >= padding[1]) & (step.cols < padding[1] + x.shape[1]),
            )
            np.testing.assert_array_equal(step.in_bounds, inside)
            r_in, c_in = step.rows - padding[0], step.cols - padding[1]
            for i, j in zip(*np.nonzero(inside), strict=True):
                assert step.window[i, j] == x[r_in[i], c_in[j]]
            if mode == "zeros":
                assert (step.window[~inside] == 0).all()


def test_conv_step_rejects_position_outside_output():
    with pytest.raises(ValueError, match="outside"):
        ops.conv_step(PAPER_INPUT, PAPER_KERNEL, 0.0, 3, 0)


# ----------------------------------------------------------------------------------------------------------
# pooling against torch


def _random_pool(rng):
    """A random valid pooling setting on a small image of distinct values (so the argmax is unique)."""
    while True:
        h, w = (int(v) for v in rng.integers(1, 12, size=2))
        k = tuple(int(v) for v in rng.integers(1, 5, size=2))
        s = tuple(int(v) for v in rng.integers(1, 4, size=2))
        p = tuple(int(rng.integers(0, ki // 2 + 1)) for ki in k)
        ceil_mode = bool(rng.integers(2))
        try:
            ops.output_shape((h, w), k, s, p, 1, ceil_mode, pool=True)
        except ValueError:
            continue
        return rng.permutation(h * w).reshape(h, w) - h * w / 2.0, k, s, p, ceil_mode


def test_max_pool_argmax_matches_return_indices_and_windows(one_thread):
    rng = np.random.default_rng(3)
    for _ in range(200):
        x, k, s, p, ceil_mode = _random_pool(rng)
        out, argmax = ops.max_pool2d(x, k, s, p, ceil_mode=ceil_mode)
        t_out, t_idx = nn.MaxPool2d(k, s, p, ceil_mode=ceil_mode, return_indices=True)(
            torch.as_tensor(x)[None, None]
        )
        np.testing.assert_array_equal(out, t_out[0, 0])
        np.testing.assert_array_equal(argmax[..., 0] * x.shape[1] + argmax[..., 1], t_idx[0, 0])
        windows = ops.pool_windows(x.shape, k, s, p, ceil_mode)
        assert len(windows) == out.size
        for (top, left, bottom, right), value, (r, c) in zip(
            windows, out.ravel(), argmax.reshape(-1, 2), strict=True
        ):
            patch = x[max(top, 0) : bottom, max(left, 0) : right]
            assert patch.max() == value == x[r, c]
            assert top <= r < bottom and left <= c < right


def test_avg_pool_matches_torch_and_windows(one_thread):
    rng = np.random.default_rng(4)
    for _ in range(200):
        x, k, s, p, ceil_mode = _random_pool(rng)
        include = bool(rng.integers(2))
        got = ops.avg_pool2d(x, k, s, p, ceil_mode, include)
        expected = F.avg_pool2d(torch.as_tensor(x)[None, None], k, s, p, ceil_mode, include)[0, 0]
        np.testing.assert_allclose(got, expected, atol=1e-12)
        if not include:
            windows = ops.pool_windows(x.shape, k, s, p, ceil_mode)
            means = [x[max(t, 0) : b, max(lf, 0) : r].mean() for t, lf, b, r in windows]
            np.testing.assert_allclose(got.ravel(), means, atol=1e-12)


def test_max_pool_dilation_and_default_stride():
    x = np.arange(36, dtype=float).reshape(6, 6)
    out, _ = ops.max_pool2d(x, 2, dilation=2)  # stride defaults to kernel_size
    assert out.shape == (2, 2)
    np.testing.assert_array_equal(out, F.max_pool2d(torch.as_tensor(x)[None, None], 2, dilation=2)[0, 0])
    assert ops.pool_windows((6, 6), 2, dilation=2)[0] == (0, 0, 3, 3)
    with pytest.raises(ValueError, match="kernel_size // 2"):
        ops.max_pool2d(x, 2, padding=2)


# ----------------------------------------------------------------------------------------------------------
# receptive fields against a gradient check


def _gradient_mask(layers, row, col, input_size):
    """Input pixels with a non-zero gradient of output (row, col) through an all-positive torch chain.

    Max pooling would pass gradient only to each window's argmax, hiding the rest of the receptive field,
    so every layer is a conv with all-ones weights of the same geometry (avg_pool2d for ceil_mode layers:
    conv has no ceil_mode). With positive input and weights no contribution can cancel.
    """
    x = torch.ones(1, 1, *input_size, dtype=torch.float64, requires_grad=True)  # (1, 1, H, W)
    y = x
    for layer in layers:
        if layer.ceil_mode:
            y = F.avg_pool2d(y, layer.kernel_size, layer.stride, layer.padding, ceil_mode=True)
        else:
            w = torch.ones(1, 1, layer.kernel_size, layer.kernel_size, dtype=torch.float64)
            y = F.conv2d(y, w, None, layer.stride, layer.padding, layer.dilation)
    y[0, 0, row, col].backward()
    return (x.grad[0, 0] != 0).numpy()


def _check_chain(layers, input_size, cells):
    for row, col in cells:
        mask = _gradient_mask(layers, row, col, input_size)
        np.testing.assert_array_equal(ops.receptive_field_mask(layers, row, col, input_size), mask)
        rows, cols = np.nonzero(mask)
        box = (rows.min(), cols.min(), rows.max() + 1, cols.max() + 1) if rows.size else (0, 0, 0, 0)
        assert ops.receptive_field(layers, row, col, input_size) == box


def _border_and_random_cells(shape, rng, n=6):
    h, w = shape
    border = {(r, c) for r in range(h) for c in range(w) if r in (0, h - 1) or c in (0, w - 1)}
    return sorted(border | {tuple(int(v) for v in rng.integers(0, shape)) for _ in range(n)})


def test_receptive_field_convnet(one_thread):
    rng = np.random.default_rng(5)
    assert ops.chain_shapes(ops.CONVNET_LAYERS)[-1] == (7, 7)
    _check_chain(ops.CONVNET_LAYERS, (28, 28), _border_and_random_cells((7, 7), rng))
    assert ops.receptive_field(ops.CONVNET_LAYERS, 0, 0) == (0, 0, 10, 10)
    assert ops.receptive_field(ops.CONVNET_LAYERS, 3, 3) == (6, 6, 22, 22)  # 16x16 in the middle
    assert ops.receptive_field(ops.CONVNET_LAYERS[:1], 5, 0) == (3, 0, 8, 3)


def test_receptive_field_random_chains(one_thread):
    rng = np.random.default_rng(6)
    for _ in range(12):
        layers = []
        for i in range(int(rng.integers(1, 4))):
            k = int(rng.integers(1, 6))
            ceil_mode = bool(rng.integers(2))
            pad = int(rng.integers(0, k // 2 + 1)) if ceil_mode else int(rng.integers(0, 3))
            dilation = 1 if ceil_mode else int(rng.integers(1, 3))
            layers.append(ops.Layer(f"l{i}", k, int(rng.integers(1, 4)), pad, dilation, ceil_mode))
        size = (int(rng.integers(8, 20)), int(rng.integers(8, 20)))
        try:
            shape = ops.chain_shapes(layers, size)[-1]
        except ValueError:
            continue
        _check_chain(layers, size, _border_and_random_cells(shape, rng, 4))


def test_receptive_field_dilation_leaves_gaps_and_padding_only_output():
    layers = [ops.Layer("dilated", 3, 1, 0, 2)]
    mask = ops.receptive_field_mask(layers, 0, 0, (7, 7))
    assert np.nonzero(mask[0])[0].tolist() == [0, 2, 4]
    assert ops.receptive_field(layers, 0, 0, (7, 7)) == (0, 0, 5, 5)
    only_padding = [
        ops.Layer("pad", 1, 1, 1)
    ]  # the corner output of a 1x1 conv with padding 1 sees only zeros
    assert ops.receptive_field(only_padding, 0, 0, (4, 4)) == (0, 0, 0, 0)
    assert not ops.receptive_field_mask(only_padding, 0, 0, (4, 4)).any()
    with pytest.raises(ValueError, match="outside"):
        ops.receptive_field(ops.CONVNET_LAYERS, 7, 0)


# ----------------------------------------------------------------------------------------------------------
# counts


def _numel(module):
    return sum(p.numel() for p in module.parameters())


@pytest.mark.parametrize(("cin", "cout", "k"), [(1, 32, 5), (32, 64, 5), (3, 8, (3, 5)), (4, 1, 1)])
@pytest.mark.parametrize("bias", [True, False])
def test_conv_params(cin, cout, k, bias):
    assert ops.conv_params(cin, cout, k, bias) == _numel(nn.Conv2d(cin, cout, k, bias=bias))


@pytest.mark.parametrize(("fin", "fout"), [(3136, 1000), (1000, 10), (1, 1)])
@pytest.mark.parametrize("bias", [True, False])
def test_dense_params(fin, fout, bias):
    assert ops.dense_params(fin, fout, bias) == _numel(nn.Linear(fin, fout, bias=bias))


def test_convnet_counts():
    from explorer.model import ConvNet

    total = ops.conv_params(1, 32, 5) + ops.conv_params(32, 64, 5)
    total += ops.dense_params(7 * 7 * 64, 1000) + ops.dense_params(1000, 10) + 2 * ops.pool_params()
    assert total == _numel(ConvNet())
    assert ops.conv_macs(1, 32, 5, 28) == 32 * 28 * 28 * 25 == 627_200
    assert ops.conv_macs(32, 64, 5, (14, 14)) == 64 * 14 * 14 * 32 * 25
    assert ops.dense_macs(3136, 1000) == 3_136_000
    assert ops.pool_comparisons(32, 2, 14) == 32 * 14 * 14 * 3
