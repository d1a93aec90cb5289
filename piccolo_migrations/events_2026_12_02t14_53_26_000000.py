"""Seed the UN country groups (LDC, LLDC, SIDS) from the packaged reference CSV.

Organisers edit them afterwards through the API or Piccolo Admin; this runs once.
"""

import csv
import datetime
from importlib import resources

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns import Date, Varchar
from piccolo.table import Table

ID = "2026-12-02T14:53:26:000000"
VERSION = "1.38.0"
DESCRIPTION = "seed UN country groups"


class CountryGroupMembership(Table, tablename="country_group_membership"):
    country = Varchar(length=3)
    group = Varchar(length=4)
    member_since = Date(null=True)
    member_until = Date(null=True)
    note = Varchar(length=300)


def _date(value: str) -> datetime.date | None:
    return datetime.date.fromisoformat(value) if value else None


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="events", description=DESCRIPTION)

    async def seed():
        if await CountryGroupMembership.count():
            return
        text = resources.files("events.reference").joinpath("data/un_country_groups.csv").read_text("utf-8")
        rows = [
            CountryGroupMembership(
                country=row["iso3"].strip().upper(),
                group=row["group"].strip().upper(),
                member_since=_date(row["member_since"].strip()),
                member_until=_date(row["member_until"].strip()),
                note=row["region_or_note"].strip()[:300],
            )
            for row in csv.DictReader(text.splitlines())
        ]
        await CountryGroupMembership.insert(*rows)

    async def unseed():
        await CountryGroupMembership.delete(force=True)

    manager.add_raw(seed)
    manager.add_raw_backwards(unseed)
    return manager
