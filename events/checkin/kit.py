"""The offline kit: what a device needs to decide alone at one checkpoint (keys, revocations, who may
pass, who is in), whole or only what changed since the last one."""

from __future__ import annotations

import datetime
from typing import Any

from events.auth.principal import Actor
from events.badges import keys as badge_keys
from events.checkin import config, people, rules, schemas
from events.checkin.checkpoints import rules_of
from events.checkin.tables import Admits
from events.clock import now
from events.db import statements
from events.errors import InvalidInput
from events.programme.services import to_utc

#: The kit's ``since`` reaches back this far, so a change committed while a kit was being read is
#: sent again next time rather than missed (applying it twice changes nothing).
KIT_OVERLAP = datetime.timedelta(seconds=10)
KIT_FORMAT = 1


def _kit_rules(found: rules.Rules) -> schemas.KitRules:
    return schemas.KitRules(
        checkpoint_id=found.checkpoint_id,
        event_id=found.event_id,
        name=found.name,
        kind=found.kind,
        admits=found.admits,
        session_optional=found.session_optional,
        session_cancelled=found.session_cancelled,
        opens_at=found.opens_at,
        closes_at=found.closes_at,
        tracks_exit=found.tracks_exit,
        single_entry=found.single_entry,
        active=found.active,
    )


def _changed_sql(found: rules.Rules) -> tuple[str, tuple]:
    """Registrations whose display, badge or admission changed after a moment (one ``?`` per use)."""
    parts = [
        "r.updated_at > ?",
        "EXISTS (SELECT 1 FROM badge y WHERE y.registration = r.id "
        "AND (y.issued_at > ? OR y.revoked_at > ?))",
    ]
    args: list[Any] = []
    if found.admits is Admits.session and found.session_optional:
        parts.append(
            "EXISTS (SELECT 1 FROM session_signup x WHERE x.registration = r.id AND x.session = ? "
            "AND x.created_at > ?)"
        )
        args.append(found.session_id)
    elif found.admits is Admits.visit and found.visit_slot_id is not None:
        parts.append(
            "EXISTS (SELECT 1 FROM visit_assignment x WHERE x.registration = r.id AND x.slot = ? "
            "AND x.vehicle = ? AND x.updated_at > ?)"
        )
        args.extend((found.visit_slot_id, found.visit_vehicle_id))
    elif found.admits is Admits.transfer and found.transfer_run_id is not None:
        # Riders carry no time of their own: a run (re)planned after the moment changed them all.
        parts.append(
            "EXISTS (SELECT 1 FROM travel_transfer_rider x JOIN travel_transfer_run t ON t.id = x.run "
            "WHERE x.registration = r.id AND x.run = ? AND t.created_at > ?)"
        )
        args.append(found.transfer_run_id)
    return "(" + " OR ".join(parts) + ")", tuple(args)


async def kit(
    actor: Actor, event_id: int, checkpoint_id: int, since: datetime.datetime | None = None
) -> schemas.Kit:
    """What a device needs to decide alone at this checkpoint; with ``since`` (the last ``as_of``),
    only the revocations and people that changed, plus the lists that are always whole."""
    actor.require_staff(event_id)
    if since is not None and since.tzinfo is None:
        raise InvalidInput.field("since", "give an offset, e.g. 2027-10-12T09:00:00Z")
    since = to_utc(since, "UTC", field="since")  # one near year 1 or 9999 overflowed as a parameter
    found = await rules_of(checkpoint_id, event_id)
    as_of = now()
    cut = since - KIT_OVERLAP if since is not None else None
    keys = await badge_keys.public_keys(event_id)
    revoked_sql = "SELECT id, revoke_reason, revoked_at FROM badge WHERE event = ? AND revoked_at IS NOT NULL"
    revoked_args: tuple = (event_id,)
    if cut is not None:
        revoked_sql += " AND revoked_at > ?"
        revoked_args += (cut,)
    revoked = []
    for row in await statements.fetch(revoked_sql + " ORDER BY revoked_at, id", *revoked_args):
        kind = rules.revocations_of(
            {"badge_id": row["id"], "revoked_at": row["revoked_at"], "revoke_reason": row["revoke_reason"]},
            row["revoked_at"],
        )[row["id"]]
        revoked.append(schemas.KitRevoked(badge_id=row["id"], kind=kind, revoked_at=row["revoked_at"]))
    condition, condition_args = config.eligible_sql(found)
    # Plain per-table queries joined here: a join the planner misjudges (fresh tables without
    # statistics) would make a kit of a few thousand people take seconds.
    base = f"FROM registration r WHERE r.event = ? AND r.status = 'approved' AND {condition}"
    allowed = [
        row["id"]
        for row in await statements.fetch(f"SELECT r.id {base} ORDER BY r.id", event_id, *condition_args)
    ]
    people_sql = f"SELECT {people.COLUMNS} {base}"
    people_args: tuple = (event_id, *condition_args)
    if cut is not None:
        changed, changed_args = _changed_sql(found)
        people_sql += f" AND {changed}"
        people_args += (cut, cut, cut, *changed_args) + ((cut,) if changed_args else ())
    valid = {
        row["registration"]: row
        for row in await statements.fetch(
            "SELECT id, registration, role FROM badge WHERE event = ? AND revoked_at IS NULL ORDER BY version",
            event_id,
        )
    }
    persons = []
    for row in await statements.fetch(people_sql + " ORDER BY r.id", *people_args):
        held = valid.get(row["registration_id"])
        persons.append(people.kit_person(row, held["id"] if held else 0, held["role"] if held else None))
    presence = await statements.fetch(
        "SELECT registration, inside FROM checkin_presence WHERE checkpoint = ? ORDER BY registration",
        checkpoint_id,
    )
    admitted = [row["registration"] for row in presence]
    inside = [row["registration"] for row in presence if statements.boolean(row["inside"])]
    return schemas.Kit(
        format=KIT_FORMAT,
        event_id=event_id,
        time_zone=found.time_zone,
        as_of=as_of,
        full=since is None,
        rules=_kit_rules(found),
        keys=[
            schemas.KitKey(key_id=k.key_id, public_key=k.public_key, retired_at=k.retired_at) for k in keys
        ],
        revoked=revoked,
        allowed=allowed,
        people=persons,
        admitted=admitted,
        inside=inside,
        counts=schemas.Counts(inside=len(inside), admitted=len(admitted), expected=len(allowed)),
        messages={reason.value: text for reason, text in rules.MESSAGES.items()},
    )
