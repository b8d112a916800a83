"""Every user-facing string, in English and Ukrainian.

Strings live in `explorer/locales/<section>.py` as `STRINGS = {"section.key": {"en": ..., "uk": ...}}`, one
module per page (plus `common` and `errors`), so each page's text sits in one place and both languages side by
side. Placeholders use str.format names: t("conv.size", lang, size=14).
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache

LANGUAGES = ("en", "uk")
DEFAULT_LANGUAGE = "en"
LANGUAGE_NAMES = {"en": "English", "uk": "Українська"}


@cache
def table() -> dict[str, dict[str, str]]:
    """All strings by key, merged from every locale module; a key defined twice is an error."""
    import explorer.locales as locales

    merged: dict[str, dict[str, str]] = {}
    for info in pkgutil.iter_modules(locales.__path__):
        module = importlib.import_module(f"explorer.locales.{info.name}")
        for key, value in module.STRINGS.items():
            if key in merged:
                raise KeyError(
                    f"translation key {key!r} defined twice (second time in locales/{info.name}.py)"
                )
            merged[key] = value
    return merged


def t(key: str, lang: str = DEFAULT_LANGUAGE, **params) -> str:
    """The string for `key` in `lang`, formatted with `params`; raises KeyError for an unknown key."""
    entry = table()[key]
    text = entry.get(lang) or entry[DEFAULT_LANGUAGE]
    return text.format(**params) if params else text


def missing() -> dict[str, list[str]]:
    """Keys whose text is missing or empty, per language."""
    return {lang: sorted(k for k, v in table().items() if not v.get(lang, "").strip()) for lang in LANGUAGES}


def normalise_language(value) -> str | None:
    """'uk' / 'en' (any case, also 'ua') -> a supported language code, else None."""
    if not isinstance(value, str):
        return None
    value = value.strip().lower()
    value = "uk" if value == "ua" else value
    return value if value in LANGUAGES else None
