"""Languages of the participant pages: the choice of language, localised names and dates.

Languages come from :mod:`events.i18n.languages`; the pages' texts are the ``messages`` domain of
:mod:`events.i18n.catalogues` (see :mod:`events.i18n` for extracting and updating catalogues), read
through :mod:`events.i18n.labels` (shared with the documents the core builds). A language is
offered as soon as its ``messages`` catalogue exists. Texts in Python are marked with :func:`N_` and
translated when shown.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from pathlib import Path

from babel.messages.catalog import Catalog

from events.i18n import catalogues, languages
from events.i18n.catalogues import N_
from events.i18n.formatting import format_date, format_date_range, format_datetime, format_number, format_time
from events.i18n.labels import DOMAIN, countries, country_names, gettext_for, translations
from events.i18n.languages import AUTONYMS, DEFAULT_LANGUAGE

__all__ = [
    "AUTONYMS",
    "DEFAULT_LANGUAGE",
    "N_",
    "countries",
    "country_names",
    "format_date",
    "format_date_range",
    "format_datetime",
    "format_number",
    "format_time",
    "gettext_for",
    "translations",
]

WEB_DIR = Path(__file__).parent
LANGUAGE_COOKIE = "lang"


def catalogue_languages() -> tuple[str, ...]:
    """English plus every language with a catalogue of the pages, in a stable order."""
    return catalogues.catalogue_languages(DOMAIN)


def is_supported(language: str | None) -> bool:
    return bool(language) and language in catalogue_languages()


def text_direction(language: str) -> str:
    return languages.direction(language)


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
