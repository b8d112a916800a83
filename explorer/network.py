"""The bundled ConvNet as the Feature maps page explains it: pipeline stages with shapes and parameter counts,
channel ordering and scaling, learned filters, a what-if forward pass with one edited conv1 filter, and the model
card's numbers.

Nothing here modifies the model: the edited filter goes into a copy of conv1.weight that is passed to
ConvNet.activations(x, conv1_weight=...) for one call.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
import torch
from torch import nn

from explorer import kernels
from explorer.model import ConvNet
from explorer.preprocess import to_input

LAYERS = ("conv1", "conv2")  # the layers whose channels the page shows
KINDS = ("conv", "relu", "pool")  # what a conv stage can show: the raw conv output, after ReLU, after pooling
FILTER_SIZE = 5  # conv1 and conv2 are 5x5
MAX_WEIGHT = 100.0  # |w| bound for an edited filter (the learned ones are well below 1)

# stage name in ConvNet.activations() -> the module holding its parameters (None: no parameters)
_STAGE_MODULE = {"conv1": "conv1", "conv2": "conv2", "fc1": "fc1", "logits": "fc2"}
# how the strip labels a stage (the tutorial's names; "logits" is fc2's output)
STAGE_LABELS = {"relu1": "ReLU", "relu2": "ReLU", "logits": "fc2"}


@dataclass(frozen=True)
class Stage:
    """One step of the pipeline: activations() name, label, output shape (no batch axis), parameters."""

    name: str
    label: str
    shape: tuple[int, ...]
    params: int
    formula: str  # how params is counted, e.g. "32·(1·5·5) + 32"; "" when there are none


class FilterError(ValueError):
    """An edited filter that can't be used; `key` names the message (explorer/locales/feature_maps.py)."""

    def __init__(self, key: str, message: str):
        super().__init__(message)
        self.key = key


def stage_name(layer: str, kind: str) -> str:
    """('conv2', 'relu') -> 'relu2': the activations() key of one stage of a conv layer."""
    if layer not in LAYERS or kind not in KINDS:
        raise ValueError(f"unknown layer/stage {layer!r}/{kind!r}")
    return kind + layer[-1]


def _param_formula(module: nn.Module) -> str:
    """The parameter count as the arithmetic behind it: out·(in·kH·kW) + out or out·in + out."""
    w = module.weight
    bias = f" + {w.shape[0]}" if getattr(module, "bias", None) is not None else ""
    if w.dim() == 4:  # (out, in, kH, kW)
        o, i, kh, kw = w.shape
        return f"{o}·({i}·{kh}·{kw}){bias}"
    o, i = w.shape  # (out, in)
    return f"{o}·{i}{bias}"


def pipeline(model: ConvNet) -> list[Stage]:
    """Every stage of the forward pass in order, with the shape it produces and the parameters it owns."""
    with torch.inference_mode():
        acts = model.activations(torch.zeros(1, 1, 28, 28))
    stages = []
    for name, a in acts.items():
        module = getattr(model, _STAGE_MODULE[name]) if name in _STAGE_MODULE else None
        params = sum(p.numel() for p in module.parameters()) if module is not None else 0
        formula = _param_formula(module) if module is not None else ""
        stages.append(Stage(name, STAGE_LABELS.get(name, name), tuple(a.shape[1:]), params, formula))
    return stages


@cache
def stages(model: ConvNet) -> tuple[Stage, ...]:
    """pipeline(model), computed once per model object (the shared model lives as long as the process)."""
    return tuple(pipeline(model))


def activations(
    model: ConvNet, digit: np.ndarray, conv1_weight: torch.Tensor | None = None
) -> dict[str, np.ndarray]:
    """Every stage for one 28x28 digit as numpy arrays without the batch axis (optionally with other conv1 filters)."""
    with torch.inference_mode():
        acts = model.activations(to_input(digit), conv1_weight=conv1_weight)  # each (1, ...)
    return {name: a[0].numpy() for name, a in acts.items()}


def strength(maps: np.ndarray) -> np.ndarray:
    """How strongly each channel fires: the mean of its positive part, (C, H, W) -> (C,)."""
    return np.maximum(maps, 0).reshape(len(maps), -1).mean(axis=1)


def channel_order(maps: np.ndarray, by_strength: bool) -> np.ndarray:
    """Channel indices in display order: 0..C-1, or strongest first (ties keep channel order)."""
    if not by_strength:
        return np.arange(len(maps))
    return np.argsort(-strength(maps), kind="stable")


def normalise_channels(maps: np.ndarray) -> np.ndarray:
    """Each map divided by its own largest |value| (a silent channel stays 0), (C, H, W) -> same shape."""
    peak = np.abs(maps).reshape(len(maps), -1).max(axis=1)  # (C,)
    return maps / np.where(peak > 0, peak, 1.0)[:, None, None]


def channel_stats(a: np.ndarray) -> tuple[float, float]:
    """(mean, max) of one map."""
    return float(a.mean()), float(a.max())


def layer_filters(model: ConvNet, layer: str, channel: int) -> np.ndarray:
    """The learned filter of one output channel as a copy, (in_channels, kH, kW): (1, 5, 5) or (32, 5, 5)."""
    return getattr(model, layer).weight[channel].detach().numpy().copy()


def layer_bias(model: ConvNet, layer: str, channel: int) -> float:
    """The bias of one output channel."""
    return float(getattr(model, layer).bias.detach()[channel])


def conv1_filters(model: ConvNet) -> np.ndarray:
    """All learned conv1 filters as a copy, (32, 5, 5)."""
    return model.conv1.weight.detach()[:, 0].numpy().copy()


def fit_kernel(kernel: np.ndarray, size: int = FILTER_SIZE) -> np.ndarray:
    """A kernel centred in a size x size grid: zero-padded if smaller (same effect), centre-cropped if larger."""
    k = np.asarray(kernel, dtype=np.float32)
    out = np.zeros((size, size), dtype=np.float32)
    h, w = min(k.shape[0], size), min(k.shape[1], size)
    kt, kl = (k.shape[0] - h) // 2, (k.shape[1] - w) // 2  # crop offsets into k
    ot, ol = (size - h) // 2, (size - w) // 2  # paste offsets into out
    out[ot : ot + h, ol : ol + w] = k[kt : kt + h, kl : kl + w]
    return out


def match_strength(kernel: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """`kernel` rescaled so its largest |weight| equals the reference's (keeps a preset comparable to the learned one)."""
    k = np.asarray(kernel, dtype=np.float32)
    peak, ref = float(np.abs(k).max()), float(np.abs(reference).max())
    return k if peak == 0 else (k * (ref / peak)).astype(np.float32)


def validate_filter(values, size: int = FILTER_SIZE) -> np.ndarray:
    """A size x size float32 filter, or FilterError('fm.error_shape' | 'fm.error_value' | 'fm.error_large')."""
    try:
        k = np.asarray(values, dtype=np.float32)
    except (TypeError, ValueError) as e:
        raise FilterError("fm.error_value", f"not numbers: {e}") from e
    if k.shape != (size, size):
        raise FilterError("fm.error_shape", f"a filter must be {size}x{size}, got {k.shape}")
    if not np.isfinite(k).all():
        raise FilterError("fm.error_value", "every weight must be a finite number")
    if np.abs(k).max() > MAX_WEIGHT:
        raise FilterError("fm.error_large", f"weights must lie in [-{MAX_WEIGHT:g}, {MAX_WEIGHT:g}]")
    return k


ZEROS = "zeros"  # an extra "preset": switch a channel off


def preset_names() -> tuple[str, ...]:
    """The kernels a conv1 filter can be replaced with: explorer.kernels' presets plus all zeros."""
    return (*kernels.PRESET_NAMES, ZEROS)


def preset_filter(name: str, reference: np.ndarray | None = None) -> np.ndarray:
    """A named kernel as a 5x5 filter (zero-padded or cropped), rescaled to `reference`'s strength if given."""
    if name == ZEROS:
        return np.zeros((FILTER_SIZE, FILTER_SIZE), dtype=np.float32)
    k = fit_kernel(kernels.preset(name))
    return match_strength(k, reference) if reference is not None else k


def apply_cell_edit(base: np.ndarray, row: int, col: int, text: str) -> np.ndarray:
    """A copy of `base` with weight (row, col) set to the typed `text` ("0,5", "−1", "1/9"); FilterError
    ('fm.error_value') for a box that isn't a number, then validate_filter's checks."""
    try:
        k = kernels.with_weight(base, row, col, text, dtype=np.float32)
    except ValueError as e:
        key = "fm.error_shape" if e.args[0] == "kernel_shape" else "fm.error_value"
        raise FilterError(key, f"weight ({row}, {col}) = {text!r} in a {np.shape(base)} filter") from e
    return validate_filter(k)


def edited_conv1_weight(model: ConvNet, channel: int, kernel: np.ndarray) -> torch.Tensor:
    """A COPY of conv1.weight (32, 1, 5, 5) with filter `channel` replaced; the model itself is untouched."""
    k = validate_filter(kernel)
    weight = model.conv1.weight.detach().clone()  # (32, 1, 5, 5), new storage
    weight[channel, 0] = torch.from_numpy(k)
    return weight


def fire_map(relu_map: np.ndarray, size: int = 28) -> np.ndarray:
    """Where a channel fires, on the input grid: its ReLU map scaled to [0, 1], nearest-upsampled to size x size."""
    # 1 for conv1 (28x28); 2 for conv2 (14x14), whose cells each sit over a 2x2 block of the input
    factor = size // relu_map.shape[0]
    peak = float(relu_map.max())
    scaled = relu_map / peak if peak > 0 else np.zeros_like(relu_map)
    return np.kron(scaled, np.ones((factor, factor), dtype=scaled.dtype)).astype(np.float32)


def card_numbers(card: dict) -> dict:
    """The model card's figures the page shows: accuracy, per-class accuracy, parameters, history per epoch."""
    params = card.get("architecture", {}).get("parameters", {})
    history = card.get("history", [])
    return {
        "test_accuracy": card.get("test_accuracy"),
        "test_size": card.get("data", {}).get("test_size"),
        "per_class": list(card.get("per_class_accuracy", [])),
        "parameters": dict(params),
        "total_parameters": card.get("architecture", {}).get("total_parameters", sum(params.values())),
        "epochs": [h["epoch"] for h in history],
        "history": {
            key: [h.get(key) for h in history]
            for key in ("train_loss", "test_loss", "train_accuracy", "test_accuracy")
        },
    }
