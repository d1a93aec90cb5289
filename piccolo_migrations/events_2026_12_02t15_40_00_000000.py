"""Letters gain the status ``expired``: a visa-support letter whose PDF the retention purge erased.

Only the column's choices change (they are not enforced in the database): no SQL runs.
"""

from enum import Enum

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Varchar

ID = "2026-12-02T15:40:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "letter status expired"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="events", description=DESCRIPTION)
    manager.alter_column(
        table_class_name="Letter",
        tablename="letter",
        column_name="status",
        db_column_name="status",
        params={
            "choices": Enum(
                "LetterStatus",
                {"valid": "valid", "revoked": "revoked", "superseded": "superseded", "expired": "expired"},
            )
        },
        old_params={
            "choices": Enum(
                "LetterStatus", {"valid": "valid", "revoked": "revoked", "superseded": "superseded"}
            )
        },
        column_class=Varchar,
        old_column_class=Varchar,
        schema=None,
    )
    return manager
