"""Travel as the API shows it and takes it: msgspec Structs ``Thing``, ``ThingCreate``, ``ThingUpdate``.

One section per task (funding, itineraries, hotels, transfers, DSA, the participant's view), in
that order, so each grows without touching the others.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Annotated, ClassVar

from msgspec import UNSET, Meta, Struct, UnsetType

from events.api import Input

# --- funding and budget ---------------------------------------------------------------------------

#: An amount of money in the event's travel currency, at most two decimals (checked by the service,
#: which answers 422 naming the field: msgspec cannot bound a Decimal).
Money = Annotated[Decimal, Meta(description='Amount in the event\'s travel currency, e.g. "850.00"')]
CurrencyCode = Annotated[str, Meta(pattern=r"^[A-Z]{3}$", description="ISO 4217, e.g. USD")]
AirportCode = Annotated[
    str, Meta(pattern=r"^([A-Z]{3})?$", description="IATA code, e.g. GYD; empty for none")
]
Minutes = Annotated[int, Meta(ge=0, le=1440)]
Percent = Annotated[int, Meta(ge=0, le=100)]
LevelName = Annotated[
    str, Meta(max_length=20, description="not_funded, ticket, ticket_dsa or full (ticket, DSA and hotel)")
]
Reason = Annotated[str, Meta(max_length=500)]


class TravelSettings(Struct):
    """An event's travel rules; the defaults until an organiser saves them (``updated_at`` null)."""

    event_id: int
    currency: str
    budget: Decimal
    airport: str
    transfer_window_minutes: int
    transfer_wait_minutes: int
    dsa_accommodation_reduction: int
    dsa_breakfast_reduction: int
    dsa_lunch_reduction: int
    dsa_dinner_reduction: int
    updated_at: datetime.datetime | None


class TravelSettingsUpdate(Input):
    """Fields left out keep their value."""

    single_line: ClassVar[frozenset[str]] = frozenset({"currency", "airport"})
    currency: CurrencyCode | UnsetType = UNSET
    budget: Money | UnsetType = UNSET
    airport: AirportCode | UnsetType = UNSET
    transfer_window_minutes: Minutes | UnsetType = UNSET
    transfer_wait_minutes: Minutes | UnsetType = UNSET
    dsa_accommodation_reduction: Percent | UnsetType = UNSET
    dsa_breakfast_reduction: Percent | UnsetType = UNSET
    dsa_lunch_reduction: Percent | UnsetType = UNSET
    dsa_dinner_reduction: Percent | UnsetType = UNSET


class FareEstimate(Struct):
    """The expected return fare from a country of departure (ISO alpha-3) to the event."""

    country: str
    amount: Decimal
    currency: str
    updated_at: datetime.datetime | None


class FareEstimateSet(Input):
    amount: Money


class FundingDecisionSet(Input):
    """``reason`` is required when the level is ``not_funded`` (a refusal is always explained)."""

    level: LevelName
    reason: Reason = ""


class FundingDecision(Struct):
    registration_id: int
    event_id: int
    level: str
    reason: str
    #: The fare estimate of the participant's country of departure (``country_represented``), plus the
    #: DSA estimate when the level includes DSA (none yet: 0); 0 when not funded.
    estimated_cost: Decimal
    currency: str
    #: The participant's country has no fare estimate: the ticket is counted as 0 until one is entered.
    fare_missing: bool
    decided_by: str | None
    decided_at: datetime.datetime


class BudgetFigures(Struct):
    currency: str
    budget: Decimal
    #: The estimated costs of the decisions of approved registrations.
    committed: Decimal
    remaining: Decimal
    over_budget: bool


class DecisionResult(Struct):
    """A decision and the budget after it; a decision over the budget is saved, with ``over_budget``."""

    decision: FundingDecision
    budget: BudgetFigures


class FundingRequest(Struct):
    """An approved registration that asked for funding, or that has a decision."""

    registration_id: int
    reference: str
    name: str
    country: str
    nationality: str
    funding_requested: bool
    fare: Decimal | None
    decision: FundingDecision | None


class Budget(Struct):
    event_id: int
    currency: str
    budget: Decimal
    committed: Decimal
    remaining: Decimal
    over_budget: bool
    #: Approved registrations per level decided (every level present, 0 when none).
    levels: dict[str, int]
    #: Countries of departure of requests or decisions without a fare estimate.
    missing_fares: list[str]
    #: Approved registrations that asked for funding and have no decision yet.
    undecided: list[FundingRequest]


# --- itineraries ---------------------------------------------------------------------------------


# --- hotels and rooms ----------------------------------------------------------------------------


# --- airport transfers ---------------------------------------------------------------------------


# --- DSA -----------------------------------------------------------------------------------------


# --- the participant's view ----------------------------------------------------------------------
