"""The database layer: statement programs, the dialect, and that only events/db knows the database."""

from __future__ import annotations

import ast
import asyncio
import datetime
import sys
from pathlib import Path

import pytest

from events.db import dialect, statements, write_transaction
from events.db.dialect import POSTGRESQL, SQLITE, dialect_for
from events.db.statements import Program
from events.settings import get_settings, load_settings
from tests.conftest import IS_POSTGRES
from tests.database_files import database_files, stored_database_bytes

EVENTS = Path(__file__).resolve().parent.parent / "events"
DRIVERS = ("sqlite3", "aiosqlite", "asyncpg", "piccolo.engine")

_INSERT = (
    "INSERT INTO outbox_message (kind, to_address, subject, body, language, object_type, object_id, "
    "created_at, next_attempt_at, claimed_by, attempts, last_error) "
    "VALUES ('test', ?, 'subject', 'body', 'en', '', '', ?, ?, '', 0, '') RETURNING id"
)
_COUNT = "SELECT COUNT(*) AS n FROM outbox_message"


def _insert(address: str) -> Program[int]:
    moment = datetime.datetime.now(datetime.UTC)
    rows = yield _INSERT, (address, moment, moment)
    return rows[0]["id"]


def _two_rows() -> Program[tuple[int, int, int]]:
    first = yield from _insert("a@example.org")
    second = yield from _insert("b@example.org")
    count = statements.one((yield _COUNT, ()))
    assert count is not None
    return first, second, count["n"]


def _failing() -> Program[None]:
    yield from _insert("a@example.org")
    raise ValueError("the program changed its mind")


async def _count() -> int:
    row = await statements.first(_COUNT)
    assert row is not None
    return row["n"]


async def test_a_program_sees_its_own_writes_and_commits_them():
    first, second, count = await statements.run(_two_rows())
    assert second > first and count == 2
    assert await _count() == 2


async def test_a_failing_program_leaves_nothing_behind():
    with pytest.raises(ValueError, match="changed its mind"):
        await statements.run(_failing())
    assert await _count() == 0


async def test_a_program_joins_the_open_write_transaction():
    class Undo(Exception):
        pass

    with pytest.raises(Undo):
        async with write_transaction():
            await statements.run(_insert("a@example.org"))
            assert await _count() == 1
            raise Undo
    assert await _count() == 0


#: What an ``events`` command does beside the server: open the file, write a row, close the connection.
_ANOTHER_PROCESS_WRITES = """
import datetime, sqlite3, sys
connection = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=30)
moment = datetime.datetime.now(datetime.UTC).isoformat(" ")
connection.execute(sys.argv[2], ("cli@example.org", moment, moment)).fetchall()
connection.close()
"""


@pytest.mark.skipif(IS_POSTGRES, reason="about the SQLite file and its write-ahead log")
async def test_another_process_writing_beside_ours_leaves_the_sqlite_database_whole():
    """While this process has connections open, their locks keep another process from checkpointing and
    deleting the write-ahead log when it closes its connection, even after a test read the files."""
    await statements.run(_insert("before@example.org"))  # the program thread's connection stays open
    assert await _count() == 1  # and so does a pooled one
    assert b"before@example.org" in await stored_database_bytes()
    database, wal = database_files()
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-c", _ANOTHER_PROCESS_WRITES, str(database), _INSERT, stderr=asyncio.subprocess.PIPE
    )
    _, stderr = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode == 0, stderr.decode()
    assert wal.exists(), "the other process deleted the log that this process's connections write to"
    await statements.run(_insert("after@example.org"))
    assert await _count() == 3
    assert await statements.first("PRAGMA integrity_check") == {"integrity_check": "ok"}


def test_tests_read_the_sqlite_files_only_through_a_child_process():
    """Opening the database file in the test process would lift its locks (see tests/database_files.py)."""
    tests = Path(__file__).resolve().parent
    offenders = [
        str(path.relative_to(tests))
        for path in sorted(tests.rglob("*.py"))
        if path.name != "database_files.py"
        and any(
            isinstance(node, ast.Attribute) and node.attr == "sqlite_path"
            for node in ast.walk(ast.parse(path.read_text()))
        )
    ]
    assert offenders == []


def test_placeholders_are_numbered_where_the_database_wants_them():
    sql = "SELECT id FROM badge WHERE event = ? AND id = ANY(?::int[])"
    assert POSTGRESQL.placeholders(sql) == "SELECT id FROM badge WHERE event = $1 AND id = ANY($2::int[])"
    assert SQLITE.placeholders(sql) == sql


def test_the_dialect_follows_the_database_url(tmp_path):
    sqlite = load_settings({"DATA_DIR": str(tmp_path)})
    postgres = load_settings({"DATA_DIR": str(tmp_path), "DATABASE_URL": "postgresql://app@db/events"})
    assert dialect_for(sqlite) is SQLITE and not SQLITE.supports_many_workers
    assert dialect_for(postgres) is POSTGRESQL and POSTGRESQL.supports_many_workers
    assert dialect() is dialect_for(get_settings())


def _database_knowledge(path: Path) -> list[str]:
    """Imports of a database driver, uses of ``is_sqlite``, and private names of the engine or of
    events.db."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found += [f"imports {alias.name}" for alias in node.names if alias.name.startswith(DRIVERS)]
        elif isinstance(node, ast.ImportFrom) and node.module:
            if node.module.startswith(DRIVERS):
                found.append(f"imports {node.module}")
            if node.module.startswith("events.db"):
                found += [f"imports {alias.name}" for alias in node.names if alias.name.startswith("_")]
        elif isinstance(node, ast.Attribute | ast.Name):
            name = node.attr if isinstance(node, ast.Attribute) else node.id
            owner = ast.unparse(node.value) if isinstance(node, ast.Attribute) else ""
            if name == "is_sqlite" or (name.startswith("_") and ("engine" in owner or owner == "db")):
                found.append(f"line {node.lineno}: {ast.unparse(node)}")
    return found


def test_only_events_db_knows_which_database_it_runs_on():
    """Code outside events/db asks the dialect; settings alone reads the URL's scheme."""
    offenders = {
        str(path.relative_to(EVENTS)): found
        for path in sorted(EVENTS.rglob("*.py"))
        if EVENTS / "db" not in path.parents
        and path != EVENTS / "settings.py"
        and (found := _database_knowledge(path))
    }
    assert offenders == {}


_HOLDS_THE_WRITER_LOCK = """
import fcntl, os, sys
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o600)
fcntl.flock(fd, fcntl.LOCK_EX)
print("held", flush=True)
sys.stdin.readline()
"""


class _Holder:
    """Another process holding a writer lock file until :meth:`let_go`."""

    def __init__(self, path: str) -> None:
        self.path = path

    async def __aenter__(self) -> _Holder:
        self.process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            _HOLDS_THE_WRITER_LOCK,
            self.path,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
        )
        assert await asyncio.wait_for(self.process.stdout.readline(), timeout=30) == b"held\n"
        return self

    async def let_go(self) -> None:
        if self.process.returncode is None:
            self.process.stdin.write(b"\n")
            await self.process.stdin.drain()
            await asyncio.wait_for(self.process.wait(), timeout=30)

    async def __aexit__(self, *exc_info: object) -> None:
        await self.let_go()


async def test_the_writer_lock_is_exclusive_across_processes(tmp_path):
    from events.db.engine import ProcessWriterLock

    lock = ProcessWriterLock(str(tmp_path / "events.sqlite3"))
    async with _Holder(lock.path) as holder:
        assert not lock.try_acquire()
        waiting = asyncio.create_task(_hold_briefly(lock))
        await asyncio.sleep(0.2)
        assert not waiting.done()  # queued in the kernel, not failed
        await holder.let_go()
        assert await asyncio.wait_for(waiting, timeout=10) == "written"
    assert lock.try_acquire()
    lock.release()


async def _hold_briefly(lock) -> str:
    async with lock.held_async():
        return "written"


async def test_a_writer_cancelled_while_waiting_leaves_the_lock_free(tmp_path):
    from events.db.engine import ProcessWriterLock

    lock = ProcessWriterLock(str(tmp_path / "events.sqlite3"))
    async with _Holder(lock.path) as holder:
        waiting = asyncio.create_task(_hold_briefly(lock))
        await asyncio.sleep(0.2)
        waiting.cancel()
        await asyncio.sleep(0.1)
        await holder.let_go()
        with pytest.raises(asyncio.CancelledError):
            await asyncio.wait_for(waiting, timeout=10)
    async with _Holder(lock.path):  # another process takes it: nobody here kept it
        pass


def test_without_a_writable_folder_writers_rely_on_sqlites_lock(tmp_path):
    from events.db.engine import ProcessWriterLock

    lock = ProcessWriterLock(str(tmp_path / "missing-folder" / "events.sqlite3"))
    assert lock.try_acquire()
    with lock.held():
        pass


@pytest.mark.skipif(IS_POSTGRES, reason="SQLite's writers across processes")
async def test_programs_and_write_transactions_wait_for_another_process_writer():
    from events.db.engine import get_engine

    engine = get_engine()
    async with _Holder(engine.process_lock.path) as holder:
        program = asyncio.create_task(statements.run(_insert("program@example.org")))

        async def transaction() -> None:
            async with write_transaction():
                moment = datetime.datetime.now(datetime.UTC)
                await statements.fetch(_INSERT, "transaction@example.org", moment, moment)

        other = asyncio.create_task(transaction())
        await asyncio.sleep(0.3)
        assert not program.done() and not other.done()
        await holder.let_go()
        await asyncio.wait_for(asyncio.gather(program, other), timeout=30)
    assert await _count() == 2
