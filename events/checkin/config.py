"""What the scan path reads again and again, kept in the process.

* A checkpoint's rules, with its session's and visit trip's facts (:class:`rules.Rules`): 5 s at most.
* The event's verification keys.
* How many may pass a checkpoint (the ``expected`` count): 30 s.

Rules and keys remember the access version (:mod:`events.auth.revocation`) they were read at. A
changed or deleted checkpoint and a rotated or retired key move that version in the database; an
online scan reads it in its first statement and, when it moved, is written again with everything
read afresh (:class:`~events.auth.revocation.AccessChanged`), in every process at once. The 5 s
bound stays for what does not move the version (a session's times, a visit trip).

Revocations of badges are not cached: the scan reads the badge's own row, so a withdrawn badge is
refused at once.
"""

from __future__ import annotations

import functools
import time
from typing import Any

from events.auth import revocation
from events.badges import keys as badge_keys
from events.badges import tokens
from events.checkin.rules import Rules, window
from events.checkin.tables import Admits
from events.db import statements
from events.reference.services import country_name as _country_name
from events.visits import context

RULES_TTL = 5.0
EXPECTED_TTL = 30.0
_MAX_ENTRIES = 4096

#: (expires, access version, value)
_rules: dict[tuple[int, int], tuple[float, int, Rules | None]] = {}
_keys: dict[int, tuple[int, list[tokens.PublicKey]]] = {}
_expected: dict[int, tuple[float, int]] = {}


def _bounded(cache: dict) -> dict:
    if len(cache) >= _MAX_ENTRIES:
        cache.clear()
    return cache


def forget(checkpoint_id: int | None = None) -> None:
    """Drop cached rules (after a change in this process); everything without an id (the access
    version moved, tests)."""
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
    return (await keys_at(event_id, key_id))[0]


async def keys_at(event_id: int, key_id: str | None = None) -> tuple[list[tokens.PublicKey], int]:
    """The event's keys and the access version they were read at; read again at once when ``key_id``
    (the scanned code's) is not among them, so a key created a moment ago is known."""
    hit = _keys.get(event_id)
    if hit is not None and (key_id is None or any(key.key_id == key_id for key in hit[1])):
        return hit[1], hit[0]
    version = await revocation.current()
    value = await badge_keys.public_keys(event_id)
    _bounded(_keys)[event_id] = (version, value)
    return value, version


async def rules(event_id: int, checkpoint_id: int) -> Rules | None:
    """The checkpoint's rules, or ``None`` when the event has no such checkpoint."""
    return (await rules_at(event_id, checkpoint_id))[0]


async def rules_at(event_id: int, checkpoint_id: int) -> tuple[Rules | None, int]:
    """:func:`rules` and the access version they were read at."""
    hit = _rules.get((event_id, checkpoint_id))
    if hit is not None and hit[0] > time.monotonic():
        return hit[2], hit[1]
    value, version = await _load_rules(event_id, checkpoint_id)
    _bounded(_rules)[(event_id, checkpoint_id)] = (time.monotonic() + RULES_TTL, version, value)
    return value, version


async def load_rules(event_id: int, checkpoint_id: int) -> Rules | None:
    return (await _load_rules(event_id, checkpoint_id))[0]


async def _load_rules(event_id: int, checkpoint_id: int) -> tuple[Rules | None, int]:
    row = await statements.first(
        f"SELECT {revocation.CURRENT_SQL} AS access_version, c.id,"  # noqa: S608 (a constant)
        " c.event, c.name, c.kind, c.admits, c.session, c.visit_checkpoint, c.transfer_run, c.opens_at, "
        "c.closes_at, c.minutes_before, c.minutes_after, c.tracks_exit, c.single_entry, c.active, "
        "e.time_zone, s.starts_at, s.ends_at, s.optional, s.cancelled "
        "FROM checkin_checkpoint c JOIN event e ON e.id = c.event "
        "LEFT JOIN event_session s ON s.id = c.session WHERE c.id = ? AND c.event = ?",
        checkpoint_id,
        event_id,
    )
    if row is None:
        return None, await revocation.current()
    return await rules_from_row(row), int(row["access_version"])


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
    transfer_run_id = None
    if admits is Admits.transfer or row["transfer_run"]:
        run = await transfer_trip(row["event"], row["transfer_run"] or "")
        if run is not None:
            transfer_run_id, run_leaves, run_waits = run
            if starts is None:
                starts, ends, source = run_leaves, run_waits or run_leaves, "transfer"
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
        transfer_run=row["transfer_run"] or "",
        transfer_run_id=transfer_run_id,
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


async def transfer_trip(event_id: int, key: str) -> tuple[int, Any, Any] | None:
    """The airport transfer run of a transfer-bus checkpoint (its ``TR-…`` key): its id, when it
    leaves and until when it waits for a delayed flight; ``None`` when the event has no such run
    (re-planning transfers makes new runs: a checkpoint of an old run then admits nobody)."""
    if not key:
        return None
    row = await statements.first(
        "SELECT id, leaves_at, waits_until FROM travel_transfer_run WHERE event = ? AND key = ?",
        event_id,
        key,
    )
    return (row["id"], row["leaves_at"], row["waits_until"]) if row else None


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
    if rules.admits is Admits.transfer:
        if rules.transfer_run_id is None:
            return "1 = 0", ()
        return (
            "EXISTS (SELECT 1 FROM travel_transfer_rider x WHERE x.registration = r.id AND x.run = ?)",
            (rules.transfer_run_id,),
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
    _bounded(_expected)[rules.checkpoint_id] = (time.monotonic() + EXPECTED_TTL, value)
    return value
