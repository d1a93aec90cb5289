"""One template per event, kind and language; one badge per registration and version;
one letter per registration, kind and version."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder

ID = "2026-11-27T08:37:30:000000"
VERSION = "1.38.0"
DESCRIPTION = "letter and badge constraints"

FORWARDS = [
    "CREATE UNIQUE INDEX letter_template_once ON letter_template (event, kind, language)",
    "CREATE UNIQUE INDEX badge_version_once ON badge (registration, version)",
    "CREATE UNIQUE INDEX letter_version_once ON letter (registration, kind, version)",
]
BACKWARDS = [
    "DROP INDEX letter_version_once",
    "DROP INDEX badge_version_once",
    "DROP INDEX letter_template_once",
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="events", description=DESCRIPTION)

    async def run():
        for statement in FORWARDS:
            await engine_finder().run_ddl(statement)

    async def run_backwards():
        for statement in BACKWARDS:
            await engine_finder().run_ddl(statement)

    manager.add_raw(run)
    manager.add_raw_backwards(run_backwards)
    return manager
