"""The schema comes from the migrations alone (the session fixture migrates an empty database)."""

from __future__ import annotations

from piccolo.apps.migrations.auto.diffable_table import DiffableTable
from piccolo.apps.migrations.auto.schema_differ import SchemaDiffer
from piccolo.apps.migrations.auto.schema_snapshot import SchemaSnapshot
from piccolo.apps.migrations.commands.base import BaseMigrationManager
from piccolo.conf.apps import Finder

from events.piccolo_app import TABLES
from events.reference.tables import CountryGroupMembership


async def test_every_table_exists_and_reference_data_is_seeded():
    for table in TABLES:
        assert await table.table_exists(), table._meta.tablename
    assert await CountryGroupMembership.count() == 131


async def test_migrations_match_the_tables():
    """Fails when a table changed without a migration (run `piccolo migrations new events --auto`)."""
    app_config = Finder().get_app_config("events")
    managers = await BaseMigrationManager().get_migration_managers(app_config=app_config)
    snapshot = SchemaSnapshot(managers=managers).get_snapshot()
    current = [
        DiffableTable(class_name=t.__name__, tablename=t._meta.tablename, columns=t._meta.non_default_columns)
        for t in app_config.table_classes
    ]
    differ = SchemaDiffer(schema=current, schema_snapshot=snapshot)
    statements = [s for s in differ.get_alter_statements() if s.statements]
    assert not statements, [line for s in statements for line in s.statements]


async def _delete_rules_in_the_database() -> dict[tuple[str, str], str]:
    """(table, column) → the ON DELETE rule of every foreign key, as the database enforces it."""
    from tests.conftest import IS_POSTGRES

    if IS_POSTGRES:
        rows = await TABLES[0].raw(
            "SELECT usage.table_name, usage.column_name, rules.delete_rule "
            "FROM information_schema.referential_constraints AS rules "
            "JOIN information_schema.key_column_usage AS usage "
            "ON usage.constraint_name = rules.constraint_name "
            "AND usage.constraint_schema = rules.constraint_schema "
            "WHERE rules.constraint_schema = 'public'"
        )
        return {(row["table_name"], row["column_name"]): row["delete_rule"] for row in rows}
    rules = {}
    for table in TABLES:
        name = table._meta.tablename
        for row in await table.raw(f"PRAGMA foreign_key_list({name})"):
            rules[(name, row["from"])] = row["on_delete"]
    return rules


async def test_the_database_deletes_as_the_tables_say():
    """The migrated database enforces each foreign key's ``on_delete`` and has no other foreign key."""
    declared = {
        (table._meta.tablename, column._meta.db_column_name): column._foreign_key_meta.on_delete.value
        for table in TABLES
        for column in table._meta.foreign_key_columns
    }
    assert await _delete_rules_in_the_database() == declared
