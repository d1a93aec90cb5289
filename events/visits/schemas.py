"""Request and response bodies of the study-visit area."""

from __future__ import annotations

import datetime
from enum import StrEnum
from typing import Annotated, ClassVar

import msgspec
from msgspec import UNSET, Meta, Struct, UnsetType

from events.api import Input
from events.programme.schemas import CountryCode, LocalOrAwareDateTime

Name = Annotated[str, Meta(min_length=1, max_length=200)]
ShortText = Annotated[str, Meta(max_length=200)]
LongText = Annotated[str, Meta(max_length=10_000)]
Latitude = Annotated[float, Meta(ge=-90, le=90)]
Longitude = Annotated[float, Meta(ge=-180, le=180)]
Clock = Annotated[
    str, Meta(pattern=r"^([01]\d|2[0-3]):[0-5]\d$|^24:00$", description="HH:MM, 00:00 to 24:00")
]
LanguageCode = Annotated[
    str,
    Meta(
        pattern=r"^[a-z]{2,3}$", description="ISO 639 code, e.g. en, ru, az; a sign language: sgn, ils, ase …"
    ),
]
Seats = Annotated[int, Meta(ge=1, le=500)]
StepFreeSeats = Annotated[int, Meta(ge=0, le=500)]
Phone = Annotated[str, Meta(max_length=30)]


class Weekday(StrEnum):
    mon = "mon"
    tue = "tue"
    wed = "wed"
    thu = "thu"
    fri = "fri"
    sat = "sat"
    sun = "sun"


#: Opening intervals per weekday, local wall-clock times; a missing or empty weekday is closed.
OpeningHours = dict[Weekday, Annotated[list[tuple[Clock, Clock]], Meta(max_length=4)]]


# --- sites ---------------------------------------------------------------------------------------


class SiteContact(Struct):
    name: str
    phone: str
    email: str


class Site(Struct):
    id: int
    name: str
    city: str
    country: str
    address: str
    address_verified: bool
    notes: str
    latitude: float | None
    longitude: float | None
    opening_hours: dict[str, list[tuple[str, str]]]
    group_capacity: int
    step_free: bool
    hearing_loop: bool
    sign_language_on_request: bool
    guide_languages: list[str]
    #: Organisers only; ``null`` for everyone else.
    contact: SiteContact | None


class SiteCreate(Input):
    single_line: ClassVar[frozenset[str]] = frozenset(
        {"name", "city", "contact_name", "contact_phone", "contact_email"}
    )
    name: Name
    city: Annotated[str, Meta(min_length=1, max_length=100)]
    country: CountryCode = "AZE"
    address: Annotated[str, Meta(max_length=300)] = ""
    address_verified: bool = False
    notes: LongText = ""
    latitude: Latitude | None = None
    longitude: Longitude | None = None
    opening_hours: OpeningHours = msgspec.field(default_factory=dict)
    group_capacity: Seats = 25
    step_free: bool = False
    hearing_loop: bool = False
    sign_language_on_request: bool = False
    guide_languages: Annotated[list[LanguageCode], Meta(max_length=12)] = msgspec.field(default_factory=list)
    contact_name: ShortText = ""
    contact_phone: Phone = ""
    contact_email: Annotated[str, Meta(max_length=254)] = ""


class SiteUpdate(Input):
    single_line: ClassVar[frozenset[str]] = frozenset(
        {"name", "city", "contact_name", "contact_phone", "contact_email"}
    )
    name: Name | UnsetType = UNSET
    city: Annotated[str, Meta(min_length=1, max_length=100)] | UnsetType = UNSET
    country: CountryCode | UnsetType = UNSET
    address: Annotated[str, Meta(max_length=300)] | UnsetType = UNSET
    address_verified: bool | UnsetType = UNSET
    notes: LongText | UnsetType = UNSET
    latitude: Latitude | UnsetType | None = UNSET
    longitude: Longitude | UnsetType | None = UNSET
    opening_hours: OpeningHours | UnsetType = UNSET
    group_capacity: Seats | UnsetType = UNSET
    step_free: bool | UnsetType = UNSET
    hearing_loop: bool | UnsetType = UNSET
    sign_language_on_request: bool | UnsetType = UNSET
    guide_languages: Annotated[list[LanguageCode], Meta(max_length=12)] | UnsetType = UNSET
    contact_name: ShortText | UnsetType = UNSET
    contact_phone: Phone | UnsetType = UNSET
    contact_email: Annotated[str, Meta(max_length=254)] | UnsetType = UNSET


# --- per-event settings and travel times ---------------------------------------------------------


class VisitSettings(Struct):
    event_id: int
    venue_latitude: float | None
    venue_longitude: float | None
    speed_kmh: int
    overhead_minutes: int
    visits_per_participant: int
    default_meeting_point: str
    #: How a travel time without an organiser's figure is estimated.
    travel_estimate: str


class VisitSettingsUpdate(Input):
    single_line: ClassVar[frozenset[str]] = frozenset({"default_meeting_point"})
    venue_latitude: Latitude | UnsetType | None = UNSET
    venue_longitude: Longitude | UnsetType | None = UNSET
    speed_kmh: Annotated[int, Meta(ge=5, le=120)] | UnsetType = UNSET
    overhead_minutes: Annotated[int, Meta(ge=0, le=180)] | UnsetType = UNSET
    visits_per_participant: Annotated[int, Meta(ge=1, le=3)] | UnsetType = UNSET
    default_meeting_point: ShortText | UnsetType = UNSET


class Place(Struct):
    """A row or column of the travel matrix: a site, or the event's venue (``site_id`` null)."""

    site_id: int | None
    name: str


class TravelMatrix(Struct):
    event_id: int
    places: list[Place]
    #: ``minutes[i][j]``: from ``places[i]`` to ``places[j]``; ``null`` when unknown.
    minutes: list[list[int | None]]
    #: ``manual`` (an organiser's figure), ``estimated`` (from coordinates) or ``unknown``.
    sources: list[list[str]]
    formula: str


class TravelTimeSet(Input):
    """Set the minutes from one place to another (a null site is the venue); ``minutes`` null goes
    back to the estimate. ``both_ways`` sets the return trip too."""

    origin_site_id: int | None
    destination_site_id: int | None
    minutes: Annotated[int, Meta(ge=0, le=1440)] | None
    both_ways: bool = True


# --- vehicles and slots ----------------------------------------------------------------------------


class Vehicle(Struct):
    id: int
    event_id: int
    key: str
    name: str
    seats: int
    step_free_seats: int
    driver_name: str
    driver_phone: str


class VehicleCreate(Input):
    single_line: ClassVar[frozenset[str]] = frozenset({"name", "driver_name", "driver_phone"})
    name: Annotated[str, Meta(min_length=1, max_length=100)]
    seats: Seats
    step_free_seats: StepFreeSeats = 0
    driver_name: Annotated[str, Meta(max_length=100)] = ""
    driver_phone: Phone = ""


class VehicleUpdate(Input):
    single_line: ClassVar[frozenset[str]] = frozenset({"name", "driver_name", "driver_phone"})
    name: Annotated[str, Meta(min_length=1, max_length=100)] | UnsetType = UNSET
    seats: Seats | UnsetType = UNSET
    step_free_seats: StepFreeSeats | UnsetType = UNSET
    driver_name: Annotated[str, Meta(max_length=100)] | UnsetType = UNSET
    driver_phone: Phone | UnsetType = UNSET


class SlotVehicle(Struct):
    id: int
    key: str
    name: str
    seats: int
    step_free_seats: int


class Slot(Struct):
    id: int
    event_id: int
    #: Stable identifier; with a vehicle's key it names the check-in checkpoint of that vehicle.
    key: str
    site_id: int
    site_name: str
    site_address: str
    session_id: int | None
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    #: When the vehicles leave the meeting point (``starts_at`` less the travel time) and are back.
    departs_at: datetime.datetime | None
    returns_at: datetime.datetime | None
    travel_minutes_out: int | None
    travel_minutes_back: int | None
    #: The smallest of ``capacity_limit``, the site's group size and the vehicles' seats.
    capacity: int
    capacity_limit: int | None
    step_free: bool
    step_free_seats: int
    #: A sign-language guide, or a site that provides interpretation on request.
    sign_language: bool
    guide_language: str
    meeting_point: str
    notes: str
    vehicles: list[SlotVehicle]
    assigned: int
    #: Problems that appeared after the slot was saved (opening hours, vehicles, travel times).
    warnings: list[str]


class SlotCreate(Input):
    single_line: ClassVar[frozenset[str]] = frozenset({"meeting_point"})
    site_id: int
    starts_at: LocalOrAwareDateTime
    ends_at: LocalOrAwareDateTime
    vehicle_ids: Annotated[list[int], Meta(min_length=1, max_length=20)]
    guide_language: LanguageCode
    meeting_point: ShortText = ""
    capacity: Seats | None = None
    session_id: int | None = None
    notes: LongText = ""


class SlotUpdate(Input):
    single_line: ClassVar[frozenset[str]] = frozenset({"meeting_point"})
    site_id: int | UnsetType = UNSET
    starts_at: LocalOrAwareDateTime | UnsetType = UNSET
    ends_at: LocalOrAwareDateTime | UnsetType = UNSET
    vehicle_ids: Annotated[list[int], Meta(min_length=1, max_length=20)] | UnsetType = UNSET
    guide_language: LanguageCode | UnsetType = UNSET
    meeting_point: ShortText | UnsetType = UNSET
    capacity: Seats | UnsetType | None = UNSET
    session_id: int | UnsetType | None = UNSET
    notes: LongText | UnsetType = UNSET


# --- preferences ------------------------------------------------------------------------------------


class Choice(Input):
    """A slot or a site (any of its slots); exactly one of the two."""

    slot_id: int | None = None
    site_id: int | None = None


class PreferencesSet(Input):
    """Up to five choices, best first; an empty list withdraws them."""

    choices: Annotated[list[Choice], Meta(max_length=5)]


class RankedChoice(Struct):
    rank: int
    slot_id: int | None
    site_id: int | None
    label: str


class Preferences(Struct):
    registration_id: int
    event_id: int
    choices: list[RankedChoice]


# --- scheduling -------------------------------------------------------------------------------------


class SiteFill(Struct):
    site_id: int
    site_name: str
    seats: int
    assigned: int
    fill: float


class SlotFill(Struct):
    slot_id: int
    site_name: str
    starts_at: datetime.datetime
    seats: int
    assigned: int
    fill: float


class ScheduleMetrics(Struct):
    participants: int
    with_choices: int
    placed: int
    unplaced: int
    first_choice: int
    first_choice_share: float | None
    any_choice: int
    any_choice_share: float | None
    #: Among participants who ranked something and can be placed: 1-5, 6 (a slot they did not
    #: rank) or 7 (no visit).
    worst_rank: int | None
    by_rank: dict[str, int]
    preference_score: int
    sign_language_unmet: int
    country_mix: int
    per_site: list[SiteFill]
    per_slot: list[SlotFill]
    #: Visits each participant may have, and all visits given.
    visits_per_participant: int = 1
    visits: int = 0
    #: Per round of visits: how many participants have at least 1, 2, … visits.
    placed_by_round: list[int] = msgspec.field(default_factory=list)
    #: The answer against a proven bound: the first level of the objective where they differ
    #: (``visits``, ``sign_language``, ``preference_score`` or ``country_mix``; every level before it
    #: is proven optimal, and a gap of 0 on ``country_mix`` means the answer is optimal), the
    #: answer's value there, the bound and the relative gap.
    bound_level: str | None = None
    achieved: float | None = None
    bound: float | None = None
    gap: float | None = None
    #: Why there is no bound (``None`` when there is one): ``greedy`` (the exact method found
    #: nothing in time; the greedy answer proves nothing) or ``unproven`` (stopped before one).
    bound_note: str | None = None


class Unplaced(Struct):
    registration_id: int
    reference: str
    name: str
    country: str
    code: str
    reason: str


class ProposedAssignment(Struct):
    registration_id: int
    slot_id: int
    vehicle_id: int | None
    pinned: bool
    rank: int | None


class SolverStage(Struct):
    name: str
    status: str
    objective: float | None
    bound: float | None
    seconds: float


class Changes(Struct):
    added: int
    moved: int
    removed: int
    unchanged: int


class ScheduleRun(Struct):
    id: int
    event_id: int
    status: str
    created_at: datetime.datetime
    #: ``optimal``, ``feasible`` (gap given), ``greedy`` (the fallback) or ``invalid_pins``.
    solver_status: str
    optimal: bool
    gap: float | None
    seconds: float
    #: False once registrations, slots, preferences or pins changed: run again before committing.
    current: bool
    committable: bool
    metrics: ScheduleMetrics | None
    unplaced: list[Unplaced]
    pin_conflicts: list[str]
    #: Slot problems that must be fixed before committing (opening hours, a vehicle in two places).
    blocking: list[str]
    changes: Changes
    stages: list[SolverStage]
    assignments: list[ProposedAssignment]


class RunSummary(Struct):
    id: int
    status: str
    created_at: datetime.datetime
    committed_at: datetime.datetime | None
    solver_status: str
    optimal: bool
    gap: float | None
    seconds: float


class Committed(Struct):
    run_id: int
    event_id: int
    committed_at: datetime.datetime
    assigned: int
    changes: Changes
    notifications: int


# --- assignments -------------------------------------------------------------------------------------


class Assignment(Struct):
    id: int
    event_id: int
    registration_id: int
    reference: str
    name: str
    country: str
    slot_id: int
    vehicle_id: int | None
    vehicle_name: str | None
    pinned: bool
    assigned_at: datetime.datetime


class AssignmentCreate(Input):
    """An organiser places a participant by hand (pinned unless said otherwise)."""

    registration_id: int
    slot_id: int
    vehicle_id: int | None = None
    pinned: bool = True


class AssignmentUpdate(Input):
    pinned: bool | UnsetType = UNSET
    vehicle_id: int | UnsetType | None = UNSET


class MyVisit(Struct):
    """A participant's own visit."""

    slot_id: int
    site_name: str
    site_address: str
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    meeting_at: datetime.datetime | None
    meeting_point: str
    guide_language: str
    vehicle_name: str | None
    checkpoint_id: str | None


# --- check-in link -------------------------------------------------------------------------------------


class Checkpoint(Struct):
    """Boarding one vehicle of one slot, as a check-in checkpoint."""

    checkpoint_id: str
    slot_id: int
    slot_key: str
    vehicle_id: int
    vehicle_key: str
    vehicle_name: str
    site_name: str
    meeting_point: str
    departs_at: datetime.datetime | None
    boarding: int


class Boarding(Struct):
    """Someone who may board the checkpoint's vehicle."""

    checkpoint_id: str
    registration_id: int
    reference: str
    name: str
    country: str
    needs_step_free: bool


# --- a slot's calendar feed, for its escorts ----------------------------------------------------------


class SlotFeed(Struct):
    """A visit slot's calendar feed for its escorts, as created or regenerated. The URLs hold the
    secret; regenerating replaces them and stops the old ones."""

    slot_id: int
    url: str
    webcal_url: str
    download_url: str
    created_at: datetime.datetime
    regenerated: bool


class SlotFeedStatus(Struct):
    """Whether a slot has a working feed, and its links (organisers of the event only)."""

    slot_id: int
    active: bool
    created_at: datetime.datetime | None = None
    url: str | None = None
    webcal_url: str | None = None
    download_url: str | None = None
