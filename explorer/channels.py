"""Colour channels: RGB as (3, H, W); one 3-channel kernel summed into one map; several kernels -> channels.

The sample image is synthesised with Pillow (no freely licensed photo is bundled): a small colourful scene
whose red, green and blue channels differ clearly, with a digit on it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image, ImageDraw, ImageFont

from explorer import kernels, ops

# images are reduced to at most this side: small enough for crisp cells and a convolution on every rerun
MAX_SIDE = 64
CHANNELS = ("R", "G", "B")

# 3x3 slices a student can put on each colour channel (a 3-channel kernel needs one size for all three slices)
SLICES: dict[str, np.ndarray] = {"zero": np.zeros((3, 3))} | {
    name: kernels.preset(name) for name in kernels.PRESET_NAMES if kernels.PRESETS[name].shape == (3, 3)
}

# ready-made 3-channel kernels (per channel: slice name, factor): output channels 2, 3, ... next to the
# student's own kernel
BANK: dict[str, tuple[tuple[str, float], ...]] = {
    "luminance": (("identity", 0.299), ("identity", 0.587), ("identity", 0.114)),  # ITU-R BT.601 grey
    "edges": (("sobel_x", 1 / 3), ("sobel_x", 1 / 3), ("sobel_x", 1 / 3)),  # vertical edges of the brightness
    "blue_minus_red": (("identity", -1.0), ("zero", 0.0), ("identity", 1.0)),
}


def rgb_kernel(slices: tuple[tuple[str, float], ...]) -> np.ndarray:
    """((slice name, factor) for R, G, B) -> weight (3, 3, 3): one 3x3 slice per input channel."""
    return np.stack([SLICES[name] * float(factor) for name, factor in slices])


def to_chw(img: Image.Image, max_side: int = MAX_SIDE) -> np.ndarray:
    """A Pillow image -> (3, H, W) float32 in [0, 1] (side <= max_side); alpha over white; grey: R = G = B."""
    if img.mode in ("RGBA", "LA", "PA") or "transparency" in img.info:
        rgba = img.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        img = Image.alpha_composite(white, rgba)
    img = img.convert("RGB")
    img.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    return np.asarray(img, dtype=np.float32).transpose(2, 0, 1) / 255.0  # (H, W, 3) -> (3, H, W)


@dataclass
class ChannelConv:
    """One 3-channel kernel on one RGB image: each slice on its channel, then the sum plus the bias."""

    per_channel: np.ndarray  # (3, H', W'): R * w[0], G * w[1], B * w[2] (cross-correlation, no bias)
    bias: float
    output: np.ndarray  # (H', W') = per_channel.sum(0) + bias, one output channel


def conv_channels(image: np.ndarray, weight: np.ndarray, bias: float = 0.0, padding: int = 1) -> ChannelConv:
    """image (3, H, W), weight (3, kH, kW) -> every channel's map and their sum + bias (equals F.conv2d)."""
    per_channel = np.stack(
        [ops.conv2d(x, w, 0.0, padding=padding) for x, w in zip(image, weight, strict=True)]
    )
    return ChannelConv(per_channel, float(bias), per_channel.sum(axis=0) + float(bias))


def conv_multi(images: np.ndarray, weight: np.ndarray, bias: np.ndarray, padding: int = 1) -> np.ndarray:
    """images (N, 3, H, W), weight (C_out, 3, kH, kW), bias (C_out,) -> (N, C_out, H', W') with F.conv2d."""
    x = torch.as_tensor(np.asarray(images, dtype=np.float64))
    w = torch.as_tensor(np.asarray(weight, dtype=np.float64))
    b = torch.as_tensor(np.asarray(bias, dtype=np.float64))
    ops.output_shape(x.shape[-2:], w.shape[-2:], 1, padding)  # ValueError before torch raises
    return F.conv2d(x, w, b, padding=padding).numpy()  # (N, C_out, H', W')


def shapes(
    batch: int, image_shape: tuple[int, int, int], out_channels: int, kernel_size: int = 3, padding: int = 1
) -> dict[str, tuple[int, ...]]:
    """Shapes of a conv layer on a batch: input (N, C_in, H, W), weight, bias, output (N, C_out, H', W')."""
    c_in, h, w = image_shape
    h_out, w_out = ops.output_shape((h, w), kernel_size, 1, padding)
    return {
        "input": (batch, c_in, h, w),
        "weight": (out_channels, c_in, kernel_size, kernel_size),
        "bias": (out_channels,),
        "output": (batch, out_channels, h_out, w_out),
    }


# ----------------------------------------------------------------------------------------------------
# synthesised pictures


def _font(size: int) -> ImageFont.ImageFont:
    return ImageFont.load_default(size=size)


@cache
def _sample(side: int) -> Image.Image:
    scale = 4  # draw large, then reduce: anti-aliased edges without any font or shape smoothing options
    s = side * scale
    img = Image.new("RGB", (s, s))
    draw = ImageDraw.Draw(img)
    for y in range(s * 2 // 3):  # sky: light blue at the horizon, deeper blue above
        t = y / (s * 2 / 3)
        draw.line([(0, y), (s, y)], fill=(int(40 + 110 * t), int(90 + 120 * t), 230))
    draw.rectangle([0, s * 2 // 3, s, s], fill=(40, 160, 60))  # grass
    draw.ellipse([s * 0.70, s * 0.06, s * 0.92, s * 0.28], fill=(255, 215, 0))  # sun
    draw.rectangle([s * 0.10, s * 0.45, s * 0.50, s * 0.80], fill=(210, 40, 40))  # house
    roof = [(s * 0.05, s * 0.46), (s * 0.30, s * 0.25), (s * 0.55, s * 0.46)]
    draw.polygon(roof, fill=(120, 50, 150))
    draw.rectangle([s * 0.25, s * 0.62, s * 0.35, s * 0.80], fill=(90, 50, 20))  # door
    white = (255, 255, 255)  # the digit 7, thickened by a stroke of its own colour
    draw.text(
        (s * 0.62, s * 0.36),
        "7",
        fill=white,
        font=_font(int(s * 0.45)),
        stroke_width=s // 60,
        stroke_fill=white,
    )
    return img.resize((side, side), Image.Resampling.LANCZOS)


def sample_image(side: int = MAX_SIDE) -> Image.Image:
    """The bundled RGB sample: sky, sun, grass, a red house and a white digit 7 (synthesised, side x side)."""
    return _sample(side).copy()


@cache
def _sample_chw(side: int) -> np.ndarray:
    return to_chw(_sample(side), max_side=side)


def sample_chw(side: int = MAX_SIDE) -> np.ndarray:
    """The sample as (3, side, side) float32 in [0, 1] (converted once per process)."""
    return _sample_chw(side).copy()


@cache
def _digit(digit: int) -> np.ndarray:
    from explorer.preprocess import preprocess

    img = Image.new("L", (112, 112))
    ImageDraw.Draw(img).text((28, 4), str(digit), fill=255, font=_font(96), stroke_width=5, stroke_fill=255)
    return preprocess(img).digit.astype(np.float32)


def sample_digit(digit: int = 3) -> np.ndarray:
    """A typed digit prepared like MNIST (28x28, ink = 1): the fallback when nothing is drawn yet."""
    return _digit(digit).copy()
