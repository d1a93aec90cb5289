from __future__ import annotations

import datetime
from typing import Annotated

from msgspec import UNSET, Meta, Struct, UnsetType

from events.api import Input, from_row
from events.reference.tables import CountryGroup


class Country(Struct):
    iso3: str
    iso2: str
    name: str
    groups: list[CountryGroup]


class CountryGroups(Struct):
    country: str
    name: str
    on: datetime.date
    groups: list[CountryGroup]


class Membership(Struct):
    id: int
    country: str
    group: CountryGroup
    member_since: datetime.date | None
    member_until: datetime.date | None
    note: str


class MembershipCreate(Input):
    country: Annotated[str, Meta(min_length=2, max_length=3)]
    group: CountryGroup
    member_since: datetime.date | None = None
    member_until: datetime.date | None = None
    note: Annotated[str, Meta(max_length=300)] = ""


class MembershipUpdate(Input):
    member_since: datetime.date | UnsetType | None = UNSET
    member_until: datetime.date | UnsetType | None = UNSET
    note: Annotated[str, Meta(max_length=300)] | UnsetType = UNSET


def membership_from_row(row: dict) -> Membership:
    return from_row(Membership, row)
