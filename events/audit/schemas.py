from __future__ import annotations

import datetime
from typing import Any

from msgspec import Struct

from events.api import from_row


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
    return from_row(AuditEntry, row, actor=row["actor_label"], data=data)
