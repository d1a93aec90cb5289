"""Plain SQL, written once with ``?`` placeholders, run on SQLite or PostgreSQL.

Use it where the ORM costs more than it gives: a hot path of a handful of statements (the check-in
scan), a query the ORM cannot say (``ON CONFLICT … DO NOTHING RETURNING``, ``FOR UPDATE SKIP
LOCKED``, a fingerprint over a whole table). The SQL must mean the same on both databases; where it
cannot, ask :func:`events.db.dialect` for the clause or capability instead of branching.

Two ways to run it:

* :func:`fetch` / :func:`first`: one statement, joining the open ``write_transaction()`` when there
  is one, else on a pooled connection.
* :func:`run`: a *statement program* in one write transaction. A program is a generator that
  yields ``(sql, args)`` and receives the rows, so the same code drives both databases: on
  PostgreSQL each statement is awaited inside ``write_transaction()``; on SQLite the whole program
  runs in one hop to a thread that keeps its own connection open, under the same in-process writer
  lock and ``BEGIN IMMEDIATE`` that ``write_transaction()`` uses (see
  :meth:`~events.db.engine.TunedSQLiteEngine.run_program`). A program is a plain generator and
  cannot await: whatever else it needs (cached rules, keys) is read before it runs.

Rows are dicts. The drivers hand some values back differently; :func:`boolean` and
:func:`json_list` read them alike.
"""

from __future__ import annotations

import contextlib
import functools
import json
from collections.abc import Generator
from typing import Any, TypeVar

from piccolo.columns import JSON, JSONB
from piccolo.engine.base import Engine
from piccolo.engine.sqlite import SQLiteEngine
from piccolo.table import Table
from piccolo.utils.encoding import dump_json

from events.db.dialect import POSTGRESQL
from events.db.engine import dialect, get_engine, note_statement
from events.db.transactions import write_transaction

T = TypeVar("T")
#: A statement and its arguments.
Statement = tuple[str, tuple]
#: A generator that yields statements, receives their rows, and returns its result.
Program = Generator[Statement, list[dict[str, Any]], T]


async def fetch(sql: str, *args: Any) -> list[dict[str, Any]]:
    """Rows as dicts; joins the open transaction (``write_transaction()``) when there is one."""
    return await _fetch(get_engine(), sql, args)


async def _fetch(engine: Engine, sql: str, args: tuple) -> list[dict[str, Any]]:
    note_statement(sql)
    if isinstance(engine, SQLiteEngine):
        return await engine.fetch(sql, args)
    statement = POSTGRESQL.placeholders(sql)
    transaction = engine.current_transaction.get()
    if transaction is not None:
        rows = await transaction.connection.fetch(statement, *args)
    elif engine.pool is not None:
        async with engine.pool.acquire() as connection:
            rows = await connection.fetch(statement, *args)
    else:
        connection = await engine.get_new_connection()
        try:
            rows = await connection.fetch(statement, *args)
        finally:
            await connection.close()
    return [dict(row) for row in rows]


async def first(sql: str, *args: Any) -> dict[str, Any] | None:
    return one(await fetch(sql, *args))


def one(rows: list[dict[str, Any]]) -> dict[str, Any] | None:
    return rows[0] if rows else None


async def run(program: Program[T], *, generic_plans: bool = False) -> T:
    """Run a statement program in one write transaction (see the module's docstring).

    ``generic_plans``: on PostgreSQL, plan each of the program's statements once per connection and
    reuse the plan, instead of planning it again at every execution. PostgreSQL keeps planning a
    statement whose arguments are arrays (a group's rows) for each call, because it cannot tell how
    long an array will be; for a hot program that is the largest part of what the database does. Only
    for SQL written so that one plan fits every argument: rows found by key, and joins the planner
    cannot reorder around an array (a ``LATERAL`` subquery fenced with ``OFFSET 0``). The setting
    holds for the program's transaction only (``SET LOCAL``, sent with ``BEGIN`` in one round trip).
    """
    engine = get_engine()
    if engine.current_transaction.get() is None:
        if isinstance(engine, SQLiteEngine):
            return await engine.run_program(program)
        if generic_plans and getattr(engine, "pool", None) is not None:
            return await _run_with_generic_plans(engine, program)
    async with write_transaction():
        try:
            statement = next(program)
            while True:
                statement = program.send(await _fetch(engine, *statement))
        except StopIteration as stop:
            return stop.value


_BEGIN_GENERIC = "BEGIN; SET LOCAL plan_cache_mode = force_generic_plan"


async def _run_with_generic_plans(engine: Any, program: Program[T]) -> T:
    """:func:`run` on a pooled PostgreSQL connection of its own (the program cannot await anything
    else, so nothing else needs the transaction), with generic plans."""
    async with engine.pool.acquire() as connection:
        await connection.execute(_BEGIN_GENERIC)
        try:
            statement = next(program)
            while True:
                note_statement(statement[0])
                rows = await connection.fetch(POSTGRESQL.placeholders(statement[0]), *statement[1])
                statement = program.send([dict(row) for row in rows])
        except StopIteration as stop:
            await connection.execute("COMMIT")
            return stop.value
        except BaseException:
            if not connection.is_closed() and connection.is_in_transaction():
                with contextlib.suppress(Exception):  # else the pool rolls back when it takes it back
                    await connection.execute("ROLLBACK")
            raise


def insert(table: type[Table], *rows: dict[str, Any], returning: str = "") -> Statement:
    """``INSERT INTO table (…) VALUES (…), (…) [RETURNING …]`` for rows that all name the same
    columns, as a statement for a program. JSON columns are encoded as Piccolo encodes them; the SQL
    for a table, column set and row count is built once."""
    columns = tuple(rows[0])
    encoded = _json_columns(table)
    args = tuple(
        dump_json(row[name]) if name in encoded and not isinstance(row[name], str) else row[name]
        for row in rows
        for name in columns
    )
    return _insert_sql(table._meta.tablename, columns, len(rows), returning), args


def insert_select(
    table: type[Table], row: dict[str, Any], source: str, computed: dict[str, Statement] | None = None
) -> Statement:
    """``INSERT INTO table (…) SELECT ?, …, <computed> FROM source``: one row per row of ``source``
    (a ``WITH`` clause's name, whose columns ``computed`` expressions may use), for a statement that
    writes a row only when an earlier clause decided so. Each value's placeholder is cast to its
    column's type (a parameter in a ``SELECT`` list has no type of its own on PostgreSQL); lengths are
    left out of the casts, so an over-long text is refused by the column, not cut. JSON columns are
    encoded as :func:`insert` encodes them."""
    computed = computed or {}
    types = _column_types(table)
    encoded = _json_columns(table)
    columns = [*row, *computed]
    selected = [f"?::{types[name]}" for name in row] + [sql for sql, _ in computed.values()]
    args = tuple(
        dump_json(value) if name in encoded and not isinstance(value, str) else value
        for name, value in row.items()
    ) + tuple(arg for _, extra in computed.values() for arg in extra)
    names = ", ".join(f'"{name}"' for name in columns)
    sql = f'INSERT INTO "{table._meta.tablename}" ({names}) SELECT {", ".join(selected)} FROM {source}'  # noqa: S608
    return sql, args


@functools.lru_cache(maxsize=64)
def _column_types(table: type[Table]) -> dict[str, str]:
    serial = {"SERIAL": "INTEGER", "BIGSERIAL": "BIGINT"}
    types = {c._meta.db_column_name: c.column_type.split("(")[0] for c in table._meta.columns}
    return {name: serial.get(kind, kind) for name, kind in types.items()}


def together(*writes: Statement) -> Program[None]:
    """Writes whose rows nobody reads, as a sub-program (``yield from together(a, b, c)``): one
    statement where a ``WITH`` clause may hold writes (PostgreSQL: one round trip instead of three,
    while the program may hold a hot row's lock), else one after another (SQLite, where the program
    runs beside its connection and a statement costs no round trip)."""
    if len(writes) > 1 and dialect().writable_cte:
        clauses = ", ".join(f"w{n} AS ({sql})" for n, (sql, _) in enumerate(writes[:-1]))
        yield f"WITH {clauses} {writes[-1][0]}", tuple(arg for _, args in writes for arg in args)
        return
    for write in writes:  # noqa: UP028 (rows are sent back: a tuple iterator cannot take them)
        yield write


@functools.lru_cache(maxsize=64)
def _json_columns(table: type[Table]) -> frozenset[str]:
    return frozenset(c._meta.db_column_name for c in table._meta.columns if isinstance(c, JSON | JSONB))


@functools.lru_cache(maxsize=128)
def _insert_sql(tablename: str, columns: tuple[str, ...], count: int, returning: str) -> str:
    names = ", ".join(f'"{name}"' for name in columns)
    values = ", ".join([f"({', '.join('?' * len(columns))})"] * count)
    tail = f" RETURNING {returning}" if returning else ""
    return f'INSERT INTO "{tablename}" ({names}) VALUES {values}{tail}'  # noqa: S608 (names from tables)


async def write(sql: str, *args: Any) -> list[dict[str, Any]]:
    """One write statement, atomic on its own, joining the open transaction if there is one. On
    SQLite through the program thread (the writer lock, ``BEGIN IMMEDIATE``, no new connection; see
    :func:`run`); on PostgreSQL in autocommit on a pooled connection: one round trip, no
    ``BEGIN``/``COMMIT`` around it."""
    engine = get_engine()
    if isinstance(engine, SQLiteEngine) and engine.current_transaction.get() is None:
        return await run(_single(sql, args))
    return await _fetch(engine, sql, args)


def _single(sql: str, args: tuple) -> Program[list[dict[str, Any]]]:
    return (yield sql, args)


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
    """A boolean column: SQLite hands booleans back as 0/1 (or "1") from plain SQL."""
    return value in (True, 1, "1", "t", "true")
