"""The registration import as a job: a 5,000-row sheet is read and imported off the request.

The uploaded file is kept encrypted under ``DATA_DIR/jobs/inputs`` (:func:`events.jobs.services.store_input`)
until the job ends, then deleted; the job calls the same importer as ``POST …/registrations/import``
(one copy of every rule). Its answer is the import report; its file, the report as CSV (personal:
e-mail addresses, so encrypted at rest like every personal result).

A real import commits :data:`~events.registration.importer.CHUNK_ROWS` rows at a time: the job reports
"Row n of m" and sees a cancel between chunks (the rows of committed chunks stay; run it again and they
are updated, not duplicated). A dry run or an atomic import is one transaction: the job sees a cancel
between rows and everything is rolled back; its progress is written beside the transaction where the
database has several writers (PostgreSQL), and shows once it ends on SQLite.
"""

from __future__ import annotations

import asyncio
import contextvars

import anyio.to_thread
import msgspec

from events.auth.principal import Actor
from events.db import dialect
from events.errors import InvalidInput
from events.i18n.catalogues import N_
from events.jobs import services as job_services
from events.jobs.registry import JobContext, JobResult, job_kind
from events.jobs.schemas import Job
from events.programme import services as programme_services
from events.registration import export, importer, schemas

IMPORT_JOB = "registration.import"
#: Inside one transaction (a dry run, an atomic import) the job reads its cancel flag every so many rows.
CHECK_EVERY = 10
GONE = "The uploaded file is no longer stored; upload it again"


def report_csv(report: schemas.ImportReport) -> bytes:
    """The report as a sheet: one line per row of the file, with its outcome and reasons."""
    return export.table_csv(
        ["row", "outcome", "email", "registration_id", "reasons"],
        [
            [row.row, row.outcome, row.email or "", row.registration_id or "", "; ".join(row.errors)]
            for row in report.rows
        ],
    )


@job_kind(IMPORT_JOB, label=N_("Registration import"))
async def import_job(
    ctx: JobContext,
    *,
    event_id: int,
    input_file: str,
    filename: str = "",
    dry_run: bool = False,
    atomic: bool = False,
    consent_collected: bool = False,
) -> JobResult:
    """Read the stored upload, import it with progress and cancellation, delete the upload."""
    keep = False
    try:
        await ctx.progress(0.0, N_("Reading the file"))
        try:
            content = job_services.read_input(input_file)
        except FileNotFoundError as exc:
            raise InvalidInput.field("file", GONE) from exc
        rows = await anyio.to_thread.run_sync(importer.read_table, content, filename)
        del content

        async def tell(done: int, total: int) -> None:
            await ctx.progress(
                done / total if total else 1.0, N_("Row %(done)s of %(total)s"), done=done, total=total
            )

        async def step(done: int, total: int, inside: bool) -> None:
            if not inside:
                await tell(done, total)
            elif done % CHECK_EVERY == 0 and dialect().supports_many_workers:
                # Written on a connection of its own, so the page sees it before the import commits
                # (SQLite has one writer: there the transaction holds it, and the report waits).
                await asyncio.create_task(tell(done, total), context=contextvars.Context())
            if not inside or done % CHECK_EVERY == 0:
                await ctx.check()

        report = await importer.import_registrations(
            ctx.actor,
            event_id,
            rows,
            dry_run=dry_run,
            atomic=atomic,
            consent_collected=consent_collected,
            step=step,
        )
    except asyncio.CancelledError:
        keep = True  # the worker is stopping: the job goes back to the queue and needs its file
        raise
    finally:
        if not keep:
            job_services.delete_input(input_file)
    return JobResult(
        data=msgspec.to_builtins(report),
        file=report_csv(report),
        filename=f"import-report-event-{event_id}.csv",
        content_type="text/csv; charset=utf-8",
        personal=True,
    )


async def enqueue_import(
    actor: Actor,
    event_id: int,
    content: bytes,
    filename: str = "",
    *,
    dry_run: bool = False,
    atomic: bool = False,
    consent_collected: bool = False,
) -> Job:
    """Keep the upload encrypted and queue its import; follow it at ``/api/v1/jobs/{id}``."""
    actor.require_organiser(event_id, "Only organisers of this event import registrations")
    await programme_services.get_event_row(event_id)  # 404 before anything is stored or queued
    if not content.strip():
        raise InvalidInput.field("file", "the file is empty")
    if len(content) > importer.MAX_BYTES:
        raise InvalidInput.field("file", f"the file is larger than {importer.MAX_BYTES // (1024 * 1024)} MB")
    stored = job_services.store_input(content)
    try:
        return await job_services.enqueue(
            actor,
            IMPORT_JOB,
            event_id=event_id,
            params={
                "event_id": event_id,
                job_services.INPUT_PARAM: stored,
                "filename": filename[:200],
                "dry_run": dry_run,
                "atomic": atomic,
                "consent_collected": consent_collected,
            },
        )
    except BaseException:
        job_services.delete_input(stored)
        raise
