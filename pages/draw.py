"""Draw & predict (default page): draw a digit, load an MNIST sample or upload a photo; see what the network
sees and what it answers. Per-stroke work is one fragment, so a stroke reruns only that part."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import streamlit as st

from explorer import ui
from explorer.preprocess import (
    ImageLoadError,
    Preprocessed,
    load_image,
    preprocess,
    preprocess_array,
    to_input,
)
from explorer.samples import load_samples
from explorer.ui import canvas, lesson, widgets

SAMPLE_KEY = "draw_sample"
SAMPLE_TURN = "draw_sample_turn"  # per digit: how many times its samples were loaded (to alternate them)
UPLOAD_KEY = "draw_upload"
UPLOAD_ERROR = "draw_upload_error"
PROBS_KEY = "_draw_probs"  # (the digit array they belong to, its sum, its probabilities)


def steps_for(digit: np.ndarray) -> Preprocessed:
    """Preprocessing steps for a digit that is already 28x28 (a sample, or one set by another page)."""
    return replace(preprocess_array(digit), digit=digit)


def on_sample() -> None:
    """Put the next bundled MNIST test image of the chosen digit on the canvas."""
    label = st.session_state.get(SAMPLE_KEY)
    st.session_state[SAMPLE_KEY] = None  # the pills act as buttons
    if label is None:
        return
    samples = load_samples()
    turns = st.session_state.setdefault(SAMPLE_TURN, {})
    positions = samples.of_class(label)
    i = positions[turns.get(label, 0) % len(positions)]
    turns[label] = turns.get(label, 0) + 1
    digit = samples.digit(i)
    source = ("source.sample", {"index": int(samples.indices[i]), "label": int(samples.labels[i])})
    canvas.set_digit(digit, steps_for(digit), source)


def on_upload() -> None:
    """Load the uploaded photo with the same loader as `python -m explorer predict`."""
    st.session_state[UPLOAD_ERROR] = None
    file = st.session_state.get(UPLOAD_KEY)
    if file is None:
        return
    try:
        steps = preprocess(load_image(file.getvalue()))
        if steps.digit is None:
            raise ImageLoadError("error_blank", "no digit found: the image is blank")
    except ImageLoadError as e:
        st.session_state[UPLOAD_ERROR] = (e.key, e.params)
        return
    except Exception as e:  # whatever the file does, the page keeps working
        st.session_state[UPLOAD_ERROR] = ("error_unexpected", {"name": type(e).__name__})
        return
    canvas.set_digit(steps.digit, steps, ("source.upload", {}))


def sample_picker() -> None:
    """One pill per digit; each click loads a real MNIST test image of it."""
    try:
        labels = sorted({int(v) for v in load_samples().labels})
    except OSError:  # samples file missing: the page works without it
        return
    st.pills(
        ui.t("draw.samples"),
        labels,
        key=SAMPLE_KEY,
        on_change=on_sample,
        help=ui.t("draw.samples_help"),
    )


def probabilities(digit: np.ndarray | None) -> np.ndarray | None:
    """The model's ten probabilities for the current digit (remembered until the digit changes), or None."""
    if digit is None:  # a blank canvas needs no torch (3 s to import): the first page is interactive sooner
        return None
    current = st.session_state.get(ui.DIGIT)
    last = st.session_state.get(PROBS_KEY)
    if last is not None and last[0] is current and last[1] == float(digit.sum()):  # the same, unchanged array
        return last[2]
    from explorer.model import predict

    model = ui.get_model()
    # one forward pass for the answer; ui.activations() (every layer, cached) is for the pages that show them,
    # and caching each stroke's ~350 KB of maps would only churn that cache
    probs = predict(model, to_input(digit))[0].numpy() if model is not None else None
    if probs is not None:
        st.session_state[PROBS_KEY] = (current, float(digit.sum()), probs)
    return probs


@st.fragment
def live() -> None:
    """Canvas, prediction and preprocessing steps: everything a stroke changes."""
    left, right = st.columns([5, 6], gap="large")
    with left:
        drawing = canvas.digit_canvas()
        if drawing is not None and drawing.error:
            st.error(ui.t(drawing.error))
    digit = ui.current_digit()
    steps, source = canvas.current_steps()
    if digit is not None and steps is None:
        steps, source = steps_for(digit), ui.t("source.other")
    with right:
        widgets.prediction_panel(probabilities(digit))
        widgets.preprocessing_steps(steps, source)


def upload() -> None:
    """A photo of a handwritten digit, shown through the same steps; errors in the user's language."""
    st.file_uploader(ui.t("draw.upload"), key=UPLOAD_KEY, on_change=on_upload, help=ui.t("draw.upload_help"))
    error = st.session_state.get(UPLOAD_ERROR)
    if error:
        st.error(ui.t(error[0], **error[1]))


ui.require_shell()  # first, before anything reads the session
lesson.panel("")
st.title(ui.t("draw.title"))
st.markdown(ui.t("draw.intro"))
sample_picker()
live()
upload()
