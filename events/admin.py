"""Piccolo Admin at ``/admin``, built once, behind the same accounts and sessions as the API.

Only programme-wide organisers have ``admin`` set (see ``auth.services.grant_role``), because
the admin shows every table of every event.
"""

from __future__ import annotations

import datetime
import functools

from litestar import asgi
from litestar.types import Receive, Scope, Send

from events.auth.tables import AuthSession, User
from events.piccolo_app import TABLES
from events.settings import get_settings

_HIDDEN = {"AuthSession", "LoginFailure", "ThrottledRequest", "ApiToken"}


@functools.cache
def _admin_app():
    from piccolo_admin.endpoints import create_admin

    settings = get_settings()
    return create_admin(
        tables=[table for table in TABLES if table.__name__ not in _HIDDEN],
        auth_table=User,
        session_table=AuthSession,
        session_expiry=datetime.timedelta(hours=settings.session_max_age_hours),
        max_session_expiry=datetime.timedelta(hours=settings.session_max_age_hours),
        production=settings.base_url.startswith("https://"),
        site_name="OneStop Events admin",
        allowed_hosts=[],
    )


@asgi("/admin", is_mount=True, copy_scope=True, include_in_schema=False)
async def admin(scope: Scope, receive: Receive, send: Send) -> None:
    await _admin_app()(scope, receive, send)
