"""Visit slot feeds (``visit_slot_feed_token``): the secret of each slot's calendar feed for its
escorts, stored as a SHA-256 for look-up and encrypted for organisers to see again."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.base import OnDelete, OnUpdate
from piccolo.columns.column_types import ForeignKey, Serial, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.indexes import IndexMethod
from piccolo.table import Table

ID = "2026-12-02T20:45:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "visit slot feed tokens"


class VisitSlot(Table, tablename="visit_slot", schema=None):
    id = Serial(
        null=False,
        primary_key=True,
        unique=False,
        index=False,
        index_method=IndexMethod.btree,
        choices=None,
        db_column_name="id",
        secret=False,
    )


def _params(**changes) -> dict:
    return {
        "null": False,
        "primary_key": False,
        "unique": False,
        "index": False,
        "index_method": IndexMethod.btree,
        "choices": None,
        "db_column_name": None,
        "secret": False,
        **changes,
    }


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="events", description=DESCRIPTION)
    table = {"table_class_name": "SlotFeedToken", "tablename": "visit_slot_feed_token", "schema": None}
    manager.add_table(
        class_name="SlotFeedToken", tablename="visit_slot_feed_token", schema=None, columns=None
    )
    manager.add_column(
        **table,
        column_name="slot",
        db_column_name="slot",
        column_class_name="ForeignKey",
        column_class=ForeignKey,
        params=_params(
            references=VisitSlot,
            on_delete=OnDelete.cascade,
            on_update=OnUpdate.cascade,
            target_column=None,
            index=True,
        ),
    )
    manager.add_column(
        **table,
        column_name="token_hash",
        db_column_name="token_hash",
        column_class_name="Varchar",
        column_class=Varchar,
        params=_params(length=64, default="", unique=True, secret=True),
    )
    manager.add_column(
        **table,
        column_name="token_encrypted",
        db_column_name="token_encrypted",
        column_class_name="Text",
        column_class=Text,
        params=_params(default="", secret=True),
    )
    manager.add_column(
        **table,
        column_name="created_at",
        db_column_name="created_at",
        column_class_name="Timestamptz",
        column_class=Timestamptz,
        params=_params(default=TimestamptzNow()),
    )
    manager.add_column(
        **table,
        column_name="revoked_at",
        db_column_name="revoked_at",
        column_class_name="Timestamptz",
        column_class=Timestamptz,
        params=_params(default=None, null=True),
    )
    return manager
