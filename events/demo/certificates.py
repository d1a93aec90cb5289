"""Certificates in the demo: the interregional workshop gets a room checkpoint for each of its first
compulsory sessions, a check-in record (presence rows, as the scan service leaves them; the demo's
dates are ahead, so this stands for a rehearsal), a rule, and the certificates of the first eligible
participants, so the certificates tab, the letters and the report show something after `make run`."""

from __future__ import annotations

import datetime
import random

from events.auth.principal import Actor
from events.certificates import eligibility, rules
from events.certificates import schemas as certificate_schemas
from events.checkin import checkpoints
from events.checkin import schemas as checkin_schemas
from events.checkin.tables import Checkpoint, Presence
from events.db import write_transaction
from events.errors import DomainError
from events.letters import issuing
from events.letters.tables import LetterKind
from events.programme import services as programme_services
from events.registration.tables import Registration, RegistrationStatus

EVENT = "interregional-workshop-2027"
SESSIONS = 4
ISSUED = 12


async def load_demo_certificates(actor: Actor, events: dict[str, int], *, seed: int) -> dict[str, int]:
    event_id = events.get(EVENT)
    if event_id is None or await Checkpoint.exists().where(Checkpoint.event == event_id):
        return {"checkpoints": 0, "issued": 0}
    sessions = [
        session
        for session in await programme_services.list_sessions(event_id, include_cancelled=False)
        if not session.optional
    ][:SESSIONS]
    doors = []
    for session in sessions:
        door = await checkpoints.create_checkpoint(
            actor,
            event_id,
            checkin_schemas.CheckpointCreate(
                name=f"Room: {session.title}"[:100], kind="session_room", session_id=session.id
            ),
        )
        doors.append((door.id, session))
    people = [
        row["id"]
        for row in await Registration.select(Registration.id)
        .where(Registration.event == event_id, Registration.status == RegistrationStatus.approved.value)
        .order_by(Registration.id)
    ]
    rng = random.Random(seed)
    rows = []
    for registration_id in people:
        attends = rng.random()
        for door_id, session in doors:
            if rng.random() < attends + 0.2:
                moment = session.starts_at + datetime.timedelta(minutes=rng.randrange(-15, 10))
                rows.append(
                    Presence(
                        checkpoint=door_id,
                        registration=registration_id,
                        entries=1,
                        first_in_at=moment,
                        last_in_at=moment,
                        changed_at=moment,
                    )
                )
    if rows:
        async with write_transaction():
            await Presence.insert(*rows)
    await rules.put_rule(actor, event_id, certificate_schemas.CertificateRuleUpdate(min_percent=75))
    standing = await eligibility.event_eligibility(actor, event_id)
    issued = 0
    for item in [item for item in standing.participants if item.eligible][:ISSUED]:
        try:
            await issuing.issue_letter(actor, item.registration_id, LetterKind.attendance_certificate)
        except DomainError:
            continue
        issued += 1
    return {"checkpoints": len(doors), "issued": issued}
