"""Exit 0 when the PostgreSQL server in argv[1] answers, 1 otherwise (used by `make test`)."""

import asyncio
import sys

import asyncpg


async def _check(url: str) -> bool:
    try:
        connection = await asyncpg.connect(url, timeout=5)
    except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
        print(f"cannot reach {url}: {exc}", file=sys.stderr)
        return False
    await connection.close()
    return True


if __name__ == "__main__":
    sys.exit(0 if asyncio.run(_check(sys.argv[1])) else 1)
