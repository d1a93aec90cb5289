"""An index that answers the calendar feeds' session fingerprint by itself.

The event and personal feeds' ETags fingerprint an event's sessions (count, sum of ids and of
SEQUENCE, latest ``updated_at``: ``events/calendars/services.py``). With the index on ``event``
alone, every feed request read each session row (1,000 for a large event); with the columns in the
index, SQLite reads the index only and PostgreSQL can use an index-only scan. The same statement
works on both databases.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder

ID = "2026-12-02T16:20:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "covering index for the calendar feeds' session fingerprint"

INDEX = "event_session_feed_fingerprint"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="events", description=DESCRIPTION)

    async def run():
        await engine_finder().run_ddl(
            f'CREATE INDEX IF NOT EXISTS {INDEX} ON "event_session" ("event", "id", "sequence", "updated_at")'
        )

    async def run_backwards():
        await engine_finder().run_ddl(f"DROP INDEX IF EXISTS {INDEX}")

    manager.add_raw(run)
    manager.add_raw_backwards(run_backwards)
    return manager
