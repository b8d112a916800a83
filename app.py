"""Entry point: `streamlit run app.py`. Page config, session defaults, language, navigation, shared sidebar."""

import streamlit as st

from explorer import ui
from explorer.ui import lesson, projector, share, sidebar

PAGES = [  # (file in pages/ and its nav.* title key, icon, url_path; "" is the default page)
    ("draw", ":material/draw:", ""),
    ("convolution", ":material/grid_on:", "convolution"),
    ("feature_maps", ":material/layers:", "feature_maps"),
    ("pooling", ":material/compress:", "pooling"),
    ("why_cnn", ":material/lightbulb:", "why_cnn"),
]
PAGES_KEY = "_pages"  # session state: (language, [st.Page, ...])

ui.remember_lang(None)  # forget the previous run's language until the switch below has read this run's
st.session_state.setdefault(ui.DIGIT, None)
share.start()  # ?sample= ?projector= ?lesson= once per session, before ?lang= is rewritten
sidebar.language_switch()  # sets st.session_state["lang"] (from ?lang= on the first run) before any text
st.set_page_config(page_title=ui.t("app.title"), page_icon=":material/grid_on:", layout="wide")


def pages() -> list:
    """The navigation's pages in this session's language. st.Page resolves its file on disk (~1 ms for five),
    so they are built once per session and language; a page object is never shared between sessions."""
    language = ui.lang()
    cached = st.session_state.get(PAGES_KEY)
    if cached is None or cached[0] != language:
        built = [
            st.Page(f"pages/{name}.py", title=ui.t(f"nav.{name}"), icon=icon, url_path=url, default=not url)
            for name, icon, url in PAGES
        ]
        cached = st.session_state[PAGES_KEY] = (language, built)
    return cached[1]


page = st.navigation(pages())
projector.toggle()
lesson.toggle()
if page.url_path:
    # The draw page shows the digit itself, live; a sidebar thumbnail there would only refresh on full reruns
    # (a stroke reruns just the page's fragment, which can't write to the sidebar).
    sidebar.digit_thumbnail()
page.run()
share.finish()  # the current settings -> the URL, and "copy link" in the sidebar
ui.warm_up()  # once per process: torch and the other heavy imports in the background, then gc.freeze()
