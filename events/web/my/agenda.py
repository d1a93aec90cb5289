"""The participant's agenda (see :mod:`events.web.my`): the sessions they attend, day by day, in the venue's
time and in their own; optional sessions to join or leave while seats last.

Times are the venue's (``event_row["time_zone"]``), and beside them the participant's own time when it
differs: the zone chosen on the page (``?tz=``, remembered in a cookie), else the zone of the country
they represent (:func:`events.reference.time_zones.country_time_zone`). Joining and leaving call
:mod:`events.registration.signups`, the same rules as the edit form.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from babel.dates import get_timezone_location
from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath
from markupsafe import Markup

from events import clock
from events.errors import Conflict
from events.i18n import choices
from events.i18n.languages import locale
from events.programme import schemas as programme_schemas
from events.programme import services as programme_services
from events.reference.time_zones import country_time_zone, is_time_zone
from events.registration import editing, signups
from events.web import i18n, messages, pages
from events.web.forms import Form
from events.web.i18n import N_
from events.web.my.view import MyView, my_view
from events.web.templating import isolate

NAME = "agenda"
PATH = "/my/agenda"
ZONE_COOKIE = "tz"
#: How many coming sessions the hub shows.
HUB_SESSIONS = 3

JOINED = N_("You have a seat in “%(title)s”")
LEFT = N_("You have left “%(title)s”; your seat is free for someone else")
FULL = N_("Full — no seats left in “%(title)s”")
CLOSED_ON = N_("Changes closed on %(date)s. Write to the organisers if you need a change")
SESSION_CANCELLED = N_("This session is cancelled, so it cannot be joined")
FOR_EVERYONE = N_("This session is for everyone: you attend it already")
ZONE_LABEL = N_("%(city)s time (%(offset)s)")

#: Zones offered in the "show times also in" list, one or more per UTC offset, chosen for the programme's
#: participants (least developed, landlocked and small island developing countries) and its venues.
COMMON_ZONES = (
    "Pacific/Pago_Pago",
    "Pacific/Honolulu",
    "America/Los_Angeles",
    "America/Mexico_City",
    "America/Port-au-Prince",
    "America/New_York",
    "America/La_Paz",
    "America/Asuncion",
    "America/Santiago",
    "America/Barbados",
    "America/Paramaribo",
    "Atlantic/Cape_Verde",
    "UTC",
    "Africa/Dakar",
    "Europe/London",
    "Africa/Kinshasa",
    "Europe/Paris",
    "Africa/Maputo",
    "Asia/Beirut",
    "Africa/Addis_Ababa",
    "Europe/Moscow",
    "Asia/Tehran",
    "Asia/Baku",
    "Asia/Dubai",
    "Indian/Mauritius",
    "Asia/Kabul",
    "Asia/Tashkent",
    "Indian/Maldives",
    "Asia/Kolkata",
    "Asia/Kathmandu",
    "Asia/Dhaka",
    "Asia/Thimphu",
    "Asia/Bishkek",
    "Asia/Yangon",
    "Asia/Bangkok",
    "Asia/Vientiane",
    "Asia/Shanghai",
    "Asia/Ulaanbaatar",
    "Asia/Dili",
    "Asia/Seoul",
    "Pacific/Port_Moresby",
    "Australia/Sydney",
    "Pacific/Guadalcanal",
    "Pacific/Fiji",
    "Pacific/Tarawa",
    "Pacific/Tongatapu",
    "Pacific/Apia",
    "Pacific/Kiritimati",
)


# --- time zones ----------------------------------------------------------------------------------


def short_offset(value: datetime.datetime) -> str:
    """``UTC+4``, ``UTC+5:45``, ``UTC-3``, ``UTC`` for an aware time."""
    minutes = int((value.utcoffset() or datetime.timedelta()).total_seconds() // 60)
    if minutes == 0:
        return "UTC"
    sign = "+" if minutes > 0 else "-"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours}" + (f":{rest:02d}" if rest else "")


def zone_city(zone: str, lang: str) -> str:
    """The zone's city in the reader's language (Babel's CLDR names): "Katmandou" for Asia/Kathmandu."""
    if zone == "UTC":
        return "UTC"
    try:
        return get_timezone_location(ZoneInfo(zone), locale=locale(lang), return_city=True)
    except (LookupError, ValueError):
        return zone.rsplit("/", 1)[-1].replace("_", " ")


def reference_moment(event_row: dict) -> datetime.datetime:
    """Noon on the event's first day, at the venue: the moment offsets are shown for."""
    return datetime.datetime.combine(
        event_row["start_date"], datetime.time(12), ZoneInfo(event_row["time_zone"])
    )


def own_zone(request: Request, view: MyView) -> tuple[str | None, bool]:
    """The participant's own zone and whether it was just chosen (to remember): ``?tz=``, else the
    remembered choice, else their country's zone."""
    chosen = request.query_params.get("tz")
    if is_time_zone(chosen):
        return chosen, True
    remembered = request.cookies.get(ZONE_COOKIE)
    if is_time_zone(remembered):
        return remembered, False
    return country_time_zone(view.registration.country_represented), False


def zone_options(event_row: dict, lang: str, *extra: str | None) -> list[tuple[str, str]]:
    """``(zone, "UTC+5:45 · Katmandou")`` for the select, by offset at the event, then by city."""
    moment = reference_moment(event_row)
    zones = {zone for zone in (*COMMON_ZONES, event_row["time_zone"], *extra) if is_time_zone(zone)}
    rows = []
    for zone in zones:
        local = moment.astimezone(ZoneInfo(zone))
        offset = local.utcoffset() or datetime.timedelta()
        rows.append((offset, zone_city(zone, lang), zone, f"{short_offset(local)} · {zone_city(zone, lang)}"))
    return [(zone, label) for _, _, zone, label in sorted(rows)]


# --- what the page shows -------------------------------------------------------------------------


@dataclass
class Entry:
    """One session as the participant sees it."""

    session: programme_schemas.Session
    #: Start and end in the participant's zone, when its offset differs from the venue's then.
    own_start: datetime.datetime | None
    own_end: datetime.datetime | None
    #: Their own date differs from the venue's date (shown with the own time).
    own_other_day: bool
    compulsory: bool
    held: bool
    #: Free seats (``None``: no limit); optional sessions only.
    seats_left: int | None = None

    @property
    def full(self) -> bool:
        return self.seats_left is not None and self.seats_left <= 0


def _entry(session, zone: str | None, held: set[int], seats: dict[int, int | None]) -> Entry:
    own_start = own_end = None
    other_day = False
    if zone:
        start = session.starts_at.astimezone(ZoneInfo(zone))
        if start.utcoffset() != session.starts_at.utcoffset():
            own_start, own_end = start, session.ends_at.astimezone(ZoneInfo(zone))
            other_day = start.date() != session.starts_at.date()
    return Entry(
        session=session,
        own_start=own_start,
        own_end=own_end,
        own_other_day=other_day,
        compulsory=not session.optional,
        held=session.id in held,
        seats_left=seats.get(session.id) if session.optional else None,
    )


def _days(entries: list[Entry]) -> list[tuple[datetime.date, list[Entry]]]:
    days: dict[datetime.date, list[Entry]] = {}
    for entry in entries:
        days.setdefault(entry.session.starts_at.date(), []).append(entry)
    return sorted(days.items())


async def _agenda(view: MyView, zone: str | None) -> tuple[list[Entry], list[Entry]]:
    """The sessions the participant attends (cancelled ones too, marked) and the optional ones on offer."""
    if not view.active:
        return [], []
    sessions = await programme_services.list_sessions(view.registration.event_id)
    seats = await signups.seats_left(view.registration.event_id)
    held = set(view.registration.sessions)
    entries = [_entry(session, zone, held, seats) for session in sessions]
    attending = [entry for entry in entries if entry.compulsory or entry.held]
    offered = [entry for entry in entries if entry.session.optional and not entry.session.cancelled]
    return attending, offered


async def section(view: MyView) -> dict | None:
    """The next few sessions and a link to the whole agenda; nothing for an inactive registration."""
    if not view.active:
        return None
    zone, _ = own_zone(view.request, view)
    attending, offered = await _agenda(view, zone)
    moment = clock.now()
    coming = [entry for entry in attending if not entry.session.cancelled and entry.session.ends_at > moment]
    return {
        "coming": coming[:HUB_SESSIONS],
        "has_sessions": bool(attending),
        "offers": len(offered),
        "venue_label": _venue_label(view),
        "own_city": zone_city(zone, view.lang) if zone else "",
    }


def zone_label(view: MyView, city: str, moment: datetime.datetime) -> Markup:
    """ "Baku time (UTC+4)", the city isolated (it may be written in another script than the page)."""
    text = Markup(view.gettext(ZONE_LABEL))  # noqa: S704 (our own catalogue; the values are escaped)
    return text % {"city": isolate(city), "offset": short_offset(moment)}


def _venue_label(view: MyView) -> Markup:
    return zone_label(view, view.event.city, reference_moment(view.event_row))


async def _page(view: MyView, *, form: Form | None = None, status_code: int = 200) -> Response:
    request = view.request
    zone, chosen = own_zone(request, view)
    attending, offered = await _agenda(view, zone)
    deadline = editing.edit_deadline(view.event_row)
    moment = reference_moment(view.event_row)
    own_label = None
    if zone and any(entry.own_start for entry in attending + offered):
        own_label = zone_label(view, zone_city(zone, view.lang), moment.astimezone(ZoneInfo(zone)))
    response = pages.render(
        request,
        "portal/my/agenda.html",
        {
            "event": view.event,
            "registration": view.registration,
            "active": view.active,
            "days": _days(attending),
            "offered": offered,
            "can_change": view.active and clock.now() < deadline,
            "deadline": programme_services.to_local(deadline, view.time_zone),
            "venue_label": _venue_label(view),
            "own_label": own_label,
            "own_city": zone_city(zone, view.lang) if zone else "",
            "zone": zone or "",
            "zone_options": zone_options(view.event_row, view.lang, zone),
            "form": form or Form(),
            "choices": choices,
        },
        status_code=status_code,
    )
    if chosen and zone:
        pages.set_cookie(response, ZONE_COOKIE, zone, max_age=pages.LANGUAGE_MAX_AGE)
    return response


def _conflict_message(view: MyView, exc: Conflict, title: str) -> str:
    gettext = view.gettext
    if exc.extra.get("sessions_full"):
        return gettext(FULL, title=title)
    if "deadline" in exc.extra:
        deadline = editing.edit_deadline(view.event_row)
        return gettext(CLOSED_ON, date=_datetime(deadline, view))
    if "session_cancelled" in exc.extra:
        return gettext(SESSION_CANCELLED)
    if "session_optional" in exc.extra:
        return gettext(FOR_EVERYONE)
    return gettext(messages.CHANGES_CLOSED)


def _datetime(value: datetime.datetime, view: MyView) -> str:
    return i18n.format_datetime(value, view.lang, view.time_zone)


async def _session_title(view: MyView, session_id: int) -> str:
    session = await programme_services.get_session(view.registration.event_id, session_id)
    return session.title


class MyAgendaPages(Controller):
    path = PATH

    @get("/")
    async def show(self, request: Request) -> Response:
        return await _page(await my_view(request))

    @post("/sessions/{session_id:int}/join")
    async def join(self, request: Request, session_id: FromPath[int]) -> Response:
        return await _change(request, session_id, signups.join_session, JOINED)

    @post("/sessions/{session_id:int}/leave")
    async def leave(self, request: Request, session_id: FromPath[int]) -> Response:
        return await _change(request, session_id, signups.leave_session, LEFT)


async def _change(request: Request, session_id: int, action, done: str) -> Response:
    view = await my_view(request)
    title = await _session_title(view, session_id)
    try:
        await action(view.actor, view.registration.id, session_id)
    except Conflict as exc:
        form = Form()
        form.add(None, _conflict_message(view, exc, title))
        view = await my_view(request, view.actor)
        return await _page(view, form=form, status_code=409)
    return pages.redirect(f"{PATH}#optional", flash=done, title=title)


HANDLERS: list = [MyAgendaPages]
