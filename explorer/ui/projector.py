"""Projector mode: large type, thick grid lines and high contrast, readable from the back of a classroom.

app.py calls `toggle()` (a sidebar toggle bound to st.session_state["projector"], ?projector=1 in links, see
share.py) before page.run(). It injects one constant stylesheet when on. Pages pass their plotly figures through
`style(fig)` (fonts, line widths and heatmap gaps scaled by `scale()`), or give `scale()` to a figure builder.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import streamlit as st

from explorer.ui import t

if TYPE_CHECKING:
    import plotly.graph_objects as go

KEY = "projector"  # session-state key of the toggle; browser hook: .st-key-projector
PARAM = "projector"  # ?projector=1
FACTOR = 1.6  # fonts, lines, marker sizes in figures
HEIGHT_FACTOR = 1.25  # figure heights
PLOTLY_FONT = 12  # plotly's default font size, used when a figure sets none

# Constant stylesheet (never built from user input). Streamlit sizes text and widgets in rem, so a larger root
# font scales everything together; captions and help text get the full text colour (they are grey by default),
# inputs get thicker borders and every focused control a thick, colour-blind-safe amber ring.
CSS = """<style>
html { font-size: 125%; }
.stApp h1 { font-size: 3rem; font-weight: 800; }
.stApp h2, .stApp h3 { font-weight: 800; }
.stApp p, .stApp li, .stApp label { font-weight: 500; }
[data-testid="stCaptionContainer"], [data-testid="stWidgetLabel"], [data-testid="stMetricLabel"] {
  color: var(--st-text-color, inherit) !important; opacity: 1 !important;
}
[data-testid="stMetricValue"] { font-size: 3.2rem; font-weight: 800; }
[data-baseweb="input"], [data-baseweb="select"] > div, [data-baseweb="textarea"] { border-width: 2px !important; }
[data-testid="stSlider"] [role="slider"] { width: 1.4rem; height: 1.4rem; }
.stApp *:focus-visible { outline: 3px solid #FFB000 !important; outline-offset: 2px !important; }
</style>"""


def enabled() -> bool:
    """True while projector mode is on in this session."""
    return bool(st.session_state.get(KEY, False))


def scale() -> float:
    """Factor for figure fonts and line widths: FACTOR in projector mode, else 1.0."""
    return FACTOR if enabled() else 1.0


def toggle() -> bool:
    """The sidebar toggle (keyboard operable: Tab, then Space) and, when on, the projector stylesheet."""
    st.session_state[KEY] = bool(st.session_state.get(KEY, False))  # a garbled value from elsewhere -> off
    on = st.sidebar.toggle(t("projector.toggle"), key=KEY, help=t("projector.help"))
    if on:
        st.html(CSS)
    return on


def style(fig: go.Figure) -> go.Figure:
    """`fig` with fonts, lines and gaps scaled for projector mode (unchanged when it is off); pass the returned
    figure to st.plotly_chart (dict-backed figures come back as a scaled copy)."""
    return scale_figure(fig, FACTOR, HEIGHT_FACTOR) if enabled() else fig


# ----------------------------------------------------------------------------------------------------------
# figure scaling (no st.* below)


def _times(value, factor: float, default=None):
    """value × factor, or default × factor when value is None (None when both are None)."""
    base = value if value is not None else default
    return None if base is None else base * factor


def _get(d: dict, *path, default=None):
    """d[path[0]][path[1]]... of a plain figure dict, or `default`."""
    for key in path:
        if not isinstance(d, dict) or key not in d:
            return default
        d = d[key]
    return d


def _trace_update(trace: dict, factor: float) -> dict:
    """Nested updates for one trace (a plain dict): text, lines, markers, heatmap gaps and colour bar."""
    kind = trace.get("type")
    update: dict = {}
    if kind in ("heatmap", "scatter", "bar"):
        update["textfont"] = {"size": _times(_get(trace, "textfont", "size"), factor, PLOTLY_FONT)}
    if kind == "heatmap":
        for gap in ("xgap", "ygap"):
            if trace.get(gap):  # only grids that show gaps get thicker ones
                update[gap] = max(2, round(trace[gap] * factor))
        if trace.get("showscale") is not False:
            update["colorbar"] = {
                "thickness": _times(_get(trace, "colorbar", "thickness"), factor, 30),
                "tickfont": {
                    "size": _times(_get(trace, "colorbar", "tickfont", "size"), factor, PLOTLY_FONT)
                },
            }
    if kind == "scatter" and isinstance(_get(trace, "line", "width"), int | float):
        update["line"] = {"width": trace["line"]["width"] * factor}
    if kind in ("scatter", "bar"):
        marker = {}
        if kind == "scatter" and isinstance(_get(trace, "marker", "size"), int | float):
            marker["size"] = trace["marker"]["size"] * factor
        if isinstance(_get(trace, "marker", "line", "width"), int | float):
            marker["line"] = {"width": trace["marker"]["line"]["width"] * factor}
        if marker:
            update["marker"] = marker
    return update


def _layout_update(layout: dict, factor: float, height_factor: float) -> dict:
    """Nested updates for the layout (a plain dict): fonts, height, margins, shape lines, annotation fonts."""
    update: dict = {"font": {"size": _times(_get(layout, "font", "size"), factor, PLOTLY_FONT)}}
    if layout.get("height"):
        update["height"] = round(layout["height"] * height_factor)
    margin = {k: round(v * factor) for k, v in (layout.get("margin") or {}).items() if k in "tblr" and v}
    if margin:
        update["margin"] = margin
    if _get(layout, "title", "text"):
        update["title"] = {
            "font": {"size": _times(_get(layout, "title", "font", "size"), factor, PLOTLY_FONT)}
        }
    if layout.get("shapes"):
        update["shapes"] = [
            {
                **shape,
                "line": {**shape.get("line", {}), "width": _times(_get(shape, "line", "width"), factor, 2)},
            }
            for shape in layout["shapes"]
        ]
    if layout.get("annotations"):
        update["annotations"] = [
            {**a, "font": {**a.get("font", {}), "size": _times(_get(a, "font", "size"), factor, PLOTLY_FONT)}}
            for a in layout["annotations"]
        ]
    return update


def _merged(base: dict, update: dict) -> dict:
    """A copy of `base` with `update` merged in recursively (`base` itself is left alone)."""
    out = dict(base)
    for key, value in update.items():
        out[key] = _merged(out.get(key) or {}, value) if isinstance(value, dict) else value
    return out


def scale_figure(fig: go.Figure, factor: float = FACTOR, height_factor: float = HEIGHT_FACTOR) -> go.Figure:
    """`fig` with every font size, line width, marker size and heatmap gap scaled by `factor` and the height by
    `height_factor`. A regular figure is edited in place (one update); a figure that holds its plotly JSON
    itself (explorer.plots.FigureSpec) is left alone and a scaled copy returned: use the return value."""
    if factor == 1 and height_factor == 1:
        return fig
    spec = fig.to_plotly_json()
    layout = _layout_update(spec.get("layout") or {}, factor, height_factor)
    data = [_trace_update(trace, factor) for trace in spec.get("data") or []]
    if spec is not fig.to_plotly_json():  # a regular figure: to_plotly_json() made a copy
        fig.update(layout=layout, data=data)
        return fig
    from explorer.plots.figure_spec import FigureSpec  # plotly: not needed before the first figure

    traces = [_merged(trace, update) for trace, update in zip(spec["data"], data, strict=True)]
    return FigureSpec({**spec, "layout": _merged(spec.get("layout") or {}, layout), "data": traces})
