"""`events demo`: the real programme, ASAN centres, demo accounts and fictional participants."""

from __future__ import annotations

import datetime
import random
from typing import Any

import msgspec

from events import clock
from events.auth import services as auth_services
from events.auth.principal import Actor
from events.auth.tables import Role, RoleGrant, User
from events.commands import apply_migrations
from events.db import write_transaction
from events.demo.action_plans import load_demo_action_plans
from events.demo.certificates import load_demo_certificates
from events.demo.checkin import load_demo_checkin
from events.demo.evaluations import load_demo_evaluations
from events.demo.letters import load_letter_profiles
from events.demo.people import generate_participants, government_level
from events.demo.programme import load_programme, load_sites
from events.demo.travel import load_demo_travel
from events.errors import DomainError
from events.notifications.tables import OutboxMessage
from events.programme.tables import Event
from events.registration import moderation, schemas, submission
from events.registration.tables import Channel, Registration
from events.settings import get_settings

#: Development-only accounts; `events demo` refuses to run in production.
DEMO_ACCOUNTS = (
    ("organiser", "organiser@example.org", "demo-organiser-2027", Role.organiser, None),
    ("scanner-baku", "scanner-baku@example.org", "demo-scanner-2027", Role.staff, "baku-symposium-2027"),
)


async def _accounts(events: dict[str, int]) -> list[str]:
    system = Actor.system("demo")
    lines = []
    for username, email, password, role, event_slug in DEMO_ACCOUNTS:
        event_id = events.get(event_slug) if event_slug else None
        existing = await User.select(User.id).where(User.username == username).first()
        if existing is None:
            user = await auth_services.create_user(system, username=username, email=email, password=password)
            user_id = user["id"]
        else:
            user_id = existing["id"]
        has_grant = await RoleGrant.exists().where(
            RoleGrant.user == user_id,
            RoleGrant.role == role.value,
            RoleGrant.event.is_null() if event_id is None else RoleGrant.event == event_id,
        )
        if not has_grant:
            await auth_services.grant_role(system, user_id, role, event_id)
        scope = f" of {event_slug}" if event_slug else " (whole programme, /admin)"
        lines.append(f"  {role.value}{scope}: user {username!r}, password {password!r}")
    return lines


def _registration(person: dict[str, Any], rng: random.Random, event: dict) -> schemas.RegistrationCreate:
    values = {
        key: person[key]
        for key in (
            "given_names",
            "family_name",
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
        )
    }
    values["latin_name"] = person["latin_name"] or ""
    values["government_level"] = government_level(person["institution"])
    values["accessibility"] = person["accessibility_needs"]
    values["dietary"] = person["dietary_requirements"]
    values["self_identification"] = person["self_identified_groups"]
    values["consent"] = True
    values["funding_requested"] = rng.random() < 0.6
    if person["needs_visa"]:
        values["passport_number"] = f"{chr(65 + rng.randrange(26))}{rng.randrange(10**7, 10**8)}"
        values["passport_expiry"] = (
            event["end_date"] + datetime.timedelta(days=rng.randrange(60, 3000))
        ).isoformat()
        values["date_of_birth"] = datetime.date(
            rng.randrange(1960, 1998), rng.randrange(1, 13), rng.randrange(1, 29)
        )
        values["place_of_birth"] = "Demo City"
    return msgspec.convert(values, schemas.RegistrationCreate, strict=False)


async def _participants(count: int, seed: int, events: dict[str, int]) -> int:
    """Register the fictional people across the events, then moderate a realistic mix."""
    if count == 0 or await Registration.count():
        return 0
    rng = random.Random(seed)
    organiser = Actor.system("demo")
    event_rows = {
        row["slug"]: row for row in await Event.select().where(Event.id.is_in(list(events.values())))
    }
    weights = {slug: (3 if slug.startswith("baku") else 1) for slug in event_rows}
    created = 0
    people = generate_participants(count, seed)
    for start in range(0, len(people), 50):
        async with write_transaction():
            for person in people[start : start + 50]:
                slug = rng.choices(list(weights), weights=list(weights.values()))[0]
                event = event_rows[slug]
                try:
                    result = await submission.submit(
                        _registration(person, rng, event),
                        event_id=event["id"],
                        channel=Channel.import_,
                        actor=organiser,
                    )
                except DomainError:
                    continue
                created += 1
                registration_id = result.registration.id
                roll = rng.random()
                if roll < 0.70:
                    try:
                        await moderation.approve(organiser, registration_id)
                    except DomainError:
                        await moderation.waitlist(organiser, registration_id)
                elif roll < 0.78:
                    await moderation.waitlist(organiser, registration_id)
                elif roll < 0.83:
                    await moderation.reject(
                        organiser, registration_id, "Nomination outside the programme's scope"
                    )
                elif roll < 0.86:
                    await moderation.approve(organiser, registration_id)
                    await moderation.cancel(organiser, registration_id, "Travel not authorised")
    return created


async def load_demo(*, participants: int, if_empty: bool, seed: int) -> dict[str, Any]:
    settings = get_settings()
    if settings.is_production:
        raise DomainError(
            "The demo loads well-known passwords: it refuses to run with ENVIRONMENT=production"
        )
    await apply_migrations()
    auth_services.configure_password_hashing()
    actor = Actor.system("demo")
    programme = await load_programme(actor)
    lines = []
    if programme["created"] or not if_empty:
        sites = await load_sites(actor)
        registered = await _participants(participants, seed, programme["events"])
        from events.visits.demo import load_demo_visits

        await load_demo_visits(actor)
        await load_letter_profiles(actor, programme["events"])
        await load_demo_travel(seed=seed)
        await load_demo_action_plans()
        await load_demo_certificates(actor, programme["events"], seed=seed)
        await load_demo_checkin(actor, programme["events"])
        await load_demo_evaluations(actor, programme["events"], seed=seed)
        async with write_transaction():
            # The fictional participants' addresses are not real: their messages are not to be sent.
            await OutboxMessage.update(
                {OutboxMessage.sent_at: clock.now(), OutboxMessage.claimed_by: "demo"}
            ).where(OutboxMessage.sent_at.is_null())
        lines.append(
            f"Demo loaded: {len(programme['events'])} events, {sum(programme['sessions'].values())} sessions, "
            f"{sites} sites, {registered} fictional participants."
        )
    else:
        lines.append("The demo programme is loaded already (--if-empty): nothing added.")
    lines.append("Demo accounts (development only):")
    lines.extend(await _accounts(programme["events"]))
    return {"lines": lines, "programme": programme}
