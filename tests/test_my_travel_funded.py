"""The funded participant's travel in the portal (/my/travel), in their calendar feed, and the
pick-up e-mail the day before arrival (events.travel.mine)."""

from __future__ import annotations

import datetime
import re

import pytest

from events import signals
from events.audit.tables import AuditEntry
from events.auth.principal import Actor
from events.auth.tables import Role
from events.errors import Conflict, NotFound
from events.notifications.tables import OutboxMessage
from events.registration import moderation
from events.registration.tables import Registration
from events.travel import itineraries, mine
from events.travel.tables import (
    FundingDecision,
    RoomAllocation,
    TransferRun,
    TravelPreference,
)
from tests.browser.seed_my_travel import fund
from tests.factories import SYSTEM
from tests.test_web import person, sign_in_participant, submit

UTC = datetime.UTC
AMINA = "amina.moussa@example.org"
KOFI = "kofi.mensah@example.org"


NAMES = {KOFI: ("Kofi", "Mensah")}


async def participant(client, event_id: int, email: str, language: str = "en") -> int:
    given, family = NAMES.get(email, ("Amina", "Moussa"))
    form = person(email, preferred_language=language, given_names=given, family_name=family)
    response = await submit(client, event_id, form)
    assert response.status_code in (200, 303), response.text
    row = await Registration.select(Registration.id).where(Registration.email == email).first()
    client.cookies.clear()
    await sign_in_participant(client, email)
    await moderation.approve(SYSTEM, row["id"])
    return row["id"]


@pytest.fixture
async def baku(make_event):
    return await make_event(capacity=20)


async def test_the_funded_participant_sees_each_part_and_the_unfunded_nothing(client, baku):
    kofi = await participant(client, baku.id, KOFI)
    page = (await client.get("/my/travel")).text
    assert 'id="my-funding"' not in page and "Confirm my itinerary" not in page
    await FundingDecision.insert(FundingDecision(registration=kofi, event=baku.id, level="not_funded"))
    page = (await client.get("/my/travel")).text
    assert (
        "does not fund your travel" in page and 'id="my-flights"' not in page and 'id="my-hotel"' not in page
    )

    amina = await participant(client, baku.id, AMINA)
    await fund(baku.id, amina)
    page = (await client.get("/my/travel")).text
    assert "your air ticket, your hotel room and a daily subsistence allowance" in page
    flights = re.search(r'id="my-flights".*?</section>', page, re.S).group(0)
    assert flights.index("QR 647") < flights.index("QR 353")
    # Local times: 15:00 UTC in Kathmandu (+05:45) and 03:15 UTC in Baku (+04:00).
    assert "20:45" in flights or "8:45\u202fPM" in flights
    assert "Asia/Kathmandu" in flights and "7:15" in flights and "Asia/Baku" in flights
    assert "Confirm my itinerary" in flights and "QX7P2K" in flights
    hotel = re.search(r'id="my-hotel".*?</section>', page, re.S).group(0)
    assert (
        "<bdi>Hotel Caspian</bdi>" in hotel
        and "Twin room" in hotel
        and "I accept sharing a twin room" in hotel
    )
    transfer = re.search(r'id="my-transfer".*?</section>', page, re.S).group(0)
    assert "Arrivals hall, exit 2" in transfer and "Minibus 1" in transfer and "+994 50 123 45 67" in transfer
    assert "8:00" in transfer and "9:00" in transfer  # leaves 07:15+45 min, waits until 09:00 Baku time
    dsa = re.search(r'id="my-dsa".*?</section>', page, re.S).group(0)
    assert "229" in dsa and "458" in dsa and "50 %" in dsa and "Not yet" in dsa

    french = await participant(client, baku.id, "fr@example.org", language="fr")
    await fund(baku.id, french, room_label="102")
    page = (await client.get("/my/travel")).text
    assert "Confirmer mon itinéraire" in page and "billet d’avion" in page


async def test_confirm_the_itinerary(client, baku):
    amina = await participant(client, baku.id, AMINA)
    refused = await client.post("/my/travel/confirm", follow_redirects=False)
    assert refused.status_code == 303 and not await TravelPreference.exists()
    with pytest.raises(Conflict):
        await itineraries.confirm(Actor.participant(amina, "R"), amina)
    await fund(baku.id, amina)
    response = await client.post("/my/travel/confirm", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/my/travel")
    row = await TravelPreference.select().where(TravelPreference.registration == amina).first()
    assert row["itinerary_confirmed_at"] is not None
    assert await AuditEntry.exists().where(AuditEntry.action == "travel.itineraries.confirmed")
    page = (await client.get("/my/travel")).text
    assert "You confirmed this itinerary" in page and "Confirm my itinerary" not in page


async def test_the_sharing_choice_is_saved_and_audited_and_names_a_roommate_only_by_consent(client, baku):
    kofi = await participant(client, baku.id, KOFI)
    amina = await participant(client, baku.id, AMINA)
    context = await fund(baku.id, amina, room_label="201")
    await FundingDecision.insert(FundingDecision(registration=kofi, event=baku.id, level="full"))
    await RoomAllocation.insert(
        RoomAllocation(
            registration=kofi,
            room_type=context["twin"]["id"],
            check_in=datetime.date(2027, 10, 11),
            check_out=datetime.date(2027, 10, 15),
            room_label="201",
        )
    )
    response = await client.post(
        "/my/travel/sharing", data={"accepts_sharing": "yes"}, follow_redirects=False
    )
    assert response.status_code == 303
    assert (await mine.my_travel(Actor.participant(amina, "R"), amina)).accepts_sharing is True
    entries = await AuditEntry.select().where(AuditEntry.action == "travel.sharing.changed")
    assert len(entries) == 1 and entries[0]["object_id"] == str(amina)
    hotel = re.search(r'id="my-hotel".*?</section>', (await client.get("/my/travel")).text, re.S).group(0)
    assert "Kofi" not in hotel and re.search(r'value="yes"[^>]*checked', hotel)
    await mine.set_sharing(Actor.participant(kofi, "K"), kofi, True)
    hotel = re.search(r'id="my-hotel".*?</section>', (await client.get("/my/travel")).text, re.S).group(0)
    assert "<bdi>Kofi Mensah</bdi>" in hotel  # both consented: the roommate is named
    # Saving the same answer again writes no second entry.
    await client.post("/my/travel/sharing", data={"accepts_sharing": "yes"})
    assert await AuditEntry.count().where(AuditEntry.action == "travel.sharing.changed") == 2
    await client.post("/my/travel/sharing", data={"accepts_sharing": "no"})
    assert (await mine.my_travel(Actor.participant(amina, "R"), amina)).accepts_sharing is False


async def test_others_registrations_are_unreachable(client, baku):
    amina = await participant(client, baku.id, AMINA)
    kofi = await participant(client, baku.id, KOFI)
    await fund(baku.id, amina)
    with pytest.raises(NotFound):
        await mine.my_travel(Actor.participant(kofi, "K"), amina)
    with pytest.raises(NotFound):
        await itineraries.confirm(Actor.participant(kofi, "K"), amina)
    with pytest.raises(NotFound):
        await mine.set_sharing(Actor.participant(kofi, "K"), amina, True)
    # Kofi (signed in) confirms only his own (empty) itinerary.
    await client.post("/my/travel/confirm")
    assert not await TravelPreference.exists().where(TravelPreference.itinerary_confirmed_at.is_not_null())
    assert "QX7P2K" not in (await client.get("/my/travel")).text


async def test_the_calendar_feed_has_the_flights_and_the_pick_up(client, baku):
    amina = await participant(client, baku.id, AMINA)
    await fund(baku.id, amina)
    url = (await client.post("/my/calendar/new-link", follow_redirects=True)).text
    feed = re.search(r"/calendars/personal/[A-Za-z0-9_-]+\.ics", url)
    assert feed, "the calendar page shows the feed's address"
    first = await client.get(feed.group(0))
    body = first.text.replace("\r\n ", "")
    assert (
        "SUMMARY:Flight QR 647: KTM → DOH" in body and "DTSTART;TZID=Asia/Kathmandu:20271010T204500" in body
    )
    assert "SUMMARY:Airport pick-up" in body and "DTSTART;TZID=Asia/Baku:20271011T080000" in body
    assert "Arrivals hall" in body
    await TransferRun.update({TransferRun.meeting_point: "Arrivals hall, exit 3"}).where(
        TransferRun.event == baku.id
    )
    again = await client.get(feed.group(0), headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 200 and "exit 3" in again.text.replace("\r\n ", "")


async def test_the_pick_up_email_is_queued_once_the_day_before_in_the_participants_language(
    client, baku, run_concurrently
):
    amina = await participant(client, baku.id, AMINA, language="fr")
    kofi = await participant(client, baku.id, KOFI)
    await fund(baku.id, amina)
    await FundingDecision.insert(FundingDecision(registration=kofi, event=baku.id, level="full"))
    before = await OutboxMessage.count()
    # Two days ahead (Baku time): not yet.
    assert await mine.queue_transfer_notices(datetime.datetime(2027, 10, 9, 12, 0, tzinfo=UTC)) == 0
    # 10 October, 21:30 in Baku: tomorrow is the 11th.
    evening = datetime.datetime(2027, 10, 10, 17, 30, tzinfo=UTC)
    results = await run_concurrently(*(mine.queue_transfer_notices(evening) for _ in range(3)))
    assert sum(results) == 1, results
    assert await mine.queue_transfer_notices(evening) == 0
    await signals.periodic_tick.send(evening)
    messages = await OutboxMessage.select().where(OutboxMessage.kind == mine.NOTICE_KIND)
    assert len(messages) == 1 and await OutboxMessage.count() == before + 1
    message = messages[0]
    assert message["to_address"] == AMINA and message["language"] == "fr"
    assert "Arrivals hall, exit 2" in message["body"] and "08:00" in message["body"]
    assert "09:00" in message["body"] and "Minibus 1" in message["body"] and "11" in message["subject"]
    assert "Bienvenue" in message["body"]


async def test_the_job_runners_maintenance_sends_the_tick():
    from events.jobs import runner

    seen = []

    async def receiver(now):
        seen.append(now)

    signals.periodic_tick.connect(receiver)
    try:
        await runner.maintain()
    finally:
        signals.periodic_tick.disconnect(receiver)
    assert len(seen) == 1 and seen[0].tzinfo is not None


async def test_the_participant_reads_the_same_travel_through_the_api(client, baku):
    """GET /api/v1/registrations/{id}/travel: the participant's own token, or the event's organiser;
    another participant's token gets 404."""
    from events.registration import access
    from tests.factories import create_account

    async def participant_headers(registration_id: int) -> dict[str, str]:
        link = await access.issue_magic_link(registration_id)
        exchanged = await access.exchange_magic_link(link.partition("#token=")[2])
        return {"Authorization": f"Bearer {exchanged.access_token}"}

    amina = await participant(client, baku.id, AMINA)
    kofi = await participant(client, baku.id, KOFI)
    await fund(baku.id, amina)
    client.cookies.clear()
    mine_headers = await participant_headers(amina)
    response = await client.get(f"/api/v1/registrations/{amina}/travel", headers=mine_headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["funding"] == "full" and body["hotel"] is not None
    assert [f"{flight['carrier']} {flight['flight_number']}" for flight in body["flights"]][:1] == ["QR 647"]
    kofi_headers = await participant_headers(kofi)
    assert (
        await client.get(f"/api/v1/registrations/{amina}/travel", headers=kofi_headers)
    ).status_code == 404
    organiser = await create_account(Role.organiser, baku.id)
    assert (
        await client.get(f"/api/v1/registrations/{kofi}/travel", headers=organiser.headers)
    ).status_code == 200


async def test_a_withdrawn_participant_gives_back_the_room_the_seats_and_the_unpaid_dsa(client, baku):
    from events.audit.tables import AuditEntry
    from events.registration import moderation
    from events.travel.tables import DsaPayment, FundingDecision, RoomAllocation, TransferRider

    amina = await participant(client, baku.id, AMINA)
    await fund(baku.id, amina)
    assert await RoomAllocation.exists().where(RoomAllocation.registration == amina)
    await moderation.cancel(SYSTEM, amina, "Travel not authorised")
    assert not await RoomAllocation.exists().where(RoomAllocation.registration == amina)
    assert not await TransferRider.exists().where(TransferRider.registration == amina)
    assert not await DsaPayment.exists().where(DsaPayment.registration == amina, DsaPayment.paid_at.is_null())
    assert await FundingDecision.exists().where(FundingDecision.registration == amina)  # kept on record
    entry = await AuditEntry.select().where(AuditEntry.action == "travel.released").first()
    assert entry is not None and entry["event_id"] == baku.id
