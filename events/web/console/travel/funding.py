"""Console travel: funding — the budget box (budget, committed, remaining, red when over), the approved
registrations that asked for funding (or have a decision) with a decision form per row, the fare
estimates per country of departure, and the event's travel settings at ``…/travel/settings``.

Every action calls ``events.travel.funding`` (rights, audit, the rules); a refusal is shown beside its
field (the row's own fields for a decision) and nothing is written. Works without JavaScript.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from babel import numbers
from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath
from litestar.response import Template
from msgspec import Meta, Struct

from events.auth.principal import Actor
from events.errors import DomainError, InvalidInput
from events.i18n.languages import locale
from events.programme import schemas as programme_schemas
from events.travel import funding, schemas
from events.travel.tables import FundingLevel
from events.web import i18n, pages
from events.web.console import common
from events.web.console.travel import sections
from events.web.forms import Form
from events.web.i18n import N_

BASE = "/organiser/events/{event_id:int}/travel"
#: Rows a page shows: each carries its own decision form (the page stays under 100 KB).
PAGE_SIZE = 25

#: How pages name the funding levels.
LEVEL_WORDS = {
    FundingLevel.not_funded.value: N_("Not funded"),
    FundingLevel.ticket.value: N_("Ticket only"),
    FundingLevel.ticket_dsa.value: N_("Ticket and DSA"),
    FundingLevel.full.value: N_("Full: ticket, DSA and hotel"),
}
STATES = {"undecided": N_("Without a decision"), "decided": N_("Decided")}
SETTINGS_FIELDS = list(funding.SETTINGS_FIELDS)
FIELD_MESSAGES = {
    "currency": N_("Enter the currency as a 3-letter code, like USD"),
    "budget": N_("Enter an amount from 0 with at most two decimals, like 25000.00"),
    "amount": N_("Enter an amount from 0 with at most two decimals, like 850.00"),
    "airport": N_("Enter the airport's 3-letter IATA code, like GYD, or leave it blank"),
    "transfer_window_minutes": N_("Enter a number of minutes from 0 to 1440"),
    "transfer_wait_minutes": N_("Enter a number of minutes from 0 to 1440"),
    "dsa_accommodation_reduction": N_("Enter a percentage from 0 to 100"),
    "dsa_breakfast_reduction": N_("Enter a percentage from 0 to 100"),
    "dsa_lunch_reduction": N_("Enter a percentage from 0 to 100"),
    "dsa_dinner_reduction": N_("Enter a percentage from 0 to 100"),
    "country": N_("Select a country"),
    "level": N_("Select a funding level"),
    "reason": N_("Say why the participant is not funded"),
}
REFUSED = N_("The change was refused: %(reason)s")

#: Job kind → function(job) giving the console page that shows what the job produced.
JOB_PAGES: dict = {}


class SettingsForm(Struct):
    """The settings as the form posts them: every field, the budget as text (checked by the service)."""

    currency: Annotated[str, Meta(pattern=r"^[A-Za-z]{3}$")]
    budget: str
    airport: Annotated[str, Meta(pattern=r"^([A-Za-z]{3})?$")] = ""
    transfer_window_minutes: Annotated[int, Meta(ge=0, le=1440)] = 90
    transfer_wait_minutes: Annotated[int, Meta(ge=0, le=1440)] = 60
    dsa_accommodation_reduction: Annotated[int, Meta(ge=0, le=100)] = 50
    dsa_breakfast_reduction: Annotated[int, Meta(ge=0, le=100)] = 0
    dsa_lunch_reduction: Annotated[int, Meta(ge=0, le=100)] = 0
    dsa_dinner_reduction: Annotated[int, Meta(ge=0, le=100)] = 0


class FareForm(Struct):
    country: Annotated[str, Meta(min_length=2, max_length=3)]
    amount: str


class DecisionForm(Struct):
    level: Annotated[str, Meta(max_length=20)]
    reason: Annotated[str, Meta(max_length=500)] = ""


def money(value: Decimal | None, currency: str, language: str) -> str:
    """An amount as the reader's language writes it in ``currency`` (two decimals)."""
    if value is None:
        return ""
    try:
        return numbers.format_currency(value, currency, locale=locale(language))
    except (ValueError, KeyError):
        return f"{numbers.format_decimal(value, '#,##0.00', locale=locale(language))} {currency}"


def _own_messages(form: Form, gettext) -> None:
    common.own_words(form, gettext, FIELD_MESSAGES)


def _refusal(form: Form, exc: DomainError, gettext) -> None:
    form.add_service_error(exc, gettext, fallback=gettext(REFUSED, reason=exc.detail))


def _render(
    request: Request,
    template: str,
    actor: Actor,
    event: programme_schemas.Event,
    sub: str,
    context: dict[str, Any],
    status_code: int = 200,
) -> Template:
    language = pages.language(request)
    return common.render(
        request,
        f"console/travel/funding/{template}",
        actor,
        event,
        "travel",
        {
            **sections.context(event.id, sub),
            "base": f"/organiser/events/{event.id}/travel",
            "money": lambda value, currency: money(value, currency, language),
            "level_words": LEVEL_WORDS,
            **context,
        },
        status_code=status_code,
    )


def _offset(request: Request) -> int:
    return common.query_int(request, "offset") or 0


class FundingPages(Controller):
    path = BASE

    # the funding page ---------------------------------------------------------------------------

    async def _page(
        self,
        request: Request,
        actor: Actor,
        event: programme_schemas.Event,
        *,
        state: str | None,
        offset: int = 0,
        row_forms: dict[int, Form] | None = None,
        fare_form: Form | None = None,
        status_code: int = 200,
    ) -> Template:
        state = state if state in STATES else None
        budget = await funding.budget(actor, event.id)
        items = await funding.funding_requests(actor, event.id, state)
        fares = await funding.list_fares(actor, event.id)
        language = pages.language(request)
        row_forms = row_forms or {}
        failed = next(((rid, form) for rid, form in row_forms.items() if form.has_errors), None)
        if failed is not None:  # show the page holding the row whose form was refused
            index = next((i for i, item in enumerate(items) if item.registration_id == failed[0]), 0)
            offset = index - index % PAGE_SIZE
        shown = items[offset : offset + PAGE_SIZE]
        for item in shown:
            if item.registration_id not in row_forms:
                decision = item.decision
                row_forms[item.registration_id] = Form(
                    order=["level", "reason"],
                    values={
                        "level": decision.level if decision else "",
                        "reason": decision.reason if decision else "",
                    },
                )
        used = {fare.country for fare in fares}
        context = {
            "budget": budget,
            "items": shown,
            "total": len(items),
            "offset": offset,
            "page_size": PAGE_SIZE,
            "state": state,
            "states": STATES,
            "query": f"state={state}" if state else "",
            "row_forms": row_forms,
            "failed": failed,
            "fares": fares,
            "fare_form": fare_form or Form(order=["country", "amount"]),
            "country_options": [(code, name) for code, name in i18n.countries(language) if code not in used],
            "levels": [(value, label) for value, label in LEVEL_WORDS.items()],
        }
        return _render(request, "index.html", actor, event, "funding", context, status_code)

    @get("/funding")
    async def index(self, request: Request, event_id: FromPath[int]) -> Template:
        actor, event = await common.event_page(request, event_id)
        return await self._page(
            request, actor, event, state=request.query_params.get("state"), offset=_offset(request)
        )

    @post("/funding/{registration_id:int}")
    async def decide(
        self, request: Request, event_id: FromPath[int], registration_id: FromPath[int]
    ) -> Response:
        actor, event = await common.event_page(request, event_id)
        state = (await request.form()).get("state") or None
        language = pages.language(request)

        def done(result: schemas.DecisionResult) -> Response:
            back = f"/organiser/events/{event_id}/travel/funding"
            if state in STATES:
                back += f"?state={state}"
            return pages.redirect(
                f"{back}#registration-{registration_id}",
                flash=N_("Decision saved: %(level)s. Committed: %(committed)s of %(budget)s."),
                level=pages.Word(LEVEL_WORDS[result.decision.level]),
                committed=money(result.budget.committed, result.budget.currency, language),
                budget=money(result.budget.budget, result.budget.currency, language),
            )

        return await common.post_form(
            request,
            DecisionForm,
            ["level", "reason"],
            lambda data: funding.decide(actor, registration_id, data.level, data.reason, event_id=event_id),
            required=["level"],
            done=done,
            again=lambda form, status: self._page(
                request, actor, event, state=state, row_forms={registration_id: form}, status_code=status
            ),
            refusal=_refusal,
            words=_own_messages,
        )

    @post("/funding/fares")
    async def set_fare(self, request: Request, event_id: FromPath[int]) -> Response:
        actor, event = await common.event_page(request, event_id)
        return await common.post_form(
            request,
            FareForm,
            ["country", "amount"],
            lambda data: funding.set_fare_estimate(actor, event_id, data.country, data.amount),
            required=["country", "amount"],
            done=lambda fare: pages.redirect(
                f"/organiser/events/{event_id}/travel/funding#fares",
                flash=N_("The fare estimate for %(country)s was saved."),
                country=i18n.country_names(pages.language(request)).get(fare.country, fare.country),
            ),
            again=lambda form, status: self._page(
                request, actor, event, state=None, fare_form=form, status_code=status
            ),
            refused=(InvalidInput,),
            refusal=_refusal,
            words=_own_messages,
        )

    @post("/funding/fares/{country:str}/remove")
    async def remove_fare(
        self, request: Request, event_id: FromPath[int], country: FromPath[str]
    ) -> Response:
        actor, _event = await common.event_page(request, event_id)
        await funding.remove_fare_estimate(actor, event_id, country)
        return pages.redirect(
            f"/organiser/events/{event_id}/travel/funding#fares",
            flash=N_("The fare estimate for %(country)s was removed."),
            country=i18n.country_names(pages.language(request)).get(country, country),
        )

    # settings -----------------------------------------------------------------------------------

    @get("/settings")
    async def settings(self, request: Request, event_id: FromPath[int]) -> Template:
        actor, event = await common.event_page(request, event_id)
        current = await funding.settings_for(event_id)
        form = Form(
            order=SETTINGS_FIELDS, values={name: str(getattr(current, name)) for name in SETTINGS_FIELDS}
        )
        return _render(request, "settings.html", actor, event, "funding", {"form": form, "settings": current})

    @post("/settings")
    async def save_settings(self, request: Request, event_id: FromPath[int]) -> Response:
        actor, event = await common.event_page(request, event_id)

        async def save(data: SettingsForm) -> None:
            update = schemas.TravelSettingsUpdate(
                currency=data.currency.upper(),
                budget=funding.money("budget", data.budget),
                airport=data.airport.upper(),
                transfer_window_minutes=data.transfer_window_minutes,
                transfer_wait_minutes=data.transfer_wait_minutes,
                dsa_accommodation_reduction=data.dsa_accommodation_reduction,
                dsa_breakfast_reduction=data.dsa_breakfast_reduction,
                dsa_lunch_reduction=data.dsa_lunch_reduction,
                dsa_dinner_reduction=data.dsa_dinner_reduction,
            )
            await funding.update_settings(actor, event_id, update)

        async def again(form: Form, status: int) -> Template:
            current = await funding.settings_for(event_id)
            context = {"form": form, "settings": current}
            return _render(request, "settings.html", actor, event, "funding", context, status)

        return await common.post_form(
            request,
            SettingsForm,
            SETTINGS_FIELDS,
            save,
            required=["currency", "budget"],
            done=lambda _: pages.redirect(
                f"/organiser/events/{event_id}/travel/settings", flash=N_("The travel settings were saved.")
            ),
            again=again,
            refused=(InvalidInput,),
            refusal=_refusal,
            words=_own_messages,
        )


HANDLERS: list = [FundingPages]
