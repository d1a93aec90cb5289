"""The database layer: the engine, the one write path, and the only code that knows which database
it runs on.

The service runs on SQLite (one process; the default) or on PostgreSQL (production, any number of
workers). Everything that differs between the two lives in this package:

* :mod:`~events.db.engine`: builds the process's engine from ``DATABASE_URL`` (Piccolo finds it in
  :mod:`events.piccolo_conf`). On SQLite: WAL, a busy timeout, a small pool of autocommit
  connections for single queries, the in-process writer lock, and the thread that runs statement
  programs. On PostgreSQL: the connection pool that :func:`start` opens and :func:`stop` closes.
* :mod:`~events.db.transactions`: :func:`write_transaction`, which every state change runs in. On
  SQLite, writers of this process queue on the writer lock and then take the database's write lock
  up front (``BEGIN IMMEDIATE``): no deadlock on a lock upgrade, no spinning on ``SQLITE_BUSY``. On
  PostgreSQL it is a plain transaction, and services lock the rows they change with :func:`locked`
  (``FOR UPDATE``) or write conditionally. :func:`queue_for` keeps a crowd waiting on one hot row in
  Python rather than in the pool.
* :mod:`~events.db.statements`: plain SQL, written once with ``?`` placeholders; single statements
  (``fetch``, ``first``) and *statement programs* (``run``), generators that yield statements and
  receive rows, so one piece of code drives both databases.
* :mod:`~events.db.dialect`: the differences as values: :func:`dialect` answers with a
  :class:`Dialect` (``row_locks``, ``skip_locked``, ``array_parameters``, ``supports_many_workers``,
  ``label``), and :data:`INTEGRITY_ERRORS` names each driver's constraint violation.

Where SQL is written
--------------------
Services build queries with Piccolo, which writes the SQL for either database. Raw SQL is kept to
three places, each for a reason:

1. :mod:`events.db.statements`, where one statement replaces several ORM round trips on a hot path
   or says what the ORM cannot (``INSERT … ON CONFLICT DO NOTHING RETURNING``, ``UPDATE … WHERE
   inside = FALSE`` as a race-free condition, ``FOR UPDATE SKIP LOCKED``, a fingerprint of a whole
   table in one row): the check-in scan path (:mod:`events.checkin.scan_path`, ``config``,
   ``services``), the registration hot path (:mod:`events.registration.submission`, with its
   sub-programs in ``seats`` and ``access``), the outbox claim and outcomes
   (:mod:`events.notifications.sender`) and the calendar feeds' fingerprints
   (:mod:`events.calendars.services`).
2. Migrations (``piccolo_migrations/``), for schema Piccolo cannot declare.
3. This package (pragmas, ``BEGIN IMMEDIATE``).

The SQL is standard enough to mean the same on both databases. Where it cannot be, a module asks
the dialect for the clause (``dialect().skip_locked``) or the capability
(``dialect().array_parameters``: one statement per group of rows instead of one per row) and never
which database it is: no ``if sqlite`` outside this package.
"""

from events.db.dialect import INTEGRITY_ERRORS, UNSTORABLE_VALUE_ERRORS, Dialect, dialect_for
from events.db.engine import (
    TunedPostgresEngine,
    TunedSQLiteEngine,
    dialect,
    get_engine,
    is_sqlite,
    make_engine,
    start,
    statement_log,
    stop,
)
from events.db.transactions import locked, queue_for, serialise_on, write_transaction

__all__ = [
    "INTEGRITY_ERRORS",
    "UNSTORABLE_VALUE_ERRORS",
    "Dialect",
    "TunedPostgresEngine",
    "TunedSQLiteEngine",
    "dialect",
    "dialect_for",
    "get_engine",
    "is_sqlite",
    "locked",
    "make_engine",
    "queue_for",
    "serialise_on",
    "start",
    "statement_log",
    "stop",
    "write_transaction",
]
