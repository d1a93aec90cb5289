"""What staff see of a person: a name to call them by, the country, the badge's role and the
accessibility needs to act on. No passport data, no contact details."""

from __future__ import annotations

from typing import Any

from events.checkin import schemas
from events.checkin.config import country_name
from events.db import statements

#: The registration columns the display needs (over registration ``r``).
COLUMNS = (
    "r.id AS registration_id, r.reference, r.given_names, r.family_name, r.preferred_name, "
    "r.country_represented, r.accessibility, r.accessibility_other"
)
#: Dietary needs are the caterer's business, not the door's.
NOT_AT_THE_DOOR = frozenset({"dietary"})


def needs(value: Any) -> list[str]:
    return [need for need in statements.json_list(value) if need not in NOT_AT_THE_DOOR]


def names(row: dict[str, Any]) -> tuple[str, str]:
    full = " ".join(part for part in (row["given_names"], row["family_name"]) if part)
    return (row["preferred_name"] or row["given_names"] or row["family_name"] or full), full


def person(row: dict[str, Any], role: str | None) -> schemas.Person:
    return _shaped(schemas.Person, row, role)


def kit_person(row: dict[str, Any], badge_id: int, role: str | None) -> schemas.KitPerson:
    return _shaped(schemas.KitPerson, row, role, badge_id=badge_id)


def _shaped(kind: type, row: dict[str, Any], role: str | None, **extra: Any) -> Any:
    name, full = names(row)
    code = row["country_represented"] or ""
    return kind(
        **extra,
        registration_id=row["registration_id"],
        reference=row["reference"],
        name=name,
        full_name=full,
        country=code,
        country_name=country_name(code),
        role=role or "participant",
        accessibility=needs(row["accessibility"]),
        accessibility_other=row["accessibility_other"] or "",
    )
