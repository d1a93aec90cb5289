from __future__ import annotations

import datetime
from typing import Annotated

import anyio.to_thread
from litestar import Controller, Request, Response, delete, get, patch, post
from litestar.background_tasks import BackgroundTask
from litestar.datastructures import UploadFile
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_202_ACCEPTED

from events.api import DEFAULT_PAGE_SIZE, FilePart, Limit, Offset, Page, page_of, require_file_part
from events.audit.services import record
from events.auth.guards import (
    ActorDep,
    mark_personal,
    requires_event_organiser,
    requires_event_staff,
    requires_sign_in,
)
from events.db import write_transaction
from events.errors import InvalidInput
from events.jobs.schemas import Job
from events.programme.zones import in_event_zones
from events.reference.tables import CountryGroup
from events.registration import access, editing, export, importer, moderation, reading, schemas, submission
from events.registration import jobs as registration_jobs
from events.registration.signups import join_session, leave_session
from events.registration.tables import Channel, RegistrationStatus


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _submitted(result: schemas.RegistrationSubmitted) -> Response[schemas.RegistrationSubmitted]:
    return Response(result, status_code=HTTP_201_CREATED if result.created else HTTP_200_OK)


class PublicRegistrationController(Controller):
    """Participants: register, get a sign-in link, open and change their own registration."""

    path = "/"
    tags = ["registration"]

    @post("/events/{event_id:int}/registrations", status_code=HTTP_201_CREATED)
    async def register(
        self, event_id: FromPath[int], data: JSONBody[schemas.RegistrationCreate]
    ) -> Response[schemas.RegistrationSubmitted]:
        """Self-registration (or with an ``invitation_token``). Sending the same registration again
        returns it with 200; the same e-mail with other data is a 409."""
        return _submitted(await submission.submit(data, event_id=event_id, channel=Channel.self_service))

    @post("/events/{event_id:int}/registrations/magic-link", status_code=HTTP_202_ACCEPTED)
    async def magic_link(
        self, request: Request, event_id: FromPath[int], data: JSONBody[schemas.MagicLinkRequest]
    ) -> Response[dict]:
        """E-mails a single-use sign-in link when the address is registered; the answer is the same,
        and as quick, either way, so it cannot be used to find out who registered. A few links per
        address and hour at most; too many requests from one client are a 429."""
        admitted = await access.admit_magic_link_request(data.email, client=_client(request))
        work = BackgroundTask(access.request_magic_link, event_id, data.email, data.language)
        return Response(
            {"detail": "If this address is registered for the event, a sign-in link is on its way."},
            status_code=HTTP_202_ACCEPTED,
            background=work if admitted else None,
        )

    @post("/registration-access", status_code=HTTP_200_OK)
    async def exchange(
        self, request: Request, data: JSONBody[schemas.AccessExchange]
    ) -> schemas.RegistrationAccess:
        """Spend a magic link for an access token (``Authorization: Bearer osr_…``) to one registration."""
        granted = await access.exchange_magic_link(data.token)
        mark_personal(request)
        return granted

    @get("/registrations/{registration_id:int}", guards=[requires_sign_in])
    async def read(self, actor: ActorDep, registration_id: FromPath[int]) -> schemas.Registration:
        return await reading.read_registration(actor, registration_id)

    @patch("/registrations/{registration_id:int}", guards=[requires_sign_in])
    async def update(
        self, actor: ActorDep, registration_id: FromPath[int], data: JSONBody[schemas.RegistrationUpdate]
    ) -> schemas.Registration:
        return await editing.update(actor, registration_id, data)

    @post("/registrations/{registration_id:int}/cancel", guards=[requires_sign_in], status_code=HTTP_200_OK)
    async def cancel(
        self, actor: ActorDep, registration_id: FromPath[int], data: JSONBody[schemas.Decision]
    ) -> schemas.Registration:
        return await moderation.cancel(actor, registration_id, data.note)

    @post(
        "/registrations/{registration_id:int}/sessions/{session_id:int}",
        guards=[requires_sign_in],
        status_code=HTTP_200_OK,
    )
    async def join_optional_session(
        self, actor: ActorDep, registration_id: FromPath[int], session_id: FromPath[int]
    ) -> schemas.Registration:
        """Take a seat in an optional session while seats last, until the change deadline; a full or
        cancelled session is a 409 (``sessions_full``, ``session_cancelled``), as is a closed deadline
        (``deadline``)."""
        return await join_session(actor, registration_id, session_id)

    @delete(
        "/registrations/{registration_id:int}/sessions/{session_id:int}",
        guards=[requires_sign_in],
        status_code=HTTP_200_OK,
    )
    async def leave_optional_session(
        self, actor: ActorDep, registration_id: FromPath[int], session_id: FromPath[int]
    ) -> schemas.Registration:
        """Give a seat in an optional session back, until the change deadline."""
        return await leave_session(actor, registration_id, session_id)


class StaffRegistrationController(Controller):
    """Help-desk staff on site enter walk-ins; they get a seat while any is free."""

    path = "/events/{event_id:int}/walk-ins"
    tags = ["registration"]
    guards = [requires_event_staff]

    @post("/", status_code=HTTP_201_CREATED)
    async def walk_in(
        self, actor: ActorDep, event_id: FromPath[int], data: JSONBody[schemas.RegistrationCreate]
    ) -> Response[schemas.RegistrationSubmitted]:
        result = await submission.submit(
            data, event_id=event_id, channel=Channel.walk_in, actor=actor, approve_when_seats=True
        )
        return _submitted(result)


class RegistrationManagementController(Controller):
    """Organisers of the event: lists, exports, statistics, decisions, invitations, imports."""

    path = "/"
    tags = ["registration management"]

    @get("/events/{event_id:int}/registrations", guards=[requires_event_organiser])
    async def list_registrations(
        self,
        actor: ActorDep,
        event_id: FromPath[int],
        status: FromQuery[RegistrationStatus | None] = None,
        country: FromQuery[str | None] = None,
        country_group: FromQuery[CountryGroup | None] = None,
        gender: FromQuery[schemas.Gender | None] = None,
        level: FromQuery[schemas.Level | None] = None,
        needs_visa: FromQuery[bool | None] = None,
        accessibility: Annotated[bool | None, QueryParameter(description="has accessibility needs")] = None,
        search: Annotated[str | None, QueryParameter(max_length=100)] = None,
        limit: Limit = DEFAULT_PAGE_SIZE,
        offset: Offset = 0,
    ) -> Page[schemas.Registration]:
        filters = reading.ListFilters(
            status=status,
            country=country,
            country_group=country_group.value if country_group else None,
            gender=gender,
            level=level,
            needs_visa=needs_visa,
            accessibility=accessibility,
            search=search,
        )
        items, total = await reading.list_registrations(actor, event_id, filters, limit=limit, offset=offset)
        return Page(items=items, total=total, limit=limit, offset=offset)

    @get("/events/{event_id:int}/registrations/export", guards=[requires_event_organiser])
    async def export_registrations(
        self,
        actor: ActorDep,
        event_id: FromPath[int],
        format: Annotated[str, QueryParameter(pattern="^(csv|xlsx)$", description="csv or xlsx")] = "csv",
        status: FromQuery[RegistrationStatus | None] = None,
    ) -> Response[bytes]:
        items = await reading.registrations_for_export(actor, event_id, reading.ListFilters(status=status))
        async with write_transaction():
            await record(
                actor,
                "registration.exported",
                "event",
                event_id,
                event_id=event_id,
                data={"format": format, "rows": len(items)},
            )
        stamp = datetime.date.today().isoformat()
        if format == "xlsx":
            body = export.to_xlsx(items)
            media = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        else:
            body = export.to_csv(items)
            media = "text/csv; charset=utf-8"
        return Response(
            body,
            media_type=media,
            headers={
                "Content-Disposition": f'attachment; filename="registrations-{event_id}-{stamp}.{format}"'
            },
        )

    @get("/events/{event_id:int}/registrations/statistics", guards=[requires_event_organiser])
    async def statistics(self, actor: ActorDep, event_id: FromPath[int]) -> schemas.Statistics:
        return await reading.statistics(actor, event_id)

    @post(
        "/events/{event_id:int}/registrations/bulk",
        guards=[requires_event_organiser],
        status_code=HTTP_200_OK,
    )
    async def bulk(
        self, actor: ActorDep, event_id: FromPath[int], data: JSONBody[schemas.BulkDecision]
    ) -> list[schemas.BulkOutcome]:
        return await moderation.bulk_decide(actor, event_id, data.action, data.registration_ids, data.note)

    @post(
        "/events/{event_id:int}/registrations/import",
        guards=[requires_event_organiser],
        status_code=HTTP_200_OK,
        request_max_body_size=importer.MAX_BYTES + 64 * 1024,
        before_request=require_file_part,
        responses={HTTP_202_ACCEPTED: ResponseSpec(Job, description="wait=false: the queued job")},
    )
    async def import_registrations(
        self,
        actor: ActorDep,
        event_id: FromPath[int],
        data: FilePart,
        dry_run: FromQuery[bool] = False,
        atomic: Annotated[
            bool, QueryParameter(description="import nothing unless every row is valid")
        ] = False,
        consent_collected: Annotated[
            bool,
            QueryParameter(
                description="the nominating body collected consent for rows without a consent column"
            ),
        ] = False,
        wait: Annotated[
            bool,
            QueryParameter(
                description="false: answer 202 at once with the job to follow at /api/v1/jobs/{id} "
                "(its result is the import report, its file the report as CSV); true: import within "
                "the request"
            ),
        ] = True,
    ) -> Response[schemas.ImportReport | Job]:
        """Upload a CSV or XLSX file as multipart field ``data``; see the README for the columns."""
        if not isinstance(data, UploadFile):
            raise InvalidInput.field("data", "send the file as multipart/form-data field 'data'")
        content = await data.read()
        if not wait:
            job = await in_event_zones(
                await registration_jobs.enqueue_import(
                    actor,
                    event_id,
                    content,
                    data.filename or "",
                    dry_run=dry_run,
                    atomic=atomic,
                    consent_collected=consent_collected,
                )
            )
            return Response(
                job, status_code=HTTP_202_ACCEPTED, headers={"Location": f"/api/v1/jobs/{job.id}"}
            )
        # Parsing is CPU-bound (seconds for a large XLSX): off the event loop, so the service keeps answering.
        rows = await anyio.to_thread.run_sync(importer.read_table, content, data.filename or "")
        report = await importer.import_registrations(
            actor, event_id, rows, dry_run=dry_run, atomic=atomic, consent_collected=consent_collected
        )
        return Response(report, status_code=HTTP_200_OK)

    @post("/events/{event_id:int}/invitations", guards=[requires_event_organiser])
    async def invite(
        self, actor: ActorDep, event_id: FromPath[int], data: JSONBody[schemas.InvitationCreate]
    ) -> schemas.Invitation:
        invitation, _ = await access.invite(actor, event_id, data)
        return await in_event_zones(invitation)

    @get("/events/{event_id:int}/invitations", guards=[requires_event_organiser])
    async def list_invitations(
        self, actor: ActorDep, event_id: FromPath[int], limit: Limit = DEFAULT_PAGE_SIZE, offset: Offset = 0
    ) -> Page[schemas.Invitation]:
        return await in_event_zones(page_of(await access.list_invitations(actor, event_id), limit, offset))

    @post("/registrations/{registration_id:int}/approve", guards=[requires_sign_in], status_code=HTTP_200_OK)
    async def approve(
        self, actor: ActorDep, registration_id: FromPath[int], data: JSONBody[schemas.Decision]
    ) -> schemas.Registration:
        return await moderation.approve(actor, registration_id, data.note)

    @post("/registrations/{registration_id:int}/waitlist", guards=[requires_sign_in], status_code=HTTP_200_OK)
    async def waitlist(
        self, actor: ActorDep, registration_id: FromPath[int], data: JSONBody[schemas.Decision]
    ) -> schemas.Registration:
        return await moderation.waitlist(actor, registration_id, data.note)

    @post("/registrations/{registration_id:int}/reject", guards=[requires_sign_in], status_code=HTTP_200_OK)
    async def reject(
        self, actor: ActorDep, registration_id: FromPath[int], data: JSONBody[schemas.Decision]
    ) -> schemas.Registration:
        return await moderation.reject(actor, registration_id, data.note)

    @get("/registrations/{registration_id:int}/sensitive", guards=[requires_sign_in])
    async def sensitive(self, actor: ActorDep, registration_id: FromPath[int]) -> schemas.SensitiveData:
        """Passport number, date and place of birth in clear. Organisers of the event only; audited."""
        return await reading.reveal_sensitive(actor, registration_id)


API_HANDLERS = [PublicRegistrationController, StaffRegistrationController, RegistrationManagementController]
