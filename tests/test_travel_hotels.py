"""Hotel room blocks: the allocation rules (exact nights, accessible rooms first, sharing only by
consent, nobody gets part of a stay), bad block input, the rooming list as PDF and XLSX (names in
Latin script), and the API refusing other events' organisers."""

from __future__ import annotations

import datetime
import io

import openpyxl
import pypdf
import pytest

from events.audit.tables import AuditEntry
from events.errors import Conflict, InvalidInput
from events.registration.tables import Registration
from events.travel import allocation, hotels, rooming, schemas
from events.travel.allocation import Block, Guest, allocate_rooms
from events.travel.tables import FundingDecision, RoomAllocation, RoomBlock, TravelPreference
from tests.test_visits_api import register
from tests.test_web import sign_in_organiser

D = datetime.date
BAKU = datetime.timezone(datetime.timedelta(hours=4))


def block(
    type_id: int, rooms: int, first: int = 10, mornings: int = 17, *, occupancy=1, accessible=False, hotel=1
):
    return Block(
        room_type_id=type_id,
        hotel_id=hotel,
        occupancy=occupancy,
        accessible=accessible,
        rooms={D(2027, 10, day): rooms for day in range(first, mornings)},
    )


def guest(reg_id: int, arrive: int = 12, leave: int = 15, **kw) -> Guest:
    return Guest(reg_id, f"Guest {reg_id}", D(2027, 10, arrive), D(2027, 10, leave), **kw)


# --- the pure allocation ---------------------------------------------------------------------------


def test_exact_nights_from_the_arrival_night_to_the_departure_morning():
    outcome = allocate_rooms([guest(1)], [block(1, 1)])
    (placed,) = outcome.placements
    assert (placed.check_in, placed.check_out) == (D(2027, 10, 12), D(2027, 10, 15))
    # the block is used on the nights of the 12th, 13th and 14th only: a second guest for 15-16 fits
    outcome = allocate_rooms([guest(1), guest(2, 15, 16)], [block(1, 1)])
    assert len(outcome.placements) == 2 and not outcome.not_placed


def test_accessible_rooms_go_to_those_who_need_them_first_when_scarce():
    early = guest(1, 11, 15)  # arrives first, needs nothing
    needs = guest(2, 12, 15, needs_accessible=True)
    blocks = [block(1, 1, accessible=True)]
    outcome = allocate_rooms([early, needs], blocks)
    assert [p.registration_id for p in outcome.placements] == [2]
    assert [(n.registration_id, n.reason) for n in outcome.not_placed] == [(1, allocation.FULL)]
    # someone who needs an accessible room never gets another one
    outcome = allocate_rooms([needs], [block(1, 5)])
    assert outcome.not_placed[0].reason == allocation.NO_ACCESSIBLE_ROOM
    # and the others prefer the rooms that are not accessible
    outcome = allocate_rooms([early], [block(1, 1, accessible=True), block(2, 1)])
    assert outcome.placements[0].room_type_id == 2


def test_sharing_only_by_consent_and_with_identical_nights():
    twin = [block(1, 1, occupancy=2)]
    a = guest(1, accepts_sharing=True, gender="female")
    b = guest(2, accepts_sharing=True, gender="female")
    outcome = allocate_rooms([a, b], twin)
    assert {p.room_label for p in outcome.placements} == {"R001"} and len(outcome.placements) == 2
    # a participant who did not consent never shares, even in a twin with room to spare
    c = guest(3, gender="female")
    outcome = allocate_rooms([c, a], twin)
    assert [p.registration_id for p in outcome.placements] == [1]
    assert [(n.registration_id, n.reason) for n in outcome.not_placed] == [(3, allocation.FULL)]
    outcome = allocate_rooms([a, c], [block(1, 2, occupancy=2)])
    assert len({p.room_label for p in outcome.placements}) == 2
    # different nights or different genders: separate rooms
    outcome = allocate_rooms([a, guest(4, 12, 16, accepts_sharing=True, gender="female")], twin)
    assert len(outcome.placements) == 1
    outcome = allocate_rooms([a, guest(5, accepts_sharing=True, gender="male")], twin)
    assert len(outcome.placements) == 1


def test_a_block_smaller_than_the_nights_asked_reports_the_guest_and_gives_nothing():
    short = [block(1, 3, first=12, mornings=14)]  # nights of the 12th and 13th only
    outcome = allocate_rooms([guest(1, 12, 15)], short)
    assert outcome.placements == []
    (missing,) = outcome.not_placed
    assert missing.reason == allocation.OUTSIDE_BLOCK and missing.nights == (D(2027, 10, 14),)
    # never more than a night's block
    outcome = allocate_rooms([guest(1), guest(2), guest(3, 14, 15)], [block(1, 2)])
    assert [n.registration_id for n in outcome.not_placed] == [3]
    assert (
        outcome.not_placed[0].nights == (D(2027, 10, 14),) and outcome.not_placed[0].reason == allocation.FULL
    )


def test_missing_or_backwards_dates_are_reported_and_the_answer_is_deterministic():
    people = [
        Guest(1, "No dates", None, None),
        guest(2, 15, 12),
        *[guest(n, 12, 15) for n in range(3, 9)],
    ]
    outcome = allocate_rooms(people, [block(1, 4)])
    reasons = {n.registration_id: n.reason for n in outcome.not_placed}
    assert reasons[1] == allocation.NO_DATES and reasons[2] == allocation.NO_NIGHTS
    assert allocate_rooms(list(reversed(people)), [block(1, 4)]) == outcome


def test_latin_names_for_the_hotel():
    assert rooming.guest_name("Amina", "Moussa", "") == ("MOUSSA, Amina", True)
    assert rooming.guest_name("Ганбаатар", "Бат", "BAT GANBAATAR") == ("BAT GANBAATAR", True)
    assert rooming.guest_name("明", "王", "") == ("王, 明", False)


# --- the service, the rooming list and the API -------------------------------------------------------


async def funded(event_id: int, email: str, arrive: str, leave: str, **fields) -> int:
    sharing = fields.pop("accepts_sharing", False)
    level = fields.pop("level", "full")
    reg_id = await register(event_id, email)
    await Registration.update(
        {
            Registration.arrival_at: datetime.datetime.fromisoformat(arrive).replace(tzinfo=BAKU),
            Registration.departure_at: datetime.datetime.fromisoformat(leave).replace(tzinfo=BAKU),
            **{getattr(Registration, k): v for k, v in fields.items()},
        }
    ).where(Registration.id == reg_id)
    await FundingDecision.insert(FundingDecision(registration=reg_id, event=event_id, level=level))
    await TravelPreference.insert(TravelPreference(registration=reg_id, accepts_sharing=sharing))
    return reg_id


async def hotel_with_block(actor, event_id: int, rooms: int = 2, occupancy: int = 1, accessible=False):
    hotel = await hotels.create_hotel(actor, event_id, schemas.HotelCreate(name="Hotel Caspian", city="Baku"))
    room_type = await hotels.create_room_type(
        actor,
        event_id,
        hotel.id,
        schemas.RoomTypeCreate(name="Twin", occupancy=occupancy, accessible=accessible),
    )
    await hotels.set_block(
        actor,
        event_id,
        room_type.id,
        hotels.range_nights(
            schemas.BlockRange(check_in=D(2027, 10, 11), check_out=D(2027, 10, 16), rooms=rooms)
        ),
    )
    return hotel, room_type


async def test_allocate_stores_rooms_for_funded_participants_in_the_event_zone(event, event_organiser):
    actor = event_organiser.actor
    hotel, _ = await hotel_with_block(actor, event.id, rooms=1, occupancy=2)
    # arrives on the 12th at 01:30 Baku time (the 11th in UTC): the night of the 12th
    a = await funded(
        event.id,
        "a@example.org",
        "2027-10-12T01:30",
        "2027-10-15T10:00",
        accepts_sharing=True,
        gender="female",
    )
    b = await funded(
        event.id,
        "b@example.org",
        "2027-10-12T15:00",
        "2027-10-15T10:00",
        accepts_sharing=True,
        gender="female",
        given_names="Ганна",
        family_name="Шевченко",
        latin_name="SHEVCHENKO HANNA",
    )
    ticket_only = await funded(
        event.id, "c@example.org", "2027-10-12T15:00", "2027-10-15T10:00", level="ticket_dsa"
    )
    late = await funded(event.id, "d@example.org", "2027-10-14T15:00", "2027-10-17T10:00")
    outcome = await allocation.allocate(actor, event.id)
    assert outcome.placed == 2
    assert [(n.registration_id, n.reason, n.nights) for n in outcome.not_placed] == [
        (late, allocation.OUTSIDE_BLOCK, [D(2027, 10, 16)])
    ]
    stored = await allocation.list_allocations(actor, event.id)
    assert {(s.registration_id, s.check_in, s.check_out) for s in stored} == {
        (a, D(2027, 10, 12), D(2027, 10, 15)),
        (b, D(2027, 10, 12), D(2027, 10, 15)),
    }
    assert {tuple(s.sharing_with) for s in stored} == {(a,), (b,)}
    assert ticket_only not in {s.registration_id for s in stored}
    assert [n.registration_id for n in await allocation.not_placed(actor, event.id)] == [late]

    # running again replaces, and gives the same rooms
    before = [
        (r["registration"], r["room_label"])
        for r in await RoomAllocation.select().order_by(RoomAllocation.id)
    ]
    await allocation.allocate(actor, event.id)
    after = [
        (r["registration"], r["room_label"])
        for r in await RoomAllocation.select().order_by(RoomAllocation.id)
    ]
    assert sorted(before) == sorted(after) and len(after) == 2
    assert await AuditEntry.count().where(AuditEntry.action == "travel.hotels.allocated") == 2

    # the rooming list: XLSX read back, PDF text, the Cyrillic name in Latin script
    listing = await allocation.rooming_list(actor, event.id, hotel.id)
    sheet = openpyxl.load_workbook(io.BytesIO(rooming.xlsx(listing))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == rooming.COLUMNS
    by_name = {row[0]: row for row in rows[1:]}
    assert set(by_name) == {"SHEVCHENKO HANNA", "MOUSSA, Amina"}
    hanna = by_name["SHEVCHENKO HANNA"]
    assert hanna[1].date() == D(2027, 10, 12) and hanna[2].date() == D(2027, 10, 15) and hanna[3] == 3
    assert hanna[4] == "Twin" and hanna[5] == "MOUSSA, Amina" and "Arrives 15:00" in hanna[8]
    text = "".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(rooming.pdf(listing))).pages)
    assert "SHEVCHENKO HANNA" in text and "Шевченко" not in text and "2027-10-15" in text
    assert "Rooming list: Hotel Caspian" in text

    # a participant who withdraws leaves the list (their room is freed by the next allocation)
    await Registration.update({Registration.status: "cancelled"}).where(Registration.id == b)
    listing = await allocation.rooming_list(actor, event.id, hotel.id)
    assert [row.guest for row in listing.rows] == ["MOUSSA, Amina"] and listing.rows[0].sharing_with == ""


async def test_bad_block_input_is_refused_with_nothing_written(event, event_organiser):
    actor = event_organiser.actor
    _, room_type = await hotel_with_block(actor, event.id)
    before = await RoomBlock.count()
    with pytest.raises(InvalidInput) as negative:
        await hotels.set_block(actor, event.id, room_type.id, {D(2027, 10, 12): 3, D(2027, 10, 13): -1})
    assert [e.field for e in negative.value.errors] == ["nights.2027-10-13"]
    with pytest.raises(InvalidInput) as negative:
        hotels.range_nights(schemas.BlockRange(check_in=D(2027, 10, 12), check_out=D(2027, 10, 15), rooms=-2))
    assert negative.value.errors[0].field == "rooms"
    with pytest.raises(InvalidInput) as backwards:
        hotels.range_nights(schemas.BlockRange(check_in=D(2027, 10, 15), check_out=D(2027, 10, 12), rooms=1))
    assert backwards.value.errors[0].field == "check_out"
    assert await RoomBlock.count() == before


async def test_the_api_and_other_events_organisers(client, event, event_organiser, other_organiser):
    api = f"/api/v1/events/{event.id}/travel"
    headers = event_organiser.headers
    created = await client.post(f"{api}/hotels", json={"name": "Hotel Caspian"}, headers=headers)
    assert created.status_code == 201, created.text
    hotel_id = created.json()["id"]
    typed = await client.post(
        f"{api}/hotels/{hotel_id}/room-types", json={"name": "Single", "occupancy": 1}, headers=headers
    )
    assert typed.status_code == 201, typed.text
    type_id = typed.json()["id"]
    bad = await client.put(
        f"{api}/room-types/{type_id}/block",
        json={"check_in": "2027-10-14", "check_out": "2027-10-12", "rooms": 2},
        headers=headers,
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "check_out"
    ok = await client.put(
        f"{api}/room-types/{type_id}/block",
        json={"check_in": "2027-10-12", "check_out": "2027-10-14", "rooms": 2},
        headers=headers,
    )
    assert ok.status_code == 200 and ok.json()["nights"] == {"2027-10-12": 2, "2027-10-13": 2}
    assert (await client.post(f"{api}/rooms/allocate", headers=headers)).json()["placed"] == 0
    xlsx = await client.get(f"{api}/hotels/{hotel_id}/rooming-list.xlsx", headers=headers)
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    other = other_organiser.headers
    for method, path in (
        ("GET", f"{api}/hotels"),
        ("POST", f"{api}/rooms/allocate"),
        ("GET", f"{api}/hotels/{hotel_id}/rooming-list.pdf"),
    ):
        assert (await client.request(method, path, headers=other)).status_code == 403
    with pytest.raises(Exception) as refused:
        await allocation.allocate(other_organiser.actor, event.id)
    assert getattr(refused.value, "status_code", None) == 403


# --- the console pages -------------------------------------------------------------------------------


async def test_console_pages_add_a_hotel_a_room_type_a_block_and_allocate(
    client, event, event_organiser, other_organiser
):
    base = f"/organiser/events/{event.id}/travel/hotels"
    await sign_in_organiser(client, event_organiser)
    blank = await client.post(base, data={"name": " "})
    assert blank.status_code == 422 and 'id="field-name-error"' in blank.text
    added = await client.post(base, data={"name": "Hotel Caspian", "city": "Baku"})
    assert added.status_code == 303
    hotel_page = added.headers["location"]
    hotel_id = int(hotel_page.rsplit("/", 1)[1])
    bad_type = await client.post(f"{base}/{hotel_id}/room-types", data={"name": "Twin", "occupancy": "-1"})
    assert bad_type.status_code == 422 and 'id="field-occupancy-error"' in bad_type.text
    typed = await client.post(f"{base}/{hotel_id}/room-types", data={"name": "Twin", "occupancy": "2"})
    assert typed.status_code == 303
    block_page = typed.headers["location"]
    backwards = await client.post(
        f"{block_page}/range", data={"check_in": "2027-10-15", "check_out": "2027-10-12", "rooms": "3"}
    )
    assert backwards.status_code == 422 and 'id="field-check_out-error"' in backwards.text
    negative = await client.post(
        f"{block_page}/nights", data={"night-2027-10-12": "-3", "night-2027-10-13": "2"}
    )
    assert negative.status_code == 422 and 'id="field-night-2027-10-12-error"' in negative.text
    assert await RoomBlock.count() == 0
    saved = await client.post(
        f"{block_page}/range", data={"check_in": "2027-10-11", "check_out": "2027-10-16", "rooms": "3"}
    )
    assert saved.status_code == 303
    edited = await client.post(
        f"{block_page}/nights", data={"night-2027-10-11": "0", "night-2027-10-12": "4"}
    )
    assert edited.status_code == 303
    counts = {r["night"]: r["rooms"] for r in await RoomBlock.select()}
    assert counts == {D(2027, 10, d): n for d, n in ((12, 4), (13, 3), (14, 3), (15, 3))}
    reg = await funded(event.id, "a@example.org", "2027-10-12T15:00", "2027-10-15T10:00")
    late = await funded(event.id, "b@example.org", "2027-10-10T15:00", "2027-10-13T10:00")
    allocated = await client.post(f"{base}/allocate")
    assert allocated.status_code == 303 and allocated.headers["location"].endswith("/hotels/rooms")
    rooms = await client.get(allocated.headers["location"])
    assert rooms.status_code == 200
    assert "The room block holds no suitable room on these nights." in rooms.text
    assert [r["registration"] for r in await RoomAllocation.select()] == [reg] and late != reg
    pdf = await client.get(f"{base}/{hotel_id}/rooming-list.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    # a room type with rooms given out, and so its hotel, are not deleted: the reason is shown
    type_id = int(block_page.rsplit("/", 1)[1])
    kept = await client.post(f"{base}/room-types/{type_id}/delete", follow_redirects=True)
    assert "1 room(s) of type" in kept.text and await RoomBlock.count() == 4
    kept = await client.post(f"{base}/{hotel_id}/delete", follow_redirects=True)
    assert "has 1 room type(s)" in kept.text
    client.cookies.clear()
    await sign_in_organiser(client, other_organiser)
    assert (await client.get(base)).status_code == 403
    assert (await client.post(f"{base}/allocate")).status_code == 403


async def test_rooms_given_out_hold_the_block_and_the_room_type(event, event_organiser):
    actor = event_organiser.actor
    hotel, room_type = await hotel_with_block(actor, event.id, rooms=1)
    await funded(event.id, "a@example.org", "2027-10-12T15:00", "2027-10-15T10:00")
    assert (await allocation.allocate(actor, event.id)).placed == 1
    with pytest.raises(Conflict) as below:
        await hotels.set_block(actor, event.id, room_type.id, {D(2027, 10, 13): 0})
    assert "2027-10-13" in below.value.detail
    with pytest.raises(Conflict):
        await hotels.update_room_type(actor, event.id, room_type.id, schemas.RoomTypeUpdate(occupancy=2))
    with pytest.raises(Conflict):
        await hotels.delete_room_type(actor, event.id, room_type.id)
    with pytest.raises(Conflict):
        await hotels.delete_hotel(actor, event.id, hotel.id)
    renamed = await hotels.update_room_type(
        actor, event.id, room_type.id, schemas.RoomTypeUpdate(name="Single")
    )
    assert renamed.name == "Single" and renamed.allocated == 1
    # a night outside the stay may change; the audit keeps every change
    await hotels.set_block(actor, event.id, room_type.id, {D(2027, 10, 11): 0, D(2027, 10, 20): 2})
    assert (await hotels.get_hotel(actor, event.id, hotel.id)).room_types[0].nights == {
        D(2027, 10, d): n for d, n in ((12, 1), (13, 1), (14, 1), (15, 1), (20, 2))
    }
    actions = [r["action"] for r in await AuditEntry.select(AuditEntry.action).order_by(AuditEntry.id)]
    assert [a for a in actions if a.startswith("travel.hotels.")] == [
        "travel.hotels.hotel_created",
        "travel.hotels.room_type_created",
        "travel.hotels.block_set",
        "travel.hotels.allocated",
        "travel.hotels.room_type_updated",
        "travel.hotels.block_set",
    ]
