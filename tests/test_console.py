"""The console's shared parts: the event's tab bar, the jobs pages and the progress bar (no JavaScript)."""

from __future__ import annotations

import asyncio

import pytest

from events.auth.tables import Role
from events.i18n.catalogues import N_
from events.jobs import runner
from events.jobs.registry import JobResult, job_kind
from tests.test_web import sign_in_organiser


@job_kind("tests.console_steps", label=N_("Badge sheets"))
async def console_steps_job(ctx, *, steps: int = 2, pause: float = 0.0) -> JobResult:
    for n in range(steps):
        await ctx.progress((n + 1) / (steps + 1), N_("Badge %(done)s of %(total)s"), done=n + 1, total=steps)
        await asyncio.sleep(pause)
        await ctx.check()
    return JobResult(
        data={"steps": steps}, file=b"%PDF-1.4 fake", filename="badges.pdf", content_type="application/pdf"
    )


@pytest.fixture
async def organiser_client(client, make_event, make_account):
    event = await make_event()
    account = await make_account(Role.organiser, event.id)
    await sign_in_organiser(client, account)
    return client, event, account


async def _enqueue(client, event_id: int, **params) -> int:
    from events.auth.services import load_actor
    from events.jobs import services

    account_id = (await client.get("/api/v1/auth/me")).json()["user"]["id"]
    actor = await load_actor(account_id, via="test")
    job = await services.enqueue(actor, "tests.console_steps", event_id=event_id, params=params)
    return job.id


async def test_the_event_pages_share_a_tab_bar_marking_the_current_page(organiser_client):
    client, event, _ = organiser_client
    page = await client.get(f"/organiser/events/{event.id}")
    assert page.status_code == 200, page.text
    assert 'class="console-tabs"' in page.text
    assert f'href="/organiser/events/{event.id}" aria-current="page"' in page.text
    for path in (
        "/programme",
        "/registrations",
        "/letters",
        "/badges",
        "/visits",
        "/checkin",
        "/reports",
        "/jobs",
    ):
        assert f'href="/organiser/events/{event.id}{path}"' in page.text
    registrations = await client.get(f"/organiser/events/{event.id}/registrations")
    assert f'href="/organiser/events/{event.id}/registrations" aria-current="page"' in registrations.text


async def test_an_event_someone_does_not_organise_is_refused(client, make_event, make_account):
    mine, other = await make_event(), await make_event()
    account = await make_account(Role.organiser, mine.id)
    await sign_in_organiser(client, account)
    assert (await client.get(f"/organiser/events/{other.id}")).status_code == 403
    assert (await client.get(f"/organiser/events/{other.id}/jobs")).status_code == 403


async def test_a_job_page_shows_progress_in_the_readers_language_and_a_refresh_link(organiser_client):
    client, event, _ = organiser_client
    job_id = await _enqueue(client, event.id)
    queued = await client.get(f"/organiser/jobs/{job_id}")
    assert queued.status_code == 200
    assert "Waiting to start" in queued.text and "<progress" in queued.text
    assert f'href="/organiser/jobs/{job_id}" data-job-refresh' in queued.text
    assert 'http-equiv="refresh"' not in queued.text  # WCAG 2.2.1: never an automatic refresh

    job_runner = runner.JobRunner(poll_interval=0.05)
    job_runner.start()
    try:
        for _ in range(200):
            status = (await client.get(f"/organiser/jobs/{job_id}/status")).json()
            if status["finished"]:
                break
            await asyncio.sleep(0.05)
    finally:
        await job_runner.stop(grace=1.0)
    assert status == {
        "status": "succeeded",
        "state": "Done",
        "percent": 100,
        "message": "Badge 2 of 2",
        "finished": True,
    }
    french = (await client.get(f"/organiser/jobs/{job_id}/status?lang=fr")).json()
    assert french["state"] != "Done"
    done = await client.get(f"/organiser/jobs/{job_id}")
    assert "data-job-refresh" not in done.text
    assert f'href="/organiser/jobs/{job_id}/result"' in done.text
    download = await client.get(f"/organiser/jobs/{job_id}/result")
    assert download.status_code == 200 and download.content == b"%PDF-1.4 fake"
    assert download.headers["content-disposition"] == 'attachment; filename="badges.pdf"'
    listing = await client.get(f"/organiser/events/{event.id}/jobs")
    assert f'href="/organiser/jobs/{job_id}"' in listing.text


async def test_a_queued_job_is_cancelled_from_its_page(organiser_client):
    client, event, _ = organiser_client
    job_id = await _enqueue(client, event.id)
    response = await client.post(f"/organiser/jobs/{job_id}/cancel")
    assert response.status_code == 303
    page = await client.get(f"/organiser/jobs/{job_id}")
    assert "Cancelled" in page.text and "Cancel this job" not in page.text
    again = await client.post(f"/organiser/jobs/{job_id}/cancel")
    assert again.status_code == 303


async def test_another_organisers_job_is_not_found(client, make_event, make_account):
    mine, other = await make_event(), await make_event()
    theirs = await make_account(Role.organiser, other.id)
    await sign_in_organiser(client, theirs)
    job_id = await _enqueue(client, other.id)
    await client.post("/organiser/sign-out")
    account = await make_account(Role.organiser, mine.id)
    await sign_in_organiser(client, account)
    for path in ("", "/status", "/result"):
        assert (await client.get(f"/organiser/jobs/{job_id}{path}")).status_code == 404
