"""Console travel: hotels — the event's hotels with their room types and rooms held per night, the
room allocation ("Allocate rooms", synchronous: it is one pass over the funded participants) with
the rooms given out and who does not fit, and each hotel's rooming list as PDF and XLSX.

Every action calls ``events.travel.hotels`` or ``events.travel.allocation``, which check the right,
write the audit entry and refuse bad input; a refusal is shown beside its field.
"""

from __future__ import annotations

import datetime
import re
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath
from litestar.response import Template

from events.auth.principal import Actor
from events.errors import Conflict, DomainError, InvalidInput, NotFound
from events.programme import schemas as programme_schemas
from events.travel import allocation, funding, hotels, rooming, schemas
from events.web import pages
from events.web.console import common
from events.web.console.travel import sections
from events.web.console.travel.funding import money
from events.web.forms import Form
from events.web.i18n import N_

BASE = "/organiser/events/{event_id:int}/travel/hotels"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

HOTEL_FIELDS = ["name", "city", "address", "contact_email", "contact_phone"]
TYPE_FIELDS = ["name", "occupancy", "accessible", "nightly_rate", "currency"]
RATE_FIELDS = ["nightly_rate", "currency"]
RANGE_FIELDS = ["check_in", "check_out", "rooms"]
FIELD_MESSAGES = {
    "name": N_("Enter a name"),
    "occupancy": N_("Enter how many people sleep in the room, from 1 to 4"),
    "check_in": N_("Enter the first night as a date, like 2027-10-11"),
    "check_out": N_("Enter the check-out date, after the first night, like 2027-10-16"),
    "rooms": N_("Enter a whole number of rooms, 0 or more"),
    "nightly_rate": N_(
        "Enter the price of one room for one night, 0 or more with at most two decimals, like 120.00, "
        "or leave it blank"
    ),
    "currency": N_("Enter the currency as a 3-letter code, like USD"),
}
NIGHT_MESSAGE = N_("Enter a whole number of rooms, 0 or more")
#: Why someone has no room, by the allocation's code.
REASON_WORDS = {
    allocation.NO_DATES: N_("No arrival or departure on the registration."),
    allocation.NO_NIGHTS: N_("The departure is not after the arrival night."),
    allocation.NO_ACCESSIBLE_ROOM: N_("Needs an accessible room: none is free on these nights."),
    allocation.OUTSIDE_BLOCK: N_("The room block holds no suitable room on these nights."),
    allocation.FULL: N_("Every suitable room is taken on these nights."),
    allocation.SPLIT_STAY: N_("A room is free each night, but not one room type for the whole stay."),
    allocation.NOT_ALLOCATED: N_("Would fit now: allocate the rooms again."),
}
REFUSED = N_("The change was refused: %(reason)s")
_NIGHT = re.compile(r"^night-(\d{4}-\d{2}-\d{2})$")

#: Job kind → function(job) giving the console page that shows what the job produced.
JOB_PAGES: dict = {}


def _render(
    request: Request,
    template: str,
    actor: Actor,
    event: programme_schemas.Event,
    context: dict[str, Any],
    status_code: int = 200,
) -> Template:
    language = pages.language(request)
    return common.render(
        request,
        f"console/travel/hotels/{template}",
        actor,
        event,
        "travel",
        {
            **sections.context(event.id, "hotels"),
            "base": f"/organiser/events/{event.id}/travel/hotels",
            "reason_words": REASON_WORDS,
            "money": lambda value, currency: money(value, currency, language),
            **context,
        },
        status_code=status_code,
    )


def _own_messages(form: Form, gettext) -> None:
    common.own_words(form, gettext, FIELD_MESSAGES)


def _refusal(form: Form, exc: DomainError, gettext) -> None:
    form.add_service_error(exc, gettext, fallback=gettext(REFUSED, reason=exc.detail))


def _night_refusal(form: Form, exc: DomainError, gettext) -> None:
    """A refused night beside its own field; a conflict in the summary."""
    if isinstance(exc, InvalidInput):
        for error in exc.errors:
            form.add(f"night-{error.field.removeprefix('nights.')}", gettext(NIGHT_MESSAGE))
    else:
        form.add(None, gettext(REFUSED, reason=exc.detail))


def _file(body: bytes, media_type: str, filename: str) -> Response[bytes]:
    return Response(
        body, media_type=media_type, headers={"Content-Disposition": f'attachment; filename="{filename}"'}
    )


def _block_nights(room_type: schemas.RoomType, event: programme_schemas.Event) -> list[datetime.date]:
    """The nights the block form shows: the event's nights with two before and one after, and every
    night the block holds."""
    first = event.start_date - datetime.timedelta(days=2)
    last = event.end_date + datetime.timedelta(days=1)
    shown = {first + datetime.timedelta(days=n) for n in range((last - first).days)}
    return sorted(shown | set(room_type.nights))


class HotelPages(Controller):
    path = BASE

    # the list of hotels, adding one, the allocation -----------------------------------------------

    @get("")
    async def hotel_list(self, request: Request, event_id: FromPath[int]) -> Template:
        actor, event = await common.event_page(request, event_id)
        return await self._list(request, actor, event, Form(order=HOTEL_FIELDS))

    async def _list(self, request, actor, event, form: Form, status_code: int = 200) -> Template:
        items = await hotels.list_hotels(actor, event.id)
        given = await allocation.list_allocations(actor, event.id)
        missing = await allocation.not_placed(actor, event.id)
        context = {"hotels": items, "form": form, "given": len(given), "missing": len(missing)}
        return _render(request, "list.html", actor, event, context, status_code)

    @post("")
    async def create_hotel(self, request: Request, event_id: FromPath[int]) -> Response:
        actor, event = await common.event_page(request, event_id)
        return await common.post_form(
            request,
            schemas.HotelCreate,
            HOTEL_FIELDS,
            lambda data: hotels.create_hotel(actor, event_id, data),
            required=["name"],
            done=lambda hotel: pages.redirect(
                f"/organiser/events/{event_id}/travel/hotels/{hotel.id}", flash=N_("The hotel was added.")
            ),
            again=lambda form, status: self._list(request, actor, event, form, status),
            refusal=_refusal,
            words=_own_messages,
        )

    @post("/allocate")
    async def allocate(self, request: Request, event_id: FromPath[int]) -> Response:
        actor, _ = await common.event_page(request, event_id)
        outcome = await allocation.allocate(actor, event_id)
        return pages.redirect(
            f"/organiser/events/{event_id}/travel/hotels/rooms",
            flash=N_("Rooms allocated: %(placed)s given, %(missing)s do not fit."),
            placed=outcome.placed,
            missing=len(outcome.not_placed),
        )

    @get("/rooms")
    async def rooms(self, request: Request, event_id: FromPath[int]) -> Template:
        actor, event = await common.event_page(request, event_id)
        context = {
            "given": await allocation.list_allocations(actor, event_id),
            "missing": await allocation.not_placed(actor, event_id),
        }
        return _render(request, "rooms.html", actor, event, context)

    # one hotel: its room types ---------------------------------------------------------------------

    @get("/{hotel_id:int}")
    async def hotel(self, request: Request, event_id: FromPath[int], hotel_id: FromPath[int]) -> Template:
        actor, event = await common.event_page(request, event_id)
        currency = (await funding.settings_for(event_id)).currency
        form = Form(order=TYPE_FIELDS, values={"occupancy": "1", "currency": currency})
        return await self._hotel(request, actor, event, hotel_id, form)

    async def _hotel(
        self, request, actor, event, hotel_id: int, form: Form, status_code: int = 200
    ) -> Template:
        hotel = await hotels.get_hotel(actor, event.id, hotel_id)
        return _render(request, "hotel.html", actor, event, {"hotel": hotel, "form": form}, status_code)

    @post("/{hotel_id:int}/room-types")
    async def create_room_type(
        self, request: Request, event_id: FromPath[int], hotel_id: FromPath[int]
    ) -> Response:
        actor, event = await common.event_page(request, event_id)
        return await common.post_form(
            request,
            schemas.RoomTypeCreate,
            TYPE_FIELDS,
            lambda data: hotels.create_room_type(actor, event_id, hotel_id, data),
            required=["name", "occupancy"],
            done=lambda room_type: pages.redirect(
                f"/organiser/events/{event_id}/travel/hotels/room-types/{room_type.id}",
                flash=N_("The room type was added: now set its rooms per night."),
            ),
            again=lambda form, status: self._hotel(request, actor, event, hotel_id, form, status),
            refusal=_refusal,
            words=_own_messages,
        )

    @post("/{hotel_id:int}/delete")
    async def delete_hotel(
        self, request: Request, event_id: FromPath[int], hotel_id: FromPath[int]
    ) -> Response:
        actor, _ = await common.event_page(request, event_id)
        base = f"/organiser/events/{event_id}/travel/hotels"
        try:
            await hotels.delete_hotel(actor, event_id, hotel_id)
        except Conflict as exc:
            return pages.redirect(f"{base}/{hotel_id}", flash=REFUSED, reason=exc.detail[:300])
        return pages.redirect(base, flash=N_("The hotel was deleted."))

    @post("/room-types/{room_type_id:int}/delete")
    async def delete_room_type(
        self, request: Request, event_id: FromPath[int], room_type_id: FromPath[int]
    ) -> Response:
        actor, _ = await common.event_page(request, event_id)
        hotel, _ = await self._room_type(actor, event_id, room_type_id)
        back = f"/organiser/events/{event_id}/travel/hotels/{hotel.id}"
        try:
            await hotels.delete_room_type(actor, event_id, room_type_id)
        except Conflict as exc:
            return pages.redirect(back, flash=REFUSED, reason=exc.detail[:300])
        return pages.redirect(back, flash=N_("The room type was deleted."))

    @get("/{hotel_id:int}/rooming-list.pdf")
    async def rooming_pdf(
        self, request: Request, event_id: FromPath[int], hotel_id: FromPath[int]
    ) -> Response[bytes]:
        actor, _ = await common.event_page(request, event_id)
        listing = await allocation.rooming_list(actor, event_id, hotel_id)
        return _file(rooming.pdf(listing), "application/pdf", f"rooming-list-{hotel_id}.pdf")

    @get("/{hotel_id:int}/rooming-list.xlsx")
    async def rooming_xlsx(
        self, request: Request, event_id: FromPath[int], hotel_id: FromPath[int]
    ) -> Response[bytes]:
        actor, _ = await common.event_page(request, event_id)
        listing = await allocation.rooming_list(actor, event_id, hotel_id)
        return _file(rooming.xlsx(listing), XLSX, f"rooming-list-{hotel_id}.xlsx")

    # one room type: its rooms per night -----------------------------------------------------------

    async def _room_type(self, actor: Actor, event_id: int, room_type_id: int):
        for hotel in await hotels.list_hotels(actor, event_id):
            for room_type in hotel.room_types:
                if room_type.id == room_type_id:
                    return hotel, room_type
        raise NotFound(f"Event {event_id} has no room type {room_type_id}")

    @get("/room-types/{room_type_id:int}")
    async def block(self, request: Request, event_id: FromPath[int], room_type_id: FromPath[int]) -> Template:
        actor, event = await common.event_page(request, event_id)
        return await self._block(request, actor, event, room_type_id, Form(order=RANGE_FIELDS), None)

    async def _block(
        self,
        request,
        actor,
        event,
        room_type_id: int,
        range_form: Form,
        night_form: Form | None,
        status_code: int = 200,
        rate_form: Form | None = None,
    ) -> Template:
        hotel, room_type = await self._room_type(actor, event.id, room_type_id)
        nights = _block_nights(room_type, event)
        if night_form is None:
            night_form = Form(
                order=[f"night-{n.isoformat()}" for n in nights],
                values={f"night-{n.isoformat()}": str(room_type.nights.get(n, 0)) for n in nights},
            )
        if rate_form is None:
            rate = room_type.nightly_rate
            rate_form = Form(
                order=RATE_FIELDS,
                values={"nightly_rate": "" if rate is None else str(rate), "currency": room_type.currency},
            )
        context = {
            "hotel": hotel,
            "room_type": room_type,
            "nights": nights,
            "range_form": range_form,
            "night_form": night_form,
            "rate_form": rate_form,
        }
        return _render(request, "block.html", actor, event, context, status_code)

    @post("/room-types/{room_type_id:int}/rate")
    async def set_rate(
        self, request: Request, event_id: FromPath[int], room_type_id: FromPath[int]
    ) -> Response:
        """The room's price per night (blank: not priced); the funding estimates follow at once."""
        actor, event = await common.event_page(request, event_id)
        return await common.post_form(
            request,
            schemas.RoomTypeUpdate,
            RATE_FIELDS,
            lambda data: hotels.update_room_type(actor, event_id, room_type_id, data),
            done=lambda _: pages.redirect(
                f"/organiser/events/{event_id}/travel/hotels/room-types/{room_type_id}",
                flash=N_("The nightly rate was saved: the funding estimates follow it."),
            ),
            again=lambda form, status: self._block(
                request, actor, event, room_type_id, Form(order=RANGE_FIELDS), None, status, rate_form=form
            ),
            refusal=_refusal,
            words=_own_messages,
        )

    @post("/room-types/{room_type_id:int}/range")
    async def set_range(
        self, request: Request, event_id: FromPath[int], room_type_id: FromPath[int]
    ) -> Response:
        actor, event = await common.event_page(request, event_id)
        return await common.post_form(
            request,
            schemas.BlockRange,
            RANGE_FIELDS,
            lambda data: hotels.set_block(actor, event_id, room_type_id, hotels.range_nights(data)),
            required=RANGE_FIELDS,
            done=lambda _: pages.redirect(
                f"/organiser/events/{event_id}/travel/hotels/room-types/{room_type_id}",
                flash=N_("The rooms per night were saved."),
            ),
            again=lambda form, status: self._block(request, actor, event, room_type_id, form, None, status),
            refusal=_refusal,
            words=_own_messages,
        )

    @post("/room-types/{room_type_id:int}/nights")
    async def set_nights(
        self, request: Request, event_id: FromPath[int], room_type_id: FromPath[int]
    ) -> Response:
        actor, event = await common.event_page(request, event_id)
        gettext = pages.gettext(request)
        submitted = await request.form()
        names = sorted(name for name in submitted if _NIGHT.match(name))
        form = Form(order=names, values={name: (submitted.get(name) or "").strip() for name in names})
        counts: dict[datetime.date, int] = {}
        for name in names:
            raw = form.values[name] or "0"
            try:
                counts[datetime.date.fromisoformat(_NIGHT.match(name).group(1))] = int(raw)
            except ValueError:
                form.add(name, gettext(NIGHT_MESSAGE))
        return await common.act(
            request,
            form,
            lambda: hotels.set_block(actor, event_id, room_type_id, counts),
            done=lambda _: pages.redirect(
                f"/organiser/events/{event_id}/travel/hotels/room-types/{room_type_id}",
                flash=N_("The rooms per night were saved."),
            ),
            again=lambda form, status: self._block(
                request, actor, event, room_type_id, Form(order=RANGE_FIELDS), form, status
            ),
            refusal=_night_refusal,
        )


HANDLERS: list = [HotelPages]
