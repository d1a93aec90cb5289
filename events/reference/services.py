"""Countries and the UN groups they belong to on a given date."""

from __future__ import annotations

import datetime
import functools
import zoneinfo

import pycountry

from events.audit.services import record
from events.auth.principal import Actor
from events.db import write_transaction
from events.errors import InvalidInput, NotFound
from events.reference.tables import CountryGroup, CountryGroupMembership


def country_name(iso3: str) -> str:
    country = pycountry.countries.get(alpha_3=iso3)
    return getattr(country, "common_name", None) or country.name if country else iso3


def normalise_country(code: str, field: str = "country") -> str:
    """Accept ISO 3166 alpha-2 or alpha-3 (any case); return alpha-3 or raise a field error."""
    value = (code or "").strip().upper()
    country = None
    if len(value) == 2:
        country = pycountry.countries.get(alpha_2=value)
    elif len(value) == 3:
        country = pycountry.countries.get(alpha_3=value)
    if country is None:
        raise InvalidInput.field(field, f"{code!r} is not an ISO 3166 country code (e.g. 'NPL' or 'NP')")
    return country.alpha_3


@functools.cache
def _zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def normalise_time_zone(name: str, field: str = "time_zone") -> str:
    if name not in _zones():
        raise InvalidInput.field(field, f"{name!r} is not an IANA time zone (e.g. 'Asia/Baku')")
    return name


def _in_force(on: datetime.date):
    return (CountryGroupMembership.member_since.is_null() | (CountryGroupMembership.member_since <= on)) & (
        CountryGroupMembership.member_until.is_null() | (CountryGroupMembership.member_until > on)
    )


async def groups_of(country: str, on: datetime.date) -> list[CountryGroup]:
    """The groups ``country`` belongs to on ``on``: a graduation date is the first day outside."""
    iso3 = normalise_country(country)
    rows = await CountryGroupMembership.select(CountryGroupMembership.group).where(
        CountryGroupMembership.country == iso3, _in_force(on)
    )
    return sorted({CountryGroup(row["group"]) for row in rows}, key=lambda g: g.value)


async def groups_by_country(on: datetime.date) -> dict[str, list[str]]:
    """Every country's groups on a date, in one query, for lists and statistics."""
    rows = await CountryGroupMembership.select(
        CountryGroupMembership.country, CountryGroupMembership.group
    ).where(_in_force(on))
    result: dict[str, list[str]] = {}
    for row in rows:
        result.setdefault(row["country"], []).append(row["group"])
    return {country: sorted(set(groups)) for country, groups in result.items()}


def list_countries() -> list[tuple[str, str, str]]:
    return sorted(
        ((c.alpha_3, c.alpha_2, country_name(c.alpha_3)) for c in pycountry.countries), key=lambda c: c[2]
    )


def _check_dates(since: datetime.date | None, until: datetime.date | None) -> None:
    if since and until and until <= since:
        raise InvalidInput.field("member_until", "must be after member_since")


_REFUSAL = "Only programme organisers edit reference data"


async def list_memberships(country: str | None, group: CountryGroup | None) -> list[dict]:
    query = CountryGroupMembership.select().order_by(CountryGroupMembership.country)
    if country:
        query = query.where(CountryGroupMembership.country == normalise_country(country))
    if group:
        query = query.where(CountryGroupMembership.group == group.value)
    return await query


async def get_membership(membership_id: int) -> dict:
    row = await CountryGroupMembership.select().where(CountryGroupMembership.id == membership_id).first()
    if row is None:
        raise NotFound(f"No country group membership with id {membership_id}")
    return row


async def create_membership(
    actor: Actor,
    *,
    country: str,
    group: CountryGroup,
    member_since: datetime.date | None,
    member_until: datetime.date | None,
    note: str,
) -> dict:
    actor.require_programme_organiser(_REFUSAL)
    iso3 = normalise_country(country)
    _check_dates(member_since, member_until)
    async with write_transaction():
        row = CountryGroupMembership(
            country=iso3, group=group.value, member_since=member_since, member_until=member_until, note=note
        )
        await row.save()
        await record(
            actor,
            "country_group.created",
            "country_group_membership",
            row.id,
            data={"country": iso3, "group": group.value},
        )
    return await get_membership(row.id)


async def update_membership(actor: Actor, membership_id: int, changes: dict) -> dict:
    """Change dates or the note, e.g. record a graduation or its deferral with its effective date."""
    actor.require_programme_organiser(_REFUSAL)
    async with write_transaction():
        current = await get_membership(membership_id)
        merged = {**current, **changes}
        _check_dates(merged["member_since"], merged["member_until"])
        if changes:
            await CountryGroupMembership.update(changes).where(CountryGroupMembership.id == membership_id)
        await record(
            actor,
            "country_group.updated",
            "country_group_membership",
            membership_id,
            data={key: str(value) for key, value in changes.items()},
        )
    return await get_membership(membership_id)


async def delete_membership(actor: Actor, membership_id: int) -> None:
    actor.require_programme_organiser(_REFUSAL)
    async with write_transaction():
        current = await get_membership(membership_id)
        await CountryGroupMembership.delete().where(CountryGroupMembership.id == membership_id)
        await record(
            actor,
            "country_group.deleted",
            "country_group_membership",
            membership_id,
            data={"country": current["country"], "group": current["group"]},
        )
