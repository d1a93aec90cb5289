"""Travel over HTTP (mounted under /api/v1): one section per task, each listing its handlers.

``API_HANDLERS`` joins them; ``ROOT_HANDLERS`` are links outside the API (none yet).
"""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Response, get, patch, post
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.status_codes import HTTP_200_OK

from events.api import DEFAULT_PAGE_SIZE, Limit, Offset, Page, page_of
from events.auth.guards import ActorDep, requires_event_organiser, requires_event_staff
from events.travel import schemas, transfers

# --- funding and budget ---------------------------------------------------------------------------

FUNDING_HANDLERS: list = []


# --- itineraries ---------------------------------------------------------------------------------

ITINERARY_HANDLERS: list = []


# --- hotels and rooms ----------------------------------------------------------------------------

HOTEL_HANDLERS: list = []


# --- airport transfers ---------------------------------------------------------------------------

TRANSFERS = "/events/{event_id:int}/travel/transfers"


class TransfersController(Controller):
    """Organisers of the event: plan the pick-up and drop-off runs, read them, change a run."""

    path = TRANSFERS
    tags = ["travel"]
    guards = [requires_event_organiser]

    @post("/plan", status_code=HTTP_200_OK)
    async def plan(
        self, actor: ActorDep, event_id: FromPath[int], data: JSONBody[schemas.TransferPlanCreate]
    ) -> schemas.TransferPlan:
        """Group one direction's funded travellers into runs, replacing its previous plan; lists who
        could not be placed and why (``no_step_free_seat``, ``no_capacity``)."""
        return await transfers.plan_transfers(actor, event_id, data.direction)

    @get("/runs")
    async def list_runs(
        self,
        actor: ActorDep,
        event_id: FromPath[int],
        direction: Annotated[
            str | None, QueryParameter(pattern="^(arrival|departure)$", description="arrival or departure")
        ] = None,
        limit: Limit = DEFAULT_PAGE_SIZE,
        offset: Offset = 0,
    ) -> Page[schemas.TransferRun]:
        """The runs in order of leaving, each with its riders."""
        return page_of(await transfers.list_runs(actor, event_id, direction), limit, offset)

    @get("/runs/{run_id:int}")
    async def get_run(
        self, actor: ActorDep, event_id: FromPath[int], run_id: FromPath[int]
    ) -> schemas.TransferRun:
        return await transfers.get_run(actor, event_id, run_id)

    @patch("/runs/{run_id:int}")
    async def update_run(
        self,
        actor: ActorDep,
        event_id: FromPath[int],
        run_id: FromPath[int],
        data: JSONBody[schemas.TransferRunUpdate],
    ) -> schemas.TransferRun:
        """Meeting point, contact phone, or another vehicle (refused when it cannot seat the riders)."""
        return await transfers.update_run(actor, event_id, run_id, data)

    @post("/runs/{run_id:int}/riders/{registration_id:int}/move", status_code=HTTP_200_OK)
    async def move_rider(
        self,
        actor: ActorDep,
        event_id: FromPath[int],
        run_id: FromPath[int],
        registration_id: FromPath[int],
        data: JSONBody[schemas.TransferRiderMove],
    ) -> schemas.TransferRun:
        """Move a rider to another run of the same direction (refused when it is full)."""
        return await transfers.move_rider(actor, event_id, run_id, registration_id, data)


class TransfersOnSiteController(Controller):
    """Staff and organisers of the event: driver manifests and the runs as boarding checkpoints."""

    path = TRANSFERS
    tags = ["travel"]
    guards = [requires_event_staff]

    @get("/runs/{run_id:int}/manifest")
    async def manifest(
        self, actor: ActorDep, event_id: FromPath[int], run_id: FromPath[int]
    ) -> Response[bytes]:
        body, filename = await transfers.manifest_pdf(actor, event_id, run_id)
        return Response(
            body,
            media_type="application/pdf",
            headers={"Content-Disposition": f'attachment; filename="{filename}"'},
        )

    @get("/checkpoints")
    async def checkpoints(
        self, actor: ActorDep, event_id: FromPath[int], limit: Limit = DEFAULT_PAGE_SIZE, offset: Offset = 0
    ) -> Page[schemas.TransferCheckpoint]:
        return page_of(await transfers.list_checkpoints(actor, event_id), limit, offset)

    @get("/checkpoints/{checkpoint_id:str}/boarding")
    async def boarding(
        self, actor: ActorDep, event_id: FromPath[int], checkpoint_id: FromPath[str]
    ) -> schemas.TransferRun:
        return await transfers.boarding_list(actor, event_id, checkpoint_id)


TRANSFER_HANDLERS: list = [TransfersController, TransfersOnSiteController]


# --- DSA -----------------------------------------------------------------------------------------

DSA_HANDLERS: list = []


# --- the participant's view ----------------------------------------------------------------------

PARTICIPANT_HANDLERS: list = []


API_HANDLERS: list = [
    *FUNDING_HANDLERS,
    *ITINERARY_HANDLERS,
    *HOTEL_HANDLERS,
    *TRANSFER_HANDLERS,
    *DSA_HANDLERS,
    *PARTICIPANT_HANDLERS,
]
ROOT_HANDLERS: list = []
