"""Certificates of attendance: eligibility from real scan records (online, exit, offline synced
late, cancelled, unmeasured and optional sessions), the rule and its validation, the session-delete
refusal, issuing / verifying / revoking, the bulk job, the console, the participant's access and the
report. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import datetime
import re

import pytest

from events.audit.tables import AuditEntry
from events.auth.tables import Role
from events.certificates import issuing as certificate_issuing
from events.certificates.report import certificate_section
from events.jobs import runner
from events.letters import verification
from events.letters.controllers import portal_downloads
from events.letters.tables import Letter, LetterKind
from events.programme import schemas as programme_schemas
from events.programme import services as programme_services
from events.registration import reading
from tests import test_checkin
from tests.factories import SYSTEM, create_account
from tests.test_checkin import add_session, answer, badge, checkpoint, offline, sync
from tests.test_letters_api import PROFILE, approved
from tests.test_registration_workflow import person
from tests.test_rendering_scripts import PDFTOTEXT, poppler_text, pypdf_text
from tests.test_web import sign_in_organiser

API = "/api/v1"
fresh_caches = test_checkin.fresh_caches
live_event = test_checkin.live_event


@pytest.fixture(autouse=True)
def _fresh_limiter():
    verification.VERIFY_LIMITER.reset()
    yield
    verification.VERIFY_LIMITER.reset()


@pytest.fixture
async def organiser(live_event):
    account = await create_account(Role.organiser, live_event.id)
    return account


@pytest.fixture
async def scanner(live_event):
    return await create_account(Role.staff, live_event.id)


@pytest.fixture
async def setup(client, live_event, organiser, scanner):
    """Sessions: A and B compulsory with a room checkpoint each, C cancelled, D without a
    checkpoint, E optional with a checkpoint. People: Ana (A, exit, B), Bola (A online, B offline
    synced late), Chen (A only), Dina (nothing)."""
    response = await client.put(
        f"{API}/events/{live_event.id}/letter-profile", json=PROFILE, headers=organiser.headers
    )
    assert response.status_code == 200, response.text
    sessions = {
        name: await add_session(live_event, optional=name == "E", title=f"Session {name}") for name in "ABCDE"
    }
    doors = {}
    for name in "ABCE":
        doors[name] = await checkpoint(
            client,
            live_event.id,
            organiser.headers,
            name=f"Room {name}",
            kind="session_room",
            session_id=sessions[name],
            admits="event",
            tracks_exit=True,
        )
    await programme_services.update_session(
        SYSTEM, live_event.id, sessions["C"], programme_schemas.SessionUpdate(cancelled=True)
    )
    people = {}
    for name, given, family, latin in (
        ("Ana", "أمينة", "الحسن", "Amina Alhassan"),
        ("Bola", "Bola", "Adeyemi", ""),
        ("Chen", "Chen", "Wei", ""),
        ("Dina", "Dina", "Sok", ""),
    ):
        body = person(
            email=f"{name.lower()}@example.org",
            given_names=given,
            family_name=family,
            preferred_name=given,
            latin_name=latin,
            preferred_language="ar" if name == "Ana" else "en",
        )
        registration_id, headers = await approved(client, live_event, organiser, body)
        people[name] = {"id": registration_id, "headers": headers, "token": await badge(registration_id)}
    event_id, staff = live_event.id, scanner.headers
    ana, bola, chen = people["Ana"], people["Bola"], people["Chen"]
    assert (await answer(client, event_id, staff, doors["A"]["id"], ana["token"]))["result"] == "ok"
    assert (await answer(client, event_id, staff, doors["A"]["id"], ana["token"], direction="out"))[
        "result"
    ] == "ok"
    assert (await answer(client, event_id, staff, doors["B"]["id"], ana["token"]))["result"] == "ok"
    assert (await answer(client, event_id, staff, doors["A"]["id"], bola["token"]))["result"] == "ok"
    assert (await answer(client, event_id, staff, doors["A"]["id"], chen["token"]))["result"] == "ok"
    return {"event": live_event, "sessions": sessions, "doors": doors, "people": people}


async def standing(client, event_id: int, headers) -> dict:
    response = await client.get(f"{API}/events/{event_id}/certificates/eligibility", headers=headers)
    assert response.status_code == 200, response.text
    return {item["registration_id"]: item for item in response.json()["participants"]} | {
        "sessions": {item["session_id"]: item["status"] for item in response.json()["sessions"]}
    }


async def test_eligibility_follows_the_scan_record(client, setup, organiser, scanner):
    event_id, people, sessions = setup["event"].id, setup["people"], setup["sessions"]
    before = await standing(client, event_id, organiser.headers)
    assert before["sessions"] == {
        sessions["A"]: "counted",
        sessions["B"]: "counted",
        sessions["C"]: "cancelled",
        sessions["D"]: "unmeasured",
        sessions["E"]: "optional",
    }
    ana, bola, chen, dina = (before[people[name]["id"]] for name in ("Ana", "Bola", "Chen", "Dina"))
    # The exit at A does not undo Ana's attendance.
    assert (ana["eligible"], ana["attended"], ana["counted"]) == (True, 2, 2)
    assert (bola["eligible"], bola["attended"]) == (False, 1)
    assert [reason["message"] for reason in chen["reasons"]] == [
        "attended 1 of 2 counted sessions (50 %, rule 75 %)"
    ]
    assert (dina["attended"], dina["eligible"]) == (0, False)
    # Bola's offline scan at B, synced late, counts.
    synced = await sync(
        client,
        event_id,
        scanner.headers,
        "tablet-9",
        [offline(setup["doors"]["B"]["id"], people["Bola"]["token"], minutes_ago=20)],
    )
    assert synced["applied"] == 1
    after = await standing(client, event_id, organiser.headers)
    assert after[people["Bola"]["id"]]["eligible"] is True
    # Naming the optional session E: it counts, and it must be attended.
    saved = await client.put(
        f"{API}/events/{event_id}/certificates/rule",
        json={"min_percent": 50, "session_ids": [sessions["E"]]},
        headers=organiser.headers,
    )
    assert saved.status_code == 200, saved.text
    assert await answer(client, event_id, scanner.headers, setup["doors"]["E"]["id"], people["Chen"]["token"])
    named = await standing(client, event_id, organiser.headers)
    assert named["sessions"][sessions["E"]] == "counted"
    assert named[people["Chen"]["id"]]["eligible"] is True  # A and E: 2 of 3, 66 % ≥ 50 %
    assert [reason["message"] for reason in named[people["Ana"]["id"]]["reasons"]] == [
        "missed the named session 'Session E'"
    ]
    filtered = await client.get(
        f"{API}/events/{event_id}/certificates/eligibility?eligible=true", headers=organiser.headers
    )
    # Bola attended A and B but not the named E.
    assert {item["registration_id"] for item in filtered.json()["participants"]} == {people["Chen"]["id"]}
    audit = await AuditEntry.select(AuditEntry.action).where(AuditEntry.action == "certificate.rule_saved")
    assert len(audit) == 1


async def test_the_rule_is_validated_and_a_named_session_is_not_deleted(client, setup, organiser, make_event):
    event_id, sessions = setup["event"].id, setup["sessions"]
    other = await make_event(start_date=setup["event"].start_date, end_date=setup["event"].end_date)
    elsewhere = await add_session(other, optional=False, title="Elsewhere")
    url = f"{API}/events/{event_id}/certificates/rule"
    for body, field in (
        ({"min_percent": 75, "session_ids": [elsewhere]}, "session_ids"),
        ({"min_percent": 75, "session_ids": [999999]}, "session_ids"),
        ({"min_percent": None, "session_ids": []}, "min_percent"),
        ({"min_percent": 101}, "min_percent"),
    ):
        response = await client.put(url, json=body, headers=organiser.headers)
        assert response.status_code in (400, 422), response.text
        assert response.headers["content-type"].startswith("application/problem+json")
        assert field in response.text
    assert (await client.get(url, headers=organiser.headers)).json()["source"] == "default"
    assert (
        await client.put(
            url, json={"min_percent": None, "session_ids": [sessions["D"]]}, headers=organiser.headers
        )
    ).status_code == 200
    refused = await client.delete(
        f"{API}/events/{event_id}/sessions/{sessions['D']}", headers=organiser.headers
    )
    assert refused.status_code == 409 and "certificate rule" in refused.text
    outsider = await create_account(Role.organiser, other.id)
    assert (await client.get(url, headers=outsider.headers)).status_code == 403


async def test_issue_verify_revoke_and_who_may_see_it(client, setup, organiser):
    people = setup["people"]
    ana, chen = people["Ana"], people["Chen"]
    refused = await client.post(f"{API}/registrations/{chen['id']}/certificate", headers=organiser.headers)
    assert refused.status_code == 409 and "attended 1 of 2" in refused.json()["detail"]
    # A participant does not issue their own certificate.
    assert (
        await client.post(f"{API}/registrations/{ana['id']}/certificate", headers=ana["headers"])
    ).status_code == 403
    first = await client.post(f"{API}/registrations/{ana['id']}/certificate", headers=organiser.headers)
    assert first.status_code == 201, first.text
    letter = first.json()["letter"]
    assert letter["kind"] == "attendance_certificate" and letter["language"] == "ar"
    again = await client.post(f"{API}/registrations/{ana['id']}/certificate", headers=organiser.headers)
    assert again.status_code == 200 and again.json()["letter"]["id"] == letter["id"]
    # The participant downloads their own; the name is printed in Arabic script.
    pdf = await client.get(letter["download_url"], headers=ana["headers"])
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    text = poppler_text(pdf.content) if PDFTOTEXT else pypdf_text(pdf.content)
    assert "أمينة" in text and "الحسن" in text
    assert (await client.get(letter["download_url"], headers=chen["headers"])).status_code == 404
    registration = await reading.get_registration(ana["id"])
    offered = await portal_downloads(registration, "en")
    assert any(item.url.endswith("/attendance_certificate.pdf") for item in offered)
    chen_offer = await portal_downloads(await reading.get_registration(chen["id"]), "en")
    assert not any("attendance_certificate" in item.url for item in chen_offer)
    # Verification, then revocation.
    path = verification.verification_path(letter["reference"])
    checked = await client.get(path, headers={"Accept": "application/json"})
    assert checked.json()["status"] == "valid" and checked.json()["kind"] == "attendance_certificate"
    revoked = await client.post(
        f"{API}/letters/{letter['id']}/revoke",
        json={"reason": "issued by mistake"},
        headers=organiser.headers,
    )
    assert revoked.status_code == 200, revoked.text
    assert (await client.get(path, headers={"Accept": "application/json"})).json()["status"] == "revoked"


async def test_withdrawal_revokes_the_certificate(client, setup, organiser):
    ana = setup["people"]["Ana"]
    letter = (
        await client.post(f"{API}/registrations/{ana['id']}/certificate", headers=organiser.headers)
    ).json()["letter"]
    cancelled = await client.post(
        f"{API}/registrations/{ana['id']}/cancel", json={"note": "left early"}, headers=ana["headers"]
    )
    assert cancelled.status_code == 200, cancelled.text
    row = await Letter.select(Letter.status).where(Letter.id == letter["id"]).first()
    assert row["status"] == "revoked"


async def test_the_bulk_issue_is_idempotent_and_supersedes_changed_figures(client, setup, organiser, scanner):
    event_id, people = setup["event"].id, setup["people"]
    actor = organiser.actor
    first = await certificate_issuing.issue_all(actor, event_id)
    assert (first.eligible, first.issued, first.unchanged, first.failed) == (1, 1, 0, {})
    second = await certificate_issuing.issue_all(actor, event_id)
    assert (second.issued, second.superseded, second.unchanged) == (0, 0, 1)
    # Ana's figures change when session E is named and she attends it: the certificate is replaced.
    await client.put(
        f"{API}/events/{event_id}/certificates/rule",
        json={"min_percent": 75, "session_ids": [setup["sessions"]["E"]]},
        headers=organiser.headers,
    )
    await answer(client, event_id, scanner.headers, setup["doors"]["E"]["id"], people["Ana"]["token"])
    third = await certificate_issuing.issue_all(actor, event_id)
    assert (third.issued, third.superseded, third.unchanged) == (0, 1, 0)
    statuses = sorted(
        row["status"]
        for row in await Letter.select(Letter.status).where(
            Letter.kind == LetterKind.attendance_certificate.value
        )
    )
    assert statuses == ["superseded", "valid"]
    tables = await certificate_section([event_id], "en")
    assert tables[0].title == "Certificates of attendance"
    assert tables[0].rows[0].values == [1, 1]


async def test_the_console_page_for_organisers_only_and_the_job(client, setup, organiser, make_event):
    event_id = setup["event"].id
    await sign_in_organiser(client, organiser)
    page = await client.get(f"/organiser/events/{event_id}/certificates")
    assert page.status_code == 200, page.text
    assert "Session D" in page.text  # warned: no checkpoint
    assert "attended 1 of 2 counted sessions (50 %, rule 75 %)" in page.text
    not_eligible = await client.get(f"/organiser/events/{event_id}/certificates?show=not")
    assert "Chen" in not_eligible.text and "Bola Adeyemi" in not_eligible.text
    bad = await client.post(f"/organiser/events/{event_id}/certificates/rule", data={"min_percent": "150"})
    assert bad.status_code == 422 and 'id="field-min_percent"' in bad.text and "field--error" in bad.text
    started = await client.post(f"/organiser/events/{event_id}/certificates/issue")
    assert started.status_code == 303, started.text
    job_id = int(re.fullmatch(r"/organiser/jobs/(\d+)", started.headers["location"]).group(1))
    job_runner = runner.JobRunner(poll_interval=0.05)
    job_runner.start()
    try:
        for _ in range(1200):  # at most a minute
            status = (await client.get(f"/organiser/jobs/{job_id}/status")).json()
            if status["finished"]:
                break
            await asyncio.sleep(0.05)
    finally:
        await job_runner.stop(grace=1.0)
    assert status["status"] == "succeeded", status
    assert status["message"] == "Certificate 1 of 1"
    assert await Letter.count().where(Letter.kind == LetterKind.attendance_certificate.value) == 1
    other = await make_event()
    outsider = await create_account(Role.organiser, other.id)
    client.cookies.clear()
    await sign_in_organiser(client, outsider)
    assert (await client.get(f"/organiser/events/{event_id}/certificates")).status_code == 403


async def test_after_the_event_the_participant_is_told_kindly_before_issue(client, setup, monkeypatch):
    from events.letters import controllers as letter_controllers

    later = datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=5)
    people = setup["people"]
    assert not [
        item
        for item in await portal_downloads(await reading.get_registration(people["Ana"]["id"]), "en")
        if not item.url
    ]
    monkeypatch.setattr(letter_controllers, "now", lambda: later)
    ana = await portal_downloads(await reading.get_registration(people["Ana"]["id"]), "en")
    assert [item.label for item in ana if not item.url] == [
        "Your certificate of attendance will appear here once the organisers issue it."
    ]
    chen = await portal_downloads(await reading.get_registration(people["Chen"]["id"]), "fr")
    assert [item.label for item in chen if not item.url] == [
        "Les registres d’accès indiquent votre présence à 1 des 2 séances qui comptent pour un certificat de "
        "participation. Si vous pensez qu’une séance manque, écrivez aux organisateurs."
    ]
