"""explorer.model: the tutorial's ConvNet, the bundled weights (sha256 against the model card, clear errors when
missing, altered or truncated) and their quality on MNIST and on digits drawn anywhere on a canvas."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from explorer.i18n import LANGUAGES, t
from explorer.model import (
    CARD_PATH,
    STAGES,
    WEIGHTS_PATH,
    ConvNet,
    WeightsError,
    count_parameters,
    load_card,
    load_pretrained,
    predict,
    sha256,
)
from explorer.preprocess import load_image, preprocess, to_input


@pytest.fixture(scope="module")
def model() -> ConvNet:
    torch.set_num_threads(1)
    return load_pretrained()


@pytest.fixture
def copies(tmp_path):
    """Copies of the bundled weights and card to damage."""
    weights, card = tmp_path / WEIGHTS_PATH.name, tmp_path / CARD_PATH.name
    shutil.copyfile(WEIGHTS_PATH, weights)
    shutil.copyfile(CARD_PATH, card)
    return weights, card


def assert_weights_error(excinfo, key: str, *fragments: str) -> None:
    err = excinfo.value
    assert err.key == key
    for fragment in fragments:
        assert fragment in str(err)
    for lang in LANGUAGES:  # the app shows the translated text
        assert t(key, lang).strip()


# --- architecture ----------------------------------------------------------------------------------------------


def test_activations_have_the_documented_shapes():
    net = ConvNet().eval()
    x = torch.randn(3, 1, 28, 28)
    with torch.inference_mode():
        acts = net.activations(x)
    assert list(acts) == [name for name, _ in STAGES]
    for name, shape in STAGES:
        assert tuple(acts[name].shape) == (3, *shape), name
    torch.testing.assert_close(acts["softmax"].sum(1), torch.ones(3))


def test_activations_follow_the_tutorial_layers():
    """Recompute every stage with torch.nn.functional from the parameters."""
    torch.manual_seed(0)
    net = ConvNet().eval()
    x = torch.randn(2, 1, 28, 28)
    with torch.inference_mode():
        acts = net.activations(x)
        c1 = F.conv2d(x, net.conv1.weight, net.conv1.bias, stride=1, padding=2)
        p1 = F.max_pool2d(F.relu(c1), kernel_size=2, stride=2)
        c2 = F.conv2d(p1, net.conv2.weight, net.conv2.bias, stride=1, padding=2)
        p2 = F.max_pool2d(F.relu(c2), kernel_size=2, stride=2)
        logits = F.linear(
            F.relu(F.linear(p2.flatten(1), net.fc1.weight, net.fc1.bias)), net.fc2.weight, net.fc2.bias
        )
    for name, ref in (("conv1", c1), ("pool1", p1), ("conv2", c2), ("pool2", p2), ("logits", logits)):
        torch.testing.assert_close(acts[name], ref, msg=name)


def test_an_edited_conv1_filter_is_used_for_that_call_only():
    torch.manual_seed(1)
    net = ConvNet().eval()
    before = net.conv1.weight.detach().clone()
    edited = torch.zeros_like(before)
    edited[:, 0, 2, 2] = 1.0  # identity filters
    x = torch.randn(1, 1, 28, 28)
    with torch.inference_mode():
        acts = net.activations(x, conv1_weight=edited)
    torch.testing.assert_close(acts["conv1"], x.expand(1, 32, 28, 28) + net.conv1.bias.view(1, 32, 1, 1))
    torch.testing.assert_close(net.conv1.weight, before)


def test_parameter_counts():
    counts = count_parameters(ConvNet())
    assert counts == {
        "conv1": 32 * 25 + 32,
        "conv2": 64 * 32 * 25 + 64,
        "fc1": 3136 * 1000 + 1000,
        "fc2": 10010,
    }


# --- the bundled weights and their card -------------------------------------------------------------------------


def test_weights_match_the_card(model):
    card = load_card()
    assert card["sha256"] == sha256(WEIGHTS_PATH)
    assert card["weights_file"] == WEIGHTS_PATH.name
    state = torch.load(WEIGHTS_PATH, map_location="cpu", weights_only=True)
    for name, tensor in model.state_dict().items():
        torch.testing.assert_close(tensor, state[name])
    assert not model.training
    assert card["architecture"]["parameters"] == count_parameters(model)
    assert card["architecture"]["total_parameters"] == sum(p.numel() for p in model.parameters())


def test_card_reports_a_fully_trained_model():
    """The shipped network (issue 3: >= 99.5 % on the MNIST test split), with its history and recipe."""
    card = load_card()
    assert card["test_accuracy"] >= 0.995
    assert card["data"]["test_size"] == 10000
    assert len(card["per_class_accuracy"]) == 10 and min(card["per_class_accuracy"]) > 0.98
    assert len(card["history"]) == card["recipe"]["epochs"] >= 1
    assert card["history"][-1]["test_accuracy"] == pytest.approx(card["test_accuracy"])
    assert {"seed", "optimizer", "augmentation"} <= set(card["recipe"])


def test_load_copies_when_intact(copies):
    weights, card = copies
    assert isinstance(load_pretrained(weights, card), ConvNet)


def test_missing_weights(copies):
    weights, card = copies
    weights.unlink()
    with pytest.raises(WeightsError) as excinfo:
        load_pretrained(weights, card)
    assert_weights_error(excinfo, "weights_missing", str(weights), "not found")


def test_missing_card(copies):
    weights, card = copies
    card.unlink()
    with pytest.raises(WeightsError) as excinfo:
        load_pretrained(weights, card)
    assert_weights_error(excinfo, "weights_missing", "model card")


def test_altered_weights(copies):
    weights, card = copies
    data = bytearray(weights.read_bytes())
    data[len(data) // 2] ^= 0xFF  # one flipped byte deep in a tensor
    weights.write_bytes(bytes(data))
    with pytest.raises(WeightsError) as excinfo:
        load_pretrained(weights, card)
    assert_weights_error(excinfo, "weights_mismatch", "sha256", sha256(weights), load_card(card)["sha256"])


def test_truncated_weights(copies):
    weights, card = copies
    weights.write_bytes(weights.read_bytes()[: weights.stat().st_size // 3])
    with pytest.raises(WeightsError) as excinfo:
        load_pretrained(weights, card)
    assert_weights_error(excinfo, "weights_mismatch", "sha256")


def test_truncated_weights_even_with_a_matching_card(copies):
    """A card rewritten to match a damaged file still can't make it load."""
    weights, card = copies
    weights.write_bytes(weights.read_bytes()[: weights.stat().st_size // 3])
    data = json.loads(card.read_text())
    card.write_text(json.dumps({**data, "sha256": sha256(weights)}))
    with pytest.raises(WeightsError) as excinfo:
        load_pretrained(weights, card)
    assert_weights_error(excinfo, "weights_corrupt", str(weights))


@pytest.mark.parametrize("text", ["{ not json", "[1, 2]", ""])
def test_unreadable_card(copies, text):
    weights, card = copies
    card.write_text(text)
    with pytest.raises(WeightsError) as excinfo:
        load_pretrained(weights, card)
    assert_weights_error(excinfo, "weights_corrupt", "model card")


def test_a_pickle_is_never_executed(copies, tmp_path):
    """weights_only=True: a pickle that would run code is refused, not run."""
    weights, card = copies
    marker = tmp_path / "ran"

    class Evil:
        def __reduce__(self):
            return (marker.write_text, ("pwned",))

    torch.save({"x": Evil()}, weights)
    data = json.loads(card.read_text())
    card.write_text(json.dumps({**data, "sha256": sha256(weights)}))
    with pytest.raises(WeightsError) as excinfo:
        load_pretrained(weights, card)
    assert excinfo.value.key == "weights_corrupt"
    assert not marker.exists()


# --- quality -----------------------------------------------------------------------------------------------------


@pytest.mark.mnist
def test_mnist_test_digits_are_recognised(model, mnist_test):
    images, labels = mnist_test
    x = (torch.from_numpy(images[:2000]).float() / 255.0)[:, None]  # (N, 1, 28, 28)
    pred = predict(model, torch.cat([to_input(d[0]) for d in x.numpy()])).argmax(1).numpy()
    assert (pred == labels[:2000]).mean() >= 0.99


@pytest.mark.mnist
def test_digits_drawn_anywhere_are_recognised(model, mnist_test, draw, to_bytes):
    """MNIST test digits redrawn on 280x280 canvases at random places and sizes, three encodings."""
    images, labels = mnist_test
    rng = np.random.default_rng(7)
    digits, truth = [], []
    for i in range(300):
        img = draw(
            images[i],
            height=rng.uniform(0.25, 0.9),
            where=tuple(rng.random(2)),
            encoding=("L", "RGB", "RGBA")[i % 3],
        )
        digits.append(preprocess(load_image(to_bytes(img))).digit)
        truth.append(labels[i])
    pred = predict(model, torch.cat([to_input(d) for d in digits])).argmax(1).numpy()
    assert (pred == np.array(truth)).mean() >= 0.99
