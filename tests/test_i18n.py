"""The translation tables are complete and consistent, and every page really renders in Ukrainian."""

from __future__ import annotations

import ast
import re
import string
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

import explorer.locales as locales
from explorer import i18n
from explorer.samples import load_samples

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")
PAGES = sorted(p.name for p in (ROOT / "pages").glob("*.py"))
LATIN_WORD = re.compile(r"[A-Za-z]{3,}")


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def test_every_key_has_english_and_ukrainian():
    assert i18n.missing() == {"en": [], "uk": []}
    for key, entry in i18n.table().items():
        assert set(entry) == set(i18n.LANGUAGES), key


def test_placeholders_match_between_languages():
    for key, entry in i18n.table().items():
        assert placeholders(entry["en"]) == placeholders(entry["uk"]), key


def test_every_string_formats():
    for key, entry in i18n.table().items():
        params = {name: 1 for name in placeholders(entry["en"])}
        for lang in i18n.LANGUAGES:
            assert i18n.t(key, lang, **params)


def test_no_key_defined_twice():
    # across modules, table() raises; within one dict literal Python would silently keep the last one
    i18n.table.cache_clear()
    i18n.table()
    seen: dict[str, str] = {}
    for path in sorted(Path(locales.__path__[0]).glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Assign) and any(
                getattr(t, "id", None) == "STRINGS" for t in node.targets
            ):
                for k in node.value.keys:
                    key = k.value
                    assert key not in seen, f"{key!r} in {path.name} and {seen[key]}"
                    seen[key] = path.name
    assert set(seen) == set(i18n.table())


def test_unknown_language_falls_back_to_english():
    assert i18n.t("nav.draw", "xx") == i18n.t("nav.draw", "en")
    assert i18n.normalise_language("UA") == "uk"
    assert i18n.normalise_language("<script>") is None


def english_fragments() -> set[str]:
    """English text that must never show on a Ukrainian page: the literal parts of strings that differ."""
    out = set()
    for entry in i18n.table().values():
        if entry["en"] == entry["uk"]:
            continue
        for literal, *_ in string.Formatter().parse(entry["en"]):
            literal = literal.strip(" .,:;—-·()")
            if len(LATIN_WORD.findall(literal)) >= 3:
                out.add(literal)
    return out


def rendered_texts(node) -> list[str]:
    """Every label, value, help and option string under an AppTest node."""
    texts = []
    for attr in ("value", "label", "help", "placeholder", "caption", "options"):
        try:
            v = getattr(node, attr, None)
        except Exception:  # some accessors need a value the widget doesn't have
            continue
        if isinstance(v, str):
            texts.append(v)
        elif isinstance(v, list | tuple):
            texts.extend(x for x in v if isinstance(x, str))
    for child in getattr(node, "children", {}).values():
        texts.extend(rendered_texts(child))
    return texts


@pytest.mark.parametrize("lesson", [False, True], ids=["plain", "lesson+projector"])
@pytest.mark.parametrize("page", PAGES)
def test_page_renders_in_ukrainian(page, lesson):
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["lang"] = "uk"
    at.session_state["digit"] = load_samples().digit(14)
    at.session_state["lesson"] = lesson  # with it: the lesson panel's texts (the page holds back its answer)
    at.session_state["projector"] = lesson
    at.run()
    if page != "draw.py":
        at.switch_page(f"pages/{page}").run()
    assert not at.exception, [e.value for e in at.exception]
    texts = rendered_texts(at.main) + rendered_texts(at.sidebar)
    assert any(re.search("[а-яіїєґА-ЯІЇЄҐ]", x) for x in texts), "no Ukrainian text rendered"
    english = english_fragments()
    leaks = sorted({frag for x in texts for frag in english if frag in x})
    assert not leaks, f"English text on the Ukrainian page {page}: {leaks[:5]}"
    shown = bool(at.sidebar.get("progress") or at.main.get("progress"))
    assert shown == lesson, "the lesson panel shows exactly in lesson mode"
