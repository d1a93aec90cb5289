"""Online scans: a staff device asks, the service decides now (:mod:`events.checkin.scan_path`).

The scan is judged and stored at the service's clock: the device's ``scanned_at`` is accepted and
ignored (a device could otherwise scan a superseded badge "before" its reissue).

Online scans from concurrent requests are **grouped**: one task per process takes the scans that
arrived while the previous group was being written and writes them in one transaction (at most
:data:`BATCH`), in the order of checkpoint and badge (so two processes lock presence rows in the
same order). Under load that shares the transaction's cost; alone, a scan is a group of one. When a
group fails (a deadlock, a race on a nonce), each scan of it is retried in a transaction of its own.
"""

from __future__ import annotations

from events.auth import revocation
from events.auth.principal import Actor
from events.checkin import config, schemas
from events.checkin.scan_input import (
    checkpoint_rules_at,
    fingerprint,
    keys_for_at,
    require_direction,
    require_subject,
    token_fields,
)
from events.checkin.scan_path import Item, Outcome, apply, apply_each
from events.checkin.tables import ScanMode
from events.clock import now
from events.db.grouping import WriteGroups
from events.errors import Conflict

BATCH = 64


async def prepare(
    actor: Actor, event_id: int, data: schemas.ScanCreate, actor_version: int | None = None
) -> Item:
    """Check an online scan's request before it is queued (raises on a bad one). The scan is judged
    and stored at the service's time; the device's ``scanned_at`` is ignored. ``actor_version``: the
    access version a remembered actor was read at (``None`` for one read in this request)."""
    actor.require_staff(event_id)
    require_subject(data.token, data.registration_id)
    found, rules_version = await checkpoint_rules_at(event_id, data.checkpoint_id)
    if not found.active:
        raise Conflict(f"Checkpoint {found.name!r} is closed; an organiser can reopen it")
    require_direction(found, data.direction)
    moment = now()
    fields = token_fields(data.token)
    keys, keys_version = await keys_for_at(event_id, fields)
    versions = {rules_version, keys_version} | ({actor_version} if actor_version is not None else set())
    return Item(
        rules=found,
        keys=keys,
        device_id=data.device_id,
        nonce=data.nonce,
        fingerprint=fingerprint(found.checkpoint_id, data.direction, data.token, data.registration_id),
        direction=data.direction,
        scanned_at=moment,
        mode=ScanMode.online if data.token is not None else ScanMode.manual,
        user_id=actor.user_id,
        expected=await config.expected(found),
        token=data.token,
        registration_id=data.registration_id,
        badge_id=fields.badge_id if fields is not None else 0,
        access_versions=frozenset(versions),
    )


#: Online scans handed to one writer task per process and written together (see the module's text).
_GROUPS: WriteGroups[Item, Outcome] = WriteGroups(apply_each, BATCH)


#: Group concurrent online scans into shared transactions (tests turn it off to race transactions).
GROUP_SCANS = True


async def scan(
    actor: Actor, event_id: int, data: schemas.ScanCreate, actor_version: int | None = None
) -> tuple[bytes, bool]:
    """An online scan: the answer (JSON) and whether it is the replay of an earlier one.

    Raises :class:`~events.auth.revocation.AccessChanged` (nothing written, the cached rules and keys
    dropped) when the access version moved since the actor, the rules or the keys were read: the
    caller reads the actor again and calls once more."""
    item = await prepare(actor, event_id, data, actor_version)
    try:
        outcome = await _GROUPS.submit(item) if GROUP_SCANS else (await apply([item]))[0]
    except revocation.AccessChanged:
        config.forget()
        raise
    if outcome.error is not None:
        raise outcome.error
    return outcome.answer, outcome.duplicate
