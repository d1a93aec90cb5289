from __future__ import annotations

from enum import StrEnum

from piccolo.apps.user.tables import BaseUser
from piccolo.columns import BigInt, ForeignKey, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table
from piccolo_api.session_auth.tables import SessionsBase

from events.programme.tables import Event


class Role(StrEnum):
    organiser = "organiser"
    staff = "staff"
    participant = "participant"
    #: A travel agency's account: enters and imports flight itineraries for one event.
    travel_agent = "travel_agent"


class User(BaseUser, tablename="account"):
    """A person who signs in. ``admin`` (Piccolo Admin access) follows programme-wide organiser grants."""


class AuthSession(SessionsBase, tablename="auth_session"):
    """Browser sessions, shared by the pages and Piccolo Admin (cookie ``id``)."""


class RoleGrant(Table, tablename="role_grant"):
    """A role held by a user, for one event or, with ``event`` empty, for the whole programme.

    Staff grants always name an event: a scanner belongs to one venue. A grant is part of its account and
    of its event, and goes when either is deleted.
    """

    user = ForeignKey(references=User, null=False, index=True, on_delete=OnDelete.cascade)
    role = Varchar(length=20, choices=Role, null=False)
    event = ForeignKey(references=Event, null=True, index=True, on_delete=OnDelete.cascade)
    created_at = Timestamptz(default=TimestamptzNow())


class ApiToken(Table, tablename="api_token"):
    """A revocable bearer token for scripts and scanner devices; only its SHA-256 is stored."""

    user = ForeignKey(references=User, null=False, index=True, on_delete=OnDelete.cascade)
    name = Varchar(length=100, null=False)
    token_hash = Varchar(length=64, unique=True, null=False, secret=True)
    prefix = Varchar(length=12, null=False)
    created_at = Timestamptz(default=TimestamptzNow())
    last_used_at = Timestamptz(null=True, default=None)
    expires_at = Timestamptz(null=True, default=None)
    revoked_at = Timestamptz(null=True, default=None)


class LoginFailure(Table, tablename="login_failure"):
    """Failed sign-ins, counted per user name and per client address to slow down guessing."""

    username = Varchar(length=100, null=False, index=True)
    client = Varchar(length=64, null=False, index=True)
    at = Timestamptz(default=TimestamptzNow(), index=True)


class ThrottledRequest(Table, tablename="throttled_request"):
    """Anonymous requests that make the service work for someone else (e-mail a sign-in link),
    counted per client address and per subject (the SHA-256 of an e-mail address) across instances."""

    action = Varchar(length=40, null=False)
    client = Varchar(length=64, null=False, index=True)
    subject = Varchar(length=64, null=False, index=True)
    at = Timestamptz(default=TimestamptzNow(), index=True)


class AccessVersion(Table, tablename="access_version"):
    """One row whose ``version`` goes up, in the same transaction, with every change that takes access
    away (see :mod:`events.auth.revocation`); caches of accounts, checkpoints and keys hold while it
    stays put, in every process."""

    version = BigInt(default=0, null=False)
