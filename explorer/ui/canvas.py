"""Our own drawing canvas: an inline Custom Components v2 component (HTML/CSS/JS strings, no build step).

Why not streamlit-drawable-canvas (measured, shared/reference/STREAMLIT.md §1):
- latency: it sends the drawing after a fixed 200 ms debounce (stroke -> Python ~300 ms median); this canvas
  sends on pointer-up (~85 ms), which is what makes "draw and watch the network answer" feel live;
- touch: upstream dropped mobile/touch from 0.10.0 and keeps its touch issues open; pointer events with
  `touch-action: none` cover mouse, touch and pen here;
- risk: a single-maintainer package whose API churned 0.10 -> 0.13 in a month, and whose 0.9.x line broke on a
  Streamlit minor release through a private API; this file uses only Streamlit's public `st.components.v2`;
- we need little: freehand strokes, brush size, undo, clear, loading a digit, a PNG out. No Fabric.js scene.

Browser contract (ARCHITECTURE.md §3): exactly one <canvas> inside `.st-key-digit_canvas`, which gets
`data-ready="1"` once its pointer listeners are attached. Ink is alpha on a transparent background, so
explorer.preprocess reads the ink from the alpha channel whatever the theme colours are.

Data flow: the component's state value `stroke` = {"id": unique id, "png": data URL or null (blank)} is set on
pointer-up, undo and clear. `digit_canvas()` processes an id it has not seen yet (so AppTest can inject one),
stores the 28x28 digit in st.session_state["digit"], then mounts the canvas with a `scene` to show: its own
latest drawing (so a remounted canvas, e.g. after switching pages, comes back with the drawing), or the current
digit when that was set elsewhere (a sample, an upload, another page, a test).
"""

from __future__ import annotations

import base64
import binascii
import io
import uuid
from dataclasses import dataclass

import numpy as np
import streamlit as st
from PIL import Image

from explorer import preprocess as pp
from explorer.ui import DIGIT, t

KEY = "digit_canvas"  # browser hook: .st-key-digit_canvas canvas
STEPS = "digit_steps"  # {"digit", "steps": Preprocessed | None, "source": (key, params)} of the current digit
SIDE = 280  # internal bitmap size; the element itself is sized by CSS
DEFAULT_BRUSH = 20  # bitmap pixels: about MNIST's stroke width once the digit is fitted into 20x20

LABELS = {"brush": "brush", "undo": "undo", "clear": "clear", "canvas": "aria"}  # data key -> canvas.* text
_SEEN = "_digit_canvas_seen"  # id of the last canvas value processed
_LAST = "_digit_canvas_last"  # the canvas' own latest drawing: {"id", "png", "digit"}
_PUSHED = "_digit_canvas_pushed"  # a digit set elsewhere, as a scene: {"id", "png", "digit"}

_HTML = """
<div class="dc">
  <canvas width="280" height="280" role="img"></canvas>
  <div class="bar">
    <label class="brush"><span></span><input type="range" min="8" max="44" step="2"></label>
    <button type="button" data-action="undo"></button>
    <button type="button" data-action="clear"></button>
  </div>
</div>
"""

_CSS = """
.dc { display: flex; flex-direction: column; gap: 0.5rem; width: 100%; max-width: 340px;
      font-family: var(--st-font); color: var(--st-text-color); }
.dc canvas { display: block; box-sizing: border-box; width: 100%; height: auto; aspect-ratio: 1 / 1;
             touch-action: none; user-select: none; -webkit-user-select: none; cursor: crosshair;
             background: var(--st-secondary-background-color, #f0f2f6);
             border: 1px solid var(--st-border-color, rgba(49, 51, 63, 0.2)); border-radius: 0.5rem; }
.dc .bar { display: flex; flex-wrap: wrap; align-items: center; gap: 0.5rem; }
.dc .brush { display: flex; flex-wrap: wrap; align-items: center; gap: 0.4rem; flex: 1 1 8rem; min-width: 0;
             font-size: 0.875rem; }
.dc input[type=range] { flex: 1 1 4rem; min-width: 0; max-width: 100%; accent-color: var(--st-primary-color); }
.dc button { font: inherit; font-size: 0.875rem; color: inherit; min-height: 2.5rem; padding: 0 0.9rem;
             background: var(--st-background-color, transparent); cursor: pointer;
             border: 1px solid var(--st-border-color, rgba(49, 51, 63, 0.2)); border-radius: 0.5rem; }
.dc button:hover:enabled, .dc button:focus-visible { border-color: var(--st-primary-color);
                                                     color: var(--st-primary-color); }
.dc button:disabled { opacity: 0.45; cursor: default; }
"""

# The default export runs at mount and again whenever `data` changes (each stroke changes the scene), and a
# returned cleanup was not reliably run in between (measured: listeners stacked, one Undo click undid three
# steps). So listeners are bound once per element, and every piece of state that must outlive one invocation
# -- undo history, the stroke in progress, ids -- lives on the <canvas> element itself.
_JS = """
const W = 280, H = 280, HISTORY = 20, BRUSH_KEY = "explorer.digit_canvas.brush";

export default function ({ parentElement, data, setStateValue }) {
  const root = parentElement.querySelector(".dc");
  const canvas = root.querySelector("canvas");
  const brush = root.querySelector("input");
  const undoBtn = root.querySelector("[data-action=undo]");
  const clearBtn = root.querySelector("[data-action=clear]");
  const ctx = canvas.getContext("2d", { willReadFrequently: true });
  const d = data || {};

  root.querySelector(".brush span").textContent = d.label_brush || "Brush";
  undoBtn.textContent = d.label_undo || "Undo";
  clearBtn.textContent = d.label_clear || "Clear";
  canvas.setAttribute("aria-label", d.label_canvas || "Drawing area");

  const s = canvas.__dc || (canvas.__dc = { history: [], stroke: null, content: null, scene: null,
                                            sent: new Set(), ink: null });
  if (!brush.dataset.init) {
    let saved = null;
    try { saved = sessionStorage.getItem(BRUSH_KEY); } catch (e) {}
    brush.value = saved || d.brush || 20;
    brush.dataset.init = "1";
  }

  const ink = () => getComputedStyle(canvas).getPropertyValue("--st-text-color").trim() || "#31333f";
  const blank = () => {
    const a = ctx.getImageData(0, 0, W, H).data;
    for (let i = 3; i < a.length; i += 4) if (a[i]) return false;
    return true;
  };
  const refresh = () => { undoBtn.disabled = s.history.length === 0; };
  const snapshot = () => {
    s.history.push(ctx.getImageData(0, 0, W, H));
    if (s.history.length > HISTORY) s.history.shift();
    refresh();
  };
  const send = () => {
    s.content = "c" + Date.now().toString(36) + Math.random().toString(36).slice(2, 10);
    s.sent.add(s.content);
    setStateValue("stroke", { id: s.content, png: blank() ? null : canvas.toDataURL("image/png") });
  };
  const recolour = (colour) => {  // keep alpha (the ink), repaint it in the theme's text colour
    ctx.save();
    ctx.globalCompositeOperation = "source-in";
    ctx.fillStyle = colour;
    ctx.fillRect(0, 0, W, H);
    ctx.restore();
  };
  const paint = (png, id) => {
    if (!png) { ctx.clearRect(0, 0, W, H); return; }
    const img = new Image();
    img.onload = () => {
      if (s.content !== id || s.stroke) return;  // the user drew meanwhile: keep their drawing
      ctx.clearRect(0, 0, W, H);
      ctx.imageSmoothingEnabled = true;
      ctx.imageSmoothingQuality = "high";
      ctx.drawImage(img, 0, 0, W, H);
      recolour(s.ink);
    };
    img.src = png;
  };

  const colour = ink();
  if (s.ink && s.ink !== colour) recolour(colour);  // the theme changed
  s.ink = colour;

  // A scene from Python: paint it unless it is a drawing this very element sent (or already showed).
  const scene = d.scene_id ? { id: d.scene_id, png: d.scene_png } : null;
  if (scene && scene.id !== s.scene) {
    s.scene = scene.id;
    if (scene.id !== s.content && !s.sent.has(scene.id)) {
      if (!blank()) snapshot();  // loading a digit can be undone
      s.content = scene.id;
      paint(scene.png, scene.id);
    }
  }
  refresh();

  const point = (e) => {
    const r = canvas.getBoundingClientRect();
    return [((e.clientX - r.left) * W) / r.width, ((e.clientY - r.top) * H) / r.height];
  };
  const down = (e) => {
    if (!e.isPrimary || e.button > 0 || s.stroke) return;
    e.preventDefault();
    snapshot();
    try { canvas.setPointerCapture(e.pointerId); } catch (err) {}
    const p = point(e);
    s.stroke = { id: e.pointerId, last: p };
    ctx.globalCompositeOperation = "source-over";
    ctx.lineCap = ctx.lineJoin = "round";
    ctx.strokeStyle = ctx.fillStyle = s.ink;
    ctx.lineWidth = +brush.value;
    ctx.beginPath();
    ctx.arc(p[0], p[1], ctx.lineWidth / 2, 0, 2 * Math.PI);  // a tap leaves a dot
    ctx.fill();
  };
  const move = (e) => {
    const st = s.stroke;
    if (!st || e.pointerId !== st.id) return;
    e.preventDefault();
    const events = (e.getCoalescedEvents && e.getCoalescedEvents()) || [];
    ctx.beginPath();
    ctx.moveTo(st.last[0], st.last[1]);
    for (const ev of events.length ? events : [e]) {
      st.last = point(ev);
      ctx.lineTo(st.last[0], st.last[1]);
    }
    ctx.stroke();
  };
  const up = (e) => {
    const st = s.stroke;
    if (!st || e.pointerId !== st.id) return;
    s.stroke = null;
    try { canvas.releasePointerCapture(e.pointerId); } catch (err) {}
    send();  // no debounce: pointer-up is the moment the student waits for
  };
  const undo = () => {
    if (s.stroke || !s.history.length) return;
    ctx.putImageData(s.history.pop(), 0, 0);
    refresh();
    send();
  };
  const clear = () => {
    if (s.stroke) return;
    if (!blank()) snapshot();
    ctx.clearRect(0, 0, W, H);
    send();
  };
  const keepBrush = () => { try { sessionStorage.setItem(BRUSH_KEY, brush.value); } catch (e) {} };

  // Listeners are bound once per element and call the newest handlers: re-invocations must not stack them.
  s.on = { down, move, up, undo, clear, keepBrush };
  if (!s.bound) {
    s.bound = true;
    const bind = (el, type, name) => el.addEventListener(type, (e) => s.on[name](e));
    bind(canvas, "pointerdown", "down");
    bind(canvas, "pointermove", "move");
    bind(canvas, "pointerup", "up");
    bind(canvas, "pointercancel", "up");
    bind(canvas, "lostpointercapture", "up");
    bind(undoBtn, "click", "undo");
    bind(clearBtn, "click", "clear");
    bind(brush, "change", "keepBrush");
  }
  canvas.dataset.ready = "1";
}
"""

_component = st.components.v2.component("explorer.digit_canvas", html=_HTML, css=_CSS, js=_JS)


@dataclass(frozen=True)
class Drawing:
    """What the canvas sent: `png` bytes, or None when it was cleared; `error` names a message if unreadable."""

    id: str
    png: bytes | None
    error: str | None = None


def _noop() -> None:
    """The state value only reaches Python when an on_<name>_change callback is given."""


def new_drawing() -> Drawing | None:
    """The drawing the canvas sent since it was last processed (PNG bytes / None when cleared), else None."""
    value = st.session_state.get(KEY)
    stroke = value.get("stroke") if isinstance(value, dict) else None
    if not isinstance(stroke, dict) or not isinstance(stroke.get("id"), str):
        return None
    if stroke["id"] == st.session_state.get(_SEEN):
        return None
    st.session_state[_SEEN] = stroke["id"]
    url = stroke.get("png")
    if url is None:
        return Drawing(stroke["id"], None)
    png = _decode_data_url(url)
    return Drawing(stroke["id"], png, None if png else "error_corrupt")


def _decode_data_url(url) -> bytes | None:
    if not isinstance(url, str) or not url.startswith("data:image/png;base64,"):
        return None
    try:
        return base64.b64decode(url.split(",", 1)[1], validate=True)
    except (binascii.Error, ValueError):
        return None


def store_drawing(drawing: Drawing) -> pp.Preprocessed | None:
    """Preprocess the canvas image (explorer.preprocess) and store the digit; returns the steps or None."""
    steps = None
    if drawing.png is not None and drawing.error is None:
        try:
            steps = pp.preprocess(pp.load_image(drawing.png))
        except pp.ImageLoadError:
            steps = None
    digit = steps.digit if steps is not None else None
    set_digit(digit, steps, ("source.canvas", {}))
    url = "data:image/png;base64," + base64.b64encode(drawing.png).decode() if drawing.png else None
    st.session_state[_LAST] = {"id": drawing.id, "png": url, "digit": digit}
    return steps


def set_digit(
    digit: np.ndarray | None, steps: pp.Preprocessed | None = None, source: tuple[str, dict] | None = None
) -> None:
    """Make `digit` the current digit, with its preprocessing steps and a translation key (+ params) naming
    where it came from; the canvas shows it on its next run."""
    st.session_state[DIGIT] = digit
    st.session_state[STEPS] = {"digit": digit, "steps": steps, "source": source}


def current_steps() -> tuple[pp.Preprocessed | None, str | None]:
    """The current digit's preprocessing steps and where it came from (translated), when known."""
    digit = st.session_state.get(DIGIT)
    entry = st.session_state.get(STEPS)
    if digit is None or not isinstance(entry, dict) or entry.get("digit") is not digit:
        return None, None
    source = entry.get("source")
    return entry.get("steps"), (t(source[0], **source[1]) if source else None)


def digit_png(digit: np.ndarray, factor: int = 1) -> bytes:
    """A 28x28 digit -> PNG with the ink in alpha (transparent background), as the canvas draws."""
    a = (np.clip(np.asarray(digit, dtype=np.float32), 0, 1) * 255).round().astype(np.uint8)  # (28, 28)
    if factor > 1:
        a = np.kron(a, np.ones((factor, factor), dtype=np.uint8))
    img = Image.merge("LA", (Image.new("L", (a.shape[1], a.shape[0]), 0), Image.fromarray(a, "L")))
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


def _scene() -> dict:
    """What the canvas should show: its own latest drawing, or the current digit when that came from elsewhere."""
    digit = st.session_state.get(DIGIT)
    last = st.session_state.get(_LAST)
    if last is not None and last["digit"] is digit:
        return {"id": last["id"], "png": last["png"]}
    pushed = st.session_state.get(_PUSHED)
    if pushed is None or pushed["digit"] is not digit:
        png = None
        if isinstance(digit, np.ndarray) and digit.shape == (28, 28):
            png = "data:image/png;base64," + base64.b64encode(digit_png(digit)).decode()
        pushed = {"id": "p" + uuid.uuid4().hex[:12], "png": png, "digit": digit}
        st.session_state[_PUSHED] = pushed
    return {"id": pushed["id"], "png": pushed["png"]}


def digit_canvas(brush: int = DEFAULT_BRUSH) -> Drawing | None:
    """Process a new drawing into st.session_state["digit"], then mount the canvas; returns that drawing."""
    drawing = new_drawing()
    if drawing is not None:
        store_drawing(drawing)
    scene = _scene()
    # Flat values only: Streamlit checks every dict or list in `data` for a dataframe, which imports pandas
    # (~0.4 s on a fresh server's first page) and costs time on every run; strings and numbers pass straight.
    data = {"brush": brush, "scene_id": scene["id"], "scene_png": scene["png"]}
    data.update({f"label_{name}": t(f"canvas.{key}") for name, key in LABELS.items()})
    _component(
        key=KEY,
        data=data,
        default={"stroke": None},
        on_stroke_change=_noop,
    )
    return drawing
