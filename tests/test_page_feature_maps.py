"""The Feature maps page in AppTest: the maps shown are the network's activations, the what-if edit stays in its
own session, both languages render.

Figures are read back from the plotly spec Streamlit sends (json.loads(element.proto.spec)); numpy arrays travel
as base64 typed arrays. The two mosaics are drawn by a script in an st.html element from JSON in its body (one
palette index per cell), decoded here: each index must be the activation's place on the colour scale. Expected values are computed here with torch, independently of
explorer.network.
"""

from __future__ import annotations

import base64
import functools
import json
import re

import numpy as np
import plotly.colors
import pytest
import torch
from streamlit.testing.v1 import AppTest

from explorer import i18n, kernels
from explorer.model import load_card, load_pretrained
from explorer.preprocess import to_input
from explorer.samples import load_samples

PAGE = "pages/feature_maps.py"
COLS = {"conv1": 8, "conv2": 16}  # the page's mosaic layout
LAYERS = ["conv1", "conv2"]
LEVELS = 255  # palette colours of a mosaic; index 255 is the transparent gutter
SCALES = {True: "RdBu_r", False: "Viridis"}  # signed (conv) / non-negative (ReLU, pool) stages


@pytest.fixture(scope="module")
def model():
    return load_pretrained()


@pytest.fixture(scope="module")
def digit() -> np.ndarray:
    samples = load_samples()
    return samples.digit(samples.of_class(3)[0])


@pytest.fixture(scope="module")
def reference(model, digit) -> dict[str, np.ndarray]:
    with torch.no_grad():
        acts = model.activations(to_input(digit))
    return {k: v[0].numpy() for k, v in acts.items()}


@pytest.fixture(scope="module")
def open_page(open_app):
    """open_page(digit=None, lang='en', **state) -> AppTest on the Feature maps page."""
    return functools.partial(open_app, PAGE)


def tiles(z: np.ndarray, c: int, h: int, w: int, cols: int, gutter=np.nan) -> np.ndarray:
    """Undo a mosaic: (C, h, w) tiles in display order; the 1-cell gutters must hold `gutter` (NaN)."""
    out = np.empty((c, h, w), dtype=float)
    mask = np.ones(z.shape, dtype=bool)
    for i in range(c):
        r, q = divmod(i, cols)
        out[i] = z[r * (h + 1) : r * (h + 1) + h, q * (w + 1) : q * (w + 1) + w]
        mask[r * (h + 1) : r * (h + 1) + h, q * (w + 1) : q * (w + 1) + w] = False
    assert (np.isnan(z[mask]) if np.isnan(gutter) else z[mask] == gutter).all(), "gutters"
    assert np.isfinite(out).all()
    return out


def scale_indices(values: np.ndarray, signed: bool) -> np.ndarray:
    """Where each value sits on the mosaic's colour scale, 0..254: ±largest |value| when signed, else 0..max."""
    peak = float(np.abs(values).max())
    low = -peak if signed else 0.0
    return np.rint((values - low) / (peak - low) * (LEVELS - 1))


def mosaics_data(at: AppTest) -> dict:
    """The data the page's mosaics element draws from (JSON in its HTML): legend, note, one panel per layer."""
    body = at.get_by_key("fm_mosaics").children[0].proto.body
    found = re.search(r'<script type="application/json" class="fm-data">(.*?)</script>', body, re.S)
    return json.loads(found.group(1))


def mosaic_panels(at: AppTest) -> list[dict]:
    return mosaics_data(at)["panels"]


@pytest.fixture(scope="module")
def mosaic_maps():
    """mosaic_maps(at, layer, shape) -> (palette index of every cell, tile by tile in display order; each
    tile's [channel, mean, max] from its hover text; the PNG's palette, (256, 3))."""

    def read(at: AppTest, layer: str, shape: tuple[int, int, int]):
        panel = mosaic_panels(at)[LAYERS.index(layer)]
        cells = np.frombuffer(base64.b64decode(panel["cells"]), dtype=np.uint8)
        assert panel["cols"] == COLS[layer]
        grid = cells.reshape(panel["height"], panel["width"]).astype(float)
        indices = tiles(grid, *shape, COLS[layer], gutter=LEVELS)  # gutters: LEVELS, drawn transparent
        palette = np.frombuffer(base64.b64decode(panel["palette"]), dtype=np.uint8).reshape(-1, 3)
        stats = [[float(v) for v in re.findall(r"-?\d+\.\d+", text)] for text in panel["texts"]]
        return indices, np.column_stack([panel["channels"], stats]), palette

    return read


@pytest.fixture(scope="module")
def assert_shows(mosaic_maps):
    """assert_shows(at, layer, values, signed, channels=None, raw=None): the layer's mosaic shows `values`
    (C, H, W, display order) on its colour scale (within one of 255 steps), its tiles are `channels` (default
    0..C-1), and their hover statistics are the mean and max of `raw` (default `values`)."""

    def check(at: AppTest, layer: str, values: np.ndarray, signed: bool, channels=None, raw=None):
        indices, picks, _ = mosaic_maps(at, layer, values.shape)
        expected = scale_indices(values, signed)
        assert np.abs(indices - expected).max() <= 1, "the pixels are not these maps"
        assert (indices == expected).mean() > 0.99
        channels = np.arange(len(values)) if channels is None else np.asarray(channels)
        assert picks[:, 0].astype(int).tolist() == channels.tolist()
        raw = values if raw is None else raw
        np.testing.assert_allclose(picks[:, 1], raw.mean(axis=(1, 2)), atol=5e-4)  # written with 3 decimals
        np.testing.assert_allclose(picks[:, 2], raw.max(axis=(1, 2)), atol=5e-4)

    return check


def prediction(at: AppTest) -> str:
    return at.get_by_key("prediction").get("metric")[0].value


@pytest.mark.parametrize("stage", ["conv", "relu", "pool"])
def test_mosaics_are_the_networks_activations(digit, reference, stage, open_page, mosaic_maps, assert_shows):
    at = open_page(digit)
    if stage != "conv":
        at.segmented_control(key="fm_stage").set_value(stage).run()
    assert not at.exception
    for layer in ("conv1", "conv2"):
        expected = reference[stage + layer[-1]]
        assert_shows(at, layer, expected, signed=stage == "conv")  # channel order unless sorted
        # the palette is the colour scale: its ends and middle are the scale's colours
        _, _, palette = mosaic_maps(at, layer, expected.shape)
        scale = plotly.colors.get_colorscale(SCALES[stage == "conv"])
        for i in (0, 127, 254):
            colour = plotly.colors.sample_colorscale(scale, [i / 254])[0]
            assert np.abs(palette[i] - np.array(plotly.colors.unlabel_rgb(colour))).max() <= 1
        # the legend names the scale's ends
        peak = f"{float(np.abs(expected).max()):.3f}".rstrip("0").rstrip(".")
        legend = mosaics_data(at)["legend"][LAYERS.index(layer)]
        assert (legend["low"], legend["high"]) == (f"-{peak}" if stage == "conv" else "0", peak)
    assert prediction(at) == str(int(reference["softmax"].argmax()))


def test_sorted_and_per_channel_scaling(digit, reference, open_page, mosaic_maps, assert_shows):
    at = open_page(digit)
    at.toggle(key="fm_sort").set_value(True).run()
    at.toggle(key="fm_per_channel").set_value(True).run()
    assert not at.exception
    expected = reference["conv2"]  # stage "conv"
    _, picks, _ = mosaic_maps(at, "conv2", expected.shape)
    channels = picks[:, 0].astype(int)
    assert sorted(channels.tolist()) == list(range(64))
    strength = np.maximum(expected, 0).mean(axis=(1, 2))
    assert np.all(np.diff(strength[channels]) <= 1e-7), "strongest first"
    assert channels[0] == int(strength.argmax())
    peak = np.abs(expected).max(axis=(1, 2))
    scaled = expected[channels] / peak[channels, None, None]
    assert_shows(at, "conv2", scaled, signed=True, channels=channels, raw=expected[channels])
    indices, _, _ = mosaic_maps(at, "conv2", expected.shape)
    assert ((indices == 0) | (indices == 254)).any(axis=(1, 2)).all()  # every map reaches an end of the scale


def test_channel_section_is_built_only_when_open_and_keeps_its_choice(digit, open_page):
    at = open_page(digit)
    assert "fm_channel" not in [el.proto.id.rsplit("-", 1)[-1] for el in at.get("plotly_chart")]
    assert not at.number_input  # closed: none of its widgets either
    at.session_state["fm_detail_open"] = True  # what a click on a tile (or on the section) does
    at.run()
    at.segmented_control(key="fm_layer").set_value("conv2").run()
    at.number_input(key="fm_channel_conv2").set_value(17).run()
    assert "fm_channel" in [el.proto.id.rsplit("-", 1)[-1] for el in at.get("plotly_chart")]
    at.session_state["fm_detail_open"] = False
    at.run()
    assert not at.number_input
    at.session_state["fm_detail_open"] = True
    at.run()
    assert at.segmented_control(key="fm_layer").value == "conv2"
    assert at.number_input(key="fm_channel_conv2").value == 17


def test_channel_detail_for_conv2(model, digit, reference, open_page, array, figure, grids):
    at = open_page(digit, fm_detail_open=True)
    at.segmented_control(key="fm_layer").set_value("conv2").run()
    at.number_input(key="fm_channel_conv2").set_value(17).run()
    assert not at.exception
    detail = figure(at, "fm_channel")["data"]  # map, filter, digit, fire overlay
    np.testing.assert_allclose(array(detail[0]["z"]), reference["conv2"][17], rtol=1e-4, atol=1e-5)
    # the filter: 32 slices of 5x5, one per input channel, in one mosaic
    slices = tiles(array(detail[1]["z"]).astype(float), 32, 5, 5, 8)
    np.testing.assert_allclose(slices, model.conv2.weight[17].detach().numpy(), rtol=1e-5, atol=1e-7)
    # where it fires: relu2 of channel 17 over the input, each cell repeated over its 2x2 input block
    relu = reference["relu2"][17]
    expected = np.kron(relu / relu.max(), np.ones((2, 2))) if relu.max() > 0 else np.zeros((28, 28))
    np.testing.assert_allclose(array(detail[3]["z"]), expected, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(array(detail[2]["z"]), digit, atol=1e-6)
    # the selected tile is outlined in the conv2 mosaic only: channel 17's tile (row 1, column 1 of 16)
    assert [p["selected"] for p in mosaic_panels(at)] == [None, 17]
    at.toggle(key="fm_whatif").set_value(True).run()
    assert not grids(at)  # no what-if editor for conv2
    assert i18n.t("fm.whatif_conv2", "en") in [c.value for c in at.caption]


def edited_forward(model, digit, channel: int, kernel: np.ndarray) -> dict[str, np.ndarray]:
    weight = model.conv1.weight.detach().clone()
    weight[channel, 0] = torch.from_numpy(kernel.astype(np.float32))
    with torch.no_grad():
        acts = model.activations(to_input(digit), conv1_weight=weight)
    return {k: v[0].numpy() for k, v in acts.items()}


def test_edit_stays_in_its_session_and_never_touches_the_shared_model(
    model, digit, reference, open_page, mosaic_maps, assert_shows, array, figure, grids
):
    from explorer import ui

    a = open_page(digit, fm_detail_open=True)
    assert not grids(a)  # the what-if editor only when switched on
    a.toggle(key="fm_whatif").set_value(True).run()
    a.number_input(key="fm_channel_conv1").set_value(3).run()
    a.selectbox(key="fm_preset").set_value("sobel_x").run()
    a.checkbox(key="fm_match").set_value(False).run()
    a.button(key="fm_apply").click().run()
    assert not a.exception
    sobel = np.zeros((5, 5), dtype=np.float32)
    sobel[1:4, 1:4] = [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]]
    edited = edited_forward(model, digit, 3, sobel)
    assert_shows(a, "conv1", edited["conv1"], signed=True)
    shown, _, _ = mosaic_maps(a, "conv1", (32, 28, 28))
    # the edit really changed channel 3's map (on the trained network's scale it would look different)
    assert np.abs(shown[3] - scale_indices(reference["conv1"], True)[3]).max() > 10
    assert_shows(a, "conv2", edited["conv2"], signed=True)
    assert prediction(a) == str(int(edited["softmax"].argmax()))
    np.testing.assert_allclose(array(figure(a, "fm_channel")["data"][1]["z"]), sobel)
    assert any("Without the edit" in c.value for c in a.caption)

    # another session, same digit: the network it sees is the trained one
    b = open_page(digit)
    assert_shows(b, "conv1", reference["conv1"], signed=True)
    assert_shows(b, "conv2", reference["conv2"], signed=True)
    assert prediction(b) == str(int(reference["softmax"].argmax()))
    assert not any("Without the edit" in c.value for c in b.caption)

    # the cached model every session shares still holds the trained weights
    shared, _ = ui._load_model()
    assert torch.equal(shared.conv1.weight, model.conv1.weight)

    # reset in session A brings the trained filter back
    a.button(key="fm_reset").click().run()
    assert_shows(a, "conv1", reference["conv1"], signed=True)
    assert prediction(a) == str(int(reference["softmax"].argmax()))


def test_switching_what_if_off_drops_the_edit(model, digit, reference, open_page, assert_shows, grids):
    at = open_page(digit, fm_whatif=True, fm_detail_open=True)
    at.selectbox(key="fm_preset").set_value("zeros").run()
    at.button(key="fm_apply").click().run()
    # an all-zero filter: only the bias is left in channel 0
    assert_shows(at, "conv1", edited_forward(model, digit, 0, np.zeros((5, 5)))["conv1"], signed=True)
    at.toggle(key="fm_whatif").set_value(False).run()
    assert at.session_state["fm_edit"] is None and not grids(at)
    assert_shows(at, "conv1", reference["conv1"], signed=True)


def typed(row: int, col: int, text: str, edit_id: str, version: int = 0) -> dict:
    """The grid's state after a student typed `text` into box (row, col) and pressed Enter."""
    return {"edit": {"id": edit_id, "row": row, "col": col, "text": text, "version": version}}


def test_cell_edits_through_the_grid(model, digit, open_page, assert_shows, grids):
    at = open_page(digit, fm_whatif=True, fm_detail_open=True, fm_grid_0=typed(2, 2, "1,5", "a"))
    assert list(grids(at)) == ["fm_grid_0"]
    at.session_state["fm_grid_0"] = typed(0, 4, "−0.75", "b")  # a second weight, on top of the first
    at.run()
    kernel = model.conv1.weight[0, 0].detach().numpy().copy()
    kernel[2, 2], kernel[0, 4] = 1.5, -0.75
    edited = edited_forward(model, digit, 0, kernel)
    assert_shows(at, "conv1", edited["conv1"], signed=True)
    assert prediction(at) == str(int(edited["softmax"].argmax()))
    assert any("conv1" in w.value for w in at.warning)  # "filter 0 of conv1 is edited"
    cells = grids(at)["fm_grid_0"]["cells"]
    assert (cells[2][2]["text"], cells[0][4]["text"]) == ("1.5", "-0.75")


def test_invalid_cell_is_refused(model, digit, reference, open_page, assert_shows, grids):
    at = open_page(digit, fm_whatif=True, fm_detail_open=True, fm_grid_0=typed(1, 1, "", "a"))
    assert [e.value for e in at.error] == [i18n.t("fm.error_value", "en")]
    assert_shows(at, "conv1", reference["conv1"], signed=True)
    assert at.session_state["fm_edit"] is None
    grid = grids(at)["fm_grid_0"]  # the emptied box shows the learned weight again
    learned = float(model.conv1.weight[0, 0, 1, 1].detach())
    assert grid["taken"] == "a" and kernels.parse_weight(grid["cells"][1][1]["text"]) == pytest.approx(
        learned, 1e-5
    )


def test_no_digit_then_sample(reference, open_page, assert_shows, array, figure):
    at = open_page(None, fm_filters_open=True)
    assert [i.value for i in at.info] == [i18n.t("fm.no_digit", "en")]
    assert prediction(at) == "–"
    assert not any("fm-data" in el.proto.body for el in at.get("html"))
    gallery = array(figure(at, "fm_gallery")["data"][0]["z"]).astype(float)  # the static parts still work
    model = load_pretrained()
    np.testing.assert_allclose(
        tiles(gallery, 32, 5, 5, 16), model.conv1.weight[:, 0].detach().numpy(), atol=1e-7
    )
    at.button(key="fm_sample").click().run()
    assert not at.exception
    samples = load_samples()
    digit = at.session_state["digit"]
    assert digit.shape == (28, 28) and digit.dtype == np.float32
    assert any(np.array_equal(digit, samples.digit(i)) for i in range(len(samples)))
    with torch.no_grad():
        expected = model.activations(to_input(digit))["conv1"][0].numpy()
    assert_shows(at, "conv1", expected, signed=True)
    first = digit
    at.button(key="fm_sample").click().run()
    assert not np.array_equal(at.session_state["digit"], first)  # the next click loads another digit


@pytest.mark.parametrize("lang", ["en", "uk"])
def test_both_languages(digit, lang, open_page, figure):
    at = open_page(digit, lang=lang)
    at.toggle(key="fm_about").set_value(True).run()
    assert not at.exception
    assert at.title[0].value == i18n.t("fm.title", lang)
    strip = next(h.proto.body for h in at.get("html") if 'class="pipe"' in h.proto.body)
    cards = re.findall(r'data-stage="[^"]*"><b>([^<]*)</b><span>([^<]*)</span><span>([^<]*)</span>', strip)
    assert [shape for _, shape, _ in cards] == [
        "1×28×28", "32×28×28", "32×28×28", "32×14×14", "64×14×14", "64×14×14", "64×7×7", "3136", "1000", "10", "10"
    ]  # fmt: skip
    assert cards[1] == ("conv1", "32×28×28", "832") and cards[-1][0] == "softmax"
    assert cards[8][2] == (
        "3,137,000" if lang == "en" else "3\u202f137\u202f000"
    )  # fc1, the language's separator
    assert any("conv1: 32·(1·5·5) + 32 = 832" in c.value for c in at.caption)
    assert i18n.t("fm.pipeline_row_params", lang) in strip
    assert [s.value for s in at.subheader][:1] == [i18n.t("fm.pipeline_title", lang)]
    assert [e.label for e in at.expander] == [
        i18n.t("fm.detail_title", lang),
        i18n.t("fm.gallery_title", lang),
    ]
    note = mosaics_data(at)["note"]
    assert note == i18n.t("fm.scale_caption_shared", lang)
    card = load_card()
    metrics = {m.label: m.value for m in at.metric}
    accuracy = metrics[i18n.t("fm.about_accuracy", lang)]
    assert accuracy == f"{card['test_accuracy']:.2%}"
    assert metrics[i18n.t("fm.about_epochs", lang)] == str(len(card["history"]))
    curves = figure(at, "fm_curves")
    assert [tr["name"] for tr in curves["data"][:2]] == [
        i18n.t("fm.curve_train", lang),
        i18n.t("fm.curve_test", lang),
    ]
    assert curves["data"][1]["y"] == [h["test_loss"] for h in card["history"]]
    hover = mosaic_panels(at)[0]["texts"][0]  # conv1's first tile
    assert hover.splitlines()[0] == i18n.t("fm.tile_hover", lang, channel=0, mean=0, max=0).splitlines()[0]


def test_every_string_in_both_languages():
    keys = [k for k in i18n.table() if k.startswith("fm.")]
    assert len(keys) > 50
    missing = i18n.missing()
    assert not [k for k in missing["en"] + missing["uk"] if k.startswith("fm.")]
    assert all(i18n.t(k, "en") != i18n.t(k, "uk") for k in ("fm.title", "fm.intro", "fm.whatif_title"))


def test_figure_builders_produce_valid_plotly(model, digit, reference):
    """The builders skip plotly's validation for speed: validate their output here (raises if invalid)."""
    import plotly.graph_objects as go

    from explorer.plots import maps as figs

    panels = [
        figs.MosaicPanel(reference["conv1"], np.arange(32), True, "conv1", 8, selected=3),
        figs.MosaicPanel(reference["pool2"], np.arange(64)[::-1], False, "pool2", 16),
    ]
    built = [
        figs.detail_figure(
            reference["conv2"][3], signed=True, slices=model.conv2.weight[3].detach().numpy(), digit=digit,
            fire=np.zeros((28, 28)), titles=("a", "b", "c"),
            hovers={"cell": "c", "weight": "w", "slice": "s", "fire": "f"},
        ),
        figs.detail_figure(
            reference["relu1"][0], signed=False, slices=model.conv1.weight[0].detach().numpy(), digit=digit,
            fire=np.ones((28, 28)), titles=("a", "b", "c"),
            hovers={"cell": "c", "weight": "w", "slice": "s", "fire": "f"},
        ),
        figs.filters_gallery(model.conv1.weight[:, 0].detach().numpy(), hover="%{z}"),
        figs.per_class_bar([0.9] * 10, x_title="digit", y_title="accuracy"),
        figs.training_curves(
            [1, 2], {"train_loss": [1, 0.5], "test_loss": [0.8, 0.4], "train_accuracy": [0.9, 0.95],
                     "test_accuracy": [0.92, 0.97]},
            labels={"loss": "l", "accuracy": "a", "train": "tr", "test": "te", "epoch": "e"},
        ),
    ]  # fmt: skip
    for fig in built:
        go.Figure(fig.to_dict())  # validating: ValueError on any invalid property
    views = [figs.mosaic_view(p, "{channel} {mean:.3f} {max:.3f}") for p in panels]
    assert [v["selected"] for v in views] == [3, None]  # channel 3 outlined in the first mosaic
    assert views[1]["channels"] == list(range(63, -1, -1)) and views[1]["texts"][0].startswith("63 ")
    assert [(v["width"], v["height"]) for v in views] == [(8 * 29 - 1, 4 * 29 - 1), (16 * 8 - 1, 4 * 8 - 1)]


def test_pipeline_cards_are_text():
    from explorer.ui.widgets import pipeline_html

    html = pipeline_html([("<b>x", "1×2", "3"), ("y", "4", "5")], ("stage", "shape", "<i>parameters"))
    assert "&lt;b&gt;x" in html and "&lt;i&gt;parameters" in html and "<b>x" not in html
    assert html.count("<span>→</span>") == 1  # one arrow between two cards
    assert html.index('class="legend"') < html.index('data-stage="&lt;b&gt;x"') < html.index('data-stage="y"')
