"""Country action plans over HTTP: the plan of one country at one event, its document, comments and
status; the organisers' overview of the countries."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from litestar import Controller, Response, get, post, put
from litestar.datastructures import UploadFile
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from events.action_plans import files, schemas, services
from events.api import DEFAULT_PAGE_SIZE, FilePart, Limit, Offset, Page, page_of, require_file_part
from events.auth.guards import ActorDep, requires_event_organiser, requires_sign_in
from events.errors import InvalidInput

PLAN = "/events/{event_id:int}/action-plans/{country:str}"
#: Room for the multipart framing around the file.
MULTIPART_SLACK = 64 * 1024
#: The request body of an upload, fixed when the app starts (settings are read once): Litestar
#: refuses a larger Content-Length at once, and a body without one as soon as it grows past this.
BODY_LIMIT = files.max_bytes() + MULTIPART_SLACK
_PRIVATE = {"Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff"}


def attachment(filename: str, content_type: str, data: bytes) -> Response[bytes]:
    """A download the browser saves (never shows inline), of exactly the stored type."""
    fallback = filename.encode("ascii", "replace").decode("ascii").replace("?", "_").replace('"', "_")
    disposition = f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename)}"
    return Response(data, media_type=content_type, headers={**_PRIVATE, "Content-Disposition": disposition})


async def read_upload(upload: object) -> tuple[bytes, str | None]:
    """The bytes of an uploaded file, reading at most one byte past the limit."""
    if not isinstance(upload, UploadFile):
        raise InvalidInput.field("file", files.EMPTY)
    return await upload.read(files.max_bytes() + 1), upload.filename


class ActionPlanController(Controller):
    """The country's approved participants and the event's organisers; anyone else 404 (403 for a
    signed-in account that does not organise the event)."""

    path = "/"
    tags = ["action plans"]
    guards = [requires_sign_in]

    @get("/events/{event_id:int}/action-plans", guards=[requires_event_organiser])
    async def overview(
        self,
        actor: ActorDep,
        event_id: FromPath[int],
        status: Annotated[schemas.Status | None, QueryParameter()] = None,
        group: Annotated[str | None, QueryParameter(max_length=4, description="LDC, LLDC or SIDS")] = None,
        limit: Limit = DEFAULT_PAGE_SIZE,
        offset: Offset = 0,
    ) -> Page[schemas.CountryPlan]:
        """Every country represented by approved participants (or with a plan) and its plan's status."""
        return page_of(await services.overview(actor, event_id, status=status, group=group), limit, offset)

    @get(PLAN)
    async def get_plan(
        self, actor: ActorDep, event_id: FromPath[int], country: FromPath[str]
    ) -> schemas.Plan:
        return await services.get_plan(actor, event_id, country)

    @put(PLAN, status_code=HTTP_200_OK)
    async def update_fields(
        self,
        actor: ActorDep,
        event_id: FromPath[int],
        country: FromPath[str],
        data: JSONBody[schemas.PlanFields],
    ) -> schemas.Plan:
        """The country's participants, while the plan is a draft (409 once submitted)."""
        return await services.update_fields(actor, event_id, country, data)

    @post(
        f"{PLAN}/document",
        status_code=HTTP_200_OK,
        request_max_body_size=BODY_LIMIT,
        before_request=require_file_part,
    )
    async def upload_document(
        self, actor: ActorDep, event_id: FromPath[int], country: FromPath[str], data: FilePart
    ) -> schemas.Plan:
        """A PDF or DOCX as multipart field ``data`` (at most ``ACTION_PLAN_MAX_BYTES``), judged by its
        content; a refused file leaves the current document as it was."""
        try:
            content, filename = await read_upload(data)
            return await services.upload_document(actor, event_id, country, content, filename)
        except InvalidInput as exc:
            # The service names the file "file", as the page's field; here the part is "data".
            if exc.errors and exc.errors[0].field == "file":
                raise InvalidInput.field("data", exc.errors[0].message) from None
            raise

    @get(f"{PLAN}/document", media_type="application/octet-stream")
    async def download_document(
        self, actor: ActorDep, event_id: FromPath[int], country: FromPath[str]
    ) -> Response[bytes]:
        filename, content_type, content = await services.document(actor, event_id, country)
        return attachment(filename, content_type, content)

    @post(f"{PLAN}/comments", status_code=HTTP_201_CREATED)
    async def add_comment(
        self,
        actor: ActorDep,
        event_id: FromPath[int],
        country: FromPath[str],
        data: JSONBody[schemas.CommentCreate],
    ) -> schemas.Plan:
        """The event's organisers; the country's participants read the thread."""
        return await services.add_comment(actor, event_id, country, data.body)

    @post(f"{PLAN}/status", status_code=HTTP_200_OK)
    async def change_status(
        self,
        actor: ActorDep,
        event_id: FromPath[int],
        country: FromPath[str],
        data: JSONBody[schemas.StatusChange],
    ) -> schemas.Plan:
        """``submitted`` by the country's participants; ``draft`` (with a comment) or ``reviewed`` by
        the organisers."""
        return await services.change_status(actor, event_id, country, data)


API_HANDLERS = [ActionPlanController]
ROOT_HANDLERS: list = []
