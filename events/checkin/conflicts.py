"""Check-in conflicts for organisers: two admissions at a single-entry checkpoint, offline admissions
the service would have refused; listed and resolved (audited as ``checkin.conflict_resolved``)."""

from __future__ import annotations

from events.audit.services import record
from events.auth.principal import Actor
from events.checkin import people, schemas
from events.checkin.tables import CheckinConflict, Scan
from events.clock import now
from events.db import locked, statements, write_transaction
from events.errors import Conflict, NotFound
from events.programme import services as programme_services
from events.programme.services import to_local


async def user_names(user_ids: set[int]) -> dict[int, str]:
    """Usernames of the staff who scanned or resolved, by user id."""
    if not user_ids:
        return {}
    from events.auth.tables import User

    rows = await User.select(User.id, User.username).where(User.id.is_in(sorted(user_ids)))
    return {row["id"]: row["username"] for row in rows}


async def people_of(registration_ids: set[int]) -> dict[int, schemas.Person]:
    """What staff see of each registration, with the role of its newest badge (valid first)."""
    if not registration_ids:
        return {}
    ids = sorted(registration_ids)
    marks = ", ".join("?" for _ in ids)
    rows = await statements.fetch(
        f"SELECT {people.COLUMNS}, (SELECT b.role FROM badge b WHERE b.registration = r.id "  # noqa: S608
        f"ORDER BY b.revoked_at IS NULL DESC, b.version DESC LIMIT 1) AS role "
        f"FROM registration r WHERE r.id IN ({marks})",
        *ids,
    )
    return {row["registration_id"]: people.person(row, row["role"]) for row in rows}


async def conflict_items(
    event_id: int, zone: str, clauses: list, limit: int, offset: int
) -> list[schemas.Conflict]:
    rows = await (
        CheckinConflict.select(
            *CheckinConflict.all_columns(), CheckinConflict.checkpoint.name.as_alias("checkpoint_name")
        )
        .where(CheckinConflict.event == event_id, *clauses)
        .order_by(CheckinConflict.id, ascending=False)
        .limit(limit)
        .offset(offset)
    )
    scan_ids = {row["first_scan"] for row in rows if row["first_scan"]} | {row["second_scan"] for row in rows}
    scans = {
        row["id"]: row
        for row in (
            await Scan.select(Scan.id, Scan.scanned_at, Scan.device_id, Scan.mode, Scan.scanned_by).where(
                Scan.id.is_in(sorted(scan_ids))
            )
            if scan_ids
            else []
        )
    }
    names = await user_names(
        {s["scanned_by"] for s in scans.values() if s["scanned_by"]}
        | {r["resolved_by"] for r in rows if r["resolved_by"]}
    )
    persons = await people_of({row["registration"] for row in rows if row["registration"]})

    def side(scan_id: int | None) -> schemas.ScanSide | None:
        scan = scans.get(scan_id) if scan_id else None
        if scan is None:
            return None
        return schemas.ScanSide(
            scan_id=scan["id"],
            scanned_at=to_local(scan["scanned_at"], zone),  # type: ignore[arg-type]
            device_id=scan["device_id"],
            mode=scan["mode"],
            scanned_by=names.get(scan["scanned_by"]),
        )

    out = []
    for row in rows:
        second = side(row["second_scan"])
        assert second is not None
        out.append(
            schemas.Conflict(
                id=row["id"],
                kind=row["kind"],
                checkpoint=schemas.CheckpointRef(id=row["checkpoint"], name=row["checkpoint_name"]),
                person=persons.get(row["registration"]),
                first=side(row["first_scan"]),
                second=second,
                detail=row["detail"],
                detected_at=to_local(row["detected_at"], zone),  # type: ignore[arg-type]
                resolved_at=to_local(row["resolved_at"], zone),
                resolved_by=names.get(row["resolved_by"]),
                resolution_note=row["resolution_note"],
            )
        )
    return out


def status_clauses(status: str) -> list:
    if status == "open":
        return [CheckinConflict.resolved_at.is_null()]
    if status == "resolved":
        return [CheckinConflict.resolved_at.is_not_null()]
    return []


async def list_conflicts(
    actor: Actor, event_id: int, *, status: str, limit: int, offset: int
) -> tuple[list[schemas.Conflict], int]:
    actor.require_organiser(event_id)
    event = await programme_services.get_event_row(event_id)
    clauses = status_clauses(status)
    items = await conflict_items(event_id, event["time_zone"], clauses, limit, offset)
    total = await CheckinConflict.count().where(CheckinConflict.event == event_id, *clauses)
    return items, total


async def resolve_conflict(actor: Actor, event_id: int, conflict_id: int, note: str) -> schemas.Conflict:
    actor.require_organiser(event_id)
    event = await programme_services.get_event_row(event_id)
    async with write_transaction():
        row = await locked(
            CheckinConflict.select().where(
                CheckinConflict.id == conflict_id, CheckinConflict.event == event_id
            )
        ).first()
        if row is None:
            raise NotFound(f"Event {event_id} has no check-in conflict {conflict_id}")
        if row["resolved_at"] is not None:
            raise Conflict("This conflict is already resolved")
        await CheckinConflict.update(
            {
                CheckinConflict.resolved_at: now(),
                CheckinConflict.resolved_by: actor.user_id,
                CheckinConflict.resolution_note: note,
            }
        ).where(CheckinConflict.id == conflict_id)
        await record(
            actor,
            "checkin.conflict_resolved",
            "checkin_conflict",
            conflict_id,
            event_id=event_id,
            data={"kind": row["kind"], "registration_id": row["registration"], "note": note},
        )
    (item,) = await conflict_items(event_id, event["time_zone"], [CheckinConflict.id == conflict_id], 1, 0)
    return item
