"""Shareable links: page settings <-> st.query_params, so the browser's address is always a link to this view.

app.py calls `start()` before `sidebar.language_switch()` (applies ?sample=, ?projector=, ?lesson= once per
session) and `finish()` after `page.run()` (writes the URL, shows "copy link" in the sidebar). A page calls
`bind(SPEC)` before it creates its widgets; SPEC maps a session-state key to (query parameter, codec, default):

    SPEC = {"conv_stride_h": ("stride_h", codec.Int(1, 8), 1), ...}
    share.bind(SPEC)

On the session's first run of that page, values in the URL are validated (explorer.params_codec) and copied
into st.session_state; anything unusable falls back to the default with one translated notice naming the
parameter (never its raw value). On every run the settings that differ from their defaults are written back,
plus `lang` (always) and the global parameters. Drawn strokes are never put in a link; a bundled sample is
(?sample=<position in pretrained/samples.npz>).
"""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import suppress
from functools import cache
from typing import Any
from urllib.parse import quote, urlencode, urlsplit, urlunsplit

import numpy as np
import streamlit as st
from streamlit.errors import StreamlitAPIException

from explorer import i18n
from explorer import params_codec as codec
from explorer.ui import DIGIT, LANG, lang, lesson, projector, t

Spec = Mapping[str, tuple[str, codec.Codec, Any]]

LANG_PARAM = "lang"
SAMPLE_PARAM = "sample"
GLOBAL_PARAMS = (LANG_PARAM, projector.PARAM, lesson.PARAM, SAMPLE_PARAM)
RESERVED = frozenset({*GLOBAL_PARAMS, "embed", "embed_options"})
LINK_KEY = "share_link"  # browser hook: .st-key-share_link (the sidebar popover holding the link)
URL_SAFE = ",:"  # left unescaped in the shown link so a kernel stays readable (both are legal in a query)

_GLOBALS_DONE = "_share_globals_done"  # the session's first run has applied the global parameters
_APPLIED = "_share_applied"  # ids of the specs whose URL values were applied in this session
_SPEC = "_share_spec"  # the spec bound by the page of this run (cleared by start())


# ----------------------------------------------------------------------------------------------------------
# page specs: session-state key -> (query parameter, codec, default); PyTorch's names where there is one


def _convolution() -> Spec:
    from explorer import kernels, ops
    from explorer import playground as pg

    d = pg.DEFAULTS
    pad = pg.DILATION_CAP * (kernels.MAX_KERNEL_SIZE - 1)  # the page's clamp narrows it for the input
    # conv_preset is left out: the page derives it from the kernel (pg.preset_matching)
    return {
        "conv_source": ("source", codec.Choice(pg.SOURCES), d["conv_source"]),
        "conv_kernel": ("kernel", codec.Kernel(), d["conv_kernel"]),
        "conv_bias": ("bias", codec.Float(-pg.BIAS_LIMIT, pg.BIAS_LIMIT), d["conv_bias"]),
        "conv_stride_h": ("stride_h", codec.Int(1, pg.STRIDE_CAP), d["conv_stride_h"]),
        "conv_stride_w": ("stride_w", codec.Int(1, pg.STRIDE_CAP), d["conv_stride_w"]),
        "conv_padding_h": ("padding_h", codec.Int(0, pad), d["conv_padding_h"]),
        "conv_padding_w": ("padding_w", codec.Int(0, pad), d["conv_padding_w"]),
        "conv_dilation": ("dilation", codec.Int(1, pg.DILATION_CAP), d["conv_dilation"]),
        "conv_padding_mode": ("padding_mode", codec.Choice(ops.PADDING_MODES), d["conv_padding_mode"]),
        "conv_relu": ("relu", codec.Bool(), d["conv_relu"]),
        "conv_flip": ("flip", codec.Bool(), d["conv_flip"]),
        "conv_row": ("row", codec.Int(-1, 255), d["conv_row"]),
        "conv_col": ("col", codec.Int(-1, 255), d["conv_col"]),
        "conv_panel": ("panel", codec.Choice(pg.PANELS), pg.PANELS[0]),  # the open tab of settings
    }


def _pooling() -> Spec:
    from explorer import pooling_lesson as pl

    d = pl.DEFAULTS
    return {
        "pool_source": ("source", codec.Choice(pl.SOURCES), d["pool_source"]),
        "pool_mode": ("mode", codec.Choice(pl.MODES), d["pool_mode"]),
        "pool_kernel": ("kernel_size", codec.Int(1, pl.KERNEL_CAP), d["pool_kernel"]),
        "pool_stride_h": ("stride_h", codec.Int(1, pl.STRIDE_CAP), d["pool_stride_h"]),
        "pool_stride_w": ("stride_w", codec.Int(1, pl.STRIDE_CAP), d["pool_stride_w"]),
        "pool_padding": ("padding", codec.Int(0, pl.KERNEL_CAP // 2), d["pool_padding"]),
        "pool_dilation": ("dilation", codec.Int(1, pl.DILATION_CAP), d["pool_dilation"]),
        "pool_ceil_mode": ("ceil_mode", codec.Bool(), d["pool_ceil_mode"]),
        "pool_count_include_pad": ("count_include_pad", codec.Bool(), d["pool_count_include_pad"]),
        "pool_channel": ("channel", codec.Int(0, 31), d["pool_channel"]),
        "pool_show_code": ("code", codec.Bool(), d["pool_show_code"]),
        "pool_shift_x": ("shift_x", codec.Int(-4, 4), d["pool_shift_x"]),
        "pool_shift_y": ("shift_y", codec.Int(-4, 4), d["pool_shift_y"]),
        "pool_rotate": ("rotate", codec.Int(-30, 30, step=5), d["pool_rotate"]),
        "pool_scale": ("scale", codec.Float(0.7, 1.3, digits=2, step=0.05), d["pool_scale"]),
        "pool_inv_channel": ("inv_channel", codec.Int(0, 31), d["pool_inv_channel"]),
        "pool_section": ("section", codec.Choice(pl.SECTIONS), pl.SECTIONS[0]),  # the open tab
    }


def _feature_maps() -> Spec:
    from explorer import network

    return {
        "fm_stage": ("stage", codec.Choice(network.KINDS), "conv"),
        "fm_layer": ("layer", codec.Choice(network.LAYERS), "conv1"),
        "fm_channel_conv1": ("channel_conv1", codec.Int(0, 31), 0),
        "fm_channel_conv2": ("channel_conv2", codec.Int(0, 63), 0),
        "fm_per_channel": ("per_channel", codec.Bool(), False),
        "fm_sort": ("sort", codec.Bool(), False),
    }


def spec_from(defaults: Mapping[str, Any], options=None, ranges=None, prefix: str = "") -> Spec:
    """A spec from a page's DEFAULTS, OPTIONS (fixed choices) and RANGES ((low, high)); the parameter is the
    key without `prefix`. Settings with neither options, a range nor a bool default are left out."""
    options, ranges = options or {}, ranges or {}
    spec = {}
    for key, default in defaults.items():
        if key in options:
            choices = tuple(options[key])
            parser = codec.Bool() if all(isinstance(c, bool) for c in choices) else codec.Choice(choices)
        elif isinstance(default, bool):
            parser = codec.Bool()
        elif key in ranges and isinstance(default, int):
            parser = codec.Int(int(ranges[key][0]), int(ranges[key][1]))
        elif key in ranges and isinstance(default, float):
            parser = codec.Float(float(ranges[key][0]), float(ranges[key][1]))
        else:
            continue
        spec[key] = (key.removeprefix(prefix), parser, default)
    return spec


_PAGE_SPECS = {"CONVOLUTION": _convolution, "POOLING": _pooling, "FEATURE_MAPS": _feature_maps}


def __getattr__(name: str) -> Spec:
    """CONVOLUTION, POOLING, FEATURE_MAPS, built on first use: their pages' modules import torch, which the first
    page doesn't need."""
    if name in _PAGE_SPECS:
        spec = globals()[name] = _PAGE_SPECS[name]()
        return spec
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# ----------------------------------------------------------------------------------------------------------
# bundled samples: ?sample=i loads one; the link carries it while the current digit is that sample


@cache
def _sample_stack() -> np.ndarray | None:
    """(N, 28, 28) float32 digits of pretrained/samples.npz, read-only, or None without the file."""
    try:
        from explorer.samples import load_samples

        samples = load_samples()
        stack = np.stack([samples.digit(i) for i in range(len(samples))])
    except (OSError, KeyError, ValueError):
        return None
    stack.setflags(write=False)
    return stack


def sample_count() -> int:
    """How many bundled samples there are (0 without the file)."""
    stack = _sample_stack()
    return 0 if stack is None else len(stack)


def current_sample(digit: Any) -> int | None:
    """Position of the bundled sample equal to `digit` (the current digit), or None (a drawing, an upload,
    nothing)."""
    stack = _sample_stack()
    if stack is None or not isinstance(digit, np.ndarray) or digit.shape != stack.shape[1:]:
        return None
    hits = np.flatnonzero((stack == digit).all(axis=(1, 2)))  # 20 x 784 comparisons: a few µs
    return int(hits[0]) if hits.size else None


def load_sample(position: int) -> None:
    """Make bundled sample `position` the current digit (with its preprocessing steps and source)."""
    from dataclasses import replace

    from explorer.preprocess import preprocess_array
    from explorer.samples import load_samples
    from explorer.ui import canvas

    samples = load_samples()
    digit = samples.digit(position)
    steps = replace(preprocess_array(digit), digit=digit)
    source = (
        "source.sample",
        {"index": int(samples.indices[position]), "label": int(samples.labels[position])},
    )
    canvas.set_digit(digit, steps, source)


# ----------------------------------------------------------------------------------------------------------
# reading the URL


def _notify(bad: list[str], language: str | None = None) -> None:
    """One translated notice naming the parameters that were ignored (names only, never their values)."""
    if bad:
        names = ", ".join(f"`{name}`" for name in bad)  # our own constant names, not user text
        st.toast(i18n.t("share.invalid", language or lang(), names=names), icon="⚠️", duration="infinite")


def _query_value(param: str) -> str | None:
    """The last value of `param` in the URL, or None."""
    values = st.query_params.get_all(param)
    return values[-1] if values else None


def start() -> None:
    """Call in app.py before sidebar.language_switch() (which rewrites ?lang=) and before page.run(): on the
    session's first run apply ?projector= ?lesson= ?sample=, and say which parameters were unusable."""
    st.session_state.pop(_SPEC, None)
    if st.session_state.get(_GLOBALS_DONE):
        return
    st.session_state[_GLOBALS_DONE] = True
    bad = []
    raw_lang = _query_value(LANG_PARAM)
    language = i18n.normalise_language(raw_lang) or i18n.normalise_language(st.session_state.get(LANG))
    if raw_lang is not None and i18n.normalise_language(raw_lang) is None:
        bad.append(LANG_PARAM)  # sidebar.language_switch falls back to English
    for key, param in ((projector.KEY, projector.PARAM), (lesson.KEY, lesson.PARAM)):
        raw = _query_value(param)
        if raw is not None:
            value, ok = codec.decode(codec.Bool(), raw, False)
            st.session_state[key] = value
            if not ok:
                bad.append(param)
    raw = _query_value(SAMPLE_PARAM)
    if raw is not None:
        n = sample_count()
        position, ok = codec.decode(codec.Int(0, n - 1), raw, None) if n else (None, False)
        if ok:
            load_sample(position)
        else:
            bad.append(SAMPLE_PARAM)
    _notify(bad, language)


def _spec_id(spec: Spec) -> str:
    return ",".join(sorted(spec))


def _check(spec: Spec) -> None:
    """A developer error (caught by the page's AppTest): a reserved or repeated parameter name."""
    params = [param for param, _, _ in spec.values()]
    clash = RESERVED.intersection(params)
    if clash or len(set(params)) != len(params):
        raise ValueError(f"share.bind: reserved or repeated query parameter names in {params}")


def bind(spec: Spec) -> dict[str, Any]:
    """Call before the page's widgets: URL -> session state on this page's first run; returns what was set."""
    _check(spec)
    st.session_state[_SPEC] = spec
    applied: dict[str, Any] = {}
    done = st.session_state.setdefault(_APPLIED, set())
    if _spec_id(spec) not in done:
        done.add(_spec_id(spec))
        bad = []
        for key, (param, parser, default) in spec.items():
            raw = _query_value(param)
            if raw is None:
                continue
            value, ok = codec.decode(parser, raw, default)
            st.session_state[key] = applied[key] = value
            if not ok:
                bad.append(param)
        _notify(bad)
    return applied  # the URL is written once, at the end of the run (finish / sync)


# ----------------------------------------------------------------------------------------------------------
# writing the URL


def link_params(spec: Spec | None = None) -> dict[str, str]:
    """The query parameters of a link to the current view: non-default page settings, then the globals."""
    params: dict[str, str] = {}
    state = st.session_state.to_dict()  # one pass: each read of st.session_state costs ~20 µs
    for key, (param, parser, default) in (spec or {}).items():
        if key in state:
            text = codec.encode(parser, state[key], default)
            if text is not None:
                params[param] = text
    sample = current_sample(state.get(DIGIT))
    if sample is not None:
        params[SAMPLE_PARAM] = str(sample)
    if state.get(projector.KEY):
        params[projector.PARAM] = "1"
    if state.get(lesson.KEY):
        params[lesson.PARAM] = "1"
    params[LANG_PARAM] = state.get(LANG) if state.get(LANG) in i18n.LANGUAGES else i18n.DEFAULT_LANGUAGE
    return params


def _write(params: dict[str, str]) -> None:
    """Replace the URL's query with `params` (one message, only when something changed)."""
    if st.query_params.to_dict() == params:
        return
    # a widget bound with bind="query-params" owns one of them: leave the URL as it is
    with suppress(StreamlitAPIException):
        st.query_params.from_dict(params)


def query_string(params: Mapping[str, str]) -> str:
    """`params` as a query string with ',' and ':' left readable."""
    return urlencode(params, quote_via=quote, safe=URL_SAFE)


def share_url(params: Mapping[str, str]) -> str | None:
    """The full link (scheme, host, page path, query), or None when the browser's address is unknown."""
    try:
        base = st.context.url
    except Exception:  # no browser context (bare mode, some test runners)
        base = None
    if not base:
        return None
    parts = urlsplit(base)
    return urlunsplit((parts.scheme, parts.netloc, parts.path or "/", query_string(params), ""))


def copy_link(params: Mapping[str, str]) -> None:
    """A sidebar popover with the link in st.code (its copy button copies it)."""
    popover = st.sidebar.popover(
        t("share.button"),
        icon=":material/link:",
        width="stretch",
        help=t("share.help"),
        key=LINK_KEY,
        on_change="rerun",  # opening it reruns the app, so the link is built only when someone looks at it
    )
    if not popover.open:
        return
    url = share_url(params)
    with popover:
        st.caption(t("share.caption"))
        if url is None:
            st.caption(t("share.relative"))
            st.code("?" + query_string(params), language=None, wrap_lines=True)
        else:
            st.code(url, language=None, wrap_lines=True)


def sync() -> dict[str, str]:
    """Write the current settings to the URL and return them (pages whose settings live in a fragment call it at
    the fragment's end: a fragment rerun skips app.py's finish())."""
    params = link_params(st.session_state.get(_SPEC))
    _write(params)
    return params


def finish() -> None:
    """Call in app.py after page.run(): write the current settings to the URL and show "copy link"."""
    copy_link(sync())
