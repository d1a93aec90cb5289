"""Travel: the composite unique rules and indexes its tables cannot declare (see the first index migration).

- one fare estimate per event and country; one DSA rate per city and start date;
- one block per room type and night; one seat per participant and transfer run;
- an itinerary read in flight order.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder

ID = "2026-12-03T08:20:30:000000"
VERSION = "1.38.0"
DESCRIPTION = "travel indexes"

FORWARDS = [
    "CREATE UNIQUE INDEX travel_fare_once ON travel_fare_estimate (event, country)",
    "CREATE UNIQUE INDEX travel_dsa_rate_once ON travel_dsa_rate (country, city, valid_from)",
    "CREATE UNIQUE INDEX travel_room_block_once ON travel_room_block (room_type, night)",
    "CREATE UNIQUE INDEX travel_transfer_rider_once ON travel_transfer_rider (run, registration)",
    "CREATE INDEX travel_segment_order ON travel_flight_segment (registration, departs_at)",
]
BACKWARDS = [
    "DROP INDEX travel_segment_order",
    "DROP INDEX travel_transfer_rider_once",
    "DROP INDEX travel_room_block_once",
    "DROP INDEX travel_dsa_rate_once",
    "DROP INDEX travel_fare_once",
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
