"""Every management endpoint against every role, including another event's organiser.

Anonymous callers get 401, callers without the role 403, and callers with it a success.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

import pytest

from events.auth.tables import Role, RoleGrant
from events.programme.tables import Session
from events.reference.tables import CountryGroupMembership
from tests.factories import Account, create_account

ROLES = [
    "anonymous",
    "participant",
    "staff",
    "travel_agent",
    "other_event_organiser",
    "event_organiser",
    "programme_organiser",
]
PROGRAMME = {"programme_organiser"}
EVENT = {"event_organiser", "programme_organiser"}


@dataclass
class World:
    programme_id: int
    event_id: int
    session_id: int
    user_id: int
    grant_id: int
    membership_id: int


@dataclass
class Case:
    method: str
    path: str
    allowed: set[str]
    body: Any = None


SESSION = {
    "title": "Panel",
    "kind": "panel",
    "starts_at": "2027-10-12T11:00:00",
    "ends_at": "2027-10-12T12:00:00",
}
CASES = {
    "create programme": Case("POST", "/api/v1/programmes", PROGRAMME, {"slug": "new-prog", "title": "New"}),
    "update programme": Case("PATCH", "/api/v1/programmes/{programme_id}", PROGRAMME, {"title": "Renamed"}),
    "create event": Case(
        "POST",
        "/api/v1/events",
        PROGRAMME,
        {
            "slug": "new-event",
            "title": "New",
            "kind": "regional_forum",
            "venue": "UNCC",
            "city": "Bangkok",
            "country": "THA",
            "time_zone": "Asia/Bangkok",
            "start_date": "2027-05-01",
            "end_date": "2027-05-02",
            "capacity": 80,
            "programme_id": 0,
        },
    ),
    "update event": Case("PATCH", "/api/v1/events/{event_id}", EVENT, {"capacity": 120}),
    "delete event": Case("DELETE", "/api/v1/events/{event_id}", PROGRAMME),
    "create session": Case("POST", "/api/v1/events/{event_id}/sessions", EVENT, SESSION),
    "update session": Case("PATCH", "/api/v1/events/{event_id}/sessions/{session_id}", EVENT, {"room": "B"}),
    "delete session": Case("DELETE", "/api/v1/events/{event_id}/sessions/{session_id}", EVENT),
    "list users": Case("GET", "/api/v1/users", PROGRAMME),
    "create user": Case(
        "POST",
        "/api/v1/users",
        PROGRAMME,
        {"username": "newbie", "email": "newbie@example.org", "password": "a-long-password"},
    ),
    "read user": Case("GET", "/api/v1/users/{user_id}", PROGRAMME),
    "disable user": Case("PATCH", "/api/v1/users/{user_id}", PROGRAMME, {"active": False}),
    "grant role": Case(
        "POST", "/api/v1/users/{user_id}/grants", PROGRAMME, {"role": "organiser", "event_id": 0}
    ),
    "revoke role": Case("DELETE", "/api/v1/users/{user_id}/grants/{grant_id}", PROGRAMME),
    "create country group": Case(
        "POST", "/api/v1/reference/country-groups", PROGRAMME, {"country": "NPL", "group": "LLDC"}
    ),
    "update country group": Case(
        "PATCH", "/api/v1/reference/country-groups/{membership_id}", PROGRAMME, {"member_until": "2029-11-24"}
    ),
    "delete country group": Case("DELETE", "/api/v1/reference/country-groups/{membership_id}", PROGRAMME),
    "read audit log": Case("GET", "/api/v1/audit?event_id={event_id}", EVENT),
}


async def _accounts(event_id: int, other_event_id: int) -> dict[str, Account | None]:
    return {
        "anonymous": None,
        "participant": await create_account(Role.participant),
        "staff": await create_account(Role.staff, event_id),
        "travel_agent": await create_account(Role.travel_agent, event_id),
        "other_event_organiser": await create_account(Role.organiser, other_event_id),
        "event_organiser": await create_account(Role.organiser, event_id),
        "programme_organiser": await create_account(Role.organiser),
    }


def _fill(value: Any, world: World) -> Any:
    if isinstance(value, dict):
        filled = {key: _fill(item, world) for key, item in value.items()}
        if filled.get("programme_id") == 0:
            filled["programme_id"] = world.programme_id
        if filled.get("event_id") == 0:
            filled["event_id"] = world.event_id
        return filled
    return value


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", list(CASES))
async def test_role_matrix(client, event, other_event, name, role):
    session = Session(
        event=event.id,
        title="S",
        kind="panel",
        starts_at=datetime.datetime(2027, 10, 12, 6, tzinfo=datetime.UTC),
        ends_at=datetime.datetime(2027, 10, 12, 7, tzinfo=datetime.UTC),
    )
    await session.save()
    target = await create_account(Role.staff, event.id)
    grant = await RoleGrant.select(RoleGrant.id).where(RoleGrant.user == target.user_id).first()
    membership = (
        await CountryGroupMembership.select(CountryGroupMembership.id)
        .where(CountryGroupMembership.country == "NPL", CountryGroupMembership.group == "LDC")
        .first()
    )
    world = World(event.programme_id, event.id, session.id, target.user_id, grant["id"], membership["id"])

    accounts = await _accounts(event.id, other_event.id)
    case = CASES[name]
    account = accounts[role]
    headers = account.headers if account else {}
    path = case.path.format(**world.__dict__)
    response = await client.request(case.method, path, json=_fill(case.body, world), headers=headers)

    if role == "anonymous":
        assert response.status_code == 401, response.text
    elif role in case.allowed:
        assert response.status_code < 300, response.text
    else:
        assert response.status_code == 403, response.text
