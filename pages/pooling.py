"""Pooling: max and average pooling window by window, the tutorial's 5×5 example and its padding, and why pooling
makes features robust to small moves (logic in explorer.pooling_lesson and explorer.invariance).

Speed (budget 30 ms per rerun): the page is three tabs and a rerun builds only the open one; what costs a few
milliseconds but is looked at now and then (the grid editor, the downloads, the predictions for ten moved digits)
sits in a container that is built only while open.
"""

from __future__ import annotations

from contextlib import contextmanager

import numpy as np
import pandas as pd
import streamlit as st

from explorer import invariance as inv
from explorer import ops, ui
from explorer import pooling_lesson as lesson
from explorer.plots import pool as plots
from explorer.ui import export, projector, sections, share, t
from explorer.ui import lesson as guide

KEEP = {"persist_state": "session"}  # settings survive a visit to another page
CHART = {"displayModeBar": False}
GRID = "pool_grid"  # the editable grid's values (not a widget key: survives page switches)
EDITOR = "pool_editor"  # version of the grid editor; a new key drops its edits after a reset
STAGE_SIZES = {"relu1": 28, "pool1": 14, "pool1x2": 7}
SECTION = "pool_section"  # the open tab's id: unlike the tabs' own value (a translated label) it survives a
# language or page switch
TABS = "pool_tab"  # the tabs widget
GRID_EDIT = "pool_grid_edit"  # expander with the grid editor
PREDICTIONS = "pool_predictions"  # expander with the moved digits and the network's answers
DOWNLOADS = "pool_downloads"  # popover with the PNG / CSV buttons
FRESH = "pool_fresh"  # settings code wrote in this run, not their widget (emptied when a run ends)


def init_state(written=()) -> None:
    """Defaults for every setting (lesson.DEFAULTS) and the page's internal keys; notes in FRESH which settings
    code wrote in this run (`written`: those written before)."""
    fresh = st.session_state.get(FRESH)
    if not isinstance(fresh, set):
        fresh = st.session_state[FRESH] = set()
    fresh.update(lesson.init_state(st.session_state), written)
    st.session_state.setdefault(GRID, lesson.EXAMPLE_GRID.tolist())
    st.session_state.setdefault(EDITOR, 0)


@contextmanager
def one_run(written=()):
    """init_state() for a page or fragment run, and FRESH emptied when it ends."""
    init_state(written)
    try:
        yield
    finally:
        st.session_state[FRESH] = set()


def on_grid_edit(editor_key: str) -> None:
    """Keep the editor's values in GRID so they survive a page switch (cells are absolute values)."""
    grid = [list(row) for row in st.session_state[GRID]]
    for r, cells in st.session_state[editor_key].get("edited_rows", {}).items():
        for c, value in cells.items():
            grid[int(r)][int(c)] = value
    st.session_state[GRID] = grid


def on_grid_reset() -> None:
    """Back to the example grid."""
    st.session_state[GRID] = lesson.EXAMPLE_GRID.tolist()
    st.session_state[EDITOR] += 1


def slider(container, key: str, low, high, *, step=1, label_key: str | None = None, help: str | None = None):
    """A slider for one setting, or a caption when only one value is allowed."""
    label = t(label_key or key.replace("pool_", "pool."))
    value = st.session_state.get(key, lesson.DEFAULTS.get(key, low))
    value = min(max(value, low), high)
    fresh = st.session_state[FRESH]
    if st.session_state.get(key) != value:
        st.session_state[key] = value
        fresh.add(key)
    if high <= low:
        container.caption(t("pool.only_value", name=label, value=low))
        return low
    # A slider whose min/max change gets a new identity and would restart at its default (seen in the browser when
    # a fragment reruns with another input size), so the default is the current value. Passing one also spares
    # Streamlit a scan of the whole session state, except where code wrote the key this run: Streamlit logs a
    # warning for a default next to such a write.
    default = None if key in fresh else value
    return container.slider(label, low, high, value=default, step=step, key=key, help=help, **KEEP)


# ----------------------------------------------------------------------------------------------------------
# input


def grid_editor() -> None:
    """The grid's cells in an editable table, and a reset button."""
    editor_key = f"{EDITOR}_{st.session_state[EDITOR]}"
    base = np.asarray(st.session_state[GRID], dtype=np.float64)
    labels = [str(c) for c in range(base.shape[1])]
    st.data_editor(
        pd.DataFrame(base, columns=labels),
        key=editor_key,
        on_change=on_grid_edit,
        args=(editor_key,),
        num_rows="fixed",
        column_config={
            c: st.column_config.NumberColumn(
                c, required=True, min_value=-lesson.GRID_LIMIT, max_value=lesson.GRID_LIMIT
            )
            for c in labels
        },
    )
    st.button(t("pool.grid_reset"), on_click=on_grid_reset, key="pool_grid_reset_button")


def current_grid() -> np.ndarray | None:
    """The example grid with the user's edits, or None after an error message."""
    try:
        return lesson.parse_grid(st.session_state[GRID])
    except ValueError:
        st.error(t("pool.err_grid", limit=int(lesson.GRID_LIMIT)))
        return None


def grid_input() -> np.ndarray | None:
    """The editable 5×5 grid (our own example in the tutorial's spirit), or None after an error message."""
    st.caption(t("pool.grid_note"))
    with sections.expander(t("pool.grid_edit"), GRID_EDIT) as box:
        if box.open:
            grid_editor()
    return current_grid()


def digit_or_sample() -> tuple[np.ndarray | None, bool]:
    """The current digit, or a bundled sample 9 when nothing is drawn; (digit, is_sample)."""
    digit = ui.current_digit()
    if digit is not None:
        return digit, False
    return lesson.sample_digit(), True


def feature_map(digit: np.ndarray) -> np.ndarray | None:
    """The chosen conv1 channel after ReLU (28, 28), as the network's pool1 receives it; None without a model."""
    model = ui.get_model()
    if model is None:
        return None
    channel = slider(st, "pool_channel", 0, 31, help=t("pool.channel_help"))
    return inv.conv1_map(model, digit, channel)


def pooling_input() -> tuple[np.ndarray | None, str]:
    """The chosen input map and its kind ("grid", "digit", "map"); None when it is unavailable (message shown)."""
    st.segmented_control(
        t("pool.source"),
        lesson.SOURCES,
        format_func=lambda s: t(f"pool.source.{s}"),
        required=True,
        key="pool_source",
        **KEEP,
    )
    source = st.session_state.pool_source
    if source == "tutorial":
        return grid_input(), "grid"
    digit, is_sample = digit_or_sample()
    if digit is None:
        st.info(t("pool.need_digit"))
        return None, "digit"
    notes = [t("pool.sample_note")] if is_sample else []
    if source == "digit":
        image, kind = digit.astype(np.float32), "digit"
    else:
        image, kind = feature_map(digit), "map"
        notes.append(t("pool.feature_note"))
    if notes and image is not None:
        st.caption("  \n".join(notes))
    return image, kind


# ----------------------------------------------------------------------------------------------------------
# settings and the pooled result


def settings(shape: tuple[int, int]) -> lesson.PoolSettings:
    """Max/avg, window, stride per axis, padding, dilation, ceil_mode, count_include_pad (bounded for `shape`)."""
    st.session_state[FRESH].update(lesson.clamp_state(st.session_state, shape))
    st.segmented_control(
        t("pool.mode"),
        lesson.MODES,
        format_func=lambda m: t(f"pool.mode.{m}"),
        required=True,
        key="pool_mode",
        **KEEP,
    )
    mode = st.session_state.pool_mode
    c1, c2, c3 = st.columns(3)
    b = lesson.bounds(shape, 1)
    kernel = slider(c1, "pool_kernel", 1, b.max_kernel, help=t("pool.kernel_help"))
    dilation = 1
    if mode == "max":
        dilation = slider(
            c1, "pool_dilation", 1, lesson.bounds(shape, kernel).max_dilation, help=t("pool.dilation_help")
        )
    b = lesson.bounds(shape, kernel, dilation)
    slider(c2, "pool_stride_h", 1, b.max_stride, help=t("pool.stride_help"))
    slider(c2, "pool_stride_w", 1, b.max_stride, help=t("pool.stride_help"))
    slider(c3, "pool_padding", 0, b.max_padding, help=t("pool.padding_help"))
    c3.caption(t("pool.padding_limit", k=kernel, limit=b.max_padding))
    c1.toggle(t("pool.ceil_mode"), key="pool_ceil_mode", help=t("pool.ceil_help"), **KEEP)
    if mode == "avg":
        c2.toggle(t("pool.count_include_pad"), key="pool_count_include_pad", help=t("pool.cip_help"), **KEEP)
    return lesson.PoolSettings.from_state(st.session_state)


def summary(image: np.ndarray, result: lesson.PoolResult, s: lesson.PoolSettings) -> None:
    """Output size with both formulas, what was discarded, and the notes that apply (one markdown)."""
    h, w = image.shape
    h_out, w_out = result.output.shape
    if s.mode == "max":
        pct = f"{result.losers / result.in_cells:.0%}"
        discarded = t(
            "pool.discarded_max", lost=result.losers, total=result.in_cells, pct=pct, kept=result.out_cells
        )
    else:
        discarded = t(
            "pool.discarded_avg", total=result.in_cells, kept=result.out_cells, pct=f"{result.reduction:.0%}"
        )
    lines = [
        f"**{t('pool.size_result', h=h, w=w, h_out=h_out, w_out=w_out)}**",
        t("pool.formula_h", formula=result.formula_h),
        t("pool.formula_w", formula=result.formula_w),
        discarded,
    ]
    with st.container(key="pool_summary"):
        st.markdown("  \n".join(lines))
        if s.ceil_mode and (
            ops.ceil_mode_dropped(h, s.kernel_size, s.stride[0], s.padding, s.dilation)
            or ops.ceil_mode_dropped(w, s.kernel_size, s.stride[1], s.padding, s.dilation)
        ):
            st.caption(t("pool.ceil_dropped"))
        if result.unseen:
            st.warning(t("pool.unseen", n=result.unseen))


def downloads(items) -> None:
    """PNG and CSV buttons for each (figure, file name, title), in a popover built only while open."""
    with st.popover(t("pool.downloads"), icon=":material/download:", key=DOWNLOADS, on_change="rerun") as box:
        if box.open:
            for fig, name, title in items:
                st.caption(title)
                export.downloads(fig, name)


def pooled(image: np.ndarray, kind: str, s: lesson.PoolSettings) -> None:
    """Windows over the input, the pooled map, the size formula, what was discarded, and the PyTorch code."""
    v = lesson.views(image, s, kind, t("pool.hover"))
    result, input_fig, output_fig = v.result, v.windows, v.pooled
    h_out, w_out = result.output.shape
    left, right = st.columns([3, 2])
    output_title = t("pool.output_title", h=h_out, w=w_out)
    with left:
        st.markdown(f"**{t('pool.input_title')}**", help=t(f"pool.legend.{s.mode}"))
        st.plotly_chart(
            projector.style(input_fig),
            key="pool_input_chart",
            config=CHART,
            alt=export.alt_text(image, t("pool.input_title")),
        )
        if v.step > 1:
            st.caption(t("pool.subset", m=v.step))
    with right:
        st.markdown(f"**{output_title}**")
        st.plotly_chart(
            projector.style(output_fig),
            key="pool_output_chart",
            config=CHART,
            alt=export.alt_text(result.output, output_title),
        )
        downloads(
            [(input_fig, "pool_input", t("pool.input_title")), (output_fig, "pool_output", output_title)]
        )
    summary(image, result, s)
    st.toggle(t("pool.code_toggle"), key="pool_show_code", **KEEP)
    if st.session_state.pool_show_code:
        st.caption(t("pool.code_caption"))
        st.code(lesson.pytorch_code(image, s), language="python")


# ----------------------------------------------------------------------------------------------------------
# the two padding conventions


def conventions() -> None:
    """The tutorial's zero padding next to PyTorch's −∞ / ceil_mode for the 2×2, stride-2 max pool of the grid."""
    st.markdown(t("pool.conv_intro"))
    grid = current_grid()
    if grid is None:
        return
    c = lesson.conventions(grid)
    titles = (t("pool.conv_zero_in"), t("pool.conv_out"), t("pool.conv_torch_in"), t("pool.conv_out"))
    fig = plots.conventions_figure(c.zero_padded_input, c.zero_output, c.torch_output, grid.shape, titles)
    st.plotly_chart(projector.style(fig), key="pool_conventions_chart", config=CHART)
    st.markdown(t("pool.conv_agree") if c.agree else t("pool.conv_differ"))
    st.caption(f"{t('pool.conv_when')}  \n{t('pool.conv_grid')}")


# ----------------------------------------------------------------------------------------------------------
# invariance


def transform_sliders() -> tuple[inv.Transform, int]:
    """Shift, rotation, scale and the conv1 channel to watch."""
    c1, c2, c3 = st.columns(3)
    dx = slider(c1, "pool_shift_x", -4, 4, help=t("pool.shift_help"))
    dy = slider(c1, "pool_shift_y", -4, 4, help=t("pool.shift_help"))
    angle = slider(c2, "pool_rotate", -30, 30, step=5)
    scale = slider(c2, "pool_scale", 0.7, 1.3, step=0.05)
    channel = slider(c3, "pool_inv_channel", 0, 31, label_key="pool.channel", help=t("pool.channel_help"))
    return inv.Transform(int(dx), int(dy), float(angle), round(float(scale), 2)), int(channel)


def stage_changes(changes: tuple[inv.StageChange, ...]) -> None:
    """Per stage: the chosen channel's correlation, whether its maximum stayed put, all channels; the maps."""
    with st.container(key="pool_invariance"):
        for col, ch in zip(st.columns(3), changes, strict=True):
            size = STAGE_SIZES[ch.stage]
            col.metric(
                t(f"pool.stage.{ch.stage}", size=size), f"{ch.correlation:.2f}", help=t("pool.corr_help")
            )
            same = t("pool.same_max_yes" if ch.same_max else "pool.same_max_no")
            r, share_ = f"{ch.mean_correlation:.2f}", f"{ch.same_max_share:.0%}"
            col.caption(f"{same}  \n{t('pool.all_channels', r=r, share=share_, n=ch.channels)}")
    titles = [t(f"pool.stage.{ch.stage}", size=STAGE_SIZES[ch.stage]) for ch in changes]
    fig = plots.stages_figure(
        [c.before for c in changes],
        [c.after for c in changes],
        titles,
        (t("pool.row_original"), t("pool.row_moved")),
    )
    st.plotly_chart(projector.style(fig), key="pool_stages_chart", config=CHART)
    st.caption(t("pool.stages_note"))


def predictions(model, digit: np.ndarray, tr: inv.Transform) -> None:
    """The fixed moves and the sliders' own, each with the network's prediction (ten forward passes per digit)."""
    digits, labels, probs = inv.cached_variant_row(model, digit, tr)
    keys = [k for k, _ in inv.VARIANTS] + ["pool.var_current"]
    captions = [
        t("pool.pred_caption", name=t(key), digit=int(k), p=f"{p:.0%}")
        for key, k, p in zip(keys, labels, probs, strict=True)
    ]
    fig = plots.variants_figure(digits, captions)
    st.plotly_chart(projector.style(fig), key="pool_variants_chart", config=CHART)
    st.caption(t("pool.pred_note"))


def invariance() -> None:
    """Shift / rotate / scale the digit: change of a conv1 channel before and after pooling, and predictions."""
    digit, is_sample = digit_or_sample()
    note = f"\n\n*{t('pool.sample_note')}*" if is_sample and digit is not None else ""
    st.markdown(t("pool.inv_intro") + note)
    if digit is None:
        st.info(t("pool.need_digit"))
        return
    model = ui.get_model()
    if model is None:
        return
    tr, channel = transform_sliders()
    stage_changes(inv.cached_measure(model, digit, tr, channel))
    with sections.expander(t("pool.pred_title"), PREDICTIONS) as box:
        if box.open:
            predictions(model, digit, tr)


# ----------------------------------------------------------------------------------------------------------


@st.fragment
def pooling_section() -> None:
    """Input, settings, windows, pooled map, formula, code: reruns alone when its widgets change."""
    # a fragment rerun skips the page body; keys dropped by an interrupted run come back as defaults
    with one_run():
        pooling()


def pooling() -> None:
    """The pooling tab."""
    image, kind = pooling_input()
    if image is None:
        return
    s = settings(image.shape)
    held_back = guide.panel(  # predict, then reveal: in lesson mode the pooled map waits for the guess
        "pooling",
        container=st,  # a fragment can't write to the sidebar
        input_shape=image.shape,
        kernel_size=s.kernel_size,
        stride=s.stride,
        padding=s.padding,
        dilation=s.dilation,
        ceil_mode=s.ceil_mode,
    )
    if held_back:
        guide.hold_back()
        return
    pooled(image, kind, s)


@st.fragment
def invariance_section() -> None:
    """The invariance sliders and their outputs: rerun alone when those sliders move."""
    with one_run():
        invariance()


def tabs() -> dict:
    """The page's tabs by id; switching reruns the page, and only the open tab's content is built."""
    labels = tuple(t(f"pool.tab.{s}") for s in lesson.SECTIONS)
    return sections.tabs(lesson.SECTIONS, labels, key=TABS, keep=SECTION)  # validates SECTION too


ui.require_shell()  # first, before anything reads the session
with one_run(share.bind(share.POOLING)):  # a shared link's settings, before the widgets
    st.title(t("pool.title"))
    st.markdown(t("pool.intro"))
    tab = tabs()
    if tab["pool"].open:
        with tab["pool"]:
            pooling_section()
    if tab["padding"].open:
        with tab["padding"]:
            conventions()
    if tab["moves"].open:
        with tab["moves"]:
            invariance_section()
