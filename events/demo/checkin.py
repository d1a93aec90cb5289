"""Check-in in the demo: the Baku symposium (the event the demo's scanner account works for) gets a
venue entrance, a door for its opening ceremony, and badges for its approved participants, so that
signing in to /scan as ``scanner-baku`` leads to checkpoints and an offline kit rather than to an
empty list. Its dates are ahead: scanned today, a badge is answered "not valid yet", as it would be."""

from __future__ import annotations

from events.auth.principal import Actor
from events.badges import services as badges
from events.checkin import checkpoints
from events.checkin import schemas as checkin_schemas
from events.checkin.tables import Checkpoint
from events.programme import services as programme_services

EVENT = "baku-symposium-2027"
OPENING = "Opening ceremony"


async def load_demo_checkin(actor: Actor, events: dict[str, int]) -> dict[str, int]:
    event_id = events.get(EVENT)
    if event_id is None or await Checkpoint.exists().where(Checkpoint.event == event_id):
        return {"checkpoints": 0, "badges": 0}
    created = [
        checkin_schemas.CheckpointCreate(
            name="Venue entrance, Baku Congress Centre", kind="venue_entrance", tracks_exit=True
        )
    ]
    opening = next(
        (
            session
            for session in await programme_services.list_sessions(event_id, include_cancelled=False)
            if session.title == OPENING
        ),
        None,
    )
    if opening is not None:
        created.append(
            checkin_schemas.CheckpointCreate(
                name="Plenary hall: opening ceremony", kind="session_room", session_id=opening.id
            )
        )
    for data in created:
        await checkpoints.create_checkpoint(actor, event_id, data)
    issued = await badges.issue_missing(actor, event_id)
    return {"checkpoints": len(created), "badges": issued.issued}
