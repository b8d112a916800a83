"""explorer.kernels: preset values, validation codes, normalisation, and what the presets do to an image."""

import math

import numpy as np
import pytest
import torch

from explorer import kernels, ops

SETOSA = {  # ANCHORS.md §SK (vicapow/explained-visually: script.js)
    "outline": [[-1, -1, -1], [-1, 8, -1], [-1, -1, -1]],
    "gaussian_blur": np.array([[1, 2, 1], [2, 4, 2], [1, 2, 1]]) / 16,
    "sharpen": [[0, -1, 0], [-1, 5, -1], [0, -1, 0]],
    "emboss": [[-2, -1, 0], [-1, 1, 1], [0, 1, 2]],
    "identity": [[0, 0, 0], [0, 1, 0], [0, 0, 0]],
}


def test_preset_names():
    assert set(kernels.PRESETS) == {
        "identity",
        "box_blur",
        "gaussian_blur",
        "sharpen",
        "sobel_x",
        "sobel_y",
        "laplacian",
        "emboss",
        "outline",
        "tutorial_half",
    }
    assert tuple(kernels.PRESETS) == kernels.PRESET_NAMES


@pytest.mark.parametrize("name", sorted(SETOSA))
def test_setosa_values(name):
    np.testing.assert_array_equal(kernels.preset(name), SETOSA[name])


def test_other_preset_values():
    np.testing.assert_array_equal(kernels.preset("box_blur"), np.full((3, 3), 1 / 9))
    np.testing.assert_array_equal(kernels.preset("sobel_x"), [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]])
    np.testing.assert_array_equal(kernels.preset("sobel_y"), kernels.preset("sobel_x").T)
    np.testing.assert_array_equal(kernels.preset("laplacian"), [[0, 1, 0], [1, -4, 1], [0, 1, 0]])
    np.testing.assert_array_equal(kernels.preset("tutorial_half"), [[0.5, 0.5], [0.5, 0.5]])


def test_presets_are_valid_and_protected():
    for name, kernel in kernels.PRESETS.items():
        np.testing.assert_array_equal(kernels.validate_kernel(kernel), kernel)
        assert kernel.dtype == np.float64
        with pytest.raises(ValueError):
            kernel[0, 0] = 99.0  # shared presets are read-only
        copy = kernels.preset(name)
        copy[0, 0] = 99.0
        assert kernels.PRESETS[name][0, 0] != 99.0
    with pytest.raises(KeyError):
        kernels.preset("nope")


def test_blur_sums_to_one_and_edge_kernels_to_zero():
    for name in ("identity", "box_blur", "gaussian_blur", "sharpen", "emboss"):
        assert kernels.PRESETS[name].sum() == pytest.approx(1.0)
    for name in ("sobel_x", "sobel_y", "laplacian", "outline"):
        assert kernels.PRESETS[name].sum() == 0


def test_preset_effects_on_an_image():
    x = np.zeros((6, 6))
    x[:, 3:] = 1.0  # vertical edge, dark left -> bright right
    np.testing.assert_array_equal(ops.conv2d(x, kernels.preset("identity"), padding=1), x)
    sobel_x = ops.conv2d(x, kernels.preset("sobel_x"))  # (4, 4), valid
    np.testing.assert_array_equal(sobel_x, np.tile([0, 4, 4, 0], (4, 1)))
    np.testing.assert_array_equal(ops.conv2d(x, kernels.preset("sobel_y")), np.zeros((4, 4)))
    flat = np.full((5, 5), 3.0)
    for name in ("sobel_x", "sobel_y", "laplacian", "outline"):
        np.testing.assert_allclose(ops.conv2d(flat, kernels.preset(name)), 0, atol=1e-12)
    for name in ("box_blur", "gaussian_blur", "sharpen"):
        np.testing.assert_allclose(ops.conv2d(flat, kernels.preset(name)), 3.0, atol=1e-12)


@pytest.mark.parametrize(
    ("values", "key"),
    [
        ([], "kernel_empty"),
        ([[]], "kernel_empty"),
        (np.zeros((0, 3)), "kernel_empty"),
        ([1, 2, 3], "kernel_shape"),
        (np.zeros((2, 2, 2)), "kernel_shape"),
        (np.zeros((8, 3)), "kernel_shape"),
        (np.zeros((3, 8)), "kernel_shape"),
        ([[1, 2], [3]], "kernel_shape"),
        ([[1, math.nan], [0, 0]], "kernel_nonfinite"),
        ([[1, math.inf], [0, 0]], "kernel_nonfinite"),
        ([[1, None], [0, 0]], "kernel_nonfinite"),
        ([["a", 1], [0, 0]], "kernel_nonfinite"),
        ([[1001, 0], [0, 0]], "kernel_too_large"),
        ([[-1e6]], "kernel_too_large"),
    ],
)
def test_validate_kernel_errors(values, key):
    with pytest.raises(ValueError) as err:
        kernels.validate_kernel(values)
    assert err.value.args[0] == key
    assert isinstance(err.value.args[1], dict)


def test_validate_kernel_accepts():
    out = kernels.validate_kernel([[1, 2], [3, 4]])
    assert out.dtype == np.float64 and out.shape == (2, 2)
    assert kernels.validate_kernel(np.full((7, 7), -1000.0)).shape == (7, 7)
    assert kernels.validate_kernel(torch.ones(1, 5)).shape == (1, 5)
    assert kernels.validate_kernel([["1.5"]])[0, 0] == 1.5
    assert kernels.validate_kernel([[7]]).shape == (1, 1)


def test_normalise():
    np.testing.assert_allclose(kernels.normalise(np.ones((3, 3))), np.full((3, 3), 1 / 9))
    np.testing.assert_allclose(kernels.normalise([[1, 2], [3, 4]]), np.array([[1, 2], [3, 4]]) / 10)
    np.testing.assert_allclose(kernels.normalise(kernels.preset("sobel_x")), kernels.preset("sobel_x") / 2)
    np.testing.assert_array_equal(kernels.normalise(np.zeros((2, 2))), np.zeros((2, 2)))
    np.testing.assert_allclose(kernels.normalise([[-2, -2]]).sum(), 1.0)
    source = kernels.preset("outline")
    kernels.normalise(source)
    np.testing.assert_array_equal(source, SETOSA["outline"])  # input untouched


def test_random_kernel():
    a = kernels.random_kernel(3, 5, seed=7)
    assert a.shape == (3, 5) and np.abs(a).max() <= 1.0
    np.testing.assert_array_equal(a, kernels.random_kernel(3, 5, seed=7))
    assert not np.array_equal(a, kernels.random_kernel(3, 5, seed=8))
    np.testing.assert_array_equal(a, np.round(a, 2))
    np.testing.assert_array_equal(kernels.validate_kernel(a), a)


@pytest.mark.parametrize(
    ("text", "value"),
    [("0.5", 0.5), ("0,5", 0.5), (" −1 ", -1.0), ("-2", -2.0), ("1/9", 1 / 9), ("−1/16", -1 / 16), ("1e2", 100.0),
     ("+3", 3.0), ("1 000", 1000.0)],
)  # fmt: skip
def test_parse_weight_reads_what_students_type(text, value):
    assert kernels.parse_weight(text) == pytest.approx(value)


@pytest.mark.parametrize(
    "text", ["", " ", "abc", "1,2,3", "nan", "inf", "-inf", "1/0", "0/0", "1/2/3", "--1"]
)
def test_parse_weight_refuses_the_rest(text):
    with pytest.raises(ValueError) as err:
        kernels.parse_weight(text)
    assert err.value.args == ("kernel_nonfinite", {})


def test_weight_text_round_trips():
    for name in kernels.PRESET_NAMES:
        for value in kernels.PRESETS[name].ravel():
            text = kernels.weight_text(value)
            assert kernels.parse_weight(text) == pytest.approx(value, rel=1e-5)
            assert kernels.parse_weight(text.replace(".", ",")) == pytest.approx(value, rel=1e-5)
    assert kernels.weight_text(-0.0) == "0"
    assert kernels.weight_text(1 / 9) == "0.111111"
    assert kernels.weight_text(-1000) == "-1000"
