"""Figures for the Feature maps page: one mosaic per layer, a channel's large view, filters, the model card.

Every text shown in a figure (hover templates, titles, axis labels) is passed in already translated.

Speed (budget: 30 ms of server time per rerun, and every stroke reruns the mosaics and the channel view): each
figure is written as ONE plain spec dict, numpy arrays become plotly.js typed arrays once, and the result is
handed to st.plotly_chart as a SpecFigure, which returns that spec from to_dict() instead of building plotly's
property tree and converting it back. Measured on the mosaics + channel view: 19 ms -> 6.6 ms of CPU per rerun
(update_*/add_* helpers, which validate on every call, had cost tens of ms). tests/test_page_feature_maps.py
validates every builder's spec with go.Figure.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass

import numpy as np
import plotly.colors
import plotly.graph_objects as go

from explorer.plots import DIVERGING, HIGHLIGHT, INPUT, SECOND, SEQUENTIAL, format_value, mosaic

# Resolved once: the spec goes to plotly.js as it is, and plotly.js knows neither reversed names ("RdBu_r") nor
# "gray" (plotly.py's validation would have translated them).
SCALES = {name: plotly.colors.get_colorscale(name) for name in (DIVERGING, SEQUENTIAL, INPUT)}
NO_CHANNEL = 255  # customdata of gutter cells (channels are 0..63)
# HIGHLIGHT, transparent where the channel is silent
FIRE_SCALE = [[0.0, "rgba(255,176,0,0)"], [1.0, "rgba(255,176,0,0.85)"]]
COLORBAR = {"thickness": 12, "len": 0.9}
# numpy dtype -> plotly.js typed-array code (plotly.js has no 64-bit integers; those are sent as int32)
_TYPED = {"float32": "f4", "float64": "f8", "int8": "i1", "uint8": "u1", "int16": "i2", "uint16": "u2",
          "int32": "i4", "uint32": "u4"}  # fmt: skip


def typed_array(a: np.ndarray) -> dict:
    """A numpy array as a plotly.js typed array: {"dtype", "bdata" (base64, little-endian), "shape"}."""
    a = np.asarray(a)
    if a.dtype.name not in _TYPED:
        a = a.astype(np.int32 if a.dtype.kind in "iub" else np.float64)
    a = np.ascontiguousarray(a, dtype=a.dtype.newbyteorder("<"))
    shape = ", ".join(str(n) for n in a.shape)
    return {
        "dtype": _TYPED[a.dtype.name],
        "bdata": base64.b64encode(a.tobytes()).decode("ascii"),
        "shape": shape,
    }


def _jsonable(value):
    """The spec with every numpy array turned into a typed array and numpy scalars into Python numbers."""
    if isinstance(value, np.ndarray):
        return typed_array(value)
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value.item() if isinstance(value, np.generic) else value


class SpecFigure(go.Figure):
    """A figure that carries a finished spec and hands it over unchanged (see the module docstring).

    st.plotly_chart and plotly.io.to_json read a figure through to_dict(); only to_dict() and to_plotly_json()
    are meaningful here: .data and .layout stay empty, so don't update this figure, build a new spec.
    """

    def __init__(self, spec: dict):
        super().__init__(layout={"template": {}})
        self._spec = spec

    def to_dict(self) -> dict:
        return self._spec

    def to_plotly_json(self) -> dict:
        return self._spec


def figure(spec: dict) -> SpecFigure:
    """A SpecFigure for a spec dict {"data": [...], "layout": {...}} (numpy arrays allowed anywhere).

    An empty template: Streamlit applies its own theme in the browser anyway (measured: same colours and font
    with or without plotly's default template), and the default one adds ~7 KB and ~2 ms to every figure.
    """
    spec = _jsonable(spec)
    spec["layout"].setdefault("template", {})
    return SpecFigure(spec)


def tile_origin(position: int, cols: int, tile_hw: tuple[int, int], gutter: int = 1) -> tuple[int, int]:
    """Top-left cell (row, col) of tile number `position` in a mosaic."""
    r, c = divmod(position, cols)
    return r * (tile_hw[0] + gutter), c * (tile_hw[1] + gutter)


def colour_range(z: np.ndarray, signed: bool) -> dict:
    """Diverging and centred on 0 for signed values, sequential from 0 for non-negative ones."""
    finite = z[np.isfinite(z)]
    peak = float(np.abs(finite).max()) if finite.size else 0.0
    peak = peak if peak > 0 else 1e-6
    if signed:
        return {"colorscale": SCALES[DIVERGING], "zmin": -peak, "zmax": peak, "zmid": 0.0}
    return {"colorscale": SCALES[SEQUENTIAL], "zmin": 0.0, "zmax": peak}


def grid_layout(height: int, *, axes: bool = False, margin: dict | None = None, **extra) -> dict:
    """Square cells, row 0 at the top, tight margins (explorer.plots.style_grid as one dict)."""
    common = {"showgrid": False, "zeroline": False, "constrain": "domain", "visible": axes}
    return {
        "height": height,
        "margin": margin or {"l": 10, "r": 10, "t": 30 if axes else 6, "b": 6},
        "xaxis": {**common, "side": "top"},
        "yaxis": {**common, "autorange": "reversed", "scaleanchor": "x", "scaleratio": 1},
        **extra,
    }


def _index_mosaic(labels: np.ndarray, tile_hw: tuple[int, int], cols: int) -> np.ndarray:
    """A mosaic whose every cell holds its tile's label (uint8; gutters NO_CHANNEL), for hover customdata."""
    tiles = np.broadcast_to(labels.astype(np.float32)[:, None, None], (len(labels), *tile_hw))
    z, _, _ = mosaic(np.ascontiguousarray(tiles), cols=cols)
    return np.where(np.isnan(z), NO_CHANNEL, z).astype(np.uint8)


def outline_shape(top: float, left: float, bottom: float, right: float, color: str = HIGHLIGHT) -> dict:
    """A rectangle around cells [top, bottom) x [left, right) (cell centres at integers)."""
    return {"type": "rect", "x0": left - 0.5, "x1": right - 0.5, "y0": top - 0.5, "y1": bottom - 0.5,
            "line": {"color": color, "width": 3}, "fillcolor": "rgba(0,0,0,0)"}  # fmt: skip


@dataclass(frozen=True)
class MosaicPanel:
    """One layer's maps for mosaics_figure: (C, H, W) maps, display order, colour kind, title, selection."""

    maps: np.ndarray
    order: np.ndarray
    signed: bool
    title: str
    cols: int = 8
    colorbar_title: str = ""
    selected: int | None = None


def _axis_names(k: int) -> tuple[str, str, str]:
    """Trace axis ids, layout axis keys and the suffix for panel k (0 -> 'x', 'xaxis', '')."""
    suffix = "" if k == 0 else str(k + 1)
    return f"x{suffix}", f"y{suffix}", suffix


def _stacked_domains(heights: list[float], gap: float) -> list[tuple[float, float]]:
    """Vertical paper domains, top to bottom, proportional to `heights`, `gap` between (for titles)."""
    free = 1.0 - gap * len(heights)
    top, out = 1.0 - gap, []
    for h in heights:
        size = free * h / sum(heights)
        out.append((max(0.0, round(top - size, 6)), round(top, 6)))
        top -= size + gap
    return out


def mosaics_figure(panels: list[MosaicPanel], *, hover: str, pick_hover: str, height: int = 620) -> go.Figure:
    """Several layers' maps in ONE figure, one mosaic (one heatmap) per layer stacked top to bottom.

    Per panel k: trace 2k is the heatmap (customdata = channel number of each cell, gutters NO_CHANNEL; NaN
    gutters in z), trace 2k+1 an invisible marker per tile (customdata = channel) that makes a click on a tile
    selectable, which heatmap cells are not. Each panel has its own colour axis and title.
    """
    mosaics = [mosaic(p.maps[p.order], cols=p.cols) for p in panels]  # (z, rows, cols) each
    domains = _stacked_domains([z.shape[0] for z, _, _ in mosaics], gap=0.07)
    data, layout = [], {"height": height, "margin": {"l": 0, "r": 0, "t": 6, "b": 4},
                        "dragmode": False, "shapes": [], "annotations": []}  # fmt: skip
    for k, (p, (z, _, cols), (y0, y1)) in enumerate(zip(panels, mosaics, domains, strict=True)):
        xid, yid, suffix = _axis_names(k)
        c, h, w = p.maps.shape
        scale = colour_range(z, p.signed)
        layout[f"coloraxis{suffix}"] = {
            "colorscale": scale["colorscale"], "cmin": scale["zmin"], "cmax": scale["zmax"], "cmid": scale.get("zmid"),
            "colorbar": {"thickness": 12, "len": y1 - y0, "y": (y0 + y1) / 2, "yanchor": "middle",
                         "title": {"text": p.colorbar_title}},
        }  # fmt: skip
        data.append({"type": "heatmap", "z": z, "customdata": _index_mosaic(p.order, (h, w), cols),
                     "coloraxis": f"coloraxis{suffix}", "hovertemplate": hover, "hoverongaps": False,
                     "xaxis": xid, "yaxis": yid})  # fmt: skip
        tops, lefts = np.divmod(np.arange(c), cols)
        tile_px = max(8, round(height * (y1 - y0) / z.shape[0] * h))  # on-screen tile size, roughly
        data.append({"type": "scatter", "mode": "markers", "x": lefts * (w + 1) + (w - 1) / 2,
                     "y": tops * (h + 1) + (h - 1) / 2, "customdata": p.order, "hovertemplate": pick_hover,
                     "marker": {"size": tile_px, "symbol": "square", "opacity": 0}, "showlegend": False,
                     "xaxis": xid, "yaxis": yid})  # fmt: skip
        # fixed ranges: autorange would pad for the big invisible markers and shrink the tiles
        axis = {"showgrid": False, "zeroline": False, "constrain": "domain", "visible": False}
        layout[f"xaxis{suffix}"] = {**axis, "anchor": yid, "range": [-0.5, z.shape[1] - 0.5]}
        layout[f"yaxis{suffix}"] = {**axis, "anchor": xid, "domain": [y0, y1], "range": [z.shape[0] - 0.5, -0.5],
                                    "scaleanchor": xid, "scaleratio": 1}  # fmt: skip
        layout["annotations"].append({"text": f"<b>{p.title}</b>", "xref": "paper", "yref": "paper", "x": 0,
                                      "y": y1, "xanchor": "left", "yanchor": "bottom", "showarrow": False})  # fmt: skip
        if p.selected is not None and p.selected in p.order:
            top, left = tile_origin(int(np.flatnonzero(p.order == p.selected)[0]), cols, (h, w))
            layout["shapes"].append({**outline_shape(top, left, top + h, left + w), "xref": xid, "yref": yid})
    return figure({"data": data, "layout": layout})


def _channel_trace(a: np.ndarray, signed: bool, hover: str) -> dict:
    heat = {"type": "heatmap", "z": a, "hovertemplate": hover, **colour_range(a, signed)}
    if max(a.shape) <= 40:
        heat.update(xgap=1, ygap=1)
    return heat


def _filter_trace(slices: np.ndarray, hover: str, slice_hover: str) -> dict:
    """One filter: its grid with the weights written in, or ONE mosaic of its input slices."""
    if len(slices) == 1:
        k = slices[0]
        return {"type": "heatmap", "z": k, "xgap": 1, "ygap": 1, "hovertemplate": hover,
                "text": [[format_value(float(v), 3) for v in row] for row in k], "texttemplate": "%{text}",
                **colour_range(k, signed=True)}  # fmt: skip
    z, _, cols = mosaic(slices, cols=8)
    return {"type": "heatmap", "z": z, "hovertemplate": slice_hover, "hoverongaps": False,
            "customdata": _index_mosaic(np.arange(len(slices)), slices.shape[1:], cols),
            **colour_range(z, signed=True)}  # fmt: skip


def detail_figure(
    channel_map: np.ndarray,
    *,
    signed: bool,
    slices: np.ndarray,
    digit: np.ndarray,
    fire: np.ndarray,
    titles: tuple[str, str, str],
    hovers: dict[str, str],
    height: int = 360,
) -> go.Figure:
    """One channel up close, three panels side by side in ONE figure: its map (hover values), its filter
    (in_channels, kH, kW) and the input digit with where the channel fires (0..1) laid over it in amber.

    Traces: 0 the map, 1 the filter, 2 the digit, 3 the fire overlay.
    """
    panels = ((0.0, 0.27), (0.37, 0.64), (0.73, 1.0))
    traces = [
        _channel_trace(channel_map, signed, hovers["cell"]),
        _filter_trace(slices, hovers["weight"], hovers["slice"]),
        {"type": "heatmap", "z": digit, "colorscale": SCALES[INPUT], "zmin": 0, "zmax": 1, "showscale": False,
         "hoverinfo": "skip"},
        {"type": "heatmap", "z": fire, "customdata": digit, "colorscale": FIRE_SCALE, "zmin": 0, "zmax": 1,
         "showscale": False, "hovertemplate": hovers["fire"]},
    ]  # fmt: skip
    layout = {"height": height, "margin": {"l": 0, "r": 0, "t": 28, "b": 4}, "annotations": []}
    for k, (x0, x1) in enumerate(panels):
        xid, yid, suffix = _axis_names(k)
        axis = {"showgrid": False, "zeroline": False, "constrain": "domain", "visible": False}
        layout[f"xaxis{suffix}"] = {**axis, "domain": [x0, x1], "anchor": yid}
        layout[f"yaxis{suffix}"] = {**axis, "anchor": xid, "autorange": "reversed", "scaleanchor": xid,
                                    "scaleratio": 1}  # fmt: skip
        layout["annotations"].append({"text": f"<b>{titles[k]}</b>", "xref": "paper", "yref": "paper",
                                      "x": (x0 + x1) / 2, "y": 1, "xanchor": "center", "yanchor": "bottom",
                                      "showarrow": False})  # fmt: skip
    for i, trace in enumerate(traces):
        xid, yid, _ = _axis_names(min(i, 2))
        trace.update(xaxis=xid, yaxis=yid)
        if i < 2:
            trace["colorbar"] = {"thickness": 10, "x": panels[i][1] + 0.01, "xanchor": "left", "len": 0.9}
    return figure({"data": traces, "layout": layout})


def filters_gallery(filters: np.ndarray, *, hover: str, cols: int = 16, height: int = 170) -> go.Figure:
    """All conv1 filters (C, kH, kW) as ONE mosaic on one symmetric colour scale."""
    z, _, cols = mosaic(filters, cols=cols)
    heat = {
        "type": "heatmap",
        "z": z,
        "customdata": _index_mosaic(np.arange(len(filters)), filters.shape[1:], cols),
        "hovertemplate": hover,
        "hoverongaps": False,
        "colorbar": COLORBAR,
        **colour_range(z, signed=True),
    }
    return figure({"data": [heat], "layout": grid_layout(height)})


def per_class_bar(per_class: list[float], *, x_title: str, y_title: str, height: int = 260) -> go.Figure:
    """Test accuracy of each digit class as bars, the y axis zoomed so differences of a percent show."""
    low = min(per_class, default=0.0)
    bottom = max(0.0, np.floor(low * 100 - 1) / 100) if low > 0.5 else 0.0
    bar = {"type": "bar", "x": list(range(len(per_class))), "y": per_class, "marker": {"color": SECOND},
           "text": [f"{v:.1%}" for v in per_class], "textposition": "outside", "cliponaxis": False,
           "hovertemplate": f"{x_title} %{{x}}: %{{y:.2%}}<extra></extra>"}  # fmt: skip
    layout = {
        "height": height,
        "margin": {"l": 10, "r": 10, "t": 20, "b": 10},
        "xaxis": {"title": {"text": x_title}, "dtick": 1},
        "yaxis": {"title": {"text": y_title}, "tickformat": ".1%", "range": [bottom, 1]},
    }
    return figure({"data": [bar], "layout": layout})


def training_curves(
    epochs: list[int], history: dict[str, list], *, labels: dict[str, str], height: int = 300
) -> go.Figure:
    """Loss (left) and accuracy (right) per epoch, training and test set (as the tutorial plots them)."""
    colours = {"train": SECOND, "test": HIGHLIGHT}
    data = []
    for axis, metric in (("", "loss"), ("2", "accuracy")):
        for split in ("train", "test"):
            data.append({
                "type": "scatter", "mode": "lines+markers", "x": epochs, "y": history.get(f"{split}_{metric}", []),
                "name": labels[split], "legendgroup": split, "showlegend": axis == "",
                "line": {"color": colours[split]}, "xaxis": f"x{axis}", "yaxis": f"y{axis}",
            })  # fmt: skip
    epoch_axis = {"title": {"text": labels["epoch"]}, "dtick": 1}
    layout = {
        "height": height,
        "margin": {"l": 10, "r": 10, "t": 30, "b": 10},
        "legend": {"orientation": "h", "y": -0.3},
        "xaxis": {**epoch_axis, "domain": [0, 0.45]},
        "xaxis2": {**epoch_axis, "domain": [0.55, 1], "anchor": "y2"},
        "yaxis": {"title": {"text": labels["loss"]}},
        "yaxis2": {"title": {"text": labels["accuracy"]}, "tickformat": ".0%", "anchor": "x2"},
    }
    return figure({"data": data, "layout": layout})
