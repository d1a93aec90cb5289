"""What differs between SQLite and PostgreSQL, as values code can ask for instead of branching.

Code outside :mod:`events.db` never asks *which* database it runs on; it asks the :class:`Dialect`
for a clause (:attr:`Dialect.skip_locked`), for a capability (:attr:`Dialect.array_parameters`) or
for the exceptions a driver raises (:data:`INTEGRITY_ERRORS`).
"""

from __future__ import annotations

import functools
import re
import sqlite3
from dataclasses import dataclass
from typing import TYPE_CHECKING

import asyncpg

if TYPE_CHECKING:
    from events.settings import Settings

_PLACEHOLDER = re.compile(r"\?")


@dataclass(frozen=True, slots=True)
class Dialect:
    #: ``sqlite`` or ``postgresql``, as in the URL.
    name: str
    #: The database's name for people (log lines, the CLI).
    label: str
    #: Several processes can write at once: rows are locked, not the whole database.
    supports_many_workers: bool
    #: ``SELECT … FOR UPDATE`` exists. SQLite has no row locks; its write transaction is exclusive.
    row_locks: bool
    #: A parameter may be an array (``= ANY(?::int[])``, ``unnest(?::text[], …)``), so a group of rows
    #: costs one statement. Worth it where a statement is a network round trip.
    array_parameters: bool
    #: Placeholders are numbered (``$1, $2 …``) rather than ``?``.
    numbered_placeholders: bool
    #: A ``WITH`` clause may hold ``INSERT``/``UPDATE`` statements, so several writes are one statement
    #: (one round trip; see :func:`events.db.statements.together`).
    writable_cte: bool
    #: ``FOR UPDATE`` where rows can be locked, else nothing (SQLite's write transaction is exclusive):
    #: appended to a plain SQL ``SELECT`` that must hold its rows until the transaction ends.
    for_update: str
    #: ``FOR UPDATE SKIP LOCKED`` where rows can be locked, else nothing: appended to the subquery that
    #: picks rows to claim, so concurrent claimers take different rows instead of waiting on each other.
    skip_locked: str
    #: A statement taking a transaction-scoped lock on a text key (one ``?`` parameter), or ``None``
    #: where the write transaction is exclusive already (SQLite's ``BEGIN IMMEDIATE``).
    key_lock: str | None
    #: An aggregate joining a text column with ``|`` in a given order, as ``{piece}`` and ``{order}``:
    #: ``string_agg(… ORDER BY …)`` on PostgreSQL; SQLite's ``group_concat`` (before 3.44) takes no
    #: ORDER BY and keeps the order of the rows it reads, so aggregate over a subquery ordered alike.
    ordered_text_aggregate: str
    #: An expression taking the next id of ``{table}``'s serial primary key, or ``None`` where ids are
    #: only known from the insert (SQLite). Taken before a hot row is locked, it lets the rows that
    #: refer to the new one be written in the same statement as it (see ``statements.together``).
    next_id: str | None

    def ordered_concat(self, piece: str, order: str) -> str:
        """An aggregate of ``piece`` texts joined with ``|`` in ``order`` (see
        :attr:`ordered_text_aggregate`: read the rows from a subquery with ``ORDER BY order``)."""
        return self.ordered_text_aggregate.format(piece=piece, order=order)

    def placeholders(self, sql: str) -> str:
        """``sql`` written with ``?`` placeholders, in this database's style (``$1, $2 …`` on PostgreSQL)."""
        return _numbered(sql) if self.numbered_placeholders else sql


@functools.lru_cache(maxsize=256)
def _numbered(sql: str) -> str:
    counter = iter(range(1, 10_000))
    return _PLACEHOLDER.sub(lambda _match: f"${next(counter)}", sql)


SQLITE = Dialect(
    name="sqlite",
    label="SQLite",
    supports_many_workers=False,
    row_locks=False,
    array_parameters=False,
    numbered_placeholders=False,
    writable_cte=False,
    for_update="",
    skip_locked="",
    key_lock=None,
    ordered_text_aggregate="group_concat({piece}, '|')",
    next_id=None,
)
POSTGRESQL = Dialect(
    name="postgresql",
    label="PostgreSQL",
    supports_many_workers=True,
    row_locks=True,
    array_parameters=True,
    numbered_placeholders=True,
    writable_cte=True,
    for_update="FOR UPDATE",
    skip_locked="FOR UPDATE SKIP LOCKED",
    key_lock="SELECT pg_advisory_xact_lock(hashtextextended(?, 0))",
    ordered_text_aggregate="string_agg({piece}, '|' ORDER BY {order})",
    next_id="nextval('{table}_id_seq')",
)


def dialect_for(settings: Settings) -> Dialect:
    """The configured database's dialect, for code that runs before an engine exists (the CLI)."""
    return SQLITE if settings.is_sqlite else POSTGRESQL


#: A constraint refused a write (unique, foreign key, check, not null): the request conflicts with data.
INTEGRITY_ERRORS: tuple[type[Exception], ...] = (
    sqlite3.IntegrityError,
    asyncpg.exceptions.IntegrityConstraintViolationError,
)
#: PostgreSQL refuses some text SQLite keeps (a NUL character): the client's value, not our fault.
UNSTORABLE_VALUE_ERRORS: tuple[type[Exception], ...] = (asyncpg.exceptions.CharacterNotInRepertoireError,)
