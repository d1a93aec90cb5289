"""Funding and budget: travel settings (defaults until saved), fare estimates, a decision per approved
registration with who and why (audited), the committed total in exact Decimal, bad input named, other
events' organisers refused; and the console's funding and settings pages without JavaScript."""

from __future__ import annotations

from decimal import Decimal

import msgspec

from events.audit.tables import AuditEntry
from events.auth.tables import Role
from events.registration import schemas as registration_schemas
from events.registration import submission
from events.registration.tables import Channel
from events.travel import dsa_rates, funding
from events.travel.tables import FundingDecision
from events.web.console.travel import funding as funding_console
from tests.factories import SYSTEM
from tests.test_registration_workflow import person
from tests.test_web import sign_in_organiser

API = "/api/v1"


async def register(event_id: int, email: str, country: str = "NPL", approve: bool = True, **more) -> int:
    data = msgspec.convert(
        person(email=email, country_represented=country, nationality=country, funding_requested=True, **more),
        registration_schemas.RegistrationCreate,
    )
    result = await submission.submit(
        data, event_id=event_id, channel=Channel.walk_in, actor=SYSTEM, approve_when_seats=approve
    )
    return result.registration.id


async def entries(action: str) -> list[dict]:
    return (
        await AuditEntry.select()
        .where(AuditEntry.action == action)
        .order_by(AuditEntry.id)
        .output(load_json=True)
    )


async def test_settings_have_defaults_until_saved_and_updates_are_audited(client, event, event_organiser):
    headers = event_organiser.headers
    url = f"{API}/events/{event.id}/travel/settings"
    defaults = (await client.get(url, headers=headers)).json()
    assert defaults["currency"] == "USD" and Decimal(defaults["budget"]) == 0
    assert defaults["transfer_window_minutes"] == 90 and defaults["transfer_wait_minutes"] == 60
    assert defaults["dsa_accommodation_reduction"] == 50 and defaults["updated_at"] is None
    assert (await funding.settings_for(event.id)).airport == ""

    saved = await client.put(url, json={"budget": "12000.50", "airport": "GYD"}, headers=headers)
    assert saved.status_code == 200, saved.text
    assert Decimal(saved.json()["budget"]) == Decimal("12000.50") and saved.json()["airport"] == "GYD"
    assert saved.json()["transfer_window_minutes"] == 90  # left out: kept
    (entry,) = await entries("travel.funding.settings_updated")
    assert entry["data"]["fields"] == ["airport", "budget"] and entry["actor"] == event_organiser.user_id

    for body, field in (({"budget": "-1"}, "budget"), ({"budget": "10.001"}, "budget")):
        bad = await client.put(url, json=body, headers=headers)
        assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == field
    assert (await client.put(url, json={"dsa_lunch_reduction": 101}, headers=headers)).status_code == 400


async def test_decisions_commit_exact_amounts_audited_with_who_and_why(client, event, event_organiser):
    headers = event_organiser.headers
    base = f"{API}/events/{event.id}/travel"
    await client.put(f"{base}/settings", json={"budget": "1000.00"}, headers=headers)
    fare = await client.put(f"{base}/fares/np", json={"amount": "333.33"}, headers=headers)
    assert fare.status_code == 200 and fare.json()["country"] == "NPL"
    assert (await client.put(f"{base}/fares/BTN", json={"amount": 0.1}, headers=headers)).status_code == 200
    nepal = [await register(event.id, f"np{n}@example.org", "NPL") for n in range(3)]
    bhutan = await register(event.id, "bt@example.org", "BTN")
    tuvalu = await register(event.id, "tv@example.org", "TUV")

    budget = (await client.get(f"{base}/budget", headers=headers)).json()
    assert len(budget["undecided"]) == 5 and budget["missing_fares"] == ["TUV"]

    for registration_id, level in zip(nepal, ("ticket", "ticket_dsa", "full"), strict=True):
        answer = await client.put(
            f"{API}/registrations/{registration_id}/travel/funding",
            json={"level": level, "reason": "LDC official"},
            headers=headers,
        )
        assert answer.status_code == 200, answer.text
    assert Decimal(answer.json()["decision"]["estimated_cost"]) == Decimal("333.33")
    assert Decimal(answer.json()["budget"]["committed"]) == Decimal("999.99")
    assert answer.json()["decision"]["decided_by"] == event_organiser.username

    # over the budget: saved, and said so
    over = await client.put(
        f"{API}/registrations/{bhutan}/travel/funding", json={"level": "ticket"}, headers=headers
    )
    figures = over.json()["budget"]
    assert over.status_code == 200 and figures["over_budget"] is True
    assert Decimal(figures["committed"]) == Decimal("1000.09") and Decimal(figures["remaining"]) == Decimal(
        "-0.09"
    )
    refused = await client.put(
        f"{API}/registrations/{tuvalu}/travel/funding", json={"level": "not_funded"}, headers=headers
    )
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "reason"
    await client.put(
        f"{API}/registrations/{tuvalu}/travel/funding",
        json={"level": "not_funded", "reason": "Funded by their ministry"},
        headers=headers,
    )

    # a new fare re-prices the decisions from that country
    await client.put(f"{base}/fares/NPL", json={"amount": "300"}, headers=headers)
    budget = (await client.get(f"{base}/budget", headers=headers)).json()
    assert Decimal(budget["committed"]) == Decimal("900.10") and budget["over_budget"] is False
    assert budget["levels"] == {"not_funded": 1, "ticket": 2, "ticket_dsa": 1, "full": 1}
    assert budget["undecided"] == [] and budget["missing_fares"] == []
    assert (await client.delete(f"{base}/fares/BTN", headers=headers)).status_code == 204
    budget = (await client.get(f"{base}/budget", headers=headers)).json()
    assert Decimal(budget["committed"]) == Decimal("900.00") and budget["missing_fares"] == ["BTN"]

    decided = await entries("travel.funding.decided")
    assert [e["data"]["level"] for e in decided] == ["ticket", "ticket_dsa", "full", "ticket", "not_funded"]
    assert decided[-1]["data"]["reason"] == "Funded by their ministry"
    assert {e["actor"] for e in decided} == {event_organiser.user_id}
    changed = await client.put(
        f"{API}/registrations/{nepal[0]}/travel/funding",
        json={"level": "not_funded", "reason": "Withdrew the request"},
        headers=headers,
    )
    assert changed.json()["decision"]["estimated_cost"] == "0.00"
    assert (await entries("travel.funding.decided"))[-1]["data"]["previous"] == "ticket"
    assert [e["data"]["country"] for e in await entries("travel.funding.fare_set")] == ["NPL", "BTN", "NPL"]


async def test_bad_input_and_non_approved_refused(client, event, event_organiser):
    headers = event_organiser.headers
    base = f"{API}/events/{event.id}/travel"
    waiting = await register(event.id, "wait@example.org", approve=False)
    approved = await register(event.id, "ok@example.org")
    url = f"{API}/registrations/{waiting}/travel/funding"
    refused = await client.put(url, json={"level": "ticket"}, headers=headers)
    assert refused.status_code == 409 and "approved" in refused.json()["detail"]

    bad_level = await client.put(
        f"{API}/registrations/{approved}/travel/funding", json={"level": "first_class"}, headers=headers
    )
    assert bad_level.status_code == 422 and bad_level.json()["errors"][0]["field"] == "level"
    for amount in ("-5", "1.234", "NaN"):
        bad = await client.put(f"{base}/fares/NPL", json={"amount": amount}, headers=headers)
        assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "amount", amount
    bad_country = await client.put(f"{base}/fares/XX", json={"amount": "1"}, headers=headers)
    assert bad_country.status_code == 422 and bad_country.json()["errors"][0]["field"] == "country"
    assert (await client.delete(f"{base}/fares/NPL", headers=headers)).status_code == 404
    assert await FundingDecision.count() == 0


async def test_other_events_organiser_refused(client, event, other_organiser):
    headers = other_organiser.headers
    registration_id = await register(event.id, "someone@example.org")
    base = f"{API}/events/{event.id}/travel"
    assert (await client.get(f"{base}/budget", headers=headers)).status_code == 403
    assert (await client.put(f"{base}/settings", json={"budget": "5"}, headers=headers)).status_code == 403
    assert (await client.put(f"{base}/fares/NPL", json={"amount": "5"}, headers=headers)).status_code == 403
    refused = await client.put(
        f"{API}/registrations/{registration_id}/travel/funding", json={"level": "ticket"}, headers=headers
    )
    assert refused.status_code == 403
    assert (await client.get(f"/organiser/events/{event.id}/travel/funding")).status_code in (303, 401, 403)
    await sign_in_organiser(client, other_organiser)
    assert (await client.get(f"/organiser/events/{event.id}/travel/funding")).status_code == 403
    page = await client.post(
        f"/organiser/events/{event.id}/travel/funding/{registration_id}",
        data={"level": "ticket", "reason": ""},
    )
    assert page.status_code == 403 and await FundingDecision.count() == 0


async def test_console_pages_decide_and_save_without_javascript(client, make_event, make_account):
    event = await make_event()
    account = await make_account(Role.organiser, event.id)
    await sign_in_organiser(client, account)
    registration_id = await register(event.id, "amina@example.org", "DJI")
    base = f"/organiser/events/{event.id}/travel"

    settings = await client.post(
        f"{base}/settings", data={"currency": "USD", "budget": "abc", "airport": "GYD"}
    )
    assert settings.status_code == 422 and 'id="field-budget-error"' in settings.text
    saved = await client.post(
        f"{base}/settings",
        data={
            "currency": "USD",
            "budget": "5000",
            "airport": "GYD",
            "transfer_window_minutes": "90",
            "transfer_wait_minutes": "60",
            "dsa_accommodation_reduction": "50",
            "dsa_breakfast_reduction": "0",
            "dsa_lunch_reduction": "0",
            "dsa_dinner_reduction": "0",
        },
    )
    assert saved.status_code == 303, saved.text
    assert (await funding.settings_for(event.id)).budget == Decimal("5000.00")

    fare = await client.post(f"{base}/funding/fares", data={"country": "DJI", "amount": "812.40"})
    assert fare.status_code == 303
    page = await client.get(f"{base}/funding?state=undecided")
    assert page.status_code == 200 and "Moussa" in page.text

    missing_reason = await client.post(
        f"{base}/funding/{registration_id}", data={"level": "not_funded", "reason": ""}
    )
    assert (
        missing_reason.status_code == 422
        and f'id="field-reason-{registration_id}-error"' in missing_reason.text
    )
    assert f'href="#field-reason-{registration_id}"' in missing_reason.text
    assert "Say why the participant is not funded" in missing_reason.text
    assert await FundingDecision.count() == 0
    decided = await client.post(
        f"{base}/funding/{registration_id}", data={"level": "ticket_dsa", "reason": "LDC"}
    )
    assert decided.status_code == 303
    page = await client.get(f"{base}/funding?state=decided")
    assert "812.40" in page.text and "Moussa" in page.text
    assert "Moussa" not in (await client.get(f"{base}/funding?state=undecided")).text
    summary = await client.get(base)
    assert summary.status_code == 200 and "812.40" in summary.text


async def test_funding_page_stays_light_with_many_requests(client, make_event, make_account):
    """A full page of rows (each with its decision form and a long reason) stays under 100 KB; the rest
    is on the next page."""
    import datetime

    from events.registration.tables import Registration

    event = await make_event()
    account = await make_account(Role.organiser, event.id)
    await sign_in_organiser(client, account)
    moment = datetime.datetime.now(datetime.UTC)
    inserted = await Registration.insert(
        *(
            Registration(
                event=event.id,
                reference=f"FUND{n:06d}",
                status="approved",
                channel="import",
                email=f"fund-{n}@example.org",
                given_names="Mahamadou Abdoulaye",
                family_name=f"Traoré-Diallo {n}",
                gender="male",
                nationality="MLI",
                country_represented="BFA",
                institution="Ministère de la Transformation digitale",
                level="mid",
                funding_requested=True,
                consent_at=moment,
            )
            for n in range(funding_console.PAGE_SIZE + 5)
        )
    ).returning(Registration.id)
    await funding.set_fare_estimate(SYSTEM, event.id, "BFA", "1234.56")
    for row in inserted[:30]:
        await funding.decide(SYSTEM, row["id"], "full", "Least developed country, " + "x" * 450)
    page = await client.get(f"/organiser/events/{event.id}/travel/funding")
    assert page.status_code == 200
    assert len(page.content) < 100_000, len(page.content)
    arabic = await client.get(f"/organiser/events/{event.id}/travel/funding?lang=ar")
    assert len(arabic.content) < 100_000, len(arabic.content)
    assert page.text.count('class="funding-decide"') == funding_console.PAGE_SIZE
    assert "Next page" in page.text
    figures = await funding.budget(SYSTEM, event.id)
    assert figures.committed == Decimal("1234.56") * 30 and figures.levels["full"] == 30
    assert len(figures.undecided) == funding_console.PAGE_SIZE + 5 - 30


async def test_a_decision_with_dsa_commits_the_fare_and_the_expected_allowance(
    client, make_event, make_account
):
    """ticket_dsa: the fare plus nights × the city's rate; full: the room is provided, so the DSA is
    reduced by the accommodation percentage (50 % by default). Before the itinerary is booked the
    nights run from the day before the event to the day after it."""
    import datetime

    from events.travel import schemas as travel_schemas

    event = await make_event()  # three days: nights from the day before to the day after = 4
    organiser = await make_account(Role.organiser, event.id)
    base = f"{API}/events/{event.id}/travel"
    await client.put(f"{base}/fares/NPL", json={"amount": "600.00"}, headers=organiser.headers)
    row = await registration_event_row(event.id)
    await dsa_rates.create_rate(
        SYSTEM,
        msgspec.convert(
            {
                "country": row["country"],
                "city": row["city"],
                "valid_from": (row["start_date"] - datetime.timedelta(days=10)).isoformat(),
                "amount": "200.00",
            },
            travel_schemas.DsaRateCreate,
        ),
    )
    nights = (row["end_date"] - row["start_date"]).days + 2
    with_dsa, full = await register(event.id, "dsa@example.org"), await register(event.id, "full@example.org")
    for registration_id, level, expected in (
        (with_dsa, "ticket_dsa", Decimal("600.00") + 200 * nights),
        (full, "full", Decimal("600.00") + 100 * nights),
    ):
        answer = await client.put(
            f"{API}/registrations/{registration_id}/travel/funding",
            json={"level": level},
            headers=organiser.headers,
        )
        assert answer.status_code == 200, answer.text
        assert Decimal(answer.json()["decision"]["estimated_cost"]) == expected


async def registration_event_row(event_id: int) -> dict:
    from events.programme.tables import Event

    return (
        await Event.select(Event.city, Event.country, Event.start_date, Event.end_date)
        .where(Event.id == event_id)
        .first()
    )


async def test_a_dsa_rate_added_changed_or_deleted_reprices_the_decisions_of_its_city(
    client, make_event, make_account
):
    import datetime

    from events.travel import schemas as travel_schemas

    event = await make_event()
    organiser = await make_account(Role.organiser, event.id)
    await client.put(
        f"{API}/events/{event.id}/travel/fares/NPL", json={"amount": "600.00"}, headers=organiser.headers
    )
    row = await registration_event_row(event.id)
    nights = (row["end_date"] - row["start_date"]).days + 2
    with_dsa = await register(event.id, "reprice@example.org")
    decided = await client.put(
        f"{API}/registrations/{with_dsa}/travel/funding",
        json={"level": "ticket_dsa"},
        headers=organiser.headers,
    )
    assert Decimal(decided.json()["decision"]["estimated_cost"]) == Decimal("600.00")  # no rate yet

    async def cost() -> Decimal:
        found = await FundingDecision.select(FundingDecision.estimated_cost).where(
            FundingDecision.registration == with_dsa
        )
        return Decimal(found[0]["estimated_cost"]).quantize(Decimal("0.01"))

    rate = await dsa_rates.create_rate(
        SYSTEM,
        msgspec.convert(
            {
                "country": row["country"],
                "city": row["city"].upper(),  # the city compared without case
                "valid_from": (row["start_date"] - datetime.timedelta(days=10)).isoformat(),
                "amount": "200.00",
            },
            travel_schemas.DsaRateCreate,
        ),
    )
    assert await cost() == Decimal("600.00") + 200 * nights
    await dsa_rates.update_rate(
        SYSTEM, rate.id, msgspec.convert({"amount": "150.00"}, travel_schemas.DsaRateUpdate)
    )
    assert await cost() == Decimal("600.00") + 150 * nights
    await dsa_rates.delete_rate(SYSTEM, rate.id)
    assert await cost() == Decimal("600.00")
    assert [entry["data"]["decisions_repriced"] for entry in await entries("travel.dsa.rate_created")] == [1]
