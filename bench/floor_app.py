"""The framework floor: a bare Litestar app with one GET returning a tiny JSON dict.

Served exactly like the service (uvicorn, ``--factory``, one worker, same flags), so every
scenario's req/s can be read as a fraction of what Litestar + uvicorn can do on this machine.
"""

from __future__ import annotations

from litestar import Litestar, get

FLOOR_PATH = "/ping"


@get(FLOOR_PATH)
async def ping() -> dict[str, str]:
    return {"status": "ok"}


def create_app() -> Litestar:
    return Litestar(route_handlers=[ping], debug=False)
