"""Seat counters on the event row: ``approved_seats`` and ``waitlisted_seats`` (kept by the triggers of
the next migration, which also fills them)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Integer
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-04T16:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "event seat counters"


def _counter(name: str) -> dict:
    return {
        "table_class_name": "Event",
        "tablename": "event",
        "column_name": name,
        "db_column_name": name,
        "column_class_name": "Integer",
        "column_class": Integer,
        "params": {
            "default": 0,
            "null": False,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        "schema": None,
    }


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="events", description=DESCRIPTION)
    manager.add_column(**_counter("approved_seats"))
    manager.add_column(**_counter("waitlisted_seats"))
    return manager
