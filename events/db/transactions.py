"""The one way to open a write transaction, and the locks writers take inside it."""

from __future__ import annotations

import asyncio
import contextlib
import weakref
from collections.abc import AsyncIterator

from piccolo.engine.sqlite import SQLiteEngine, TransactionType
from piccolo.querystring import QueryString

from events.db.engine import dialect, get_engine


@contextlib.asynccontextmanager
async def write_transaction() -> AsyncIterator[None]:
    """Open the transaction every state-changing service runs in.

    On SQLite, writers in this process queue on a lock and then take the database's write
    lock up front (``BEGIN IMMEDIATE``), so they never deadlock on a lock upgrade and never
    spin on ``SQLITE_BUSY``. On PostgreSQL the transaction is a plain one; services lock the
    rows they change (:func:`locked`) or use conditional updates.
    A call inside an open transaction joins it.
    """
    engine = get_engine()
    if engine.current_transaction.get() is not None:
        yield
        return
    if isinstance(engine, SQLiteEngine):
        async with (
            engine.writer_lock,
            engine.process_lock.held_async(),
            engine.transaction(transaction_type=TransactionType.immediate),
        ):
            yield
    else:
        async with engine.transaction():
            yield


def locked(query):
    """Add ``FOR UPDATE`` where rows can be locked (PostgreSQL). On SQLite the write transaction is
    already exclusive (``BEGIN IMMEDIATE``), and SQLite has no row locks."""
    return query.lock_rows() if dialect().row_locks else query


async def serialise_on(*keys: str) -> None:
    """Make concurrent write transactions about the same keys (a user name, a client address) wait
    for each other until they commit, so a count read inside them cannot be raced.

    Where rows can be locked (PostgreSQL) this takes transaction-scoped advisory locks, in a fixed
    order so two transactions never wait on each other; SQLite's write transaction is exclusive
    already. Call it inside :func:`write_transaction`.
    """
    statement = dialect().key_lock
    if statement is None:
        return
    engine = get_engine()
    for key in sorted(set(keys)):
        await engine.run_querystring(QueryString(statement.replace("?", "{}"), key))


_queues: weakref.WeakValueDictionary[str, asyncio.Semaphore] = weakref.WeakValueDictionary()

#: Transactions of this process let through :func:`queue_for` at once: the next few already hold a
#: connection and wait on the row lock in the database, so when one commits the database hands the
#: lock straight to the next (no ``BEGIN`` round trip while the row is free), and the pool (20
#: connections) keeps most of its connections for everything else.
QUEUE_WIDTH = 3


@contextlib.asynccontextmanager
async def queue_for(key: str) -> AsyncIterator[None]:
    """Queue, inside this process, the requests that would all wait on one hot row lock.

    Five hundred people registering for one event all lock its row; without this queue, twenty of
    them hold pool connections while they wait, and every other query of the process waits for a
    connection behind them. :data:`QUEUE_WIDTH` of them at a time go on to the database. The row
    lock stays the guarantee across processes; this only keeps most of the wait in Python. Inside
    an open transaction it does nothing (taking it there could deadlock).
    """
    if get_engine().current_transaction.get() is not None:
        yield
        return
    queue = _queues.get(key)
    if queue is None:
        queue = _queues[key] = asyncio.Semaphore(QUEUE_WIDTH)
    async with queue:
        yield
