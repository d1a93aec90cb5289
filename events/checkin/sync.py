"""Offline sync: the scans a device decided on its own, applied in chunks of :data:`SYNC_CHUNK`
through :mod:`events.checkin.scan_path`, each row on its own, idempotently, with the device's times.
Audited once per sync as ``checkin.synced``; every scan is its own record (``checkin_scan``).
"""

from __future__ import annotations

import datetime
import logging
from typing import Any

import msgspec

from events.audit.services import record
from events.auth.principal import Actor
from events.checkin import config, schemas
from events.checkin.scan_input import (
    checkpoint_rules,
    fingerprint,
    keys_for,
    require_direction,
    require_subject,
    scan_time,
    token_fields,
)
from events.checkin.scan_path import Item, apply_each
from events.checkin.tables import ScanMode, ScanResult
from events.clock import now
from events.db import write_transaction
from events.errors import DomainError, FieldError, InvalidInput, field_errors

logger = logging.getLogger("events.checkin")
SYNC_CHUNK = 250


async def _offline_item(
    actor: Actor, event_id: int, device_id: str, raw: Any, moment: datetime.datetime
) -> Item:
    try:
        row = msgspec.convert(raw, schemas.OfflineScan)
    except msgspec.ValidationError as exc:
        errors = [FieldError(e.field or "row", e.message) for e in field_errors(exc)]
        raise InvalidInput("; ".join(f"{e.field}: {e.message}" for e in errors), errors=errors) from exc
    require_subject(row.token, row.registration_id)
    found = await checkpoint_rules(event_id, row.checkpoint_id)
    require_direction(found, row.direction)
    fields = token_fields(row.token)
    return Item(
        rules=found,
        keys=await keys_for(event_id, fields),
        device_id=device_id,
        nonce=row.nonce,
        fingerprint=fingerprint(found.checkpoint_id, row.direction, row.token, row.registration_id),
        direction=row.direction,
        scanned_at=scan_time(row.scanned_at, found.time_zone, moment),
        mode=ScanMode.offline,
        user_id=actor.user_id,
        expected=await config.expected(found),
        token=row.token,
        registration_id=row.registration_id,
        badge_id=fields.badge_id if fields is not None else 0,
        device_result=row.result,
        device_reason=row.reason if row.result is ScanResult.denied else None,
    )


def _nonce_of(raw: Any) -> str | None:
    value = raw.get("nonce") if isinstance(raw, dict) else None
    return value[:64] if isinstance(value, str) else None


async def sync(actor: Actor, event_id: int, data: schemas.SyncRequest) -> schemas.SyncResult:
    """Apply a device's queued scans: each row on its own (a bad row is reported, the rest applied),
    idempotently (a nonce synced before changes nothing), with their original scan times."""
    actor.require_staff(event_id)
    moment = now()
    rows: list[schemas.SyncRow] = []
    ready: list[tuple[int, Item]] = []
    for index, raw in enumerate(data.scans):
        try:
            ready.append((index, await _offline_item(actor, event_id, data.device_id, raw, moment)))
        except DomainError as exc:
            errors = exc.errors or [FieldError("row", exc.detail)]
            rows.append(
                schemas.SyncRow(
                    index=index,
                    nonce=_nonce_of(raw),
                    status="error",
                    errors=[schemas.RowError(field=e.field, message=e.message) for e in errors],
                )
            )
    for start in range(0, len(ready), SYNC_CHUNK):
        chunk = ready[start : start + SYNC_CHUNK]
        results = await apply_each([item for _, item in chunk])
        for (index, item), result in zip(chunk, results, strict=True):
            if isinstance(result, BaseException):
                logger.warning("offline scan %s of device %s failed: %s", item.nonce, item.device_id, result)
                rows.append(
                    schemas.SyncRow(
                        index=index,
                        nonce=item.nonce,
                        status="error",
                        errors=[schemas.RowError(field="row", message="could not be saved; send it again")],
                    )
                )
            elif result.error is not None:
                rows.append(
                    schemas.SyncRow(
                        index=index,
                        nonce=item.nonce,
                        status="error",
                        scan_id=result.scan_id,
                        errors=[schemas.RowError(field="nonce", message=result.error.detail)],
                    )
                )
            else:
                rows.append(
                    schemas.SyncRow(
                        index=index,
                        nonce=item.nonce,
                        status="duplicate" if result.duplicate else "applied",
                        scan_id=result.scan_id,
                        conflict_ids=result.conflict_ids,
                    )
                )
    rows.sort(key=lambda row: row.index)
    summary = schemas.SyncResult(
        device_id=data.device_id,
        received=len(data.scans),
        applied=sum(row.status == "applied" for row in rows),
        duplicates=sum(row.status == "duplicate" for row in rows),
        errors=sum(row.status == "error" for row in rows),
        conflicts=sum(len(row.conflict_ids) for row in rows),
        rows=rows,
    )
    if summary.applied or summary.errors:
        async with write_transaction():
            await record(
                actor,
                "checkin.synced",
                "device",
                data.device_id,
                event_id=event_id,
                data={
                    "received": summary.received,
                    "applied": summary.applied,
                    "duplicates": summary.duplicates,
                    "errors": summary.errors,
                    "conflicts": summary.conflicts,
                },
            )
    return summary
