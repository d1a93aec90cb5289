"""Database engine selection and the one way to open a write transaction.

SQLite and PostgreSQL differ in how writers must be serialised; every service uses
:func:`write_transaction` so that difference lives here and nowhere else.
"""

from __future__ import annotations

import asyncio
import contextlib
import weakref
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiosqlite
from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine, TransactionType, dict_factory
from piccolo.querystring import QueryString

from events.settings import Settings


class TunedSQLiteEngine(SQLiteEngine):
    """SQLite with WAL-friendly pragmas and a small pool of open connections for single queries.

    Piccolo's SQLite engine opens a connection (and an aiosqlite thread) for every query outside a
    transaction; reusing a few idle ones removes that cost from every read. Connections are in
    autocommit mode, so a pooled connection never holds a snapshot or a lock between queries.
    Transactions still get a connection of their own, which Piccolo closes at the end.
    """

    def __init__(self, *args: Any, pool_size: int = 4, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._pool_size = pool_size
        self._idle: list[aiosqlite.Connection] = []

    async def _connect(self) -> aiosqlite.Connection:
        connection = await aiosqlite.connect(**self.connection_kwargs)
        connection.row_factory = dict_factory  # type: ignore[assignment]
        await connection.execute("PRAGMA foreign_keys = 1")
        await connection.execute("PRAGMA busy_timeout = 30000")
        await connection.execute("PRAGMA synchronous = NORMAL")
        return connection

    async def get_connection(self) -> aiosqlite.Connection:
        return await self._connect()

    async def _run_in_new_connection(
        self, query: str, args: list[Any] | None = None, query_type: str = "generic", table: Any = None
    ):
        connection = self._idle.pop() if self._idle else await self._connect()
        reusable = False
        try:
            async with connection.execute(query, args or []) as cursor:
                rows = await cursor.fetchall()
            reusable = not connection.in_transaction
            return rows
        finally:
            if reusable and len(self._idle) < self._pool_size:
                self._idle.append(connection)
            else:
                await connection.close()

    async def _run_in_existing_connection(
        self,
        connection,
        query: str,
        args: list[Any] | None = None,
        query_type: str = "generic",
        table: Any = None,
    ):
        """As Piccolo's, without re-sending ``PRAGMA foreign_keys`` before every statement."""
        async with connection.execute(query, args or []) as cursor:
            return await cursor.fetchall()

    async def close_idle_connections(self) -> None:
        idle, self._idle = self._idle, []
        for connection in idle:
            await connection.close()


def make_engine(settings: Settings) -> Engine:
    if settings.is_sqlite:
        path = settings.sqlite_path
        path.parent.mkdir(parents=True, exist_ok=True)
        _enable_wal(path)
        return TunedSQLiteEngine(path=str(path), timeout=30)
    return PostgresEngine(config={"dsn": settings.database_url.replace("postgres://", "postgresql://", 1)})


def _enable_wal(path: Path) -> None:
    """WAL lets readers proceed while one writer commits; the mode is stored in the file."""
    import sqlite3

    with contextlib.closing(sqlite3.connect(path)) as connection:
        connection.execute("PRAGMA journal_mode = WAL")


def get_engine() -> Engine:
    from piccolo.engine.finder import engine_finder

    engine = engine_finder()
    if engine is None:
        raise RuntimeError("No Piccolo engine configured (PICCOLO_CONF)")
    return engine


def is_sqlite() -> bool:
    return isinstance(get_engine(), SQLiteEngine)


_sqlite_writer_lock: asyncio.Lock | None = None


def _writer_lock() -> asyncio.Lock:
    global _sqlite_writer_lock
    if _sqlite_writer_lock is None:
        _sqlite_writer_lock = asyncio.Lock()
    return _sqlite_writer_lock


@contextlib.asynccontextmanager
async def write_transaction() -> AsyncIterator[None]:
    """Open the transaction every state-changing service runs in.

    On SQLite, writers in this process queue on a lock and then take the database's write
    lock up front (``BEGIN IMMEDIATE``), so they never deadlock on a lock upgrade and never
    spin on ``SQLITE_BUSY``. On PostgreSQL the transaction is a plain one; services lock the
    rows they change (``FOR UPDATE``) or use conditional updates.
    A call inside an open transaction joins it.
    """
    engine = get_engine()
    if engine.current_transaction.get() is not None:
        yield
        return
    if isinstance(engine, SQLiteEngine):
        async with _writer_lock(), engine.transaction(transaction_type=TransactionType.immediate):
            yield
    else:
        async with engine.transaction():
            yield


_queues: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()


@contextlib.asynccontextmanager
async def queue_for(key: str) -> AsyncIterator[None]:
    """Queue, inside this process, the requests that would all wait on one hot row lock.

    Five hundred people registering for one event all lock its row; without this queue, twenty of
    them hold pool connections while they wait, and every other query of the process waits for a
    connection behind them. The row lock stays the guarantee across processes; this only keeps the
    wait in Python. Inside an open transaction it does nothing (taking it there could deadlock).
    """
    if get_engine().current_transaction.get() is not None:
        yield
        return
    lock = _queues.get(key)
    if lock is None:
        lock = _queues[key] = asyncio.Lock()
    async with lock:
        yield


async def start(engine: Engine | None = None) -> None:
    engine = engine or get_engine()
    if isinstance(engine, PostgresEngine) and engine.pool is None:
        await engine.start_connection_pool(min_size=2, max_size=20)


async def stop(engine: Engine | None = None) -> None:
    engine = engine or get_engine()
    if isinstance(engine, PostgresEngine) and engine.pool is not None:
        await engine.close_connection_pool()
        engine.pool = None
    if isinstance(engine, TunedSQLiteEngine):
        await engine.close_idle_connections()


def locked(query):
    """Add ``FOR UPDATE`` on PostgreSQL. On SQLite the write transaction is already exclusive
    (``BEGIN IMMEDIATE``), and SQLite has no row locks."""
    return query if is_sqlite() else query.lock_rows()


async def serialise_on(*keys: str) -> None:
    """Make concurrent write transactions about the same keys (a user name, a client address) wait
    for each other until they commit, so a count read inside them cannot be raced.

    On PostgreSQL this takes transaction-scoped advisory locks, in a fixed order so two
    transactions never wait on each other; SQLite's write transaction is exclusive already.
    Call it inside :func:`write_transaction`.
    """
    if is_sqlite():
        return
    engine = get_engine()
    for key in sorted(set(keys)):
        await engine.run_querystring(
            QueryString("SELECT pg_advisory_xact_lock(hashtextextended({}, 0))", key)
        )
