"""Figures of the Pooling page: windows over the input, the pooled map, the two padding conventions, the invariance
stages and the grid of transformed digits.

Builders take numbers and already-translated labels and return plotly figures; they never call st.*. Cell (r, c)
sits at x = c, y = r (row 0 at the top), in input coordinates, so padding cells have negative indices or indices ≥
the input size. Many rectangles are drawn as a few line traces (None-separated paths), not one shape each.

Speed (the page reruns on every slider move; budget 30 ms): figures are assembled as plain dicts in plotly's JSON
form and handed over as a FigureSpec. Building them through validated update_* / add_* calls cost 30–60 ms each,
and even an unvalidated go.Figure costs ~10 ms per chart in st.plotly_chart's .to_dict() deep copy.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import plotly.colors

from explorer.plots import FONT, HIGHLIGHT, INPUT, PADDING, SECOND, SEQUENTIAL, FigureSpec, format_value
from explorer.plots import typed as _typed

SMALL = 12  # up to this many cells per side: values in cells, one colour per window
WINDOW_COLOURS = ("#648FFF", "#DC267F", "#FE6100", "#785EF0", "#009E73", "#FFB000", "#56B4E9", "#000000")
CHECKER = (SECOND, PADDING)  # large maps: neighbouring windows alternate these two outline colours
PALE = [
    [0.0, "#FFFFFF"],
    [1.0, "#A6BDDB"],
]  # small numeric grids: light cells keep numbers and outlines legible
BORDER = "#555555"  # outline of the real input (padding lies outside it)
MAX_OUTLINES = 256  # beyond this many windows only a regular subset is outlined
NEG_INF = "−∞"


def _figure(data: list[dict], top, left, bottom, right, height: int, annotations=()) -> FigureSpec:
    """Square cells over [top, bottom) x [left, right), row 0 at the top, no axis clutter (unvalidated dicts)."""
    axis = {"showgrid": False, "zeroline": False, "showticklabels": False, "ticks": "", "autorange": False,
            "constrain": "domain"}  # fmt: skip
    layout = {
        "height": height,
        "margin": {"l": 10, "r": 10, "t": 10, "b": 10},
        "font": FONT,
        "xaxis": {**axis, "range": [left - 0.5, right - 0.5], "side": "top"},
        "yaxis": {**axis, "range": [bottom - 0.5, top - 0.5], "scaleanchor": "x", "scaleratio": 1},
        "annotations": list(annotations),
        "plot_bgcolor": "rgba(0,0,0,0)",
    }
    return FigureSpec({"data": data, "layout": layout})


@cache
def _colorscale(name: str) -> list:
    """A named colourscale as explicit [position, colour] pairs (plotly.js knows only some names, e.g. not "gray")."""
    return [list(step) for step in plotly.colors.get_colorscale(name)]


def _heatmap(z, *, colorscale, zmin, zmax, hover=None, text=None, gap: int = 0, x0=0, y0=0, size=15) -> dict:
    """A heatmap trace (NaN cells are transparent); `text` is written into the cells."""
    trace = {
        "type": "heatmap",
        "z": _typed(np.where(np.isfinite(z), z, np.nan)),
        "x0": x0,
        "y0": y0,
        "colorscale": _colorscale(colorscale) if isinstance(colorscale, str) else colorscale,
        "zmin": zmin,
        "zmax": zmax if zmax > zmin else zmin + 1,
        "showscale": False,
        "xgap": gap,
        "ygap": gap,
    }
    if hover:
        trace["hovertemplate"] = hover
    else:
        trace["hoverinfo"] = "skip"
    if text is not None:
        trace.update(text=text, texttemplate="%{text}", textfont={"size": size})
    return trace


def _rect_path(rects, inset: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """Closed outlines of cell boxes (top, left, bottom, right) as one path, NaN between boxes (a gap)."""
    b = np.asarray(rects, dtype=float).reshape(-1, 4)  # (n, 4)
    x0, x1 = b[:, 1] - 0.5 + inset, b[:, 3] - 0.5 - inset
    y0, y1 = b[:, 0] - 0.5 + inset, b[:, 2] - 0.5 - inset
    gap = np.full(len(b), np.nan)
    xs = np.stack([x0, x1, x1, x0, x0, gap], axis=1).ravel()  # (n·6,) sent as a compact typed array
    ys = np.stack([y0, y0, y1, y1, y0, gap], axis=1).ravel()
    return xs, ys


def _lines(rects, colour: str, width: float, inset: float = 0.0) -> dict:
    """One line trace outlining many boxes."""
    xs, ys = _rect_path(rects, inset)
    line = {"color": colour, "width": width}
    return {"type": "scatter", "x": _typed(xs), "y": _typed(ys), "mode": "lines", "line": line, "hoverinfo": "skip",
            "showlegend": False}  # fmt: skip


def _cells(
    cells: np.ndarray, colour: str, size: float, symbol: str = "square-open", width: float = 3
) -> dict:
    """Markers on cells: (n, 2) rows of (row, col)."""
    return {
        "type": "scatter",
        "x": _typed(cells[:, 1], "i4"),
        "y": _typed(cells[:, 0], "i4"),
        "mode": "markers",
        "marker": {
            "symbol": symbol,
            "size": size,
            "color": colour,
            "line": {"color": colour, "width": width},
        },
        "hoverinfo": "skip",
        "showlegend": False,
    }


def _label(x, y, text: str, **kw) -> dict:
    """A text annotation at data coordinates."""
    return {"x": x, "y": y, "text": text, "showarrow": False, "font": {"size": 13}, **kw}


def _colours(n_windows: int, out_cols: int, small: bool) -> list[str]:
    """Outline colour of each window (row-major): its own colour on small grids, a checkerboard on large maps."""
    if small:
        return [WINDOW_COLOURS[i % len(WINDOW_COLOURS)] for i in range(n_windows)]
    return [CHECKER[(i // out_cols + i % out_cols) % 2] for i in range(n_windows)]


def _subset(n_rows: int, n_cols: int) -> tuple[list[int], int]:
    """Indices of the windows to outline (every m-th row and column when there are too many) and m."""
    m = 1
    while (-(-n_rows // m)) * (-(-n_cols // m)) > MAX_OUTLINES:
        m += 1
    return [r * n_cols + c for r in range(0, n_rows, m) for c in range(0, n_cols, m)], m


def _scale(kind: str, small: bool, values: np.ndarray) -> tuple:
    """(colorscale, zmin, zmax): grey 0..1 for the digit, pale for small grids, Viridis for feature maps."""
    if kind == "digit":
        return INPUT, 0.0, 1.0
    finite = values[np.isfinite(values)]
    lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    return (PALE if small else SEQUENTIAL), lo, hi


def windows_figure(
    input: np.ndarray,
    windows,
    out_shape: tuple[int, int],
    argmax: np.ndarray | None,
    *,
    padding: int,
    mode: str,
    kind: str,
    hover: str,
    height: int = 420,
) -> tuple[FigureSpec, int]:
    """The input with padding / overhang cells, every window outlined and each max window's winner marked.

    kind: "grid" (numbers), "digit" (grey) or "map" (feature map). Returns the figure and the outline step m
    (1 = every window outlined).
    """
    h, w = input.shape
    top = min(0, min(win[0] for win in windows))
    left = min(0, min(win[1] for win in windows))
    bottom = max(h, max(win[2] for win in windows))
    right = max(w, max(win[3] for win in windows))
    canvas = np.full((bottom - top, right - left), np.nan)
    canvas[-top : -top + h, -left : -left + w] = input
    small = max(canvas.shape) <= SMALL
    scale, zmin, zmax = _scale(kind, small, np.asarray(input, dtype=float))
    text = _canvas_text(canvas, top, left, h, w, padding, mode) if small else None
    data = [_heatmap(canvas, colorscale=scale, zmin=zmin, zmax=zmax, hover=hover, text=text, gap=1 if small else 0,
                     x0=left, y0=top)]  # fmt: skip
    out_rows, out_cols = out_shape
    colours = _colours(len(windows), out_cols, small)
    shown, step = _subset(out_rows, out_cols)
    for colour in dict.fromkeys(colours):
        rects = [windows[i] for i in shown if colours[i] == colour]
        data.append(
            _lines(rects, colour, 3 if small else 1.2, 0.08 if small else 0.15)
        )  # inset: both borders show
    if argmax is not None:
        winners = argmax.reshape(-1, 2)  # (n_windows, 2) row, col
        if small:
            for colour in dict.fromkeys(colours):
                mine = winners[[c == colour for c in colours]]
                data.append(_cells(np.unique(mine, axis=0), colour, 30, "square-open", 4))
        else:
            data.append(_cells(np.unique(winners, axis=0), HIGHLIGHT, 5, "square", 0))
    data.append(_lines([(0, 0, h, w)], BORDER, 2))  # the real input's border
    return _figure(data, top, left, bottom, right, height), step


def _canvas_text(canvas, top, left, h, w, padding, mode) -> list[list[str]]:
    """Numbers in input cells; padding shown as −∞ (max) or 0 (avg); overhang beyond the padding left blank."""
    text = []
    for i in range(canvas.shape[0]):
        r = i + top
        row = []
        for j in range(canvas.shape[1]):
            c = j + left
            if 0 <= r < h and 0 <= c < w:
                row.append(format_value(canvas[i, j]))
            elif mode == "max":
                row.append(NEG_INF)  # PyTorch pads max pooling with −∞ (and ignores ceil_mode's overhang)
            elif -padding <= r < h + padding and -padding <= c < w + padding:
                row.append("0")
            else:
                row.append("")  # ceil_mode overhang: not part of any average
        text.append(row)
    return text


def pooled_figure(
    output: np.ndarray, *, hover: str, colour_windows: bool, kind: str, height: int = 360
) -> FigureSpec:
    """The pooled map with its values; on small grids each cell outlined in its window's colour."""
    h, w = output.shape
    small = max(h, w) <= SMALL
    scale, zmin, zmax = _scale(kind, small, output)
    text = [[format_value(v) for v in row] for row in output] if small else None
    data = [
        _heatmap(
            output, colorscale=scale, zmin=zmin, zmax=zmax, hover=hover, text=text, gap=1 if small else 0
        )
    ]
    if colour_windows and small:
        colours = _colours(h * w, w, True)
        for colour in dict.fromkeys(colours):
            cells = [(i // w, i % w, i // w + 1, i % w + 1) for i in range(h * w) if colours[i] == colour]
            data.append(_lines(cells, colour, 3, 0.08))
    return _figure(data, 0, 0, h, w, height)


def conventions_figure(
    zero_padded: np.ndarray,
    zero_out: np.ndarray,
    torch_out: np.ndarray,
    input_shape,
    titles: tuple[str, str, str, str],
    height: int = 300,
) -> FigureSpec:
    """One heatmap: zero-padded input → its pool, then the −∞-padded view → PyTorch's ceil_mode pool."""
    ph, pw = zero_padded.shape
    oh, ow = zero_out.shape
    th, tw = torch_out.shape
    h, w = input_shape
    width = pw + 1 + ow + 2 + pw + 1 + tw  # one empty column between blocks, two between the pairs
    z = np.full((max(ph, oh, th), width), np.nan)
    text = [["" for _ in range(width)] for _ in range(z.shape[0])]
    blocks = [
        (0, zero_padded, "0"),
        (pw + 1, zero_out, None),
        (pw + ow + 3, zero_padded, NEG_INF),
        (2 * pw + ow + 4, torch_out, None),
    ]
    for x0, block, pad_text in blocks:
        for r in range(block.shape[0]):
            for c in range(block.shape[1]):
                real = pad_text is None or (r < h and c < w)
                z[r, x0 + c] = block[r, c] if real else np.nan
                text[r][x0 + c] = format_value(block[r, c]) if real else pad_text
    lo, hi = float(np.nanmin(z)), float(np.nanmax(z))
    data = [_heatmap(z, colorscale=PALE, zmin=lo, zmax=hi, text=text, gap=1, size=14)]
    for x0, block, pad_text in blocks:
        data.append(_lines([(0, x0, block.shape[0], x0 + block.shape[1])], BORDER, 1.5))
        if pad_text is not None:
            data.append(_lines([(0, x0, h, x0 + w)], PADDING, 2.5))
    labels = [
        _label(x0 + (block.shape[1] - 1) / 2, -0.9, title, yanchor="bottom")
        for (x0, block, _), title in zip(blocks, titles, strict=True)
    ]
    return _figure(data, -1.4, 0, z.shape[0], width, height, labels)


def _upscale_to(a: np.ndarray, size: int) -> np.ndarray:
    """Nearest-neighbour upscale of a square map to size × size."""
    f = size // a.shape[0]
    return a.repeat(f, axis=0).repeat(f, axis=1)


def stages_figure(befores, afters, titles, row_titles: tuple[str, str], height: int = 330) -> FigureSpec:
    """Two rows (original, transformed) × stages, each map stretched to 28×28 so a cell keeps its image area."""
    size, gap = befores[0].shape[0], 2
    n = len(befores)
    z = np.full((2 * size + gap, n * size + (n - 1) * gap), np.nan)
    for i, (a, b) in enumerate(zip(befores, afters, strict=True)):
        x0 = i * (size + gap)
        z[:size, x0 : x0 + size] = _upscale_to(a, size)
        z[size + gap :, x0 : x0 + size] = _upscale_to(b, size)
    zmax = max(float(np.nanmax(z)), 1e-6)
    data = [_heatmap(z, colorscale=SEQUENTIAL, zmin=0.0, zmax=zmax, hover="%{z:.3f}<extra></extra>")]
    labels = [
        _label(i * (size + gap) + (size - 1) / 2, -1, title, yanchor="bottom")
        for i, title in enumerate(titles)
    ]
    labels += [
        _label(-1, j * (size + gap) + (size - 1) / 2, title, xanchor="right", textangle=-90)
        for j, title in enumerate(row_titles)
    ]
    return _figure(data, -4, -3, z.shape[0], z.shape[1], height, labels)


def variants_figure(digits: np.ndarray, captions: list[str], cols: int = 5, height: int = 380) -> FigureSpec:
    """Transformed digits as tiles of one heatmap, each captioned (prediction); the last tile is outlined."""
    n, size, _ = digits.shape
    rows = -(-n // cols)
    gap, cap = 2, 9  # cells between tiles; room under each tile for its two-line caption
    tile_h = size + cap
    z = np.full((rows * tile_h, cols * size + (cols - 1) * gap), np.nan)
    for i in range(n):
        r, c = divmod(i, cols)
        z[r * tile_h : r * tile_h + size, c * (size + gap) : c * (size + gap) + size] = digits[i]
    data = [_heatmap(z, colorscale=INPUT, zmin=0.0, zmax=1.0)]
    labels = []
    for i, caption in enumerate(captions):
        r, c = divmod(i, cols)
        labels.append(
            _label(c * (size + gap) + (size - 1) / 2, r * tile_h + size + 0.5, caption, yanchor="top")
        )
    r, c = divmod(n - 1, cols)
    data.append(
        _lines([(r * tile_h, c * (size + gap), r * tile_h + size, c * (size + gap) + size)], HIGHLIGHT, 3)
    )
    return _figure(data, 0, 0, z.shape[0], z.shape[1], height, labels)
