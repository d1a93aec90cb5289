"""The emergency contact on a registration: name and relationship in plain text, phone and e-mail
encrypted (``*_enc``, see ``events.crypto``); all four erased with the passport data."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Text, Varchar
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-02T20:55:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "emergency contact"


def _params(**extra):
    return {
        "null": False,
        "primary_key": False,
        "unique": False,
        "index": False,
        "index_method": IndexMethod.btree,
        "choices": None,
        "db_column_name": None,
        "secret": False,
        **extra,
    }


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="events", description=DESCRIPTION)
    for name, length in (("emergency_contact_name", 100), ("emergency_contact_relationship", 50)):
        manager.add_column(
            table_class_name="Registration",
            tablename="registration",
            column_name=name,
            db_column_name=name,
            column_class_name="Varchar",
            column_class=Varchar,
            params=_params(default="", length=length),
            schema=None,
        )
    for name in ("emergency_contact_phone_enc", "emergency_contact_email_enc"):
        manager.add_column(
            table_class_name="Registration",
            tablename="registration",
            column_name=name,
            db_column_name=name,
            column_class_name="Text",
            column_class=Text,
            params=_params(default=None, null=True, secret=True),
            schema=None,
        )
    return manager
