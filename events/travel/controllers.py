"""Travel over HTTP (mounted under /api/v1): one section per task, each listing its handlers.

``API_HANDLERS`` joins them; ``ROOT_HANDLERS`` are links outside the API (none yet).
"""

from __future__ import annotations

from litestar import Controller, Response, delete, get, patch, post, put
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_200_OK, HTTP_204_NO_CONTENT

from events.api import DEFAULT_PAGE_SIZE, Limit, Offset, Page, page_of
from events.auth.guards import ActorDep, requires_event_organiser
from events.travel import allocation, hotels, rooming
from events.travel import schemas as travel_schemas

# --- funding and budget ---------------------------------------------------------------------------

FUNDING_HANDLERS: list = []


# --- itineraries ---------------------------------------------------------------------------------

ITINERARY_HANDLERS: list = []


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

TRANSFER_HANDLERS: list = []


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
