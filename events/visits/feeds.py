"""A visit slot's calendar feed, for the escorts of its trip: ``/calendars/visit-slots/{token}.ics``.

One VEVENT (``visit-slot-<id>@<host>``) from the departure at the meeting point to the return at
the venue, in the event's zone: the site and its address, the travel times, each vehicle with its
seats and how many participants ride in it, the guide language, the slot's notes and the link to
the manifest.

**No personal data.** Escorts subscribe from their own phones, and a calendar copies its items to
other devices and services, so the feed carries counts, never names, nationalities, needs or the
drivers' and site contacts' names and numbers: whoever must see who rides opens the manifest link
(``…/slots/{id}/manifest``), which asks them to sign in as staff or an organiser of the event.

**The token** (``osv_…``) is created, regenerated and revoked by an organiser of the event through
the API, and each change is audited (``visits.slot_feed_created`` / ``…_revoked``). It is stored
as its SHA-256 (to find the slot) and encrypted with the data keys (so an organiser can be shown
the link again), never in plain text. Unknown, malformed and revoked tokens get the same 404, and a
deleted slot takes its tokens with it.

The conditional GET is the calendars' own (``events.calendars.controllers``): the ETag comes from
one query over the slot, its site, vehicles, riders, the event's travel times and visit settings,
and the rendered body is kept per ETag.
"""

from __future__ import annotations

import datetime
import hashlib
import re
import secrets

from events import crypto
from events.audit.services import record
from events.auth.principal import Actor
from events.calendars import services as calendar_services
from events.calendars.conditional import strong_etag
from events.calendars.items import Site as FeedSite
from events.calendars.render import RENDER_VERSION, Feed, Item, render_feed
from events.clock import now
from events.db import locked, statements, write_transaction
from events.errors import NotFound
from events.visits import context, schemas
from events.visits.agenda import digest, latest, meeting_point, sequence_of, site_address, travel_changed
from events.visits.tables import SlotFeedToken, VisitAssignment, VisitSlot

TOKEN_PREFIX = "osv_"  # noqa: S105 (a prefix, not a secret)
_TOKEN_SHAPE = re.compile(r"^osv_[A-Za-z0-9_-]{43}$")
CATEGORY = "study_visit_run"

_VERSION_SQL = """
SELECT s."id" AS slot_id, s."event" AS event_id, CAST(s."updated_at" AS TEXT) AS slot_changed,
    CAST(s."starts_at" AS TEXT) AS starts_at, CAST(s."ends_at" AS TEXT) AS ends_at,
    s."meeting_point" AS meeting_point, s."notes" AS notes, s."guide_language" AS guide_language,
    s."site" AS site, CAST(t."updated_at" AS TEXT) AS site_changed, CAST(e."updated_at" AS TEXT) AS event_changed,
    sv."vehicle" AS vehicle, v."name" AS vehicle_name, v."key" AS vehicle_key, v."seats" AS seats, (
        SELECT count(*) FROM "visit_assignment" a WHERE a."slot" = s."id" AND a."vehicle" = sv."vehicle"
    ) AS riders, (
        SELECT CAST(count(*) AS TEXT) || '/' || CAST(coalesce(sum(a."id"), 0) AS TEXT) || '/'
            || coalesce(CAST(max(a."updated_at") AS TEXT), '')
        FROM "visit_assignment" a WHERE a."slot" = s."id"
    ) AS assigned, (
        SELECT CAST(count(*) AS TEXT) || '/' || CAST(coalesce(sum(m."minutes"), 0) AS TEXT) || '/'
            || coalesce(CAST(max(m."updated_at") AS TEXT), '')
        FROM "visit_travel_time" m WHERE m."event" = s."event"
    ) AS travel, (
        SELECT CAST(g."updated_at" AS TEXT) FROM "visit_settings" g WHERE g."event" = s."event"
    ) AS settings
FROM "visit_slot_feed_token" k
JOIN "visit_slot" s ON s."id" = k."slot"
JOIN "event" e ON e."id" = s."event"
JOIN "visit_site" t ON t."id" = s."site"
LEFT JOIN "visit_slot_vehicle" sv ON sv."slot" = s."id"
LEFT JOIN "visit_vehicle" v ON v."id" = sv."vehicle"
WHERE k."token_hash" = ? AND k."revoked_at" IS NULL
ORDER BY sv."id"
"""


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def slot_feed_path(token: str) -> str:
    return f"/calendars/visit-slots/{token}.ics"


def manifest_url(where: FeedSite, event_id: int, slot_id: int) -> str:
    return f"{where.base_url}/api/v1/events/{event_id}/visits/slots/{slot_id}/manifest"


def _no_feed() -> NotFound:
    return NotFound("There is no calendar feed at this address")


# --- the feed ----------------------------------------------------------------------------------


async def slot_feed(token: str) -> calendar_services.ResolvedFeed:
    """The feed a slot token opens; unknown, malformed and revoked tokens get the same 404."""
    if not _TOKEN_SHAPE.match(token):
        raise _no_feed()
    rows = await statements.fetch(_VERSION_SQL, _digest(token))
    if not rows:
        raise _no_feed()
    slot_id, event_id, where = rows[0]["slot_id"], rows[0]["event_id"], calendar_services.site()
    return calendar_services.ResolvedFeed(
        etag=strong_etag(RENDER_VERSION, "visit-slot", where.base_url, slot_id, digest(rows)),
        filename=f"visit-slot-{slot_id}.ics",
        personal=True,  # private caching, no index, no referrer: the URL is a credential
        build=lambda: _build(event_id, slot_id, where),
    )


async def _build(event_id: int, slot_id: int, where: FeedSite) -> calendar_services.Rendered:
    visits = await context.load(event_id)
    slot = visits.slots.get(slot_id)
    if slot is None:  # deleted between the version and the build
        raise _no_feed()
    riders = await VisitAssignment.select(VisitAssignment.vehicle, VisitAssignment.updated_at).where(
        VisitAssignment.slot == slot_id
    )
    site = visits.sites[slot["site"]]
    changed = latest(
        slot["updated_at"],
        site["updated_at"],
        visits.event["updated_at"],
        visits.settings.get("updated_at"),
        await travel_changed(event_id),
        *(row["updated_at"] for row in riders),
    )
    item = run_item(visits, slot, riders, where, changed)
    start = visits.local(slot["starts_at"])
    assert start is not None
    feed = Feed(
        name=f"Study visit run: {site['name']}, {start:%d %b %Y}",
        description=f"{visits.event['title']}: the trip to {site['name']}, for its escorts",
        items=(item,),
    )
    return calendar_services.Rendered(render_feed(feed), changed)


def run_item(
    visits: context.EventVisits,
    slot: dict,
    riders: list[dict],
    where: FeedSite,
    changed_at: datetime.datetime,
) -> Item:
    """The slot's trip, with counts of riders per vehicle and no names."""
    site = visits.sites[slot["site"]]
    trip = visits.trip(slot)

    def clock(value: datetime.datetime) -> str:
        return f"{visits.local(value):%H:%M}"

    gather = meeting_point(visits, slot)
    lines = []
    if trip is not None:
        lines.append(
            f"Departure from {gather}: {clock(trip.departs_at)} (travel time {trip.minutes_out} min)"
        )
    else:
        lines.append(f"Meeting point: {gather}")
    lines.append(
        f"At {site['name']}: {clock(slot['starts_at'])}–{clock(slot['ends_at'])}, {site_address(site)}"
    )
    if trip is not None:
        lines.append(
            f"Back at {visits.event['venue']}: about {clock(trip.returns_at)} "
            f"(travel time {trip.minutes_back} min)"
        )
    vehicle_ids = visits.slot_vehicles.get(slot["id"], [])
    for vehicle_id in vehicle_ids:
        vehicle = visits.vehicles[vehicle_id]
        riding = sum(1 for row in riders if row["vehicle"] == vehicle_id)
        lines.append(
            f"Vehicle {vehicle['name']} ({vehicle['key']}): {riding} riders, {vehicle['seats']} seats"
        )
    if not vehicle_ids:
        lines.append("Vehicle: none yet")
    unseated = sum(1 for row in riders if row["vehicle"] not in vehicle_ids)
    total = f"Riders: {len(riders)}" + (f" ({unseated} not seated yet)" if unseated else "")
    lines += [total, f"Guide language: {slot['guide_language']}"]
    if slot["notes"].strip():
        lines.append(f"Notes: {slot['notes'].strip()}")
    manifest = manifest_url(where, visits.event["id"], slot["id"])
    lines.append(f"Who rides (sign-in needed): {manifest}")
    return Item(
        uid=where.uid("visit-slot", slot["id"]),
        summary=f"Study visit run: {site['name']} ({len(riders)} riders)",
        start=visits.local(trip.departs_at if trip else slot["starts_at"]),  # type: ignore[arg-type]
        end=visits.local(trip.returns_at if trip else slot["ends_at"]),  # type: ignore[arg-type]
        zone=visits.zone,
        changed_at=changed_at,
        sequence=sequence_of(changed_at),
        location=gather,
        description="\n".join(lines),
        url=manifest,
        categories=(CATEGORY,),
    )


# --- tokens ------------------------------------------------------------------------------------


async def _slot(event_id: int, slot_id: int, *, lock: bool = False) -> dict:
    query = VisitSlot.select(VisitSlot.id).where(VisitSlot.id == slot_id, VisitSlot.event == event_id)
    row = await (locked(query) if lock else query).first()
    if row is None:
        raise NotFound(f"Event {event_id} has no visit slot {slot_id}")
    return row


async def _active(slot_id: int) -> list[dict]:
    return (
        await SlotFeedToken.select(SlotFeedToken.id, SlotFeedToken.created_at, SlotFeedToken.token_encrypted)
        .where(SlotFeedToken.slot == slot_id, SlotFeedToken.revoked_at.is_null())
        .order_by(SlotFeedToken.id)
    )


async def create_slot_feed(actor: Actor, event_id: int, slot_id: int) -> schemas.SlotFeed:
    """Create the slot's feed, or regenerate it (the previous URL stops working)."""
    actor.require_organiser(event_id)
    await _slot(event_id, slot_id)
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    async with write_transaction():
        await _slot(event_id, slot_id, lock=True)  # one regeneration at a time
        moment = now()
        previous = [row["id"] for row in await _active(slot_id)]
        if previous:
            await SlotFeedToken.update({SlotFeedToken.revoked_at: moment}).where(
                SlotFeedToken.id.is_in(previous)
            )
        row = SlotFeedToken(
            slot=slot_id,
            token_hash=_digest(token),
            token_encrypted=crypto.encrypt(token),
            created_at=moment,
            revoked_at=None,
        )
        await row.save()
        await record(
            actor,
            "visits.slot_feed_created",
            "visit_slot",
            slot_id,
            event_id=event_id,
            data={"slot_feed_token_id": row.id, "replaced": previous},
        )
    links = calendar_services.links(slot_feed_path(token))
    return schemas.SlotFeed(
        slot_id=slot_id,
        url=links.url,
        webcal_url=links.webcal_url,
        download_url=links.download_url,
        created_at=moment,
        regenerated=bool(previous),
    )


async def revoke_slot_feed(actor: Actor, event_id: int, slot_id: int) -> None:
    """Stop the slot's feed URL (nothing to do when there is none)."""
    actor.require_organiser(event_id)
    await _slot(event_id, slot_id)
    async with write_transaction():
        await _slot(event_id, slot_id, lock=True)
        active = [row["id"] for row in await _active(slot_id)]
        if not active:
            return
        await SlotFeedToken.update({SlotFeedToken.revoked_at: now()}).where(SlotFeedToken.id.is_in(active))
        await record(
            actor,
            "visits.slot_feed_revoked",
            "visit_slot",
            slot_id,
            event_id=event_id,
            data={"slot_feed_token_ids": active},
        )


async def slot_feed_status(actor: Actor, event_id: int, slot_id: int) -> schemas.SlotFeedStatus:
    """The slot's working feed and its links, for organisers of the event."""
    actor.require_organiser(event_id)
    await _slot(event_id, slot_id)
    active = await _active(slot_id)
    if not active:
        return schemas.SlotFeedStatus(slot_id=slot_id, active=False)
    newest = active[-1]
    token = crypto.decrypt(newest["token_encrypted"])
    assert token is not None
    links = calendar_services.links(slot_feed_path(token))
    return schemas.SlotFeedStatus(
        slot_id=slot_id,
        active=True,
        created_at=newest["created_at"],
        url=links.url,
        webcal_url=links.webcal_url,
        download_url=links.download_url,
    )
