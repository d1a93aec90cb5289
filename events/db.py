"""Database engine selection and the one way to open a write transaction.

SQLite and PostgreSQL differ in how writers must be serialised; every service uses
:func:`write_transaction` so that difference lives here and nowhere else.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine, TransactionType

from events.settings import Settings


class TunedSQLiteEngine(SQLiteEngine):
    """SQLite with WAL, a busy timeout and relaxed fsync, set on every new connection.

    Piccolo opens one connection per query, so per-connection pragmas go here.
    """

    async def get_connection(self):
        connection = await super().get_connection()
        await connection.execute("PRAGMA busy_timeout = 30000")
        await connection.execute("PRAGMA synchronous = NORMAL")
        return connection


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


async def start(engine: Engine | None = None) -> None:
    engine = engine or get_engine()
    if isinstance(engine, PostgresEngine) and engine.pool is None:
        await engine.start_connection_pool(min_size=2, max_size=20)


async def stop(engine: Engine | None = None) -> None:
    engine = engine or get_engine()
    if isinstance(engine, PostgresEngine) and engine.pool is not None:
        await engine.close_connection_pool()
        engine.pool = None


def locked(query):
    """Add ``FOR UPDATE`` on PostgreSQL. On SQLite the write transaction is already exclusive
    (``BEGIN IMMEDIATE``), and SQLite has no row locks."""
    return query if is_sqlite() else query.lock_rows()
