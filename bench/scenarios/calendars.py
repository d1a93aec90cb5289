"""Calendar feeds: a 1,000-session event feed and a participant's personal feed, full and ``304``.

Seed: one five-day event in Santiago with 1,000 sessions (200 a day: 20 half-hour slots in 10
rooms; the plenary hall's every fourth slot is for everyone, the rest optional), and one approved
participant signed up for 35 optional sessions, with a personal feed token. The personal feed then
holds the event, its 25 sessions for everyone and the 35 chosen ones (61 VEVENTs, about 45 kB);
the event feed 1,001 VEVENTs (about 900 kB).

Scenarios (load, at each ``--concurrency``):

* ``calendar event feed`` / ``calendar personal feed``: plain GETs (what a subscriber without
  validators gets): the version query (for the personal feed, one statement: the token, its
  owner and the whole fingerprint), then the rendered body kept per ETag;
* ``calendar event feed 304`` / ``calendar personal feed 304``: GETs with ``If-None-Match``; the
  ETag comes from one query, nothing is built. Issue target: personal feed p99 < 10 ms at c=8;
* ``calendar event feed gzip`` / ``calendar personal feed gzip``: the same GETs with
  ``Accept-Encoding: gzip``, as calendar apps send it: the app's compression middleware then
  compresses each answer again (level 9).

Trial ``calendar rebuild`` (one client, sequential, each repeat): the cost of a 200 that must
build, against a 304. "cold": the event's venue is changed first, so every VEVENT is rendered
again (the renderer's memo misses); "rebuild": one session is edited first, so the feed is
built again from the database but 999 VEVENTs come from the memo. Then medians of cached 200s and
of 304s ("304 srv ms": the service's CPU per 304), and how many 304s cost one build ("cold÷304",
"rebuild÷304"). Check: a 304 costs less than a tenth of building the feed (cold÷304 > 10). The trial moves the
ETags, so it updates the headers the 304 scenarios send (they are read at the start of each run).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import datetime
import http.client
import secrets
import statistics
import time
import urllib.parse

from bench.registry import Check, Context, Scenario, Trial, TrialResult, scenarios, seed, trials

DAYS = 5
SLOTS_PER_DAY = 20  # half-hour slots from 08:00
ROOMS = 10
SESSIONS = DAYS * SLOTS_PER_DAY * ROOMS  # 1,000
CHOSEN_OPTIONAL = 35
TARGET_PERSONAL_P99_MS = 10
#: The trial's sequential sample sizes.
STEADY_SAMPLES = 40
NOT_MODIFIED_SAMPLES = 100
START = datetime.date(2030, 3, 4)  # a Monday; Chile is on summer time (UTC-3) all week


def _event_body(programme_id: int) -> dict:
    return {
        "programme_id": programme_id,
        "slug": "bench-calendar-1000",
        "title": "International symposium on omnichannel service delivery",
        "kind": "symposium",
        "venue": "CEPAL conference centre",
        "city": "Santiago",
        "country": "CHL",
        "time_zone": "America/Santiago",
        "start_date": START.isoformat(),
        "end_date": (START + datetime.timedelta(days=DAYS - 1)).isoformat(),
        "capacity": 1000,
        "auto_approve": True,
    }


def _session_bodies() -> list[tuple[dict, bool]]:
    """Each session and whether it is for everyone (plenary hall, every fourth slot)."""
    bodies = []
    for day in range(DAYS):
        date = START + datetime.timedelta(days=day)
        for slot in range(SLOTS_PER_DAY):
            start = datetime.datetime.combine(date, datetime.time(8)) + datetime.timedelta(minutes=30 * slot)
            for room in range(ROOMS):
                everyone = room == 0 and slot % 4 == 0
                bodies.append(
                    (
                        {
                            "title": f"Day {day + 1}, {start:%H:%M}, room {room + 1}: digital public services",
                            "kind": "plenary" if everyone else "workshop",
                            "starts_at": start.isoformat(),
                            "ends_at": (start + datetime.timedelta(minutes=25)).isoformat(),
                            "room": "Plenary hall" if room == 0 else f"Room {room}",
                            "optional": not everyone,
                            "description": "Omnichannel delivery of public services: lessons from "
                            "one-stop shops, with practitioners from LDCs, LLDCs and SIDS.",
                        },
                        everyone,
                    )
                )
    return bodies


def _fetch(ctx: Context, path: str, headers: dict[str, str] | None = None) -> tuple[int, dict, bytes]:
    """One GET with its headers (``ctx.call`` returns JSON only)."""
    parts = urllib.parse.urlsplit(ctx.base_url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=120)
    try:
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()


@seed
def calendar_event(ctx: Context) -> None:
    """The 1,000-session event, one approved participant with a personal feed, and warm feeds."""
    programme = ctx.call(
        "POST", "/api/v1/programmes", {"slug": "bench-calendars", "title": "Benchmark calendars"}
    )
    event = ctx.call("POST", "/api/v1/events", _event_body(programme["id"]))
    event_id = event["id"]
    bodies = _session_bodies()

    def create(body: dict) -> int:
        return ctx.call("POST", f"/api/v1/events/{event_id}/sessions", body)["id"]

    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
        ids = list(pool.map(create, [body for body, _ in bodies]))
    optional = [session_id for session_id, (_, everyone) in zip(ids, bodies, strict=True) if not everyone]
    step = len(optional) // CHOSEN_OPTIONAL
    chosen = optional[::step][:CHOSEN_OPTIONAL]
    registration = ctx.call(
        "POST",
        f"/api/v1/events/{event_id}/registrations",
        {
            "given_names": "Amina",
            "family_name": "Moussa",
            "email": "calendar-participant@example.org",
            "gender": "female",
            "nationality": "DJI",
            "country_represented": "DJI",
            "institution": "Cabinet Office",
            "level": "high",
            "consent": True,
            "session_ids": chosen,
        },
        authenticated=False,
    )["registration"]
    if registration["status"] != "approved" or len(registration["sessions"]) != CHOSEN_OPTIONAL:
        raise RuntimeError(f"calendar seed: participant not set up as expected: {registration}")
    feed = ctx.call("POST", f"/api/v1/registrations/{registration['id']}/calendar-feed")
    event_path = f"/calendars/events/{event_id}.ics"
    personal_path = urllib.parse.urlsplit(feed["url"]).path
    ctx.state.update(
        calendar_event_id=event_id,
        calendar_session_ids=ids,
        calendar_event_path=event_path,
        calendar_personal_path=personal_path,
        # Live header dicts: the trial puts the new ETags in after it changes the event.
        calendar_event_304={},
        calendar_personal_304={},
    )
    _refresh_etags(ctx)


def _refresh_etags(ctx: Context) -> None:
    for path_key, headers_key in (
        ("calendar_event_path", "calendar_event_304"),
        ("calendar_personal_path", "calendar_personal_304"),
    ):
        status, headers, _ = _fetch(ctx, ctx.state[path_key])
        if status != 200:
            raise RuntimeError(f"calendar seed: GET {ctx.state[path_key]} answered {status}")
        ctx.state[headers_key]["If-None-Match"] = headers["etag"]


@scenarios
def calendar_feeds(ctx: Context) -> list[Scenario]:
    event_path = ctx.state.get("calendar_event_path", "/calendars/events/0.ics")
    personal_path = ctx.state.get("calendar_personal_path", "/calendars/personal/x.ics")
    event_304 = ctx.state.get("calendar_event_304", {})
    personal_304 = ctx.state.get("calendar_personal_304", {})
    gzip = {"Accept-Encoding": "gzip"}
    return [
        Scenario(
            "calendar event feed",
            event_path,
            description=f"GET the {SESSIONS:,}-session event feed (~900 kB), no validators: version "
            "query + body kept per ETag",
        ),
        Scenario(
            "calendar event feed 304",
            event_path,
            headers=event_304,
            expected_status=304,
            description="the same with If-None-Match: the version query only",
        ),
        Scenario(
            "calendar event feed gzip",
            event_path,
            headers=gzip,
            description="the event feed with Accept-Encoding: gzip (the middleware compresses each answer)",
        ),
        Scenario(
            "calendar personal feed",
            personal_path,
            description=f"GET a personal feed (61 VEVENTs of the {SESSIONS:,}-session event), no "
            f"validators (target: p99 < {TARGET_PERSONAL_P99_MS} ms at c=8)",
        ),
        Scenario(
            "calendar personal feed 304",
            personal_path,
            headers=personal_304,
            expected_status=304,
            description="the personal feed with If-None-Match: token + fingerprint in one query",
        ),
        Scenario(
            "calendar personal feed gzip",
            personal_path,
            headers=gzip,
            description="the personal feed with Accept-Encoding: gzip",
        ),
    ]


def _sample(ctx: Context, path: str, headers: dict[str, str], count: int, expect: int) -> tuple[list, float]:
    """``count`` sequential GETs on one keep-alive connection: latencies (s) and server CPU s/request."""
    parts = urllib.parse.urlsplit(ctx.base_url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=120)
    latencies = []
    cpu_before = ctx.service_cpu() if ctx.service_cpu else None
    try:
        for _ in range(count):
            started = time.perf_counter()
            connection.request("GET", path, headers=headers)
            response = connection.getresponse()
            response.read()
            latencies.append(time.perf_counter() - started)
            if response.status != expect:
                raise RuntimeError(f"GET {path} answered {response.status}, expected {expect}")
    finally:
        connection.close()
    cpu_after = ctx.service_cpu() if ctx.service_cpu else None
    cpu = (
        (cpu_after - cpu_before) / count if cpu_before is not None and cpu_after is not None else float("nan")
    )
    return latencies, cpu


def _rebuild(ctx: Context, repeat: int) -> TrialResult:
    event_id = ctx.state["calendar_event_id"]
    event_path, personal_path = ctx.state["calendar_event_path"], ctx.state["calendar_personal_path"]
    tag = f"{repeat + 1}-{secrets.token_hex(3)}"
    figures: dict[str, float] = {}
    requests = 0

    def change_venue(suffix: str) -> None:
        ctx.call("PATCH", f"/api/v1/events/{event_id}", {"venue": f"CEPAL conference centre {tag}{suffix}"})

    def one(path: str) -> float:
        nonlocal requests
        latencies, _ = _sample(ctx, path, {}, 1, 200)
        requests += 1
        return latencies[0] * 1000

    # Cold: every VEVENT's LOCATION changed, so nothing comes from the renderer's memo.
    change_venue("a")
    figures["personal cold ms"] = one(personal_path)
    change_venue("b")
    figures["event cold ms"] = one(event_path)
    # Rebuild: one session changed; the body is built from the database, 999 VEVENTs from the memo.
    session_id = ctx.state["calendar_session_ids"][0]
    ctx.call("PATCH", f"/api/v1/events/{event_id}/sessions/{session_id}", {"title": f"Opening ({tag})"})
    figures["event rebuild ms"] = one(event_path)
    figures["personal rebuild ms"] = one(personal_path)
    _refresh_etags(ctx)

    for name, path, headers_key in (
        ("event", event_path, "calendar_event_304"),
        ("personal", personal_path, "calendar_personal_304"),
    ):
        full, _ = _sample(ctx, path, {}, STEADY_SAMPLES, 200)
        cheap, cheap_cpu = _sample(ctx, path, dict(ctx.state[headers_key]), NOT_MODIFIED_SAMPLES, 304)
        requests += STEADY_SAMPLES + NOT_MODIFIED_SAMPLES
        figures[f"{name} 200 ms"] = statistics.median(full) * 1000
        figures[f"{name} 304 ms"] = statistics.median(cheap) * 1000
        figures[f"{name} 304 srv ms"] = cheap_cpu * 1000

    for name in ("event", "personal"):  # how many 304s cost as much as one build
        figures[f"{name} cold÷304"] = figures[f"{name} cold ms"] / figures[f"{name} 304 ms"]
        figures[f"{name} rebuild÷304"] = figures[f"{name} rebuild ms"] / figures[f"{name} 304 ms"]
    checks = [
        Check(
            f"{name} feed: a 304 costs < 1/10 of building the feed",
            figures[f"{name} 304 ms"] < figures[f"{name} cold ms"] / 10,
            f"304 {figures[f'{name} 304 ms']:.2f} ms, build {figures[f'{name} cold ms']:.2f} ms",
        )
        for name in ("event", "personal")
    ]
    return TrialResult(figures=figures, requests=requests, checks=checks, detail={"tag": tag})


async def rebuild(ctx: Context, repeat: int) -> TrialResult:
    return await asyncio.to_thread(_rebuild, ctx, repeat)


@trials
def calendar_trials(ctx: Context) -> list[Trial]:
    return [
        Trial(
            "calendar rebuild",
            rebuild,
            description=f"one client: a {SESSIONS:,}-session event feed and a personal feed built cold, "
            "rebuilt after one edit, served cached, and answered 304 (target: 304 < 1/10 of a build)",
        )
    ]
