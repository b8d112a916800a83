"""Command line: `python -m explorer train | evaluate | predict` (see --help of each)."""

from __future__ import annotations

import argparse
import json
import os
import sys

DEFAULT_DATA_ROOT = os.environ.get("EXPLORER_DATA_ROOT", "../shared/data")


def message(key: str, fallback: str, **params) -> str:
    """The English text of an error key (explorer.i18n), or `fallback` when the key is unknown."""
    from explorer.i18n import t

    try:
        return t(key, "en", **params)
    except (KeyError, IndexError, ValueError):
        return fallback


def cmd_evaluate(args) -> int:
    """Evaluate the bundled model on the MNIST test split; the last line is JSON."""
    from explorer.model import WeightsError, load_pretrained
    from explorer.train import evaluate, load_mnist

    try:
        model = load_pretrained()
    except WeightsError as e:
        print(json.dumps({"error": f"{message(e.key, str(e))} ({e})"}))
        return 1
    try:
        images, labels = load_mnist(args.data_root, train=False)
    except (RuntimeError, OSError, ValueError) as e:  # torchvision: "Dataset not found", damaged files
        print(json.dumps({"error": f"MNIST test split not readable under {args.data_root}: {e}"}))
        return 1
    result = evaluate(model, images, labels)
    print(json.dumps({"accuracy": result["accuracy"], "n": result["n"], "loss": result["loss"],
                      "per_class_accuracy": result["per_class_accuracy"]}))  # fmt: skip
    return 0


def predict_path(model, path: str) -> dict:
    """The JSON object for one path: its digit and probabilities, or a clear error (never raises)."""
    from explorer.model import predict
    from explorer.preprocess import ImageLoadError, load_image, preprocess, to_input

    try:
        steps = preprocess(load_image(path))
        if steps.digit is None:
            raise ImageLoadError("error_blank", "no digit found: the image is blank")
        probs = predict(model, to_input(steps.digit))[0]
        return {"path": path, "digit": int(probs.argmax()), "probabilities": [float(p) for p in probs]}
    except ImageLoadError as e:
        return {"path": path, "error": message(e.key, str(e), **e.params)}
    except Exception as e:  # never a traceback for one bad file; the others still get answered
        return {"path": path, "error": f"could not process the image: {type(e).__name__}: {e}"}


def cmd_predict(args) -> int:
    """One JSON line per path: digit and probabilities, or a clear error; exit 1 if any failed."""
    import torch

    from explorer.model import WeightsError, load_pretrained

    torch.set_num_threads(1)
    try:
        model = load_pretrained()
    except WeightsError as e:
        for path in args.paths:
            print(json.dumps({"path": path, "error": f"{message(e.key, str(e))} ({e})"}), flush=True)
        return 1
    failed = False
    for path in args.paths:
        line = predict_path(model, path)
        failed |= "error" in line
        print(json.dumps(line), flush=True)
    return 1 if failed else 0


def cmd_train(args) -> int:
    """Train the ConvNet and write pretrained/ (or --out)."""
    from explorer.train import main

    return main(args)


def build_parser() -> argparse.ArgumentParser:
    """The CLI's argument parser."""
    parser = argparse.ArgumentParser(prog="python -m explorer", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("train", help="train the ConvNet on MNIST and write the weights and model card")
    p.add_argument(
        "--data-root", default=DEFAULT_DATA_ROOT, help="folder holding MNIST/raw (torchvision layout)"
    )
    p.add_argument("--epochs", type=int, default=None, help="epochs (default: the shipped recipe's)")
    p.add_argument("--out", default=None, help="weights path (default: pretrained/convnet_mnist.pt)")
    p.add_argument("--seed", type=int, default=0, help="random seed")
    p.add_argument("--dry-run", action="store_true", help="a few batches, written to a temporary folder")
    p.set_defaults(func=cmd_train)

    p = sub.add_parser("evaluate", help="accuracy of the bundled model on the MNIST test split (JSON)")
    p.add_argument("--data-root", default=DEFAULT_DATA_ROOT, help="folder holding MNIST/raw")
    p.set_defaults(func=cmd_evaluate)

    p = sub.add_parser("predict", help="predict the digit in each image file (one JSON line per path)")
    p.add_argument("paths", nargs="+", metavar="PATH", help="PNG/JPEG/GIF/BMP/WebP images")
    p.set_defaults(func=cmd_predict)
    return parser


def main(argv=None) -> int:
    """Parse arguments and run the subcommand."""
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
