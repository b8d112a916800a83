"""An editable grid of kernel weights: one text box per weight, tinted by its value (inline Components v2).

Why not st.data_editor (measured, benchmarks/README.md): it cost 3.4-3.8 ms of every convolution-playground rerun
against ~1 ms for this component, and its canvas-drawn grid wants a double tap to edit on a tablet and does not
grow with projector mode. Here each weight is a real text box: Tab / arrow keys move between weights, Enter or
leaving a box sends it, Escape takes the edit back. (Not inputmode="decimal": the decimal keypads of iOS and
Android have no minus sign and no "/", and negative weights are half of what a kernel is.)

Data flow: Python sends every cell's text and colours, the editor `version` and the id of the last edit it took.
An edit is the component's state value `edit` = {"id", "row", "col", "text", "version"}; `pending_edit()` returns
one it has not seen for the current version (so AppTest can inject one), and the page validates it. Because the
taken id is part of the data, every edit re-renders the grid, so a refused text is replaced by the kept weight.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import streamlit as st

from explorer.kernels import weight_text
from explorer.plots import diverging_css
from explorer.ui import t

_SEEN_SUFFIX = "_seen"  # session key `<key>_seen`: id of the last edit returned by pending_edit

_HTML = '<div class="kg" role="group"></div>'

_CSS = """
.kg { display: grid; gap: 4px; width: fit-content; max-width: 100%;
      font-family: var(--st-font); font-size: 1rem; }
.kg input { box-sizing: border-box; width: 100%; min-width: 0; height: 2.6em; padding: 0 0.3em;
            font: inherit; font-variant-numeric: tabular-nums; text-align: center;
            border: 1px solid var(--st-border-color, rgba(49, 51, 63, 0.2)); border-radius: 0.4rem; }
.kg input:focus { outline: 3px solid var(--st-primary-color); outline-offset: 1px; }
"""

# The default export runs again whenever `data` changes; listeners are bound once per element and read the
# newest data from the element (as in explorer.ui.canvas), and a box being edited keeps the student's text.
_JS = """
export default function ({ parentElement, data, setStateValue }) {
  const root = parentElement.querySelector(".kg");
  const d = data || {}, cells = JSON.parse(d.cells || "[]");
  const rows = cells.length, cols = rows ? cells[0].length : 0, shape = rows + "x" + cols;
  root.__kg = { d, send: setStateValue };
  root.setAttribute("aria-label", d.label || "");
  if (root.dataset.shape !== shape) {
    root.replaceChildren();
    for (let i = 0; i < rows * cols; i++) {
      const box = document.createElement("input");
      Object.assign(box, { type: "text", autocomplete: "off", autocapitalize: "off", spellcheck: false });
      box.dataset.r = Math.floor(i / cols); box.dataset.c = i % cols;
      root.appendChild(box);
    }
    root.style.gridTemplateColumns = "repeat(" + cols + ", minmax(2.6em, 4.2em))";
    root.dataset.shape = shape;
  }
  root.querySelectorAll("input").forEach((box) => {
    const cell = cells[box.dataset.r][box.dataset.c];
    box.setAttribute("aria-label", (d.cell || "").replace("{row}", +box.dataset.r + 1)
                                                .replace("{col}", +box.dataset.c + 1));
    box.style.background = cell.bg; box.style.color = cell.ink;
    box.dataset.text = cell.text;
    if (!(box.dataset.dirty && box === document.activeElement)) { box.value = cell.text; box.dataset.dirty = ""; }
  });
  if (root.dataset.bound) return;
  root.dataset.bound = "1";
  const send = (box) => {
    if (!box.dataset.dirty) return;
    box.dataset.dirty = "";
    const { d, send } = root.__kg;
    send("edit", { id: Date.now().toString(36) + Math.random().toString(36).slice(2, 8),
                   row: +box.dataset.r, col: +box.dataset.c, text: box.value, version: d.version });
  };
  const move = (box, dr, dc) => {
    const next = root.querySelector(`input[data-r="${+box.dataset.r + dr}"][data-c="${+box.dataset.c + dc}"]`);
    if (next) next.focus();
  };
  root.addEventListener("input", (e) => { e.target.dataset.dirty = "1"; });
  root.addEventListener("change", (e) => send(e.target));
  root.addEventListener("focusin", (e) => e.target.select());
  root.addEventListener("keydown", (e) => {
    const box = e.target;
    if (e.key === "Enter") { e.preventDefault(); send(box); move(box, 1, 0); }
    else if (e.key === "Escape") { box.value = box.dataset.text; box.dataset.dirty = ""; }
    else if (e.key === "ArrowUp") { e.preventDefault(); move(box, -1, 0); }
    else if (e.key === "ArrowDown") { e.preventDefault(); move(box, 1, 0); }
  });
}
"""

_component = st.components.v2.component("explorer.kernel_grid", html=_HTML, css=_CSS, js=_JS)


def pending_edit(key: str, version: int) -> dict[str, Any] | None:
    """The grid's newest edit {"row", "col", "text"} made on editor `version` and not returned before, else None."""
    value = st.session_state.get(key)
    edit = value.get("edit") if isinstance(value, dict) else None
    if not isinstance(edit, dict) or not isinstance(edit.get("id"), str):
        return None
    if edit["id"] == st.session_state.get(key + _SEEN_SUFFIX):
        return None
    st.session_state[key + _SEEN_SUFFIX] = edit["id"]
    row, col, text = edit.get("row"), edit.get("col"), edit.get("text")
    if edit.get("version") != version or not (isinstance(row, int) and isinstance(col, int)):
        return None  # made on a grid that has since been replaced (a preset, a new size): out of date
    return {"row": row, "col": col, "text": text if isinstance(text, str) else ""}


def cells(kernel: np.ndarray) -> list[list[dict[str, str]]]:
    """Each weight's text to edit and its colours on the diverging scale (centred on 0)."""
    kernel = np.asarray(kernel, dtype=np.float64)
    backgrounds, inks = diverging_css(kernel)
    return [
        [{"text": weight_text(v), "bg": bg, "ink": ink} for v, bg, ink in zip(*row, strict=True)]
        for row in zip(kernel, backgrounds, inks, strict=True)
    ]


def kernel_grid(kernel: np.ndarray, *, key: str, version: int, label: str) -> None:
    """Mount the grid for `kernel` (kH, kW); `label` names the grid for screen readers."""
    grid = cells(kernel)
    _component(
        key=key,
        data={
            # a JSON string, not a list: Streamlit checks every list or dict in `data` for a dataframe (through
            # pandas) on every run; strings and numbers pass straight (see explorer.ui.canvas)
            "cells": json.dumps(grid),
            "version": version,
            "taken": st.session_state.get(key + _SEEN_SUFFIX),
            "label": label,
            "cell": t("grid.cell"),  # one box; the browser fills in {row} and {col} (1-based)
        },
        default={"edit": None},
        on_edit_change=_noop,
    )


def _noop() -> None:
    """on_edit_change: the edit reruns the fragment; pending_edit() reads it on that run."""
