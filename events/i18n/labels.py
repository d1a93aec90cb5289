"""Words that pages and documents share, in the reader's language: the pages' catalogue (the
``messages`` domain) as :func:`gettext_for`, and country names.

The core uses them where it writes for a reader outside the pages (the programme report's PDF and
XLSX, the action plans' report), so they live here and not in :mod:`events.web`, which imports them
from here (the core never imports the web layer). The labels of the registration's choices are in
:mod:`events.i18n.choices`.
"""

from __future__ import annotations

import functools
import gettext as gettext_module
import unicodedata
from collections.abc import Callable

import pycountry
from babel.support import NullTranslations

from events.i18n import catalogues
from events.i18n.catalogues import N_

__all__ = ["DOMAIN", "N_", "countries", "country_names", "gettext_for", "translations"]

#: The pages' catalogue, which the documents built beside them share.
DOMAIN = "messages"


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
