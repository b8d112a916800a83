"""An editable grid of kernel weights: one text box per weight, tinted by its value (inline Components v2).

Why not st.data_editor (measured, benchmarks/README.md): it cost 3.4-3.8 ms of every convolution-playground rerun
against ~1 ms for this component, and its canvas-drawn grid wants a double tap to edit on a tablet and does not
grow with projector mode. Here each weight is a real text box: Tab / arrow keys move between weights, Enter or
leaving a box sends it, Escape takes the edit back. (Not inputmode="decimal": the decimal keypads of iOS and
Android have no minus sign and no "/", and negative weights are half of what a kernel is.)

With `size` the grid also has a height and a width stepper (− n +) above it: one element instead of two
st.number_input and their row, ~1-1.5 ms less of every convolution rerun (benchmarks/README.md).

Data flow: Python sends every cell's text and colours, the editor `version` and the id of the last edit it took.
An edit is the component's state value `edit` = {"id", "row", "col", "text", "version"}; `pending_edit()` returns
one it has not seen for the current version (so AppTest can inject one), and the page validates it. Because the
taken id is part of the data, every edit re-renders the grid, so a refused text is replaced by the kept weight.
A size step is the state value `size` = {"id", "rows", "cols"}: the whole new size, so it holds whatever the
version (two quick clicks both count), and `pending_size()` returns it once.
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
_SIZE_SEEN_SUFFIX = "_size_seen"  # session key `<key>_size_seen`: id of the last size pending_size returned
AXES = ("h", "w")  # the steppers' order: rows (kernel height), then columns (kernel width)

_HTML = '<div class="kg-size" hidden></div><div class="kg" role="group"></div>'

_CSS = """
.kg { display: grid; gap: 4px; width: fit-content; max-width: 100%;
      font-family: var(--st-font); font-size: 1rem; }
.kg input { box-sizing: border-box; width: 100%; min-width: 0; height: 2.6em; padding: 0 0.3em;
            font: inherit; font-variant-numeric: tabular-nums; text-align: center;
            border: 1px solid var(--st-border-color, rgba(49, 51, 63, 0.2)); border-radius: 0.4rem; }
.kg input:focus { outline: 3px solid var(--st-primary-color); outline-offset: 1px; }
.kg-size { display: flex; flex-wrap: wrap; gap: 0.5rem 1rem; margin-bottom: 0.75rem;
           font-family: var(--st-font); font-size: 0.875rem; }
.kg-axis { display: flex; flex-direction: column; gap: 0.25rem; }
.kg-step { display: flex; align-items: center; gap: 0.25rem; }
.kg-step button { width: 2.3em; height: 2.3em; font: inherit; font-size: 1.1rem; cursor: pointer;
                  color: var(--st-text-color); background: var(--st-secondary-background-color, #f0f2f6);
                  border: 1px solid var(--st-border-color, rgba(49, 51, 63, 0.2)); border-radius: 0.4rem; }
.kg-step button:disabled { opacity: 0.4; cursor: default; }
.kg-step button:focus-visible { outline: 3px solid var(--st-primary-color); outline-offset: 1px; }
.kg-step output { min-width: 2em; text-align: center; font-size: 1.1rem; font-variant-numeric: tabular-nums; }
"""

# The default export runs again whenever `data` changes; listeners are bound once per element and read the
# newest data from the element (as in explorer.ui.canvas), and a box being edited keeps the student's text.
_JS = """
export default function ({ parentElement, data, setStateValue }) {
  const root = parentElement.querySelector(".kg");
  const d = data || {}, cells = JSON.parse(d.cells || "[]");
  const rows = cells.length, cols = rows ? cells[0].length : 0, shape = rows + "x" + cols;
  root.__kg = { d, send: setStateValue, want: [rows, cols] };
  steppers(parentElement.querySelector(".kg-size"), root, d);
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

// Height and width steppers (when the page sends size_max_h): each click sends the whole new size at once and
// shows it at once, so a second click before the rerun counts from the first.
function steppers(bar, root, d) {
  bar.hidden = !d.size_max_h;
  if (bar.hidden) return;
  if (!bar.dataset.built) {
    bar.dataset.built = "1";
    for (const axis of ["h", "w"]) {
      const group = document.createElement("div");
      group.className = "kg-axis"; group.dataset.axis = axis; group.setAttribute("role", "group");
      group.innerHTML = '<span></span><div class="kg-step"><button type="button" data-step="-1">−</button>' +
                        '<output aria-live="polite"></output><button type="button" data-step="1">+</button></div>';
      bar.appendChild(group);
    }
    bar.addEventListener("click", (e) => {
      const button = e.target.closest("button");
      if (!button || button.disabled) return;
      const { d, send, want } = root.__kg, i = button.closest(".kg-axis").dataset.axis === "h" ? 0 : 1;
      want[i] += +button.dataset.step;
      show(bar, root.__kg);
      send("size", { id: Date.now().toString(36) + Math.random().toString(36).slice(2, 8),
                     rows: want[0], cols: want[1] });
    });
  }
  show(bar, root.__kg);
}

function show(bar, { d, want }) {
  bar.querySelectorAll(".kg-axis").forEach((group, i) => {
    const axis = group.dataset.axis, name = d["size_label_" + axis] || "", top = d["size_max_" + axis] || 1;
    const [less, more] = group.querySelectorAll("button");
    group.querySelector("span").textContent = name;
    group.setAttribute("aria-label", name); group.title = d["size_help_" + axis] || "";
    group.querySelector("output").textContent = want[i];
    less.disabled = want[i] <= 1; more.disabled = want[i] >= top;
    less.setAttribute("aria-label", (d.size_less || "").replace("{name}", name));
    more.setAttribute("aria-label", (d.size_more || "").replace("{name}", name));
  });
}
"""

_component = st.components.v2.component("explorer.kernel_grid", html=_HTML, css=_CSS, js=_JS)


def _unseen(key: str, name: str, seen_key: str) -> dict[str, Any] | None:
    """The component's state value `name` when it carries an id not returned before (noted as returned now)."""
    value = st.session_state.get(key)
    event = value.get(name) if isinstance(value, dict) else None
    if not isinstance(event, dict) or not isinstance(event.get("id"), str):
        return None
    if event["id"] == st.session_state.get(seen_key):
        return None
    st.session_state[seen_key] = event["id"]
    return event


def pending_edit(key: str, version: int) -> dict[str, Any] | None:
    """The grid's newest edit {"row", "col", "text"} made on editor `version` and not returned before, else None."""
    edit = _unseen(key, "edit", key + _SEEN_SUFFIX)
    if edit is None:
        return None
    row, col, text = edit.get("row"), edit.get("col"), edit.get("text")
    if edit.get("version") != version or not (isinstance(row, int) and isinstance(col, int)):
        return None  # made on a grid that has since been replaced (a preset, a new size): out of date
    return {"row": row, "col": col, "text": text if isinstance(text, str) else ""}


def pending_size(key: str, size_max: tuple[int, int]) -> tuple[int, int] | None:
    """The (rows, cols) asked for by the steppers since the last call, when each is within 1..size_max, else None."""
    size = _unseen(key, "size", key + _SIZE_SEEN_SUFFIX)
    if size is None:
        return None
    wanted = (size.get("rows"), size.get("cols"))
    if not all(type(n) is int and 1 <= n <= top for n, top in zip(wanted, size_max, strict=True)):
        return None  # a size the current input no longer allows (or not a size at all)
    return wanted


def cells(kernel: np.ndarray) -> list[list[dict[str, str]]]:
    """Each weight's text to edit and its colours on the diverging scale (centred on 0)."""
    kernel = np.asarray(kernel, dtype=np.float64)
    backgrounds, inks = diverging_css(kernel)
    return [
        [{"text": weight_text(v), "bg": bg, "ink": ink} for v, bg, ink in zip(*row, strict=True)]
        for row in zip(kernel, backgrounds, inks, strict=True)
    ]


def kernel_grid(
    kernel: np.ndarray, *, key: str, version: int, label: str, size: dict[str, tuple] | None = None
) -> None:
    """Mount the grid for `kernel` (kH, kW); `label` names the grid for screen readers. `size` adds the height and
    width steppers: {"max": (max kH, max kW), "labels": (height, width), "helps": (height's, width's)}."""
    data = {
        # a JSON string, not a list: Streamlit checks every list or dict in `data` for a dataframe (through
        # pandas) on every run; strings and numbers pass straight (see explorer.ui.canvas)
        "cells": json.dumps(cells(kernel)),
        "version": version,
        "taken": st.session_state.get(key + _SEEN_SUFFIX),
        "label": label,
        "cell": t("grid.cell"),  # one box; the browser fills in {row} and {col} (1-based)
    }
    if size is not None:
        for i, axis in enumerate(AXES):
            data[f"size_max_{axis}"] = int(size["max"][i])
            data[f"size_label_{axis}"] = size["labels"][i]
            data[f"size_help_{axis}"] = size["helps"][i]
        data["size_less"], data["size_more"] = t("grid.size_less"), t("grid.size_more")
    _component(
        key=key,
        data=data,
        default={"edit": None, "size": None},
        on_edit_change=_noop,
        on_size_change=_noop,
    )


def _noop() -> None:
    """on_edit_change, on_size_change: the event reruns the fragment; pending_edit/pending_size read it then."""
