"""The Pooling page's logic without Streamlit: settings, their bounds, one pooling run, the two padding conventions,
the example grid and the matching PyTorch code.

The tutorial this app follows pools a 5×5 grid with a 2×2 window and stride 2 after padding it with one zero row and
column to 6×6. Its exact numbers live in a figure that could not be recovered, so EXAMPLE_GRID is our own grid built
to show the same thing (a 3×3 result whose windows include the maxima 3.0, 5.0 and 7.0); the page says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from explorer import ops

# our own 5×5 example in the spirit of the tutorial's figure (non-negative, like a feature map after ReLU)
EXAMPLE_GRID = np.array(
    [
        [1.0, 3.0, 2.0, 1.0, 0.0],
        [2.0, 0.0, 5.0, 4.0, 1.0],
        [4.0, 7.0, 1.0, 0.0, 2.0],
        [3.0, 2.0, 6.0, 2.0, 1.0],
        [0.0, 1.0, 3.0, 4.0, 2.0],
    ],
    dtype=np.float32,
)
# its 2×2 / stride-2 max pool after zero padding to 6×6, worked out by hand
EXAMPLE_POOLED = np.array([[3.0, 5.0, 1.0], [7.0, 6.0, 2.0], [1.0, 4.0, 2.0]], dtype=np.float32)

SOURCES = ("tutorial", "digit", "feature")
MODES = ("max", "avg")
KERNEL_CAP = 7  # larger windows wipe out a 28×28 digit; the slider stops here
STRIDE_CAP = 6
DILATION_CAP = 3
GRID_LIMIT = 1000.0  # |value| allowed in the editable grid

# every page setting with its default, in one place (session-state keys; a later issue maps them to query params)
SECTIONS = ("pool", "padding", "moves")  # the page's tabs, in order (ids, not their translated labels)
DEFAULTS = {
    "pool_source": "tutorial",
    "pool_mode": "max",
    "pool_kernel": 2,
    "pool_stride_h": 2,
    "pool_stride_w": 2,
    "pool_padding": 0,
    "pool_dilation": 1,
    "pool_ceil_mode": True,  # so the 5×5 grid gives the tutorial's 3×3 (PyTorch's own default is False)
    "pool_count_include_pad": True,
    "pool_channel": 0,
    "pool_show_code": False,
    "pool_shift_x": 1,
    "pool_shift_y": 0,
    "pool_rotate": 0,
    "pool_scale": 1.0,
    "pool_inv_channel": 0,
}


@dataclass(frozen=True)
class PoolSettings:
    """One pooling layer's settings, PyTorch's names (stride per axis, square window)."""

    mode: str = "max"
    kernel_size: int = 2
    stride: tuple[int, int] = (2, 2)
    padding: int = 0
    dilation: int = 1  # max pooling only (avg_pool2d has none)
    ceil_mode: bool = False
    count_include_pad: bool = True  # avg pooling only

    @classmethod
    def from_state(cls, state) -> PoolSettings:
        """Settings from a mapping of the page's "pool_*" keys (missing keys take DEFAULTS)."""
        get = lambda key: state.get(key, DEFAULTS[key])  # noqa: E731
        mode = get("pool_mode")
        return cls(
            mode=mode,
            kernel_size=int(get("pool_kernel")),
            stride=(int(get("pool_stride_h")), int(get("pool_stride_w"))),
            padding=int(get("pool_padding")),
            dilation=int(get("pool_dilation")) if mode == "max" else 1,
            ceil_mode=bool(get("pool_ceil_mode")),
            count_include_pad=bool(get("pool_count_include_pad")),
        )


@dataclass(frozen=True)
class Bounds:
    """Widget limits for an input of a given shape; anything inside them is a valid PyTorch setting."""

    max_kernel: int
    max_stride: int
    max_padding: int
    max_dilation: int


def bounds(shape: tuple[int, int], kernel_size: int, dilation: int = 1) -> Bounds:
    """Limits for the sliders: kernel fits the unpadded input, padding ≤ kernel_size // 2 (PyTorch's pool rule)."""
    side = min(shape)
    return Bounds(
        max_kernel=max(1, min(KERNEL_CAP, ops.max_kernel_size(side, 0, dilation))),
        max_stride=max(1, min(STRIDE_CAP, side)),
        max_padding=ops.max_valid_padding(kernel_size, dilation, pool=True),
        max_dilation=max(1, min(DILATION_CAP, ops.max_dilation(side, kernel_size, 0))),
    )


def clamp_state(state, shape: tuple[int, int]) -> dict:
    """Move the "pool_*" settings in `state` (a mutable mapping) inside the bounds for `shape`; return what changed."""
    changed = {}

    def put(key, lo, hi):
        value = state.get(key, DEFAULTS[key])
        if isinstance(value, bool) or not isinstance(value, int | np.integer):
            value = DEFAULTS[key]
        fixed = min(max(int(value), lo), hi)
        if fixed != state.get(key):
            changed[key] = state[key] = fixed

    put("pool_kernel", 1, bounds(shape, 1).max_kernel)
    put("pool_dilation", 1, bounds(shape, state["pool_kernel"]).max_dilation)
    b = bounds(shape, state["pool_kernel"], state["pool_dilation"])
    put("pool_padding", 0, b.max_padding)
    put("pool_stride_h", 1, b.max_stride)
    put("pool_stride_w", 1, b.max_stride)
    if state.get("pool_mode") not in MODES:
        changed["pool_mode"] = state["pool_mode"] = DEFAULTS["pool_mode"]
    return changed


def init_state(state) -> list[str]:
    """Fill missing "pool_*" keys of `state` with DEFAULTS and reset an unknown input source; return the keys set."""
    written = [key for key in DEFAULTS if key not in state]
    for key in written:
        state[key] = DEFAULTS[key]
    if state["pool_source"] not in SOURCES:
        state["pool_source"] = DEFAULTS["pool_source"]
        written.append("pool_source")
    return written


@dataclass
class PoolResult:
    """One pooling run and everything the page explains about it."""

    output: np.ndarray  # (H_out, W_out)
    argmax: np.ndarray | None  # (H_out, W_out, 2) winner row/col in input coordinates (max pooling only)
    windows: list[tuple[int, int, int, int]]  # (top, left, bottom, right) in input coordinates, row-major
    formula_h: str
    formula_w: str
    in_cells: int
    out_cells: int
    losers: int | None  # input cells that won no window (max only)
    unseen: int  # input cells no window looks at (stride larger than the window)

    @property
    def reduction(self) -> float:
        """Share of numbers gone: 1 − output cells / input cells (0.75 for 2×2, stride 2 on an even map)."""
        return 1.0 - self.out_cells / self.in_cells


def run_pool(input: np.ndarray, s: PoolSettings) -> PoolResult:
    """Pool a (H, W) map with the settings; ValueError (from explorer.ops) for settings PyTorch refuses."""
    h, w = input.shape
    if s.mode == "max":
        output, argmax = ops.max_pool2d(input, s.kernel_size, s.stride, s.padding, s.dilation, s.ceil_mode)
        losers = h * w - len(np.unique(argmax[..., 0] * w + argmax[..., 1]))  # winners as flat indices
    else:
        output = ops.avg_pool2d(input, s.kernel_size, s.stride, s.padding, s.ceil_mode, s.count_include_pad)
        argmax, losers = None, None
    windows = ops.pool_windows((h, w), s.kernel_size, s.stride, s.padding, s.ceil_mode, s.dilation)
    rows = _seen(h, s.kernel_size, s.stride[0], s.padding, s.dilation, s.ceil_mode)
    cols = _seen(w, s.kernel_size, s.stride[1], s.padding, s.dilation, s.ceil_mode)
    return PoolResult(
        output=output,
        argmax=argmax,
        windows=windows,
        formula_h=ops.size_formula(
            h, s.kernel_size, s.stride[0], s.padding, s.dilation, s.ceil_mode, pool=True
        ),
        formula_w=ops.size_formula(
            w, s.kernel_size, s.stride[1], s.padding, s.dilation, s.ceil_mode, pool=True
        ),
        in_cells=h * w,
        out_cells=output.size,
        losers=losers,
        unseen=h * w - rows * cols,
    )


@dataclass(frozen=True)
class PoolViews:
    """One pooling run with both of the page's figures (shared between sessions: read-only)."""

    result: PoolResult
    windows: object  # explorer.plots.FigureSpec: the input with its windows outlined and winners marked
    step: int  # 1 = every window outlined, m = every m-th window per axis
    pooled: object  # explorer.plots.FigureSpec: the pooled map


def views(input: np.ndarray, s: PoolSettings, kind: str, hover: str) -> PoolViews:
    """run_pool and the two figures for a (H, W) map, remembered for the last 64 (map, settings, kind, hover):
    a rerun that changes no pooling setting (a popover opened, the language, a tab switched back) reuses them."""
    a = np.ascontiguousarray(input, dtype=np.float32)
    return _views(a.tobytes(), a.shape, s, kind, hover)


@lru_cache(maxsize=64)
def _views(key: bytes, shape: tuple[int, int], s: PoolSettings, kind: str, hover: str) -> PoolViews:
    from explorer.plots import pool as plots  # plotly: not needed by the logic alone

    input = np.frombuffer(key, dtype=np.float32).reshape(shape)
    result = run_pool(input, s)
    for a in (result.output, result.argmax):
        if a is not None:
            a.setflags(
                write=False
            )  # shared: a caller that writes into it fails instead of changing others' view
    windows, step = plots.windows_figure(
        input, result.windows, result.output.shape, result.argmax,
        padding=s.padding, mode=s.mode, kind=kind, hover=hover,
    )  # fmt: skip
    pooled = plots.pooled_figure(result.output, hover=hover, colour_windows=True, kind=kind)
    return PoolViews(result, windows, step, pooled)


def _seen(size, kernel_size, stride, padding, dilation, ceil_mode) -> int:
    """How many input indices along one axis some window touches."""
    out = ops.output_size(size, kernel_size, stride, padding, dilation, ceil_mode, pool=True)
    touched = {o * stride - padding + j * dilation for o in range(out) for j in range(kernel_size)}
    return sum(1 for i in touched if 0 <= i < size)


@dataclass
class Conventions:
    """The tutorial's zero padding next to PyTorch's ceil_mode (−∞ padding) for a 2×2 / stride-2 max pool."""

    zero_padded_input: np.ndarray  # (H', W') the input with zero rows/columns appended
    zero_output: np.ndarray
    torch_output: np.ndarray
    agree: bool
    nonnegative: bool


def conventions(grid: np.ndarray, kernel_size: int = 2, stride: int = 2) -> Conventions:
    """Both ways of letting windows hang over the edge; they agree whenever the values are ≥ 0 (e.g. after ReLU)."""
    zero_out, padded = ops.zero_padded_max_pool(grid, kernel_size, stride)
    torch_out = ops.torch_ceil_max_pool(grid, kernel_size, stride)
    agree = zero_out.shape == torch_out.shape and bool(np.array_equal(zero_out, torch_out))
    return Conventions(padded, zero_out, torch_out, agree, bool((np.asarray(grid) >= 0).all()))


def parse_grid(values) -> np.ndarray:
    """Edited grid cells -> (H, W) float32; ValueError("pool.err_grid") for empty, non-numeric or huge cells."""
    try:
        a = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as e:
        raise ValueError("pool.err_grid") from e
    if a.ndim != 2 or a.size == 0 or not np.isfinite(a).all() or np.abs(a).max() > GRID_LIMIT:
        raise ValueError("pool.err_grid")
    return a.astype(np.float32)


def _number(v: float) -> str:
    """Shortest text that reads back as the same float32."""
    return str(np.float32(v))


def pytorch_code(input: np.ndarray, s: PoolSettings) -> str:
    """Runnable code that builds the pooling layer with the current settings and applies it to `input`."""
    h, w = input.shape
    h_out, w_out = ops.output_shape(
        (h, w), s.kernel_size, s.stride, s.padding, s.dilation, s.ceil_mode, pool=True
    )
    rows = "\n".join("    [" + ", ".join(_number(v) for v in row) + "]," for row in np.asarray(input))
    stride = s.stride[0] if s.stride[0] == s.stride[1] else s.stride
    if s.mode == "max":
        layer = (
            f"nn.MaxPool2d(kernel_size={s.kernel_size}, stride={stride}, padding={s.padding}, "
            f"dilation={s.dilation}, ceil_mode={s.ceil_mode})"
        )
    else:
        layer = (
            f"nn.AvgPool2d(kernel_size={s.kernel_size}, stride={stride}, padding={s.padding}, "
            f"ceil_mode={s.ceil_mode}, count_include_pad={s.count_include_pad})"
        )
    return (
        "import torch\n"
        "from torch import nn\n\n"
        f"x = torch.tensor([\n{rows}\n]).reshape(1, 1, {h}, {w})  # (batch, channels, height, width)\n"
        f"pool = {layer}\n"
        f"y = pool(x)  # (1, 1, {h_out}, {w_out})\n"
        "print(y[0, 0])\n"
    )


def sample_digit(label: int = 9) -> np.ndarray | None:
    """A bundled MNIST test digit (a 9, the tutorial's example) for when nothing is drawn; None without samples."""
    try:
        from explorer.samples import load_samples

        samples = load_samples()
        picks = samples.of_class(label) or [0]
        digit = samples.digit(picks[0])
    except (OSError, KeyError, ValueError, IndexError):
        return None
    digit.setflags(write=False)
    return digit
