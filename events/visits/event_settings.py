"""An event's visit settings (venue, travel speed, visits per participant) and its travel times."""

from __future__ import annotations

from events.audit.services import record
from events.auth.principal import Actor
from events.clock import now
from events.db import write_transaction
from events.errors import InvalidInput
from events.programme import services as programme_services
from events.visits import context, schemas, travel
from events.visits.context import changes, lock_settings
from events.visits.tables import Site, TravelTime, VisitSettings


def settings_from(visits: context.EventVisits) -> schemas.VisitSettings:
    s = visits.settings
    return schemas.VisitSettings(
        event_id=visits.event["id"],
        venue_latitude=s["venue_latitude"],
        venue_longitude=s["venue_longitude"],
        speed_kmh=s["speed_kmh"],
        overhead_minutes=s["overhead_minutes"],
        visits_per_participant=s["visits_per_participant"],
        default_meeting_point=s["default_meeting_point"],
        travel_estimate=travel.formula(s["speed_kmh"], s["overhead_minutes"]),
    )


async def get_settings(event_id: int) -> schemas.VisitSettings:
    return settings_from(await context.load(event_id))


async def update_settings(
    actor: Actor, event_id: int, data: schemas.VisitSettingsUpdate
) -> schemas.VisitSettings:
    actor.require_organiser(event_id)
    values = changes(data)
    async with write_transaction():
        await programme_services.get_event_row(event_id)
        current = await lock_settings(event_id)
        merged = {**current, **values}
        if (merged["venue_latitude"] is None) != (merged["venue_longitude"] is None):
            raise InvalidInput.field("venue_longitude", "give both venue coordinates, or neither")
        if values:
            await VisitSettings.update({**values, "updated_at": now()}).where(VisitSettings.event == event_id)
        await record(
            actor,
            "visits.settings_updated",
            "event",
            event_id,
            event_id=event_id,
            data={"fields": sorted(values)},
        )
    return await get_settings(event_id)


async def travel_matrix(actor: Actor, event_id: int) -> schemas.TravelMatrix:
    actor.require_organiser(event_id)
    visits = await context.load(event_id)
    used = {slot["site"] for slot in visits.slots.values()}
    ordered = sorted(visits.sites.values(), key=lambda s: (s["id"] not in used, s["city"], s["name"]))
    places: list[int | None] = [context.VENUE, *(site["id"] for site in ordered)]
    minutes, sources = [], []
    for origin in places:
        row_minutes, row_sources = [], []
        for destination in places:
            value, source = visits.travel(origin, destination)
            row_minutes.append(value)
            row_sources.append(source)
        minutes.append(row_minutes)
        sources.append(row_sources)
    names = [f"Venue: {visits.event['venue']}", *(site["name"] for site in ordered)]
    return schemas.TravelMatrix(
        event_id=event_id,
        places=[schemas.Place(site_id, name) for site_id, name in zip(places, names, strict=True)],
        minutes=minutes,
        sources=sources,
        formula=travel.formula(visits.settings["speed_kmh"], visits.settings["overhead_minutes"]),
    )


async def set_travel_time(actor: Actor, event_id: int, data: schemas.TravelTimeSet) -> schemas.TravelMatrix:
    actor.require_organiser(event_id)
    if data.origin_site_id == data.destination_site_id:
        raise InvalidInput.field("destination_site_id", "must differ from origin_site_id")
    async with write_transaction():
        await programme_services.get_event_row(event_id)
        await lock_settings(event_id)
        for field, site_id in (
            ("origin_site_id", data.origin_site_id),
            ("destination_site_id", data.destination_site_id),
        ):
            if site_id is not None and not await Site.exists().where(Site.id == site_id):
                raise InvalidInput.field(field, f"no visit site with id {site_id}")
        pairs = [(data.origin_site_id, data.destination_site_id)]
        if data.both_ways:
            pairs.append((data.destination_site_id, data.origin_site_id))
        for origin, destination in pairs:
            where = (
                TravelTime.event == event_id,
                TravelTime.origin.is_null() if origin is None else TravelTime.origin == origin,
                TravelTime.destination.is_null()
                if destination is None
                else TravelTime.destination == destination,
            )
            await TravelTime.delete().where(*where)
            if data.minutes is not None:
                await TravelTime.insert(
                    TravelTime(
                        event=event_id,
                        origin=origin,
                        destination=destination,
                        minutes=data.minutes,
                        updated_at=now(),
                    )
                )
        await record(
            actor,
            "visits.travel_time_set",
            "event",
            event_id,
            event_id=event_id,
            data={
                "origin_site_id": data.origin_site_id,
                "destination_site_id": data.destination_site_id,
                "minutes": data.minutes,
                "both_ways": data.both_ways,
            },
        )
    return await travel_matrix(actor, event_id)
