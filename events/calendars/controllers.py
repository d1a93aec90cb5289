"""Calendar feeds over HTTP, and the API to manage a participant's personal feed.

Feeds (outside ``/api/v1``, because calendar apps subscribe to them by URL and cannot sign in):

* ``GET /calendars/programme.ics`` — every event (public);
* ``GET /calendars/events/{event_id}.ics`` — one event with its sessions (public);
* ``GET /calendars/personal/{token}.ics`` — a participant's agenda (the token is the credential).

Each answers ``text/calendar; charset=utf-8`` with a strong ``ETag``, ``Last-Modified`` and
``Cache-Control`` (``public`` or ``private``, ``max-age=300``), and ``304`` to a matching
``If-None-Match`` (or, without it, a satisfied ``If-Modified-Since``). ``?download=1`` asks the
browser to save the ``.ics`` file instead of showing it.
"""

from __future__ import annotations

import re
from typing import Annotated

from litestar import Controller, HttpMethod, Request, Response, delete, get, post, route
from litestar.params import FromPath, QueryParameter
from litestar.status_codes import HTTP_201_CREATED, HTTP_204_NO_CONTENT, HTTP_304_NOT_MODIFIED

from events.auth.guards import ActorDep, requires_sign_in
from events.calendars import schemas, services
from events.calendars.conditional import accepts_gzip, gzip_etag, http_date, not_modified
from events.errors import NotFound
from events.programme.services import get_event_row

#: Litestar adds ``; charset=utf-8`` to text types.
CALENDAR_MEDIA_TYPE = "text/calendar"
MAX_AGE_SECONDS = 300
SKIP_COMPRESSION = "skip_compression"
#: HEAD answers like GET without the body (the server drops it), for clients that check a feed first.
_GET_AND_HEAD = [HttpMethod.GET, HttpMethod.HEAD]
_EVENT_FILE = re.compile(r"^([0-9]{1,18})\.ics$")
_PERSONAL_FILE = re.compile(r"^(.+)\.ics$")

Download = Annotated[
    bool, QueryParameter(description="answer as a file to save (Content-Disposition: attachment)")
]


def _compresses_itself(request: Request) -> bool:
    """Whether this handler gzips its own answers: when the app has no compression middleware, or
    the middleware skips this handler (``CompressionConfig(exclude_opt_key=...)`` naming a key its
    ``opt`` sets). Then the gzip coding is made once per version and has its own strong ETag;
    otherwise the middleware compresses every answer again and the ETag is the identity one's."""
    config = request.app.compression_config
    key = config.exclude_opt_key if config is not None else None
    return config is None or bool(key and request.route_handler.opt.get(key))


async def _answer(request: Request, feed: services.ResolvedFeed, download: bool) -> Response[bytes]:
    """The conditional GET: a 304 costs only the version query; a 200 builds (or reuses) the body."""
    own_coding = _compresses_itself(request)
    gzipped = own_coding and accepts_gzip(request.headers.get("accept-encoding"))
    etag = gzip_etag(feed.etag) if gzipped else feed.etag
    etags = (feed.etag, gzip_etag(feed.etag)) if own_coding else (feed.etag,)
    headers = {
        "ETag": etag,
        "Cache-Control": f"{'private' if feed.personal else 'public'}, max-age={MAX_AGE_SECONDS}",
    }
    if own_coding:
        headers["Vary"] = "Accept-Encoding"
    if feed.personal:
        headers["X-Robots-Tag"] = "noindex, nofollow"
        headers["Referrer-Policy"] = "no-referrer"
    if_none_match = request.headers.get("if-none-match")
    if_modified_since = request.headers.get("if-modified-since")
    if if_none_match is not None and not_modified(
        etags=etags, if_none_match=if_none_match, if_modified_since=None, last_modified=None
    ):
        return Response(b"", status_code=HTTP_304_NOT_MODIFIED, headers=headers)
    entry = await services.rendered(feed)
    headers["Last-Modified"] = http_date(entry.last_modified)
    if if_none_match is None and not_modified(
        etags=etags,
        if_none_match=None,
        if_modified_since=if_modified_since,
        last_modified=entry.last_modified,
    ):
        return Response(b"", status_code=HTTP_304_NOT_MODIFIED, headers=headers)
    disposition = "attachment" if download else "inline"
    headers["Content-Disposition"] = f'{disposition}; filename="{feed.filename}"'
    if gzipped:
        headers["Content-Encoding"] = "gzip"
        return Response(
            services.rendered_feeds.gzipped(feed.etag, entry), media_type=CALENDAR_MEDIA_TYPE, headers=headers
        )
    return Response(entry.body, media_type=CALENDAR_MEDIA_TYPE, headers=headers)


class CalendarFeedController(Controller):
    """iCalendar feeds for calendar apps: subscribe with the ``webcal://`` link, or download."""

    path = "/calendars"
    tags = ["calendars"]
    #: Asks the app's compression middleware to leave these answers alone, if it is configured with
    #: ``exclude_opt_key="skip_compression"``: the feeds gzip each version once themselves.
    opt = {SKIP_COMPRESSION: True}

    @route("/programme.ics", http_method=_GET_AND_HEAD, cache=False)
    async def programme(self, request: Request, download: Download = False) -> Response[bytes]:
        """Every event of the programme, each as an all-day item over its dates."""
        return await _answer(request, await services.programme_feed(), download)

    @route("/events/{file_name:str}", http_method=_GET_AND_HEAD, cache=False)
    async def event(
        self, request: Request, file_name: FromPath[str], download: Download = False
    ) -> Response[bytes]:
        """``{event_id}.ics``: the event (all-day) and its sessions, in the venue's time zone.
        Cancelled sessions stay 30 days as ``STATUS:CANCELLED``."""
        match = _EVENT_FILE.match(file_name)
        if match is None:
            raise NotFound(f"No calendar {file_name!r}; event feeds are /calendars/events/{{event_id}}.ics")
        return await _answer(request, await services.event_feed(int(match.group(1))), download)

    @route("/personal/{file_name:str}", http_method=_GET_AND_HEAD, cache=False)
    async def personal(
        self, request: Request, file_name: FromPath[str], download: Download = False
    ) -> Response[bytes]:
        """``{token}.ics``: a participant's agenda. An unknown or revoked token is a plain 404."""
        match = _PERSONAL_FILE.match(file_name)
        if match is None:
            raise NotFound("There is no calendar feed at this address")
        return await _answer(request, await services.personal_feed(match.group(1)), download)


class CalendarLinksController(Controller):
    """Subscribe and download links for the public feeds (for pages and apps)."""

    path = "/"
    tags = ["calendars"]

    @get("/calendars/programme")
    async def programme_links(self) -> schemas.CalendarLinks:
        return services.links(services.PROGRAMME_FEED_PATH)

    @get("/events/{event_id:int}/calendar")
    async def event_links(self, event_id: FromPath[int]) -> schemas.CalendarLinks:
        await get_event_row(event_id)
        return services.links(services.event_feed_path(event_id))


class PersonalFeedController(Controller):
    """A participant's personal feed: the participant (``Bearer osr_…``) or an organiser of the
    event creates, regenerates or revokes it. Others get 404, as for the registration itself."""

    path = "/registrations/{registration_id:int}/calendar-feed"
    tags = ["calendars"]
    guards = [requires_sign_in]

    @post("/", status_code=HTTP_201_CREATED)
    async def create(self, actor: ActorDep, registration_id: FromPath[int]) -> schemas.PersonalFeed:
        """Create the feed, or regenerate it (the previous URL stops working). The URLs carry the
        secret and are shown this once."""
        return await services.create_personal_feed(actor, registration_id)

    @get("/")
    async def status(self, actor: ActorDep, registration_id: FromPath[int]) -> schemas.PersonalFeedStatus:
        return await services.personal_feed_status(actor, registration_id)

    @delete("/", status_code=HTTP_204_NO_CONTENT)
    async def revoke(self, actor: ActorDep, registration_id: FromPath[int]) -> None:
        """Revoke the feed: its URL answers 404 from now on."""
        await services.revoke_personal_feed(actor, registration_id)


API_HANDLERS = [CalendarLinksController, PersonalFeedController]
ROOT_HANDLERS = [CalendarFeedController]
