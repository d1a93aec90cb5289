"""Piccolo Admin at ``/admin``, built once, behind the same accounts and sessions as the API.

Only programme-wide organisers have ``admin`` set (see ``auth.services.grant_role``), because
the admin shows every table of every event.

The admin must not be a side door around the services:

* Its login form posts to :func:`admin_sign_in`, a route of ours in front of the mount, which signs in
  through :func:`events.auth.services.sign_in`: the same failure count and lockout as the API and the
  pages, the same ``user.signed_in`` audit entry. Piccolo's own login endpoint is unplugged.
* Tables whose rows only services may change (they check capacity, send e-mail, sign badges, write
  the audit log; an event's edits move its waiting list, a session's raise the ``SEQUENCE`` that
  subscribed calendars and the feeds' fingerprints follow) are read-only there: every write to them is refused with 403 by the server, whatever
  the UI shows. Organisers keep editing reference data (country groups, sites, templates …).
* Accounts and their roles are among them: creating accounts, granting roles, disabling and changing
  passwords go through :mod:`events.auth.services` (the API and the dashboard). The admin's own
  change-password form posts to :func:`admin_change_password`, in front of Piccolo's endpoint, which
  changes the password through :func:`events.auth.services.change_own_password`: audited, and every
  session of the account ended.
"""

from __future__ import annotations

import datetime
import functools

from litestar import Request, Response, asgi, post
from litestar.params import JSONBody
from litestar.status_codes import HTTP_200_OK
from litestar.types import Receive, Scope, Send
from piccolo_api.crud.endpoints import PiccoloCRUD
from piccolo_api.crud.validators import Validators
from starlette.exceptions import HTTPException
from starlette.requests import Request as StarletteRequest
from starlette.routing import Mount

from events.audit.tables import AuditEntry
from events.auth import services
from events.auth.controllers import client_address, with_session_cookie
from events.auth.guards import (
    SESSION_COOKIE,
    ActorDep,
    mark_personal,
    requires_json_from_same_origin,
    requires_programme_organiser,
)
from events.auth.schemas import PasswordChange, SignIn
from events.auth.tables import AuthSession, RoleGrant, User
from events.badges.tables import Badge, BadgeKey
from events.calendars.tables import FeedToken
from events.checkin.tables import CheckinConflict, Presence, Scan
from events.letters.tables import Letter
from events.notifications.tables import OutboxMessage
from events.piccolo_app import TABLES
from events.programme.tables import Event, Session
from events.registration.tables import AccessToken, Invitation, Registration, SessionSignup
from events.settings import get_settings
from events.visits.tables import ScheduleRun, VisitAssignment

_HIDDEN = {"AuthSession", "LoginFailure", "ThrottledRequest", "ApiToken", "AccessVersion"}

#: Shown, never changed: their rows are written by services, which check, notify and audit.
READ_ONLY = (
    User,
    RoleGrant,
    AuditEntry,
    Registration,
    SessionSignup,
    Invitation,
    AccessToken,
    OutboxMessage,
    Letter,
    Badge,
    BadgeKey,
    FeedToken,
    Scan,
    Presence,
    CheckinConflict,
    ScheduleRun,
    VisitAssignment,
    Event,
    Session,
)

LOGIN_PATH = "/admin/public/login/"
CHANGE_PASSWORD_PATH = "/admin/api/change-password/"  # noqa: S105 (a URL path)


def _refuse_write(piccolo_crud: PiccoloCRUD, request: StarletteRequest) -> None:
    raise HTTPException(
        status_code=403,
        detail=f"{piccolo_crud.table._meta.tablename} is read-only here: its changes go through the API",
    )


def _table_config(table):
    from piccolo_admin.endpoints import TableConfig

    if table not in READ_ONLY:
        return table
    refuse = [_refuse_write]
    return TableConfig(
        table_class=table,
        validators=Validators(
            post_single=refuse,
            put_single=refuse,
            patch_single=refuse,
            delete_single=refuse,
            delete_all=refuse,
        ),
        menu_group="Read-only",
    )


async def _no_such_page(scope: Scope, receive: Receive, send: Send) -> None:
    await send({"type": "http.response.start", "status": 404, "headers": [(b"content-type", b"text/plain")]})
    await send({"type": "http.response.body", "body": b"Not found"})


def _unplug_piccolo_login(app) -> None:
    """Piccolo's login endpoint counts failures on its own and audits nothing. :func:`admin_sign_in`
    answers at its address; what still reaches it (a longer path under it) finds nothing."""
    public = [route for route in app.routes if isinstance(route, Mount) and route.path == "/public"]
    logins = [
        route
        for mount in public
        for route in mount.app.routes
        if isinstance(route, Mount) and route.path == "/login"
    ]
    if len(logins) != 1:
        raise RuntimeError("Piccolo Admin's login endpoint moved: check events/admin.py against its version")
    logins[0].app = _no_such_page


@functools.cache
def build():
    """The Piccolo Admin app (built on first use; the app factory builds it at start-up)."""
    from piccolo_admin.endpoints import create_admin

    settings = get_settings()
    app = create_admin(
        tables=[_table_config(table) for table in TABLES if table.__name__ not in _HIDDEN],
        auth_table=User,
        session_table=AuthSession,
        session_expiry=datetime.timedelta(hours=settings.session_max_age_hours),
        max_session_expiry=datetime.timedelta(hours=settings.session_max_age_hours),
        production=settings.base_url.startswith("https://"),
        site_name="OneStop Events admin",
        allowed_hosts=[],
    )
    _unplug_piccolo_login(app)
    return app


@post(LOGIN_PATH, status_code=HTTP_200_OK, guards=[requires_json_from_same_origin], include_in_schema=False)
async def admin_sign_in(request: Request, data: JSONBody[SignIn]) -> Response[dict]:
    """Piccolo Admin's login form, answered as the API's sign-in is (401, 429 with ``Retry-After``)."""
    _, token = await services.sign_in(
        data.username, data.password, client=client_address(request), door="admin"
    )
    mark_personal(request)
    return with_session_cookie(Response({"message": "logged in"}), token)


@post(
    CHANGE_PASSWORD_PATH,
    status_code=HTTP_200_OK,
    guards=[requires_json_from_same_origin, requires_programme_organiser],
    include_in_schema=False,
)
async def admin_change_password(
    request: Request, actor: ActorDep, data: JSONBody[PasswordChange]
) -> Response[dict]:
    """Piccolo Admin's change-password form; its page reads ``detail`` of a refusal."""
    await services.change_own_password(
        actor,
        data.current_password,
        data.new_password,
        data.confirm_new_password,
        client=client_address(request),
    )
    response = Response({"message": "password changed; sign in again"})
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@asgi("/admin", is_mount=True, copy_scope=True, include_in_schema=False)
async def admin(scope: Scope, receive: Receive, send: Send) -> None:
    await build()(scope, receive, send)


ROUTE_HANDLERS = [admin_sign_in, admin_change_password, admin]
