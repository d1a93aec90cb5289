from __future__ import annotations

from typing import Annotated

from litestar import Controller, delete, get, patch, post
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from litestar.status_codes import HTTP_204_NO_CONTENT

from events.api import DEFAULT_PAGE_SIZE, Limit, Offset, Page, page_of
from events.auth.guards import ActorDep, requires_event_organiser, requires_programme_organiser
from events.programme import schemas, services
from events.programme.tables import EventKind


class PublicProgrammeController(Controller):
    """The published programme: anyone may read it."""

    path = "/"
    tags = ["programme"]

    @get("/programmes")
    async def list_programmes(
        self, limit: Limit = DEFAULT_PAGE_SIZE, offset: Offset = 0
    ) -> Page[schemas.Programme]:
        return page_of(await services.list_programmes(), limit, offset)

    @get("/programmes/{programme_id:int}")
    async def get_programme(self, programme_id: FromPath[int]) -> schemas.Programme:
        return await services.get_programme(programme_id)

    @get("/events")
    async def list_events(
        self,
        programme_id: FromQuery[int | None] = None,
        kind: FromQuery[EventKind | None] = None,
        upcoming: Annotated[bool, QueryParameter(description="only events that have not ended")] = False,
        limit: Limit = DEFAULT_PAGE_SIZE,
        offset: Offset = 0,
    ) -> Page[schemas.Event]:
        items, total = await services.list_events(
            programme_id=programme_id,
            kind=kind.value if kind else None,
            upcoming_only=upcoming,
            limit=limit,
            offset=offset,
        )
        return Page(items=items, total=total, limit=limit, offset=offset)

    @get("/events/{event_id:int}")
    async def get_event(self, event_id: FromPath[int]) -> schemas.Event:
        return await services.get_event(event_id)

    @get("/events/{event_id:int}/sessions")
    async def list_sessions(
        self, event_id: FromPath[int], limit: Limit = DEFAULT_PAGE_SIZE, offset: Offset = 0
    ) -> Page[schemas.Session]:
        return page_of(await services.list_sessions(event_id), limit, offset)

    @get("/events/{event_id:int}/sessions/{session_id:int}")
    async def get_session(self, event_id: FromPath[int], session_id: FromPath[int]) -> schemas.Session:
        return await services.get_session(event_id, session_id)


class ProgrammeManagementController(Controller):
    """Organisers build the programme: programmes and events (programme organisers), sessions (event organisers)."""

    path = "/"
    tags = ["programme management"]

    @post("/programmes", guards=[requires_programme_organiser])
    async def create_programme(
        self, actor: ActorDep, data: JSONBody[schemas.ProgrammeCreate]
    ) -> schemas.Programme:
        return await services.create_programme(actor, data)

    @patch("/programmes/{programme_id:int}", guards=[requires_programme_organiser])
    async def update_programme(
        self, actor: ActorDep, programme_id: FromPath[int], data: JSONBody[schemas.ProgrammeUpdate]
    ) -> schemas.Programme:
        return await services.update_programme(actor, programme_id, data)

    @post("/events", guards=[requires_programme_organiser])
    async def create_event(self, actor: ActorDep, data: JSONBody[schemas.EventCreate]) -> schemas.Event:
        return await services.create_event(actor, data)

    @patch("/events/{event_id:int}", guards=[requires_event_organiser])
    async def update_event(
        self, actor: ActorDep, event_id: FromPath[int], data: JSONBody[schemas.EventUpdate]
    ) -> schemas.Event:
        return await services.update_event(actor, event_id, data)

    @delete("/events/{event_id:int}", guards=[requires_programme_organiser], status_code=HTTP_204_NO_CONTENT)
    async def delete_event(self, actor: ActorDep, event_id: FromPath[int]) -> None:
        await services.delete_event(actor, event_id)

    @post("/events/{event_id:int}/sessions", guards=[requires_event_organiser])
    async def create_session(
        self, actor: ActorDep, event_id: FromPath[int], data: JSONBody[schemas.SessionCreate]
    ) -> schemas.Session:
        return await services.create_session(actor, event_id, data)

    @patch("/events/{event_id:int}/sessions/{session_id:int}", guards=[requires_event_organiser])
    async def update_session(
        self,
        actor: ActorDep,
        event_id: FromPath[int],
        session_id: FromPath[int],
        data: JSONBody[schemas.SessionUpdate],
    ) -> schemas.Session:
        return await services.update_session(actor, event_id, session_id, data)

    @delete(
        "/events/{event_id:int}/sessions/{session_id:int}",
        guards=[requires_event_organiser],
        status_code=HTTP_204_NO_CONTENT,
    )
    async def delete_session(
        self, actor: ActorDep, event_id: FromPath[int], session_id: FromPath[int]
    ) -> None:
        await services.delete_session(actor, event_id, session_id)


API_HANDLERS = [PublicProgrammeController, ProgrammeManagementController]
