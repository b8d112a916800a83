"""Tabs and expanders whose content a page builds only while open, remembering what was open.

    tab = sections.tabs(("kernel", "geometry"), labels, key="conv_controls", keep="conv_panel")
    if tab["kernel"].open:
        with tab["kernel"]: ...
    box = sections.expander(label, key="conv_code")      # open/closed kept in "conv_code_open"
    if box.open:
        with box: ...

Both rerun the page when opened or switched (`on_change`), so a closed section costs one element per run. A
widget's own state is dropped while it is not on the page (another page, a closed tab), and a tab's value is its
translated label; so the open tab's id and the expander's open state are copied into plain session keys (`keep`)
by the callbacks and put back before the widget is made.
"""

from __future__ import annotations

import streamlit as st


def _remember(widget_key: str, keep_key: str, values: tuple | None = None) -> None:
    """Copy a container's open state (or, for tabs, the id of the open label) into a plain session key."""
    value = st.session_state[widget_key]
    st.session_state[keep_key] = values[1][values[0].index(value)] if values else bool(value)


def _restore(widget_key: str, value) -> None:
    """Put the remembered state back before the widget is made."""
    if st.session_state.get(widget_key) != value:
        st.session_state[widget_key] = value


def expander(label: str, key: str):
    """An expander that reruns when opened or closed (build its content only `if box.open`); its state is kept in
    `<key>_open` across tab and page switches."""
    keep = f"{key}_open"
    _restore(key, bool(st.session_state.get(keep, False)))
    return st.expander(label, key=key, on_change=_remember, args=(key, keep))


def tabs(ids: tuple[str, ...], labels: tuple[str, ...], key: str, keep: str) -> dict:
    """Tabs by id (`labels` in the same order); the open id lives in session key `keep` (the first id if unset or
    unknown), so it survives a language or page switch and can travel in a link."""
    if st.session_state.get(keep) not in ids:
        st.session_state[keep] = ids[0]
    _restore(key, labels[ids.index(st.session_state[keep])])
    made = st.tabs(labels, key=key, on_change=_remember, args=(key, keep, (labels, ids)))
    return dict(zip(ids, made, strict=True))
