"""The access version: one counter in the database that every change taking access away moves.

A revoked API token, a disabled account, a removed role grant, a changed or deleted checkpoint, a
rotated or retired badge key: each calls :func:`bump` inside its own write transaction, so the
change and the new version commit together. Whoever caches what those changes affect (the scan path
keeps device accounts, checkpoint rules and keys in the process) remembers the version it loaded
them at and drops them as soon as the database holds another one. The version lives in the
database, so every process and instance sees the move at the same moment: the next statement that
reads it (:data:`CURRENT_SQL`, joined into a statement the caller runs anyway) finds it.
"""

from __future__ import annotations

from events.db import statements

#: A scalar expression for the current version (0 before the first change), to select beside other
#: columns in the statement a hot path already sends.
CURRENT_SQL = "COALESCE((SELECT v.version FROM access_version v WHERE v.id = 1), 0)"

_BUMP = (
    "INSERT INTO access_version (id, version) VALUES (1, 1) "
    "ON CONFLICT (id) DO UPDATE SET version = access_version.version + 1"
)


class AccessChanged(Exception):
    """The access version moved after a cache was filled: drop the caches and look again."""


async def current() -> int:
    row = await statements.first(f"SELECT {CURRENT_SQL} AS version")
    return int(row["version"]) if row else 0


async def bump() -> None:
    """Move the version; call it inside the write transaction of the change that takes access away."""
    await statements.fetch(_BUMP)
