"""The Pooling page: pooled values equal torch's for many settings (also as displayed in the plotly spec), the
example grid and both padding conventions, the PyTorch code panel, bounds that never let PyTorch fail, the
invariance numbers, both languages.

Figures are read back from the spec Streamlit sends (json.loads(element.proto.spec)); numpy arrays travel as
base64 typed arrays. Expected values are computed here directly with torch.nn.functional.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from streamlit.testing.v1 import AppTest

from explorer import i18n
from explorer import invariance as inv
from explorer import pooling_lesson as lesson
from explorer.model import load_pretrained
from explorer.samples import load_samples

ROOT = Path(__file__).resolve().parents[1]
PAGE = "pages/pooling.py"


@pytest.fixture(scope="module")
def digit() -> np.ndarray:
    s = load_samples()
    return s.digit(s.of_class(4)[0])


def torch_pool(x: np.ndarray, s: lesson.PoolSettings) -> np.ndarray:
    """The reference: F.max_pool2d / F.avg_pool2d on a float32 (1, 1, H, W) tensor."""
    t = torch.from_numpy(np.array(x, dtype=np.float32))[None, None]
    if s.mode == "max":
        y = F.max_pool2d(t, s.kernel_size, s.stride, s.padding, s.dilation, s.ceil_mode)
    else:
        y = F.avg_pool2d(t, s.kernel_size, s.stride, s.padding, s.ceil_mode, s.count_include_pad)
    return y[0, 0].numpy()


def torch_winners(x: np.ndarray, s: lesson.PoolSettings) -> set[tuple[int, int]]:
    t = torch.from_numpy(np.array(x, dtype=np.float32))[None, None]
    _, idx = F.max_pool2d(t, s.kernel_size, s.stride, s.padding, s.dilation, s.ceil_mode, return_indices=True)
    return {divmod(int(i), x.shape[1]) for i in idx.flatten()}


# --------------------------------------------------------------------------------------------------------
# the logic (no Streamlit)


def all_settings(shape, rng, n):
    """n random settings inside the page's bounds for `shape` (every combination the sliders allow is legal)."""
    out = []
    for _ in range(n):
        mode = str(rng.choice(lesson.MODES))
        b = lesson.bounds(shape, 1)
        k = int(rng.integers(1, b.max_kernel + 1))
        d = int(rng.integers(1, lesson.bounds(shape, k).max_dilation + 1)) if mode == "max" else 1
        b = lesson.bounds(shape, k, d)
        out.append(
            lesson.PoolSettings(
                mode=mode,
                kernel_size=k,
                stride=(int(rng.integers(1, b.max_stride + 1)), int(rng.integers(1, b.max_stride + 1))),
                padding=int(rng.integers(0, b.max_padding + 1)),
                dilation=d,
                ceil_mode=bool(rng.integers(0, 2)),
                count_include_pad=bool(rng.integers(0, 2)),
            )
        )
    return out


@pytest.mark.parametrize("shape", [(5, 5), (28, 28), (7, 9), (3, 2)])
def test_every_setting_inside_the_bounds_equals_torch(shape):
    rng = np.random.default_rng(sum(shape))
    x = rng.normal(size=shape).astype(np.float32)
    for s in all_settings(shape, rng, 150):
        r = lesson.run_pool(x, s)
        expected = torch_pool(x, s)
        assert r.output.shape == expected.shape, s
        np.testing.assert_allclose(r.output, expected, rtol=1e-6, atol=1e-6, err_msg=str(s))
        assert len(r.windows) == r.out_cells == expected.size
        assert r.formula_h.endswith(f"= {expected.shape[0]}") and r.formula_w.endswith(
            f"= {expected.shape[1]}"
        )
        if s.mode == "max":
            winners = {(int(a), int(b)) for a, b in r.argmax.reshape(-1, 2)}
            assert winners == torch_winners(x, s)
            assert r.losers == x.size - len(winners)
            for (top, left, bottom, right), (wr, wc) in zip(r.windows, r.argmax.reshape(-1, 2), strict=True):
                assert top <= wr < bottom and left <= wc < right  # the winner lies in its own window


def test_example_grid_reproduces_the_tutorial_shape_exactly():
    g = lesson.EXAMPLE_GRID
    assert g.shape == (5, 5)
    s = lesson.PoolSettings(ceil_mode=True)
    r = lesson.run_pool(g, s)
    np.testing.assert_array_equal(r.output, lesson.EXAMPLE_POOLED)
    np.testing.assert_array_equal(torch_pool(g, s), lesson.EXAMPLE_POOLED)
    assert {3.0, 5.0, 7.0} <= set(r.output.ravel().tolist())
    assert r.formula_h == "⌈(5 + 2·0 − 2)/2⌉ + 1 = 3"
    c = lesson.conventions(g)
    assert c.zero_padded_input.shape == (6, 6)
    assert c.zero_padded_input[5].tolist() == [0] * 6 and c.zero_padded_input[:, 5].tolist() == [0] * 6
    np.testing.assert_array_equal(c.zero_padded_input[:5, :5], g)
    np.testing.assert_array_equal(c.zero_output, lesson.EXAMPLE_POOLED)
    np.testing.assert_array_equal(c.torch_output, lesson.EXAMPLE_POOLED)
    assert c.agree and c.nonnegative
    # hand check of the three highlighted windows
    assert g[0:2, 0:2].max() == 3.0 and g[0:2, 2:4].max() == 5.0 and g[2:4, 0:2].max() == 7.0


def test_conventions_differ_for_negative_edges():
    g = lesson.EXAMPLE_GRID.copy()
    g[4, 4] = -2.0  # the bottom-right window holds only this real cell
    c = lesson.conventions(g)
    assert not c.agree and not c.nonnegative
    assert c.zero_output[2, 2] == 0.0 and c.torch_output[2, 2] == -2.0
    t = F.max_pool2d(torch.as_tensor(g)[None, None], 2, 2, ceil_mode=True)[0, 0].numpy()
    np.testing.assert_array_equal(c.torch_output, t)


def test_discarded_share_is_75_percent_for_2x2_stride_2(digit):
    r = lesson.run_pool(digit, lesson.PoolSettings())
    assert r.output.shape == (14, 14) and r.reduction == 0.75
    assert r.losers == 784 - 196 and r.unseen == 0
    r = lesson.run_pool(digit, lesson.PoolSettings(kernel_size=2, stride=(3, 3)))
    assert r.unseen == 784 - 18 * 18  # 9 windows per axis touch 18 of the 28 rows/columns


def test_parse_grid_rejects_bad_cells():
    np.testing.assert_array_equal(lesson.parse_grid([[1, 2], [3, 4]]), [[1, 2], [3, 4]])
    for bad in ([[1, None], [3, 4]], [[np.inf, 0]], [["x"]], [[1e6]], [], [1, 2]):
        with pytest.raises(ValueError, match=r"pool\.err_grid"):
            lesson.parse_grid(bad)


def test_clamp_state_moves_settings_inside_the_bounds():
    state = dict(
        lesson.DEFAULTS, pool_kernel=9, pool_padding=4, pool_stride_h=0, pool_dilation=5, pool_mode="x"
    )
    changed = lesson.clamp_state(state, (5, 5))
    assert state["pool_kernel"] == 5 and state["pool_padding"] == 2 and state["pool_stride_h"] == 1
    assert state["pool_dilation"] == 1 and state["pool_mode"] == "max"
    assert set(changed) == {"pool_kernel", "pool_padding", "pool_stride_h", "pool_dilation", "pool_mode"}
    s = lesson.PoolSettings.from_state(state)
    np.testing.assert_allclose(
        lesson.run_pool(lesson.EXAMPLE_GRID, s).output, torch_pool(lesson.EXAMPLE_GRID, s)
    )
    assert lesson.clamp_state(dict(lesson.DEFAULTS), (28, 28)) == {}


@pytest.mark.parametrize(
    "s",
    [
        lesson.PoolSettings(ceil_mode=True),
        lesson.PoolSettings("avg", 3, (1, 2), 1, 1, True, False),
        lesson.PoolSettings("max", 2, (1, 3), 1, 2, False),
    ],
)
@pytest.mark.parametrize("which", ["grid", "digit"])
def test_pytorch_code_reproduces_the_output(s, which, digit):
    x = lesson.EXAMPLE_GRID if which == "grid" else digit
    ns: dict = {}
    exec(lesson.pytorch_code(x, s), ns)  # prints the result too
    y = ns["y"][0, 0].numpy()
    np.testing.assert_allclose(y, lesson.run_pool(x, s).output, rtol=1e-6, atol=1e-6)


# --------------------------------------------------------------------------------------------------------
# the page (AppTest)


@pytest.fixture(scope="module")
def open_page(open_app):
    """open_page(digit=None, lang='en', **state) -> AppTest on the Pooling page."""
    return functools.partial(open_app, PAGE, timeout=180)


@pytest.fixture(scope="module")
def shown_output(array, figure):
    """shown_output(at) -> the pooled output heatmap's values."""
    return lambda at: array(figure(at, "pool_output_chart")["data"][0]["z"])


@pytest.fixture(scope="module")
def marked_winners(array, figure):
    """marked_winners(at) -> the input cells marked as their window's maximum."""

    def read(at: AppTest) -> set[tuple[int, int]]:
        cells = set()
        for trace in figure(at, "pool_input_chart")["data"][1:]:
            if trace.get("mode") == "markers":
                cells |= {(int(r), int(c)) for r, c in zip(array(trace["y"]), array(trace["x"]), strict=True)}
        return cells

    return read


def test_default_page_shows_the_example_exactly(
    open_page, shown_output, marked_winners, array, figure, markdown
):
    at = open_page()
    np.testing.assert_array_equal(shown_output(at), lesson.EXAMPLE_POOLED)
    assert figure(at, "pool_output_chart")["data"][0]["text"] == [
        ["3", "5", "1"],
        ["7", "6", "2"],
        ["1", "4", "2"],
    ]
    canvas = figure(at, "pool_input_chart")["data"][0]
    z = array(canvas["z"])
    assert z.shape == (6, 6)  # the input plus ceil_mode's overhang column and row
    np.testing.assert_array_equal(z[:5, :5], lesson.EXAMPLE_GRID)
    assert np.isnan(z[5]).all() and canvas["text"][5][0] == "−∞"
    assert marked_winners(at) == torch_winners(lesson.EXAMPLE_GRID, lesson.PoolSettings(ceil_mode=True))
    text = markdown(at)
    assert "⌈(5 + 2·0 − 2)/2⌉ + 1 = 3" in text and "16 of the 25 input values (64%)" in text
    assert any("could not be recovered" in c.value for c in at.caption)
    at.session_state["pool_section"] = "padding"  # what clicking the second tab does
    at.run()
    conv = figure(at, "pool_conventions_chart")["data"][0]
    assert conv["text"][5][:6] == ["0"] * 6 and "−∞" in conv["text"][5]
    assert i18n.t("pool.conv_agree") in markdown(at)


def test_only_the_open_tab_is_built(digit, open_page):
    charts = lambda at: {c.proto.id.rsplit("-", 1)[-1] for c in at.get("plotly_chart")}  # noqa: E731
    at = open_page(digit=digit)
    assert charts(at) == {"pool_input_chart", "pool_output_chart"} and not at.metric
    assert at.tabs[0].label == i18n.t("pool.tab.pool")
    assert not at.dataframe and not at.button  # the grid editor is built only while open
    assert not at.get("download_button")
    at.session_state["pool_grid_edit_open"] = True
    at.session_state["pool_downloads"] = True  # the popover opened
    at.run()
    assert at.dataframe[0].key == "pool_editor_0" and at.button(key="pool_grid_reset_button")
    keys = {b.proto.id.rsplit("-", 1)[-1] for b in at.get("download_button")}
    assert keys == {"pool_input_png", "pool_input_csv", "pool_output_png", "pool_output_csv"}
    at.session_state["pool_section"] = "padding"
    at.run()
    assert charts(at) == {"pool_conventions_chart"} and not at.slider
    at.session_state["pool_section"] = "moves"
    at.run()
    assert charts(at) == {"pool_stages_chart"} and len(at.metric) == 3  # predictions: only when opened
    at.session_state["pool_predictions_open"] = True
    at.run()
    assert charts(at) == {"pool_stages_chart", "pool_variants_chart"}
    at.session_state["pool_section"] = "pool"
    at.run()
    assert charts(at) == {"pool_input_chart", "pool_output_chart"} and not at.metric
    at.session_state["pool_section"] = "moves"
    at.run()  # the open expander and the sliders kept their state while another tab was shown
    assert "pool_variants_chart" in charts(at) and at.slider(key="pool_shift_x").value == 1


CASES = [
    dict(
        pool_mode="avg",
        pool_kernel=3,
        pool_stride_h=1,
        pool_stride_w=2,
        pool_padding=1,
        pool_ceil_mode=True,
        pool_count_include_pad=False,
    ),
    dict(
        pool_mode="max",
        pool_kernel=2,
        pool_stride_h=1,
        pool_stride_w=3,
        pool_padding=1,
        pool_dilation=2,
        pool_ceil_mode=False,
    ),
    dict(
        pool_mode="max", pool_kernel=3, pool_stride_h=3, pool_stride_w=3, pool_padding=0, pool_ceil_mode=True
    ),
    dict(
        pool_mode="avg",
        pool_kernel=2,
        pool_stride_h=2,
        pool_stride_w=2,
        pool_padding=1,
        pool_ceil_mode=False,
        pool_count_include_pad=True,
    ),
]


@pytest.mark.parametrize("state", CASES)
@pytest.mark.parametrize("source", ["tutorial", "digit"])
def test_displayed_values_equal_torch(
    state, source, digit, open_page, shown_output, marked_winners, markdown
):
    at = open_page(digit=digit, pool_source=source, **state)
    x = lesson.EXAMPLE_GRID if source == "tutorial" else digit
    s = lesson.PoolSettings.from_state(at.session_state)
    assert (s.mode, s.kernel_size, s.stride, s.padding) == (
        state["pool_mode"], state["pool_kernel"], (state["pool_stride_h"], state["pool_stride_w"]),
        state["pool_padding"],
    )  # fmt: skip
    np.testing.assert_allclose(shown_output(at), torch_pool(x, s), rtol=1e-6, atol=1e-6)
    if s.mode == "max":
        assert marked_winners(at) == torch_winners(x, s)
    h, w = torch_pool(x, s).shape
    assert f"{x.shape[0]}×{x.shape[1]} → {h}×{w}" in markdown(at)


def test_feature_map_pooling_is_the_networks_pool1(digit, open_page, shown_output, markdown):
    at = open_page(digit=digit, pool_source="feature", pool_channel=6, pool_ceil_mode=False)
    model = load_pretrained()
    pool1 = inv.channel_stages(model, digit[None], channel=6)["pool1"][0, 0]
    with torch.inference_mode():
        from explorer.preprocess import to_input

        net = model.activations(to_input(digit))["pool1"][0, 6].numpy()
    np.testing.assert_allclose(shown_output(at), net, atol=1e-6)
    np.testing.assert_allclose(pool1, net, atol=1e-6)
    relu1 = inv.conv1_map(model, digit, 6)
    assert inv.conv1_map(model, digit.copy(), 6) is relu1 and not relu1.flags.writeable  # remembered, shared
    np.testing.assert_allclose(relu1, inv.channel_stages(model, digit[None])["relu1"][0, 6], atol=1e-6)
    assert "588 of the 784 input values (75%)" in markdown(at)


def test_stride_changes_the_output_and_the_formula(digit, open_page, shown_output, markdown):
    at = open_page(digit=digit, pool_source="digit")
    assert shown_output(at).shape == (14, 14)
    at.slider(key="pool_stride_w").set_value(3).run()
    assert not at.exception
    assert shown_output(at).shape == (14, 10)
    assert "⌈(28 + 2·0 − 2)/3⌉ + 1 = 10" in markdown(at)
    at.button_group(key="pool_mode").set_value("avg").run()
    s = lesson.PoolSettings.from_state(at.session_state)
    np.testing.assert_allclose(shown_output(at), torch_pool(digit, s), atol=1e-6)


def test_code_panel_reproduces_the_shown_output(digit, open_page, shown_output):
    for source in ("tutorial", "digit"):
        at = open_page(
            digit=digit,
            pool_source=source,
            pool_show_code=True,
            pool_mode="avg",
            pool_kernel=3,
            pool_stride_h=2,
            pool_stride_w=1,
            pool_padding=1,
        )
        code = at.code[0].value
        assert "nn.AvgPool2d(kernel_size=3, stride=(2, 1), padding=1" in code
        ns: dict = {}
        exec(code, ns)
        np.testing.assert_allclose(ns["y"][0, 0].numpy(), shown_output(at), rtol=1e-6, atol=1e-6)


def test_garbled_state_is_clamped_not_crashing(open_page, shown_output):
    at = open_page(
        pool_kernel=50,
        pool_padding=9,
        pool_stride_h=-3,
        pool_mode="median",
        pool_source="bogus",
        pool_dilation=0,
    )
    assert at.session_state["pool_source"] == "tutorial" and at.session_state["pool_mode"] == "max"
    assert at.session_state["pool_kernel"] == 5 and at.session_state["pool_padding"] == 2
    s = lesson.PoolSettings.from_state(at.session_state)
    np.testing.assert_allclose(shown_output(at), torch_pool(lesson.EXAMPLE_GRID, s))


def test_padding_limit_is_explained_and_enforced(open_page):
    at = open_page(pool_kernel=3)
    assert at.slider(key="pool_padding").max == 1
    assert any("3 // 2 = 1" in c.value for c in at.caption)
    at = open_page(pool_kernel=1)  # no padding possible: a caption instead of a one-value slider
    assert not any(s.key == "pool_padding" for s in at.slider)
    assert any(c.value.startswith("Padding: 0") for c in at.caption)


def test_bad_grid_shows_an_error_and_the_rest_still_works(digit, open_page):
    grid = lesson.EXAMPLE_GRID.tolist()
    grid[2][3] = None
    at = open_page(digit=digit, pool_grid=grid)
    assert at.error and "between −1000 and 1000" in at.error[0].value
    assert not any(c.proto.id.endswith("-pool_output_chart") for c in at.get("plotly_chart"))
    at.session_state["pool_section"] = "padding"
    at.run()
    assert at.error and not at.get("plotly_chart")
    at.session_state["pool_section"] = "moves"
    at.run()
    assert not at.exception and len(at.metric) == 3  # the invariance section still runs


def test_negative_grid_shows_the_conventions_differ(open_page, shown_output, markdown):
    grid = lesson.EXAMPLE_GRID.tolist()
    grid[4][4] = -2.0
    at = open_page(pool_grid=grid)
    np.testing.assert_array_equal(shown_output(at)[2, 2], -2.0)  # PyTorch's answer (−∞ padding)
    at = open_page(pool_grid=grid, pool_section="padding")
    assert i18n.t("pool.conv_differ") in markdown(at)


def test_invariance_numbers_are_computed(digit, open_page, array, figure):
    at = open_page(
        digit=digit,
        pool_shift_x=2,
        pool_shift_y=0,
        pool_inv_channel=4,
        pool_section="moves",
        pool_predictions_open=True,
    )
    model = load_pretrained()
    changes = inv.measure(model, digit, inv.Transform(dx=2), 4)
    assert [m.value for m in at.metric] == [f"{c.correlation:.2f}" for c in changes]
    stages = figure(at, "pool_stages_chart")["data"][0]
    z = array(stages["z"])
    np.testing.assert_allclose(z[:28, :28], changes[0].before, atol=1e-6)
    np.testing.assert_allclose(z[30:, 60:88][::4, ::4], changes[2].after, atol=1e-6)  # 7×7 stretched ×4
    at.slider(key="pool_shift_x").set_value(0).run()
    assert [m.value for m in at.metric] == ["1.00"] * 3
    captions = figure(at, "pool_variants_chart")["layout"]["annotations"]
    assert len(captions) == len(inv.VARIANTS) + 1 and captions[-1]["text"].startswith("your sliders")


def test_nothing_drawn_uses_the_bundled_nine(open_page, shown_output):
    at = open_page(pool_source="digit")
    nine = lesson.sample_digit()
    assert nine is not None
    np.testing.assert_allclose(shown_output(at), torch_pool(nine, lesson.PoolSettings(ceil_mode=True)))
    assert any("a 9 from the MNIST test set" in c.value for c in at.caption)


@pytest.mark.parametrize(
    ("source", "section"),
    [
        ("tutorial", "pool"),
        ("digit", "pool"),
        ("feature", "pool"),
        ("tutorial", "padding"),
        ("digit", "moves"),
    ],
)
def test_ukrainian_page_is_complete(source, section, digit, open_page, markdown):
    at = open_page(
        lang="uk",
        digit=digit,
        pool_source=source,
        pool_mode="avg",
        pool_show_code=True,
        pool_section=section,
        pool_grid_edit_open=True,
        pool_predictions_open=True,
    )
    assert at.title[0].value == i18n.t("pool.title", "uk")
    assert [tab.label for tab in at.tabs] == [
        i18n.t(f"pool.tab.{s}", "uk") for s in ("pool", "padding", "moves")
    ]
    text = markdown(at)
    assert i18n.t("pool.intro", "uk") in text
    if section == "pool":
        assert "Рядки:" in text
    if section == "moves":
        assert at.metric[0].label == i18n.t("pool.stage.relu1", "uk", size=28)
    english = {v["en"] for k, v in i18n.table().items() if k.startswith("pool.") and v["en"] != v["uk"]}
    shown = [m.value for m in at.markdown] + [c.value for c in at.caption] + [s.label for s in at.slider]
    shown += [e.label for e in at.expander]
    parts = {part for text in shown for part in text.split("  \n")}  # captions join several strings
    assert not [s for s in [*shown, *parts] if s in english]


def test_the_open_tab_survives_a_language_switch(open_page):
    at = open_page(pool_section="moves")
    assert len(at.metric) == 3
    at.session_state["lang"] = "uk"
    at.run()
    assert not at.exception and len(at.metric) == 3
    assert at.session_state["pool_tab"] == i18n.t("pool.tab.moves", "uk")


def test_locale_keys_complete():
    keys = [k for k in i18n.table() if k.startswith("pool.")]
    assert len(keys) > 60
    missing = i18n.missing()
    assert not [k for k in missing["uk"] + missing["en"] if k.startswith("pool.")]
    page = (ROOT / PAGE).read_text(encoding="utf-8")
    used = set(re.findall(r'\bt\("(pool\.[^"{]+)"', page))
    assert len(used) > 30
    assert not used - set(keys)


def test_cached_invariance_equals_the_direct_computation(digit):
    model = load_pretrained()
    tr = inv.Transform(dx=-2, angle=10.0, scale=0.9)
    direct = inv.measure(model, digit, tr, 3)
    for cached in (inv.cached_measure(model, digit, tr, 3), inv.cached_measure(model, digit.copy(), tr, 3)):
        assert [c.correlation for c in cached] == [c.correlation for c in direct]
        np.testing.assert_array_equal(cached[2].after, direct[2].after)
    digits, _, _, labels, probs = inv.variant_row(model, digit, tr)
    got = inv.cached_variant_row(model, digit, tr)
    np.testing.assert_array_equal(got[0], digits)
    np.testing.assert_array_equal(got[1], labels)
    np.testing.assert_allclose(got[2], probs, rtol=1e-6)


def test_views_are_remembered_and_read_only(digit, array):
    s = lesson.PoolSettings(kernel_size=3, stride=(2, 1), padding=1)
    v = lesson.views(digit, s, "digit", "hover")
    assert lesson.views(digit.copy(), s, "digit", "hover") is v  # same map and settings: the same views
    assert lesson.views(digit, lesson.PoolSettings(), "digit", "hover") is not v
    np.testing.assert_array_equal(v.result.output, torch_pool(digit, s))
    with pytest.raises(ValueError, match="read-only"):
        v.result.output[0, 0] = 1.0
    got = v.pooled.to_dict()["data"][0]["z"]
    np.testing.assert_allclose(array(got), torch_pool(digit, s), rtol=1e-6)
