"""The registration import as a job: the API's ``wait=false``, the report, cancelling between rows,
the upload encrypted at rest and deleted, a bad file failing readably, and the console's upload page
(no JavaScript)."""

from __future__ import annotations

import asyncio
import contextvars
import json
import re

import pytest

from events.auth.tables import Role
from events.db import dialect
from events.jobs import runner, services
from events.jobs.tables import Job
from events.registration import importer
from events.registration import jobs as registration_jobs
from events.registration.tables import Registration
from tests.test_registration_import_export import PEOPLE, csv_bytes, person
from tests.test_web import sign_in_organiser

API = "/api/v1"


def inputs() -> set[str]:
    folder = services.inputs_dir()
    return {path.name for path in folder.glob("*.bin")} if folder.is_dir() else set()


async def run(job_id: int, worker: str = "test-worker") -> dict:
    """Run a queued job here, as a worker would, and return its row."""
    assert await runner.claim_job(job_id, worker)
    await runner.execute(job_id, worker)
    return await Job.select().where(Job.id == job_id).first()


async def queue_upload(client, event_id: int, account, content: bytes, filename="list.csv", **params):
    query = {key: str(value).lower() for key, value in params.items()}
    return await client.post(
        f"{API}/events/{event_id}/registrations/import",
        files={"data": (filename, content, "application/octet-stream")},
        params={**query, "wait": "false"},
        headers=account.headers,
    )


async def registrations(event_id: int) -> int:
    return await Registration.count().where(Registration.event == event_id)


async def test_wait_false_queues_the_import_and_its_result_is_the_report(client, event, event_organiser):
    bad = person(email="not-an-address", given_names="Ana", family_name="Silva")
    rows = [*PEOPLE[:3], bad, PEOPLE[0]]
    before = inputs()
    response = await queue_upload(client, event.id, event_organiser, csv_bytes(rows))
    assert response.status_code == 202, response.text
    job = response.json()
    assert response.headers["location"] == f"{API}/jobs/{job['id']}"
    assert job["kind"] == "registration.import" and job["status"] == "queued"
    assert await registrations(event.id) == 0  # nothing imported within the request

    # The upload waits encrypted at rest: no e-mail address or name readable in the stored bytes.
    [stored] = inputs() - before
    assert job["params"]["input_file"] == stored
    raw = (services.inputs_dir() / stored).read_bytes()
    for word in (b"example", b"given_names", PEOPLE[0]["family_name"].encode()):
        assert word not in raw
    assert services.read_input(stored) == csv_bytes(rows)

    row = await run(job["id"])
    assert row["status"] == "succeeded", row["error"]
    assert stored not in inputs()  # deleted once the job ended
    answer = (await client.get(f"{API}/jobs/{job['id']}", headers=event_organiser.headers)).json()
    report = answer["result"]
    assert (report["created"], report["updated"], report["rejected"]) == (3, 0, 2)
    assert [(r["row"], r["outcome"]) for r in report["rows"]] == [
        (2, "created"),
        (3, "created"),
        (4, "created"),
        (5, "rejected"),
        (6, "rejected"),
    ]
    assert report["rows"][3]["errors"] == ["email: is not an e-mail address"]
    assert "appears more than once in this file (first on row 2)" in report["rows"][4]["errors"][0]
    assert await registrations(event.id) == 3

    # The CSV report: one line per row, encrypted at rest like every personal result.
    assert row["result_encrypted"] is True
    assert b"example" not in (services.results_dir() / row["result_path"]).read_bytes()
    sheet = await client.get(answer["result_url"], headers=event_organiser.headers)
    assert sheet.status_code == 200
    lines = sheet.content.decode("utf-8-sig").splitlines()
    assert lines[0] == "row,outcome,email,registration_id,reasons"
    assert lines[4].startswith("5,rejected,not-an-address,,email: is not an e-mail address")

    # Run again (a worker died and the job re-ran): people already there are updated, not doubled.
    again = await queue_upload(client, event.id, event_organiser, csv_bytes(PEOPLE[:3]))
    rerun = await run(again.json()["id"])
    assert rerun["status"] == "succeeded"
    assert await registrations(event.id) == 3


async def test_the_request_still_answers_with_the_report_by_default(client, event, event_organiser):
    response = await client.post(
        f"{API}/events/{event.id}/registrations/import",
        files={"data": ("list.csv", csv_bytes(PEOPLE[:2]), "text/csv")},
        headers=event_organiser.headers,
    )
    assert response.status_code == 200, response.text
    assert response.json()["created"] == 2
    assert await Job.count() == 0


async def test_cancel_stops_the_import_between_rows(client, event, event_organiser, monkeypatch):
    monkeypatch.setattr(importer, "CHUNK_ROWS", 2)
    real_progress = runner._Context.progress
    cancelled: list[int] = []

    async def cancel_after_two_rows(self, fraction, message="", **args):
        await real_progress(self, fraction, message, **args)
        if args.get("done", 0) >= 2 and not cancelled:
            cancelled.append(args["done"])
            await services.cancel(event_organiser.actor, self.job_id)  # an organiser presses Cancel

    monkeypatch.setattr(runner._Context, "progress", cancel_after_two_rows)
    before = inputs()
    response = await queue_upload(client, event.id, event_organiser, csv_bytes(PEOPLE))
    row = await run(response.json()["id"])
    assert row["status"] == "cancelled"
    assert cancelled == [2]
    assert await registrations(event.id) == 2  # the first chunk was committed; nothing after it
    assert inputs() == before  # the upload is gone with the job


async def test_a_cancelled_atomic_import_leaves_nothing(client, event, event_organiser, monkeypatch):
    monkeypatch.setattr(registration_jobs, "CHECK_EVERY", 1)
    real_import_row = importer._import_row
    seen: list[str] = []

    async def import_row_then_cancel(actor, event_id, row, consent_collected):
        outcome = await real_import_row(actor, event_id, row, consent_collected)
        seen.append(row["email"])
        if len(seen) == 2:  # what a cancel from another process looks like inside the transaction
            await Job.update({Job.cancel_requested: True}).where(Job.status == "running")
        return outcome

    monkeypatch.setattr(importer, "_import_row", import_row_then_cancel)
    response = await queue_upload(client, event.id, event_organiser, csv_bytes(PEOPLE), atomic=True)
    row = await run(response.json()["id"])
    assert row["status"] == "cancelled"
    assert len(seen) == 2
    assert await registrations(event.id) == 0


async def test_an_atomic_import_reports_its_progress_before_it_commits(
    client, event, event_organiser, monkeypatch
):
    """On PostgreSQL the report is written beside the open transaction; SQLite has one writer, so
    there it shows once the import ends."""
    monkeypatch.setattr(registration_jobs, "CHECK_EVERY", 2)
    monkeypatch.setattr(runner, "PROGRESS_INTERVAL", 0.0)  # every report written, to be seen
    real_import_row = importer._import_row
    seen: list[str] = []

    async def import_row_and_look(actor, event_id, row, consent_collected):
        async def look() -> None:  # what the progress page reads, on a connection of its own
            job = await Job.select(Job.message, Job.message_args).where(Job.status == "running").first()
            seen.append(services.filled(job["message"], json.loads(job["message_args"] or "{}")))

        if dialect().supports_many_workers:
            await asyncio.create_task(look(), context=contextvars.Context())
        return await real_import_row(actor, event_id, row, consent_collected)

    monkeypatch.setattr(importer, "_import_row", import_row_and_look)
    response = await queue_upload(client, event.id, event_organiser, csv_bytes(PEOPLE), atomic=True)
    row = await run(response.json()["id"])
    assert row["status"] == "succeeded" and row["message"] == "Row %(done)s of %(total)s"
    assert await registrations(event.id) == 6
    if dialect().supports_many_workers:
        assert seen == [
            "Row 0 of 6",
            "Row 0 of 6",
            "Row 2 of 6",
            "Row 2 of 6",
            "Row 4 of 6",
            "Row 4 of 6",
        ]


@pytest.mark.parametrize(
    ("content", "filename", "words"),
    [
        (b"given_names,family_name\nAna,Silva\n", "list.csv", "missing columns: email"),
        (b"%PDF-1.7 not a sheet", "list.pdf", "this is not a CSV or XLSX file"),
        (b"PK\x03\x04 broken", "list.xlsx", "this is not a readable XLSX file"),
    ],
    ids=["missing-columns", "pdf", "broken-xlsx"],
)
async def test_a_bad_file_fails_the_job_with_a_readable_error(
    client, event, event_organiser, content, filename, words
):
    before = inputs()
    response = await queue_upload(client, event.id, event_organiser, content, filename=filename)
    assert response.status_code == 202, response.text
    row = await run(response.json()["id"])
    assert row["status"] == "failed"
    assert words in row["error"] and "Traceback" not in row["error"]
    assert inputs() == before
    assert await registrations(event.id) == 0


async def test_an_empty_file_or_a_stranger_is_refused_before_anything_is_queued(
    client, event, event_organiser, other_organiser
):
    empty = await queue_upload(client, event.id, event_organiser, b"  \n")
    assert empty.status_code == 422 and "the file is empty" in empty.text
    stranger = await queue_upload(client, event.id, other_organiser, csv_bytes(PEOPLE))
    assert stranger.status_code == 403
    assert await Job.count() == 0


async def test_a_job_whose_upload_is_gone_fails_readably(client, event, event_organiser):
    response = await queue_upload(client, event.id, event_organiser, csv_bytes(PEOPLE))
    services.delete_input(response.json()["params"]["input_file"])
    row = await run(response.json()["id"])
    assert row["status"] == "failed" and registration_jobs.GONE in row["error"]


async def test_uploads_of_jobs_that_never_ran_are_purged(client, event, event_organiser, monkeypatch):
    response = await queue_upload(client, event.id, event_organiser, csv_bytes(PEOPLE))
    stored = response.json()["params"]["input_file"]
    monkeypatch.setattr(services, "INPUT_GRACE_S", -1)
    await services.purge_expired()
    assert stored in inputs()  # still queued: kept
    await services.cancel(event_organiser.actor, response.json()["id"])
    await services.purge_expired()
    assert stored not in inputs()


# --- the console page (no JavaScript) ----------------------------------------------------------------


@pytest.fixture
async def organiser_client(client, make_event, make_account):
    event = await make_event()
    account = await make_account(Role.organiser, event.id)
    await sign_in_organiser(client, account)
    return client, event, account


async def test_an_organiser_uploads_a_sheet_and_reads_the_report_row_by_row(organiser_client):
    client, event, _ = organiser_client
    listing = await client.get(f"/organiser/events/{event.id}/registrations")
    assert f'href="/organiser/events/{event.id}/registrations/import"' in listing.text

    page = await client.get(f"/organiser/events/{event.id}/registrations/import")
    assert page.status_code == 200
    assert 'enctype="multipart/form-data"' in page.text and 'type="file"' in page.text

    missing = await client.post(
        f"/organiser/events/{event.id}/registrations/import", data={"atomic": "true"}, files={}
    )
    assert missing.status_code == 422
    assert 'id="field-file-error"' in missing.text and "Choose the CSV or Excel file" in missing.text

    bad = person(email="nobody", given_names="Ana", family_name="Silva")
    sent = await client.post(
        f"/organiser/events/{event.id}/registrations/import",
        data={"consent_collected": "true"},
        files={"file": ("list.csv", csv_bytes([PEOPLE[0], bad, PEOPLE[1]]), "text/csv")},
    )
    assert sent.status_code == 303, sent.text
    job_id = int(re.fullmatch(r"/organiser/jobs/(\d+)", sent.headers["location"]).group(1))
    queued = await client.get(f"/organiser/jobs/{job_id}")
    assert "Registration import" in queued.text and "<progress" in queued.text

    row = await run(job_id)
    assert row["status"] == "succeeded"
    done = await client.get(f"/organiser/jobs/{job_id}")
    report_url = f"/organiser/events/{event.id}/registrations/import/{job_id}"
    assert f'href="{report_url}"' in done.text

    report = await client.get(report_url)
    assert report.status_code == 200
    text = report.text
    assert 'class="table stacked import-report"' in text
    assert "Row 2 of 3" not in text  # the report, not the progress message
    cells = re.findall(
        r'<tr class="import-row import-row--(\w+)">\s*<td data-label="Row in the file">(\d+)</td>', text
    )
    assert cells == [("created", "2"), ("rejected", "3"), ("created", "4")]
    assert "email: is not an e-mail address" in text
    only_bad = await client.get(f"{report_url}?show=rejected")
    assert re.findall(r'data-label="Row in the file">(\d+)<', only_bad.text) == ["3"]
    download = await client.get(f"/organiser/jobs/{job_id}/result")
    assert download.status_code == 200 and download.content.decode("utf-8-sig").startswith("row,outcome")

    back = await client.get(f"/organiser/events/{event.id}/registrations/import")
    assert f'href="{report_url}"' in back.text  # recent imports link to their report


async def test_the_report_page_belongs_to_its_event_and_its_kind(organiser_client, make_event):
    client, event, _ = organiser_client
    other = await make_event()
    response = await client.post(
        f"/organiser/events/{event.id}/registrations/import",
        files={"file": ("list.csv", csv_bytes(PEOPLE[:1]), "text/csv")},
    )
    job_id = int(response.headers["location"].rsplit("/", 1)[1])
    running = await client.get(f"/organiser/events/{event.id}/registrations/import/{job_id}")
    assert running.status_code == 303 and running.headers["location"] == f"/organiser/jobs/{job_id}"
    assert (
        await client.get(f"/organiser/events/{other.id}/registrations/import/{job_id}")
    ).status_code == 403
