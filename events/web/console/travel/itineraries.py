"""Console travel: itineraries — the approved (or funded) participants with their flights at a
glance, one participant's flights with a form to add or change one, and a CSV upload with its
per-row report.

Every action calls :mod:`events.travel.itineraries` (rights, rules, audit); a refusal is shown
beside the field it names. Times are typed and shown local at each airport.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.params import FromPath
from litestar.response import Template

from events.auth.principal import Actor
from events.errors import DomainError, NotFound
from events.programme import schemas as programme_schemas
from events.registration import importer
from events.registration.tables import Registration, RegistrationStatus
from events.travel import itineraries, schemas
from events.travel.tables import FundingDecision, FundingLevel
from events.web import messages, pages
from events.web.console import common
from events.web.console.travel import sections
from events.web.forms import Form
from events.web.i18n import N_

BASE = "/organiser/events/{event_id:int}/travel/itineraries"
FIELDS = [
    "direction",
    "carrier",
    "flight_number",
    "from_airport",
    "departs_local",
    "to_airport",
    "arrives_local",
    "booking_reference",
]
REQUIRED = [name for name in FIELDS if name != "booking_reference"]
#: This page's words beside a field, for the mistakes the form itself catches.
FIELD_MESSAGES = {
    "direction": N_("Choose inbound (to the event) or outbound (home)"),
    "carrier": N_("Enter the airline's code, like TK or J2"),
    "flight_number": N_("Enter the flight number, like 1234"),
    "from_airport": N_("Enter the airport's 3-letter IATA code, like KTM"),
    "to_airport": N_("Enter the airport's 3-letter IATA code, like GYD"),
    "departs_local": N_("Enter the local departure date and time, like 2027-10-11 10:00"),
    "arrives_local": N_("Enter the local arrival date and time, like 2027-10-11 09:50"),
    "booking_reference": N_("Enter the booking reference in letters and digits, or leave it blank"),
}
#: Service refusals in this page's words, by field and a piece of the service's English message.
SERVICE_MESSAGES = [
    ("from_airport", "not a known IATA airport code", N_("No airport has this code; check the ticket")),
    ("to_airport", "not a known IATA airport code", N_("No airport has this code; check the ticket")),
    ("to_airport", "must differ", N_("The flight must land at another airport than it leaves")),
    ("carrier", "airline code", FIELD_MESSAGES["carrier"]),
    ("flight_number", "digits", FIELD_MESSAGES["flight_number"]),
    ("booking_reference", "letters and digits", FIELD_MESSAGES["booking_reference"]),
    (
        "arrives_local",
        "lands before it takes off",
        N_("The flight lands before it takes off (time zones counted)"),
    ),
    (
        "arrives_local",
        "after the return flight leaves",
        N_("The inbound flight lands after the return flight leaves"),
    ),
    (
        "arrives_local",
        "after the participant's departure",
        N_("This lands after the participant's departure date"),
    ),
    (
        "arrives_local",
        "more than 24 hours",
        N_("Arrival is more than 24 hours after departure: enter one flight per segment"),
    ),
    (
        "departs_local",
        "before the inbound flight lands",
        N_("The return flight leaves before the inbound flight lands"),
    ),
    (
        "departs_local",
        "before the participant's arrival",
        N_("This leaves before the participant's arrival date"),
    ),
    ("departs_local", "does not exist", N_("This local time does not exist there (the clocks go forward)")),
    ("arrives_local", "does not exist", N_("This local time does not exist there (the clocks go forward)")),
    (
        "departs_local",
        "happens twice",
        N_(
            "This local time happens twice there (the clocks go back); enter it through the API with its UTC offset"
        ),
    ),
    (
        "arrives_local",
        "happens twice",
        N_(
            "This local time happens twice there (the clocks go back); enter it through the API with its UTC offset"
        ),
    ),
]
DIRECTIONS = [("inbound", N_("Inbound (to the event)")), ("outbound", N_("Outbound (home)"))]
REFUSED = N_("The change was refused: %(reason)s")
CANNOT_IMPORT = N_("The file cannot be imported")


def _base(event_id: int) -> str:
    return f"/organiser/events/{event_id}/travel/itineraries"


def _refusal(form: Form, exc: DomainError, gettext) -> None:
    """The service's field errors in this page's words (its English words when they are new)."""
    if not exc.errors:
        form.add(None, gettext(REFUSED, reason=exc.detail))
        return
    for error in exc.errors:
        text = next(
            (
                words
                for field, piece, words in SERVICE_MESSAGES
                if field == error.field and piece in error.message
            ),
            None,
        )
        form.add(error.field, gettext(text) if text else f"{gettext(messages.CHECK)}: {error.message}")


def _own_messages(form: Form, gettext) -> None:
    generic = {gettext(messages.CHECK), *(gettext(m) for m in messages.REQUIRED.values())}
    for name, text in list(form.errors.items()):
        if name in FIELD_MESSAGES and (text in generic or text.startswith(gettext(messages.CHECK))):
            form.errors[name] = gettext(FIELD_MESSAGES[name])


async def _participants(event_id: int) -> tuple[list[dict], bool]:
    """Approved registrations, only the funded ones when funding was decided for anyone."""
    funded = {
        row["registration"]
        for row in await FundingDecision.select(FundingDecision.registration).where(
            FundingDecision.event == event_id, FundingDecision.level != FundingLevel.not_funded.value
        )
    }
    query = Registration.select(
        Registration.id,
        Registration.reference,
        Registration.given_names,
        Registration.family_name,
        Registration.country_represented,
    ).where(Registration.event == event_id, Registration.status == RegistrationStatus.approved.value)
    if funded:
        query = query.where(Registration.id.is_in(list(funded)))
    return await query.order_by(Registration.family_name).order_by(Registration.given_names), bool(funded)


async def _registration(event_id: int, registration_id: int) -> dict:
    row = (
        await Registration.select(
            Registration.id,
            Registration.reference,
            Registration.given_names,
            Registration.family_name,
            Registration.status,
        )
        .where(Registration.id == registration_id, Registration.event == event_id)
        .first()
    )
    if row is None:
        raise NotFound(f"Event {event_id} has no registration {registration_id}")
    return row


def _segment_values(segment: schemas.Segment) -> dict[str, str]:
    return {
        "direction": segment.direction,
        "carrier": segment.carrier,
        "flight_number": segment.flight_number,
        "from_airport": segment.from_airport,
        "to_airport": segment.to_airport,
        "departs_local": segment.departs_local.strftime("%Y-%m-%dT%H:%M"),
        "arrives_local": segment.arrives_local.strftime("%Y-%m-%dT%H:%M"),
        "booking_reference": segment.booking_reference,
    }


class ItinerariesPages(Controller):
    path = BASE

    async def _list(
        self,
        request: Request,
        actor: Actor,
        event: programme_schemas.Event,
        upload: Form,
        report: schemas.ItineraryImportReport | None = None,
        status_code: int = 200,
    ) -> Template:
        people, funded_only = await _participants(event.id)
        summary = await itineraries.summaries(actor, event.id)
        return common.render(
            request,
            "console/travel/itineraries/list.html",
            actor,
            event,
            "travel",
            {
                **sections.context(event.id, "itineraries", actor),
                "base": _base(event.id),
                "people": people,
                "funded_only": funded_only,
                "summary": summary,
                "upload": upload,
                "report": report,
                "columns": itineraries.CSV_COLUMNS,
                "max_rows": importer.MAX_ROWS,
            },
            status_code=status_code,
        )

    @get("")
    async def list_page(self, request: Request, event_id: FromPath[int]) -> Template:
        actor, event = await common.event_page(request, event_id, travel=True)
        return await self._list(request, actor, event, Form(order=["file"]))

    @post("/import", request_max_body_size=importer.MAX_BYTES + 64 * 1024)
    async def upload(self, request: Request, event_id: FromPath[int]) -> Template:
        actor, event = await common.event_page(request, event_id, travel=True)
        gettext = pages.gettext(request)
        form = Form(order=["file"])
        upload: Any = (await request.form()).get("file")
        if not isinstance(upload, UploadFile) or not upload.filename:
            form.add("file", gettext(N_("Choose the CSV file to import.")))
            return await self._list(request, actor, event, form, status_code=422)
        try:
            report = await itineraries.import_csv(actor, event_id, await upload.read())
        except DomainError as exc:
            form.add(
                "file", f"{gettext(CANNOT_IMPORT)}: {exc.errors[0].message if exc.errors else exc.detail}"
            )
            return await self._list(request, actor, event, form, status_code=422)
        return await self._list(request, actor, event, form, report=report)

    async def _person(
        self,
        request: Request,
        actor: Actor,
        event: programme_schemas.Event,
        registration_id: int,
        form: Form,
        editing: schemas.Segment | None = None,
        status_code: int = 200,
    ) -> Template:
        registration = await _registration(event.id, registration_id)
        return common.render(
            request,
            "console/travel/itineraries/person.html",
            actor,
            event,
            "travel",
            {
                **sections.context(event.id, "itineraries", actor),
                "base": _base(event.id),
                "registration": registration,
                "itinerary": await itineraries.itinerary(actor, registration_id),
                "form": form,
                "editing": editing,
                "directions": DIRECTIONS,
            },
            status_code=status_code,
        )

    @get("/{registration_id:int}")
    async def person(
        self, request: Request, event_id: FromPath[int], registration_id: FromPath[int]
    ) -> Template:
        actor, event = await common.event_page(request, event_id, travel=True)
        return await self._person(request, actor, event, registration_id, Form(order=FIELDS))

    @post("/{registration_id:int}")
    async def add(
        self, request: Request, event_id: FromPath[int], registration_id: FromPath[int]
    ) -> Response:
        actor, event = await common.event_page(request, event_id, travel=True)
        await _registration(event_id, registration_id)
        return await common.post_form(
            request,
            schemas.SegmentCreate,
            FIELDS,
            lambda data: itineraries.add_segment(actor, registration_id, data),
            required=REQUIRED,
            done=lambda _: pages.redirect(
                f"{_base(event_id)}/{registration_id}", flash=N_("The flight was added.")
            ),
            again=lambda form, status: self._person(
                request, actor, event, registration_id, form, status_code=status
            ),
            refusal=_refusal,
            words=_own_messages,
        )

    async def _segment(self, actor: Actor, registration_id: int, segment_id: int) -> schemas.Segment:
        segment = await itineraries.get_segment(actor, segment_id)
        if segment.registration_id != registration_id:
            raise NotFound(f"Registration {registration_id} has no flight {segment_id}")
        return segment

    @get("/{registration_id:int}/segments/{segment_id:int}")
    async def edit(
        self,
        request: Request,
        event_id: FromPath[int],
        registration_id: FromPath[int],
        segment_id: FromPath[int],
    ) -> Template:
        actor, event = await common.event_page(request, event_id, travel=True)
        segment = await self._segment(actor, registration_id, segment_id)
        form = Form(order=FIELDS, values=_segment_values(segment))
        return await self._person(request, actor, event, registration_id, form, editing=segment)

    @post("/{registration_id:int}/segments/{segment_id:int}")
    async def save(
        self,
        request: Request,
        event_id: FromPath[int],
        registration_id: FromPath[int],
        segment_id: FromPath[int],
    ) -> Response:
        actor, event = await common.event_page(request, event_id, travel=True)
        await _registration(event_id, registration_id)
        segment = await self._segment(actor, registration_id, segment_id)
        return await common.post_form(
            request,
            schemas.SegmentUpdate,
            FIELDS,
            lambda data: itineraries.update_segment(actor, segment_id, data),
            required=REQUIRED,
            done=lambda _: pages.redirect(
                f"{_base(event_id)}/{registration_id}", flash=N_("The flight was saved.")
            ),
            again=lambda form, status: self._person(
                request, actor, event, registration_id, form, editing=segment, status_code=status
            ),
            refusal=_refusal,
            words=_own_messages,
        )

    @post("/{registration_id:int}/segments/{segment_id:int}/remove")
    async def remove(
        self,
        request: Request,
        event_id: FromPath[int],
        registration_id: FromPath[int],
        segment_id: FromPath[int],
    ) -> Response:
        actor, _ = await common.event_page(request, event_id, travel=True)
        await _registration(event_id, registration_id)
        await self._segment(actor, registration_id, segment_id)
        await itineraries.remove_segment(actor, segment_id)
        return pages.redirect(f"{_base(event_id)}/{registration_id}", flash=N_("The flight was removed."))


#: Job kind → function(job) giving the console page that shows what the job produced.
JOB_PAGES: dict = {}

HANDLERS: list = [ItinerariesPages]
