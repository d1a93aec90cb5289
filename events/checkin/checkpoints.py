"""Checkpoints: organisers create, change, close and delete them; staff list them.

Audited: ``checkin.checkpoint_created``, ``checkin.checkpoint_updated``, ``checkin.checkpoint_deleted``.
The other check-in jobs: :mod:`~events.checkin.kit` and :mod:`~events.checkin.lookup` (staff),
:mod:`~events.checkin.scanning` and :mod:`~events.checkin.sync` (scans), :mod:`~events.checkin.live`
and :mod:`~events.checkin.conflicts` (organisers).
"""

from __future__ import annotations

import datetime
from typing import Any

import msgspec

from events.api import from_row
from events.audit.services import record
from events.auth import revocation
from events.auth.principal import Actor
from events.checkin import config, rules, schemas
from events.checkin.tables import Admits, Checkpoint, CheckpointKind, Scan
from events.clock import now
from events.db import locked, write_transaction
from events.errors import Conflict, FieldError, InvalidInput, NotFound
from events.programme import services as programme_services
from events.programme.services import to_local, to_utc
from events.programme.tables import Session

DEFAULT_ADMITS = {
    CheckpointKind.venue_entrance: Admits.event,
    CheckpointKind.session_room: Admits.session,
    CheckpointKind.visit_bus: Admits.visit,
    CheckpointKind.transfer_bus: Admits.transfer,
    CheckpointKind.help_desk: Admits.event,
}


async def rules_of(checkpoint_id: int, event_id: int) -> rules.Rules:
    """The checkpoint's rules as stored now (not the scan path's cache); 404 when the event has none."""
    found = await config.load_rules(event_id, checkpoint_id)
    if found is None:
        raise NotFound(f"Event {event_id} has no checkpoint {checkpoint_id}")
    return found


def _checkpoint(row: dict, found: rules.Rules) -> schemas.Checkpoint:
    zone = found.time_zone
    return from_row(
        schemas.Checkpoint,
        row,
        opens_at=to_local(row["opens_at"], zone),
        closes_at=to_local(row["closes_at"], zone),
        window=schemas.Window(
            opens_at=to_local(found.opens_at, zone),
            closes_at=to_local(found.closes_at, zone),
            source=found.window_source,
        ),
        created_at=to_local(row["created_at"], zone),
        updated_at=to_local(row["updated_at"], zone),
    )


async def _shaped(row: dict) -> schemas.Checkpoint:
    found = await rules_of(row["id"], row["event"])
    return _checkpoint(row, found)


async def list_checkpoints(actor: Actor, event_id: int) -> list[schemas.Checkpoint]:
    """Staff pick theirs from this list; organisers manage it."""
    actor.require_staff(event_id)
    await programme_services.get_event_row(event_id)
    rows = await Checkpoint.select().where(Checkpoint.event == event_id).order_by(Checkpoint.id)
    return [await _shaped(row) for row in rows]


async def get_checkpoint(actor: Actor, event_id: int, checkpoint_id: int) -> schemas.Checkpoint:
    actor.require_staff(event_id)
    return await _shaped(await _row(event_id, checkpoint_id))


async def _row(event_id: int, checkpoint_id: int, *, lock: bool = False) -> dict:
    query = Checkpoint.select().where(Checkpoint.id == checkpoint_id, Checkpoint.event == event_id)
    row = await (locked(query) if lock else query).first()
    if row is None:
        raise NotFound(f"Event {event_id} has no checkpoint {checkpoint_id}")
    return row


async def _check(values: dict[str, Any], event: dict) -> None:
    """The rules of a checkpoint's values (after defaults); raises one 422 naming every bad field."""
    errors: list[tuple[str, str]] = []
    admits = Admits(values["admits"])
    session_id = values.get("session")
    if session_id is not None:
        session = (
            await Session.select(Session.id)
            .where(Session.id == session_id, Session.event == event["id"])
            .first()
        )
        if session is None:
            errors.append(("session_id", f"event {event['id']} has no session {session_id}"))
    if admits is Admits.session and session_id is None:
        errors.append(("session_id", "a checkpoint that admits a session's people needs the session"))
    if admits is Admits.visit or values.get("visit_checkpoint"):
        if not values.get("visit_checkpoint"):
            errors.append(
                ("visit_checkpoint", "a visit bus needs the visit checkpoint ({slot key}.{vehicle key})")
            )
        elif await config.visit_trip(event["id"], values["visit_checkpoint"]) is None:
            errors.append(
                (
                    "visit_checkpoint",
                    f"event {event['id']} has no visit checkpoint {values['visit_checkpoint']!r} "
                    "(see GET /api/v1/events/{id}/visits/checkpoints)",
                )
            )
    if admits is Admits.transfer or values.get("transfer_run"):
        if not values.get("transfer_run"):
            errors.append(("transfer_run", "a transfer bus needs its run's key (TR-…)"))
        elif await config.transfer_trip(event["id"], values["transfer_run"]) is None:
            errors.append(
                (
                    "transfer_run",
                    f"event {event['id']} has no transfer run {values['transfer_run']!r} "
                    "(see GET /api/v1/events/{id}/travel/transfers/checkpoints)",
                )
            )
    opens, closes = values.get("opens_at"), values.get("closes_at")
    if opens is not None and closes is not None and closes <= opens:
        errors.append(("closes_at", "must be after opens_at"))
    if errors:
        raise InvalidInput(
            "; ".join(f"{name}: {message}" for name, message in errors),
            errors=[FieldError(name, message) for name, message in errors],
        )


def _values(data: dict[str, Any], zone: str) -> dict[str, Any]:
    """Request fields → column values (``session_id`` → ``session``; local times → UTC)."""
    out: dict[str, Any] = {}
    for key, value in data.items():
        if key == "session_id":
            out["session"] = value
        elif key in {"opens_at", "closes_at"}:
            try:
                out[key] = to_utc(value, zone, field=key)
            except (OverflowError, ValueError) as exc:
                raise InvalidInput.field(key, "not a valid instant") from exc
        elif isinstance(value, msgspec.Struct):
            out[key] = msgspec.to_builtins(value)
        else:
            out[key] = value.value if hasattr(value, "value") else value
    return out


async def create_checkpoint(
    actor: Actor, event_id: int, data: schemas.CheckpointCreate
) -> schemas.Checkpoint:
    actor.require_organiser(event_id)
    event = await programme_services.get_event_row(event_id)
    values = _values(msgspec.to_builtins(data, builtin_types=(datetime.datetime,)), event["time_zone"])
    values["admits"] = (data.admits or DEFAULT_ADMITS[data.kind]).value
    await _check(values, event)
    moment = now()
    async with write_transaction():
        row = Checkpoint(event=event_id, created_at=moment, updated_at=moment, **values)
        await row.save()
        await record(
            actor,
            "checkin.checkpoint_created",
            "checkpoint",
            row.id,
            event_id=event_id,
            data={"name": values["name"], "kind": values["kind"], "admits": values["admits"]},
        )
    config.forget(row.id)
    return await _shaped(await _row(event_id, row.id))


async def update_checkpoint(
    actor: Actor, event_id: int, checkpoint_id: int, data: schemas.CheckpointUpdate
) -> schemas.Checkpoint:
    actor.require_organiser(event_id)
    event = await programme_services.get_event_row(event_id)
    changes = _values(
        {key: value for key, value in msgspec.structs.asdict(data).items() if value is not msgspec.UNSET},
        event["time_zone"],
    )
    async with write_transaction():
        current = await _row(event_id, checkpoint_id, lock=True)
        merged = {**current, **changes}
        await _check(merged, event)
        if changes:
            changes["updated_at"] = now()
            await Checkpoint.update(
                {getattr(Checkpoint, key): value for key, value in changes.items()}
            ).where(Checkpoint.id == checkpoint_id)
            await revocation.bump()
            await record(
                actor,
                "checkin.checkpoint_updated",
                "checkpoint",
                checkpoint_id,
                event_id=event_id,
                data={key: _plain(value) for key, value in changes.items() if key != "updated_at"},
            )
    config.forget(checkpoint_id)
    return await _shaped(await _row(event_id, checkpoint_id))


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime.datetime) else value


async def delete_checkpoint(actor: Actor, event_id: int, checkpoint_id: int) -> None:
    """Only a checkpoint nothing was scanned at; otherwise close it (``active: false``)."""
    actor.require_organiser(event_id)
    async with write_transaction():
        row = await _row(event_id, checkpoint_id, lock=True)
        scans = await Scan.count().where(Scan.checkpoint == checkpoint_id)
        if scans:
            raise Conflict(f"{scans} scan(s) were made at this checkpoint; close it instead (active: false)")
        await Checkpoint.delete().where(Checkpoint.id == checkpoint_id)
        await revocation.bump()
        await record(
            actor,
            "checkin.checkpoint_deleted",
            "checkpoint",
            checkpoint_id,
            event_id=event_id,
            data={"name": row["name"]},
        )
    config.forget(checkpoint_id)
