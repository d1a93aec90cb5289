"""Travel over HTTP (mounted under /api/v1): one section per task, each listing its handlers.

``API_HANDLERS`` joins them; ``ROOT_HANDLERS`` are links outside the API (none yet).
"""

from __future__ import annotations

from litestar import Controller, delete, get, patch, post
from litestar.datastructures import UploadFile
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_204_NO_CONTENT

from events.api import FilePart, require_file_part
from events.auth.guards import ActorDep, requires_sign_in
from events.errors import InvalidInput
from events.registration import importer
from events.travel import itineraries, schemas

# --- funding and budget ---------------------------------------------------------------------------

FUNDING_HANDLERS: list = []


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

HOTEL_HANDLERS: list = []


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
