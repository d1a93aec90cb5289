"""Demo travel for the Baku symposium: the travel settings (airport GYD, a budget), fare estimates,
about twenty funded participants with their decisions, flights from their capitals through Doha,
Istanbul or Dubai, a hotel block with single, twin and accessible rooms, the rooms given out,
two airport vehicles with pick-up and drop-off runs, the Baku DSA rate and the DSA worked out.

Written straight to the travel tables (data only, no services), deterministic for a seed, and
consistent with the rules the organiser's services apply: a room for exactly the nights from
arrival to departure (Baku dates), accessible rooms for step-free needs, twin rooms shared only by
two participants who both accepted sharing, vehicles within their seats and step-free seats, DSA =
nights × rate less the accommodation reduction for those whose room is paid. Flight numbers and
times are plausible, not real schedules; the hotel and its address are invented.
"""

from __future__ import annotations

import datetime
import functools
import math
import random
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import airportsdata

from events.db import write_transaction
from events.programme.tables import Event
from events.registration.tables import Registration, RegistrationStatus
from events.travel import funding
from events.travel.tables import (
    DsaPayment,
    DsaRate,
    FareEstimate,
    FlightSegment,
    FundingDecision,
    FundingLevel,
    Hotel,
    RoomAllocation,
    RoomBlock,
    RoomType,
    TransferRider,
    TransferRun,
    TravelPreference,
    TravelSettings,
)
from events.visits.tables import Vehicle

BAKU_SLUG = "baku-symposium-2027"
BAKU = ZoneInfo("Asia/Baku")
UTC = datetime.UTC
FUNDED = 20
DSA_RATE = Decimal("229.00")
KEY_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
EXIT_MINUTES = 45
WAIT_MINUTES = 60


@dataclass(frozen=True)
class Hub:
    """The last leg into Baku and the first leg home (UTC instants)."""

    carrier: str
    number_in: str
    departs_in: datetime.datetime
    minutes_in: int
    number_out: str
    departs_out: datetime.datetime
    minutes_out: int


def _utc(text: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(text).replace(tzinfo=UTC)


HUBS = {
    # Qatar Airways through Doha: lands at GYD at 07:00 Baku time on 3 October.
    "DOH": Hub("QR", "353", _utc("2027-10-03T00:10"), 170, "354", _utc("2027-10-08T04:20"), 175),
    # Turkish Airlines through Istanbul: lands at 03:45 Baku time on 3 October.
    "IST": Hub("TK", "334", _utc("2027-10-02T20:40"), 185, "335", _utc("2027-10-08T05:10"), 200),
    # flydubai through Dubai: lands at 12:20 Baku time on 3 October.
    "DXB": Hub("FZ", "711", _utc("2027-10-03T05:25"), 175, "712", _utc("2027-10-08T09:20"), 180),
}

#: Country (ISO3) → the airport of its capital (or main international airport) and the hub it
#: flies through to Baku. Azerbaijan's own participants do not fly.
GATEWAYS: dict[str, tuple[str, str]] = {
    code: (airport, hub)
    for code, airport, hub in (
        entry.split()
        for entry in (
            "AGO LAD DXB; BEN COO IST; BFA OUA IST; BDI BJM DOH; CAF BGF IST; TCD NDJ IST; COM HAH DXB; "
            "COD FIH IST; DJI JIB DXB; ERI ASM DXB; ETH ADD IST; GMB BJL IST; GIN CKY IST; GNB OXB IST; "
            "LSO MSU DOH; LBR ROB IST; MDG TNR IST; MWI LLW DOH; MLI BKO IST; MRT NKC IST; MOZ MPM DOH; "
            "NER NIM IST; RWA KGL DOH; SEN DSS IST; SLE FNA IST; SOM MGQ DXB; SSD JUB DXB; SDN PZU DXB; "
            "TGO LFW IST; UGA EBB DOH; TZA DAR DOH; ZMB LUN DOH; AFG KBL DXB; BGD DAC DOH; KHM KTI DOH; "
            "LAO VTE DOH; MMR RGN DOH; NPL KTM DOH; TLS DIL DOH; YEM ADE DXB; HTI PAP IST; KIR TRW DOH; "
            "SLB HIR DOH; TUV FUN DOH; BTN PBH DOH; STP TMS IST; ARM EVN IST; BOL VVI IST; BWA GBE DOH; "
            "SWZ SHO DOH; KAZ ALA IST; KGZ BSZ IST; MNG UBN IST; MKD SKP IST; PRY ASU IST; MDA RMO IST; "
            "TJK DYU IST; TKM ASB IST; UZB TAS IST; ZWE HRE DXB; ATG ANU IST; BHS NAS IST; BRB BGI IST; "
            "BLZ BZE IST; CPV RAI IST; CUB HAV IST; DMA DOM IST; DOM SDQ IST; FJI NAN DOH; GRD GND IST; "
            "GUY GEO IST; JAM KIN IST; MDV MLE DOH; MHL MAJ DOH; MUS MRU DXB; FSM PNI DOH; NRU INU DOH; "
            "PLW ROR DOH; PNG POM DOH; KNA SKB IST; LCA UVF IST; VCT SVD IST; WSM APW DOH; SYC SEZ DXB; "
            "SGP SIN DOH; SUR PBM IST; TON TBU DOH; TTO POS IST; VUT VLI DOH"
        ).split("; ")
    )
}


@functools.cache
def _airports() -> dict:
    return airportsdata.load("IATA")


def _kilometres(one: str, other: str) -> float:
    a, b = _airports()[one], _airports()[other]
    lat1, lon1, lat2, lon2 = map(math.radians, (a["lat"], a["lon"], b["lat"], b["lon"]))
    cos = math.sin(lat1) * math.sin(lat2) + math.cos(lat1) * math.cos(lat2) * math.cos(lon2 - lon1)
    return 6371 * math.acos(max(-1.0, min(1.0, cos)))


def _route(country: str) -> tuple[str, str, str, str, str, int, int]:
    """The airport, hub, first leg's carrier, its numbers out and back, minutes in the air (about
    820 km/h plus taxiing) and the estimated return fare in USD (a plain distance formula)."""
    airport, hub = GATEWAYS[country]
    carrier = {"DOH": "QR", "IST": "TK", "DXB": "FZ"}[hub]
    number = 100 + sum(ord(ch) * (n + 7) for n, ch in enumerate(airport)) % 800 * 2
    kilometres = _kilometres(airport, hub)
    minutes = round(kilometres / 820 * 60 + 25)
    fare = 350 + round((kilometres + _kilometres(hub, "GYD")) * 0.11, -1)
    return airport, hub, carrier, str(number + 1), str(number), minutes, int(fare)


ROUTES = {country: _route(country) for country in GATEWAYS}
LEVEL_CYCLE = (
    FundingLevel.full,
    FundingLevel.full,
    FundingLevel.ticket_dsa,
    FundingLevel.full,
    FundingLevel.ticket,
)


def _key(rng: random.Random, prefix: str) -> str:
    return prefix + "".join(rng.choice(KEY_ALPHABET) for _ in range(10))


def _baku_date(value: datetime.datetime) -> datetime.date:
    return value.astimezone(BAKU).date()


def _segments(registration_id: int, country: str, booking: str) -> list[FlightSegment]:
    airport, hub_code, carrier, number_in, number_out, minutes, _ = ROUTES[country]
    hub = HUBS[hub_code]
    # Inbound: land at the hub 2 h 10 min before the connection to Baku.
    first_lands = hub.departs_in - datetime.timedelta(minutes=130)
    first_departs = first_lands - datetime.timedelta(minutes=minutes)
    gyd_lands = hub.departs_in + datetime.timedelta(minutes=hub.minutes_in)
    # Outbound: the connection home leaves the hub 2 h 30 min after landing there.
    hub_lands = hub.departs_out + datetime.timedelta(minutes=hub.minutes_out)
    home_departs = hub_lands + datetime.timedelta(minutes=150)
    legs = [
        ("inbound", carrier, number_in, airport, hub_code, first_departs, first_lands),
        ("inbound", hub.carrier, hub.number_in, hub_code, "GYD", hub.departs_in, gyd_lands),
        ("outbound", hub.carrier, hub.number_out, "GYD", hub_code, hub.departs_out, hub_lands),
        (
            "outbound",
            carrier,
            number_out,
            hub_code,
            airport,
            home_departs,
            home_departs + datetime.timedelta(minutes=minutes),
        ),
    ]
    return [
        FlightSegment(
            registration=registration_id,
            direction=direction,
            carrier=code,
            flight_number=number,
            from_airport=origin,
            to_airport=destination,
            departs_at=departs,
            arrives_at=arrives,
            booking_reference=booking,
        )
        for direction, code, number, origin, destination, departs, arrives in legs
    ]


async def _funded_people(event_id: int) -> list[dict]:
    """Approved registrations that asked for funding and come from a capital with a demo route."""
    rows = (
        await Registration.select()
        .where(
            Registration.event == event_id,
            Registration.status == RegistrationStatus.approved.value,
            Registration.funding_requested.eq(True),
        )
        .order_by(Registration.id)
        .output(load_json=True)
    )
    usable = [row for row in rows if row["country_represented"] in ROUTES]
    return usable[:FUNDED]


async def load_demo_travel(*, seed: int = 2027) -> dict[str, Any]:
    """The Baku symposium's travel; does nothing when the event is missing or has travel settings."""
    event = await Event.select().where(Event.slug == BAKU_SLUG).first()
    if event is None or await TravelSettings.exists().where(TravelSettings.event == event["id"]):
        return {"created": False}
    event_id = event["id"]
    rng = random.Random(seed)
    async with write_transaction():
        people = await _funded_people(event_id)
        await TravelSettings.insert(
            TravelSettings(
                event=event_id,
                currency="USD",
                budget=Decimal("60000.00"),
                airport="GYD",
                transfer_window_minutes=90,
                transfer_wait_minutes=WAIT_MINUTES,
                dsa_accommodation_reduction=50,
            )
        )
        await FareEstimate.insert(
            *(
                FareEstimate(event=event_id, country=country, amount=Decimal(route[6]))
                for country, route in sorted(ROUTES.items())
            )
        )
        if not await DsaRate.exists().where(DsaRate.country == "AZE", DsaRate.city == "Baku"):
            await DsaRate.insert(
                DsaRate(country="AZE", city="Baku", valid_from=datetime.date(2027, 9, 1), amount=DSA_RATE)
            )
        hotel = (
            await Hotel.insert(
                Hotel(
                    event=event_id,
                    name="Caspian Boulevard Hotel (demo)",
                    address="Neftchilar Avenue, Baku (invented for the demo)",
                    city="Baku",
                    contact_email="reservations@example.org",
                    contact_phone="+994 12 000 00 00",
                )
            )
        )[0]["id"]
        room_types = {}
        for name, occupancy, accessible, rooms, rate in (
            ("Single room", 1, False, 14, Decimal("120.00")),
            ("Twin room", 2, False, 6, Decimal("150.00")),
            ("Accessible single room", 1, True, 2, Decimal("120.00")),
        ):
            room_type = (
                await RoomType.insert(
                    RoomType(
                        hotel=hotel,
                        name=name,
                        occupancy=occupancy,
                        accessible=accessible,
                        nightly_rate=rate,
                        currency="USD",
                    )
                )
            )[0]["id"]
            room_types[name] = room_type
            await RoomBlock.insert(
                *(
                    RoomBlock(
                        room_type=room_type,
                        night=datetime.date(2027, 10, 2) + datetime.timedelta(days=n),
                        rooms=rooms,
                    )
                    for n in range(6)
                )
            )
        fleet = []
        for name, seats, step_free, driver, phone in (
            ("Airport minibus", 16, 0, "Rashad Aliyev", "+994 50 000 00 01"),
            ("Airport van, step-free", 6, 2, "Leyla Mammadova", "+994 50 000 00 02"),
        ):
            vehicle = Vehicle(
                event=event_id,
                key=_key(rng, "VH-"),
                name=name,
                seats=seats,
                step_free_seats=step_free,
                driver_name=driver,
                driver_phone=phone,
            )
            fleet.append((await Vehicle.insert(vehicle))[0]["id"])
        minibus, van = fleet

        funded: list[dict] = []
        counts = {level.value: 0 for level in FundingLevel}
        for n, person in enumerate(people):
            level = LEVEL_CYCLE[n % len(LEVEL_CYCLE)]
            registration_id = person["id"]
            country = person["country_represented"]
            segments = _segments(registration_id, country, _key(rng, "")[:6])
            await FlightSegment.insert(*segments)
            inbound = [s for s in segments if s.direction == "inbound"]
            outbound = [s for s in segments if s.direction == "outbound"]
            arrives, leaves = inbound[-1].arrives_at, outbound[0].departs_at
            nights = (_baku_date(leaves) - _baku_date(arrives)).days
            dsa = DSA_RATE * nights if level != FundingLevel.ticket else Decimal("0")
            await FundingDecision.insert(
                FundingDecision(
                    registration=registration_id,
                    event=event_id,
                    level=level.value,
                    reason="Demo: official from an LDC, LLDC or SIDS",
                    estimated_cost=Decimal(ROUTES[country][6]) + dsa,  # priced below, once all is in
                )
            )
            counts[level.value] += 1
            await Registration.update(
                {Registration.arrival_at: arrives, Registration.departure_at: leaves}
            ).where(Registration.id == registration_id)
            step_free = "step_free_access" in (person["accessibility"] or [])
            await TravelPreference.insert(
                TravelPreference(
                    registration=registration_id,
                    accepts_sharing=(n % 3 == 0) and not step_free,
                    itinerary_confirmed_at=datetime.datetime(2027, 9, 20, 9, 0, tzinfo=UTC)
                    if n % 2
                    else None,
                )
            )
            funded.append(
                {
                    "id": registration_id,
                    "level": level,
                    "hub": ROUTES[country][1],
                    "arrives": arrives,
                    "leaves": leaves,
                    "nights": nights,
                    "step_free": step_free,
                    "sharing": (n % 3 == 0) and not step_free,
                    "inbound": inbound[-1],
                    "outbound": outbound[0],
                }
            )
        # Segment ids, for the riders.
        for person in funded:
            rows = await FlightSegment.select(
                FlightSegment.id, FlightSegment.to_airport, FlightSegment.from_airport
            ).where(FlightSegment.registration == person["id"])
            person["inbound_id"] = next(r["id"] for r in rows if r["to_airport"] == "GYD")
            person["outbound_id"] = next(r["id"] for r in rows if r["from_airport"] == "GYD")

        # Rooms: the full-funded only, for exactly their nights; accessible first; twins by consent.
        rooms = 0
        labels = {"Single room": 0, "Twin room": 0, "Accessible single room": 0}
        hosted = [p for p in funded if p["level"] == FundingLevel.full]
        hosted.sort(key=lambda p: (not p["step_free"], p["id"]))
        sharers: list[dict] = []
        for person in hosted:
            if person["step_free"] and labels["Accessible single room"] < 2:
                kind = "Accessible single room"
            elif person["sharing"]:
                sharers.append(person)
                continue
            else:
                kind = "Single room"
            labels[kind] += 1
            await _allocate(person, room_types[kind], f"{kind[0]}{labels[kind]:02d}")
            rooms += 1
        # Pair sharers with the same nights; one left over gets a twin room alone.
        while sharers:
            first = sharers.pop(0)
            mate = next(
                (p for p in sharers if (p["arrives"], p["leaves"]) == (first["arrives"], first["leaves"])),
                None,
            )
            labels["Twin room"] += 1
            label = f"T{labels['Twin room']:02d}"
            await _allocate(first, room_types["Twin room"], label)
            rooms += 1
            if mate is not None:
                sharers.remove(mate)
                await _allocate(mate, room_types["Twin room"], label)

        # Transfers: one pick-up per hub flight (step-free riders in the van), one drop-off each.
        runs = 0
        for hub_code in sorted({p["hub"] for p in funded}):
            group = [p for p in funded if p["hub"] == hub_code]
            lands = group[0]["inbound"].arrives_at
            departs = group[0]["outbound"].departs_at
            for direction, vehicle, riders in (
                ("arrival", van, [p for p in group if p["step_free"]]),
                ("arrival", minibus, [p for p in group if not p["step_free"]]),
                ("departure", van, [p for p in group if p["step_free"]]),
                ("departure", minibus, [p for p in group if not p["step_free"]]),
            ):
                # The van's riders all need a step-free seat: two a run.
                size = 2 if vehicle == van else 16
                for start in range(0, len(riders), size):
                    chunk = riders[start : start + size]
                    if not chunk:
                        continue
                    if direction == "arrival":
                        leaves_at = lands + datetime.timedelta(minutes=EXIT_MINUTES)
                        waits_until = leaves_at + datetime.timedelta(minutes=WAIT_MINUTES)
                        meeting = "GYD arrivals hall, exit 2: look for the symposium sign"
                    else:
                        leaves_at = departs - datetime.timedelta(hours=3)
                        waits_until = None
                        meeting = "Hotel lobby, Caspian Boulevard Hotel"
                    run = (
                        await TransferRun.insert(
                            TransferRun(
                                event=event_id,
                                direction=direction,
                                vehicle=vehicle,
                                key=_key(rng, "TR-"),
                                leaves_at=leaves_at,
                                waits_until=waits_until,
                                meeting_point=meeting,
                                contact_phone="+994 50 000 00 10",
                            )
                        )
                    )[0]["id"]
                    runs += 1
                    await TransferRider.insert(
                        *(
                            TransferRider(
                                run=run,
                                registration=p["id"],
                                segment=p["inbound_id"] if direction == "arrival" else p["outbound_id"],
                                step_free=p["step_free"],
                            )
                            for p in chunk
                        )
                    )

        # DSA: nights × rate, less the accommodation reduction where the programme pays the room.
        for person in funded:
            if person["level"] == FundingLevel.ticket:
                continue
            reduction = 50 if person["level"] == FundingLevel.full else 0
            amount = (DSA_RATE * person["nights"] * (100 - reduction) / 100).quantize(Decimal("0.01"))
            await DsaPayment.insert(
                DsaPayment(
                    registration=person["id"],
                    event=event_id,
                    nights=person["nights"],
                    rate=DSA_RATE,
                    reduction_percent=reduction,
                    amount=amount,
                    currency="USD",
                )
            )
        # The decisions priced as the service prices them: fare, DSA and the rooms given out.
        await funding.reprice_event(event_id)
    return {"created": True, "funded": len(funded), "levels": counts, "rooms": rooms, "runs": runs}


async def _allocate(person: dict, room_type: int, label: str) -> None:
    await RoomAllocation.insert(
        RoomAllocation(
            registration=person["id"],
            room_type=room_type,
            check_in=_baku_date(person["arrives"]),
            check_out=_baku_date(person["leaves"]),
            room_label=label,
        )
    )
