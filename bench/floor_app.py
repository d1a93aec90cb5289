"""The framework floors: a bare Litestar app with one GET returning a tiny JSON dict, and the same app
doing a single-row UPDATE through Piccolo.

Served exactly like the service (uvicorn, ``--factory``, one worker, same flags, same environment),
so every scenario's req/s can be read as a fraction of what Litestar + uvicorn can do on this
machine (``floor``), and every write as a fraction of what Litestar + Piccolo + the same database
can do for the smallest write there is (``floor update``): parse a JSON body, one ``UPDATE …
WHERE id = ? RETURNING``, answer JSON. The update floor uses the service's own engine
(:func:`events.db.make_engine` through ``PICCOLO_CONF``: SQLite in WAL mode, or the PostgreSQL pool),
on a table of its own (``bench_floor_row``, :data:`FLOOR_ROWS` rows, created at start-up), so a badge
scan or a registration is compared with the same stack doing the least it could.
"""

from __future__ import annotations

import datetime

import msgspec
from litestar import Litestar, get, post
from piccolo.columns import Integer, Timestamptz
from piccolo.table import Table

FLOOR_PATH = "/ping"
FLOOR_UPDATE_PATH = "/floor/update"
#: Rows the update floor spreads its writes over (as scans spread over badges): concurrent requests
#: rarely wait on the same row lock.
FLOOR_ROWS = 1000


class FloorRow(Table, tablename="bench_floor_row"):
    hits = Integer(default=0)
    updated_at = Timestamptz()


class FloorUpdate(msgspec.Struct, forbid_unknown_fields=True):
    id: int


@get(FLOOR_PATH)
async def ping() -> dict[str, str]:
    return {"status": "ok"}


@post(FLOOR_UPDATE_PATH, status_code=200)
async def update_row(data: FloorUpdate) -> dict[str, int]:
    rows = (
        await FloorRow.update(
            {FloorRow.hits: FloorRow.hits + 1, FloorRow.updated_at: datetime.datetime.now(datetime.UTC)}
        )
        .where(FloorRow.id == data.id)
        .returning(FloorRow.hits)
    )
    return {"id": data.id, "hits": rows[0]["hits"] if rows else -1}


async def _prepare() -> None:
    from events.db import start

    await start(FloorRow._meta.db)
    await FloorRow.create_table(if_not_exists=True)
    if not await FloorRow.count():
        now = datetime.datetime.now(datetime.UTC)
        await FloorRow.insert(*(FloorRow(hits=0, updated_at=now) for _ in range(FLOOR_ROWS)))


async def _close() -> None:
    from events.db import stop

    await stop(FloorRow._meta.db)


def create_app() -> Litestar:
    return Litestar(
        route_handlers=[ping, update_row], on_startup=[_prepare], on_shutdown=[_close], debug=False
    )
