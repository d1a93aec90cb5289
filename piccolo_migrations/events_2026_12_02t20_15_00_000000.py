"""The personal calendar feed's token, kept encrypted (``calendar_feed_token.token_enc``), so the
participant's page can show their feed link again whenever they come back; the feed itself still
answers by the token's hash. Tokens made before this migration have none (only replacing them shows
a link)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Text
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-02T20:15:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "encrypted personal calendar feed token"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="events", description=DESCRIPTION)
    manager.add_column(
        table_class_name="FeedToken",
        tablename="calendar_feed_token",
        column_name="token_enc",
        db_column_name="token_enc",
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
