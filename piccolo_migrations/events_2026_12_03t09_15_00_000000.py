"""Check-in: a transfer bus (an airport pick-up or drop-off run) is a checkpoint that admits its riders."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from enum import Enum
from piccolo.columns.column_types import Varchar
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-03T09:15:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "transfer bus checkpoints"


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="events", description=DESCRIPTION
    )

    manager.add_column(
        table_class_name="Checkpoint",
        tablename="checkin_checkpoint",
        column_name="transfer_run",
        db_column_name="transfer_run",
        column_class_name="Varchar",
        column_class=Varchar,
        params={
            "length": 16,
            "default": "",
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

    manager.alter_column(
        table_class_name="Checkpoint",
        tablename="checkin_checkpoint",
        column_name="kind",
        db_column_name="kind",
        params={
            "choices": Enum(
                "CheckpointKind",
                {
                    "venue_entrance": "venue_entrance",
                    "session_room": "session_room",
                    "visit_bus": "visit_bus",
                    "transfer_bus": "transfer_bus",
                    "help_desk": "help_desk",
                },
            )
        },
        old_params={
            "choices": Enum(
                "CheckpointKind",
                {
                    "venue_entrance": "venue_entrance",
                    "session_room": "session_room",
                    "visit_bus": "visit_bus",
                    "help_desk": "help_desk",
                },
            )
        },
        column_class=Varchar,
        old_column_class=Varchar,
        schema=None,
    )

    manager.alter_column(
        table_class_name="Checkpoint",
        tablename="checkin_checkpoint",
        column_name="admits",
        db_column_name="admits",
        params={
            "choices": Enum(
                "Admits",
                {
                    "event": "event",
                    "session": "session",
                    "visit": "visit",
                    "transfer": "transfer",
                },
            )
        },
        old_params={
            "choices": Enum(
                "Admits",
                {"event": "event", "session": "session", "visit": "visit"},
            )
        },
        column_class=Varchar,
        old_column_class=Varchar,
        schema=None,
    )

    return manager
