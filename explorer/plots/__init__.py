"""Figure builders and the colour constants, defined once; nothing here calls st.*.

Page-specific builders live in submodules (explorer.plots.conv, .pool, ...); this module holds what they share.
"""

from __future__ import annotations

import base64
import math
import struct
import zlib
from functools import cache
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import plotly.graph_objects as go

# Colour-blind-safe scales (ColorBrewer RdBu is diverging-safe for deuteranopia/protanopia; Viridis is perceptual).
DIVERGING = "RdBu_r"  # signed values (conv outputs, weights): blue < 0 < red, always centred on 0 via zmid=0
SEQUENTIAL = "Viridis"  # non-negative values (ReLU / pooled activations, probabilities)
INPUT = "gray"  # the digit: black background, white ink, as MNIST stores it
HIGHLIGHT = "#FFB000"  # window / selected cell outline (IBM colour-blind-safe amber)
SECOND = "#648FFF"  # a second highlight (IBM colour-blind-safe blue)
PADDING = "#DC267F"  # padded cells outline (IBM colour-blind-safe magenta)
GRID = "rgba(128,128,128,0.6)"
ANNOTATE_MAX_CELLS = 12  # write the number inside each cell when both sides are at most this
FONT = {"family": "Source Sans Pro, sans-serif"}


def __getattr__(name: str):
    # FigureSpec subclasses go.Figure, and importing plotly takes ~0.15 s: the first page (the draw page) and
    # the app shell use this module's constants and to_png without it, so it is imported on first use.
    if name == "FigureSpec":
        from explorer.plots.figure_spec import FigureSpec

        return FigureSpec
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def typed(a, dtype: str = "f4") -> dict:
    """A numeric array as plotly.js's typed-array spec (base64; "f4" float32 or "f8" float64): cheap to send,
    NaN stays a gap. Use "f8" where hover values must equal the computed ones exactly."""
    a = np.ascontiguousarray(a, dtype=np.dtype(dtype))
    spec = {"dtype": dtype, "bdata": base64.b64encode(a.tobytes()).decode("ascii")}
    if a.ndim > 1:
        spec["shape"] = ", ".join(str(n) for n in a.shape)
    return spec


def symmetric_range(z: np.ndarray) -> float:
    """Half-width of a colour range centred on 0 that covers every finite value (at least a tiny epsilon)."""
    finite = np.abs(z[np.isfinite(z)])
    return float(finite.max()) if finite.size and finite.max() > 0 else 1e-6


def diverging_css(values: np.ndarray) -> tuple[list[list[str]], list[list[str]]]:
    """CSS background and text colours of cells tinted by value on DIVERGING, centred on 0 (the largest |value|
    at either end), with dark or light text, whichever reads better on its cell."""
    values = np.asarray(values, dtype=float)
    colours, inks = _diverging_steps()
    steps = len(colours) - 1
    index = np.rint((0.5 + 0.5 * values / symmetric_range(values)) * steps).astype(int)  # (kH, kW)
    return [[colours[i] for i in row] for row in index], [[inks[i] for i in row] for row in index]


def gray_css(values: np.ndarray, vmin: float, vmax: float) -> tuple[list[list[str]], list[list[str]]]:
    """CSS background and text colours of cells on INPUT (black at vmin, white at vmax), with dark or light text,
    whichever reads better on its cell."""
    scaled = np.clip((np.asarray(values, dtype=float) - vmin) / max(vmax - vmin, 1e-12), 0, 1)
    levels = np.rint(255 * scaled).astype(int).tolist()  # (H, W) in 0..255
    backgrounds = [[f"rgb({v},{v},{v})" for v in row] for row in levels]
    return backgrounds, [[_ink((v, v, v)) for v in row] for row in levels]


@cache
def _diverging_steps(steps: int = 100) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """DIVERGING sampled at steps + 1 points (sampling per call cost ~2 ms), with the text colour for each."""
    from plotly.colors import get_colorscale, sample_colorscale, unlabel_rgb

    colours = sample_colorscale(get_colorscale(DIVERGING), [i / steps for i in range(steps + 1)])
    return tuple(colours), tuple(_ink(unlabel_rgb(c)) for c in colours)


def _ink(rgb) -> str:
    """White text where it contrasts more than black on `rgb`: luminance below ~0.18 (WCAG contrast ratios)."""
    return "#ffffff" if _luminance(rgb) < 0.179 else "#000000"


def _luminance(rgb) -> float:
    """Relative luminance (WCAG) of an (r, g, b) colour in 0-255."""
    linear = [(c / 255) / 12.92 if c / 255 <= 0.03928 else ((c / 255 + 0.055) / 1.055) ** 2.4 for c in rgb]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def format_value(v: float, digits: int = 2) -> str:
    """Short text for a cell value (integers without decimals, −inf spelled out)."""
    if not np.isfinite(v):
        return "−∞" if v < 0 else ("∞" if v > 0 else "")
    if float(v).is_integer():
        return str(int(v))
    text = f"{v:.{digits}f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text  # a tiny negative value rounds to 0, not to "-0"


def heatmap(
    z: np.ndarray,
    *,
    colorscale: str = DIVERGING,
    zmid: float | None = 0.0,
    zmin: float | None = None,
    zmax: float | None = None,
    annotate: bool | None = None,
    hover: str = "row %{y}, col %{x}<br>%{z:.3f}<extra></extra>",
    colorbar_title: str = "",
    showscale: bool = True,
    height: int = 320,
    x0: int = 0,
    y0: int = 0,
) -> go.Figure:
    """One heatmap with square cells, row 0 at the top, hover values and (for small grids) numbers in cells."""
    import plotly.graph_objects as go

    z = np.asarray(z, dtype=float)
    h, w = z.shape
    if annotate is None:
        annotate = h <= ANNOTATE_MAX_CELLS and w <= ANNOTATE_MAX_CELLS
    if zmid is not None and zmin is None and zmax is None:
        r = symmetric_range(z)
        zmin, zmax = -r, r
    trace = go.Heatmap(
        z=np.where(np.isfinite(z), z, np.nan),
        x0=x0,
        y0=y0,
        colorscale=colorscale,
        zmin=zmin,
        zmax=zmax,
        xgap=1 if max(h, w) <= 40 else 0,
        ygap=1 if max(h, w) <= 40 else 0,
        hovertemplate=hover,
        showscale=showscale,
        colorbar={"title": {"text": colorbar_title}, "thickness": 12},
    )
    if annotate:
        trace.update(
            text=[[format_value(v) for v in row] for row in z], texttemplate="%{text}", textfont={"size": 12}
        )
    fig = go.Figure(trace)
    style_grid(fig, height=height)
    return fig


def style_grid(fig: go.Figure, height: int = 320) -> go.Figure:
    """Square cells, row 0 at the top, no axis clutter, tight margins."""
    fig.update_yaxes(
        autorange="reversed",
        scaleanchor="x",
        scaleratio=1,
        showgrid=False,
        zeroline=False,
        constrain="domain",
    )
    fig.update_xaxes(showgrid=False, zeroline=False, constrain="domain", side="top")
    fig.update_layout(height=height, margin={"l": 10, "r": 10, "t": 30, "b": 10}, font=FONT)
    return fig


def outline(
    fig: go.Figure,
    top: float,
    left: float,
    bottom: float,
    right: float,
    color: str = HIGHLIGHT,
    width: float = 3,
    dash: str | None = None,
) -> go.Figure:
    """Draw a rectangle around cells [top, bottom) x [left, right) of a heatmap (cell centres at integers)."""
    fig.add_shape(
        type="rect",
        x0=left - 0.5,
        x1=right - 0.5,
        y0=top - 0.5,
        y1=bottom - 0.5,
        line={"color": color, "width": width, "dash": dash},
        fillcolor="rgba(0,0,0,0)",
    )
    return fig


def mosaic(maps: np.ndarray, cols: int | None = None, gutter: int = 1) -> tuple[np.ndarray, int, int]:
    """(C, H, W) maps -> one 2-D array with NaN gutters between tiles, plus its grid (rows, cols)."""
    c, h, w = maps.shape
    cols = cols or math.ceil(math.sqrt(c))
    rows = math.ceil(c / cols)
    out = np.full((rows * (h + gutter) - gutter, cols * (w + gutter) - gutter), np.nan, dtype=np.float32)
    for i in range(c):
        r, q = divmod(i, cols)
        out[r * (h + gutter) : r * (h + gutter) + h, q * (w + gutter) : q * (w + gutter) + w] = maps[i]
    return out, rows, cols


def upscale(a: np.ndarray, factor: int) -> np.ndarray:
    """Nearest-neighbour upscale so small grids stay crisp in the browser."""
    return np.kron(a, np.ones((factor, factor), dtype=a.dtype))


def to_png(a: np.ndarray, factor: int = 1, vmin: float = 0.0, vmax: float = 1.0) -> bytes:
    """A 2-D array -> grayscale PNG bytes (values clipped to [vmin, vmax]), nearest-upscaled by `factor`."""
    a = np.clip((np.asarray(a, dtype=np.float32) - vmin) / max(vmax - vmin, 1e-12), 0, 1)
    return gray_png((upscale(a, factor) * 255).round().astype(np.uint8))


def png_data_uri(png: bytes) -> str:
    """PNG bytes as a data: URI for st.image, which passes a URL straight through; given bytes, it opens them with
    PIL and, on a server, stores them as a media file on every run, which the browser fetches in a second request."""
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def gray_png(pixels: np.ndarray) -> bytes:
    """(H, W) uint8 -> an 8-bit grayscale PNG, written directly: PIL's writer costs ~0.5 ms more per image, paid
    by the sidebar thumbnail on every new digit."""
    h, w = pixels.shape
    rows = np.zeros((h, w + 1), np.uint8)  # each scanline starts with filter type 0 (none)
    rows[:, 1:] = pixels

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0)  # 8-bit depth, colour type 0 (gray), no interlace
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows.tobytes()))
        + chunk(b"IEND", b"")
    )


def grid_csv(a: np.ndarray) -> str:
    """A 2-D grid as CSV text (full precision), for download."""
    return "\n".join(",".join(repr(float(v)) for v in row) for row in np.asarray(a)) + "\n"
