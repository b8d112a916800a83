"""The tutorial's ConvNet, loading the bundled weights (sha256-checked), and every intermediate activation."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

PRETRAINED_DIR = Path(__file__).resolve().parent.parent / "pretrained"
WEIGHTS_PATH = PRETRAINED_DIR / "convnet_mnist.pt"
CARD_PATH = PRETRAINED_DIR / "model_card.json"

# (name, shape without batch) of every stage activations() returns, in order
STAGES = [
    ("input", (1, 28, 28)),
    ("conv1", (32, 28, 28)),
    ("relu1", (32, 28, 28)),
    ("pool1", (32, 14, 14)),
    ("conv2", (64, 14, 14)),
    ("relu2", (64, 14, 14)),
    ("pool2", (64, 7, 7)),
    ("flatten", (3136,)),
    ("fc1", (1000,)),
    ("logits", (10,)),
    ("softmax", (10,)),
]


class ConvNet(nn.Module):
    """conv 1->32 5x5 pad 2, ReLU, maxpool 2; conv 32->64 5x5 pad 2, ReLU, maxpool 2; dropout; fc 3136->1000->10."""

    def __init__(self, dropout: float = 0.5):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 32, kernel_size=5, stride=1, padding=2)
        self.conv2 = nn.Conv2d(32, 64, kernel_size=5, stride=1, padding=2)
        self.dropout = nn.Dropout(dropout)
        self.fc1 = nn.Linear(7 * 7 * 64, 1000)
        self.fc2 = nn.Linear(1000, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.activations(x)["logits"]

    def activations(
        self, x: torch.Tensor, conv1_weight: torch.Tensor | None = None
    ) -> dict[str, torch.Tensor]:
        """Every intermediate tensor by name (see STAGES); `conv1_weight` replaces conv1's filters for this call."""
        # x: (B, 1, 28, 28), normalised
        out = {"input": x}
        w1 = self.conv1.weight if conv1_weight is None else conv1_weight
        out["conv1"] = F.conv2d(x, w1, self.conv1.bias, padding=2)  # (B, 32, 28, 28)
        out["relu1"] = F.relu(out["conv1"])
        out["pool1"] = F.max_pool2d(out["relu1"], 2)  # (B, 32, 14, 14)
        out["conv2"] = self.conv2(out["pool1"])  # (B, 64, 14, 14)
        out["relu2"] = F.relu(out["conv2"])
        out["pool2"] = F.max_pool2d(out["relu2"], 2)  # (B, 64, 7, 7)
        out["flatten"] = out["pool2"].flatten(1)  # (B, 3136)
        # a ReLU between fc1 and fc2: without it the two layers collapse into one linear map (see the model card)
        out["fc1"] = F.relu(self.fc1(self.dropout(out["flatten"])))  # (B, 1000)
        out["logits"] = self.fc2(out["fc1"])  # (B, 10)
        out["softmax"] = out["logits"].softmax(dim=1)
        return out


def torch_for_serving() -> None:
    """torch settings for a shared 2-core server answering many small requests (the app calls it once it uses torch)."""
    # One intra-op thread: under load torch's thread pool made a 0.2 ms 28x28 conv take 4-40 ms.
    torch.set_num_threads(1)
    # Streamlit runs every rerun in a new thread, and oneDNN (mkldnn) sets itself up per thread: the first conv of
    # each thread took ~4.5 ms here, against 0.3 ms for PyTorch's own CPU kernels, which are as fast as a warm
    # oneDNN at these sizes (benchmarks/README.md).
    torch.backends.mkldnn.enabled = False


class WeightsError(RuntimeError):
    """The bundled weights are missing, damaged or don't match the model card; `key` names the message."""

    def __init__(self, key: str, message: str):
        super().__init__(message)
        self.key = key


def sha256(path: Path) -> str:
    """Hex sha256 of a file."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def load_card(path: Path = CARD_PATH) -> dict:
    """The model card (architecture, recipe, metrics, history, sha256)."""
    if not path.is_file():
        raise WeightsError("weights_missing", f"model card not found: {path}")
    try:
        card = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise WeightsError("weights_corrupt", f"model card unreadable: {path}: {e}") from e
    if not isinstance(card, dict):
        raise WeightsError("weights_corrupt", f"model card unreadable: {path}: not a JSON object")
    return card


def load_pretrained(weights: Path = WEIGHTS_PATH, card: Path = CARD_PATH) -> ConvNet:
    """The bundled ConvNet in eval mode; raises WeightsError when the file is absent or its sha256 differs."""
    if not Path(weights).is_file():
        raise WeightsError(
            "weights_missing", f"weights not found: {weights} (run `python -m explorer train`)"
        )
    expected = load_card(card).get("sha256")
    actual = sha256(Path(weights))
    if actual != expected:
        raise WeightsError(
            "weights_mismatch", f"weights {weights} have sha256 {actual}, the model card says {expected}"
        )
    model = ConvNet()
    try:
        state = torch.load(weights, map_location="cpu", weights_only=True)
        model.load_state_dict(state)
    except Exception as e:  # truncated or foreign file that still matched a (stale) card
        raise WeightsError("weights_corrupt", f"weights unreadable: {weights}: {e}") from e
    return model.eval()


def count_parameters(model: nn.Module) -> dict[str, int]:
    """Parameters per layer (weights + biases), e.g. {'conv1': 832, ...}."""
    return {
        name: sum(p.numel() for p in mod.parameters())
        for name, mod in model.named_children()
        if any(True for _ in mod.parameters())
    }


@torch.inference_mode()
def predict(model: ConvNet, x: torch.Tensor) -> torch.Tensor:
    """Probabilities (B, 10) for normalised inputs (B, 1, 28, 28)."""
    return model(x).softmax(dim=1)
