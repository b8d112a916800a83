"""explorer.network against torch: shapes, parameter counts, channel ordering, the what-if forward pass."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from explorer import network
from explorer.model import ConvNet
from explorer.preprocess import to_input


@pytest.fixture(scope="module")
def model() -> ConvNet:
    torch.manual_seed(0)
    return ConvNet().eval()


@pytest.fixture(scope="module")
def digit() -> np.ndarray:
    d = np.zeros((28, 28), dtype=np.float32)
    d[5:23, 12:16] = 1.0  # a "1"
    d[5:8, 9:13] = 0.6
    return d


def test_pipeline_shapes_and_parameters(model):
    stages = network.pipeline(model)
    assert [s.name for s in stages] == [
        "input",
        "conv1",
        "relu1",
        "pool1",
        "conv2",
        "relu2",
        "pool2",
        "flatten",
        "fc1",
        "logits",
        "softmax",
    ]
    shapes = {s.name: s.shape for s in stages}
    assert shapes == {
        "input": (1, 28, 28),
        "conv1": (32, 28, 28),
        "relu1": (32, 28, 28),
        "pool1": (32, 14, 14),
        "conv2": (64, 14, 14),
        "relu2": (64, 14, 14),
        "pool2": (64, 7, 7),
        "flatten": (3136,),
        "fc1": (1000,),
        "logits": (10,),
        "softmax": (10,),
    }
    params = {s.name: s.params for s in stages}
    # hand-computed: out·(in·k·k) + out for convs, out·in + out for linear layers
    assert params["conv1"] == 32 * 25 + 32 == 832
    assert params["conv2"] == 64 * 32 * 25 + 64 == 51264
    assert params["fc1"] == 1000 * 3136 + 1000
    assert params["logits"] == 10 * 1000 + 10
    assert sum(params.values()) == sum(p.numel() for p in model.parameters())
    assert all(params[n] == 0 for n in ("input", "relu1", "pool1", "relu2", "pool2", "flatten", "softmax"))
    formulas = {s.name: s.formula for s in stages}
    assert formulas["conv1"] == "32·(1·5·5) + 32"
    assert formulas["conv2"] == "64·(32·5·5) + 64"
    assert formulas["fc1"] == "1000·3136 + 1000"
    assert formulas["pool1"] == ""
    assert next(s.label for s in stages if s.name == "logits") == "fc2"


def test_stage_name():
    assert network.stage_name("conv1", "conv") == "conv1"
    assert network.stage_name("conv2", "relu") == "relu2"
    assert network.stage_name("conv2", "pool") == "pool2"
    with pytest.raises(ValueError):
        network.stage_name("fc1", "conv")


def test_activations_match_torch(model, digit):
    acts = network.activations(model, digit)
    x = to_input(digit)
    with torch.no_grad():
        conv1 = F.conv2d(x, model.conv1.weight, model.conv1.bias, padding=2)[0]
        pool2 = F.max_pool2d(F.relu(model.conv2(F.max_pool2d(F.relu(conv1[None]), 2))), 2)[0]
    np.testing.assert_allclose(acts["conv1"], conv1.numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(acts["pool2"], pool2.numpy(), rtol=1e-5, atol=1e-6)
    assert acts["conv1"].shape == (32, 28, 28) and acts["softmax"].shape == (10,)


def test_strength_and_order():
    maps = np.zeros((4, 2, 2), dtype=np.float32)
    maps[0] = -5.0  # negative only: strength 0
    maps[1, 0, 0] = 4.0  # mean of positives 1.0
    maps[2] = 2.0  # mean 2.0
    maps[3, 1, 1] = 4.0  # 1.0, ties with channel 1 -> keeps channel order
    np.testing.assert_allclose(network.strength(maps), [0.0, 1.0, 2.0, 1.0])
    assert network.channel_order(maps, by_strength=True).tolist() == [2, 1, 3, 0]
    assert network.channel_order(maps, by_strength=False).tolist() == [0, 1, 2, 3]


def test_normalise_channels_keeps_silent_channels_zero():
    maps = np.array([[[2.0, -4.0]], [[0.0, 0.0]], [[0.5, 0.25]]], dtype=np.float32)
    np.testing.assert_allclose(network.normalise_channels(maps), [[[0.5, -1.0]], [[0.0, 0.0]], [[1.0, 0.5]]])


def test_fit_kernel_pads_and_crops_centred():
    sobel = np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]], dtype=np.float32)
    fitted = network.fit_kernel(sobel)
    assert fitted.shape == (5, 5)
    np.testing.assert_array_equal(fitted[1:4, 1:4], sobel)
    assert np.abs(fitted).sum() == np.abs(sobel).sum()
    # a zero-padded 3x3 kernel gives the same "same"-padded convolution as the 3x3 itself
    x = torch.rand(1, 1, 28, 28)
    np.testing.assert_allclose(
        F.conv2d(x, torch.from_numpy(fitted)[None, None], padding=2).numpy(),
        F.conv2d(x, torch.from_numpy(sobel)[None, None], padding=1).numpy(),
        atol=1e-6,
    )
    half = network.fit_kernel(np.full((2, 2), 0.5))
    np.testing.assert_array_equal(np.argwhere(half).tolist(), [[1, 1], [1, 2], [2, 1], [2, 2]])
    big = np.arange(49, dtype=np.float32).reshape(7, 7)
    np.testing.assert_array_equal(network.fit_kernel(big), big[1:6, 1:6])


def test_match_strength():
    k = network.match_strength(np.array([[1.0, -2.0]]), np.array([[0.1, 0.3]]))
    np.testing.assert_allclose(k, [[0.15, -0.3]], rtol=1e-6)
    np.testing.assert_array_equal(network.match_strength(np.zeros((2, 2)), np.ones((2, 2))), np.zeros((2, 2)))


def test_preset_filter():
    names = network.preset_names()
    assert "sobel_x" in names and network.ZEROS in names
    np.testing.assert_array_equal(network.preset_filter(network.ZEROS), np.zeros((5, 5)))
    sobel = network.preset_filter("sobel_x")
    assert sobel.shape == (5, 5) and sobel[2, 1] == -2 and sobel[2, 3] == 2
    scaled = network.preset_filter("sobel_x", reference=np.full((5, 5), -0.5))
    assert np.abs(scaled).max() == pytest.approx(0.5)


@pytest.mark.parametrize(
    ("values", "key"),
    [
        (np.ones((3, 3)), "fm.error_shape"),
        (np.full((5, 5), np.nan), "fm.error_value"),
        ([[1, 2, 3, 4, "x"]] * 5, "fm.error_value"),
        (np.full((5, 5), 101.0), "fm.error_large"),
    ],
)
def test_validate_filter_refuses(values, key):
    with pytest.raises(network.FilterError) as e:
        network.validate_filter(values)
    assert e.value.key == key


def test_apply_cell_edit():
    base = np.zeros((5, 5), dtype=np.float32)
    k = network.apply_cell_edit(base, 1, 3, "0,5")
    assert k[1, 3] == 0.5 and k.dtype == np.float32 and k.sum() == 0.5
    assert network.apply_cell_edit(k, 4, 0, "−1/4")[4, 0] == -0.25
    assert base.sum() == 0  # base untouched
    for row, col, text, key in [(0, 0, "", "fm.error_value"), (0, 0, "abc", "fm.error_value"),
                                (0, 0, "nan", "fm.error_value"), (0, 0, "500", "fm.error_large"),
                                (5, 0, "1", "fm.error_shape")]:  # fmt: skip
        with pytest.raises(network.FilterError) as e:
            network.apply_cell_edit(base, row, col, text)
        assert e.value.key == key, text


def test_edited_weight_is_a_copy_and_changes_only_its_channel(model, digit):
    before = model.conv1.weight.detach().clone()
    sobel = network.preset_filter("sobel_x")
    weight = network.edited_conv1_weight(model, 3, sobel)
    assert torch.equal(model.conv1.weight, before)  # the model is untouched
    assert weight.data_ptr() != model.conv1.weight.data_ptr()
    assert torch.equal(weight[3, 0], torch.from_numpy(sobel))
    assert torch.equal(weight[:3], before[:3]) and torch.equal(weight[4:], before[4:])

    plain = network.activations(model, digit)
    edited = network.activations(model, digit, weight)
    x = to_input(digit)
    expected = F.conv2d(x, torch.from_numpy(sobel)[None, None], model.conv1.bias[3:4], padding=2)[0, 0]
    np.testing.assert_allclose(edited["conv1"][3], expected.detach().numpy(), rtol=1e-5, atol=1e-5)
    np.testing.assert_array_equal(edited["conv1"][:3], plain["conv1"][:3])  # other channels unchanged
    assert not np.allclose(edited["conv1"][3], plain["conv1"][3])
    assert not np.allclose(edited["conv2"], plain["conv2"])  # the edit flows on through the network
    assert torch.equal(model.conv1.weight, before)


def test_filters_are_copies(model):
    f = network.layer_filters(model, "conv2", 5)
    assert f.shape == (32, 5, 5)
    f[:] = 0
    assert model.conv2.weight[5].abs().sum() > 0
    g = network.conv1_filters(model)
    assert g.shape == (32, 5, 5)
    np.testing.assert_array_equal(g[7], model.conv1.weight[7, 0].detach().numpy())
    assert network.layer_bias(model, "conv1", 2) == pytest.approx(float(model.conv1.bias.detach()[2]))


def test_fire_map():
    relu = np.zeros((14, 14), dtype=np.float32)
    relu[3, 4] = 2.0
    relu[0, 0] = 1.0
    fire = network.fire_map(relu)
    assert fire.shape == (28, 28)
    assert fire[6:8, 8:10].tolist() == [[1.0, 1.0], [1.0, 1.0]]  # cell (3, 4) covers input rows 6-7, cols 8-9
    assert fire[0, 0] == 0.5 and fire.sum() == 4 * 1.0 + 4 * 0.5
    np.testing.assert_array_equal(network.fire_map(np.zeros((28, 28))), np.zeros((28, 28)))


def test_card_numbers():
    card = {
        "test_accuracy": 0.99,
        "data": {"test_size": 10000},
        "per_class_accuracy": [0.9] * 10,
        "architecture": {"parameters": {"conv1": 832, "fc2": 10010}, "total_parameters": 10842},
        "history": [
            {"epoch": 1, "train_loss": 0.5, "test_loss": 0.2, "train_accuracy": 0.9, "test_accuracy": 0.95},
            {"epoch": 2, "train_loss": 0.3, "test_loss": 0.1, "train_accuracy": 0.95, "test_accuracy": 0.99},
        ],
    }
    n = network.card_numbers(card)
    assert n["test_accuracy"] == 0.99 and n["test_size"] == 10000 and n["total_parameters"] == 10842
    assert n["epochs"] == [1, 2]
    assert n["history"]["test_loss"] == [0.2, 0.1]
    assert n["parameters"] == {"conv1": 832, "fc2": 10010}
    assert network.card_numbers({})["epochs"] == []
