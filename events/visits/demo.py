"""Demo visit data: details for the ASAN centres the demo seeds, and the Baku symposium's visits.

Nothing here is verified. Coordinates are city centres (every Baku centre sits on Baku's), the
opening hours are the demo's invented "Monday to Saturday, 09:00-19:00", and the accessibility
features are invented too; each site's notes say so, and organisers edit them all.
"""

from __future__ import annotations

import datetime
import random
from typing import Any

from events.auth.principal import Actor
from events.errors import DomainError
from events.programme.tables import Event, Session, SessionKind
from events.registration.tables import Registration, RegistrationStatus
from events.visits import context, schemas
from events.visits.event_settings import update_settings
from events.visits.preferences import set_preferences
from events.visits.runs import commit_run, dry_run
from events.visits.sites import update_site
from events.visits.slots import create_slot
from events.visits.tables import Site, Vehicle, VisitSlot
from events.visits.vehicles import create_vehicle

#: Approximate city centres (latitude, longitude): enough for estimated travel times.
CITY_CENTRES: dict[str, tuple[float, float]] = {
    "Baku": (40.4093, 49.8671),
    "Sumgayit": (40.5897, 49.6686),
    "Ganja": (40.6828, 46.3606),
    "Sabirabad": (40.0087, 48.4770),
    "Barda": (40.3744, 47.1266),
    "Gabala": (40.9814, 47.8458),
    "Masalli": (39.0341, 48.6653),
    "Guba": (41.3611, 48.5126),
    "Mingachevir": (40.7703, 47.0496),
    "Imishli": (39.8709, 48.0600),
    "Shaki": (41.1919, 47.1706),
    "Shamakhi": (40.6303, 48.6414),
    "Kurdamir": (40.3456, 48.1607),
    "Tovuz": (40.9925, 45.6284),
    "Agjabadi": (40.0530, 47.4594),
    "Balakan": (41.7250, 46.4044),
}
DEMO_HOURS = {day: [("09:00", "19:00")] for day in ("mon", "tue", "wed", "thu", "fri", "sat")}
#: Invented for the demo, so that the scheduler has step-free and interpreted sites to use.
DEMO_FEATURES = {
    "Baku ASAN service centre No. 1": {
        "step_free": True,
        "hearing_loop": True,
        "sign_language_on_request": True,
    },
    "Baku ASAN service centre No. 5": {"step_free": True},
    "Sumgayit ASAN service centre": {"step_free": True},
}
DEMO_NOTE = "Demo: coordinates are the city centre; opening hours and accessibility features are invented."
BAKU_SLUG = "baku-symposium-2027"
#: Near the Baku Congress Center (approximate).
BAKU_VENUE = (40.3777, 49.8920)


async def enrich_demo_sites(actor: Actor) -> int:
    """Give the demo's ASAN centres coordinates, hours, a group size and guide languages, where
    an organiser has not set them. Returns how many sites were updated."""
    updated = 0
    for row in await Site.select().output(load_json=True):
        if row["latitude"] is not None or row["opening_hours"] or row["city"] not in CITY_CENTRES:
            continue
        lat, lon = CITY_CENTRES[row["city"]]
        features = DEMO_FEATURES.get(row["name"], {})
        notes = row["notes"] if DEMO_NOTE in row["notes"] else f"{row['notes']}\n{DEMO_NOTE}".strip()
        await update_site(
            actor,
            row["id"],
            schemas.SiteUpdate(
                latitude=lat,
                longitude=lon,
                opening_hours={schemas.Weekday(day): hours for day, hours in DEMO_HOURS.items()},
                group_capacity=25,
                guide_languages=["az", "en", "ru"],
                notes=notes,
                **features,
            ),
        )
        updated += 1
    return updated


async def load_demo_visits(actor: Actor, *, seed: int = 2027) -> dict[str, Any]:
    """The Baku symposium's study visits: settings, four vehicles, one slot per study-visit
    session (linked to it), choices for the approved participants, then a committed schedule.
    Does nothing when the event is missing or has slots already."""
    event = await Event.select().where(Event.slug == BAKU_SLUG).first()
    if event is None or await VisitSlot.exists().where(VisitSlot.event == event["id"]):
        return {"created": False}
    event_id = event["id"]
    await enrich_demo_sites(actor)
    await update_settings(
        actor,
        event_id,
        schemas.VisitSettingsUpdate(
            venue_latitude=BAKU_VENUE[0],
            venue_longitude=BAKU_VENUE[1],
            default_meeting_point="Baku Congress Center, main entrance",
        ),
    )
    fleet = {}
    for name, seats, step_free in (
        ("Coach 1", 45, 2),
        ("Coach 2", 45, 0),
        ("Minibus A", 18, 1),
        ("Minibus B", 18, 0),
    ):
        if not await Vehicle.exists().where(Vehicle.event == event_id, Vehicle.name == name):
            fleet[name] = await create_vehicle(
                actor, event_id, schemas.VehicleCreate(name=name, seats=seats, step_free_seats=step_free)
            )
    sites = {row["name"]: row["id"] for row in await Site.select(Site.name, Site.id)}
    sessions = (
        await Session.select()
        .where(Session.event == event_id, Session.kind == SessionKind.study_visit.value)
        .order_by(Session.starts_at)
    )
    vehicles = iter([["Coach 1"], ["Coach 2"], ["Minibus A"], ["Minibus B"]])
    slots = []
    visits = await context.load(event_id)
    for session in sessions:
        site_id = sites.get(session["room"])
        if site_id is None:
            continue
        out, _ = visits.travel(None, site_id)
        back, _ = visits.travel(site_id, None)
        if out is None or back is None:
            continue
        starts = session["starts_at"] + datetime.timedelta(minutes=out)
        ends = session["ends_at"] - datetime.timedelta(minutes=back)
        try:
            slot = await create_slot(
                actor,
                event_id,
                schemas.SlotCreate(
                    site_id=site_id,
                    starts_at=starts,
                    ends_at=ends,
                    vehicle_ids=[fleet[name].id for name in next(vehicles, ["Minibus B"]) if name in fleet],
                    guide_language="en",
                    session_id=session["id"],
                ),
            )
        except DomainError:
            continue
        slots.append(slot)
    rng = random.Random(seed)
    approved = await Registration.select(Registration.id).where(
        Registration.event == event_id, Registration.status == RegistrationStatus.approved.value
    )
    for row in approved:
        picks = rng.sample(slots, k=min(len(slots), rng.randint(2, 4)))
        await set_preferences(
            actor,
            row["id"],
            schemas.PreferencesSet(choices=[schemas.Choice(slot_id=slot.id) for slot in picks]),
        )
    run = await dry_run(actor, event_id, time_limit_s=5)
    committed = None
    if run.committable:
        committed = await commit_run(actor, event_id, run.id)
    return {
        "created": True,
        "slots": len(slots),
        "vehicles": len(fleet),
        "preferences": len(approved),
        "assigned": committed.assigned if committed else 0,
        "solver_status": run.solver_status,
    }
