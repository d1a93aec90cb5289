"""Public self-registration: steady single registrations, and a race for the last seats.

* ``registration`` (a scenario): ``POST /api/v1/events/{id}/registrations``, each request with a
  new e-mail, against one event with auto-approval and the largest capacity the API accepts, so
  every answer is a 201 with an approved registration. The event fills up as the runs go on
  (warm-up included, about 2,200 registrations a run with the defaults), as a popular event would.
  Issue target: p99 under 50 ms at 8 concurrent clients.
* ``registration race`` (a trial): a fresh event with 50 seats and auto-approval; 500 connections
  are opened, then all 500 submit a registration at the same moment. It reports the time from
  the release to the last answer ("settle"), p50/p99 latency and the number of 201 answers, then
  asks the organiser API (``/registrations/statistics``) whether exactly 50 were approved and 450
  waitlisted: the capacity must hold under concurrency. Issue target: settles within 2 s on
  PostgreSQL.
"""

from __future__ import annotations

import asyncio
import datetime
import itertools
import json
import secrets
from collections import Counter

from bench.loadgen import run_burst
from bench.registry import Check, Context, Scenario, Trial, TrialResult, scenarios, seed, trials

#: The largest capacity ``EventCreate`` accepts; with it the steady scenario is always approved.
LARGE_CAPACITY = 100_000
RACE_SEATS = 50
RACE_CONNECTIONS = 500
#: The issue's targets, shown in the descriptions and the checks' names (not enforced as failures).
TARGET_P99_MS = 50
TARGET_SETTLE_S = 2.0

# A little variety, so the rows and the statistics look like real ones.
GENDERS = ["female", "male", "female", "male", "undisclosed"]
COUNTRIES = ["DJI", "FJI", "NPL", "BOL", "MDV", "LSO", "TUV", "KHM"]
LEVELS = ["mid", "high"]
JSON_HEADERS = {"Content-Type": "application/json"}
#: Numbers the steady scenario's e-mails: unique across runs and repeats (the load generator's
#: request number restarts at 0 every run, so it cannot make them unique on its own).
_steady_numbers = itertools.count()


def registration_body(number: int, tag: str) -> bytes:
    """A valid self-registration with an e-mail unique to ``tag`` and ``number``."""
    country = COUNTRIES[number % len(COUNTRIES)]
    return json.dumps(
        {
            "given_names": "Amina",
            "family_name": f"Moussa {number}",
            "email": f"{tag}-{number}@example.org",
            "gender": GENDERS[number % len(GENDERS)],
            "nationality": country,
            "country_represented": country,
            "institution": "Cabinet Office",
            "level": LEVELS[number % len(LEVELS)],
            "consent": True,
        },
        separators=(",", ":"),
    ).encode()


def event_body(programme_id: int, slug: str, title: str, capacity: int) -> dict:
    """An open event (no registration window) with auto-approval, starting in about a year."""
    start = datetime.date.today() + datetime.timedelta(days=365)
    return {
        "programme_id": programme_id,
        "slug": slug,
        "title": title,
        "kind": "symposium",
        "venue": "Conference centre",
        "city": "Baku",
        "country": "AZE",
        "time_zone": "Asia/Baku",
        "start_date": start.isoformat(),
        "end_date": (start + datetime.timedelta(days=2)).isoformat(),
        "capacity": capacity,
        "auto_approve": True,
    }


@seed
def registration_events(ctx: Context) -> None:
    """A programme of its own, and the large open event the steady scenario registers for."""
    programme = ctx.call(
        "POST",
        "/api/v1/programmes",
        {"slug": "bench-registration", "title": "Benchmark registrations", "description": "bench"},
    )
    event = ctx.call(
        "POST",
        "/api/v1/events",
        event_body(programme["id"], "bench-open-registration", "Open registration", LARGE_CAPACITY),
    )
    ctx.state["registration_programme_id"] = programme["id"]
    ctx.state["registration_event_id"] = event["id"]


@scenarios
def registration(ctx: Context) -> list[Scenario]:
    event_id = ctx.state.get("registration_event_id", 0)
    return [
        Scenario(
            "registration",
            f"/api/v1/events/{event_id}/registrations",
            method="POST",
            headers=JSON_HEADERS,
            body=lambda _n: registration_body(next(_steady_numbers), "steady"),
            expected_status=201,
            description=f"POST a self-registration, new e-mail each time; auto-approved, capacity "
            f"{LARGE_CAPACITY:,} (target: p99 < {TARGET_P99_MS} ms at c=8)",
        )
    ]


async def race(ctx: Context, repeat: int) -> TrialResult:
    """One race: a fresh 50-seat event, 500 simultaneous registrations, then the organiser's count."""
    slug = f"race-{repeat + 1}-{secrets.token_hex(4)}"
    event = await asyncio.to_thread(
        ctx.call,
        "POST",
        "/api/v1/events",
        event_body(ctx.state["registration_programme_id"], slug, f"Race {repeat + 1}", RACE_SEATS),
    )
    event_id = event["id"]
    db_before = ctx.database_cpu() if ctx.database_cpu else None
    burst = await run_burst(
        Scenario(
            "registration race",
            f"/api/v1/events/{event_id}/registrations",
            method="POST",
            headers=JSON_HEADERS,
            body=lambda number: registration_body(number, slug),
            expected_status=201,
        ),
        ctx.base_url,
        connections=RACE_CONNECTIONS,
        server_cpu=ctx.service_cpu,
    )
    db_after = ctx.database_cpu() if ctx.database_cpu else None
    answered: Counter[str] = Counter()  # the status each answer reports for its registration
    for body in burst.bodies:
        if body:
            try:
                answered[json.loads(body)["registration"]["status"]] += 1
            except (ValueError, KeyError, TypeError):
                answered["(unreadable)"] += 1
    stats = await asyncio.to_thread(ctx.call, "GET", f"/api/v1/events/{event_id}/registrations/statistics")
    by_status = stats["by_status"]
    approved, waitlisted = by_status.get("approved", 0), by_status.get("waitlisted", 0)
    created = burst.statuses.get(201, 0)
    waiting = RACE_CONNECTIONS - RACE_SEATS
    checks = [
        Check(
            f"statistics: {RACE_SEATS} approved, {waiting} waitlisted, {RACE_CONNECTIONS} in all",
            approved == RACE_SEATS and waitlisted == waiting and stats["total"] == RACE_CONNECTIONS,
            f"approved {approved}, waitlisted {waitlisted}, total {stats['total']}, by status {by_status}",
        ),
        Check(
            f"answers: {RACE_CONNECTIONS} x 201, {RACE_SEATS} of them approved",
            created == RACE_CONNECTIONS and answered.get("approved", 0) == RACE_SEATS,
            f"statuses {burst.statuses}, registrations in the answers {dict(answered)}",
        ),
    ]
    server_cpu_ms = burst.server_cpu * 1000 if burst.server_cpu is not None else float("nan")
    db_cpu_ms = (db_after - db_before) * 1000 if db_before is not None and db_after is not None else None
    figures = {
        "settle ms": burst.settle_s * 1000,
        "p50 ms": burst.percentile(0.50) * 1000,
        "p99 ms": burst.percentile(0.99) * 1000,
        "201s": created,
        "approved": approved,
        "waitlisted": waitlisted,
        "srv cpu ms": server_cpu_ms,
    }
    if db_cpu_ms is not None:
        figures["db cpu ms"] = db_cpu_ms
    return TrialResult(
        figures=figures,
        requests=RACE_CONNECTIONS,
        errors=burst.errors,
        checks=checks,
        error_sample=burst.error_sample,
        detail={
            "event_id": event_id,
            "settle_s": round(burst.settle_s, 4),
            "connect_s": round(burst.connect_s, 4),
            "release_s": round(burst.release_s, 5),
            "first_answer_ms": round(min(burst.latencies, default=float("nan")) * 1000, 3),
            "p90_ms": round(burst.percentile(0.90) * 1000, 3),
            "max_ms": round(max(burst.latencies, default=float("nan")) * 1000, 3),
            "statuses": {str(status): count for status, count in sorted(burst.statuses.items())},
            "answered_registration_status": dict(answered),
            "statistics_by_status": by_status,
            "client_cpu_s": round(burst.client_cpu, 4),
            "server_cpu_s": None if burst.server_cpu is None else round(burst.server_cpu, 4),
            "database_cpu_s": None if db_cpu_ms is None else round(db_cpu_ms / 1000, 4),
        },
    )


@trials
def registration_race(ctx: Context) -> list[Trial]:
    return [
        Trial(
            "registration race",
            race,
            description=f"{RACE_CONNECTIONS} registrations released at once for {RACE_SEATS} seats "
            f"(fresh event each repeat; target: settles < {TARGET_SETTLE_S:g} s on PostgreSQL)",
        )
    ]
