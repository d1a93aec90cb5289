"""Badges through the API and the services: issue, reissue, revoke, keys, scanners, e-badge, printing."""

from __future__ import annotations

import asyncio
import datetime
import io
import os
import sys
import zipfile
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image
from pypdf import PdfReader

from events.audit.tables import AuditEntry
from events.badges import services, tokens
from events.badges.tables import Badge, BadgeKey
from tests.test_registration_workflow import participant_headers, person, register, set_auto_approve

UTC = datetime.UTC
DURING = datetime.datetime(2027, 10, 12, 9, 0, tzinfo=UTC)


async def approved(client, event_id: int, email: str = "amina.moussa@example.org", **overrides) -> int:
    await set_auto_approve(event_id, 100)
    response = await register(client, event_id, person(email=email, **overrides))
    assert response.status_code == 201, response.text
    registration = response.json()["registration"]
    assert registration["status"] == "approved"
    return registration["id"]


async def actions(object_type: str = "badge") -> list[str]:
    rows = (
        await AuditEntry.select(AuditEntry.action)
        .where(AuditEntry.object_type == object_type)
        .order_by(AuditEntry.id)
    )
    return [row["action"] for row in rows]


async def verify(client, event_id: int, headers, token: str) -> dict:
    response = await client.post(
        f"/api/v1/events/{event_id}/badges/verify", json={"token": token}, headers=headers
    )
    assert response.status_code == 200, response.text
    return response.json()


async def test_issuing_is_idempotent_audited_and_signed_with_the_events_key(client, event, event_organiser):
    registration_id = await approved(client, event.id)
    url = f"/api/v1/registrations/{registration_id}/badge"
    first = await client.post(url, json={}, headers=event_organiser.headers)
    assert first.status_code == 201, first.text
    badge = first.json()["badge"]
    assert badge["version"] == 1 and badge["role"] == "participant" and badge["revoked_at"] is None
    again = await client.post(url, json={}, headers=event_organiser.headers)
    assert again.status_code == 200 and again.json()["created"] is False
    assert again.json()["badge"]["id"] == badge["id"] and again.json()["badge"]["token"] == badge["token"]
    speaker = await client.post(url, json={"role": "speaker"}, headers=event_organiser.headers)
    assert speaker.status_code == 200 and speaker.json()["badge"]["role"] == "speaker"
    assert speaker.json()["badge"]["token"] == badge["token"]
    assert await actions() == ["badge.issued", "badge.role_changed"]
    assert await actions("badge_key") == ["badge.key_created"]
    fields = tokens.read_token(badge["token"])
    assert (fields.event_id, fields.badge_id, fields.version) == (event.id, badge["id"], 1)
    # The window: from midnight (Baku, UTC+4) of the day before the event to the end of its last day.
    assert fields.not_before == datetime.datetime(2027, 10, 10, 20, 0, tzinfo=UTC)
    assert fields.not_after == datetime.datetime(2027, 10, 14, 20, 0, tzinfo=UTC)
    key = await BadgeKey.select().where(BadgeKey.event == event.id).first()
    assert key["key_id"] == badge["key_id"] and tokens.from_b64url(key["public_key"])
    assert "private" not in key["private_key_enc"] and len(key["private_key_enc"]) > 60  # encrypted


async def test_only_organisers_issue_and_only_for_approved_registrations(
    client, event, other_organiser, staff, event_organiser
):
    registration_id = await approved(client, event.id)
    url = f"/api/v1/registrations/{registration_id}/badge"
    assert (await client.post(url, json={}, headers=other_organiser.headers)).status_code == 403
    assert (await client.post(url, json={}, headers=staff.headers)).status_code == 403
    assert (await client.post(url, json={}, headers={})).status_code == 401
    await client.post(
        f"/api/v1/registrations/{registration_id}/cancel", json={"note": ""}, headers=event_organiser.headers
    )
    refused = await client.post(url, json={}, headers=event_organiser.headers)
    assert refused.status_code == 409 and "approved" in refused.json()["detail"]
    bad_role = await client.post(url, json={"role": "king"}, headers=event_organiser.headers)
    assert bad_role.status_code == 400


async def test_a_reissued_badge_replaces_the_lost_one_for_scanners(client, event, event_organiser, staff):
    registration_id = await approved(client, event.id)
    url = f"/api/v1/registrations/{registration_id}/badge"
    old = (await client.post(url, json={}, headers=event_organiser.headers)).json()["badge"]
    response = await client.post(f"{url}/reissue", json={"reason": "lost"}, headers=event_organiser.headers)
    assert response.status_code == 201, response.text
    new = response.json()
    assert new["version"] == 2 and new["id"] != old["id"] and new["token"] != old["token"]
    assert (await client.get(url, headers=event_organiser.headers)).json()["id"] == new["id"]
    assert await actions() == ["badge.issued", "badge.reissued"]

    revoked = await client.get(f"/api/v1/events/{event.id}/badges/revoked", headers=staff.headers)
    assert revoked.status_code == 200
    items = revoked.json()["items"]
    assert [(item["badge_id"], item["version"], item["kind"]) for item in items] == [
        (old["id"], 1, "superseded")
    ]
    since = revoked.json()["as_of"]
    later = await client.get(
        f"/api/v1/events/{event.id}/badges/revoked", params={"since": since}, headers=staff.headers
    )
    assert later.json()["items"] == []

    keys = (await client.get(f"/api/v1/events/{event.id}/badges/keys", headers=staff.headers)).json()
    public = [
        tokens.PublicKey(
            key_id=k["key_id"], event_id=k["event_id"], public_key=k["public_key"], retired_at=None
        )
        for k in keys["keys"]
    ]
    revoked_map = {item["badge_id"]: item["kind"] for item in items}
    # The offline verifier, with what the two scanner endpoints gave.
    assert (
        tokens.verify_token(old["token"], public, revoked_map, event.id, DURING).reason
        is tokens.Reason.superseded
    )
    assert isinstance(
        tokens.verify_token(new["token"], public, revoked_map, event.id, DURING), tokens.VerifiedBadge
    )
    # The online one.
    now = datetime.datetime.now(UTC)
    assert (
        await services.verify_scanned(staff.actor, event.id, old["token"], DURING)
    ).reason is tokens.Reason.superseded
    valid = await services.verify_scanned(staff.actor, event.id, new["token"], DURING)
    assert valid.valid and valid.registration_id == registration_id and valid.version == 2
    expired = await services.verify_scanned(
        staff.actor, event.id, new["token"], max(now, DURING) + datetime.timedelta(days=3650)
    )
    assert expired.reason is tokens.Reason.expired
    garbled = await verify(client, event.id, staff.headers, "HELLO")
    assert garbled == {
        "valid": False,
        "reason": "malformed",
        "detail": garbled["detail"],
        "badge_id": None,
        "registration_id": None,
        "version": None,
        "role": None,
    }


async def test_cancelling_a_registration_revokes_its_badge(client, event, event_organiser, staff):
    registration_id = await approved(client, event.id)
    badge = (
        await client.post(
            f"/api/v1/registrations/{registration_id}/badge", json={}, headers=event_organiser.headers
        )
    ).json()["badge"]
    headers = await participant_headers(client, "amina.moussa@example.org")
    cancelled = await client.post(
        f"/api/v1/registrations/{registration_id}/cancel", json={"note": "ill"}, headers=headers
    )
    assert cancelled.status_code == 200, cancelled.text
    row = await Badge.select().where(Badge.id == badge["id"]).first()
    assert (
        row["revoked_at"] is not None
        and row["revoke_reason"] == "registration_cancelled: registration cancelled: ill"
    )
    result = await services.verify_scanned(staff.actor, event.id, badge["token"], DURING)
    assert result.reason is tokens.Reason.registration_cancelled
    assert await actions() == ["badge.issued", "badge.revoked"]
    assert (
        await client.get(f"/api/v1/registrations/{registration_id}/badge.svg", headers=headers)
    ).status_code == 410


async def test_revoke_works_inside_an_open_transaction(client, event, event_organiser):
    from events.db import write_transaction

    registration_id = await approved(client, event.id)
    await services.issue_badge(event_organiser.actor, registration_id)
    async with write_transaction():
        revoked = await services.revoke_badges_of_registration(event_organiser.actor, registration_id, "test")
    assert len(revoked) == 1
    assert (await Badge.select().where(Badge.id == revoked[0]).first())["revoke_reason"] == "revoked: test"
    response = await client.post(
        f"/api/v1/registrations/{registration_id}/badge/revoke",
        json={"reason": ""},
        headers=event_organiser.headers,
    )
    assert response.status_code == 409  # nothing valid left
    reissued = await client.post(
        f"/api/v1/registrations/{registration_id}/badge/reissue", json={}, headers=event_organiser.headers
    )
    assert reissued.status_code == 201 and reissued.json()["version"] == 2


async def test_a_revoked_badge_stays_revoked_until_an_organiser_reissues_it(
    client, event, event_organiser, staff
):
    """Bulk issue and printing skip it, reading it says "revoked"; only a reissue brings a badge back."""
    from events.auth.principal import Actor

    revoked_id = await approved(client, event.id)
    other_id = await approved(client, event.id, email="other@example.org")
    url = f"/api/v1/registrations/{revoked_id}/badge"
    old = (await client.post(url, json={}, headers=event_organiser.headers)).json()["badge"]
    revoke = await client.post(f"{url}/revoke", json={"reason": "misuse"}, headers=event_organiser.headers)
    assert revoke.status_code == 200, revoke.text

    bulk = await client.post(
        f"/api/v1/events/{event.id}/badges/issue", json={}, headers=event_organiser.headers
    )
    assert bulk.status_code == 200, bulk.text
    assert bulk.json()["issued"] == 1 and bulk.json()["existing"] == 0  # the other registration only
    (skipped,) = bulk.json()["skipped"]
    assert skipped["registration_id"] == revoked_id and skipped["badge_id"] == old["id"]
    assert skipped["revocation"] == "revoked" and skipped["revoke_reason"] == "misuse"

    _event, printed, summary = await services.print_selection(Actor.system("cli badges print"), event.id)
    assert [badge.token for badge in printed] == [
        (await services.get_badge(event_organiser.actor, other_id)).token
    ]
    assert summary["skipped_revoked"] == 1 and summary["issued"] == 0
    assert await Badge.count().where(Badge.registration == revoked_id) == 1
    assert (await actions()).count("badge.issued") == 2  # the first badge and the other registration's

    read = await client.get(url, headers=event_organiser.headers)
    assert read.status_code == 410 and read.json()["type"] == "/problems/gone"
    assert read.json()["revocation"] == "revoked" and "revoked" in read.json()["detail"]
    headers = await participant_headers(client, "amina.moussa@example.org")
    assert (await client.get(url, headers=headers)).status_code == 410
    assert (await client.get(f"{url}.svg", headers=headers)).status_code == 410
    single = await client.post(url, json={}, headers=event_organiser.headers)
    assert single.status_code == 409 and "reissue" in single.json()["detail"]

    reissued = await client.post(
        f"{url}/reissue", json={"reason": "cleared"}, headers=event_organiser.headers
    )
    assert reissued.status_code == 201, reissued.text
    assert reissued.json()["version"] == 2 and reissued.json()["revoked_at"] is None
    assert (await client.get(url, headers=headers)).json()["id"] == reissued.json()["id"]
    assert not (await services.verify_scanned(staff.actor, event.id, old["token"], DURING)).valid
    assert (await services.verify_scanned(staff.actor, event.id, reissued.json()["token"], DURING)).valid
    again = await client.post(
        f"/api/v1/events/{event.id}/badges/issue", json={}, headers=event_organiser.headers
    )
    assert again.json()["issued"] == 0 and again.json()["skipped"] == []


async def test_key_rotation_keeps_old_codes_until_the_key_is_retired(client, event, event_organiser, staff):
    first_id = await approved(client, event.id)
    second_id = await approved(client, event.id, email="second@example.org")
    first = await services.issue_badge(event_organiser.actor, first_id)
    rotated = await client.post(
        f"/api/v1/events/{event.id}/badges/keys/rotate", headers=event_organiser.headers
    )
    assert rotated.status_code == 201 and rotated.json()["signing"] is True
    assert (
        await client.post(f"/api/v1/events/{event.id}/badges/keys/rotate", headers=staff.headers)
    ).status_code == 403
    second = await services.issue_badge(event_organiser.actor, second_id)
    assert second.badge.key_id == rotated.json()["key_id"] != first.badge.key_id
    for issued in (first, second):
        assert (await services.verify_scanned(staff.actor, event.id, issued.badge.token, DURING)).valid
    retire = await client.post(
        f"/api/v1/events/{event.id}/badges/keys/{first.badge.key_id}/retire", headers=event_organiser.headers
    )
    assert retire.status_code == 200, retire.text
    assert retire.json()["badges_affected"] == 1 and retire.json()["key"]["retired_at"] is not None
    assert (
        await services.verify_scanned(staff.actor, event.id, first.badge.token, DURING)
    ).reason is tokens.Reason.key_retired
    assert (await services.verify_scanned(staff.actor, event.id, second.badge.token, DURING)).valid
    keys = (await client.get(f"/api/v1/events/{event.id}/badges/keys", headers=staff.headers)).json()["keys"]
    assert [(k["key_id"], k["signing"], k["retired_at"] is None) for k in keys] == [
        (first.badge.key_id, False, False),
        (second.badge.key_id, True, True),
    ]
    reissued = await services.reissue_badge(event_organiser.actor, first_id, "key retired")
    assert reissued.key_id == second.badge.key_id
    assert (await services.verify_scanned(staff.actor, event.id, reissued.token, DURING)).valid
    unknown = await client.post(
        f"/api/v1/events/{event.id}/badges/keys/ABCDEF12/retire", headers=event_organiser.headers
    )
    assert unknown.status_code == 404
    assert "badge.key_rotated" in await actions("badge_key") and "badge.key_retired" in await actions(
        "badge_key"
    )


async def test_a_badge_of_another_event_is_refused_there(
    client, event, other_event, event_organiser, programme_organiser
):
    registration_id = await approved(client, event.id)
    issued = await services.issue_badge(event_organiser.actor, registration_id)
    other_id = await approved(client, other_event.id, email="other@example.org")
    await services.issue_badge(programme_organiser.actor, other_id)
    result = await services.verify_scanned(
        programme_organiser.actor, other_event.id, issued.badge.token, DURING
    )
    assert result.reason is tokens.Reason.wrong_event


async def test_scanner_endpoints_need_staff_of_the_event(client, event, other_organiser, participant):
    for path in ("keys", "revoked"):
        assert (
            await client.get(f"/api/v1/events/{event.id}/badges/{path}", headers=other_organiser.headers)
        ).status_code == 403
        assert (
            await client.get(f"/api/v1/events/{event.id}/badges/{path}", headers=participant.headers)
        ).status_code == 403
        assert (await client.get(f"/api/v1/events/{event.id}/badges/{path}")).status_code == 401


async def test_the_participant_gets_the_e_badge_as_svg_png_and_pdf(client, event, event_organiser):
    registration_id = await approved(client, event.id, preferred_name="Mina")
    other_id = await approved(client, event.id, email="someone@example.org")
    headers = await participant_headers(client, "amina.moussa@example.org")
    base = f"/api/v1/registrations/{registration_id}"
    assert (await client.get(f"{base}/badge.png", headers=headers)).status_code == 404  # not issued yet
    token = (await services.issue_badge(event_organiser.actor, registration_id)).badge.token
    await services.issue_badge(event_organiser.actor, other_id)

    svg = await client.get(f"{base}/badge.svg", headers=headers)
    assert svg.status_code == 200 and svg.headers["content-type"].startswith("image/svg+xml")
    assert svg.text.startswith("<svg") and "private" in svg.headers["cache-control"]
    png = await client.get(f"{base}/badge.png", headers=headers)
    assert png.status_code == 200 and png.headers["content-type"] == "image/png"
    image = Image.open(io.BytesIO(png.content)).convert("L")
    assert [result.text for result in zxingcpp.read_barcodes(image)] == [token]
    pdf = await client.get(f"{base}/badge.pdf", headers=headers)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    text = PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text()
    assert "Mina" in text and "Amina Moussa" in text and "Djibouti (DJI)" in text
    meta = await client.get(f"{base}/badge", headers=headers)
    assert meta.status_code == 200 and meta.json()["token"] == token
    # Another participant's badge is not found with this access.
    assert (
        await client.get(f"/api/v1/registrations/{other_id}/badge.svg", headers=headers)
    ).status_code == 404


async def test_organisers_print_a_zip_of_sheets_and_missing_badges_are_issued(client, event, event_organiser):
    ids = [
        await approved(client, event.id, email=f"p{n}@example.org", family_name=f"Zed{n}") for n in range(5)
    ]
    await services.issue_badge(event_organiser.actor, ids[0], role=None)
    response = await client.post(
        f"/api/v1/events/{event.id}/badges/print",
        json={"sheet": "4xa6", "crop_marks": True},
        headers=event_organiser.headers,
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    (name,) = archive.namelist()
    reader = PdfReader(io.BytesIO(archive.read(name)))
    assert len(reader.pages) == 2
    assert "Zed0" in reader.pages[0].extract_text()
    assert await Badge.count().where(Badge.event == event.id) == 5
    assert (await actions()).count("badge.issued") == 5
    by_country = await services.print_selection(event_organiser.actor, event.id, country="DJ", role=None)
    assert len(by_country[1]) == 5
    assert len((await services.print_selection(event_organiser.actor, event.id, country="NPL"))[1]) == 0
    bad = await client.post(
        f"/api/v1/events/{event.id}/badges/print", json={"sheet": "a3"}, headers=event_organiser.headers
    )
    assert bad.status_code == 400


@pytest.mark.slow
async def test_the_cli_prints_an_events_badges(client, event, event_organiser, tmp_path: Path):
    for n in range(3):
        await approved(client, event.id, email=f"cli{n}@example.org")
    out = tmp_path / "badges.pdf"
    command = [
        sys.executable,
        "-m",
        "events.cli",
        "badges",
        "print",
        "--event",
        event.slug,
        "--sheet",
        "8xa7",
    ]
    process = await asyncio.create_subprocess_exec(
        *command,
        "--crop-marks",
        "--out",
        str(out),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=os.environ.copy(),
    )
    stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=120)
    assert process.returncode == 0, stderr.decode()
    assert (
        "Issued 3 missing badge(s)" in stdout.decode() and "Wrote 3 badge(s) on 1 page(s)" in stdout.decode()
    )
    assert len(PdfReader(str(out)).pages) == 1


async def test_printing_names_the_badges_whose_script_has_no_font(client, event, event_organiser):
    """A passport name in a script no font draws (N'Ko) prints in Latin, and the organiser is
    told which registration and which script; a Nepali name is printed in Devanagari."""
    nko = await approved(
        client,
        event.id,
        email="nko@example.org",
        given_names="ߡߊߡߊߘߎ",
        family_name="ߞߋߌߕߊ",
        latin_name="Mamadou Keita",
    )
    await approved(client, event.id, email="np@example.org", given_names="सीता", family_name="श्रेष्ठ")
    _event, _badges, summary = await services.print_selection(event_organiser.actor, event.id)
    assert summary["names_in_latin"] == {nko: ["NKO"]}
    response = await client.post(
        f"/api/v1/events/{event.id}/badges/print", json={"sheet": "4xa6"}, headers=event_organiser.headers
    )
    assert response.status_code == 200, response.text
    assert response.headers["x-names-in-latin"] == f"{nko} NKO"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    text = " ".join(
        page.extract_text()
        for name in archive.namelist()
        for page in PdfReader(io.BytesIO(archive.read(name))).pages
    )
    assert "Mamadou Keita" in text and "सीता श्रेष्ठ" in text
