"""Console travel: DSA — the UN rates for the event's city (add, delete), "Compute DSA" with the
allowance of each funded participant and the problems that keep others from one, the payment sheet
(PDF, XLSX) and "Mark paid". Every action calls ``events.travel.dsa`` (rights, audit, rules)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from babel import numbers
from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath
from litestar.response import Template

from events.auth.principal import Actor
from events.errors import Conflict, InvalidInput, NotFound
from events.i18n.formatting import format_date
from events.i18n.languages import locale as babel_locale
from events.programme import schemas as programme_schemas
from events.travel import dsa, dsa_rates, schemas
from events.web import messages, pages
from events.web.console import common
from events.web.console.travel import sections
from events.web.forms import Form
from events.web.i18n import N_

BASE = "/organiser/events/{event_id:int}/travel/dsa"
RATE_FIELDS = ["city", "country", "valid_from", "amount", "currency"]
#: The most rates the page lists with "every city" (the page stays light).
RATES_SHOWN = 200

FIELD_MESSAGES = {
    "city": N_("Enter the city"),
    "country": N_("Enter the country as a 3-letter code, like AZE"),
    "valid_from": N_("Enter the date the rate applies from, like 2027-10-01"),
    "amount": N_("Enter an amount above 0 with at most 2 decimals, like 212.00"),
    "currency": N_("Enter the currency as a 3-letter code, like USD"),
}
#: The service's problem codes as the page says them.
PROBLEM_WORDS = {
    dsa.NO_ITINERARY: N_("%(name)s has no arrival or departure date."),
    dsa.DEPARTURE_BEFORE_ARRIVAL: N_("%(name)s leaves before arriving."),
    dsa.NO_NIGHTS: N_("%(name)s arrives and leaves on the same day: no night, no DSA."),
    dsa.MISSING_RATE: N_("No DSA rate for %(city)s on %(date)s: %(name)s's DSA cannot be computed."),
    dsa.MIXED_CURRENCIES: N_("%(name)s's nights have DSA rates in different currencies."),
    dsa.PAID_DIFFERS: N_("%(name)s was paid already; the DSA computed now would differ."),
    dsa.PAID_NOT_ELIGIBLE: N_("%(name)s was paid already but no longer has DSA funding."),
}
REFUSED = N_("The change was refused: %(reason)s")

#: Job kind → function(job) giving the console page that shows what the job produced.
JOB_PAGES: dict = {}


def _money_format(language: str):
    locale = babel_locale(language)

    def money(value: Decimal) -> str:
        return numbers.format_decimal(value, format="#,##0.00", locale=locale)

    return money


def _own_messages(form: Form, gettext) -> None:
    generic = gettext(messages.CHECK)
    for name, text in list(form.errors.items()):
        if name in FIELD_MESSAGES and text == generic:
            form.errors[name] = gettext(FIELD_MESSAGES[name])


def _rate_refusal(form: Form, exc: InvalidInput | Conflict, gettext) -> None:
    if isinstance(exc, Conflict):
        form.add("valid_from", gettext(N_("This city has a rate from this date already.")))
    elif all(error.field in FIELD_MESSAGES for error in exc.errors) and exc.errors:
        for error in exc.errors:  # the service's English, said in the page's words
            form.add(error.field, gettext(FIELD_MESSAGES[error.field]))
    else:
        form.add_service_error(exc, gettext, fallback=gettext(REFUSED, reason=exc.detail))


def _problem_text(problem: schemas.DsaProblem, gettext, language: str) -> str:
    words = PROBLEM_WORDS.get(problem.code)
    if words is None:
        return problem.message
    return gettext(
        words,
        name=problem.name,
        city=problem.city,
        date=format_date(problem.date, language, "medium") if problem.date else "",
    )


class DsaPage(Controller):
    path = BASE

    async def _page(
        self,
        request: Request,
        actor: Actor,
        event: programme_schemas.Event,
        form: Form,
        status_code: int = 200,
    ) -> Template:
        every_city = request.query_params.get("rates") == "all"
        if every_city:
            rates = (await dsa_rates.list_rates(actor))[:RATES_SHOWN]
        else:
            rates = await dsa_rates.list_rates(actor, country=event.country, city=event.city)
        result = await dsa.overview(actor, event.id)
        gettext = pages.gettext(request)
        language = pages.language(request)
        context: dict[str, Any] = {
            **sections.context(event.id, "dsa"),
            "base": f"/organiser/events/{event.id}/travel/dsa",
            "rates": rates,
            "every_city": every_city,
            "may_edit_rates": actor.is_programme_organiser,
            "form": form,
            "overview": result,
            "problems": [(p, _problem_text(p, gettext, language)) for p in result.problems],
            "money": _money_format(language),
        }
        return common.render(
            request, "console/travel/dsa/index.html", actor, event, "travel", context, status_code=status_code
        )

    def _blank_form(self, event: programme_schemas.Event) -> Form:
        return Form(
            order=RATE_FIELDS,
            values={"city": event.city, "country": event.country, "currency": "USD"},
        )

    @get("/")
    async def index(self, request: Request, event_id: FromPath[int]) -> Template:
        actor, event = await common.event_page(request, event_id)
        return await self._page(request, actor, event, self._blank_form(event))

    @post("/rates")
    async def add_rate(self, request: Request, event_id: FromPath[int]) -> Response:
        actor, event = await common.event_page(request, event_id)
        return await common.post_form(
            request,
            schemas.DsaRateCreate,
            RATE_FIELDS,
            lambda data: dsa_rates.create_rate(actor, data),
            required=RATE_FIELDS,
            done=lambda _: pages.redirect(
                f"/organiser/events/{event_id}/travel/dsa", flash=N_("The DSA rate was added.")
            ),
            again=lambda form, status: self._page(request, actor, event, form, status),
            refusal=_rate_refusal,
            words=_own_messages,
        )

    @post("/rates/{rate_id:int}/delete")
    async def delete_rate(
        self, request: Request, event_id: FromPath[int], rate_id: FromPath[int]
    ) -> Response:
        actor, _ = await common.event_page(request, event_id)
        try:
            await dsa_rates.delete_rate(actor, rate_id)
        except NotFound:
            pass  # deleted meanwhile: the page shows the rates as they are
        return pages.redirect(
            f"/organiser/events/{event_id}/travel/dsa", flash=N_("The DSA rate was deleted.")
        )

    @post("/compute")
    async def compute(self, request: Request, event_id: FromPath[int]) -> Response:
        actor, _ = await common.event_page(request, event_id)
        result = await dsa.compute(actor, event_id)
        return pages.redirect(
            f"/organiser/events/{event_id}/travel/dsa#allowances",
            flash=N_("DSA computed: %(payments)s allowance(s), %(problems)s problem(s)."),
            payments=len(result.payments),
            problems=len(result.problems),
        )

    @post("/{registration_id:int}/paid")
    async def mark_paid(
        self, request: Request, event_id: FromPath[int], registration_id: FromPath[int]
    ) -> Response:
        actor, _ = await common.event_page(request, event_id)
        target = f"/organiser/events/{event_id}/travel/dsa#allowances"
        try:
            payment = await dsa.mark_paid(actor, registration_id)
        except (Conflict, NotFound) as exc:
            return pages.redirect(target, flash=REFUSED, reason=exc.detail)
        return pages.redirect(target, flash=N_("%(name)s's DSA is marked paid."), name=payment.name)

    @get("/sheet.pdf")
    async def sheet_pdf(self, request: Request, event_id: FromPath[int]) -> Response:
        return await _sheet(request, event_id, "pdf")

    @get("/sheet.xlsx")
    async def sheet_xlsx(self, request: Request, event_id: FromPath[int]) -> Response:
        return await _sheet(request, event_id, "xlsx")


async def _sheet(request: Request, event_id: int, format: str) -> Response:
    actor, _ = await common.event_page(request, event_id)
    body, media, filename = await dsa.payment_sheet(actor, event_id, format)
    return Response(
        body, media_type=media, headers={"Content-Disposition": f'attachment; filename="{filename}"'}
    )


HANDLERS: list = [DsaPage]
