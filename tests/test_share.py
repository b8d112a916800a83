"""Shareable settings (explorer.ui.share), projector mode, lesson panel and export helpers, through AppTest."""

from __future__ import annotations

import io
import json
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import plotly.graph_objects as go
import pytest
import streamlit
from PIL import Image
from streamlit.testing.v1 import AppTest

from explorer import i18n, kernels, ops
from explorer import params_codec as codec
from explorer.plots import DIVERGING, SEQUENTIAL, gray_png, grid_csv, to_png
from explorer.samples import load_samples
from explorer.ui import export, lesson, projector, share

ROOT = Path(__file__).resolve().parent.parent
LAPLACIAN = "3x3:0,1,0,1,-4,1,0,1,0"


def _script():
    """A page with four widgets and a non-widget setting, bound to the URL the way a real page is."""
    import streamlit as st

    from explorer import params_codec as codec
    from explorer.ui import lesson, projector, share

    spec = {
        "t_stride": ("stride", codec.Int(1, 8), 1),
        "t_mode": ("mode", codec.Choice(("max", "avg")), "max"),
        "t_relu": ("relu", codec.Bool(), False),
        "t_scale": ("scale", codec.Float(0.7, 1.3, digits=2, step=0.05), 1.0),
        "t_kernel": ("kernel", codec.Kernel(), [[1.0]]),
    }
    share.start()
    projector.toggle()
    lesson.toggle()
    st.session_state["applied"] = sorted(share.bind(spec))
    for key, (_, _, default) in spec.items():
        st.session_state.setdefault(key, default)
    st.slider("stride", 1, 8, key="t_stride")
    st.segmented_control("mode", ["max", "avg"], key="t_mode", required=True)
    st.toggle("relu", key="t_relu")
    st.slider("scale", 0.7, 1.3, step=0.05, key="t_scale")
    st.write(str(st.session_state.t_kernel))
    share.finish()


def run_script(**params) -> AppTest:
    at = AppTest.from_function(_script, default_timeout=30)
    for name, value in params.items():
        at.query_params[name] = value
    return at.run()


def toasts(at: AppTest) -> list[str]:
    return [t.value for t in at.toast]


def test_good_link_sets_state_and_stays_in_the_url():
    at = run_script(stride="3", mode="avg", relu="1", scale="0.85", kernel=LAPLACIAN, lang="en")
    assert not at.exception
    state = at.session_state
    assert (state.t_stride, state.t_mode, state.t_relu, state.t_scale) == (3, "avg", True, 0.85)
    assert state.t_kernel == kernels.preset("laplacian").tolist()
    assert state.applied == ["t_kernel", "t_mode", "t_relu", "t_scale", "t_stride"]
    assert at.slider(key="t_stride").value == 3 and at.toggle(key="t_relu").value is True
    assert not toasts(at)
    assert flat(at) == {
        "stride": "3",
        "mode": "avg",
        "relu": "1",
        "scale": "0.85",
        "kernel": LAPLACIAN,
        "lang": "en",
    }


def flat(at: AppTest) -> dict[str, str]:
    """at.query_params as {name: last value}."""
    return {k: (v if isinstance(v, str) else v[-1]) for k, v in at.query_params.items()}


@pytest.mark.parametrize(
    "bad",
    [
        {"stride": "99"},
        {"stride": "abc"},
        {"stride": "-1"},
        {"stride": "1e400"},
        {"scale": "nan"},
        {"scale": "0.73"},  # not on the slider's 0.05 grid
        {"mode": "<b>max</b>"},
        {"relu": "maybe"},
        {"kernel": "3x3:1,2"},
        {"kernel": "9" * 5000},
        {"kernel": "3x3:0,1,0,1,1e400,1,0,1,0"},
        {"stride": "٣"},
    ],
)
def test_garbage_falls_back_to_default_with_one_notice(bad):
    at = run_script(lang="en", **bad)
    assert not at.exception
    name = next(iter(bad))
    key = {
        "stride": "t_stride",
        "scale": "t_scale",
        "mode": "t_mode",
        "relu": "t_relu",
        "kernel": "t_kernel",
    }[name]
    defaults = {"t_stride": 1, "t_scale": 1.0, "t_mode": "max", "t_relu": False, "t_kernel": [[1.0]]}
    assert at.session_state[key] == defaults[key]
    messages = toasts(at)
    assert len(messages) == 1
    assert f"`{name}`" in messages[0]
    assert bad[name] not in messages[0]  # the raw value is never echoed
    assert name not in flat(at)  # the garbage left the URL


def test_several_bad_parameters_give_one_notice_in_the_users_language():
    at = AppTest.from_function(_script, default_timeout=30)
    at.session_state["lang"] = "uk"
    at.query_params.update({"stride": "0", "mode": "sideways", "relu": "1"})
    at.run()
    assert not at.exception
    messages = toasts(at)
    assert len(messages) == 1
    assert messages[0] == i18n.t("share.invalid", "uk", names="`stride`, `mode`")
    assert at.session_state.t_relu is True  # the good one still applies


def test_url_follows_the_widgets_and_is_read_only_once():
    at = run_script(stride="3", lang="en")
    at.slider(key="t_stride").set_value(5).run()
    assert at.session_state.t_stride == 5  # the URL's 3 is not applied again
    assert flat(at)["stride"] == "5"
    at.slider(key="t_stride").set_value(1).run()  # back to the default: the parameter leaves the link
    assert "stride" not in flat(at)
    at.toggle(key="t_relu").set_value(True).run()
    assert flat(at) == {"relu": "1", "lang": "en"}


def test_globals_projector_lesson_sample():
    samples = load_samples()
    at = run_script(projector="1", lesson="yes", sample="3", lang="en")
    assert not at.exception and not toasts(at)
    assert at.session_state["projector"] is True and at.session_state["lesson"] is True
    assert np.array_equal(at.session_state["digit"], samples.digit(3))
    assert flat(at) == {"sample": "3", "projector": "1", "lesson": "1", "lang": "en"}
    assert any("<style>" in h.proto.body for h in at.get("html"))  # projector stylesheet injected
    # drawing something else (here: another digit) drops the sample from the link
    at.session_state["digit"] = np.zeros((28, 28), np.float32)
    at.run()
    assert "sample" not in flat(at)


def test_bad_globals():
    at = run_script(projector="2", sample=str(len(load_samples())), lang="xx")
    assert not at.exception
    assert len(toasts(at)) == 1
    for name in ("projector", "sample", "lang"):
        assert f"`{name}`" in toasts(at)[0]
    assert at.session_state["projector"] is False
    assert "digit" not in at.session_state  # no sample loaded
    assert flat(at)["lang"] == "en"


def open_link(at: AppTest) -> AppTest:
    """Open the sidebar's "copy link" popover (its content is built only while it is open)."""
    at.session_state[share.LINK_KEY] = True
    return at.run()


def test_copy_link_shows_the_query_without_a_browser():
    at = run_script(stride="4", lang="en")
    assert not at.code  # closed: nothing built
    codes = [c.value for c in open_link(at).code]
    assert "?stride=4&lang=en" in codes


def test_copy_link_full_url(monkeypatch):
    monkeypatch.setattr(streamlit, "context", SimpleNamespace(url="http://example.org:8501/convolution"))
    at = AppTest.from_function(_script, default_timeout=30)
    at.session_state["lang"] = "uk"
    at.query_params.update({"kernel": LAPLACIAN, "lang": "uk"})
    at.run()
    codes = [c.value for c in open_link(at).code]
    assert f"http://example.org:8501/convolution?kernel={LAPLACIAN}&lang=uk" in codes
    monkeypatch.setattr(streamlit, "context", SimpleNamespace(url="http://example.org:8501"))
    at = run_script(lang="en")
    assert "http://example.org:8501/?lang=en" in [c.value for c in open_link(at).code]


def test_reserved_names_are_refused():
    with pytest.raises(ValueError):
        share._check({"a": ("lang", codec.Int(0, 1), 0)})
    with pytest.raises(ValueError):
        share._check({"a": ("x", codec.Int(0, 1), 0), "b": ("x", codec.Int(0, 1), 0)})


@pytest.mark.parametrize(
    "spec", [share.CONVOLUTION, share.POOLING, share.FEATURE_MAPS], ids=["conv", "pool", "fm"]
)
def test_page_specs_defaults_stay_out_of_links(spec):
    share._check(spec)
    for key, (_param, parser, default) in spec.items():
        assert codec.encode(parser, default, default) is None, key
        text = parser.encode(default)
        assert parser.same(parser.decode(text), default), key


def test_spec_from_infers_codecs():
    spec = share.spec_from(
        {"why_side": 28, "why_pool": True, "why_unit": 3, "why_bias": 0.0, "why_free": 5},
        options={"why_side": (28, 56)},
        ranges={"why_unit": (0, 6), "why_bias": (-2.0, 2.0)},
        prefix="why_",
    )
    assert set(spec) == {"why_side", "why_pool", "why_unit", "why_bias"}
    assert spec["why_side"][0] == "side" and spec["why_side"][1].decode("56") == 56
    assert spec["why_unit"][1].decode("6") == 6 and spec["why_bias"][1].decode("-1.5") == -1.5
    with pytest.raises(codec.InvalidParam):
        spec["why_unit"][1].decode("7")


# ----------------------------------------------------------------------------------------------------------
# projector


def test_scale_figure_scales_fonts_lines_and_gaps():
    from explorer.plots import heatmap

    fig = heatmap(np.arange(9.0).reshape(3, 3), height=300)
    fig.add_shape(type="rect", x0=0, x1=1, y0=0, y1=1, line={"width": 3})
    fig.add_trace(go.Scatter(x=[0], y=[0], mode="markers", marker={"size": 10, "line": {"width": 2}}))
    projector.scale_figure(fig, 1.6, 1.25)
    assert fig.layout.font.size == pytest.approx(12 * 1.6)
    assert fig.layout.height == 375
    assert fig.data[0].xgap == 2 and fig.data[0].ygap == 2
    assert fig.data[0].textfont.size == pytest.approx(12 * 1.6)
    assert fig.layout.shapes[0].line.width == pytest.approx(4.8)
    assert fig.data[1].marker.size == pytest.approx(16) and fig.data[1].marker.line.width == pytest.approx(
        3.2
    )
    big = heatmap(np.zeros((60, 60)))  # no gaps on big grids: none are added
    projector.scale_figure(big, 1.6)
    assert not big.data[0].xgap


def test_scale_figure_on_a_dict_backed_figure_returns_a_scaled_copy():
    from explorer import pooling_lesson as pl
    from explorer.plots import pool

    result = pl.run_pool(pl.EXAMPLE_GRID, pl.PoolSettings(ceil_mode=True))
    fig = pool.pooled_figure(result.output, hover="x", colour_windows=True, kind="grid")
    before = json.dumps(fig.to_dict(), sort_keys=True)
    scaled = projector.scale_figure(fig, 1.6, 1.25)
    assert json.dumps(fig.to_dict(), sort_keys=True) == before  # the original is left alone
    spec = scaled.to_dict()
    assert spec["layout"]["height"] == round(fig.to_dict()["layout"]["height"] * 1.25)
    assert spec["data"][0]["xgap"] == 2 and spec["data"][0]["textfont"]["size"] == pytest.approx(15 * 1.6)
    assert all(t["line"]["width"] == pytest.approx(3 * 1.6) for t in spec["data"][1:])  # window outlines


# ----------------------------------------------------------------------------------------------------------
# lesson


def test_lesson_questions_use_ops():
    q = lesson.question(
        "convolution",
        "en",
        input_shape=(28, 28),
        kernel_size=(3, 3),
        stride=(2, 2),
        padding=(1, 1),
        dilation=1,
    )
    assert q.answers == (14, 14) and q.check([14, 14]) and not q.check([13, 14]) and not q.check([None, 14])
    assert "⌊(28 + 2·1 − 3)/2⌋ + 1 = 14" in q.explanation
    q = lesson.question(
        "pooling", "uk", input_shape=(5, 5), kernel_size=2, stride=(2, 2), padding=0, ceil_mode=True
    )
    assert q.answers == (3, 3) and "Вхід 5×5" in q.text
    q = lesson.question(
        "pooling", "en", input_shape=(28, 28), kernel_size=3, stride=(2, 1), padding=1, dilation=2
    )
    assert q.answers == (
        ops.output_size(28, 3, 2, 1, 2, pool=True),
        ops.output_size(28, 3, 1, 1, 2, pool=True),
    )
    assert lesson.question("feature_maps", "en", layer="conv2").answers == (14, 7)
    assert lesson.question("feature_maps", "en").answers == (28, 14)
    assert lesson.question("why_cnn", "en").answers == (784 * 784, 25)
    assert lesson.question("", "en").answers == (784,)
    # an impossible setting gives no question instead of an exception
    assert lesson.question("convolution", "en", input_shape=(3, 3), kernel_size=5, stride=1) is None
    assert lesson.question("nowhere", "en") is None


# convolution is the default page: AppTest loses the entrypoint's sidebar elements after switch_page
LESSON_APP = """
import streamlit as st
from explorer.ui import lesson
st.session_state.setdefault("lang", "en")
pages = [st.Page(f"pages/{n}.py", url_path=p or "draw", default=(p == "convolution")) for n, p in
         (("draw", ""), ("convolution", "convolution"), ("feature_maps", "feature_maps"),
          ("pooling", "pooling"), ("why_cnn", "why_cnn"))]
page = st.navigation(pages)
lesson.toggle()
page.run()
"""
LESSON_PAGE = """
from explorer.ui import lesson
lesson.panel({path!r}, input_shape=(28, 28), kernel_size=(5, 5), stride=(1, 1), padding=(2, 2), dilation=1)
"""


@pytest.fixture
def lesson_app(tmp_path):
    (tmp_path / "pages").mkdir()
    (tmp_path / "app.py").write_text(LESSON_APP)
    for name, path in (("draw", ""), ("convolution", "convolution"), ("feature_maps", "feature_maps"),
                       ("pooling", "pooling"), ("why_cnn", "why_cnn")):  # fmt: skip
        (tmp_path / "pages" / f"{name}.py").write_text(LESSON_PAGE.format(path=path))
    return str(tmp_path / "app.py")


@pytest.mark.parametrize("lang", ["en", "uk"])
def test_lesson_panel_predict_then_reveal(lesson_app, lang):
    at = AppTest.from_file(lesson_app, default_timeout=30)
    at.session_state["lang"] = lang
    at.run()
    assert not at.exception and not at.sidebar.number_input  # lesson mode off: no panel
    # (switched on before the first run: AppTest's tree mixes up the entrypoint's and the page's sidebar
    # elements when the page adds some later; in Chromium both show, see tests/browser/test_classroom.py)
    at = AppTest.from_file(lesson_app, default_timeout=30)
    at.session_state["lang"] = lang
    at.session_state["lesson"] = True
    at.run()
    assert not at.exception
    text = " ".join(m.value for m in at.sidebar.markdown)
    assert i18n.t("lesson.step", lang, k=3, n=5, title=i18n.t("nav.convolution", lang)) in text
    assert at.sidebar.number_input[0].value is None  # nothing is revealed before the guess
    assert not at.sidebar.success and not at.sidebar.warning
    at.sidebar.number_input[0].set_value(28)
    at.sidebar.number_input[1].set_value(27)
    at.sidebar.button[0].click().run()
    assert not at.exception
    assert at.sidebar.warning[0].value.startswith(i18n.t("lesson.wrong", lang, answer="")[:5])
    at.sidebar.number_input[1].set_value(28).run()
    assert at.sidebar.success  # 28 x 28: ⌊(28 + 4 − 5)/1⌋ + 1
    assert "= 28" in at.sidebar.caption[-1].value
    links = [link.proto.page for link in at.sidebar.get("page_link")]
    assert links == ["why_cnn", "feature_maps"]  # the url_paths of the previous and next step


# ----------------------------------------------------------------------------------------------------------
# export


@pytest.mark.parametrize("shape", [(28, 28), (1, 1), (3, 112), (112, 5)])
def test_gray_png_decodes_to_the_same_pixels(shape):
    pixels = np.random.default_rng(sum(shape)).integers(0, 256, shape, dtype=np.uint8)
    img = Image.open(io.BytesIO(gray_png(pixels)))
    img.load()  # checks every chunk's CRC and the zlib stream
    assert (img.mode, img.size) == ("L", (shape[1], shape[0]))
    np.testing.assert_array_equal(np.asarray(img), pixels)


def test_to_png_clips_scales_and_upscales():
    digit = load_samples().digit(0)  # (28, 28) in [0, 1]
    img = np.asarray(Image.open(io.BytesIO(to_png(digit, factor=4))))
    assert img.shape == (112, 112)
    np.testing.assert_array_equal(img[::4, ::4], np.round(digit * 255).astype(np.uint8))
    np.testing.assert_array_equal(img[3::4, 3::4], img[::4, ::4])  # nearest-neighbour blocks
    out = np.asarray(Image.open(io.BytesIO(to_png(np.array([[-1.0, 0.5, 2.0]])))))
    np.testing.assert_array_equal(out, [[0, 128, 255]])


def test_heatmap_png_uses_the_app_colours():
    z = np.array([[-2.0, 0.0], [1.0, 2.0]])
    png = export.heatmap_png(z, DIVERGING, annotate=False, colorbar=False)
    img = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))
    lut = export._lut(DIVERGING)
    cell = export.cell_size(2, 2)
    m = export.MARGIN

    def centre(r, c):
        return img[m + r * cell + cell // 2, m + c * cell + cell // 2]

    assert np.array_equal(centre(0, 0), lut[0])  # −2 = the symmetric minimum: darkest blue
    assert np.array_equal(centre(1, 1), lut[255])  # +2: darkest red
    assert np.array_equal(centre(0, 1), lut[128])  # 0 sits in the middle of the diverging scale
    assert tuple(lut[0]) == (5, 48, 97) and tuple(lut[255]) == (103, 0, 31)  # RdBu_r ends


def test_heatmap_png_nan_gaps_numbers_and_bar():
    z = np.array([[0.0, np.nan], [0.5, 1.0]])
    png = export.heatmap_png(z, SEQUENTIAL, zmid=None)
    img = Image.open(io.BytesIO(png)).convert("RGB")
    cell = export.cell_size(2, 2)
    m = export.MARGIN
    assert img.getpixel((m + cell + cell // 4, m + cell // 4)) == export.BACKGROUND  # NaN cell is blank
    assert img.width > m + 2 * cell + export.BAR_WIDTH  # colour bar to the right
    assert img.getpixel((m + cell - 1, m + cell // 2)) == export.BACKGROUND  # 1-px gap between cells
    with pytest.raises(ValueError):
        export.heatmap_png(np.zeros(3))


def test_figure_heatmap_and_colour_range():
    from explorer.plots import heatmap

    fig = heatmap(np.array([[1.0, -3.0]]))
    found = export.figure_heatmap(fig)
    assert found["zmin"] == -3 and found["zmax"] == 3
    assert export.figure_heatmap(go.Figure(go.Bar(x=[1], y=[1]))) is None
    from explorer import pooling_lesson as pl
    from explorer.plots import pool

    result = pl.run_pool(pl.EXAMPLE_GRID, pl.PoolSettings(ceil_mode=True))
    found = export.figure_heatmap(
        pool.pooled_figure(result.output, hover="x", colour_windows=True, kind="grid")
    )
    assert np.array_equal(found["z"], pl.EXAMPLE_POOLED)  # z decoded from plotly's base64 typed array
    assert (found["zmin"], found["zmax"]) == (1.0, 7.0)
    assert export.colour_range(np.array([1.0, 3.0]), zmid=0.0) == (-3.0, 3.0)
    assert export.colour_range(np.array([1.0, 3.0]), zmid=None) == (1.0, 3.0)
    assert export.safe_name("../../etc/passwd <x>") == "etc_passwd_x"
    cfg = export.chart_config("conv output")
    assert cfg["displaylogo"] is False and cfg["toImageButtonOptions"]["filename"] == "conv_output"
    assert json.dumps(cfg)


def _export_script():
    import numpy as np
    import streamlit as st

    from explorer.plots import heatmap
    from explorer.ui import export

    grid = np.arange(6.0).reshape(2, 3)
    export.downloads(grid, "t_grid")
    export.download_png(heatmap(grid), "t_fig")
    st.session_state["alt"] = export.alt_text(grid, "conv1")


def test_download_buttons_render():
    at = AppTest.from_function(_export_script, default_timeout=30).run()
    assert not at.exception
    buttons = at.get("download_button")
    assert [b.proto.label for b in buttons] == [
        i18n.t(k, "en") for k in ("export.png", "export.csv", "export.png")
    ]
    for button, key in zip(buttons, ("t_grid_png", "t_grid_csv", "t_fig_png"), strict=True):
        assert key in button.proto.id and button.proto.ignore_rerun  # a download doesn't rerun the page
    assert at.session_state["alt"] == i18n.t(
        "export.alt", "en", label="conv1", h=2, w=3, low="0", high="5", row=1, col=2
    )
    assert grid_csv(np.arange(6.0).reshape(2, 3)).splitlines()[1] == "3.0,4.0,5.0"


# ----------------------------------------------------------------------------------------------------------
# the real app, once app.py and the pages call share / projector / lesson (see the integration notes)


def _integrated(*files: str) -> bool:
    return all("share." in (ROOT / f).read_text(encoding="utf-8") for f in files)


# AppTest runs app.py only for the default page; after switch_page it runs the page file alone (no
# navigation, no sidebar), so app.py's part is tested on the draw page and the page's part with switch_page.
REAL_APP = _integrated("app.py", "pages/convolution.py")


@pytest.mark.skipif(not REAL_APP, reason="share not wired into the app yet")
@pytest.mark.parametrize("lang", ["en", "uk"])
def test_real_app_globals_on_the_draw_page(lang):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.query_params.update({"lang": lang, "sample": "3", "projector": "1", "lesson": "1"})
    at.run()
    assert not at.exception and not at.toast
    s = at.session_state
    assert s.lang == lang and s.projector is True and s.lesson is True
    assert np.array_equal(s.digit, load_samples().digit(3))
    assert any("<style>" in h.proto.body for h in at.get("html"))
    assert flat(at) == {"sample": "3", "projector": "1", "lesson": "1", "lang": lang}
    assert at.sidebar.toggle(key="projector").value is True
    codes = [c.value for c in open_link(at).sidebar.code]  # copy link
    assert f"?sample=3&projector=1&lesson=1&lang={lang}" in codes


@pytest.mark.skipif(not REAL_APP, reason="share not wired into the app yet")
def test_real_app_bad_globals():
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.query_params.update({"lang": "klingon", "sample": "-1", "projector": "<b>"})
    at.run()
    assert not at.exception
    assert [t.value for t in at.toast] == [
        i18n.t("share.invalid", "en", names="`lang`, `projector`, `sample`")
    ]
    assert at.session_state.projector is False and at.session_state.digit is None
    assert flat(at) == {"lang": "en"}


@pytest.mark.skipif(not REAL_APP, reason="share not wired into the app yet")
@pytest.mark.parametrize("lang", ["en", "uk"])
def test_real_app_convolution_link(lang):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.session_state["lang"] = lang
    params = {"stride_h": "2", "kernel": LAPLACIAN, "padding_mode": "reflect"}
    at.query_params.update(params)
    at.session_state["conv_panel"] = "geometry"  # the tab with the stride
    at.switch_page("pages/convolution.py").run()
    assert not at.exception and not at.toast
    assert at.title[0].value == i18n.t("conv.title", lang)
    s = at.session_state
    assert s.conv_stride_h == 2 and s.conv_padding_mode == "reflect"
    assert at.number_input(key="conv_stride_h").value == 2
    assert s.conv_kernel == kernels.preset("laplacian").tolist() and s.conv_preset == "laplacian"
    step = {"row": str(s.conv_row), "col": str(s.conv_col)}  # the window's position is a setting too
    assert flat(at) == {**params, "lang": lang, **step, "panel": "geometry"}  # and the open tab


@pytest.mark.skipif(not REAL_APP, reason="share not wired into the app yet")
def test_real_app_bad_convolution_link():
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.session_state["lang"] = "uk"
    at.query_params.update({"stride_h": "abc", "kernel": "1e400", "dilation": "2"})
    at.switch_page("pages/convolution.py").run()
    assert not at.exception
    s = at.session_state
    assert s.conv_stride_h == 1 and s.conv_preset == "sobel_x" and s.conv_dilation == 2
    assert [t.value for t in at.toast] == [i18n.t("share.invalid", "uk", names="`kernel`, `stride_h`")]
    assert flat(at) == {"dilation": "2", "lang": "uk", "row": str(s.conv_row), "col": str(s.conv_col)}


@pytest.mark.skipif(not REAL_APP, reason="share not wired into the app yet")
def test_real_app_lesson_holds_back_the_convolution_output_until_revealed():
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.session_state["lesson"] = True
    at.switch_page("pages/convolution.py").run()
    assert not at.exception
    assert at.info[0].value == i18n.t("lesson.hidden", "en")  # the sizes wait for the guess
    assert not at.get("plotly_chart") and "conv_formula" not in str(at.main)
    q = lesson.question(
        "convolution",
        "en",
        input_shape=(28, 28),
        kernel_size=(3, 3),
        stride=(1, 1),
        padding=(1, 1),
        dilation=1,
    )
    at.session_state["lesson_revealed"] = q.id  # what the Reveal button does
    at.run()
    assert not at.exception and i18n.t("lesson.hidden", "en") not in [i.value for i in at.info]
    assert len(at.get("plotly_chart")) == 2  # input and output
    assert any('class="arith"' in h.proto.body for h in at.get("html"))  # and the window's arithmetic


@pytest.mark.skipif(not REAL_APP, reason="share not wired into the app yet")
def test_real_app_lesson_holds_back_the_pooled_map_until_revealed():
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.session_state["lesson"] = True
    at.switch_page("pages/pooling.py").run()
    assert not at.exception
    assert at.info[0].value == i18n.t("lesson.hidden", "en")
    assert "pool_output_chart" not in str(at.main)
    at.button(key="lesson_reveal").click().run()
    assert not at.exception and i18n.t("lesson.hidden", "en") not in [i.value for i in at.info]
    assert at.main.get("plotly_chart")


@pytest.mark.skipif(not REAL_APP, reason="share not wired into the app yet")
def test_real_app_pooling_link_opens_its_tab():
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.session_state["lang"] = "uk"
    at.query_params.update({"section": "moves", "shift_x": "2"})
    at.switch_page("pages/pooling.py").run()
    assert not at.exception and not at.toast
    assert at.session_state["pool_section"] == "moves" and at.session_state["pool_shift_x"] == 2
    assert at.slider(key="pool_shift_x").value == 2  # the invariance tab is the one built
    assert flat(at)["section"] == "moves"
    at.session_state["pool_section"] = (
        "pool"  # back to the first tab (its callback sets this): the link follows
    )
    at.run()
    assert "section" not in flat(at)
