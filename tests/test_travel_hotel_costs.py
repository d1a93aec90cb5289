"""The hotel part of a ``full`` funding decision: room types have a nightly rate (amount and currency,
through the API and the console), the estimate counts the stay's nights × the cheapest rate until a
room is given, then the room's own nights and rate shared by its occupants, and every change of a
rate, a room type or the rooms given re-prices the decisions at once (audited)."""

from __future__ import annotations

from decimal import Decimal

from events.audit.tables import AuditEntry
from events.auth.tables import Role
from events.registration import moderation
from events.travel import allocation, funding, hotels, schemas
from events.travel.tables import FundingDecision, RoomType
from tests.factories import SYSTEM
from tests.test_travel_funding import register, registration_event_row
from tests.test_travel_hotels import funded, hotel_with_block
from tests.test_web import sign_in_organiser

API = "/api/v1"


async def cost(registration_id: int) -> Decimal:
    row = (
        await FundingDecision.select(FundingDecision.estimated_cost)
        .where(FundingDecision.registration == registration_id)
        .first()
    )
    return Decimal(str(row["estimated_cost"])).quantize(Decimal("0.01"))


async def entries(action: str) -> list[dict]:
    return (
        await AuditEntry.select()
        .where(AuditEntry.action == action)
        .order_by(AuditEntry.id)
        .output(load_json=True)
    )


async def _event_with_a_fare(client, make_event, make_account):
    """An event, its organiser (API token) and a 600.00 fare from Nepal; with the nights a stay
    counts before an itinerary is booked (the day before the event to the day after)."""
    event = await make_event()
    organiser = await make_account(Role.organiser, event.id)
    put = await client.put(
        f"{API}/events/{event.id}/travel/fares/NPL", json={"amount": "600.00"}, headers=organiser.headers
    )
    assert put.status_code == 200, put.text
    row = await registration_event_row(event.id)
    return event, organiser, (row["end_date"] - row["start_date"]).days + 2


async def test_a_full_decision_counts_the_stay_at_the_cheapest_rate_until_a_room_is_given(
    client, make_event, make_account
):
    event, organiser, nights = await _event_with_a_fare(client, make_event, make_account)
    headers = organiser.headers
    base = f"{API}/events/{event.id}/travel"
    full, ticket = (
        await register(event.id, "full@example.org"),
        await register(event.id, "ticket@example.org"),
    )
    for registration_id, level in ((full, "full"), (ticket, "ticket_dsa")):
        decided = await client.put(
            f"{API}/registrations/{registration_id}/travel/funding", json={"level": level}, headers=headers
        )
        assert decided.status_code == 200, decided.text
    assert await cost(full) == Decimal("600.00")  # no room type priced: the hotel counts 0

    hotel = (await client.post(f"{base}/hotels", json={"name": "Hotel Caspian"}, headers=headers)).json()
    types = f"{base}/hotels/{hotel['id']}/room-types"
    single = await client.post(types, json={"name": "Single", "nightly_rate": "120.00"}, headers=headers)
    assert single.status_code == 201, single.text
    assert single.json()["nightly_rate"] == "120.00" and single.json()["currency"] == "USD"
    assert await cost(full) == Decimal("600.00") + 120 * nights
    twin = await client.post(
        types, json={"name": "Twin", "occupancy": 2, "nightly_rate": "90", "currency": "usd"}, headers=headers
    )
    assert twin.json()["currency"] == "USD"
    euros = await client.post(
        types, json={"name": "Suite", "nightly_rate": "10.00", "currency": "EUR"}, headers=headers
    )
    assert euros.status_code == 201
    # the cheapest room in the budget's currency: a rate in euros cannot be added to a budget in dollars
    assert await cost(full) == Decimal("600.00") + 90 * nights
    assert await cost(ticket) == Decimal("600.00")  # ticket and DSA: no hotel

    changed = await client.patch(
        f"{base}/room-types/{twin.json()['id']}", json={"nightly_rate": "150.00"}, headers=headers
    )
    assert changed.status_code == 200 and changed.json()["nightly_rate"] == "150.00"
    assert await cost(full) == Decimal("600.00") + 120 * nights
    (updated,) = await entries("travel.hotels.room_type_updated")
    assert updated["data"]["nightly_rate"] == {"before": "90.00", "after": "150.00"}
    assert updated["data"]["decisions_repriced"] == 1
    cleared = await client.patch(
        f"{base}/room-types/{single.json()['id']}", json={"nightly_rate": None}, headers=headers
    )
    assert cleared.json()["nightly_rate"] is None
    assert await cost(full) == Decimal("600.00") + 150 * nights
    deleted = await client.delete(f"{base}/room-types/{twin.json()['id']}", headers=headers)
    assert deleted.status_code == 204
    assert await cost(full) == Decimal("600.00")  # only the suite in euros is priced now
    # a budget kept in euros counts the suite: the decisions follow the settings' currency
    settings = await client.put(f"{base}/settings", json={"currency": "EUR", "budget": "0"}, headers=headers)
    assert settings.status_code == 200, settings.text
    assert await cost(full) == Decimal("600.00") + 10 * nights

    for bad in ("-1", "12.345", "lots"):
        refused = await client.patch(
            f"{base}/room-types/{single.json()['id']}", json={"nightly_rate": bad}, headers=headers
        )
        assert refused.status_code in (400, 422), (bad, refused.text)
    refused = await client.patch(
        f"{base}/room-types/{single.json()['id']}", json={"nightly_rate": "-1"}, headers=headers
    )
    assert refused.status_code == 422 and "nightly_rate" in refused.text
    created = await entries("travel.hotels.room_type_created")
    assert [entry["data"]["nightly_rate"] for entry in created] == ["120.00", "90.00", "10.00"]
    assert [entry["data"]["decisions_repriced"] for entry in created] == [1, 1, 1]


async def test_the_funding_page_and_the_budget_show_the_hotel_apart(client, make_event, make_account):
    """A decision keeps its cost in parts (ticket, DSA, hotel) that add up to it; the budget sums
    them; the console page shows each decision's parts and the committed total's; a decision made
    before the parts were kept gets them worked out when read."""
    event, organiser, nights = await _event_with_a_fare(client, make_event, make_account)
    headers = organiser.headers
    base = f"{API}/events/{event.id}/travel"
    hotel = (await client.post(f"{base}/hotels", json={"name": "Hotel Caspian"}, headers=headers)).json()
    priced = await client.post(
        f"{base}/hotels/{hotel['id']}/room-types",
        json={"name": "Single", "nightly_rate": "110.00"},
        headers=headers,
    )
    assert priced.status_code == 201, priced.text
    full, ticket = await register(event.id, "f@example.org"), await register(event.id, "t@example.org")
    for registration_id, level in ((full, "full"), (ticket, "ticket")):
        decided = await client.put(
            f"{API}/registrations/{registration_id}/travel/funding", json={"level": level}, headers=headers
        )
        assert decided.status_code == 200, decided.text
    decision = (await client.get(f"{API}/registrations/{full}/travel/funding", headers=headers)).json()
    hotel_part = Decimal(110 * nights).quantize(Decimal("0.01"))
    assert Decimal(decision["ticket_cost"]) == Decimal("600.00")
    assert Decimal(decision["hotel_cost"]) == hotel_part
    parts = sum(Decimal(decision[name]) for name in ("ticket_cost", "dsa_cost", "hotel_cost"))
    assert parts == Decimal(decision["estimated_cost"])  # no DSA rate for the city: its part is 0
    only_ticket = (await client.get(f"{API}/registrations/{ticket}/travel/funding", headers=headers)).json()
    assert (only_ticket["dsa_cost"], only_ticket["hotel_cost"]) == ("0.00", "0.00")

    budget = (await client.get(f"{base}/budget", headers=headers)).json()
    assert Decimal(budget["committed_tickets"]) == Decimal("1200.00")
    assert Decimal(budget["committed_hotels"]) == hotel_part
    assert Decimal(budget["committed"]) == Decimal("1200.00") + hotel_part
    (audit,) = [e for e in await entries("travel.funding.decided") if e["object_id"] == str(full)]
    assert audit["data"]["parts"]["hotel"] == str(hotel_part)

    # Made before the parts were kept: read all the same, from the estimates as they stand.
    await FundingDecision.update(
        {FundingDecision.ticket_cost: None, FundingDecision.dsa_cost: None, FundingDecision.hotel_cost: None}
    ).where(FundingDecision.registration == full)
    again = (await client.get(f"{API}/registrations/{full}/travel/funding", headers=headers)).json()
    assert (again["ticket_cost"], again["hotel_cost"]) == (decision["ticket_cost"], decision["hotel_cost"])
    assert (await client.get(f"{base}/budget", headers=headers)).json() == budget

    await sign_in_organiser(client, organiser)
    page = await client.get(f"/organiser/events/{event.id}/travel/funding")
    assert page.status_code == 200
    shown = " ".join(page.text.split())
    assert f"Hotels: US${hotel_part:,}" in shown and "Tickets: US$1,200.00" in shown
    assert f"Ticket US$600.00 · DSA US$0.00 · Hotel US${hotel_part:,}" in shown
    french = " ".join((await client.get(f"/organiser/events/{event.id}/travel/funding?lang=fr")).text.split())
    assert "Hôtels" in french


async def test_a_given_room_counts_its_own_nights_and_rate_shared_by_whoever_sleeps_there(
    event, event_organiser
):
    actor = event_organiser.actor
    _, twin = await hotel_with_block(actor, event.id, rooms=1, occupancy=2)
    await hotels.update_room_type(
        actor, event.id, twin.id, schemas.RoomTypeUpdate(nightly_rate=Decimal("100"))
    )
    sharing = {"accepts_sharing": True, "gender": "female"}
    a = await funded(event.id, "a@example.org", "2027-10-12T15:00", "2027-10-15T10:00", **sharing)
    b = await funded(event.id, "b@example.org", "2027-10-12T16:00", "2027-10-15T09:00", **sharing)
    outcome = await allocation.allocate(actor, event.id)
    assert outcome.placed == 2
    # three nights at 100.00, the room shared by two: 150.00 each (no fare and no DSA rate here)
    assert (await cost(a), await cost(b)) == (Decimal("150.00"), Decimal("150.00"))
    (allocated,) = await entries("travel.hotels.allocated")
    assert allocated["data"]["decisions_repriced"] == 2
    await hotels.update_room_type(
        actor, event.id, twin.id, schemas.RoomTypeUpdate(nightly_rate=Decimal("80.50"))
    )
    assert await cost(a) == Decimal("120.75")
    # b withdraws: a now has the room alone
    await moderation.cancel(SYSTEM, b, "cannot travel")
    assert await cost(a) == Decimal("241.50")
    assert await funding.hotel_estimate(a, "ticket_dsa") == Decimal("0")


async def test_the_console_prices_a_room_type_and_refuses_a_bad_rate_beside_its_field(
    client, event, event_organiser
):
    base = f"/organiser/events/{event.id}/travel/hotels"
    await sign_in_organiser(client, event_organiser)
    hotel_page = (await client.post(base, data={"name": "Hotel Caspian"})).headers["location"]
    hotel_id = int(hotel_page.rsplit("/", 1)[1])
    form = await client.get(hotel_page)
    assert 'id="field-nightly_rate"' in form.text and 'name="currency" type="text" value="USD"' in form.text
    bad = await client.post(
        f"{base}/{hotel_id}/room-types", data={"name": "Twin", "occupancy": "2", "nightly_rate": "-5"}
    )
    assert bad.status_code == 422 and 'id="field-nightly_rate-error"' in bad.text
    assert "Enter the price of one room for one night" in bad.text
    unpriced = await client.post(f"{base}/{hotel_id}/room-types", data={"name": "Twin", "occupancy": "2"})
    assert unpriced.status_code == 303
    block_page = unpriced.headers["location"]
    assert "Not priced yet" in (await client.get(block_page)).text
    wrong = await client.post(f"{block_page}/rate", data={"nightly_rate": "abc", "currency": "USD"})
    assert wrong.status_code == 422 and 'id="field-nightly_rate-error"' in wrong.text
    wrong = await client.post(f"{block_page}/rate", data={"nightly_rate": "95", "currency": "dollars"})
    assert wrong.status_code == 422 and 'id="field-currency-error"' in wrong.text
    saved = await client.post(f"{block_page}/rate", data={"nightly_rate": "95.50", "currency": "eur"})
    assert saved.status_code == 303
    row = await RoomType.select(RoomType.nightly_rate, RoomType.currency).first()
    assert (Decimal(str(row["nightly_rate"])), row["currency"]) == (Decimal("95.50"), "EUR")
    page = await client.get(hotel_page)
    assert "95.50" in page.text
    arabic = await client.get(f"{block_page}?lang=ar")
    assert arabic.status_code == 200 and "Nightly rate" not in arabic.text
    cleared = await client.post(f"{block_page}/rate", data={"nightly_rate": "", "currency": "EUR"})
    assert cleared.status_code == 303
    assert (await RoomType.select(RoomType.nightly_rate).first())["nightly_rate"] is None
