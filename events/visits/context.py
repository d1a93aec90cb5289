"""Everything about one event's visits, loaded once per action: settings, sites, travel times,
vehicles and slots, with the arithmetic every action shares (trips, capacities, warnings), and
the helpers every visits module builds on (the clock, keys, permission, the settings lock).
It imports no other visits module but ``travel`` and ``tables``."""

from __future__ import annotations

import datetime
import secrets
from dataclasses import dataclass, field
from typing import Any

import msgspec

from events.auth.principal import Actor
from events.clock import now
from events.db import locked
from events.errors import NotFound
from events.programme import services as programme_services
from events.registration.tables import Registration
from events.visits import travel
from events.visits.tables import Site, SlotVehicle, TravelTime, Vehicle, VisitSettings, VisitSlot

DEFAULT_SETTINGS = {
    "id": None,
    "venue_latitude": None,
    "venue_longitude": None,
    "speed_kmh": travel.DEFAULT_SPEED_KMH,
    "overhead_minutes": travel.DEFAULT_OVERHEAD_MINUTES,
    "visits_per_participant": 1,
    "default_meeting_point": "",
}

VENUE = None  # the event's venue in the travel matrix


@dataclass
class Trip:
    departs_at: datetime.datetime
    returns_at: datetime.datetime
    minutes_out: int
    minutes_back: int


@dataclass
class EventVisits:
    event: dict
    settings: dict
    sites: dict[int, dict]
    overrides: dict[tuple[int | None, int | None], int]
    vehicles: dict[int, dict]
    slots: dict[int, dict]
    slot_vehicles: dict[int, list[int]] = field(default_factory=dict)

    @property
    def zone(self) -> str:
        return self.event["time_zone"]

    def local(self, value: datetime.datetime | None) -> datetime.datetime | None:
        return programme_services.to_local(value, self.zone)

    def coordinates(self, site_id: int | None) -> tuple[float, float] | None:
        if site_id is VENUE:
            lat, lon = self.settings["venue_latitude"], self.settings["venue_longitude"]
        else:
            site = self.sites.get(site_id)
            if site is None:
                return None
            lat, lon = site["latitude"], site["longitude"]
        return None if lat is None or lon is None else (lat, lon)

    def travel(self, origin: int | None, destination: int | None) -> tuple[int | None, str]:
        """Minutes from one place to another (``None``: the venue), and where the figure comes from."""
        if (origin, destination) in self.overrides:
            return self.overrides[origin, destination], "manual"
        if origin == destination:
            return 0, "estimated"
        minutes = travel.estimate_minutes(
            self.coordinates(origin),
            self.coordinates(destination),
            speed_kmh=self.settings["speed_kmh"],
            overhead_minutes=self.settings["overhead_minutes"],
        )
        return minutes, "estimated" if minutes is not None else "unknown"

    def trip(self, slot: dict) -> Trip | None:
        """The round trip from the venue, or ``None`` when a travel time is unknown."""
        out, _ = self.travel(VENUE, slot["site"])
        back, _ = self.travel(slot["site"], VENUE)
        if out is None or back is None:
            return None
        return Trip(
            slot["starts_at"] - datetime.timedelta(minutes=out),
            slot["ends_at"] + datetime.timedelta(minutes=back),
            out,
            back,
        )

    def seats(self, slot_id: int) -> int:
        return sum(self.vehicles[v]["seats"] for v in self.slot_vehicles.get(slot_id, []))

    def step_free_seats(self, slot_id: int) -> int:
        return sum(
            min(self.vehicles[v]["step_free_seats"], self.vehicles[v]["seats"])
            for v in self.slot_vehicles.get(slot_id, [])
        )

    def capacity(self, slot: dict) -> int:
        limits = [self.sites[slot["site"]]["group_capacity"], self.seats(slot["id"])]
        if slot["capacity_limit"] is not None:
            limits.append(slot["capacity_limit"])
        return max(0, min(limits))

    def sign_language(self, slot: dict) -> bool:
        site = self.sites[slot["site"]]
        return bool(site["sign_language_on_request"]) or slot["guide_language"] in travel.SIGN_LANGUAGES

    def slot_problems(self, slot: dict) -> list[str]:
        """What makes a saved slot unusable now (its site's hours, travel times or vehicles changed)."""
        problems: list[str] = []
        site = self.sites[slot["site"]]
        start, end = self.local(slot["starts_at"]), self.local(slot["ends_at"])
        assert start is not None and end is not None
        if not travel.within_opening_hours(site["opening_hours"] or {}, start, end):
            day = travel.WEEKDAYS[start.weekday()]
            problems.append(
                f"slot {slot['id']} ({site['name']}, {start:%a %d %b %H:%M}-{end:%H:%M}) is outside the "
                f"site's opening hours ({day}: {travel.describe_hours(site['opening_hours'] or {}, day)})"
            )
        trip = self.trip(slot)
        if trip is None:
            problems.append(
                f"slot {slot['id']}: no travel time between the venue and {site['name']}; "
                "set coordinates for both or enter the minutes"
            )
            return problems
        if not self.slot_vehicles.get(slot["id"]):
            problems.append(f"slot {slot['id']} has no vehicle")
        for vehicle_id in self.slot_vehicles.get(slot["id"], []):
            for other in self.vehicle_clashes(vehicle_id, slot["id"], trip):
                if other["id"] > slot["id"]:  # report each pair once
                    problems.append(
                        f"vehicle {self.vehicles[vehicle_id]['name']!r} is on slots {slot['id']} and "
                        f"{other['id']} at once (travel included)"
                    )
        return problems

    def vehicle_clashes(self, vehicle_id: int, slot_id: int | None, trip: Trip) -> list[dict]:
        """Other slots whose trip overlaps ``trip`` with the same vehicle."""
        clashes = []
        for other_id, vehicle_ids in self.slot_vehicles.items():
            if other_id == slot_id or vehicle_id not in vehicle_ids:
                continue
            other = self.slots[other_id]
            other_trip = self.trip(other)
            if other_trip is None:
                continue
            if trip.departs_at < other_trip.returns_at and other_trip.departs_at < trip.returns_at:
                clashes.append(other)
        return clashes


async def load(event_id: int, event: dict | None = None) -> EventVisits:
    event = event or await programme_services.get_event_row(event_id)
    settings = await VisitSettings.select().where(VisitSettings.event == event_id).first()
    sites = {row["id"]: row for row in await Site.select().output(load_json=True)}
    overrides = {
        (row["origin"], row["destination"]): row["minutes"]
        for row in await TravelTime.select().where(TravelTime.event == event_id)
    }
    vehicles = {row["id"]: row for row in await Vehicle.select().where(Vehicle.event == event_id)}
    slots = {
        row["id"]: row
        for row in await VisitSlot.select().where(VisitSlot.event == event_id).order_by(VisitSlot.starts_at)
    }
    slot_vehicles: dict[int, list[int]] = {slot_id: [] for slot_id in slots}
    if slots:
        for row in (
            await SlotVehicle.select().where(SlotVehicle.slot.is_in(list(slots))).order_by(SlotVehicle.id)
        ):
            slot_vehicles[row["slot"]].append(row["vehicle"])
    return EventVisits(
        event=event,
        settings={**DEFAULT_SETTINGS, **(settings or {})},
        sites=sites,
        overrides=overrides,
        vehicles=vehicles,
        slots=slots,
        slot_vehicles=slot_vehicles,
    )


# --- shared by every action ----------------------------------------------------------------------------

#: The access needs in a registration that visits act on.
STEP_FREE = "step_free_access"
SIGN_LANGUAGE = "sign_language"

_KEY_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def new_key(prefix: str) -> str:
    """A stable, unguessable identifier (``VS-…`` for slots, ``VH-…`` for vehicles)."""
    return prefix + "".join(secrets.choice(_KEY_ALPHABET) for _ in range(10))


def changes(update: msgspec.Struct) -> dict[str, Any]:
    return {
        name: getattr(update, name)
        for name in update.__struct_fields__
        if getattr(update, name) is not msgspec.UNSET
    }


def person_name(row: dict) -> str:
    given = row["preferred_name"] or row["given_names"]
    return f"{given} {row['family_name']}".strip()


async def lock_settings(event_id: int) -> dict:
    """The event's settings row, created if missing and locked: visit actions that must not
    interleave (committing a schedule, editing slots and assignments) queue on it."""
    row = await locked(VisitSettings.select().where(VisitSettings.event == event_id)).first()
    if row is None:
        await VisitSettings.insert(VisitSettings(event=event_id, updated_at=now()))
        row = await locked(VisitSettings.select().where(VisitSettings.event == event_id)).first()
    return row


async def registration_for(actor: Actor, registration_id: int) -> dict:
    """The registration, if the actor is its participant or an organiser of its event (404 otherwise)."""
    row = (
        await Registration.select(
            Registration.id,
            Registration.event,
            Registration.status,
            Registration.reference,
        )
        .where(Registration.id == registration_id)
        .first()
    )
    if row is None or not (actor.registration_id == registration_id or actor.organises(row["event"])):
        raise NotFound(f"No registration with id {registration_id}")
    return row
