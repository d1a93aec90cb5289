"""The audit log is append-only, and the database says so: a trigger refuses every UPDATE and DELETE of
``audit_entry``, whoever sends it (the application, Piccolo Admin, a console).

One change stays possible: deleting an account sets the ``actor`` of its entries to NULL (the foreign
key's ``ON DELETE SET NULL``); the entry and its ``actor_label`` stay. ``TRUNCATE`` (PostgreSQL) fires no
row trigger: it needs the table owner's rights and is not something the application runs.

Triggers are written differently on the two databases, so each gets its own statements. On PostgreSQL
the comparison covers every column (the row as JSON minus ``actor``); the SQLite trigger names the
columns, so a column added to the table later must be added here too.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder

ID = "2026-12-02T15:40:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "the audit log is append-only"

REFUSAL = "audit_entry is append-only"

_SQLITE_UNCHANGED_BUT_ACTOR = " AND ".join(
    f"NEW.{column} IS OLD.{column}"
    for column in ("id", "at", "actor_label", "action", "object_type", "object_id", "event_id", "data")
)

#: Also used by the tests' cleanup, which empties SQLite tables with DELETE (PostgreSQL's TRUNCATE
#: needs no exception).
SQLITE_TRIGGERS = {
    "audit_entry_no_update": (
        "CREATE TRIGGER audit_entry_no_update BEFORE UPDATE ON audit_entry "
        f"WHEN NOT (NEW.actor IS NULL AND OLD.actor IS NOT NULL AND {_SQLITE_UNCHANGED_BUT_ACTOR}) "
        f"BEGIN SELECT RAISE(ABORT, '{REFUSAL}'); END"
    ),
    "audit_entry_no_delete": (
        f"CREATE TRIGGER audit_entry_no_delete BEFORE DELETE ON audit_entry "
        f"BEGIN SELECT RAISE(ABORT, '{REFUSAL}'); END"
    ),
}

POSTGRES_FORWARDS = [
    f"""CREATE FUNCTION audit_entry_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.actor IS NULL AND OLD.actor IS NOT NULL
       AND to_jsonb(NEW) - 'actor' = to_jsonb(OLD) - 'actor' THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION '{REFUSAL}' USING ERRCODE = 'restrict_violation';
END
$$""",
    "CREATE TRIGGER audit_entry_append_only BEFORE UPDATE OR DELETE ON audit_entry "
    "FOR EACH ROW EXECUTE FUNCTION audit_entry_append_only()",
]
POSTGRES_BACKWARDS = [
    "DROP TRIGGER audit_entry_append_only ON audit_entry",
    "DROP FUNCTION audit_entry_append_only()",
]


def _statements(engine, forwards: bool) -> list[str]:
    if engine.engine_type == "sqlite":
        if forwards:
            return list(SQLITE_TRIGGERS.values())
        return [f"DROP TRIGGER {name}" for name in SQLITE_TRIGGERS]
    return POSTGRES_FORWARDS if forwards else POSTGRES_BACKWARDS


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="events", description=DESCRIPTION)

    async def run():
        engine = engine_finder()
        for statement in _statements(engine, forwards=True):
            await engine.run_ddl(statement)

    async def run_backwards():
        engine = engine_finder()
        for statement in _statements(engine, forwards=False):
            await engine.run_ddl(statement)

    manager.add_raw(run)
    manager.add_raw_backwards(run_backwards)
    return manager
