"""What the scan path reads again and again, kept in the process for a few seconds.

* A checkpoint's rules, with its session's and visit trip's facts (:class:`rules.Rules`): 5 s, and
  dropped at once in this process when an organiser changes the checkpoint.
* The event's verification keys: 5 s (a retired key is refused everywhere within 5 s).
* How many may pass a checkpoint (the ``expected`` count): 30 s.

Revocations are not cached: the scan reads the badge's own row, so a withdrawn badge is refused at
once. Several processes each keep their own copy; nothing here is needed for correctness across
them (the presence row is).
"""

from __future__ import annotations

import functools
import time
from typing import Any

from events.badges import keys as badge_keys
from events.badges import tokens
from events.checkin.rules import Rules, window
from events.checkin.tables import Admits
from events.db import statements
from events.reference.services import country_name as _country_name
from events.visits import context

RULES_TTL = 5.0
KEYS_TTL = 5.0
EXPECTED_TTL = 30.0
_MAX_ENTRIES = 4096

_rules: dict[tuple[int, int], tuple[float, Rules | None]] = {}
_keys: dict[int, tuple[float, list[tokens.PublicKey]]] = {}
_expected: dict[int, tuple[float, int]] = {}


def _store(cache: dict, key: Any, value: Any, ttl: float) -> None:
    if len(cache) >= _MAX_ENTRIES:
        cache.clear()
    cache[key] = (time.monotonic() + ttl, value)


def forget(checkpoint_id: int | None = None) -> None:
    """Drop cached rules (after a change in this process); everything without an id (tests)."""
    if checkpoint_id is None:
        _rules.clear()
        _keys.clear()
        _expected.clear()
        return
    for key in [key for key in _rules if key[1] == checkpoint_id]:
        del _rules[key]
    _expected.pop(checkpoint_id, None)


@functools.lru_cache(maxsize=512)
def country_name(code: str) -> str:
    return _country_name(code) if code else ""


async def keys(event_id: int, key_id: str | None = None) -> list[tokens.PublicKey]:
    """The event's keys; read again at once when ``key_id`` (the scanned code's) is not among them,
    so a key created or rotated a moment ago is known without waiting for the cache."""
    hit = _keys.get(event_id)
    if hit is not None and hit[0] > time.monotonic():
        if key_id is None or any(key.key_id == key_id for key in hit[1]):
            return hit[1]
    value = await badge_keys.public_keys(event_id)
    _store(_keys, event_id, value, KEYS_TTL)
    return value


async def rules(event_id: int, checkpoint_id: int) -> Rules | None:
    """The checkpoint's rules, or ``None`` when the event has no such checkpoint."""
    hit = _rules.get((event_id, checkpoint_id))
    if hit is not None and hit[0] > time.monotonic():
        return hit[1]
    value = await load_rules(event_id, checkpoint_id)
    _store(_rules, (event_id, checkpoint_id), value, RULES_TTL)
    return value


async def load_rules(event_id: int, checkpoint_id: int) -> Rules | None:
    row = await statements.first(
        "SELECT c.id, c.event, c.name, c.kind, c.admits, c.session, c.visit_checkpoint, c.opens_at, "
        "c.closes_at, c.minutes_before, c.minutes_after, c.tracks_exit, c.single_entry, c.active, "
        "e.time_zone, s.starts_at, s.ends_at, s.optional, s.cancelled "
        "FROM checkin_checkpoint c JOIN event e ON e.id = c.event "
        "LEFT JOIN event_session s ON s.id = c.session WHERE c.id = ? AND c.event = ?",
        checkpoint_id,
        event_id,
    )
    if row is None:
        return None
    return await rules_from_row(row)


async def rules_from_row(row: dict[str, Any]) -> Rules:
    """``row``: a checkpoint joined with its event's ``time_zone`` and its session's times and flags."""
    admits = Admits(row["admits"])
    starts = ends = None
    source = "none"
    slot_id = vehicle_id = None
    if row["session"] is not None and row["starts_at"] is not None:
        starts, ends, source = row["starts_at"], row["ends_at"], "session"
    if admits is Admits.visit or row["visit_checkpoint"]:
        trip = await visit_trip(row["event"], row["visit_checkpoint"])
        if trip is not None:
            slot_id, vehicle_id, trip_starts, trip_ends = trip
            if starts is None:
                starts, ends, source = trip_starts, trip_ends, "visit"
    opens_at, closes_at, source = window(
        opens_at=row["opens_at"],
        closes_at=row["closes_at"],
        starts_at=starts,
        ends_at=ends,
        minutes_before=row["minutes_before"],
        minutes_after=row["minutes_after"],
        source=source,
    )
    return Rules(
        checkpoint_id=row["id"],
        event_id=row["event"],
        name=row["name"],
        kind=row["kind"],
        admits=admits,
        time_zone=row["time_zone"],
        session_id=row["session"],
        session_optional=statements.boolean(row["optional"]),
        session_cancelled=statements.boolean(row["cancelled"]),
        visit_checkpoint=row["visit_checkpoint"] or "",
        visit_slot_id=slot_id,
        visit_vehicle_id=vehicle_id,
        opens_at=opens_at,
        closes_at=closes_at,
        window_source=source,
        tracks_exit=statements.boolean(row["tracks_exit"]),
        single_entry=statements.boolean(row["single_entry"]),
        active=statements.boolean(row["active"]),
    )


async def visit_trip(event_id: int, value: str) -> tuple[int, int, Any, Any] | None:
    """The visit slot and vehicle of a visit-bus checkpoint (``{slot key}.{vehicle key}``, as the
    visits area names its checkpoints) and the trip's departure and return, or ``None``."""
    slot_key, _, vehicle_key = (value or "").partition(".")
    if not slot_key or not vehicle_key:
        return None
    visits = await context.load(event_id)
    slot = next((s for s in visits.slots.values() if s["key"] == slot_key), None)
    vehicle = next((v for v in visits.vehicles.values() if v["key"] == vehicle_key), None)
    if slot is None or vehicle is None or vehicle["id"] not in visits.slot_vehicles.get(slot["id"], []):
        return None
    trip = visits.trip(slot)
    if trip is not None:
        return slot["id"], vehicle["id"], trip.departs_at, trip.returns_at
    return slot["id"], vehicle["id"], slot["starts_at"], slot["ends_at"]


def eligible_sql(rules: Rules) -> tuple[str, tuple]:
    """A SQL expression over registration ``r``: whether the checkpoint's rule lets it pass (its
    approval and badge are checked apart). The visit rule mirrors
    ``events.visits.manifests.may_board``: assigned to the slot and seated in the vehicle."""
    if rules.admits is Admits.session and rules.session_optional:
        return (
            "EXISTS (SELECT 1 FROM session_signup x WHERE x.registration = r.id AND x.session = ?)",
            (rules.session_id,),
        )
    if rules.admits is Admits.visit:
        if rules.visit_slot_id is None or rules.visit_vehicle_id is None:
            return "1 = 0", ()
        return (
            "EXISTS (SELECT 1 FROM visit_assignment x WHERE x.registration = r.id "
            "AND x.slot = ? AND x.vehicle = ?)",
            (rules.visit_slot_id, rules.visit_vehicle_id),
        )
    return "1 = 1", ()


async def expected(rules: Rules) -> int:
    """How many approved registrations the checkpoint's rule lets pass (cached for half a minute)."""
    hit = _expected.get(rules.checkpoint_id)
    if hit is not None and hit[0] > time.monotonic():
        return hit[1]
    condition, args = eligible_sql(rules)
    row = await statements.first(
        f"SELECT COUNT(*) AS n FROM registration r WHERE r.event = ? AND r.status = 'approved' AND {condition}",  # noqa: S608 (our own fragments)
        rules.event_id,
        *args,
    )
    value = int(row["n"]) if row else 0
    _store(_expected, rules.checkpoint_id, value, EXPECTED_TTL)
    return value
