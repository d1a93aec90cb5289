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
from events.programme.schemas import CountryCode

# --- funding and budget ---------------------------------------------------------------------------


# --- itineraries ---------------------------------------------------------------------------------


# --- hotels and rooms ----------------------------------------------------------------------------


# --- airport transfers ---------------------------------------------------------------------------


# --- DSA -----------------------------------------------------------------------------------------

CurrencyCode = Annotated[str, Meta(pattern="^[A-Za-z]{3}$", description="ISO 4217, e.g. USD")]
Money = Annotated[Decimal, Meta(description='A decimal amount with at most 2 decimals, e.g. "212.00"')]


class DsaRate(Struct):
    """A UN DSA rate: from ``valid_from`` until the next rate of the same city."""

    id: int
    country: str
    city: str
    valid_from: datetime.date
    amount: Decimal
    currency: str


class DsaRateCreate(Input):
    single_line: ClassVar[frozenset[str]] = frozenset({"country", "city", "currency"})
    country: CountryCode
    city: Annotated[str, Meta(min_length=1, max_length=100)]
    valid_from: datetime.date
    amount: Money
    currency: CurrencyCode = "USD"


class DsaRateUpdate(Input):
    single_line: ClassVar[frozenset[str]] = frozenset({"country", "city", "currency"})
    country: CountryCode | UnsetType = UNSET
    city: Annotated[str, Meta(min_length=1, max_length=100)] | UnsetType = UNSET
    valid_from: datetime.date | UnsetType = UNSET
    amount: Money | UnsetType = UNSET
    currency: CurrencyCode | UnsetType = UNSET


class DsaPayment(Struct):
    """The DSA worked out for one funded participant; ``notes`` tells the dates and the rates used."""

    registration_id: int
    event_id: int
    name: str
    reference: str
    nights: int
    rate: Decimal
    reduction_percent: int
    amount: Decimal
    currency: str
    computed_at: datetime.datetime
    paid_at: datetime.datetime | None
    notes: str


class DsaProblem(Struct):
    """Why a funded participant has no (new) DSA: ``code`` is stable, ``message`` says it in English."""

    registration_id: int
    name: str
    reference: str
    code: str
    message: str
    city: str = ""
    country: str = ""
    date: datetime.date | None = None


class DsaTotal(Struct):
    currency: str
    amount: Decimal
    paid: Decimal


class DsaOverview(Struct):
    """An event's DSA: the payments as computed, what keeps others from being computed, totals."""

    event_id: int
    city: str
    country: str
    payments: list[DsaPayment]
    problems: list[DsaProblem]
    totals: list[DsaTotal]


# --- the participant's view ----------------------------------------------------------------------
