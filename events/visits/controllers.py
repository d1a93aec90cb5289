"""Study visits over HTTP: parse, guard, call one service, shape the answer."""

from __future__ import annotations

import re
from typing import Annotated

from litestar import Controller, HttpMethod, Request, Response, delete, get, patch, post, put, route
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_202_ACCEPTED, HTTP_204_NO_CONTENT

from events.api import DEFAULT_PAGE_SIZE, Limit, Offset, Page, page_of
from events.auth.guards import (
    ActorDep,
    OptionalActorDep,
    requires_event_organiser,
    requires_event_staff,
    requires_programme_organiser,
    requires_sign_in,
)
from events.calendars.controllers import SKIP_COMPRESSION, Download
from events.calendars.controllers import _answer as answer_feed
from events.errors import NotFound
from events.jobs.schemas import Job
from events.programme.zones import in_event_zones
from events.visits import (
    assignments,
    event_settings,
    feeds,
    manifests,
    preferences,
    runs,
    schemas,
    sites,
    slots,
    vehicles,
)

EVENT = "/events/{event_id:int}/visits"
_FEED_FILE = re.compile(r"^(.+)\.ics$")


class PublicVisitsController(Controller):
    """What anyone may read: sites (contacts for organisers only) and an event's visit slots."""

    path = "/"
    tags = ["study visits"]

    @get("/visit-sites")
    async def list_sites(
        self,
        optional_actor: OptionalActorDep,
        city: Annotated[str | None, QueryParameter(max_length=100)] = None,
        limit: Limit = DEFAULT_PAGE_SIZE,
        offset: Offset = 0,
    ) -> Page[schemas.Site]:
        return page_of(await sites.list_sites(optional_actor, city=city), limit, offset)

    @get("/visit-sites/{site_id:int}")
    async def get_site(self, optional_actor: OptionalActorDep, site_id: FromPath[int]) -> schemas.Site:
        return await sites.get_site(optional_actor, site_id)

    @get(f"{EVENT}/slots")
    async def list_slots(
        self, event_id: FromPath[int], limit: Limit = DEFAULT_PAGE_SIZE, offset: Offset = 0
    ) -> Page[schemas.Slot]:
        """The event's visit slots: site, times, departure and return, seats, guide language."""
        return page_of(await slots.list_slots(event_id), limit, offset)

    @get(f"{EVENT}/slots/{{slot_id:int}}")
    async def get_slot(self, event_id: FromPath[int], slot_id: FromPath[int]) -> schemas.Slot:
        return await slots.get_slot(event_id, slot_id)


class ParticipantVisitsController(Controller):
    """A participant (``osr_`` access token) or an organiser of the event: ranked choices and
    the visits assigned."""

    path = "/registrations/{registration_id:int}"
    tags = ["study visits"]
    guards = [requires_sign_in]

    @get("/visit-preferences")
    async def get_preferences(self, actor: ActorDep, registration_id: FromPath[int]) -> schemas.Preferences:
        return await preferences.get_preferences(actor, registration_id)

    @put("/visit-preferences", status_code=HTTP_200_OK)
    async def set_preferences(
        self, actor: ActorDep, registration_id: FromPath[int], data: JSONBody[schemas.PreferencesSet]
    ) -> schemas.Preferences:
        """Up to five choices, best first: each a ``slot_id`` or a ``site_id`` (any slot there)."""
        return await preferences.set_preferences(actor, registration_id, data)

    @get("/visits")
    async def my_visits(
        self,
        actor: ActorDep,
        registration_id: FromPath[int],
        limit: Limit = DEFAULT_PAGE_SIZE,
        offset: Offset = 0,
    ) -> Page[schemas.MyVisit]:
        return page_of(await assignments.my_visits(actor, registration_id), limit, offset)


class SiteManagementController(Controller):
    """Organisers keep the shared list of sites."""

    path = "/visit-sites"
    tags = ["study visits management"]

    @post("/", guards=[requires_sign_in])
    async def create_site(self, actor: ActorDep, data: JSONBody[schemas.SiteCreate]) -> schemas.Site:
        return await sites.create_site(actor, data)

    @patch("/{site_id:int}", guards=[requires_sign_in])
    async def update_site(
        self, actor: ActorDep, site_id: FromPath[int], data: JSONBody[schemas.SiteUpdate]
    ) -> schemas.Site:
        return await sites.update_site(actor, site_id, data)

    @delete("/{site_id:int}", guards=[requires_programme_organiser], status_code=HTTP_204_NO_CONTENT)
    async def delete_site(self, actor: ActorDep, site_id: FromPath[int]) -> None:
        await sites.delete_site(actor, site_id)


class VisitsManagementController(Controller):
    """Organisers of the event: settings, travel times, vehicles, slots, scheduling, assignments."""

    path = EVENT
    tags = ["study visits management"]
    guards = [requires_event_organiser]

    @get("/settings")
    async def get_settings(self, event_id: FromPath[int]) -> schemas.VisitSettings:
        return await event_settings.get_settings(event_id)

    @patch("/settings")
    async def update_settings(
        self, actor: ActorDep, event_id: FromPath[int], data: JSONBody[schemas.VisitSettingsUpdate]
    ) -> schemas.VisitSettings:
        return await event_settings.update_settings(actor, event_id, data)

    @get("/travel-times")
    async def travel_matrix(self, actor: ActorDep, event_id: FromPath[int]) -> schemas.TravelMatrix:
        """Minutes between the venue and every site; estimated from coordinates unless entered."""
        return await event_settings.travel_matrix(actor, event_id)

    @put("/travel-times", status_code=HTTP_200_OK)
    async def set_travel_time(
        self, actor: ActorDep, event_id: FromPath[int], data: JSONBody[schemas.TravelTimeSet]
    ) -> schemas.TravelMatrix:
        return await event_settings.set_travel_time(actor, event_id, data)

    @get("/vehicles")
    async def list_vehicles(
        self, actor: ActorDep, event_id: FromPath[int], limit: Limit = DEFAULT_PAGE_SIZE, offset: Offset = 0
    ) -> Page[schemas.Vehicle]:
        return page_of(await vehicles.list_vehicles(actor, event_id), limit, offset)

    @post("/vehicles")
    async def create_vehicle(
        self, actor: ActorDep, event_id: FromPath[int], data: JSONBody[schemas.VehicleCreate]
    ) -> schemas.Vehicle:
        return await vehicles.create_vehicle(actor, event_id, data)

    @patch("/vehicles/{vehicle_id:int}")
    async def update_vehicle(
        self,
        actor: ActorDep,
        event_id: FromPath[int],
        vehicle_id: FromPath[int],
        data: JSONBody[schemas.VehicleUpdate],
    ) -> schemas.Vehicle:
        return await vehicles.update_vehicle(actor, event_id, vehicle_id, data)

    @delete("/vehicles/{vehicle_id:int}", status_code=HTTP_204_NO_CONTENT)
    async def delete_vehicle(
        self, actor: ActorDep, event_id: FromPath[int], vehicle_id: FromPath[int]
    ) -> None:
        await vehicles.delete_vehicle(actor, event_id, vehicle_id)

    @post("/slots")
    async def create_slot(
        self, actor: ActorDep, event_id: FromPath[int], data: JSONBody[schemas.SlotCreate]
    ) -> schemas.Slot:
        """Refused with 422 outside the site's opening hours or the event's dates, and with 409
        when a vehicle is on another trip then (travel included)."""
        return await slots.create_slot(actor, event_id, data)

    @patch("/slots/{slot_id:int}")
    async def update_slot(
        self,
        actor: ActorDep,
        event_id: FromPath[int],
        slot_id: FromPath[int],
        data: JSONBody[schemas.SlotUpdate],
    ) -> schemas.Slot:
        return await slots.update_slot(actor, event_id, slot_id, data)

    @delete("/slots/{slot_id:int}", status_code=HTTP_204_NO_CONTENT)
    async def delete_slot(self, actor: ActorDep, event_id: FromPath[int], slot_id: FromPath[int]) -> None:
        await slots.delete_slot(actor, event_id, slot_id)

    @post(
        "/schedule/dry-run",
        status_code=HTTP_201_CREATED,
        responses={HTTP_202_ACCEPTED: ResponseSpec(Job, description="wait=false: the queued job")},
    )
    async def dry_run(
        self,
        actor: ActorDep,
        event_id: FromPath[int],
        time_limit_s: Annotated[
            float, QueryParameter(ge=0.5, le=60, description="the solver's time limit in seconds")
        ] = 5.0,
        wait: Annotated[
            bool,
            QueryParameter(
                description="false: answer 202 at once with the job to follow at /api/v1/jobs/{id} "
                "(its result is the schedule run); true: solve within the request"
            ),
        ] = True,
    ) -> Response[schemas.ScheduleRun | Job]:
        """Solve and store a proposal with its figures; nothing changes until it is committed."""
        if not wait:
            job = await in_event_zones(await runs.enqueue_dry_run(actor, event_id, time_limit_s))
            return Response(
                job, status_code=HTTP_202_ACCEPTED, headers={"Location": f"/api/v1/jobs/{job.id}"}
            )
        return Response(await runs.dry_run(actor, event_id, time_limit_s), status_code=HTTP_201_CREATED)

    @get("/schedule/runs")
    async def list_runs(
        self, actor: ActorDep, event_id: FromPath[int], limit: Limit = DEFAULT_PAGE_SIZE, offset: Offset = 0
    ) -> Page[schemas.RunSummary]:
        """The latest 50 dry runs, newest first; only the newest proposed one can be committed."""
        return page_of(await runs.list_runs(actor, event_id), limit, offset)

    @get("/schedule/runs/{run_id:int}")
    async def get_run(
        self, actor: ActorDep, event_id: FromPath[int], run_id: FromPath[int]
    ) -> schemas.ScheduleRun:
        return await runs.get_run(actor, event_id, run_id)

    @post("/schedule/runs/{run_id:int}/commit", status_code=HTTP_200_OK)
    async def commit(
        self, actor: ActorDep, event_id: FromPath[int], run_id: FromPath[int]
    ) -> schemas.Committed:
        """Write the dry run's assignments (409 when anything it used changed since)."""
        return await runs.commit_run(actor, event_id, run_id)

    @get("/assignments")
    async def list_assignments(
        self,
        actor: ActorDep,
        event_id: FromPath[int],
        slot_id: Annotated[int | None, QueryParameter()] = None,
        limit: Limit = DEFAULT_PAGE_SIZE,
        offset: Offset = 0,
    ) -> Page[schemas.Assignment]:
        return page_of(await assignments.list_assignments(actor, event_id, slot_id), limit, offset)

    @post("/assignments")
    async def create_assignment(
        self, actor: ActorDep, event_id: FromPath[int], data: JSONBody[schemas.AssignmentCreate]
    ) -> schemas.Assignment:
        return await assignments.create_assignment(actor, event_id, data)

    @patch("/assignments/{assignment_id:int}")
    async def update_assignment(
        self,
        actor: ActorDep,
        event_id: FromPath[int],
        assignment_id: FromPath[int],
        data: JSONBody[schemas.AssignmentUpdate],
    ) -> schemas.Assignment:
        return await assignments.update_assignment(actor, event_id, assignment_id, data)

    @delete("/assignments/{assignment_id:int}", status_code=HTTP_204_NO_CONTENT)
    async def delete_assignment(
        self, actor: ActorDep, event_id: FromPath[int], assignment_id: FromPath[int]
    ) -> None:
        await assignments.delete_assignment(actor, event_id, assignment_id)

    @post("/slots/{slot_id:int}/calendar-feed", status_code=HTTP_201_CREATED)
    async def create_slot_feed(
        self, actor: ActorDep, event_id: FromPath[int], slot_id: FromPath[int]
    ) -> schemas.SlotFeed:
        """Create the slot's calendar feed for its escorts, or regenerate it (the previous URL
        stops working). It shows the trip, vehicles and rider counts, never names."""
        return await feeds.create_slot_feed(actor, event_id, slot_id)

    @get("/slots/{slot_id:int}/calendar-feed")
    async def slot_feed_status(
        self, actor: ActorDep, event_id: FromPath[int], slot_id: FromPath[int]
    ) -> schemas.SlotFeedStatus:
        """Whether the slot has a feed, with its links to hand to the escorts."""
        return await feeds.slot_feed_status(actor, event_id, slot_id)

    @delete("/slots/{slot_id:int}/calendar-feed", status_code=HTTP_204_NO_CONTENT)
    async def revoke_slot_feed(
        self, actor: ActorDep, event_id: FromPath[int], slot_id: FromPath[int]
    ) -> None:
        """Revoke the slot's feed: its URL answers 404 from now on."""
        await feeds.revoke_slot_feed(actor, event_id, slot_id)


class StaffVisitsController(Controller):
    """Staff and organisers of the event: manifests and boarding (check-in checkpoints)."""

    path = EVENT
    tags = ["study visits on site"]
    guards = [requires_event_staff]

    @get("/slots/{slot_id:int}/manifest")
    async def manifest(
        self,
        actor: ActorDep,
        event_id: FromPath[int],
        slot_id: FromPath[int],
        format: Annotated[str, QueryParameter(pattern="^(pdf|csv)$", description="pdf or csv")] = "pdf",
        vehicle_id: Annotated[int | None, QueryParameter(description="one vehicle only")] = None,
    ) -> Response[bytes]:
        body, media, filename = await manifests.export_manifest(actor, event_id, slot_id, vehicle_id, format)
        return Response(
            body, media_type=media, headers={"Content-Disposition": f'attachment; filename="{filename}"'}
        )

    @get("/checkpoints")
    async def checkpoints(
        self, actor: ActorDep, event_id: FromPath[int], limit: Limit = DEFAULT_PAGE_SIZE, offset: Offset = 0
    ) -> Page[schemas.Checkpoint]:
        return page_of(await manifests.list_checkpoints(actor, event_id), limit, offset)

    @get("/checkpoints/{checkpoint_id:str}/boarding")
    async def boarding(
        self, actor: ActorDep, event_id: FromPath[int], checkpoint_id: FromPath[str]
    ) -> list[schemas.Boarding]:
        return await manifests.boarding_list(actor, event_id, checkpoint_id)


class SlotFeedController(Controller):
    """A visit slot's calendar feed for its escorts (the token in the URL is the credential)."""

    path = "/calendars/visit-slots"
    tags = ["calendars"]
    opt = {SKIP_COMPRESSION: True}

    @route("/{file_name:str}", http_method=[HttpMethod.GET, HttpMethod.HEAD], cache=False)
    async def slot_feed(
        self, request: Request, file_name: FromPath[str], download: Download = False
    ) -> Response[bytes]:
        """``{token}.ics``: the slot's trip. An unknown or revoked token is a plain 404."""
        match = _FEED_FILE.match(file_name)
        if match is None:
            raise NotFound("There is no calendar feed at this address")
        return await answer_feed(request, await feeds.slot_feed(match.group(1)), download)


API_HANDLERS = [
    PublicVisitsController,
    ParticipantVisitsController,
    SiteManagementController,
    VisitsManagementController,
    StaffVisitsController,
]
ROOT_HANDLERS = [SlotFeedController]
