"""Jobs on pages: the event's jobs, one job's progress bar (live with JavaScript, a refresh link
without: an automatic refresh would fail WCAG 2.2.1), cancel, and the result file.

``RESULT_PAGES`` maps a job kind to the console page that shows what it produced (the scheduler's
proposal beside the current plan …); each console module offers its own in ``JOB_PAGES``.
"""

from __future__ import annotations

import re

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath
from litestar.response import Template

from events.jobs import services as job_services
from events.programme import services as programme_services
from events.web import pages
from events.web.console import (
    action_plans,
    badges,
    certificates,
    checkin,
    common,
    evaluations,
    imports,
    letters,
    programme,
    reports,
    visits,
)
from events.web.console.travel import routes as travel
from events.web.i18n import N_

RESULT_PAGES = {
    **programme.JOB_PAGES,
    **letters.JOB_PAGES,
    **badges.JOB_PAGES,
    **visits.JOB_PAGES,
    **checkin.JOB_PAGES,
    **reports.JOB_PAGES,
    **imports.JOB_PAGES,
    **travel.JOB_PAGES,
    **certificates.JOB_PAGES,
    **evaluations.JOB_PAGES,
    **action_plans.JOB_PAGES,
}
#: Which tab a job belongs to, by the area its kind names ("visits.schedule_dry_run" → visits).
_TAB_OF_AREA = {
    "travel": "travel",
    "certificates": "certificates",
    "evaluations": "evaluations",
    "action_plans": "action_plans",
    "visits": "visits",
    "letters": "letters",
    "badges": "badges",
    "registration": "registrations",
}
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
PAGE_SIZE = 50


def _tab_of(kind: str) -> str:
    return _TAB_OF_AREA.get(kind.partition(".")[0], "jobs")


class JobPages(Controller):
    path = "/organiser"

    @get("/events/{event_id:int}/jobs")
    async def event_jobs(self, request: Request, event_id: FromPath[int]) -> Template:
        actor, event = await common.event_page(request, event_id)
        offset = common.query_int(request, "offset") or 0
        jobs, total = await job_services.list_jobs(
            actor, event_id, status=None, kind=None, limit=PAGE_SIZE, offset=offset
        )
        translate = pages.gettext(request)
        return common.render(
            request,
            "console/jobs.html",
            actor,
            event,
            "jobs",
            {
                "jobs": [common.job_view(job, translate) for job in jobs],
                "total": total,
                "offset": offset,
                "page_size": PAGE_SIZE,
            },
        )

    @get("/jobs/{job_id:int}")
    async def job(self, request: Request, job_id: FromPath[int]) -> Template:
        actor = await common.organiser(request)
        job = await job_services.get_job(actor, job_id)
        event = await programme_services.get_event(job.event_id) if job.event_id else None
        view = common.job_view(job, pages.gettext(request))
        result_page = RESULT_PAGES.get(job.kind)
        tab = _tab_of(job.kind)
        context = {
            "actor": actor,
            "event": event,
            "job": view,
            "continue_url": result_page(job) if result_page and job.status == "succeeded" else None,
            "tab": tab,
        }
        if event is None:
            return pages.render(request, "console/job.html", context)
        return common.render(request, "console/job.html", actor, event, tab, context)

    @get("/jobs/{job_id:int}/status", cache=False)
    async def status(self, request: Request, job_id: FromPath[int]) -> dict:
        """What the progress bar's script polls: the job's state in the page's language."""
        actor = await common.organiser(request)
        view = common.job_view(await job_services.get_job(actor, job_id), pages.gettext(request))
        return {key: view[key] for key in ("status", "state", "percent", "message", "finished")}

    @post("/jobs/{job_id:int}/cancel")
    async def cancel(self, request: Request, job_id: FromPath[int]) -> Response:
        actor = await common.organiser(request)
        job = await job_services.get_job(actor, job_id)
        if job.status in ("succeeded", "failed", "cancelled"):
            return pages.redirect(f"/organiser/jobs/{job_id}", flash=N_("This job has already ended."))
        await job_services.cancel(actor, job_id)
        return pages.redirect(
            f"/organiser/jobs/{job_id}", flash=N_("Cancelling: the job stops at its next step.")
        )

    @get("/jobs/{job_id:int}/result", cache=False)
    async def result(self, request: Request, job_id: FromPath[int]) -> Response[bytes]:
        actor = await common.organiser(request)
        content, name, media_type = await job_services.result_file(actor, job_id)
        safe = _UNSAFE.sub("_", name).strip("._") or f"job-{job_id}"
        return Response(
            content, media_type=media_type, headers={"Content-Disposition": f'attachment; filename="{safe}"'}
        )


HANDLERS = [JobPages]
