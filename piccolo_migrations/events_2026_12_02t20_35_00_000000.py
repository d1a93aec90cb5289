"""What participants were told about their study visits (``visit_notice``): one row per visit
e-mail with its details, so the participant's page can say what an organiser's change changed."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.base import OnDelete, OnUpdate
from piccolo.columns.column_types import JSON, ForeignKey, Serial, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.indexes import IndexMethod
from piccolo.table import Table

ID = "2026-12-02T20:35:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "visit notices"


class Registration(Table, tablename="registration", schema=None):
    id = Serial(
        null=False,
        primary_key=True,
        unique=False,
        index=False,
        index_method=IndexMethod.btree,
        choices=None,
        db_column_name="id",
        secret=False,
    )


def _params(**more):
    return {
        "null": False,
        "primary_key": False,
        "unique": False,
        "index": False,
        "index_method": IndexMethod.btree,
        "choices": None,
        "db_column_name": None,
        "secret": False,
        **more,
    }


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="events", description=DESCRIPTION)
    manager.add_table(class_name="VisitNotice", tablename="visit_notice", schema=None, columns=None)
    columns = (
        (
            "registration",
            "ForeignKey",
            ForeignKey,
            _params(
                references=Registration,
                on_delete=OnDelete.cascade,
                on_update=OnUpdate.cascade,
                target_column=None,
                index=True,
            ),
        ),
        ("kind", "Varchar", Varchar, _params(length=40, default="")),
        ("details", "JSON", JSON, _params(default="{}")),
        ("created_at", "Timestamptz", Timestamptz, _params(default=TimestamptzNow())),
    )
    for name, class_name, column_class, params in columns:
        manager.add_column(
            table_class_name="VisitNotice",
            tablename="visit_notice",
            column_name=name,
            db_column_name=name,
            column_class_name=class_name,
            column_class=column_class,
            params=params,
            schema=None,
        )
    return manager
