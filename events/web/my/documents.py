"""The participant's documents: what the areas offer through
:data:`events.signals.participant_downloads` (letters, the e-badge), and the e-badge's own pages
(see :mod:`events.web.my`):

* ``/my/badge`` — the badge for a phone: name, event, a QR code large enough to scan from the
  screen, the reference. A small service worker (``/my/badge/sw.js``, scope ``/my/badge``,
  registered by ``static/badge.js``) keeps the last copy so the page opens without a connection;
  without JavaScript the page still shows the code and suggests keeping it open or saving the PNG.
* ``/my/badge.pdf`` and ``/my/badge.png`` — the same files as the API's
  ``/api/v1/registrations/{id}/badge.pdf|.png``, through the same service, for the signed-in page.

The badge is a credential: its responses are ``Cache-Control: private, no-store`` (the service
worker's cache is the browser's own, on this device only). The worker forgets the badge when the
server no longer shows it (signed out, revoked), and ``badge.js`` deletes the cache and the worker
when the participant signs out from "My registration" or a page says the badge is gone.
"""

from __future__ import annotations

import json

import anyio.to_thread
from litestar import Request, Response, get
from litestar.response import Template
from markupsafe import Markup

from events.badges import services as badge_services
from events.badges.render import BadgeRenderer
from events.errors import Gone, NotFound
from events.rendering import qr_png, qr_svg
from events.web import pages
from events.web.downloads import downloads_for
from events.web.my.view import MyView, my_view, own_registration
from events.web.templating import STATIC_DIR, static_url

NAME = "documents"

#: The badge carries a credential: never kept by a shared cache, nor by the browser's HTTP cache.
PRIVATE = {"Cache-Control": "private, no-store"}
BADGE_PAGE = "/my/badge"
#: What the service worker keeps besides the page (it also keeps any other /static file the page loads).
OFFLINE_ASSETS = ("site.css", "portal.js", "badge.js")


async def _badge_state(view: MyView) -> str | None:
    """``"valid"``, ``"revoked"`` or ``None`` (never issued) — read through the badges service."""
    try:
        await badge_services.get_badge(view.actor, view.registration.id)
    except NotFound:
        return None
    except Gone:
        return "revoked"
    return "valid"


async def section(view: MyView) -> dict | None:
    """The files on offer, and what became of the badge; ``None`` (no section, no dead links) while
    there is nothing to show."""
    downloads = await downloads_for(view.registration, view.lang)
    state = await _badge_state(view)
    badge_pending = view.approved and state is None
    if not downloads and state != "revoked" and not badge_pending:
        return None
    return {"downloads": downloads, "badge_revoked": state == "revoked", "badge_pending": badge_pending}


def _no_badge(request: Request, view: MyView, exc: NotFound | Gone) -> Template:
    """The badge page when there is no valid badge: why, and what to do (never a 500)."""
    revoked = isinstance(exc, Gone)
    return pages.render(
        request,
        "portal/my/badge.html",
        {
            "event": view.event,
            "registration": view.registration,
            "badge": None,
            "revoked": revoked,
            "revocation": exc.extra.get("revocation") if revoked else None,
        },
        status_code=410 if revoked else 404,
        headers=PRIVATE,
    )


@get(BADGE_PAGE)
async def badge_page(request: Request) -> Template:
    """The e-badge on a phone, large enough to scan from the screen."""
    view = await my_view(request)
    try:
        badge, data, _event = await badge_services.own_badge(view.actor, view.registration.id)
    except (NotFound, Gone) as exc:
        return _no_badge(request, view, exc)
    name = " ".join(part for part in (data.given_names, data.family_name) if part)
    return pages.render(
        request,
        "portal/my/badge.html",
        {
            "event": view.event,
            "registration": view.registration,
            "badge": badge,
            "name": name,
            "latin_name": data.latin_name if data.latin_name and data.latin_name != name else "",
            "qr": Markup(qr_svg(badge.token)),  # noqa: S704 (our own SVG: digits and fixed markup only)
            "worker": f"{BADGE_PAGE}/sw.js",
        },
        headers=PRIVATE,
    )


async def _own_badge_or_page(request: Request):
    """The badge for a file, or the badge page that explains why there is none."""
    actor, registration = await own_registration(request)
    try:
        return await badge_services.own_badge(actor, registration.id), None
    except (NotFound, Gone) as exc:
        return None, _no_badge(request, await my_view(request, actor), exc)


@get(f"{BADGE_PAGE}.pdf")
async def badge_pdf(request: Request) -> Response:
    """The badge on one A6 page, as printed (the API's renderer)."""
    found, refusal = await _own_badge_or_page(request)
    if refusal is not None:
        return refusal
    badge, data, event = found
    body = await anyio.to_thread.run_sync(lambda: BadgeRenderer(event, "a6").render([data]))
    filename = f"badge-{badge.registration_id}-v{badge.version}.pdf"
    return Response(
        body,
        media_type="application/pdf",
        headers={**PRIVATE, "Content-Disposition": f'inline; filename="{filename}"'},
    )


@get(f"{BADGE_PAGE}.png")
async def badge_png(request: Request) -> Response:
    """The QR code as a picture to keep on the phone (10 pixels a module, quiet zone included)."""
    found, refusal = await _own_badge_or_page(request)
    if refusal is not None:
        return refusal
    badge, _data, _event = found
    filename = f"badge-{badge.registration_id}-v{badge.version}.png"
    return Response(
        qr_png(badge.token, 10),
        media_type="image/png",
        headers={**PRIVATE, "Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _worker_source() -> str:
    source = (STATIC_DIR / "badge-sw.js").read_text(encoding="utf-8")
    assets = json.dumps([static_url(name) for name in OFFLINE_ASSETS])
    return source.replace("var ASSETS = [];", f"var ASSETS = {assets};", 1)


@get(f"{BADGE_PAGE}/sw.js", media_type="text/javascript")
async def badge_worker() -> Response:
    """The badge page's service worker. Its scope is the page itself (``/my/badge``), wider than
    the script's folder, hence ``Service-Worker-Allowed``. It holds no personal data."""
    return Response(
        _worker_source(),
        media_type="text/javascript",
        headers={"Service-Worker-Allowed": BADGE_PAGE, "Cache-Control": "no-cache"},
    )


HANDLERS: list = [badge_page, badge_pdf, badge_png, badge_worker]
