"""The event row's seat counters (``approved_seats``, ``waitlisted_seats``) filled and kept by the database.

Why: a submission decides approved or waitlisted while it holds the event row's lock (issue 17).
Counting the event's registrations there costs more the fuller the event gets (an index scan of
every approved row, about 1.5 ms at 3,000) and stretched the time the lock is held; a counter on the
locked row is read in the same statement that takes the lock.

Triggers keep the counters, so every way a registration is written (the submission, moderation,
cancellation, the waiting list, imports, deletion, a console) moves them in the same transaction,
and no service has to remember to. On PostgreSQL the trigger's ``UPDATE event`` also takes the
event row's lock, so two transactions that change the seats of one event are serialised even when
one of them did not lock the row first. ``TRUNCATE`` (PostgreSQL) fires no row trigger: the tests
empty ``event`` with it too.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder

ID = "2026-12-04T16:01:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "event seat counters kept by triggers"

#: Each counter moves by one when a registration enters or leaves its status.
_SQLITE_MOVE = (
    "UPDATE event SET approved_seats = approved_seats {sign} ({row}.status = 'approved'), "
    "waitlisted_seats = waitlisted_seats {sign} ({row}.status = 'waitlisted') WHERE id = {row}.event;"
)
SQLITE_FORWARDS = [
    "CREATE TRIGGER registration_seats_insert AFTER INSERT ON registration "
    "WHEN NEW.status IN ('approved', 'waitlisted') "
    f"BEGIN {_SQLITE_MOVE.format(sign='+', row='NEW')} END",
    "CREATE TRIGGER registration_seats_update AFTER UPDATE OF status, event ON registration "
    "WHEN OLD.status IS NOT NEW.status OR OLD.event IS NOT NEW.event "
    f"BEGIN {_SQLITE_MOVE.format(sign='-', row='OLD')} {_SQLITE_MOVE.format(sign='+', row='NEW')} END",
    "CREATE TRIGGER registration_seats_delete AFTER DELETE ON registration "
    "WHEN OLD.status IN ('approved', 'waitlisted') "
    f"BEGIN {_SQLITE_MOVE.format(sign='-', row='OLD')} END",
]
SQLITE_BACKWARDS = [
    "DROP TRIGGER registration_seats_insert",
    "DROP TRIGGER registration_seats_update",
    "DROP TRIGGER registration_seats_delete",
]

POSTGRES_FORWARDS = [
    """CREATE FUNCTION registration_seats() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.status = NEW.status AND OLD.event = NEW.event THEN
        RETURN NULL;
    END IF;
    IF TG_OP <> 'INSERT' AND OLD.status IN ('approved', 'waitlisted') THEN
        UPDATE event SET approved_seats = approved_seats - (OLD.status = 'approved')::int,
            waitlisted_seats = waitlisted_seats - (OLD.status = 'waitlisted')::int
        WHERE id = OLD.event;
    END IF;
    IF TG_OP <> 'DELETE' AND NEW.status IN ('approved', 'waitlisted') THEN
        UPDATE event SET approved_seats = approved_seats + (NEW.status = 'approved')::int,
            waitlisted_seats = waitlisted_seats + (NEW.status = 'waitlisted')::int
        WHERE id = NEW.event;
    END IF;
    RETURN NULL;
END
$$""",
    "CREATE TRIGGER registration_seats AFTER INSERT OR DELETE OR UPDATE OF status, event ON registration "
    "FOR EACH ROW EXECUTE FUNCTION registration_seats()",
]
POSTGRES_BACKWARDS = ["DROP TRIGGER registration_seats ON registration", "DROP FUNCTION registration_seats()"]

BACKFILL = (
    "UPDATE event SET "
    "approved_seats = (SELECT count(*) FROM registration WHERE registration.event = event.id "
    "AND registration.status = 'approved'), "
    "waitlisted_seats = (SELECT count(*) FROM registration WHERE registration.event = event.id "
    "AND registration.status = 'waitlisted')"
)


def _statements(engine, forwards: bool) -> list[str]:
    if engine.engine_type == "sqlite":
        return [BACKFILL, *SQLITE_FORWARDS] if forwards else SQLITE_BACKWARDS
    return [BACKFILL, *POSTGRES_FORWARDS] if forwards else POSTGRES_BACKWARDS


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
