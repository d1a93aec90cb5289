"""The engine: which database, how connections are opened, pooled and closed.

:func:`make_engine` builds the one engine of the process from ``DATABASE_URL`` (Piccolo finds it
in :mod:`events.piccolo_conf`); :func:`start` and :func:`stop` open and close its pools.

On SQLite, ``events`` commands may run beside the server on the same file: SQLite's POSIX locks keep
them apart. Those locks belong to the process, and closing any descriptor of the database file drops
all of them, so nothing in a process that has connections open may open the file (or its ``-wal``)
other than through SQLite; copy it with ``sqlite3 … .backup`` or from another process.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import contextvars
import errno
import fcntl
import os
import sqlite3
import sys
import threading
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import aiosqlite
from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine, dict_factory
from piccolo.querystring import QueryString

from events.db.dialect import POSTGRESQL, SQLITE, Dialect
from events.settings import Settings

if TYPE_CHECKING:
    from events.db.statements import Program

T = TypeVar("T")

#: Set on every connection: enforce foreign keys, wait up to 30 s for the write lock (another process
#: holds it), and sync to disk at checkpoints only (safe with WAL: a crash loses no committed data).
_SQLITE_PRAGMAS = ("PRAGMA foreign_keys = 1", "PRAGMA busy_timeout = 30000", "PRAGMA synchronous = NORMAL")

#: The statements run in this context while :func:`statement_log` is open (``None``: not logging).
_statement_log: contextvars.ContextVar[list[str] | None] = contextvars.ContextVar(
    "statement_log", default=None
)


@contextlib.contextmanager
def statement_log() -> Iterator[list[str]]:
    """Collect the SQL of every statement this task runs (Piccolo's queries and plain statements,
    statement programs included; ``BEGIN``/``COMMIT`` not), so a test can hold a hot path to its
    statement budget on either database."""
    seen: list[str] = []
    token = _statement_log.set(seen)
    try:
        yield seen
    finally:
        _statement_log.reset(token)


def note_statement(sql: str) -> None:
    log = _statement_log.get()
    if log is not None:
        log.append(sql)


class TunedPostgresEngine(PostgresEngine):
    """Piccolo's PostgreSQL engine, with its queries noted in :func:`statement_log`."""

    async def run_querystring(self, querystring: QueryString, in_pool: bool = True):
        if _statement_log.get() is not None:  # rendering the SQL costs; only when asked
            note_statement(str(querystring))
        return await super().run_querystring(querystring, in_pool)


class TunedSQLiteEngine(SQLiteEngine):
    """SQLite with WAL-friendly pragmas, reader threads with a connection each for single
    queries, the in-process writer lock, and a thread that runs statement programs.

    Piccolo's SQLite engine opens a connection (and an aiosqlite thread) for every query outside a
    transaction, and aiosqlite takes three hops to its thread for one query (execute, fetch, close
    the cursor). Queries outside a transaction go instead to :class:`_ReaderThreads`: a few threads
    that keep a connection each, one hop per query; more queries than threads wait in the
    executor's queue rather than open and close connections (which cost the tail latency of
    concurrent reads, and in a burst — five hundred people registering in the same second — more
    CPU than the queries themselves). Connections are in autocommit mode, so they never hold a snapshot or a
    lock between queries. Transactions still get an aiosqlite connection of their own, which
    Piccolo closes at the end.
    """

    def __init__(self, *args: Any, pool_size: int = 4, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        #: Writers of this process queue here before they take the database's write lock, so they
        #: wait in Python instead of spinning on ``SQLITE_BUSY`` (see ``write_transaction()``).
        self.writer_lock = asyncio.Lock()
        #: ... and then across processes (several uvicorn workers, the job worker) on this one.
        self.process_lock = ProcessWriterLock(self.path)
        self._programs = _ProgramThread(self.connection_kwargs, self.process_lock)
        self._readers = _ReaderThreads(self.connection_kwargs, pool_size)

    async def _connect(self) -> aiosqlite.Connection:
        connection = await aiosqlite.connect(**self.connection_kwargs)
        connection.row_factory = dict_factory  # type: ignore[assignment]
        for pragma in _SQLITE_PRAGMAS:
            await connection.execute(pragma)
        return connection

    async def get_connection(self) -> aiosqlite.Connection:
        return await self._connect()

    async def run_querystring(self, querystring: QueryString, in_pool: bool = False):
        if _statement_log.get() is not None:  # rendering the SQL costs; only when asked
            note_statement(str(querystring))
        return await super().run_querystring(querystring, in_pool)

    async def _run_in_new_connection(
        self, query: str, args: list[Any] | None = None, query_type: str = "generic", table: Any = None
    ):
        return await self._readers.fetch(query, args or [])

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

    async def fetch(self, sql: str, args: tuple | list) -> list[dict[str, Any]]:
        """Run one statement in the open transaction, or else on a pooled autocommit connection."""
        transaction = self.current_transaction.get()
        if transaction is not None:
            async with transaction.connection.execute(sql, args) as cursor:
                return await cursor.fetchall()
        return await self._readers.fetch(sql, args)

    async def run_program(self, program: Program[T]) -> T:
        """Run a statement program in a write transaction of its own, in one hop to the program thread.

        Call it outside a transaction; it queues on :attr:`writer_lock` like ``write_transaction()``.
        """
        async with self.writer_lock:
            future = asyncio.get_running_loop().run_in_executor(
                self._programs.executor, self._programs.run, program, _statement_log.get()
            )
            try:
                return await asyncio.shield(future)
            except asyncio.CancelledError:
                # The thread finishes its transaction either way; hold the lock until it has.
                await asyncio.wait([future])
                raise

    async def close_idle_connections(self) -> None:
        await asyncio.to_thread(self._readers.close)


class _ReaderThreads:
    """Threads that run single statements outside transactions, each on a connection of its own
    that stays open (autocommit). Created on first use; :meth:`close` ends the threads and closes
    the connections (the next query starts them again)."""

    def __init__(self, connection_kwargs: dict[str, Any], size: int) -> None:
        self.kwargs = connection_kwargs
        self.size = max(1, size)
        self._lock = threading.Lock()
        self._executor: concurrent.futures.ThreadPoolExecutor | None = None
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []

    def _connection(self) -> sqlite3.Connection:
        connection = getattr(self._local, "connection", None)
        if connection is None:
            connection = sqlite3.connect(**{**self.kwargs, "isolation_level": None}, check_same_thread=False)
            connection.row_factory = dict_factory  # type: ignore[assignment]
            for pragma in _SQLITE_PRAGMAS:
                connection.execute(pragma)
            self._local.connection = connection
            with self._lock:
                self._connections.append(connection)
        return connection

    def _run(self, sql: str, args: tuple | list) -> list[dict[str, Any]]:
        connection = self._connection()
        try:
            return connection.execute(sql, args).fetchall()
        finally:
            if connection.in_transaction:  # a statement that opened one (BEGIN): never keep it open
                self._local.connection = None
                with self._lock:
                    self._connections.remove(connection)
                connection.close()

    async def fetch(self, sql: str, args: tuple | list) -> list[dict[str, Any]]:
        executor = self._executor
        if executor is None:
            with self._lock:
                if self._executor is None:
                    self._executor = concurrent.futures.ThreadPoolExecutor(
                        self.size, thread_name_prefix="sqlite-read"
                    )
                executor = self._executor
        return await asyncio.get_running_loop().run_in_executor(executor, self._run, sql, args)

    def close(self) -> None:
        with self._lock:
            executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=True)
        with self._lock:
            connections, self._connections = self._connections, []
        for connection in connections:
            connection.close()
        self._local = threading.local()


class _ProgramThread:
    """One thread with one connection of its own that stays open, for statement programs.

    A program's statements then cost no thread hop each (they run where the connection lives), and
    the program no new connection: a scan is one hop instead of a connection plus one hop per
    statement, which was most of its cost on SQLite.
    """

    def __init__(self, connection_kwargs: dict[str, Any], process_lock: ProcessWriterLock) -> None:
        self.kwargs = dict(connection_kwargs)
        self.process_lock = process_lock
        #: Starts its thread at the first program.
        self.executor = concurrent.futures.ThreadPoolExecutor(
            max_workers=1, thread_name_prefix="sqlite-programs"
        )
        self.connection: sqlite3.Connection | None = None

    def _connect(self) -> sqlite3.Connection:
        if self.connection is None:
            connection = sqlite3.connect(**self.kwargs, check_same_thread=False)
            connection.row_factory = dict_factory  # type: ignore[assignment]
            for pragma in _SQLITE_PRAGMAS:
                connection.execute(pragma)
            self.connection = connection
        return self.connection

    def run(self, program: Program[T], log: list[str] | None = None) -> T:
        connection = self._connect()
        with self.process_lock.held():
            connection.execute("BEGIN IMMEDIATE")
            try:
                result = _drive(connection, program, log)
                connection.execute("COMMIT")
                return result
            except BaseException:
                if connection.in_transaction:
                    connection.execute("ROLLBACK")
                raise


class ProcessWriterLock:
    """An exclusive ``flock`` on a file beside the database, held by a process's writer around its
    write transaction, so that writers of several processes (uvicorn workers, ``events worker``)
    queue in the kernel and the next one wakes the moment the lock is let go.

    Without it they meet only at SQLite's own lock, whose busy handler sleeps 1, 2, 5, 10 … 100 ms
    between tries: with two workers scanning badges, throughput fell below one worker's and p99 rose
    to 120 ms. Taken after the process's own ``writer_lock`` (one holder per process, so one file
    description will do). ``flock`` locks are apart from the POSIX locks SQLite takes on the
    database itself. Where the file cannot be opened (a read-only folder) writers fall back to
    SQLite's lock alone.
    """

    def __init__(self, database: str) -> None:
        self.path = f"{database}-writer.lock"
        self._fd: int | None = None
        self._opened = False

    def _descriptor(self) -> int | None:
        if not self._opened:
            self._opened = True
            try:
                self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
            except OSError:
                self._fd = None
        return self._fd

    def try_acquire(self) -> bool:
        """Take the lock if no other process holds it (True), without waiting."""
        fd = self._descriptor()
        if fd is None:
            return True
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as error:
            if error.errno in (errno.EWOULDBLOCK, errno.EAGAIN):
                return False
            raise
        return True

    def acquire(self) -> None:
        """Take the lock, waiting for the process that holds it (blocks: call it in a thread)."""
        fd = self._descriptor()
        if fd is not None:
            fcntl.flock(fd, fcntl.LOCK_EX)

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)

    @contextlib.contextmanager
    def held(self) -> Iterator[None]:
        self.acquire()
        try:
            yield
        finally:
            self.release()

    @contextlib.asynccontextmanager
    async def held_async(self) -> AsyncIterator[None]:
        if not self.try_acquire():
            waiting = asyncio.ensure_future(asyncio.to_thread(self.acquire))
            try:
                await asyncio.shield(waiting)
            except asyncio.CancelledError:
                # The thread takes the lock anyway: wait for it and let go, still under this
                # process's writer_lock, so no other writer here finds the lock held by nobody.
                await asyncio.wait([waiting])
                if not waiting.exception():
                    self.release()
                raise
        try:
            yield
        finally:
            self.release()


def _drive(connection: sqlite3.Connection, program: Program[T], log: list[str] | None) -> T:
    try:
        statement = next(program)
        while True:
            if log is not None:
                log.append(statement[0])
            rows = connection.execute(statement[0], statement[1]).fetchall()
            statement = program.send(rows)
    except StopIteration as stop:
        return stop.value


def make_engine(settings: Settings) -> Engine:
    if settings.is_sqlite:
        path = settings.sqlite_path
        path.parent.mkdir(parents=True, exist_ok=True)
        _enable_wal(path)
        return TunedSQLiteEngine(path=str(path), timeout=30)
    return TunedPostgresEngine(
        config={"dsn": settings.database_url.replace("postgres://", "postgresql://", 1)}
    )


def _enable_wal(path: Path) -> None:
    """WAL lets readers proceed while one writer commits; the mode is stored in the file."""
    with contextlib.closing(sqlite3.connect(path)) as connection:
        connection.execute("PRAGMA journal_mode = WAL")


#: The engine found for each ``PICCOLO_CONF`` value: Piccolo's finder imports and inspects the
#: configuration module on every call (tens of microseconds), and hot paths ask for the engine on
#: every statement. Piccolo's tables keep the engine they found the same way.
_FOUND: dict[str | None, Engine] = {}


def get_engine() -> Engine:
    conf = os.environ.get("PICCOLO_CONF")
    engine = _FOUND.get(conf)
    if engine is None:
        from piccolo.engine.finder import engine_finder

        engine = engine_finder()
        if engine is None:
            raise RuntimeError("No Piccolo engine configured (PICCOLO_CONF)")
        _FOUND[conf] = engine
    return engine


def dialect() -> Dialect:
    """What the configured database can do (see :mod:`events.db.dialect`)."""
    return SQLITE if isinstance(get_engine(), SQLiteEngine) else POSTGRESQL


def is_sqlite() -> bool:
    """Prefer asking :func:`dialect` for the capability or clause at hand."""
    return dialect() is SQLITE


async def _keep_session(connection: Any) -> None:
    """What the pool runs on a connection given back, after asyncpg rolled back any transaction
    left open: nothing. asyncpg's default sends ``SELECT pg_advisory_unlock_all(); CLOSE ALL;
    UNLISTEN *; RESET ALL`` every time, a second round trip for every single query; this code keeps
    no session state to undo (advisory locks are transaction-scoped, no ``SET``, ``LISTEN`` or
    cursors outside transactions), so the round trip bought nothing."""


#: The GIL switch interval with SQLite (seconds; Python's default is 0.005).
SQLITE_SWITCH_INTERVAL = 0.0005


async def start(engine: Engine | None = None) -> None:
    """Open the engine's pools. On SQLite, also shorten the interpreter's GIL switch interval:
    every query runs in a reader thread, which needs the GIL back to hand its rows to the event
    loop; while the loop is busy with other requests, the thread waits up to the switch interval
    for it (5 ms by default, per query), which was the tail of concurrent reads' latency."""
    engine = engine or get_engine()
    if isinstance(engine, PostgresEngine) and engine.pool is None:
        await engine.start_connection_pool(min_size=2, max_size=20, reset=_keep_session)
    if isinstance(engine, SQLiteEngine) and sys.getswitchinterval() > SQLITE_SWITCH_INTERVAL:
        sys.setswitchinterval(SQLITE_SWITCH_INTERVAL)


async def stop(engine: Engine | None = None) -> None:
    engine = engine or get_engine()
    if isinstance(engine, PostgresEngine) and engine.pool is not None:
        await engine.close_connection_pool()
        engine.pool = None
    if isinstance(engine, TunedSQLiteEngine):
        await engine.close_idle_connections()
