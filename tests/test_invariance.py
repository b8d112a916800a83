"""explorer.invariance: transforms, the conv1 stages, the change measures, and pooling's robustness measured on
real MNIST digits (the tutorial's "a 9 is found wherever it is" argument)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from explorer import invariance as inv
from explorer.model import CARD_PATH, load_pretrained
from explorer.preprocess import shift, to_input

DATA_ROOT = os.environ.get("EXPLORER_DATA_ROOT", "../shared/data")
SMALL_SHIFTS = [inv.Transform(dx=1), inv.Transform(dx=-1), inv.Transform(dy=1), inv.Transform(dy=-1),
                inv.Transform(dx=1, dy=1)]  # fmt: skip


@pytest.fixture(scope="module")
def model():
    torch.set_num_threads(1)
    return load_pretrained()


@pytest.fixture(scope="module")
def sample() -> np.ndarray:
    from explorer.samples import load_samples

    s = load_samples()
    return s.digit(s.of_class(9)[0])


def mnist_test(n: int):
    """The first n MNIST test digits (float32 in [0, 1]) and labels; skips when the files are absent."""
    from torchvision.datasets import MNIST

    try:
        ds = MNIST(DATA_ROOT, train=False, download=False)
    except RuntimeError as e:  # torchvision: "Dataset not found"
        pytest.skip(f"MNIST not found under {DATA_ROOT}: {e}")
    return ds.data[:n].numpy().astype(np.float32) / 255.0, ds.targets[:n].numpy()


def real_model() -> bool:
    """True once the trained model (not the dry run) is in pretrained/."""
    card = json.loads(CARD_PATH.read_text(encoding="utf-8"))
    return card.get("test_accuracy", 0) >= 0.98 and card.get("data", {}).get("test_size", 0) >= 10000


# --------------------------------------------------------------------------------------------------------
# transforms


def test_identity_transform_returns_the_digit(sample):
    assert inv.Transform().is_identity
    np.testing.assert_allclose(inv.transform(sample, inv.Transform()), sample, atol=1e-6)


@pytest.mark.parametrize(("dx", "dy"), [(1, 0), (-2, 0), (0, 3), (2, -1), (-4, 4)])
def test_whole_pixel_shift_is_exact(sample, dx, dy):
    moved = inv.transform(sample, inv.Transform(dx=dx, dy=dy))
    np.testing.assert_array_equal(moved, shift(sample, dy, dx))
    rotated_zero = inv.transform(sample, inv.Transform(dx=dx, dy=dy, angle=1e-9))  # through the resampler
    np.testing.assert_allclose(rotated_zero, moved, atol=1e-5)


@pytest.mark.parametrize("seed", range(6))
def test_resampling_equals_torchvision_affine(sample, seed):
    from torchvision.transforms import InterpolationMode
    from torchvision.transforms.v2 import functional as TF

    rng = np.random.default_rng(seed)
    t = inv.Transform(
        dx=int(rng.integers(-4, 5)),
        dy=int(rng.integers(-4, 5)),
        angle=float(rng.uniform(-45, 45)),
        scale=float(rng.uniform(0.7, 1.3)),
    )
    expected = TF.affine(
        torch.from_numpy(sample.copy())[None], angle=-t.angle, translate=[t.dx, t.dy], scale=t.scale,
        shear=[0.0, 0.0], interpolation=InterpolationMode.BILINEAR, fill=[0.0],
    )[0].clamp(0, 1)  # fmt: skip
    np.testing.assert_allclose(inv.transform(sample, t), expected.numpy(), atol=1e-5)


def test_the_serving_path_does_not_import_torchvision():
    code = (
        "import sys; import explorer.invariance, explorer.ui, explorer.channels, explorer.network; "
        "print('torchvision' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"  # 2.4 s of start-up and ~150k objects for every GC to walk


def test_rotation_and_scale_keep_range_and_change_ink(sample):
    turned = inv.transform(sample, inv.Transform(angle=15))
    big = inv.transform(sample, inv.Transform(scale=1.2))
    small = inv.transform(sample, inv.Transform(scale=0.8))
    for a in (turned, big, small):
        assert a.shape == (28, 28) and a.min() >= 0 and a.max() <= 1
    assert not np.allclose(turned, sample)
    assert big.sum() > sample.sum() > small.sum()  # area grows with the square of the scale
    assert abs(big.sum() / sample.sum() - 1.44) < 0.15


def test_rotation_is_anticlockwise():
    a = np.zeros((28, 28), np.float32)
    a[4:10, 13:15] = 1.0  # a bar above the centre
    turned = inv.transform(a, inv.Transform(angle=90))
    rows, cols = np.nonzero(turned > 0.5)
    assert cols.mean() < 13.5 - 3 and abs(rows.mean() - 13.5) < 1.5  # now left of the centre


# --------------------------------------------------------------------------------------------------------
# stages and measures


def test_channel_stages_match_the_network(model, sample):
    acts = model.activations(to_input(sample))
    stages = inv.channel_stages(model, sample[None])
    np.testing.assert_allclose(stages["relu1"][0], acts["relu1"][0].detach().numpy(), atol=1e-5)
    np.testing.assert_allclose(stages["pool1"][0], acts["pool1"][0].detach().numpy(), atol=1e-5)
    expected = F.max_pool2d(acts["pool1"], 2)[0].detach().numpy()
    np.testing.assert_allclose(stages["pool1x2"][0], expected, atol=1e-5)
    one = inv.channel_stages(model, sample[None], channel=5)
    assert one["pool1x2"].shape == (1, 1, 7, 7)
    np.testing.assert_allclose(one["pool1"][0, 0], stages["pool1"][0, 5], atol=1e-6)


def test_correlation_and_same_max():
    rng = np.random.default_rng(0)
    a = rng.random((7, 7))
    assert inv.correlation(a, a) == pytest.approx(1.0)
    assert inv.correlation(a, -a) == pytest.approx(-1.0)
    assert inv.correlation(a, 2 * a + 3) == pytest.approx(1.0)
    assert inv.correlation(np.zeros((3, 3)), np.zeros((3, 3))) == 1.0
    assert inv.correlation(np.zeros((3, 3)), a[:3, :3]) == 0.0
    expected = np.corrcoef(a.ravel(), a.T.ravel())[0, 1]
    assert inv.correlation(a, a.T) == pytest.approx(expected)
    b = np.zeros((4, 4))
    b[1, 2] = 5
    assert inv.same_max(b, b) and not inv.same_max(b, np.roll(b, 1, axis=1))


def test_row_correlations_match_the_scalar_rule():
    rng = np.random.default_rng(1)
    a, b = rng.random((6, 20)), rng.random((6, 20))
    a[2] = 0.0
    b[2] = 0.0  # both flat and equal -> 1
    a[3] = 1.0  # one flat -> 0
    got = inv._row_correlations(a, b)
    np.testing.assert_allclose(got, [inv.correlation(x, y) for x, y in zip(a, b, strict=True)], atol=1e-12)


def test_measure_identity_changes_nothing(model, sample):
    changes = inv.measure(model, sample, inv.Transform(), channel=3)
    assert [c.stage for c in changes] == list(inv.STAGES)
    assert [c.before.shape for c in changes] == [(28, 28), (14, 14), (7, 7)]
    for c in changes:
        assert c.correlation == pytest.approx(1.0) and c.same_max
        assert c.mean_correlation == pytest.approx(1.0) and c.same_max_share == 1.0
        np.testing.assert_array_equal(c.before, c.after)


def test_measure_numbers_are_computed_from_the_maps(model, sample):
    t = inv.Transform(dx=2, dy=-1)
    changes = inv.measure(model, sample, t, channel=7)
    moved = inv.transform(sample, t)
    maps = inv.channel_stages(model, np.stack([sample, moved]))
    for c in changes:
        a, b = maps[c.stage][0], maps[c.stage][1]
        np.testing.assert_allclose(c.before, a[7])
        assert c.correlation == pytest.approx(inv.correlation(a[7], b[7]))
        live = [k for k in range(32) if maps["relu1"][:, k].max() > 0]
        assert c.channels == len(live)
        assert c.mean_correlation == pytest.approx(np.mean([inv.correlation(a[k], b[k]) for k in live]))
        assert c.same_max_share == pytest.approx(np.mean([inv.same_max(a[k], b[k]) for k in live]))


def test_pooling_reduces_the_change_on_bundled_samples(model):
    from explorer.samples import load_samples

    s = load_samples()
    digits = np.stack([s.digit(i) for i in range(len(s))])
    for t in SMALL_SHIFTS:
        r = inv.mean_change(model, digits, t)
        corr = [r[stage][0] for stage in inv.STAGES]
        same = [r[stage][1] for stage in inv.STAGES]
        assert corr[0] < corr[1] < corr[2], (t, r)
        assert same[0] < same[1] < same[2], (t, r)


@pytest.mark.mnist
def test_pooling_reduces_the_change_on_mnist(model):
    digits, _ = mnist_test(100)
    for t in SMALL_SHIFTS:
        r = inv.mean_change(model, digits, t)
        corr = [r[stage][0] for stage in inv.STAGES]
        same = [r[stage][1] for stage in inv.STAGES]
        assert corr[0] + 0.05 < corr[1] and corr[1] + 0.05 < corr[2], (t, r)
        # a one-pixel shift moves every maximum of the 28×28 map; after each pooling more of them stay put
        # (ideally 1/2 then 3/4 per shifted axis)
        assert same[0] < 0.05 and same[1] > same[0] + 0.15 and same[2] > same[1] + 0.15, (t, r)


def test_variant_row(model, sample):
    current = inv.Transform(dx=1, angle=5)
    digits, keys, transforms, labels, probs = inv.variant_row(model, sample, current)
    assert digits.shape == (len(inv.VARIANTS) + 1, 28, 28)
    assert keys[0] == "pool.var_original" and keys[-1] == "pool.var_current" and transforms[-1] == current
    np.testing.assert_allclose(digits[-1], inv.transform(sample, current))
    with torch.inference_mode():
        expected = model(to_input(digits[3])).softmax(1)[0]
    assert labels[3] == int(expected.argmax()) and probs[3] == pytest.approx(float(expected.max()), abs=1e-5)


@pytest.mark.mnist
def test_small_moves_keep_the_prediction_with_the_trained_model(model):
    if not real_model():
        pytest.skip("pretrained/ holds the dry-run model; prediction invariance needs the trained one")
    digits, labels = mnist_test(300)
    pred, _ = inv.predictions(model, digits)
    right = digits[pred == labels]
    assert len(right) > 290
    for t in [*SMALL_SHIFTS, inv.Transform(dx=3), inv.Transform(angle=10), inv.Transform(scale=0.9)]:
        moved = np.stack([inv.transform(d, t) for d in right])
        kept = (inv.predictions(model, moved)[0] == labels[pred == labels]).mean()
        assert kept > 0.97, (t, kept)
