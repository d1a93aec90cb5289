"""The programme's 2027 calendar as demo data, and the ASAN service centres as visit sites.

The events and their places are those of the UN DESA capacity-development programme on
omnichannel public service delivery for LDCs, LLDCs and SIDS; the dates, agendas, rooms and
capacities are invented but plausible. Everything goes through the programme services, so the
same validation and audit trail apply as for data entered by an organiser.

Times are written as wall-clock times in the venue's zone (the services read naive times in the
event's zone). Two forums sit on daylight-saving changes on purpose: Beirut's first day is the
Sunday Lebanon moves its clocks forward at midnight (28 March 2027) and Santiago's forum runs
over the night Chile moves them back (3 to 4 April 2027).
"""

from __future__ import annotations

import csv
import datetime
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import msgspec

from events.audit.services import record
from events.auth.principal import Actor
from events.db import write_transaction
from events.errors import PermissionDenied
from events.programme import schemas, services
from events.programme.tables import Event, EventKind, Partner, Programme, Session, SessionKind
from events.visits.tables import Site

DATA_DIR = Path(__file__).resolve().parent / "data"
ASAN_CENTRES_CSV = DATA_DIR / "asan_centres.csv"

PROGRAMME_SLUG = "omnichannel-2027"
PROGRAMME_TITLE = "Omnichannel public service delivery for LDCs, LLDCs and SIDS (2027)"
PROGRAMME_DESCRIPTION = (
    "Capacity-development programme of the United Nations Department of Economic and Social Affairs "
    "(UN DESA) on omnichannel public service delivery for least developed countries (LDCs), landlocked "
    "developing countries (LLDCs) and small island developing States (SIDS). An interregional workshop "
    "in New York opens the 2027 cycle; five regional forums with ECLAC, ESCAP, ECA, ESCWA and UNPOG "
    "follow; an international symposium in Baku, with study visits to ASAN service centres, closes it.\n\n"
    "Demo data: the events are the programme's, their dates and agendas are invented."
)

PLENARY = SessionKind.plenary
PANEL = SessionKind.panel
WORKSHOP = SessionKind.workshop
STUDY_VISIT = SessionKind.study_visit
BREAK = SessionKind.break_
CEREMONY = SessionKind.ceremony
SIDE_EVENT = SessionKind.side_event

PANEL_OMNICHANNEL = "Omnichannel service delivery: integrating digital, in-person and mobile channels"
PANEL_ACCESSIBILITY = "Leaving no one behind: accessibility of public services"
PANEL_ONE_STOP = "One-stop shops: lessons from ASAN xidmət"
PANEL_DATA = "Data governance and interoperability"
PANEL_FINANCING = "Financing digital government in LDCs"

WORKSHOPS = {
    "service_design": (
        "Service design lab: mapping a life event across channels",
        "Hands-on: follow one life event (a birth, starting a business) through the web portal, the call "
        "centre, the counter and a mobile unit, and find where people drop out.",
    ),
    "accessibility": (
        "Accessibility check of a public service, online and at the counter",
        "Apply WCAG and universal-design checklists to a real service of a participating country.",
    ),
    "interoperability": (
        "Interoperability in practice: once-only data exchange between agencies",
        "Design the data exchange that lets a citizen give a document once: registries, consent, logs.",
    ),
    "business_case": (
        "Costing a one-stop shop: building the business case",
        "Estimate set-up and running costs, savings for citizens and agencies, and financing options.",
    ),
    "low_connectivity": (
        "Mobile and assisted channels for low-connectivity areas",
        "SMS, USSD, agents and mobile service units where broadband is scarce.",
    ),
    "satisfaction": (
        "Measuring user satisfaction across channels",
        "Feedback loops, mystery shopping and service standards that hold across channels.",
    ),
    "digital_identity": (
        "Digital identity and trust services for inclusive access",
        "Identification, e-signatures and assisted access for people without a digital identity.",
    ),
}


@dataclass(frozen=True)
class Slot:
    """One agenda item, in the venue's local time."""

    start: str
    end: str
    title: str
    kind: SessionKind
    room: str = ""
    capacity: int | None = None
    optional: bool = False
    description: str = ""


@dataclass(frozen=True)
class Rooms:
    plenary: str
    breakout: tuple[str, ...]
    foyer: str = "Foyer"


@dataclass(frozen=True)
class EventPlan:
    slug: str
    title: str
    kind: EventKind
    partner: Partner
    venue: str
    city: str
    country: str
    time_zone: str
    start_date: datetime.date
    end_date: datetime.date
    capacity: int
    languages: tuple[str, ...]
    registration_opens_at: datetime.datetime
    registration_closes_at: datetime.datetime
    days: dict[datetime.date, list[Slot]] = field(default_factory=dict)


def _workshop(key: str, start: str, end: str, room: str, capacity: int) -> Slot:
    title, description = WORKSHOPS[key]
    return Slot(start, end, f"Parallel workshop: {title}", WORKSHOP, room, capacity, True, description)


def _opening_day(
    rooms: Rooms, *, keynote: str, workshops: tuple[str, str], workshop_capacity: int
) -> list[Slot]:
    first, second = workshops
    return [
        Slot("08:30", "09:30", "Registration and badge collection", BREAK, rooms.foyer),
        Slot("09:30", "10:15", "Opening ceremony", CEREMONY, rooms.plenary),
        Slot("10:15", "11:00", keynote, PLENARY, rooms.plenary),
        Slot("11:00", "11:30", "Coffee break", BREAK, rooms.foyer),
        Slot(
            "11:30",
            "13:00",
            PANEL_OMNICHANNEL,
            PANEL,
            rooms.plenary,
            description="How portals, contact centres, service counters and mobile units share one back office, "
            "one service catalogue and one record of the citizen's request.",
        ),
        Slot("13:00", "14:30", "Lunch", BREAK, rooms.foyer),
        Slot(
            "14:30",
            "16:00",
            PANEL_ACCESSIBILITY,
            PANEL,
            rooms.plenary,
            description="Persons with disabilities, older persons, rural women, migrants and people with low "
            "digital skills: designing channels so that nobody must go digital to be served.",
        ),
        Slot("16:00", "16:30", "Coffee break", BREAK, rooms.foyer),
        _workshop(first, "16:30", "18:00", rooms.breakout[0], workshop_capacity),
        _workshop(second, "16:30", "18:00", rooms.breakout[1], workshop_capacity),
    ]


def _second_day(
    rooms: Rooms,
    *,
    workshops: tuple[str, ...],
    workshop_capacity: int,
    financing: str = PANEL_FINANCING,
    closing_at: str | None = "17:30",
) -> list[Slot]:
    slots = [
        Slot(
            "09:00",
            "10:30",
            PANEL_ONE_STOP,
            PANEL,
            rooms.plenary,
            description="Azerbaijan's ASAN service centres: over 300 services of about a dozen agencies and "
            "private companies under one roof since 2012; first place in the 2015 UN Public Service Awards.",
        ),
        Slot("10:30", "11:00", "Coffee break", BREAK, rooms.foyer),
        Slot(
            "11:00",
            "12:30",
            PANEL_DATA,
            PANEL,
            rooms.plenary,
            description="Base registries, data-sharing agreements, privacy and the once-only principle.",
        ),
        Slot("12:30", "14:00", "Lunch", BREAK, rooms.foyer),
        *(
            _workshop(key, "14:00", "15:30", room, workshop_capacity)
            for key, room in zip(workshops, rooms.breakout, strict=False)
        ),
        Slot("15:30", "16:00", "Coffee break", BREAK, rooms.foyer),
        Slot(
            "16:00",
            "17:30" if closing_at else "17:00",
            financing,
            PANEL,
            rooms.plenary,
            description="Public budgets, development partners, public-private partnerships and fees: what "
            "pays for building and running omnichannel services.",
        ),
    ]
    if closing_at:
        end = (datetime.datetime.strptime(closing_at, "%H:%M") + datetime.timedelta(minutes=30)).strftime(
            "%H:%M"
        )
        slots.append(Slot(closing_at, end, "Closing session", CEREMONY, rooms.plenary))
    return slots


def _date(text: str) -> datetime.date:
    return datetime.date.fromisoformat(text)


def _local(text: str) -> datetime.datetime:
    """A naive wall-clock time: the service reads it in the event's zone."""
    return datetime.datetime.fromisoformat(text)


def _new_york() -> EventPlan:
    rooms = Rooms("Conference Room 6", ("Conference Room 7", "Conference Room 8"), "Conference Room 6 lobby")
    return EventPlan(
        slug="interregional-workshop-2027",
        title="Interregional workshop on omnichannel public service delivery",
        kind=EventKind.workshop,
        partner=Partner.UNDESA,
        venue="United Nations Headquarters",
        city="New York",
        country="USA",
        time_zone="America/New_York",
        start_date=_date("2027-02-23"),
        end_date=_date("2027-02-25"),
        capacity=80,
        languages=("en", "fr", "es"),
        registration_opens_at=_local("2026-12-01T09:00"),
        registration_closes_at=_local("2027-01-22T18:00"),
        days={
            _date("2027-02-23"): _opening_day(
                rooms,
                keynote="Programme overview: omnichannel public service delivery for LDCs, LLDCs and SIDS",
                workshops=("service_design", "accessibility"),
                workshop_capacity=40,
            ),
            _date("2027-02-24"): _second_day(
                rooms,
                workshops=("interoperability", "business_case"),
                workshop_capacity=40,
                financing="Financing digital government in LDCs, LLDCs and SIDS",
                closing_at=None,
            ),
            _date("2027-02-25"): [
                Slot(
                    "09:30",
                    "11:00",
                    "Country action plans: from diagnosis to roadmap",
                    WORKSHOP,
                    rooms.plenary,
                    description="Each delegation drafts the omnichannel roadmap it will bring to its regional forum.",
                ),
                Slot("11:00", "11:30", "Coffee break", BREAK, rooms.foyer),
                Slot(
                    "11:30",
                    "12:30",
                    "The road to Baku: regional forums and the international symposium",
                    PLENARY,
                    rooms.plenary,
                ),
                Slot("12:30", "13:00", "Closing session", CEREMONY, rooms.plenary),
            ],
        },
    )


def _beirut() -> EventPlan:
    rooms = Rooms("Conference hall", ("Meeting room A", "Meeting room B"))
    return EventPlan(
        slug="escwa-beirut-2027",
        title="Regional forum for the Arab region on omnichannel public service delivery",
        kind=EventKind.regional_forum,
        partner=Partner.ESCWA,
        venue="UN House (ESCWA), Riad El Solh Square",
        city="Beirut",
        country="LBN",
        time_zone="Asia/Beirut",
        # Lebanon moves its clocks forward at midnight on Sunday 28 March 2027 (UTC+2 to UTC+3):
        # the event's first day starts at a wall-clock time that does not exist.
        start_date=_date("2027-03-28"),
        end_date=_date("2027-03-30"),
        capacity=80,
        languages=("en", "ar", "fr"),
        registration_opens_at=_local("2026-12-01T09:00"),
        registration_closes_at=_local("2027-03-05T17:00"),
        days={
            _date("2027-03-28"): [
                Slot(
                    "16:00",
                    "18:30",
                    "Early registration and badge collection",
                    BREAK,
                    rooms.foyer,
                    description="Clocks in Lebanon went forward one hour at midnight: check your phone's time.",
                ),
                Slot("18:30", "20:00", "Welcome reception", SIDE_EVENT, "Terrace", 80, True),
            ],
            _date("2027-03-29"): _opening_day(
                rooms,
                keynote="Keynote: omnichannel public services in the Arab region, from portals to service halls",
                workshops=("service_design", "digital_identity"),
                workshop_capacity=35,
            ),
            _date("2027-03-30"): _second_day(
                rooms, workshops=("interoperability", "low_connectivity"), workshop_capacity=35
            ),
        },
    )


def _santiago() -> EventPlan:
    rooms = Rooms("Sala Raúl Prebisch", ("Sala Celso Furtado", "Meeting room 3"))
    return EventPlan(
        slug="eclac-santiago-2027",
        title="Regional forum for Latin America and the Caribbean on omnichannel public service delivery",
        kind=EventKind.regional_forum,
        partner=Partner.ECLAC,
        venue="ECLAC headquarters, Av. Dag Hammarskjöld 3477, Vitacura",
        city="Santiago",
        country="CHL",
        time_zone="America/Santiago",
        # Chile goes back to standard time in the night of Saturday 3 to Sunday 4 April 2027
        # (UTC-3 to UTC-4): Friday and Saturday are at UTC-3, Monday at UTC-4.
        start_date=_date("2027-04-02"),
        end_date=_date("2027-04-05"),
        capacity=90,
        languages=("en", "es", "fr"),
        registration_opens_at=_local("2026-12-01T09:00"),
        registration_closes_at=_local("2027-03-12T18:00"),
        days={
            _date("2027-04-02"): _opening_day(
                rooms,
                keynote="Keynote: omnichannel public services in Latin America and the Caribbean",
                workshops=("service_design", "accessibility"),
                workshop_capacity=40,
            ),
            _date("2027-04-03"): [
                Slot(
                    "09:30",
                    "12:30",
                    "Study visit: a ChileAtiende service branch in central Santiago",
                    STUDY_VISIT,
                    "Meeting point: ECLAC main entrance",
                    40,
                    True,
                    "ChileAtiende brings services of many institutions to one counter, one phone line and one "
                    "portal. Clocks go back one hour tonight at midnight: Monday's sessions are at UTC-4.",
                ),
                Slot(
                    "09:30",
                    "12:30",
                    "Peer exchange: service centres in Caribbean small island developing States",
                    WORKSHOP,
                    rooms.breakout[0],
                    30,
                    True,
                ),
            ],
            _date("2027-04-05"): _second_day(
                rooms,
                workshops=("interoperability", "satisfaction"),
                workshop_capacity=40,
                financing="Financing digital government in LDCs and SIDS",
            ),
        },
    )


def _bangkok() -> EventPlan:
    rooms = Rooms("ESCAP Hall", ("Meeting Room B", "Meeting Room C", "Meeting Room D"))
    action_plan = "Country action plans:"
    return EventPlan(
        slug="escap-bangkok-2027",
        title="Regional forum for Asia and the Pacific on omnichannel public service delivery",
        kind=EventKind.regional_forum,
        partner=Partner.ESCAP,
        venue="United Nations Conference Centre (UNCC), Rajadamnern Nok Avenue",
        city="Bangkok",
        country="THA",
        time_zone="Asia/Bangkok",
        start_date=_date("2027-05-11"),
        end_date=_date("2027-05-13"),
        capacity=120,
        languages=("en", "ru", "fr"),
        registration_opens_at=_local("2026-12-01T09:00"),
        registration_closes_at=_local("2027-04-16T17:00"),
        days={
            _date("2027-05-11"): _opening_day(
                rooms,
                keynote="Keynote: omnichannel public services in Asia and the Pacific",
                workshops=("service_design", "low_connectivity"),
                workshop_capacity=50,
            ),
            _date("2027-05-12"): _second_day(
                rooms,
                workshops=("interoperability", "digital_identity", "accessibility"),
                workshop_capacity=40,
                closing_at=None,
            ),
            _date("2027-05-13"): [
                Slot("09:00", "10:30", f"{action_plan} Pacific SIDS", WORKSHOP, rooms.breakout[0], 40, True),
                Slot(
                    "09:00",
                    "10:30",
                    f"{action_plan} South and South-East Asia",
                    WORKSHOP,
                    rooms.breakout[1],
                    40,
                    True,
                ),
                Slot(
                    "09:00",
                    "10:30",
                    f"{action_plan} North and Central Asian LLDCs",
                    WORKSHOP,
                    rooms.breakout[2],
                    40,
                    True,
                ),
                Slot("10:30", "11:00", "Coffee break", BREAK, rooms.foyer),
                Slot(
                    "11:00",
                    "12:00",
                    "Report-back and peer review of the action plans",
                    PLENARY,
                    rooms.plenary,
                ),
                Slot("12:00", "12:30", "Closing session", CEREMONY, rooms.plenary),
            ],
        },
    )


def _addis_ababa() -> EventPlan:
    rooms = Rooms("Conference Room 1", ("Conference Room 2", "Conference Room 3"))
    return EventPlan(
        slug="eca-addis-ababa-2027",
        title="Regional forum for Africa on omnichannel public service delivery",
        kind=EventKind.regional_forum,
        partner=Partner.ECA,
        venue="United Nations Conference Centre, ECA, Menelik II Avenue",
        city="Addis Ababa",
        country="ETH",
        time_zone="Africa/Addis_Ababa",
        start_date=_date("2027-06-15"),
        end_date=_date("2027-06-17"),
        capacity=120,
        languages=("en", "fr", "ar"),
        registration_opens_at=_local("2026-12-01T09:00"),
        registration_closes_at=_local("2027-05-21T17:00"),
        days={
            _date("2027-06-15"): _opening_day(
                rooms,
                keynote="Keynote: omnichannel public services in Africa and the Digital Transformation Strategy",
                workshops=("service_design", "low_connectivity"),
                workshop_capacity=50,
            ),
            _date("2027-06-16"): _second_day(
                rooms,
                workshops=("interoperability", "business_case"),
                workshop_capacity=50,
                closing_at=None,
            ),
            _date("2027-06-17"): [
                Slot(
                    "09:00",
                    "12:30",
                    "Study visit: a one-stop service centre of the Addis Ababa City Administration",
                    STUDY_VISIT,
                    "Meeting point: UNCC main entrance",
                    40,
                    True,
                ),
                Slot(
                    "09:00",
                    "12:30",
                    "Country action plans: African LDCs and LLDCs",
                    WORKSHOP,
                    rooms.breakout[0],
                    70,
                    True,
                ),
                Slot("12:30", "14:00", "Lunch", BREAK, rooms.foyer),
                Slot(
                    "14:00",
                    "15:30",
                    "Report-back: what the study visit and the action plans showed",
                    PLENARY,
                    rooms.plenary,
                ),
                Slot("15:30", "16:00", "Closing session", CEREMONY, rooms.plenary),
            ],
        },
    )


def _incheon() -> EventPlan:
    rooms = Rooms("Convention Hall", ("Room 117", "Room 118"))
    return EventPlan(
        slug="unpog-incheon-2027",
        title="Regional forum on omnichannel public service delivery, hosted by UNPOG",
        kind=EventKind.regional_forum,
        partner=Partner.UNPOG,
        venue="Songdo Convensia",
        city="Incheon",
        country="KOR",
        time_zone="Asia/Seoul",
        start_date=_date("2027-07-06"),
        end_date=_date("2027-07-07"),
        capacity=60,
        languages=("en",),
        registration_opens_at=_local("2026-12-01T09:00"),
        registration_closes_at=_local("2027-06-11T17:00"),
        days={
            _date("2027-07-06"): _opening_day(
                rooms,
                keynote="Keynote: frontier technologies and the human touch in public services",
                workshops=("satisfaction", "digital_identity"),
                workshop_capacity=30,
            ),
            _date("2027-07-07"): [
                *_second_day(rooms, workshops=(), workshop_capacity=30, closing_at=None)[:4],
                Slot(
                    "14:00",
                    "15:30",
                    "Study visit: a local administrative welfare centre in Songdo",
                    STUDY_VISIT,
                    "Meeting point: Songdo Convensia lobby",
                    30,
                    True,
                    "How a neighbourhood office combines civil documents, welfare counselling and digital help.",
                ),
                Slot("15:30", "16:00", "Coffee break", BREAK, rooms.foyer),
                Slot(
                    "16:00",
                    "17:00",
                    "Financing digital government in LDCs and SIDS of Asia and the Pacific",
                    PANEL,
                    rooms.plenary,
                ),
                Slot("17:00", "17:30", "Closing session", CEREMONY, rooms.plenary),
            ],
        },
    )


def _baku() -> EventPlan:
    rooms = Rooms("Plenary hall", ("Hall A", "Hall B", "Hall C"))
    visit = "Study visit:"
    visit_note = (
        "Guided tour of the service hall, the queue and appointment system, and the back office; "
        "questions to the centre's management. Transport from the Baku Congress Center."
    )
    return EventPlan(
        slug="baku-symposium-2027",
        title="International symposium on omnichannel public service delivery and one-stop shops",
        kind=EventKind.symposium,
        partner=Partner.UNDESA,
        venue="Baku Congress Center",
        city="Baku",
        country="AZE",
        time_zone="Asia/Baku",
        start_date=_date("2027-10-04"),
        end_date=_date("2027-10-07"),
        capacity=250,
        languages=("en", "ru"),
        registration_opens_at=_local("2026-12-01T09:00"),
        # Visa-support letters and ASAN Visa need time: registration closes five weeks ahead.
        registration_closes_at=_local("2027-08-27T18:00"),
        days={
            _date("2027-10-04"): [
                *_opening_day(
                    rooms,
                    keynote="Keynote: fifteen years of ASAN xidmət, the Azerbaijani one-stop model",
                    workshops=("service_design", "accessibility"),
                    workshop_capacity=60,
                ),
                Slot(
                    "19:00",
                    "21:00",
                    "Welcome dinner",
                    SIDE_EVENT,
                    "Restaurant, Baku Congress Center",
                    250,
                    True,
                ),
            ],
            _date("2027-10-05"): _second_day(
                rooms,
                workshops=("interoperability", "business_case", "low_connectivity"),
                workshop_capacity=60,
                financing="Financing digital government in LDCs, LLDCs and SIDS",
                closing_at=None,
            ),
            _date("2027-10-06"): [
                Slot(
                    "09:00",
                    "13:00",
                    f"{visit} Baku ASAN service centre No. 1, the pilot centre",
                    STUDY_VISIT,
                    "Baku ASAN service centre No. 1",
                    50,
                    True,
                    visit_note,
                ),
                Slot(
                    "09:00",
                    "13:00",
                    f"{visit} Baku ASAN service centre No. 5 and its utility services",
                    STUDY_VISIT,
                    "Baku ASAN service centre No. 5",
                    50,
                    True,
                    visit_note,
                ),
                Slot(
                    "09:00",
                    "13:00",
                    f"{visit} Baku ASAN service centre No. 4",
                    STUDY_VISIT,
                    "Baku ASAN service centre No. 4",
                    50,
                    True,
                    visit_note,
                ),
                Slot(
                    "08:30",
                    "14:00",
                    f"{visit} Sumgayit ASAN service centre, one of the first regional centres",
                    STUDY_VISIT,
                    "Sumgayit ASAN service centre",
                    40,
                    True,
                    visit_note + " About 45 minutes by coach each way; lunch box provided.",
                ),
                Slot(
                    "14:30",
                    "15:45",
                    "ASAN Visa: how the national e-visa portal works",
                    SIDE_EVENT,
                    rooms.breakout[0],
                    80,
                    True,
                    "Standard e-visas in 3 working days, urgent ones in 3 hours; eligibility by nationality.",
                ),
                Slot("16:00", "17:30", "Debriefing: what we saw at the ASAN centres", PLENARY, rooms.plenary),
            ],
            _date("2027-10-07"): [
                Slot(
                    "09:00",
                    "10:30",
                    "Taking services to people: mobile one-stop shops and outreach",
                    PANEL,
                    rooms.plenary,
                    description="Mobile service buses, pop-up counters and assisted digital access in remote areas.",
                ),
                Slot("10:30", "11:00", "Coffee break", BREAK, rooms.foyer),
                Slot("11:00", "12:30", "Country action plans and the way forward", PLENARY, rooms.plenary),
                Slot("12:30", "13:15", "Closing ceremony", CEREMONY, rooms.plenary),
            ],
        },
    )


def event_plans() -> list[EventPlan]:
    """The 2027 events in calendar order (pure: no database)."""
    return [_new_york(), _beirut(), _santiago(), _bangkok(), _addis_ababa(), _incheon(), _baku()]


def _event_create(plan: EventPlan, programme_id: int) -> schemas.EventCreate:
    # ``convert`` applies the schema's constraints (slug pattern, lengths, languages) like a request would.
    return msgspec.convert(
        {
            "slug": plan.slug,
            "title": plan.title,
            "kind": plan.kind.value,
            "partner": plan.partner.value,
            "venue": plan.venue,
            "city": plan.city,
            "country": plan.country,
            "time_zone": plan.time_zone,
            "start_date": plan.start_date,
            "end_date": plan.end_date,
            "capacity": plan.capacity,
            "programme_id": programme_id,
            "registration_opens_at": plan.registration_opens_at,
            "registration_closes_at": plan.registration_closes_at,
            "languages": list(plan.languages),
        },
        schemas.EventCreate,
    )


def _session_create(day: datetime.date, slot: Slot) -> schemas.SessionCreate:
    def at(clock: str) -> datetime.datetime:
        return datetime.datetime.combine(day, datetime.time.fromisoformat(clock))

    values: dict[str, Any] = {
        "title": slot.title,
        "kind": slot.kind.value,
        "starts_at": at(slot.start),
        "ends_at": at(slot.end),
        "room": slot.room,
        "capacity": slot.capacity,
        "optional": slot.optional,
        "description": slot.description,
    }
    return msgspec.convert(values, schemas.SessionCreate)


async def _summary(programme_id: int, *, created: bool) -> dict[str, Any]:
    events = (
        await Event.select(Event.id, Event.slug)
        .where(Event.programme == programme_id)
        .order_by(Event.start_date)
        .order_by(Event.id)
    )
    sessions: dict[str, int] = {}
    for event in events:
        sessions[event["slug"]] = await Session.count().where(Session.event == event["id"])
    return {
        "programme_id": programme_id,
        "programme_slug": PROGRAMME_SLUG,
        "created": created,
        "events": {event["slug"]: event["id"] for event in events},
        "sessions": sessions,
    }


async def load_programme(actor: Actor) -> dict[str, Any]:
    """Create the 2027 programme with its events and agendas, unless its slug is taken already.

    Returns ``{"programme_id", "programme_slug", "created", "events": {slug: id},
    "sessions": {slug: count}}``; when the programme exists, nothing is written and ``created``
    is ``False``. Everything runs in one transaction: a failure leaves no half-loaded programme.
    """
    async with write_transaction():
        existing = await Programme.select(Programme.id).where(Programme.slug == PROGRAMME_SLUG).first()
        if existing is not None:
            return await _summary(existing["id"], created=False)
        programme = await services.create_programme(
            actor,
            schemas.ProgrammeCreate(
                slug=PROGRAMME_SLUG, title=PROGRAMME_TITLE, description=PROGRAMME_DESCRIPTION
            ),
        )
        for plan in event_plans():
            event = await services.create_event(actor, _event_create(plan, programme.id))
            for day, slots in plan.days.items():
                for slot in slots:
                    await services.create_session(actor, event.id, _session_create(day, slot))
        return await _summary(programme.id, created=True)


# --- visit sites -------------------------------------------------------------------------------

UNVERIFIED_NOTE = (
    "Source: ASAN press releases, collected November 2026. Address and opening hours NOT verified: "
    "an organiser must check them with ASAN before scheduling a visit. Demo opening hours (invented, "
    "plausible): Monday to Saturday, 09:00-19:00."
)


def asan_centres() -> list[dict[str, str]]:
    """The ASAN service centres of ``data/asan_centres.csv`` (pure: no database)."""
    with ASAN_CENTRES_CSV.open(encoding="utf-8", newline="") as handle:
        return [
            {key: (value or "").strip() for key, value in row.items()}
            for row in csv.DictReader(handle)
            if (row.get("name") or "").strip()
        ]


def _site_notes(fact: str) -> str:
    if not fact:
        return UNVERIFIED_NOTE
    return f"{fact[0].upper()}{fact[1:]}.\n{UNVERIFIED_NOTE}"


async def load_sites(actor: Actor) -> int:
    """Add the ASAN centres as visit sites (country AZE, address empty and unverified).

    Names that exist already are skipped; each new site gets a ``site.created`` audit entry.
    Returns how many sites were added.
    """
    if not actor.is_programme_organiser:
        raise PermissionDenied("Only programme organisers add visit sites")
    inserted = 0
    async with write_transaction():
        existing = {row["name"] for row in await Site.select(Site.name)}
        for centre in asan_centres():
            if centre["name"] in existing:
                continue
            site = Site(
                name=centre["name"],
                city=centre["city"],
                country="AZE",
                address="",
                notes=_site_notes(centre.get("fact", "")),
                address_verified=False,
            )
            await site.save()
            await record(
                actor, "site.created", "site", site.id, data={"name": centre["name"], "source": "demo"}
            )
            existing.add(centre["name"])
            inserted += 1
    return inserted
