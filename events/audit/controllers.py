from __future__ import annotations

from typing import Annotated

from litestar import Controller, get
from litestar.params import FromQuery, QueryParameter

from events.api import DEFAULT_PAGE_SIZE, Limit, Offset, Page
from events.audit import schemas, services
from events.auth.guards import ActorDep, requires_sign_in
from events.errors import PermissionDenied
from events.programme.zones import in_event_zones


class AuditController(Controller):
    """Organisers read the audit log: programme organisers all of it, event organisers their events'."""

    path = "/audit"
    tags = ["audit"]
    guards = [requires_sign_in]

    @get("/")
    async def list_entries(
        self,
        actor: ActorDep,
        object_type: FromQuery[str | None] = None,
        object_id: FromQuery[str | None] = None,
        actor_id: FromQuery[int | None] = None,
        event_id: FromQuery[int | None] = None,
        action: Annotated[
            str | None, QueryParameter(description="exact action, or a prefix ending in '.' (e.g. 'event.')")
        ] = None,
        limit: Limit = DEFAULT_PAGE_SIZE,
        offset: Offset = 0,
    ) -> Page[schemas.AuditEntry]:
        event_ids = actor.organised_event_ids()
        if event_ids is not None and not event_ids:
            raise PermissionDenied("The audit log is for organisers")
        if event_id is not None and event_ids is not None and event_id not in event_ids:
            raise PermissionDenied("You do not organise this event")
        rows, total = await services.list_entries(
            event_ids=event_ids,
            object_type=object_type,
            object_id=object_id,
            actor_id=actor_id,
            action=action,
            event_id=event_id,
            limit=limit,
            offset=offset,
        )
        entries = [schemas.entry_from_row(r) for r in rows]
        return await in_event_zones(Page(items=entries, total=total, limit=limit, offset=offset))


API_HANDLERS = [AuditController]
