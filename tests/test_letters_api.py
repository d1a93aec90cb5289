"""Letters through the API and the services: profile and templates, issuing, superseding,
revoking, verification, access, the ZIP archive and the CLI. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import datetime
import hashlib
import io
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import msgspec
import pytest
from pypdf import PdfReader

from events.audit.tables import AuditEntry
from events.letters import issuing, profiles, stored, verification
from events.letters.tables import Letter, LetterKind
from events.registration.tables import Registration
from events.rendering import qr_png
from tests.factories import SYSTEM
from tests.test_registration_workflow import participant_headers, person, with_visa

PROFILE = {
    "host_name": "UN DESA and the ASAN Service",
    "host_address": "405 East 42nd Street\nNew York, NY 10017, United States",
    "host_contact": "letters@example.org, +1 212 963 1234",
    "signatory_name": "Ana Example",
    "signatory_title": "Programme Director",
    "costs_statement": "The organisers cover the return air ticket, accommodation and daily subsistence allowance.",
}


@pytest.fixture(autouse=True)
def _fresh_limiter():
    verification.VERIFY_LIMITER.reset()
    yield
    verification.VERIFY_LIMITER.reset()


@pytest.fixture
async def profile(client, event, event_organiser) -> dict:
    response = await client.put(
        f"/api/v1/events/{event.id}/letter-profile", json=PROFILE, headers=event_organiser.headers
    )
    assert response.status_code == 200, response.text
    return response.json()


async def register(client, event_id: int, body: dict) -> int:
    response = await client.post(f"/api/v1/events/{event_id}/registrations", json=body)
    assert response.status_code == 201, response.text
    return response.json()["registration"]["id"]


async def approved(client, event, organiser, body: dict) -> tuple[int, dict[str, str]]:
    """Register, take the participant's access (from the e-mailed link), approve."""
    registration_id = await register(client, event.id, body)
    headers = await participant_headers(client, body["email"])
    response = await client.post(
        f"/api/v1/registrations/{registration_id}/approve", json={}, headers=organiser.headers
    )
    assert response.status_code == 200, response.text
    return registration_id, headers


async def issue(client, registration_id: int, kind: str, headers: dict[str, str]):
    return await client.post(
        f"/api/v1/registrations/{registration_id}/letters", json={"kind": kind}, headers=headers
    )


async def actions(object_type: str, object_id) -> list[str]:
    rows = (
        await AuditEntry.select(AuditEntry.action)
        .where(AuditEntry.object_type == object_type, AuditEntry.object_id == str(object_id))
        .order_by(AuditEntry.id)
    )
    return [row["action"] for row in rows]


def verify_path(reference: str) -> str:
    return verification.verification_path(reference)


def text_of(pdf: bytes) -> str:
    return " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages).split())


# --- profile and templates ------------------------------------------------------------------------


async def test_the_profile_is_edited_by_the_events_organisers(
    client, event, event_organiser, other_organiser
):
    url = f"/api/v1/events/{event.id}/letter-profile"
    empty = await client.get(url, headers=event_organiser.headers)
    assert empty.status_code == 200
    assert empty.json()["missing"] == [
        "host_name",
        "host_address",
        "host_contact",
        "signatory_name",
        "signatory_title",
        "costs_statement",
    ]
    assert empty.json()["effective_reference_prefix"] == event.slug.upper()
    assert (await client.put(url, json=PROFILE, headers=other_organiser.headers)).status_code == 403
    assert (await client.get(url)).status_code == 401
    saved = await client.put(
        url, json={**PROFILE, "reference_prefix": "BAKU27"}, headers=event_organiser.headers
    )
    assert saved.status_code == 200, saved.text
    assert saved.json()["missing"] == [] and saved.json()["effective_reference_prefix"] == "BAKU27"
    assert await actions("letter_profile", event.id) == ["letter.profile_updated"]
    lower = await client.put(
        url, json={**PROFILE, "reference_prefix": "baku"}, headers=event_organiser.headers
    )
    assert lower.status_code in {400, 422} and "reference_prefix" in lower.text
    emoji = await client.put(
        url, json={**PROFILE, "host_name": "UN \N{GRINNING FACE}"}, headers=event_organiser.headers
    )
    assert emoji.status_code == 422
    assert emoji.json()["errors"][0]["field"] == "host_name"
    unknown = await client.put(url, json={**PROFILE, "colour": "blue"}, headers=event_organiser.headers)
    assert unknown.status_code == 400


async def test_two_events_cannot_share_a_reference_prefix(
    client, event, other_event, event_organiser, programme_organiser
):
    first = await client.put(
        f"/api/v1/events/{event.id}/letter-profile",
        json={**PROFILE, "reference_prefix": "BAKU27"},
        headers=event_organiser.headers,
    )
    assert first.status_code == 200
    clash = await client.put(
        f"/api/v1/events/{other_event.id}/letter-profile",
        json={**PROFILE, "reference_prefix": "BAKU27"},
        headers=programme_organiser.headers,
    )
    assert clash.status_code == 409 and clash.json()["errors"][0]["field"] == "reference_prefix"
    slug_clash = await client.put(
        f"/api/v1/events/{other_event.id}/letter-profile",
        json={**PROFILE, "reference_prefix": event.slug.upper()},
        headers=programme_organiser.headers,
    )
    assert slug_clash.status_code == 409


def test_long_slugs_get_distinct_prefixes() -> None:
    first = profiles.default_prefix("interregional-workshop-2027-bangkok")
    second = profiles.default_prefix("interregional-workshop-2027-bogota")
    assert len(first) <= 16 and len(second) <= 16 and first != second
    assert profiles.default_prefix("baku-2027") == "BAKU-2027"


async def test_logo_and_signature_images_are_uploaded_checked_and_removed(client, event, event_organiser):
    from PIL import Image

    url = f"/api/v1/events/{event.id}/letter-profile"
    png = qr_png("OneStop Events", 4)
    uploaded = await client.put(
        f"{url}/logo", files={"data": ("logo.png", png, "image/png")}, headers=event_organiser.headers
    )
    assert uploaded.status_code == 200, uploaded.text
    assert uploaded.json()["has_logo"] is True
    shown = await client.get(f"{url}/logo", headers=event_organiser.headers)
    assert shown.status_code == 200 and shown.content == png and shown.headers["content-type"] == "image/png"
    jpeg = io.BytesIO()
    Image.new("RGB", (600, 200), (10, 10, 60)).save(jpeg, "JPEG")
    signature = await client.put(
        f"{url}/signature",
        files={"data": ("s.jpg", jpeg.getvalue(), "image/jpeg")},
        headers=event_organiser.headers,
    )
    assert signature.status_code == 200 and signature.json()["has_signature_image"] is True
    for bad, message in [
        (b"GIF89a" + b"\0" * 100, "PNG or JPEG"),
        (b"\x89PNG\r\n\x1a\n" + b"\0" * 100, "not a readable"),
        (b"\x89PNG\r\n\x1a\n" + b"\0" * (1024 * 1024 + 10), "at most"),
    ]:
        refused = await client.put(
            f"{url}/logo", files={"data": ("x.png", bad, "image/png")}, headers=event_organiser.headers
        )
        assert refused.status_code == 422, refused.text
        assert refused.json()["errors"][0]["field"] == "logo" and message in refused.text
    assert (
        await client.put(
            f"{url}/stamp", files={"data": ("x.png", png, "image/png")}, headers=event_organiser.headers
        )
    ).status_code == 404
    removed = await client.delete(f"{url}/logo", headers=event_organiser.headers)
    assert removed.status_code == 200 and removed.json()["has_logo"] is False
    assert (await client.get(f"{url}/logo", headers=event_organiser.headers)).status_code == 404


async def test_templates_are_edited_without_code_and_checked_when_saved(client, event, event_organiser):
    base = f"/api/v1/events/{event.id}/letter-templates"
    listing = await client.get(base, headers=event_organiser.headers)
    assert listing.status_code == 200
    assert {(t["kind"], t["language"], t["source"]) for t in listing.json()["items"]} == {
        (kind, language, "default")
        for kind in ("invitation", "visa_support", "attendance_certificate")
        for language in ("ar", "zh", "en", "fr", "ru", "es")
    }
    one = await client.get(f"{base}/invitation/fr", headers=event_organiser.headers)
    assert one.json()["title"] == "Lettre d'invitation" and "full_name" in one.json()["placeholders"]
    unknown = await client.put(
        f"{base}/invitation/en",
        json={"title": "Invitation", "body": "Dear {participant},\n\nWelcome to {event_name}."},
        headers=event_organiser.headers,
    )
    assert unknown.status_code == 422
    assert (
        unknown.json()["errors"][0]["field"] == "body"
        and "{participant}" in unknown.json()["errors"][0]["message"]
    )
    visa_only = await client.put(
        f"{base}/invitation/en",
        json={"title": "Invitation", "body": "Passport {passport_number}"},
        headers=event_organiser.headers,
    )
    assert visa_only.status_code == 422
    saved = await client.put(
        f"{base}/invitation/en",
        json={"title": "Invitation to {event_name}", "body": "Dear {full_name},\n\nCome to {event_city}!"},
        headers=event_organiser.headers,
    )
    assert saved.status_code == 200 and saved.json()["source"] == "custom"
    assert (
        (await client.get(f"{base}/invitation/en", headers=event_organiser.headers))
        .json()["body"]
        .startswith("Dear")
    )
    assert (
        await client.put(
            f"{base}/invitation/de", json={"title": "x", "body": "y"}, headers=event_organiser.headers
        )
    ).status_code == 422
    assert (await client.get(f"{base}/memo/en", headers=event_organiser.headers)).status_code == 404
    reset = await client.delete(f"{base}/invitation/en", headers=event_organiser.headers)
    assert reset.status_code == 200 and reset.json()["source"] == "default"
    assert await actions("letter_template", f"{event.id}/invitation/en") == [
        "letter.template_updated",
        "letter.template_reset",
    ]


# --- issuing --------------------------------------------------------------------------------------


async def test_an_approved_participant_gets_signed_letters_in_their_language(
    client, event, event_organiser, profile
):
    registration_id, headers = await approved(client, event, event_organiser, with_visa())  # French
    invitation = await issue(client, registration_id, "invitation", headers)
    assert invitation.status_code == 201, invitation.text
    letter = invitation.json()["letter"]
    assert invitation.json()["created"] is True and invitation.json()["warnings"] == []
    assert letter["reference"] == f"{event.slug.upper()}-INV-000001"
    assert letter["language"] == "fr" and letter["version"] == 1 and letter["status"] == "valid"
    assert letter["signed"] is True
    again = await issue(client, registration_id, "invitation", headers)
    assert again.status_code == 200 and again.json()["created"] is False
    assert again.json()["letter"]["id"] == letter["id"]
    visa = await issue(client, registration_id, "visa_support", headers)
    assert visa.status_code == 201
    assert visa.json()["letter"]["reference"] == f"{event.slug.upper()}-VSL-000001"

    listed = await client.get(f"/api/v1/registrations/{registration_id}/letters", headers=headers)
    assert [item["kind"] for item in listed.json()["items"]] == ["invitation", "visa_support"]
    download = await client.get(visa.json()["letter"]["download_url"], headers=headers)
    assert download.status_code == 200 and download.headers["content-type"] == "application/pdf"
    assert (
        download.headers["content-disposition"]
        == f'attachment; filename="{event.slug.upper()}-VSL-000001.pdf"'
    )
    assert hashlib.sha256(download.content).hexdigest() == visa.json()["letter"]["sha256"]
    text = text_of(download.content)
    assert "Lettre à l'appui d'une demande de visa" in text and "P9876543" in text and "Amina Moussa" in text
    assert PdfReader(io.BytesIO(download.content)).get_fields()["Signature"]  # the PAdES signature field
    assert await actions("letter", letter["id"]) == ["letter.issued"]


async def test_bad_requests_get_clear_answers_never_a_blank_letter(client, event, event_organiser, profile):
    submitted = await register(client, event.id, with_visa(email="waiting@example.org"))
    headers = await participant_headers(client, "waiting@example.org")
    refused = await issue(client, submitted, "invitation", headers)
    assert refused.status_code == 409 and "approved" in refused.json()["detail"]

    no_visa, no_visa_headers = await approved(
        client, event, event_organiser, person(email="novisa@example.org")
    )
    visa = await issue(client, no_visa, "visa_support", no_visa_headers)
    assert visa.status_code == 409 and visa.json()["errors"][0]["field"] == "needs_visa"
    assert (await issue(client, no_visa, "invitation", no_visa_headers)).status_code == 201

    expired, expired_headers = await approved(
        client, event, event_organiser, with_visa(email="expired@example.org", passport_expiry="2025-01-31")
    )
    refused = await issue(client, expired, "visa_support", expired_headers)
    assert refused.status_code == 409 and refused.json()["errors"][0]["field"] == "passport_expiry"
    assert "expired" in refused.json()["errors"][0]["message"]

    short, short_headers = await approved(
        client, event, event_organiser, with_visa(email="short@example.org", passport_expiry="2027-12-01")
    )
    warned = await issue(client, short, "visa_support", short_headers)
    assert warned.status_code == 201
    assert warned.json()["warnings"] == ["passport_valid_less_than_3_months_after_event"]

    nepali, nepali_headers = await approved(
        client,
        event,
        event_organiser,
        person(email="sita@example.org", given_names="सीता", family_name="श्रेष्ठ"),
    )
    assert (await issue(client, nepali, "invitation", nepali_headers)).status_code == 201  # shaped
    # A script no font draws (N'Ko), without a Latin form to print instead, is refused.
    nko, nko_headers = await approved(
        client,
        event,
        event_organiser,
        person(email="nko@example.org", given_names="ߡߊߡߊߘߎ", family_name="ߞߋߌߕߊ"),
    )
    refused = await issue(client, nko, "invitation", nko_headers)
    assert refused.status_code == 409 and refused.json()["errors"][0]["field"] == "latin_name"

    arabic, arabic_headers = await approved(
        client, event, event_organiser, person(email="ar@example.org", preferred_language="ar")
    )
    in_arabic = await issue(client, arabic, "invitation", arabic_headers)
    assert in_arabic.status_code == 201
    assert in_arabic.json()["letter"]["language"] == "ar" and in_arabic.json()["warnings"] == []

    bad_kind = await client.post(
        f"/api/v1/registrations/{no_visa}/letters", json={"kind": "badge"}, headers=no_visa_headers
    )
    assert bad_kind.status_code == 400
    assert await Letter.count().where(Letter.registration.is_in([submitted, expired, nko])) == 0


async def test_an_incomplete_profile_is_named_before_any_letter(client, event, event_organiser):
    registration_id, headers = await approved(client, event, event_organiser, person())
    refused = await issue(client, registration_id, "invitation", headers)
    assert refused.status_code == 409
    assert {error["field"] for error in refused.json()["errors"]} == {
        f"letter_profile.{name}"
        for name in (
            "host_name",
            "host_address",
            "host_contact",
            "signatory_name",
            "signatory_title",
            "costs_statement",
        )
    }


async def test_changed_data_supersedes_and_the_verification_page_follows(
    client, event, event_organiser, profile
):
    registration_id, headers = await approved(
        client, event, event_organiser, with_visa(email="nguyen@example.org")
    )
    first = (await issue(client, registration_id, "visa_support", headers)).json()["letter"]
    page = await client.get(verify_path(first["reference"]))
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "Valid" in page.text and "Amina Moussa" in page.text and event.title in page.text
    assert "P9876543" not in page.text and "1980" not in page.text
    as_json = await client.get(verify_path(first["reference"]), headers={"Accept": "application/json"})
    assert as_json.json() == {
        "reference": first["reference"],
        "valid": True,
        "status": "valid",
        "kind": "visa_support",
        "name": "Amina Moussa",
        "event": {"title": event.title, "start_date": "2027-10-12", "end_date": "2027-10-14"},
        "issued_on": as_json.json()["issued_on"],
        "revoked_on": None,
        "details_erased": False,
    }
    suffix = first["reference"] + ".json?" + verify_path(first["reference"]).split("?")[1]
    assert (await client.get(f"/verify/{suffix}")).json()["valid"] is True

    changed = await client.patch(
        f"/api/v1/registrations/{registration_id}",
        json={"given_names": "Nguyễn Thị Minh", "family_name": "Khai", "passport_number": "C1234567"},
        headers=event_organiser.headers,
    )
    assert changed.status_code == 200, changed.text
    second = await issue(client, registration_id, "visa_support", event_organiser.headers)
    assert second.status_code == 201
    second = second.json()["letter"]
    assert second["version"] == 2 and second["reference"].endswith("-VSL-000002")
    old = (await client.get(verify_path(first["reference"]), headers={"Accept": "application/json"})).json()
    assert old["status"] == "superseded" and old["valid"] is False and old["name"] == "Amina Moussa"
    assert "Superseded" in (await client.get(verify_path(first["reference"]))).text
    new = (await client.get(verify_path(second["reference"]), headers={"Accept": "application/json"})).json()
    assert new["status"] == "valid" and new["name"] == "Nguyễn Thị Minh Khai"
    rows = {row["id"]: row for row in await Letter.select(Letter.id, Letter.status, Letter.superseded_by)}
    assert rows[first["id"]]["status"] == "superseded" and rows[first["id"]]["superseded_by"] == second["id"]
    assert await actions("letter", first["id"]) == ["letter.issued", "letter.superseded"]
    superseded_pdf = await client.get(first["download_url"], headers=headers)
    assert superseded_pdf.status_code == 409  # the participant gets the current one only
    assert (await client.get(first["download_url"], headers=event_organiser.headers)).status_code == 200

    revoked = await client.post(
        f"/api/v1/letters/{second['id']}/revoke",
        json={"reason": "issued in error"},
        headers=event_organiser.headers,
    )
    assert revoked.status_code == 200 and revoked.json()["status"] == "revoked"
    again = await client.post(
        f"/api/v1/letters/{second['id']}/revoke", json={"reason": "twice"}, headers=event_organiser.headers
    )
    assert again.status_code == 200 and again.json()["revoke_reason"] == "issued in error"
    page = await client.get(verify_path(second["reference"]))
    assert page.status_code == 200 and "Revoked" in page.text and "issued in error" not in page.text
    assert (
        await client.get(verify_path(second["reference"]), headers={"Accept": "application/json"})
    ).json()["revoked_on"]
    assert await actions("letter", second["id"]) == ["letter.issued", "letter.revoked"]
    third = await issue(client, registration_id, "visa_support", headers)  # a new one after a revocation
    assert third.status_code == 201 and third.json()["letter"]["version"] == 3


async def test_the_verification_page_refuses_unknown_and_tampered_links(
    client, event, event_organiser, profile
):
    registration_id, headers = await approved(client, event, event_organiser, person())
    reference = (await issue(client, registration_id, "invitation", headers)).json()["letter"]["reference"]
    code = verification.verification_code(reference)
    tampered = code[:-1] + ("a" if code[-1] != "a" else "b")
    for url in [
        f"/verify/{reference}?c={tampered}",
        f"/verify/{reference}",
        f"/verify/{reference[:-1]}9?c={code}",
        f"/verify/{event.slug.upper()}-INV-999999?c={verification.verification_code(event.slug.upper() + '-INV-999999')}",
        "/verify/%3Cscript%3E?c=x",
        f"/verify/{'A' * 300}?c={code}",
        f"/verify/{reference}?c={'a' * 5000}",
    ]:
        page = await client.get(url)
        assert page.status_code == 404, url
        assert "Not valid" in page.text and "<script>" not in page.text
        as_json = await client.get(url, headers={"Accept": "application/json"})
        assert as_json.status_code == 404 and as_json.json()["valid"] is False
    assert (await client.get(f"/verify/{reference}?c={code.upper()}")).status_code == 200


async def test_the_verification_page_is_rate_limited_per_address(client, event, event_organiser, profile):
    registration_id, headers = await approved(client, event, event_organiser, person())
    reference = (await issue(client, registration_id, "invitation", headers)).json()["letter"]["reference"]
    statuses = [(await client.get(verify_path(reference))).status_code for _ in range(31)]
    assert statuses[:30] == [200] * 30 and statuses[30] == 429
    limited = await client.get(verify_path(reference), headers={"Accept": "application/json"})
    assert limited.status_code == 429 and int(limited.headers["retry-after"]) >= 1
    assert limited.headers["content-type"].startswith("application/problem+json")


async def test_cancelling_a_registration_revokes_its_letters(client, event, event_organiser, profile):
    registration_id, headers = await approved(client, event, event_organiser, with_visa())
    invitation = (await issue(client, registration_id, "invitation", headers)).json()["letter"]
    visa = (await issue(client, registration_id, "visa_support", headers)).json()["letter"]
    cancelled = await client.post(
        f"/api/v1/registrations/{registration_id}/cancel", json={"note": "cannot travel"}, headers=headers
    )
    assert cancelled.status_code == 200, cancelled.text
    for letter in (invitation, visa):
        checked = await client.get(verify_path(letter["reference"]), headers={"Accept": "application/json"})
        assert checked.json()["status"] == "revoked"
        assert await actions("letter", letter["id"]) == ["letter.issued", "letter.revoked"]
    reasons = await Letter.select(Letter.revoke_reason).where(Letter.registration == registration_id)
    assert {row["revoke_reason"] for row in reasons} == {"registration cancelled: cannot travel"}
    assert (await client.get(visa["download_url"], headers=headers)).status_code == 409
    assert (await issue(client, registration_id, "invitation", headers)).status_code == 409


async def test_revocation_is_rolled_back_with_a_failed_cancellation(event, profile):
    """The hook runs inside the cancellation's transaction: both commit or neither."""
    from events.db import write_transaction
    from events.registration import schemas as registration_schemas
    from events.registration import submission
    from events.registration.tables import Channel

    submitted = await submission.submit(
        msgspec.convert(
            {**person(), "email": "rollback@example.org"}, registration_schemas.RegistrationCreate
        ),
        event_id=event.id,
        channel=Channel.walk_in,
        actor=SYSTEM,
        approve_when_seats=True,
    )
    registration_id = submitted.registration.id
    await issuing.issue_letter(SYSTEM, registration_id, LetterKind.invitation)
    with pytest.raises(RuntimeError):
        async with write_transaction():
            assert await issuing.revoke_letters_of_registration(SYSTEM, registration_id, "test") == 1
            raise RuntimeError("the cancellation failed")
    assert [row["status"] for row in await Letter.select(Letter.status)] == ["valid"]


# --- access ---------------------------------------------------------------------------------------


async def test_a_participant_cannot_see_anyone_elses_letters(
    client, event, event_organiser, other_organiser, profile
):
    mine, my_headers = await approved(client, event, event_organiser, person(email="me@example.org"))
    theirs, their_headers = await approved(client, event, event_organiser, person(email="them@example.org"))
    their_letter = (await issue(client, theirs, "invitation", their_headers)).json()["letter"]
    (await issue(client, mine, "invitation", my_headers)).json()
    assert (await client.get(their_letter["download_url"], headers=my_headers)).status_code == 404
    assert (
        await client.get(f"/api/v1/registrations/{mine}/letters/{their_letter['id']}.pdf", headers=my_headers)
    ).status_code == 404
    assert (
        await client.get(f"/api/v1/registrations/{theirs}/letters", headers=my_headers)
    ).status_code == 404
    assert (await issue(client, theirs, "invitation", my_headers)).status_code == 404
    assert (
        await client.get(their_letter["download_url"], headers=other_organiser.headers)
    ).status_code == 404
    assert (await client.get(their_letter["download_url"])).status_code == 401
    assert (
        await client.get(f"/api/v1/registrations/{mine}/letters/{their_letter['id']}", headers=my_headers)
    ).status_code == 404
    revoke = await client.post(
        f"/api/v1/letters/{their_letter['id']}/revoke", json={"reason": "x"}, headers=my_headers
    )
    assert revoke.status_code == 404
    revoke = await client.post(
        f"/api/v1/letters/{their_letter['id']}/revoke", json={"reason": "x"}, headers=other_organiser.headers
    )
    assert revoke.status_code == 404
    assert (await client.get(f"/api/v1/events/{event.id}/letters", headers=my_headers)).status_code == 403
    listing = await client.get(
        f"/api/v1/events/{event.id}/letters?kind=invitation", headers=event_organiser.headers
    )
    assert listing.json()["total"] == 2


# --- concurrency, bulk, archive -------------------------------------------------------------------


async def _approved_directly(event_id: int, count: int, **overrides) -> list[int]:
    from events.registration import schemas as registration_schemas
    from events.registration import submission
    from events.registration.tables import Channel

    ids = []
    for number in range(count):
        body = {
            **with_visa(),
            "email": f"p{number}@example.org",
            "family_name": f"Moussa {number}",
            **overrides,
        }
        submitted = await submission.submit(
            msgspec.convert(body, registration_schemas.RegistrationCreate),
            event_id=event_id,
            channel=Channel.walk_in,
            actor=SYSTEM,
            approve_when_seats=True,
        )
        ids.append(submitted.registration.id)
    return ids


async def test_references_are_consecutive_when_letters_are_issued_at_once(event, profile, run_concurrently):
    ids = await _approved_directly(event.id, 6)
    results = await run_concurrently(
        *(issuing.issue_letter(SYSTEM, rid, LetterKind.visa_support) for rid in ids)
    )
    assert not [result for result in results if isinstance(result, BaseException)], results
    references = sorted(result.letter.reference for result in results)
    assert references == [f"{event.slug.upper()}-VSL-{n:06d}" for n in range(1, 7)]
    twice = await run_concurrently(
        issuing.issue_letter(SYSTEM, ids[0], LetterKind.invitation),
        issuing.issue_letter(SYSTEM, ids[0], LetterKind.invitation),
    )
    assert sorted(result.created for result in twice) == [False, True]
    assert twice[0].letter.id == twice[1].letter.id
    assert await Letter.count().where(Letter.kind == "invitation") == 1


async def test_missing_letters_are_issued_in_bulk_and_streamed_as_a_zip(
    client, event, event_organiser, profile
):
    ids = await _approved_directly(event.id, 3)
    await Registration.update({Registration.passport_expiry: datetime.date(2020, 1, 1)}).where(
        Registration.id == ids[2]
    )
    progress = []
    report = await issuing.issue_missing(
        SYSTEM, event.id, list(LetterKind), on_progress=lambda done, total: progress.append((done, total))
    )
    assert report.issued == 5 and report.already_valid == 0
    assert [(item.registration_id, item.kind) for item in report.skipped] == [
        (ids[2], LetterKind.visa_support)
    ]
    assert "passport_expiry" in report.skipped[0].reason
    assert progress[-1] == (6, 6)
    assert (await issuing.issue_missing(SYSTEM, event.id, [LetterKind.invitation])).issued == 0

    response = await client.get(f"/api/v1/events/{event.id}/letters.zip", headers=event_organiser.headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    names = archive.namelist()
    assert len(names) == 6 and names[-1] == "letters.csv"
    stored = {row["reference"]: row["sha256"] for row in await Letter.select(Letter.reference, Letter.sha256)}
    for name in names[:-1]:
        assert hashlib.sha256(archive.read(name)).hexdigest() == stored[name.removesuffix(".pdf")]
    manifest = archive.read("letters.csv").decode("utf-8-sig").splitlines()
    assert manifest[0].startswith("file,reference,kind") and len(manifest) == 6
    only_visa = await client.get(
        f"/api/v1/events/{event.id}/letters.zip?kind=visa_support", headers=event_organiser.headers
    )
    assert len(zipfile.ZipFile(io.BytesIO(only_visa.content)).namelist()) == 3
    assert (
        await client.get(f"/api/v1/events/{event.id}/letters.zip?kind=memo", headers=event_organiser.headers)
    ).status_code == 400
    assert (await actions("event", event.id))[-2:] == [
        "letter.archive_downloaded",
        "letter.archive_downloaded",
    ]


async def test_bulk_letters_are_made_in_worker_processes_with_consecutive_references(event, profile):
    """Two pool processes render and sign; the references follow the one issued before, in the
    order of the registrations, and every letter's signature validates with the service's key."""
    from asn1crypto import x509 as asn1_x509
    from cryptography.hazmat.primitives import serialization
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import async_validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    from events.letters import signing

    ids = await _approved_directly(event.id, 6)
    first = await issuing.issue_letter(SYSTEM, ids[2], LetterKind.visa_support)
    report = await issuing.issue_missing(SYSTEM, event.id, [LetterKind.visa_support], workers=2)
    assert (report.issued, report.already_valid, report.skipped) == (5, 0, [])
    rows = await Letter.select(Letter.registration, Letter.reference, Letter.pdf, Letter.sha256).order_by(
        Letter.id
    )
    prefix = f"{event.slug.upper()}-VSL-"
    assert rows[0]["reference"] == first.letter.reference == f"{prefix}000001"
    assert [(row["registration"], row["reference"]) for row in rows[1:]] == [
        (rid, f"{prefix}{n:06d}") for n, rid in enumerate([i for i in ids if i != ids[2]], start=2)
    ]
    identity = signing.current_identity()
    root = asn1_x509.Certificate.load(identity.certificate.public_bytes(serialization.Encoding.DER))
    for row in rows[1:]:
        pdf = stored.unseal(row["pdf"])
        assert hashlib.sha256(pdf).hexdigest() == row["sha256"]
        (embedded,) = PdfFileReader(io.BytesIO(pdf)).embedded_signatures
        status = await async_validate_pdf_signature(embedded, ValidationContext(trust_roots=[root]))
        assert status.bottom_line and status.intact and status.coverage.name == "ENTIRE_FILE"
        assert row["reference"] in embedded.sig_object["/Reason"]


async def test_the_archive_is_written_one_letter_at_a_time(event, profile):
    ids = await _approved_directly(event.id, 2)
    for registration_id in ids:
        await issuing.issue_letter(SYSTEM, registration_id, LetterKind.invitation)
    chunks = [chunk async for chunk in await stored.archive_chunks(SYSTEM, event.id)]
    assert len(chunks) == 3  # one per letter, then the listing and the central directory
    assert all(len(chunk) < 200_000 for chunk in chunks)
    assert zipfile.ZipFile(io.BytesIO(b"".join(chunks))).testzip() is None


# --- command line ---------------------------------------------------------------------------------


EVENTS = str(Path(sys.executable).with_name("events"))


def test_keys_init_writes_a_private_development_key(tmp_path) -> None:
    environment = {**os.environ, "DATA_DIR": str(tmp_path), "ENVIRONMENT": "development"}
    result = subprocess.run(  # noqa: S603 (our own command)
        [EVENTS, "letters", "keys", "init"],
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    key = tmp_path / "letters" / "signing-key.pem"
    assert key.stat().st_mode & 0o777 == 0o600 and "development" in result.stdout
    again = subprocess.run(  # noqa: S603 (our own command)
        [EVENTS, "letters", "keys", "init"],
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert again.returncode != 0 and "--force" in again.stderr


async def test_the_build_command_issues_missing_letters_and_writes_the_zip(event, profile, tmp_path):
    ids = await _approved_directly(event.id, 2)
    output = tmp_path / "letters.zip"
    process = await asyncio.create_subprocess_exec(
        EVENTS,
        "letters",
        "build",
        "--event",
        event.slug,
        "--kind",
        "visa_support",
        "-o",
        str(output),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=180)
    assert process.returncode == 0, stderr.decode()
    assert "issued 2, already valid 0, skipped 0" in stdout.decode()
    assert re.search(r"wrote 2 letter\(s\)", stdout.decode())
    names = zipfile.ZipFile(output).namelist()
    assert sorted(names) == sorted(
        [f"{event.slug.upper()}-VSL-00000{n}.pdf" for n in (1, 2)] + ["letters.csv"]
    )
    assert await Letter.count().where(Letter.registration.is_in(ids)) == 2


# --- the participant portal -----------------------------------------------------------------------


async def test_the_portal_offers_the_letters_once_approved(client, event, event_organiser, profile):
    from tests.test_web import sign_in_participant

    registration_id = await register(client, event.id, with_visa(email="portal@example.org"))
    await sign_in_participant(client, "portal@example.org")
    page = await client.get("/my/registration")
    assert "/my/registration/letters/" not in page.text  # not approved yet: no dead links
    await client.post(
        f"/api/v1/registrations/{registration_id}/approve", json={}, headers=event_organiser.headers
    )
    page = await client.get("/my/registration")
    assert "/my/registration/letters/invitation.pdf" in page.text
    assert "/my/registration/letters/visa_support.pdf" in page.text
    letter = await client.get("/my/registration/letters/visa_support.pdf")
    assert letter.status_code == 200 and letter.headers["content-type"] == "application/pdf"
    again = await client.get("/my/registration/letters/visa_support.pdf")
    assert hashlib.sha256(again.content).hexdigest() == hashlib.sha256(letter.content).hexdigest()
    assert await Letter.count().where(Letter.registration == registration_id) == 1
    assert (await client.get("/my/registration/letters/memo.pdf")).status_code == 404
    client.cookies.clear()
    anonymous = await client.get("/my/registration/letters/invitation.pdf")
    assert anonymous.status_code == 303 and anonymous.headers["location"] == "/my/registration"


async def test_the_letter_endpoints_are_described_in_openapi(client):
    paths = (await client.get("/schema/openapi.json")).json()["paths"]
    for path in (
        "/api/v1/registrations/{registration_id}/letters",
        "/api/v1/events/{event_id}/letters.zip",
        "/api/v1/events/{event_id}/letter-templates/{kind}/{language}",
        "/api/v1/letters/{letter_id}/revoke",
        "/verify/{reference}",
    ):
        assert path in paths, path
