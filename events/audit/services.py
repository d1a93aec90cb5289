from __future__ import annotations

from typing import Any

from events import clock
from events.audit.tables import AuditEntry
from events.auth.principal import Actor


async def record(
    actor: Actor,
    action: str,
    object_type: str,
    object_id: int | str,
    *,
    event_id: int | None = None,
    data: dict[str, Any] | None = None,
) -> None:
    """Write one audit entry; call it inside the service's transaction so both commit or neither."""
    await record_all(actor, [action], object_type, object_id, event_id=event_id, data=data)


async def record_all(
    actor: Actor,
    actions: list[str],
    object_type: str,
    object_id: int | str,
    *,
    event_id: int | None = None,
    data: dict[str, Any] | None = None,
) -> None:
    """Several actions on one object at the same moment (e.g. submitted and approved), one statement."""
    rows = entries(actor, actions, object_type, object_id, event_id=event_id, data=data)
    await AuditEntry.insert(*(AuditEntry(**row) for row in rows))


def entries(
    actor: Actor,
    actions: list[str],
    object_type: str,
    object_id: int | str,
    *,
    event_id: int | None = None,
    data: dict[str, Any] | None = None,
) -> list[dict[str, Any]]:
    """The audit rows :func:`record_all` writes, as column values (for a statement program that
    inserts them itself, :func:`events.db.statements.insert`)."""
    moment = clock.now()
    return [
        {
            "at": moment,
            "actor": actor.user_id,
            "actor_label": f"{actor.label} ({actor.via})",
            "action": action,
            "object_type": object_type,
            "object_id": str(object_id),
            "event_id": event_id,
            "data": data or {},
        }
        for action in actions
    ]


async def list_entries(
    *,
    event_ids: set[int] | None,
    object_type: str | None = None,
    object_id: str | None = None,
    actor_id: int | None = None,
    action: str | None = None,
    event_id: int | None = None,
    limit: int,
    offset: int,
) -> tuple[list[dict[str, Any]], int]:
    """Entries newest first. ``event_ids`` limits to the events the reader organises (``None``: all)."""
    clauses = []
    if event_ids is not None:
        clauses.append(AuditEntry.event_id.is_in(list(event_ids)) if event_ids else AuditEntry.id == -1)
    if object_type:
        clauses.append(AuditEntry.object_type == object_type)
    if object_id:
        clauses.append(AuditEntry.object_id == object_id)
    if actor_id is not None:
        clauses.append(AuditEntry.actor == actor_id)
    if action:
        clauses.append(
            AuditEntry.action.like(f"{action}%") if action.endswith(".") else AuditEntry.action == action
        )
    if event_id is not None:
        clauses.append(AuditEntry.event_id == event_id)
    query = AuditEntry.select().order_by(AuditEntry.id, ascending=False).limit(limit).offset(offset)
    count = AuditEntry.count()
    if clauses:
        query = query.where(*clauses)
        count = count.where(*clauses)
    return await query, await count
