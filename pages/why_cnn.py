"""Why CNNs: parameter counts, sparse connections and shared weights, receptive fields, colour channels."""

from __future__ import annotations

import zipfile

import numpy as np
import streamlit as st

from explorer import channels, i18n, ops, params, ui
from explorer.plots import why as plots
from explorer.preprocess import ImageLoadError, load_image
from explorer.ui import lesson, projector, share

SECTIONS = ("params", "sparse", "rf", "channels", "batch")
SIDES = (28, 32, 64, 128, 224)
WIDTHS = (16, 32, 64, 128, 256, 512, 1000, 2048, 4096)
FILTERS = (8, 16, 32, 64)
KERNELS = (3, 5, 7)
MAX_DENSE_LAYERS = 5
MAX_CONV_LAYERS = 5
SPARSE_INPUTS = 9
SPARSE_KERNELS = (2, 3, 4, 5)
SLICE_NAMES = tuple(channels.SLICES)
FACTOR_LIMIT = 3.0
BIAS_LIMIT = 2.0
MAX_OUT_CHANNELS = 1 + len(channels.BANK)
MAX_BATCH = 8
UPLOAD_TYPES = ["png", "jpg", "jpeg", "gif", "bmp", "webp"]
CHART = {"displayModeBar": False}
MISSING = object()
UPLOAD_CACHE = "why_upload_cache"  # (file_id, picture (3, H, W) or None, (error key, params) or None)
PERSIST = "session"  # widget values survive switching sections and pages

# every setting of this page, with its default (widget keys are these names)
DEFAULTS = {
    "why_section": "params",
    "why_side": 28,
    "why_in_channels": 1,
    "why_dense_layers": 2,
    "why_dense_width": 1000,
    "why_conv_layers": 2,
    "why_conv_filters": 32,
    "why_conv_kernel": 5,
    "why_conv_pool": True,
    "why_sparse_kernel": 3,
    "why_sparse_unit": 3,
    "why_rf_layer": "pool2",
    "why_rf_row": 3,
    "why_rf_col": 3,
    "why_rgb_source": "sample",
    "why_slice_r": "identity",
    "why_slice_g": "identity",
    "why_slice_b": "zero",
    "why_factor_r": 1.0,
    "why_factor_g": -1.0,
    "why_factor_b": 0.0,
    "why_bias": 0.0,
    "why_out_channels": 4,
    "why_batch": 2,
    "why_padding": 1,
}
# settings that must be one of a fixed set of options
OPTIONS = {
    "why_section": SECTIONS,
    "why_side": SIDES,
    "why_in_channels": (1, 3),
    "why_dense_width": WIDTHS,
    "why_conv_filters": FILTERS,
    "why_conv_kernel": KERNELS,
    "why_conv_pool": (True, False),
    "why_sparse_kernel": SPARSE_KERNELS,
    "why_rf_layer": params.RF_LAYERS,
    "why_rgb_source": ("sample", "upload"),
    "why_slice_r": SLICE_NAMES,
    "why_slice_g": SLICE_NAMES,
    "why_slice_b": SLICE_NAMES,
    "why_padding": (0, 1),
}
# fixed bounds of numeric settings (bounds that depend on other settings are clamped where the widget is)
RANGES = {
    "why_dense_layers": (0, MAX_DENSE_LAYERS),
    "why_conv_layers": (1, MAX_CONV_LAYERS),
    "why_sparse_unit": (0, SPARSE_INPUTS - min(SPARSE_KERNELS)),
    "why_rf_row": (0, 27),
    "why_rf_col": (0, 27),
    "why_factor_r": (-FACTOR_LIMIT, FACTOR_LIMIT),
    "why_factor_g": (-FACTOR_LIMIT, FACTOR_LIMIT),
    "why_factor_b": (-FACTOR_LIMIT, FACTOR_LIMIT),
    "why_bias": (-BIAS_LIMIT, BIAS_LIMIT),
    "why_out_channels": (1, MAX_OUT_CHANNELS),
    "why_batch": (1, MAX_BATCH),
}

LANG = ui.lang()  # read once per run: every label below needs it


def t(key: str, **params) -> str:
    """Translate into the session's language."""
    return i18n.t(key, LANG, **params)


def valid(key: str, value) -> bool:
    """A stored setting of the right type (and among its widget's options, if it has fixed options)."""
    default = DEFAULTS[key]
    if isinstance(default, float) and type(value) is int:
        value = float(value)
    if type(value) is not type(default) or (isinstance(value, float) and not np.isfinite(value)):
        return False
    return key not in OPTIONS or value in OPTIONS[key]


def init_state() -> None:
    """Defaults for missing or unusable settings, numbers clamped to their fixed ranges."""
    state = st.session_state
    for key, default in DEFAULTS.items():
        value = state.get(key, MISSING)  # not `key in state`: that builds a filtered copy of the whole state
        if value is MISSING or not valid(key, value):
            state[key] = default
        elif isinstance(default, float) and type(value) is int:
            state[key] = float(value)  # float widgets refuse an int value
    for key, (low, high) in RANGES.items():
        clamp(key, low, high)


def clamp(key: str, low, high) -> None:
    """Keep a numeric setting inside [low, high] before its widget is drawn."""
    value = st.session_state[key]
    if not low <= value <= high:
        st.session_state[key] = min(max(value, low), high)


def chart(fig, key: str, **kwargs) -> None:
    """One plotly figure, scaled up in projector mode."""
    st.plotly_chart(projector.style(fig), key=key, config=CHART, **kwargs)


def num(n: int) -> str:
    return plots.format_int(n, LANG)


def pct(fraction: float) -> str:
    return plots.format_percent(fraction, LANG)


# ----------------------------------------------------------------------------------------------------
# 1. parameters and multiply-adds


def table(headers: list[str], body: list[list[str]], right: list[bool]) -> None:
    """A table that scrolls sideways inside its column (plots.markdown_table's wrapper needs HTML allowed)."""
    st.markdown(plots.markdown_table(headers, body, right), unsafe_allow_html=True)


def rows_table(rows: list[params.Row]) -> None:
    """The table of a calculator net, with a total row."""
    body = [[r.name, plots.format_shape(r.out_shape), num(r.params), num(r.macs)] for r in rows]
    total = params.total_params(rows), params.total_macs(rows)
    body.append([f"**{t('why.total')}**", "", f"**{num(total[0])}**", f"**{num(total[1])}**"])
    headers = [t("why.col_layer"), t("why.col_output"), t("why.col_params"), t("why.col_macs")]
    table(headers, body, [False, False, True, True])


def totals(key: str, rows: list[params.Row]) -> None:
    """Total parameters and multiply-adds as two metrics in a container keyed `key` (a browser-test hook)."""
    with st.container(key=key, horizontal=True):  # one block, not a columns block with two children
        st.metric(t("why.metric_params"), num(params.total_params(rows)))
        st.metric(t("why.metric_macs"), num(params.total_macs(rows)))


def dense_column(shape: tuple[int, int, int]) -> list[params.Row]:
    st.subheader(t("why.dense_title"))
    st.slider(t("why.dense_layers"), 0, MAX_DENSE_LAYERS, key="why_dense_layers", persist_state=PERSIST)
    st.select_slider(t("why.dense_width"), WIDTHS, key="why_dense_width", persist_state=PERSIST)
    rows = params.dense_rows(shape, st.session_state.why_dense_layers, st.session_state.why_dense_width)
    totals("why_dense_total", rows)
    rows_table(rows)
    return rows


def cnn_column(shape: tuple[int, int, int]) -> list[params.Row]:
    st.subheader(t("why.cnn_title"))
    row = st.container(horizontal=True, vertical_alignment="bottom")  # wraps in a narrow column
    row.segmented_control(
        t("why.conv_kernel"),
        KERNELS,
        key="why_conv_kernel",
        required=True,
        format_func=lambda k: f"{k}×{k}",
        persist_state=PERSIST,
    )
    row.toggle(t("why.conv_pool"), key="why_conv_pool", persist_state=PERSIST)
    kernel, pool = st.session_state.why_conv_kernel, 2 if st.session_state.why_conv_pool else 0
    most = params.max_conv_layers(shape[1:], kernel, pool, limit=MAX_CONV_LAYERS)  # >= 4 for inputs >= 28x28
    clamp("why_conv_layers", 1, most)
    st.slider(t("why.conv_layers"), 1, most, key="why_conv_layers", persist_state=PERSIST)
    st.select_slider(t("why.conv_filters"), FILTERS, key="why_conv_filters", persist_state=PERSIST)
    filters = st.session_state.why_conv_filters
    convs = [
        params.ConvSpec(filters * 2**i, kernel, pool=pool) for i in range(st.session_state.why_conv_layers)
    ]
    rows = params.cnn_rows(shape, convs)
    totals("why_cnn_total", rows)
    rows_table(rows)
    return rows


def convnet_table() -> None:
    """The bundled network's own table and where its parameters and its work are."""
    rows = params.convnet_rows()
    total_p, total_m = params.total_params(rows), params.total_macs(rows)
    body = []
    for r in rows:
        if r.kind == "dense":
            field = t("why.rf_all")
        else:
            side = params.receptive_field_size(r.name)
            field = f"{side}×{side}"
        body.append(
            [
                r.name,
                f"{plots.format_shape(r.in_shape)} → {plots.format_shape(r.out_shape)}",
                num(r.params),
                pct(r.params / total_p),
                num(r.macs),
                pct(r.macs / total_m),
                field,
            ]
        )
    body.append([f"**{t('why.total')}**", "", f"**{num(total_p)}**", "", f"**{num(total_m)}**", "", ""])
    headers = [
        t("why.col_layer"),
        t("why.col_shapes"),
        t("why.col_params"),
        t("why.col_share"),
        t("why.col_macs"),
        t("why.col_share"),
        t("why.col_field"),
    ]
    table(headers, body, [False, False, True, True, True, True, True])
    big = params.largest(rows)
    p_share, m_share = params.share(rows, big.name)
    convs = [r for r in rows if r.kind == "conv"]
    st.markdown(
        t(
            "why.fc1_share",
            layer=big.name,
            n=num(big.params),
            total=num(total_p),
            pct=pct(p_share),
            macs=pct(m_share),
            conv_n=num(sum(r.params for r in convs)),
            conv_pct=pct(sum(r.params for r in convs) / total_p),
            conv_macs=pct(sum(r.macs for r in convs) / total_m),
        )
    )


def section_params() -> None:
    st.markdown(t("why.params_intro"))
    a, b = st.columns(2)
    a.select_slider(
        t("why.input_side"), SIDES, key="why_side", format_func=lambda s: f"{s}×{s}", persist_state=PERSIST
    )
    b.segmented_control(
        t("why.input_channels"),
        (1, 3),
        key="why_in_channels",
        required=True,
        format_func=lambda c: t(f"why.channels_{c}"),
        persist_state=PERSIST,
    )
    side = st.session_state.why_side
    shape = (st.session_state.why_in_channels, side, side)
    left, right = st.columns(2, gap="large")
    with left:
        dense = dense_column(shape)
    with right:
        cnn = cnn_column(shape)
    dense_p, cnn_p = params.total_params(dense), params.total_params(cnn)
    key = "why.compare_more" if dense_p >= cnn_p else "why.compare_fewer"
    st.info(
        t(
            key,
            shape=plots.format_shape(shape),
            dense=num(dense_p),
            cnn=num(cnn_p),
            ratio=plots.format_ratio(max(dense_p, cnn_p) / max(min(dense_p, cnn_p), 1), LANG),
        )
    )
    st.caption(t("why.macs_note"))
    st.subheader(t("why.convnet_title"))
    convnet_table()


# ----------------------------------------------------------------------------------------------------
# 2. sparse connections and shared weights


def section_sparse() -> None:
    st.markdown(t("why.sparse_intro"))
    a, b = st.columns(2)
    a.segmented_control(
        t("why.sparse_kernel"), SPARSE_KERNELS, key="why_sparse_kernel", required=True, persist_state=PERSIST
    )
    k = st.session_state.why_sparse_kernel
    n_out = SPARSE_INPUTS - k + 1
    clamp("why_sparse_unit", 0, n_out - 1)
    b.slider(t("why.sparse_unit"), 0, n_out - 1, key="why_sparse_unit", persist_state=PERSIST)
    fig = plots.connections_figure(
        SPARSE_INPUTS,
        k,
        st.session_state.why_sparse_unit,
        (t("why.sparse_conv_title"), t("why.sparse_dense_title")),
        t("why.weight_short"),
        (t("why.sparse_inputs"), t("why.sparse_outputs")),
    )
    chart(fig, "why_sparse_chart")
    st.markdown(
        t(
            "why.sparse_counts",
            k=k,
            n_in=SPARSE_INPUTS,
            n_out=n_out,
            conv=ops.conv_params(1, 1, (1, k)),  # one 1-D kernel of k weights + its bias
            dense=num(ops.dense_params(SPARSE_INPUTS, n_out)),
        )
    )
    conv1 = params.convnet_rows()[0]
    dense = params.dense_equivalent(conv1.in_shape, conv1.out_shape)
    st.markdown(
        t(
            "why.sparse_convnet",
            conv=num(conv1.params),
            field=conv1.weights // conv1.out_shape[0],
            n_in=num(int(np.prod(conv1.in_shape))),
            n_out=num(int(np.prod(conv1.out_shape))),
            dense=num(dense),
            ratio=plots.format_ratio(dense / conv1.params, LANG),
        )
    )


# ----------------------------------------------------------------------------------------------------
# 3. receptive fields


def fallback_digit() -> np.ndarray:
    """A bundled MNIST 3 when available, else a typed 3."""
    try:
        from explorer.samples import load_samples

        samples = load_samples()
        return samples.digit(samples.of_class(3)[0])
    except (OSError, KeyError, IndexError, ValueError, EOFError, zipfile.BadZipFile):
        return channels.sample_digit(3)


def on_cell_click() -> None:
    """A click on the layer map moves the row/col sliders to that cell."""
    cell = plots.selected_cell(st.session_state.get("why_rf_chart"))
    if cell is not None:
        st.session_state.why_rf_row, st.session_state.why_rf_col = cell


def layer_map(layer: str, digit: np.ndarray) -> np.ndarray:
    """Mean over the channels of `layer` for this digit, or zeros when the network is unavailable."""
    if ui.get_model() is None:
        return np.zeros(params.layer_hw(layer), dtype=np.float32)
    return ui.activations(digit)[layer].mean(axis=0)


def section_rf() -> None:
    st.markdown(t("why.rf_intro"))
    digit = ui.current_digit()
    if digit is None:
        st.info(t("why.rf_fallback"))
        digit = fallback_digit()
    st.segmented_control(
        t("why.rf_layer"), params.RF_LAYERS, key="why_rf_layer", required=True, persist_state=PERSIST
    )
    layer = st.session_state.why_rf_layer
    h, w = params.layer_hw(layer)
    clamp("why_rf_row", 0, h - 1)
    clamp("why_rf_col", 0, w - 1)
    a, b = st.columns(2)
    a.slider(t("why.rf_row"), 0, h - 1, key="why_rf_row", persist_state=PERSIST)
    b.slider(t("why.rf_col"), 0, w - 1, key="why_rf_col", persist_state=PERSIST)
    row, col = st.session_state.why_rf_row, st.session_state.why_rf_col
    top, left, bottom, right = box = params.receptive_field(layer, row, col)
    hover = t("why.hover_cell")
    left_col, right_col = st.columns(2)
    with left_col:
        st.markdown(t("why.rf_map_title", layer=layer, h=h, w=w))
        fig = plots.layer_map_figure(
            layer_map(layer, digit), row, col, hover + "<br>%{customdata[2]:.3f}<extra></extra>"
        )
        chart(fig, "why_rf_chart", on_select=on_cell_click, selection_mode="points")
        st.caption(t("why.rf_click"))
    with right_col:
        st.markdown(t("why.rf_input_title"))
        chart(plots.receptive_field_figure(digit, box, hover + "<br>%{z:.2f}<extra></extra>"), "why_rf_input")
    full = params.receptive_field_size(layer)
    with st.container(key="why_rf_result"):
        st.markdown(
            t(
                "why.rf_result",
                layer=layer,
                row=row,
                col=col,
                top=top,
                bottom=bottom - 1,
                left=left,
                right=right - 1,
                h=bottom - top,
                w=right - left,
                n=(bottom - top) * (right - left),
            )
        )
    if (bottom - top, right - left) != (full, full):
        st.caption(t("why.rf_clipped", full=full))
    st.caption(t("why.rf_growth"))


# ----------------------------------------------------------------------------------------------------
# 4. colour channels


def uploaded_image() -> np.ndarray | None:
    """The uploader and the picture as (3, H, W), converted once per file; a bad file shows its error -> None.

    The converted picture is kept in the session, so it survives the uploader (which forgets its file when the
    section is not shown) and is used by the 4-D section too.
    """
    file = st.file_uploader(t("why.upload"), type=UPLOAD_TYPES, key="why_upload")
    cached = st.session_state.get(UPLOAD_CACHE)
    if file is not None and (cached is None or cached[0] != file.file_id):
        try:
            cached = (file.file_id, channels.to_chw(load_image(file.getvalue())), None)
        except ImageLoadError as e:
            cached = (file.file_id, None, (e.key, e.params))
        except Exception as e:  # an odd file must not take the page down; the loader's own errors are above
            cached = (file.file_id, None, ("error_unexpected", {"name": type(e).__name__}))
        st.session_state[UPLOAD_CACHE] = cached
    if cached is None:
        return None
    if cached[2] is not None:
        key, extra = cached[2]
        st.error(t(key, **extra))
    return cached[1]


def current_image() -> np.ndarray:
    """The chosen picture without drawing any widget: the kept upload, else the sample (3, H, W)."""
    cached = st.session_state.get(UPLOAD_CACHE)
    if st.session_state.why_rgb_source == "upload" and cached is not None and cached[1] is not None:
        return cached[1]
    return channels.sample_chw()


def current_kernel() -> np.ndarray:
    """The student's 3-channel kernel (3, 3, 3) from the settings."""
    return channels.rgb_kernel(
        tuple((st.session_state[f"why_slice_{n}"], st.session_state[f"why_factor_{n}"]) for n in "rgb")
    )


def kernel_editor() -> np.ndarray:
    """One slice (preset x factor) per colour channel -> weight (3, 3, 3)."""
    cols = st.columns(3)
    for c, name in zip(cols, ("r", "g", "b"), strict=True):
        with c:
            st.selectbox(
                t(f"why.slice_{name}"),
                SLICE_NAMES,
                key=f"why_slice_{name}",
                format_func=lambda s: t(f"why.kernel_{s}"),
                persist_state=PERSIST,
            )
            st.number_input(
                t("why.factor"),
                -FACTOR_LIMIT,
                FACTOR_LIMIT,
                step=0.1,
                key=f"why_factor_{name}",
                persist_state=PERSIST,
            )
    return current_kernel()


@st.cache_data(max_entries=8, show_spinner=False)
def pictures(image: np.ndarray) -> bytes:
    """PNG of the picture beside its R, G, B channels (encoded once per picture, not on every rerun)."""
    return plots.png_bytes(plots.channel_strip(image))


def section_channels() -> None:
    st.markdown(t("why.channels_intro"))
    st.segmented_control(
        t("why.rgb_source"),
        ("sample", "upload"),
        key="why_rgb_source",
        required=True,
        format_func=lambda s: t(f"why.source_{s}"),
        persist_state=PERSIST,
    )
    image = uploaded_image() if st.session_state.why_rgb_source == "upload" else None
    if image is None:
        image = channels.sample_chw()  # (3, H, W)
    _, h, w = image.shape
    st.image(pictures(image), caption=t("why.strip_caption", h=h, w=w))

    st.markdown(t("why.kernel_intro"))
    weight = kernel_editor()  # (3, 3, 3)
    a, b = st.columns([3, 1])
    a.slider(t("why.bias"), -BIAS_LIMIT, BIAS_LIMIT, step=0.05, key="why_bias", persist_state=PERSIST)
    b.segmented_control(t("why.padding"), (0, 1), key="why_padding", required=True, persist_state=PERSIST)
    bias, padding = float(st.session_state.why_bias), st.session_state.why_padding
    result = channels.conv_channels(image, weight, bias, padding)
    titles = [t("why.map_channel", c=c) for c in channels.CHANNELS] + [t("why.map_sum")]
    maps = np.concatenate([result.per_channel, result.output[None]])  # (4, H', W')
    chart(plots.maps_figure(maps, titles, t("why.hover_value")), "why_sum_chart")
    r, c = np.unravel_index(np.argmax(np.abs(result.output)), result.output.shape)  # the strongest response
    parts = " + ".join(f"({plots.format_float(v, LANG)})" for v in result.per_channel[:, r, c])
    st.markdown(
        t(
            "why.sum_at",
            row=r,
            col=c,
            parts=parts,
            bias=plots.format_float(bias, LANG),
            total=plots.format_float(result.output[r, c], LANG),
        )
    )


def section_batch() -> None:
    st.markdown(t("why.batch_intro"))
    image = current_image()  # (3, H, W)
    c_in, h, w = image.shape
    a, b = st.columns(2)
    a.slider(t("why.out_channels"), 1, MAX_OUT_CHANNELS, key="why_out_channels", persist_state=PERSIST)
    b.slider(t("why.batch"), 1, MAX_BATCH, key="why_batch", persist_state=PERSIST)
    c_out, n = st.session_state.why_out_channels, st.session_state.why_batch
    bias, padding = float(st.session_state.why_bias), st.session_state.why_padding
    names = list(channels.BANK)[: c_out - 1]
    weights = np.stack([current_kernel()] + [channels.rgb_kernel(channels.BANK[k]) for k in names])
    biases = np.array([bias] + [0.0] * len(names))  # weights (C_out, 3, 3, 3), biases (C_out,)
    batch = np.repeat(image[None], n, axis=0)  # (N, 3, H, W): the same picture N times stands in for a batch
    out = channels.conv_multi(batch, weights, biases, padding)  # (N, C_out, H', W')
    titles = [t("why.out_yours")] + [t(f"why.bank_{k}") for k in names]
    fig = plots.maps_figure(
        out[0], [f"{i + 1}: {s}" for i, s in enumerate(titles)], t("why.hover_value"), own_scale=True
    )
    chart(fig, "why_multi_chart")
    st.caption(t("why.multi_scale"))
    shapes = channels.shapes(n, (c_in, h, w), c_out, 3, padding) | {"output": out.shape}  # as torch made it
    with st.container(key="why_shapes"):
        st.code(plots.shapes_text(shapes, padding), language="python")
    st.markdown(t("why.shapes_note", c_in=c_in, h=h, w=w, c_out=c_out, h2=out.shape[2], w2=out.shape[3], n=n))


# ----------------------------------------------------------------------------------------------------

ui.require_shell()  # first, before anything reads the session
share.bind(share.spec_from(DEFAULTS, OPTIONS, RANGES, prefix="why_"))  # a shared link's settings
init_state()
lesson.panel("why_cnn", side=st.session_state.why_side, kernel_size=st.session_state.why_conv_kernel)
st.title(t("why.title"))
st.segmented_control(
    t("why.section"),
    SECTIONS,
    key="why_section",
    required=True,
    format_func=lambda s: t(f"why.section_{s}"),
    persist_state=PERSIST,
    label_visibility="collapsed",
)
SHOW = {
    "params": section_params,
    "sparse": section_sparse,
    "rf": section_rf,
    "channels": section_channels,
    "batch": section_batch,
}
SHOW[st.session_state.why_section]()
