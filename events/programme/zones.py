"""Answers in the event's time zone: instants are stored in UTC and shown with the venue's offset.

Services that build their answers from rows convert as they go (:func:`events.programme.services.to_local`).
Answers assembled elsewhere (letters, badges, invitations, audit entries) carry their ``event_id``, and
:func:`in_event_zones` gives every instant in them the offset of that event's zone, one query per answer.
"""

from __future__ import annotations

import datetime
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import msgspec

from events.programme.tables import Event

T = TypeVar("T")


def _event_ids(value: Any) -> set[int]:
    if isinstance(value, list | tuple):
        return {event_id for item in value for event_id in _event_ids(item)}
    if not isinstance(value, msgspec.Struct):
        return set()
    found = {getattr(value, "event_id", None)} - {None}
    for name in value.__struct_fields__:
        found |= _event_ids(getattr(value, name))
    return found


def _converted(value: Any, zones: dict[int, ZoneInfo], zone: ZoneInfo | None) -> Any:
    if isinstance(value, list):
        return [_converted(item, zones, zone) for item in value]
    if isinstance(value, datetime.datetime) and zone is not None and value.tzinfo is not None:
        return value.astimezone(zone)
    if not isinstance(value, msgspec.Struct):
        return value
    zone = zones.get(getattr(value, "event_id", None), zone)
    changes = {}
    for name in value.__struct_fields__:
        field = getattr(value, name)
        if isinstance(field, datetime.datetime | list | msgspec.Struct):
            changes[name] = _converted(field, zones, zone)
    return msgspec.structs.replace(value, **changes)


async def in_event_zones(value: T) -> T:
    """``value`` (a struct, a list or a page of them) with each instant in the zone of its struct's event.

    An instant in a struct without an ``event_id`` takes the zone of the nearest struct around it that has
    one, else stays in UTC (an audit entry about an account, say).
    """
    event_ids = _event_ids(value)
    if not event_ids:
        return value
    rows = await Event.select(Event.id, Event.time_zone).where(Event.id.is_in(sorted(event_ids)))
    zones = {row["id"]: ZoneInfo(row["time_zone"]) for row in rows}
    return _converted(value, zones, None)
