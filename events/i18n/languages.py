"""The languages the service knows: each one's code, name in itself, writing direction and CLDR locale.

Pages, e-mails, letters and the participant portal all read this table; whether a language is
*offered* somewhere depends on whether that place has its catalogue (see
:mod:`events.i18n.catalogues`). A language listed here without a catalogue falls back to English.
"""

from __future__ import annotations

from functools import cache
from typing import Literal

import msgspec
from babel import Locale

Direction = Literal["ltr", "rtl"]


class Language(msgspec.Struct, frozen=True):
    code: str
    #: The language's name in itself, for the language switcher and the preferred-language question.
    autonym: str
    direction: Direction
    #: The CLDR locale dates, numbers and country names are formatted in (British English: the
    #: service's own wording is British).
    locale: str


DEFAULT_LANGUAGE = "en"
#: In the United Nations' order of its official languages (the order of the language switcher).
LANGUAGES: tuple[Language, ...] = (
    Language("ar", "العربية", "rtl", "ar"),
    Language("zh", "中文", "ltr", "zh_Hans_CN"),
    Language("en", "English", "ltr", "en_GB"),
    Language("fr", "Français", "ltr", "fr_FR"),
    Language("ru", "Русский", "ltr", "ru_RU"),
    Language("es", "Español", "ltr", "es_ES"),
)
BY_CODE: dict[str, Language] = {language.code: language for language in LANGUAGES}
CODES: tuple[str, ...] = tuple(BY_CODE)
AUTONYMS: dict[str, str] = {language.code: language.autonym for language in LANGUAGES}


def language(code: str | None) -> Language:
    """The language of a code such as ``fr`` or ``fr-CA``; English when the code is unknown."""
    base = (code or "").split("-")[0].split("_")[0].lower()
    return BY_CODE.get(base) or BY_CODE[DEFAULT_LANGUAGE]


def direction(code: str | None) -> Direction:
    return language(code).direction


def locale(code: str | None) -> Locale:
    """The Babel locale of a language (English for an unknown code)."""
    return _parsed(language(code).locale)


@cache
def _parsed(identifier: str) -> Locale:
    return Locale.parse(identifier)
