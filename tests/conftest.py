"""Shared fixtures: the repository root, MNIST test digits (skipped when absent), digits drawn onto canvases,
app pages opened in AppTest and the plotly figures they show.

Helpers are handed to tests as fixtures: tests/browser/conftest.py also loads as module `conftest`, so
`from conftest import …` in tests/ would find the browser helpers once tests/browser is collected."""

from __future__ import annotations

import base64
import gzip
import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pytest
from PIL import Image

if TYPE_CHECKING:
    from streamlit.testing.v1 import AppTest

REPO_ROOT = Path(__file__).resolve().parent.parent
APP = str(REPO_ROOT / "app.py")


def _data_root() -> Path:
    return Path(os.environ.get("EXPLORER_DATA_ROOT", REPO_ROOT.parent / "shared" / "data")).resolve()


def _idx(raw: Path, name: str, offset: int) -> np.ndarray:
    path = raw / name
    data = path.read_bytes() if path.is_file() else gzip.decompress((raw / f"{name}.gz").read_bytes())
    return np.frombuffer(data, dtype=np.uint8, offset=offset).copy()  # writable


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO_ROOT


@pytest.fixture(scope="session")
def data_root() -> Path:
    """EXPLORER_DATA_ROOT (default ../shared/data); skips without MNIST unless EXPLORER_REQUIRE_DATA=1."""
    root = _data_root()
    raw = root / "MNIST" / "raw"
    if not any((raw / f"t10k-images-idx3-ubyte{ext}").is_file() for ext in ("", ".gz")):
        if os.environ.get("EXPLORER_REQUIRE_DATA") == "1":
            pytest.fail(f"MNIST not found under {root} (EXPLORER_REQUIRE_DATA=1)")
        pytest.skip(f"MNIST not found under {root}")
    return root


@pytest.fixture(scope="session")
def mnist_test(data_root) -> tuple[np.ndarray, np.ndarray]:
    """The MNIST test split as uint8 images (10000, 28, 28) and labels (10000,), read straight from the files."""
    raw = data_root / "MNIST" / "raw"
    images = _idx(raw, "t10k-images-idx3-ubyte", 16).reshape(-1, 28, 28)
    return images, _idx(raw, "t10k-labels-idx1-ubyte", 8)


def render_digit(
    digit: np.ndarray, canvas: int = 280, height: float = 0.5, where=(0.5, 0.5), encoding: str = "L"
) -> Image.Image:
    """Draw a 28x28 digit on a canvas x canvas image: `height` of the canvas tall, `where` = (top, left) as
    fractions of the free space; encoding 'L' (white on black), 'RGB' (dark blue ink on cream paper),
    'RGBA' (black strokes, ink in alpha, transparent background)."""
    ys, xs = np.nonzero(digit)
    crop = digit[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1]
    h = max(2, round(canvas * height))
    w = max(1, round(crop.shape[1] * h / crop.shape[0]))
    if w > canvas:  # a wide digit is as wide as the canvas
        h, w = max(2, round(h * canvas / w)), canvas
    stroke = np.asarray(Image.fromarray(crop).resize((w, h), Image.Resampling.BICUBIC))
    top, left = round((canvas - h) * where[0]), round((canvas - w) * where[1])
    ink = np.zeros((canvas, canvas), np.uint8)
    ink[top : top + h, left : left + w] = stroke
    if encoding == "L":
        return Image.fromarray(ink, "L")
    if encoding == "RGB":
        a = ink[..., None].astype(np.float32) / 255.0
        paper, pen = np.array([245, 240, 228]), np.array([25, 35, 95])
        return Image.fromarray((paper * (1 - a) + pen * a).round().astype(np.uint8), "RGB")
    if encoding == "RGBA":
        rgba = np.zeros((canvas, canvas, 4), np.uint8)
        rgba[..., 3] = ink
        return Image.fromarray(rgba, "RGBA")
    raise ValueError(encoding)


def encode(img: Image.Image, fmt: str = "PNG", **params) -> bytes:
    """The image's file bytes."""
    buf = io.BytesIO()
    img.save(buf, fmt, **params)
    return buf.getvalue()


@pytest.fixture(scope="session")
def draw():
    """render_digit(digit, canvas=280, height=0.5, where=(0.5, 0.5), encoding='L') -> PIL image."""
    return render_digit


@pytest.fixture(scope="session")
def to_bytes():
    """encode(img, fmt='PNG', **save_params) -> bytes."""
    return encode


def run_explorer(*args: str, timeout: float = 600) -> subprocess.CompletedProcess:
    """`python -m explorer ARGS` from the repository root; text output captured."""
    return subprocess.run(
        [sys.executable, "-m", "explorer", *map(str, args)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
    )


@pytest.fixture(scope="session")
def cli():
    """run_explorer(*args, timeout=600) -> CompletedProcess (`python -m explorer ...` in a subprocess)."""
    return run_explorer


def open_app_page(
    page: str, digit=None, lang: str = "en", *, timeout: float = 120, home_first: bool = False, **state
) -> AppTest:
    """app.py in AppTest with lang, digit and state set, switched to `page` and run; fails on an exception."""
    from streamlit.testing.v1 import AppTest  # only the page tests pay for importing streamlit

    at = AppTest.from_file(APP, default_timeout=timeout)
    at.session_state["lang"] = lang
    at.session_state["digit"] = digit
    for key, value in state.items():
        at.session_state[key] = value
    if home_first:
        at.run()
    at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def plotly_array(obj) -> np.ndarray:
    """A plotly data array: base64 typed array ({dtype, bdata, shape}) or nested lists (None -> NaN)."""
    if isinstance(obj, dict) and "bdata" in obj:
        a = np.frombuffer(base64.b64decode(obj["bdata"]), dtype=np.dtype(obj["dtype"]))
        shape = [int(s) for s in str(obj.get("shape", len(a))).split(",")]
        return a.reshape(shape)
    return np.array(obj, dtype=float)


def plotly_figure(at: AppTest, key: str) -> dict:
    """The plotly spec Streamlit sent for the chart with this key."""
    return json.loads(at.get_by_key(key).proto.spec)


def kernel_grid_data(at: AppTest) -> dict[str, dict]:
    """{key: data} of the kernel grids on the page (explorer.ui.kernel_grid), their cells decoded."""
    out = {}
    for component in at.get("bidi_component"):
        data = json.loads(component.proto.json or "null")  # a component without data sends nothing
        if isinstance(data, dict) and isinstance(data.get("cells"), str):
            key = component.proto.id.rsplit("-", 1)[-1]  # Streamlit's element id ends with the widget key
            out[key] = {**data, "cells": json.loads(data["cells"])}
    return out


def markdown_text(at: AppTest) -> str:
    """The page's markdown, one element a line."""
    return "\n".join(m.value for m in at.markdown)


@pytest.fixture(scope="session")
def open_app():
    """open_app_page(page, digit=None, lang='en', *, timeout=120, home_first=False, **state) -> AppTest."""
    return open_app_page


@pytest.fixture(scope="session")
def array():
    """plotly_array(obj) -> ndarray (base64 typed array or nested lists, None -> NaN)."""
    return plotly_array


@pytest.fixture(scope="session")
def figure():
    """plotly_figure(at, key) -> the chart's plotly spec as a dict."""
    return plotly_figure


@pytest.fixture(scope="session")
def grids():
    """kernel_grid_data(at) -> {key: data} of the page's kernel grids, cells decoded."""
    return kernel_grid_data


@pytest.fixture(scope="session")
def markdown():
    """markdown_text(at) -> the page's markdown, one element a line."""
    return markdown_text
