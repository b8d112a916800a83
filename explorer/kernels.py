"""Named kernel presets and checks for user-edited kernels.

3x3 presets follow Setosa's "Image Kernels Explained Visually" (vicapow/explained-visually: script.js):
gaussian_blur is Setosa's "blur", sobel_x its "right sobel", sobel_y its "bottom sobel".
tutorial_half is the tutorial's 2x2 filter of 0.5. validate_kernel raises ValueError(key, params): args[0]
is a translation-key-like code, args[1] a dict of format parameters for the UI's message.
"""

from __future__ import annotations

import numpy as np

MAX_KERNEL_SIZE = 7  # kernel height/width limit in the explorer
MAX_ABS_WEIGHT = 1000.0  # larger weights only blow up the colour scale


def _frozen(rows, scale=1.0) -> np.ndarray:
    """A read-only float64 kernel (shared presets must not be edited in place)."""
    kernel = np.asarray(rows, dtype=np.float64) * scale
    kernel.setflags(write=False)
    return kernel


PRESETS: dict[str, np.ndarray] = {
    "identity": _frozen([[0, 0, 0], [0, 1, 0], [0, 0, 0]]),
    "box_blur": _frozen(np.ones((3, 3)), 1 / 9),
    "gaussian_blur": _frozen([[1, 2, 1], [2, 4, 2], [1, 2, 1]], 1 / 16),
    "sharpen": _frozen([[0, -1, 0], [-1, 5, -1], [0, -1, 0]]),
    "sobel_x": _frozen([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]]),
    "sobel_y": _frozen([[-1, -2, -1], [0, 0, 0], [1, 2, 1]]),
    "laplacian": _frozen([[0, 1, 0], [1, -4, 1], [0, 1, 0]]),
    "emboss": _frozen([[-2, -1, 0], [-1, 1, 1], [0, 1, 2]]),
    "outline": _frozen([[-1, -1, -1], [-1, 8, -1], [-1, -1, -1]]),
    "tutorial_half": _frozen([[0.5, 0.5], [0.5, 0.5]]),
}
PRESET_NAMES = tuple(PRESETS)


def preset(name) -> np.ndarray:
    """A writable copy of the named preset; KeyError for an unknown name."""
    return PRESETS[name].copy()


def parse_weight(text: str) -> float:
    """A weight typed by a student: "0.5", "0,5", "−1" (true minus), "1/9"; ValueError("kernel_nonfinite", {})
    for anything else, an empty box included. The range is checked by validate_kernel."""
    cleaned = str(text).strip().replace("−", "-").replace(",", ".").replace(" ", "")
    try:
        if cleaned.count("/") == 1:
            numerator, denominator = (float(part) for part in cleaned.split("/"))
            value = numerator / denominator
        else:
            value = float(cleaned)
    except (ValueError, ZeroDivisionError):
        raise ValueError("kernel_nonfinite", {}) from None
    if not np.isfinite(value):
        raise ValueError("kernel_nonfinite", {})
    return value


def with_weight(kernel, row: int, col: int, text: str, dtype=np.float64) -> np.ndarray:
    """A copy of `kernel` with weight (row, col) set to the typed `text` (parse_weight; the range is the caller's
    check); ValueError("kernel_shape", ...) for a position outside the kernel, ValueError("kernel_nonfinite", {})
    for a text that isn't a number."""
    out = np.array(kernel, dtype=dtype)
    if not (0 <= row < out.shape[0] and 0 <= col < out.shape[1]):
        raise ValueError("kernel_shape", {"max_size": MAX_KERNEL_SIZE})
    out[row, col] = parse_weight(text)
    return out


def weight_text(value: float) -> str:
    """A weight as the text to edit: up to 6 significant digits, ASCII minus and decimal point (as the page's
    other numbers; parse_weight also reads a decimal comma)."""
    value = float(value)
    text = f"{value:.6g}" if abs(value) >= 1e-4 or value == 0 else f"{value:.4g}"
    return "0" if text == "-0" else text


def _is_ragged(values) -> bool:
    """True for a list of rows whose lengths differ."""
    try:
        return len({len(row) for row in values}) > 1
    except TypeError:
        return False


def validate_kernel(values) -> np.ndarray:
    """(kH, kW) float64 kernel from user values, else ValueError(key, params).

    key: kernel_empty, kernel_shape (not 2-D, ragged, or a side > 7), kernel_nonfinite, kernel_too_large.
    """
    if hasattr(values, "detach"):  # torch tensor
        values = values.detach().cpu().numpy()
    try:
        kernel = np.array(values, dtype=np.float64)  # None -> nan
    except (TypeError, ValueError):
        key = "kernel_shape" if _is_ragged(values) else "kernel_nonfinite"
        raise ValueError(key, {"max_size": MAX_KERNEL_SIZE}) from None
    if kernel.size == 0:
        raise ValueError("kernel_empty", {})
    if kernel.ndim != 2 or max(kernel.shape) > MAX_KERNEL_SIZE:
        raise ValueError("kernel_shape", {"max_size": MAX_KERNEL_SIZE})
    if not np.isfinite(kernel).all():
        raise ValueError("kernel_nonfinite", {})
    if np.abs(kernel).max() > MAX_ABS_WEIGHT:
        raise ValueError("kernel_too_large", {"max_abs": MAX_ABS_WEIGHT})
    return kernel


def normalise(kernel) -> np.ndarray:
    """Scale to sum 1 when the sum is non-zero, else to max |w| = 1 (an all-zero kernel stays zero)."""
    kernel = np.array(kernel, dtype=np.float64)
    total = kernel.sum()
    if abs(total) > 1e-12:
        return kernel / total
    peak = np.abs(kernel).max(initial=0.0)
    return kernel / peak if peak > 0 else kernel


def random_kernel(kH, kW, seed) -> np.ndarray:
    """(kH, kW) weights uniform in [−1, 1], rounded to 2 decimals, reproducible from seed."""
    rng = np.random.default_rng(seed)
    return np.round(rng.uniform(-1.0, 1.0, size=(kH, kW)), 2)
