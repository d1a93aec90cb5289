"""Indexes the tables cannot declare, as plain SQL that runs on SQLite and PostgreSQL alike.

Piccolo declares one-column indexes only, and its ``Unique`` constraint is created with
``ALTER TABLE … ADD CONSTRAINT``, which SQLite does not have; so the composite unique rules live here
as unique indexes:

- one active registration per e-mail and event (a partial unique index), one seat per person and session;
- one letter template per event, kind and language; one badge per registration and version; one letter per
  registration, kind and version;
- check-in: one answer per device and nonce (retries stay idempotent when they race), one presence row per
  checkpoint and registration (the row conditional updates lock), one conflict per second scan;

and the composite indexes that capacity counts, the live check-in view and its counts use.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder

ID = "2026-12-02T14:53:25:000000"
VERSION = "1.38.0"
DESCRIPTION = "indexes the tables cannot declare"

FORWARDS = [
    "CREATE UNIQUE INDEX registration_one_active_per_email ON registration (event, email) "
    "WHERE status IN ('submitted', 'approved', 'waitlisted')",
    "CREATE UNIQUE INDEX session_signup_once ON session_signup (registration, session)",
    "CREATE INDEX registration_event_status ON registration (event, status, status_changed_at)",
    "CREATE UNIQUE INDEX letter_template_once ON letter_template (event, kind, language)",
    "CREATE UNIQUE INDEX badge_version_once ON badge (registration, version)",
    "CREATE UNIQUE INDEX letter_version_once ON letter (registration, kind, version)",
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
    "DROP INDEX letter_version_once",
    "DROP INDEX badge_version_once",
    "DROP INDEX letter_template_once",
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
