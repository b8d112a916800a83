"""A guided lesson through the pages in the tutorial's order, with "predict, then reveal" questions.

app.py calls `toggle()` (sidebar, st.session_state["lesson"], ?lesson=1 in links). Each page calls
`panel(<its url_path>, **its current settings)` once its settings are known; in lesson mode that shows, in the
sidebar: "step k of n", what to look at on this page, one question whose answer is computed with explorer.ops
from those settings (a guess first, then "Reveal"), and links to the previous and next page.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import streamlit as st

from explorer import i18n
from explorer.ui import lang, t

KEY = "lesson"  # session-state key of the toggle; browser hook: .st-key-lesson
PARAM = "lesson"  # ?lesson=1
PANEL_KEY = "lesson_panel"  # browser hook: .st-key-lesson_panel
REVEALED = "lesson_revealed"  # id of the question whose answer is shown
# draw a digit first (every other page uses it), then the tutorial's order: why CNNs -> convolution ->
# feature maps -> pooling
PATH = ("", "why_cnn", "convolution", "feature_maps", "pooling")
PAGE_FILES = {
    "": "pages/draw.py",
    "why_cnn": "pages/why_cnn.py",
    "convolution": "pages/convolution.py",
    "feature_maps": "pages/feature_maps.py",
    "pooling": "pages/pooling.py",
}
NAV_KEYS = {
    "": "nav.draw",
    "why_cnn": "nav.why_cnn",
    "convolution": "nav.convolution",
    "feature_maps": "nav.feature_maps",
    "pooling": "nav.pooling",
}
INPUT_SIDE = 28  # MNIST


@dataclass(frozen=True)
class Question:
    """One "predict, then reveal" question: integer answers, one input label per answer, the worked answer."""

    id: str
    text: str
    labels: tuple[str, ...]
    answers: tuple[int, ...]
    explanation: str

    def check(self, guesses) -> bool:
        """True when every guess equals its answer."""
        return len(guesses) == len(self.answers) and all(
            g is not None and int(g) == a for g, a in zip(guesses, self.answers, strict=True)
        )


def _question(page: str, language: str, key: str, labels, answers, explanation: str, **params) -> Question:
    answers = tuple(int(a) for a in answers)
    text = i18n.t(f"lesson.q.{key}", language, **params)
    digest = hashlib.sha1(repr((page, key, params, answers)).encode()).hexdigest()[:10]
    return Question(digest, text, tuple(labels), answers, explanation)


def _pair(value) -> tuple[int, int]:
    return (int(value), int(value)) if isinstance(value, int) else (int(value[0]), int(value[1]))


def question(page: str, language: str = i18n.DEFAULT_LANGUAGE, **settings) -> Question | None:
    """The question for `page` with the current settings (None when the settings give no valid output)."""
    from explorer import ops  # imports torch: not on the first page's path

    tr = lambda key, **p: i18n.t(key, language, **p)  # noqa: E731
    try:
        if page == "":
            side = int(settings.get("side", INPUT_SIDE))
            return _question(
                page,
                language,
                "inputs",
                [tr("lesson.label.inputs")],
                [side * side],
                f"{side} × {side} = {side * side}",
                side=side,
            )
        if page == "why_cnn":
            side, k = int(settings.get("side", INPUT_SIDE)), int(settings.get("kernel_size", 5))
            dense = ops.dense_params(side * side, side * side, bias=False)
            conv = ops.conv_params(1, 1, k, bias=False)
            explanation = f"{side * side} × {side * side} = {dense:,}; {k} × {k} = {conv}"
            labels = [tr("lesson.label.dense"), tr("lesson.label.conv", k=k)]
            return _question(page, language, "weights", labels, [dense, conv], explanation, side=side, k=k)
        if page == "convolution":
            return _size_question(page, language, settings, pool=False)
        if page == "feature_maps":
            layer = settings.get("layer", "conv1")
            names = [layer_.name for layer_ in ops.CONVNET_LAYERS]
            i = names.index(layer)
            shapes = ops.chain_shapes(ops.CONVNET_LAYERS[: i + 2], (INPUT_SIDE, INPUT_SIDE))
            conv, pool = ops.CONVNET_LAYERS[i], ops.CONVNET_LAYERS[i + 1]
            side_in, side, pooled = shapes[i][0], shapes[i + 1][0], shapes[i + 2][0]
            explanation = (
                f"{layer}: {ops.size_formula(side_in, conv.kernel_size, conv.stride, conv.padding)}; "
                f"{pool.name}: {ops.size_formula(side, pool.kernel_size, pool.stride, pool.padding)}"
            )
            labels = [tr("lesson.label.map", layer=layer), tr("lesson.label.map", layer=pool.name)]
            return _question(
                page, language, "layers", labels, [side, pooled], explanation,
                layer=layer, pool=pool.name, side_in=side_in, k=conv.kernel_size, p=conv.padding,
                pk=pool.kernel_size, ps=pool.stride,
            )  # fmt: skip
        if page == "pooling":
            return _size_question(page, language, settings, pool=True)
    except (ValueError, KeyError, TypeError, IndexError):
        return None
    return None


def _size_question(page: str, language: str, s: dict, pool: bool) -> Question:
    """Output height and width of a conv (pool=False) or pooling layer; ValueError for invalid settings."""
    from explorer import ops

    h, w = (int(n) for n in s["input_shape"])
    k, st_, p, d = (
        _pair(s["kernel_size"]),
        _pair(s["stride"]),
        _pair(s.get("padding", 0)),
        _pair(s.get("dilation", 1)),
    )
    ceil_mode = bool(s.get("ceil_mode", False)) if pool else False
    sizes = [ops.output_size(n, k[i], st_[i], p[i], d[i], ceil_mode, pool) for i, n in enumerate((h, w))]
    formulas = [ops.size_formula(n, k[i], st_[i], p[i], d[i], ceil_mode, pool) for i, n in enumerate((h, w))]
    tr = lambda key: i18n.t(key, language)  # noqa: E731
    labels = [tr("lesson.label.height"), tr("lesson.label.width")]
    explanation = f"H: {formulas[0]}; W: {formulas[1]}"
    key = "pool_size" if pool else "conv_size"
    k_text = f"{k[0]}×{k[1]}"
    return _question(
        page, language, key, labels, sizes, explanation,
        h=h, w=w, k=k_text, s=f"{st_[0]}, {st_[1]}", p=f"{p[0]}, {p[1]}", d=f"{d[0]}", ceil=ceil_mode,
    )  # fmt: skip


# ----------------------------------------------------------------------------------------------------------
# Streamlit


def enabled() -> bool:
    """True while lesson mode is on in this session."""
    return bool(st.session_state.get(KEY, False))


def toggle() -> bool:
    """The sidebar toggle for lesson mode (keyboard operable)."""
    st.session_state[KEY] = bool(st.session_state.get(KEY, False))
    return st.sidebar.toggle(t("lesson.toggle"), key=KEY, help=t("lesson.toggle_help"))


def hold_back() -> None:
    """What a page shows instead of the answer while panel() says it is held back."""
    st.info(t("lesson.hidden"), icon=":material/visibility_off:")


def _reveal(question_id: str) -> None:
    st.session_state[REVEALED] = question_id


def _ask(q: Question) -> None:
    """The guess inputs, the reveal button, then the answer."""
    st.markdown(f"**{t('lesson.predict')}** {q.text}")
    guesses = [
        st.number_input(
            label, min_value=0, max_value=10**15, value=None, step=1, key=f"lesson_guess_{q.id}_{i}"
        )
        for i, label in enumerate(q.labels)
    ]
    if st.session_state.get(REVEALED) != q.id:
        st.button(
            t("lesson.reveal"),
            key="lesson_reveal",
            on_click=_reveal,
            args=(q.id,),
            icon=":material/visibility:",
        )
        return
    answer = ", ".join(f"{label}: {a:,}" for label, a in zip(q.labels, q.answers, strict=True))
    if all(g is None for g in guesses):
        st.info(t("lesson.answer", answer=answer))
    elif q.check(guesses):
        st.success(t("lesson.right", answer=answer))
    else:
        st.warning(t("lesson.wrong", answer=answer))
    st.caption(q.explanation)


def panel(page: str, *, container=None, **settings) -> bool:
    """In lesson mode: step k of n, what to look at, a question about the current `settings`, prev/next links.
    Returns True while that question waits for its guess: the page then holds back what gives the answer away."""
    if not enabled() or page not in PATH:
        return False
    k, n = PATH.index(page) + 1, len(PATH)
    box = container if container is not None else st.sidebar
    with box.container(key=PANEL_KEY, border=True):
        st.markdown(f"**{t('lesson.step', k=k, n=n, title=t(NAV_KEYS[page]))}**")
        st.progress(k / n)
        st.markdown(t(f"lesson.look.{page or 'draw'}"))
        q = question(page, lang(), **settings)
        if q is not None:
            _ask(q)
        if k > 1:
            prev = PATH[k - 2]
            st.page_link(
                PAGE_FILES[prev],
                label=t("lesson.prev", title=t(NAV_KEYS[prev])),
                icon=":material/arrow_back:",
            )
        if k < n:
            nxt = PATH[k]
            st.page_link(
                PAGE_FILES[nxt],
                label=t("lesson.next", title=t(NAV_KEYS[nxt])),
                icon=":material/arrow_forward:",
            )
        else:
            st.caption(t("lesson.done"))
    return q is not None and st.session_state.get(REVEALED) != q.id
