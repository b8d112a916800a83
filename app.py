"""Entry point: `streamlit run app.py`. Page config, session defaults, language, navigation, shared sidebar."""

import streamlit as st

from explorer import ui
from explorer.ui import lesson, projector, share, sidebar

ui.remember_lang(None)  # forget the previous run's language until the switch below has read this run's
st.session_state.setdefault(ui.DIGIT, None)
share.start()  # ?sample= ?projector= ?lesson= once per session, before ?lang= is rewritten
sidebar.language_switch()  # sets st.session_state["lang"] (from ?lang= on the first run) before any text
st.set_page_config(page_title=ui.t("app.title"), page_icon=":material/grid_on:", layout="wide")

PAGES = [
    st.Page("pages/draw.py", title=ui.t("nav.draw"), icon=":material/draw:", url_path="", default=True),
    st.Page(
        "pages/convolution.py",
        title=ui.t("nav.convolution"),
        icon=":material/grid_on:",
        url_path="convolution",
    ),
    st.Page(
        "pages/feature_maps.py",
        title=ui.t("nav.feature_maps"),
        icon=":material/layers:",
        url_path="feature_maps",
    ),
    st.Page("pages/pooling.py", title=ui.t("nav.pooling"), icon=":material/compress:", url_path="pooling"),
    st.Page("pages/why_cnn.py", title=ui.t("nav.why_cnn"), icon=":material/lightbulb:", url_path="why_cnn"),
]
page = st.navigation(PAGES)
projector.toggle()
lesson.toggle()
if page.url_path:
    # The draw page shows the digit itself, live; a sidebar thumbnail there would only refresh on full reruns
    # (a stroke reruns just the page's fragment, which can't write to the sidebar).
    sidebar.digit_thumbnail()
page.run()
share.finish()  # the current settings -> the URL, and "copy link" in the sidebar
ui.warm_up()  # once per process: torch and the other heavy imports in the background, then gc.freeze()
