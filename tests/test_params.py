"""explorer.params against torch: parameter counts = sum(p.numel()), shapes and multiply-adds from real forward
passes, receptive fields = the input pixels with a non-zero gradient."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from explorer import ops, params
from explorer.model import STAGES, ConvNet, count_parameters


@pytest.fixture(autouse=True, scope="module")
def one_thread():
    """Tiny tensors: thread start-up costs more than the work on a shared 2-core machine."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def numel(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


def torch_dense(input_shape, hidden_layers, width, classes=params.CLASSES) -> list[nn.Linear]:
    widths = [int(np.prod(input_shape)), *([width] * hidden_layers), classes]
    return [nn.Linear(a, b, device="meta") for a, b in itertools.pairwise(widths)]


def torch_cnn(input_shape, convs, hidden=(), classes=params.CLASSES):
    """(layers, output shapes) of the equivalent torch chain. The modules live on the meta device (real
    parameter shapes, no memory); the spatial sizes come from running the same geometry on one real channel."""
    c, h, w = input_shape
    x = torch.zeros(1, 1, h, w)  # (1, 1, H, W): sizes do not depend on the channel count
    layers, shapes = [], []
    for spec in convs:
        padding = spec.kernel_size // 2 if spec.padding is None else spec.padding
        conv = nn.Conv2d(c, spec.out_channels, spec.kernel_size, spec.stride, padding, device="meta")
        x = F.conv2d(x, torch.zeros(1, 1, *conv.kernel_size), stride=conv.stride, padding=conv.padding)
        layers.append(conv)
        c = spec.out_channels
        shapes.append((c, *x.shape[-2:]))
        if spec.pool:
            pool = nn.MaxPool2d(spec.pool)
            x = pool(x)
            layers.append(pool)
            shapes.append((c, *x.shape[-2:]))
    features = c * x.shape[-2] * x.shape[-1]
    for n in [*hidden, classes]:
        layers.append(nn.Linear(features, n, device="meta"))
        shapes.append((n,))
        features = n
    return layers, shapes


def macs(layer: nn.Module, out_shape) -> int:
    """Multiply-adds counted from the torch module and its measured output: one per weight per output position."""
    if isinstance(layer, nn.Conv2d):
        return int(np.prod(out_shape[1:])) * layer.weight.numel()
    if isinstance(layer, nn.Linear):
        return layer.weight.numel()
    return 0


@pytest.mark.parametrize("input_shape", [(1, 28, 28), (3, 32, 32), (3, 224, 224), (1, 5, 7)])
@pytest.mark.parametrize("hidden_layers", [0, 1, 3])
@pytest.mark.parametrize("width", [1, 16, 1000])
def test_dense_counts_equal_torch(input_shape, hidden_layers, width):
    rows = params.dense_rows(input_shape, hidden_layers, width)
    layers = torch_dense(input_shape, hidden_layers, width)
    assert [r.params for r in rows] == [numel(m) for m in layers]
    assert [r.weights for r in rows] == [m.weight.numel() for m in layers]
    assert [r.macs for r in rows] == [m.weight.numel() for m in layers]
    assert params.total_params(rows) == sum(numel(m) for m in layers)
    assert [r.name for r in rows] == [f"fc{i}" for i in range(1, hidden_layers + 2)]


CNN_CASES = [
    ((1, 28, 28), [params.ConvSpec(32, 5, pool=2), params.ConvSpec(64, 5, pool=2)], ()),
    ((3, 32, 32), [params.ConvSpec(8, 3)], ()),
    (
        (3, 64, 64),
        [params.ConvSpec(16, 3, pool=2), params.ConvSpec(32, 3, pool=2), params.ConvSpec(64, 3)],
        (128,),
    ),
    (
        (1, 28, 28),
        [params.ConvSpec(6, 5, padding=0, pool=2), params.ConvSpec(16, 5, padding=0, pool=2)],
        (120, 84),
    ),
    (
        (3, 224, 224),
        [params.ConvSpec(64, 7, stride=2, padding=3, pool=2), params.ConvSpec(128, 3, pool=2)],
        (),
    ),
    ((1, 9, 11), [params.ConvSpec(4, 1), params.ConvSpec(2, 3, stride=2, padding=1, pool=3)], (5,)),
    ((3, 28, 28), [params.ConvSpec(8, 7, pool=2)] + [params.ConvSpec(16, 7, pool=2)] * 3, ()),
]


@pytest.mark.parametrize("input_shape,convs,hidden", CNN_CASES)
def test_cnn_counts_shapes_and_macs_equal_torch(input_shape, convs, hidden):
    rows = params.cnn_rows(input_shape, convs, hidden)
    layers, shapes = torch_cnn(input_shape, convs, hidden)
    assert [r.out_shape for r in rows] == shapes
    assert [r.params for r in rows] == [numel(m) for m in layers]
    assert [r.macs for r in rows] == [macs(m, s) for m, s in zip(layers, shapes, strict=True)]
    assert params.total_params(rows) == sum(numel(m) for m in layers)
    ins = [tuple(input_shape), *shapes[:-1]]
    assert [r.in_shape for r in rows] == [
        (int(np.prod(s)),) if r.kind == "dense" else s for r, s in zip(rows, ins, strict=True)
    ]


def test_calculator_cnn_of_the_page_matches_torch_for_every_setting():
    """Every combination the page offers (side, channels, kernel, pool, filters, layers up to the limit)."""
    for side, c, k, pool, filters in itertools.product((28, 32, 64), (1, 3), (3, 5, 7), (0, 2), (8, 64)):
        most = params.max_conv_layers((side, side), k, pool, limit=5)
        for n in (1, most):
            convs = [params.ConvSpec(filters * 2**i, k, pool=pool) for i in range(n)]
            rows = params.cnn_rows((c, side, side), convs)
            layers, shapes = torch_cnn((c, side, side), convs)
            assert params.total_params(rows) == sum(numel(m) for m in layers), (side, c, k, pool, filters, n)
            assert params.total_macs(rows) == sum(macs(m, s) for m, s in zip(layers, shapes, strict=True))


@pytest.mark.parametrize("side", [28, 32, 224])
@pytest.mark.parametrize("kernel_size", [3, 5, 7])
@pytest.mark.parametrize("pool", [0, 2])
def test_max_conv_layers_is_where_torch_stops(side, kernel_size, pool):
    n = params.max_conv_layers((side, side), kernel_size, pool, limit=6)
    x = torch.zeros(1, 1, side, side)
    for i in range(n):
        x = F.conv2d(x, torch.zeros(1, 1, kernel_size, kernel_size), padding=kernel_size // 2)
        if pool:
            x = F.max_pool2d(x, pool)
        assert min(x.shape[-2:]) >= 1, i
    if n < 6:  # one more block does not fit (only pooling shrinks the maps: "same" convs keep the size)
        x = F.conv2d(x, torch.zeros(1, 1, kernel_size, kernel_size), padding=kernel_size // 2)
        with pytest.raises(RuntimeError):
            F.max_pool2d(x, pool)
    else:
        assert pool == 0 or side >= 2**6
    assert n >= 4  # the page's conv-layer slider never collapses to a single value


def test_bundled_network_table_equals_the_model():
    model = ConvNet()
    rows = params.convnet_rows()
    per_layer = count_parameters(model)
    assert {r.name: r.params for r in rows if r.params} == per_layer
    assert params.total_params(rows) == numel(model) == 3_199_106
    stage_shapes = dict(STAGES)
    assert [r.out_shape for r in rows[:4]] == [stage_shapes[n] for n in ("conv1", "pool1", "conv2", "pool2")]
    with torch.no_grad():
        acts = model.eval().activations(torch.zeros(1, 1, 28, 28))
    assert [r.out_shape for r in rows] == [
        tuple(acts[n].shape[1:]) for n in ("conv1", "pool1", "conv2", "pool2", "fc1", "logits")
    ]
    p_share, m_share = params.share(rows, "fc1")
    assert params.largest(rows).name == "fc1"
    assert p_share == pytest.approx(3_137_000 / 3_199_106) and p_share > 0.98
    assert m_share == pytest.approx(3_136_000 / (627_200 + 10_035_200 + 3_136_000 + 10_000))


def test_dense_equivalent_of_conv1():
    conv1 = params.convnet_rows()[0]
    dense = nn.Linear(784, 32 * 28 * 28, device="meta")
    assert params.dense_equivalent(conv1.in_shape, conv1.out_shape) == numel(dense) == 19_694_080
    assert numel(ConvNet().conv1) == 832


# ---------------------------------------------------------------------------------------------------
# receptive fields: the input pixels with a non-zero gradient for one output cell


def positive_chain(layer: str, pool: str):
    """The bundled network's geometry up to `layer`, one channel, all weights 1 (nothing cancels, ReLU is
    irrelevant for positive inputs). conv geometry is read from ConvNet's modules; the model pools with
    F.max_pool2d(x, 2)."""
    model = ConvNet()
    convs = {"conv1": model.conv1, "conv2": model.conv2}
    steps = []
    for name in params.RF_LAYERS[: params.RF_LAYERS.index(layer) + 1]:
        if name.startswith("conv"):
            m = convs[name]
            weight = torch.ones(1, 1, *m.kernel_size, dtype=torch.float64)
            steps.append(lambda x, m=m, w=weight: F.conv2d(x, w, stride=m.stride, padding=m.padding))
        else:
            steps.append(lambda x: F.max_pool2d(x, 2) if pool == "max" else F.avg_pool2d(x, 2))

    def run(x):
        for step in steps:
            x = step(x)
        return x

    return run


def gradient_mask(run, row, col, inputs) -> np.ndarray:
    """Pixels with a non-zero gradient of output (row, col), over every input of the batch."""
    x = inputs.clone().requires_grad_(True)
    run(x)[:, 0, row, col].sum().backward()  # batch items are independent: each gets its own gradient
    return (x.grad.abs().sum(dim=(0, 1)) > 0).numpy()


def gradient_masks(run, cells, image) -> np.ndarray:
    """(len(cells), 28, 28): one copy of `image` per cell in one batch, each copy differentiated for its cell."""
    x = image.repeat(len(cells), 1, 1, 1).requires_grad_(True)  # (N, 1, 28, 28)
    rows, cols = (torch.tensor(v) for v in zip(*cells, strict=True))
    run(x)[torch.arange(len(cells)), 0, rows, cols].sum().backward()
    return (x.grad[:, 0] != 0).numpy()


def box_mask(box) -> np.ndarray:
    top, left, bottom, right = box
    mask = np.zeros((28, 28), dtype=bool)
    mask[top:bottom, left:right] = True
    return mask


@pytest.mark.parametrize("layer", params.RF_LAYERS)
def test_receptive_field_equals_gradient_support_for_every_cell(layer):
    """With average pooling every pixel of a window gets gradient, so the support is the whole field.

    Average and max pooling have the same windows, hence the same receptive field (the set of pixels that *can*
    influence the cell); max pooling only routes the gradient of one input to its winner (next test)."""
    run = positive_chain(layer, "avg")
    x = torch.ones(1, 1, 28, 28, dtype=torch.float64)
    h, w = params.layer_hw(layer)
    assert run(x).shape[-2:] == (h, w)
    cells = list(itertools.product(range(h), range(w)))
    for (row, col), expected in zip(cells, gradient_masks(run, cells, x), strict=True):
        box = params.receptive_field(layer, row, col)
        assert np.array_equal(box_mask(box), expected), (layer, row, col, box)
        assert np.array_equal(ops.receptive_field_mask(params.convnet_chain(layer), row, col), expected)


@pytest.mark.parametrize("layer", ["pool1", "conv2", "pool2"])
def test_receptive_field_with_max_pooling(layer):
    """Through max pooling one input's gradient reaches only the winners: always inside the field, and over many
    random inputs the winners cover all of it."""
    run = positive_chain(layer, "max")
    x = torch.rand(512, 1, 28, 28, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    h, w = params.layer_hw(layer)
    for row, col in [(0, 0), (h // 2, w // 2), (h - 1, w - 1), (1, w - 2), (h // 3, 0)]:
        expected = box_mask(params.receptive_field(layer, row, col))
        one = gradient_mask(run, row, col, x[:1])
        assert not (one & ~expected).any(), (layer, row, col)
        if (row, col) == (h // 2, w // 2):  # away from the border one input never reaches the whole field
            assert one.sum() < expected.sum()
        assert np.array_equal(gradient_mask(run, row, col, x), expected), (layer, row, col)


def test_receptive_field_sizes():
    assert [params.receptive_field_size(n) for n in params.RF_LAYERS] == [5, 6, 14, 16]
    assert params.receptive_field("pool2", 3, 3) == (6, 6, 22, 22)
    assert params.receptive_field("pool2", 0, 0) == (0, 0, 10, 10)  # clipped: the rest is zero padding
    assert params.receptive_field("conv1", 27, 27) == (25, 25, 28, 28)
    assert [params.layer_hw(n) for n in params.RF_LAYERS] == [(28, 28), (14, 14), (14, 14), (7, 7)]
