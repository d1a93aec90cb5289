"""The access version (``access_version``): one counter row that every change taking access away
moves in its own transaction, so caches in every process drop what it affects at once (see
``events.auth.revocation``). The row is created by the first change."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import BigInt
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-02T16:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "access version"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="events", description=DESCRIPTION)
    manager.add_table(class_name="AccessVersion", tablename="access_version", schema=None, columns=None)
    manager.add_column(
        table_class_name="AccessVersion",
        tablename="access_version",
        column_name="version",
        db_column_name="version",
        column_class_name="BigInt",
        column_class=BigInt,
        params={
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
        schema=None,
    )
    return manager
