"""The feature-maps page's mosaics: every channel of conv1 and conv2 as one canvas per layer, painted by an
st.html element's inline script from one palette index per cell, with a legend, a tooltip and a click per tile.

    mosaic.show(view, key="fm_mosaics")    # view: {"legend", "note", "panels": [maps.mosaic_view(...), ...]}
    mosaic.pick_listener(on_pick)           # outside fragments; mosaic.picked() is the last clicked tile

The data travels as JSON in a <script type="application/json"> (with "</" escaped) and is written into the page
with textContent only: no text becomes HTML.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import streamlit as st

# The mosaics: st.html with an inline script that paints two <canvas>es from palette indices. Its script runs
# synchronously in the element's own effect, in page order; a components.v2 component runs its script after a
# dynamic import(), which queued behind the prediction chart's drawing (~100 ms per stroke, measured). A click
# on a tile is passed on as a "fm-pick" DOM event to PICK_KEY's component, a components.v2 component without a view.
CSS = """
.fm { font-family: var(--st-font, inherit); container-type: inline-size; }
.fm .legend { font-size: 0.875rem; line-height: 1.5; margin-bottom: 0.6rem; }
.fm .legend .bar { display: inline-block; width: 7em; height: 0.75em; vertical-align: middle; margin: 0 0.3em;
                   border: 1px solid rgba(128, 128, 128, 0.5); }
.fm .legend .item { display: inline-block; margin-right: 1.2em; white-space: nowrap; }  /* wraps as a whole */
/* a narrow column (a tablet with the sidebar open): shorter bars, so an item does not run into the next column */
@container (max-width: 420px) { .fm .legend .bar { width: 2.5em; } }
.fm .legend .name { font-weight: 600; }
.fm .legend .note { opacity: 0.75; }
.fm figure { margin: 0 0 0.6rem 0; }
.fm figcaption { font-weight: 600; font-size: 0.875rem; margin-bottom: 0.2rem; }
.fm .frame { position: relative; line-height: 0; }
.fm canvas { display: block; width: 100%; height: auto; image-rendering: pixelated; cursor: pointer; }
.fm .sel { position: absolute; box-sizing: border-box; border: 3px solid #FFB000; pointer-events: none; }
"""
JS = """
(() => {
  const root = document.currentScript.parentElement;
  const data = JSON.parse(root.querySelector(".fm-data").textContent), panels = data.panels;
  const span = (cls, text) => {
    const el = document.createElement("span");
    el.className = cls;
    if (text !== undefined) el.textContent = text;
    return el;
  };
  const legend = root.querySelector(".legend");
  for (const item of data.legend) {
    const el = span("item"), bar = span("bar");
    bar.style.background = item.css;
    el.append(span("name", item.layer), " " + item.what + ": " + item.low, bar, item.high);
    legend.append(el);
  }
  legend.append(document.createElement("br"), span("note", data.note));
  // one palette index per cell (base64, row by row) -> RGBA; index 255 (the gutters) stays transparent
  const bytes = (b64) => Uint8Array.from(atob(b64), (ch) => ch.charCodeAt(0));
  const figures = [...root.querySelectorAll("figure")];
  panels.forEach((p, k) => {
    const fig = figures[k], cv = fig.querySelector("canvas"), sel = fig.querySelector(".sel");
    fig.querySelector("figcaption").textContent = p.title;
    cv.setAttribute("aria-label", p.title);
    cv.width = p.width;
    cv.height = p.height;
    const cells = bytes(p.cells), pal = bytes(p.palette), ctx = cv.getContext("2d");
    const img = ctx.createImageData(p.width, p.height), px = img.data;
    for (let i = 0; i < cells.length; i++) {
      const c = cells[i];
      if (c === 255) continue;
      px[4 * i] = pal[3 * c]; px[4 * i + 1] = pal[3 * c + 1]; px[4 * i + 2] = pal[3 * c + 2]; px[4 * i + 3] = 255;
    }
    ctx.putImageData(img, 0, 0);
    cv.dataset.painted = String(performance.now());
    sel.hidden = p.selected === null;
    if (p.selected !== null) {
      const [h, w] = p.tile, r = Math.floor(p.selected / p.cols), c = p.selected % p.cols;
      Object.assign(sel.style, { left: (100 * c * (w + 1)) / p.width + "%", top: (100 * r * (h + 1)) / p.height + "%",
                                 width: (100 * w) / p.width + "%", height: (100 * h) / p.height + "%" });
    }
  });
  const tileAt = (e) => {
    const cv = e.target.closest && e.target.closest("canvas");
    if (!cv) return null;
    const k = figures.indexOf(cv.closest("figure")), p = panels[k];
    const box = cv.getBoundingClientRect(), [h, w] = p.tile;
    const x = ((e.clientX - box.left) * p.width) / box.width, y = ((e.clientY - box.top) * p.height) / box.height;
    const c = Math.floor(x / (w + 1)), r = Math.floor(y / (h + 1)), i = r * p.cols + c;
    if (c >= p.cols || x - c * (w + 1) >= w || y - r * (h + 1) >= h || i >= p.channels.length) return null;
    return { cv, layer: k, channel: p.channels[i], text: p.texts[i] };
  };
  root.addEventListener("mousemove", (e) => {
    const hit = tileAt(e);
    if (hit) hit.cv.title = hit.text; else if (e.target.title) e.target.title = "";
  });
  root.addEventListener("click", (e) => {
    const hit = tileAt(e);
    if (hit) document.dispatchEvent(new CustomEvent("fm-pick", { detail: { layer: hit.layer, channel: hit.channel } }));
  });
})();
"""
FIGURE_HTML = '<figure><figcaption></figcaption><div class="frame"><canvas role="img"></canvas><div class="sel"></div></div></figure>'
PICK_KEY = "fm_pick"  # the view-less component that turns a tile's "fm-pick" event into a (full) rerun
PICK_JS = """
export default function ({ setTriggerValue }) {
  document.__fmPick = setTriggerValue;  // the newest mount's; the listener is bound once per page
  if (!document.__fmPickBound) {
    document.__fmPickBound = true;
    document.addEventListener("fm-pick", (e) => document.__fmPick && document.__fmPick("pick", e.detail));
  }
}
"""
_pick_component = st.components.v2.component("explorer.fm_pick", js=PICK_JS)


@dataclass(frozen=True)
class _Markup:
    """HTML for st.html as it is: st.html reads an object's _repr_html_ instead of passing a string through
    textwrap.dedent, which costs ~2 ms on the ~60 KB of the mosaics, every stroke (measured)."""

    html: str

    def _repr_html_(self) -> str:
        return self.html


def markup(view: dict) -> _Markup:
    """The mosaics element: a style sheet, the figure skeletons, the data and the script that draws them."""
    payload = json.dumps(view, separators=(",", ":")).replace("</", "<\\/")
    return _Markup(
        f'<div class="fm"><style>{CSS}</style><div class="legend"></div>'
        + FIGURE_HTML * len(view["panels"])
        + f'<script type="application/json" class="fm-data">{payload}</script><script>{JS}</script></div>'
    )


def show(view: dict, key: str) -> None:
    """Draw the mosaics of `view` ({"legend", "note", "panels": [explorer.plots.maps.mosaic_view(...), ...]})."""
    st.container(key=key).html(markup(view), unsafe_allow_javascript=True)


def pick_listener(on_pick) -> None:
    """The view-less component that reruns the app with the tile a student clicked (call it outside fragments)."""
    _pick_component(key=PICK_KEY, on_pick_change=on_pick)


def picked() -> dict:
    """The last clicked tile, {"layer": 0 or 1, "channel": c}, or {}."""
    return (st.session_state.get(PICK_KEY) or {}).get("pick") or {}
