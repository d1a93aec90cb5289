"""Console travel: airport transfers — the runs by day (leaves at, waits until, vehicle, riders,
step-free riders, meeting point), "Plan arrivals" / "Plan departures", and a run's page with its
riders, the driver's manifest (PDF) and its meeting point and contact phone.

Every action calls ``events.travel.transfers`` (rights, audit, one transaction); a refusal (no
airport set, no vehicles, a phone too long) is shown at the top of the page or beside its field.
"""

from __future__ import annotations

from itertools import groupby
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath
from litestar.response import Template

from events.auth.principal import Actor
from events.errors import DomainError
from events.programme import schemas as programme_schemas
from events.programme.services import to_local
from events.travel import schemas, transfers
from events.travel.tables import TransferDirection
from events.web import pages
from events.web.console import common
from events.web.console.travel import sections
from events.web.forms import Form, form_from
from events.web.i18n import N_

BASE = "/organiser/events/{event_id:int}/travel/transfers"
RUN_FIELDS = ["meeting_point", "contact_phone"]
DIRECTIONS = {
    TransferDirection.arrival: N_("Arrival"),
    TransferDirection.departure: N_("Departure"),
}
PLANNED = N_("%(direction)s runs planned: %(runs)s run(s), %(riders)s rider(s). %(unplaced)s")
NOT_PLACED = N_("Not placed: %(names)s.")
REASONS = {
    "no_step_free_seat": N_("no vehicle with step-free seats left"),
    "no_capacity": N_("no seat left"),
}
REFUSED = N_("Not planned: %(reason)s")
SAVED = N_("The run was saved.")

#: Job kind → function(job) giving the console page that shows what the job produced.
JOB_PAGES: dict = {}


def _local_run(run: schemas.TransferRun, zone: str) -> dict[str, Any]:
    return {
        "run": run,
        "leaves_at": to_local(run.leaves_at, zone),
        "waits_until": to_local(run.waits_until, zone),
        "step_free": run.step_free_riders,
        "riders": [
            {"rider": rider, "flight_at": to_local(rider.flight_at, zone) if rider.flight_at else None}
            for rider in run.riders
        ],
    }


async def _overview(
    request: Request,
    actor: Actor,
    event: programme_schemas.Event,
    form: Form | None = None,
    status_code: int = 200,
) -> Template:
    zone = event.time_zone
    runs = [_local_run(run, zone) for run in await transfers.list_runs(actor, event.id)]
    days = [(day, list(items)) for day, items in groupby(runs, key=lambda item: item["leaves_at"].date())]
    waiting = {}
    for direction in TransferDirection:
        waiting[direction.value] = [
            {"traveller": t, "flight_at": to_local(t.flight_at, zone)}
            for t in await transfers.not_placed(actor, event.id, direction)
        ]
    return common.render(
        request,
        "console/travel/transfers/index.html",
        actor,
        event,
        "travel",
        {
            **sections.context(event.id, "transfers"),
            "base": f"/organiser/events/{event.id}/travel/transfers",
            "days": days,
            "waiting": waiting,
            "directions": DIRECTIONS,
            "form": form or Form(),
        },
        status_code=status_code,
    )


async def _run_page(
    request: Request,
    actor: Actor,
    event: programme_schemas.Event,
    run: schemas.TransferRun,
    form: Form,
    status_code: int = 200,
) -> Template:
    return common.render(
        request,
        "console/travel/transfers/run.html",
        actor,
        event,
        "travel",
        {
            **sections.context(event.id, "transfers"),
            "base": f"/organiser/events/{event.id}/travel/transfers",
            "item": _local_run(run, event.time_zone),
            "directions": DIRECTIONS,
            "form": form,
        },
        status_code=status_code,
    )


def _unplaced_text(plan: schemas.TransferPlan, gettext) -> str:
    if not plan.unplaced:
        return ""
    names = "; ".join(f"{u.name} ({gettext(REASONS.get(u.code, u.code))})" for u in plan.unplaced)
    # The flash cookie holds about 2,000 bytes of JSON (non-Latin letters take 6 each): the page
    # lists everyone not on a run anyway.
    if len(names) > 200:
        names = names[:197] + "…"
    return gettext(NOT_PLACED, names=names)


class TransfersPages(Controller):
    path = BASE

    @get("")
    async def index(self, request: Request, event_id: FromPath[int]) -> Template:
        actor, event = await common.event_page(request, event_id)
        return await _overview(request, actor, event)

    @post("/plan/{direction:str}")
    async def plan(self, request: Request, event_id: FromPath[int], direction: FromPath[str]) -> Response:
        actor, event = await common.event_page(request, event_id)
        gettext = pages.gettext(request)
        form = Form()
        if direction not in DIRECTIONS:
            form.add(None, gettext(REFUSED, reason=direction))
        return await common.act(
            request,
            form,
            lambda: transfers.plan_transfers(actor, event_id, direction),
            done=lambda plan: pages.redirect(
                f"/organiser/events/{event_id}/travel/transfers",
                flash=PLANNED,
                direction=gettext(DIRECTIONS[TransferDirection(direction)]),
                runs=len(plan.runs),
                riders=sum(len(run.riders) for run in plan.runs),
                unplaced=_unplaced_text(plan, gettext),
            ),
            again=lambda form, status: _overview(request, actor, event, form, status),
            refusal=_plan_refusal,
        )

    @get("/runs/{run_id:int}")
    async def run(self, request: Request, event_id: FromPath[int], run_id: FromPath[int]) -> Template:
        actor, event = await common.event_page(request, event_id)
        run = await transfers.get_run(actor, event_id, run_id)
        return await _run_page(request, actor, event, run, form_from(run, RUN_FIELDS))

    @post("/runs/{run_id:int}")
    async def update_run(self, request: Request, event_id: FromPath[int], run_id: FromPath[int]) -> Response:
        actor, event = await common.event_page(request, event_id)
        run = await transfers.get_run(actor, event_id, run_id)
        return await common.post_form(
            request,
            schemas.TransferRunUpdate,
            RUN_FIELDS,
            lambda data: transfers.update_run(actor, event_id, run_id, data),
            done=lambda _: pages.redirect(
                f"/organiser/events/{event_id}/travel/transfers/runs/{run_id}", flash=SAVED
            ),
            again=lambda form, status: _run_page(request, actor, event, run, form, status),
            refusal=_refusal,
        )


def _refusal(form: Form, exc: DomainError, gettext) -> None:
    form.add_service_error(exc, gettext, fallback=gettext(REFUSED, reason=exc.detail))


def _plan_refusal(form: Form, exc: DomainError, gettext) -> None:
    """The plan form has no field: the first reason goes in the summary."""
    form.add(None, gettext(REFUSED, reason=exc.errors[0].message if exc.errors else exc.detail))


HANDLERS: list = [TransfersPages]
