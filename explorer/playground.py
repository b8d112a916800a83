"""The convolution playground's logic without Streamlit: settings and their bounds, kernel editing, texts.

pages/convolution.py reads widgets into a plain dict of the keys in DEFAULTS, calls `clamp` so no setting can
give an empty output, builds `Settings`, and renders what the functions here return. Everything is computed
with explorer.ops (torch.nn.functional) so every number on the page is what PyTorch computes.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np

from explorer import i18n, kernels, ops

PANELS = ("kernel", "geometry")  # the page's two tabs of settings (ids)

# Every setting of the page, with its default: session-state keys (also the names a later issue round-trips
# through st.query_params). conv_row / conv_col = -1 means "not chosen": start where |output| is largest.
DEFAULTS: dict[str, object] = {
    "conv_source": "digit",
    "conv_preset": "sobel_x",
    "conv_kernel": kernels.preset("sobel_x").tolist(),
    "conv_bias": 0.0,
    "conv_stride_h": 1,
    "conv_stride_w": 1,
    "conv_padding_h": 1,
    "conv_padding_w": 1,
    "conv_dilation": 1,
    "conv_padding_mode": "zeros",
    "conv_relu": False,
    "conv_flip": False,
    "conv_row": -1,
    "conv_col": -1,
}
CUSTOM = "custom"  # conv_preset once the kernel no longer equals a preset
SOURCES = ("digit", "grid")
STRIDE_CAP = 8  # larger strides only repeat a 1-cell output
DILATION_CAP = 8
BIAS_LIMIT = kernels.MAX_ABS_WEIGHT
MAX_TERMS = 25  # write the full sum of products up to this many terms

# The 5x5 input of Dumoulin & Visin's numerical figures (CONV_ARITHMETIC.md §6.1): every value is shown.
PAPER_GRID = np.array(
    [[3, 3, 2, 1, 0], [0, 0, 1, 3, 1], [3, 1, 2, 2, 3], [2, 0, 0, 2, 2], [2, 0, 0, 0, 1]], dtype=np.float64
)
PAPER_KERNEL = np.array(
    [[0, 1, 2], [2, 2, 0], [0, 1, 2]], dtype=np.float64
)  # its kernel: Fig. 1.1 gives 12 at (0, 0)
PRESETS = {**kernels.PRESETS, "paper": PAPER_KERNEL}  # the kernel presets plus the paper's


@cache
def sample_digit() -> np.ndarray | None:
    """A bundled MNIST 7 for when nothing is drawn yet (None without the samples file); don't modify it."""
    try:
        from explorer.samples import load_samples

        samples = load_samples()
        picks = samples.of_class(7) or [0]
        digit = samples.digit(picks[0])
    except (OSError, KeyError, ValueError, IndexError):
        return None
    return digit


# ----------------------------------------------------------------------------------------------------------
# settings


@dataclass(frozen=True)
class Settings:
    """Everything that defines the convolution shown (PyTorch parameter names; pairs are (h, w))."""

    kernel: np.ndarray  # (kH, kW) as entered (not flipped)
    bias: float = 0.0
    stride: tuple[int, int] = (1, 1)
    padding: tuple[int, int] = (0, 0)
    dilation: int = 1
    padding_mode: str = "zeros"
    relu: bool = False
    flip: bool = False

    @classmethod
    def from_state(cls, state) -> Settings:
        """Settings from a mapping with the keys of DEFAULTS (already clamped)."""
        return cls(
            kernel=np.asarray(state["conv_kernel"], dtype=np.float64),
            bias=float(state["conv_bias"]),
            stride=(int(state["conv_stride_h"]), int(state["conv_stride_w"])),
            padding=(int(state["conv_padding_h"]), int(state["conv_padding_w"])),
            dilation=int(state["conv_dilation"]),
            padding_mode=str(state["conv_padding_mode"]),
            relu=bool(state["conv_relu"]),
            flip=bool(state["conv_flip"]),
        )

    @property
    def geometry(self) -> dict:
        """Keyword arguments shared by ops.conv2d and ops.conv_step."""
        return {
            "stride": self.stride,
            "padding": self.padding,
            "dilation": self.dilation,
            "padding_mode": self.padding_mode,
            "flip": self.flip,
        }

    def output_shape(self, input_shape) -> tuple[int, int]:
        """(H_out, W_out) via ops.output_shape."""
        return ops.output_shape(input_shape, self.kernel.shape, self.stride, self.padding, self.dilation)

    def convolve(self, image: np.ndarray, relu: bool | None = None) -> np.ndarray:
        """The output map (H_out, W_out), after ReLU when `relu` (default: self.relu)."""
        relu = self.relu if relu is None else relu
        return ops.conv2d(image, self.kernel, self.bias, relu=relu, **self.geometry)

    def step(self, image: np.ndarray, row: int, col: int) -> ops.ConvStep:
        """The arithmetic at output cell (row, col)."""
        return ops.conv_step(image, self.kernel, self.bias, row, col, **self.geometry)


@dataclass(frozen=True)
class Bounds:
    """Widget limits for one input and kernel: every combination inside them gives a non-empty output."""

    kernel_size: tuple[int, int]  # max kH, kW
    dilation: int
    padding: tuple[int, int]
    stride: tuple[int, int]


def _span(kernel_size: int, dilation: int) -> int:
    """Effective kernel size d·(k − 1) + 1."""
    return dilation * (kernel_size - 1) + 1


def bounds(input_shape, kernel_shape, dilation=1, padding=(0, 0), padding_mode="zeros") -> Bounds:
    """Largest kernel size, dilation, padding and stride allowed, in that order (each uses the previous)."""
    (h, w), (kh, kw) = input_shape, kernel_shape
    kmax = (min(kernels.MAX_KERNEL_SIZE, h), min(kernels.MAX_KERNEL_SIZE, w))
    # without padding the dilated kernel must still fit, so padding can always go back to 0
    dmax = max(
        1,
        min(
            DILATION_CAP,
            ops.max_dilation(h, kh) if kh > 1 else DILATION_CAP,
            ops.max_dilation(w, kw) if kw > 1 else DILATION_CAP,
        ),
    )
    d = min(max(dilation, 1), dmax)
    pmax = (
        ops.max_valid_padding(kh, d, size=h, padding_mode=padding_mode),
        ops.max_valid_padding(kw, d, size=w, padding_mode=padding_mode),
    )
    ph, pw = min(padding[0], pmax[0]), min(padding[1], pmax[1])
    smax = (
        max(1, min(STRIDE_CAP, h + 2 * ph - _span(kh, d) + 1)),
        max(1, min(STRIDE_CAP, w + 2 * pw - _span(kw, d) + 1)),
    )
    return Bounds(kernel_size=kmax, dilation=dmax, padding=pmax, stride=smax)


def _clip(value, low: int, high: int) -> int:
    """int(value) clipped to [low, high] (garbage becomes low)."""
    try:
        value = int(value)
    except (TypeError, ValueError):
        return low
    return min(max(value, low), high)


def clamp(state, input_shape) -> dict:
    """A copy of the settings (keys of DEFAULTS; missing ones take the default) moved inside the bounds."""
    out = {key: state.get(key, default) for key, default in DEFAULTS.items()}
    if out["conv_source"] not in SOURCES:
        out["conv_source"] = DEFAULTS["conv_source"]
    if out["conv_padding_mode"] not in ops.PADDING_MODES:
        out["conv_padding_mode"] = "zeros"
    try:
        kernel = kernels.validate_kernel(out["conv_kernel"])
    except ValueError:
        kernel = kernels.preset(DEFAULTS["conv_preset"])
    b = bounds(input_shape, (1, 1))
    if kernel.shape[0] > b.kernel_size[0] or kernel.shape[1] > b.kernel_size[1]:
        kernel = resize_kernel(
            kernel, min(kernel.shape[0], b.kernel_size[0]), min(kernel.shape[1], b.kernel_size[1])
        )
    out["conv_kernel"] = kernel.tolist()
    out["conv_preset"] = preset_matching(kernel)  # the kernel decides (e.g. one loaded from a shared link)
    try:
        bias = float(out["conv_bias"])
    except (TypeError, ValueError):
        bias = 0.0
    out["conv_bias"] = min(max(bias, -BIAS_LIMIT), BIAS_LIMIT) if np.isfinite(bias) else 0.0
    b = bounds(input_shape, kernel.shape, _clip(out["conv_dilation"], 1, DILATION_CAP))
    out["conv_dilation"] = _clip(out["conv_dilation"], 1, b.dilation)
    padding = (_clip(out["conv_padding_h"], 0, 10**6), _clip(out["conv_padding_w"], 0, 10**6))
    b = bounds(input_shape, kernel.shape, out["conv_dilation"], padding, out["conv_padding_mode"])
    out["conv_padding_h"] = min(padding[0], b.padding[0])
    out["conv_padding_w"] = min(padding[1], b.padding[1])
    out["conv_stride_h"] = _clip(out["conv_stride_h"], 1, b.stride[0])
    out["conv_stride_w"] = _clip(out["conv_stride_w"], 1, b.stride[1])
    for key in ("conv_relu", "conv_flip"):
        out[key] = bool(out[key])
    h_out, w_out = Settings.from_state(out).output_shape(input_shape)
    out["conv_row"], out["conv_col"] = (
        _clip(out["conv_row"], -1, h_out - 1),
        _clip(out["conv_col"], -1, w_out - 1),
    )
    return out


def resolve_cell(row: int, col: int, out: np.ndarray) -> tuple[int, int]:
    """(row, col), or where |output| is largest when either is -1 (not chosen yet: start somewhere useful)."""
    if row >= 0 and col >= 0:
        return row, col
    r, c = np.unravel_index(int(np.argmax(np.abs(out))), out.shape)
    return int(r), int(c)


# ----------------------------------------------------------------------------------------------------------
# kernel editing


def resize_kernel(kernel, kh: int, kw: int) -> np.ndarray:
    """(kh, kw) kernel keeping the old weights centred (new cells are 0, cropped cells dropped)."""
    kernel = np.asarray(kernel, dtype=np.float64)
    out = np.zeros((kh, kw))
    oh, ow = kernel.shape
    # offsets of the old kernel inside the new one (negative = cropped)
    dy, dx = (kh - oh) // 2, (kw - ow) // 2
    src = kernel[max(0, -dy) : max(0, -dy) + min(oh, kh), max(0, -dx) : max(0, -dx) + min(ow, kw)]
    out[max(0, dy) : max(0, dy) + src.shape[0], max(0, dx) : max(0, dx) + src.shape[1]] = src
    return out


def edited_kernel(kernel, row: int, col: int, text: str) -> np.ndarray | None:
    """`kernel` with weight (row, col) set to the typed `text` (None when that changes nothing).

    Raises ValueError(key, params) (kernels.parse_weight / validate_kernel) for an empty box, a non-number or an
    absurd value, and for a position outside the kernel.
    """
    new = kernels.with_weight(kernel, row, col, text)
    return None if np.array_equal(new, kernel) else kernels.validate_kernel(new)


def kernel_error(error: ValueError, lang: str) -> str:
    """The translated message for a ValueError(key, params) raised by kernels.validate_kernel."""
    key, params = (*error.args, {})[:2] if error.args else ("kernel_nonfinite", {})
    full = f"conv.error.{key}"
    if full not in i18n.table():
        full, params = "conv.error.kernel_nonfinite", {}
    return i18n.t(full, lang, **(params or {}))


def preset_matching(kernel) -> str:
    """The preset equal to `kernel`, else CUSTOM."""
    kernel = np.asarray(kernel, dtype=np.float64)
    for name, weights in PRESETS.items():
        if weights.shape == kernel.shape and np.array_equal(weights, kernel):
            return name
    return CUSTOM


# ----------------------------------------------------------------------------------------------------------
# stepping through output positions


def next_position(row: int, col: int, out_shape, step: int = 1) -> tuple[int, int]:
    """The output cell `step` places after (row, col) in reading order, wrapping around."""
    h_out, w_out = out_shape
    flat = (row * w_out + col + step) % (h_out * w_out)
    return divmod(flat, w_out)


def picked_cell(selection, out_shape) -> tuple[int, int] | None:
    """(row, col) of the cell clicked on the output chart (st.plotly_chart selection state), or None."""
    try:
        point = selection["selection"]["points"][0]
        row, col = round(float(point["y"])), round(float(point["x"]))
    except (KeyError, IndexError, TypeError, ValueError):
        return None
    if 0 <= row < out_shape[0] and 0 <= col < out_shape[1]:
        return row, col
    return None


# ----------------------------------------------------------------------------------------------------------
# texts


def fmt(value: float, digits: int = 3) -> str:
    """A number for the page: integers without decimals, else up to `digits` decimals; true minus sign."""
    value = float(value)
    if abs(value) < 0.5 * 10**-digits:
        value = 0.0
    text = str(int(value)) if value.is_integer() else f"{value:.{digits}f}".rstrip("0").rstrip(".")
    return text.replace("-", "−")


def fmt_count(n: float, lang: str) -> str:
    """A large count with thousands separators: 615,440 in English, 615 440 (no-break spaces) in Ukrainian."""
    text = f"{n:,.0f}" if float(n).is_integer() or abs(n) >= 100 else f"{n:,.1f}"
    return text.replace(",", "\u00a0").replace(".", ",") if lang == "uk" else text


def _factor(value: float) -> str:
    """A factor inside a product, negative ones in parentheses."""
    text = fmt(value)
    return f"({text})" if text.startswith("−") else text


def arithmetic_lines(step: ops.ConvStep, lang: str) -> list[str]:
    """Plain-text lines: the sum of window × weights, + bias, → ReLU, with the numbers of `step`."""
    terms = [
        f"{_factor(w)}·{_factor(x)}" for w, x in zip(step.weight.ravel(), step.window.ravel(), strict=True)
    ]
    products = float(step.products.sum())
    if len(terms) <= MAX_TERMS:
        first = i18n.t("conv.arith.sum", lang, terms=" + ".join(terms), value=fmt(products))
    else:
        first = i18n.t("conv.arith.sum_long", lang, n=len(terms), value=fmt(products))
    return [
        first,
        i18n.t(
            "conv.arith.bias", lang, products=fmt(products), bias=_factor(step.bias), total=fmt(step.total)
        ),
        i18n.t("conv.arith.relu", lang, total=fmt(step.total), relu=fmt(step.relu)),
    ]


def _ranges(indices) -> str:
    """[0, 1, 2, 5] -> "0–2, 5" (true minus for negative indices)."""
    indices = sorted(indices)
    parts, start = [], None
    for i, value in enumerate(indices):
        if start is None:
            start = value
        if i + 1 == len(indices) or indices[i + 1] != value + 1:
            parts.append(fmt(start) if start == value else f"{fmt(start)}–{fmt(value)}")
            start = None
    return ", ".join(parts)


def uncovered_indices(size, kernel_size, stride, padding, dilation) -> tuple[list[int], list[int]]:
    """(input indices never in any window, padding indices never in any window), both in input coordinates."""
    lost = [i - padding for i in ops.uncovered(size, kernel_size, stride, padding, dilation)]
    return [i for i in lost if 0 <= i < size], [i for i in lost if not 0 <= i < size]


def uncovered_text(axis: str, size, kernel_size, stride, padding, dilation, lang: str) -> str | None:
    """Why some rows (axis "h") or columns ("w") are never covered, with numbers; None when all are used."""
    real, pad = uncovered_indices(size, kernel_size, stride, padding, dilation)
    if not real and not pad:
        return None
    span = _span(kernel_size, dilation)
    h_out = ops.output_size(size, kernel_size, stride, padding, dilation)
    last_end = (
        (h_out - 1) * stride + span - 1 - padding
    )  # last index the last window reaches (input coordinates)
    tail = [i for i in real + pad if i > last_end]
    gaps = [i for i in real if i <= last_end]
    names = i18n.t(f"conv.uncovered.{axis}", lang)
    lines = []
    if tail:
        remainder = (size + 2 * padding - span) % stride
        lines.append(
            i18n.t(
                "conv.uncovered.tail",
                lang,
                names=names,
                indices=_ranges(tail),
                formula=f"{size} + 2·{padding} − {span}",
                value=size + 2 * padding - span,
                stride=stride,
                remainder=remainder,
                last=fmt(last_end),
            )
        )
        if not [i for i in tail if 0 <= i < size]:
            lines.append(i18n.t("conv.uncovered.only_padding", lang))
    if gaps:
        reason = (
            "conv.uncovered.gaps_dilation"
            if dilation > 1 and stride <= span
            else "conv.uncovered.gaps_stride"
        )
        lines.append(
            i18n.t(
                reason, lang, names=names, indices=_ranges(gaps), stride=stride, span=span, dilation=dilation
            )
        )
    return " ".join(lines)


def size_lines(input_shape, settings: Settings, lang: str) -> list[str]:
    """The output-size formula per axis with numbers, e.g. "Height: ⌊(28 + 2·1 − 3)/1⌋ + 1 = 28"."""
    lines = []
    for i, axis in enumerate(("h", "w")):
        formula = ops.size_formula(
            input_shape[i],
            settings.kernel.shape[i],
            settings.stride[i],
            settings.padding[i],
            settings.dilation,
        )
        lines.append(i18n.t(f"conv.formula.{axis}", lang, formula=formula))
    return lines


def counts(input_shape, kernel_shape, out_shape) -> dict[str, int]:
    """Connections and parameters of this conv vs a dense layer with the same input and output sizes."""
    n_in, n_out = input_shape[0] * input_shape[1], out_shape[0] * out_shape[1]
    return {
        "taps": kernel_shape[0] * kernel_shape[1],
        "inputs": n_in,
        "outputs": n_out,
        "conv_params": ops.conv_params(1, 1, kernel_shape),
        "dense_params": ops.dense_params(n_in, n_out),
        "conv_macs": ops.conv_macs(1, 1, kernel_shape, out_shape),
        "dense_macs": ops.dense_macs(n_in, n_out),
    }


# ----------------------------------------------------------------------------------------------------------
# PyTorch code


INPUT_CSV = "conv_input.csv"


def _literal(a: np.ndarray, indent: str) -> str:
    """A 2-D array as a nested Python list literal, one row per line, exact float repr."""
    rows = ["[" + ", ".join(repr(float(v)) for v in row) + "]" for row in np.asarray(a, dtype=np.float64)]
    return "[\n" + "".join(f"{indent}    {r},\n" for r in rows) + f"{indent}]"


def pytorch_code(settings: Settings, image: np.ndarray, lang: str, inline_input: bool) -> str:
    """Runnable code with nn.Conv2d that reproduces the page's output exactly (variable `y` holds it)."""
    h, w = image.shape
    kh, kw = settings.kernel.shape
    tr = lambda key, **p: i18n.t(f"conv.code.{key}", lang, **p)  # noqa: E731
    lines = ["import numpy as np", "import torch", "from torch import nn", ""]
    if inline_input:
        lines.append(f"image = torch.tensor({_literal(image, '')})  # {tr('input_inline', h=h, w=w)}")
    else:
        lines.append(f"# {tr('input_csv', name=INPUT_CSV, h=h, w=w)}")
        lines.append(f'image = torch.tensor(np.loadtxt("{INPUT_CSV}", delimiter=","))')
    lines.append(f"x = image.reshape(1, 1, {h}, {w}).float()  # (batch, channels, H, W)")
    lines.append("")
    args = [
        "1",
        "1",
        f"kernel_size=({kh}, {kw})",
        f"stride={settings.stride}",
        f"padding={settings.padding}",
        f"dilation={settings.dilation}",
    ]
    if settings.padding_mode != "zeros":
        args.append(f'padding_mode="{settings.padding_mode}"')
    lines.append(f"conv = nn.Conv2d({', '.join(args)})")
    lines.append(f"kernel = torch.tensor({_literal(settings.kernel, '')})")
    lines.append("with torch.no_grad():")
    if settings.flip:
        lines.append(f"    conv.weight.copy_(kernel.flip(0, 1)[None, None])  # {tr('flip')}")
    else:
        lines.append(f"    conv.weight.copy_(kernel[None, None])  # {tr('weight')}")
    lines.append(f"    conv.bias.fill_({settings.bias!r})")
    lines.append(f"    y = conv(x)  # (1, 1, H_out, W_out) = {tuple(settings.output_shape(image.shape))}")
    if settings.relu:
        lines.append("    y = torch.relu(y)")
    lines.append("print(y[0, 0])")
    return "\n".join(lines) + "\n"
