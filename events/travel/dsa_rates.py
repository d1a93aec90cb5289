"""The UN's DSA rates per city (programme-wide: programme organisers keep them, organisers read them).

A rate applies from its ``valid_from`` until the next rate of the same city (see :mod:`events.travel.dsa`
for how nights take rates). Creating, changing or deleting a rate re-prices, in the same transaction,
the funding decisions with DSA of the events in that city (:func:`events.travel.funding.reprice_dsa`),
so the committed budget always follows the rates as they stand. Separate from :mod:`events.travel.dsa`
because the funding decisions' estimate reads the DSA rules: the rules cannot import funding back.
"""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import msgspec

from events.audit.services import record
from events.auth.principal import Actor
from events.clock import now
from events.db import write_transaction
from events.db.transactions import serialise_on
from events.errors import Conflict, FieldError, InvalidInput, NotFound, PermissionDenied
from events.reference.services import normalise_country
from events.travel import funding, schemas
from events.travel.dsa import CENT, MAX_AMOUNT, is_any_organiser, money
from events.travel.tables import DsaRate


def rate_from_row(row: dict) -> schemas.DsaRate:
    return schemas.DsaRate(
        id=row["id"],
        country=row["country"],
        city=row["city"],
        valid_from=row["valid_from"],
        amount=money(row["amount"]),
        currency=row["currency"],
    )


async def list_rates(
    actor: Actor, *, country: str | None = None, city: str | None = None
) -> list[schemas.DsaRate]:
    """Every rate (or one country's, one city's), by country, city and newest date first."""
    if not is_any_organiser(actor):
        raise PermissionDenied("Only organisers read DSA rates")
    query = DsaRate.select()
    if country:
        query = query.where(DsaRate.country == normalise_country(country))
    rows = (
        await query.order_by(DsaRate.country)
        .order_by(DsaRate.city)
        .order_by(DsaRate.valid_from, ascending=False)
    )
    if city:
        # In Python, not SQL: SQLite's LIKE folds ASCII only (Gəncə).
        rows = [row for row in rows if row["city"].casefold() == city.strip().casefold()]
    rows.sort(key=lambda r: (r["country"], r["city"].casefold(), -r["valid_from"].toordinal()))
    return [rate_from_row(row) for row in rows]


async def _rate_row(rate_id: int) -> dict:
    row = await DsaRate.select().where(DsaRate.id == rate_id).first()
    if row is None:
        raise NotFound(f"No DSA rate with id {rate_id}")
    return row


def _amount(value: Decimal, name: str = "amount") -> Decimal:
    """A positive amount of at most 2 decimals that the column holds."""
    try:
        if not value.is_finite():
            raise InvalidInput.field(name, "must be a number")
        if value <= 0:
            raise InvalidInput.field(name, "must be more than 0")
        if value > MAX_AMOUNT:
            raise InvalidInput.field(name, f"must be at most {MAX_AMOUNT}")
        if value != value.quantize(CENT):
            raise InvalidInput.field(name, "must have at most 2 decimals")
        return value.quantize(CENT)
    except InvalidOperation as exc:
        raise InvalidInput.field(name, "must be a number") from exc


def _rate_values(values: dict[str, Any]) -> dict[str, Any]:
    errors: list[FieldError] = []
    if "country" in values:
        try:
            values["country"] = normalise_country(values["country"])
        except InvalidInput as exc:
            errors.extend(exc.errors)
    if "city" in values:
        values["city"] = " ".join(values["city"].split())
        if not values["city"]:
            errors.append(FieldError("city", "must not be blank"))
    if "currency" in values:
        values["currency"] = values["currency"].upper()
    if "amount" in values:
        try:
            values["amount"] = _amount(Decimal(values["amount"]))
        except InvalidInput as exc:
            errors.extend(exc.errors)
    if errors:
        raise InvalidInput("; ".join(f"{e.field}: {e.message}" for e in errors), errors=errors)
    return values


async def _refuse_duplicate(country: str, city: str, valid_from: datetime.date, rate_id: int | None) -> None:
    await serialise_on(f"dsa-rate:{country}:{city.casefold()}")
    rows = await DsaRate.select(DsaRate.id, DsaRate.city).where(
        DsaRate.country == country, DsaRate.valid_from == valid_from
    )
    if any(row["city"].casefold() == city.casefold() and row["id"] != rate_id for row in rows):
        raise Conflict(f"{city} ({country}) has a DSA rate from {valid_from.isoformat()} already")


async def create_rate(actor: Actor, data: schemas.DsaRateCreate) -> schemas.DsaRate:
    actor.require_programme_organiser("Only programme-wide organisers edit DSA rates")
    values = _rate_values(msgspec.to_builtins(data, builtin_types=(datetime.date, Decimal)))
    async with write_transaction():
        await _refuse_duplicate(values["country"], values["city"], values["valid_from"], None)
        rate = DsaRate(**values, created_at=now())
        await rate.save()
        repriced = await funding.reprice_dsa(values["country"], values["city"])
        await record(
            actor,
            "travel.dsa.rate_created",
            "dsa_rate",
            rate.id,
            data={**_audited(values), "decisions_repriced": repriced},
        )
    return rate_from_row(await _rate_row(rate.id))


async def update_rate(actor: Actor, rate_id: int, data: schemas.DsaRateUpdate) -> schemas.DsaRate:
    actor.require_programme_organiser("Only programme-wide organisers edit DSA rates")
    changed = {
        name: getattr(data, name)
        for name in data.__struct_fields__
        if getattr(data, name) is not msgspec.UNSET
    }
    values = _rate_values(msgspec.to_builtins(changed, builtin_types=(datetime.date, Decimal)))
    async with write_transaction():
        current = await _rate_row(rate_id)
        merged = {**current, **values}
        await _refuse_duplicate(merged["country"], merged["city"], merged["valid_from"], rate_id)
        repriced = 0
        if values:
            await DsaRate.update(values).where(DsaRate.id == rate_id)
            places = {(current["country"], current["city"]), (merged["country"], merged["city"])}
            for country, city in places:
                repriced += await funding.reprice_dsa(country, city)
        before = {name: money(current[name]) if name == "amount" else current[name] for name in values}
        await record(
            actor,
            "travel.dsa.rate_updated",
            "dsa_rate",
            rate_id,
            data={"before": _audited(before), "after": _audited(values), "decisions_repriced": repriced},
        )
    return rate_from_row(await _rate_row(rate_id))


async def delete_rate(actor: Actor, rate_id: int) -> None:
    """Payments already computed keep their figures; the next computation uses the rates left. The
    funding decisions of events in the rate's city are re-priced at once."""
    actor.require_programme_organiser("Only programme-wide organisers edit DSA rates")
    async with write_transaction():
        current = await _rate_row(rate_id)
        await DsaRate.delete().where(DsaRate.id == rate_id)
        repriced = await funding.reprice_dsa(current["country"], current["city"])
        await record(
            actor,
            "travel.dsa.rate_deleted",
            "dsa_rate",
            rate_id,
            data=_audited(
                {
                    **{k: current[k] for k in ("country", "city", "valid_from", "currency")},
                    "amount": money(current["amount"]),
                    "decisions_repriced": repriced,
                }
            ),
        )


def _audited(values: dict[str, Any]) -> dict[str, Any]:
    return {k: str(v) if isinstance(v, Decimal | datetime.date) else v for k, v in values.items()}
