"""Parameter and multiply-add counts per layer: a dense net vs a CNN, and the bundled ConvNet's own table.

Shapes are (C, H, W) or (features,) without the batch axis. Counts come from explorer.ops (conv_params,
dense_params, conv_macs, dense_macs) and sizes from explorer.ops.output_size; the tests check every count
against sum(p.numel()) of the equivalent torch modules.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise
from math import prod

from explorer import ops

CLASSES = 10  # every calculator net ends in a 10-way classifier, like the bundled one


@dataclass(frozen=True)
class ConvSpec:
    """One conv layer of a calculator CNN, optionally followed by a max pool (kernel_size = stride = pool)."""

    out_channels: int
    kernel_size: int = 3
    stride: int = 1
    padding: int | None = None  # None: kernel_size // 2 ("same" size for odd kernels at stride 1)
    pool: int = 0  # 0: no pooling after this conv


@dataclass(frozen=True)
class Row:
    """One layer of a table: shapes without the batch axis, learnable weights and biases, multiply-adds."""

    name: str  # conv1, pool1, fc1, ...
    kind: str  # "conv" | "pool" | "dense"
    in_shape: tuple[int, ...]
    out_shape: tuple[int, ...]
    weights: int
    biases: int
    macs: int

    @property
    def params(self) -> int:
        """Weights + biases."""
        return self.weights + self.biases


# the bundled network (explorer.model.ConvNet): two 5x5 "same" convs, each followed by a 2x2 max pool
CONVNET_INPUT = (1, 28, 28)
CONVNET_CONVS = (ConvSpec(32, 5, 1, 2, pool=2), ConvSpec(64, 5, 1, 2, pool=2))
CONVNET_HIDDEN = (1000,)


def _dense_row(name: str, in_features: int, out_features: int) -> Row:
    weights = ops.dense_params(in_features, out_features, bias=False)
    return Row(
        name,
        "dense",
        (in_features,),
        (out_features,),
        weights,
        out_features,
        ops.dense_macs(in_features, out_features),
    )


def _dense_head(rows: list[Row], in_features: int, hidden: Sequence[int], classes: int) -> list[Row]:
    """Append fc layers in_features -> hidden... -> classes, numbered after the existing fc layers."""
    widths = [in_features, *hidden, classes]
    for i, (n_in, n_out) in enumerate(pairwise(widths), start=1):
        rows.append(_dense_row(f"fc{i}", n_in, n_out))
    return rows


def dense_rows(
    input_shape: Sequence[int], hidden_layers: int, width: int, classes: int = CLASSES
) -> list[Row]:
    """A fully connected net: flatten(input) -> `hidden_layers` x Linear(width) -> Linear(classes)."""
    return _dense_head([], prod(input_shape), [width] * hidden_layers, classes)


def cnn_rows(
    input_shape: Sequence[int], convs: Sequence[ConvSpec], hidden: Sequence[int] = (), classes: int = CLASSES
) -> list[Row]:
    """conv (+ pool) per ConvSpec, flatten, Linear(hidden)..., Linear(classes); ValueError: map < 1x1."""
    c, h, w = input_shape
    rows: list[Row] = []
    for i, spec in enumerate(convs, start=1):
        k, s = spec.kernel_size, spec.stride
        p = k // 2 if spec.padding is None else spec.padding
        h_out, w_out = ops.output_shape((h, w), k, s, p)
        weights = ops.conv_params(c, spec.out_channels, k, bias=False)
        macs = ops.conv_macs(c, spec.out_channels, k, (h_out, w_out))
        rows.append(
            Row(
                f"conv{i}",
                "conv",
                (c, h, w),
                (spec.out_channels, h_out, w_out),
                weights,
                spec.out_channels,
                macs,
            )
        )
        c, h, w = spec.out_channels, h_out, w_out
        if spec.pool:
            h_out, w_out = ops.output_shape((h, w), spec.pool, spec.pool, pool=True)
            rows.append(Row(f"pool{i}", "pool", (c, h, w), (c, h_out, w_out), ops.pool_params(), 0, 0))
            h, w = h_out, w_out
    return _dense_head(rows, c * h * w, hidden, classes)


def convnet_rows() -> list[Row]:
    """The bundled ConvNet's table: conv1, pool1, conv2, pool2, fc1 (3136 -> 1000), fc2 (1000 -> 10)."""
    return cnn_rows(CONVNET_INPUT, CONVNET_CONVS, CONVNET_HIDDEN)


def total_params(rows: Sequence[Row]) -> int:
    """Weights + biases of every layer."""
    return sum(r.params for r in rows)


def total_macs(rows: Sequence[Row]) -> int:
    """Multiply-adds of one forward pass of one image."""
    return sum(r.macs for r in rows)


def share(rows: Sequence[Row], name: str) -> tuple[float, float]:
    """(fraction of all parameters, fraction of all multiply-adds) held by layer `name`."""
    row = next(r for r in rows if r.name == name)
    return row.params / total_params(rows), row.macs / max(total_macs(rows), 1)


def largest(rows: Sequence[Row]) -> Row:
    """The layer with the most parameters."""
    return max(rows, key=lambda r: r.params)


def max_conv_layers(input_hw: Sequence[int], kernel_size: int, pool: int, limit: int = 6) -> int:
    """How many identical conv (+ pool) blocks fit before a map would shrink below 1x1 (at most `limit`)."""
    h, w = input_hw
    for n in range(limit):
        try:
            h, w = ops.output_shape((h, w), kernel_size, 1, kernel_size // 2)
            if pool:
                h, w = ops.output_shape((h, w), pool, pool, pool=True)
        except ValueError:
            return n
    return limit


def dense_equivalent(in_shape: Sequence[int], out_shape: Sequence[int]) -> int:
    """Parameters of a Linear layer with the same input and output sizes (all inputs to all outputs)."""
    return ops.dense_params(prod(in_shape), prod(out_shape))


# ----------------------------------------------------------------------------------------------------
# receptive fields in the bundled network


RF_LAYERS = tuple(layer.name for layer in ops.CONVNET_LAYERS)  # conv1, pool1, conv2, pool2


def convnet_chain(layer: str) -> list[ops.Layer]:
    """ops.CONVNET_LAYERS up to and including `layer`."""
    names = [lay.name for lay in ops.CONVNET_LAYERS]
    return ops.CONVNET_LAYERS[: names.index(layer) + 1]


def layer_hw(layer: str) -> tuple[int, int]:
    """(H, W) of one channel of `layer`'s output for a 28x28 input."""
    return ops.chain_shapes(convnet_chain(layer), CONVNET_INPUT[1:])[-1]


def receptive_field(layer: str, row: int, col: int) -> tuple[int, int, int, int]:
    """Input box (top, left, bottom, right), ends exclusive, that feeds output cell (row, col) of `layer`."""
    return ops.receptive_field(convnet_chain(layer), row, col, CONVNET_INPUT[1:])


def receptive_field_size(layer: str) -> int:
    """Side of the full (unclipped) receptive field of one `layer` cell: 5, 6, 14, 16 for conv1..pool2."""
    size = 1
    for lay in reversed(convnet_chain(layer)):
        size = (size - 1) * lay.stride + lay.dilation * (lay.kernel_size - 1) + 1
    return size
