"""How travel reacts to other areas: the participant's flights and airport pick-ups join their
personal calendar feed, and the job runner's periodic tick queues the pick-up e-mail the day before
arrival (``events.travel.mine``); a withdrawn registration gives back its room, its transfer seats
and its unpaid DSA (``events.travel.withdrawal``)."""

from __future__ import annotations

import datetime

from events import signals
from events.travel.mine import queue_transfer_notices, travel_items, travel_version
from events.travel.withdrawal import release_travel


async def transfer_notices_on_tick(now: datetime.datetime) -> None:
    await queue_transfer_notices(now)


def connect() -> None:
    signals.registration_withdrawn.connect(release_travel)
    signals.agenda_items.connect(travel_items)
    signals.agenda_version.connect(travel_version)
    signals.periodic_tick.connect(transfer_notices_on_tick)
