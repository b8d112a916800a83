"""Why pooling makes features robust, measured: move a digit a little and compare a conv1 feature map before pooling
and after one and two 2×2 max-pooling stages, and watch the network's prediction under small transformations.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import torch
import torch.nn.functional as F

from explorer.preprocess import MNIST_MEAN, MNIST_STD, shift

STAGES = (
    "relu1",
    "pool1",
    "pool1x2",
)  # 28×28 map after ReLU, after one 2×2 max pool (14×14), after two (7×7)


@dataclass(frozen=True)
class Transform:
    """A small affine change of a digit: shift in pixels (x right, y down), rotation in degrees, scale factor."""

    dx: int = 0
    dy: int = 0
    angle: float = 0.0
    scale: float = 1.0

    @property
    def is_identity(self) -> bool:
        """True when nothing changes."""
        return self.dx == 0 and self.dy == 0 and self.angle == 0 and self.scale == 1


def transform(digit: np.ndarray, t: Transform) -> np.ndarray:
    """(28, 28) digit -> the same digit shifted, rotated (anticlockwise) and scaled about its centre, in [0, 1]."""
    if t.angle == 0 and t.scale == 1:  # whole-pixel shift: exact (bilinear resampling would add ~1e-6 noise)
        return shift(np.asarray(digit, dtype=np.float32), int(t.dy), int(t.dx))
    x = torch.from_numpy(np.array(digit, dtype=np.float32))[None, None]  # (1, 1, H, W), a writable copy
    return _affine(x, t)[0, 0].clamp(0.0, 1.0).numpy()


def _affine(x: torch.Tensor, t: Transform) -> torch.Tensor:
    """(N, C, H, W) -> the same turned anticlockwise by t.angle and scaled by t.scale about the image centre, then
    moved by (t.dx, t.dy) pixels; bilinear, zeros outside. Equals torchvision's F.affine(angle=-t.angle) without
    importing torchvision (2.4 s and ~150k objects on the serving path)."""
    n, _, h, w = x.shape
    a = np.deg2rad(float(t.angle))
    cos, sin, s = float(np.cos(a)), float(np.sin(a)), float(t.scale)
    # output pixel q (pixels from the centre, y down) samples the input at p = R(-angle) (q - shift) / scale;
    # affine_grid works in [-1, 1] per axis (align_corners=False: the outer pixel edges), hence the w/h ratios
    inverse = torch.tensor([[cos / s, -sin / s * h / w], [sin / s * w / h, cos / s]], dtype=torch.float64)
    offset = -inverse @ torch.tensor([2.0 * int(t.dx) / w, 2.0 * int(t.dy) / h], dtype=torch.float64)
    theta = torch.cat([inverse, offset[:, None]], dim=1).to(x.dtype).expand(n, 2, 3)  # (N, 2, 3)
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)  # (N, H, W, 2)
    return F.grid_sample(x, grid, mode="bilinear", padding_mode="zeros", align_corners=False)


def _normalise(digits: np.ndarray) -> torch.Tensor:
    """(N, 28, 28) digits in [0, 1] -> (N, 1, 28, 28) network input."""
    x = torch.from_numpy(np.array(digits, dtype=np.float32))  # a copy: cached digits are read-only
    return ((x - MNIST_MEAN) / MNIST_STD)[:, None]


@torch.inference_mode()
def channel_stages(model, digits: np.ndarray, channel: int | None = None) -> dict[str, np.ndarray]:
    """conv1 maps for (N, 28, 28) digits: 'relu1' (N, C, 28, 28), 'pool1' (N, C, 14, 14), 'pool1x2' (N, C, 7, 7).

    channel=None keeps all 32 channels (C = 32), else C = 1.
    """
    conv = model.conv1
    w, b = conv.weight, conv.bias  # (32, 1, 5, 5), (32,)
    if channel is not None:
        w, b = w[channel : channel + 1], b[channel : channel + 1]
    relu = F.relu(F.conv2d(_normalise(digits), w, b, padding=conv.padding))  # (N, C, 28, 28), as the network
    pool1 = F.max_pool2d(relu, 2)  # (N, C, 14, 14), the network's pool1
    pool2 = F.max_pool2d(pool1, 2)  # (N, C, 7, 7), a second 2×2 stage on the same channel
    return {name: t.numpy() for name, t in zip(STAGES, (relu, pool1, pool2), strict=True)}


def correlation(a: np.ndarray, b: np.ndarray) -> float:
    """Pearson correlation of two maps (1 = same pattern); two flat maps count as 1 if equal, else 0."""
    a, b = np.ravel(a).astype(np.float64), np.ravel(b).astype(np.float64)
    sa, sb = a.std(), b.std()
    if sa == 0 or sb == 0:
        return 1.0 if np.allclose(a, b) else 0.0
    return float(((a - a.mean()) * (b - b.mean())).mean() / (sa * sb))


def same_max(a: np.ndarray, b: np.ndarray) -> bool:
    """True when the strongest response of both maps sits in the same cell."""
    return bool(np.argmax(a) == np.argmax(b))


@dataclass
class StageChange:
    """How one stage's map changed under a transform, for the chosen channel and over all responding channels."""

    stage: str
    before: np.ndarray  # (H, W) chosen channel, original digit
    after: np.ndarray  # (H, W) chosen channel, transformed digit
    correlation: float  # chosen channel
    same_max: bool  # chosen channel: strongest cell unchanged
    mean_correlation: float  # over the channels that respond at all
    same_max_share: float  # share of those channels whose strongest cell stays put
    channels: int  # how many channels respond


def _row_correlations(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Pearson correlation of each row pair of (C, n) arrays (the same rule as `correlation`)."""
    a, b = a.astype(np.float64), b.astype(np.float64)
    da, db = a - a.mean(axis=1, keepdims=True), b - b.mean(axis=1, keepdims=True)
    sa, sb = np.sqrt((da**2).mean(axis=1)), np.sqrt((db**2).mean(axis=1))
    flat = (sa == 0) | (sb == 0)
    r = (da * db).mean(axis=1) / np.where(flat, 1.0, sa * sb)
    if flat.any():  # rare (a channel silent on both digits); isclose over every row costs more than the rest
        r[flat] = np.isclose(a[flat], b[flat]).all(axis=1)
    return r


def _stage_stats(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(C, H, W) before/after -> per channel (correlation (C,), strongest cell unchanged (C,) bool)."""
    a2, b2 = a.reshape(len(a), -1), b.reshape(len(b), -1)
    return _row_correlations(a2, b2), a2.argmax(axis=1) == b2.argmax(axis=1)


def measure(model, digit: np.ndarray, t: Transform, channel: int) -> list[StageChange]:
    """Change of conv1 maps at each stage (relu1, pool1, pool1x2) when the digit is transformed by t."""
    pair = np.stack([digit, transform(digit, t)])  # (2, 28, 28)
    maps = channel_stages(model, pair)  # each (2, 32, H, W)
    live = maps["relu1"].max(axis=(0, 2, 3)) > 0  # (32,) channels that respond to either digit
    out = []
    for s in STAGES:
        a, b = maps[s][0], maps[s][1]  # (32, H, W)
        corr, same = _stage_stats(a, b)
        out.append(
            StageChange(
                stage=s,
                before=a[channel],
                after=b[channel],
                correlation=float(corr[channel]),
                same_max=bool(same[channel]),
                mean_correlation=float(corr[live].mean()) if live.any() else 1.0,
                same_max_share=float(same[live].mean()) if live.any() else 1.0,
                channels=int(live.sum()),
            )
        )
    return out


def mean_change(model, digits: np.ndarray, t: Transform) -> dict[str, tuple[float, float]]:
    """(mean correlation, share of unchanged maxima) per stage over many digits and their responding channels."""
    moved = np.stack([transform(d, t) for d in digits])
    a, b = channel_stages(model, digits), channel_stages(model, moved)  # each (N, 32, H, W)
    live = np.maximum(a["relu1"].max(axis=(2, 3)), b["relu1"].max(axis=(2, 3))).ravel() > 0  # (N·32,)
    out = {}
    for s in STAGES:
        n, c, h, w = a[s].shape
        corr, same = _stage_stats(a[s].reshape(n * c, h, w), b[s].reshape(n * c, h, w))
        out[s] = (float(corr[live].mean()), float(same[live].mean()))
    return out


# the row of variants under the page's sliders: (label key, transform); the last one is the sliders' own setting
VARIANTS = (
    ("pool.var_original", Transform()),
    ("pool.var_left", Transform(dx=-3)),
    ("pool.var_right", Transform(dx=3)),
    ("pool.var_up", Transform(dy=-3)),
    ("pool.var_down", Transform(dy=3)),
    ("pool.var_rot_neg", Transform(angle=-15)),
    ("pool.var_rot_pos", Transform(angle=15)),
    ("pool.var_small", Transform(scale=0.8)),
    ("pool.var_big", Transform(scale=1.2)),
)


@torch.inference_mode()
def predictions(model, digits: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(N, 28, 28) digits -> (predicted digit (N,), its probability (N,))."""
    probs = model(_normalise(digits)).softmax(dim=1)  # (N, 10)
    p, k = probs.max(dim=1)
    return k.numpy(), p.numpy()


def variant_row(model, digit: np.ndarray, current: Transform):
    """The transformed digits (N, 28, 28), their label keys, predictions and probabilities (current setting last)."""
    items = [*VARIANTS, ("pool.var_current", current)]
    digits = np.stack([transform(digit, t) for _, t in items])
    labels, probs = predictions(model, digits)
    return digits, [key for key, _ in items], [t for _, t in items], labels, probs


# ----------------------------------------------------------------------------------------------------------
# cached by digit, for the page: a slider move reuses the digit's results. Shared by all sessions and returned
# as is (no copies, unlike st.cache_data), so callers must not modify them.


def _key(digit: np.ndarray) -> bytes:
    """A hashable key for a (28, 28) digit."""
    return np.ascontiguousarray(digit, dtype=np.float32).tobytes()


def _digit(key: bytes) -> np.ndarray:
    """The (28, 28) float32 digit back from its key (read-only)."""
    return np.frombuffer(key, dtype=np.float32).reshape(28, 28)


def _read_only(*arrays: np.ndarray) -> tuple[np.ndarray, ...]:
    """The arrays, flagged read-only: a caller that writes into a shared result fails instead of changing it."""
    for a in arrays:
        a.setflags(write=False)
    return arrays


@lru_cache(maxsize=128)
def _cached_measure(model, key: bytes, t: Transform, channel: int) -> tuple[StageChange, ...]:
    changes = tuple(measure(model, _digit(key), t, channel))
    for c in changes:
        _read_only(c.before, c.after)
    return changes


@lru_cache(maxsize=32)
def _cached_fixed(model, key: bytes) -> tuple[np.ndarray, ...]:
    digit = _digit(key)
    digits = np.stack([transform(digit, t) for _, t in VARIANTS])  # (9, 28, 28)
    return _read_only(digits, *predictions(model, digits))


@lru_cache(maxsize=128)
def _cached_moved(model, key: bytes, t: Transform) -> tuple[np.ndarray, ...]:
    moved = transform(_digit(key), t)[None]  # (1, 28, 28)
    return _read_only(moved, *predictions(model, moved))


@lru_cache(maxsize=64)
def _cached_conv1_map(model, key: bytes, channel: int) -> np.ndarray:
    return _read_only(channel_stages(model, _digit(key)[None], channel=channel)["relu1"][0, 0])[0]


def conv1_map(model, digit: np.ndarray, channel: int) -> np.ndarray:
    """One conv1 channel after ReLU (28, 28), what the network's pool1 receives; remembered per (digit, channel)."""
    return _cached_conv1_map(model, _key(digit), int(channel))


def cached_measure(model, digit: np.ndarray, t: Transform, channel: int) -> tuple[StageChange, ...]:
    """measure(), remembered for the last 128 (digit, transform, channel)."""
    return _cached_measure(model, _key(digit), t, int(channel))


def cached_variant_row(model, digit: np.ndarray, current: Transform):
    """variant_row() without its label keys: the VARIANTS' results are remembered per digit (nine forward passes),
    the current transform's per (digit, transform)."""
    digits, labels, probs = _cached_fixed(model, _key(digit))
    moved, m_label, m_prob = _cached_moved(model, _key(digit), current)
    return (
        np.concatenate([digits, moved]),
        np.concatenate([labels, m_label]),
        np.concatenate([probs, m_prob]),
    )
