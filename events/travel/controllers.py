"""Travel over HTTP (mounted under /api/v1): one section per task, each listing its handlers.

``API_HANDLERS`` joins them; ``ROOT_HANDLERS`` are links outside the API (none yet).
"""

from __future__ import annotations

from typing import Annotated, Literal

from litestar import Controller, Response, delete, get, patch, post, put
from litestar.datastructures import UploadFile
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_204_NO_CONTENT

from events.api import DEFAULT_PAGE_SIZE, FilePart, Limit, Offset, Page, page_of, require_file_part
from events.auth.guards import (
    ActorDep,
    requires_event_organiser,
    requires_event_staff,
    requires_programme_organiser,
    requires_sign_in,
)
from events.errors import InvalidInput
from events.registration import importer
from events.travel import (
    allocation,
    dsa,
    dsa_rates,
    funding,
    hotels,
    itineraries,
    mine,
    rooming,
    schemas,
    transfers,
)
from events.travel import schemas as travel_schemas

# --- funding and budget ---------------------------------------------------------------------------


class FundingController(Controller):
    """Organisers of the event: travel settings, fare estimates, the budget and the funding requests."""

    path = "/events/{event_id:int}/travel"
    tags = ["travel"]
    guards = [requires_event_organiser]

    @get("/settings")
    async def get_settings(self, event_id: FromPath[int]) -> schemas.TravelSettings:
        """The event's travel settings; the defaults (``updated_at`` null) until saved."""
        return await funding.settings_for(event_id)

    @put("/settings", status_code=HTTP_200_OK)
    async def update_settings(
        self, actor: ActorDep, event_id: FromPath[int], data: JSONBody[schemas.TravelSettingsUpdate]
    ) -> schemas.TravelSettings:
        """Fields left out keep their value; ``budget`` is an amount with at most two decimals."""
        return await funding.update_settings(actor, event_id, data)

    @get("/fares")
    async def list_fares(
        self, actor: ActorDep, event_id: FromPath[int], limit: Limit = DEFAULT_PAGE_SIZE, offset: Offset = 0
    ) -> Page[schemas.FareEstimate]:
        return page_of(await funding.list_fares(actor, event_id), limit, offset)

    @put("/fares/{country:str}", status_code=HTTP_200_OK)
    async def set_fare(
        self,
        actor: ActorDep,
        event_id: FromPath[int],
        country: FromPath[str],
        data: JSONBody[schemas.FareEstimateSet],
    ) -> schemas.FareEstimate:
        """The return fare from a country of departure (ISO alpha-2 or alpha-3); the decisions of
        participants departing from there are re-priced."""
        return await funding.set_fare_estimate(actor, event_id, country, data.amount)

    @delete("/fares/{country:str}", status_code=HTTP_204_NO_CONTENT)
    async def remove_fare(self, actor: ActorDep, event_id: FromPath[int], country: FromPath[str]) -> None:
        await funding.remove_fare_estimate(actor, event_id, country)

    @get("/budget")
    async def get_budget(self, actor: ActorDep, event_id: FromPath[int]) -> schemas.Budget:
        """The budget, the committed total (decisions of approved registrations), what remains,
        decisions per level and the requests without a decision."""
        return await funding.budget(actor, event_id)

    @get("/funding")
    async def list_funding(
        self,
        actor: ActorDep,
        event_id: FromPath[int],
        which: Annotated[
            Literal["undecided", "decided"] | None,
            QueryParameter(name="state", description="Only the undecided or the decided ones"),
        ] = None,
        limit: Limit = DEFAULT_PAGE_SIZE,
        offset: Offset = 0,
    ) -> Page[schemas.FundingRequest]:
        """Approved registrations that asked for funding or have a decision, by name."""
        return page_of(await funding.funding_requests(actor, event_id, which), limit, offset)


class RegistrationFundingController(Controller):
    """A registration's funding decision: set by an organiser of its event, read by them or the participant."""

    path = "/registrations/{registration_id:int}/travel/funding"
    tags = ["travel"]
    guards = [requires_sign_in]

    @get("/")
    async def get_decision(self, actor: ActorDep, registration_id: FromPath[int]) -> schemas.FundingDecision:
        return await funding.get_decision(actor, registration_id)

    @put("/", status_code=HTTP_200_OK)
    async def decide(
        self, actor: ActorDep, registration_id: FromPath[int], data: JSONBody[schemas.FundingDecisionSet]
    ) -> schemas.DecisionResult:
        """Approved registrations only (409 otherwise); a reason is required for ``not_funded``. A
        decision over the budget is saved, and the answer's ``budget.over_budget`` says so."""
        return await funding.decide(actor, registration_id, data.level, data.reason)


FUNDING_HANDLERS: list = [FundingController, RegistrationFundingController]


# --- itineraries ---------------------------------------------------------------------------------


class ItinerariesController(Controller):
    """Flight segments: organisers and travel agents of the event write them; the participant
    (``osr_`` access token) reads theirs and confirms it."""

    path = "/"
    tags = ["itineraries"]
    guards = [requires_sign_in]

    @get("/registrations/{registration_id:int}/travel/itinerary")
    async def get_itinerary(self, actor: ActorDep, registration_id: FromPath[int]) -> schemas.Itinerary:
        """The flights in order, inbound first; local times with their offset and zone."""
        return await itineraries.itinerary(actor, registration_id)

    @post("/registrations/{registration_id:int}/travel/itinerary/segments", status_code=HTTP_201_CREATED)
    async def add_segment(
        self, actor: ActorDep, registration_id: FromPath[int], data: JSONBody[schemas.SegmentCreate]
    ) -> schemas.Segment:
        """Local times as the ticket prints them (``2027-05-01T10:00``), at each airport."""
        return await itineraries.add_segment(actor, registration_id, data)

    @post("/registrations/{registration_id:int}/travel/itinerary/confirm", status_code=HTTP_200_OK)
    async def confirm(self, actor: ActorDep, registration_id: FromPath[int]) -> schemas.Itinerary:
        """The participant confirms the flights as booked; any later change clears it."""
        return await itineraries.confirm(actor, registration_id)

    @get("/travel/segments/{segment_id:int}")
    async def get_segment(self, actor: ActorDep, segment_id: FromPath[int]) -> schemas.Segment:
        return await itineraries.get_segment(actor, segment_id)

    @patch("/travel/segments/{segment_id:int}")
    async def update_segment(
        self, actor: ActorDep, segment_id: FromPath[int], data: JSONBody[schemas.SegmentUpdate]
    ) -> schemas.Segment:
        return await itineraries.update_segment(actor, segment_id, data)

    @delete("/travel/segments/{segment_id:int}", status_code=HTTP_204_NO_CONTENT)
    async def remove_segment(self, actor: ActorDep, segment_id: FromPath[int]) -> None:
        await itineraries.remove_segment(actor, segment_id)

    @post(
        "/events/{event_id:int}/travel/itineraries/import",
        status_code=HTTP_200_OK,
        request_max_body_size=importer.MAX_BYTES + 64 * 1024,
        before_request=require_file_part,
    )
    async def import_csv(
        self, actor: ActorDep, event_id: FromPath[int], data: FilePart
    ) -> schemas.ItineraryImportReport:
        """A CSV (multipart field ``data``) with the columns reference, direction, carrier, flight,
        from, to, departs_local, arrives_local, booking: one flight per row, each row added whole or
        reported with its reasons; a missing column refuses the file."""
        if not isinstance(data, UploadFile):
            raise InvalidInput.field("data", "send the file as multipart/form-data field 'data'")
        return await itineraries.import_csv(actor, event_id, await data.read())


ITINERARY_HANDLERS: list = [ItinerariesController]


# --- hotels and rooms ----------------------------------------------------------------------------

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _file(body: bytes, media_type: str, filename: str) -> Response[bytes]:
    return Response(
        body, media_type=media_type, headers={"Content-Disposition": f'attachment; filename="{filename}"'}
    )


class HotelsController(Controller):
    """Organisers of the event: hotels, room types, rooms held per night, the allocation, rooming lists."""

    path = "/events/{event_id:int}/travel"
    tags = ["travel"]
    guards = [requires_event_organiser]

    @get("/hotels")
    async def list_hotels(
        self, actor: ActorDep, event_id: FromPath[int], limit: Limit = DEFAULT_PAGE_SIZE, offset: Offset = 0
    ) -> Page[travel_schemas.Hotel]:
        return page_of(await hotels.list_hotels(actor, event_id), limit, offset)

    @post("/hotels")
    async def create_hotel(
        self, actor: ActorDep, event_id: FromPath[int], data: JSONBody[travel_schemas.HotelCreate]
    ) -> travel_schemas.Hotel:
        return await hotels.create_hotel(actor, event_id, data)

    @patch("/hotels/{hotel_id:int}")
    async def update_hotel(
        self,
        actor: ActorDep,
        event_id: FromPath[int],
        hotel_id: FromPath[int],
        data: JSONBody[travel_schemas.HotelUpdate],
    ) -> travel_schemas.Hotel:
        return await hotels.update_hotel(actor, event_id, hotel_id, data)

    @delete("/hotels/{hotel_id:int}", status_code=HTTP_204_NO_CONTENT)
    async def delete_hotel(self, actor: ActorDep, event_id: FromPath[int], hotel_id: FromPath[int]) -> None:
        await hotels.delete_hotel(actor, event_id, hotel_id)

    @post("/hotels/{hotel_id:int}/room-types")
    async def create_room_type(
        self,
        actor: ActorDep,
        event_id: FromPath[int],
        hotel_id: FromPath[int],
        data: JSONBody[travel_schemas.RoomTypeCreate],
    ) -> travel_schemas.RoomType:
        return await hotels.create_room_type(actor, event_id, hotel_id, data)

    @patch("/room-types/{room_type_id:int}")
    async def update_room_type(
        self,
        actor: ActorDep,
        event_id: FromPath[int],
        room_type_id: FromPath[int],
        data: JSONBody[travel_schemas.RoomTypeUpdate],
    ) -> travel_schemas.RoomType:
        return await hotels.update_room_type(actor, event_id, room_type_id, data)

    @delete("/room-types/{room_type_id:int}", status_code=HTTP_204_NO_CONTENT)
    async def delete_room_type(
        self, actor: ActorDep, event_id: FromPath[int], room_type_id: FromPath[int]
    ) -> None:
        await hotels.delete_room_type(actor, event_id, room_type_id)

    @put("/room-types/{room_type_id:int}/block", status_code=HTTP_200_OK)
    async def set_block_range(
        self,
        actor: ActorDep,
        event_id: FromPath[int],
        room_type_id: FromPath[int],
        data: JSONBody[travel_schemas.BlockRange],
    ) -> travel_schemas.RoomType:
        """The same number of rooms on every night from ``check_in`` to the morning of ``check_out``."""
        return await hotels.set_block(actor, event_id, room_type_id, hotels.range_nights(data))

    @patch("/room-types/{room_type_id:int}/block")
    async def set_block_nights(
        self,
        actor: ActorDep,
        event_id: FromPath[int],
        room_type_id: FromPath[int],
        data: JSONBody[travel_schemas.BlockNights],
    ) -> travel_schemas.RoomType:
        """Rooms on the nights named (0 takes a night out); other nights stay as they are."""
        return await hotels.set_block(actor, event_id, room_type_id, data.nights)

    @get("/rooms")
    async def list_rooms(
        self, actor: ActorDep, event_id: FromPath[int], limit: Limit = DEFAULT_PAGE_SIZE, offset: Offset = 0
    ) -> Page[travel_schemas.RoomAllocation]:
        """The rooms given out, by hotel and room label (guests sharing a room have the same label)."""
        return page_of(await allocation.list_allocations(actor, event_id), limit, offset)

    @get("/rooms/not-placed")
    async def list_not_placed(
        self, actor: ActorDep, event_id: FromPath[int], limit: Limit = DEFAULT_PAGE_SIZE, offset: Offset = 0
    ) -> Page[travel_schemas.NotPlaced]:
        """Funded participants without a room, each with why."""
        return page_of(await allocation.not_placed(actor, event_id), limit, offset)

    @post("/rooms/allocate", status_code=HTTP_200_OK)
    async def allocate(self, actor: ActorDep, event_id: FromPath[int]) -> travel_schemas.AllocationOutcome:
        """Replace the event's room allocation: every participant funded in full gets a room for
        exactly their nights, or is listed with why not."""
        return await allocation.allocate(actor, event_id)

    @get("/hotels/{hotel_id:int}/rooming-list.pdf")
    async def rooming_pdf(
        self, actor: ActorDep, event_id: FromPath[int], hotel_id: FromPath[int]
    ) -> Response[bytes]:
        listing = await allocation.rooming_list(actor, event_id, hotel_id)
        return _file(rooming.pdf(listing), "application/pdf", f"rooming-list-{hotel_id}.pdf")

    @get("/hotels/{hotel_id:int}/rooming-list.xlsx")
    async def rooming_xlsx(
        self, actor: ActorDep, event_id: FromPath[int], hotel_id: FromPath[int]
    ) -> Response[bytes]:
        listing = await allocation.rooming_list(actor, event_id, hotel_id)
        return _file(rooming.xlsx(listing), XLSX, f"rooming-list-{hotel_id}.xlsx")


HOTEL_HANDLERS: list = [HotelsController]


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
        return page_of(await dsa_rates.list_rates(actor, country=country, city=city), limit, offset)

    @post("/", guards=[requires_programme_organiser], status_code=HTTP_201_CREATED)
    async def create_rate(self, actor: ActorDep, data: JSONBody[schemas.DsaRateCreate]) -> schemas.DsaRate:
        """A rate from ``valid_from``; a second rate for the same city and date is a 409."""
        return await dsa_rates.create_rate(actor, data)

    @patch("/{rate_id:int}", guards=[requires_programme_organiser])
    async def update_rate(
        self, actor: ActorDep, rate_id: FromPath[int], data: JSONBody[schemas.DsaRateUpdate]
    ) -> schemas.DsaRate:
        return await dsa_rates.update_rate(actor, rate_id, data)

    @delete("/{rate_id:int}", guards=[requires_programme_organiser], status_code=HTTP_204_NO_CONTENT)
    async def delete_rate(self, actor: ActorDep, rate_id: FromPath[int]) -> None:
        await dsa_rates.delete_rate(actor, rate_id)


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


class ParticipantTravelController(Controller):
    """A participant (``osr_`` access token) or an organiser of the event: the travel the programme
    arranged — funding, flights, hotel, pick-ups and DSA (what /my/travel shows)."""

    path = "/registrations/{registration_id:int}/travel"
    tags = ["travel"]
    guards = [requires_sign_in]

    @get("", cache=False)
    async def my_travel(self, actor: ActorDep, registration_id: FromPath[int]) -> schemas.MyTravel:
        """Empty parts where nothing is arranged yet; someone else's registration is a 404."""
        return await mine.my_travel(actor, registration_id)


PARTICIPANT_HANDLERS: list = [ParticipantTravelController]


API_HANDLERS: list = [
    *FUNDING_HANDLERS,
    *ITINERARY_HANDLERS,
    *HOTEL_HANDLERS,
    *TRANSFER_HANDLERS,
    *DSA_HANDLERS,
    *PARTICIPANT_HANDLERS,
]
ROOT_HANDLERS: list = []
