"""Flight itineraries: segments entered by an organiser or a travel agent of the event (or imported
from a CSV), seen and confirmed by the participant.

Times are entered as the ticket prints them, local at each airport, and kept in UTC
(:mod:`events.travel.airports` converts them and refuses times that do not exist or happen twice).
Rules, each a field-named :class:`InvalidInput`, nothing written when one fails:

- known IATA airport codes, different at both ends; an IATA (``TK``, ``J2``) or ICAO (``AHY``)
  airline code; a flight number of 1-4 digits and an optional letter;
- a flight lands after it takes off, in UTC (Kathmandu 10:00 +05:45 to Baku 09:30 +04:00 lands
  later than it left, though earlier on the clocks);
- every inbound flight lands before every outbound flight takes off.

After each change, in the same transaction: the registration's arrival is the last inbound
landing and its departure the first outbound take-off (a direction without flights leaves the
registration's value as it was), through :func:`events.registration.travel_dates.set_travel_dates`;
and the participant's confirmation is cleared, as what they confirmed is no longer what is booked.
"""

from __future__ import annotations

import datetime
import re
from typing import Any

import msgspec

from events.audit.services import record
from events.auth.principal import Actor
from events.clock import now
from events.db import get_engine, locked, write_transaction
from events.errors import Conflict, DomainError, FieldError, InvalidInput, NotFound, PermissionDenied
from events.registration import importer
from events.registration.tables import Registration, RegistrationStatus
from events.registration.travel_dates import set_travel_dates
from events.travel import airports, schemas
from events.travel.tables import FlightSegment, SegmentDirection, TravelPreference

_CARRIER = re.compile(r"^(?:[A-Z][A-Z0-9]|[0-9][A-Z]|[A-Z]{3})$")
_FLIGHT = re.compile(r"^[0-9]{1,4}[A-Z]?$")
_BOOKING = re.compile(r"^[A-Z0-9]{0,12}$")
#: Flights are booked within these years (a typo like 0027 is refused, not converted).
YEARS = (2000, 2100)

#: The CSV's columns, in the order of the template.
CSV_COLUMNS = (
    "reference",
    "direction",
    "carrier",
    "flight",
    "from",
    "to",
    "departs_local",
    "arrives_local",
    "booking",
)
#: CSV column → the field it fills (reasons name the column the organiser sees).
_CSV_FIELDS = {
    "direction": "direction",
    "carrier": "carrier",
    "flight": "flight_number",
    "from": "from_airport",
    "to": "to_airport",
    "departs_local": "departs_local",
    "arrives_local": "arrives_local",
    "booking": "booking_reference",
}
_FIELD_COLUMNS = {field: column for column, field in _CSV_FIELDS.items()}


# --- reading ---------------------------------------------------------------------------------------


def _segment(row: dict) -> schemas.Segment:
    origin, destination = airports.airport(row["from_airport"]), airports.airport(row["to_airport"])
    return schemas.Segment(
        id=row["id"],
        registration_id=row["registration"],
        direction=row["direction"],
        carrier=row["carrier"],
        flight_number=row["flight_number"],
        from_airport=row["from_airport"],
        from_name=origin.name if origin else "",
        to_airport=row["to_airport"],
        to_name=destination.name if destination else "",
        departs_local=airports.local(row["from_airport"], row["departs_at"]),
        departs_zone=origin.tz if origin else "UTC",
        arrives_local=airports.local(row["to_airport"], row["arrives_at"]),
        arrives_zone=destination.tz if destination else "UTC",
        departs_at=row["departs_at"],
        arrives_at=row["arrives_at"],
        booking_reference=row["booking_reference"],
    )


def _order(rows: list[dict]) -> list[dict]:
    return sorted(
        rows, key=lambda r: (r["direction"] != SegmentDirection.inbound.value, r["departs_at"], r["id"])
    )


async def _rows(registration_id: int) -> list[dict]:
    return _order(await FlightSegment.select().where(FlightSegment.registration == registration_id))


async def _registration(registration_id: int, *, lock: bool = False) -> dict:
    query = Registration.select(
        Registration.id,
        Registration.event,
        Registration.status,
        Registration.reference,
        Registration.arrival_at,
        Registration.departure_at,
    ).where(Registration.id == registration_id)
    row = await (locked(query) if lock else query).first()
    if row is None:
        raise NotFound(f"No registration with id {registration_id}")
    return row


def _check_reader(actor: Actor, registration: dict) -> None:
    """The participant themselves, or a travel agent or organiser of the event; others get 404."""
    if actor.registration_id == registration["id"] or actor.books_travel(registration["event"]):
        return
    raise NotFound(f"No registration with id {registration['id']}")


async def _confirmed_at(registration_id: int) -> datetime.datetime | None:
    row = (
        await TravelPreference.select(TravelPreference.itinerary_confirmed_at)
        .where(TravelPreference.registration == registration_id)
        .first()
    )
    return row["itinerary_confirmed_at"] if row else None


async def _itinerary(registration_id: int) -> schemas.Itinerary:
    registration = await _registration(registration_id)
    return schemas.Itinerary(
        registration_id=registration_id,
        segments=[_segment(row) for row in await _rows(registration_id)],
        arrival_at=registration["arrival_at"],
        departure_at=registration["departure_at"],
        confirmed_at=await _confirmed_at(registration_id),
    )


async def itinerary(actor: Actor, registration_id: int) -> schemas.Itinerary:
    """The flights in order (inbound first), local times with their zones, and the confirmation."""
    _check_reader(actor, await _registration(registration_id))
    return await _itinerary(registration_id)


async def get_segment(actor: Actor, segment_id: int) -> schemas.Segment:
    row = await FlightSegment.select().where(FlightSegment.id == segment_id).first()
    if row is None:
        raise NotFound(f"No flight segment with id {segment_id}")
    _check_reader(actor, await _registration(row["registration"]))
    return _segment(row)


async def summaries(actor: Actor, event_id: int) -> dict[int, dict[str, Any]]:
    """Registration id → what the console's list shows of its flights: ``arrival`` (airport and
    local landing of the last inbound flight), ``departure`` (airport and local take-off of the first
    outbound one), the number of ``segments`` and ``confirmed_at``. Registrations without flights
    are absent."""
    actor.require_travel(event_id)
    rows = await (
        FlightSegment.select(FlightSegment.all_columns())
        .where(FlightSegment.registration.event == event_id)
        .order_by(FlightSegment.departs_at)
    )
    confirmed = {
        row["registration"]: row["itinerary_confirmed_at"]
        for row in await TravelPreference.select(
            TravelPreference.registration, TravelPreference.itinerary_confirmed_at
        ).where(TravelPreference.registration.event == event_id)
    }
    out: dict[int, dict[str, Any]] = {}
    for row in rows:
        entry = out.setdefault(
            row["registration"],
            {
                "segments": 0,
                "arrival": None,
                "departure": None,
                "confirmed_at": confirmed.get(row["registration"]),
            },
        )
        entry["segments"] += 1
        if row["direction"] == SegmentDirection.inbound.value:
            entry["arrival"] = (row["to_airport"], airports.local(row["to_airport"], row["arrives_at"]))
        elif entry["departure"] is None:
            entry["departure"] = (row["from_airport"], airports.local(row["from_airport"], row["departs_at"]))
    return out


# --- checking ----------------------------------------------------------------------------------------


def _clean(data: dict[str, Any]) -> dict[str, Any]:
    """The segment's stored columns from the submitted fields, or every field's error at once."""
    errors: list[FieldError] = []
    carrier = str(data["carrier"]).strip().upper().replace(" ", "")
    if not _CARRIER.match(carrier):
        errors.append(
            FieldError("carrier", "must be an airline code: 2 letters or digits (TK, J2) or 3 letters (AHY)")
        )
    number = str(data["flight_number"]).strip().upper().replace(" ", "")
    if carrier and number.startswith(carrier) and len(number) > len(carrier):
        number = number[len(carrier) :]  # "TK1234" typed whole
    number = number.lstrip("0") or number
    if not _FLIGHT.match(number):
        errors.append(
            FieldError("flight_number", "must be 1 to 4 digits, with an optional letter (1234, 72A)")
        )
    booking = str(data.get("booking_reference") or "").strip().upper()
    if not _BOOKING.match(booking):
        errors.append(FieldError("booking_reference", "must be up to 12 letters and digits"))
    direction = data["direction"]
    if direction not in {d.value for d in SegmentDirection}:
        errors.append(FieldError("direction", "must be inbound or outbound"))
    ends = {}
    for field in ("from_airport", "to_airport"):
        found = airports.airport(data[field])
        if found is None:
            code = airports.normalise(data[field])
            errors.append(FieldError(field, f"{code or 'an empty code'} is not a known IATA airport code"))
        ends[field] = found
    if ends["from_airport"] and ends["to_airport"] and ends["from_airport"].code == ends["to_airport"].code:
        errors.append(FieldError("to_airport", "must differ from the airport the flight leaves"))
    times = {}
    for field, end in (("departs_local", "from_airport"), ("arrives_local", "to_airport")):
        if ends[end] is None:
            continue
        if not YEARS[0] <= data[field].year <= YEARS[1]:
            errors.append(FieldError(field, f"must be a date between {YEARS[0]} and {YEARS[1]}"))
            continue
        try:
            times[field] = airports.to_utc(ends[end].code, data[field], field=field)
        except InvalidInput as exc:
            errors.extend(exc.errors)
    if len(times) == 2 and times["arrives_local"] <= times["departs_local"]:
        errors.append(
            FieldError(
                "arrives_local",
                "lands before it takes off: "
                f"{times['departs_local']:%Y-%m-%d %H:%M} UTC departure, {times['arrives_local']:%Y-%m-%d %H:%M} UTC arrival",
            )
        )
    if times.get("arrives_local") and times.get("departs_local"):
        if times["arrives_local"] - times["departs_local"] > datetime.timedelta(hours=24):
            errors.append(
                FieldError(
                    "arrives_local", "is more than 24 hours after the departure; one flight per segment"
                )
            )
    if errors:
        raise InvalidInput("; ".join(f"{e.field}: {e.message}" for e in errors), errors=errors)
    return {
        "direction": direction,
        "carrier": carrier,
        "flight_number": number,
        "from_airport": ends["from_airport"].code,
        "to_airport": ends["to_airport"].code,
        "departs_at": times["departs_local"],
        "arrives_at": times["arrives_local"],
        "booking_reference": booking,
    }


def _dates(rows: list[dict]) -> tuple[datetime.datetime | None, datetime.datetime | None]:
    inbound = [r["arrives_at"] for r in rows if r["direction"] == SegmentDirection.inbound.value]
    outbound = [r["departs_at"] for r in rows if r["direction"] == SegmentDirection.outbound.value]
    return (max(inbound) if inbound else None, min(outbound) if outbound else None)


def _check_whole(rows: list[dict], changed: dict) -> None:
    """Every inbound flight lands before every outbound one leaves; the error names the changed
    segment's field."""
    arrival, departure = _dates(rows)
    if arrival and departure and departure <= arrival:
        if changed["direction"] == SegmentDirection.inbound.value:
            field, message = "arrives_local", "is after the return flight leaves"
        else:
            field, message = "departs_local", "is before the inbound flight lands"
        raise InvalidInput.field(
            field,
            f"{message} (inbound lands {arrival:%Y-%m-%d %H:%M} UTC, return leaves {departure:%Y-%m-%d %H:%M} UTC)",
        )


async def _after_change(actor: Actor, registration: dict) -> None:
    """The registration's dates follow the itinerary; the participant's confirmation is cleared."""
    arrival, departure = _dates(await _rows(registration["id"]))
    await set_travel_dates(
        actor,
        registration["id"],
        arrival if arrival is not None else registration["arrival_at"],
        departure if departure is not None else registration["departure_at"],
    )
    await TravelPreference.update(
        {TravelPreference.itinerary_confirmed_at: None, TravelPreference.updated_at: now()}
    ).where(
        TravelPreference.registration == registration["id"],
        TravelPreference.itinerary_confirmed_at.is_not_null(),
    )


def _check_dates_with_registration(rows: list[dict], registration: dict, changed: dict) -> None:
    """A direction without flights keeps the registration's typed date: it must still fit."""
    arrival, departure = _dates(rows)
    arrival = arrival or registration["arrival_at"]
    departure = departure or registration["departure_at"]
    if arrival and departure and departure <= arrival:
        if changed["direction"] == SegmentDirection.inbound.value:
            field = "arrives_local"
            message = f"is after the participant's departure ({departure:%Y-%m-%d %H:%M} UTC)"
        else:
            field = "departs_local"
            message = f"is before the participant's arrival ({arrival:%Y-%m-%d %H:%M} UTC)"
        raise InvalidInput.field(field, message)


async def _writable_registration(actor: Actor, registration_id: int, *, adding: bool = True) -> dict:
    """The registration, locked; its participant may read but not change it, others get 404."""
    registration = await _registration(registration_id, lock=True)
    if not actor.books_travel(registration["event"]):
        if actor.registration_id == registration_id:
            raise PermissionDenied("This needs a travel agent or an organiser of this event")
        raise NotFound(f"No registration with id {registration_id}")
    if adding and registration["status"] != RegistrationStatus.approved.value:
        raise Conflict(f"Only approved participants travel; this registration is {registration['status']}")
    return registration


# --- changing ------------------------------------------------------------------------------------


async def add_segment(actor: Actor, registration_id: int, data: schemas.SegmentCreate) -> schemas.Segment:
    async with write_transaction():
        registration = await _writable_registration(actor, registration_id)
        values = _clean(msgspec.structs.asdict(data))
        others = await _rows(registration_id)
        candidate = {**values, "id": 0}
        _check_whole([*others, candidate], values)
        _check_dates_with_registration([*others, candidate], registration, values)
        segment = FlightSegment(registration=registration_id, entered_by=actor.user_id, **values)
        await segment.save()
        await _after_change(actor, registration)
        await record(
            actor,
            "travel.itineraries.added",
            "flight_segment",
            segment.id,
            event_id=registration["event"],
            data=_audit(registration_id, values),
        )
    return await get_segment(actor, segment.id)


async def _segment_row(segment_id: int) -> dict:
    row = await FlightSegment.select().where(FlightSegment.id == segment_id).first()
    if row is None:
        raise NotFound(f"No flight segment with id {segment_id}")
    return row


async def update_segment(actor: Actor, segment_id: int, data: schemas.SegmentUpdate) -> schemas.Segment:
    async with write_transaction():
        current = await _segment_row(segment_id)
        registration = await _writable_registration(actor, current["registration"])
        merged = {
            "direction": current["direction"],
            "carrier": current["carrier"],
            "flight_number": current["flight_number"],
            "from_airport": current["from_airport"],
            "to_airport": current["to_airport"],
            "departs_local": current["departs_at"],
            "arrives_local": current["arrives_at"],
            "booking_reference": current["booking_reference"],
        }
        changes = {
            name: getattr(data, name)
            for name in data.__struct_fields__
            if getattr(data, name) is not msgspec.UNSET
        }
        # Kept times are instants already; a changed airport with a kept time keeps the instant.
        merged.update(changes)
        values = _clean(merged)
        others = [r for r in await _rows(current["registration"]) if r["id"] != segment_id]
        candidate = {**values, "id": segment_id}
        _check_whole([*others, candidate], values)
        _check_dates_with_registration([*others, candidate], registration, values)
        await FlightSegment.update(values).where(FlightSegment.id == segment_id)
        await _after_change(actor, registration)
        await record(
            actor,
            "travel.itineraries.updated",
            "flight_segment",
            segment_id,
            event_id=registration["event"],
            data={**_audit(current["registration"], values), "fields": sorted(changes)},
        )
    return await get_segment(actor, segment_id)


async def remove_segment(actor: Actor, segment_id: int) -> None:
    async with write_transaction():
        current = await _segment_row(segment_id)
        registration = await _writable_registration(actor, current["registration"], adding=False)
        await FlightSegment.delete().where(FlightSegment.id == segment_id)
        await _after_change(actor, registration)
        await record(
            actor,
            "travel.itineraries.removed",
            "flight_segment",
            segment_id,
            event_id=registration["event"],
            data=_audit(current["registration"], current),
        )


def _audit(registration_id: int, values: dict) -> dict:
    return {
        "registration": registration_id,
        "flight": f"{values['carrier']}{values['flight_number']}",
        "from": values["from_airport"],
        "to": values["to_airport"],
        "departs_at": values["departs_at"].isoformat(),
        "arrives_at": values["arrives_at"].isoformat(),
    }


async def confirm(actor: Actor, registration_id: int) -> schemas.Itinerary:
    """The participant confirms the flights as they are now booked (their magic-link token only)."""
    registration = await _registration(registration_id)
    if actor.registration_id != registration_id:
        if actor.books_travel(registration["event"]):
            raise PermissionDenied("Only the participant confirms their itinerary")
        raise NotFound(f"No registration with id {registration_id}")
    async with write_transaction():
        if not await FlightSegment.exists().where(FlightSegment.registration == registration_id):
            raise Conflict("There are no flights to confirm yet")
        moment = now()
        if await TravelPreference.exists().where(TravelPreference.registration == registration_id):
            await TravelPreference.update(
                {TravelPreference.itinerary_confirmed_at: moment, TravelPreference.updated_at: moment}
            ).where(TravelPreference.registration == registration_id)
        else:
            await TravelPreference(registration=registration_id, itinerary_confirmed_at=moment).save()
        await record(
            actor,
            "travel.itineraries.confirmed",
            "registration",
            registration_id,
            event_id=registration["event"],
        )
    return await _itinerary(registration_id)


# --- CSV import ------------------------------------------------------------------------------------


def _read_csv(content: bytes) -> list[dict[str, str]]:
    """The rows, with the registration importer's limits; a bad file or header refuses the whole file."""
    if not content.strip():
        raise InvalidInput.field("file", "the file is empty")
    if len(content) > importer.MAX_BYTES:
        raise InvalidInput.field("file", f"the file is larger than {importer.MAX_BYTES // (1024 * 1024)} MB")
    importer.refuse_utf16(content)
    if content[:4] == b"PK\x03\x04" or content[:5] == b"%PDF-" or b"\x00" in content:
        raise InvalidInput.field("file", "this is not a CSV file; send a CSV (UTF-8)")
    header, rows = importer._read_csv(content)
    if len(header) > importer.MAX_COLUMNS:
        raise InvalidInput.field("file", f"more than {importer.MAX_COLUMNS} columns")
    missing = [column for column in CSV_COLUMNS if column not in header]
    if missing:
        raise InvalidInput.field(
            "file", f"missing columns: {', '.join(missing)} (expected: {', '.join(CSV_COLUMNS)})"
        )
    if not rows:
        raise InvalidInput.field("file", "the file has a header but no rows")
    if len(rows) > importer.MAX_ROWS:
        raise InvalidInput.field("file", f"more than {importer.MAX_ROWS} rows; split the file")
    return rows


def _local_time(value: str) -> datetime.datetime:
    text = value.strip().replace("T", " ")
    for form in ("%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"):
        try:
            return datetime.datetime.strptime(text, form)
        except ValueError:
            continue
    try:
        return datetime.datetime.fromisoformat(value.strip())
    except ValueError:
        raise ValueError("must be a local date and time written YYYY-MM-DD HH:MM") from None


def _row_reasons(exc: DomainError) -> list[str]:
    if exc.errors:
        return [f"{_FIELD_COLUMNS.get(e.field, e.field)}: {e.message}" for e in exc.errors]
    return [exc.detail]


async def import_csv(actor: Actor, event_id: int, file_bytes: bytes) -> schemas.ItineraryImportReport:
    """One segment per row, for the registration named by ``reference`` in this event. Each row is
    added whole or not at all (a savepoint); a row that repeats a booked flight (same registration,
    flight and take-off) is ``unchanged``, so importing the same file again adds nothing."""
    actor.require_travel(event_id)
    rows = _read_csv(file_bytes)
    report: list[schemas.ItineraryImportRow] = []
    async with write_transaction():
        transaction = get_engine().current_transaction.get()
        references = {
            row["reference"]: row["id"]
            for row in await Registration.select(Registration.id, Registration.reference).where(
                Registration.event == event_id
            )
        }
        for position, row in enumerate(rows, start=2):
            number = int(row.get(importer.ROW_KEY) or position)
            reference = (row.get("reference") or "").strip()
            entry = schemas.ItineraryImportRow(row=number, reference=reference, outcome="rejected")
            report.append(entry)
            registration_id = references.get(reference) or references.get(reference.upper())
            if registration_id is None:
                entry.reasons = [f"reference: {reference or 'empty'} is not a registration of this event"]
                continue
            errors: list[str] = []
            values: dict[str, Any] = {}
            for column, field in _CSV_FIELDS.items():
                text = (row.get(column) or "").strip()
                if field in ("departs_local", "arrives_local"):
                    try:
                        values[field] = _local_time(text)
                    except ValueError as exc:
                        errors.append(f"{column}: {exc}")
                else:
                    values[field] = text.lower() if field == "direction" else text
            if errors:
                entry.reasons = errors
                continue
            savepoint = await transaction.savepoint()
            try:
                existing = await _existing(registration_id, values)
                if existing is not None:
                    entry.outcome, entry.segment_id = "unchanged", existing
                    await savepoint.release()
                    continue
                segment = await add_segment(actor, registration_id, schemas.SegmentCreate(**values))
            except DomainError as exc:
                await savepoint.rollback_to()
                entry.reasons = _row_reasons(exc)
                continue
            await savepoint.release()
            entry.outcome, entry.segment_id = "created", segment.id
        await record(
            actor,
            "travel.itineraries.imported",
            "event",
            event_id,
            event_id=event_id,
            data={
                outcome: sum(1 for r in report if r.outcome == outcome)
                for outcome in ("created", "unchanged", "rejected")
            },
        )
    return schemas.ItineraryImportReport(
        created=sum(1 for r in report if r.outcome == "created"),
        unchanged=sum(1 for r in report if r.outcome == "unchanged"),
        rejected=sum(1 for r in report if r.outcome == "rejected"),
        rows=report,
    )


async def _existing(registration_id: int, values: dict[str, Any]) -> int | None:
    """The id of the same flight already on the itinerary (re-importing a file), or ``None``."""
    cleaned = _clean(values)
    row = (
        await FlightSegment.select(FlightSegment.id)
        .where(
            FlightSegment.registration == registration_id,
            FlightSegment.carrier == cleaned["carrier"],
            FlightSegment.flight_number == cleaned["flight_number"],
            FlightSegment.departs_at == cleaned["departs_at"],
        )
        .first()
    )
    return row["id"] if row else None
