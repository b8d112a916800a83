"""AppTest of app.py's default page (draw & predict): a digit injected, a canvas PNG injected, a sample
loaded, a photo uploaded -- in English and Ukrainian. Predictions are checked against the bundled model."""

from __future__ import annotations

import base64
import io
import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image, ImageDraw
from streamlit.testing.v1 import AppTest

from explorer import i18n
from explorer.model import load_pretrained
from explorer.plots import HIGHLIGHT, SECOND
from explorer.preprocess import load_image, preprocess, to_input
from explorer.samples import load_samples
from explorer.ui.canvas import KEY as CANVAS_KEY
from explorer.ui.widgets import BLANK

APP = str(Path(__file__).resolve().parent.parent / "app.py")

LANGS = ["en", "uk"]


@pytest.fixture(scope="module")
def model():
    return load_pretrained()


def probs_of(model, digit: np.ndarray) -> np.ndarray:
    with torch.inference_mode():
        return model(to_input(digit)).softmax(dim=1)[0].numpy()


def app(lang: str = "en") -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["lang"] = lang
    return at


def stroke_png(lines, width: int = 22) -> bytes:
    """What the canvas sends: 280x280, transparent background, ink in alpha."""
    img = Image.new("LA", (280, 280), (0, 0))
    draw = ImageDraw.Draw(img)
    for line in lines:
        draw.line(line, fill=(0, 255), width=width, joint="curve")
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


def data_url(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode()


def canvas_data(at: AppTest) -> dict:
    """The `data` the page sent to the canvas component."""
    return json.loads(at.get("bidi_component")[0].proto.json)


BAR = re.compile(r'<div class="col" data-digit="(\d)" data-p="([0-9.]+)"[^>]*><span class="v">([^<]*)</span>'
                 r'<div class="bar" style="height: ([0-9.]+)%; background: (#[0-9A-Fa-f]{6})"')  # fmt: skip


def chart(at: AppTest) -> tuple[str, list[tuple[int, float, str, float, str]]]:
    """The probability bars: their HTML and (digit, probability, label, height %, colour) per bar."""
    body = next(el.proto.body for el in at.get("html") if 'class="pbars"' in el.proto.body)
    return body, [(int(d), float(p), v, float(h), c) for d, p, v, h, c in BAR.findall(body)]


@pytest.mark.parametrize("lang", LANGS)
def test_blank_page(lang):
    at = app(lang).run()
    assert not at.exception
    assert at.title[0].value == i18n.t("draw.title", lang)
    assert [m.value for m in at.metric] == [BLANK]
    assert at.metric[0].label == i18n.t("pred.label", lang)
    assert at.caption[0].value == i18n.t("pred.blank", lang)
    data = canvas_data(at)
    assert data["label_clear"] == i18n.t("canvas.clear", lang)
    assert data["label_undo"] == i18n.t("canvas.undo", lang)
    assert data["scene_png"] is None  # nothing to show
    assert len(at.image) == 0  # no preprocessing steps without a digit


@pytest.mark.parametrize("lang", LANGS)
def test_injected_digit(model, lang):
    samples = load_samples()
    digit = samples.digit(14)  # a 7 from the MNIST test set
    at = app(lang)
    at.session_state["digit"] = digit
    at.run()
    assert not at.exception
    probs = probs_of(model, digit)
    best = int(probs.argmax())
    assert at.metric[0].value == str(best)
    assert i18n.t("pred.confidence", lang, p=float(probs[best])) in at.caption[0].value
    body, bars = chart(at)
    assert [b[0] for b in bars] == list(range(10))
    np.testing.assert_allclose([b[1] for b in bars], probs, atol=1e-6)
    np.testing.assert_allclose([b[3] for b in bars], 100 * probs, atol=0.01)  # bar heights
    assert [b[4] for b in bars] == [HIGHLIGHT if d == best else SECOND for d in range(10)]
    assert bars[best][2] == f"{probs[best]:.0%}"  # its percentage written above it
    assert i18n.t("pred.chart_title", lang) in body and i18n.t("pred.chart_digit", lang) in body
    # the canvas is loaded with the digit: ink in alpha, 28x28
    scene = Image.open(io.BytesIO(base64.b64decode(canvas_data(at)["scene_png"].split(",", 1)[1])))
    assert scene.size == (28, 28)
    np.testing.assert_array_equal(np.asarray(scene.getchannel("A")), np.round(digit * 255).astype(np.uint8))
    assert len(at.image) == 1
    assert at.image[0].proto.imgs[0].caption.startswith(i18n.t("source.other", lang))


@pytest.mark.parametrize("lang", LANGS)
def test_canvas_png_injected(model, lang):
    png = stroke_png([[(150, 45), (130, 240)]])  # a "1"
    at = app(lang).run()
    at.session_state[CANVAS_KEY] = {"stroke": {"id": "test-1", "png": data_url(png)}}
    at.run()
    assert not at.exception
    expected = preprocess(load_image(png)).digit
    np.testing.assert_array_equal(at.session_state["digit"], expected)
    assert at.metric[0].value == str(int(probs_of(model, expected).argmax()))
    assert at.image[0].proto.imgs[0].caption.startswith(i18n.t("source.canvas", lang))
    # the canvas is told to keep showing its own drawing
    data = canvas_data(at)
    assert (data["scene_id"], data["scene_png"]) == ("test-1", data_url(png))
    # the same value again is not processed twice; a cleared canvas (png None) clears the digit
    at.session_state["digit"] = None
    at.run()
    assert at.metric[0].value == BLANK
    at.session_state[CANVAS_KEY] = {"stroke": {"id": "test-2", "png": None}}
    at.run()
    assert at.session_state["digit"] is None
    assert at.metric[0].value == BLANK


def test_canvas_garbage_is_harmless():
    at = app().run()
    at.session_state[CANVAS_KEY] = {"stroke": {"id": "bad", "png": "data:image/png;base64,not base64!"}}
    at.run()
    assert not at.exception
    assert at.session_state["digit"] is None
    assert at.metric[0].value == BLANK
    assert at.error[0].value == i18n.t("error_corrupt")


@pytest.mark.parametrize("lang", LANGS)
def test_sample_pills_alternate(model, lang):
    samples = load_samples()
    at = app(lang).run()
    sevens = samples.of_class(7)
    for turn in range(2):
        at.pills[0].set_value(7).run()
        assert not at.exception
        i = sevens[turn]
        np.testing.assert_array_equal(at.session_state["digit"], samples.digit(i))
        assert at.metric[0].value == str(int(probs_of(model, samples.digit(i)).argmax()))
        source = i18n.t("source.sample", lang, index=int(samples.indices[i]), label=7)
        assert at.image[0].proto.imgs[0].caption.startswith(source)
        assert at.pills[0].value is None  # acts as a button


@pytest.mark.parametrize("lang", LANGS)
def test_upload_photo(model, lang):
    # dark ink on white paper, as a JPEG: the loader detects the polarity
    img = Image.new("RGB", (600, 800), "white")
    ImageDraw.Draw(img).line([(300, 150), (290, 650)], fill="black", width=40)
    buf = io.BytesIO()
    img.save(buf, format="JPEG")
    at = app(lang).run()
    at.file_uploader[0].set_value(("one.jpg", buf.getvalue(), "image/jpeg")).run()
    assert not at.exception
    expected = preprocess(load_image(buf.getvalue())).digit
    np.testing.assert_array_equal(at.session_state["digit"], expected)
    assert at.metric[0].value == str(int(probs_of(model, expected).argmax()))
    assert at.image[0].proto.imgs[0].caption.startswith(i18n.t("source.upload", lang))
    assert not at.error


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize(
    ("content", "key"),
    [(b"this is not an image", "error_not_image"), (b"", "error_empty")],
)
def test_upload_errors_are_translated(lang, content, key):
    at = app(lang).run()
    at.file_uploader[0].set_value(("bad.png", content, "image/png")).run()
    assert not at.exception
    assert at.error[0].value == i18n.t(key, lang)
    assert at.session_state["digit"] is None
    assert at.metric[0].value == BLANK


def test_upload_blank_photo():
    buf = io.BytesIO()
    Image.new("RGB", (200, 200), "white").save(buf, format="PNG")
    at = app().run()
    at.file_uploader[0].set_value(("white.png", buf.getvalue(), "image/png")).run()
    assert at.error[0].value == i18n.t("error_blank")


@pytest.mark.parametrize(("query", "lang"), [("uk", "uk"), ("UA", "uk"), ("en", "en"), ("klingon", "en")])
def test_lang_query_param(query, lang):
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["lang"] = query
    at.run()
    assert not at.exception
    assert at.session_state["lang"] == lang
    assert at.query_params["lang"] == [lang] or at.query_params["lang"] == lang
    assert at.title[0].value == i18n.t("draw.title", lang)


def test_language_switch_updates_query_and_text():
    at = AppTest.from_file(APP, default_timeout=60).run()
    at.sidebar.button_group(key="lang_switch").set_value("uk").run()
    assert at.session_state["lang"] == "uk"
    assert at.title[0].value == i18n.t("draw.title", "uk")
    assert at.sidebar.button_group(key="lang_switch").label == i18n.t("app.language", "uk")
    assert "uk" in str(at.query_params["lang"])
    at.session_state["lang"] = "en"  # changed elsewhere (e.g. a link): the switch follows, no warning
    at.run()
    assert at.sidebar.button_group(key="lang_switch").value == "en"
    assert at.title[0].value == i18n.t("draw.title", "en")
    assert not at.warning and not at.exception


def test_a_blank_first_page_runs_without_torch():
    """The first page is interactive before torch is imported (~3 s here); ui.warm_up() imports it afterwards."""
    code = """
import sys
from streamlit.testing.v1 import AppTest
import explorer.ui as ui
ui._warm_up_started.set()  # keep the background warm-up out of this check
at = AppTest.from_file(sys.argv[1], default_timeout=60)
at.run()
assert not at.exception, at.exception
print("torch" in sys.modules)
"""
    root = Path(__file__).resolve().parents[1]
    out = subprocess.run(
        [sys.executable, "-c", code, str(root / "app.py")],
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip().splitlines()[-1] == "False"
