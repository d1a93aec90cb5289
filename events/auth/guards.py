"""Resolve the actor of a request once, and the guards that check roles per event.

Credentials: ``Authorization: Bearer ose_…`` (API tokens) or the ``id`` session cookie shared
with Piccolo Admin. A session cookie counts on unsafe methods only for same-origin requests,
so another site cannot make a signed-in browser change anything (CSRF).
"""

from __future__ import annotations

from litestar.connection import ASGIConnection
from litestar.datastructures import MutableScopeHeaders
from litestar.di import NamedDependency, Provide
from litestar.handlers.base import BaseRouteHandler
from litestar.types import Message, Scope

from events.auth.principal import Actor
from events.auth.services import actor_from_session, actor_from_token
from events.errors import NotAuthenticated, PermissionDenied, UnsupportedMediaType
from events.settings import get_settings

SESSION_COOKIE = "id"
_SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
_UNSET = object()
_PERSONAL = "personal"


def same_origin(connection: ASGIConnection) -> bool:
    """A browser request from our own pages (Fetch metadata, else Origin); non-browser clients pass."""
    fetch_site = connection.headers.get("sec-fetch-site")
    if fetch_site is not None:
        return fetch_site in {"same-origin", "none"}
    origin = connection.headers.get("origin")
    if origin is None:
        return True  # non-browser clients and old browsers on same-origin form posts send none
    host = connection.headers.get("host", "")
    return origin in {get_settings().base_url, f"http://{host}", f"https://{host}"}


async def current_actor(connection: ASGIConnection) -> Actor | None:
    """The actor of this request, resolved once and kept in the request's state."""
    cached = connection.state.get("actor", _UNSET)
    if cached is not _UNSET:
        return cached  # type: ignore[return-value]
    actor: Actor | None = None
    authorization = connection.headers.get("authorization")
    if authorization:
        scheme, _, value = authorization.partition(" ")
        if scheme.lower() != "bearer" or not value.strip():
            raise NotAuthenticated("Send the API token as 'Authorization: Bearer <token>'")
        token = value.strip()
        if token.startswith("osr_"):
            from events.registration.access import actor_from_access_token

            actor = await actor_from_access_token(token)
        else:
            actor = await actor_from_token(token)
        if actor is None:
            raise NotAuthenticated("The API token is unknown, expired or revoked, or its account is disabled")
    else:
        cookie = connection.cookies.get(SESSION_COOKIE)
        if cookie and (connection.scope.get("method", "GET") in _SAFE_METHODS or same_origin(connection)):
            actor = await actor_from_session(cookie)
    connection.state["actor"] = actor
    if actor is not None:
        mark_personal(connection)
    return actor


def mark_personal(connection: ASGIConnection) -> None:
    """The answer to this request is for one person (signed in, or receiving their access)."""
    connection.state[_PERSONAL] = True


async def no_store_personal_responses(message: Message, scope: Scope) -> None:
    """Answers to a signed-in person carry their data (passport details, their registration, their
    letters): no browser cache on a shared computer and no proxy may keep them. An explicit
    ``Cache-Control`` of the handler stays."""
    if message["type"] != "http.response.start" or not scope.get("state", {}).get(_PERSONAL):
        return
    headers = MutableScopeHeaders.from_message(message)
    if "cache-control" not in headers:
        headers["Cache-Control"] = "no-store"


async def requires_json_from_same_origin(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    """For sign-in: another site's page can post a form or ``text/plain`` without asking the
    browser's permission, and would sign the visitor in to an account of its choosing (login CSRF).
    Requiring JSON forces a CORS preflight, which we never grant; the origin check refuses the rest."""
    media_type = connection.headers.get("content-type", "").partition(";")[0].strip().lower()
    if media_type != "application/json":
        raise UnsupportedMediaType("Send the sign-in as application/json")
    if not same_origin(connection):
        raise PermissionDenied("Sign in from this site's own pages")


async def _signed_in(connection: ASGIConnection) -> Actor:
    actor = await current_actor(connection)
    if actor is None:
        raise NotAuthenticated("Sign in, or send an API token")
    return actor


def _event_id(connection: ASGIConnection) -> int:
    return int(connection.path_params["event_id"])


async def requires_sign_in(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    await _signed_in(connection)


async def requires_programme_organiser(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    if not (await _signed_in(connection)).is_programme_organiser:
        raise PermissionDenied("This needs a programme organiser")


async def requires_event_organiser(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    if not (await _signed_in(connection)).organises(_event_id(connection)):
        raise PermissionDenied("This needs an organiser of this event")


async def requires_event_staff(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    if not (await _signed_in(connection)).staffs(_event_id(connection)):
        raise PermissionDenied("This needs staff or an organiser of this event")


async def _provide_actor(request: ASGIConnection) -> Actor:
    return await _signed_in(request)


async def _provide_optional_actor(request: ASGIConnection) -> Actor | None:
    return await current_actor(request)


DEPENDENCIES = {
    "actor": Provide(_provide_actor),
    "optional_actor": Provide(_provide_optional_actor),
}

ActorDep = NamedDependency[Actor]
OptionalActorDep = NamedDependency[Actor | None]
