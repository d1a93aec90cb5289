"""Registration: submitting, moderation, the waiting list, participant access and sensitive data."""

from __future__ import annotations

import datetime
import re

import pytest

from events.audit.tables import AuditEntry
from events.auth.tables import Role
from events.notifications.services import delivered_body
from events.notifications.tables import OutboxMessage
from events.programme.tables import Event
from events.registration.tables import AccessToken, Registration, RegistrationStatus

PASSPORT = "P9876543"


def person(email: str = "amina.moussa@example.org", **overrides) -> dict:
    body = {
        "given_names": "Amina",
        "family_name": "Moussa",
        "preferred_name": "Amina",
        "email": email,
        "phone": "+253 77 83 32 55",
        "gender": "female",
        "nationality": "DJ",
        "country_represented": "DJI",
        "institution": "Cabinet Office",
        "position": "Director of e-Government",
        "level": "high",
        "preferred_language": "fr",
        "consent": True,
    }
    body.update(overrides)
    return body


def with_visa(**overrides) -> dict:
    visa = {
        "needs_visa": True,
        "passport_number": PASSPORT,
        "passport_expiry": "2030-01-31",
        "date_of_birth": "1980-05-17",
        "place_of_birth": "Djibouti",
    }
    return person(**{**visa, **overrides})


async def actions_on(registration_id: int) -> list[str]:
    rows = (
        await AuditEntry.select(AuditEntry.action)
        .where(AuditEntry.object_type == "registration", AuditEntry.object_id == str(registration_id))
        .order_by(AuditEntry.id)
    )
    return [row["action"] for row in rows]


async def register(client, event_id: int, body: dict):
    return await client.post(f"/api/v1/events/{event_id}/registrations", json=body)


async def set_auto_approve(event_id: int, capacity: int) -> None:
    await Event.update({Event.auto_approve: True, Event.capacity: capacity}).where(Event.id == event_id)


async def magic_link_token(email: str) -> str:
    """The newest sign-in link's token as the e-mail carries it (the stored body has a placeholder)."""
    messages = (
        await OutboxMessage.select()
        .where(OutboxMessage.to_address == email, OutboxMessage.withheld_enc.is_not_null())
        .order_by(OutboxMessage.id, ascending=False)
    )
    for message in messages:
        found = re.search(r"#token=(osm_[\w-]+)", delivered_body(message))
        if found:
            return found.group(1)
    raise AssertionError(f"no sign-in link e-mailed to {email}")


async def participant_headers(client, email: str) -> dict[str, str]:
    exchanged = await client.post(
        "/api/v1/registration-access", json={"token": await magic_link_token(email)}
    )
    assert exchanged.status_code == 200, exchanged.text
    return {"Authorization": f"Bearer {exchanged.json()['access_token']}"}


# --- submitting -------------------------------------------------------------------------------


async def test_self_registration_is_submitted_masked_grouped_and_mailed(client, event):
    response = await register(client, event.id, with_visa())
    assert response.status_code == 201, response.text
    body = response.json()
    registration = body["registration"]
    assert body["created"] is True
    assert registration["status"] == "submitted"
    assert registration["country_represented"] == "DJI" and registration["nationality"] == "DJI"
    assert registration["country_groups"] == ["LDC"]
    assert registration["phone"] == "+25377833255"
    assert registration["passport_number"] == "••••6543"
    assert PASSPORT not in response.text and "1980-05-17" not in response.text
    assert registration["reference"].startswith(event.slug.upper())
    mail = await OutboxMessage.select().where(OutboxMessage.to_address == "amina.moussa@example.org").first()
    assert mail["language"] == "fr" and "Nous avons reçu" in mail["subject"]
    assert "14 oct. 2027" in mail["body"]  # dates in the reader's language (Babel), not "Oct"
    assert await actions_on(registration["id"]) == ["registration.submitted"]


async def test_resubmitting_is_idempotent_and_other_data_conflicts(client, event):
    first = await register(client, event.id, person())
    again = await register(client, event.id, person())
    assert again.status_code == 200
    assert again.json()["created"] is False
    assert again.json()["registration"]["id"] == first.json()["registration"]["id"]
    other = await register(client, event.id, person(institution="Ministry of Finance"))
    assert other.status_code == 409
    upper = await register(client, event.id, person(email="AMINA.MOUSSA@example.org", institution="X"))
    assert upper.status_code == 409
    assert await Registration.count() == 1


@pytest.mark.parametrize(
    "variant",
    [
        {"nationality": "GMB", "country_represented": "gm"},  # alpha-3 and alpha-2, any case
        {"email": "Kofi@Example.ORG"},
        {"institution": "Ministry of Communication "},
        {"family_name": " Mensah", "position": "Director ", "phone": "+220 449 6400"},
        {"sector": "public\u00a0", "session_ids": []},
    ],
    ids=["country-codes", "e-mail-case", "trailing-space", "spaces-and-phone-format", "nbsp-and-defaults"],
)
async def test_an_equivalent_resubmission_gets_the_registration_back(client, event, variant):
    """Issue 13 item 16: the same person sending the same form, written differently, is not a conflict."""
    kofi = {
        "given_names": "Kofi",
        "family_name": "Mensah",
        "email": "kofi@example.org",
        "nationality": "GM",
        "country_represented": "GMB",
        "institution": "Ministry of Communication",
        "position": "Director",
        "phone": "+2204496400",
        "sector": "public",
        "preferred_language": "en",
    }
    first = await register(client, event.id, person(**kofi))
    assert first.status_code == 201, first.text
    again = await register(client, event.id, person(**(kofi | variant)))
    assert again.status_code == 200, again.text
    assert again.json()["created"] is False
    assert again.json()["registration"]["id"] == first.json()["registration"]["id"]
    different = await register(client, event.id, person(**(kofi | variant | {"position": "Minister"})))
    assert different.status_code == 409, different.text
    assert await Registration.count() == 1


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"email": "not-an-email"}, "email"),
        ({"phone": "12345"}, "phone"),
        ({"phone": "+1 202 555"}, "phone"),
        ({"country_represented": "XX"}, "country_represented"),
        ({"nationality": "ZZZ"}, "nationality"),
        ({"consent": False}, "consent"),
        ({"date_of_birth": "2999-01-01"}, "date_of_birth"),
        ({"needs_visa": True}, "passport_number"),
        ({"arrival_at": "2027-10-12T10:00:00", "departure_at": "2027-10-11T10:00:00"}, "departure_at"),
        ({"gender": "robot"}, "gender"),
        ({"accessibility": ["jetpack"]}, "accessibility"),
        ({"session_ids": [999999]}, "session_ids"),
        ({"family_name": "   "}, "family_name"),
        ({"family_name": "B\u0000C"}, "family_name"),
        ({"dietary": "halal\u0007"}, "dietary"),
    ],
)
async def test_bad_fields_are_named_and_nothing_is_written(client, event, changes, field):
    response = await register(client, event.id, person(**changes))
    assert response.status_code in {400, 422}, response.text
    assert any(error["field"].startswith(field) for error in response.json()["errors"]), response.json()
    assert await Registration.count() == 0
    assert await OutboxMessage.count() == 0


async def test_passport_expiring_early_is_a_warning_for_organisers(client, event):
    soon = with_visa(passport_expiry="2027-10-13")
    response = await register(client, event.id, soon)
    assert response.status_code == 201
    assert response.json()["registration"]["warnings"] == ["passport_expires_before_event_ends"]
    short = with_visa(email="b@example.org", passport_expiry="2027-12-01")
    assert (await register(client, event.id, short)).json()["registration"]["warnings"] == [
        "passport_valid_less_than_3_months_after_event"
    ]


async def test_registration_window_is_enforced(client, make_event):
    closed = await make_event(
        registration_opens_at=datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC),
        registration_closes_at=datetime.datetime(2026, 2, 1, tzinfo=datetime.UTC),
    )
    response = await register(client, closed.id, person())
    assert response.status_code == 409 and "closed" in response.json()["detail"]


# --- moderation and the waiting list ----------------------------------------------------------


async def test_moderation_transitions_are_audited_and_mailed(client, event, event_organiser):
    registration_id = (await register(client, event.id, person())).json()["registration"]["id"]
    headers = event_organiser.headers
    waitlisted = await client.post(
        f"/api/v1/registrations/{registration_id}/waitlist", json={}, headers=headers
    )
    assert waitlisted.json()["status"] == "waitlisted" and waitlisted.json()["waitlist_position"] == 1
    approved = await client.post(f"/api/v1/registrations/{registration_id}/approve", json={}, headers=headers)
    assert approved.json()["status"] == "approved"
    rejected = await client.post(f"/api/v1/registrations/{registration_id}/reject", json={}, headers=headers)
    assert rejected.status_code == 409
    cancelled = await client.post(
        f"/api/v1/registrations/{registration_id}/cancel", json={"note": "visa refused"}, headers=headers
    )
    assert cancelled.json()["status"] == "cancelled"
    assert await actions_on(registration_id) == [
        "registration.submitted",
        "registration.waitlisted",
        "registration.approved",
        "registration.cancelled",
    ]
    kinds = [row["kind"] for row in await OutboxMessage.select(OutboxMessage.kind).order_by(OutboxMessage.id)]
    assert kinds == [
        "registration_received",
        "registration_waitlisted",
        "registration_approved",
        "registration_cancelled",
    ]


async def test_approving_beyond_capacity_is_refused(client, make_event, make_account):
    small = await make_event(capacity=1)
    organiser = await make_account(Role.organiser, small.id)
    first = (await register(client, small.id, person("a@example.org"))).json()["registration"]["id"]
    second = (await register(client, small.id, person("b@example.org"))).json()["registration"]["id"]
    assert (
        await client.post(f"/api/v1/registrations/{first}/approve", json={}, headers=organiser.headers)
    ).is_success
    full = await client.post(f"/api/v1/registrations/{second}/approve", json={}, headers=organiser.headers)
    assert full.status_code == 409 and "full" in full.json()["detail"]


async def test_a_freed_seat_goes_to_the_first_on_the_waiting_list(client, make_event, make_account):
    small = await make_event(capacity=2, auto_approve=True)
    ids = [
        (await register(client, small.id, person(f"p{n}@example.org"))).json()["registration"]["id"]
        for n in range(4)
    ]
    statuses = {
        row["id"]: row["status"] for row in await Registration.select(Registration.id, Registration.status)
    }
    assert [statuses[i] for i in ids] == ["approved", "approved", "waitlisted", "waitlisted"]
    participant = await participant_headers(client, "p0@example.org")
    cancelled = await client.post(f"/api/v1/registrations/{ids[0]}/cancel", json={}, headers=participant)
    assert cancelled.json()["status"] == "cancelled"
    statuses = {
        row["id"]: row["status"] for row in await Registration.select(Registration.id, Registration.status)
    }
    assert [statuses[i] for i in ids] == ["cancelled", "approved", "approved", "waitlisted"]
    promoted = await AuditEntry.select().where(AuditEntry.action == "registration.promoted").first()
    assert promoted["object_id"] == str(ids[2]) and promoted["actor"] is None

    organiser = await make_account(Role.organiser, small.id)
    grown = await client.patch(f"/api/v1/events/{small.id}", json={"capacity": 3}, headers=organiser.headers)
    assert grown.status_code == 200, grown.text
    assert (await Registration.select(Registration.status).where(Registration.id == ids[3]).first())[
        "status"
    ] == "approved"


async def test_bulk_decisions_report_each_outcome(client, event, event_organiser):
    ids = [
        (await register(client, event.id, person(f"bulk{n}@example.org"))).json()["registration"]["id"]
        for n in range(3)
    ]
    await Event.update({Event.capacity: 2}).where(Event.id == event.id)
    response = await client.post(
        f"/api/v1/events/{event.id}/registrations/bulk",
        json={"action": "approve", "registration_ids": [*ids, 424242]},
        headers=event_organiser.headers,
    )
    outcomes = response.json()
    assert [o["ok"] for o in outcomes] == [True, True, False, False]
    assert "full" in outcomes[2]["error"] and outcomes[3]["error"].startswith("No registration")


async def test_event_with_registrations_cannot_be_deleted(client, event, programme_organiser):
    await register(client, event.id, person())
    response = await client.delete(f"/api/v1/events/{event.id}", headers=programme_organiser.headers)
    assert response.status_code == 409 and "registration" in response.json()["detail"]


# --- capacity under concurrency ---------------------------------------------------------------


async def test_500_racing_for_50_seats(client, make_event):
    race = await make_event(capacity=50, auto_approve=True)
    responses = await asyncio_gather(
        *(register(client, race.id, person(f"racer{n}@example.org")) for n in range(500))
    )
    assert [r.status_code for r in responses].count(201) == 500, {r.status_code for r in responses}
    counts = {}
    for row in await Registration.select(Registration.status).where(Registration.event == race.id):
        counts[row["status"]] = counts.get(row["status"], 0) + 1
    assert counts == {"approved": 50, "waitlisted": 450}


async def test_session_seats_hold_under_concurrency(client, make_event, make_account):
    race = await make_event(capacity=100, auto_approve=True)
    organiser = await make_account(Role.organiser, race.id)
    session = await client.post(
        f"/api/v1/events/{race.id}/sessions",
        json={
            "title": "Workshop on service design",
            "kind": "workshop",
            "starts_at": "2027-10-13T14:00:00",
            "ends_at": "2027-10-13T16:00:00",
            "capacity": 5,
            "optional": True,
        },
        headers=organiser.headers,
    )
    session_id = session.json()["id"]
    responses = await asyncio_gather(
        *(
            register(client, race.id, person(f"ws{n}@example.org", session_ids=[session_id]))
            for n in range(30)
        )
    )
    full = sum(1 for r in responses if r.json()["sessions_full"] == [session_id])
    from events.registration.tables import SessionSignup

    assert await SessionSignup.count().where(SessionSignup.session == session_id) == 5
    assert full == 25


async def test_one_active_registration_per_email_even_when_racing(client, event):
    bodies = [person(institution=f"Ministry {n}") for n in range(10)]
    responses = await asyncio_gather(*(register(client, event.id, body) for body in bodies))
    assert sorted(r.status_code for r in responses) == [201] + [409] * 9
    assert await Registration.count() == 1


async def asyncio_gather(*coroutines):
    import asyncio

    return await asyncio.gather(*coroutines)


# --- participant access -----------------------------------------------------------------------


async def test_magic_link_opens_only_ones_own_registration(client, event):
    mine = (await register(client, event.id, person("me@example.org"))).json()["registration"]["id"]
    theirs = (await register(client, event.id, person("them@example.org"))).json()["registration"]["id"]
    token = await magic_link_token("me@example.org")
    exchanged = await client.post("/api/v1/registration-access", json={"token": token})
    headers = {"Authorization": f"Bearer {exchanged.json()['access_token']}"}
    assert (await client.get(f"/api/v1/registrations/{mine}", headers=headers)).status_code == 200
    assert (await client.get(f"/api/v1/registrations/{theirs}", headers=headers)).status_code == 404
    assert (await client.get(f"/api/v1/events/{event.id}/registrations", headers=headers)).status_code == 403
    assert (await client.get(f"/api/v1/registrations/{mine}/sensitive", headers=headers)).status_code == 403
    reused = await client.post("/api/v1/registration-access", json={"token": token})
    assert reused.status_code == 401
    edited = await client.patch(
        f"/api/v1/registrations/{mine}", json={"position": "Deputy Minister"}, headers=headers
    )
    assert edited.json()["position"] == "Deputy Minister"


async def test_magic_links_expire_and_are_single_purpose(client, event):
    await register(client, event.id, person("late@example.org"))
    token = await magic_link_token("late@example.org")
    assert (
        await client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
    ).status_code == 401
    await AccessToken.update(
        {AccessToken.expires_at: datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC)}
    ).where(AccessToken.purpose == "magic_link")
    assert (await client.post("/api/v1/registration-access", json={"token": token})).status_code == 401


async def test_requesting_a_link_says_the_same_for_unknown_addresses(client, event):
    await register(client, event.id, person("known@example.org"))
    known = await client.post(
        f"/api/v1/events/{event.id}/registrations/magic-link", json={"email": "known@example.org"}
    )
    unknown = await client.post(
        f"/api/v1/events/{event.id}/registrations/magic-link", json={"email": "nobody@example.org"}
    )
    assert known.status_code == unknown.status_code == 202 and known.json() == unknown.json()
    assert await OutboxMessage.count().where(OutboxMessage.kind == "magic_link") == 1


async def test_participant_cannot_edit_after_the_deadline(client, event):
    registration_id = (await register(client, event.id, person())).json()["registration"]["id"]
    headers = await participant_headers(client, "amina.moussa@example.org")
    await Event.update(
        {Event.registration_closes_at: datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)}
    ).where(Event.id == event.id)
    response = await client.patch(
        f"/api/v1/registrations/{registration_id}", json={"sector": "x"}, headers=headers
    )
    assert response.status_code == 409 and "deadline" in response.json()["detail"]


async def test_other_events_organiser_sees_nothing(client, event, other_organiser):
    registration_id = (await register(client, event.id, with_visa())).json()["registration"]["id"]
    for path in (
        f"/api/v1/registrations/{registration_id}",
        f"/api/v1/registrations/{registration_id}/sensitive",
    ):
        assert (await client.get(path, headers=other_organiser.headers)).status_code in {403, 404}
    approve = await client.post(
        f"/api/v1/registrations/{registration_id}/approve", json={}, headers=other_organiser.headers
    )
    assert approve.status_code == 404


# --- invitations and walk-ins -----------------------------------------------------------------


async def test_invitation_is_bound_to_its_address_and_can_skip_moderation(client, event, event_organiser):
    created = await client.post(
        f"/api/v1/events/{event.id}/invitations",
        json={"email": "Nominee@Example.org", "skip_moderation": True, "language": "es"},
        headers=event_organiser.headers,
    )
    assert created.status_code == 201
    mail = await OutboxMessage.select().where(OutboxMessage.kind == "invitation").first()
    assert mail["subject"].startswith("Invitación")
    token = re.search(r"#invitation=(osi_[\w-]+)", delivered_body(mail)).group(1)
    wrong = await register(client, event.id, person("someone.else@example.org", invitation_token=token))
    assert wrong.status_code == 422 and wrong.json()["errors"][0]["field"] == "email"
    right = await register(client, event.id, person("nominee@example.org", invitation_token=token))
    assert right.status_code == 201 and right.json()["registration"]["status"] == "approved"
    assert right.json()["registration"]["channel"] == "invitation"
    again = await register(
        client, event.id, person("nominee@example.org", invitation_token=token, sector="y")
    )
    assert again.status_code == 409


async def test_walk_ins_by_staff_get_a_seat(client, event, staff, participant):
    response = await client.post(f"/api/v1/events/{event.id}/walk-ins", json=person(), headers=staff.headers)
    assert response.status_code == 201
    assert response.json()["registration"]["status"] == "approved"
    assert response.json()["registration"]["channel"] == "walk_in"
    denied = await client.post(
        f"/api/v1/events/{event.id}/walk-ins", json=person("x@example.org"), headers=participant.headers
    )
    assert denied.status_code == 403


# --- sensitive data ---------------------------------------------------------------------------


async def test_passport_number_is_not_in_the_raw_database(client, event):
    await register(client, event.id, with_visa())
    from tests.conftest import IS_POSTGRES

    if IS_POSTGRES:
        from events.db import get_engine

        rows = await get_engine().run_querystring(_raw("SELECT registration::text AS line FROM registration"))
        raw = "\n".join(row["line"] for row in rows)
    else:
        from tests.database_files import stored_database_bytes

        raw = (await stored_database_bytes()).decode("latin-1")
    assert "Moussa" in raw  # the read sees the row
    assert PASSPORT not in raw
    assert "1980-05-17" not in raw


def _raw(sql: str):
    from piccolo.querystring import QueryString

    return QueryString(sql)


async def test_only_the_events_organisers_see_sensitive_data_and_it_is_logged(client, event, event_organiser):
    registration_id = (await register(client, event.id, with_visa())).json()["registration"]["id"]
    listed = await client.get(f"/api/v1/events/{event.id}/registrations", headers=event_organiser.headers)
    assert PASSPORT not in listed.text
    shown = await client.get(
        f"/api/v1/registrations/{registration_id}/sensitive", headers=event_organiser.headers
    )
    assert shown.json() == {
        "registration_id": registration_id,
        "passport_number": PASSPORT,
        "date_of_birth": "1980-05-17",
        "place_of_birth": "Djibouti",
        "emergency_contact_phone": None,
        "emergency_contact_email": None,
        "purged_at": None,
    }
    entry = await AuditEntry.select().where(AuditEntry.action == "registration.sensitive_viewed").first()
    assert entry["actor"] == event_organiser.user_id and entry["object_id"] == str(registration_id)


async def test_purge_after_retention_and_key_rotation(client, make_event, make_account):
    from events.auth.principal import Actor
    from events.registration import retention

    past = await make_event(start_date=datetime.date(2026, 3, 1), end_date=datetime.date(2026, 3, 3))
    current = await make_event()
    old_id = (await register(client, past.id, with_visa())).json()["registration"]["id"]
    new_id = (await register(client, current.id, with_visa())).json()["registration"]["id"]

    dry = await retention.purge_sensitive(
        Actor.system("tests"), today=datetime.date(2026, 6, 30), dry_run=True
    )
    assert dry == {past.id: 1}
    assert await retention.purge_sensitive(Actor.system("tests"), today=datetime.date(2026, 5, 1)) == {}
    assert await retention.purge_sensitive(Actor.system("tests"), today=datetime.date(2026, 6, 30)) == {
        past.id: 1
    }
    old = await Registration.select().where(Registration.id == old_id).first()
    assert old["passport_number_enc"] is None and old["sensitive_purged_at"] is not None
    assert (await Registration.select().where(Registration.id == new_id).first())["passport_number_enc"]
    assert await AuditEntry.count().where(AuditEntry.action == "registration.sensitive_purged") == 1

    organiser = await make_account(Role.organiser, current.id)
    before = await client.get(f"/api/v1/registrations/{new_id}/sensitive", headers=organiser.headers)
    assert before.json()["passport_number"] == PASSPORT


async def test_data_key_rotation_keeps_values_readable(monkeypatch):
    import dataclasses

    from cryptography.fernet import Fernet

    from events import crypto
    from events.settings import get_settings

    old_value = crypto.encrypt("A1234567")
    new_key = Fernet.generate_key().decode()
    import base64

    derived = base64.urlsafe_b64encode(
        crypto.derive_key(get_settings().secret_key, "data-encryption")
    ).decode()
    rotated_settings = dataclasses.replace(get_settings(), data_encryption_keys=(new_key, derived))
    monkeypatch.setattr(crypto, "get_settings", lambda: rotated_settings)
    crypto.reset_cache()
    try:
        assert crypto.decrypt(old_value) == "A1234567"
        rotated = crypto.rotate(old_value)
        assert Fernet(new_key.encode()).decrypt(rotated.encode()) == b"A1234567"
    finally:
        monkeypatch.undo()
        crypto.reset_cache()


def test_status_enum_matches_transitions():
    from events.registration.moderation import TRANSITIONS

    assert set(TRANSITIONS) == set(RegistrationStatus) - {RegistrationStatus.submitted}


async def test_revoked_access_token_stops_working_at_once(client, event):
    from events.registration.access import revoke_access_token

    registration_id = (await register(client, event.id, person())).json()["registration"]["id"]
    headers = await participant_headers(client, "amina.moussa@example.org")
    assert (await client.get(f"/api/v1/registrations/{registration_id}", headers=headers)).status_code == 200
    await revoke_access_token(headers["Authorization"].removeprefix("Bearer "))
    assert (await client.get(f"/api/v1/registrations/{registration_id}", headers=headers)).status_code == 401


@pytest.mark.parametrize("auto_approve", [False, True])
async def test_the_submit_answer_equals_what_is_stored(client, make_event, make_account, auto_approve):
    """``submit`` builds its answer from what it wrote; it must equal a fresh read."""
    event = await make_event(capacity=1, auto_approve=auto_approve)
    organiser = await make_account(Role.organiser, event.id)
    for body in (
        with_visa(latin_name="Amina Moussa", accessibility=["large_print", "dietary"]),
        person("b@example.org"),
    ):
        answer = (await register(client, event.id, body)).json()["registration"]
        stored = await client.get(f"/api/v1/registrations/{answer['id']}", headers=organiser.headers)
        assert answer == stored.json()


async def _magic_links_to(email: str) -> int:
    return await OutboxMessage.count().where(
        OutboxMessage.kind == "magic_link", OutboxMessage.to_address == email
    )


async def test_sign_in_link_requests_are_limited_per_address_and_per_client(client, event):
    from events.registration.access import MAGIC_LINK_REQUESTS_PER_CLIENT, MAGIC_LINKS_PER_ADDRESS

    await register(client, event.id, person("flooded@example.org"))
    url = f"/api/v1/events/{event.id}/registrations/magic-link"
    responses = [await client.post(url, json={"email": "flooded@example.org"}) for _ in range(30)]
    statuses = [response.status_code for response in responses]
    assert statuses == [202] * MAGIC_LINK_REQUESTS_PER_CLIENT + [429] * (30 - MAGIC_LINK_REQUESTS_PER_CLIENT)
    assert int(responses[-1].headers["retry-after"]) > 0
    assert await _magic_links_to("flooded@example.org") == MAGIC_LINKS_PER_ADDRESS
    # Past its limit the address gets the same answer as before: nothing tells it is registered.
    assert responses[MAGIC_LINKS_PER_ADDRESS].json() == responses[0].json()


async def test_sign_in_link_answers_are_identical_and_sent_before_the_lookup(app, event, monkeypatch):
    """The lookup and the e-mail happen after the answer, so neither its content nor its timing
    can tell a registered address from an unknown one."""
    import httpx

    from events.registration import access

    order: list[str] = []
    lookup = access.request_magic_link

    async def recorded_lookup(*args):
        order.append("looked up")
        await lookup(*args)

    async def recording_app(scope, receive, send):
        async def recording_send(message):
            if message["type"] == "http.response.body" and not message.get("more_body"):
                order.append("answered")
            await send(message)

        await app(scope, receive, recording_send)

    monkeypatch.setattr(access, "request_magic_link", recorded_lookup)
    transport = httpx.ASGITransport(app=recording_app, client=("192.0.2.7", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver.local") as client:
        await register(client, event.id, person("known@example.org"))
        url = f"/api/v1/events/{event.id}/registrations/magic-link"
        order.clear()
        known = await client.post(url, json={"email": "known@example.org"})
        assert order == ["answered", "looked up"]
        unknown = await client.post(url, json={"email": "nobody@example.org"})
    assert (known.status_code, known.content, known.headers.items()) == (
        unknown.status_code,
        unknown.content,
        unknown.headers.items(),
    )
    assert order == ["answered", "looked up", "answered", "looked up"]
    assert await _magic_links_to("known@example.org") == 1


async def test_personal_answers_are_never_stored_by_caches(client, event, event_organiser):
    """Passport data, a participant's registration, their access token and feed links: no-store."""
    registration_id = (await register(client, event.id, with_visa())).json()["registration"]["id"]
    exchanged = await client.post(
        "/api/v1/registration-access", json={"token": await magic_link_token("amina.moussa@example.org")}
    )
    participant = {"Authorization": f"Bearer {exchanged.json()['access_token']}"}
    base = f"/api/v1/registrations/{registration_id}"
    answers = {
        "exchange": exchanged,
        "sensitive": await client.get(f"{base}/sensitive", headers=event_organiser.headers),
        "organiser's view": await client.get(base, headers=event_organiser.headers),
        "participant's view": await client.get(base, headers=participant),
        "feed created": await client.post(f"{base}/calendar-feed", headers=participant),
        "feed status": await client.get(f"{base}/calendar-feed", headers=participant),
        "me": await client.get("/api/v1/auth/me", headers=participant),
    }
    for name, answer in answers.items():
        assert answer.status_code in {200, 201}, (name, answer.text)
        assert answer.headers.get("cache-control") == "no-store", name
    anonymous = await client.get(f"/api/v1/events/{event.id}")
    assert "no-store" not in anonymous.headers.get("cache-control", "")
