from __future__ import annotations

from piccolo.columns import JSON, ForeignKey, Integer, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from events.auth.tables import User


class AuditEntry(Table, tablename="audit_entry"):
    """Append-only. ``actor_label`` keeps a readable name even when no account acted (CLI, system), or when
    the account was deleted since (the entry stays, ``actor`` becomes empty)."""

    at = Timestamptz(default=TimestamptzNow(), index=True)
    actor = ForeignKey(references=User, null=True, index=True, on_delete=OnDelete.set_null)
    actor_label = Varchar(length=120, null=False)
    action = Varchar(length=80, null=False, index=True)
    object_type = Varchar(length=40, null=False)
    object_id = Varchar(length=64, null=False)
    event_id = Integer(null=True, default=None, index=True)
    data = JSON(default="{}")
