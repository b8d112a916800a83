"""Convolution playground: your own kernel on your own digit, step by step (logic in explorer.playground)."""

import copy

import numpy as np
import streamlit as st

from explorer import kernels, ops, ui
from explorer import playground as pg
from explorer.model import torch_for_serving
from explorer.plots import INPUT, grid_csv
from explorer.plots import conv as plots
from explorer.ui import export, kernel_grid, lesson, projector, sections, share, t

KEEP = {"persist_state": "session"}  # settings survive a visit to another page
PLAY_SECONDS = 0.8
CHART = {"displayModeBar": False}
PANELS = pg.PANELS  # the settings' tabs, by id
PANEL = "conv_panel"  # the open tab's id (kept across page and language switches; ?panel= in a link)
EDITOR = "conv_editor"  # version of the kernel grid: an edit made before a programmatic change is out of date
GRID = "conv_grid"  # the kernel grid component
WRITTEN = "conv_written"  # window position keys code wrote since the step sliders were last drawn


def init_state() -> None:
    """Defaults for every setting (DEFAULTS) and the page's internal keys, where missing (on the page's first run
    in a session: plain keys stay, and sync_state() puts back any setting missing later)."""
    if WRITTEN in st.session_state:
        return
    present = st.session_state.to_dict()  # one pass: each read of st.session_state costs ~20 µs
    internal = {EDITOR: 0, "conv_seed": 0, "conv_play": False, WRITTEN: set()}
    for key, value in {**pg.DEFAULTS, **internal}.items():
        if key not in present:
            st.session_state[key] = copy.deepcopy(value)  # never one list shared by every session


def sync_state(input_shape, drawn=("conv_source",)) -> dict:
    """Move every setting inside the bounds for this input; `drawn`: widgets already on the page (not touched)."""
    ss = st.session_state
    snapshot = ss.to_dict()  # one pass: each read of st.session_state costs ~20 µs
    current = {key: snapshot[key] for key in pg.DEFAULTS if key in snapshot}
    state = pg.clamp(current, input_shape)
    for key, value in state.items():
        if key in drawn or current.get(key) == value:
            continue
        if key in ("conv_row", "conv_col"):
            set_position(key, value)
        else:
            ss[key] = value
    return state


def set_position(key: str, value: int) -> None:
    """Move the window (conv_row / conv_col) from code, noting it for the step sliders."""
    st.session_state[key] = value
    st.session_state[WRITTEN].add(key)


# ----------------------------------------------------------------------------------------------------------
# callbacks (run before the script, so they may change widget keys)


def set_kernel(kernel, preset: str | None = None) -> None:
    """Store a new kernel and reset the editor's edits."""
    kernel = np.asarray(kernel, dtype=np.float64)
    st.session_state.conv_kernel = kernel.tolist()
    st.session_state.conv_preset = preset or pg.preset_matching(kernel)
    st.session_state[EDITOR] += 1


def on_preset() -> None:
    """Load the chosen preset ("custom" keeps the kernel; the list then shows the preset it still equals)."""
    name = st.session_state.conv_preset
    if name in pg.PRESETS:
        set_kernel(pg.PRESETS[name], name)


def on_random() -> None:
    """New random weights (reproducible: the seed counts the clicks)."""
    st.session_state.conv_seed += 1
    kh, kw = np.shape(st.session_state.conv_kernel)
    set_kernel(kernels.random_kernel(kh, kw, st.session_state.conv_seed))


def on_normalise() -> None:
    """Scale the kernel to sum 1 (or max |w| = 1)."""
    set_kernel(kernels.normalise(st.session_state.conv_kernel))


def on_step(out_shape, step: int) -> None:
    """Move the window `step` output cells on in reading order."""
    row, col = pg.next_position(st.session_state.conv_row, st.session_state.conv_col, out_shape, step)
    set_position("conv_row", row)
    set_position("conv_col", col)


# ----------------------------------------------------------------------------------------------------------
# sections


def input_image() -> np.ndarray:
    """The input grid: the current digit (a bundled sample when nothing is drawn) or the paper's 5x5."""
    st.segmented_control(
        t("conv.source"),
        pg.SOURCES,
        format_func=lambda s: t(f"conv.source.{s}"),
        required=True,
        key="conv_source",
        help=t("conv.source.grid_help"),
        **KEEP,
    )
    if st.session_state.conv_source == "grid":
        return pg.PAPER_GRID
    digit = ui.current_digit()
    if digit is None:
        digit = pg.sample_digit()
        if digit is None:
            st.info(t("conv.no_digit_grid"))
            return pg.PAPER_GRID
        st.caption(t("conv.no_digit"))
    return digit


def kernel_editor(kernel_max: tuple[int, int], refused: str | None) -> None:
    """Preset, size, the editable weights (`refused`: why the last edit was refused), bias, random, normalise."""
    st.selectbox(
        t("conv.preset"),
        [*pg.PRESETS, pg.CUSTOM],
        format_func=lambda n: t(f"conv.preset.{n}"),
        key="conv_preset",
        on_change=on_preset,
        **KEEP,
    )
    kernel_grid.kernel_grid(
        np.asarray(st.session_state.conv_kernel),
        key=GRID,
        version=st.session_state[EDITOR],
        label=t("conv.grid_label"),
        size={
            "max": kernel_max,
            "labels": (t("conv.kernel_h"), t("conv.kernel_w")),
            "helps": tuple(t("conv.kernel_size_help", max=top) for top in kernel_max),
        },
    )
    if refused:
        st.error(refused)
    st.caption(t("conv.editor_help"))
    st.number_input(
        t("conv.bias"),
        -pg.BIAS_LIMIT,
        pg.BIAS_LIMIT,
        step=0.1,
        key="conv_bias",
        help=t("conv.bias_help"),
        **KEEP,
    )
    buttons = st.container(horizontal=True)
    buttons.button(t("conv.random"), on_click=on_random, key="conv_random_button", width="stretch")
    buttons.button(
        t("conv.normalise"),
        on_click=on_normalise,
        key="conv_normalise_button",
        width="stretch",
        help=t("conv.normalise_help"),
    )


def take_grid_edit(kernel_max: tuple[int, int]) -> str | None:
    """Apply the size stepped and the weight typed into the grid since the last run; the message when the weight
    is refused (kernel kept)."""
    size = kernel_grid.pending_size(GRID, kernel_max)
    if size is not None and size != np.shape(st.session_state.conv_kernel):
        set_kernel(pg.resize_kernel(st.session_state.conv_kernel, *size))  # weights kept centred
    edit = kernel_grid.pending_edit(GRID, st.session_state[EDITOR])
    if edit is None:
        return None
    try:
        new = pg.edited_kernel(st.session_state.conv_kernel, edit["row"], edit["col"], edit["text"])
    except ValueError as error:
        return pg.kernel_error(error, ui.lang())
    if new is not None:
        st.session_state.conv_kernel = new.tolist()
        st.session_state.conv_preset = pg.preset_matching(new)
    return None


def _int_input(container, key: str, low: int, high: int, help_key: str | None = None) -> None:
    """A number input for one integer setting, its allowed range in the help."""
    help_text = t("conv.limits_help", low=low, high=high)
    if help_key:
        help_text = f"{t(help_key)} {help_text}"
    container.number_input(
        t(key.replace("conv_", "conv.")), low, high, step=1, key=key, help=help_text, **KEEP
    )


def geometry(bounds: pg.Bounds) -> None:
    """Stride, padding, dilation, padding mode, ReLU and flip."""
    c1, c2 = st.columns(2)
    _int_input(c1, "conv_stride_h", 1, bounds.stride[0])
    _int_input(c2, "conv_stride_w", 1, bounds.stride[1])
    _int_input(c1, "conv_padding_h", 0, bounds.padding[0])
    _int_input(c2, "conv_padding_w", 0, bounds.padding[1])
    _int_input(c1, "conv_dilation", 1, bounds.dilation, "conv.dilation_help")
    c2.selectbox(
        t("conv.padding_mode"),
        ops.PADDING_MODES,
        format_func=lambda m: t(f"conv.mode.{m}"),
        key="conv_padding_mode",
        help=t("conv.padding_mode_help"),
        **KEEP,
    )
    st.toggle(t("conv.relu"), key="conv_relu", help=t("conv.relu_help"), **KEEP)
    st.toggle(t("conv.flip"), key="conv_flip", **KEEP)
    st.caption(t("conv.flip_why"))


def axis_args(image: np.ndarray, settings: pg.Settings) -> list[tuple]:
    """(size, kernel_size, stride, padding, dilation) of the rows, then of the columns."""
    s = settings
    return [(image.shape[i], s.kernel.shape[i], s.stride[i], s.padding[i], s.dilation) for i in range(2)]


def output_size(image: np.ndarray, settings: pg.Settings, out_shape) -> None:
    """The output size, the formula per axis with numbers, and which rows/columns are never covered."""
    st.subheader(t("conv.size.header"), help=t("conv.formula.legend"))
    h, w = image.shape
    result = t("conv.size.result", h_in=h, w_in=w, h_out=out_shape[0], w_out=out_shape[1])
    with st.container(key="conv_formula"):  # one markdown: each element costs ~0.2 ms per rerun
        st.markdown("  \n".join([f"**{result}**", *pg.size_lines(image.shape, settings, ui.lang())]))
    for axis, args in zip(("h", "w"), axis_args(image, settings), strict=True):
        text = pg.uncovered_text(axis, *args, ui.lang())
        if text:
            real, _ = pg.uncovered_indices(*args)
            (st.warning if real else st.info)(text)


def step_through(image: np.ndarray, settings: pg.Settings, out: np.ndarray, playing: bool) -> None:
    """Pick an output cell (sliders, buttons, click, play) → its window on the input and the arithmetic."""
    out_shape = out.shape
    selection = st.session_state.get("conv_output_chart")
    clicked = str(selection)  # react to a new click only: a selection stays in the state until the next one
    if clicked != st.session_state.get("conv_last_click"):
        st.session_state.conv_last_click = clicked
        picked = pg.picked_cell(selection, out_shape)
        if picked is not None:
            set_position("conv_row", picked[0])
            set_position("conv_col", picked[1])
    if playing:
        on_step(out_shape, 1)

    # one flex row, not four columns: a column is three elements more per rerun (~1 ms on this page)
    controls = st.container(horizontal=True, vertical_alignment="bottom")
    written, st.session_state[WRITTEN] = st.session_state[WRITTEN], set()
    for key, n in (("conv_row", out_shape[0]), ("conv_col", out_shape[1])):
        name = t(f"conv.step.{key[5:]}")
        if n > 1:
            # a value spares Streamlit a scan of the session state, except where code wrote the key
            # (Streamlit then warns about a default next to a write)
            value = None if key in written else st.session_state[key]
            controls.slider(name, 0, n - 1, value=value, key=key, **KEEP)
        else:
            controls.caption(t("conv.step.single", name=name))
    controls.button(t("conv.step.prev"), on_click=on_step, args=(out_shape, -1), key="conv_prev")
    controls.button(t("conv.step.next"), on_click=on_step, args=(out_shape, 1), key="conv_next")
    row, col = st.session_state.conv_row, st.session_state.conv_col

    step = settings.step(image, row, col)
    ph, pw = settings.padding
    rows, cols = step.rows - ph, step.cols - pw  # input coordinates
    st.markdown(
        t(
            "conv.step.position",
            row=row,
            col=col,
            rows=pg.fmt(rows[0]) + "–" + pg.fmt(rows[-1]),
            cols=pg.fmt(cols[0]) + "–" + pg.fmt(cols[-1]),
        ),
        help=t("conv.legend"),
    )
    zrange = (float(image.min()), float(image.max()))
    hover = t("conv.hover")
    left, right = st.columns(2)
    with left:
        st.markdown(f"**{t('conv.input_title')}**")
        un_rows, un_cols = (
            [i for part in pg.uncovered_indices(*args) for i in part] for args in axis_args(image, settings)
        )
        padded = ops.pad2d(image, settings.padding, settings.padding_mode)
        fig = plots.input_figure(
            padded, settings.padding, rows, cols, un_rows, un_cols, hover=hover, zrange=zrange
        )
        st.plotly_chart(
            projector.style(fig),
            key="conv_input_chart",
            config=CHART,
            alt=export.alt_text(image, t("conv.input_title")),
        )
    with right:
        st.markdown(
            f"**{t('conv.output_title_relu' if settings.relu else 'conv.output_title')}**",
            help=t("conv.output_help"),
        )
        fig = plots.output_figure(out, row, col, hover=hover, colorbar_title=t("conv.colorbar"))
        st.plotly_chart(
            projector.style(fig),
            key="conv_output_chart",
            config=CHART,
            alt=export.alt_text(out, t("conv.output_title")),
            on_select="rerun",
            selection_mode="points",
        )

    titles = (
        t("conv.arith.window"),
        t("conv.arith.weights_flipped" if settings.flip else "conv.arith.weights"),
        t("conv.arith.products"),
    )
    grids = plots.arithmetic_html(
        step.window, step.weight, step.products, step.in_bounds, titles=titles, zrange=zrange
    )
    st.html(grids)  # browser hook: .arith [data-grid=window|weight|products]
    downloads(image, out, step, zrange)
    lines = pg.arithmetic_lines(step, ui.lang())
    if not step.in_bounds.all():
        lines.append(f":gray[{t('conv.arith.padding_note')}]")
    with st.container(key="conv_arith"):  # (a horizontal container put the result under long sums)
        a1, a2 = st.columns([3, 1], vertical_alignment="center")
        a1.markdown("  \n".join(lines))  # one element: each costs ~0.2 ms per rerun
        a2.metric(t("conv.arith.result"), pg.fmt(step.relu if settings.relu else step.total, 4))


def downloads(image: np.ndarray, out: np.ndarray, step, zrange: tuple[float, float]) -> None:
    """PNG and CSV of the input and the output, CSV of the window and the kernel, in a popover whose buttons
    are made only while it is open (six buttons would cost every rerun ~4 ms)."""
    menu = st.popover(
        t("conv.export.menu"), icon=":material/download:", key="conv_downloads", on_change="rerun"
    )
    if not menu.open:
        return
    with menu:
        st.caption(t("conv.input_title"))
        export.downloads(image, "conv_input", colorscale=INPUT, zmin=zrange[0], zmax=zrange[1], zmid=None)
        st.caption(t("conv.output_title"))
        export.downloads(out, "conv_output")
        st.caption(t("conv.export.step"))
        with st.container(horizontal=True, gap="small"):
            export.download_csv(step.window, "conv_window", label=t("conv.export.window"))
            export.download_csv(step.weight, "conv_kernel", label=t("conv.export.kernel"))


def sparse_and_shared(image: np.ndarray, settings: pg.Settings, out_shape) -> None:
    """Each output sees kH·kW inputs; one set of weights everywhere; counts vs a dense layer."""
    n = pg.counts(image.shape, settings.kernel.shape, out_shape)
    st.markdown(t("conv.sparse.text", taps=n["taps"], inputs=n["inputs"], outputs=n["outputs"]))
    lang = ui.lang()
    for kind in ("params", "macs"):
        c1, c2 = st.columns(2)
        c1.metric(t(f"conv.sparse.conv_{kind}"), pg.fmt_count(n[f"conv_{kind}"], lang))
        c2.metric(t(f"conv.sparse.dense_{kind}"), pg.fmt_count(n[f"dense_{kind}"], lang))
    st.caption(t("conv.sparse.ratio", ratio=pg.fmt_count(n["dense_params"] / n["conv_params"], lang)))


def pytorch_code(image: np.ndarray, settings: pg.Settings, inline: bool) -> None:
    """nn.Conv2d code reproducing the output shown, plus the input as CSV when it is too long to inline."""
    st.caption(t("conv.code.caption"))
    st.code(pg.pytorch_code(settings, image, ui.lang(), inline_input=inline), language="python")
    if not inline:
        st.download_button(
            t("conv.code.download"),
            lambda: grid_csv(image),  # made when clicked
            file_name=pg.INPUT_CSV,
            mime="text/csv",
            key="conv_download",
            on_click="ignore",
        )


def settings_panel(image: np.ndarray) -> tuple[dict, pg.Settings]:
    """The kernel and geometry tabs (one tab's widgets per run; the other's settings keep their values)."""
    kernel_max = pg.bounds(image.shape, (1, 1)).kernel_size
    refused = take_grid_edit(kernel_max)  # before anything reads the kernel
    labels = tuple(t(f"conv.{panel}.header") for panel in PANELS)
    tab = sections.tabs(PANELS, labels, key="conv_controls", keep=PANEL)
    kernel_tab, geometry_tab = tab["kernel"], tab["geometry"]
    state = sync_state(image.shape)
    if kernel_tab.open:
        with kernel_tab:
            kernel_editor(kernel_max, refused)
    settings = pg.Settings.from_state(state)
    if geometry_tab.open:
        s = settings
        with geometry_tab:
            geometry(pg.bounds(image.shape, s.kernel.shape, s.dilation, s.padding, s.padding_mode))
    return state, settings


def more(image: np.ndarray, settings: pg.Settings, out_shape) -> None:
    """Sparse connections and the PyTorch code, each built only while its expander is open."""
    sparse = sections.expander(t("conv.sparse.header"), key="conv_sparse")
    if sparse.open:
        with sparse:
            sparse_and_shared(image, settings, out_shape)
    code = sections.expander(t("conv.code.header"), key="conv_code")
    if code.open:
        with code:
            pytorch_code(image, settings, inline=max(image.shape) <= 8)


def playground() -> None:
    """Input, settings, output size, step-through and the extras: everything a setting changes."""
    image = input_image()
    controls, view = st.columns([1, 2], gap="large")
    with controls:
        state, settings = settings_panel(image)
    out = settings.convolve(image)  # (H_out, W_out), after ReLU when the toggle is on
    row, col = pg.resolve_cell(state["conv_row"], state["conv_col"], out)
    for key, value in (("conv_row", row), ("conv_col", col)):
        if state[key] != value:  # only a real move is a write (the step sliders then take no value)
            set_position(key, value)
    with view:
        held_back = lesson.panel(  # predict, then reveal: in lesson mode the sizes wait for the guess
            "convolution",
            input_shape=image.shape,
            kernel_size=settings.kernel.shape,
            stride=settings.stride,
            padding=settings.padding,
            dilation=settings.dilation,
        )
        if held_back:
            lesson.hold_back()
        else:
            output_size(image, settings, out.shape)
            st.subheader(t("conv.step.header"))
            playing = st.toggle(t("conv.step.play"), key="conv_play", help=t("conv.step.play_help"))
            run_every = PLAY_SECONDS if playing else None
            st.fragment(step_through, run_every=run_every)(image, settings, out, playing)
    if not held_back:
        more(image, settings, out.shape)
    if ui.fragment_run():  # a fragment rerun skips app.py's share.finish(): keep the address bar in step here
        share.sync()


# ----------------------------------------------------------------------------------------------------------
# page

# one thread per small conv, no per-thread oneDNN set-up (explorer.ui does this when the model loads; a visit
# straight to this page never loads it)
torch_for_serving()
ui.require_shell()  # first, before anything reads the session
share.bind(share.CONVOLUTION)  # a shared link's settings, before the widgets
init_state()
st.title(t("conv.title"))
st.caption(t("conv.intro"))

st.fragment(playground)()  # a setting reruns the playground only, not app.py's navigation and sidebar
