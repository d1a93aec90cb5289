from __future__ import annotations

import datetime
from typing import Annotated, ClassVar

from msgspec import Meta, Struct

from events.api import Input, from_row
from events.auth.tables import Role

Email = Annotated[
    str, Meta(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=254, description="an e-mail address")
]
Password = Annotated[str, Meta(min_length=1, max_length=128)]


class Grant(Struct):
    id: int
    role: Role
    event_id: int | None


class User(Struct):
    id: int
    username: str
    email: str
    first_name: str | None
    last_name: str | None
    active: bool
    last_login: datetime.datetime | None
    grants: list[Grant]


class UserCreate(Input):
    verbatim: ClassVar[frozenset[str]] = frozenset({"password"})
    single_line: ClassVar[frozenset[str]] = frozenset({"username", "first_name", "last_name"})
    username: Annotated[str, Meta(min_length=3, max_length=100)]
    email: Email
    password: Annotated[str, Meta(min_length=10, max_length=128)]
    first_name: Annotated[str, Meta(max_length=100)] = ""
    last_name: Annotated[str, Meta(max_length=100)] = ""


class UserUpdate(Input):
    verbatim: ClassVar[frozenset[str]] = frozenset({"password"})
    active: bool | None = None
    password: Annotated[str, Meta(min_length=10, max_length=128)] | None = None


class GrantCreate(Input):
    role: Role
    event_id: int | None = None


class SignIn(Input):
    verbatim: ClassVar[frozenset[str]] = frozenset({"password"})
    username: Annotated[str, Meta(min_length=1, max_length=200)]
    password: Password


class PasswordChange(Input):
    """Piccolo Admin's change-password form, as its page sends it."""

    verbatim: ClassVar[frozenset[str]] = frozenset(
        {"current_password", "new_password", "confirm_new_password"}
    )
    current_password: Password
    new_password: Password
    confirm_new_password: Password


class Participant(Struct):
    """A participant signed in with a registration access token: they are their registration."""

    registration_id: int
    event_id: int
    reference: str
    name: str
    email: str


class Me(Struct):
    """Who is signed in: an account (``user``), or a participant (``participant``, ``user`` empty)."""

    user: User | None
    via: str
    participant: Participant | None = None


class ApiToken(Struct):
    id: int
    user_id: int
    name: str
    prefix: str
    created_at: datetime.datetime
    last_used_at: datetime.datetime | None
    expires_at: datetime.datetime | None
    revoked_at: datetime.datetime | None


class ApiTokenCreate(Input):
    single_line: ClassVar[frozenset[str]] = frozenset({"name"})
    name: Annotated[str, Meta(min_length=1, max_length=100)]
    user_id: int | None = None
    expires_in_days: Annotated[int, Meta(ge=1, le=730)] | None = None


class ApiTokenCreated(Struct):
    token: ApiToken
    secret: str


def user_from_row(row: dict) -> User:
    return from_row(User, row, grants=[from_row(Grant, grant) for grant in row["grants"]])


def token_from_row(row: dict) -> ApiToken:
    return from_row(ApiToken, row)
