"""Figures for the Feature maps page: one mosaic per layer, a channel's large view, filters, the model card.

Every text shown in a figure (hover templates, titles, axis labels) is passed in already translated.

Speed (budget: 30 ms of server time per rerun, and every stroke reruns the mosaics and the channel view): each
figure is written as ONE plain spec dict with numpy arrays as plotly.js typed arrays (explorer.plots.typed) and
handed to st.plotly_chart as a FigureSpec, skipping plotly's validation and deep copies.

The two mosaics are not plotly figures: each is sent as one palette index per cell (~27 KB and ~14 KB of bytes)
with a 255-colour palette of its colour scale to a small component of the page that paints them into two
<canvas>es with putImageData, synchronously, when the stroke's data arrives (mosaic_view). (PNG sources in <img>s
were decoded in a later task, which queued behind the prediction chart's rendering: ~100 ms more.) As one plotly figure of two heatmaps, plotly.js coloured ~40k cells, re-encoded them as PNGs and
redrew colour bars, titles and the click layer in the browser on every stroke (~200 ms of main-thread time; the
~270 KB of floats were also scanned ~40 times by Streamlit's theming): pointer-up -> repainted p50 was 380-470 ms.
The exact values stay one click away, in the channel's large view with hover values.
tests/test_page_feature_maps.py validates every builder's spec with go.Figure.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from functools import cache

import numpy as np
import plotly.colors

from explorer.plots import (
    DIVERGING,
    HIGHLIGHT,
    INPUT,
    SECOND,
    SEQUENTIAL,
    FigureSpec,
    format_value,
    mosaic,
    typed,
)

# Resolved once: the spec goes to plotly.js as it is, and plotly.js knows neither reversed names ("RdBu_r") nor
# "gray" (plotly.py's validation would have translated them).
SCALES = {
    name: [list(step) for step in plotly.colors.get_colorscale(name)]
    for name in (DIVERGING, SEQUENTIAL, INPUT)
}
NO_CHANNEL = 255  # customdata of gutter cells (channels are 0..63)
LEVELS = 255  # palette colours of a mosaic image; palette index LEVELS is the transparent gutter
# HIGHLIGHT, transparent where the channel is silent
FIRE_SCALE = [[0.0, "rgba(255,176,0,0)"], [1.0, "rgba(255,176,0,0.85)"]]
COLORBAR = {"thickness": 12, "len": 0.9}


def figure(spec: dict) -> FigureSpec:
    """A FigureSpec for a finished spec dict (arrays already typed).

    An empty template: Streamlit applies its own theme in the browser anyway (measured: same colours and font
    with or without plotly's default template), and the default one adds ~7 KB and ~2 ms to every figure.
    """
    spec["layout"].setdefault("template", {})
    return FigureSpec(spec)


def colour_range(z: np.ndarray, signed: bool) -> dict:
    """Diverging and centred on 0 for signed values, sequential from 0 for non-negative ones."""
    finite = z[np.isfinite(z)]
    peak = float(np.abs(finite).max()) if finite.size else 0.0
    peak = peak if peak > 0 else 1e-6
    if signed:
        return {"colorscale": SCALES[DIVERGING], "zmin": -peak, "zmax": peak}
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


@cache
def palette(colorscale: str) -> bytes:
    """LEVELS colours (RGB bytes) sampled evenly from a named colour scale, then the gutter's (black)."""
    steps = plotly.colors.sample_colorscale(SCALES[colorscale], np.linspace(0, 1, LEVELS))
    rgb = [
        plotly.colors.unlabel_rgb(plotly.colors.convert_colors_to_same_type(c, "rgb")[0][0]) for c in steps
    ]
    out = np.zeros((LEVELS + 1, 3), dtype=np.uint8)
    out[:LEVELS] = np.clip(np.round(rgb), 0, 255)
    return out.tobytes()


def palette_indices(z: np.ndarray, zmin: float, zmax: float) -> np.ndarray:
    """Each value's palette index (uint8, 0..LEVELS-1, linear over [zmin, zmax]); NaN -> the gutter, LEVELS."""
    scaled = (np.nan_to_num(z, nan=zmin) - zmin) * ((LEVELS - 1) / max(zmax - zmin, 1e-12))
    idx = np.clip(np.rint(scaled), 0, LEVELS - 1).astype(np.uint8)
    idx[np.isnan(z)] = LEVELS
    return idx


@dataclass(frozen=True)
class MosaicPanel:
    """One layer's maps for mosaics_figure: (C, H, W) maps, display order, colour kind, title, selection."""

    maps: np.ndarray
    order: np.ndarray
    signed: bool
    title: str
    cols: int = 8
    selected: int | None = None
    raw: np.ndarray | None = None  # the unscaled maps when `maps` are rescaled per channel (hover statistics)


def _axis_names(k: int) -> tuple[str, str, str]:
    """Trace axis ids, layout axis keys and the suffix for panel k (0 -> 'x', 'xaxis', '')."""
    suffix = "" if k == 0 else str(k + 1)
    return f"x{suffix}", f"y{suffix}", suffix


def mosaic_scale(z: np.ndarray, signed: bool) -> tuple[str, float, float]:
    """(colour scale name, zmin, zmax) of a mosaic: diverging about 0 when signed, else sequential from 0."""
    scale = colour_range(z, signed)
    return (DIVERGING if signed else SEQUENTIAL), scale["zmin"], scale["zmax"]


def tile_stats(maps: np.ndarray) -> np.ndarray:
    """Per channel (mean, max) of (C, H, W) maps, as (C, 2) (the pick layer's hover values)."""
    flat = maps.reshape(len(maps), -1)
    return np.stack([flat.mean(axis=1), flat.max(axis=1)], axis=1)


def mosaic_view(panel: MosaicPanel, stats_text: str) -> dict:
    """One layer's mosaic as the page's mosaic component draws it: every cell's palette index over
    mosaic_scale() (base64 bytes, row by row; gutters LEVELS, drawn transparent) and the palette, its grid,
    which channel each tile shows with its hover text, and the selected tile."""
    h, w = panel.maps.shape[1:]
    z, _, cols = mosaic(panel.maps[panel.order], cols=panel.cols)
    raw = panel.maps if panel.raw is None else panel.raw
    texts = [
        stats_text.format(channel=ch, mean=m, max=x)
        for ch, (m, x) in zip(panel.order.tolist(), tile_stats(raw[panel.order]).tolist(), strict=True)
    ]
    selected = None
    if panel.selected is not None and panel.selected in panel.order:
        selected = int(np.flatnonzero(panel.order == panel.selected)[0])
    name, zmin, zmax = mosaic_scale(z, panel.signed)
    return {"title": panel.title, "cells": base64.b64encode(palette_indices(z, zmin, zmax).tobytes()).decode("ascii"),
            "palette": base64.b64encode(palette(name)).decode("ascii"), "width": z.shape[1], "height": z.shape[0],
            "tile": [h, w], "cols": cols, "channels": panel.order.tolist(), "texts": texts,
            "selected": selected}  # fmt: skip


@cache
def gradient_css(colorscale: str, stops: int = 9) -> str:
    """A CSS linear-gradient (left to right) through a named colour scale, for a legend outside plotly."""
    colours = plotly.colors.sample_colorscale(SCALES[colorscale], np.linspace(0, 1, stops))
    return f"linear-gradient(90deg, {', '.join(colours)})"


def _channel_trace(a: np.ndarray, signed: bool, hover: str) -> dict:
    heat = {"type": "heatmap", "z": typed(a), "hovertemplate": hover, **colour_range(a, signed)}
    if max(a.shape) <= 40:
        heat.update(xgap=1, ygap=1)
    return heat


def _filter_trace(slices: np.ndarray, hover: str, slice_hover: str) -> dict:
    """One filter: its grid with the weights written in, or ONE mosaic of its input slices."""
    if len(slices) == 1:
        k = slices[0]
        return {"type": "heatmap", "z": typed(k), "xgap": 1, "ygap": 1, "hovertemplate": hover,
                "text": [[format_value(float(v), 3) for v in row] for row in k], "texttemplate": "%{text}",
                **colour_range(k, signed=True)}  # fmt: skip
    z, _, cols = mosaic(slices, cols=8)
    return {"type": "heatmap", "z": typed(z), "hovertemplate": slice_hover, "hoverongaps": False,
            "customdata": typed(_index_mosaic(np.arange(len(slices)), slices.shape[1:], cols), "u1"),
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
) -> FigureSpec:
    """One channel up close, three panels side by side in ONE figure: its map (hover values), its filter
    (in_channels, kH, kW) and the input digit with where the channel fires (0..1) laid over it in amber.

    Traces: 0 the map, 1 the filter, 2 the digit, 3 the fire overlay.
    """
    panels = ((0.0, 0.27), (0.37, 0.64), (0.73, 1.0))
    traces = [
        _channel_trace(channel_map, signed, hovers["cell"]),
        _filter_trace(slices, hovers["weight"], hovers["slice"]),
        {"type": "heatmap", "z": typed(digit), "colorscale": SCALES[INPUT], "zmin": 0, "zmax": 1, "showscale": False,
         "hoverinfo": "skip"},
        {"type": "heatmap", "z": typed(fire), "customdata": typed(digit), "colorscale": FIRE_SCALE, "zmin": 0, "zmax": 1,
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


def filters_gallery(filters: np.ndarray, *, hover: str, cols: int = 16, height: int = 170) -> FigureSpec:
    """All conv1 filters (C, kH, kW) as ONE mosaic on one symmetric colour scale."""
    z, _, cols = mosaic(filters, cols=cols)
    heat = {
        "type": "heatmap",
        "z": typed(z),
        "customdata": typed(_index_mosaic(np.arange(len(filters)), filters.shape[1:], cols), "u1"),
        "hovertemplate": hover,
        "hoverongaps": False,
        "colorbar": COLORBAR,
        **colour_range(z, signed=True),
    }
    return figure({"data": [heat], "layout": grid_layout(height)})


def per_class_bar(per_class: list[float], *, x_title: str, y_title: str, height: int = 260) -> FigureSpec:
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
) -> FigureSpec:
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
