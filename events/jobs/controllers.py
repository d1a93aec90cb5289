"""Jobs over HTTP: the event's organisers (and whoever asked) follow, cancel and download them."""

from __future__ import annotations

import re
from typing import Annotated

from litestar import Controller, Response, get, post
from litestar.params import FromPath, QueryParameter
from litestar.status_codes import HTTP_200_OK

from events.api import DEFAULT_PAGE_SIZE, Limit, Offset, Page
from events.auth.guards import ActorDep, requires_sign_in
from events.jobs import schemas, services
from events.programme.zones import in_event_zones

_PRIVATE = {"Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff"}
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


class JobsController(Controller):
    path = "/jobs"
    tags = ["jobs"]
    guards = [requires_sign_in]

    @get("")
    async def list_jobs(
        self,
        actor: ActorDep,
        event_id: Annotated[int, QueryParameter(ge=1, description="The event whose jobs to list")],
        status: Annotated[
            str | None,
            QueryParameter(
                pattern="^(queued|running|succeeded|failed|cancelled)$", description="Only this status"
            ),
        ] = None,
        kind: Annotated[str | None, QueryParameter(max_length=80, description="Only this kind")] = None,
        limit: Limit = DEFAULT_PAGE_SIZE,
        offset: Offset = 0,
    ) -> Page[schemas.Job]:
        """The event's jobs, newest first (its organisers only)."""
        jobs, total = await services.list_jobs(
            actor, event_id, status=status, kind=kind, limit=limit, offset=offset
        )
        return await in_event_zones(Page(items=jobs, total=total, limit=limit, offset=offset))

    @get("/{job_id:int}", cache=False)
    async def get_job(self, actor: ActorDep, job_id: FromPath[int]) -> schemas.Job:
        """Status, progress (0–1) and its message, the answer and the result's link; poll it."""
        return await in_event_zones(await services.get_job(actor, job_id))

    @post("/{job_id:int}/cancel", status_code=HTTP_200_OK)
    async def cancel(self, actor: ActorDep, job_id: FromPath[int]) -> schemas.Job:
        """A queued job ends at once; a running one stops at its next check (409 once it ended)."""
        return await in_event_zones(await services.cancel(actor, job_id))

    @get("/{job_id:int}/result", cache=False)
    async def result(self, actor: ActorDep, job_id: FromPath[int]) -> Response[bytes]:
        """The result file (410 Gone once the results expired)."""
        content, name, media_type = await services.result_file(actor, job_id)
        safe = _UNSAFE.sub("_", name).strip("._") or f"job-{job_id}"
        return Response(
            content,
            media_type=media_type,
            headers={**_PRIVATE, "Content-Disposition": f'attachment; filename="{safe}"'},
        )


API_HANDLERS: list = [JobsController]
ROOT_HANDLERS: list = []
