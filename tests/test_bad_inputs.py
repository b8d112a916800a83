"""Issue 10's bad inputs, generated here: each goes through load_image + preprocess (what the app's uploader uses)
and, all together, through ONE `python -m explorer predict` call. Every answer is a correct digit or a clear error
whose key exists in both languages; no traceback; every other path still answered."""

from __future__ import annotations

import ast
import io
import json
import string
import struct
import sys
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw

from explorer import preprocess as pp
from explorer.i18n import LANGUAGES, t
from explorer.preprocess import ImageLoadError, load_image, preprocess

REPO = Path(__file__).resolve().parent.parent
BLANK = "error_blank"  # what `predict` says when preprocess finds no digit


def shape(label: int, size: int = 280, width: int = 18) -> Image.Image:
    """A clean hand-drawn-looking digit, white on black ('L')."""
    img = Image.new("L", (size, size), 0)
    d = ImageDraw.Draw(img)
    s, w = size / 280, round(width * size / 280)
    lines = {
        7: [(80, 70), (200, 70), (120, 230)],
        1: [(150, 50), (130, 230)],
        4: [(160, 230), (160, 50), (80, 170), (200, 170)],
        2: [(90, 90), (120, 60), (170, 60), (190, 100), (90, 225), (200, 225)],
    }
    if label == 0:
        d.ellipse([95 * s, 50 * s, 185 * s, 230 * s], outline=255, width=w)
    else:
        d.line([(x * s, y * s) for x, y in lines[label]], fill=255, width=w, joint="curve")
    return img


def dark_on_light(img: Image.Image) -> Image.Image:
    a = np.asarray(img, dtype=np.float32)[..., None] / 255.0
    return Image.fromarray(
        (np.array([240, 236, 225]) * (1 - a) + np.array([30, 30, 80]) * a).astype(np.uint8)
    )


def save(img: Image.Image, fmt: str, **params) -> bytes:
    buf = io.BytesIO()
    img.save(buf, fmt, **params)
    return buf.getvalue()


def png_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims width x height pixels (a decompression bomb's calling card)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"\0" * 64))
        + chunk(b"IEND", b"")
    )


def exif_rotated(label: int) -> bytes:
    """A JPEG stored sideways with EXIF orientation 6 ('rotate 90 degrees clockwise to view'), as phones do."""
    exif = Image.Exif()
    exif[0x0112] = 6
    return save(dark_on_light(shape(label)).transpose(Image.Transpose.ROTATE_90), "JPEG", exif=exif.tobytes())


def animated_gif(first: int, second: int) -> bytes:
    frames = [shape(first).convert("P"), shape(second).convert("P")]
    return save(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=200, loop=0)


def palette_with_transparency(label: int) -> bytes:
    """Dark ink on a transparent background, in a palette image (index 0 is the transparent paper)."""
    ink = np.asarray(shape(label))
    img = Image.fromarray(ink, "P")
    img.putpalette([c for v in range(256) for c in (255 - v, 255 - v, 255 - v)])
    return save(img, "PNG", transparency=0)


def sixteen_bit(label: int) -> bytes:
    img = Image.fromarray(np.asarray(shape(label)).astype(np.uint16) * 257)
    assert img.mode.startswith("I;16")
    return save(img, "PNG")


def big_legal(label: int, size: int = 6000) -> bytes:
    """36 megapixels, mostly paper: legal, and must be reduced without decoding copies at full size."""
    return save(shape(label, size=size), "PNG", compress_level=1)


def phone_photo(label: int) -> bytes:
    """24 megapixels of dark ink on paper, as a phone's camera saves it (JPEG, landscape)."""
    photo = Image.new("RGB", (6000, 4000), (240, 236, 225))
    photo.paste(dark_on_light(shape(label, size=4000)), (1000, 0))
    return save(photo, "JPEG", quality=85)


def zip_file() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("digit.png", save(shape(7), "PNG"))
    return buf.getvalue()


def la_png(label: int) -> bytes:
    alpha = shape(label)
    return save(Image.merge("LA", [Image.new("L", alpha.size, 0), alpha]), "PNG")


@dataclass
class Case:
    name: str
    filename: str
    make: object  # () -> bytes, or None for a path that is not a file
    expect: int | str  # the digit, or the error key


CASES = [
    # correct results
    Case("16-bit grayscale PNG", "sixteen.png", lambda: sixteen_bit(4), 4),
    Case("CMYK JPEG", "cmyk.jpg", lambda: save(dark_on_light(shape(2)).convert("CMYK"), "JPEG"), 2),
    Case("palette PNG with transparency", "palette.png", lambda: palette_with_transparency(7), 7),
    Case("EXIF-rotated JPEG", "rotated.jpg", lambda: exif_rotated(7), 7),
    Case("animated GIF (first frame)", "animated.gif", lambda: animated_gif(0, 1), 0),
    Case("grayscale + alpha PNG", "la.png", lambda: la_png(4), 4),
    Case("1-bit BMP", "mono.bmp", lambda: save(shape(1).convert("1"), "BMP"), 1),
    Case(
        "lossy WebP, dark on light",
        "photo.webp",
        lambda: save(dark_on_light(shape(0)), "WEBP", quality=60),
        0,
    ),
    Case("huge but legal PNG (6000x6000)", "huge.png", lambda: big_legal(7), 7),
    Case(
        "huge JPEG photo (6000x4000)",
        "huge.jpg",
        lambda: phone_photo(2),
        2,
    ),
    # clear errors
    Case("empty file", "empty.png", lambda: b"", "error_empty"),
    Case("truncated PNG", "truncated.png", lambda: save(shape(7), "PNG")[:700], "error_corrupt"),
    Case(
        "truncated JPEG",
        "truncated.jpg",
        lambda: save(dark_on_light(shape(7)), "JPEG")[:1500],
        "error_corrupt",
    ),
    Case(
        "text file named .png",
        "notes.png",
        lambda: b"just some text, not a picture\n" * 20,
        "error_not_image",
    ),
    Case("zip archive", "digits.zip", zip_file, "error_not_image"),
    Case("PDF", "scan.pdf", lambda: save(dark_on_light(shape(7)), "PDF"), "error_not_image"),
    Case("TIFF (readable, not accepted)", "scan.tiff", lambda: save(shape(7), "TIFF"), "error_format"),
    Case(
        "HEIC-like bytes",
        "IMG_0001.HEIC",
        lambda: b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + bytes(range(256)) * 8,
        "error_heic",
    ),
    Case("unknown bytes", "mystery.png", lambda: np.random.default_rng(0).bytes(4096), "error_not_image"),
    Case("bomb header 20000x20000", "bomb.png", lambda: png_claiming(20000, 20000), "error_too_many_pixels"),
    Case("bomb header 10000x10000", "bomb2.png", lambda: png_claiming(10000, 10000), "error_too_many_pixels"),
    Case(
        "file over the upload limit",
        "big.png",
        lambda: b"\x89PNG" + b"\0" * pp.MAX_UPLOAD_BYTES,
        "error_too_big_file",
    ),
    Case("missing file", "missing.png", None, "error_no_file"),
    Case("a folder", "folder.png", "folder", "error_unreadable"),
    # blank
    Case("1x1 image", "dot.png", lambda: save(Image.new("L", (1, 1), 0), "PNG"), BLANK),
    Case("all white", "white.png", lambda: save(Image.new("RGB", (280, 280), "white"), "PNG"), BLANK),
    Case("all black", "black.jpg", lambda: save(Image.new("RGB", (280, 280), "black"), "JPEG"), BLANK),
    Case(
        "transparent canvas",
        "clear.png",
        lambda: save(Image.new("RGBA", (280, 280), (0, 0, 0, 0)), "PNG"),
        BLANK,
    ),
]


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("bad_inputs")
    paths = {}
    for case in CASES:
        path = folder / case.filename
        if case.make == "folder":
            path.mkdir()
        elif case.make is not None:
            path.write_bytes(case.make())
        paths[case.name] = path
    return paths


def similar(a: np.ndarray, b: np.ndarray) -> float:
    """Best correlation over whole-pixel shifts of up to 1 (a symmetric shape's centre of mass can round
    either way)."""
    return max(
        float(np.corrcoef(pp.shift(a, dy, dx).ravel(), b.ravel())[0, 1])
        for dy in (-1, 0, 1)
        for dx in (-1, 0, 1)
    )


def assert_translated(key: str, params: dict) -> None:
    for lang in LANGUAGES:
        text = t(key, lang, **params)
        assert text.strip() and "{" not in text, (key, lang)
    assert t(key, "en", **params) != t(key, "uk", **params)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_load_image_and_preprocess(case, files):
    path = files[case.name]
    if isinstance(case.expect, int):
        steps = preprocess(load_image(path))
        reference = preprocess(shape(case.expect)).digit
        assert steps.digit is not None
        assert similar(steps.digit, reference) > 0.9
    elif case.expect == BLANK:
        steps = preprocess(load_image(path))
        assert steps.digit is None and steps.bbox is None
    else:
        with pytest.raises(ImageLoadError) as excinfo:
            load_image(path)
        assert excinfo.value.key == case.expect
        assert_translated(excinfo.value.key, excinfo.value.params)


def test_bytes_and_file_objects_load_like_paths(files):
    path = files["CMYK JPEG"]
    by_path = preprocess(load_image(path)).digit
    np.testing.assert_array_equal(preprocess(load_image(path.read_bytes())).digit, by_path)
    with open(path, "rb") as f:
        np.testing.assert_array_equal(preprocess(load_image(f)).digit, by_path)


def test_exif_rotated_photo_comes_out_upright(files):
    upright = preprocess(load_image(save(dark_on_light(shape(7)), "JPEG"))).digit
    rotated = preprocess(load_image(files["EXIF-rotated JPEG"])).digit
    ignoring_exif = preprocess(Image.open(files["EXIF-rotated JPEG"])).digit  # what a naive loader sees
    assert similar(rotated, upright) > 0.95
    assert similar(ignoring_exif, upright) < 0.6


def test_animated_gif_uses_its_first_frame(files):
    digit = preprocess(load_image(files["animated GIF (first frame)"])).digit
    first, second = preprocess(shape(0)).digit, preprocess(shape(1)).digit
    assert np.abs(digit - first).mean() < 0.02
    assert np.abs(digit - second).mean() > 0.1


def test_loaded_images_are_reduced_and_in_a_known_mode(files):
    for case in CASES:
        if isinstance(case.expect, int):
            img = load_image(files[case.name])
            assert img.mode in ("L", "LA", "RGB", "RGBA"), case.name
            assert max(img.size) <= pp.WORK_SIDE, case.name


def test_predict_answers_every_path_in_one_call(files, cli):
    paths = [str(files[c.name]) for c in CASES]
    out = cli("predict", *paths)
    lines = [json.loads(line) for line in out.stdout.splitlines() if line.strip()]
    assert [line["path"] for line in lines] == paths
    for case, line in zip(CASES, lines, strict=True):
        if isinstance(case.expect, int):
            assert line.get("digit") == case.expect, (case.name, line)
            assert sum(line["probabilities"]) == pytest.approx(1, abs=1e-5)
        else:
            assert set(line) == {"path", "error"}, (case.name, line)
            expected = t(case.expect, "en", mb=pp.MAX_UPLOAD_BYTES // 2**20, format="TIFF")
            assert line["error"] == expected, (case.name, line)
    assert out.returncode == 1
    assert "Traceback" not in out.stderr and "Error" not in out.stderr, out.stderr[-2000:]


def test_huge_images_are_reduced_without_exhausting_memory(files):
    """Peak memory of decoding a 36-megapixel PNG and a 24-megapixel JPEG, measured in a fresh process."""
    if not Path("/proc/self/clear_refs").exists():
        pytest.skip("needs Linux's /proc to measure peak memory")
    import subprocess

    code = (
        "import json, sys\n"
        "from explorer.preprocess import load_image\n"
        "def kb(field):\n"
        "    status = open('/proc/self/status').read().split(field + ':')[1]\n"
        "    return int(status.split()[0])\n"
        "load_image(sys.argv[1])  # warm up the codecs\n"
        "before = kb('VmRSS')\n"
        "open('/proc/self/clear_refs', 'w').write('5')  # restart the peak (VmHWM) from here\n"
        "sizes = [load_image(p).size for p in sys.argv[1:]]\n"
        "print(json.dumps({'mb': (kb('VmHWM') - before) / 1024, 'sizes': sizes}))\n"
    )
    paths = [str(files["huge JPEG photo (6000x4000)"]), str(files["huge but legal PNG (6000x6000)"])]
    out = subprocess.run(
        [sys.executable, "-c", code, *paths], cwd=REPO, capture_output=True, text=True, timeout=300
    )
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert result["sizes"] == [[pp.WORK_SIDE, pp.WORK_SIDE * 2 // 3], [pp.WORK_SIDE, pp.WORK_SIDE]]
    # the PNG decodes once at full size (36 MB, one byte a pixel; measured 40 MB); no full-size copy on top
    assert result["mb"] < 60, result


def test_every_error_key_resolves_in_both_languages():
    """Every key explorer.preprocess, explorer.model and the CLI raise exists in the i18n table, in English and
    Ukrainian, and formats with the parameters given where it is raised."""
    sources = [REPO / "explorer" / name for name in ("preprocess.py", "model.py", "__main__.py")]
    found = {}
    for source in sources:
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and getattr(node.func, "id", None) in ("ImageLoadError", "WeightsError")
                and node.args
                and isinstance(node.args[0], ast.Constant)
            ):
                found[node.args[0].value] = {k.arg for k in node.keywords}
    assert {"error_empty", "error_blank", "error_corrupt", "error_too_many_pixels", "weights_missing"} <= set(
        found
    )
    for key, params in found.items():
        fields = {
            f for text in (t(key, "en"), t(key, "uk")) for _, f, _, _ in string.Formatter().parse(text) if f
        }
        assert fields == params, (key, fields, params)
        assert_translated(key, dict.fromkeys(params, "x"))
