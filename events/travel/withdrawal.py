"""What travel gives back when a registration is cancelled or rejected (``registration_withdrawn``,
inside that transaction): the hotel room and the seats on airport transfer runs go back at once (the
hotel estimates of the event's decisions are worked out again: a room-mate now has the room alone), and
a DSA not yet paid is dropped; the funding decision and the flights stay on record (tickets may need
cancelling or refunding, which the organisers do with the airline)."""

from __future__ import annotations

from events.audit.services import record
from events.auth.principal import Actor
from events.registration.tables import Registration
from events.travel import funding
from events.travel.tables import DsaPayment, RoomAllocation, TransferRider


async def release_travel(actor: Actor, registration_id: int, reason: str) -> None:
    rooms = (
        await RoomAllocation.delete()
        .where(RoomAllocation.registration == registration_id)
        .returning(RoomAllocation.id)
    )
    seats = (
        await TransferRider.delete()
        .where(TransferRider.registration == registration_id)
        .returning(TransferRider.id)
    )
    unpaid = await (
        DsaPayment.delete()
        .where(DsaPayment.registration == registration_id, DsaPayment.paid_at.is_null())
        .returning(DsaPayment.id)
    )
    if rooms or seats or unpaid:
        row = await Registration.select(Registration.event).where(Registration.id == registration_id).first()
        if rooms and row:  # whoever shared the room now has it to themselves
            await funding.reprice_rooms(row["event"])
        await record(
            actor,
            "travel.released",
            "registration",
            registration_id,
            event_id=row["event"] if row else None,
            data={
                "rooms": len(rooms),
                "transfer_seats": len(seats),
                "unpaid_dsa": len(unpaid),
                "reason": reason,
            },
        )
