"""What organisers watch: the live view per checkpoint (inside, admitted, expected, refused), the latest
refusals and open conflicts, and the scan log."""

from __future__ import annotations

import datetime
from typing import Any

from events.api import from_row
from events.auth.principal import Actor
from events.checkin import config, rules, schemas
from events.checkin.conflicts import conflict_items, people_of, status_clauses, user_names
from events.checkin.rules import Reason
from events.checkin.tables import CheckinConflict, Checkpoint, CheckpointKind, Scan
from events.clock import now
from events.db import statements
from events.programme import services as programme_services
from events.programme.services import to_local


def instant(value: Any) -> datetime.datetime | None:
    """A timestamp from an aggregate (SQLite hands those back as text)."""
    if value is None or isinstance(value, datetime.datetime):
        return value
    parsed = datetime.datetime.fromisoformat(str(value))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=datetime.UTC)


async def list_scans(
    actor: Actor,
    event_id: int,
    *,
    checkpoint_id: int | None,
    result: str | None,
    registration_id: int | None,
    device_id: str | None,
    limit: int,
    offset: int,
) -> tuple[list[schemas.ScanRow], int]:
    actor.require_organiser(event_id)
    event = await programme_services.get_event_row(event_id)
    clauses = [Scan.event == event_id]
    if checkpoint_id is not None:
        clauses.append(Scan.checkpoint == checkpoint_id)
    if result:
        clauses.append(Scan.result == result)
    if registration_id is not None:
        clauses.append(Scan.registration == registration_id)
    if device_id:
        clauses.append(Scan.device_id == device_id)
    rows = await (
        Scan.select(
            *Scan.all_columns(exclude=[Scan.answer, Scan.fingerprint]),
            Scan.checkpoint.name.as_alias("checkpoint_name"),
        )
        .where(*clauses)
        .order_by(Scan.id, ascending=False)
        .limit(limit)
        .offset(offset)
    )
    total = await Scan.count().where(*clauses)
    names = await user_names({row["scanned_by"] for row in rows if row["scanned_by"]})
    zone = event["time_zone"]
    return [
        from_row(
            schemas.ScanRow,
            row,
            checkpoint=schemas.CheckpointRef(id=row["checkpoint"], name=row["checkpoint_name"]),
            scanned_by=names.get(row["scanned_by"]),
            scanned_at=to_local(row["scanned_at"], zone),
            received_at=to_local(row["received_at"], zone),
        )
        for row in rows
    ], total


def _message(reason: str) -> str:
    try:
        return rules.MESSAGES[Reason(reason)]
    except ValueError:
        return "Refused"


async def live(actor: Actor, event_id: int, *, denials: int = 20, conflicts: int = 20) -> schemas.Live:
    """Per checkpoint: inside now, admitted, expected, refused, last scan; the latest refusals; the
    open conflicts."""
    actor.require_organiser(event_id)
    event = await programme_services.get_event_row(event_id)
    zone = event["time_zone"]
    checkpoints = await Checkpoint.select().where(Checkpoint.event == event_id).order_by(Checkpoint.id)
    presence = {
        row["checkpoint"]: row
        for row in await statements.fetch(
            "SELECT p.checkpoint, COUNT(*) AS admitted, COALESCE(SUM(CASE WHEN p.inside THEN 1 ELSE 0 END), 0) AS inside "
            "FROM checkin_presence p JOIN checkin_checkpoint c ON c.id = p.checkpoint WHERE c.event = ? "
            "GROUP BY p.checkpoint",
            event_id,
        )
    }
    scans = {
        row["checkpoint"]: row
        for row in await statements.fetch(
            "SELECT checkpoint, COALESCE(SUM(CASE WHEN result = 'denied' THEN 1 ELSE 0 END), 0) AS denied, "
            "MAX(scanned_at) AS last_scan_at FROM checkin_scan WHERE event = ? GROUP BY checkpoint",
            event_id,
        )
    }
    items = []
    for row in checkpoints:
        found = await config.rules(event_id, row["id"])
        counts = presence.get(row["id"], {})
        scanned = scans.get(row["id"], {})
        items.append(
            schemas.CheckpointLive(
                id=row["id"],
                name=row["name"],
                kind=CheckpointKind(row["kind"]),
                active=row["active"],
                inside=int(counts.get("inside") or 0),
                admitted=int(counts.get("admitted") or 0),
                expected=await config.expected(found) if found is not None else 0,
                denied=int(scanned.get("denied") or 0),
                last_scan_at=to_local(instant(scanned.get("last_scan_at")), zone),
            )
        )
    names = {row["id"]: row["name"] for row in checkpoints}
    denied_rows = await (
        Scan.select(
            Scan.id,
            Scan.scanned_at,
            Scan.checkpoint,
            Scan.reason,
            Scan.detail,
            Scan.registration,
            Scan.device_id,
            Scan.mode,
        )
        .where(Scan.event == event_id, Scan.result == "denied")
        .order_by(Scan.id, ascending=False)
        .limit(denials)
    )
    persons = await people_of({row["registration"] for row in denied_rows if row["registration"]})
    recent = [
        schemas.Denial(
            scan_id=row["id"],
            scanned_at=to_local(row["scanned_at"], zone),  # type: ignore[arg-type]
            checkpoint=schemas.CheckpointRef(id=row["checkpoint"], name=names.get(row["checkpoint"], "")),
            reason=row["reason"],
            message=_message(row["reason"]),
            detail=row["detail"],
            person=persons.get(row["registration"]),
            device_id=row["device_id"],
            mode=row["mode"],
        )
        for row in denied_rows
    ]
    open_clauses = status_clauses("open")
    return schemas.Live(
        event_id=event_id,
        as_of=to_local(now(), zone),  # type: ignore[arg-type]
        checkpoints=items,
        recent_denials=recent,
        open_conflicts=await CheckinConflict.count().where(CheckinConflict.event == event_id, *open_clauses),
        conflicts=await conflict_items(event_id, zone, open_clauses, conflicts, 0),
    )
