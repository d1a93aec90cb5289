"""Letters and data protection (issue 13 item 1): stored PDFs are encrypted with the data keys,
the key's rotation covers them, and the retention purge erases the visa-support letters' PDFs
while their references keep verifying. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import base64
import dataclasses
import datetime
import hashlib
import json

import pytest
from cryptography.fernet import Fernet

from events import crypto
from events.audit.tables import AuditEntry
from events.auth.principal import Actor
from events.letters.tables import Letter
from events.settings import get_settings
from tests.conftest import IS_POSTGRES
from tests.database_files import stored_database_bytes
from tests.test_letters_api import approved, issue, text_of, verify_path
from tests.test_registration_workflow import PASSPORT, with_visa

pytestmark = pytest.mark.usefixtures("profile")
SYSTEM = Actor.system("tests")


@pytest.fixture(autouse=True)
def _fresh_limiter():
    from events.letters import verification

    verification.VERIFY_LIMITER.reset()
    yield
    verification.VERIFY_LIMITER.reset()


@pytest.fixture
async def profile(client, event, event_organiser) -> dict:
    from tests.test_letters_api import PROFILE

    response = await client.put(
        f"/api/v1/events/{event.id}/letter-profile", json=PROFILE, headers=event_organiser.headers
    )
    assert response.status_code == 200, response.text
    return response.json()


async def _download(client, letter: dict, headers: dict[str, str]):
    return await client.get(letter["download_url"], headers=headers)


async def _raw_letter_column() -> bytes:
    """The ``letter.pdf`` column as the database holds it, and on SQLite the whole file and WAL."""
    if IS_POSTGRES:
        from piccolo.querystring import QueryString

        from events.db import get_engine

        rows = await get_engine().run_querystring(
            QueryString("SELECT encode(pdf, 'escape') AS line FROM letter")
        )
        return "\n".join(row["line"] for row in rows).encode("latin-1", "replace")
    return await stored_database_bytes()


async def test_the_stored_pdf_of_a_visa_letter_is_encrypted_and_the_download_is_the_signed_pdf(
    client, event, event_organiser
):
    registration_id, headers = await approved(client, event, event_organiser, with_visa())
    letter = (await issue(client, registration_id, "visa_support", headers)).json()["letter"]
    downloaded = await _download(client, letter, headers)
    assert downloaded.status_code == 200
    pdf = downloaded.content
    assert pdf.startswith(b"%PDF") and hashlib.sha256(pdf).hexdigest() == letter["sha256"]
    assert PASSPORT in text_of(pdf)

    stored = bytes((await Letter.select(Letter.pdf).where(Letter.id == letter["id"]).first())["pdf"])
    assert b"%PDF" not in stored and PASSPORT.encode() not in stored
    assert crypto.decrypt_bytes(stored) == pdf  # sealed with the data keys, the plaintext is the signed PDF
    raw = await _raw_letter_column()
    assert b"%PDF" not in raw and PASSPORT.encode() not in raw


def _keys(monkeypatch, *keys: str) -> None:
    settings = dataclasses.replace(get_settings(), data_encryption_keys=keys)
    monkeypatch.setattr(crypto, "get_settings", lambda: settings)
    crypto.reset_cache()


async def test_rotating_the_data_key_re_encrypts_letter_pdfs_and_the_old_key_can_go(
    client, event, event_organiser, monkeypatch
):
    from events.letters import retention

    registration_id, headers = await approved(client, event, event_organiser, with_visa())
    visa = (await issue(client, registration_id, "visa_support", headers)).json()["letter"]
    invitation = (await issue(client, registration_id, "invitation", headers)).json()["letter"]
    before = {
        letter["id"]: (await _download(client, letter, headers)).content for letter in (visa, invitation)
    }
    # A letter stored before encryption existed is read as it is, and the rotation encrypts it.
    await Letter.update({Letter.pdf: before[invitation["id"]]}).where(Letter.id == invitation["id"])
    assert (await _download(client, invitation, headers)).content == before[invitation["id"]]

    old = base64.urlsafe_b64encode(crypto.derive_key(get_settings().secret_key, "data-encryption")).decode()
    new = Fernet.generate_key().decode()
    try:
        _keys(monkeypatch, new, old)
        assert await retention.rotate_data_key(SYSTEM) == 2
        _keys(monkeypatch, new)  # the retired key is removed
        for letter in (visa, invitation):
            stored = bytes((await Letter.select(Letter.pdf).where(Letter.id == letter["id"]).first())["pdf"])
            assert Fernet(new.encode()).decrypt(stored) == before[letter["id"]]
            again = await _download(client, letter, headers)
            assert again.status_code == 200 and again.content == before[letter["id"]]
            assert hashlib.sha256(again.content).hexdigest() == letter["sha256"]
    finally:
        monkeypatch.undo()
        crypto.reset_cache()
    assert await AuditEntry.count().where(AuditEntry.action == "letter.data_key_rotated") == 1


async def test_the_retention_purge_erases_visa_letters_and_the_reference_still_verifies(
    client, event, event_organiser
):
    from events.registration import retention

    registration_id, headers = await approved(client, event, event_organiser, with_visa())
    visa = (await issue(client, registration_id, "visa_support", headers)).json()["letter"]
    invitation = (await issue(client, registration_id, "invitation", headers)).json()["letter"]
    json_headers = {"Accept": "application/json"}
    before = await client.get(verify_path(visa["reference"]), headers=json_headers)
    assert before.json()["valid"] is True and before.json()["name"] == "Amina Moussa"

    after_retention = event.end_date + datetime.timedelta(days=get_settings().sensitive_retention_days + 1)
    purged = await retention.purge_sensitive(SYSTEM, today=after_retention)
    assert purged == {event.id: 1}

    for who in (headers, event_organiser.headers):
        gone = await _download(client, visa, who)
        assert gone.status_code == 410, gone.text
        assert gone.json()["type"] == "/problems/gone" and "retention policy" in gone.json()["detail"]
    assert (await _download(client, invitation, headers)).content.startswith(b"%PDF")  # no passport data
    stored = await Letter.select(Letter.pdf, Letter.status).where(Letter.id == visa["id"]).first()
    assert bytes(stored["pdf"]) == b"" and stored["status"] == "expired"

    answer = (await client.get(verify_path(visa["reference"]), headers=json_headers)).json()
    assert answer["valid"] is False and answer["status"] == "expired" and answer["details_erased"] is True
    assert answer["name"] == "" and answer["reference"] == visa["reference"]
    page = await client.get(verify_path(visa["reference"]))
    assert page.status_code == 200 and "Expired, details erased" in page.text
    assert "Amina Moussa" not in page.text and visa["reference"] in page.text
    french = await client.get(verify_path(visa["reference"]) + "&lang=fr")
    assert "Expirée, données effacées" in french.text and 'lang="fr"' in french.text
    spanish = await client.get(verify_path(visa["reference"]), headers={"Accept-Language": "es"})
    assert "Caducada, datos borrados" in spanish.text
    invitation_answer = (await client.get(verify_path(invitation["reference"]), headers=json_headers)).json()
    assert invitation_answer["valid"] is True and invitation_answer["details_erased"] is False

    entries = await AuditEntry.select(AuditEntry.data).where(AuditEntry.action == "letter.erased")
    assert len(entries) == 1 and json.loads(entries[0]["data"])["references"] == [visa["reference"]]
    await retention.purge_sensitive(SYSTEM, today=after_retention)  # daily: nothing more
    assert await AuditEntry.count().where(AuditEntry.action == "letter.erased") == 1
    reissued = await issue(client, registration_id, "visa_support", event_organiser.headers)
    assert reissued.status_code == 409  # the passport data is gone: no new visa letter either
