"""Demo data: the pure parts only (no database)."""

from __future__ import annotations

import csv
import datetime
import itertools
import unicodedata
from collections import Counter
from pathlib import Path
from zoneinfo import ZoneInfo

import phonenumbers
import pycountry
import pytest

from events.demo.people import generate_participants
from events.demo.programme import asan_centres, event_plans
from events.programme.tables import SessionKind

COUNTRY_GROUPS_CSV = Path(__file__).resolve().parent.parent / "events/reference/data/un_country_groups.csv"
KEYS = {
    "given_names",
    "family_name",
    "latin_name",
    "preferred_name",
    "email",
    "phone",
    "gender",
    "nationality",
    "country_represented",
    "institution",
    "position",
    "level",
    "sector",
    "preferred_language",
    "needs_visa",
    "accessibility_needs",
    "dietary_requirements",
    "self_identified_groups",
}
RESERVED_DOMAINS = ("example.org", "example.net", "example.com")


@pytest.fixture(scope="module")
def people() -> list[dict]:
    return generate_participants(400)


def scripts(text: str) -> set[str]:
    """Unicode script of each letter, from its character name (LATIN, CYRILLIC, CJK, ...)."""
    return {
        unicodedata.name(ch).split()[0]
        for ch in text
        if ch.isalpha() and unicodedata.category(ch) != "Lm"  # modifier letters such as the Samoan ʻokina
    }


def test_same_seed_same_people_other_seed_other_people(people):
    assert generate_participants(400) == people
    assert generate_participants(400, seed=2027) == people
    assert generate_participants(50, seed=1) != people[:50]
    assert generate_participants(0) == []


def test_every_participant_has_the_documented_fields(people):
    for person in people:
        assert set(person) == KEYS
        assert person["family_name"]
        assert person["preferred_name"]
        assert person["level"] in ("high", "mid")
        assert person["preferred_language"] in ("en", "fr", "es", "ar", "ru", "zh")
        assert isinstance(person["needs_visa"], bool)
        assert set(person["accessibility_needs"]) <= {
            "step_free_access",
            "sign_language",
            "hearing_loop",
            "large_print",
        }
        assert set(person["self_identified_groups"]) <= {
            "youth",
            "women",
            "older_persons",
            "persons_with_disabilities",
            "indigenous_peoples",
            "migrants",
        }
        assert "passport" not in " ".join(person).lower()
        assert "birth" not in " ".join(person).lower()


def test_emails_are_unique_and_obviously_fictional(people):
    emails = [person["email"] for person in people]
    assert len(set(emails)) == len(emails)
    for email in emails:
        local, _, domain = email.partition("@")
        assert local and local.isascii(), email
        assert domain in RESERVED_DOMAINS, email


def test_every_phone_is_valid_for_the_country_represented(people):
    for person in people:
        number = phonenumbers.parse(person["phone"])
        assert phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164) == person["phone"]
        iso2 = pycountry.countries.get(alpha_3=person["country_represented"]).alpha_2
        assert number.country_code == phonenumbers.country_code_for_region(iso2)
        assert phonenumbers.is_valid_number_for_region(number, iso2), person["phone"]


def test_countries_are_all_ldcs_lldcs_or_sids(people):
    with COUNTRY_GROUPS_CSV.open(encoding="utf-8") as handle:
        listed = {row["iso3"] for row in csv.DictReader(handle)}
    nationalities = {person["nationality"] for person in people}
    assert nationalities <= listed
    assert {person["country_represented"] for person in people} <= listed
    assert len(nationalities) >= 40


def test_names_come_in_many_scripts_with_latin_transliterations(people):
    seen = Counter()
    for person in people:
        found = scripts(person["given_names"] + person["family_name"])
        assert len(found) == 1, person
        seen.update(found)
        if found == {"LATIN"}:
            assert person["latin_name"] is None
        else:
            assert person["latin_name"] and scripts(person["latin_name"]) == {"LATIN"}
        assert scripts(person["preferred_name"]) == {"LATIN"}
    assert len(seen) >= 5, seen
    assert {"LATIN", "ARABIC", "CYRILLIC"} <= set(seen)


def test_gender_mix_is_sane(people):
    genders = Counter(person["gender"] for person in people)
    assert set(genders) <= {"female", "male", "other", "undisclosed"}
    assert 0.40 <= genders["female"] / len(people) <= 0.55
    assert 0.40 <= genders["male"] / len(people) <= 0.60


def test_small_shares_for_needs_and_groups(people):
    with_needs = sum(1 for person in people if person["accessibility_needs"])
    assert 0 < with_needs < len(people) * 0.2
    in_groups = sum(1 for person in people if person["self_identified_groups"])
    assert 0 < in_groups < len(people) * 0.5


# --- the programme's plans (no database) --------------------------------------------------------


def test_the_programme_has_the_workshop_five_forums_and_the_symposium():
    plans = event_plans()
    assert [plan.kind.value for plan in plans].count("regional_forum") == 5
    assert [plan.kind.value for plan in plans].count("workshop") == 1
    assert [plan.kind.value for plan in plans].count("symposium") == 1
    assert len({plan.slug for plan in plans}) == len(plans)
    assert {plan.partner.value for plan in plans} == {"UNDESA", "ECLAC", "ESCAP", "ECA", "ESCWA", "UNPOG"}


@pytest.mark.parametrize("plan", event_plans(), ids=lambda plan: plan.slug)
def test_each_agenda_fits_its_event(plan):
    zone = ZoneInfo(plan.time_zone)
    assert plan.start_date.year == 2027
    assert plan.registration_opens_at < plan.registration_closes_at
    assert plan.registration_closes_at.date() < plan.start_date
    slots = [(day, slot) for day, day_slots in plan.days.items() for slot in day_slots]
    assert 15 <= len(slots) <= 30
    booked: dict[str, list[tuple[datetime.datetime, datetime.datetime]]] = {}
    for day, slot in slots:
        assert plan.start_date <= day <= plan.end_date
        starts = datetime.datetime.combine(day, datetime.time.fromisoformat(slot.start), tzinfo=zone)
        ends = datetime.datetime.combine(day, datetime.time.fromisoformat(slot.end), tzinfo=zone)
        assert starts < ends, slot
        if slot.capacity is not None:
            assert slot.capacity <= plan.capacity
        if slot.kind in (SessionKind.workshop, SessionKind.study_visit) and slot.optional:
            assert slot.capacity is not None, slot
        if slot.kind is not SessionKind.break_:
            for other_start, other_end in booked.get(slot.room, []):
                assert ends <= other_start or other_end <= starts, f"{slot.room} double-booked: {slot.title}"
            booked.setdefault(slot.room, []).append((starts, ends))
    kinds = {slot.kind for _, slot in slots}
    assert {SessionKind.ceremony, SessionKind.panel, SessionKind.break_} <= kinds


def test_two_forums_sit_on_daylight_saving_changes():
    plans = {plan.slug: plan for plan in event_plans()}
    santiago = plans["eclac-santiago-2027"]
    offsets = {
        datetime.datetime.combine(day, datetime.time(12), tzinfo=ZoneInfo(santiago.time_zone)).utcoffset()
        for day in santiago.days
    }
    assert len(offsets) == 2
    beirut = plans["escwa-beirut-2027"]
    zone = ZoneInfo(beirut.time_zone)
    before = datetime.datetime.combine(
        beirut.start_date - datetime.timedelta(days=1), datetime.time(12), tzinfo=zone
    )
    assert (
        before.utcoffset()
        != datetime.datetime.combine(beirut.end_date, datetime.time(12), tzinfo=zone).utcoffset()
    )


def test_baku_symposium_visits_asan_centres():
    baku = next(plan for plan in event_plans() if plan.slug == "baku-symposium-2027")
    assert baku.country == "AZE" and baku.capacity == 250
    visits = [slot for slots in baku.days.values() for slot in slots if slot.kind is SessionKind.study_visit]
    centres = {centre["name"] for centre in asan_centres()}
    assert len(visits) >= 3
    assert all(slot.optional and slot.room in centres for slot in visits)
    assert len(centres) == 20


async def test_every_demo_event_can_issue_letters_from_the_start():
    """The console's letters page works on the demo: each event has a complete letter profile."""
    from events.demo.loader import load_demo
    from events.letters import profiles
    from events.programme.tables import Event

    await load_demo(participants=0, if_empty=False, seed=1)
    events = await Event.select(Event.id)
    assert events
    for event in events:
        assert await profiles.letters_available(event["id"]), event


# --- the Baku symposium's travel (database) ------------------------------------------------------


async def test_the_baku_symposium_has_funded_participants_with_itineraries_a_hotel_block_and_transfers():
    from events.demo.loader import load_demo
    from events.demo.travel import load_demo_travel
    from events.programme.tables import Event
    from events.registration.tables import Registration
    from events.travel.tables import (
        DsaPayment,
        FlightSegment,
        FundingDecision,
        RoomAllocation,
        RoomBlock,
        RoomType,
        TransferRider,
        TransferRun,
        TravelPreference,
        TravelSettings,
    )
    from events.visits.tables import Vehicle

    await load_demo(participants=300, if_empty=False, seed=2027)
    baku = (await Event.select(Event.id).where(Event.slug == "baku-symposium-2027").first())["id"]
    assert (await TravelSettings.select().where(TravelSettings.event == baku).first())["airport"] == "GYD"
    decisions = await FundingDecision.select().where(FundingDecision.event == baku)
    funded = {row["registration"] for row in decisions if row["level"] != "not_funded"}
    assert len(funded) >= 15
    people = {
        row["id"]: row for row in await Registration.select().where(Registration.id.is_in(list(funded)))
    }
    assert all(person["status"] == "approved" for person in people.values())
    segments = await FlightSegment.select().where(FlightSegment.registration.is_in(list(funded)))
    zone = ZoneInfo("Asia/Baku")
    for registration_id in funded:
        mine = sorted(
            (s for s in segments if s["registration"] == registration_id), key=lambda s: s["departs_at"]
        )
        inbound = [s for s in mine if s["direction"] == "inbound"]
        outbound = [s for s in mine if s["direction"] == "outbound"]
        assert inbound[-1]["to_airport"] == "GYD" and outbound[0]["from_airport"] == "GYD"
        assert all(s["arrives_at"] > s["departs_at"] for s in mine)
        assert all(
            a["to_airport"] == b["from_airport"] and b["departs_at"] > a["arrives_at"]
            for a, b in itertools.pairwise(mine)
        )
        assert people[registration_id]["arrival_at"] == inbound[-1]["arrives_at"]
    # Rooms for exactly the nights, within the block; twins shared only by consent.
    allocations = await RoomAllocation.select().where(RoomAllocation.registration.is_in(list(funded)))
    assert allocations and {row["registration"] for row in allocations} <= {
        row["registration"] for row in decisions if row["level"] == "full"
    }
    blocks = {(row["room_type"], row["night"]): row["rooms"] for row in await RoomBlock.select()}
    consent = {row["registration"]: row["accepts_sharing"] for row in await TravelPreference.select()}
    rooms_per_night = Counter()
    shared = Counter((row["room_type"], row["room_label"]) for row in allocations)
    for row in allocations:
        mine = [s for s in segments if s["registration"] == row["registration"]]
        lands = max(s["arrives_at"] for s in mine if s["direction"] == "inbound")
        leaves = min(s["departs_at"] for s in mine if s["direction"] == "outbound")
        assert (row["check_in"], row["check_out"]) == (
            lands.astimezone(zone).date(),
            leaves.astimezone(zone).date(),
        )
        if shared[(row["room_type"], row["room_label"])] > 1:
            assert consent[row["registration"]]
        night = row["check_in"]
        while night < row["check_out"]:
            rooms_per_night[(row["room_type"], night, row["room_label"])] = 1
            night += datetime.timedelta(days=1)
    used = Counter((room_type, night) for room_type, night, _ in rooms_per_night)
    assert all(count <= blocks[key] for key, count in used.items())
    assert await RoomType.exists().where(RoomType.accessible.eq(True))
    # Transfers: every funded participant rides in and out, within the seats.
    runs = {row["id"]: row for row in await TransferRun.select().where(TransferRun.event == baku)}
    riders = await TransferRider.select().where(TransferRider.run.is_in(list(runs)))
    assert {(r["registration"], runs[r["run"]]["direction"]) for r in riders} == {
        (registration_id, direction) for registration_id in funded for direction in ("arrival", "departure")
    }
    seats = {row["id"]: row for row in await Vehicle.select().where(Vehicle.event == baku)}
    for run_id, run in runs.items():
        on_board = [r for r in riders if r["run"] == run_id]
        assert len(on_board) <= seats[run["vehicle"]]["seats"]
        assert sum(r["step_free"] for r in on_board) <= seats[run["vehicle"]]["step_free_seats"]
    # DSA: nights × rate, halved when the room is paid; none for ticket only.
    for payment in await DsaPayment.select().where(DsaPayment.event == baku):
        assert (
            payment["amount"]
            == payment["rate"] * payment["nights"] * (100 - payment["reduction_percent"]) / 100
        )
    assert (await load_demo_travel())["created"] is False
    # Funding priced as the service prices it: the parts add up, the full-funded have a hotel part.
    for row in decisions:
        parts = row["ticket_cost"] + row["dsa_cost"] + row["hotel_cost"]
        assert abs(parts - row["estimated_cost"]) < 0.005, row
    assert all(
        row["hotel_cost"] > 0
        for row in decisions
        if row["registration"] in {allocation["registration"] for allocation in allocations}
    )
    # The scanner account's event has checkpoints and badges to scan.
    from events.badges.tables import Badge
    from events.checkin.tables import Checkpoint

    kinds = {row["kind"] for row in await Checkpoint.select(Checkpoint.kind).where(Checkpoint.event == baku)}
    assert kinds == {"venue_entrance", "session_room"}
    approved = await Registration.count().where(Registration.event == baku, Registration.status == "approved")
    assert await Badge.count().where(Badge.event == baku) == approved > 0
