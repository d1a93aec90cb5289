"""An event's vehicles: seats and step-free seats, used by its slots."""

from __future__ import annotations

import msgspec

from events.audit.services import record
from events.auth.principal import Actor
from events.clock import now
from events.db import write_transaction
from events.errors import Conflict, InvalidInput, NotFound
from events.programme import services as programme_services
from events.visits import schemas
from events.visits.context import changes, lock_settings, new_key
from events.visits.tables import SlotVehicle, Vehicle, VisitAssignment


def _vehicle(row: dict) -> schemas.Vehicle:
    return schemas.Vehicle(
        id=row["id"],
        event_id=row["event"],
        key=row["key"],
        name=row["name"],
        seats=row["seats"],
        step_free_seats=row["step_free_seats"],
        driver_name=row["driver_name"],
        driver_phone=row["driver_phone"],
    )


async def _vehicle_row(event_id: int, vehicle_id: int) -> dict:
    row = await Vehicle.select().where(Vehicle.id == vehicle_id, Vehicle.event == event_id).first()
    if row is None:
        raise NotFound(f"Event {event_id} has no vehicle {vehicle_id}")
    return row


async def list_vehicles(actor: Actor, event_id: int) -> list[schemas.Vehicle]:
    actor.require_organiser(event_id)
    await programme_services.get_event_row(event_id)
    return [_vehicle(r) for r in await Vehicle.select().where(Vehicle.event == event_id).order_by(Vehicle.id)]


def _check_vehicle(values: dict) -> None:
    if values["step_free_seats"] > values["seats"]:
        raise InvalidInput.field("step_free_seats", "cannot exceed seats")


async def create_vehicle(actor: Actor, event_id: int, data: schemas.VehicleCreate) -> schemas.Vehicle:
    actor.require_organiser(event_id)
    values = msgspec.to_builtins(data)
    values["name"] = values["name"].strip()
    _check_vehicle(values)
    async with write_transaction():
        await programme_services.get_event_row(event_id)
        await lock_settings(event_id)
        if await Vehicle.exists().where(Vehicle.event == event_id, Vehicle.name == values["name"]):
            raise Conflict(f"This event has a vehicle called {values['name']!r} already")
        vehicle = Vehicle(event=event_id, key=new_key("VH-"), created_at=now(), **values)
        await vehicle.save()
        await record(
            actor,
            "visits.vehicle_created",
            "vehicle",
            vehicle.id,
            event_id=event_id,
            data={"name": values["name"]},
        )
    return _vehicle(await _vehicle_row(event_id, vehicle.id))


async def update_vehicle(
    actor: Actor, event_id: int, vehicle_id: int, data: schemas.VehicleUpdate
) -> schemas.Vehicle:
    """Fewer seats lower the capacity of the vehicle's slots; it is refused while more
    participants are assigned to the vehicle than it would seat."""
    actor.require_organiser(event_id)
    values = changes(data)
    async with write_transaction():
        await lock_settings(event_id)
        current = await _vehicle_row(event_id, vehicle_id)
        merged = {**current, **values}
        _check_vehicle(merged)
        if "name" in values and await Vehicle.exists().where(
            Vehicle.event == event_id, Vehicle.name == values["name"], Vehicle.id != vehicle_id
        ):
            raise Conflict(f"This event has a vehicle called {values['name']!r} already")
        for slot_id in {
            row["slot"]
            for row in await SlotVehicle.select(SlotVehicle.slot).where(SlotVehicle.vehicle == vehicle_id)
        }:
            riding = await VisitAssignment.count().where(
                VisitAssignment.slot == slot_id, VisitAssignment.vehicle == vehicle_id
            )
            if riding > merged["seats"]:
                raise Conflict(
                    f"{riding} participants of slot {slot_id} ride in this vehicle; move them before "
                    f"cutting its seats to {merged['seats']}"
                )
            step_free_riders = sum(
                "step_free_access" in (row["registration.accessibility"] or [])
                for row in await VisitAssignment.select(VisitAssignment.registration.accessibility)
                .where(VisitAssignment.slot == slot_id, VisitAssignment.vehicle == vehicle_id)
                .output(load_json=True)
            )
            if step_free_riders > merged["step_free_seats"]:
                raise Conflict(
                    f"{step_free_riders} participants of slot {slot_id} need this vehicle's step-free seats; "
                    f"move them before cutting them to {merged['step_free_seats']}"
                )
        if values:
            await Vehicle.update(values).where(Vehicle.id == vehicle_id)
        await record(
            actor,
            "visits.vehicle_updated",
            "vehicle",
            vehicle_id,
            event_id=event_id,
            data={"fields": sorted(values)},
        )
    return _vehicle(await _vehicle_row(event_id, vehicle_id))


async def delete_vehicle(actor: Actor, event_id: int, vehicle_id: int) -> None:
    actor.require_organiser(event_id)
    async with write_transaction():
        await lock_settings(event_id)
        row = await _vehicle_row(event_id, vehicle_id)
        used = await SlotVehicle.count().where(SlotVehicle.vehicle == vehicle_id)
        if used:
            raise Conflict(f"Vehicle {row['name']!r} serves {used} slot(s); take it off them first")
        await Vehicle.delete().where(Vehicle.id == vehicle_id)
        await record(
            actor,
            "visits.vehicle_deleted",
            "vehicle",
            vehicle_id,
            event_id=event_id,
            data={"name": row["name"]},
        )
