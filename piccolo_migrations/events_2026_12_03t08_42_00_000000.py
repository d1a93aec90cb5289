"""Roles: ``travel_agent`` (a travel agency's account entering itineraries for one event).

Only the column's choices change; the database keeps a plain varchar, so no SQL runs.
"""

from enum import Enum

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Varchar

ID = "2026-12-03T08:42:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "travel agent role"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="events", description=DESCRIPTION)

    manager.alter_column(
        table_class_name="RoleGrant",
        tablename="role_grant",
        column_name="role",
        db_column_name="role",
        params={
            "choices": Enum(
                "Role",
                {
                    "organiser": "organiser",
                    "staff": "staff",
                    "participant": "participant",
                    "travel_agent": "travel_agent",
                },
            )
        },
        old_params={
            "choices": Enum(
                "Role", {"organiser": "organiser", "staff": "staff", "participant": "participant"}
            )
        },
        column_class=Varchar,
        old_column_class=Varchar,
        schema=None,
    )

    return manager
