"""An airport transfer run as a check-in checkpoint: staff scan at the coach door; its riders board,
anyone else is refused as not assigned, online and in the offline kit alike."""

from __future__ import annotations

import datetime

import pytest

from events.auth.tables import Role
from events.checkin import config
from events.travel.tables import TransferRun
from tests.browser import seed_transfers
from tests.factories import create_account
from tests.test_checkin import API, answer, badge, checkpoint, fresh_caches, live_event, now  # noqa: F401

UTC = datetime.UTC


@pytest.fixture
async def planned(client, live_event):  # noqa: F811 (the fixture imported above)
    seeded = await seed_transfers.seed(live_event.id)
    organiser = await create_account(Role.organiser, live_event.id)
    response = await client.post(
        f"{API}/events/{live_event.id}/travel/transfers/plan",
        json={"direction": "arrival"},
        headers=organiser.headers,
    )
    assert response.status_code == 200, response.text
    return organiser, seeded, response.json()["runs"]


def _open_now() -> dict:
    """Opening times around now (the seeded flights land in 2027; the badges are valid today)."""
    return {
        "opens_at": (now() - datetime.timedelta(hours=1)).isoformat(),
        "closes_at": (now() + datetime.timedelta(hours=1)).isoformat(),
    }


async def test_a_transfer_bus_admits_its_riders_and_refuses_the_others(client, live_event, planned):  # noqa: F811
    organiser, _, runs = planned
    first, second = runs[0], runs[1]
    staff = await create_account(Role.staff, live_event.id)
    cp = await checkpoint(
        client,
        live_event.id,
        organiser.headers,
        name="Pick-up 1",
        kind="transfer_bus",
        transfer_run=first["key"],
        **_open_now(),
    )
    assert cp["admits"] == "transfer" and cp["transfer_run"] == first["key"]
    rider = first["riders"][0]["registration_id"]
    other = second["riders"][0]["registration_id"]
    boarded = await answer(client, live_event.id, staff.headers, cp["id"], await badge(rider))
    assert boarded["result"] == "ok", boarded
    refused = await answer(client, live_event.id, staff.headers, cp["id"], await badge(other))
    assert refused["result"] == "denied" and refused["reason"] == "not_assigned", refused

    rules = await config.load_rules(live_event.id, cp["id"])
    assert await config.expected(rules) == len(first["riders"])
    kit = await client.get(
        f"{API}/events/{live_event.id}/checkin/checkpoints/{cp['id']}/kit", headers=staff.headers
    )
    assert kit.status_code == 200, kit.text
    assert set(kit.json()["allowed"]) == {r["registration_id"] for r in first["riders"]}
    assert kit.json()["rules"]["admits"] == "transfer"


async def test_a_transfer_bus_needs_a_run_of_its_event(client, live_event, planned):  # noqa: F811
    organiser, _, _ = planned
    url = f"{API}/events/{live_event.id}/checkin/checkpoints"
    missing = await client.post(
        url, json={"name": "Coach", "kind": "transfer_bus"}, headers=organiser.headers
    )
    assert missing.status_code == 422 and "transfer_run" in missing.text
    unknown = await client.post(
        url,
        json={"name": "Coach", "kind": "transfer_bus", "transfer_run": "TR-NOPE"},
        headers=organiser.headers,
    )
    assert unknown.status_code == 422 and "has no transfer run" in unknown.text


async def test_a_replanned_run_keeps_its_checkpoint(client, live_event, planned):  # noqa: F811
    organiser, _, runs = planned
    cp = await checkpoint(
        client, live_event.id, organiser.headers, name="Old", kind="transfer_bus", transfer_run=runs[0]["key"]
    )
    again = await client.post(
        f"{API}/events/{live_event.id}/travel/transfers/plan",
        json={"direction": "arrival"},
        headers=organiser.headers,
    )
    assert again.status_code == 200
    config.forget()
    rules = await config.load_rules(live_event.id, cp["id"])
    assert rules.transfer_run_id == runs[0]["id"]
    assert await config.expected(rules) == len(runs[0]["riders"])
    # A run the next plan no longer has is gone, and its checkpoint admits nobody.
    await TransferRun.delete().where(TransferRun.id == runs[0]["id"])
    config.forget()
    rules = await config.load_rules(live_event.id, cp["id"])
    assert rules.transfer_run_id is None and await config.expected(rules) == 0
