"""What deleting rows directly (as Piccolo Admin does) keeps, empties and refuses, by the foreign keys'
``on_delete`` rules. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import sqlite3

import asyncpg
import pytest

from events.audit.tables import AuditEntry
from events.auth.tables import ApiToken, RoleGrant, User
from events.badges.tables import Badge
from events.letters.tables import Letter
from events.programme.tables import Event
from events.registration.tables import Registration
from tests.test_letters_api import PROFILE, approved, issue
from tests.test_registration_workflow import with_visa

INTEGRITY_ERRORS = (sqlite3.IntegrityError, asyncpg.IntegrityConstraintViolationError)


@pytest.fixture
async def decided_and_issued(client, event, event_organiser) -> int:
    """A registration the organiser approved, with a letter and a badge the organiser issued."""
    response = await client.put(
        f"/api/v1/events/{event.id}/letter-profile", json=PROFILE, headers=event_organiser.headers
    )
    assert response.status_code == 200, response.text
    registration_id, _ = await approved(client, event, event_organiser, with_visa())
    letter = await issue(client, registration_id, "invitation", event_organiser.headers)
    assert letter.status_code == 201, letter.text
    badge = await client.post(
        f"/api/v1/registrations/{registration_id}/badge", json={}, headers=event_organiser.headers
    )
    assert badge.status_code == 201, badge.text
    return registration_id


async def test_deleting_an_organisers_account_keeps_what_they_decided_and_issued(
    event_organiser, decided_and_issued
):
    registration_id = decided_and_issued
    user_id = event_organiser.user_id
    assert await Registration.exists().where(Registration.decided_by == user_id)
    assert await Letter.exists().where(Letter.issued_by == user_id)

    await User.delete().where(User.id == user_id)

    registration = (
        await Registration.select(Registration.status, Registration.decided_by)
        .where(Registration.id == registration_id)
        .first()
    )
    assert registration == {"status": "approved", "decided_by": None}
    letters = await Letter.select(Letter.status, Letter.issued_by).where(
        Letter.registration == registration_id
    )
    assert letters == [{"status": "valid", "issued_by": None}]
    assert await Badge.count().where(Badge.registration == registration_id, Badge.revoked_at.is_null()) == 1
    approvals = await AuditEntry.select(AuditEntry.actor, AuditEntry.actor_label).where(
        AuditEntry.action == "registration.approved"
    )
    assert approvals == [{"actor": None, "actor_label": f"{event_organiser.actor.label} (token)"}]
    # What belongs to the account goes with it.
    assert not await RoleGrant.exists().where(RoleGrant.user == user_id)
    assert not await ApiToken.exists().where(ApiToken.user == user_id)


async def test_issued_letters_and_badges_refuse_the_delete_of_their_registration(decided_and_issued):
    registration_id = decided_and_issued
    with pytest.raises(INTEGRITY_ERRORS):
        await Registration.delete().where(Registration.id == registration_id)
    await Letter.delete().where(Letter.registration == registration_id)
    with pytest.raises(INTEGRITY_ERRORS):
        await Registration.delete().where(Registration.id == registration_id)
    await Badge.delete().where(Badge.registration == registration_id)

    await Registration.delete().where(Registration.id == registration_id)
    assert not await Registration.exists().where(Registration.id == registration_id)


async def test_an_event_with_registrations_cannot_be_deleted_behind_the_apis_back(event, decided_and_issued):
    with pytest.raises(INTEGRITY_ERRORS):
        await Event.delete().where(Event.id == event.id)
    assert await Registration.exists().where(Registration.id == decided_and_issued)
