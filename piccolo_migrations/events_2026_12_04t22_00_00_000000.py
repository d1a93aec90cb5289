"""Travel: a funding decision keeps its estimated cost in parts (ticket, DSA, hotel) beside the total,
so the funding page and the budget can show the hotel apart. NULL for decisions made before: the
service works their parts out when it reads them, until they are re-priced."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Numeric
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-04T22:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "funding decision cost parts"

#: The parts of ``travel_funding.estimated_cost``, each a nullable amount like it.
PARTS = ("ticket_cost", "dsa_cost", "hotel_cost")


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="events", description=DESCRIPTION)
    for name in PARTS:
        manager.add_column(
            table_class_name="FundingDecision",
            tablename="travel_funding",
            column_name=name,
            db_column_name=name,
            column_class_name="Numeric",
            column_class=Numeric,
            params={
                "default": None,
                "digits": (12, 2),
                "null": True,
                "primary_key": False,
                "unique": False,
                "index": False,
                "index_method": IndexMethod.btree,
                "choices": None,
                "db_column_name": None,
                "secret": False,
            },
            schema=None,
        )
    return manager
