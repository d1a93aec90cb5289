"""Factory fixtures: build programmes, events, sessions and accounts with tokens through the services."""

from __future__ import annotations

import datetime
import itertools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import pytest

from events.auth import services as auth_services
from events.auth.principal import Actor
from events.auth.tables import Role
from events.programme import schemas as programme_schemas
from events.programme import services as programme_services

SYSTEM = Actor.system("tests")
_counter = itertools.count(1)


@dataclass
class Account:
    user_id: int
    username: str
    password: str
    token: str
    actor: Actor

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


async def create_account(
    role: Role | None = None, event_id: int | None = None, username: str | None = None
) -> Account:
    n = next(_counter)
    username = username or f"user{n}"
    password = f"password-{n}-long-enough"
    user = await auth_services.create_user(
        SYSTEM, username=username, email=f"{username}@example.org", password=password
    )
    if role is not None:
        await auth_services.grant_role(SYSTEM, user["id"], role, event_id)
    actor = await auth_services.load_actor(user["id"], via="token")
    assert actor is not None
    _, token = await auth_services.create_token(actor, name="tests")
    return Account(user_id=user["id"], username=username, password=password, token=token, actor=actor)


async def create_programme(slug: str | None = None) -> programme_schemas.Programme:
    return await programme_services.create_programme(
        SYSTEM,
        programme_schemas.ProgrammeCreate(slug=slug or f"prog-{next(_counter)}", title="Test programme"),
    )


async def create_event(programme_id: int, **overrides) -> programme_schemas.Event:
    n = next(_counter)
    values = {
        "slug": f"event-{n}",
        "title": f"Event {n}",
        "kind": "symposium",
        "venue": "Baku Congress Centre",
        "city": "Baku",
        "country": "AZE",
        "time_zone": "Asia/Baku",
        "start_date": datetime.date(2027, 10, 12),
        "end_date": datetime.date(2027, 10, 14),
        "capacity": 100,
        "programme_id": programme_id,
    }
    values.update(overrides)
    import msgspec

    data = msgspec.convert(values, programme_schemas.EventCreate)
    return await programme_services.create_event(SYSTEM, data)


@pytest.fixture
async def programme() -> programme_schemas.Programme:
    return await create_programme()


@pytest.fixture
async def event(programme) -> programme_schemas.Event:
    return await create_event(programme.id)


@pytest.fixture
async def other_event(programme) -> programme_schemas.Event:
    return await create_event(programme.id, title="Another event")


@pytest.fixture
def make_event(programme) -> Callable[..., Awaitable[programme_schemas.Event]]:
    async def make(**overrides):
        return await create_event(programme.id, **overrides)

    return make


@pytest.fixture
def make_account() -> Callable[..., Awaitable[Account]]:
    return create_account


@pytest.fixture
async def programme_organiser() -> Account:
    return await create_account(Role.organiser)


@pytest.fixture
async def event_organiser(event) -> Account:
    return await create_account(Role.organiser, event.id)


@pytest.fixture
async def other_organiser(other_event) -> Account:
    return await create_account(Role.organiser, other_event.id)


@pytest.fixture
async def staff(event) -> Account:
    return await create_account(Role.staff, event.id)


@pytest.fixture
async def participant() -> Account:
    return await create_account(Role.participant)
