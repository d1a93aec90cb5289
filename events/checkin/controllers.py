"""Check-in over HTTP: staff devices (scan, sync, kit, lookup), organisers (checkpoints, live view,
conflicts, the scan log), and the scanner page for phones at ``/scan``.

Devices scan with an API token (``Authorization: Bearer ose_…``) or the session cookie of
``POST /api/v1/auth/sign-in``. On the device endpoints the account behind a token is remembered in
the process for :data:`DEVICE_ACTOR_TTL` seconds (so an expiring token stops within that time), with
the access version it was read at (:mod:`events.auth.revocation`). A revoked token, a disabled account
or a withdrawn role moves that version: a scan finds it moved in its first statement and is refused at
once (the account is read again); the other device endpoints compare it before they answer.
"""

from __future__ import annotations

import datetime
import functools
import hashlib
import json
import time
from pathlib import Path
from typing import Annotated

import jinja2
from babel.messages.extract import extract
from litestar import Controller, Request, Response, Router, delete, get, patch, post
from litestar.connection import ASGIConnection
from litestar.datastructures import CacheControlHeader, ResponseHeader
from litestar.handlers.base import BaseRouteHandler
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from litestar.static_files import create_static_files_router
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_204_NO_CONTENT
from markupsafe import Markup

from events.api import DEFAULT_PAGE_SIZE, Limit, Offset, Page, page_of, refuse_nul_in_file_name
from events.auth import revocation
from events.auth.guards import ActorDep, current_actor, requires_event_organiser
from events.auth.principal import Actor
from events.checkin import checkpoints as checkpoint_services
from events.checkin import conflicts as conflict_services
from events.checkin import kit as kit_services
from events.checkin import live as live_services
from events.checkin import lookup as lookup_services
from events.checkin import scanning, schemas
from events.checkin import sync as offline_sync
from events.errors import Conflict, NotAuthenticated
from events.programme.zones import in_event_zones
from events.web import i18n as web_i18n
from events.web import pages, templating

DEVICE_ACTOR_TTL = 5.0
_MAX_ACTORS = 2048
#: token digest: (expires, access version, actor)
_actors: dict[bytes, tuple[float, int, Actor]] = {}
#: Request state: the access version of a remembered actor.
_ACTOR_VERSION = "checkin_actor_version"
#: A scan whose access version keeps moving is tried this often.
_SCAN_ATTEMPTS = 3

STATIC_DIR = Path(__file__).resolve().parent / "static"
#: The scanner page's template: apart from ``static``, which serves its files as they are.
TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"
EVENT = "/events/{event_id:int}/checkin"


def _authorization(connection: ASGIConnection) -> str:
    """The ``Authorization`` header, read from the scope (parsing every header costs more)."""
    for name, value in connection.scope["headers"]:
        if name == b"authorization":
            return value.decode("latin-1")
    return ""


async def _device_actor(connection: ASGIConnection, *, check_version: bool = True) -> Actor:
    """The account of a device's request; tokens are remembered for a few seconds (see above). A
    remembered one is compared with the database's access version unless ``check_version`` is off
    (the scan compares it in its first statement)."""
    state = connection.scope["state"]  # the request's state, as a dict (a State wrapper per use costs)
    cached = state.get("actor")
    if cached is not None:
        return cached
    scheme, _, secret = _authorization(connection).partition(" ")
    key = version = None
    if scheme.lower() == "bearer" and secret.strip().startswith("ose_"):
        key = hashlib.sha256(secret.strip().encode()).digest()
        hit = _actors.get(key)
        if hit is not None and hit[0] > time.monotonic():
            version = hit[1] if not check_version else await revocation.current()
            if version == hit[1]:
                state["actor"] = hit[2]
                state[_ACTOR_VERSION] = hit[1]
                return hit[2]
            _actors.clear()  # the version moved: nothing remembered holds
        if version is None:
            version = await revocation.current()
    actor = await current_actor(connection)
    if actor is None:
        raise NotAuthenticated("Sign in, or send an API token")
    if key is not None and version is not None:
        if len(_actors) >= _MAX_ACTORS:
            _actors.clear()
        _actors[key] = (time.monotonic() + DEVICE_ACTOR_TTL, version, actor)
        state[_ACTOR_VERSION] = version
    return actor


async def requires_checkin_staff(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    actor = await _device_actor(connection)
    actor.require_staff(int(connection.path_params["event_id"]))


async def _scan_again_as(request: Request, event_id: int) -> Actor:
    """The access version moved under a scan: the request's account, read afresh."""
    _actors.clear()
    request.state.pop("actor", None)
    request.state.pop(_ACTOR_VERSION, None)
    actor = await _device_actor(request)
    actor.require_staff(event_id)
    return actor


def forget_devices() -> None:
    """Drop remembered device accounts (tests)."""
    _actors.clear()


class ScannerController(Controller):
    """Staff devices: pick a checkpoint, download its offline kit, scan, look someone up, sync."""

    path = EVENT
    tags = ["check-in (scanners)"]
    guards = [requires_checkin_staff]

    @get("/checkpoints")
    async def checkpoints(
        self, actor: ActorDep, event_id: FromPath[int], limit: Limit = DEFAULT_PAGE_SIZE, offset: Offset = 0
    ) -> Page[schemas.Checkpoint]:
        return page_of(await checkpoint_services.list_checkpoints(actor, event_id), limit, offset)

    @get("/checkpoints/{checkpoint_id:int}")
    async def checkpoint(
        self, actor: ActorDep, event_id: FromPath[int], checkpoint_id: FromPath[int]
    ) -> schemas.Checkpoint:
        return await checkpoint_services.get_checkpoint(actor, event_id, checkpoint_id)

    @get(
        "/checkpoints/{checkpoint_id:int}/kit", cache_control=CacheControlHeader(private=True, no_store=True)
    )
    async def kit(
        self,
        actor: ActorDep,
        event_id: FromPath[int],
        checkpoint_id: FromPath[int],
        since: Annotated[
            datetime.datetime | None,
            QueryParameter(description="the last kit's as_of: only what changed since"),
        ] = None,
    ) -> schemas.Kit:
        """Everything a device needs to decide alone: keys, revocations, rules, and who may pass
        (display data only). Re-fetch with ``since`` for what changed."""
        return await in_event_zones(await kit_services.kit(actor, event_id, checkpoint_id, since))

    @get("/lookup", cache_control=CacheControlHeader(private=True, no_store=True))
    async def lookup(
        self,
        actor: ActorDep,
        event_id: FromPath[int],
        checkpoint_id: Annotated[int, QueryParameter(description="where the person stands")],
        q: Annotated[str, QueryParameter(max_length=100, description="part of a name or the reference")],
    ) -> list[schemas.LookupItem]:
        """Someone without their badge: find them by name, then scan with ``registration_id``."""
        return await lookup_services.lookup(actor, event_id, checkpoint_id, q)

    @post("/sync", status_code=HTTP_200_OK)
    async def sync(
        self, actor: ActorDep, event_id: FromPath[int], data: JSONBody[schemas.SyncRequest]
    ) -> schemas.SyncResult:
        """Scans a device decided offline (at most 2,000 a request): each row is applied on its own
        and reported (``applied``, ``duplicate``, ``error``); two admissions of one single-entry
        badge become a conflict."""
        return await offline_sync.sync(actor, event_id, data)


class CheckinManagementController(Controller):
    """Organisers: checkpoints, the live view, conflicts and the scan log."""

    path = EVENT
    tags = ["check-in (organisers)"]
    guards = [requires_event_organiser]

    @post("/checkpoints", status_code=HTTP_201_CREATED)
    async def create(
        self, actor: ActorDep, event_id: FromPath[int], data: JSONBody[schemas.CheckpointCreate]
    ) -> schemas.Checkpoint:
        return await checkpoint_services.create_checkpoint(actor, event_id, data)

    @patch("/checkpoints/{checkpoint_id:int}")
    async def update(
        self,
        actor: ActorDep,
        event_id: FromPath[int],
        checkpoint_id: FromPath[int],
        data: JSONBody[schemas.CheckpointUpdate],
    ) -> schemas.Checkpoint:
        return await checkpoint_services.update_checkpoint(actor, event_id, checkpoint_id, data)

    @delete("/checkpoints/{checkpoint_id:int}", status_code=HTTP_204_NO_CONTENT)
    async def remove(self, actor: ActorDep, event_id: FromPath[int], checkpoint_id: FromPath[int]) -> None:
        """Only a checkpoint where nothing was scanned; close the others (``active: false``)."""
        await checkpoint_services.delete_checkpoint(actor, event_id, checkpoint_id)

    @get("/live", cache_control=CacheControlHeader(private=True, no_store=True))
    async def live(self, actor: ActorDep, event_id: FromPath[int]) -> schemas.Live:
        """Counts per checkpoint, the latest refusals and the open conflicts."""
        return await live_services.live(actor, event_id)

    @get("/scans")
    async def scans(
        self,
        actor: ActorDep,
        event_id: FromPath[int],
        checkpoint_id: FromQuery[int | None] = None,
        result: Annotated[str | None, QueryParameter(pattern="^(ok|denied)$")] = None,
        registration_id: FromQuery[int | None] = None,
        device_id: Annotated[str | None, QueryParameter(max_length=64)] = None,
        limit: Limit = DEFAULT_PAGE_SIZE,
        offset: Offset = 0,
    ) -> Page[schemas.ScanRow]:
        items, total = await live_services.list_scans(
            actor,
            event_id,
            checkpoint_id=checkpoint_id,
            result=result,
            registration_id=registration_id,
            device_id=device_id,
            limit=limit,
            offset=offset,
        )
        return Page(items=items, total=total, limit=limit, offset=offset)

    @get("/conflicts")
    async def conflicts(
        self,
        actor: ActorDep,
        event_id: FromPath[int],
        status: Annotated[str, QueryParameter(pattern="^(open|resolved|all)$")] = "open",
        limit: Limit = DEFAULT_PAGE_SIZE,
        offset: Offset = 0,
    ) -> Page[schemas.Conflict]:
        """Who, where, when: both scans of each conflict."""
        items, total = await conflict_services.list_conflicts(
            actor, event_id, status=status, limit=limit, offset=offset
        )
        return Page(items=items, total=total, limit=limit, offset=offset)

    @post("/conflicts/{conflict_id:int}/resolve", status_code=HTTP_200_OK)
    async def resolve(
        self,
        actor: ActorDep,
        event_id: FromPath[int],
        conflict_id: FromPath[int],
        data: JSONBody[schemas.ConflictResolve],
    ) -> schemas.Conflict:
        return await conflict_services.resolve_conflict(actor, event_id, conflict_id, data.note)


async def _scanner_only(request: Request) -> None:
    """The scan's guard, as a ``before_request`` hook: the same check as :func:`requires_checkin_staff`
    (before the body is read), without what Litestar spends on a guard (a copy of the handler) or on a
    dependency. The access version is compared in the scan's own first statement."""
    actor = await _device_actor(request, check_version=False)
    actor.require_staff(int(request.path_params["event_id"]))


_NO_STORE = {"Cache-Control": "no-store"}
_REPLAYED = {"Cache-Control": "no-store", "Idempotent-Replayed": "true"}


@post(
    EVENT + "/scans",
    status_code=HTTP_200_OK,
    request_max_body_size=16 * 1024,
    before_request=_scanner_only,
    tags=ScannerController.tags,
    # Answers are a few hundred bytes: nothing for the compression middleware to do.
    opt={"skip_compression": True},
)
async def scan(
    request: Request, event_id: FromPath[int], data: JSONBody[schemas.ScanCreate]
) -> Response[schemas.ScanAnswer]:
    """Scan a badge (or admit by ``registration_id``): ``ok`` or ``denied`` with a reason, what
    staff need to see, and the checkpoint's counts. A retry with the same nonce returns the first
    answer (header ``Idempotent-Replayed: true``) and records nothing new.

    The busiest request of the service (issue 17), so it is lighter than its neighbours: checked by
    a ``before_request`` hook instead of the controller's guard, the account from the request's state
    instead of a dependency."""
    state = request.scope["state"]
    actor = state["actor"]
    for attempt in range(_SCAN_ATTEMPTS):
        try:
            answer, replayed = await scanning.scan(actor, event_id, data, state.get(_ACTOR_VERSION))
            break
        except revocation.AccessChanged:
            if attempt == _SCAN_ATTEMPTS - 1:
                raise Conflict("Access rights changed while scanning; send the scan again") from None
            actor = await _scan_again_as(request, event_id)
    # The answer is stored as JSON when it is first given; a retry gets the same bytes back.
    return Response(answer, media_type="application/json", headers=_REPLAYED if replayed else _NO_STORE)  # type: ignore[arg-type]


#: Bodies read leniently, documented as the stricter struct (see :class:`events.api.DocumentedBodies`).
OPENAPI_BODIES = {schemas.SyncRequest: schemas.SyncRequestRows}

API_HANDLERS = [ScannerController, scan, CheckinManagementController]


# --- the scanner page -------------------------------------------------------------------------------------

#: The page talks to this site only; the camera picture is drawn into a canvas (blob:/data: images).
PAGE_HEADERS = [
    ResponseHeader(
        name="Content-Security-Policy",
        value="default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
        "media-src 'self' blob: mediastream:; connect-src 'self'; worker-src 'self'; "
        "manifest-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'",
    ),
    ResponseHeader(name="X-Content-Type-Options", value="nosniff"),
    ResponseHeader(name="Referrer-Policy", value="same-origin"),
    ResponseHeader(name="Permissions-Policy", value="camera=(self)"),
]
_NO_CACHE = CacheControlHeader(no_cache=True)


def _file(name: str) -> bytes:
    return (STATIC_DIR / name).read_bytes()


@functools.cache
def _scanner_template() -> jinja2.Template:
    """``templates/scanner.html`` with the site's gettext, filters and autoescaping."""
    env = templating.environment().overlay(loader=jinja2.FileSystemLoader(TEMPLATE_DIR))
    return env.get_template("scanner.html")


@functools.cache
def scanner_texts() -> tuple[str, ...]:
    """Every text ``scanner.js`` shows (marked ``t(...)`` or ``N_(...)``), as the catalogues have them."""
    with (STATIC_DIR / "scanner.js").open("rb") as handle:
        found = extract("javascript", handle, keywords={"t": None, "N_": None}, comment_tags=(), options={})
        return tuple(dict.fromkeys(message for _, message, _, _ in found if isinstance(message, str)))


def texts_json(lang: str) -> Markup:
    """The scanner's texts in ``lang`` (English text → translation), safe inside a script block."""
    gettext = web_i18n.translations(lang).gettext
    text = json.dumps({message: gettext(message) for message in scanner_texts()}, ensure_ascii=False)
    for raw, escaped in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026")):
        text = text.replace(raw, escaped)
    return Markup(text)  # noqa: S704 (JSON with <, > and & escaped: nothing can close the block)


@get("/scan", include_in_schema=False, cache_control=_NO_CACHE)
async def scanner_page(request: Request) -> Response[bytes]:
    """The scanner for phones, in the reader's language (``?lang=``, the cookie, the browser's
    Accept-Language): sign in, pick a checkpoint, scan; keeps working offline."""
    lang = pages.language(request)
    html = _scanner_template().render(
        lang=lang,
        dir=web_i18n.text_direction(lang),
        languages=[(code, web_i18n.AUTONYMS.get(code, code)) for code in web_i18n.catalogue_languages()],
        texts=texts_json(lang),
    )
    response = Response(html.encode(), media_type="text/html; charset=utf-8")
    if request.state.get("remember_lang"):
        pages.remember_language(response, lang)
    return response


@get("/scan/sw.js", include_in_schema=False, cache_control=_NO_CACHE)
async def scanner_worker() -> Response[bytes]:
    """The service worker (scope ``/scan``): caches the page and its files for offline use."""
    return Response(
        _file("sw.js"),
        media_type="text/javascript; charset=utf-8",
        headers={"Service-Worker-Allowed": "/scan"},
    )


#: Lets a phone add the scanner to its home screen (served from here: package data has no such files).
MANIFEST = {
    "name": "OneStop Events badge scanner",
    "short_name": "Scanner",
    "start_url": "/scan",
    "scope": "/scan",
    "display": "standalone",
    "background_color": "#ffffff",
    "theme_color": "#0b0c0c",
}


@get("/scan/manifest.webmanifest", include_in_schema=False, cache_control=_NO_CACHE)
async def scanner_manifest() -> Response[dict]:
    return Response(MANIFEST, media_type="application/manifest+json")


ROOT_HANDLERS = [
    Router(
        path="/",
        route_handlers=[
            scanner_page,
            scanner_worker,
            scanner_manifest,
            create_static_files_router(
                path="/scan/static",
                directories=[STATIC_DIR],
                cache_control=_NO_CACHE,
                before_request=refuse_nul_in_file_name,
                include_in_schema=False,
            ),
        ],
        response_headers=PAGE_HEADERS,
        include_in_schema=False,
    )
]
