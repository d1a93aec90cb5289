from __future__ import annotations

from enum import StrEnum

from piccolo.columns import Date, Varchar
from piccolo.table import Table


class CountryGroup(StrEnum):
    LDC = "LDC"
    LLDC = "LLDC"
    SIDS = "SIDS"


class CountryGroupMembership(Table, tablename="country_group_membership"):
    """A country's membership of LDC / LLDC / SIDS, valid from ``member_since`` (inclusive)
    until ``member_until`` (exclusive: the graduation date). Empty bounds are open."""

    country = Varchar(length=3, null=False, index=True)
    group = Varchar(length=4, choices=CountryGroup, null=False)
    member_since = Date(null=True, default=None)
    member_until = Date(null=True, default=None)
    note = Varchar(length=300, default="")
