"""What a participant sees of study visits on their own page: the rules and the slots they can rank,
their ranked choices, their assigned visits with the travel details, and the last change an
organiser made to them. Reads only; the choices are saved by :mod:`events.visits.preferences`."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from events.auth.principal import Actor
from events.programme import services as programme_services
from events.registration.tables import ACTIVE_STATUSES
from events.visits import context, notify, schemas
from events.visits.context import registration_for
from events.visits.manifests import checkpoint_id
from events.visits.preferences import MAX_CHOICES, _preferences, choices_close_at, choices_open
from events.visits.slots import assigned_counts
from events.visits.tables import VisitAssignment, VisitNotice


@dataclass
class SiteRules:
    """A site as participants choose it: where it is and what access it offers."""

    id: int
    name: str
    city: str
    address: str
    step_free: bool
    hearing_loop: bool
    sign_language_on_request: bool
    guide_languages: list[str]


@dataclass
class SlotOption:
    """A trip a participant can rank, in the event's time zone."""

    id: int
    site_id: int
    site_name: str
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    departs_at: datetime.datetime | None
    step_free: bool
    sign_language: bool
    guide_language: str
    full: bool


@dataclass
class AssignedVisit:
    """A visit the participant is on, with everything they need on the day."""

    slot_id: int
    site_name: str
    address: str
    city: str
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    departs_at: datetime.datetime | None
    returns_at: datetime.datetime | None
    meeting_point: str
    #: The organisers' notes on the slot (what to bring, dress), shown as written.
    notes: str
    guide_language: str
    sign_language: bool
    step_free: bool
    hearing_loop: bool
    vehicle_name: str | None
    vehicle_step_free: bool
    driver_name: str
    driver_phone: str
    checkpoint_id: str | None


@dataclass
class VisitChange:
    """The last time an organiser changed the participant's visits, as they were told by e-mail."""

    changed_at: datetime.datetime
    #: ``updated`` (same visit, new details), ``moved`` (another visit) or ``cancelled``.
    kind: str
    #: ``(detail, before, after)`` for each detail that differs from what they were told before
    #: (names from ``notify.NOTICE_DETAILS``; values as written in their e-mail).
    changes: list[tuple[str, str, str]]


@dataclass
class MyVisits:
    registration_id: int
    event_id: int
    zone: str
    #: Active (submitted, waiting list, approved): may rank visits.
    active: bool
    closes_at: datetime.datetime
    open: bool
    max_choices: int
    visits_per_participant: int
    sites: list[SiteRules]
    slots: list[SlotOption]
    preferences: schemas.Preferences
    assigned: list[AssignedVisit]
    change: VisitChange | None

    @property
    def offered(self) -> bool:
        """Whether the event has visits at all."""
        return bool(self.slots)


async def last_change(registration_id: int, zone: str) -> VisitChange | None:
    """The last change to the participant's visits after their first one was given: another
    visit, new details (time, meeting point, vehicle) or a visit taken away, with what it changed."""
    told = (
        await VisitNotice.select(VisitNotice.kind, VisitNotice.details, VisitNotice.created_at)
        .where(VisitNotice.registration == registration_id)
        .order_by(VisitNotice.id)
        .output(load_json=True)
    )
    if not told:
        return None
    latest = told[-1]
    if latest["kind"] == notify.VISIT_UPDATED:
        kind = "updated"
    elif latest["kind"] == notify.VISIT_CANCELLED:
        kind = "cancelled"
    elif len(told) > 1 and latest["kind"] == notify.VISIT_ASSIGNED:
        kind = "moved"
    else:
        return None  # the first visit given, or one more added: nothing was changed
    changes: list[tuple[str, str, str]] = []
    if kind != "cancelled" and len(told) > 1:
        before, after = told[-2]["details"] or {}, latest["details"] or {}
        changes = [
            (name, str(before[name]), str(after[name]))
            for name in notify.NOTICE_DETAILS
            if name in before and name in after and before[name] != after[name]
        ]
    changed_at = programme_services.to_local(latest["created_at"], zone)
    assert changed_at is not None
    return VisitChange(changed_at=changed_at, kind=kind, changes=changes)


async def my_visits_page(actor: Actor, registration_id: int) -> MyVisits:
    """Everything the participant's visits page shows (their own registration, or an organiser's)."""
    registration = await registration_for(actor, registration_id)
    visits = await context.load(registration["event"])
    counts = await assigned_counts(registration["event"])
    slots = [
        SlotOption(
            id=slot["id"],
            site_id=slot["site"],
            site_name=visits.sites[slot["site"]]["name"],
            starts_at=visits.local(slot["starts_at"]),
            ends_at=visits.local(slot["ends_at"]),
            departs_at=visits.local(trip.departs_at) if (trip := visits.trip(slot)) else None,
            step_free=bool(visits.sites[slot["site"]]["step_free"]),
            sign_language=visits.sign_language(slot),
            guide_language=slot["guide_language"],
            full=counts.get(slot["id"], 0) >= visits.capacity(slot),
        )
        for slot in visits.slots.values()
    ]
    used = {slot.site_id for slot in slots}
    sites = sorted(
        (
            SiteRules(
                id=site["id"],
                name=site["name"],
                city=site["city"],
                address=site["address"],
                step_free=bool(site["step_free"]),
                hearing_loop=bool(site["hearing_loop"]),
                sign_language_on_request=bool(site["sign_language_on_request"]),
                guide_languages=list(site["guide_languages"] or []),
            )
            for site_id, site in visits.sites.items()
            if site_id in used
        ),
        key=lambda site: site.name,
    )
    return MyVisits(
        registration_id=registration_id,
        event_id=registration["event"],
        zone=visits.zone,
        active=registration["status"] in {status.value for status in ACTIVE_STATUSES},
        closes_at=choices_close_at(visits.event),
        open=choices_open(visits.event),
        max_choices=MAX_CHOICES,
        visits_per_participant=visits.settings["visits_per_participant"],
        sites=sites,
        slots=slots,
        preferences=await _preferences(registration),
        assigned=await _assigned(visits, registration_id),
        change=await last_change(registration_id, visits.zone),
    )


async def _assigned(visits: context.EventVisits, registration_id: int) -> list[AssignedVisit]:
    rows = await VisitAssignment.select().where(VisitAssignment.registration == registration_id)
    out = []
    for row in rows:
        slot = visits.slots[row["slot"]]
        site = visits.sites[slot["site"]]
        trip = visits.trip(slot)
        vehicle = visits.vehicles.get(row["vehicle"]) if row["vehicle"] else None
        out.append(
            AssignedVisit(
                slot_id=slot["id"],
                site_name=site["name"],
                address=site["address"],
                city=site["city"],
                starts_at=visits.local(slot["starts_at"]),
                ends_at=visits.local(slot["ends_at"]),
                departs_at=visits.local(trip.departs_at) if trip else None,
                returns_at=visits.local(trip.returns_at) if trip else None,
                meeting_point=slot["meeting_point"]
                or visits.settings["default_meeting_point"]
                or visits.event["venue"],
                notes=(slot["notes"] or "").strip(),
                guide_language=slot["guide_language"],
                sign_language=visits.sign_language(slot),
                step_free=bool(site["step_free"]),
                hearing_loop=bool(site["hearing_loop"]),
                vehicle_name=vehicle["name"] if vehicle else None,
                vehicle_step_free=bool(vehicle and min(vehicle["step_free_seats"], vehicle["seats"]) > 0),
                driver_name=vehicle["driver_name"] if vehicle else "",
                driver_phone=vehicle["driver_phone"] if vehicle else "",
                checkpoint_id=checkpoint_id(slot["key"], vehicle["key"]) if vehicle else None,
            )
        )
    return sorted(out, key=lambda visit: visit.starts_at)
