"""Importing a sheet of registrations from the console: upload → a job with a progress bar → the
report, row by row (created, updated, refused with the reasons and the row number in the file).

The page only collects the file and the options; :func:`events.registration.jobs.enqueue_import` keeps
the file encrypted and queues the same importer the API runs.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.params import FromPath
from litestar.response import Template

from events.errors import DomainError, NotFound
from events.jobs import services as job_services
from events.registration import importer
from events.registration.jobs import IMPORT_JOB, enqueue_import
from events.web import pages
from events.web.console import common
from events.web.forms import Form
from events.web.i18n import N_

FIELDS = ("file", "consent_collected", "atomic", "dry_run")
OPTIONS = ("consent_collected", "atomic", "dry_run")
ROWS_PER_PAGE = 100
CANNOT_IMPORT = N_("The file cannot be imported")
#: How the report names each outcome.
OUTCOMES = {
    "created": N_("Created"),
    "updated": N_("Already registered: updated"),
    "rejected": N_("Not imported"),
}


def _result_page(job) -> str:
    return f"/organiser/events/{job.event_id}/registrations/import/{job.id}"


JOB_PAGES = {IMPORT_JOB: _result_page}


class ImportPages(Controller):
    path = "/organiser/events/{event_id:int}/registrations/import"

    async def _form_page(
        self, request: Request, event_id: int, form: Form, status_code: int = 200
    ) -> Template:
        actor, event = await common.event_page(request, event_id)
        jobs = await common.latest_jobs(actor, event_id, IMPORT_JOB, request)
        return common.render(
            request,
            "console/imports/upload.html",
            actor,
            event,
            "registrations",
            {
                "form": form,
                "jobs": jobs,
                "max_rows": importer.MAX_ROWS,
                "required": importer.REQUIRED_COLUMNS,
            },
            status_code=status_code,
        )

    @get("")
    async def upload_form(self, request: Request, event_id: FromPath[int]) -> Template:
        return await self._form_page(request, event_id, Form(order=FIELDS))

    @post("", request_max_body_size=importer.MAX_BYTES + 64 * 1024)
    async def upload(self, request: Request, event_id: FromPath[int]) -> Response | Template:
        actor, _ = await common.event_page(request, event_id)
        submitted = await request.form()
        gettext = pages.gettext(request)
        options = {name: submitted.get(name) == "true" for name in OPTIONS}
        form = Form(values={name: "true" for name, on in options.items() if on}, order=FIELDS)
        upload: Any = submitted.get("file")
        if not isinstance(upload, UploadFile) or not upload.filename:
            form.add("file", gettext(N_("Choose the CSV or Excel file to import.")))
            return await self._form_page(request, event_id, form, status_code=422)
        content = await upload.read()
        try:
            job = await enqueue_import(actor, event_id, content, upload.filename, **options)
        except DomainError as exc:
            if exc.errors:
                form.add("file", f"{gettext(CANNOT_IMPORT)}: {exc.errors[0].message}")
            else:
                form.add(None, exc.detail)
            return await self._form_page(request, event_id, form, status_code=422)
        return pages.redirect(f"/organiser/jobs/{job.id}")

    @get("/{job_id:int}")
    async def report(
        self, request: Request, event_id: FromPath[int], job_id: FromPath[int]
    ) -> Response | Template:
        actor, event = await common.event_page(request, event_id)
        job = await job_services.get_job(actor, job_id)
        if job.kind != IMPORT_JOB or job.event_id != event_id:
            raise NotFound(f"No import {job_id} for event {event_id}")
        if job.status != "succeeded" or not isinstance(job.result, dict):
            return pages.redirect(f"/organiser/jobs/{job_id}")
        report = job.result
        show = "rejected" if request.query_params.get("show") == "rejected" else "all"
        rows = [row for row in report.get("rows", []) if show == "all" or row["outcome"] == "rejected"]
        offset = common.query_int(request, "offset") or 0
        translate = pages.gettext(request)
        return common.render(
            request,
            "console/imports/report.html",
            actor,
            event,
            "registrations",
            {
                "job": common.job_view(job, translate),
                "report": report,
                "rows": rows[offset : offset + ROWS_PER_PAGE],
                "shown": len(rows),
                "show": show,
                "offset": offset,
                "page_size": ROWS_PER_PAGE,
                "outcomes": OUTCOMES,
            },
        )


HANDLERS = [ImportPages]
