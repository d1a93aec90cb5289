"""Gettext catalogues, one domain per audience, compiled in memory when first used.

``translations/<lang>/LC_MESSAGES/<domain>.po`` holds the translations of a domain; no ``.mo``
files are built or committed, so a fresh clone works. The extraction rules of each domain are
``extract/<domain>.cfg`` (Babel mapping files, paths relative to the ``events`` package).
"""

from __future__ import annotations

import functools
import io
from collections.abc import Iterable
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po
from babel.support import NullTranslations, Translations

from events.i18n.languages import CODES, DEFAULT_LANGUAGE

PACKAGE_DIR = Path(__file__).parent
EVENTS_DIR = PACKAGE_DIR.parent
TRANSLATIONS_DIR = PACKAGE_DIR / "translations"
EXTRACTION_DIR = PACKAGE_DIR / "extract"
#: Pages (``messages``, gettext's default domain), e-mails and letters.
DOMAINS = ("messages", "emails", "letters")
#: ``t`` is the badge scanner's (static/scanner.js) translating helper; nothing else calls a ``t``.
KEYWORDS = {"_": None, "gettext": None, "N_": None, "t": None}


def N_(message: str) -> str:
    """Mark a text for the catalogues without translating it yet."""
    return message


def catalogue_path(language: str, domain: str) -> Path:
    return TRANSLATIONS_DIR / language / "LC_MESSAGES" / f"{domain}.po"


@functools.cache
def catalogue_languages(domain: str) -> tuple[str, ...]:
    """English plus every language with a catalogue in ``domain``, in the registry's (UN) order."""
    found = {path.parent.parent.name for path in TRANSLATIONS_DIR.glob(f"*/LC_MESSAGES/{domain}.po")}
    return tuple(code for code in CODES if code == DEFAULT_LANGUAGE or code in found)


def _read(language: str, domain: str) -> Catalog:
    with catalogue_path(language, domain).open("rb") as handle:
        return read_po(handle, locale=language, domain=domain)


@functools.cache
def translations(language: str, domain: str) -> NullTranslations:
    """A language's compiled catalogue of ``domain`` (English, or no catalogue: the texts as written)."""
    if language == DEFAULT_LANGUAGE or language not in catalogue_languages(domain):
        return NullTranslations()
    buffer = io.BytesIO()
    write_mo(buffer, _read(language, domain), use_fuzzy=False)
    buffer.seek(0)
    return Translations(fp=buffer, domain=domain)


def gettext(message: str, language: str, domain: str) -> str:
    return translations(language, domain).gettext(message)


# --- maintenance ---------------------------------------------------------------------------------


def extract_messages(domain: str) -> Catalog:
    """Every message of a domain, freshly extracted from the sources its mapping file names."""
    with (EXTRACTION_DIR / f"{domain}.cfg").open() as handle:
        method_map, options_map = parse_mapping_cfg(handle)
    catalog = Catalog(project="OneStop Events", domain=domain, charset="utf-8")
    for filename, lineno, message, comments, _context in extract_from_dir(
        str(EVENTS_DIR), method_map, options_map, keywords=KEYWORDS
    ):
        catalog.add(message, None, [(filename, lineno)], auto_comments=comments)
    return catalog


def untranslated(language: str, domain: str, messages: Iterable[str] | None = None) -> list[str]:
    """Message ids that the language's catalogue of ``domain`` lacks, leaves empty or marks fuzzy."""
    catalog = _read(language, domain)
    wanted = list(messages) if messages is not None else [m.id for m in extract_messages(domain) if m.id]
    missing = []
    for message_id in wanted:
        entry = catalog.get(message_id)
        if entry is None or not entry.string or entry.fuzzy:
            missing.append(message_id if isinstance(message_id, str) else message_id[0])
    return missing


def update_catalogues() -> None:
    """Add new messages to every catalogue and drop those no longer used (``python -m events.i18n``)."""
    for domain in DOMAINS:
        template = extract_messages(domain)
        for language in catalogue_languages(domain):
            if language == DEFAULT_LANGUAGE:
                continue
            catalog = _read(language, domain)
            catalog.update(template, no_fuzzy_matching=True)
            catalog.obsolete.clear()
            with catalogue_path(language, domain).open("wb") as handle:
                write_po(handle, catalog, width=110, omit_header=False, sort_output=False, no_location=True)
            missing = len(untranslated(language, domain))
            print(
                f"{language}/{domain}: {missing} message(s) to translate in {catalogue_path(language, domain)}"
            )
