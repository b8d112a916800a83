"""The only Streamlit-aware code: session state keys, translation, the cached model, shared widgets."""

from __future__ import annotations

import gc
import threading
import time
from functools import lru_cache

import numpy as np
import streamlit as st
from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

from explorer import i18n

# session-state keys read by more than one page
DIGIT = "digit"  # current 28x28 float32 array in [0, 1] (ink = 1), or None -- the architecture contract
LANG = "lang"
_LANG_ATTR = "explorer_lang"  # on Streamlit's ScriptRunContext: this run's language

WARM_UP_DELAY_S = 1.5
_warm_up_started = threading.Event()
warm_up_done = threading.Event()  # set once the background imports and gc.freeze() are done


def _torch_for_serving() -> None:
    """explorer.model.torch_for_serving (one thread, no per-thread oneDNN set-up), imported when torch is needed."""
    from explorer.model import torch_for_serving

    torch_for_serving()


def require_shell() -> None:
    """Rerun through app.py when Streamlit ran this page on its own (a deep link as a fresh server's first request)."""
    from streamlit.runtime.pages_manager import PagesManager

    # Until some run calls st.navigation, Streamlit treats a folder named pages/ as a v1 multipage app and runs
    # /convolution as pages/convolution.py alone: no language, sidebar or shared settings. st.navigation sets this
    # flag to False for good; page hashes come from url_path alone, so the rerun lands on the same page.
    if getattr(PagesManager, "uses_pages_directory", False):
        PagesManager.uses_pages_directory = False
        st.rerun()


def _run_context():
    return get_script_run_ctx(suppress_warning=True)


def remember_lang(value: str | None) -> None:
    """Hold this run's language on the script-run context (app.py: None first, then the sidebar's choice)."""
    ctx = _run_context()
    if ctx is not None:
        setattr(ctx, _LANG_ATTR, value)


def lang() -> str:
    """The session's interface language ('en' or 'uk')."""
    # A page translates ~100 strings per run and each st.session_state read costs ~25 µs (a lock and the widget
    # mapping), so the run's language is held on its context. Only a full run can change it (the sidebar
    # switch), and each full run sets it afresh; a fragment rerun keeps the value of the run it belongs to.
    ctx = _run_context()
    value = getattr(ctx, _LANG_ATTR, None)
    if value is None:
        value = st.session_state.get(LANG, i18n.DEFAULT_LANGUAGE)
        if fragment_run():
            setattr(ctx, _LANG_ATTR, value)  # a fragment rerun (no app.py): its language is the session's
    return value


def fragment_run() -> bool:
    """True in a rerun of fragments alone (app.py and the rest of the page don't run)."""
    ctx = _run_context()
    return bool(ctx is not None and getattr(ctx, "fragment_ids_this_run", None))


def t(key: str, **params) -> str:
    """Translate `key` into the session's language."""
    return i18n.t(key, lang(), **params)


@st.cache_resource(show_spinner=False)
def _load_model():
    _torch_for_serving()
    from explorer.model import WeightsError, load_pretrained

    try:
        return load_pretrained(), None
    except WeightsError as e:
        return None, e.key


def get_model():
    """The shared, read-only ConvNet (cached once per process), or None after showing why it is unavailable."""
    model, error_key = _load_model()
    if model is None:
        st.error(t(error_key))
    return model


def current_digit() -> np.ndarray | None:
    """The current 28x28 digit, validated (anything else counts as nothing drawn)."""
    digit = st.session_state.get(DIGIT)
    if isinstance(digit, np.ndarray) and digit.shape == (28, 28) and np.isfinite(digit).all():
        return digit.astype(np.float32, copy=False)
    return None


def activations(digit: np.ndarray) -> dict[str, np.ndarray]:
    """Every stage of the bundled network for one digit, as read-only numpy arrays without the batch axis
    (remembered per digit, shared by every session: the key is the digit itself)."""
    return _activations(np.ascontiguousarray(digit, dtype=np.float32).tobytes())


@lru_cache(maxsize=64)  # ~0.35 MB per digit
def _activations(key: bytes) -> dict[str, np.ndarray]:
    # Not st.cache_data: it pickles the ~0.35 MB result into its cache and unpickles a copy on every hit (~2 ms).
    import torch

    from explorer.preprocess import to_input

    digit = np.frombuffer(key, dtype=np.float32).reshape(28, 28)
    model, _ = _load_model()
    with torch.inference_mode():
        acts = model.activations(to_input(digit))
    out = {name: a[0].numpy() for name, a in acts.items()}
    for a in out.values():
        a.setflags(write=False)  # shared between sessions: a caller that writes into one fails loudly
    return out


def warm_up() -> None:
    """Once per process, after the first page has been sent: import the heavy libraries in the background."""
    if not _warm_up_started.is_set():
        _warm_up_started.set()
        threading.Thread(target=_warm, name="explorer-warm-up", daemon=True).start()


def _warm() -> None:
    # The draw page renders without torch (3 s to import here), so the first page is interactive sooner; by the
    # time a student has drawn a stroke, this thread has imported what every page needs. It waits a moment
    # first: importing holds the GIL, which would stall the server sending the browser its page.
    time.sleep(WARM_UP_DELAY_S)
    _torch_for_serving()
    import pandas  # noqa: F401 -- data editors and charts
    import plotly.graph_objects  # noqa: F401

    import explorer.invariance
    import explorer.network
    import explorer.plots.conv
    import explorer.plots.maps
    import explorer.plots.pool  # noqa: F401

    # Streamlit runs gc.collect(2) after every script run (runner.postScriptGC). Over the ~270k long-lived objects
    # of torch, Streamlit and pandas that took 250-400 ms per rerun here, for every stroke and slider move. They
    # live as long as the process: freezing them once takes them out of every later collection.
    gc.freeze()
    warm_up_done.set()
