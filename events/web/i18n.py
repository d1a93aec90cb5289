"""Languages of the participant pages: catalogues, the choice of language, localised names and dates.

Catalogues are gettext ``.po`` files under ``translations/<lang>/LC_MESSAGES/messages.po``, compiled
in memory when first used (no ``.mo`` files to build or commit, so a fresh clone works). English is the
source language; a language is offered as soon as its catalogue exists. Texts in Python are marked
with :func:`N_` and translated when shown.

Maintainers refresh the catalogues after changing texts with ``python -m events.web.i18n``: it extracts
every message from the templates and the web package and adds new ones (untranslated) to each
catalogue; ``tests/test_web.py`` fails while a French or Spanish message is missing.
"""

from __future__ import annotations

import datetime
import functools
import gettext as gettext_module
import io
import unicodedata
from collections.abc import Callable, Iterable
from pathlib import Path
from zoneinfo import ZoneInfo

import pycountry
from babel import Locale, UnknownLocaleError, dates
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po
from babel.support import NullTranslations, Translations

WEB_DIR = Path(__file__).parent
TRANSLATIONS_DIR = WEB_DIR / "translations"
DEFAULT_LANGUAGE = "en"
LANGUAGE_COOKIE = "lang"
#: Each language in its own name, for the switcher and the preferred-language question.
AUTONYMS = {
    "en": "English",
    "fr": "Français",
    "es": "Español",
    "ar": "العربية",
    "ru": "Русский",
    "zh": "中文",
}
RIGHT_TO_LEFT = frozenset({"ar", "fa", "he", "ur"})
#: How messages are found in the sources (templates and the web package's Python files).
EXTRACTION_METHODS = [
    ("templates/**.html", "jinja2.ext:babel_extract"),
    ("**.py", "python"),
]


def N_(message: str) -> str:
    """Mark a text for the catalogues without translating it yet."""
    return message


@functools.cache
def catalogue_languages() -> tuple[str, ...]:
    """English plus every language with a catalogue, in a stable order."""
    found = sorted(path.parent.parent.name for path in TRANSLATIONS_DIR.glob("*/LC_MESSAGES/messages.po"))
    return (DEFAULT_LANGUAGE, *found)


def is_supported(language: str | None) -> bool:
    return bool(language) and language in catalogue_languages()


def text_direction(language: str) -> str:
    return "rtl" if language.split("-")[0] in RIGHT_TO_LEFT else "ltr"


@functools.cache
def translations(language: str) -> NullTranslations:
    """The compiled catalogue of a language (English, or a missing catalogue: the texts as written)."""
    path = TRANSLATIONS_DIR / language / "LC_MESSAGES" / "messages.po"
    if language == DEFAULT_LANGUAGE or not path.exists():
        return NullTranslations()
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=language)
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return Translations(fp=buffer, domain="messages")


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


def _locale(language: str) -> Locale:
    try:
        return Locale.parse(language)
    except (UnknownLocaleError, ValueError):
        return Locale.parse(DEFAULT_LANGUAGE)


def format_date(value: datetime.date | None, language: str, style: str = "long") -> str:
    return "" if value is None else dates.format_date(value, style, locale=_locale(language))


def format_date_range(start: datetime.date, end: datetime.date, language: str) -> str:
    if start == end:
        return format_date(start, language)
    return dates.format_interval(start, end, "yMMMd", locale=_locale(language))


def format_time(value: datetime.datetime, language: str) -> str:
    """A wall-clock time as given (already in the venue's zone)."""
    return dates.format_time(value, "short", tzinfo=value.tzinfo, locale=_locale(language))


def format_datetime(value: datetime.datetime | None, language: str, zone: str | None = None) -> str:
    """Date and wall-clock time (no seconds) as shown in the value's zone, or in ``zone``."""
    if value is None:
        return ""
    if zone:
        value = value.astimezone(ZoneInfo(zone))
    locale = _locale(language)
    time = dates.format_time(value, "short", tzinfo=value.tzinfo, locale=locale)
    day = dates.format_date(value.date(), "medium", locale=locale)
    return str(locale.datetime_formats["medium"]).format(time, day)


def utc_offset(value: datetime.datetime) -> str:
    """``UTC+04:00`` for an aware time."""
    offset = value.utcoffset() or datetime.timedelta()
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    return f"UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


# --- catalogue maintenance -----------------------------------------------------------------------


def extract_messages() -> Catalog:
    """Every message of the pages, freshly extracted from the templates and the Python files."""
    catalog = Catalog(project="OneStop Events", charset="utf-8")
    for filename, lineno, message, comments, _context in extract_from_dir(
        str(WEB_DIR), EXTRACTION_METHODS, keywords={"_": None, "gettext": None, "N_": None}
    ):
        catalog.add(message, None, [(filename, lineno)], auto_comments=comments)
    return catalog


def untranslated(language: str, messages: Iterable[str] | None = None) -> list[str]:
    """Message ids that the language's catalogue lacks, leaves empty or marks fuzzy."""
    path = TRANSLATIONS_DIR / language / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=language)
    wanted = list(messages) if messages is not None else [m.id for m in extract_messages() if m.id]
    missing = []
    for message_id in wanted:
        entry = catalog.get(message_id)
        if entry is None or not entry.string or entry.fuzzy:
            missing.append(message_id if isinstance(message_id, str) else message_id[0])
    return missing


def update_catalogues() -> None:
    """Add new messages to every catalogue and drop those no longer used (``python -m events.web.i18n``)."""
    template = extract_messages()
    for language in catalogue_languages()[1:]:
        path = TRANSLATIONS_DIR / language / "LC_MESSAGES" / "messages.po"
        with path.open("rb") as handle:
            catalog = read_po(handle, locale=language)
        catalog.update(template, no_fuzzy_matching=True)
        catalog.obsolete.clear()
        with path.open("wb") as handle:
            write_po(handle, catalog, width=110, omit_header=False, sort_output=False, no_location=True)
        print(f"{language}: {len(untranslated(language))} message(s) to translate in {path}")


if __name__ == "__main__":
    update_catalogues()
