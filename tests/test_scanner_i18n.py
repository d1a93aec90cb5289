"""The badge scanner (/scan) in the reader's language: the page's texts, its direction, and the
translations of the texts its script shows, handed over in a JSON block the script reads."""

from __future__ import annotations

import json
import re

from events.checkin import controllers
from events.i18n import catalogues
from events.web import i18n

TEXTS_BLOCK = re.compile(r'<script type="application/json" id="scanner-texts">(.*?)</script>', re.S)


def _texts(html: str) -> dict[str, str]:
    match = TEXTS_BLOCK.search(html)
    assert match is not None
    return json.loads(match.group(1))


async def test_the_scanner_speaks_arabic_right_to_left(client):
    page = await client.get("/scan?lang=ar")
    assert page.status_code == 200
    assert '<html lang="ar" dir="rtl">' in page.text
    assert "ماسح الشارات" in page.text and "بدء المسح" in page.text  # title, "Start scanning"
    assert "Start scanning" not in page.text
    texts = _texts(page.text)
    people = "Offline data: %(count)s people may pass, updated %(time)s. Device %(device)s."
    assert texts[people] == i18n.translations("ar").gettext(people) != people
    assert "%(count)s" in texts[people] and "يمكن" in texts[people]
    assert texts["✗ DENIED"] == "✗ مرفوض"
    assert texts["Forged or altered badge"] != "Forged or altered badge"
    assert '<a href="/scan?lang=en" lang="en" hreflang="en">English</a>' in page.text
    # Chosen once, remembered: the next visit without ?lang= is Arabic too.
    again = await client.get("/scan")
    assert '<html lang="ar" dir="rtl">' in again.text


async def test_the_scanner_follows_the_browser_and_defaults_to_english(client):
    french = await client.get("/scan", headers={"Accept-Language": "fr-CH, en;q=0.5"})
    assert '<html lang="fr" dir="ltr">' in french.text and "Commencer à scanner" in french.text
    english = await client.get("/scan")
    assert '<html lang="en" dir="ltr">' in english.text and "Start scanning" in english.text
    texts = _texts(english.text)
    assert texts["Admit %(name)s"] == "Admit %(name)s"


def test_every_scanner_text_is_in_the_catalogues_and_the_block_is_safe() -> None:
    extracted = {message.id for message in catalogues.extract_messages("messages")}
    assert set(controllers.scanner_texts()) <= extracted
    assert {"✓ ADMITTED", "Decided offline on this phone; it will be sent when the network is back."} <= set(
        controllers.scanner_texts()
    )
    for language in i18n.catalogue_languages():
        block = str(controllers.texts_json(language))
        assert "</" not in block and "<" not in block
        assert json.loads(block).keys() == set(controllers.scanner_texts())
