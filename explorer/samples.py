"""A handful of MNIST test digits bundled with the app (pretrained/samples.npz), so students can start from a
real example. Not the dataset: 2 images per class, the first ones of the test split.

Rebuild: `python -m explorer.samples --data-root ../shared/data`.
"""

from __future__ import annotations

import argparse
import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

SAMPLES_PATH = Path(__file__).resolve().parent.parent / "pretrained" / "samples.npz"
PER_CLASS = 2


@dataclass(frozen=True)
class Samples:
    """MNIST test digits: images (N, 28, 28) uint8 (ink = 255), labels (N,), their indices in the test split."""

    images: np.ndarray
    labels: np.ndarray
    indices: np.ndarray

    def __len__(self) -> int:
        return len(self.labels)

    def digit(self, i: int) -> np.ndarray:
        """Sample `i` as the app's 28x28 float32 digit in [0, 1]."""
        return self.images[i].astype(np.float32) / 255.0

    def of_class(self, label: int) -> list[int]:
        """Positions of the samples whose label is `label`."""
        return [int(i) for i in np.flatnonzero(self.labels == label)]


def build_samples(data_root: str | Path, per_class: int = PER_CLASS) -> Samples:
    """The first `per_class` test images of every digit, from torchvision's MNIST files (no download)."""
    from torchvision.datasets import MNIST

    test = MNIST(str(data_root), train=False, download=False)
    labels = test.targets.numpy()
    picked = np.sort(np.concatenate([np.flatnonzero(labels == d)[:per_class] for d in range(10)]))
    order = np.argsort(labels[picked], kind="stable")  # grouped by class: 0, 0, 1, 1, ...
    indices = picked[order]
    return Samples(
        images=test.data.numpy()[indices].astype(np.uint8),  # (N, 28, 28)
        labels=labels[indices].astype(np.int64),
        indices=indices.astype(np.int64),
    )


def save_samples(samples: Samples, path: str | Path = SAMPLES_PATH) -> None:
    """Write the samples as a compressed .npz."""
    np.savez_compressed(path, images=samples.images, labels=samples.labels, indices=samples.indices)


@cache
def load_samples(path: str | Path = SAMPLES_PATH) -> Samples:
    """The bundled samples (read once per process)."""
    with np.load(path) as f:
        return Samples(images=f["images"], labels=f["labels"], indices=f["indices"])


def main(argv: list[str] | None = None) -> int:
    """Command line: rebuild pretrained/samples.npz from the MNIST test split."""
    parser = argparse.ArgumentParser(prog="python -m explorer.samples", description=main.__doc__)
    parser.add_argument("--data-root", default=os.environ.get("EXPLORER_DATA_ROOT", "../shared/data"))
    parser.add_argument("--per-class", type=int, default=PER_CLASS)
    parser.add_argument("--out", default=str(SAMPLES_PATH))
    args = parser.parse_args(argv)
    samples = build_samples(args.data_root, args.per_class)
    save_samples(samples, args.out)
    print(f"wrote {len(samples)} samples to {args.out}: labels {samples.labels.tolist()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
