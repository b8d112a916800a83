"""Accuracy of the bundled model on digits that do not look like MNIST's framing (issue 3's robustness budget).

1. Canvases: each MNIST test digit redrawn on a 280x280 canvas at a random place and size (digit height 25-90 %
   of the canvas) in three encodings -- white on black grayscale, dark ink on light paper (RGB), strokes on a
   transparent background (RGBA, ink in alpha) -- saved as PNG bytes and read back through
   explorer.preprocess.load_image + preprocess, exactly like an upload or the drawing canvas. Budget: >= 99 %.
2. Style proxies for other handwriting collections, on the 28x28 digits re-framed by preprocess_array: thick and
   thin strokes (grey-level dilation / erosion), slight rotations, slant (shear).
3. Phone photos: dark pencil on paper with uneven light, sensor noise, specks and a shadow along one edge, JPEG.

    .venv/bin/python -m benchmarks.robustness [--n 10000] [--seed 0]

Prints tables and writes benchmarks/results/robustness.json.
"""

from __future__ import annotations

import argparse
import io
import json
import math
import os
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

from benchmarks.common import machine_line, table
from explorer.model import load_card, load_pretrained
from explorer.preprocess import MNIST_MEAN, MNIST_STD, load_image, preprocess, preprocess_array

ROOT = Path(__file__).resolve().parents[1]
DATA_ROOT = Path(os.environ.get("EXPLORER_DATA_ROOT", ROOT.parent / "shared" / "data"))
RESULTS = ROOT / "benchmarks" / "results" / "robustness.json"
BUDGET = 0.99
CANVAS = 280
CHUNK = 250  # digits per task sent to a worker process
ENCODINGS = {"white on black (L)": "L", "dark on light (RGB)": "RGB", "strokes on transparent (RGBA)": "RGBA"}


def mnist_test(data_root: Path) -> tuple[np.ndarray, np.ndarray]:
    """The MNIST test split: uint8 (10000, 28, 28) and labels."""
    raw = data_root / "MNIST" / "raw"
    images = np.frombuffer((raw / "t10k-images-idx3-ubyte").read_bytes(), np.uint8, offset=16).reshape(
        -1, 28, 28
    )
    return images, np.frombuffer((raw / "t10k-labels-idx1-ubyte").read_bytes(), np.uint8, offset=8)


def draw(digit: np.ndarray, height: float, where: tuple[float, float], encoding: str) -> Image.Image:
    """The digit's ink box scaled to `height` of the canvas (narrower if too wide), at `where` of the free space."""
    ys, xs = np.nonzero(digit)
    crop = digit[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1]
    h = max(2, round(CANVAS * height))
    w = max(1, round(crop.shape[1] * h / crop.shape[0]))
    if w > CANVAS:
        h, w = max(2, round(h * CANVAS / w)), CANVAS
    ink = np.zeros((CANVAS, CANVAS), np.uint8)
    top, left = round((CANVAS - h) * where[0]), round((CANVAS - w) * where[1])
    ink[top : top + h, left : left + w] = np.asarray(
        Image.fromarray(crop).resize((w, h), Image.Resampling.BICUBIC)
    )
    if encoding == "L":
        return Image.fromarray(ink, "L")
    if encoding == "RGB":
        a = ink[..., None].astype(np.float32) / 255.0
        return Image.fromarray(
            (np.array([245, 240, 228]) * (1 - a) + np.array([25, 35, 95]) * a).astype(np.uint8)
        )
    rgba = np.zeros((CANVAS, CANVAS, 4), np.uint8)
    rgba[..., 3] = ink
    return Image.fromarray(rgba, "RGBA")


def photo(digit: np.ndarray, rng: np.random.Generator, size: int = 400) -> Image.Image:
    """Pencil on paper photographed by a phone: light from one side, noise, specks, the table along one edge."""
    ys, xs = np.nonzero(digit)
    crop = digit[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1]
    h = round(size * rng.uniform(0.3, 0.6))
    w = min(round(crop.shape[1] * h / crop.shape[0]), size - 120)
    band = round(size * rng.uniform(0.04, 0.08))
    ink = np.zeros((size, size))
    top, left = (
        rng.integers(band + 10, size - h - band - 10 + 1),
        rng.integers(band + 10, size - w - band - 10 + 1),
    )
    ink[top : top + h, left : left + w] = np.asarray(
        Image.fromarray(crop).resize((w, h), Image.Resampling.BICUBIC)
    )
    yy, xx = np.mgrid[0:size, 0:size] / size
    img = (
        0.95
        - 0.3 * (rng.uniform(0.3, 1) * xx + rng.uniform(0, 0.6) * yy)
        - 0.15 * ((xx - 0.5) ** 2 + (yy - 0.5) ** 2)
    )
    img = img * (1 - 0.75 * ink / 255.0)
    side = [np.s_[:band, :], np.s_[-band:, :], np.s_[:, :band], np.s_[:, -band:]][rng.integers(4)]
    img[side] *= 0.35  # the table beside the sheet (not touching the digit)
    for _ in range(20):
        cy, cx = rng.integers(0, size, 2)
        img[(yy * size - cy) ** 2 + (xx * size - cx) ** 2 < rng.uniform(1, 5)] *= 0.4
    img = img + rng.normal(0, 0.03, img.shape)
    rgb = np.clip(np.stack([img, img * 0.98, img * 0.93], -1) * 255, 0, 255).astype(np.uint8)
    return Image.fromarray(rgb, "RGB")


def encode(img: Image.Image, fmt: str = "PNG") -> bytes:
    buf = io.BytesIO()
    img.save(buf, fmt, **({"compress_level": 1} if fmt == "PNG" else {"quality": 80}))
    return buf.getvalue()


@torch.inference_mode()
def classify(model, digits: list[np.ndarray | None], batch: int = 1000) -> np.ndarray:
    """Predicted class per 28x28 digit (-1 where preprocessing found nothing)."""
    out = np.full(len(digits), -1)
    found = [i for i, d in enumerate(digits) if d is not None]
    for s in range(0, len(found), batch):
        idx = found[s : s + batch]
        x = torch.from_numpy(np.stack([digits[i] for i in idx]))[:, None]  # (B, 1, 28, 28)
        out[idx] = model((x - MNIST_MEAN) / MNIST_STD).argmax(1).numpy()
    return out


def _canvas_chunk(task) -> tuple[list, list[float]]:
    images, framing, encoding = task
    return _through_files([encode(draw(d, *f, encoding)) for d, f in zip(images, framing, strict=True)])


def _photo_chunk(task) -> tuple[list, list[float]]:
    images, seed = task
    rng = np.random.default_rng(seed)
    return _through_files([encode(photo(d, rng), "JPEG") for d in images])


def _array_chunk(task) -> tuple[list, list[float]]:
    return [preprocess_array(d).digit for d in task], []


def _through_files(files: list[bytes]) -> tuple[list, list[float]]:
    """Preprocessed digits of the files (load_image + preprocess) and preprocess()'s CPU seconds per image."""
    torch.set_num_threads(1)
    digits, seconds = [], []
    for data in files:
        img = load_image(data)
        start = time.thread_time()
        digits.append(preprocess(img).digit)
        seconds.append(time.thread_time() - start)
    return digits, seconds


def run_chunks(pool, fn, tasks) -> tuple[list, list[float]]:
    """Map `fn` over the tasks in the worker processes; concatenate the digits and timings in order."""
    digits, seconds = [], []
    for d, s in pool.map(fn, tasks):
        digits += d
        seconds += s
    return digits, seconds


def styled(images: np.ndarray, kind: str, rng: np.random.Generator) -> np.ndarray:
    """28x28 variants: thick / thin strokes, slight rotation, slant; float32 in [0, 1]."""
    x = torch.from_numpy(images.astype(np.float32) / 255.0)[:, None]  # (N, 1, 28, 28)
    if kind == "thick strokes":
        x = F.max_pool2d(x, 3, stride=1, padding=1)
    elif kind == "thin strokes":
        x = 0.5 * x + 0.5 * -F.max_pool2d(
            -x, 3, stride=1, padding=1
        )  # half an erosion: strokes stay connected
    elif kind != "as is":
        n = len(x)
        angle = torch.from_numpy(rng.uniform(-1, 1, n)).float() * math.radians(
            15 if kind.startswith("rot") else 0
        )
        shear = torch.from_numpy(rng.uniform(-0.3, 0.3, n)).float() * (kind == "slant (shear ±0.3)")
        theta = torch.zeros(n, 2, 3)
        theta[:, 0, 0], theta[:, 0, 1] = torch.cos(angle), -torch.sin(angle) + shear
        theta[:, 1, 0], theta[:, 1, 1] = torch.sin(angle), torch.cos(angle)
        grid = F.affine_grid(theta, list(x.shape), align_corners=False)
        x = F.grid_sample(x, grid, align_corners=False)
    return x[:, 0].clamp(0, 1).numpy()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--n", type=int, default=10000, help="MNIST test digits per variant (default all 10000)"
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--data-root", type=Path, default=DATA_ROOT)
    parser.add_argument("--workers", type=int, default=os.cpu_count(), help="processes (default: all CPUs)")
    args = parser.parse_args(argv)

    images, labels = mnist_test(args.data_root)
    images, labels = images[: args.n], labels[: args.n]
    model = load_pretrained()
    started = time.time()
    rows, summary = [], {"n": len(labels), "seed": args.seed, "budget": BUDGET, "canvas": {}, "style": {}}

    rng = np.random.default_rng(args.seed)
    framing = [(rng.uniform(0.25, 0.9), tuple(rng.random(2))) for _ in range(len(images))]
    chunks = [slice(i, i + CHUNK) for i in range(0, len(images), CHUNK)]
    all_seconds = []
    with ProcessPoolExecutor(args.workers) as pool:
        for name, enc in ENCODINGS.items():
            digits, seconds = run_chunks(pool, _canvas_chunk, [(images[c], framing[c], enc) for c in chunks])
            all_seconds += seconds
            acc = float((classify(model, digits) == labels).mean())
            summary["canvas"][name] = acc
            rows.append([f"canvas 280x280: {name}", f"{100 * acc:.2f}", "ok" if acc >= BUDGET else "UNDER"])

        tasks = [(images[c], (args.seed, k)) for k, c in enumerate(chunks)]
        photos, photo_seconds = run_chunks(pool, _photo_chunk, tasks)
        summary["photo"] = float((classify(model, photos) == labels).mean())
        rows.append(
            ["phone photo 400x400 JPEG (light, noise, specks, shadow)", f"{100 * summary['photo']:.2f}", ""]
        )

        rng = np.random.default_rng(args.seed + 2)
        for kind in ("as is", "thick strokes", "thin strokes", "rotated ±15°", "slant (shear ±0.3)"):
            variants = styled(images, kind, rng)
            digits, _ = run_chunks(pool, _array_chunk, [variants[c] for c in chunks])
            acc = float((classify(model, digits) == labels).mean())
            summary["style"][kind] = acc
            rows.append([f"MNIST 28x28 re-framed: {kind}", f"{100 * acc:.2f}", ""])

    ms = 1000 * np.array(all_seconds)
    summary["preprocess_ms_280_canvas"] = {
        "median": float(np.median(ms)),
        "p95": float(np.percentile(ms, 95)),
    }
    summary["preprocess_ms_400_photo"] = {"median": float(1000 * np.median(photo_seconds))}
    summary["test_accuracy_card"] = load_card()["test_accuracy"]
    summary["machine"] = machine_line()
    summary["seconds"] = round(time.time() - started, 1)
    summary["workers"] = args.workers

    print(machine_line())
    print(f"bundled model: card test accuracy {100 * summary['test_accuracy_card']:.2f} %; n = {len(labels)}, "
          f"seed {args.seed}")  # fmt: skip
    print(table(["variant", "accuracy %", f"budget {100 * BUDGET:.0f} %"], rows, title="Robustness"))
    print(
        f"\npreprocess() CPU time per 280x280 canvas: median {summary['preprocess_ms_280_canvas']['median']:.2f} ms, "
        f"p95 {summary['preprocess_ms_280_canvas']['p95']:.2f} ms; per 400x400 photo: "
        f"median {summary['preprocess_ms_400_photo']['median']:.2f} ms; total {summary['seconds']} s"
    )
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    print(f"written {RESULTS.relative_to(ROOT)}")
    return 0 if min(summary["canvas"].values()) >= BUDGET else 1


if __name__ == "__main__":
    raise SystemExit(main())
