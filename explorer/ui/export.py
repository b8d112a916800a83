"""Take a figure into slides: PNG and CSV downloads of grids, the plotly modebar's PNG button, alt texts.

    export.downloads(out, "conv_output", colorscale=plots.DIVERGING)   # PNG + CSV buttons in one row
    export.download_png(fig, "pool_output")                          # PNG of a figure's first heatmap
    st.plotly_chart(fig, key=..., config=export.chart_config("pool_output"))

PNGs are drawn with PIL from the numbers (matplotlib isn't installed, kaleido can't run here) with the same
colour scale and range as the app's heatmap, the values written in the cells of small grids, and a colour bar.
The bytes are made only when the button is clicked (st.download_button's deferred data), so a rerun costs
nothing; buttons use on_click="ignore", so a download doesn't rerun the page.
"""

from __future__ import annotations

import base64
import io
import re
from functools import cache

import numpy as np
import plotly.colors
import plotly.graph_objects as go
import streamlit as st
from PIL import Image, ImageDraw, ImageFont

from explorer.plots import ANNOTATE_MAX_CELLS, DIVERGING, format_value, grid_csv, symmetric_range
from explorer.ui import t

TARGET_PX = 560  # the grid's longer side in the PNG
MIN_CELL, MAX_CELL = 2, 120  # pixels per cell
GAP_MAX_CELLS = 40  # 1-px white gaps between cells up to this many cells per side (as explorer.plots.heatmap)
BAR_WIDTH, BAR_GAP, LABEL_WIDTH, MARGIN = 18, 12, 70, 10
BACKGROUND = (255, 255, 255)
TEXT = (0, 0, 0)
MAX_CELLS = 1_000_000  # refuse absurd grids (a 1000x1000 map is already a 2.2 MB CSV)
REMOVE_BUTTONS = ["select2d", "lasso2d", "autoScale2d", "toggleSpikelines", "hoverClosestCartesian",
                  "hoverCompareCartesian"]  # fmt: skip


def safe_name(name: str) -> str:
    """A file-name stem of letters, digits, '_', '-' and '.' (at most 60 characters)."""
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", str(name)).strip("._")[:60]
    return stem or "figure"


def chart_config(name: str = "figure", scale: int = 2) -> dict:
    """st.plotly_chart config keeping the modebar's client-side "download as PNG" (no plotly logo)."""
    return {
        "displaylogo": False,
        "toImageButtonOptions": {"format": "png", "filename": safe_name(name), "scale": scale},
        "modeBarButtonsToRemove": list(REMOVE_BUTTONS),
    }


# ----------------------------------------------------------------------------------------------------------
# PNG rendering (no st.*)


@cache
def _lut(colorscale) -> np.ndarray:
    """(256, 3) uint8 colours sampled from a plotly colour scale (a name like "RdBu_r" or [[pos, colour], ...])."""
    scale = plotly.colors.get_colorscale(colorscale) if isinstance(colorscale, str) else colorscale
    colours = plotly.colors.sample_colorscale([list(stop) for stop in scale], np.linspace(0, 1, 256))
    rgb = [[float(v) for v in re.findall(r"[\d.]+", c)[:3]] for c in colours]
    return np.clip(np.round(rgb), 0, 255).astype(np.uint8)


def colour_range(z: np.ndarray, zmin=None, zmax=None, zmid=None) -> tuple[float, float]:
    """The (zmin, zmax) plotly would use: given limits, else symmetric about zmid, else the data's range."""
    finite = z[np.isfinite(z)]
    lo = float(finite.min()) if finite.size else 0.0
    hi = float(finite.max()) if finite.size else 1.0
    if zmin is None and zmax is None and zmid is not None:
        r = symmetric_range(z - zmid)
        lo, hi = zmid - r, zmid + r
    lo = float(zmin) if zmin is not None else lo
    hi = float(zmax) if zmax is not None else hi
    if hi <= lo:
        hi = lo + 1e-6
    return lo, hi


def cell_size(h: int, w: int) -> int:
    """Pixels per cell so the grid's longer side is about TARGET_PX."""
    return int(np.clip(TARGET_PX // max(h, w), MIN_CELL, MAX_CELL))


def _font(size: int) -> ImageFont.ImageFont:
    return ImageFont.load_default(size=max(8, int(size)))


def _luminance(rgb) -> float:
    r, g, b = (c / 255 for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def heatmap_png(
    z,
    colorscale=DIVERGING,
    zmin: float | None = None,
    zmax: float | None = None,
    zmid: float | None = 0.0,
    annotate: bool | None = None,
    colorbar: bool = True,
) -> bytes:
    """A 2-D grid as a PNG heatmap: same colours as the app, NaN cells blank, numbers in small grids."""
    z = np.asarray(z, dtype=np.float64)
    if z.ndim != 2 or z.size == 0 or z.size > MAX_CELLS:
        raise ValueError(f"expected a non-empty 2-D grid, got shape {z.shape}")
    h, w = z.shape
    lo, hi = colour_range(z, zmin, zmax, zmid)
    index = np.clip((np.nan_to_num(z, nan=lo) - lo) / (hi - lo), 0, 1) * 255
    rgb = _lut(colorscale if isinstance(colorscale, str) else tuple(map(tuple, colorscale)))[
        index.round().astype(np.intp)
    ]  # (h, w, 3)
    rgb[~np.isfinite(z)] = BACKGROUND
    cell = cell_size(h, w)
    gap = 1 if max(h, w) <= GAP_MAX_CELLS and cell > 4 else 0
    grid = np.repeat(np.repeat(rgb, cell, axis=0), cell, axis=1)  # (h*cell, w*cell, 3)
    if gap:
        grid[cell - 1 :: cell, :, :] = BACKGROUND
        grid[:, cell - 1 :: cell, :] = BACKGROUND
    gh, gw = grid.shape[:2]
    width = MARGIN + gw + (BAR_GAP + BAR_WIDTH + LABEL_WIDTH if colorbar else 0) + MARGIN
    img = Image.new("RGB", (width, gh + 2 * MARGIN), BACKGROUND)
    img.paste(Image.fromarray(grid, "RGB"), (MARGIN, MARGIN))
    draw = ImageDraw.Draw(img)
    if annotate is None:
        annotate = h <= ANNOTATE_MAX_CELLS and w <= ANNOTATE_MAX_CELLS
    if annotate and cell >= 16:
        font = _font(cell * 0.32)
        for r in range(h):
            for c in range(w):
                if np.isfinite(z[r, c]):
                    colour = TEXT if _luminance(rgb[r, c]) > 0.5 else BACKGROUND
                    centre = (MARGIN + c * cell + (cell - gap) / 2, MARGIN + r * cell + (cell - gap) / 2)
                    draw.text(centre, format_value(z[r, c]), fill=colour, font=font, anchor="mm")
    if colorbar:
        _colorbar(img, draw, colorscale, lo, hi, left=MARGIN + gw + BAR_GAP, height=gh)
    buf = io.BytesIO()
    img.save(buf, format="PNG", optimize=False)
    return buf.getvalue()


def _colorbar(img: Image.Image, draw: ImageDraw.ImageDraw, colorscale, lo: float, hi: float, *, left, height):
    """A vertical colour bar (high values on top) with its top, middle and bottom values."""
    lut = _lut(colorscale if isinstance(colorscale, str) else tuple(map(tuple, colorscale)))
    rows = np.linspace(255, 0, height).round().astype(np.intp)
    bar = np.repeat(lut[rows][:, None, :], BAR_WIDTH, axis=1)
    img.paste(Image.fromarray(bar, "RGB"), (left, MARGIN))
    draw.rectangle([left, MARGIN, left + BAR_WIDTH - 1, MARGIN + height - 1], outline=TEXT)
    font = _font(13)
    for frac, value in ((0.0, hi), (0.5, (lo + hi) / 2), (1.0, lo)):
        y = MARGIN + frac * (height - 1)
        anchor = "lt" if frac == 0 else ("lb" if frac == 1 else "lm")
        draw.text((left + BAR_WIDTH + 4, y), format_value(value, 3), fill=TEXT, font=font, anchor=anchor)


def _array(value) -> np.ndarray | None:
    """A 2-D float array from a trace's z: nested lists, an ndarray or a plotly typed-array spec."""
    if isinstance(value, dict) and "bdata" in value:  # {"dtype": "f4", "bdata": base64, "shape": "h, w"}
        flat = np.frombuffer(base64.b64decode(value["bdata"]), dtype=np.dtype(value.get("dtype", "f8")))
        shape = [int(n) for n in str(value.get("shape", len(flat))).split(",")]
        value = flat.reshape(shape)
    try:
        a = np.array(value, dtype=np.float64)
    except (TypeError, ValueError):
        return None
    return a if a.ndim == 2 and a.size else None


def figure_heatmap(fig: go.Figure) -> dict | None:
    """The first heatmap trace of a plotly figure as heatmap_png keyword arguments, or None.

    Works for regular figures and for figures that hold their plotly JSON (explorer.plots.FigureSpec)."""
    found = [t for t in (fig.to_plotly_json().get("data") or []) if t.get("type") == "heatmap"]
    if not found:
        return None
    z, scale, zmin, zmax, zmid, showscale = (
        found[0].get(k) for k in ("z", "colorscale", "zmin", "zmax", "zmid", "showscale")
    )
    z = _array(z)
    if z is None:
        return None
    return {
        "z": z,
        "colorscale": scale if scale is not None else DIVERGING,
        "zmin": zmin,
        "zmax": zmax,
        "zmid": zmid,
        "colorbar": showscale is not False,
    }


def alt_text(a, label: str) -> str:
    """A sentence describing a grid for screen readers: its size, value range and where it is largest."""
    a = np.asarray(a, dtype=np.float64)
    finite = np.isfinite(a)
    if a.ndim != 2 or not finite.any():
        return t("export.alt_empty", label=label)
    masked = np.where(finite, a, -np.inf)
    row, col = np.unravel_index(int(np.argmax(masked)), a.shape)
    return t(
        "export.alt",
        label=label,
        h=a.shape[0],
        w=a.shape[1],
        low=format_value(float(a[finite].min())),
        high=format_value(float(a[finite].max())),
        row=int(row),
        col=int(col),
    )


# ----------------------------------------------------------------------------------------------------------
# buttons


def download_png(
    fig_or_array,
    name: str,
    *,
    colorscale=DIVERGING,
    zmin: float | None = None,
    zmax: float | None = None,
    zmid: float | None = 0.0,
    label: str | None = None,
    key: str | None = None,
    container=None,
) -> bool:
    """A "PNG" download button for a grid (array) or a figure's first heatmap; False when there is none.

    `name` (page-prefixed, e.g. "conv_output") gives the file name and the widget key (`<name>_png`). For an
    array, colorscale / zmin / zmax / zmid follow explorer.plots.heatmap; for a figure they come from it.
    """
    if isinstance(fig_or_array, go.Figure):
        kwargs = figure_heatmap(fig_or_array)
        if kwargs is None:
            return False
    else:
        z = np.array(fig_or_array, dtype=np.float64)  # a copy: the click comes later
        if z.ndim != 2 or z.size == 0:
            return False
        kwargs = {"z": z, "colorscale": colorscale, "zmin": zmin, "zmax": zmax, "zmid": zmid}
    stem = safe_name(name)
    (container or st).download_button(
        label or t("export.png"),
        data=lambda: heatmap_png(**kwargs),
        file_name=f"{stem}.png",
        mime="image/png",
        key=key or f"{stem}_png",
        help=t("export.png_help"),
        icon=":material/image:",
        on_click="ignore",
    )
    return True


def download_csv(
    array, name: str, *, label: str | None = None, key: str | None = None, container=None
) -> bool:
    """A "CSV" download button for a 2-D grid (explorer.plots.grid_csv, full precision); False if not 2-D."""
    a = np.array(array, dtype=np.float64)
    if a.ndim != 2 or a.size == 0:
        return False
    stem = safe_name(name)
    (container or st).download_button(
        label or t("export.csv"),
        data=lambda: grid_csv(a),
        file_name=f"{stem}.csv",
        mime="text/csv",
        key=key or f"{stem}_csv",
        help=t("export.csv_help"),
        icon=":material/table:",
        on_click="ignore",
    )
    return True


def downloads(fig_or_array, name: str, **png_kwargs) -> None:
    """PNG and CSV buttons side by side (CSV of the array, or of the figure's first heatmap)."""
    if isinstance(fig_or_array, go.Figure):
        found = figure_heatmap(fig_or_array)
        grid = None if found is None else found["z"]
    else:
        grid = fig_or_array
    row = st.container(horizontal=True, gap="small")
    download_png(fig_or_array, name, container=row, **png_kwargs)
    if grid is not None:
        download_csv(grid, name, container=row)
