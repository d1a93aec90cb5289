"""Travel over HTTP (mounted under /api/v1): one section per task, each listing its handlers.

``API_HANDLERS`` joins them; ``ROOT_HANDLERS`` are links outside the API (none yet).
"""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Response, delete, get, patch, post
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_204_NO_CONTENT

from events.api import DEFAULT_PAGE_SIZE, Limit, Offset, Page, page_of
from events.auth.guards import (
    ActorDep,
    requires_event_organiser,
    requires_programme_organiser,
    requires_sign_in,
)
from events.travel import dsa, schemas

# --- funding and budget ---------------------------------------------------------------------------

FUNDING_HANDLERS: list = []


# --- itineraries ---------------------------------------------------------------------------------

ITINERARY_HANDLERS: list = []


# --- hotels and rooms ----------------------------------------------------------------------------

HOTEL_HANDLERS: list = []


# --- airport transfers ---------------------------------------------------------------------------

TRANSFER_HANDLERS: list = []


# --- DSA -----------------------------------------------------------------------------------------


class DsaRateController(Controller):
    """The UN's DSA rates per city and period: programme-wide organisers edit, organisers read."""

    path = "/travel/dsa-rates"
    tags = ["travel"]

    @get("/", guards=[requires_sign_in])
    async def list_rates(
        self,
        actor: ActorDep,
        country: Annotated[str | None, QueryParameter(max_length=3)] = None,
        city: Annotated[str | None, QueryParameter(max_length=100)] = None,
        limit: Limit = DEFAULT_PAGE_SIZE,
        offset: Offset = 0,
    ) -> Page[schemas.DsaRate]:
        """Every rate, by country, city and newest first; a rate applies until the city's next one."""
        return page_of(await dsa.list_rates(actor, country=country, city=city), limit, offset)

    @post("/", guards=[requires_programme_organiser], status_code=HTTP_201_CREATED)
    async def create_rate(self, actor: ActorDep, data: JSONBody[schemas.DsaRateCreate]) -> schemas.DsaRate:
        """A rate from ``valid_from``; a second rate for the same city and date is a 409."""
        return await dsa.create_rate(actor, data)

    @patch("/{rate_id:int}", guards=[requires_programme_organiser])
    async def update_rate(
        self, actor: ActorDep, rate_id: FromPath[int], data: JSONBody[schemas.DsaRateUpdate]
    ) -> schemas.DsaRate:
        return await dsa.update_rate(actor, rate_id, data)

    @delete("/{rate_id:int}", guards=[requires_programme_organiser], status_code=HTTP_204_NO_CONTENT)
    async def delete_rate(self, actor: ActorDep, rate_id: FromPath[int]) -> None:
        await dsa.delete_rate(actor, rate_id)


class EventDsaController(Controller):
    """An event's DSA: the payments computed, the problems, the payment sheet."""

    path = "/events/{event_id:int}/travel/dsa"
    tags = ["travel"]
    guards = [requires_event_organiser]

    @get("/")
    async def overview(self, actor: ActorDep, event_id: FromPath[int]) -> schemas.DsaOverview:
        """The payments as last computed and, as things stand now, who cannot be computed and why."""
        return await dsa.overview(actor, event_id)

    @post("/compute", status_code=HTTP_200_OK)
    async def compute(self, actor: ActorDep, event_id: FromPath[int]) -> schemas.DsaOverview:
        """Compute (again) the DSA of approved participants funded with DSA; paid payments stay."""
        return await dsa.compute(actor, event_id)

    @get("/sheet")
    async def sheet(
        self,
        actor: ActorDep,
        event_id: FromPath[int],
        format: Annotated[str, QueryParameter(pattern="^(pdf|xlsx)$", description="pdf or xlsx")] = "pdf",
    ) -> Response[bytes]:
        """The payment sheet with a signature line per participant."""
        body, media, filename = await dsa.payment_sheet(actor, event_id, format)
        return Response(
            body, media_type=media, headers={"Content-Disposition": f'attachment; filename="{filename}"'}
        )


class RegistrationDsaController(Controller):
    path = "/registrations/{registration_id:int}/travel/dsa"
    tags = ["travel"]
    guards = [requires_sign_in]

    @post("/paid", status_code=HTTP_200_OK)
    async def mark_paid(self, actor: ActorDep, registration_id: FromPath[int]) -> schemas.DsaPayment:
        """The participant signed for their DSA; a paid DSA is never recomputed (409 if paid already)."""
        return await dsa.mark_paid(actor, registration_id)


DSA_HANDLERS: list = [DsaRateController, EventDsaController, RegistrationDsaController]


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
