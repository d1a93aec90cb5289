"""Plain SQL for the scan path: written once with ``?`` placeholders, run on SQLite or PostgreSQL.

Two ways to run it:

* :func:`fetch` / :func:`first`: one statement, joining the open ``write_transaction()`` when there
  is one (reads of the live view, the kit, the lookup).
* :func:`run`: a *statement program* in one write transaction. A program is a generator that
  yields ``(sql, args)`` and receives the rows, so the same code drives both databases: on
  PostgreSQL each statement is awaited inside ``write_transaction()``; on SQLite the whole program
  runs in one hop to a thread that keeps its own connection open, under the same in-process writer
  lock and ``BEGIN IMMEDIATE`` that ``write_transaction()`` uses. A scan is then one thread hop
  instead of a new connection (a new thread) plus one hop per statement, which was most of its
  cost on SQLite.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import functools
import json
import re
import sqlite3
import threading
from collections.abc import Generator
from typing import Any, TypeVar

from piccolo.engine.sqlite import SQLiteEngine, dict_factory

from events import db
from events.db import get_engine, write_transaction

T = TypeVar("T")
Query = tuple[str, tuple]
#: A generator that yields statements, receives their rows, and returns its result.
Program = Generator[Query, list[dict[str, Any]], T]

_PLACEHOLDER = re.compile(r"\?")


@functools.lru_cache(maxsize=256)
def _postgres(sql: str) -> str:
    counter = iter(range(1, 10_000))
    return _PLACEHOLDER.sub(lambda _match: f"${next(counter)}", sql)


async def fetch(sql: str, *args: Any) -> list[dict[str, Any]]:
    """Rows as dicts; joins the open transaction (``write_transaction()``) when there is one."""
    engine = get_engine()
    transaction = engine.current_transaction.get()
    if isinstance(engine, SQLiteEngine):
        if transaction is not None:
            async with transaction.connection.execute(sql, args) as cursor:
                return await cursor.fetchall()
        return await engine._run_in_new_connection(sql, list(args))  # the tuned engine's pool
    statement = _postgres(sql)
    if transaction is not None:
        rows = await transaction.connection.fetch(statement, *args)
    elif engine.pool is not None:
        async with engine.pool.acquire() as connection:
            rows = await connection.fetch(statement, *args)
    else:
        rows = await engine._run_in_new_connection(statement, list(args))
    return [dict(row) for row in rows]


async def first(sql: str, *args: Any) -> dict[str, Any] | None:
    rows = await fetch(sql, *args)
    return rows[0] if rows else None


def is_sqlite() -> bool:
    return isinstance(get_engine(), SQLiteEngine)


def one(rows: list[dict[str, Any]]) -> dict[str, Any] | None:
    return rows[0] if rows else None


# --- statement programs ----------------------------------------------------------------------------------


class _SQLiteWriter:
    """One thread with one connection to one SQLite file, for statement programs."""

    def __init__(self, engine: SQLiteEngine) -> None:
        self.kwargs = dict(engine.connection_kwargs)
        self.executor = concurrent.futures.ThreadPoolExecutor(
            max_workers=1, thread_name_prefix="checkin-sqlite"
        )
        self.connection: sqlite3.Connection | None = None

    def _connect(self) -> sqlite3.Connection:
        if self.connection is None:
            connection = sqlite3.connect(**self.kwargs, check_same_thread=False)
            connection.row_factory = dict_factory  # type: ignore[assignment]
            connection.execute("PRAGMA foreign_keys = 1")
            connection.execute("PRAGMA busy_timeout = 30000")
            connection.execute("PRAGMA synchronous = NORMAL")
            self.connection = connection
        return self.connection

    def _run(self, program: Program[T]) -> T:
        connection = self._connect()
        connection.execute("BEGIN IMMEDIATE")
        try:
            result = _drive(connection, program)
            connection.execute("COMMIT")
            return result
        except BaseException:
            if connection.in_transaction:
                connection.execute("ROLLBACK")
            raise

    async def run(self, program: Program[T]) -> T:
        async with db._writer_lock():  # the in-process queue of write_transaction()
            future = asyncio.get_running_loop().run_in_executor(self.executor, self._run, program)
            try:
                return await asyncio.shield(future)
            except asyncio.CancelledError:
                # The thread finishes its transaction either way; hold the lock until it has.
                await asyncio.wait([future])
                raise


def _drive(connection: sqlite3.Connection, program: Program[T]) -> T:
    try:
        statement = next(program)
        while True:
            rows = connection.execute(statement[0], statement[1]).fetchall()
            statement = program.send(rows)
    except StopIteration as stop:
        return stop.value


_writers: dict[str, _SQLiteWriter] = {}
_writers_lock = threading.Lock()


def _sqlite_writer(engine: SQLiteEngine) -> _SQLiteWriter:
    key = str(engine.connection_kwargs.get("database"))
    with _writers_lock:
        writer = _writers.get(key)
        if writer is None:
            writer = _writers[key] = _SQLiteWriter(engine)
        return writer


async def run(program: Program[T]) -> T:
    """Run a statement program in one write transaction (see the module's docstring)."""
    engine = get_engine()
    if isinstance(engine, SQLiteEngine) and engine.current_transaction.get() is None:
        return await _sqlite_writer(engine).run(program)
    async with write_transaction():
        transaction = engine.current_transaction.get()
        assert transaction is not None
        sqlite = isinstance(engine, SQLiteEngine)
        try:
            statement = next(program)
            while True:
                if sqlite:  # only when a caller's transaction is already open
                    async with transaction.connection.execute(statement[0], statement[1]) as cursor:
                        rows = await cursor.fetchall()
                else:
                    rows = [
                        dict(row)
                        for row in await transaction.connection.fetch(_postgres(statement[0]), *statement[1])
                    ]
                statement = program.send(rows)
        except StopIteration as stop:
            return stop.value


# --- values -------------------------------------------------------------------------------------------


def json_list(value: Any) -> list:
    """A JSON column as a list, whichever way the driver hands it over."""
    if value is None or value == "":
        return []
    if isinstance(value, str | bytes):
        try:
            value = json.loads(value)
        except ValueError:
            return []
    return value if isinstance(value, list) else []


def boolean(value: Any) -> bool:
    """SQLite hands booleans back as 0/1 (or "1") from plain SQL."""
    return value in (True, 1, "1", "t", "true")
