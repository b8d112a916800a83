"""Figures and tables of the "Why CNNs" page: sparse/shared connections, receptive fields, colour channels.

Builders take already translated text and return plotly figures, PIL images or markdown strings; no st.* here.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from functools import cache

import numpy as np
import plotly.graph_objects as go
from PIL import Image
from plotly.colors import get_colorscale

from explorer.plots import (
    DIVERGING,
    FONT,
    HIGHLIGHT,
    INPUT,
    SECOND,
    SEQUENTIAL,
    mosaic,
    symmetric_range,
    upscale,
)


def _figure(data: list[dict], layout: dict) -> go.Figure:
    """A figure from plain dicts without plotly's per-property validation and without its default template
    (st.plotly_chart's theme replaces the template in the browser; copying it dominated the build time)."""
    return go.Figure({"data": data, "layout": {**layout, "template": {}}}, _validate=False)


@cache
def _scale(name: str) -> list:
    """A named colourscale as explicit [position, colour] pairs (validation would resolve the name)."""
    return [list(pair) for pair in get_colorscale(name)]


WEIGHT_COLOURS = ("#648FFF", "#DC267F", "#FFB000", "#785EF0", "#FE6100")  # one colour per shared weight
MUTED = "rgba(128,128,128,0.35)"

# ----------------------------------------------------------------------------------------------------
# numbers and tables


def format_int(n: int, lang: str = "en") -> str:
    """Thousands separated the way each language writes them: 3,199,106 / 3 199 106."""
    text = f"{int(n):,}"
    return text.replace(",", "\u202f") if lang == "uk" else text


def format_float(v: float, lang: str = "en", digits: int = 2) -> str:
    """A decimal number with the language's decimal mark: 0.25 / 0,25."""
    text = f"{v:.{digits}f}"
    return text.replace(".", ",") if lang == "uk" else text


def format_percent(fraction: float, lang: str = "en", digits: int = 1) -> str:
    """0.9806 -> 98.1 % (en) / 98,1 % (uk)."""
    return f"{format_float(100 * fraction, lang, digits)}\u00a0%"


def format_ratio(ratio: float, lang: str = "en") -> str:
    """How many times as many: 23,671 / 24 / 2.4 (one decimal only below 10)."""
    return format_int(round(ratio), lang) if ratio >= 10 else format_float(ratio, lang, 1)


def format_shape(shape: Sequence[int]) -> str:
    """(32, 28, 28) -> 32×28×28."""
    return "×".join(str(int(s)) for s in shape)


def shapes_text(shapes: dict[str, tuple[int, ...]], padding: int) -> str:
    """The shapes of one conv layer on a batch, written as Python (language-neutral)."""
    lines = [
        ("x.shape", shapes["input"], "(N, C_in, H, W)"),
        ("weight.shape", shapes["weight"], "(C_out, C_in, kH, kW)"),
        ("bias.shape", shapes["bias"], "(C_out,)"),
    ]
    text = [f"{name:<13}== {shape!s:<17} # {axes}" for name, shape, axes in lines]
    text.append(f"y = F.conv2d(x, weight, bias, padding={padding})")
    text.append(f"{'y.shape':<13}== {shapes['output']!s:<17} # (N, C_out, H', W')")
    return "\n".join(text)


def markdown_table(headers: Sequence[str], rows: Sequence[Sequence[str]], right: Sequence[bool]) -> str:
    """A markdown table that scrolls sideways when its column is narrower than it (st.markdown with
    unsafe_allow_html=True; otherwise it runs into the next column on a tablet); `right` marks right-aligned
    columns. Cells: trusted text only (no user input)."""
    align = ["---:" if r else ":---" for r in right]
    lines = ["| " + " | ".join(headers) + " |", "| " + " | ".join(align) + " |"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return '<div style="overflow-x: auto">\n\n' + "\n".join(lines) + "\n\n</div>"


# ----------------------------------------------------------------------------------------------------
# sparse connections and shared weights


def _nodes(n: int, x0: float) -> list[float]:
    return [x0 + i for i in range(n)]


def _edges(pairs, xs_in, xs_out, y_in, y_out) -> tuple[list, list]:
    """Line segments input i -> output j, separated by None so one trace draws them all."""
    x, y = [], []
    for i, j in pairs:
        x += [xs_in[i], xs_out[j], None]
        y += [y_in, y_out, None]
    return x, y


def _lines(x, y, colour: str, width: float, **extra) -> dict:
    trace = {"type": "scatter", "x": x, "y": y, "mode": "lines", "hoverinfo": "skip", "showlegend": False,
             "line": {"color": colour, "width": width}}  # fmt: skip
    trace.update(extra)
    return trace


def _label(x, y, text: str, size: int, **extra) -> dict:
    return {"x": x, "y": y, "text": text, "showarrow": False, "font": {"size": size}, **extra}


def connections_figure(
    n_inputs: int,
    kernel_size: int,
    unit: int,
    titles: tuple[str, str],
    weight_label: str,
    row_labels: tuple[str, str],
    height: int = 330,
) -> go.Figure:
    """1-D picture: a conv layer (each output sees kernel_size inputs, the same weights everywhere) beside a
    dense layer (each output sees every input, its own weights). The selected output `unit` is drawn bold."""
    n_out = n_inputs - kernel_size + 1
    gap = n_inputs + 1.5  # the dense panel sits to the right of the conv panel, in the same axes
    y_in, y_out = 0.0, 1.0
    offset = (n_inputs - n_out) / 2  # centre the outputs over the inputs
    data, notes = [], []
    for panel, x0 in (("conv", 0.0), ("dense", gap)):
        xs_in, xs_out = _nodes(n_inputs, x0), _nodes(n_out, x0 + offset)
        if panel == "conv":
            for t in range(kernel_size):  # one trace per shared weight: same colour = same number
                colour = WEIGHT_COLOURS[t % len(WEIGHT_COLOURS)]
                ex, ey = _edges([(j + t, j) for j in range(n_out)], xs_in, xs_out, y_in, y_out)
                data.append(_lines(ex, ey, colour, 2, showlegend=True, name=f"{weight_label}{t + 1}",
                                   legendgroup=f"w{t}"))  # fmt: skip
                bx, by = _edges([(unit + t, unit)], xs_in, xs_out, y_in, y_out)
                data.append(_lines(bx, by, colour, 6, legendgroup=f"w{t}"))
            seen = set(range(unit, unit + kernel_size))
        else:
            pairs = [(i, j) for j in range(n_out) for i in range(n_inputs)]
            data.append(_lines(*_edges(pairs, xs_in, xs_out, y_in, y_out), MUTED, 1))
            data.append(
                _lines(*_edges([(i, unit) for i in range(n_inputs)], xs_in, xs_out, y_in, y_out), SECOND, 3)
            )
            seen = set(range(n_inputs))
        colours = [HIGHLIGHT if i in seen else "white" for i in range(n_inputs)]
        colours += [HIGHLIGHT if j == unit else "white" for j in range(n_out)]
        data.append({"type": "scatter", "x": xs_in + xs_out, "y": [y_in] * n_inputs + [y_out] * n_out,
                     "mode": "markers", "hoverinfo": "skip", "showlegend": False,
                     "marker": {"size": 18, "color": colours, "line": {"color": "#444", "width": 1.5}}})  # fmt: skip
        notes.append(_label(x0 + (n_inputs - 1) / 2, y_out + 0.35, titles[0 if panel == "conv" else 1], 15))
    notes += [
        _label(-0.6, y, text, 13, xanchor="right") for y, text in zip((y_in, y_out), row_labels, strict=True)
    ]
    layout = {
        "height": height,
        "margin": {"l": 10, "r": 10, "t": 10, "b": 10},
        "font": FONT,
        "legend": {"orientation": "h", "x": 0, "y": 0},
        "plot_bgcolor": "rgba(0,0,0,0)",
        "xaxis": {"visible": False, "range": [-2.6, gap + n_inputs - 0.2], "fixedrange": True},
        "yaxis": {"visible": False, "range": [-0.3, y_out + 0.55], "fixedrange": True},
        "annotations": notes,
    }
    return _figure(data, layout)


# ----------------------------------------------------------------------------------------------------
# receptive fields


def _grid_layout(h: int, w: int, height: int, shapes: list[dict], ticks: bool = True) -> dict:
    """Square cells exactly covering an h x w grid, row 0 at the top, ticks on top (or no axes at all)."""
    axis = {"showgrid": False, "zeroline": False, "constrain": "domain", "fixedrange": True, "visible": ticks}
    return {
        "height": height,
        "margin": {"l": 10, "r": 10, "t": 30 if ticks else 10, "b": 10},
        "font": FONT,
        "plot_bgcolor": "rgba(0,0,0,0)",
        "xaxis": {**axis, "range": [-0.5, w - 0.5], "autorange": False, "side": "top"},
        "yaxis": {**axis, "range": [h - 0.5, -0.5], "autorange": False, "scaleanchor": "x", "scaleratio": 1},
        "shapes": shapes,
    }


def _rect(
    top, left, bottom, right, colour: str = HIGHLIGHT, width: float = 3, fill: str | None = None
) -> dict:
    """A rectangle around cells [top, bottom) x [left, right) (cell centres at integers)."""
    return {"type": "rect", "x0": left - 0.5, "x1": right - 0.5, "y0": top - 0.5, "y1": bottom - 0.5,
            "line": {"color": colour, "width": width}, "fillcolor": fill or "rgba(0,0,0,0)"}  # fmt: skip


def layer_map_figure(z: np.ndarray, row: int, col: int, hover: str, height: int = 330) -> go.Figure:
    """A layer's map drawn as one square marker per cell (clickable), the chosen cell outlined.

    Streamlit reports empty click selections for a figure holding a heatmap trace or a layout image
    (streamlit/streamlit#8760, #15042; measured: also with a scatter on top), so the cells themselves are
    scatter markers; the selection gives their x = column, y = row.
    """
    h, w = z.shape
    layout = _grid_layout(h, w, height, [_rect(row, col, row + 1, col + 1)])
    cell = (height - layout["margin"]["t"] - layout["margin"]["b"]) / max(h, w)  # px; the axes keep it square
    rows, cols = np.divmod(np.arange(h * w), w)
    trace = {
        "type": "scatter",
        "x": cols,
        "y": rows,
        "mode": "markers",
        "customdata": np.stack([rows, cols, z.ravel()], axis=1),
        "hovertemplate": hover,
        "showlegend": False,
        "marker": {
            "symbol": "square",
            # one size per point: projector mode, which scales a single marker size by more than the figure
            # height, leaves the cells alone
            "size": np.full(h * w, max(2.0, cell - 1.0)),
            "color": z.ravel(),
            "colorscale": _scale(SEQUENTIAL),
            "line": {"width": 0},
            "opacity": 1,  # Streamlit's chart theme makes scatter markers translucent
        },
        "selected": {"marker": {"opacity": 1}},
        "unselected": {"marker": {"opacity": 1}},
    }
    return _figure([trace], {**layout, "clickmode": "event+select"})


def receptive_field_figure(
    digit: np.ndarray, box: tuple[int, int, int, int], hover: str, height: int = 330
) -> go.Figure:
    """The 28x28 input with the receptive field outlined and everything outside it dimmed."""
    top, left, bottom, right = box
    h, w = digit.shape
    dim = "rgba(0,0,0,0.55)"
    bands = ((0, 0, top, w), (bottom, 0, h, w), (top, 0, bottom, left), (top, right, bottom, w))
    shapes = [_rect(t, lf, b, r, width=0, fill=dim) for t, lf, b, r in bands if b > t and r > lf]
    if bottom > top and right > left:
        shapes.append(_rect(top, left, bottom, right))
    trace = {"type": "heatmap", "z": np.asarray(digit, dtype=float), "colorscale": _scale(INPUT), "zmin": 0,
             "zmax": 1, "xgap": 1, "ygap": 1, "showscale": False, "hovertemplate": hover}  # fmt: skip
    return _figure([trace], _grid_layout(h, w, height, shapes))


def selected_cell(selection) -> tuple[int, int] | None:
    """(row, col) of the clicked cell from a plotly_chart selection state, or None when nothing is clicked."""
    try:
        point = selection["selection"]["points"][0]
        return round(float(point["y"])), round(float(point["x"]))  # markers sit at the cell centres
    except (KeyError, IndexError, TypeError, ValueError):
        return None


# ----------------------------------------------------------------------------------------------------
# colour channels


def png_bytes(img: Image.Image) -> bytes:
    """A PIL image as PNG bytes."""
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


def channel_strip(chw: np.ndarray, factor: int = 3, gutter: int = 6) -> Image.Image:
    """The picture, then its R, G and B channels each in its own colour (black = 0, full colour = 1), on white."""
    _, h, w = chw.shape
    tile = w * factor + gutter
    strip = np.full((h * factor, 4 * tile - gutter, 3), 255, dtype=np.uint8)
    picture = np.clip(chw, 0, 1)
    for k in range(3):
        strip[:, : w * factor, k] = (upscale(picture[k], factor) * 255).round().astype(np.uint8)
    for c in range(3):
        x0 = (c + 1) * tile
        strip[:, x0 : x0 + w * factor] = 0
        strip[:, x0 : x0 + w * factor, c] = (upscale(picture[c], factor) * 255).round().astype(np.uint8)
    return Image.fromarray(strip, "RGB")


def maps_figure(
    maps: np.ndarray, titles: Sequence[str], hover: str, own_scale: bool = False, height: int = 300
) -> go.Figure:
    """(C, H, W) signed maps in ONE diverging heatmap (NaN gutters), titles above the tiles.

    own_scale: colour each tile by its own largest |value| (hover still shows the real value, via customdata)
    so a weak map is not washed out by a strong one; otherwise one scale is shared, so tiles compare directly.
    """
    c, h, w = maps.shape
    gutter = max(2, w // 8)
    values, _, _ = mosaic(maps, cols=c, gutter=gutter)
    trace = {"type": "heatmap", "colorscale": _scale(DIVERGING), "hovertemplate": hover,
             "colorbar": {"thickness": 12}}  # fmt: skip
    if own_scale:
        peak = np.abs(maps).reshape(c, -1).max(axis=1)
        z, _, _ = mosaic(maps / np.where(peak > 0, peak, 1.0)[:, None, None], cols=c, gutter=gutter)
        trace.update(z=z, zmin=-1, zmax=1, customdata=values, showscale=False,
                     hovertemplate=hover.replace("%{z", "%{customdata"))  # fmt: skip
    else:
        r = symmetric_range(values)
        trace.update(z=values, zmin=-r, zmax=r)
    notes = [
        _label(i * (w + gutter) + (w - 1) / 2, -1, title, 13, yanchor="bottom")
        for i, title in enumerate(titles)
    ]
    layout = _grid_layout(h, values.shape[1], height, [], ticks=False)
    layout.update(annotations=notes, margin={"l": 10, "r": 10, "t": 30, "b": 10})
    layout["yaxis"]["range"] = [h - 0.5, -1.5]  # room for the titles above row 0
    return _figure([trace], layout)
