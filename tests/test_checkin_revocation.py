"""Taking access away stops scanning at once, in every process: a revoked token, a disabled account, a
removed staff grant, a closed checkpoint, a retired badge key. The scan path remembers accounts, rules
and keys; the access version in the database (``events.auth.revocation``) says when they no longer hold.

Changes are made the way another instance would make them: nothing here drops this process's caches
by hand, so only the version in the database can stop the next scan."""

from __future__ import annotations

import datetime
import types

import pytest

from events.auth import revocation
from events.auth import services as auth_services
from events.auth.tables import ApiToken, Role, RoleGrant
from events.badges import keys as badge_keys
from events.checkin import checkpoints as checkpoint_services
from events.checkin import config, schemas
from events.checkin.controllers import forget_devices
from tests.factories import SYSTEM, create_account
from tests.test_checkin import answer, attendee, checkpoint, scan

pytestmark = pytest.mark.usefixtures("caches_dropped_around_each_test")


@pytest.fixture
def caches_dropped_around_each_test():
    """Ids restart after each test's clean-up; cached rules must not outlive their rows."""
    config.forget()
    forget_devices()
    yield
    config.forget()
    forget_devices()


@pytest.fixture
async def live_event(make_event):
    today = datetime.date.today()
    return await make_event(
        start_date=today - datetime.timedelta(days=1), end_date=today + datetime.timedelta(days=1)
    )


@pytest.fixture
async def organiser(live_event):
    return await create_account(Role.organiser, live_event.id)


@pytest.fixture
async def scanner(live_event):
    return await create_account(Role.staff, live_event.id)


@pytest.fixture
async def door(client, live_event, organiser):
    return await checkpoint(client, live_event.id, organiser.headers)


async def _a_scan_is_admitted(client, live_event, scanner, door) -> None:
    _, token = await attendee(live_event.id)
    assert (await answer(client, live_event.id, scanner.headers, door["id"], token))["result"] == "ok"


async def test_a_revoked_token_is_refused_at_the_very_next_scan(client, live_event, scanner, door):
    await _a_scan_is_admitted(client, live_event, scanner, door)
    token_id = (await ApiToken.select(ApiToken.id).where(ApiToken.user == scanner.user_id).first())["id"]
    await auth_services.revoke_token(SYSTEM, token_id)

    _, token = await attendee(live_event.id, name="Bola")
    response = await scan(client, live_event.id, scanner.headers, door["id"], token)
    assert response.status_code == 401, response.text


async def test_a_disabled_account_is_refused_at_the_very_next_scan(client, live_event, scanner, door):
    await _a_scan_is_admitted(client, live_event, scanner, door)
    await auth_services.set_active(SYSTEM, scanner.user_id, False)

    _, token = await attendee(live_event.id, name="Bola")
    response = await scan(client, live_event.id, scanner.headers, door["id"], token)
    assert response.status_code == 401, response.text


async def test_a_removed_staff_grant_is_refused_at_the_very_next_scan(client, live_event, scanner, door):
    await _a_scan_is_admitted(client, live_event, scanner, door)
    grant = await RoleGrant.select(RoleGrant.id).where(RoleGrant.user == scanner.user_id).first()
    await auth_services.revoke_grant(SYSTEM, scanner.user_id, grant["id"])

    _, token = await attendee(live_event.id, name="Bola")
    response = await scan(client, live_event.id, scanner.headers, door["id"], token)
    assert response.status_code == 403, response.text
    # The other device endpoints compare the version too.
    listed = await client.get(f"/api/v1/events/{live_event.id}/checkin/checkpoints", headers=scanner.headers)
    assert listed.status_code == 403, listed.text


async def test_a_checkpoint_closed_by_another_instance_refuses_the_very_next_scan(
    client, live_event, scanner, door, monkeypatch
):
    await _a_scan_is_admitted(client, live_event, scanner, door)
    # Another instance closes it: this process's cached rules are not dropped by the change itself.
    elsewhere = types.SimpleNamespace(
        load_rules=config.load_rules, visit_trip=config.visit_trip, forget=lambda *_: None
    )
    monkeypatch.setattr(checkpoint_services, "config", elsewhere)
    await checkpoint_services.update_checkpoint(
        SYSTEM, live_event.id, door["id"], schemas.CheckpointUpdate(active=False)
    )

    _, token = await attendee(live_event.id, name="Bola")
    response = await scan(client, live_event.id, scanner.headers, door["id"], token)
    assert response.status_code == 409, response.text
    assert "closed" in response.json()["detail"]


async def test_a_retired_key_is_refused_at_the_very_next_scan(client, live_event, scanner, door):
    _, token = await attendee(live_event.id)
    assert (await answer(client, live_event.id, scanner.headers, door["id"], token))["result"] == "ok"
    keys = await badge_keys.public_keys(live_event.id)
    assert len(keys) == 1
    await badge_keys.retire_key(SYSTEM, live_event.id, keys[0].key_id)

    _, other = await attendee(live_event.id, name="Bola")  # signed by a fresh key
    old = await answer(client, live_event.id, scanner.headers, door["id"], token)
    assert (old["result"], old["reason"]) == ("denied", "revoked") and "retired" in old["detail"], old
    assert (await answer(client, live_event.id, scanner.headers, door["id"], other))["result"] == "ok"


async def test_the_access_version_moves_when_access_is_taken_away(scanner):
    before = await revocation.current()
    await auth_services.set_active(SYSTEM, scanner.user_id, False)
    assert await revocation.current() == before + 1
    await auth_services.set_active(SYSTEM, scanner.user_id, True)
    # Re-enabling takes nothing away; the account is read afresh within seconds.
    assert await revocation.current() == before + 1
