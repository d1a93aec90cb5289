"""Airport transfers: funded participants grouped into pick-up (and drop-off) runs.

Who travels: approved registrations of the event whose funding decision is not ``not_funded``.
Arrivals ride from the last inbound segment landing at the event's airport
(``TravelSettings.airport``); departures to the first outbound segment leaving from it.

The grouping (:func:`group`) is pure and deterministic. It reuses the study-visit machinery where
it fits: the vehicles are the visits area's ``Vehicle`` rows (seats, step-free seats, driver), they
enter as the solver's ``model.Vehicle``, a step-free need is the visits' ``STEP_FREE`` code, and
every plan is judged by the visits solver's own hard-rule checker (``checks.violations``: seats and
step-free seats per trip, one trip per person) before anything is written. The visits *solver*
itself (max-flow, min-cost flow, CP-SAT) optimises ranked choices of fixed slots; transfers have no
choices and their "slots" (runs) are what is being made, so a small sweep does the grouping:

* travellers in order of their flight time; a window opens at the first one not yet placed and
  takes everyone whose flight is within ``transfer_window_minutes`` of it;
* the window's vehicles are those free by then (a vehicle is away from a run's first flight until
  it is back from the hotel: ``ROUND_TRIP_MINUTES`` after it leaves, or after ``waits_until``) and
  not away on other work: a study-visit trip of the vehicle (the visits area's own trip times) or a
  run of the other direction;
  vehicles with step-free seats are taken first while step-free travellers need seats, then the
  largest; their step-free seats are held for the window's step-free travellers, the other seats
  go to everyone else, in order of flight time;
* an arrival run leaves ``EXIT_MINUTES`` after its last flight lands (passport, luggage) and waits
  until ``transfer_wait_minutes`` later for a delayed flight; a departure run leaves the hotel
  ``DEPARTURE_LEAD_HOURS`` before its first flight;
* who finds no seat is reported with the reason: ``no_step_free_seat`` (no vehicle with step-free
  seats left) or ``no_capacity``.

:func:`plan_transfers` replaces the previous plan of one direction in one transaction (audited).
A run's ``key`` (``TR-…``) is its boarding checkpoint id (:func:`list_checkpoints`,
:func:`boarding_list`); a re-plan keeps a saved run (its key, meeting point and contact phone) for
each new run of the same vehicle, so checkpoints and edits survive it (:func:`_keep_runs`).
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from events import clock
from events.audit.services import record
from events.auth.principal import Actor
from events.db import write_transaction
from events.db.transactions import serialise_on
from events.errors import Conflict, InvalidInput, NotFound
from events.programme import services as programme_services
from events.registration.tables import Registration, RegistrationStatus
from events.travel import schemas, transfer_manifest
from events.travel.tables import (
    FlightSegment,
    FundingDecision,
    FundingLevel,
    SegmentDirection,
    TransferDirection,
    TransferRider,
    TransferRun,
    TravelSettings,
)
from events.visits import context as visits_context
from events.visits.context import STEP_FREE, new_key, person_name
from events.visits.solver import checks, model
from events.visits.tables import Vehicle

#: Minutes from landing to the kerb (passport control, luggage): an arrival run leaves then.
EXIT_MINUTES = 45
#: A departure run leaves the hotel this many hours before its first flight (no setting yet).
DEPARTURE_LEAD_HOURS = 3
#: Minutes a vehicle is away after it leaves (to the hotel or the airport, and back).
ROUND_TRIP_MINUTES = 90
DEFAULT_WINDOW_MINUTES = 90
DEFAULT_WAIT_MINUTES = 60
MEETING_POINTS = {
    TransferDirection.arrival: "Arrivals hall, {airport}",
    TransferDirection.departure: "Hotel lobby",
}


# --- the grouping (pure) ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Traveller:
    registration_id: int
    #: Arrivals: when the flight lands; departures: when it leaves (UTC).
    flight_at: datetime.datetime
    step_free: bool = False
    segment_id: int | None = None
    name: str = ""


@dataclass(frozen=True, slots=True)
class PlannedRun:
    vehicle_id: int
    leaves_at: datetime.datetime
    waits_until: datetime.datetime | None
    riders: tuple[Traveller, ...]

    @property
    def step_free_riders(self) -> int:
        return sum(rider.step_free for rider in self.riders)


@dataclass(frozen=True, slots=True)
class Unplaced:
    registration_id: int
    code: str
    detail: str


@dataclass
class Plan:
    runs: list[PlannedRun] = field(default_factory=list)
    unplaced: list[Unplaced] = field(default_factory=list)


def group(
    travellers: Sequence[Traveller],
    vehicles: Sequence[model.Vehicle],
    direction: TransferDirection | str,
    *,
    window_minutes: int = DEFAULT_WINDOW_MINUTES,
    wait_minutes: int = DEFAULT_WAIT_MINUTES,
    exit_minutes: int = EXIT_MINUTES,
    lead_hours: int = DEPARTURE_LEAD_HOURS,
    round_trip_minutes: int = ROUND_TRIP_MINUTES,
    busy: Mapping[int, Sequence[tuple[datetime.datetime, datetime.datetime]]] | None = None,
) -> Plan:
    """Group travellers into runs (see the module's text); deterministic for the same input.

    ``busy``: vehicle id → times it is away on other work (study-visit trips, the other direction's
    runs); a vehicle is left out of a window whose longest possible run would overlap one."""
    busy = busy or {}
    direction = TransferDirection(direction)
    window = datetime.timedelta(minutes=max(window_minutes, 0))
    round_trip = datetime.timedelta(minutes=round_trip_minutes)
    queue = sorted(travellers, key=lambda t: (t.flight_at, t.registration_id))
    free_from: dict[int, datetime.datetime] = {}
    plan = Plan()
    start = 0
    while start < len(queue):
        opens = queue[start].flight_at
        end = start
        while end < len(queue) and queue[end].flight_at - opens <= window:
            end += 1
        members = queue[start:end]
        start = end
        # A departure's vehicle must be free when it leaves the hotel; an arrival's when the first
        # flight of the window lands.
        if direction == TransferDirection.departure:
            needed_from = opens - datetime.timedelta(hours=lead_hours)
            needed_until = needed_from + round_trip
        else:
            needed_from = opens
            needed_until = (
                opens + window + datetime.timedelta(minutes=exit_minutes + max(wait_minutes, 0)) + round_trip
            )
        available = [
            v
            for v in vehicles
            if v.seats > 0
            and free_from.get(v.id, needed_from) <= needed_from
            and not any(start < needed_until and needed_from < end for start, end in busy.get(v.id, ()))
        ]
        runs, unplaced = _seat(members, available)
        plan.unplaced += unplaced
        for vehicle, riders in runs:
            if direction == TransferDirection.arrival:
                leaves = max(r.flight_at for r in riders) + datetime.timedelta(minutes=exit_minutes)
                waits = leaves + datetime.timedelta(minutes=max(wait_minutes, 0))
                free_from[vehicle.id] = waits + round_trip
            else:
                leaves = min(r.flight_at for r in riders) - datetime.timedelta(hours=lead_hours)
                waits = None
                free_from[vehicle.id] = leaves + round_trip
            plan.runs.append(PlannedRun(vehicle.id, leaves, waits, tuple(riders)))
    problems = judge(plan, vehicles)
    if problems:  # the grouping broke a hard rule: a bug, never written
        raise AssertionError("; ".join(problems))
    return plan


def _seat(
    members: Sequence[Traveller], available: Sequence[model.Vehicle]
) -> tuple[list[tuple[model.Vehicle, list[Traveller]]], list[Unplaced]]:
    step_free_needed = sum(m.step_free for m in members)
    chosen: list[model.Vehicle] = []
    rest = list(available)
    # Vehicles with step-free seats first while step-free travellers need them, then the largest.
    while step_free_needed > sum(min(v.step_free_seats, v.seats) for v in chosen):
        candidates = [v for v in rest if v.step_free_seats > 0]
        if not candidates:
            break
        best = min(candidates, key=lambda v: (-v.step_free_seats, -v.seats, v.id))
        chosen.append(best)
        rest.remove(best)
    while len(members) > sum(v.seats for v in chosen) and rest:
        best = min(rest, key=lambda v: (-(v.seats - v.step_free_seats), -v.seats, v.id))
        chosen.append(best)
        rest.remove(best)
    # Hold step-free seats for the window's step-free travellers; the other seats are plain.
    held: dict[int, int] = {}
    to_hold = step_free_needed
    for vehicle in chosen:
        held[vehicle.id] = min(vehicle.step_free_seats, vehicle.seats, to_hold)
        to_hold -= held[vehicle.id]
    plain = {v.id: v.seats - held[v.id] for v in chosen}
    seated: dict[int, list[Traveller]] = {v.id: [] for v in chosen}
    unplaced: list[Unplaced] = []
    for member in members:
        pool = held if member.step_free else plain
        vehicle = next((v for v in chosen if pool[v.id] > 0), None)
        if vehicle is None:
            unplaced.append(_why(member, available))
            continue
        pool[vehicle.id] -= 1
        seated[vehicle.id].append(member)
    return [(v, seated[v.id]) for v in chosen if seated[v.id]], unplaced


def _why(member: Traveller, available: Sequence[model.Vehicle]) -> Unplaced:
    when = f"{member.flight_at:%Y-%m-%d %H:%M} UTC"
    if member.step_free:
        return Unplaced(
            member.registration_id,
            "no_step_free_seat",
            f"needs a step-free seat: no vehicle with step-free seats left for the flight at {when}",
        )
    return Unplaced(
        member.registration_id,
        "no_capacity",
        f"no seat left: {len(available)} vehicle(s) free for the flight at {when} are full",
    )


def judge(plan: Plan, vehicles: Sequence[model.Vehicle]) -> list[str]:
    """The hard rules a plan breaks, by the visits solver's own checker: each run a trip of its one
    vehicle (seats, step-free seats), each person on one run at most."""
    by_id = {v.id: v for v in vehicles}
    slots = []
    people: dict[int, model.Participant] = {}
    assignment: dict[int, list[int]] = {}
    for number, run in enumerate(plan.runs, start=1):
        vehicle = by_id[run.vehicle_id]
        moment = int(run.leaves_at.timestamp() // 60)
        slots.append(
            model.Slot(
                id=number,
                site_id=0,
                start=moment,
                end=moment + 1,
                depart=moment,
                back=moment + 1,
                capacity=vehicle.seats,
                vehicles=(vehicle,),
                step_free=True,
            )
        )
        for rider in run.riders:
            people[rider.registration_id] = model.Participant(
                id=rider.registration_id, step_free=rider.step_free
            )
            assignment.setdefault(rider.registration_id, []).append(number)
    problem = model.Problem(participants=tuple(people.values()), slots=tuple(slots))
    return checks.violations(problem, {pid: tuple(ids) for pid, ids in assignment.items()})


# --- reading the database --------------------------------------------------------------------------


async def _settings(event_id: int) -> dict:
    row = await TravelSettings.select().where(TravelSettings.event == event_id).first()
    return row or {
        "airport": "",
        "transfer_window_minutes": DEFAULT_WINDOW_MINUTES,
        "transfer_wait_minutes": DEFAULT_WAIT_MINUTES,
    }


async def _vehicles(event_id: int) -> dict[int, dict]:
    rows = await Vehicle.select().where(Vehicle.event == event_id).order_by(Vehicle.id)
    return {row["id"]: row for row in rows}


async def _vehicle_busy(
    event_id: int, direction: TransferDirection
) -> dict[int, list[tuple[datetime.datetime, datetime.datetime]]]:
    """When each vehicle is away on other work: its study-visit trips (travel included, as the
    visits area computes them) and the other direction's transfer runs."""
    busy: dict[int, list[tuple[datetime.datetime, datetime.datetime]]] = {}
    visits = await visits_context.load(event_id)
    for slot_id, vehicle_ids in visits.slot_vehicles.items():
        slot = visits.slots[slot_id]
        trip = visits.trip(slot)
        span = (trip.departs_at, trip.returns_at) if trip else (slot["starts_at"], slot["ends_at"])
        for vehicle_id in vehicle_ids:
            busy.setdefault(vehicle_id, []).append(span)
    round_trip = datetime.timedelta(minutes=ROUND_TRIP_MINUTES)
    other = (
        TransferDirection.departure if direction == TransferDirection.arrival else TransferDirection.arrival
    )
    for run in await TransferRun.select().where(
        TransferRun.event == event_id, TransferRun.direction == other
    ):
        if run["direction"] == TransferDirection.arrival:
            start = run["leaves_at"] - datetime.timedelta(minutes=EXIT_MINUTES + DEFAULT_WINDOW_MINUTES)
            end = (run["waits_until"] or run["leaves_at"]) + round_trip
        else:
            start, end = run["leaves_at"], run["leaves_at"] + round_trip
        busy.setdefault(run["vehicle"], []).append((start, end))
    return busy


def _model_vehicle(row: dict) -> model.Vehicle:
    return model.Vehicle(
        id=row["id"],
        seats=row["seats"],
        step_free_seats=min(row["step_free_seats"], row["seats"]),
        name=row["name"],
    )


async def _people(event_id: int) -> dict[int, dict]:
    """Approved, funded registrations of the event."""
    funded = await FundingDecision.select(FundingDecision.registration).where(
        FundingDecision.event == event_id, FundingDecision.level != FundingLevel.not_funded
    )
    ids = [row["registration"] for row in funded]
    if not ids:
        return {}
    rows = (
        await Registration.select(
            Registration.id,
            Registration.given_names,
            Registration.family_name,
            Registration.preferred_name,
            Registration.phone,
            Registration.accessibility,
        )
        .where(
            Registration.event == event_id,
            Registration.status == RegistrationStatus.approved,
            Registration.id.is_in(ids),
        )
        .output(load_json=True)
    )
    return {row["id"]: row for row in rows}


async def travellers(event_id: int, direction: TransferDirection, airport: str) -> list[Traveller]:
    """The funded participants with a flight into (arrival) or out of (departure) the airport."""
    people = await _people(event_id)
    if not people or not airport:
        return []
    inbound = direction == TransferDirection.arrival
    segments = await FlightSegment.select().where(
        FlightSegment.registration.is_in(list(people)),
        FlightSegment.direction == (SegmentDirection.inbound if inbound else SegmentDirection.outbound),
    )
    chosen: dict[int, dict] = {}
    for segment in segments:
        if inbound and segment["to_airport"] == airport:
            current = chosen.get(segment["registration"])
            if current is None or (segment["arrives_at"], segment["id"]) > (
                current["arrives_at"],
                current["id"],
            ):
                chosen[segment["registration"]] = segment
        elif not inbound and segment["from_airport"] == airport:
            current = chosen.get(segment["registration"])
            if current is None or (segment["departs_at"], segment["id"]) < (
                current["departs_at"],
                current["id"],
            ):
                chosen[segment["registration"]] = segment
    out = []
    for registration_id, segment in chosen.items():
        person = people[registration_id]
        out.append(
            Traveller(
                registration_id=registration_id,
                flight_at=segment["arrives_at"] if inbound else segment["departs_at"],
                step_free=STEP_FREE in (person["accessibility"] or []),
                segment_id=segment["id"],
                name=person_name(person),
            )
        )
    return out


# --- services --------------------------------------------------------------------------------------


async def plan_transfers(
    actor: Actor, event_id: int, direction: TransferDirection | str
) -> schemas.TransferPlan:
    """Group the direction's travellers into runs, replacing that direction's previous plan."""
    actor.require_organiser(event_id)
    try:
        direction = TransferDirection(direction)
    except ValueError:
        raise InvalidInput.field("direction", "must be arrival or departure") from None
    async with write_transaction():
        await serialise_on(f"travel.transfers.{event_id}")
        await programme_services.get_event_row(event_id)
        settings = await _settings(event_id)
        airport = (settings["airport"] or "").strip().upper()
        if not airport:
            raise InvalidInput.field(
                "airport", "set the event's arrival airport in the travel settings first"
            )
        vehicles = await _vehicles(event_id)
        if not vehicles:
            raise InvalidInput.field(
                "vehicle_id", "the event has no vehicles: add them under Study visits, Vehicles, first"
            )
        people = await travellers(event_id, direction, airport)
        busy = await _vehicle_busy(event_id, direction)
        plan = group(
            people,
            [_model_vehicle(row) for row in vehicles.values()],
            direction,
            window_minutes=settings["transfer_window_minutes"],
            wait_minutes=settings["transfer_wait_minutes"],
            busy=busy,
        )
        kept = await _keep_runs(event_id, direction, plan.runs)
        moment = clock.now()
        driver_phones = {vid: row["driver_phone"] for vid, row in vehicles.items()}
        for index, run in enumerate(plan.runs):
            if index in kept:
                run_id = kept[index]
                await TransferRun.update(
                    {TransferRun.leaves_at: run.leaves_at, TransferRun.waits_until: run.waits_until}
                ).where(TransferRun.id == run_id)
                await TransferRider.delete().where(TransferRider.run == run_id)
            else:
                saved = TransferRun(
                    event=event_id,
                    direction=direction,
                    vehicle=run.vehicle_id,
                    key=new_key("TR-"),
                    leaves_at=run.leaves_at,
                    waits_until=run.waits_until,
                    meeting_point=MEETING_POINTS[direction].format(airport=airport),
                    contact_phone=driver_phones[run.vehicle_id],
                    created_at=moment,
                )
                await saved.save()
                run_id = saved.id
            await TransferRider.insert(
                *(
                    TransferRider(
                        run=run_id,
                        registration=rider.registration_id,
                        segment=rider.segment_id,
                        step_free=rider.step_free,
                    )
                    for rider in run.riders
                )
            )
        names = {t.registration_id: t.name for t in people}
        await record(
            actor,
            "travel.transfers.planned",
            "event",
            event_id,
            event_id=event_id,
            data={
                "direction": str(direction),
                "runs": len(plan.runs),
                "riders": sum(len(run.riders) for run in plan.runs),
                "unplaced": [{"registration_id": u.registration_id, "code": u.code} for u in plan.unplaced],
            },
        )
    return schemas.TransferPlan(
        direction=direction.value,
        runs=await _runs(event_id, direction=direction),
        unplaced=[
            schemas.TransferUnplaced(
                registration_id=u.registration_id,
                name=names.get(u.registration_id, ""),
                code=u.code,
                detail=u.detail,
            )
            for u in plan.unplaced
        ],
    )


async def _keep_runs(
    event_id: int, direction: TransferDirection, planned: Sequence[PlannedRun]
) -> dict[int, int]:
    """Which saved runs the new plan keeps: planned run index → saved run id. The rest are deleted.

    A re-plan (a flight changed, someone was added) must not reset what organisers and staff rely
    on: a run keeps its key (its boarding checkpoint and the scanners' kits), its edited meeting point
    and contact phone when the new plan has a run of the same vehicle. Pairs are made greedily, the
    most riders in common first, then the nearest departure time.
    """
    saved = await TransferRun.select(TransferRun.id, TransferRun.vehicle, TransferRun.leaves_at).where(
        TransferRun.event == event_id, TransferRun.direction == direction
    )
    riders: dict[int, set[int]] = {row["id"]: set() for row in saved}
    if saved:
        for row in await TransferRider.select(TransferRider.run, TransferRider.registration).where(
            TransferRider.run.is_in(list(riders))
        ):
            riders[row["run"]].add(row["registration"])
    pairs = sorted(
        (
            -len(riders[row["id"]] & {rider.registration_id for rider in run.riders}),
            abs((row["leaves_at"] - run.leaves_at).total_seconds()),
            index,
            row["id"],
        )
        for index, run in enumerate(planned)
        for row in saved
        if row["vehicle"] == run.vehicle_id
    )
    kept: dict[int, int] = {}
    for _, _, index, run_id in pairs:
        if index not in kept and run_id not in kept.values():
            kept[index] = run_id
    dropped = [row["id"] for row in saved if row["id"] not in kept.values()]
    if dropped:
        await TransferRun.delete().where(TransferRun.id.is_in(dropped))
    return kept


async def _runs(
    event_id: int, *, direction: TransferDirection | None = None, run_id: int | None = None
) -> list[schemas.TransferRun]:
    query = TransferRun.select().where(TransferRun.event == event_id)
    if direction is not None:
        query = query.where(TransferRun.direction == direction)
    if run_id is not None:
        query = query.where(TransferRun.id == run_id)
    runs = await query.order_by(TransferRun.leaves_at).order_by(TransferRun.id)
    if not runs:
        return []
    vehicles = await _vehicles(event_id)
    riders = (
        await TransferRider.select(
            TransferRider.run,
            TransferRider.registration,
            TransferRider.segment,
            TransferRider.step_free,
            TransferRider.registration.given_names,
            TransferRider.registration.family_name,
            TransferRider.registration.preferred_name,
            TransferRider.registration.phone,
            TransferRider.segment.carrier,
            TransferRider.segment.flight_number,
            TransferRider.segment.arrives_at,
            TransferRider.segment.departs_at,
        )
        .where(TransferRider.run.is_in([run["id"] for run in runs]))
        .order_by(TransferRider.id)
    )
    directions = {run["id"]: run["direction"] for run in runs}
    by_run: dict[int, list[schemas.TransferRider]] = {}
    for row in riders:
        arrival = directions[row["run"]] == TransferDirection.arrival
        flight_at = row["segment.arrives_at"] if arrival else row["segment.departs_at"]
        flight = f"{row['segment.carrier']} {row['segment.flight_number']}" if row["segment"] else ""
        by_run.setdefault(row["run"], []).append(
            schemas.TransferRider(
                registration_id=row["registration"],
                name=person_name(
                    {
                        "given_names": row["registration.given_names"],
                        "family_name": row["registration.family_name"],
                        "preferred_name": row["registration.preferred_name"],
                    }
                ),
                step_free=bool(row["step_free"]),
                segment_id=row["segment"],
                flight=flight,
                flight_at=flight_at,
                phone=row["registration.phone"] or "",
            )
        )
    out = []
    for run in runs:
        vehicle = vehicles[run["vehicle"]]
        members = sorted(
            by_run.get(run["id"], []), key=lambda r: (r.flight_at or run["leaves_at"], r.registration_id)
        )
        out.append(
            schemas.TransferRun(
                id=run["id"],
                event_id=event_id,
                direction=run["direction"],
                key=run["key"],
                vehicle_id=vehicle["id"],
                vehicle_name=vehicle["name"],
                seats=vehicle["seats"],
                step_free_seats=vehicle["step_free_seats"],
                driver_name=vehicle["driver_name"],
                driver_phone=vehicle["driver_phone"],
                leaves_at=run["leaves_at"],
                waits_until=run["waits_until"],
                meeting_point=run["meeting_point"],
                contact_phone=run["contact_phone"],
                riders=members,
            )
        )
    return out


async def list_runs(
    actor: Actor, event_id: int, direction: TransferDirection | str | None = None
) -> list[schemas.TransferRun]:
    actor.require_organiser(event_id)
    await programme_services.get_event_row(event_id)
    return await _runs(event_id, direction=TransferDirection(direction) if direction else None)


async def get_run(actor: Actor, event_id: int, run_id: int) -> schemas.TransferRun:
    actor.require_staff(event_id)
    runs = await _runs(event_id, run_id=run_id)
    if not runs:
        raise NotFound(f"Event {event_id} has no transfer run {run_id}")
    return runs[0]


def _fits(vehicle: dict, riders: int, step_free: int) -> None:
    if riders > vehicle["seats"]:
        raise Conflict.field(
            "vehicle_id",
            f"{riders} riders do not fit in {vehicle['name']!r}, which has {vehicle['seats']} seats",
        )
    if step_free > min(vehicle["step_free_seats"], vehicle["seats"]):
        raise Conflict.field(
            "vehicle_id",
            f"{step_free} riders need a step-free seat; {vehicle['name']!r} has {vehicle['step_free_seats']}",
        )


async def update_run(
    actor: Actor, event_id: int, run_id: int, data: schemas.TransferRunUpdate
) -> schemas.TransferRun:
    """Change a run's meeting point, contact phone or vehicle (the new vehicle must seat its riders)."""
    actor.require_organiser(event_id)
    values: dict = {}
    for name in ("meeting_point", "contact_phone"):
        value = getattr(data, name)
        if isinstance(value, str):
            values[name] = value.strip()
    async with write_transaction():
        await serialise_on(f"travel.transfers.{event_id}")
        run = (
            await TransferRun.select().where(TransferRun.id == run_id, TransferRun.event == event_id).first()
        )
        if run is None:
            raise NotFound(f"Event {event_id} has no transfer run {run_id}")
        if isinstance(data.vehicle_id, int) and data.vehicle_id != run["vehicle"]:
            vehicle = (
                await Vehicle.select().where(Vehicle.id == data.vehicle_id, Vehicle.event == event_id).first()
            )
            if vehicle is None:
                raise InvalidInput.field("vehicle_id", f"event {event_id} has no vehicle {data.vehicle_id}")
            riders = await TransferRider.select(TransferRider.step_free).where(TransferRider.run == run_id)
            _fits(vehicle, len(riders), sum(bool(r["step_free"]) for r in riders))
            values["vehicle"] = vehicle["id"]
        if values:
            await TransferRun.update(values).where(TransferRun.id == run_id)
        await record(
            actor,
            "travel.transfers.run_updated",
            "transfer_run",
            run_id,
            event_id=event_id,
            data={"fields": sorted("vehicle_id" if k == "vehicle" else k for k in values)},
        )
    return await get_run(actor, event_id, run_id)


async def move_rider(
    actor: Actor, event_id: int, run_id: int, registration_id: int, data: schemas.TransferRiderMove
) -> schemas.TransferRun:
    """Put a rider on another run of the same direction; refused when its vehicle has no seat left."""
    actor.require_organiser(event_id)
    async with write_transaction():
        await serialise_on(f"travel.transfers.{event_id}")
        rider = (
            await TransferRider.select(TransferRider.id, TransferRider.step_free, TransferRider.run.direction)
            .where(
                TransferRider.run == run_id,
                TransferRider.run.event == event_id,
                TransferRider.registration == registration_id,
            )
            .first()
        )
        if rider is None:
            raise NotFound(f"Transfer run {run_id} has no rider {registration_id}")
        target = (
            await TransferRun.select()
            .where(TransferRun.id == data.run_id, TransferRun.event == event_id)
            .first()
        )
        if target is None or target["direction"] != rider["run.direction"]:
            raise InvalidInput.field(
                "run_id", f"event {event_id} has no {rider['run.direction']} run {data.run_id}"
            )
        if target["id"] != run_id:
            vehicle = await Vehicle.select().where(Vehicle.id == target["vehicle"]).first()
            riders = await TransferRider.select(TransferRider.step_free).where(
                TransferRider.run == target["id"]
            )
            _fits(
                vehicle,
                len(riders) + 1,
                sum(bool(r["step_free"]) for r in riders) + bool(rider["step_free"]),
            )
            await TransferRider.update({TransferRider.run: target["id"]}).where(
                TransferRider.id == rider["id"]
            )
            await record(
                actor,
                "travel.transfers.rider_moved",
                "registration",
                registration_id,
                event_id=event_id,
                data={"from_run": run_id, "to_run": target["id"]},
            )
    return await get_run(actor, event_id, data.run_id)


async def not_placed(actor: Actor, event_id: int, direction: TransferDirection | str) -> list[Traveller]:
    """Funded travellers with a flight of this direction who are on no run of it."""
    actor.require_organiser(event_id)
    direction = TransferDirection(direction)
    settings = await _settings(event_id)
    airport = (settings["airport"] or "").strip().upper()
    people = await travellers(event_id, direction, airport)
    riding = {
        row["registration"]
        for row in await TransferRider.select(TransferRider.registration).where(
            TransferRider.run.event == event_id, TransferRider.run.direction == direction
        )
    }
    return sorted(
        (t for t in people if t.registration_id not in riding), key=lambda t: (t.flight_at, t.registration_id)
    )


# --- manifests and boarding ------------------------------------------------------------------------


async def manifest_pdf(actor: Actor, event_id: int, run_id: int) -> tuple[bytes, str]:
    """The driver's manifest of a run as PDF, and a file name."""
    run = await get_run(actor, event_id, run_id)
    event = await programme_services.get_event_row(event_id)
    zone = event["time_zone"]

    def local(value: datetime.datetime | None) -> str:
        return f"{programme_services.to_local(value, zone):%Y-%m-%d %H:%M}" if value else ""

    body = transfer_manifest.render(
        transfer_manifest.Manifest(
            event=event["title"],
            direction=run.direction,
            key=run.key,
            vehicle=run.vehicle_name,
            driver=" ".join(part for part in (run.driver_name, run.driver_phone) if part),
            leaves_at=local(run.leaves_at),
            waits_until=local(run.waits_until),
            meeting_point=run.meeting_point,
            contact_phone=run.contact_phone,
            time_zone=zone,
            rows=tuple(
                transfer_manifest.Row(
                    name=rider.name,
                    flight=rider.flight,
                    flight_at=local(rider.flight_at),
                    phone=rider.phone,
                    step_free=rider.step_free,
                )
                for rider in run.riders
            ),
            generated_at=programme_services.to_local(clock.now(), zone),
        )
    )
    return body, f"transfer-{run.key}.pdf"


async def list_checkpoints(actor: Actor, event_id: int) -> list[schemas.TransferCheckpoint]:
    """Every run as a boarding checkpoint (its key), with how many are to board."""
    actor.require_staff(event_id)
    await programme_services.get_event_row(event_id)
    return [
        schemas.TransferCheckpoint(
            checkpoint_id=run.key,
            run_id=run.id,
            direction=run.direction,
            vehicle_name=run.vehicle_name,
            meeting_point=run.meeting_point,
            leaves_at=run.leaves_at,
            waits_until=run.waits_until,
            boarding=len(run.riders),
        )
        for run in await _runs(event_id)
    ]


async def boarding_list(actor: Actor, event_id: int, checkpoint_id: str) -> schemas.TransferRun:
    """The run behind a checkpoint id, with who may board it."""
    actor.require_staff(event_id)
    row = (
        await TransferRun.select(TransferRun.id)
        .where(TransferRun.event == event_id, TransferRun.key == checkpoint_id)
        .first()
    )
    if row is None:
        raise NotFound(f"No transfer checkpoint {checkpoint_id!r}")
    return await get_run(actor, event_id, row["id"])


async def may_board(event_id: int, checkpoint_id: str, registration_id: int) -> bool:
    """Whether the registration rides the run with this key (for a scanner)."""
    return await TransferRider.exists().where(
        TransferRider.run.key == checkpoint_id,
        TransferRider.run.event == event_id,
        TransferRider.registration == registration_id,
    )
