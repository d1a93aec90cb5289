"""Study visits in a participant's personal calendar feed (see ``events.calendars.services``).

:func:`visit_items` answers :data:`events.signals.agenda_items`: one timed VEVENT per visit the
approved participant is assigned to, from the departure at the meeting point (the slot's start
minus the travel time from the venue, as the organiser entered it or as estimated from
coordinates) to the return at the venue. Its text says where to meet and when, the travel time,
the vehicle, what to bring (the slot's notes) and whom to ask; its location is the site's address.

* **UID** ``visit-<assignment id>@<host>``: stable while the participant stays on that slot (the
  scheduler's commit keeps an assignment that stays on its slot, and only changes its vehicle).
  Moving a participant to another slot removes one assignment and adds another: the old item goes
  and a new one comes.
* **SEQUENCE** is derived from the item's last change (seconds since 2024-01-01 UTC of the latest
  ``updated_at`` of the assignment, its slot, its site, the event's visit settings and travel
  times), so it increases with every change that moves or edits the visit; no column needed.
  Two changes within one second share a SEQUENCE, and a vehicle's new name (vehicles keep no
  change time) shows at the next refresh without moving it.
* **A removed visit is left out** (not kept as ``STATUS:CANCELLED``): the assignment row is
  deleted, and a subscribed calendar drops an item that leaves the feed. The participant is told
  by e-mail (``visit_cancelled``).

:func:`visit_version` answers :data:`events.signals.agenda_version` with a fragment of the feed's one
statement: the participant's assignments joined with their slot, site and vehicle, and the event's
travel times and visit settings, as text. It changes when an assignment is added, removed or changed (vehicle
included), when a slot's times, meeting point or notes change, when a site or vehicle is renamed or
readdressed, and when a travel time or the venue's position changes, so the ETag (and the per-ETag
body cache) moves with every change the items show, whoever wrote it.
"""

from __future__ import annotations

import datetime
import functools
import hashlib

from events.calendars.items import Site as FeedSite
from events.calendars.render import Item
from events.calendars.services import OWNER_EVENT, OWNER_ID, Agenda
from events.db import Dialect
from events.visits import context
from events.visits.tables import TravelTime, VisitAssignment

UTC = datetime.UTC
#: SEQUENCE counts seconds from here (an RFC 5545 INTEGER holds them until 2092).
SEQUENCE_EPOCH = datetime.datetime(2024, 1, 1, tzinfo=UTC)
CATEGORY = "study_visit"

#: One text piece per assignment (with its slot, site and vehicle), in id order; then the event's
#: travel times and visit settings, read only when the registration has an assignment.
_VERSION_FRAGMENT = """
SELECT CASE WHEN visit_rows.pieces IS NULL THEN 'visits:none' ELSE 'visits:' || visit_rows.pieces || '/' || (
        SELECT CAST(count(*) AS TEXT) || '/' || CAST(coalesce(sum(m."minutes"), 0) AS TEXT) || '/'
            || coalesce(CAST(max(m."updated_at") AS TEXT), '')
        FROM "visit_travel_time" m WHERE m."event" = {owner_event}
    ) || '/' || coalesce((
        SELECT CAST(g."updated_at" AS TEXT) FROM "visit_settings" g WHERE g."event" = {owner_event}
    ), '') END
FROM (
    SELECT {aggregate} AS pieces FROM (
        SELECT a."id" AS id, CAST(a."id" AS TEXT) || ':' || CAST(a."slot" AS TEXT) || ':'
            || coalesce(CAST(a."vehicle" AS TEXT), '') || ':' || CAST(a."updated_at" AS TEXT) || ':'
            || CAST(s."starts_at" AS TEXT) || ':' || CAST(s."ends_at" AS TEXT) || ':'
            || s."meeting_point" || ':' || s."notes" || ':' || s."guide_language" || ':'
            || CAST(s."site" AS TEXT) || ':' || CAST(s."updated_at" AS TEXT) || ':'
            || CAST(t."updated_at" AS TEXT) || ':' || coalesce(v."name", '') || ':' || coalesce(v."key", '') AS piece
        FROM "visit_assignment" a
        JOIN "visit_slot" s ON s."id" = a."slot"
        JOIN "visit_site" t ON t."id" = s."site"
        LEFT JOIN "visit_vehicle" v ON v."id" = a."vehicle"
        WHERE a."registration" = {owner_id}
        ORDER BY a."id"
    ) assignment_pieces
) visit_rows
"""


def digest(rows: list[dict]) -> str:
    """A short stable name for the rows (their values in order)."""
    text = "\x1e".join("\x1f".join(f"{key}={row[key]}" for key in sorted(row)) for row in rows)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


@functools.cache
def _version_fragment(dialect: Dialect) -> str:
    return _VERSION_FRAGMENT.format(
        aggregate=dialect.ordered_concat("piece", "id"), owner_id=OWNER_ID, owner_event=OWNER_EVENT
    )


async def visit_version(dialect: Dialect) -> str:
    """What the visit items of a registration are made of: a fragment of the feed's one statement."""
    return _version_fragment(dialect)


def sequence_of(changed_at: datetime.datetime) -> int:
    return max(0, int((changed_at - SEQUENCE_EPOCH).total_seconds()))


def latest(*values: datetime.datetime | None) -> datetime.datetime:
    present = [value for value in values if value is not None]
    return max(present) if present else SEQUENCE_EPOCH


async def travel_changed(event_id: int) -> datetime.datetime | None:
    row = (
        await TravelTime.select(TravelTime.updated_at)
        .where(TravelTime.event == event_id)
        .order_by(TravelTime.updated_at, ascending=False)
        .first()
    )
    return row["updated_at"] if row else None


def meeting_point(visits: context.EventVisits, slot: dict) -> str:
    """Where the participants gather: the slot's, else the event's default, else the venue."""
    return slot["meeting_point"] or visits.settings["default_meeting_point"] or visits.event["venue"]


def site_address(site: dict) -> str:
    return site["address"] or f"{site['name']}, {site['city']}"


def _clock(visits: context.EventVisits, value: datetime.datetime) -> str:
    local = visits.local(value)
    assert local is not None
    return f"{local:%H:%M}"


def visit_item(
    visits: context.EventVisits,
    assignment: dict,
    where: FeedSite,
    changed_at: datetime.datetime,
) -> Item:
    """One assigned visit, timed in the event's zone, from departure to return."""
    slot = visits.slots[assignment["slot"]]
    site = visits.sites[slot["site"]]
    trip = visits.trip(slot)
    vehicle = visits.vehicles.get(assignment["vehicle"]) if assignment["vehicle"] else None
    gather = meeting_point(visits, slot)
    start_day = visits.local(slot["starts_at"])
    assert start_day is not None
    on_site = f"{_clock(visits, slot['starts_at'])}–{_clock(visits, slot['ends_at'])}"
    lines = [f"Meeting point: {gather}"]
    if trip is not None:
        lines += [
            f"Departure from the meeting point: {_clock(visits, trip.departs_at)} ({start_day:%A %d %B %Y})",
            f"Travel time: {trip.minutes_out} min to the site, {trip.minutes_back} min back",
        ]
    lines.append(f"At {site['name']}: {on_site}, {site_address(site)}")
    if trip is not None:
        lines.append(f"Back at {visits.event['venue']}: about {_clock(visits, trip.returns_at)}")
    lines.append(f"Vehicle: {vehicle['name']}" if vehicle else "Vehicle: to be announced")
    lines.append(f"Guide language: {slot['guide_language']}")
    if slot["notes"].strip():
        lines.append(f"What to bring: {slot['notes'].strip()}")
    link = f"{where.base_url}/my/visits"
    lines.append(f"Contact: the organisers of {visits.event['title']}, through your registration page {link}")
    return Item(
        uid=where.uid("visit", assignment["id"]),
        summary=f"Study visit: {site['name']}",
        start=visits.local(trip.departs_at if trip else slot["starts_at"]),  # type: ignore[arg-type]
        end=visits.local(trip.returns_at if trip else slot["ends_at"]),  # type: ignore[arg-type]
        zone=visits.zone,
        changed_at=changed_at,
        sequence=sequence_of(changed_at),
        location=site_address(site),
        description="\n".join(lines),
        url=link,
        categories=(CATEGORY,),
    )


async def visit_items(agenda: Agenda) -> list[Item]:
    """The approved participant's assigned visits (the caller sends this for approved ones only)."""
    rows = (
        await VisitAssignment.select()
        .where(VisitAssignment.registration == agenda.registration_id)
        .order_by(VisitAssignment.id)
    )
    if not rows:
        return []
    visits = await context.load(agenda.event["id"], agenda.event)
    shared = latest(visits.settings.get("updated_at"), await travel_changed(agenda.event["id"]))
    items = []
    for row in rows:
        slot = visits.slots.get(row["slot"])
        if slot is None:
            continue
        site = visits.sites[slot["site"]]
        changed = latest(row["updated_at"], slot["updated_at"], site["updated_at"], shared)
        items.append(visit_item(visits, row, agenda.site, changed))
    return items
