"""The pages' routes: the participant portal, the organiser dashboard and the static files.

``ROOT_HANDLERS`` is mounted by ``events.plugin``. Errors on pages are pages too (not problem JSON):
a missing object is a 404 page, a refused one a 403 page, and an organiser page without a session
sends the browser to the sign-in page.
"""

from __future__ import annotations

import logging
from urllib.parse import quote

from litestar import Request, Response, Router
from litestar.datastructures import CacheControlHeader, ResponseHeader
from litestar.exceptions import HTTPException, NotFoundException
from litestar.static_files import create_static_files_router

from events.api import refuse_nul_in_file_name
from events.errors import DomainError, NotAuthenticated, NotFound, PermissionDenied
from events.web import dashboard, pages, portal
from events.web.console import routes as console
from events.web.i18n import N_
from events.web.templating import STATIC_DIR, STATIC_PREFIX

logger = logging.getLogger("events.web")

#: Our pages load scripts, styles and images from this site only, are never framed, and are never
#: stored by browsers or proxies (they carry personal data and depend on cookies).
SECURITY_HEADERS = [
    ResponseHeader(
        name="Content-Security-Policy",
        value="default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'",
    ),
    ResponseHeader(name="X-Content-Type-Options", value="nosniff"),
    ResponseHeader(name="Referrer-Policy", value="same-origin"),
    ResponseHeader(name="Cache-Control", value="no-store"),
    ResponseHeader(name="Vary", value="Cookie, Accept-Language"),
]

ERROR_TITLES = {
    400: N_("This request could not be understood"),
    403: N_("You may not do this"),
    404: N_("Page not found"),
    409: N_("This cannot be done now"),
    429: N_("Too many attempts: wait a few minutes and try again"),
    500: N_("Sorry, there is a problem with the service"),
}


def _error_page(request: Request, status: int, dashboard_page: bool) -> Response:
    title = ERROR_TITLES.get(status, ERROR_TITLES[400])
    return pages.render(
        request,
        "error.html",
        {"status": status, "title": title, "dashboard": dashboard_page},
        status_code=status,
    )


def _handler(dashboard_page: bool):
    def handle(request: Request, exc: Exception) -> Response:
        if isinstance(exc, NotAuthenticated) and dashboard_page:
            target = quote(request.url.path + (f"?{request.url.query}" if request.url.query else ""))
            return pages.redirect(f"/organiser/sign-in?next={target}")
        if isinstance(exc, NotAuthenticated):
            return pages.redirect("/my/registration")
        if isinstance(exc, NotFound | NotFoundException):
            return _error_page(request, 404, dashboard_page)
        if isinstance(exc, PermissionDenied):
            return _error_page(request, 403, dashboard_page)
        if isinstance(exc, DomainError):
            return _error_page(request, exc.status_code, dashboard_page)
        if isinstance(exc, HTTPException):
            return _error_page(request, exc.status_code if exc.status_code < 500 else 500, dashboard_page)
        logger.exception("Unhandled error on page %s %s", request.method, request.url.path, exc_info=exc)
        return _error_page(request, 500, dashboard_page)

    return handle


def _router(path: str, handlers: list, dashboard_page: bool) -> Router:
    handle = _handler(dashboard_page)
    return Router(
        path=path,
        route_handlers=handlers,
        guards=[pages.same_origin_forms],
        exception_handlers={DomainError: handle, HTTPException: handle, Exception: handle},
        response_headers=SECURITY_HEADERS,
        include_in_schema=False,
    )


ROOT_HANDLERS = [
    _router("/", portal.HANDLERS, dashboard_page=False),
    _router("/", [*dashboard.HANDLERS, *console.HANDLERS], dashboard_page=True),
    create_static_files_router(
        path=STATIC_PREFIX,
        directories=[STATIC_DIR],
        cache_control=CacheControlHeader(max_age=7 * 24 * 3600, public=True),
        before_request=refuse_nul_in_file_name,
        include_in_schema=False,
    ),
]
