"""Languages of the participant pages: the choice of language, localised names and dates.

Languages come from :mod:`events.i18n.languages`; the pages' texts are the ``messages`` domain of
:mod:`events.i18n.catalogues` (see :mod:`events.i18n` for extracting and updating catalogues). A
language is offered as soon as its ``messages`` catalogue exists. Texts in Python are marked with
:func:`N_` and translated when shown.
"""

from __future__ import annotations

import datetime
import functools
import gettext as gettext_module
import unicodedata
from collections.abc import Callable, Iterable
from pathlib import Path

import pycountry
from babel.messages.catalog import Catalog
from babel.support import NullTranslations

from events.i18n import catalogues, languages
from events.i18n.catalogues import N_
from events.i18n.formatting import format_date, format_date_range, format_datetime, format_number, format_time
from events.i18n.languages import AUTONYMS, DEFAULT_LANGUAGE

__all__ = [
    "AUTONYMS",
    "DEFAULT_LANGUAGE",
    "N_",
    "format_date",
    "format_date_range",
    "format_datetime",
    "format_number",
    "format_time",
]

WEB_DIR = Path(__file__).parent
LANGUAGE_COOKIE = "lang"
DOMAIN = "messages"


def catalogue_languages() -> tuple[str, ...]:
    """English plus every language with a catalogue of the pages, in a stable order."""
    return catalogues.catalogue_languages(DOMAIN)


def is_supported(language: str | None) -> bool:
    return bool(language) and language in catalogue_languages()


def text_direction(language: str) -> str:
    return languages.direction(language)


def translations(language: str) -> NullTranslations:
    """The compiled catalogue of the pages in a language (English, or none: the texts as written)."""
    return catalogues.translations(language, DOMAIN)


def gettext_for(language: str) -> Callable[..., str]:
    """``gettext(message, **values)`` in a language, filling ``%(name)s`` placeholders."""
    catalogue = translations(language)

    def translate(message: str, **values: object) -> str:
        text = catalogue.gettext(message)
        return text % values if values else text

    return translate


def negotiate(accept_language: str | None) -> str | None:
    """The best supported language in an ``Accept-Language`` header, or ``None``."""
    if not accept_language:
        return None
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(accept_language.split(",")):
        tag, _, parameters = part.strip().partition(";")
        quality = 1.0
        if parameters.strip().startswith("q="):
            try:
                quality = float(parameters.strip()[2:])
            except ValueError:
                quality = 0.0
        if tag and quality > 0:
            ranked.append((-quality, position, tag.strip().lower()))
    for _, _, tag in sorted(ranked):
        base = tag.split("-")[0]
        if is_supported(base):
            return base
    return None


# --- names ---------------------------------------------------------------------------------------


def _sort_key(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)).casefold()


@functools.cache
def countries(language: str) -> tuple[tuple[str, str], ...]:
    """(alpha-3, name) of every country, named and sorted in ``language`` (pycountry's iso-codes)."""
    try:
        names = gettext_module.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[language])
        translate = names.gettext
    except OSError:
        translate = str
    rows = []
    for country in pycountry.countries:
        name = getattr(country, "common_name", None) or country.name
        rows.append((country.alpha_3, translate(name)))
    return tuple(sorted(rows, key=lambda row: _sort_key(row[1])))


@functools.cache
def country_names(language: str) -> dict[str, str]:
    return dict(countries(language))


def utc_offset(value: datetime.datetime) -> str:
    """``UTC+04:00`` for an aware time."""
    offset = value.utcoffset() or datetime.timedelta()
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    return f"UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


# --- catalogue maintenance -----------------------------------------------------------------------


def extract_messages() -> Catalog:
    """Every message of the pages, freshly extracted from the templates and the Python files."""
    return catalogues.extract_messages(DOMAIN)


def untranslated(language: str, messages: Iterable[str] | None = None) -> list[str]:
    """Message ids that the language's catalogue of the pages lacks, leaves empty or marks fuzzy."""
    return catalogues.untranslated(language, DOMAIN, messages)
