"""Console: study visits — slots, vehicles, sites, travel times and settings; the demand for each
slot; the scheduler's dry run (a job) beside the plan in force, and its commit; manifests.

Every action calls the visits area's own service (``events.visits.*``), which checks the right,
writes the audit entry and refuses what would break booked visits; a refusal is shown beside the
field it concerns, or at the top of the form with the service's reasons.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath
from litestar.response import Template
from msgspec import Meta, Struct

from events.auth.principal import Actor
from events.errors import Conflict, DomainError, InvalidInput, NotFound
from events.programme import schemas as programme_schemas
from events.visits import (
    event_settings,
    feeds,
    overview,
    runs,
    schemas,
    sites,
    slots,
    travel,
    vehicles,
)
from events.web import messages, pages
from events.web.console import common
from events.web.forms import Form, read_form
from events.web.i18n import N_

BASE = "/organiser/events/{event_id:int}/visits"

#: The visits tab's own sub-pages: (name, label, path under …/visits).
SUBPAGES = [
    ("slots", N_("Slots"), ""),
    ("vehicles", N_("Vehicles"), "/vehicles"),
    ("sites", N_("Sites"), "/sites"),
    ("travel", N_("Travel times"), "/travel"),
    ("settings", N_("Settings"), "/settings"),
    ("demand", N_("Demand"), "/demand"),
    ("scheduler", N_("Scheduler"), "/scheduler"),
    ("manifests", N_("Manifests"), "/manifests"),
]

#: Messages of this area's fields when the answer is missing or not usable.
FIELD_MESSAGES = {
    "site_id": N_("Select a site"),
    "starts_at": N_("Enter the start as a date and time, like 2027-10-13 10:00"),
    "ends_at": N_("Enter the end as a date and time, like 2027-10-13 12:00"),
    "vehicle_ids": N_("Select at least one vehicle"),
    "guide_language": N_("Enter the guide's language as a code of 2 or 3 letters, like en or az"),
    "capacity": N_("Enter a number of seats from 1 to 500, or leave it blank"),
    "seats": N_("Enter a number of seats from 1 to 500"),
    "step_free_seats": N_("Enter a number of step-free seats from 0 to 500"),
    "name": N_("Enter a name"),
    "city": N_("Enter the city"),
    "country": N_("Enter the country as a 3-letter code, like AZE"),
    "latitude": N_("Enter a latitude from -90 to 90, or leave it blank"),
    "longitude": N_("Enter a longitude from -180 to 180, or leave it blank"),
    "venue_latitude": N_("Enter a latitude from -90 to 90, or leave it blank"),
    "venue_longitude": N_("Enter a longitude from -180 to 180, or leave it blank"),
    "group_capacity": N_("Enter a group size from 1 to 500"),
    "speed_kmh": N_("Enter a speed from 5 to 120 km/h"),
    "overhead_minutes": N_("Enter a number of minutes from 0 to 180"),
    "visits_per_participant": N_("Enter 1, 2 or 3"),
    "minutes": N_("Enter a number of minutes from 0 to 1440, or leave it blank for the estimate"),
    "time_limit_s": N_("Enter a time limit from 0.5 to 60 seconds"),
    "origin_site_id": N_("Select where the trip starts"),
    "destination_site_id": N_("Select where the trip ends"),
}
#: Why the scheduler left someone without a visit, by the solver's code (its English detail follows).
UNPLACED_WORDS = {
    "no_slots": N_("The event has no visit slot."),
    "full": N_("Every slot that suits them is full."),
    "step_free_seats_full": N_("The step-free seats of every slot that suits them are taken."),
    "no_step_free_site": N_("Needs step-free access: no slot is at a step-free site."),
    "no_step_free_seat": N_(
        "Needs step-free access: no vehicle of a step-free site's slot has a step-free seat."
    ),
    "clash": N_("Every slot clashes with their programme."),
}
#: The most people left out that the run page lists (the page stays light with a thousand).
UNPLACED_SHOWN = 150
REFUSED = N_("The change was refused: %(reason)s")
WEEKDAY_LABELS = [
    ("mon", N_("Monday")),
    ("tue", N_("Tuesday")),
    ("wed", N_("Wednesday")),
    ("thu", N_("Thursday")),
    ("fri", N_("Friday")),
    ("sat", N_("Saturday")),
    ("sun", N_("Sunday")),
]
HOUR_FIELDS = [f"hours_{day}" for day, _ in WEEKDAY_LABELS]
_CLOCK = r"(?:[01]\d|2[0-3]):[0-5]\d|24:00"
_INTERVAL = re.compile(rf"^\s*({_CLOCK})\s*[-–]\s*({_CLOCK})\s*$")

SLOT_FIELDS = [
    "site_id",
    "starts_at",
    "ends_at",
    "vehicle_ids",
    "guide_language",
    "capacity",
    "meeting_point",
]
VEHICLE_FIELDS = ["name", "seats", "step_free_seats", "driver_name", "driver_phone"]
SITE_FIELDS = [
    "name",
    "city",
    "country",
    "address",
    "latitude",
    "longitude",
    "group_capacity",
    "step_free",
    "hearing_loop",
    "sign_language_on_request",
    "contact_name",
    "contact_phone",
]
SETTINGS_FIELDS = [
    "venue_latitude",
    "venue_longitude",
    "speed_kmh",
    "overhead_minutes",
    "visits_per_participant",
    "default_meeting_point",
]
#: A travel time's places in a form: a site's id, or this for the event's venue.
VENUE = "venue"


class DryRunForm(Struct):
    time_limit_s: Annotated[float, Meta(ge=0.5, le=60)] = 5.0


class TravelForm(Struct):
    origin_site_id: str
    destination_site_id: str
    minutes: Annotated[int, Meta(ge=0, le=1440)] | None = None
    both_ways: bool = False


def _run_page(job) -> str:
    run_id = (job.result or {}).get("id") if isinstance(job.result, dict) else None
    if run_id is None:
        return f"/organiser/events/{job.event_id}/visits/scheduler"
    return f"/organiser/events/{job.event_id}/visits/runs/{run_id}"


#: Job kind → function(job) giving the console page that shows what the job produced.
JOB_PAGES: dict = {runs.DRY_RUN_JOB: _run_page}


# --- shared ----------------------------------------------------------------------------------------


def _render(
    request: Request,
    template: str,
    actor: Actor,
    event: programme_schemas.Event,
    sub: str,
    context: dict[str, Any],
    status_code: int = 200,
) -> Template:
    base = f"/organiser/events/{event.id}/visits"
    return common.render(
        request,
        f"console/visits/{template}",
        actor,
        event,
        "visits",
        {
            "sub": sub,
            "subpages": [(name, label, base + path) for name, label, path in SUBPAGES],
            "base": base,
            **context,
        },
        status_code=status_code,
    )


def _own_messages(form: Form, gettext) -> None:
    """This area's words in place of the generic "Check this answer" beside a field."""
    generic = gettext(messages.CHECK)
    for name, text in list(form.errors.items()):
        if name in FIELD_MESSAGES and text == generic:
            form.errors[name] = gettext(FIELD_MESSAGES[name])


def _refusal(form: Form, exc: DomainError, gettext) -> None:
    form.add_service_error(exc, gettext, fallback=gettext(REFUSED, reason=exc.detail))


async def _submitted(request: Request):
    return await request.form()


def _short(text: str) -> str:
    """A flash message's value fits in its signed cookie."""
    return text if len(text) <= 600 else text[:597] + "…"


# --- slots -----------------------------------------------------------------------------------------


async def _slot_choices(actor: Actor, event_id: int) -> dict[str, Any]:
    return {
        "site_options": [(s.id, f"{s.name} ({s.city})") for s in await sites.list_sites(actor)],
        "vehicle_options": await vehicles.list_vehicles(actor, event_id),
    }


def _slot_form(slot: schemas.Slot) -> Form:
    form = Form(order=SLOT_FIELDS)
    form.values = {
        "site_id": str(slot.site_id),
        "starts_at": slot.starts_at.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": slot.ends_at.strftime("%Y-%m-%dT%H:%M"),
        "vehicle_ids": [str(v.id) for v in slot.vehicles],
        "guide_language": slot.guide_language,
        "capacity": "" if slot.capacity_limit is None else str(slot.capacity_limit),
        "meeting_point": slot.meeting_point,
    }
    return form


class VisitPages(Controller):
    path = BASE

    # slots -------------------------------------------------------------------------------------

    @get("")
    async def slot_list(self, request: Request, event_id: FromPath[int]) -> Template:
        actor, event = await common.event_page(request, event_id)
        items = sorted(await slots.list_slots(event_id), key=lambda s: (s.starts_at, s.site_name, s.id))
        return _render(request, "slots.html", actor, event, "slots", {"slots": items})

    @get("/slots/new")
    async def new_slot(self, request: Request, event_id: FromPath[int]) -> Template:
        actor, event = await common.event_page(request, event_id)
        form = Form(order=SLOT_FIELDS, values={"guide_language": "en"})
        context = {"form": form, "slot": None, **await _slot_choices(actor, event_id)}
        return _render(request, "slot_form.html", actor, event, "slots", context)

    @post("/slots/new")
    async def create_slot(self, request: Request, event_id: FromPath[int]) -> Response:
        actor, event = await common.event_page(request, event_id)
        gettext = pages.gettext(request)
        data, form = read_form(
            await _submitted(request),
            schemas.SlotCreate,
            SLOT_FIELDS,
            gettext,
            required=["site_id", "starts_at", "ends_at", "vehicle_ids", "guide_language"],
        )
        if data is not None:
            try:
                slot = await slots.create_slot(actor, event_id, data)
            except (InvalidInput, Conflict) as exc:
                _refusal(form, exc, gettext)
            else:
                return pages.redirect(
                    f"/organiser/events/{event_id}/visits#slot-{slot.id}", flash=N_("The slot was added.")
                )
        _own_messages(form, gettext)
        context = {"form": form, "slot": None, **await _slot_choices(actor, event_id)}
        return _render(request, "slot_form.html", actor, event, "slots", context, status_code=422)

    @get("/slots/{slot_id:int}")
    async def edit_slot(self, request: Request, event_id: FromPath[int], slot_id: FromPath[int]) -> Template:
        actor, event = await common.event_page(request, event_id)
        slot = await slots.get_slot(event_id, slot_id)
        context = {"form": _slot_form(slot), "slot": slot, **await _slot_choices(actor, event_id)}
        return _render(request, "slot_form.html", actor, event, "slots", context)

    @post("/slots/{slot_id:int}")
    async def update_slot(
        self, request: Request, event_id: FromPath[int], slot_id: FromPath[int]
    ) -> Response:
        actor, event = await common.event_page(request, event_id)
        slot = await slots.get_slot(event_id, slot_id)
        gettext = pages.gettext(request)
        data, form = read_form(
            await _submitted(request),
            schemas.SlotUpdate,
            SLOT_FIELDS,
            gettext,
            required=["site_id", "starts_at", "ends_at", "vehicle_ids", "guide_language"],
        )
        if data is not None:
            try:
                await slots.update_slot(actor, event_id, slot_id, data)
            except (InvalidInput, Conflict) as exc:
                _refusal(form, exc, gettext)
            else:
                return pages.redirect(
                    f"/organiser/events/{event_id}/visits#slot-{slot_id}", flash=N_("The slot was saved.")
                )
        _own_messages(form, gettext)
        context = {"form": form, "slot": slot, **await _slot_choices(actor, event_id)}
        return _render(request, "slot_form.html", actor, event, "slots", context, status_code=422)

    # vehicles ----------------------------------------------------------------------------------

    @get("/vehicles")
    async def vehicle_list(self, request: Request, event_id: FromPath[int]) -> Template:
        actor, event = await common.event_page(request, event_id)
        return await self._vehicles(
            request, actor, event, Form(order=VEHICLE_FIELDS, values={"step_free_seats": "0"})
        )

    async def _vehicles(self, request, actor, event, form: Form, status_code: int = 200) -> Template:
        items = await vehicles.list_vehicles(actor, event.id)
        context = {"vehicles": items, "form": form}
        return _render(request, "vehicles.html", actor, event, "vehicles", context, status_code)

    @post("/vehicles")
    async def create_vehicle(self, request: Request, event_id: FromPath[int]) -> Response:
        actor, event = await common.event_page(request, event_id)
        gettext = pages.gettext(request)
        data, form = read_form(
            await _submitted(request),
            schemas.VehicleCreate,
            VEHICLE_FIELDS,
            gettext,
            required=["name", "seats"],
        )
        if data is not None:
            try:
                await vehicles.create_vehicle(actor, event_id, data)
            except (InvalidInput, Conflict) as exc:
                _refusal(form, exc, gettext)
            else:
                return pages.redirect(
                    f"/organiser/events/{event_id}/visits/vehicles", flash=N_("The vehicle was added.")
                )
        _own_messages(form, gettext)
        return await self._vehicles(request, actor, event, form, 422)

    @get("/vehicles/{vehicle_id:int}")
    async def edit_vehicle(
        self, request: Request, event_id: FromPath[int], vehicle_id: FromPath[int]
    ) -> Template:
        actor, event = await common.event_page(request, event_id)
        vehicle = await self._vehicle(actor, event_id, vehicle_id)
        form = Form(
            order=VEHICLE_FIELDS, values={name: str(getattr(vehicle, name)) for name in VEHICLE_FIELDS}
        )
        return _render(
            request, "vehicle_form.html", actor, event, "vehicles", {"form": form, "vehicle": vehicle}
        )

    async def _vehicle(self, actor: Actor, event_id: int, vehicle_id: int) -> schemas.Vehicle:
        for vehicle in await vehicles.list_vehicles(actor, event_id):
            if vehicle.id == vehicle_id:
                return vehicle
        raise NotFound(f"Event {event_id} has no vehicle {vehicle_id}")

    @post("/vehicles/{vehicle_id:int}")
    async def update_vehicle(
        self, request: Request, event_id: FromPath[int], vehicle_id: FromPath[int]
    ) -> Response:
        actor, event = await common.event_page(request, event_id)
        vehicle = await self._vehicle(actor, event_id, vehicle_id)
        gettext = pages.gettext(request)
        data, form = read_form(
            await _submitted(request),
            schemas.VehicleUpdate,
            VEHICLE_FIELDS,
            gettext,
            required=["name", "seats"],
        )
        if data is not None:
            try:
                await vehicles.update_vehicle(actor, event_id, vehicle_id, data)
            except (InvalidInput, Conflict) as exc:
                _refusal(form, exc, gettext)
            else:
                return pages.redirect(
                    f"/organiser/events/{event_id}/visits/vehicles", flash=N_("The vehicle was saved.")
                )
        _own_messages(form, gettext)
        context = {"form": form, "vehicle": vehicle}
        return _render(request, "vehicle_form.html", actor, event, "vehicles", context, status_code=422)

    # sites (shared by every event) -------------------------------------------------------------

    @get("/sites")
    async def site_list(self, request: Request, event_id: FromPath[int]) -> Template:
        actor, event = await common.event_page(request, event_id)
        items = await sites.list_sites(actor)
        used = {slot.site_id for slot in await slots.list_slots(event_id)}
        return _render(request, "sites.html", actor, event, "sites", {"sites": items, "used": used})

    @get("/sites/new")
    async def new_site(self, request: Request, event_id: FromPath[int]) -> Template:
        actor, event = await common.event_page(request, event_id)
        form = Form(order=[*SITE_FIELDS, *HOUR_FIELDS], values={"country": "AZE", "group_capacity": "25"})
        return _render(request, "site_form.html", actor, event, "sites", _site_context(form, None))

    @post("/sites/new")
    async def create_site(self, request: Request, event_id: FromPath[int]) -> Response:
        actor, event = await common.event_page(request, event_id)
        gettext = pages.gettext(request)
        submitted = await _submitted(request)
        data, form = read_form(submitted, schemas.SiteCreate, SITE_FIELDS, gettext, required=["name", "city"])
        hours = _read_hours(submitted, form, gettext)
        if data is not None and hours is not None:
            data = msgspec.convert({**msgspec.to_builtins(data), "opening_hours": hours}, schemas.SiteCreate)
            try:
                site = await sites.create_site(actor, data)
            except (InvalidInput, Conflict) as exc:
                _refusal(form, exc, gettext)
            else:
                return pages.redirect(
                    f"/organiser/events/{event_id}/visits/sites#site-{site.id}",
                    flash=N_("The site was added."),
                )
        _own_messages(form, gettext)
        return _render(request, "site_form.html", actor, event, "sites", _site_context(form, None), 422)

    @get("/sites/{site_id:int}")
    async def edit_site(self, request: Request, event_id: FromPath[int], site_id: FromPath[int]) -> Template:
        actor, event = await common.event_page(request, event_id)
        site = await sites.get_site(actor, site_id)
        return _render(
            request, "site_form.html", actor, event, "sites", _site_context(_site_form(site), site)
        )

    @post("/sites/{site_id:int}")
    async def update_site(
        self, request: Request, event_id: FromPath[int], site_id: FromPath[int]
    ) -> Response:
        actor, event = await common.event_page(request, event_id)
        site = await sites.get_site(actor, site_id)
        gettext = pages.gettext(request)
        submitted = await _submitted(request)
        data, form = read_form(submitted, schemas.SiteUpdate, SITE_FIELDS, gettext, required=["name", "city"])
        hours = _read_hours(submitted, form, gettext)
        if data is not None and hours is not None:
            data = msgspec.convert({**msgspec.to_builtins(data), "opening_hours": hours}, schemas.SiteUpdate)
            try:
                await sites.update_site(actor, site_id, data)
            except (InvalidInput, Conflict) as exc:
                _refusal(form, exc, gettext)
            else:
                return pages.redirect(
                    f"/organiser/events/{event_id}/visits/sites#site-{site_id}",
                    flash=N_("The site was saved."),
                )
        _own_messages(form, gettext)
        return _render(request, "site_form.html", actor, event, "sites", _site_context(form, site), 422)

    # travel times and settings -----------------------------------------------------------------

    @get("/travel")
    async def travel_times(self, request: Request, event_id: FromPath[int]) -> Template:
        actor, event = await common.event_page(request, event_id)
        form = Form(
            order=["origin_site_id", "destination_site_id", "minutes", "both_ways"],
            values={"both_ways": "true"},
        )
        return _render(
            request, "travel.html", actor, event, "travel", await _travel_context(actor, event_id, form)
        )

    @post("/travel")
    async def set_travel_time(self, request: Request, event_id: FromPath[int]) -> Response:
        actor, event = await common.event_page(request, event_id)
        gettext = pages.gettext(request)
        fields = ["origin_site_id", "destination_site_id", "minutes", "both_ways"]
        data, form = read_form(
            await _submitted(request),
            TravelForm,
            fields,
            gettext,
            required=["origin_site_id", "destination_site_id"],
        )
        places: dict[str, int | None] = {}
        if data is not None:
            for name in ("origin_site_id", "destination_site_id"):
                value = getattr(data, name)
                if value == VENUE:
                    places[name] = None
                elif value.isdigit() and len(value) < 10:
                    places[name] = int(value)
                else:
                    form.add(name, gettext(FIELD_MESSAGES[name]))
        if data is not None and not form.has_errors:
            try:
                await event_settings.set_travel_time(
                    actor,
                    event_id,
                    schemas.TravelTimeSet(
                        places["origin_site_id"], places["destination_site_id"], data.minutes, data.both_ways
                    ),
                )
            except (InvalidInput, Conflict) as exc:
                _refusal(form, exc, gettext)
            else:
                return pages.redirect(
                    f"/organiser/events/{event_id}/visits/travel", flash=N_("The travel time was saved.")
                )
        _own_messages(form, gettext)
        context = await _travel_context(actor, event_id, form)
        return _render(request, "travel.html", actor, event, "travel", context, status_code=422)

    @get("/settings")
    async def settings(self, request: Request, event_id: FromPath[int]) -> Template:
        actor, event = await common.event_page(request, event_id)
        current = await event_settings.get_settings(event_id)
        form = Form(
            order=SETTINGS_FIELDS,
            values={
                name: "" if getattr(current, name) is None else str(getattr(current, name))
                for name in SETTINGS_FIELDS
            },
        )
        context = {"form": form, "formula": current.travel_estimate}
        return _render(request, "settings.html", actor, event, "settings", context)

    @post("/settings")
    async def save_settings(self, request: Request, event_id: FromPath[int]) -> Response:
        actor, event = await common.event_page(request, event_id)
        gettext = pages.gettext(request)
        data, form = read_form(
            await _submitted(request),
            schemas.VisitSettingsUpdate,
            SETTINGS_FIELDS,
            gettext,
            required=["speed_kmh", "overhead_minutes", "visits_per_participant"],
        )
        if data is not None:
            try:
                await event_settings.update_settings(actor, event_id, data)
            except (InvalidInput, Conflict) as exc:
                _refusal(form, exc, gettext)
            else:
                return pages.redirect(
                    f"/organiser/events/{event_id}/visits/settings",
                    flash=N_("The visit settings were saved."),
                )
        _own_messages(form, gettext)
        current = await event_settings.get_settings(event_id)
        context = {"form": form, "formula": current.travel_estimate}
        return _render(request, "settings.html", actor, event, "settings", context, status_code=422)

    # demand ------------------------------------------------------------------------------------

    @get("/demand")
    async def demand(self, request: Request, event_id: FromPath[int]) -> Template:
        actor, event = await common.event_page(request, event_id)
        figures = await overview.demand(actor, event_id)
        return _render(request, "demand.html", actor, event, "demand", {"demand": figures})

    # the scheduler -----------------------------------------------------------------------------

    @get("/scheduler")
    async def scheduler(self, request: Request, event_id: FromPath[int]) -> Template:
        actor, event = await common.event_page(request, event_id)
        return await self._scheduler(
            request, actor, event, Form(order=["time_limit_s"], values={"time_limit_s": "5"})
        )

    async def _scheduler(self, request, actor, event, form: Form, status_code: int = 200) -> Template:
        context = {
            "form": form,
            "jobs": await common.latest_jobs(actor, event.id, runs.DRY_RUN_JOB, request),
            "runs": await runs.list_runs(actor, event.id),
        }
        return _render(request, "scheduler.html", actor, event, "scheduler", context, status_code)

    @post("/scheduler")
    async def start_dry_run(self, request: Request, event_id: FromPath[int]) -> Response:
        actor, event = await common.event_page(request, event_id)
        gettext = pages.gettext(request)
        data, form = read_form(await _submitted(request), DryRunForm, ["time_limit_s"], gettext)
        if data is None:
            _own_messages(form, gettext)
            return await self._scheduler(request, actor, event, form, 422)
        return await common.start_job(
            request,
            actor,
            runs.DRY_RUN_JOB,
            event_id=event_id,
            params={"event_id": event_id, "time_limit_s": data.time_limit_s},
        )

    @get("/runs/{run_id:int}")
    async def run(self, request: Request, event_id: FromPath[int], run_id: FromPath[int]) -> Template:
        actor, event = await common.event_page(request, event_id)
        run = await runs.get_run(actor, event_id, run_id)
        plan = await overview.current_plan(actor, event_id)
        return _render(request, "run.html", actor, event, "scheduler", _comparison(run, plan))

    @post("/runs/{run_id:int}/commit")
    async def commit(self, request: Request, event_id: FromPath[int], run_id: FromPath[int]) -> Response:
        actor, _ = await common.event_page(request, event_id)
        page = f"/organiser/events/{event_id}/visits/runs/{run_id}"
        try:
            committed = await runs.commit_run(actor, event_id, run_id)
        except Conflict as exc:
            return pages.redirect(
                page, flash=N_("This plan was not committed: %(reason)s"), reason=_short(exc.detail)
            )
        return pages.redirect(
            page,
            flash=N_("The plan was committed: %(assigned)s visits assigned, %(notified)s participants told."),
            assigned=committed.assigned,
            notified=committed.notifications,
        )

    # manifests ---------------------------------------------------------------------------------

    @get("/manifests")
    async def manifests(self, request: Request, event_id: FromPath[int]) -> Template:
        actor, event = await common.event_page(request, event_id)
        items = sorted(await slots.list_slots(event_id), key=lambda s: (s.starts_at, s.site_name, s.id))
        feed_status = {slot.id: await feeds.slot_feed_status(actor, event_id, slot.id) for slot in items}
        return _render(
            request, "manifests.html", actor, event, "manifests", {"slots": items, "feeds": feed_status}
        )

    @post("/slots/{slot_id:int}/feed")
    async def create_feed(
        self, request: Request, event_id: FromPath[int], slot_id: FromPath[int]
    ) -> Response:
        actor, _ = await common.event_page(request, event_id)
        await feeds.create_slot_feed(actor, event_id, slot_id)
        return pages.redirect(
            f"/organiser/events/{event_id}/visits/manifests#slot-{slot_id}",
            flash=N_("The escorts' calendar feed is ready; any earlier link no longer works."),
        )


# --- page helpers ------------------------------------------------------------------------------------


def _site_context(form: Form, site: schemas.Site | None) -> dict[str, Any]:
    return {"form": form, "site": site, "weekdays": WEEKDAY_LABELS}


def _site_form(site: schemas.Site) -> Form:
    form = Form(order=[*SITE_FIELDS, *HOUR_FIELDS])
    for name in SITE_FIELDS:
        if name.startswith("contact_"):
            value = getattr(site.contact, name.removeprefix("contact_"), "") if site.contact else ""
        else:
            value = getattr(site, name)
        if isinstance(value, bool):
            value = "true" if value else "false"
        form.values[name] = "" if value is None else str(value)
    for day, _ in WEEKDAY_LABELS:
        form.values[f"hours_{day}"] = ", ".join(f"{a}-{b}" for a, b in site.opening_hours.get(day, []))
    return form


def _read_hours(submitted, form: Form, gettext) -> dict[str, list[list[str]]] | None:
    """Opening hours per weekday, typed like "09:00-13:00, 14:00-18:00" (blank: closed)."""
    form.order = [*SITE_FIELDS, *HOUR_FIELDS]
    hours: dict[str, list[list[str]]] = {}
    wrong = False
    for day, _ in WEEKDAY_LABELS:
        field = f"hours_{day}"
        raw = (submitted.get(field) or "").strip()
        form.values[field] = raw
        if not raw:
            continue
        intervals = []
        for part in raw.split(","):
            match = _INTERVAL.match(part)
            if match is None:
                form.add(
                    field, gettext(N_("Enter the hours like 09:00-13:00, 14:00-18:00, or leave it blank"))
                )
                wrong = True
                break
            intervals.append([match.group(1), match.group(2)])
        hours[day] = intervals
    if wrong:
        return None
    _, problems = travel.normalise_opening_hours(hours)
    for problem in problems:
        day = problem.partition(":")[0]
        form.add(
            f"hours_{day}", gettext(N_("Each interval must end after it starts, without overlapping another"))
        )
    return None if problems else hours


async def _travel_context(actor: Actor, event_id: int, form: Form) -> dict[str, Any]:
    matrix = await event_settings.travel_matrix(actor, event_id)
    used = {slot.site_id for slot in await slots.list_slots(event_id)}
    shown = [i for i, place in enumerate(matrix.places) if place.site_id is None or place.site_id in used]
    pairs = [
        (matrix.places[i], matrix.places[j], matrix.minutes[i][j], matrix.sources[i][j])
        for i in shown
        for j in shown
        if i != j
    ]
    options = [(VENUE if p.site_id is None else p.site_id, p.name) for p in matrix.places]
    return {"form": form, "pairs": pairs, "options": options, "formula": matrix.formula}


def _share(value: float | None) -> str | None:
    return None if value is None else f"{round(value * 100)}"


def _comparison(run: schemas.ScheduleRun, plan: overview.PlanFigures) -> dict[str, Any]:
    """The proposal's figures beside the plan in force's, row by row."""
    metrics = run.metrics
    rows = []
    if metrics is not None:
        rows = [
            (N_("Participants"), metrics.participants, plan.participants, "number"),
            (N_("Placed"), metrics.placed, plan.placed, "number"),
            (N_("Not placed"), metrics.unplaced, plan.unplaced, "number"),
            (
                N_("First choice"),
                _share(metrics.first_choice_share),
                _share(plan.first_choice_share),
                "percent",
            ),
            (
                N_("Any of their choices"),
                _share(metrics.any_choice_share),
                _share(plan.any_choice_share),
                "percent",
            ),
        ]
    current_sites = {fill.site_id: fill for fill in plan.per_site}
    current_slots = {fill.slot_id: fill for fill in plan.per_slot}
    sites_rows = [
        (fill.site_name, fill.assigned, fill.seats, current_sites.get(fill.site_id))
        for fill in (metrics.per_site if metrics else [])
    ]
    slot_rows = [
        (
            fill.slot_id,
            fill.site_name,
            fill.starts_at,
            fill.assigned,
            fill.seats,
            current_slots.get(fill.slot_id),
        )
        for fill in (metrics.per_slot if metrics else [])
    ]
    return {
        "run": run,
        "plan": plan,
        "unplaced_words": UNPLACED_WORDS,
        "unplaced_shown": UNPLACED_SHOWN,
        "rows": rows,
        "site_rows": sites_rows,
        "slot_rows": sorted(slot_rows, key=lambda row: (row[2], row[1], row[0])),
    }


HANDLERS: list = [VisitPages]
