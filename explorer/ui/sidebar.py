"""The shared sidebar: language switch (kept in step with ?lang=) and the current digit's thumbnail."""

from __future__ import annotations

import streamlit as st

from explorer import i18n
from explorer.plots import to_png
from explorer.ui import LANG, current_digit, t

THUMB_FACTOR = 4  # 28 px -> 112 px, nearest-neighbour so the pixels stay crisp
THUMB_KEY = "sidebar_digit"  # browser hook: .st-key-sidebar_digit img


def initial_language() -> str:
    """The language this session starts in: ?lang= when valid (also 'UA', ' uk '), else English."""
    return i18n.normalise_language(st.query_params.get("lang")) or i18n.DEFAULT_LANGUAGE


def language_switch() -> str:
    """Sidebar selector bound to st.session_state["lang"]; writes the choice to ?lang= too. Returns it."""
    current = st.session_state.get(LANG)
    if current not in i18n.LANGUAGES:  # first run of the session, or a garbled value
        st.session_state[LANG] = i18n.normalise_language(current) or initial_language()
    st.sidebar.radio(
        t("app.language"),
        i18n.LANGUAGES,
        format_func=i18n.LANGUAGE_NAMES.get,
        key=LANG,
        horizontal=True,
    )
    lang = st.session_state[LANG]
    if st.query_params.get("lang") != lang:
        st.query_params["lang"] = lang
    return lang


def digit_thumbnail() -> None:
    """The current digit as a small 28x28 image in the sidebar, or a note that nothing is drawn yet."""
    digit = current_digit()
    with st.sidebar.container(key=THUMB_KEY):
        if digit is None:
            st.caption(t("sidebar.no_digit"))
            return
        st.image(
            to_png(digit, factor=THUMB_FACTOR),
            caption=t("sidebar.digit"),
            width=28 * THUMB_FACTOR,
            alt=t("sidebar.digit_alt"),
            output_format="PNG",  # "auto" would re-encode a grayscale image as JPEG: blurred pixel edges
        )
