"""Any image (canvas PNG, upload, array) -> the 28x28 input MNIST used; safe image loading.

MNIST's recipe (LeCun et al.): the digit's bounding box is fitted into 20x20 keeping its aspect ratio
(anti-aliased), then placed in a 28x28 field so that its centre of mass sits at the centre. We follow it step
by step and keep every intermediate so the app can show "what the network sees". Before that, the ink is found:
from alpha (strokes on a transparent canvas) or from brightness (either polarity), with the paper's uneven
lighting, noise, specks and shadows along the border removed so phone photos work too.
"""

from __future__ import annotations

import contextlib
import io
import struct
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

if TYPE_CHECKING:
    import torch

# MNIST normalisation, defined once (pytorch/examples mnist/main.py)
MNIST_MEAN = 0.1307
MNIST_STD = 0.3081

MAX_UPLOAD_BYTES = 20 * 1024 * 1024  # keep in step with server.maxUploadSize in .streamlit/config.toml
MAX_PIXELS = Image.MAX_IMAGE_PIXELS  # Pillow's decompression-bomb limit (~89 MP)
WORK_SIDE = 560  # images are reduced to at most this side before any per-pixel work
ALLOWED_FORMATS = {"PNG", "JPEG", "MPO", "GIF", "BMP", "WEBP"}
HEIF_BRANDS = (b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1")  # iPhone photos

NOISE_FLOOR = 0.1  # ink below this fraction of the strokes' contrast is paper texture or JPEG noise
MIN_CONTRAST = 0.1  # strokes must differ from the paper by at least this much (of full scale), else blank
EVEN_BORDER = 0.1  # a border whose brightness varies less than this is evenly lit: a canvas or a scan
LIGHT_SIDE = 64  # uneven lighting is estimated at this resolution ...
LIGHT_WINDOW = 0.2  # ... by a window this fraction of the picture: wider than strokes, narrower than shadows
PIECE_SIDE = 64  # connected pieces of ink are traced at this resolution ...
STRONG = 0.15  # ... through blocks whose mean ink is above this (a thin stroke crossing one is)
SPECK = 0.03  # a piece with less ink than this fraction of the largest is a speck
FRAME = 0.2  # a piece along more than this fraction of the border is a frame, a shadow or the table
BOX = 20  # MNIST fits the digit into 20x20 ...
SIZE = 28  # ... centred in 28x28


class ImageLoadError(ValueError):
    """An image that can't be used; `key` names the translated message, `params` fill it."""

    def __init__(self, key: str, message: str, **params):
        super().__init__(message)
        self.key = key
        self.params = params


@dataclass
class Preprocessed:
    """Every step from an image to the 28x28 network input (arrays in [0, 1], ink = 1)."""

    ink: np.ndarray  # (H, W) ink map at working resolution
    bbox: tuple[int, int, int, int] | None  # (top, left, bottom, right), exclusive ends; None when blank
    fit: np.ndarray | None  # (20, 20) the bounding box fitted, aspect kept, centred in the box
    digit: np.ndarray | None  # (28, 28) centre of mass at the centre; None when blank


def load_image(source: bytes | str | Path | BinaryIO) -> Image.Image:
    """Open an image with Pillow's limits; return it upright as 'L', 'LA', 'RGB' or 'RGBA', reduced in size."""
    data = _read_bytes(source)
    if not data:
        raise ImageLoadError("error_empty", "the file is empty")
    mb = MAX_UPLOAD_BYTES // 2**20
    if len(data) > MAX_UPLOAD_BYTES:
        raise ImageLoadError("error_too_big_file", f"the file is larger than {mb} MB", mb=mb)
    if data[4:8] == b"ftyp" and data[8:12] in HEIF_BRANDS:
        raise ImageLoadError("error_heic", "HEIC/HEIF photos are not supported: save it as JPEG or PNG")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img = Image.open(io.BytesIO(data))
            if img.format not in ALLOWED_FORMATS:
                raise ImageLoadError(
                    "error_format", f"unsupported image format {img.format}", format=str(img.format)
                )
            if img.width * img.height > MAX_PIXELS:
                raise ImageLoadError("error_too_many_pixels", "the image has too many pixels")
            img.seek(0)  # first frame of an animation
            if img.format == "JPEG":  # decode at 1/2, 1/4 or 1/8 scale straight away: big photos stay cheap
                img.draft(img.mode if img.mode in ("L", "RGB") else "RGB", (WORK_SIDE, WORK_SIDE))
            img.load()
            if img.width < 1 or img.height < 1:
                raise ImageLoadError("error_corrupt", "the image has no pixels")
            if img.mode in ("1", "P", "PA"):  # resizing these would fall back to nearest neighbour
                img = _normalise_mode(img)
            img.thumbnail((WORK_SIDE, WORK_SIDE), Image.Resampling.BOX)  # before any full-size copy
            img = _normalise_mode(img)
    except ImageLoadError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as e:
        raise ImageLoadError("error_too_many_pixels", "the image has too many pixels") from e
    except UnidentifiedImageError as e:
        raise ImageLoadError("error_not_image", "not an image Pillow can read") from e
    except (OSError, SyntaxError, ValueError, EOFError, IndexError, struct.error) as e:
        raise ImageLoadError("error_corrupt", "the image file is damaged or truncated") from e
    except MemoryError as e:
        raise ImageLoadError("error_too_many_pixels", "the image needs too much memory") from e
    with contextlib.suppress(Exception):  # a broken EXIF block must not lose the picture
        ImageOps.exif_transpose(img, in_place=True)  # phones store the picture sideways plus a rotation tag
    return img


def _read_bytes(source) -> bytes:
    """At most MAX_UPLOAD_BYTES + 1 bytes (enough to tell the file is too big) from bytes, a path or a file."""
    if isinstance(source, bytes | bytearray):
        return bytes(source)
    if isinstance(source, str | Path):
        path = Path(source)
        if not path.exists():
            raise ImageLoadError("error_no_file", "no such file")
        try:
            with open(path, "rb") as f:  # a size limit even for /dev/zero
                return f.read(MAX_UPLOAD_BYTES + 1)
        except OSError as e:  # a folder, no permission, a vanished network file
            raise ImageLoadError("error_unreadable", f"the file could not be read: {e.strerror}") from e
    return source.read(MAX_UPLOAD_BYTES + 1)


def _normalise_mode(img: Image.Image) -> Image.Image:
    """Any Pillow mode -> 'L', 'LA', 'RGB' or 'RGBA' (16-bit and float greys scaled to 8 bits)."""
    if img.mode in ("L", "LA", "RGB", "RGBA"):
        return img
    if img.mode in ("I;16", "I;16B", "I;16L", "I;16N", "I"):
        arr = np.asarray(img, dtype=np.float32)
        top = 65535.0 if img.mode.startswith("I;16") else max(float(arr.max()), 1.0)
        return Image.fromarray(np.clip(arr / top * 255.0, 0, 255).astype(np.uint8), "L")
    if img.mode == "F":
        arr = np.nan_to_num(np.asarray(img, dtype=np.float32))
        lo, hi = float(arr.min()), float(arr.max())
        arr = (arr - lo) / (hi - lo) if hi > lo else np.zeros_like(arr)
        return Image.fromarray((arr * 255).astype(np.uint8), "L")
    if img.mode == "1":
        return img.convert("L")
    if img.mode in ("P", "PA") and ("transparency" in img.info or img.mode == "PA"):
        return img.convert("RGBA")
    return img.convert("RGB")  # P, CMYK, YCbCr, LAB, HSV


def ink_map(img: Image.Image) -> np.ndarray:
    """Where the ink is, in [0, 1]: from alpha when the background is transparent, else from brightness."""
    # (H, W) float32
    if img.mode in ("LA", "RGBA"):
        alpha = np.asarray(img.getchannel("A"), dtype=np.float32) / 255.0
        if alpha.min() < 0.98 and (alpha > 0.5).mean() < 0.5:  # strokes on a transparent background
            return _clean(alpha)
        img = _flatten(img)  # an opaque picture with transparent corners: the ink is in its colours
    gray = np.asarray(img.convert("L"), dtype=np.float32) / 255.0
    step = max(1, max(gray.shape) // 100)
    level = _quantile(gray[::step, ::step], 0.5)  # the paper: most of any picture of a digit, cropped or not
    paper = gray if level > 0.5 else 1.0 - gray  # dark on light, or light on dark: now the paper is bright
    border = np.sort(np.concatenate([paper[0], paper[-1], paper[:, 0], paper[:, -1]]))
    uneven = float(border[border.size * 9 // 10] - border[border.size // 10]) > EVEN_BORDER
    if uneven and min(paper.shape) >= LIGHT_SIDE:  # a photo: uneven lighting, a shadow
        return _clean(_lighting(paper) - paper)
    return _clean(max(level, 1.0 - level) - paper)  # a canvas, a scan, the sheet's dark surroundings


def _flatten(img: Image.Image) -> Image.Image:
    """Composite a partly transparent image over white."""
    base = Image.new("RGBA", img.size, (255, 255, 255, 255))
    return Image.alpha_composite(base, img.convert("RGBA")).convert("RGB")


def _lighting(paper: np.ndarray) -> np.ndarray:
    """The paper's brightness everywhere: a closing (max, then min) wider than any stroke removes the strokes."""
    import torch
    import torch.nn.functional as F

    h, w = paper.shape
    x = torch.from_numpy(paper)[None, None]  # (1, 1, H, W)
    small = F.adaptive_avg_pool2d(x, (min(h, LIGHT_SIDE), min(w, LIGHT_SIDE)))  # averaging quiets the noise
    k = 2 * round(LIGHT_WINDOW * max(small.shape[-2:]) / 2) + 1
    closed = -F.max_pool2d(-F.max_pool2d(small, k, stride=1, padding=k // 2), k, stride=1, padding=k // 2)
    return F.interpolate(closed, size=(h, w), mode="bilinear", align_corners=False)[0, 0].numpy()


def _clean(contrast: np.ndarray) -> np.ndarray:
    """Contrast against the paper -> ink in [0, 1]: the paper's level and noise removed, specks dropped."""
    step = max(1, max(contrast.shape) // 100)
    sample = contrast[::step, ::step]  # statistics on ~100x100 pixels are plenty and keep this fast
    top = _quantile(sample, 0.999)  # the strokes, robust to a few hot pixels
    level = _quantile(sample[sample < 0.5 * top], 0.5)  # the paper
    # neighbours are mostly paper next to paper or stroke next to stroke, however much of the picture is ink
    noise = 1.4826 / np.sqrt(2) * _quantile(np.abs(np.diff(sample, axis=1)), 0.5)
    top -= level
    if top < MIN_CONTRAST or top < 6 * noise:  # nothing stands out from the paper: blank
        return np.zeros(contrast.shape, dtype=np.float32)
    ink = np.clip((contrast - level) / top, 0.0, 1.0).astype(np.float32)
    ink[ink < min(max(NOISE_FLOOR, 4 * noise / top), 0.5)] = 0.0
    return _keep_digit(ink)


def _quantile(a: np.ndarray, q: float) -> float:
    """The q-quantile of the values (nearest rank; 0 when there are none): cheaper than np.quantile."""
    a = a.ravel()
    if a.size == 0:
        return 0.0
    k = min(a.size - 1, int(q * a.size))
    return float(np.partition(a, k)[k])


def _keep_digit(ink: np.ndarray) -> np.ndarray:
    """Drop pieces of ink that are tiny next to the largest, and frames or shadows along the border."""
    import torch
    import torch.nn.functional as F

    h, w = ink.shape
    f = -(-max(h, w) // PIECE_SIDE)  # block side
    mass = F.avg_pool2d(torch.from_numpy(ink)[None, None], f, ceil_mode=True)[0, 0].numpy()  # (h', w')
    strong = mass > STRONG  # blocks well inside a stroke, or crossed by one
    labels = _label(strong)  # -1 outside
    n = int(labels.max()) + 1
    if n == 0:
        return np.zeros_like(ink)
    piece_mass = np.bincount(labels[strong], weights=mass[strong], minlength=n)
    ring = np.concatenate([labels[0], labels[-1], labels[:, 0], labels[:, -1]])
    along = np.bincount(ring[ring >= 0], minlength=n) / ring.size
    frame = along > FRAME
    if frame.any() and (~frame).any() and piece_mass[~frame].max() >= 0.1 * piece_mass[frame].max():
        piece_mass[frame] = 0.0  # the paper's edge or a shadow, beside a digit of its own
    keep = piece_mass >= SPECK * piece_mass.max()
    blocks = torch.from_numpy((strong & keep[labels]).astype(np.float32))[None, None]
    blocks = F.max_pool2d(blocks, 3, stride=1, padding=1)[0, 0].numpy() > 0  # and the faint edges around
    return np.where(np.repeat(np.repeat(blocks, f, axis=0), f, axis=1)[:h, :w], ink, np.float32(0))


def _label(mask: np.ndarray) -> np.ndarray:
    """8-connected piece numbers 0, 1, ... of a boolean (h, w) mask, -1 outside it."""
    h, w = mask.shape
    index = np.full((h + 1, w + 2), -1)  # ink pixels numbered 0, 1, ...; -1 elsewhere and in the margins
    n = int(mask.sum())
    index[:h, 1 : w + 1][mask] = np.arange(n)
    core = index[:h, 1 : w + 1]
    right, down_left, down, down_right = index[:h, 2:], index[1:, :w], index[1:, 1 : w + 1], index[1:, 2:]
    pairs = [(core, right), (core, down_left), (core, down), (core, down_right)]
    a = np.concatenate([p[(p >= 0) & (q >= 0)] for p, q in pairs])
    b = np.concatenate([q[(p >= 0) & (q >= 0)] for p, q in pairs])
    parent = np.arange(n)
    while True:  # hook each edge's larger root under its smaller one, then flatten the trees
        pa, pb = parent[a], parent[b]
        differ = pa != pb
        if not differ.any():
            break
        np.minimum.at(parent, np.maximum(pa, pb)[differ], np.minimum(pa, pb)[differ])
        while True:
            up = parent[parent]
            if np.array_equal(up, parent):
                break
            parent = up
    _, dense = np.unique(parent, return_inverse=True)
    out = np.full((h, w), -1)
    out[mask] = dense
    return out


def bounding_box(ink: np.ndarray) -> tuple[int, int, int, int] | None:
    """(top, left, bottom, right) of the ink, ends exclusive; None when there is none."""
    rows = np.flatnonzero(ink.max(axis=1) > 0)
    cols = np.flatnonzero(ink.max(axis=0) > 0)
    if rows.size == 0:
        return None
    return int(rows[0]), int(cols[0]), int(rows[-1]) + 1, int(cols[-1]) + 1


def fit_box(crop: np.ndarray, box: int = BOX) -> np.ndarray:
    """Resize a crop so its longer side is `box` (anti-aliased), centred in a box x box square."""
    import torch
    import torch.nn.functional as F

    h, w = crop.shape
    scale = box / max(h, w)
    new_h, new_w = max(1, round(h * scale)), max(1, round(w * scale))
    x = torch.from_numpy(np.ascontiguousarray(crop, dtype=np.float32))[None, None]  # (1, 1, h, w)
    x = F.interpolate(x, size=(new_h, new_w), mode="bilinear", antialias=True, align_corners=False)
    out = np.zeros((box, box), dtype=np.float32)
    top, left = (box - new_h) // 2, (box - new_w) // 2
    out[top : top + new_h, left : left + new_w] = x[0, 0].clamp(0, 1).numpy()
    return out


def centre_by_mass(fit: np.ndarray, size: int = SIZE) -> np.ndarray:
    """Place the fitted box in a size x size field with its centre of mass at the centre (whole pixels)."""
    box = fit.shape[0]
    out = np.zeros((size, size), dtype=np.float32)
    start = (size - box) // 2
    out[start : start + box, start : start + box] = fit
    total = out.sum()
    if total <= 0:
        return out
    rows, cols = np.arange(size), np.arange(size)
    cy = float((out.sum(axis=1) * rows).sum() / total)
    cx = float((out.sum(axis=0) * cols).sum() / total)
    # MNIST's centres of mass sit at (14, 14) in pixel indices (test split mean 13.99, 14.00), not at 13.5
    return shift(out, round(size / 2 - cy), round(size / 2 - cx))


def shift(a: np.ndarray, dy: int, dx: int) -> np.ndarray:
    """Shift a 2-D array by whole pixels, filling with zeros (what falls off is lost)."""
    out = np.zeros_like(a)
    h, w = a.shape
    src_r = slice(max(0, -dy), min(h, h - dy))
    src_c = slice(max(0, -dx), min(w, w - dx))
    dst_r = slice(max(0, dy), min(h, h + dy))
    dst_c = slice(max(0, dx), min(w, w + dx))
    out[dst_r, dst_c] = a[src_r, src_c]
    return out


def preprocess(img: Image.Image) -> Preprocessed:
    """Image -> every MNIST preprocessing step; `digit` is None when nothing is drawn."""
    ink = ink_map(img)
    bbox = bounding_box(ink)
    if bbox is None:
        return Preprocessed(ink=ink, bbox=None, fit=None, digit=None)
    top, left, bottom, right = bbox
    fit = fit_box(ink[top:bottom, left:right])
    return Preprocessed(ink=ink, bbox=bbox, fit=fit, digit=centre_by_mass(fit))


def preprocess_array(arr: np.ndarray) -> Preprocessed:
    """A 2-D array with ink = high values (any range) -> every preprocessing step."""
    a = np.nan_to_num(np.asarray(arr, dtype=np.float32))
    lo, hi = float(a.min()), float(a.max())
    a = (a - lo) / (hi - lo) if hi > lo else np.zeros_like(a)
    return preprocess(Image.fromarray((a * 255).astype(np.uint8), "L"))


def to_input(digit: np.ndarray) -> torch.Tensor:
    """A 28x28 digit in [0, 1] -> the normalised network input."""
    import torch

    x = torch.tensor(np.asarray(digit, dtype=np.float32))  # (28, 28); a copy: samples are read-only arrays
    return ((x - MNIST_MEAN) / MNIST_STD)[None, None]  # (1, 1, 28, 28)
