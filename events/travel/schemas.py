"""Travel as the API shows it and takes it: msgspec Structs ``Thing``, ``ThingCreate``, ``ThingUpdate``.

One section per task (funding, itineraries, hotels, transfers, DSA, the participant's view), in
that order, so each grows without touching the others.
"""

from __future__ import annotations

import datetime
from typing import Annotated, Literal

import msgspec

# --- funding and budget ---------------------------------------------------------------------------


# --- itineraries ---------------------------------------------------------------------------------


# --- hotels and rooms ----------------------------------------------------------------------------


# --- airport transfers ---------------------------------------------------------------------------


class TransferRider(msgspec.Struct, kw_only=True):
    """A participant on a transfer run, with the flight that sets the run's time."""

    registration_id: int
    name: str
    step_free: bool
    segment_id: int | None
    #: Carrier and number, e.g. ``J2 012`` (empty when the segment was deleted since).
    flight: str = ""
    #: Arrivals: when the flight lands; departures: when it leaves (UTC).
    flight_at: datetime.datetime | None = None
    phone: str = ""


class TransferRun(msgspec.Struct, kw_only=True):
    """One vehicle's trip between the airport and the hotel; ``key`` is its boarding checkpoint id."""

    id: int
    event_id: int
    direction: Literal["arrival", "departure"]
    key: str
    vehicle_id: int
    vehicle_name: str
    seats: int
    step_free_seats: int
    driver_name: str
    driver_phone: str
    leaves_at: datetime.datetime
    #: Arrivals: the latest the vehicle waits for a delayed flight.
    waits_until: datetime.datetime | None
    meeting_point: str
    contact_phone: str
    riders: list[TransferRider]

    @property
    def step_free_riders(self) -> int:
        return sum(rider.step_free for rider in self.riders)


class TransferRunUpdate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """What an organiser may change on a planned run; another vehicle must seat its riders."""

    meeting_point: Annotated[str, msgspec.Meta(max_length=200)] | msgspec.UnsetType = msgspec.UNSET
    contact_phone: Annotated[str, msgspec.Meta(max_length=30)] | msgspec.UnsetType = msgspec.UNSET
    vehicle_id: Annotated[int, msgspec.Meta(ge=1, le=2**31 - 1)] | msgspec.UnsetType = msgspec.UNSET


class TransferRiderMove(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Move a rider to another run of the same direction (refused when it has no seat for them)."""

    run_id: Annotated[int, msgspec.Meta(ge=1, le=2**31 - 1)]


class TransferPlanCreate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    direction: Literal["arrival", "departure"]


class TransferUnplaced(msgspec.Struct, kw_only=True):
    """A funded traveller the plan found no seat for: ``no_step_free_seat`` or ``no_capacity``."""

    registration_id: int
    name: str
    code: str
    detail: str


class TransferPlan(msgspec.Struct, kw_only=True):
    """A plan for one direction: the runs (replacing the previous plan) and who could not be placed."""

    direction: Literal["arrival", "departure"]
    runs: list[TransferRun]
    unplaced: list[TransferUnplaced]


class TransferCheckpoint(msgspec.Struct, kw_only=True):
    """A transfer run as a boarding checkpoint for the scanner (``checkpoint_id`` is the run's key)."""

    checkpoint_id: str
    run_id: int
    direction: Literal["arrival", "departure"]
    vehicle_name: str
    meeting_point: str
    leaves_at: datetime.datetime
    waits_until: datetime.datetime | None
    boarding: int


# --- DSA -----------------------------------------------------------------------------------------


# --- the participant's view ----------------------------------------------------------------------
