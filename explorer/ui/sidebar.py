"""The shared sidebar: language switch (kept in step with ?lang=) and the current digit's thumbnail."""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import streamlit as st

from explorer import i18n
from explorer.plots import png_data_uri, to_png
from explorer.ui import LANG, current_digit, remember_lang, t

THUMB_FACTOR = 4  # 28 px -> 112 px, nearest-neighbour so the pixels stay crisp
THUMB_KEY = "sidebar_digit"  # browser hook: .st-key-sidebar_digit img
SWITCH_KEY = "lang_switch"


def initial_language() -> str:
    """The language this session starts in: ?lang= when valid (also 'UA', ' uk '), else English."""
    return i18n.normalise_language(st.query_params.get("lang")) or i18n.DEFAULT_LANGUAGE


def _on_language() -> None:
    st.session_state[LANG] = st.session_state[SWITCH_KEY]


def language_switch() -> str:
    """Sidebar selector for st.session_state["lang"]; writes the choice to ?lang= too. Returns the language."""
    current = st.session_state.get(LANG)
    if current not in i18n.LANGUAGES:  # first run of the session, or a garbled value
        current = st.session_state[LANG] = i18n.normalise_language(current) or initial_language()
    # The switch has its own key, seeded from "lang" and copied back in a callback. Bound directly to "lang",
    # a value set before the switch first rendered (?lang=uk) was lost on the next rerun in the browser:
    # the switch answered its default (English) although it showed Ukrainian.
    remember_lang(current)
    if st.session_state.get(SWITCH_KEY, current) != current:  # "lang" was changed elsewhere: re-seed
        del st.session_state[SWITCH_KEY]
    st.sidebar.segmented_control(  # ~0.3 ms less than a radio on every full run
        t("app.language"),
        i18n.LANGUAGES,
        default=current,
        format_func=i18n.LANGUAGE_NAMES.get,
        key=SWITCH_KEY,
        on_change=_on_language,
        required=True,
    )
    if st.query_params.get("lang") != current:
        st.query_params["lang"] = current
    return current


@lru_cache(maxsize=64)
def _thumbnail_src(digit_bytes: bytes) -> str:
    """The 28x28 float32 digit (as bytes, so it can be a cache key) as a crisp, upscaled PNG in a data URI."""
    digit = np.frombuffer(digit_bytes, dtype=np.float32).reshape(28, 28)
    return png_data_uri(to_png(digit, factor=THUMB_FACTOR))


def digit_thumbnail() -> None:
    """The current digit as a small 28x28 image in the sidebar, or a note that nothing is drawn yet."""
    digit = current_digit()
    with st.sidebar.container(key=THUMB_KEY):
        if digit is None:
            st.caption(t("sidebar.no_digit"))
            return
        st.image(
            _thumbnail_src(digit.tobytes()),  # every full rerun shows it: encode once per digit
            caption=t("sidebar.digit"),
            width=28 * THUMB_FACTOR,
            alt=t("sidebar.digit_alt"),
        )
