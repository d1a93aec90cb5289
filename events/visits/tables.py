"""Study visits: sites, per-event settings and travel times, vehicles, slots, preferences,
schedule runs and assignments.

Deleting rows: an event's visit settings, travel times, vehicles and runs go with the event, but its slots
refuse the delete, as the API does. Preferences and assignments are part of their registration; an
assignment refuses its slot's delete and a used vehicle refuses its own, as the API does.
"""

from __future__ import annotations

from enum import StrEnum

from piccolo.columns import (
    JSON,
    Boolean,
    DoublePrecision,
    ForeignKey,
    Integer,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from events.auth.tables import User
from events.programme.tables import Event, Session
from events.registration.tables import Registration


class Site(Table, tablename="visit_site"):
    """A place participants can visit. Addresses from press releases are unverified until an organiser checks."""

    name = Varchar(length=200, unique=True, null=False)
    city = Varchar(length=100, null=False)
    country = Varchar(length=3, default="AZE")
    address = Varchar(length=300, default="")
    notes = Text(default="")
    address_verified = Boolean(default=False)
    latitude = DoublePrecision(null=True, default=None)
    longitude = DoublePrecision(null=True, default=None)
    #: ``{"mon": [["09:00", "19:00"]], …}``: wall-clock times in the visiting event's zone; a
    #: weekday that is missing or empty is closed.
    opening_hours = JSON(default="{}")
    #: The largest group the site receives at once.
    group_capacity = Integer(default=25)
    step_free = Boolean(default=False)
    hearing_loop = Boolean(default=False)
    sign_language_on_request = Boolean(default=False)
    #: Languages the site's guides speak (ISO 639 codes; sign languages too, e.g. ``ils``).
    guide_languages = JSON(default="[]")
    contact_name = Varchar(length=200, default="")
    contact_phone = Varchar(length=30, default="")
    contact_email = Varchar(length=254, default="")
    updated_at = Timestamptz(default=TimestamptzNow())


class VisitSettings(Table, tablename="visit_settings"):
    """Per event: where the venue is (for estimated travel times) and how visits are handed out."""

    event = ForeignKey(references=Event, null=False, unique=True, on_delete=OnDelete.cascade)
    venue_latitude = DoublePrecision(null=True, default=None)
    venue_longitude = DoublePrecision(null=True, default=None)
    #: Estimated minutes = overhead + 60 × haversine km / speed (see ``services.estimate_minutes``).
    speed_kmh = Integer(default=25)
    overhead_minutes = Integer(default=10)
    visits_per_participant = Integer(default=1)
    default_meeting_point = Varchar(length=200, default="")
    updated_at = Timestamptz(default=TimestamptzNow())


class TravelTime(Table, tablename="visit_travel_time"):
    """An organiser's travel time for one direction; a missing site stands for the event's venue.
    Pairs without one use the estimate from coordinates."""

    event = ForeignKey(references=Event, null=False, index=True, on_delete=OnDelete.cascade)
    origin = ForeignKey(references=Site, null=True, default=None, on_delete=OnDelete.cascade)
    destination = ForeignKey(references=Site, null=True, default=None, on_delete=OnDelete.cascade)
    minutes = Integer(null=False)
    updated_at = Timestamptz(default=TimestamptzNow())


class Vehicle(Table, tablename="visit_vehicle"):
    """A coach or minibus of one event. Step-free seats are among its seats (a lift, a ramp)."""

    event = ForeignKey(references=Event, null=False, index=True, on_delete=OnDelete.cascade)
    key = Varchar(length=16, unique=True, null=False)
    name = Varchar(length=100, null=False)
    seats = Integer(null=False)
    step_free_seats = Integer(default=0)
    driver_name = Varchar(length=100, default="")
    driver_phone = Varchar(length=30, default="")
    created_at = Timestamptz(default=TimestamptzNow())


class VisitSlot(Table, tablename="visit_slot"):
    """One trip to a site: on site from ``starts_at`` to ``ends_at``; vehicles leave the meeting
    point the venue-to-site travel time earlier. ``key`` is its stable check-in checkpoint id."""

    event = ForeignKey(references=Event, null=False, index=True, on_delete=OnDelete.restrict)
    site = ForeignKey(references=Site, null=False, index=True, on_delete=OnDelete.restrict)
    key = Varchar(length=16, unique=True, null=False)
    #: The agenda item this trip belongs to, if any; it never counts as a clash with the trip.
    session = ForeignKey(references=Session, null=True, default=None, on_delete=OnDelete.set_null)
    starts_at = Timestamptz(null=False)
    ends_at = Timestamptz(null=False)
    #: The organiser's own limit; the capacity is the smallest of it, the site's group size and
    #: the seats of the slot's vehicles.
    capacity_limit = Integer(null=True, default=None)
    guide_language = Varchar(length=8, null=False)
    meeting_point = Varchar(length=200, default="")
    notes = Text(default="")
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())


class SlotVehicle(Table, tablename="visit_slot_vehicle"):
    slot = ForeignKey(references=VisitSlot, null=False, index=True, on_delete=OnDelete.cascade)
    vehicle = ForeignKey(references=Vehicle, null=False, index=True, on_delete=OnDelete.restrict)


class VisitPreference(Table, tablename="visit_preference"):
    """A participant's ranked choice (1 = first): a slot, or a site (any slot there)."""

    event = ForeignKey(references=Event, null=False, index=True, on_delete=OnDelete.restrict)
    registration = ForeignKey(references=Registration, null=False, index=True, on_delete=OnDelete.cascade)
    rank = Integer(null=False)
    slot = ForeignKey(references=VisitSlot, null=True, default=None, on_delete=OnDelete.cascade)
    site = ForeignKey(references=Site, null=True, default=None, on_delete=OnDelete.cascade)
    created_at = Timestamptz(default=TimestamptzNow())


class RunStatus(StrEnum):
    proposed = "proposed"
    committed = "committed"
    superseded = "superseded"


class ScheduleRun(Table, tablename="visit_schedule_run"):
    """One run of the scheduler (a dry run); committing it writes its assignments. ``input_hash``
    fingerprints what it was computed from, so a run whose inputs changed cannot be committed."""

    event = ForeignKey(references=Event, null=False, index=True, on_delete=OnDelete.cascade)
    status = Varchar(length=12, choices=RunStatus, null=False)
    input_hash = Varchar(length=64, null=False)
    solver_status = Varchar(length=20, null=False)
    optimal = Boolean(default=False)
    gap = DoublePrecision(null=True, default=None)
    seconds = DoublePrecision(default=0.0)
    #: The proposal: assignments, vehicles, unplaced with reasons, metrics and solver stages.
    result = JSON(default="{}")
    created_at = Timestamptz(default=TimestamptzNow())
    created_by = ForeignKey(references=User, null=True, default=None, on_delete=OnDelete.set_null)
    committed_at = Timestamptz(null=True, default=None)


class VisitAssignment(Table, tablename="visit_assignment"):
    """A participant on a slot, in a vehicle. Pinned ones are the organiser's and a run keeps them."""

    event = ForeignKey(references=Event, null=False, index=True, on_delete=OnDelete.restrict)
    registration = ForeignKey(references=Registration, null=False, index=True, on_delete=OnDelete.cascade)
    slot = ForeignKey(references=VisitSlot, null=False, index=True, on_delete=OnDelete.restrict)
    vehicle = ForeignKey(references=Vehicle, null=True, default=None, on_delete=OnDelete.set_null)
    pinned = Boolean(default=False)
    run = ForeignKey(references=ScheduleRun, null=True, default=None, on_delete=OnDelete.set_null)
    assigned_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())


class VisitNotice(Table, tablename="visit_notice"):
    """What a participant was told about their visits, one row per message (``visit_assigned``,
    ``visit_added``, ``visit_updated``, ``visit_cancelled``) with its details as written (site, date,
    time, meeting point, departure, vehicle …, in their language), so their page can say what an
    organiser's change changed. Part of the registration: it goes with it."""

    registration = ForeignKey(references=Registration, null=False, index=True, on_delete=OnDelete.cascade)
    kind = Varchar(length=40, null=False)
    details = JSON(default="{}")
    created_at = Timestamptz(default=TimestamptzNow())


class SlotFeedToken(Table, tablename="visit_slot_feed_token"):
    """The secret part of a visit slot's calendar feed URL, for its escorts (see ``visits.feeds``).

    Looked up by its SHA-256; kept encrypted (``events.crypto``) only so that organisers can be
    shown the URL again. A slot has at most one working token; revoked ones stay for the record.
    """

    slot = ForeignKey(references=VisitSlot, null=False, index=True, on_delete=OnDelete.cascade)
    token_hash = Varchar(length=64, unique=True, null=False, secret=True)
    token_encrypted = Text(null=False, secret=True)
    created_at = Timestamptz(default=TimestamptzNow())
    revoked_at = Timestamptz(null=True, default=None)
