"""The setup step, run as ``python -m bench._setup OUTPUT.json`` with the server's environment.

It runs in its own process because ``events`` reads its settings from the environment at import
time and ``PICCOLO_CONF`` binds the tables to an engine lazily: the environment must be complete
before ``events`` is imported. It applies the migrations, creates a programme organiser and an
API token, and writes ``{"user_id": ..., "token": ...}`` to OUTPUT.json (stdout is left to
Piccolo's migration messages).
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

USERNAME = "bench"
EMAIL = "bench@example.org"
PASSWORD = "bench-password-not-secret"


async def setup() -> dict:
    from piccolo.apps.migrations.commands.forwards import run_forwards

    from events import db
    from events.auth.services import bootstrap_organiser, configure_password_hashing, create_token, load_actor

    result = await run_forwards(app_name="events")
    if not result.success:
        raise RuntimeError(f"migrations failed: {result.message}")
    await db.start()
    try:
        configure_password_hashing()
        user_id = await bootstrap_organiser(USERNAME, EMAIL, PASSWORD)
        actor = await load_actor(user_id, via="token")
        if actor is None:
            raise RuntimeError("the organiser just created cannot be loaded")
        _row, secret = await create_token(actor, name="bench")
    finally:
        await db.stop()
    return {"user_id": user_id, "token": secret}


def main() -> None:
    if len(sys.argv) != 2:
        raise SystemExit("usage: python -m bench._setup OUTPUT.json")
    output = Path(sys.argv[1])
    output.write_text(json.dumps(asyncio.run(setup())))


if __name__ == "__main__":
    main()
