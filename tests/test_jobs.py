"""Jobs: queued in the job table, claimed once, progress, cancel, results that expire, who sees them,
recovery after a crash, and the visit scheduler's dry run as the first job kind."""

from __future__ import annotations

import asyncio
import datetime
import os
import secrets
import time
from collections import Counter

import pytest

from events import clock
from events.audit.tables import AuditEntry
from events.db import write_transaction
from events.jobs import runner, services
from events.jobs.backends import InProcessWorker, make_worker
from events.jobs.registry import JobResult, job_kind
from events.jobs.tables import Job
from events.settings import ConfigurationError, load_settings

API = "/api/v1"
RAN: Counter[int] = Counter()


@job_kind("tests.steps")
async def steps_job(ctx, *, steps: int = 3) -> dict:
    RAN[ctx.job_id] += 1
    seen = []
    for n in range(steps):
        await ctx.progress((n + 1) / (steps + 1), f"step {n + 1} of {steps}")
        row = await Job.select(Job.progress, Job.message).where(Job.id == ctx.job_id).first()
        seen.append((round(row["progress"], 3), row["message"]))
    return {"seen": seen, "actor": ctx.actor.user_id}


@job_kind("tests.until_cancelled")
async def until_cancelled_job(ctx) -> None:
    RAN[ctx.job_id] += 1
    await ctx.progress(0.1, "waiting to be cancelled")
    for _ in range(500):
        await ctx.check()
        await asyncio.sleep(0.01)
    raise AssertionError("never cancelled")


@job_kind("tests.file")
async def file_job(ctx, *, text: str) -> JobResult:
    return JobResult(
        data={"size": len(text)}, file=text.encode(), filename="letters.zip", content_type="application/zip"
    )


@job_kind("tests.boom")
async def boom_job(ctx) -> None:
    raise RuntimeError("the printer is on fire")


async def wait_for(job_id: int, *statuses: str, within: float = 10.0, message: str | None = None) -> dict:
    deadline = asyncio.get_running_loop().time() + within
    while True:
        row = await Job.select().where(Job.id == job_id).first()
        if row["status"] in statuses and message in (None, row["message"]):
            return row
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"job {job_id} still {row['status']} after {within} s: {row}")
        await asyncio.sleep(0.02)


@pytest.fixture(autouse=True)
def _fresh_counts():
    RAN.clear()  # job ids start again in every test


@pytest.fixture
async def job_runner():
    started: list[runner.JobRunner] = []

    def start(**kwargs) -> runner.JobRunner:
        job_runner = runner.JobRunner(poll_interval=0.05, **kwargs)
        job_runner.start()
        started.append(job_runner)
        return job_runner

    yield start
    for job_runner in started:
        await job_runner.stop(grace=1.0)


# --- running ---------------------------------------------------------------------------------------


async def test_a_job_runs_as_its_requester_and_reports_progress(client, event, event_organiser, job_runner):
    job = await services.enqueue(event_organiser.actor, "tests.steps", event_id=event.id, params={"steps": 3})
    assert job.status == "queued" and job.progress == 0
    worker = job_runner()
    await wait_for(job.id, "succeeded")
    await worker.stop()  # the jobs queued below stay queued

    response = await client.get(f"{API}/jobs/{job.id}", headers=event_organiser.headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "succeeded" and body["progress"] == 1.0
    assert body["result"]["seen"] == [
        (0.25, "step 1 of 3"),
        (0.5, "step 2 of 3"),
        (0.75, "step 3 of 3"),
    ] or body["result"]["seen"] == [[0.25, "step 1 of 3"], [0.5, "step 2 of 3"], [0.75, "step 3 of 3"]]
    assert body["result"]["actor"] == event_organiser.user_id  # the requester's rights, not the system's
    assert body["result_url"] is None and body["started_at"] and body["finished_at"]
    assert body["created_at"].endswith("+04:00")  # in the event's zone (Baku), like every answer
    assert RAN[job.id] == 1
    assert await AuditEntry.exists().where(
        AuditEntry.action == "jobs.enqueued", AuditEntry.object_id == str(job.id)
    )

    listed = (
        await client.get(f"{API}/jobs", params={"event_id": event.id}, headers=event_organiser.headers)
    ).json()
    assert [item["id"] for item in listed["items"]] == [job.id]
    newer = [
        await services.enqueue(event_organiser.actor, "tests.steps", event_id=event.id, params={"steps": 1})
        for _ in range(2)
    ]
    page = (
        await client.get(
            f"{API}/jobs",
            params={"event_id": event.id, "limit": 2, "offset": 1},
            headers=event_organiser.headers,
        )
    ).json()
    assert [item["id"] for item in page["items"]] == [newer[0].id, job.id] and page["total"] == 3
    assert all(item["created_at"].endswith("+04:00") for item in page["items"])
    done = (
        await client.get(
            f"{API}/jobs",
            params={"event_id": event.id, "status": "succeeded"},
            headers=event_organiser.headers,
        )
    ).json()
    assert [item["id"] for item in done["items"]] == [job.id]


async def test_a_failing_job_records_a_readable_error(event, event_organiser, job_runner):
    job = await services.enqueue(event_organiser.actor, "tests.boom", event_id=event.id)
    job_runner()
    row = await wait_for(job.id, "failed")
    assert row["error"] == "RuntimeError: the printer is on fire"


async def test_a_job_queued_while_no_worker_runs_is_run_by_a_worker_started_later(
    event, event_organiser, job_runner
):
    job = await services.enqueue(event_organiser.actor, "tests.steps", event_id=event.id, params={"steps": 1})
    await asyncio.sleep(0.2)
    assert (await Job.select(Job.status).where(Job.id == job.id).first())["status"] == "queued"
    job_runner()  # "after the restart"
    await wait_for(job.id, "succeeded")
    assert RAN[job.id] == 1


async def test_a_stopping_worker_puts_its_running_job_back_in_the_queue(event, event_organiser, job_runner):
    job = await services.enqueue(event_organiser.actor, "tests.until_cancelled", event_id=event.id)
    first = runner.JobRunner(poll_interval=0.05)
    first.start()
    await wait_for(job.id, "running")
    await first.stop(grace=0.1)
    row = await wait_for(job.id, "queued")
    assert row["attempts"] == 0 and row["claimed_by"] == ""


async def test_a_job_left_running_by_a_crashed_worker_is_recovered(event, event_organiser, job_runner):
    job = await services.enqueue(event_organiser.actor, "tests.steps", event_id=event.id, params={"steps": 1})
    assert await runner.claim_next("crashed-worker") == job.id  # ... and the process died
    assert await runner.recover() == (0, 0)  # its lease still runs: another instance may be working on it
    later = clock.now() + datetime.timedelta(minutes=2)
    assert await runner.recover(later) == (1, 0)
    row = await Job.select().where(Job.id == job.id).first()
    assert row["status"] == "queued" and row["attempts"] == 1
    job_runner()
    await wait_for(job.id, "succeeded")
    assert RAN[job.id] == 1


async def test_a_job_that_keeps_losing_its_worker_fails_with_a_clear_error(event, event_organiser):
    job = await services.enqueue(event_organiser.actor, "tests.steps", event_id=event.id, max_attempts=1)
    assert await runner.claim_next("crashed-worker") == job.id
    assert await runner.recover(clock.now() + datetime.timedelta(minutes=2)) == (0, 1)
    row = await Job.select().where(Job.id == job.id).first()
    assert row["status"] == "failed" and row["error"] == runner.INTERRUPTED


async def test_two_workers_claim_a_job_once(event, event_organiser, run_concurrently, job_runner):
    job = await services.enqueue(event_organiser.actor, "tests.steps", event_id=event.id, params={"steps": 1})
    claims = await run_concurrently(*(runner.claim_next(f"worker-{n}") for n in range(8)))
    assert [c for c in claims if c is not None] == [job.id], claims
    # A backend that delivers the same job twice: the row is claimed by the first only.
    assert not await runner.claim_job(job.id, "worker-late")

    # Two runners racing over many jobs (on PostgreSQL: two connections, SKIP LOCKED): each job runs
    # exactly once, and both runners took a share.
    many = [
        await services.enqueue(event_organiser.actor, "tests.steps", event_id=event.id, params={"steps": 1})
        for _ in range(50)
    ]
    first, second = job_runner(concurrency=3), job_runner(concurrency=3)
    for item in many:
        await wait_for(item.id, "succeeded", within=30)
    assert [RAN[item.id] for item in many] == [1] * 50
    rows = await Job.select(Job.claimed_by, Job.attempts).where(Job.id.is_in([item.id for item in many]))
    assert {row["attempts"] for row in rows} == {1}
    workers = Counter(row["claimed_by"] for row in rows)
    assert set(workers) == {first.worker_id, second.worker_id}, workers


# --- cancelling ------------------------------------------------------------------------------------


async def test_cancel_a_queued_job_at_once(client, event, event_organiser, job_runner):
    job = await services.enqueue(event_organiser.actor, "tests.steps", event_id=event.id)
    response = await client.post(f"{API}/jobs/{job.id}/cancel", headers=event_organiser.headers)
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "cancelled"
    job_runner()
    await asyncio.sleep(0.2)
    assert RAN[job.id] == 0
    assert await AuditEntry.exists().where(
        AuditEntry.action == "jobs.cancelled", AuditEntry.object_id == str(job.id)
    )
    again = await client.post(f"{API}/jobs/{job.id}/cancel", headers=event_organiser.headers)
    assert again.status_code == 409 and again.headers["content-type"].startswith("application/problem+json")


async def test_cancel_a_running_job_stops_it_at_its_next_check(client, event, event_organiser, job_runner):
    job = await services.enqueue(event_organiser.actor, "tests.until_cancelled", event_id=event.id)
    job_runner()
    await wait_for(job.id, "running", message="waiting to be cancelled")  # running, not only claimed
    response = await client.post(f"{API}/jobs/{job.id}/cancel", headers=event_organiser.headers)
    assert response.status_code == 200 and response.json()["cancel_requested"] is True
    row = await wait_for(job.id, "cancelled", within=5)
    assert row["finished_at"] is not None and RAN[job.id] == 1


# --- results ---------------------------------------------------------------------------------------


async def test_a_result_file_is_kept_encrypted_then_gone_after_it_expires(
    client, event, event_organiser, job_runner
):
    job = await services.enqueue(
        event_organiser.actor,
        "tests.file",
        event_id=event.id,
        params={"text": "Dear Ms Example, passport X123"},
    )
    job_runner()
    row = await wait_for(job.id, "succeeded")
    stored = services.results_dir() / row["result_path"]
    assert stored.exists() and b"passport" not in stored.read_bytes()  # encrypted at rest
    hours = (row["result_expires_at"] - clock.now()).total_seconds() / 3600
    assert 47.9 < hours <= 48

    body = (await client.get(f"{API}/jobs/{job.id}", headers=event_organiser.headers)).json()
    assert body["result_url"] == f"{API}/jobs/{job.id}/result" and body["result"] == {"size": 30}
    response = await client.get(body["result_url"], headers=event_organiser.headers)
    assert response.status_code == 200
    assert response.content == b"Dear Ms Example, passport X123"
    assert response.headers["content-disposition"] == 'attachment; filename="letters.zip"'
    assert response.headers["cache-control"] == "private, no-store"

    await Job.update({Job.result_expires_at: clock.now() - datetime.timedelta(seconds=1)}).where(
        Job.id == job.id
    )
    response = await client.get(f"{API}/jobs/{job.id}/result", headers=event_organiser.headers)
    assert response.status_code == 410 and response.headers["content-type"].startswith(
        "application/problem+json"
    )
    assert await services.purge_expired() == 1
    assert not stored.exists()
    assert (
        await client.get(f"{API}/jobs/{job.id}/result", headers=event_organiser.headers)
    ).status_code == 410
    assert (await client.get(f"{API}/jobs/{job.id}", headers=event_organiser.headers)).json()[
        "result"
    ] is None
    assert await services.purge_expired() == 0  # nothing left to erase


async def test_files_of_jobs_that_no_longer_exist_are_removed(event, event_organiser, job_runner):
    job = await services.enqueue(event_organiser.actor, "tests.file", event_id=event.id, params={"text": "x"})
    job_runner()
    row = await wait_for(job.id, "succeeded")
    stored = services.results_dir() / row["result_path"]
    fresh_orphan = services.results_dir() / "999-0000.bin"
    fresh_orphan.write_bytes(b"being written")
    await Job.delete().where(Job.id == job.id)  # as when its event is deleted
    await services.purge_expired()
    assert stored.exists()  # young: could be a result whose row is being written
    old = time.time() - services.ORPHAN_AGE_S - 1
    os.utime(stored, (old, old))
    await services.purge_expired()
    assert not stored.exists() and fresh_orphan.exists()
    fresh_orphan.unlink()


async def test_a_job_without_a_file_has_no_result_to_download(client, event, event_organiser, job_runner):
    job = await services.enqueue(event_organiser.actor, "tests.steps", event_id=event.id, params={"steps": 1})
    response = await client.get(f"{API}/jobs/{job.id}/result", headers=event_organiser.headers)
    assert response.status_code == 404


# --- who sees a job -------------------------------------------------------------------------------


async def test_only_the_events_organisers_and_the_requester_see_a_job(
    client, event, event_organiser, other_organiser, staff, participant, programme_organiser, make_account
):
    job = await services.enqueue(event_organiser.actor, "tests.steps", event_id=event.id)
    for outsider in (other_organiser, staff, participant):
        for method, path in (
            ("GET", f"/jobs/{job.id}"),
            ("POST", f"/jobs/{job.id}/cancel"),
            ("GET", f"/jobs/{job.id}/result"),
        ):
            response = await client.request(method, f"{API}{path}", headers=outsider.headers)
            assert response.status_code == 404, (outsider.username, path, response.text)
            assert response.headers["content-type"].startswith("application/problem+json")
        listed = await client.get(f"{API}/jobs", params={"event_id": event.id}, headers=outsider.headers)
        assert listed.status_code == 403
    assert (await client.get(f"{API}/jobs/{job.id}")).status_code == 401
    assert (await client.get(f"{API}/jobs/{job.id}", headers=programme_organiser.headers)).status_code == 200
    assert (await Job.select(Job.status).where(Job.id == job.id).first())[
        "status"
    ] == "queued"  # nobody cancelled it


# --- configuration ---------------------------------------------------------------------------------


def test_the_backend_follows_the_database_unless_told(tmp_path):
    base = {"DATA_DIR": str(tmp_path), "SECRET_KEY": "x" * 40}
    assert load_settings(base).jobs_backend == "inprocess"
    postgres = load_settings({**base, "DATABASE_URL": "postgresql://db/events"})
    assert postgres.jobs_backend == "saq"
    assert load_settings(
        {**base, "DATABASE_URL": "postgresql://db/e", "JOBS_BACKEND": "inprocess"}
    ).jobs_backend == ("inprocess")
    assert load_settings({**base, "JOBS_URL": "redis://127.0.0.1:6379/0"}).jobs_backend == "saq"
    assert isinstance(make_worker(load_settings(base)), InProcessWorker)
    assert load_settings({**base, "JOB_RESULT_HOURS": "6"}).job_result_hours == 6
    with pytest.raises(ConfigurationError):
        load_settings({**base, "JOBS_BACKEND": "saq"})  # SQLite and no JOBS_URL: nowhere to queue
    with pytest.raises(ConfigurationError):
        load_settings({**base, "JOBS_URL": "amqp://rabbit"})


async def test_the_app_lifespan_starts_and_stops_the_in_process_worker(app, event, event_organiser):
    from events.jobs.backends import lifespan_worker

    settings = load_settings({**os.environ, "JOBS_BACKEND": "inprocess"})
    lifespan = lifespan_worker(settings)
    async with lifespan as worker:
        assert isinstance(worker, InProcessWorker) and worker.runner.running
        job = await services.enqueue(
            event_organiser.actor, "tests.steps", event_id=event.id, params={"steps": 1}
        )
        await wait_for(job.id, "succeeded", within=5)  # woken by the enqueue, no poll interval to wait
    assert not worker.runner.running
    off = load_settings({**os.environ, "JOBS_BACKEND": "inprocess", "JOBS_WORKER": "off"})
    async with lifespan_worker(off) as nothing:
        assert nothing is None


# --- the SAQ backend (PostgreSQL queue, or Redis) ---------------------------------------------------


@pytest.mark.postgres_only
@pytest.mark.parametrize(
    "queue_url", ["", "redis://127.0.0.1:6379/15"], ids=["postgres-queue", "redis-queue"]
)
async def test_saq_workers_run_each_job_once(event, event_organiser, queue_url, monkeypatch):
    from events.jobs import saq_backend
    from events.jobs.saq_backend import SaqWorker

    settings = load_settings({**os.environ, "JOBS_BACKEND": "saq", "JOBS_URL": queue_url})
    if queue_url:
        import redis.asyncio as redis

        probe = redis.from_url(queue_url)
        try:
            await probe.ping()
        except (OSError, redis.ConnectionError):
            pytest.skip("no Redis at 127.0.0.1:6379")
        finally:
            await probe.aclose()
    # A queue of this test's own: another database's tests may share the Redis.
    monkeypatch.setattr(saq_backend, "QUEUE_NAME", f"events-jobs-test-{secrets.token_hex(4)}")
    one, two = SaqWorker(settings, grace_s=1), SaqWorker(settings, grace_s=1)
    await one.begin()
    await two.begin()
    try:
        jobs = [
            await services.enqueue(
                event_organiser.actor, "tests.steps", event_id=event.id, params={"steps": 1}
            )
            for _ in range(50)
        ]
        # The same jobs delivered twice by the queue, from both sides, still run once: the row is claimed.
        for job in jobs[:10]:
            await one.producer._enqueue(job.id)
            await two.producer._enqueue(job.id)
        for job in jobs:
            await wait_for(job.id, "succeeded", within=30)
        await asyncio.sleep(0.2)  # the duplicate deliveries are done with too
        assert [RAN[job.id] for job in jobs] == [1] * 50
        rows = await Job.select(Job.claimed_by, Job.attempts).where(Job.id.is_in([job.id for job in jobs]))
        assert {row["attempts"] for row in rows} == {1}
        assert {row["claimed_by"] for row in rows} == {one.worker_id, two.worker_id}
    finally:
        await one.end()
        await two.end()


# --- the first consumer: the visit scheduler's dry run ----------------------------------------------


async def test_the_scheduler_dry_run_as_a_job_gives_the_same_proposal(
    client, event, event_organiser, staff, job_runner
):
    from tests.test_visits_api import _choose, _scenario

    organiser = event_organiser.headers
    s = await _scenario(client, event, organiser)
    a, b = s["a"]["id"], s["b"]["id"]
    for n, registration_id in s["people"].items():
        await _choose(client, registration_id, organiser, *((b, a) if n % 2 else (a, b)))
    url = f"{API}/events/{event.id}/visits/schedule/dry-run"
    synchronous = await client.post(url, headers=organiser)
    assert synchronous.status_code == 201, synchronous.text

    refused = await client.post(url, params={"wait": "false"}, headers=staff.headers)
    assert refused.status_code == 403
    response = await client.post(url, params={"wait": "false", "time_limit_s": 2}, headers=organiser)
    assert response.status_code == 202, response.text
    job = response.json()
    assert response.headers["location"] == f"{API}/jobs/{job['id']}"
    assert job["kind"] == "visits.schedule_dry_run" and job["status"] == "queued"
    assert job["params"] == {"event_id": event.id, "time_limit_s": 2.0}

    job_runner()
    await wait_for(job["id"], "succeeded", within=20)
    done = (await client.get(f"{API}/jobs/{job['id']}", headers=organiser)).json()
    assert done["progress"] == 1.0
    run, expected = done["result"], synchronous.json()
    assert run["id"] != expected["id"]  # a new proposal, stored like the synchronous one
    for key in (
        "solver_status",
        "optimal",
        "assignments",
        "unplaced",
        "metrics",
        "changes",
        "committable",
        "current",
    ):
        assert run[key] == expected[key], key
    committed = await client.post(
        f"{API}/events/{event.id}/visits/schedule/runs/{run['id']}/commit", headers=organiser
    )
    assert committed.status_code == 200, committed.text


async def test_a_dry_run_job_for_an_unknown_event_is_refused_before_it_is_queued(client, programme_organiser):
    response = await client.post(
        f"{API}/events/999999/visits/schedule/dry-run",
        params={"wait": "false"},
        headers=programme_organiser.headers,
    )
    assert response.status_code == 404
    assert await Job.count() == 0


async def test_a_job_whose_requester_was_disabled_fails_without_running(event, event_organiser, job_runner):
    from events.auth import services as auth_services
    from tests.factories import SYSTEM

    job = await services.enqueue(event_organiser.actor, "tests.steps", event_id=event.id)
    await auth_services.set_active(SYSTEM, event_organiser.user_id, False)
    job_runner()
    row = await wait_for(job.id, "failed")
    assert row["error"] == "The account that asked for it is disabled" and RAN[job.id] == 0


def test_events_worker_is_a_command():
    from click.testing import CliRunner

    from events.cli import main

    result = CliRunner().invoke(main, ["worker", "--help"])
    assert result.exit_code == 0 and "Run jobs" in result.output


@pytest.mark.postgres_only
async def test_a_web_instance_without_a_worker_queues_for_events_worker(event, event_organiser):
    from events.jobs.backends import lifespan_worker
    from events.jobs.saq_backend import SaqProducer, SaqWorker

    web = load_settings({**os.environ, "JOBS_BACKEND": "saq", "JOBS_WORKER": "off"})
    async with lifespan_worker(web) as producer:
        assert isinstance(producer, SaqProducer)
        job = await services.enqueue(
            event_organiser.actor, "tests.steps", event_id=event.id, params={"steps": 1}
        )
        await asyncio.sleep(0.3)
        assert (await Job.select(Job.status).where(Job.id == job.id).first())["status"] == "queued"
        worker = SaqWorker(web, grace_s=1)  # what `events worker` runs
        await worker.begin()
        try:
            await wait_for(job.id, "succeeded", within=15)
        finally:
            await worker.end()
    assert RAN[job.id] == 1


async def test_a_cancelled_dry_run_job_stores_no_proposal(
    client, event, event_organiser, job_runner, monkeypatch
):
    import time as clock_time

    from events.visits import runs
    from events.visits.tables import ScheduleRun
    from tests.test_visits_api import _scenario

    organiser = event_organiser.headers
    await _scenario(client, event, organiser)
    solve = runs.solver.solve

    def slow_solve(*args, **kwargs):
        clock_time.sleep(1.0)  # a big event: the organiser cancels while the solver works
        return solve(*args, **kwargs)

    monkeypatch.setattr(runs.solver, "solve", slow_solve)
    url = f"{API}/events/{event.id}/visits/schedule/dry-run"
    job = (await client.post(url, params={"wait": "false"}, headers=organiser)).json()
    job_runner()
    deadline = asyncio.get_running_loop().time() + 10
    while (
        not (await client.get(f"{API}/jobs/{job['id']}", headers=organiser))
        .json()["message"]
        .startswith("Placing participants")
    ):
        assert asyncio.get_running_loop().time() < deadline
        await asyncio.sleep(0.02)
    assert (await client.post(f"{API}/jobs/{job['id']}/cancel", headers=organiser)).status_code == 200
    await wait_for(job["id"], "cancelled")
    assert await ScheduleRun.count() == 0


# --- `events worker`: jobs and the e-mail outbox ---------------------------------------------------


async def test_events_worker_runs_jobs_and_delivers_queued_mail(
    event, event_organiser, tmp_path, monkeypatch
):
    """What production runs beside web instances started with JOBS_WORKER=off and OUTBOX_WORKER=off."""
    from events.jobs import cli, saq_backend
    from events.notifications.services import queue_email
    from events.notifications.tables import OutboxMessage

    monkeypatch.setattr(saq_backend, "QUEUE_NAME", f"events-jobs-test-{secrets.token_hex(4)}")
    settings = load_settings(
        {**os.environ, "EMAIL_BACKEND": "file", "DATA_DIR": str(tmp_path), "OUTBOX_WORKER": "off"}
    )
    async with write_transaction():
        message_id = await queue_email(
            "registration_received",
            to="zoe@example.org",
            language="fr",
            context={
                "name": "Zoé",
                "event": "Forum",
                "dates": "12 octobre",
                "city": "Bakou",
                "reference": "R-1",
                "status": "reçue",
                "link": "https://example.org/r/1",
            },
        )
    stop, ready = asyncio.Event(), asyncio.Event()
    worker = asyncio.create_task(cli.serve(settings, stop, ready=ready))
    try:
        await asyncio.wait_for(ready.wait(), 10)
        job = await services.enqueue(
            event_organiser.actor, "tests.steps", event_id=event.id, params={"steps": 1}
        )
        await wait_for(job.id, "succeeded", within=15)
        deadline = asyncio.get_running_loop().time() + 10
        while (
            await OutboxMessage.select(OutboxMessage.sent_at).where(OutboxMessage.id == message_id).first()
        )["sent_at"] is None:
            assert asyncio.get_running_loop().time() < deadline, "the worker did not deliver the e-mail"
            await asyncio.sleep(0.05)
    finally:
        stop.set()
        await asyncio.wait_for(worker, 15)
    assert RAN[job.id] == 1
    assert [path.name for path in (tmp_path / "mail").iterdir()] == [f"{message_id}.eml"]
    assert "zoe@example.org" in (tmp_path / "mail" / f"{message_id}.eml").read_text()


def test_events_worker_can_leave_mail_to_others():
    from click.testing import CliRunner

    from events.cli import main

    result = CliRunner().invoke(main, ["worker", "--help"])
    assert result.exit_code == 0 and "--no-mail" in result.output and "OUTBOX_WORKER=off" in result.output
