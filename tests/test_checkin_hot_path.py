"""The badge scan's hot path (issue 17): how few statements a scan costs, the counts it computes from
its own changes instead of counting again, and access taken away by *another process* sharing the
database stopping the very next scan here (this process keeps the device's account, the
checkpoint's rules and the keys cached; only the access version in the database can stop them)."""

from __future__ import annotations

import asyncio
import dataclasses
import os
import sys
from pathlib import Path

import msgspec
import pytest

from events.auth.principal import Actor
from events.auth.tables import ApiToken
from events.checkin import config, controllers, scan_path, scanning, schemas
from events.checkin.tables import Presence
from events.db import dialect, statements
from tests import test_checkin
from tests.test_checkin import answer, attendee, checkpoint, nonce, scan

# The check-in tests' fixtures: caches dropped around each test, an event on now, its staff.
fresh_caches = test_checkin.fresh_caches
live_event = test_checkin.live_event
organiser = test_checkin.organiser
scanner = test_checkin.scanner

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def caches_outlive_the_test(monkeypatch):
    """Starting another Python process takes seconds on a loaded machine, longer than the caches'
    time bounds: make those an hour, so only the access version can stop the next scan."""
    monkeypatch.setattr(controllers, "DEVICE_ACTOR_TTL", 3600.0)
    monkeypatch.setattr(config, "RULES_TTL", 3600.0)


async def in_another_process(code: str) -> None:
    """Run ``code`` (the body of ``async def main()``, with ``SYSTEM`` an actor) in a fresh Python
    process on the same database: nothing it does can touch this process's memory."""
    script = (
        "import asyncio\n"
        "from events import db, plugin\n"
        "from events.auth.principal import Actor\n"
        "SYSTEM = Actor.system('another instance')\n"
        "async def main():\n"
        "    plugin.connect_listeners()\n"
        "    await db.start()\n"
        "    try:\n" + "".join(f"        {line}\n" for line in code.strip().splitlines()) + "    finally:\n"
        "        await db.stop()\n"
        "asyncio.run(main())\n"
    )
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        script,
        cwd=ROOT,
        env={**os.environ, "OUTBOX_WORKER": "off", "JOBS_WORKER": "off"},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await asyncio.wait_for(process.communicate(), timeout=120)
    assert process.returncode == 0, output.decode(errors="replace")


async def test_a_token_revoked_by_another_process_is_refused_at_the_very_next_scan(
    client, live_event, organiser, scanner, caches_outlive_the_test
):
    door = await checkpoint(client, live_event.id, organiser.headers)
    _, first = await attendee(live_event.id)
    assert (await answer(client, live_event.id, scanner.headers, door["id"], first))["result"] == "ok"
    token_id = (await ApiToken.select(ApiToken.id).where(ApiToken.user == scanner.user_id).first())["id"]

    await in_another_process(
        f"from events.auth import services\nawait services.revoke_token(SYSTEM, {token_id})"
    )

    _, second = await attendee(live_event.id, name="Bola")
    response = await scan(client, live_event.id, scanner.headers, door["id"], second)
    assert response.status_code == 401, response.text
    # Nothing was recorded for the refused device.
    assert await Presence.count().where(Presence.checkpoint == door["id"]) == 1


async def test_a_checkpoint_closed_by_another_process_refuses_the_very_next_scan(
    client, live_event, organiser, scanner, caches_outlive_the_test
):
    door = await checkpoint(client, live_event.id, organiser.headers)
    _, first = await attendee(live_event.id)
    assert (await answer(client, live_event.id, scanner.headers, door["id"], first))["result"] == "ok"

    await in_another_process(
        "from events.checkin import checkpoints, schemas\n"
        f"await checkpoints.update_checkpoint(SYSTEM, {live_event.id}, {door['id']}, "
        "schemas.CheckpointUpdate(active=False))"
    )

    _, second = await attendee(live_event.id, name="Bola")
    response = await scan(client, live_event.id, scanner.headers, door["id"], second)
    assert response.status_code == 409, response.text
    assert "closed" in response.json()["detail"]


def _counted(program, seen: list[str]):
    """The statement program, noting every statement it sends."""
    try:
        statement = next(program)
        while True:
            seen.append(statement[0])
            statement = program.send((yield statement))
    except StopIteration as stop:
        return stop.value


async def _item(actor: Actor, event_id: int, checkpoint_id: int, token: str) -> scan_path.Item:
    data = msgspec.convert(
        {"checkpoint_id": checkpoint_id, "device_id": "gate-1", "nonce": nonce(), "token": token},
        schemas.ScanCreate,
    )
    return await scanning.prepare(actor, event_id, data)


@pytest.mark.parametrize("single_entry", [False, True], ids=["counted", "single-entry"])
async def test_an_admission_costs_two_or_three_statements_where_parameters_can_be_arrays(
    client, live_event, organiser, scanner, single_entry
):
    """PostgreSQL: claim, access version, badge, rule, presence row and counts in one statement; then
    at a counted door the admission and the stored answer in one statement, at a single-entry door the
    conditional presence write and then the answer (inside one transaction). SQLite runs the program
    in its writer thread, where a statement costs no round trip: claim, badge, presence, counts,
    answer."""
    door = await checkpoint(client, live_event.id, organiser.headers, single_entry=single_entry)
    _, token = await attendee(live_event.id)
    seen: list[str] = []
    item = await _item(scanner.actor, live_event.id, door["id"], token)
    [outcome] = await statements.run(_counted(scan_path._apply_program([item], dialect()), seen))
    decoded = msgspec.json.decode(outcome.answer)
    assert decoded["result"] == "ok" and decoded["counts"]["admitted"] == 1, decoded
    assert len(seen) == ((3 if single_entry else 2) if dialect().array_parameters else 5), seen

    # The replay: one statement where the claim reads, plus the stored answer's look-up.
    again = dataclasses.replace(item)
    seen.clear()
    [replayed] = await statements.run(_counted(scan_path._apply_program([again], dialect()), seen))
    assert replayed.duplicate and replayed.answer == outcome.answer
    assert len(seen) == 2, seen


@pytest.mark.parametrize("grouped", [True, False], ids=["grouped", "one-transaction-each"])
async def test_counts_from_the_scans_own_changes_match_a_fresh_count(
    client, live_event, organiser, scanner, monkeypatch, grouped
):
    """The counts in an answer are those read with the claim plus the group's own changes: a new
    person adds one admitted and one inside, a repeat at a counted door adds nothing, an exit takes
    one from inside. They must agree with counting the rows."""
    monkeypatch.setattr(scanning, "GROUP_SCANS", grouped)
    counted = await checkpoint(client, live_event.id, organiser.headers, name="Hall")
    exits = await checkpoint(client, live_event.id, organiser.headers, name="Gate", tracks_exit=True)
    people = [await attendee(live_event.id, name=f"P{n}") for n in range(6)]
    url = f"/api/v1/events/{live_event.id}/checkin/scans"

    def request(checkpoint_id: int, token: str, **more):
        body = {
            "checkpoint_id": checkpoint_id,
            "device_id": "gate-2",
            "nonce": nonce(),
            "token": token,
            **more,
        }
        return client.post(url, json=body, headers=scanner.headers)

    # Everyone at once at both doors, twice at the counted one.
    responses = await asyncio.gather(
        *(request(cp["id"], token) for cp in (counted, exits) for _, token in people),
        *(request(counted["id"], token) for _, token in people),
    )
    assert all(r.status_code == 200 for r in responses), [r.text for r in responses]
    for cp in (counted, exits):
        final = await answer(client, live_event.id, scanner.headers, cp["id"], people[0][1])
        rows = await Presence.select().where(Presence.checkpoint == cp["id"])
        assert final["counts"]["admitted"] == len(rows) == 6, final
        assert final["counts"]["inside"] == sum(1 for row in rows if row["inside"]) == 6, final
    out = await answer(client, live_event.id, scanner.headers, exits["id"], people[1][1], direction="out")
    assert out["counts"]["inside"] == 5 and out["counts"]["admitted"] == 6, out
    back = await answer(client, live_event.id, scanner.headers, exits["id"], people[1][1])
    assert back["result"] == "ok" and back["counts"]["inside"] == 6, back
