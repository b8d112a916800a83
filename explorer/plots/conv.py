"""Figures of the convolution playground: padded input with the window, output map; the arithmetic grids (HTML).

Builders take numbers and already-translated labels and return plotly figures; they never call st.*.
Cell (r, c) of a map sits at x = c, y = r (row 0 at the top); the input is drawn in input coordinates, so
padding cells have negative indices or indices ≥ the input size.

Figures are written as plain dicts in plotly's JSON form (numeric arrays as base64 typed arrays) and handed to
st.plotly_chart as a FigureSpec: building them through go.Figure cost several times the page's 30 ms budget.
"""

from __future__ import annotations

from functools import cache
from html import escape

import numpy as np
from plotly.colors import get_colorscale

from explorer.plots import (
    ANNOTATE_MAX_CELLS,
    DIVERGING,
    FONT,
    GRID,
    HIGHLIGHT,
    INPUT,
    PADDING,
    FigureSpec,
    diverging_css,
    format_value,
    gray_css,
    symmetric_range,
    typed,
)

ANNOTATE_MAX = max(ANNOTATE_MAX_CELLS, 16)  # the 5x5 grid with padding up to 5 still shows its numbers
CLICK_MARKER = (
    "rgba(0,0,0,0)"  # invisible markers make output cells clickable (heatmap clicks select nothing)
)


def _figure(data: list[dict], layout: dict) -> FigureSpec:
    """A figure from plain dicts in plotly's JSON form, handed over as is (no validation, no deep copies).

    No plotly template: st.plotly_chart's default theme="streamlit" replaces it in the browser anyway.
    """
    return FigureSpec({"data": data, "layout": {**layout, "template": {}}})


@cache
def _scale(name: str) -> tuple:
    """A named colourscale as explicit [position, colour] pairs (validation normally resolves the name)."""
    return tuple(tuple(pair) for pair in get_colorscale(name))


def _heatmap(z: np.ndarray, colorscale: str, zmin: float, zmax: float, **extra) -> dict:
    """One go.Heatmap trace as a dict: NaN for non-finite values, 1-px gaps on small grids, no colour bar."""
    z = np.asarray(z, dtype=float)
    gap = 1 if max(z.shape) <= 40 else 0
    trace = {
        "type": "heatmap",
        "z": typed(np.where(np.isfinite(z), z, np.nan), "f8"),
        "colorscale": [list(pair) for pair in _scale(colorscale)],
        "zmin": zmin,
        "zmax": zmax if zmax > zmin else zmin + 1,
        "xgap": gap,
        "ygap": gap,
        "showscale": False,
    }
    trace.update(extra)
    return trace


def _numbers(z: np.ndarray, digits: int = 2) -> dict:
    """Trace properties that write each cell's value inside it."""
    return {"text": [[format_value(v, digits) for v in row] for row in z], "texttemplate": "%{text}"}


def _rect(top, left, bottom, right, color: str, width: float = 3, dash: str | None = None) -> dict:
    """An outline around cells [top, bottom) x [left, right)."""
    line = {"color": color, "width": width}
    if dash:
        line["dash"] = dash
    return {"type": "rect", "x0": left - 0.5, "x1": right - 0.5, "y0": top - 0.5, "y1": bottom - 0.5,
            "line": line, "fillcolor": "rgba(0,0,0,0)"}  # fmt: skip


def _band(top, left, bottom, right) -> dict:
    """A filled grey band over cells [top, bottom) x [left, right)."""
    return {"type": "rect", "x0": left - 0.5, "x1": right - 0.5, "y0": top - 0.5, "y1": bottom - 0.5,
            "line": {"width": 0}, "fillcolor": GRID, "opacity": 0.7}  # fmt: skip


def _grid_layout(top, left, bottom, right, height: int, shapes: list[dict]) -> dict:
    """Square cells exactly covering [top, bottom) x [left, right), row 0 at the top, ticks on top."""
    return {
        "height": height,
        "margin": {"l": 10, "r": 10, "t": 30, "b": 10},
        "font": FONT,
        "xaxis": {"range": [left - 0.5, right - 0.5], "autorange": False, "side": "top", "showgrid": False,
                  "zeroline": False, "constrain": "domain"},
        "yaxis": {"range": [bottom - 0.5, top - 0.5], "autorange": False, "scaleanchor": "x", "scaleratio": 1,
                  "showgrid": False, "zeroline": False, "constrain": "domain"},
        "shapes": shapes,
    }  # fmt: skip


def input_figure(
    padded: np.ndarray,
    padding: tuple[int, int],
    window_rows,
    window_cols,
    uncovered_rows=(),
    uncovered_cols=(),
    *,
    hover: str,
    zrange: tuple[float, float] = (0.0, 1.0),
    height: int = 380,
) -> FigureSpec:
    """The padded input (input coordinates) with the real input's border, the window taps, uncovered lines."""
    ph, pw = padding
    hp, wp = padded.shape
    h, w = hp - 2 * ph, wp - 2 * pw
    trace = _heatmap(padded, INPUT, zrange[0], zrange[1], x0=-pw, y0=-ph, hovertemplate=hover)
    if max(hp, wp) <= ANNOTATE_MAX:
        trace.update(_numbers(padded))
    shapes = [_band(r, -pw, r + 1, w + pw) for r in uncovered_rows]
    shapes += [_band(-ph, c, h + ph, c + 1) for c in uncovered_cols]
    if ph or pw:
        shapes.append(_rect(0, 0, h, w, PADDING, width=2, dash="dash"))
    rows, cols = list(window_rows), list(window_cols)
    if rows and cols:
        extent = (rows[0], cols[0], rows[-1] + 1, cols[-1] + 1)
        if extent[2] - extent[0] == len(rows) and extent[3] - extent[1] == len(cols):
            shapes.append(_rect(*extent, HIGHLIGHT, width=4))
        else:  # dilation: the extent dotted, each tap solid
            shapes.append(_rect(*extent, HIGHLIGHT, width=1.5, dash="dot"))
            shapes += [_rect(r, c, r + 1, c + 1, HIGHLIGHT, width=2.5) for r in rows for c in cols]
    return _figure([trace], _grid_layout(-ph, -pw, h + ph, w + pw, height, shapes))


def output_figure(
    out: np.ndarray,
    row: int,
    col: int,
    *,
    hover: str,
    colorbar_title: str = "",
    height: int = 380,
) -> FigureSpec:
    """The output map on a diverging scale centred on 0, the current cell outlined, every cell clickable."""
    h, w = out.shape
    r = symmetric_range(out)
    trace = _heatmap(out, DIVERGING, -r, r, hoverinfo="skip", showscale=True,
                     colorbar={"title": {"text": colorbar_title}, "thickness": 12})  # fmt: skip
    if max(h, w) <= ANNOTATE_MAX:
        trace.update(_numbers(out))
    ys, xs = np.mgrid[0:h, 0:w]
    click = {
        "type": "scatter",
        "x": typed(xs.ravel()),
        "y": typed(ys.ravel()),
        "customdata": typed(out.ravel(), "f8"),
        "mode": "markers",
        # Plotly finds the clicked and hovered point from the data, not from drawn markers: drawing one instead of
        # all 784 took a setting's repaint from ~950 to ~600 ms in Chromium (benchmarks/slider_latency.py).
        "marker": {"color": CLICK_MARKER, "size": 12, "symbol": "square", "maxdisplayed": 1},
        "hovertemplate": hover.replace("%{z", "%{customdata"),
        "showlegend": False,
    }
    layout = _grid_layout(0, 0, h, w, height, [_rect(row, col, row + 1, col + 1, HIGHLIGHT, width=4)])
    layout.update(clickmode="event+select", dragmode=False, hovermode="closest")
    return _figure([trace, click], layout)


# The window × weights = products grids in plain HTML and CSS: real text (readable by screen readers, scaled by
# projector mode's larger root font) and no plotly chart. As a chart it cost ~1 ms of every rerun on the server
# and a third plotly plot to draw in the browser. Cells shrink with the width (a container query) so that three
# 7x7 grids fit the output column; the constant stylesheet is the only CSS (every value in the markup is a number
# or colour we format, titles are escaped).
ARITH_CSS = (
    """
.arith { container-type: inline-size; font-family: var(--st-font); }
.arith .row { display: flex; align-items: center; gap: 0.6rem; }
.arith figure { margin: 0; display: flex; flex-direction: column; align-items: center; gap: 0.3rem; }
.arith figcaption { font-size: 0.85rem; text-align: center; }
.arith .cells { --cell: min(3.2rem, calc((100cqw - 4rem) / (3 * var(--kw)))); display: grid; gap: 2px;
                grid-template-columns: repeat(var(--kw), var(--cell)); }
.arith .cells span { height: var(--cell); display: flex; align-items: center; justify-content: center;
                     font-size: min(0.9rem, calc(var(--cell) * 0.32)); font-variant-numeric: tabular-nums;
                     border-radius: 2px; box-shadow: inset 0 0 0 1px rgba(128, 128, 128, 0.35); }
.arith .op { font-size: 1.6rem; }
"""
    + f".arith .cells span.pad {{ outline: 2px dotted {PADDING}; outline-offset: -2px; }}\n"
)


def arithmetic_html(
    window: np.ndarray,
    weight: np.ndarray,
    products: np.ndarray,
    in_bounds: np.ndarray,
    *,
    titles: tuple[str, str, str],
    zrange: tuple[float, float] = (0.0, 1.0),
) -> str:
    """Three grids side by side (HTML): window values × weights = products, each cell with its number (full
    value in `data-z` and its tooltip); the window's padding cells outlined."""
    kh, kw = weight.shape
    colours = (gray_css(window, *zrange), diverging_css(weight), diverging_css(products))
    grids = []
    for name, z, title, (backgrounds, inks) in zip(
        ("window", "weight", "products"), (window, weight, products), titles, colours, strict=True
    ):
        cells = []
        for r in range(kh):
            for c in range(kw):
                v = float(z[r, c])
                pad = ' class="pad"' if name == "window" and not in_bounds[r, c] else ""
                cells.append(
                    f'<span{pad} data-z="{v!r}" title="{v:.4f}" style="background:{backgrounds[r][c]};'
                    f'color:{inks[r][c]}">{format_value(v)}</span>'
                )
        grids.append(
            f'<figure data-grid="{name}"><div class="cells" style="--kw:{kw}">{"".join(cells)}</div>'
            f"<figcaption>{escape(title)}</figcaption></figure>"
        )
    return (
        f'<div class="arith"><style>{ARITH_CSS}</style><div class="row">{grids[0]}<span class="op">×</span>'
        f'{grids[1]}<span class="op">=</span>{grids[2]}</div></div>'
    )
