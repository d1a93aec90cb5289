"""Constraints Piccolo's column options cannot express: one active registration per e-mail and
event (a partial unique index), one seat per person and session, and the (event, status) index
that capacity counts use. The same SQL runs on SQLite and PostgreSQL."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder

ID = "2026-11-27T08:28:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "registration constraints"

FORWARDS = [
    "CREATE UNIQUE INDEX registration_one_active_per_email ON registration (event, email) "
    "WHERE status IN ('submitted', 'approved', 'waitlisted')",
    "CREATE UNIQUE INDEX session_signup_once ON session_signup (registration, session)",
    "CREATE INDEX registration_event_status ON registration (event, status, status_changed_at)",
]
BACKWARDS = [
    "DROP INDEX registration_event_status",
    "DROP INDEX session_signup_once",
    "DROP INDEX registration_one_active_per_email",
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
