"""Calendar feeds: find a feed and its version cheaply, build it, and manage personal feed tokens.

Three feeds (``controllers.py`` serves them):

* the **programme**: every event as an all-day item over its dates;
* one **event**: the event as an all-day item, and its sessions (timed, in the venue's zone);
* a participant's **personal agenda**, behind an unguessable token: for an approved registration,
  the event, its non-optional sessions and the optional ones the participant signed up for, and
  whatever other areas add through :data:`events.signals.agenda_items`.

**Cheap revalidation.** Each feed is first resolved to a :class:`ResolvedFeed`: its strong ETag
comes from one query that fingerprints everything the feed is built from (counts, id and
SEQUENCE sums, latest ``updated_at``), plus the day that decides which cancelled sessions are
still shown. A ``304`` needs nothing else. Only a ``200`` builds the feed, and the rendered bytes
are kept per ETag in a bounded in-process LRU (bytes, gzip copies included): an ETag names its
inputs exactly, so an entry is never stale (a change makes a new ETag), and every worker computes
the same bytes for it. A personal feed's ETag holds its owner (the registration) and the
fingerprint, so the cache is keyed by (owner, fingerprint). A cache per process is enough with
several instances: each one reads the fingerprint from the database on every request, so a change
written through any instance (or straight into the database) moves the key everywhere at once; no
instance can answer from a body whose inputs changed, and none needs to be told. The fingerprint's
session part is answered from the index ``event_session_feed_fingerprint`` alone (migration
2026-12-02T16:20:00).

**The personal feed's hot path** is one statement (:func:`personal_version_sql`): the token by its
unique index, its registration and event, and the whole fingerprint, the other areas' parts
included, in one row; then a hit in :data:`rendered_feeds`. A revoked token finds no row, so it is
a 404 from the next request on.

**Personal feed tokens** (``osc_…``): the feed is found by the token's SHA-256. The API shows a token
once; the token itself is also kept encrypted (:mod:`events.crypto`) so that the participant's own
page shows them their link whenever they come back (:func:`own_personal_feed`, to the participant
alone; the first visit of an approved participant makes the feed). Revoking a token erases it. A
registration has at most one working token: creating one revokes the previous (regeneration). The
participant (through their magic-link access) or an organiser of the event may create or revoke it.
An unknown and a revoked token are answered alike.

**Adding items to the personal feed** (e.g. a study-visit assignment): connect, in your area's
``listeners.py``, a receiver of :data:`events.signals.agenda_items` and one of
:data:`events.signals.agenda_version`::

    signals.agenda_items.connect(visit_items)
    signals.agenda_version.connect(visit_version)

``visit_items(agenda)`` returns :class:`~events.calendars.render.Item` values for an approved
registration (``agenda.registration_id``, ``agenda.event`` row, ``agenda.site`` for UIDs and
links: use ``agenda.site.uid("visit", assignment_id)``). ``visit_version(dialect)`` returns a SQL
scalar subquery (constant text, no placeholders) over the feed's registration, named by
:data:`OWNER_ID` and :data:`OWNER_EVENT`, whose text changes whenever those items would (e.g. the
participant's assignments with what the items show, joined in id order with
``dialect.ordered_concat``); it becomes a column of the feed's one statement and part of the
ETag. Items without a version must come only from what the base fingerprint already covers (the
registration, its event, the event's sessions and the registration's session sign-ups).
"""

from __future__ import annotations

import asyncio
import datetime
import functools
import gzip
import hashlib
import re
import secrets
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from piccolo.query.functions.aggregate import Count

from events import crypto, signals
from events.audit.services import record
from events.audit.tables import AuditEntry
from events.auth.principal import Actor
from events.calendars import items as calendar_items
from events.calendars import schemas
from events.calendars.conditional import strong_etag
from events.calendars.items import Site
from events.calendars.render import RENDER_VERSION, Feed, Item, render_feed
from events.calendars.tables import FeedToken
from events.clock import now
from events.db import dialect, locked, statements, write_transaction
from events.errors import NotFound
from events.programme.services import get_event_row
from events.programme.tables import Event, Session
from events.registration.reading import check_access
from events.registration.tables import Registration, RegistrationStatus, SessionSignup
from events.settings import get_settings

UTC = datetime.UTC
TOKEN_PREFIX = "osc_"  # noqa: S105 (a prefix, not a secret)
_TOKEN_SHAPE = re.compile(r"^osc_[A-Za-z0-9_-]{43}$")
#: Rendered feeds kept per process: bytes of bodies and their gzip copies, least recently used
#: dropped first.
RENDERED_CACHE_BYTES = 64 * 1024 * 1024
GZIP_LEVEL = 6
PROGRAMME_FEED_NAME = "OneStop Events programme"
PROGRAMME_FEED_PATH = "/calendars/programme.ics"


def site() -> Site:
    return Site.of(get_settings().base_url)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def links(path: str) -> schemas.CalendarLinks:
    """The https (or http) URL of a feed, its ``webcal://`` twin and its download link."""
    url = f"{site().base_url}{path}"
    webcal = "webcal://" + url.split("://", 1)[1]
    return schemas.CalendarLinks(url=url, webcal_url=webcal, download_url=f"{url}?download=1")


def event_feed_path(event_id: int) -> str:
    return f"/calendars/events/{event_id}.ics"


def personal_feed_path(token: str) -> str:
    return f"/calendars/personal/{token}.ics"


# --- rendered feeds ----------------------------------------------------------------------------


@dataclass(slots=True)
class Rendered:
    """A built feed. Its gzip coding is made on first demand, once (``mtime=0``: the same bytes in
    every worker, so its ETag is strong too)."""

    body: bytes
    last_modified: datetime.datetime
    _gzipped: bytes | None = None

    @property
    def size(self) -> int:
        """Bytes held: the body and its gzip copy once made."""
        return len(self.body) + (len(self._gzipped) if self._gzipped is not None else 0)

    def gzipped(self) -> bytes:
        if self._gzipped is None:
            self._gzipped = gzip.compress(self.body, compresslevel=GZIP_LEVEL, mtime=0)
        return self._gzipped


@dataclass(frozen=True, slots=True)
class ResolvedFeed:
    """A feed that exists, with its version; ``build`` makes the body (only for a 200)."""

    etag: str
    filename: str
    personal: bool
    build: Callable[[], Awaitable[Rendered]]


class RenderedFeeds:
    """Bodies by ETag, least recently used first out, with one build at a time per ETag.

    Bounded by bytes (``max_bytes``), gzip copies included: an entry's copy made later is counted
    when it is made (:meth:`gzipped`), and older entries leave to make room."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._entries: OrderedDict[str, Rendered] = OrderedDict()
        self._size = 0
        self._building: dict[str, asyncio.Future[Rendered]] = {}

    @property
    def size(self) -> int:
        return self._size

    def get(self, etag: str) -> Rendered | None:
        entry = self._entries.get(etag)
        if entry is not None:
            self._entries.move_to_end(etag)
        return entry

    def put(self, etag: str, entry: Rendered) -> None:
        if etag in self._entries or entry.size > self.max_bytes:
            return
        self._entries[etag] = entry
        self._size += entry.size
        self._shrink()

    def gzipped(self, etag: str, entry: Rendered) -> bytes:
        """The entry's gzip coding, counted against the bound when it is made here."""
        before = entry.size
        zipped = entry.gzipped()
        if entry.size != before and self._entries.get(etag) is entry:
            self._size += entry.size - before
            self._entries.move_to_end(etag)
            self._shrink()
        return zipped

    def _shrink(self) -> None:
        while self._size > self.max_bytes and self._entries:
            _, dropped = self._entries.popitem(last=False)
            self._size -= dropped.size

    def clear(self) -> None:
        self._entries.clear()
        self._size = 0

    async def get_or_build(self, feed: ResolvedFeed) -> Rendered:
        entry = self.get(feed.etag)
        if entry is not None:
            return entry
        pending = self._building.get(feed.etag)
        if pending is None:
            pending = asyncio.ensure_future(feed.build())
            self._building[feed.etag] = pending
            pending.add_done_callback(lambda _: self._building.pop(feed.etag, None))
        entry = await asyncio.shield(pending)  # a client that goes away does not cancel the others'
        self.put(feed.etag, entry)
        return entry


rendered_feeds = RenderedFeeds(RENDERED_CACHE_BYTES)


async def rendered(feed: ResolvedFeed) -> Rendered:
    return await rendered_feeds.get_or_build(feed)


def _latest(*values: datetime.datetime | None) -> datetime.datetime:
    present = [value for value in values if value is not None]
    return max(present) if present else datetime.datetime(2000, 1, 1, tzinfo=UTC)


async def _last_deletion(action: str, event_id: int | None = None) -> datetime.datetime | None:
    """When the latest object of a feed was deleted (deletions leave no ``updated_at`` behind)."""
    query = AuditEntry.select(AuditEntry.at).where(AuditEntry.action == action)
    if event_id is not None:
        query = query.where(AuditEntry.event_id == event_id)
    row = await query.order_by(AuditEntry.at, ascending=False).first()
    return row["at"] if row else None


async def _edit_counts(event_ids: list[int] | None = None) -> dict[int, int]:
    """How many times each event was edited (its audited ``event.updated`` entries).

    This is the SEQUENCE of the event's all-day item: it goes up with every edit, so calendars
    that imported the item (an e-mail attachment) take the new dates. The event row has no
    sequence column of its own; its ``updated_at`` is in the ETag, so the count needs no query
    on the 304 path.
    """
    query = (
        AuditEntry.select(AuditEntry.event_id, Count(alias="edits"))
        .where(AuditEntry.action == "event.updated")
        .group_by(AuditEntry.event_id)
    )
    if event_ids is not None:
        query = query.where(AuditEntry.event_id.is_in(event_ids))
    return {row["event_id"]: row["edits"] for row in await query}


def _today() -> datetime.date:
    return now().date()


# Fingerprints of a set of rows: they change when a row is added, removed or updated (each update
# bumps ``updated_at``, a session's also its SEQUENCE, which is what its fingerprint reads). Text
# concatenation works alike on SQLite and PostgreSQL, and one scalar subquery scans the rows once
# (through the index on the foreign key).
_PROGRAMME_VERSION_SQL = """
SELECT CAST(count(*) AS TEXT) || '/' || CAST(coalesce(sum("id"), 0) AS TEXT) || '/'
    || coalesce(CAST(max("updated_at") AS TEXT), '') AS fingerprint
FROM "event"
"""

#: An event's sessions in a fingerprint: how many, which (the sum of their ids: ids only grow, so a
#: session deleted and another created changes it) and how often edited (the sum of their
#: ``sequence``, which ``programme.services.update_session``, the one writer of sessions, raises
#: with every edit). Read from the covering index ``event_session_feed_fingerprint``. The latest
#: ``updated_at`` is left out: it moves with ``sequence``, and comparing a thousand timestamps
#: was most of the statement's time on SQLite.
_SESSIONS_FINGERPRINT = """
    SELECT CAST(count(*) AS TEXT) || '/' || CAST(coalesce(sum(s."id"), 0) AS TEXT) || '/'
        || CAST(coalesce(sum(s."sequence"), 0) AS TEXT)
    FROM "event_session" s WHERE s."event" = {event}"""

_EVENT_VERSION_SQL = f"""
SELECT e."slug" AS slug, CAST(e."updated_at" AS TEXT) AS changed, ({_SESSIONS_FINGERPRINT.format(event='e."id"')}
) AS sessions
FROM "event" e WHERE e."id" = ?
"""  # noqa: S608 (constant text, placeholders only)

#: The personal feed's registration as the fingerprint statement names it: the
#: :data:`events.signals.agenda_version` fragments refer to its columns as ``OWNER_ID`` and ``OWNER_EVENT``.
OWNER_ID = 'agenda_owner."id"'
OWNER_EVENT = 'agenda_owner."event"'

#: The token's registration and event, the event's sessions and the registration's seats in
#: optional sessions (everything the built-in agenda providers read), then one column per
#: ``agenda_version`` fragment: the whole fingerprint in one statement, by the token's unique index.
_PERSONAL_VERSION_SQL = """
SELECT agenda_owner."id" AS registration_id, agenda_owner."event" AS event_id, agenda_owner."status" AS status,
    CAST(agenda_owner."updated_at" AS TEXT) AS registration_changed,
    CAST(feed_event."updated_at" AS TEXT) AS event_changed, ({sessions}
    ) AS sessions, (
        SELECT CAST(count(*) AS TEXT) || '/' || CAST(coalesce(sum(u."session"), 0) AS TEXT)
        FROM "session_signup" u WHERE u."registration" = agenda_owner."id"
    ) AS seats{parts}
FROM "calendar_feed_token" t
JOIN "registration" agenda_owner ON agenda_owner."id" = t."registration"
JOIN "event" feed_event ON feed_event."id" = agenda_owner."event"
WHERE t."token_hash" = ? AND t."revoked_at" IS NULL
"""


@functools.lru_cache(maxsize=16)
def personal_version_sql(fragments: tuple[str, ...]) -> str:
    """The personal feed's fingerprint statement with these ``agenda_version`` fragments (made once
    per set of receivers: the fragments are constant text)."""
    parts = "".join(f",\n    ({fragment}) AS agenda_part_{index}" for index, fragment in enumerate(fragments))
    return _PERSONAL_VERSION_SQL.format(parts=parts, sessions=_SESSIONS_FINGERPRINT.format(event=OWNER_EVENT))


# --- the programme feed ------------------------------------------------------------------------


async def programme_feed() -> ResolvedFeed:
    rows = await statements.fetch(_PROGRAMME_VERSION_SQL)
    where = site()
    return ResolvedFeed(
        etag=strong_etag(RENDER_VERSION, "programme", where.base_url, rows[0]["fingerprint"]),
        filename="programme.ics",
        personal=False,
        build=lambda: _build_programme(where),
    )


async def _build_programme(where: Site) -> Rendered:
    events = await Event.select().order_by(Event.start_date).order_by(Event.id)
    edits = await _edit_counts()
    entries = tuple(calendar_items.event_item(event, where, edits.get(event["id"], 0)) for event in events)
    feed = Feed(
        name=PROGRAMME_FEED_NAME,
        description="Every event of the programme, with its dates and venue",
        url=f"{where.base_url}{PROGRAMME_FEED_PATH}",
        items=entries,
    )
    changed = _latest(*(event["updated_at"] for event in events), await _last_deletion("event.deleted"))
    return Rendered(render_feed(feed), changed)


# --- one event's feed --------------------------------------------------------------------------


async def event_feed(event_id: int) -> ResolvedFeed:
    rows = await statements.fetch(_EVENT_VERSION_SQL, event_id)
    if not rows:
        raise NotFound(f"No event with id {event_id}")
    row, where, cutoff = rows[0], site(), calendar_items.cancellation_cutoff(_today())
    return ResolvedFeed(
        etag=strong_etag(
            RENDER_VERSION, "event", where.base_url, event_id, row["changed"], row["sessions"], cutoff
        ),
        filename=f"{row['slug']}.ics",
        personal=False,
        build=lambda: _build_event(event_id, where, cutoff),
    )


async def _sessions(event_id: int) -> list[dict]:
    return (
        await Session.select()
        .where(Session.event == event_id)
        .order_by(Session.starts_at)
        .order_by(Session.id)
    )


async def _build_event(event_id: int, where: Site, cutoff: datetime.date) -> Rendered:
    event = await get_event_row(event_id)
    sessions = await _sessions(event_id)
    edits = await _edit_counts([event_id])
    entries = [calendar_items.event_item(event, where, edits.get(event_id, 0))]
    entries += [
        calendar_items.session_item(session, event, where)
        for session in sessions
        if calendar_items.still_shown(session, cutoff)
    ]
    feed = Feed(
        name=event["title"],
        description=f"{event['title']}: the programme, in the venue's time ({event['time_zone']})",
        url=f"{where.base_url}{event_feed_path(event_id)}",
        items=tuple(sorted(entries, key=calendar_items.sort_key)),
    )
    changed = _latest(
        event["updated_at"],
        *(session["updated_at"] for session in sessions),
        await _last_deletion("session.deleted", event_id),
    )
    return Rendered(render_feed(feed), changed)


async def event_ics_attachment(event_id: int) -> bytes:
    """A small calendar with the event alone (all-day over its dates), to attach to e-mails.

    Its UID is the one the feeds use, so importing it and subscribing later do not duplicate it.
    """
    event = await get_event_row(event_id)
    where = site()
    feed = Feed(
        name=event["title"],
        url=f"{where.base_url}{event_feed_path(event_id)}",
        items=(calendar_items.event_item(event, where, (await _edit_counts([event_id])).get(event_id, 0)),),
    )
    return render_feed(feed)


# --- the personal feed -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FeedOwner:
    """The registration a personal feed token opens."""

    registration_id: int
    event_id: int
    status: str


@dataclass(frozen=True, slots=True)
class Agenda:
    """What agenda providers build from: an approved registration and its event."""

    registration_id: int
    event: dict
    site: Site
    #: Cancelled items changed before this UTC day are left out.
    cutoff: datetime.date


async def _event_days(agenda: Agenda) -> list[Item]:
    edits = await _edit_counts([agenda.event["id"]])
    return [calendar_items.event_item(agenda.event, agenda.site, edits.get(agenda.event["id"], 0))]


async def _signed_up_sessions(agenda: Agenda) -> list[Item]:
    """The event's non-optional sessions and the optional ones this registration holds a seat in."""
    seats = [
        row["session"]
        for row in await SessionSignup.select(SessionSignup.session).where(
            SessionSignup.registration == agenda.registration_id
        )
    ]
    for_everyone = Session.optional.eq(False)
    chosen = (for_everyone | Session.id.is_in(seats)) if seats else for_everyone
    sessions = (
        await Session.select()
        .where(Session.event == agenda.event["id"], chosen)
        .order_by(Session.starts_at)
        .order_by(Session.id)
    )
    return [
        calendar_items.session_item(session, agenda.event, agenda.site)
        for session in sessions
        if calendar_items.still_shown(session, agenda.cutoff)
    ]


def _no_feed() -> NotFound:
    return NotFound("There is no calendar feed at this address")


async def personal_feed(token: str) -> ResolvedFeed:
    """The feed a token opens; unknown, malformed and revoked tokens get the same 404.

    One statement (:func:`personal_version_sql`) answers the owner and the fingerprint of all the
    feed shows; a plain GET then costs that statement and a hit in :data:`rendered_feeds`."""
    if not _TOKEN_SHAPE.match(token):
        raise _no_feed()
    fragments = tuple(await signals.agenda_version.send(dialect()))
    rows = await statements.fetch(personal_version_sql(fragments), _digest(token))
    if not rows:
        raise _no_feed()
    row, where, cutoff = rows[0], site(), calendar_items.cancellation_cutoff(_today())
    owner = FeedOwner(row["registration_id"], row["event_id"], row["status"])
    return ResolvedFeed(
        etag=strong_etag(
            RENDER_VERSION,
            "personal",
            where.base_url,
            owner.registration_id,
            owner.status,
            row["registration_changed"],
            row["event_changed"],
            row["sessions"],
            row["seats"],
            cutoff,
            *(row[f"agenda_part_{index}"] for index in range(len(fragments))),
        ),
        filename="my-agenda.ics",
        personal=True,
        build=lambda: _build_personal(owner, where, cutoff),
    )


async def _build_personal(owner: FeedOwner, where: Site, cutoff: datetime.date) -> Rendered:
    event = await get_event_row(owner.event_id)
    registration = (
        await Registration.select(Registration.updated_at)
        .where(Registration.id == owner.registration_id)
        .first()
    )
    entries: list[Item] = []
    if owner.status == RegistrationStatus.approved.value:
        agenda = Agenda(owner.registration_id, event, where, cutoff)
        entries.extend(await _event_days(agenda))
        entries.extend(await _signed_up_sessions(agenda))
        for items in await signals.agenda_items.send(agenda):
            entries.extend(items)
    feed = Feed(
        name=f"My agenda: {event['title']}",
        description=f"Your sessions at {event['title']}, in the venue's time ({event['time_zone']})",
        items=tuple(sorted(entries, key=calendar_items.sort_key)),
    )
    changed = _latest(
        registration["updated_at"] if registration else None,
        event["updated_at"],
        *(entry.changed_at for entry in entries),
        await _last_deletion("session.deleted", owner.event_id),
    )
    return Rendered(render_feed(feed), changed)


# --- personal feed tokens ----------------------------------------------------------------------


async def _registration(registration_id: int, *, lock: bool = False) -> dict:
    query = Registration.select(Registration.id, Registration.event).where(Registration.id == registration_id)
    row = await (locked(query) if lock else query).first()
    if row is None:
        raise NotFound(f"No registration with id {registration_id}")
    return row


async def _active_tokens(registration_id: int) -> list[dict]:
    return await FeedToken.select(FeedToken.id, FeedToken.created_at).where(
        FeedToken.registration == registration_id, FeedToken.revoked_at.is_null()
    )


async def _issue(actor: Actor, registration: dict, *, first_visit: bool = False) -> tuple[str, dict]:
    """Inside a write transaction with the registration locked: a new token, the previous ones
    revoked (and erased). Returns the token and what the API answers about it."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    moment = now()
    previous = [token_row["id"] for token_row in await _active_tokens(registration["id"])]
    if previous:
        await FeedToken.update({FeedToken.revoked_at: moment, FeedToken.token_enc: None}).where(
            FeedToken.id.is_in(previous)
        )
    feed_token = FeedToken(
        registration=registration["id"],
        token_hash=_digest(token),
        token_enc=crypto.encrypt(token),
        created_at=moment,
        revoked_at=None,
    )
    await feed_token.save()
    data: dict = {"feed_token_id": feed_token.id, "replaced": previous}
    if first_visit:
        data["first_visit"] = True
    await record(
        actor,
        "calendar_feed.created",
        "registration",
        registration["id"],
        event_id=registration["event"],
        data=data,
    )
    return token, {"created_at": moment, "regenerated": bool(previous)}


async def create_personal_feed(actor: Actor, registration_id: int) -> schemas.PersonalFeed:
    """Create the registration's personal feed, or regenerate it: the previous URL stops working."""
    check_access(actor, await _registration(registration_id))
    async with write_transaction():
        row = await _registration(registration_id, lock=True)  # one regeneration at a time
        token, made = await _issue(actor, row)
    feed_links = links(personal_feed_path(token))
    return schemas.PersonalFeed(
        registration_id=registration_id,
        url=feed_links.url,
        webcal_url=feed_links.webcal_url,
        download_url=feed_links.download_url,
        **made,
    )


async def own_personal_feed(
    actor: Actor, registration_id: int, *, make_first: bool = False
) -> schemas.OwnPersonalFeed:
    """The participant's own feed with its links, for their page: to the participant alone (an
    organiser may create or revoke the feed, but sees its URL only in the answer that created it).

    ``make_first`` makes the feed when the registration never had one (the first visit of an
    approved participant), once even when two pages ask at the same moment; a feed that was
    stopped stays stopped until the participant asks for a new link.
    """
    if actor.registration_id != registration_id:
        raise NotFound(f"No registration with id {registration_id}")
    await _registration(registration_id)
    if make_first and not await FeedToken.exists().where(FeedToken.registration == registration_id):
        async with write_transaction():
            row = await _registration(registration_id, lock=True)
            if not await FeedToken.exists().where(FeedToken.registration == registration_id):
                await _issue(actor, row, first_visit=True)
    active = await FeedToken.select(FeedToken.token_enc, FeedToken.created_at).where(
        FeedToken.registration == registration_id, FeedToken.revoked_at.is_null()
    )
    if not active:
        stopped = await FeedToken.exists().where(FeedToken.registration == registration_id)
        return schemas.OwnPersonalFeed(registration_id=registration_id, active=False, stopped=stopped)
    newest = max(active, key=lambda token_row: token_row["created_at"])
    token = crypto.decrypt(newest["token_enc"])
    return schemas.OwnPersonalFeed(
        registration_id=registration_id,
        active=True,
        stopped=False,
        links=links(personal_feed_path(token)) if token else None,
        created_at=newest["created_at"],
    )


async def rotate_feed_secrets() -> int:
    """Re-encrypt the kept tokens of working feeds with the newest data key (in a write transaction)."""
    rows = await FeedToken.select(FeedToken.id, FeedToken.token_enc).where(FeedToken.token_enc.is_not_null())
    for row in rows:
        await FeedToken.update({FeedToken.token_enc: crypto.rotate(row["token_enc"])}).where(
            FeedToken.id == row["id"]
        )
    return len(rows)


async def revoke_personal_feed(actor: Actor, registration_id: int) -> None:
    """Stop the registration's personal feed URL (nothing to do when there is none)."""
    check_access(actor, await _registration(registration_id))
    async with write_transaction():
        row = await _registration(registration_id, lock=True)
        active = [token_row["id"] for token_row in await _active_tokens(registration_id)]
        if not active:
            return
        await FeedToken.update({FeedToken.revoked_at: now(), FeedToken.token_enc: None}).where(
            FeedToken.id.is_in(active)
        )
        await record(
            actor,
            "calendar_feed.revoked",
            "registration",
            registration_id,
            event_id=row["event"],
            data={"feed_token_ids": active},
        )


async def personal_feed_status(actor: Actor, registration_id: int) -> schemas.PersonalFeedStatus:
    check_access(actor, await _registration(registration_id))
    active = await _active_tokens(registration_id)
    return schemas.PersonalFeedStatus(
        registration_id=registration_id,
        active=bool(active),
        created_at=max((token_row["created_at"] for token_row in active), default=None),
    )
