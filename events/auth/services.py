"""Accounts, roles, sign-in and API tokens. One function per action; each audited."""

from __future__ import annotations

import asyncio
import datetime
import hashlib
import hmac
import re
import secrets

from events.audit.services import record
from events.auth import revocation
from events.auth.principal import Actor, Grant
from events.auth.tables import ApiToken, AuthSession, LoginFailure, Role, RoleGrant, User
from events.clock import now
from events.db import serialise_on, write_transaction
from events.errors import (
    Conflict,
    InvalidInput,
    NotAuthenticated,
    NotFound,
    TooManyRequests,
)
from events.programme.tables import Event
from events.settings import get_settings

TOKEN_PREFIX = "ose_"  # noqa: S105  (a public prefix, not a secret)
MIN_PASSWORD_LENGTH = 10
USERNAME_PATTERN = re.compile(r"^[A-Za-z0-9_.@+-]{3,100}$")
_LAST_USED_RESOLUTION = datetime.timedelta(minutes=5)


def configure_password_hashing() -> None:
    """Apply ``PASSWORD_HASH_ITERATIONS`` (tests lower it; production keeps OWASP's 600,000)."""
    User._pbkdf2_iteration_count = get_settings().password_hash_iterations


async def hash_password(password: str) -> str:
    """PBKDF2 takes a few hundred milliseconds: keep it off the event loop."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput.field("password", f"must be at least {MIN_PASSWORD_LENGTH} characters long")
    if len(password) > User._max_password_length:
        raise InvalidInput.field("password", f"must be at most {User._max_password_length} characters long")
    return await asyncio.to_thread(User.hash_password, password)


async def _password_matches(stored: str, password: str) -> bool:
    try:
        _algorithm, iterations, salt, _hashed = User.split_stored_password(stored)
        candidate = await asyncio.to_thread(User.hash_password, password, salt, int(iterations))
    except ValueError:
        return False
    return hmac.compare_digest(candidate, stored)


_dummy: list[str] = []


async def _dummy_hash() -> str:
    """A stored-looking hash to check unknown user names against, so timing does not reveal them."""
    if not _dummy:
        _dummy.append(await asyncio.to_thread(User.hash_password, secrets.token_hex(16)))
    return _dummy[0]


async def load_actor(user_id: int, via: str) -> Actor | None:
    """The actor behind an account, or ``None`` when the account is missing or disabled."""
    user = await User.select(User.id, User.username, User.active).where(User.id == user_id).first()
    if user is None or not user["active"]:
        return None
    return await _with_grants(user["id"], user["username"], via)


async def _with_grants(user_id: int, username: str, via: str) -> Actor:
    rows = await RoleGrant.select(RoleGrant.role, RoleGrant.event).where(RoleGrant.user == user_id)
    grants = tuple(Grant(Role(row["role"]), row["event"]) for row in rows)
    return Actor(user_id=user_id, username=username, grants=grants, via=via)


# --- accounts ---------------------------------------------------------------------------------


_REFUSAL = "Only programme organisers manage accounts"


async def create_user(
    actor: Actor,
    *,
    username: str,
    email: str,
    password: str,
    first_name: str = "",
    last_name: str = "",
) -> dict:
    actor.require_programme_organiser(_REFUSAL)
    if not USERNAME_PATTERN.match(username):
        raise InvalidInput.field("username", "use 3-100 letters, digits or . _ @ + -")
    hashed = await hash_password(password)
    async with write_transaction():
        if await User.exists().where(User.username == username):
            raise Conflict(f"The user name {username!r} is taken", errors=[])
        if await User.exists().where(User.email == email):
            raise Conflict(f"An account with e-mail {email!r} exists already")
        user = User(
            username=username,
            email=email,
            password=hashed,
            first_name=first_name,
            last_name=last_name,
            active=True,
        )
        await user.save()
        await record(actor, "user.created", "user", user.id, data={"username": username})
    return await get_user(user.id)


async def get_user(user_id: int) -> dict:
    user = (
        await User.select(
            User.id, User.username, User.email, User.first_name, User.last_name, User.active, User.last_login
        )
        .where(User.id == user_id)
        .first()
    )
    if user is None:
        raise NotFound(f"No user with id {user_id}")
    user["grants"] = await RoleGrant.select(RoleGrant.id, RoleGrant.role, RoleGrant.event).where(
        RoleGrant.user == user_id
    )
    return user


async def list_users(actor: Actor, *, limit: int, offset: int, search: str | None) -> tuple[list[dict], int]:
    actor.require_programme_organiser(_REFUSAL)
    rows = await User.select(User.id, User.username, User.email).order_by(User.username)
    if search:
        # In Python, not SQL: SQLite has no ILIKE and its LIKE folds ASCII only; `%` and `_` stay literal.
        needle = search.casefold()
        rows = [
            row
            for row in rows
            if needle in row["username"].casefold() or needle in (row["email"] or "").casefold()
        ]
    ids = [row["id"] for row in rows[offset : offset + limit]]
    return [await get_user(user_id) for user_id in ids], len(rows)


async def set_active(actor: Actor, user_id: int, active: bool) -> dict:
    """Disable or re-enable an account. Disabling ends its sessions; its tokens stop working at once."""
    actor.require_programme_organiser(_REFUSAL)
    if actor.user_id == user_id and not active:
        raise Conflict("You cannot disable your own account")
    async with write_transaction():
        if not await User.exists().where(User.id == user_id):
            raise NotFound(f"No user with id {user_id}")
        await User.update({User.active: active}).where(User.id == user_id)
        if not active:
            await AuthSession.delete().where(AuthSession.user_id == user_id)
            await revocation.bump()
        await record(actor, "user.enabled" if active else "user.disabled", "user", user_id)
    return await get_user(user_id)


async def set_password(actor: Actor, user_id: int, password: str) -> None:
    if actor.user_id != user_id:
        actor.require_programme_organiser(_REFUSAL)
    hashed = await hash_password(password)
    async with write_transaction():
        if not await User.exists().where(User.id == user_id):
            raise NotFound(f"No user with id {user_id}")
        await User.update({User.password: hashed}).where(User.id == user_id)
        await AuthSession.delete().where(AuthSession.user_id == user_id)
        await record(actor, "user.password_changed", "user", user_id)


async def change_own_password(
    actor: Actor, current_password: str, new_password: str, confirmation: str, *, client: str
) -> None:
    """A signed-in person changes their own password (Piccolo Admin's form comes here).

    The current password is checked as a sign-in checks it, in the same failure count, so a session
    left open on a shared computer cannot be used to guess it; then :func:`set_password` does the
    rest (audited, every session of the account ended)."""
    if actor.user_id is None:
        raise NotAuthenticated("Sign in with your account to change its password")
    if new_password != confirmation:
        raise InvalidInput.field("confirm_new_password", "does not match the new password")
    user = await User.select(User.username, User.password).where(User.id == actor.user_id).first()
    if user is None:
        raise NotAuthenticated("Sign in with your account to change its password")
    attempt = await _reserve_attempt(user["username"], client[:64])
    if not await _password_matches(user["password"], current_password):
        raise InvalidInput.field("current_password", "is not your current password")
    async with write_transaction():
        await LoginFailure.delete().where(LoginFailure.id == attempt)
    await set_password(actor, actor.user_id, new_password)


async def grant_role(actor: Actor, user_id: int, role: Role, event_id: int | None) -> dict:
    """Give a role. A programme-wide organiser also gets Piccolo Admin access."""
    actor.require_programme_organiser(_REFUSAL)
    if role is Role.staff and event_id is None:
        raise InvalidInput.field("event_id", "staff work at one event: name it")
    if role is Role.travel_agent and event_id is None:
        raise InvalidInput.field("event_id", "travel agents book for one event: name it")
    async with write_transaction():
        if not await User.exists().where(User.id == user_id):
            raise NotFound(f"No user with id {user_id}")
        if event_id is not None and not await Event.exists().where(Event.id == event_id):
            raise InvalidInput.field("event_id", f"no event with id {event_id}")
        same = RoleGrant.exists().where(
            RoleGrant.user == user_id,
            RoleGrant.role == role.value,
            RoleGrant.event.is_null() if event_id is None else RoleGrant.event == event_id,
        )
        if await same:
            raise Conflict("The user holds this role already")
        grant = RoleGrant(user=user_id, role=role.value, event=event_id)
        await grant.save()
        if role is Role.organiser and event_id is None:
            await User.update({User.admin: True}).where(User.id == user_id)
        await revocation.bump()  # remembered accounts learn the new role at once, too
        await record(
            actor,
            "role.granted",
            "user",
            user_id,
            event_id=event_id,
            data={"role": role.value, "grant": grant.id},
        )
    return await get_user(user_id)


async def revoke_grant(actor: Actor, user_id: int, grant_id: int) -> dict:
    actor.require_programme_organiser(_REFUSAL)
    async with write_transaction():
        grant = await RoleGrant.select().where(RoleGrant.id == grant_id, RoleGrant.user == user_id).first()
        if grant is None:
            raise NotFound(f"User {user_id} has no grant {grant_id}")
        if actor.user_id == user_id and grant["role"] == Role.organiser.value and grant["event"] is None:
            raise Conflict("You cannot remove your own programme organiser role; ask another organiser")
        await RoleGrant.delete().where(RoleGrant.id == grant_id)
        still_admin = await RoleGrant.exists().where(
            RoleGrant.user == user_id, RoleGrant.role == Role.organiser.value, RoleGrant.event.is_null()
        )
        await User.update({User.admin: still_admin}).where(User.id == user_id)
        await revocation.bump()
        await record(
            actor, "role.revoked", "user", user_id, event_id=grant["event"], data={"role": grant["role"]}
        )
    return await get_user(user_id)


# --- sign-in ----------------------------------------------------------------------------------


async def _reserve_attempt(username: str, client: str) -> int:
    """Count this sign-in as failed before the password is checked; returns the failure's id.

    Counting, deciding and recording happen in one transaction that concurrent attempts for the
    same user name or client wait for, so a burst of guesses cannot all pass the limit together.
    A successful sign-in deletes the failures again.
    """
    settings = get_settings()
    window = datetime.timedelta(minutes=settings.login_failure_window_minutes)
    async with write_transaction():
        await serialise_on(f"sign-in:user:{username}", f"sign-in:client:{client}")
        since = now() - window
        by_user = await LoginFailure.count().where(LoginFailure.username == username, LoginFailure.at > since)
        by_client = await LoginFailure.count().where(LoginFailure.client == client, LoginFailure.at > since)
        if by_user >= settings.login_max_failures or by_client >= settings.login_max_failures * 4:
            raise TooManyRequests(
                "Too many failed sign-ins; try again later",
                retry_after_seconds=int(window.total_seconds()),
            )
        failure = LoginFailure(username=username, client=client, at=now())
        await failure.save()
    return failure.id


async def sign_in(username: str, password: str, *, client: str, door: str = "api") -> tuple[Actor, str]:
    """Check the password and open a browser session; returns the actor and the session token.

    Failures are counted per user name and per client address; past the limit every attempt is
    refused for the window, right password or not, so guessing cannot go on. Every door that takes
    a password (the API, the organiser pages, Piccolo Admin, named by ``door`` in the audit entry)
    comes through here, so they share one count.
    """
    username = username.strip()[:100]
    client = client[:64]
    attempt = await _reserve_attempt(username, client)
    user = await User.select(User.id, User.password, User.active).where(User.username == username).first()
    matches = await _password_matches(user["password"] if user else await _dummy_hash(), password)
    if user is None or not matches:
        raise NotAuthenticated("The user name or password is wrong")
    if not user["active"]:
        async with write_transaction():
            await LoginFailure.delete().where(LoginFailure.id == attempt)
        raise NotAuthenticated("This account is disabled; ask an organiser")
    settings = get_settings()
    local_now = datetime.datetime.now()  # Piccolo's session table stores naive local times
    async with write_transaction():
        session = await AuthSession.create_session(
            user_id=user["id"],
            expiry_date=local_now + datetime.timedelta(hours=settings.session_max_age_hours),
            max_expiry_date=local_now + datetime.timedelta(hours=settings.session_max_age_hours),
        )
        await User.update({User.last_login: local_now}).where(User.id == user["id"])
        await LoginFailure.delete().where(LoginFailure.username == username)
    actor = await load_actor(user["id"], via="session")
    assert actor is not None
    async with write_transaction():
        await record(actor, "user.signed_in", "user", user["id"], data={"client": client, "door": door})
    return actor, session.token


async def sign_out(session_token: str) -> None:
    async with write_transaction():
        await AuthSession.delete().where(AuthSession.token == session_token)


async def actor_from_session(session_token: str) -> Actor | None:
    user_id = await AuthSession.get_user_id(session_token)
    return None if user_id is None else await load_actor(user_id, via="session")


# --- API tokens -------------------------------------------------------------------------------


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def create_token(
    actor: Actor, *, name: str, user_id: int | None = None, expires_in_days: int | None = None
) -> tuple[dict, str]:
    """Mint a token for the actor (or, for programme organisers, for another account, e.g. a scanner).

    The secret is returned once and only its SHA-256 is stored.
    """
    owner = user_id if user_id is not None else actor.user_id
    if owner is None:
        raise InvalidInput.field("user_id", "name the account the token is for")
    if owner != actor.user_id:
        actor.require_programme_organiser(_REFUSAL)
    if expires_in_days is not None and not 1 <= expires_in_days <= 730:
        raise InvalidInput.field("expires_in_days", "must be between 1 and 730")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    async with write_transaction():
        if not await User.exists().where(User.id == owner, User.active.eq(True)):
            raise InvalidInput.field("user_id", f"no active user with id {owner}")
        token = ApiToken(
            user=owner,
            name=name,
            token_hash=_digest(secret),
            prefix=secret[: len(TOKEN_PREFIX) + 6],
            created_at=now(),
            expires_at=now() + datetime.timedelta(days=expires_in_days) if expires_in_days else None,
        )
        await token.save()
        await record(actor, "api_token.created", "api_token", token.id, data={"user": owner, "name": name})
    return await get_token(token.id), secret


async def get_token(token_id: int) -> dict:
    row = (
        await ApiToken.select(ApiToken.all_columns(exclude=[ApiToken.token_hash]))
        .where(ApiToken.id == token_id)
        .first()
    )
    if row is None:
        raise NotFound(f"No API token with id {token_id}")
    return row


async def list_tokens(actor: Actor, user_id: int | None = None) -> list[dict]:
    owner = user_id if user_id is not None else actor.user_id
    if owner != actor.user_id:
        actor.require_programme_organiser(_REFUSAL)
    return (
        await ApiToken.select(ApiToken.all_columns(exclude=[ApiToken.token_hash]))
        .where(ApiToken.user == owner)
        .order_by(ApiToken.id)
    )


async def revoke_token(actor: Actor, token_id: int) -> dict:
    async with write_transaction():
        token = (
            await ApiToken.select(ApiToken.id, ApiToken.user, ApiToken.revoked_at)
            .where(ApiToken.id == token_id)
            .first()
        )
        if token is None or (token["user"] != actor.user_id and not actor.is_programme_organiser):
            raise NotFound(f"No API token with id {token_id}")
        if token["revoked_at"] is None:
            await ApiToken.update({ApiToken.revoked_at: now()}).where(ApiToken.id == token_id)
            await revocation.bump()
            await record(actor, "api_token.revoked", "api_token", token_id, data={"user": token["user"]})
    return await get_token(token_id)


async def actor_from_token(secret: str) -> Actor | None:
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 100:
        return None
    token = (
        await ApiToken.select(
            ApiToken.id,
            ApiToken.user,
            ApiToken.expires_at,
            ApiToken.revoked_at,
            ApiToken.last_used_at,
            ApiToken.user.username.as_alias("username"),
            ApiToken.user.active.as_alias("active"),
        )
        .where(ApiToken.token_hash == _digest(secret))
        .first()
    )
    if token is None or token["revoked_at"] is not None or not token["active"]:
        return None
    moment = now()
    if token["expires_at"] is not None and token["expires_at"] <= moment:
        return None
    if token["last_used_at"] is None or moment - token["last_used_at"] > _LAST_USED_RESOLUTION:
        async with write_transaction():
            await ApiToken.update({ApiToken.last_used_at: moment}).where(ApiToken.id == token["id"])
    return await _with_grants(token["user"], token["username"], via="token")


async def bootstrap_organiser(username: str, email: str, password: str) -> int:
    """Create (or reset) a programme organiser from the CLI; the first account of a fresh install."""
    system = Actor.system("cli")
    existing = await User.select(User.id).where(User.username == username).first()
    if existing is None:
        user = await create_user(system, username=username, email=email, password=password)
        user_id = user["id"]
    else:
        user_id = existing["id"]
        await set_password(system, user_id, password)
        await set_active(system, user_id, True)
    if not await RoleGrant.exists().where(
        RoleGrant.user == user_id, RoleGrant.role == Role.organiser.value, RoleGrant.event.is_null()
    ):
        await grant_role(system, user_id, Role.organiser, None)
    return user_id
