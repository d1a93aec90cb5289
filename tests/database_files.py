"""The SQLite database's files as they lie on disk, for tests that prove something is never stored in
clear (a backup or a stolen disk must not reveal it).

The bytes are read by a child process, never by the test process itself. SQLite's locks are POSIX
advisory locks, which belong to the process, and closing *any* descriptor of the database file
releases *all* of the process's locks on it, including those that the engine's open connections hold
(https://sqlite.org/howtocorrupt.html, section 2.2). Without them another process, such as an
``events`` command run beside the tests or the server, takes the exclusive lock when it closes its
connection, checkpoints and deletes the ``-wal`` file that this process's connections still write to,
and the database is corrupt ("file is not a database", "database disk image is malformed").
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from events.settings import get_settings

#: Prints the files named as arguments one after the other; one may vanish meanwhile (a checkpoint).
_CAT = """
import sys
for name in sys.argv[1:]:
    try:
        with open(name, "rb") as file:
            sys.stdout.buffer.write(file.read())
    except FileNotFoundError:
        pass
"""


def database_files() -> tuple[Path, Path]:
    """The database file and its write-ahead log."""
    path = get_settings().sqlite_path
    return path, path.with_name(path.name + "-wal")


async def stored_database_bytes() -> bytes:
    """The database file followed by its write-ahead log, read without opening them in this process."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        _CAT,
        *map(str, database_files()),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode == 0, stderr.decode()
    return stdout
