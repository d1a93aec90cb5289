"""outbox_message.withheld_enc: secrets (sign-in and invitation links) kept encrypted until delivery,
so the stored body carries a placeholder instead of a usable link (issue 13 item 2)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Text
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-02T16:10:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "outbox secrets withheld from the body"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="events", description=DESCRIPTION)
    manager.add_column(
        table_class_name="OutboxMessage",
        tablename="outbox_message",
        column_name="withheld_enc",
        db_column_name="withheld_enc",
        column_class_name="Text",
        column_class=Text,
        params={
            "default": None,
            "null": True,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": True,
        },
        schema=None,
    )
    return manager
