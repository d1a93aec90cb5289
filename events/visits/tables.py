from __future__ import annotations

from piccolo.columns import Boolean, Text, Varchar
from piccolo.table import Table


class Site(Table, tablename="visit_site"):
    """A place participants can visit. Addresses from press releases are unverified until an organiser checks."""

    name = Varchar(length=200, unique=True, null=False)
    city = Varchar(length=100, null=False)
    country = Varchar(length=3, default="AZE")
    address = Varchar(length=300, default="")
    notes = Text(default="")
    address_verified = Boolean(default=False)
