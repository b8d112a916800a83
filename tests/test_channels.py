"""explorer.channels: the per-channel sum equals F.conv2d on the 3-channel input; shapes are torch's; the
synthesised pictures; image conversion through the app's safe loader."""

from __future__ import annotations

import io

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from PIL import Image

from explorer import channels
from explorer.preprocess import ImageLoadError, load_image


@pytest.fixture(autouse=True, scope="module")
def one_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def torch_conv(image, weight, bias, padding):
    """F.conv2d of one (3, H, W) image with one (3, kH, kW) kernel -> (H', W')."""
    x = torch.as_tensor(image, dtype=torch.float64)[None]  # (1, 3, H, W)
    w = torch.as_tensor(weight, dtype=torch.float64)[None]  # (1, 3, kH, kW)
    return F.conv2d(x, w, torch.tensor([bias], dtype=torch.float64), padding=padding)[0, 0].numpy()


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("padding", [0, 1, 2])
def test_sum_of_channels_equals_conv2d_on_the_rgb_input(seed, padding):
    rng = np.random.default_rng(seed)
    h, w = rng.integers(3, 20, size=2)
    k = int(rng.choice([1, 2, 3]))
    image = rng.random((3, h, w))
    weight = rng.normal(size=(3, k, k))
    bias = float(rng.normal())
    result = channels.conv_channels(image, weight, bias, padding)
    np.testing.assert_allclose(result.output, torch_conv(image, weight, bias, padding), atol=1e-12)
    for c in range(3):  # each slice on its own channel, no bias
        one = np.zeros_like(weight)
        one[c] = weight[c]
        np.testing.assert_allclose(result.per_channel[c], torch_conv(image, one, 0.0, padding), atol=1e-12)
    np.testing.assert_allclose(result.per_channel.sum(0) + bias, result.output, atol=1e-12)


def test_the_page_default_kernel_is_red_minus_green():
    image = channels.to_chw(channels.sample_image())
    weight = channels.rgb_kernel((("identity", 1.0), ("identity", -1.0), ("zero", 0.0)))
    result = channels.conv_channels(image, weight, 0.25, padding=1)
    np.testing.assert_allclose(result.output, image[0] - image[1] + 0.25, atol=1e-6)


@pytest.mark.parametrize("batch,out_channels,padding", [(1, 1, 1), (2, 4, 1), (8, 3, 0), (3, 2, 2)])
def test_several_kernels_are_several_output_channels(batch, out_channels, padding):
    rng = np.random.default_rng(batch * 10 + out_channels)
    images = rng.random((batch, 3, 9, 13))
    weights = rng.normal(size=(out_channels, 3, 3, 3))
    biases = rng.normal(size=out_channels)
    out = channels.conv_multi(images, weights, biases, padding)
    assert out.shape == channels.shapes(batch, (3, 9, 13), out_channels, 3, padding)["output"]
    for n in range(batch):
        for o in range(out_channels):  # output channel o = the 3-channel sum of kernel o
            single = channels.conv_channels(images[n], weights[o], biases[o], padding).output
            np.testing.assert_allclose(out[n, o], single, atol=1e-12)


@pytest.mark.parametrize("batch,out_channels,size,padding", [(1, 1, (64, 64), 1), (5, 4, (64, 40), 0)])
def test_shapes_are_torch_shapes(batch, out_channels, size, padding):
    s = channels.shapes(batch, (3, *size), out_channels, 3, padding)
    x = torch.zeros(batch, 3, *size)
    conv = torch.nn.Conv2d(3, out_channels, 3, padding=padding)
    assert s["input"] == tuple(x.shape)
    assert s["weight"] == tuple(conv.weight.shape)
    assert s["bias"] == tuple(conv.bias.shape)
    assert s["output"] == tuple(conv(x).shape)
    assert len(s["input"]) == len(s["output"]) == 4


def test_rgb_kernel_and_bank():
    w = channels.rgb_kernel((("sobel_x", 2.0), ("zero", 5.0), ("identity", -0.5)))
    assert w.shape == (3, 3, 3)
    np.testing.assert_array_equal(w[0], 2 * channels.SLICES["sobel_x"])
    assert not w[1].any()
    assert w[2][1, 1] == -0.5 and np.abs(w[2]).sum() == 0.5
    assert all(s.shape == (3, 3) for s in channels.SLICES.values())
    grey = np.full((3, 5, 5), 0.4)
    lum = channels.conv_channels(grey, channels.rgb_kernel(channels.BANK["luminance"]), 0.0, padding=0).output
    np.testing.assert_allclose(lum, 0.4, atol=1e-12)  # the BT.601 weights add up to 1
    for name in channels.BANK:
        assert channels.rgb_kernel(channels.BANK[name]).shape == (3, 3, 3)


def test_sample_image():
    img = channels.sample_image()
    assert img.mode == "RGB" and img.size == (channels.MAX_SIDE, channels.MAX_SIDE)
    assert np.array_equal(np.asarray(img), np.asarray(channels.sample_image()))  # deterministic
    img.putpixel((0, 0), (1, 2, 3))  # a caller's copy: the bundled sample stays intact
    assert channels.sample_image().getpixel((0, 0)) != (1, 2, 3)
    x = channels.to_chw(channels.sample_image())
    r, g, b = x
    assert r[40, 15] > 0.7 and g[40, 15] < 0.3 and b[40, 15] < 0.3  # the red house
    assert g[60, 5] > r[60, 5] and g[60, 5] > b[60, 5]  # the grass
    assert b[5, 5] > r[5, 5] and b[5, 5] > g[5, 5]  # the sky
    assert not np.allclose(r, g) and not np.allclose(g, b)  # three genuinely different channels


def test_sample_digit():
    d = channels.sample_digit(3)
    assert d.shape == (28, 28) and d.dtype == np.float32
    assert d.min() >= 0 and d.max() <= 1 and d.sum() > 30
    rows, cols = np.indices(d.shape)
    assert abs((rows * d).sum() / d.sum() - 13.5) < 1.5 and abs((cols * d).sum() / d.sum() - 13.5) < 1.5


def png(img: Image.Image) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


def test_to_chw_through_the_safe_loader():
    rgba = Image.new("RGBA", (200, 100), (255, 0, 0, 255))
    rgba.paste((0, 0, 255, 0), (0, 0, 100, 100))  # left half fully transparent
    x = channels.to_chw(load_image(png(rgba)))
    assert x.shape == (3, 32, 64) and x.dtype == np.float32  # longer side reduced to 64, aspect kept
    np.testing.assert_allclose(x[:, 16, 5], [1, 1, 1], atol=1e-6)  # transparent -> white
    np.testing.assert_allclose(x[:, 16, 60], [1, 0, 0], atol=1e-6)
    grey = channels.to_chw(load_image(png(Image.new("L", (10, 10), 51))))
    assert grey.shape == (3, 10, 10)
    np.testing.assert_allclose(grey, 0.2, atol=1e-6)


def test_bad_upload_is_an_image_load_error():
    with pytest.raises(ImageLoadError) as e:
        channels.to_chw(load_image(b"not an image"))
    assert e.value.key == "error_not_image"
