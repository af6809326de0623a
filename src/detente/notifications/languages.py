"""The four languages of the line, their writing direction and their Babel locales."""

from __future__ import annotations

from typing import Final, Literal, get_args

from .errors import UsageError

__all__ = ["LANGUAGES", "Direction", "Lang", "babel_locale", "check_lang", "direction"]

Lang = Literal["tr", "ar", "en", "ru"]
"""A language code of the line: Turkish, Arabic, English, Russian."""

Direction = Literal["ltr", "rtl"]

LANGUAGES: Final[tuple[Lang, ...]] = get_args(Lang)

_LOCALES: Final[dict[str, str]] = {"tr": "tr_TR", "ar": "ar", "en": "en_GB", "ru": "ru_RU"}


def check_lang(lang: object) -> Lang:
    """Return ``lang`` as a ``Lang``; raise UsageError if it is not one of the four."""
    if lang not in LANGUAGES:
        raise UsageError(f"language {lang!r} is not one of {', '.join(LANGUAGES)}")
    return lang


def direction(lang: Lang) -> Direction:
    """The writing direction of a language: Arabic is right to left."""
    return "rtl" if lang == "ar" else "ltr"


def babel_locale(lang: Lang) -> str:
    """The Babel locale used for dates and numbers in ``lang``."""
    return _LOCALES[lang]
