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
