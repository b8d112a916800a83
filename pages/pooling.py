"""Pooling: max and average pooling window by window, the tutorial's 5×5 example and its padding, and why pooling
makes features robust to small moves (logic in explorer.pooling_lesson and explorer.invariance)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from explorer import invariance as inv
from explorer import ops, ui
from explorer import pooling_lesson as lesson
from explorer.plots import pool as plots
from explorer.ui import export, projector, share, t
from explorer.ui import lesson as guide

KEEP = {"persist_state": "session"}  # settings survive a visit to another page
CHART = {"displayModeBar": False}
GRID = "pool_grid"  # the editable grid's values (not a widget key: survives page switches)
EDITOR = "pool_editor"  # version of the grid editor; a new key drops its edits after a reset
STAGE_SIZES = {"relu1": 28, "pool1": 14, "pool1x2": 7}


def init_state() -> None:
    """Defaults for every setting (lesson.DEFAULTS) and the page's internal keys."""
    lesson.init_state(st.session_state)
    st.session_state.setdefault(GRID, lesson.EXAMPLE_GRID.tolist())
    st.session_state.setdefault(EDITOR, 0)


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
    # Re-seed the value on every run: a slider whose min/max change gets a new identity and would otherwise
    # restart at its minimum (seen in the browser when a fragment reruns with another input size).
    value = st.session_state.get(key, lesson.DEFAULTS.get(key, low))
    st.session_state[key] = min(max(value, low), high)
    if high <= low:
        container.caption(t("pool.only_value", name=label, value=low))
        return low
    return container.slider(label, low, high, step=step, key=key, help=help, **KEEP)


# ----------------------------------------------------------------------------------------------------------
# input


def grid_input() -> np.ndarray | None:
    """The editable 5×5 grid (our own example in the tutorial's spirit), or None after an error message."""
    st.caption(t("pool.grid_note"))
    editor_key = f"{EDITOR}_{st.session_state[EDITOR]}"
    base = np.asarray(st.session_state[GRID], dtype=np.float64)
    labels = [str(c) for c in range(base.shape[1])]
    edited = st.data_editor(
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
    try:
        return lesson.parse_grid(edited.to_numpy())
    except ValueError:
        st.error(t("pool.err_grid", limit=int(lesson.GRID_LIMIT)))
        return None


def digit_or_sample() -> tuple[np.ndarray | None, bool]:
    """The current digit, or a bundled sample 9 when nothing is drawn; (digit, is_sample)."""
    digit = ui.current_digit()
    if digit is not None:
        return digit, False
    return lesson.sample_digit(), True


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
    if is_sample:
        st.caption(t("pool.sample_note"))
    if source == "digit":
        return digit.astype(np.float32), "digit"
    if ui.get_model() is None:
        return None, "map"
    slider(st, "pool_channel", 0, 31, help=t("pool.channel_help"))
    st.caption(t("pool.feature_note"))
    return ui.activations(np.array(digit))["relu1"][
        st.session_state.pool_channel
    ], "map"  # a writable copy for torch


# ----------------------------------------------------------------------------------------------------------
# settings and the pooled result


def settings(shape: tuple[int, int]) -> lesson.PoolSettings:
    """Max/avg, window, stride per axis, padding, dilation, ceil_mode, count_include_pad (bounded for `shape`)."""
    lesson.clamp_state(st.session_state, shape)
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
    t1, t2 = st.columns(2)
    t1.toggle(t("pool.ceil_mode"), key="pool_ceil_mode", help=t("pool.ceil_help"), **KEEP)
    if mode == "avg":
        t2.toggle(t("pool.count_include_pad"), key="pool_count_include_pad", help=t("pool.cip_help"), **KEEP)
    return lesson.PoolSettings.from_state(st.session_state)


def pooled(image: np.ndarray, kind: str, s: lesson.PoolSettings) -> None:
    """Windows over the input, the pooled map, the size formula, what was discarded, and the PyTorch code."""
    result = lesson.run_pool(image, s)
    h_out, w_out = result.output.shape
    hover = t("pool.hover")
    left, right = st.columns([3, 2])
    with left:
        st.markdown(f"**{t('pool.input_title')}**", help=t(f"pool.legend.{s.mode}"))
        fig, step = plots.windows_figure(
            image,
            result.windows,
            (h_out, w_out),
            result.argmax,
            padding=s.padding,
            mode=s.mode,
            kind=kind,
            hover=hover,
        )
        st.plotly_chart(
            projector.style(fig),
            key="pool_input_chart",
            config=CHART,
            alt=export.alt_text(image, t("pool.input_title")),
        )
        export.downloads(fig, "pool_input")
        if step > 1:
            st.caption(t("pool.subset", m=step))
    with right:
        st.markdown(f"**{t('pool.output_title', h=h_out, w=w_out)}**")
        fig = plots.pooled_figure(result.output, hover=hover, colour_windows=True, kind=kind)
        st.plotly_chart(
            projector.style(fig),
            key="pool_output_chart",
            config=CHART,
            alt=export.alt_text(result.output, t("pool.output_title", h=h_out, w=w_out)),
        )
        export.downloads(fig, "pool_output")

    h, w = image.shape
    with st.container(key="pool_summary"):
        st.markdown(f"**{t('pool.size_result', h=h, w=w, h_out=h_out, w_out=w_out)}**")
        st.markdown(t("pool.formula_h", formula=result.formula_h))
        st.markdown(t("pool.formula_w", formula=result.formula_w))
        if s.ceil_mode and (
            ops.ceil_mode_dropped(h, s.kernel_size, s.stride[0], s.padding, s.dilation)
            or ops.ceil_mode_dropped(w, s.kernel_size, s.stride[1], s.padding, s.dilation)
        ):
            st.caption(t("pool.ceil_dropped"))
        pct = f"{result.reduction:.0%}"
        if s.mode == "max":
            st.markdown(
                t(
                    "pool.discarded_max",
                    lost=result.losers,
                    total=result.in_cells,
                    pct=f"{result.losers / result.in_cells:.0%}",
                    kept=result.out_cells,
                )
            )
        else:
            st.markdown(t("pool.discarded_avg", total=result.in_cells, kept=result.out_cells, pct=pct))
        if result.unseen:
            st.warning(t("pool.unseen", n=result.unseen))

    st.toggle(t("pool.code_toggle"), key="pool_show_code", **KEEP)
    if st.session_state.pool_show_code:
        st.caption(t("pool.code_caption"))
        st.code(lesson.pytorch_code(image, s), language="python")


def conventions(grid: np.ndarray) -> None:
    """The tutorial's zero padding next to PyTorch's −∞ / ceil_mode for the 2×2, stride-2 max pool."""
    st.subheader(t("pool.conv_title"))
    st.markdown(t("pool.conv_intro"))
    c = lesson.conventions(grid)
    titles = (t("pool.conv_zero_in"), t("pool.conv_out"), t("pool.conv_torch_in"), t("pool.conv_out"))
    fig = plots.conventions_figure(c.zero_padded_input, c.zero_output, c.torch_output, grid.shape, titles)
    st.plotly_chart(projector.style(fig), key="pool_conventions_chart", config=CHART)
    st.markdown(t("pool.conv_agree") if c.agree else t("pool.conv_differ"))
    st.caption(t("pool.conv_when"))


# ----------------------------------------------------------------------------------------------------------
# invariance


@st.cache_data(max_entries=128, show_spinner=False)
def _measure(_model, digit: np.ndarray, tr: inv.Transform, channel: int) -> list[inv.StageChange]:
    return inv.measure(_model, digit, tr, channel)


@st.cache_data(max_entries=32, show_spinner=False)
def _fixed_variants(_model, digit: np.ndarray):
    digits = np.stack([inv.transform(digit, tr) for _, tr in inv.VARIANTS])
    labels, probs = inv.predictions(_model, digits)
    return digits, labels, probs


@st.cache_data(max_entries=128, show_spinner=False)
def _current_variant(_model, digit: np.ndarray, tr: inv.Transform):
    moved = inv.transform(digit, tr)
    labels, probs = inv.predictions(_model, moved[None])
    return moved, labels, probs


def invariance() -> None:
    """Shift / rotate / scale the digit: change of a conv1 channel before and after pooling, and predictions."""
    st.header(t("pool.inv_title"))
    st.markdown(t("pool.inv_intro"))
    digit, is_sample = digit_or_sample()
    if digit is None:
        st.info(t("pool.need_digit"))
        return
    model = ui.get_model()
    if model is None:
        return
    if is_sample:
        st.caption(t("pool.sample_note"))
    c1, c2, c3 = st.columns(3)
    dx = slider(c1, "pool_shift_x", -4, 4, help=t("pool.shift_help"))
    dy = slider(c1, "pool_shift_y", -4, 4, help=t("pool.shift_help"))
    angle = slider(c2, "pool_rotate", -30, 30, step=5)
    scale = slider(c2, "pool_scale", 0.7, 1.3, step=0.05)
    channel = slider(c3, "pool_inv_channel", 0, 31, label_key="pool.channel", help=t("pool.channel_help"))
    tr = inv.Transform(int(dx), int(dy), float(angle), round(float(scale), 2))
    changes = _measure(model, digit, tr, int(channel))

    with st.container(key="pool_invariance"):
        cols = st.columns(3)
        for col, ch in zip(cols, changes, strict=True):
            size = STAGE_SIZES[ch.stage]
            col.metric(
                t(f"pool.stage.{ch.stage}", size=size), f"{ch.correlation:.2f}", help=t("pool.corr_help")
            )
            col.caption(t("pool.same_max_yes" if ch.same_max else "pool.same_max_no"))
            col.caption(
                t(
                    "pool.all_channels",
                    r=f"{ch.mean_correlation:.2f}",
                    share=f"{ch.same_max_share:.0%}",
                    n=ch.channels,
                )
            )
    titles = [t(f"pool.stage.{ch.stage}", size=STAGE_SIZES[ch.stage]) for ch in changes]
    fig = plots.stages_figure(
        [c.before for c in changes],
        [c.after for c in changes],
        titles,
        (t("pool.row_original"), t("pool.row_moved")),
    )
    st.plotly_chart(projector.style(fig), key="pool_stages_chart", config=CHART)
    st.caption(t("pool.stages_note"))

    st.subheader(t("pool.pred_title"))
    digits, labels, probs = _fixed_variants(model, digit)
    moved, m_label, m_prob = _current_variant(model, digit, tr)
    digits = np.concatenate([digits, moved[None]])
    captions = [
        t("pool.pred_caption", name=t(key), digit=int(k), p=f"{p:.0%}")
        for key, k, p in zip(
            [k for k, _ in inv.VARIANTS] + ["pool.var_current"],
            [*labels, *m_label],
            [*probs, *m_prob],
            strict=True,
        )
    ]
    fig = plots.variants_figure(digits, captions)
    st.plotly_chart(projector.style(fig), key="pool_variants_chart", config=CHART)
    st.caption(t("pool.pred_note"))


# ----------------------------------------------------------------------------------------------------------


@st.fragment
def pooling_section() -> None:
    """Input, settings, windows, pooled map, formula, code, conventions: reruns alone when its widgets change."""
    init_state()  # a fragment rerun skips the page body; keys dropped by an interrupted run come back as defaults
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
    if kind == "grid":
        conventions(image)


@st.fragment
def invariance_section() -> None:
    """The invariance sliders and their outputs: rerun alone when those sliders move."""
    init_state()
    invariance()


ui.require_shell()  # first, before anything reads the session
share.bind(share.POOLING)  # a shared link's settings, before the widgets
init_state()
st.title(t("pool.title"))
st.markdown(t("pool.intro"))
pooling_section()
invariance_section()
