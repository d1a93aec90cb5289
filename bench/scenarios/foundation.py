"""The foundation scenarios: the framework floors (a GET, and a single-row UPDATE), the health
check, one authenticated read and the public list of events."""

from __future__ import annotations

import datetime
import json

from bench.floor_app import FLOOR_PATH, FLOOR_ROWS, FLOOR_UPDATE_PATH
from bench.registry import FLOOR, Context, Scenario, scenarios, seed

SEEDED_EVENTS = 20
COUNTRIES = [("AZ", "Asia/Baku"), ("CL", "America/Santiago"), ("KE", "Africa/Nairobi"), ("KR", "Asia/Seoul")]
#: The write floor's name: write scenarios are also compared with it ("vs upd floor").
UPDATE_FLOOR = "floor update"
KINDS = ["workshop", "regional_forum", "symposium"]


@seed
def programme_with_events(ctx: Context) -> None:
    """One programme with 20 events, so the public list serialises a realistic page."""
    programme = ctx.call(
        "POST",
        "/api/v1/programmes",
        {"slug": "bench", "title": "Benchmark programme", "description": "bench"},
    )
    start = datetime.date(2030, 1, 6)
    ids = []
    for number in range(SEEDED_EVENTS):
        country, zone = COUNTRIES[number % len(COUNTRIES)]
        day = start + datetime.timedelta(weeks=number)
        event = ctx.call(
            "POST",
            "/api/v1/events",
            {
                "programme_id": programme["id"],
                "slug": f"bench-event-{number:02d}",
                "title": f"Benchmark event {number}",
                "kind": KINDS[number % len(KINDS)],
                "venue": "Conference centre",
                "city": "Somewhere",
                "country": country,
                "time_zone": zone,
                "start_date": day.isoformat(),
                "end_date": (day + datetime.timedelta(days=2)).isoformat(),
                "capacity": 300,
                "languages": ["en", "fr"],
            },
        )
        ids.append(event["id"])
    ctx.state["programme_id"] = programme["id"]
    ctx.state["event_ids"] = ids


@scenarios
def foundation(ctx: Context) -> list[Scenario]:
    return [
        Scenario(
            "floor",
            FLOOR_PATH,
            target=FLOOR,
            description="bare Litestar app, one GET returning a tiny JSON dict (the framework floor)",
        ),
        Scenario(
            UPDATE_FLOOR,
            FLOOR_UPDATE_PATH,
            method="POST",
            headers={"Content-Type": "application/json"},
            body=lambda number: json.dumps({"id": number % FLOOR_ROWS + 1}).encode(),
            target=FLOOR,
            description="the floor app: POST a JSON id, one Piccolo UPDATE ... RETURNING of that row "
            "(the write floor for scans and registrations)",
        ),
        Scenario("health", "/health", description="GET /health: one SELECT 1 on the database"),
        Scenario(
            "authenticated read",
            "/api/v1/auth/me",
            headers=ctx.auth(),
            description="GET /api/v1/auth/me with an API token: token lookup, actor, user and grants",
        ),
        Scenario(
            "public list",
            "/api/v1/events",
            description=f"GET /api/v1/events, anonymous: one page of {SEEDED_EVENTS} events plus a count",
        ),
    ]
