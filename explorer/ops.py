"""Conv and pooling of one 2-D image: output sizes, torch.nn.functional wrappers, one-position arithmetic.

Every 2-D op takes `input` of shape (H, W) as a numpy array or torch tensor, computes in float64 with
torch.nn.functional, and returns numpy float64 arrays. Pair arguments (kernel_size, stride, padding, dilation)
accept an int or an (h, w) tuple. Invalid settings raise ValueError with a clear (English, developer-facing)
message; pages derive widget bounds from `max_valid_padding`, `max_kernel_size`, `max_dilation` and `is_valid`
so an invalid setting can't be chosen.

Sizes follow PyTorch's Conv2d / MaxPool2d rule per axis:
    H_out = ⌊(H_in + 2p − d·(k − 1) − 1)/s⌋ + 1
(⌈⌉ with ceil_mode, dropping a window that starts in the right padding). Pooling also requires
padding ≤ kernel_size // 2 (pass pool=True to output_size).
Window coordinates: "padded" coordinates run 0..H+2p−1 (padding included); "input" coordinates are those
of the unpadded image, so a window may start at −p.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

PADDING_MODES = ("zeros", "reflect", "replicate", "circular")

__all__ = [
    "CONVNET_LAYERS",
    "PADDING_MODES",
    "ConvStep",
    "Layer",
    "avg_pool2d",
    "ceil_mode_dropped",
    "chain_shapes",
    "conv2d",
    "conv_macs",
    "conv_params",
    "conv_step",
    "dense_macs",
    "dense_params",
    "is_valid",
    "max_dilation",
    "max_kernel_size",
    "max_pool2d",
    "max_valid_padding",
    "output_shape",
    "output_size",
    "pad2d",
    "pool_comparisons",
    "pool_params",
    "pool_windows",
    "receptive_field",
    "receptive_field_mask",
    "size_formula",
    "torch_ceil_max_pool",
    "uncovered",
    "zero_padded_max_pool",
]


# ----------------------------------------------------------------------------------------------------------
# argument helpers


def _pair(value) -> tuple[int, int]:
    """An int or an (h, w) pair as a tuple of two ints."""
    if isinstance(value, int | np.integer):
        return int(value), int(value)
    h, w = value
    return int(h), int(w)


def _as_tensor(input) -> torch.Tensor:
    """A 2-D float64 tensor from a numpy array / tensor / nested list."""
    if torch.is_tensor(input):
        input = input.detach().cpu()
    x = torch.as_tensor(np.asarray(input, dtype=np.float64))
    if x.ndim != 2:
        raise ValueError(f"expected a 2-D (H, W) array, got shape {tuple(x.shape)}")
    return x


def _to_numpy(x: torch.Tensor) -> np.ndarray:
    """(1, 1, H, W) or (H, W) tensor -> (H, W) float64 numpy array."""
    return x.reshape(x.shape[-2], x.shape[-1]).detach().numpy().astype(np.float64, copy=False)


# ----------------------------------------------------------------------------------------------------------
# output sizes


def output_size(size, kernel_size, stride=1, padding=0, dilation=1, ceil_mode=False, pool=None) -> int:
    """Exactly PyTorch's output length of one axis of Conv2d / MaxPool2d; ValueError where PyTorch fails.

    pool: apply the pooling-only rule padding ≤ kernel_size // 2; defaults to ceil_mode (a pool-only option).
    """
    if pool is None:
        pool = ceil_mode
    if size < 1:
        raise ValueError(f"input size must be at least 1, got {size}")
    if kernel_size < 1:
        raise ValueError(f"kernel_size must be at least 1, got {kernel_size}")
    if stride < 1:
        raise ValueError(f"stride must be at least 1, got {stride}")
    if padding < 0:
        raise ValueError(f"padding must not be negative, got {padding}")
    if dilation < 1:
        raise ValueError(f"dilation must be at least 1, got {dilation}")
    if pool and padding > kernel_size // 2:
        raise ValueError(
            f"pooling padding must be at most kernel_size // 2 = {kernel_size // 2}, got {padding}"
        )
    span = dilation * (kernel_size - 1) + 1  # effective kernel size
    if not ceil_mode and span > size + 2 * padding:
        raise ValueError(
            f"effective kernel size {span} is larger than the padded input "
            f"{size} + 2·{padding} = {size + 2 * padding}"
        )
    out = (size + 2 * padding - span + (stride - 1 if ceil_mode else 0)) // stride + 1
    if ceil_mode and (out - 1) * stride >= size + padding:
        out -= 1  # the last window would start in the right padding: PyTorch drops it
    if out < 1:
        raise ValueError(
            f"output size {out} is too small: effective kernel {span} does not fit "
            f"input {size} with padding {padding}"
        )
    return out


def output_shape(input_shape, kernel_size, stride=1, padding=0, dilation=1, ceil_mode=False, pool=None):
    """(H_out, W_out) from (H, W); pair arguments per axis; ValueError where PyTorch fails."""
    h, w = input_shape
    k, s, p, d = _pair(kernel_size), _pair(stride), _pair(padding), _pair(dilation)
    return (
        output_size(h, k[0], s[0], p[0], d[0], ceil_mode, pool),
        output_size(w, k[1], s[1], p[1], d[1], ceil_mode, pool),
    )


def is_valid(size, kernel_size, stride=1, padding=0, dilation=1, ceil_mode=False, pool=None) -> bool:
    """True when output_size would succeed for this axis."""
    try:
        output_size(size, kernel_size, stride, padding, dilation, ceil_mode, pool)
    except ValueError:
        return False
    return True


def ceil_mode_dropped(size, kernel_size, stride=1, padding=0, dilation=1) -> bool:
    """True when ceil_mode dropped a window starting in the right padding (naive ⌈⌉ + 1 is one too big)."""
    span = dilation * (kernel_size - 1) + 1
    naive = (size + 2 * padding - span + stride - 1) // stride + 1
    return naive >= 1 and (naive - 1) * stride >= size + padding


def max_valid_padding(kernel_size, dilation=1, pool=False, size=None, padding_mode="zeros") -> int:
    """Largest sensible padding for one axis.

    pool: PyTorch's limit kernel_size // 2. conv: full padding d·(k − 1) (more only adds outputs that see
    nothing but padding); with `size`, reflect needs padding < size and circular padding ≤ size.
    """
    if pool:
        return kernel_size // 2
    limit = dilation * (kernel_size - 1)
    if size is not None and padding_mode == "reflect":
        limit = min(limit, size - 1)
    elif size is not None and padding_mode == "circular":
        limit = min(limit, size)
    return max(limit, 0)


def max_kernel_size(size, padding=0, dilation=1) -> int:
    """Largest kernel_size whose effective span d·(k − 1) + 1 fits the padded axis size + 2p (floor mode)."""
    return (size + 2 * padding - 1) // dilation + 1


def max_dilation(size, kernel_size, padding=0) -> int:
    """Largest dilation whose effective span fits the padded axis (any dilation works for kernel_size 1)."""
    if kernel_size == 1:
        return size + 2 * padding
    return max((size + 2 * padding - 1) // (kernel_size - 1), 1)


def size_formula(size, kernel_size, stride, padding, dilation=1, ceil_mode=False, pool=None) -> str:
    """The output-size formula with numbers, e.g. "⌊(28 + 2·1 − 3)/2⌋ + 1 = 14".

    Dilation d ≠ 1 uses PyTorch's form "⌊(i + 2p − d·(k − 1) − 1)/s⌋ + 1"; ceil_mode uses ⌈⌉ and appends
    " − 1" when a window starting in the right padding is dropped (see ceil_mode_dropped).
    """
    out = output_size(size, kernel_size, stride, padding, dilation, ceil_mode, pool)
    left, right = ("⌈", "⌉") if ceil_mode else ("⌊", "⌋")
    if dilation == 1:
        body = f"{size} + 2·{padding} − {kernel_size}"
    else:
        body = f"{size} + 2·{padding} − {dilation}·({kernel_size} − 1) − 1"
    dropped = " − 1" if ceil_mode and ceil_mode_dropped(size, kernel_size, stride, padding, dilation) else ""
    return f"{left}({body})/{stride}{right} + 1{dropped} = {out}"


def uncovered(size, kernel_size, stride=1, padding=0, dilation=1, ceil_mode=False) -> list[int]:
    """Padded-coordinate indices (0..size+2p−1) that no window touches, e.g. [7] for Fig. 2.7 (6, 3, 2, 1)."""
    out = output_size(size, kernel_size, stride, padding, dilation, ceil_mode)
    touched = {o * stride + j * dilation for o in range(out) for j in range(kernel_size)}
    return [i for i in range(size + 2 * padding) if i not in touched]


# ----------------------------------------------------------------------------------------------------------
# padding and convolution


def _pad_tensor(x: torch.Tensor, padding, padding_mode="zeros", value=0.0) -> torch.Tensor:
    """(1, 1, H, W) -> (1, 1, H+2ph, W+2pw) with PyTorch's padding_mode; ValueError where F.pad would fail."""
    ph, pw = _pair(padding)
    h, w = x.shape[-2:]
    if ph < 0 or pw < 0:
        raise ValueError(f"padding must not be negative, got {(ph, pw)}")
    if padding_mode not in PADDING_MODES:
        raise ValueError(f"padding_mode must be one of {PADDING_MODES}, got {padding_mode!r}")
    if padding_mode == "reflect" and (ph >= h or pw >= w):
        raise ValueError(f"reflect padding must be smaller than the input size {(h, w)}, got {(ph, pw)}")
    if padding_mode == "circular" and (ph > h or pw > w):
        raise ValueError(f"circular padding must be at most the input size {(h, w)}, got {(ph, pw)}")
    if ph == 0 and pw == 0:
        return x
    if padding_mode == "zeros":
        return F.pad(x, (pw, pw, ph, ph), mode="constant", value=value)
    return F.pad(x, (pw, pw, ph, ph), mode=padding_mode)


def pad2d(input, padding, padding_mode="zeros", value=0.0) -> np.ndarray:
    """(H, W) -> (H+2ph, W+2pw) padded like Conv2d's padding_mode (value is the constant for "zeros")."""
    x = _as_tensor(input)[None, None]  # (1, 1, H, W)
    return _to_numpy(_pad_tensor(x, padding, padding_mode, value))


def _weight(weight, flip=False) -> torch.Tensor:
    """(kH, kW) kernel as float64, flipped in both axes for a true convolution."""
    w = _as_tensor(weight)
    if w.shape[0] < 1 or w.shape[1] < 1:
        raise ValueError(f"kernel must be at least 1x1, got {tuple(w.shape)}")
    return torch.flip(w, (0, 1)) if flip else w


def conv2d(
    input,
    weight,
    bias=0.0,
    stride=1,
    padding=0,
    dilation=1,
    padding_mode="zeros",
    relu=False,
    flip=False,
) -> np.ndarray:
    """(H, W) -> (H_out, W_out) via F.conv2d (cross-correlation unless flip), + bias, optional ReLU."""
    x = _as_tensor(input)[None, None]  # (1, 1, H, W)
    w = _weight(weight, flip)[None, None]  # (1, 1, kH, kW)
    output_shape(x.shape[-2:], w.shape[-2:], stride, padding, dilation)  # ValueError before torch raises
    x = _pad_tensor(x, padding, padding_mode)  # (1, 1, H+2ph, W+2pw)
    b = torch.tensor([float(bias)], dtype=torch.float64)
    y = F.conv2d(x, w, b, stride=_pair(stride), padding=0, dilation=_pair(dilation))  # (1, 1, H_out, W_out)
    if relu:
        y = F.relu(y)
    return _to_numpy(y)


@dataclass
class ConvStep:
    """The arithmetic at one output position of conv2d."""

    window: np.ndarray  # (kH, kW) input values under the kernel (padded input)
    weight: np.ndarray  # (kH, kW) kernel as applied (flipped if flip)
    products: np.ndarray  # (kH, kW) window * weight
    bias: float
    total: float  # products.sum() + bias == conv2d output at (row, col)
    relu: float  # max(total, 0)
    rows: np.ndarray  # (kH,) padded-coordinate rows touched, dilation-spaced
    cols: np.ndarray  # (kW,) padded-coordinate cols touched
    in_bounds: np.ndarray  # (kH, kW) bool, False where the cell is padding


def conv_step(
    input,
    weight,
    bias,
    row,
    col,
    stride=1,
    padding=0,
    dilation=1,
    padding_mode="zeros",
    flip=False,
) -> ConvStep:
    """Window, kernel, products, bias, sum and ReLU at output cell (row, col) of conv2d (same settings)."""
    x = _as_tensor(input)
    w = _weight(weight, flip).numpy()  # (kH, kW)
    kh, kw = w.shape
    h_out, w_out = output_shape(x.shape, (kh, kw), stride, padding, dilation)
    if not (0 <= row < h_out and 0 <= col < w_out):
        raise ValueError(f"output position {(row, col)} is outside the output shape {(h_out, w_out)}")
    (sh, sw), (ph, pw), (dh, dw) = _pair(stride), _pair(padding), _pair(dilation)
    padded = _to_numpy(_pad_tensor(x[None, None], padding, padding_mode))  # (H+2ph, W+2pw)
    rows = row * sh + np.arange(kh) * dh
    cols = col * sw + np.arange(kw) * dw
    window = padded[np.ix_(rows, cols)]
    products = window * w
    total = float(products.sum() + bias)
    row_in = (rows >= ph) & (rows < ph + x.shape[0])
    col_in = (cols >= pw) & (cols < pw + x.shape[1])
    return ConvStep(
        window=window,
        weight=w.copy(),
        products=products,
        bias=float(bias),
        total=total,
        relu=max(total, 0.0),
        rows=rows,
        cols=cols,
        in_bounds=np.outer(row_in, col_in),
    )


# ----------------------------------------------------------------------------------------------------------
# pooling


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False):
    """(H, W) -> (output (H_out, W_out), argmax (H_out, W_out, 2): winner's row/col in input coordinates)."""
    x = _as_tensor(input)[None, None]  # (1, 1, H, W)
    stride = kernel_size if stride is None else stride
    output_shape(x.shape[-2:], kernel_size, stride, padding, dilation, ceil_mode, pool=True)
    y, idx = F.max_pool2d(
        x, _pair(kernel_size), _pair(stride), _pair(padding), _pair(dilation), ceil_mode, return_indices=True
    )  # (1, 1, H_out, W_out) each; idx is flat into the unpadded H*W
    idx = idx[0, 0].numpy()
    argmax = np.stack(np.divmod(idx, x.shape[-1]), axis=-1).astype(np.int64)  # (H_out, W_out, 2)
    return _to_numpy(y), argmax


def avg_pool2d(
    input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True
) -> np.ndarray:
    """(H, W) -> (H_out, W_out) with F.avg_pool2d (zero padding; count_include_pad counts those zeros)."""
    x = _as_tensor(input)[None, None]  # (1, 1, H, W)
    stride = kernel_size if stride is None else stride
    output_shape(x.shape[-2:], kernel_size, stride, padding, 1, ceil_mode, pool=True)
    y = F.avg_pool2d(x, _pair(kernel_size), _pair(stride), _pair(padding), ceil_mode, count_include_pad)
    return _to_numpy(y)  # (H_out, W_out)


def pool_windows(size_hw, kernel_size, stride=None, padding=0, ceil_mode=False, dilation=1) -> list:
    """Windows (top, left, bottom, right), ends exclusive, in input coordinates (may reach outside)."""
    stride = kernel_size if stride is None else stride
    k, s, p, d = _pair(kernel_size), _pair(stride), _pair(padding), _pair(dilation)
    h_out, w_out = output_shape(size_hw, k, s, p, d, ceil_mode, pool=True)
    span = [d[i] * (k[i] - 1) + 1 for i in range(2)]
    return [
        (r * s[0] - p[0], c * s[1] - p[1], r * s[0] - p[0] + span[0], c * s[1] - p[1] + span[1])
        for r in range(h_out)
        for c in range(w_out)
    ]


def zero_padded_max_pool(input, kernel_size=2, stride=2):
    """The tutorial's pooling: pad right/bottom with zeros until windows fit (5x5 -> 6x6 -> 3x3).

    Returns (output (H_out, W_out), padded_input (H', W')).
    """
    x = _as_tensor(input)  # (H, W)
    # smallest size >= n where windows tile exactly: k + s·⌈(n − k)/s⌉
    fit = [max(-(-(n - kernel_size) // stride), 0) * stride + kernel_size for n in x.shape]
    padded = F.pad(x[None, None], (0, fit[1] - x.shape[1], 0, fit[0] - x.shape[0]))  # (1, 1, H', W') zeros
    y = F.max_pool2d(padded, kernel_size, stride)  # (1, 1, H_out, W_out)
    return _to_numpy(y), _to_numpy(padded)


def torch_ceil_max_pool(input, kernel_size=2, stride=2) -> np.ndarray:
    """PyTorch's answer: max_pool2d with ceil_mode=True (cells off the input count as −inf)."""
    out, _ = max_pool2d(input, kernel_size, stride, ceil_mode=True)
    return out


# ----------------------------------------------------------------------------------------------------------
# receptive fields


@dataclass
class Layer:
    """One conv or pool layer's geometry (square, same on both axes)."""

    name: str
    kernel_size: int
    stride: int = 1
    padding: int = 0
    dilation: int = 1
    ceil_mode: bool = False


CONVNET_LAYERS = [
    Layer("conv1", 5, 1, 2),
    Layer("pool1", 2, 2, 0),
    Layer("conv2", 5, 1, 2),
    Layer("pool2", 2, 2, 0),
]


def chain_shapes(layers, input_size=(28, 28)) -> list[tuple[int, int]]:
    """[(H, W) of the input, then of each layer's output]; ValueError where a layer does not fit."""
    shapes = [tuple(input_size)]
    for layer in layers:
        k, s, p, d = layer.kernel_size, layer.stride, layer.padding, layer.dilation
        shapes.append(output_shape(shapes[-1], k, s, p, d, layer.ceil_mode))
    return shapes


def _axis_sources(layers, sizes, index) -> set[int]:
    """Input indices along one axis feeding `index` of the last layer (sizes: that axis, input first)."""
    cells = {index}
    for layer, size in zip(reversed(layers), reversed(sizes[:-1]), strict=True):
        taps = range(0, layer.dilation * layer.kernel_size, layer.dilation)
        cells = {o * layer.stride - layer.padding + t for o in cells for t in taps}
        cells = {i for i in cells if 0 <= i < size}  # outside the map is padding: no input behind it
    return cells


def _sources(layers, row, col, input_size):
    """(row indices, col indices) of the input feeding output cell (row, col) of the last layer."""
    shapes = chain_shapes(layers, input_size)
    h_out, w_out = shapes[-1]
    if not (0 <= row < h_out and 0 <= col < w_out):
        raise ValueError(f"output position {(row, col)} is outside the output shape {(h_out, w_out)}")
    rows = _axis_sources(layers, [s[0] for s in shapes], row)
    return rows, _axis_sources(layers, [s[1] for s in shapes], col)


def receptive_field(layers, row, col, input_size=(28, 28)) -> tuple[int, int, int, int]:
    """Input box (top, left, bottom, right) feeding (row, col) of the last layer; clipped, ends exclusive.

    An output that sees only padding gets an empty box (0, 0, 0, 0).
    """
    rows, cols = _sources(layers, row, col, input_size)
    if not rows or not cols:
        return (0, 0, 0, 0)
    return (min(rows), min(cols), max(rows) + 1, max(cols) + 1)


def receptive_field_mask(layers, row, col, input_size=(28, 28)) -> np.ndarray:
    """(H, W) bool: exactly the input pixels feeding (row, col) of the last layer (dilation leaves gaps)."""
    rows, cols = _sources(layers, row, col, input_size)
    mask = np.zeros(tuple(input_size), dtype=bool)
    mask[np.ix_(sorted(rows), sorted(cols))] = True
    return mask


# ----------------------------------------------------------------------------------------------------------
# counts


def conv_params(in_channels, out_channels, kernel_size, bias=True) -> int:
    """Weights + biases of nn.Conv2d: out·in·kH·kW (+ out)."""
    kh, kw = _pair(kernel_size)
    return out_channels * in_channels * kh * kw + (out_channels if bias else 0)


def dense_params(in_features, out_features, bias=True) -> int:
    """Weights + biases of nn.Linear: out·in (+ out)."""
    return out_features * in_features + (out_features if bias else 0)


def conv_macs(in_channels, out_channels, kernel_size, output_hw) -> int:
    """Multiply-adds of one conv layer: every output cell of every channel does in·kH·kW of them."""
    kh, kw = _pair(kernel_size)
    h, w = _pair(output_hw)
    return out_channels * h * w * in_channels * kh * kw


def dense_macs(in_features, out_features) -> int:
    """Multiply-adds of nn.Linear: in·out."""
    return in_features * out_features


def pool_params() -> int:
    """Pooling has nothing to learn."""
    return 0


def pool_comparisons(channels, kernel_size, output_hw) -> int:
    """Comparisons of a max pool: kH·kW − 1 per output cell per channel."""
    kh, kw = _pair(kernel_size)
    h, w = _pair(output_hw)
    return channels * h * w * (kh * kw - 1)
