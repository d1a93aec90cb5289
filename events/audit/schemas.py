from __future__ import annotations

import datetime
from typing import Any

from msgspec import Struct


class AuditEntry(Struct):
    id: int
    at: datetime.datetime
    actor_id: int | None
    actor: str
    action: str
    object_type: str
    object_id: str
    event_id: int | None
    data: Any


def entry_from_row(row: dict) -> AuditEntry:
    data = row["data"]
    if isinstance(data, str):
        import json

        data = json.loads(data or "{}")
    return AuditEntry(
        id=row["id"],
        at=row["at"],
        actor_id=row["actor"],
        actor=row["actor_label"],
        action=row["action"],
        object_type=row["object_type"],
        object_id=row["object_id"],
        event_id=row["event_id"],
        data=data,
    )
