"""Check-in constraints Piccolo's column options cannot express: one answer per device and nonce
(retries are idempotent even when they race), one presence row per checkpoint and registration (the
row that conditional updates lock), one conflict per second scan, and the indexes the live view and
the counts use. The same SQL runs on SQLite and PostgreSQL."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder

ID = "2026-11-27T09:35:30:000000"
VERSION = "1.38.0"
DESCRIPTION = "check-in constraints"

FORWARDS = [
    "CREATE UNIQUE INDEX checkin_scan_nonce ON checkin_scan (event, device_id, nonce)",
    "CREATE INDEX checkin_scan_event_result ON checkin_scan (event, result, id)",
    "CREATE INDEX checkin_scan_checkpoint_result ON checkin_scan (checkpoint, result)",
    "CREATE UNIQUE INDEX checkin_presence_once ON checkin_presence (checkpoint, registration)",
    "CREATE INDEX checkin_presence_inside ON checkin_presence (checkpoint, inside)",
    "CREATE UNIQUE INDEX checkin_conflict_once ON checkin_conflict (second_scan, kind)",
    "CREATE INDEX checkin_conflict_open ON checkin_conflict (event, resolved_at)",
]
BACKWARDS = [
    "DROP INDEX checkin_conflict_open",
    "DROP INDEX checkin_conflict_once",
    "DROP INDEX checkin_presence_inside",
    "DROP INDEX checkin_presence_once",
    "DROP INDEX checkin_scan_checkpoint_result",
    "DROP INDEX checkin_scan_event_result",
    "DROP INDEX checkin_scan_nonce",
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="events", description=DESCRIPTION)

    async def run():
        engine = engine_finder()
        for statement in FORWARDS:
            await engine.run_ddl(statement)

    async def run_backwards():
        engine = engine_finder()
        for statement in BACKWARDS:
            await engine.run_ddl(statement)

    manager.add_raw(run)
    manager.add_raw_backwards(run_backwards)
    return manager
