"""Test set-up: one database per run (SQLite file, or PostgreSQL when DATABASE_URL says so),
migrated from empty, emptied between tests; one app and client for the whole run.

The environment is set before anything from ``events`` is imported, because settings and the
Piccolo engine are read once.
"""

from __future__ import annotations

import asyncio
import importlib
import os
import tempfile
from collections.abc import AsyncIterator

import pytest

_DATA_DIR = tempfile.mkdtemp(prefix="events-tests-")
os.environ["DATA_DIR"] = _DATA_DIR
os.environ["ENVIRONMENT"] = "test"
os.environ["SECRET_KEY"] = "test-secret-key-that-is-long-enough-for-the-settings"
os.environ["PASSWORD_HASH_ITERATIONS"] = "1000"
os.environ["PICCOLO_CONF"] = "events.piccolo_conf"
os.environ.setdefault("LOG_LEVEL", "WARNING")
if not os.environ.get("DATABASE_URL"):
    os.environ.pop("DATABASE_URL", None)

import httpx  # noqa: E402

from events.settings import get_settings  # noqa: E402

IS_POSTGRES = not get_settings().is_sqlite

#: Tables kept between tests: Piccolo's migration record. Country groups are re-seeded.
_KEPT = {"migration"}
#: The migration whose triggers refuse DELETE on the audit log; SQLite's cleanup lifts them meanwhile.
_APPEND_ONLY_AUDIT = "piccolo_migrations.events_2026_12_02t15_40_00_000000"


def pytest_report_header(config: pytest.Config) -> str:
    return f"database: {'PostgreSQL' if IS_POSTGRES else 'SQLite'} ({get_settings().database_url})"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    skip = pytest.mark.skip(reason="needs PostgreSQL (run by `make test` against PostgreSQL)")
    for item in items:
        if "postgres_only" in item.keywords and not IS_POSTGRES:
            item.add_marker(skip)


async def _reset_postgres_schema() -> None:
    import asyncpg

    url = get_settings().database_url
    try:
        connection = await asyncpg.connect(url, timeout=10)
    except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
        pytest.exit(f"PostgreSQL at {url} is unreachable: {exc}", returncode=1)
    try:
        await connection.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
    finally:
        await connection.close()


@pytest.fixture(scope="session", autouse=True)
async def database() -> AsyncIterator[None]:
    """A database migrated from empty: that every test passes on it is the migration test. The
    areas' listeners are connected as at start-up, also for tests that call services directly."""
    from events import db, plugin
    from events.commands import apply_migrations

    if IS_POSTGRES:
        await _reset_postgres_schema()
    plugin.connect_listeners()
    await db.start()
    await apply_migrations()
    global _SEEDED_GROUPS
    from events.reference.tables import CountryGroupMembership

    _SEEDED_GROUPS = await CountryGroupMembership.select()
    yield
    await db.stop()


_SEEDED_GROUPS: list[dict] = []


async def _table_names() -> list[str]:
    from events.piccolo_app import TABLES

    return [table._meta.tablename for table in TABLES]


@pytest.fixture(autouse=True)
async def clean_database(database: None) -> AsyncIterator[None]:
    yield
    from events import db
    from events.reference.tables import CountryGroupMembership

    names = [name for name in await _table_names() if name not in _KEPT]
    engine = db.get_engine()
    if IS_POSTGRES:
        await engine.run_ddl(f"TRUNCATE {', '.join(names)} RESTART IDENTITY CASCADE")
    else:
        append_only = importlib.import_module(_APPEND_ONLY_AUDIT).SQLITE_TRIGGERS
        async with db.write_transaction():
            await engine.run_ddl("PRAGMA defer_foreign_keys = ON")
            for trigger in append_only:
                await engine.run_ddl(f"DROP TRIGGER {trigger}")
            for name in names:
                await engine.run_ddl(f"DELETE FROM {name}")  # noqa: S608 (our own table names)
            for statement in append_only.values():
                await engine.run_ddl(statement)
    async with db.write_transaction():
        await CountryGroupMembership.insert(
            *(
                CountryGroupMembership(**{key: value for key, value in row.items() if key != "id"})
                for row in sorted(_SEEDED_GROUPS, key=lambda row: row["id"])
            )
        )


@pytest.fixture(scope="session")
async def app():
    from events.app import create_app

    return create_app()


@pytest.fixture(scope="session")
async def session_client(app) -> AsyncIterator[httpx.AsyncClient]:
    """An in-process client on the test's own event loop (Litestar's AsyncTestClient runs the app
    in a portal thread, whose loop cannot share the asyncpg pool). The database fixture opens the
    pool that the app's lifespan would open."""
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver.local") as client:
        yield client


@pytest.fixture
async def client(session_client: httpx.AsyncClient) -> AsyncIterator[httpx.AsyncClient]:
    session_client.cookies.clear()
    session_client.headers.pop("authorization", None)
    yield session_client
    session_client.cookies.clear()


@pytest.fixture
def run_concurrently():
    """Run coroutines at the same time and collect their results (for race tests)."""

    async def run(*coroutines):
        return await asyncio.gather(*coroutines, return_exceptions=True)

    return run


pytest_plugins = ["tests.factories"]
