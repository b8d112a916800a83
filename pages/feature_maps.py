"""Feature maps: the trained network layer by layer and channel by channel, live on the current digit.

Everything that follows the digit (canvas, prediction, the two mosaics, one channel up close, the what-if editor)
sits in one st.fragment, so a stroke reruns only that part. Every state change (a click on a mosaic, an edited
cell, a preset, reset, a sample) happens in a callback, so the body reads one consistent state top to bottom.

The edited conv1 filter lives in st.session_state[EDIT] only; it reaches the network as a copy of conv1.weight
passed to ConvNet.activations(conv1_weight=...). The shared cached model is never written to.
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from explorer import i18n, network, ui
from explorer.model import WeightsError, load_card
from explorer.plots import format_value
from explorer.plots import maps as figs
from explorer.ui import canvas, export, kernel_grid, lesson, mosaic, projector, sections, share

t = ui.t
CONFIG = {"displayModeBar": False}
EDIT = "fm_edit"  # this session's edited conv1 filter: {"channel": int, "kernel": (5, 5) float32} or None
WHATIF = "fm_whatif"  # the what-if toggle: off = the trained network, no edit
EDIT_ERROR = "fm_edit_error"  # message key of the last refused edit, shown once
# bumped when code replaces the filter (preset, reset, what-if off): a grid edit made before is stale
EDITOR_VERSION = "fm_editor_version"
SAMPLE_NEXT = "fm_sample_next"  # how many samples were loaded (which one comes next)
SAMPLE_SHOWN = "fm_sample_shown"  # (digit array, sample number, label) of the loaded sample
MOSAIC_COLS = {"conv1": 8, "conv2": 16}  # 8 tiles of 28 and 16 tiles of 14 are about equally wide
MOSAIC_CHANNELS = {"conv1": 32, "conv2": 64}
# the component showing both mosaics (browser hook .st-key-fm_mosaics canvas[data-painted])
MOSAICS = "fm_mosaics"
GALLERY = "fm_filters"  # the learned-filters section (open state in fm_filters_open: explorer.ui.sections)
# the "one channel up close" section (open state in fm_detail_open; a tile click opens it)
DETAIL = "fm_detail"
KEEP = {
    "persist_state": "session"
}  # the section's choices survive runs that don't draw it (closed, other page)


def _defaults() -> None:
    for key, value in {
        EDIT: None,
        EDIT_ERROR: None,
        EDITOR_VERSION: 0,
        SAMPLE_NEXT: 0,
        "fm_stage": "conv",
        "fm_layer": "conv1",
        "fm_channel_conv1": 0,
        "fm_channel_conv2": 0,
    }.items():
        st.session_state.setdefault(key, value)


def _int(n: int) -> str:
    """Thousands separated the way the language writes them."""
    return f"{n:,}".replace(",", "\u202f" if ui.lang() == "uk" else ",")


def _labels(prefix: str):
    """format_func for options named by keys `prefix.<option>`, bound to this run's language.

    (AppTest calls format_func after the run, outside the session, where ui.lang() would fall back to English.)
    """
    lang = ui.lang()
    return lambda option: i18n.t(f"{prefix}.{option}", lang)


def _shape(shape: tuple[int, ...]) -> str:
    return "×".join(str(s) for s in shape)


# ---- pipeline strip ---------------------------------------------------------------------------------------------


def pipeline_strip(model) -> None:
    """The forward pass as a row of cards: stage, output shape, parameters; then how they are counted."""
    from explorer.ui.widgets import pipeline_html

    stages = network.stages(model)
    cards = [(t(f"fm.stage_name.{s.name}"), _shape(s.shape), _int(s.params)) for s in stages]
    labels = tuple(t(f"fm.pipeline_row_{row}") for row in ("stage", "shape", "params"))
    formulas = " · ".join(
        f"{t(f'fm.stage_name.{s.name}')}: {s.formula} = {_int(s.params)}" for s in stages if s.formula
    )
    total = sum(s.params for s in stages)
    fc1 = next(s.params for s in stages if s.name == "fc1")
    st.subheader(t("fm.pipeline_title"))
    st.html(pipeline_html(cards, labels))
    formulas = t("fm.pipeline_formulas", formulas=formulas)
    st.caption(formulas + "  \n" + t("fm.pipeline_caption", total=_int(total), fc_share=fc1 / total))


# ---- callbacks ----------------------------------------------------------------------------------------------------


def _on_pick() -> None:
    """A click on a tile of the mosaics ({"layer": panel index, "channel"}) opens that channel below."""
    pick = mosaic.picked()
    layer, channel = pick.get("layer"), pick.get("channel")
    if isinstance(layer, int) and 0 <= layer < len(network.LAYERS) and isinstance(channel, int):
        name = network.LAYERS[layer]
        if 0 <= channel < MOSAIC_CHANNELS[name]:
            st.session_state["fm_layer"] = name
            st.session_state[f"fm_channel_{name}"] = channel
            st.session_state[f"{DETAIL}_open"] = True


def _grid_key(channel: int) -> str:
    return f"fm_grid_{channel}"  # one grid per channel: an edit can't land on another channel's filter


def _set_edit(channel: int, kernel: np.ndarray | None, model) -> None:
    """Make `kernel` this session's conv1 filter `channel` (None or the learned values: no edit)."""
    learned = network.layer_filters(model, "conv1", channel)[0]
    same = kernel is None or np.array_equal(kernel, learned)
    st.session_state[EDIT] = None if same else {"channel": channel, "kernel": kernel}


def _sync_editor(model) -> None:
    """Apply the weight typed into the grid before anything is computed (refused, with a message, if invalid)."""
    if not st.session_state.get(WHATIF):
        return
    channel = st.session_state["fm_channel_conv1"]
    edit = kernel_grid.pending_edit(_grid_key(channel), st.session_state[EDITOR_VERSION])
    if edit is None:
        return
    base = _filter_slices(model, "conv1", channel)[0]  # (5, 5): the session's edit so far, or the learned one
    try:
        _set_edit(channel, network.apply_cell_edit(base, edit["row"], edit["col"], edit["text"]), model)
    except network.FilterError as e:
        st.session_state[EDIT_ERROR] = e.key  # the grid shows the kept weights again on this run


def _on_preset(channel: int, model) -> None:
    learned = network.layer_filters(model, "conv1", channel)[0]
    reference = learned if st.session_state.get("fm_match", True) else None
    _set_edit(channel, network.preset_filter(st.session_state["fm_preset"], reference), model)
    st.session_state[EDITOR_VERSION] += 1


def _on_whatif() -> None:
    """Switching the what-if section off drops the edit: off means the trained network."""
    if not st.session_state.get(WHATIF):
        st.session_state[EDIT] = None
        st.session_state[EDITOR_VERSION] += 1


def _on_reset(model) -> None:
    st.session_state[EDIT] = None
    st.session_state[EDITOR_VERSION] += 1


def _on_sample() -> None:
    """Load the next bundled MNIST sample as the current digit (different digits first, then their twins)."""
    from explorer.samples import load_samples

    samples = load_samples()
    order = sorted(
        range(len(samples)),
        key=lambda j: (samples.of_class(int(samples.labels[j])).index(j), int(samples.labels[j])),
    )
    n = st.session_state[SAMPLE_NEXT]
    i = order[n % len(order)]
    digit = samples.digit(i)
    canvas.set_digit(digit)
    st.session_state[SAMPLE_NEXT] = n + 1
    st.session_state[SAMPLE_SHOWN] = (digit, n + 1, int(samples.labels[i]))


# ---- the live part ------------------------------------------------------------------------------------------------


def _edited_weight(model):
    """A copy of conv1.weight with this session's edit, or None when nothing is edited."""
    edit = st.session_state.get(EDIT)
    if not edit or not st.session_state.get(WHATIF):
        return None
    return network.edited_conv1_weight(model, edit["channel"], edit["kernel"])


@st.fragment
def live(model, stage: str, per_channel: bool, by_strength: bool) -> None:
    """Canvas, prediction, mosaics, one channel up close and the what-if editor: all follow the digit."""
    # the prediction to the right of the maps, not under the canvas: the browser runs the elements' drawing code in
    # page order, and the maps come first
    left, middle, right = st.columns([1.1, 3, 1.1], gap="medium")
    with left:
        canvas.digit_canvas()
        st.button(t("fm.load_sample"), key="fm_sample", on_click=_on_sample, help=t("fm.load_sample_help"))
        digit = ui.current_digit()
        shown = st.session_state.get(SAMPLE_SHOWN)
        if digit is not None and shown is not None and shown[0] is st.session_state.get(ui.DIGIT):
            st.caption(t("fm.sample_loaded", n=shown[1], label=shown[2]))
    if digit is None:
        with middle:
            st.info(t("fm.no_digit"))
        with right:
            _prediction(None)
        return
    _sync_editor(model)
    weight = _edited_weight(model)
    base = ui.activations(digit)
    acts = base if weight is None else network.activations(model, digit, weight)
    with middle:
        mosaics(acts, stage, per_channel, by_strength)
    with right:
        _prediction(acts["softmax"])
        if weight is not None:
            before, after = base["softmax"], acts["softmax"]
            st.caption(
                t(
                    "fm.before",
                    digit=int(before.argmax()),
                    p=float(before.max()),
                    digit_after=int(after.argmax()),
                    p_after=float(after.max()),
                )
            )
    detail(model, digit, acts, stage)


def _prediction(probs) -> None:
    from explorer.ui.widgets import prediction_panel

    prediction_panel(probs)


def _controls() -> tuple[str, bool, bool]:
    """What the mosaics show, above the live part: changing it reruns the page, a stroke doesn't redraw it."""
    row = st.container(horizontal=True, vertical_alignment="bottom", gap="large")
    stage = row.segmented_control(
        t("fm.stage_label"),
        network.KINDS,
        format_func=_labels("fm.stage"),
        key="fm_stage",
        required=True,
    )
    per_channel = row.toggle(t("fm.per_channel"), key="fm_per_channel", help=t("fm.per_channel_help"))
    by_strength = row.toggle(t("fm.sort"), key="fm_sort", help=t("fm.sort_help"))
    return stage, per_channel, by_strength


def mosaics(acts: dict, stage: str, per_channel: bool, by_strength: bool) -> None:
    """conv1's and conv2's maps at the chosen stage: one figure, one mosaic (one image) per layer, and a
    legend of both colour scales above it."""
    panels = []
    for layer in network.LAYERS:
        maps = acts[network.stage_name(layer, stage)]  # (C, H, W)
        c, h, w = maps.shape
        panels.append(
            figs.MosaicPanel(
                maps=network.normalise_channels(maps) if per_channel else maps,
                order=network.channel_order(maps, by_strength),
                signed=stage == "conv",
                title=t("fm.layer_heading", layer=layer, channels=c, h=h, w=w, stage=t(f"fm.stage.{stage}")),
                cols=MOSAIC_COLS[layer],
                selected=st.session_state[f"fm_channel_{layer}"]
                if st.session_state["fm_layer"] == layer
                else None,
                raw=maps,
            )
        )
    hover = t("fm.tile_hover")
    view = {
        "legend": _legend(panels, per_channel),
        "note": t("fm.scale_caption_channel" if per_channel else "fm.scale_caption_shared"),
        "panels": [figs.mosaic_view(panel, hover) for panel in panels],
    }
    mosaic.show(view, key=MOSAICS)


def _legend(panels: list[figs.MosaicPanel], per_channel: bool) -> list[dict]:
    """Each mosaic's colour scale for the component's legend: a gradient between its end values."""
    what = t("fm.colorbar_relative" if per_channel else "fm.colorbar_value")
    items = []
    for layer, panel in zip(network.LAYERS, panels, strict=True):
        name, low, high = figs.mosaic_scale(panel.maps, panel.signed)
        items.append({"layer": layer, "what": what, "low": format_value(low, 3), "high": format_value(high, 3),
                      "css": figs.gradient_css(name)})  # fmt: skip
    return items


# ---- one channel up close -----------------------------------------------------------------------------------------


def detail(model, digit: np.ndarray, acts: dict, stage: str) -> None:
    """The selected channel large, its filter(s), its statistics, where it fires; the what-if editor for conv1.

    In a section that is built only while open: closed, a stroke skips its dozen elements and its figure.
    """
    section = sections.expander(t("fm.detail_title"), key=DETAIL)
    if section.open:
        with section:
            channel_view(model, digit, acts, stage)


def channel_view(model, digit: np.ndarray, acts: dict, stage: str) -> None:
    """The open section: layer and channel pickers, the channel's figure and downloads, the what-if toggle."""
    a, b = st.columns([1, 1])
    layer = a.segmented_control(t("fm.detail_layer"), network.LAYERS, key="fm_layer", required=True, **KEEP)
    channels = acts[layer].shape[0]
    channel = b.number_input(
        t("fm.detail_channel"),
        0,
        channels - 1,
        step=1,
        key=f"fm_channel_{layer}",
        help=t("fm.detail_channel_help"),
        **KEEP,
    )
    maps = acts[network.stage_name(layer, stage)]
    a_map = maps[channel]
    mean, peak = network.channel_stats(a_map)
    rank = int(np.flatnonzero(network.channel_order(maps, True) == channel)[0]) + 1
    st.markdown(
        f"**{t('fm.detail_map', layer=layer, channel=channel, stage=t(f'fm.stage.{stage}'))}** · "
        f"{t('fm.mean')} **{mean:.3f}** · {t('fm.max')} **{peak:.3f}** · "
        f"{t('fm.rank')} **{t('fm.rank_value', rank=rank, n=channels)}**"
    )
    relu = acts[network.stage_name(layer, "relu")][channel]
    bias = network.layer_bias(model, layer, channel)
    fig = figs.detail_figure(
        a_map,
        signed=stage == "conv",
        slices=_filter_slices(model, layer, channel),
        digit=digit,
        fire=network.fire_map(relu),
        titles=(t("fm.panel_map"), t(f"fm.panel_filter_{layer}", bias=bias), t("fm.fires_title")),
        hovers={k: t(f"fm.hover_{k}") for k in ("cell", "weight", "slice", "fire")},
    )
    st.plotly_chart(
        projector.style(fig),
        key="fm_channel",
        config=CONFIG,
        alt=export.alt_text(
            a_map, t("fm.detail_map", layer=layer, channel=channel, stage=t(f"fm.stage.{stage}"))
        ),
    )
    export.downloads(fig, f"fm_{layer}_channel{channel}")
    notes = [t("fm.filter_conv2_caption")] if layer == "conv2" else []
    notes.append(t("fm.silent") if relu.max() <= 0 else t(f"fm.fires_caption_{layer}"))
    st.caption(" ".join(notes))
    # the what-if editor only when asked for: it is a dozen more elements on every stroke's rerun
    if not st.toggle(
        t("fm.whatif_title"), key=WHATIF, on_change=_on_whatif, help=t("fm.whatif_help"), **KEEP
    ):
        return
    if layer == "conv1":
        what_if(model, channel)
    else:
        st.caption(t("fm.whatif_conv2"))


def _filter_slices(model, layer: str, channel: int) -> np.ndarray:
    """The filter as the network uses it in this session (the edit for conv1, else the learned one)."""
    edit = st.session_state.get(EDIT)
    if layer == "conv1" and edit and edit["channel"] == channel:
        return edit["kernel"][None]  # (1, 5, 5)
    return network.layer_filters(model, layer, channel)


def what_if(model, channel: int) -> None:
    """Edit conv1 filter `channel` cell by cell or replace it with a preset; reset."""
    st.caption(t("fm.whatif_intro", channel=channel))
    edit = st.session_state.get(EDIT)
    error = st.session_state.get(EDIT_ERROR)
    if error:
        st.error(t(error))
        st.session_state[EDIT_ERROR] = None
    if edit:
        st.warning(t("fm.edit_active", channel=edit["channel"]))
    base = _filter_slices(model, "conv1", channel)[0]  # (5, 5)
    grid, tools = st.columns([3, 2])
    with grid:
        kernel_grid.kernel_grid(
            base,
            key=_grid_key(channel),
            version=st.session_state[EDITOR_VERSION],
            label=t("fm.editor_label", channel=channel),
        )
        st.caption(t("fm.editor_label", channel=channel))
    with tools:
        st.selectbox(
            t("fm.preset"), network.preset_names(), key="fm_preset", format_func=_labels("fm.preset"), **KEEP
        )
        st.checkbox(t("fm.match_strength"), value=True, key="fm_match", help=t("fm.match_strength_help"))
        st.button(t("fm.preset_apply"), key="fm_apply", on_click=_on_preset, args=(channel, model))
        st.button(t("fm.reset"), key="fm_reset", on_click=_on_reset, args=(model,), disabled=not edit)
        if edit and edit["channel"] != channel:
            st.caption(t("fm.edit_one", channel=edit["channel"]))


# ---- static parts -------------------------------------------------------------------------------------------------


def gallery(model) -> None:
    """All learned conv1 filters as one mosaic, in a section built only while open (like the model card)."""
    section = sections.expander(t("fm.gallery_title"), key=GALLERY)
    if not section.open:
        return
    with section:
        fig = figs.filters_gallery(network.conv1_filters(model), hover=t("fm.hover_filter"))
        st.plotly_chart(projector.style(fig), key="fm_gallery", config=CONFIG)
        st.caption(t("fm.gallery_caption"))


def about(model) -> None:
    """The model card's numbers and training curves (only rendered when switched on)."""
    if not st.toggle(t("fm.about"), key="fm_about"):
        return
    try:
        numbers = network.card_numbers(load_card())
    except WeightsError as e:
        st.error(t(e.key))
        return
    row = st.container(horizontal=True, gap="large")  # wraps on a tablet instead of cutting the numbers short
    row.metric(t("fm.about_accuracy"), f"{numbers['test_accuracy']:.2%}", width="content")
    row.metric(t("fm.about_test_size"), _int(numbers["test_size"] or 0), width="content")
    row.metric(t("fm.about_params"), _int(numbers["total_parameters"]), width="content")
    row.metric(t("fm.about_epochs"), len(numbers["epochs"]), width="content")
    left, right = st.columns(2)
    with left:
        st.markdown(f"**{t('fm.per_class_title')}**")
        st.plotly_chart(
            projector.style(
                figs.per_class_bar(
                    numbers["per_class"], x_title=t("fm.per_class_x"), y_title=t("fm.per_class_y")
                )
            ),
            key="fm_per_class",
            config=CONFIG,
        )
    with right:
        st.markdown(f"**{t('fm.params_title')}**")
        total = numbers["total_parameters"] or 1
        rows = [
            f"| {t('fm.params_layer')} | {t('fm.params_count')} | {t('fm.params_share')} |",
            "| --- | ---: | ---: |",
        ]
        rows += [f"| {name} | {_int(n)} | {n / total:.2%} |" for name, n in numbers["parameters"].items()]
        st.markdown("\n".join(rows))
    st.markdown(f"**{t('fm.curves_title')}**")
    if numbers["epochs"]:
        labels = {k: t(f"fm.curve_{k}") for k in ("loss", "accuracy", "train", "test", "epoch")}
        st.plotly_chart(
            projector.style(figs.training_curves(numbers["epochs"], numbers["history"], labels=labels)),
            key="fm_curves",
            config=CONFIG,
        )
    else:
        st.caption(t("fm.no_history"))
    st.caption(t("fm.card_note"))


def main() -> None:
    _defaults()
    lesson.panel("feature_maps", layer=st.session_state.fm_layer)
    st.title(t("fm.title"))
    st.caption(t("fm.intro"))
    model = ui.get_model()
    if model is None:
        return
    pipeline_strip(model)
    live(model, *_controls())
    mosaic.pick_listener(_on_pick)  # outside the fragment: a stroke needn't resend it
    gallery(model)
    about(model)


ui.require_shell()  # first, before anything reads the session
share.bind(share.FEATURE_MAPS)  # a shared link's settings, before the widgets
main()
