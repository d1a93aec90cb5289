"""The participant's travel and needs: arrival, departure, access and dietary needs, emergency contact
(see :mod:`events.web.my`).

The page writes through :func:`events.registration.editing.update`, the API's own service: the same
deadline, validation (departure after arrival, phone numbers, text rules) and audit entry. Arrival and
departure are a date and a time input each, read as wall-clock time in the event's zone (the service
reads naive times so).
"""

from __future__ import annotations

import re
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import FormMultiDict

from events import clock
from events.errors import Conflict, InvalidInput
from events.i18n import choices
from events.programme import services as programme_services
from events.registration import editing, reading, schemas
from events.travel import itineraries
from events.travel import mine as travel_mine
from events.web import pages
from events.web.forms import Form, read_form
from events.web.i18n import N_
from events.web.my.view import MyView, my_view

NAME = "travel"
PATH = "/my/travel"

#: The page's questions in page order (the error summary follows it).
FIELDS = (
    "arrival_at",
    "departure_at",
    "accessibility",
    "accessibility_other",
    "dietary",
    "emergency_contact_name",
    "emergency_contact_relationship",
    "emergency_contact_phone",
    "emergency_contact_email",
)
#: Arrival and departure come as a date and a time input each.
MOMENTS = ("arrival", "departure")

SAVED = N_("Your travel details and needs are saved")
BOTH_PARTS = {
    "arrival": N_("Enter both the date and the time of your arrival"),
    "departure": N_("Enter both the date and the time of your departure"),
}
#: The emergency contact's errors, by field and the service's wording.
CONTACT_ERRORS = (
    (
        "emergency_contact_phone",
        re.compile(r"phone number"),
        N_("Enter their phone number in the international format, like +977 1 4211000"),
    ),
    (
        "emergency_contact_email",
        re.compile(r"e-mail"),
        N_("Enter their e-mail address in the correct format, like name@example.org"),
    ),
)
ITINERARY_CONFIRMED = N_("Thank you: your itinerary is confirmed")
SHARING_SAVED = {
    True: N_("Saved: you accept sharing a twin room with another participant"),
    False: N_("Saved: you will not be asked to share a room"),
}
NOTHING_TO_CONFIRM = N_("There is no itinerary to confirm yet")
#: What the programme pays for, by funding level, in words.
FUNDING_WORDS = {
    "not_funded": N_(
        "The programme does not fund your travel. You arrange and pay for your journey and your stay yourself."
    ),
    "ticket": N_("The programme pays for your air ticket."),
    "ticket_dsa": N_("The programme pays for your air ticket and a daily subsistence allowance (DSA)."),
    "full": N_(
        "The programme pays for your air ticket, your hotel room and a daily subsistence allowance (DSA)."
    ),
}
CLOSED = N_("Changes closed on %(date)s. Write to the organisers if something is wrong.")
NOT_ACTIVE = N_("This registration is no longer active, so it cannot be changed.")


def _deadline(view: MyView):
    return programme_services.to_local(editing.edit_deadline(view.event_row), view.time_zone)


def _editable(view: MyView) -> bool:
    return view.active and clock.now() < editing.edit_deadline(view.event_row)


def _need_labels(registration: schemas.Registration) -> list[str]:
    labels = dict((value, text) for value, text, _ in choices.ACCESSIBILITY)
    return [labels[need] for need in registration.accessibility if need in labels]


async def section(view: MyView) -> dict | None:
    """Arrival, departure, needs and the emergency contact (phone and e-mail masked) on the hub."""
    registration = view.registration
    if not view.active:
        return None
    return {
        "registration": registration,
        "needs": _need_labels(registration),
        "editable": _editable(view),
        "deadline": _deadline(view),
    }


def _form_from(view: MyView, contact: schemas.EmergencyContact) -> Form:
    registration = view.registration
    form = Form(order=FIELDS)
    for moment in MOMENTS:
        value = getattr(registration, f"{moment}_at")
        form.values[f"{moment}_date"] = value.strftime("%Y-%m-%d") if value else ""
        form.values[f"{moment}_time"] = value.strftime("%H:%M") if value else ""
    form.values["accessibility"] = list(registration.accessibility)
    form.values["accessibility_other"] = registration.accessibility_other
    form.values["dietary"] = registration.dietary
    for name in ("name", "relationship", "phone", "email"):
        form.values[f"emergency_contact_{name}"] = getattr(contact, name)
    return form


def _read(data: FormMultiDict, gettext) -> tuple[schemas.RegistrationUpdate | None, Form]:
    """The form's fields as a :class:`RegistrationUpdate`: each date and time joined into one local
    time (both blank clears it; one without the other is an error), then the shared form reader."""
    fields: dict[str, Any] = {name: data.getall(name, []) for name in FIELDS if name not in MOMENTS}
    parts: dict[str, str] = {}
    missing: list[str] = []
    for moment in MOMENTS:
        day = (data.get(f"{moment}_date") or "").strip()
        time = (data.get(f"{moment}_time") or "").strip()
        parts[f"{moment}_date"], parts[f"{moment}_time"] = day, time
        if bool(day) != bool(time):
            missing.append(moment)
        fields[f"{moment}_at"] = [f"{day}T{time}" if day and time else ""]
    multi = FormMultiDict([(name, value) for name, values in fields.items() for value in values])
    data_out, form = read_form(multi, schemas.RegistrationUpdate, FIELDS, gettext)
    form.values.update(parts)
    for moment in missing:
        form.errors[f"{moment}_at"] = gettext(BOTH_PARTS[moment])
    return (None if missing else data_out), form


def _add_service_error(form: Form, exc: InvalidInput, gettext) -> None:
    other = []
    for error in exc.errors:
        for name, pattern, text in CONTACT_ERRORS:
            if error.field == name and pattern.search(error.message):
                form.add(name, gettext(text))
                break
        else:
            other.append(error)
    if other or not exc.errors:
        form.add_service_error(InvalidInput(exc.detail, errors=other), gettext)


async def _trip(view: MyView):
    """What the programme arranged for this participant (approved ones only), or ``None``."""
    if not view.approved:
        return None
    trip = await travel_mine.my_travel(view.actor, view.registration.id)
    return trip if trip.funding is not None else None


def _context(view: MyView, form: Form, trip=None, **extra) -> dict:
    return {
        "trip": trip,
        "funding_words": FUNDING_WORDS,
        "registration": view.registration,
        "event": view.event,
        "form": form,
        "choices": choices,
        "needs": _need_labels(view.registration),
        "editable": _editable(view),
        "active": view.active,
        "deadline": _deadline(view),
        "zone": view.time_zone,
        "refused": False,
        **extra,
    }


class TravelPages(Controller):
    """``/my/travel``: the focused form for travel and needs, read-only after the deadline."""

    path = PATH

    @get("/")
    async def show(self, request: Request) -> Response:
        view = await my_view(request)
        contact = await reading.own_emergency_contact(view.actor, view.registration.id)
        trip = await _trip(view)
        return pages.render(request, "portal/my/travel.html", _context(view, _form_from(view, contact), trip))

    @post("/confirm")
    async def confirm(self, request: Request) -> Response:
        """The participant confirms the flights shown on the page."""
        view = await my_view(request)
        try:
            await itineraries.confirm(view.actor, view.registration.id)
        except Conflict:
            return pages.redirect(f"{PATH}#my-flights", flash=NOTHING_TO_CONFIRM)
        return pages.redirect(f"{PATH}#my-flights", flash=ITINERARY_CONFIRMED)

    @post("/sharing")
    async def sharing(self, request: Request) -> Response:
        """Whether the participant accepts sharing a twin room."""
        view = await my_view(request)
        accepts = (await request.form()).get("accepts_sharing") == "yes"
        await travel_mine.set_sharing(view.actor, view.registration.id, accepts)
        return pages.redirect(f"{PATH}#my-hotel", flash=SHARING_SAVED[accepts])

    @post("/")
    async def save(self, request: Request) -> Response:
        view = await my_view(request)
        gettext = pages.gettext(request)
        trip = await _trip(view)
        if not _editable(view):
            contact = await reading.own_emergency_contact(view.actor, view.registration.id)
            form = _form_from(view, contact)
            return pages.render(
                request, "portal/my/travel.html", _context(view, form, trip, refused=True), status_code=409
            )
        data, form = _read(await request.form(), gettext)
        if data is not None:
            try:
                await editing.update(view.actor, view.registration.id, data)
            except InvalidInput as exc:
                _add_service_error(form, exc, gettext)
            except Conflict:
                view = await my_view(request, view.actor)
                contact = await reading.own_emergency_contact(view.actor, view.registration.id)
                form = _form_from(view, contact)
                return pages.render(
                    request,
                    "portal/my/travel.html",
                    _context(view, form, trip, refused=True),
                    status_code=409,
                )
            else:
                return pages.redirect("/my/registration#travel", flash=SAVED)
        return pages.render(request, "portal/my/travel.html", _context(view, form, trip), status_code=422)


HANDLERS: list = [TravelPages]
