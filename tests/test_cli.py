"""`python -m explorer train | evaluate | predict`, exactly as the architecture's contracts say."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

import explorer.model
from explorer.__main__ import main
from explorer.i18n import t
from explorer.model import ConvNet, WeightsError, load_card, load_pretrained, predict, sha256
from explorer.preprocess import to_input


def json_lines(stdout: str) -> list[dict]:
    return [json.loads(line) for line in stdout.splitlines() if line.strip()]


@pytest.fixture(scope="module")
def chosen(mnist_test) -> list[tuple[np.ndarray, int]]:
    """One MNIST test digit per class that the bundled model gets right with confidence on its own framing
    (so the predict tests measure the image pipeline, not the model's rare mistakes)."""
    images, labels = mnist_test
    torch.set_num_threads(1)
    model = load_pretrained()
    picked = []
    for c in range(10):
        for i in np.flatnonzero(labels == c)[:20]:
            probs = predict(model, to_input(images[i] / 255.0))[0]
            if int(probs.argmax()) == c and float(probs[c]) > 0.95:
                picked.append((images[i], c))
                break
    assert len(picked) == 10
    return picked


def good_files(chosen, draw, to_bytes, folder) -> list[tuple[str, int]]:
    """Each chosen digit on large canvases at different places and sizes, both polarities, RGBA, JPEG."""
    variants = [
        ({"canvas": 280, "height": 0.25, "where": (0, 0), "encoding": "L"}, "PNG"),
        ({"canvas": 600, "height": 0.8, "where": (0.5, 0.5), "encoding": "RGB"}, "PNG"),
        ({"canvas": 400, "height": 0.4, "where": (1, 0.2), "encoding": "RGBA"}, "PNG"),
        ({"canvas": 800, "height": 0.3, "where": (0.3, 0.9), "encoding": "RGB"}, "JPEG"),
        ({"canvas": 280, "height": 0.9, "where": (0.5, 1), "encoding": "L"}, "WEBP"),
    ]
    files = []
    for digit, label in chosen:
        for j, (params, fmt) in enumerate(variants):
            path = folder / f"digit{label}_{j}.{fmt.lower()}"
            path.write_bytes(to_bytes(draw(digit, **params), fmt))
            files.append((str(path), label))
    return files


def assert_answer(line: dict, path: str) -> None:
    assert line["path"] == path
    if "error" in line:
        assert set(line) == {"path", "error"}
        assert isinstance(line["error"], str) and line["error"].strip() and "Traceback" not in line["error"]
    else:
        assert set(line) == {"path", "digit", "probabilities"}
        probs = line["probabilities"]
        assert len(probs) == 10 and all(0 <= p <= 1 for p in probs)
        assert sum(probs) == pytest.approx(1.0, abs=1e-5)
        assert line["digit"] == int(np.argmax(probs))


# --- predict ------------------------------------------------------------------------------------------------------


@pytest.mark.mnist
def test_predict_reads_digits_anywhere_and_answers_every_path(chosen, draw, to_bytes, cli, tmp_path):
    good = good_files(chosen, draw, to_bytes, tmp_path)
    (tmp_path / "empty.png").write_bytes(b"")
    (tmp_path / "notes.png").write_text("this is not an image\n")
    bad = {
        str(tmp_path / "empty.png"): t("error_empty", "en"),
        str(tmp_path / "notes.png"): t("error_not_image", "en"),
        str(tmp_path / "missing.png"): t("error_no_file", "en"),
    }
    paths = [p for p, _ in good]
    for k, path in enumerate(bad):  # spread the bad ones between the good ones
        paths.insert(7 + 13 * k, path)
    out = cli("predict", *paths)
    lines = json_lines(out.stdout)
    assert [line["path"] for line in lines] == paths  # every path answered, in order
    for line, path in zip(lines, paths, strict=True):
        assert_answer(line, path)
    truth = dict(good)
    wrong = [
        (line["path"], line.get("digit"))
        for line in lines
        if line["path"] in truth and line.get("digit") != truth[line["path"]]
    ]
    assert not wrong
    for path, message in bad.items():
        assert next(line for line in lines if line["path"] == path)["error"] == message
    assert out.returncode == 1
    assert "Traceback" not in out.stderr


@pytest.mark.mnist
def test_predict_exits_0_when_every_path_succeeded(chosen, draw, to_bytes, cli, tmp_path):
    good = good_files(chosen[:2], draw, to_bytes, tmp_path)
    out = cli("predict", *(p for p, _ in good))
    lines = json_lines(out.stdout)
    assert out.returncode == 0, out.stderr
    assert [(line["path"], line["digit"]) for line in lines] == good
    assert "Traceback" not in out.stderr


def test_predict_answers_every_path_when_the_weights_are_bad(monkeypatch, capsys, tmp_path):
    def broken(*args, **kwargs):
        raise WeightsError("weights_mismatch", "weights x have sha256 a, the model card says b")

    monkeypatch.setattr(explorer.model, "load_pretrained", broken)
    paths = [str(tmp_path / "a.png"), str(tmp_path / "b.png")]
    assert main(["predict", *paths]) == 1
    lines = json_lines(capsys.readouterr().out)
    assert [line["path"] for line in lines] == paths
    for line in lines:
        assert line["error"].startswith(t("weights_mismatch", "en")) and "sha256" in line["error"]


def test_predict_never_raises_on_an_unexpected_failure(monkeypatch, capsys, tmp_path):
    """A bug in one image's processing becomes that path's error line; the next path is still answered."""
    import explorer.preprocess as pp

    real = pp.preprocess
    calls = []

    def flaky(img):
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("boom")
        return real(img)

    monkeypatch.setattr(pp, "preprocess", flaky)
    monkeypatch.setattr(explorer.model, "load_pretrained", lambda *a, **k: ConvNet().eval())
    img = tmp_path / "x.png"
    from PIL import Image, ImageDraw

    canvas = Image.new("L", (100, 100))
    ImageDraw.Draw(canvas).line([(30, 20), (60, 80)], fill=255, width=8)
    canvas.save(img)
    assert main(["predict", str(img), str(img)]) == 1
    first, second = json_lines(capsys.readouterr().out)
    assert "RuntimeError: boom" in first["error"]
    assert_answer(second, str(img))
    assert "digit" in second


# --- train and evaluate --------------------------------------------------------------------------------------------


@pytest.mark.mnist
def test_train_dry_run_writes_a_loadable_model_and_card(cli, data_root, tmp_path):
    out_path = tmp_path / "run" / "convnet_mnist.pt"
    out = cli("train", "--data-root", data_root, "--dry-run", "--out", out_path, "--seed", "3")
    assert out.returncode == 0, out.stderr[-2000:]
    summary = json.loads(out.stdout.strip().splitlines()[-1])
    assert summary["weights"] == str(out_path) and summary["sha256"] == sha256(out_path)
    card_path = out_path.parent / "model_card.json"
    card = load_card(card_path)
    assert card["sha256"] == sha256(out_path) and card["recipe"]["seed"] == 3
    assert 0.0 <= card["test_accuracy"] <= 1.0 and len(card["history"]) == 1
    assert isinstance(load_pretrained(out_path, card_path), ConvNet)
    assert (out_path.parent / "README.md").read_text().startswith("# ")
    assert "Traceback" not in out.stderr


@pytest.mark.mnist
def test_evaluate_prints_accuracy_and_n_last(cli, data_root):
    out = cli("evaluate", "--data-root", data_root)
    assert out.returncode == 0, out.stderr[-2000:]
    last = json.loads(out.stdout.strip().splitlines()[-1])
    assert last["n"] == 10000
    assert last["accuracy"] >= 0.995
    assert last["accuracy"] == pytest.approx(load_card()["test_accuracy"], abs=5e-4)


def test_evaluate_without_data_says_so(cli, tmp_path):
    out = cli("evaluate", "--data-root", tmp_path)
    assert out.returncode == 1
    last = json.loads(out.stdout.strip().splitlines()[-1])
    assert "error" in last and str(tmp_path) in last["error"]
    assert "Traceback" not in out.stderr
