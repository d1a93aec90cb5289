"""Badge signing keys of an event: created with its first badge, rotated, retired; what scanners trust.

The newest key of the event that is not retired signs; every key not retired verifies. Private keys
are stored encrypted with ``events.crypto`` (the data-encryption keys) and never leave the service.
Audited: ``badge.key_created``, ``badge.key_rotated``, ``badge.key_retired``.
"""

from __future__ import annotations

import datetime

from events import crypto
from events.api import from_row
from events.audit.services import record
from events.auth.principal import Actor
from events.badges import schemas, tokens
from events.badges.tables import Badge, BadgeKey
from events.clock import now
from events.db import locked, write_transaction
from events.errors import NotFound
from events.programme import services as programme_services
from events.programme.tables import Event

_ORGANISER_REFUSAL = "Only organisers of this event manage its badge keys"
_STAFF_REFUSAL = "Only staff and organisers of this event see its badge keys"


def _key(row: dict, signing_key_id: str | None) -> schemas.BadgeKey:
    return from_row(schemas.BadgeKey, row, algorithm="Ed25519", signing=row["key_id"] == signing_key_id)


async def _keys(event_id: int) -> list[dict]:
    return await BadgeKey.select().where(BadgeKey.event == event_id).order_by(BadgeKey.id)


def _signing(keys: list[dict], at: datetime.datetime) -> dict | None:
    active = [key for key in keys if key["retired_at"] is None or key["retired_at"] > at]
    return active[-1] if active else None


async def _create_key(actor: Actor, event_id: int, action: str) -> dict:
    pair = tokens.new_key_pair()
    key = BadgeKey(
        event=event_id,
        key_id=pair.key_id,
        private_key_enc=crypto.encrypt(pair.private_key),
        public_key=pair.public_key,
        created_at=now(),
    )
    await key.save()
    await record(actor, action, "badge_key", pair.key_id, event_id=event_id, data={"key_id": pair.key_id})
    return await BadgeKey.select().where(BadgeKey.id == key.id).first()


async def signing_key(actor: Actor, event_id: int) -> dict:
    """The key that signs now, created with the event's first badge (inside the caller's transaction)."""
    key = _signing(await _keys(event_id), now())
    if key is not None:
        return key
    await locked(Event.select(Event.id).where(Event.id == event_id)).first()  # one creator at a time
    key = _signing(await _keys(event_id), now())
    return key if key is not None else await _create_key(actor, event_id, "badge.key_created")


async def list_keys(actor: Actor, event_id: int) -> schemas.KeyList:
    """Every key of the event, retired ones too (so scanners tell "retired" from "unknown")."""
    actor.require_staff(event_id, _STAFF_REFUSAL)
    await programme_services.get_event_row(event_id)
    keys = await _keys(event_id)
    signing = _signing(keys, now())
    return schemas.KeyList(
        event_id=event_id,
        token_format=tokens.FORMAT,
        keys=[_key(key, signing["key_id"] if signing else None) for key in keys],
    )


async def rotate_key(actor: Actor, event_id: int) -> schemas.BadgeKey:
    """A new key signs from now on; the older ones still verify until they are retired."""
    actor.require_organiser(event_id, _ORGANISER_REFUSAL)
    async with write_transaction():
        await programme_services.get_event_row(event_id)
        await locked(Event.select(Event.id).where(Event.id == event_id)).first()
        row = await _create_key(actor, event_id, "badge.key_rotated")
    return _key(row, row["key_id"])


async def retire_key(actor: Actor, event_id: int, key_id: str) -> schemas.RetiredKey:
    """Codes signed with the key are refused from now on (``key_retired``); reissue those badges.

    Retiring the signing key makes the newest remaining key sign (or a new one, at the next issue).
    """
    actor.require_organiser(event_id, _ORGANISER_REFUSAL)
    key_id = key_id.upper()
    async with write_transaction():
        row = await locked(
            BadgeKey.select().where(BadgeKey.event == event_id, BadgeKey.key_id == key_id)
        ).first()
        if row is None:
            raise NotFound(f"No badge key {key_id} for event {event_id}")
        affected = await Badge.count().where(Badge.key_id == key_id, Badge.revoked_at.is_null())
        if row["retired_at"] is None:
            moment = now()
            await BadgeKey.update({BadgeKey.retired_at: moment}).where(BadgeKey.id == row["id"])
            await record(
                actor,
                "badge.key_retired",
                "badge_key",
                key_id,
                event_id=event_id,
                data={"key_id": key_id, "badges_affected": affected},
            )
        keys = await _keys(event_id)
    signing = _signing(keys, now())
    retired = next(key for key in keys if key["key_id"] == key_id)
    return schemas.RetiredKey(
        key=_key(retired, signing["key_id"] if signing else None), badges_affected=affected
    )


async def public_keys(event_id: int) -> list[tokens.PublicKey]:
    return [
        tokens.PublicKey(
            key_id=row["key_id"],
            event_id=row["event"],
            public_key=row["public_key"],
            retired_at=row["retired_at"],
        )
        for row in await _keys(event_id)
    ]
