"""The registration hot path (issue 17): its statement budget, and that the one path keeps the rules.

The budget counts every statement one registration runs (Piccolo's queries and the statement
program's, through :func:`events.db.statement_log`), so a change that adds a round trip under the
event's lock fails here rather than in a benchmark on a noisy machine."""

from __future__ import annotations

import re

import msgspec
import pytest

from events.audit.tables import AuditEntry
from events.db import dialect, statement_log
from events.notifications.services import delivered_body
from events.notifications.tables import OutboxMessage
from events.registration import schemas, submission
from events.registration.tables import AccessToken, Channel, Registration, SessionSignup
from tests.test_registration_workflow import person

#: Before the lock: the event row with the country's groups (and, on PostgreSQL, the new id). Under
#: it: the event row locked with its seat counters and the e-mail's registration, then the
#: registration, its sign-in link, its audit entries and its e-mail: on SQLite a program of five
#: statements; on PostgreSQL one statement, sent outside a transaction (a ``WITH`` that locks,
#: decides and writes: the event row is held while the database runs it, across no round trip).
BEFORE_LOCK = 1
UNDER_LOCK = 1 if dialect().writable_cte else 5


def _data(**overrides) -> schemas.RegistrationCreate:
    return msgspec.convert(person(**overrides), schemas.RegistrationCreate)


async def test_one_registration_runs_the_fewest_statements(make_event):
    event = await make_event(capacity=10, auto_approve=True)
    with statement_log() as seen:
        result = await submission.submit(
            _data(email="budget@example.org"), event_id=event.id, channel=Channel.self_service
        )
    assert result.created and result.registration.status == "approved"
    assert len(seen) == BEFORE_LOCK + UNDER_LOCK, "\n".join(seen)
    inserts = re.findall(r'INSERT INTO "(\w+)"', " ".join(seen))
    assert inserts == ["registration", "registration_access_token", "audit_entry", "outbox_message"]


async def test_a_waitlisted_registration_costs_no_extra_statement(make_event):
    event = await make_event(capacity=1, auto_approve=True)
    await submission.submit(_data(email="first@example.org"), event_id=event.id, channel=Channel.self_service)
    with statement_log() as seen:
        result = await submission.submit(
            _data(email="second@example.org"), event_id=event.id, channel=Channel.self_service
        )
    assert result.registration.status == "waitlisted" and result.registration.waitlist_position == 1
    assert len(seen) == BEFORE_LOCK + UNDER_LOCK, "\n".join(seen)


async def test_the_same_submission_again_writes_nothing(make_event):
    event = await make_event(capacity=10, auto_approve=True)
    first = await submission.submit(_data(), event_id=event.id, channel=Channel.self_service)
    with statement_log() as seen:
        again = await submission.submit(_data(), event_id=event.id, channel=Channel.self_service)
    assert again.created is False and again.registration.id == first.registration.id
    assert not [sql for sql in seen if sql.lstrip().upper().startswith(("INSERT", "UPDATE"))]
    assert await Registration.count() == 1 and await OutboxMessage.count() == 1


async def test_rows_written_by_the_program_read_back_through_piccolo(make_event):
    event = await make_event(capacity=10, auto_approve=True)
    result = await submission.submit(
        _data(email="rows@example.org", accessibility=["step_free_access"], preferred_language="fr"),
        event_id=event.id,
        channel=Channel.self_service,
    )
    row = (
        await Registration.select()
        .where(Registration.id == result.registration.id)
        .output(load_json=True)
        .first()
    )
    assert (
        row["accessibility"] == ["step_free_access"]
        and row["status"] == "approved"
        and row["event"] == event.id
    )
    assert row["consent_at"].tzinfo is not None
    audit = (
        await AuditEntry.select()
        .where(AuditEntry.object_type == "registration", AuditEntry.object_id == str(row["id"]))
        .output(load_json=True)
    )
    assert [entry["action"] for entry in audit] == ["registration.submitted", "registration.approved"]
    assert audit[0]["data"] == {"channel": "self", "status": "approved"}
    token = await AccessToken.select().where(AccessToken.registration == row["id"]).first()
    assert token["purpose"] == "magic_link" and token["expires_at"] > token["created_at"]
    mail = await OutboxMessage.select().where(OutboxMessage.to_address == "rows@example.org").first()
    assert mail["language"] == "fr" and "Nous avons reçu" in mail["subject"]
    assert "#token=osm_" in delivered_body(mail) and "#token=" not in mail["body"]


async def test_a_refused_session_rolls_back_the_whole_registration(make_event):
    event = await make_event(capacity=10, auto_approve=True)
    with pytest.raises(Exception, match="not optional sessions"):
        await submission.submit(
            _data(email="rollback@example.org", session_ids=[999999]),
            event_id=event.id,
            channel=Channel.self_service,
        )
    assert (
        await Registration.count() == 0
        and await AuditEntry.count().where(AuditEntry.object_type == "registration") == 0
    )
    assert await OutboxMessage.count() == 0 and await SessionSignup.count() == 0


async def test_a_burst_with_repeats_and_duplicates_stays_exact(make_event):
    """Through the queue (several transactions at once on the row lock): seats, repeats of the same
    submission and a different submission for a taken e-mail, all at the same time."""
    import asyncio

    from events.errors import Conflict

    event = await make_event(capacity=10, auto_approve=True)

    async def attempt(data):
        try:
            return await submission.submit(data, event_id=event.id, channel=Channel.self_service)
        except Conflict as exc:
            return exc

    bodies = [_data(email=f"burst{n}@example.org") for n in range(40)]
    bodies += [_data(email="twice@example.org")] * 5 + [_data(email="twice@example.org", institution="Other")]
    outcomes = await asyncio.gather(*(attempt(body) for body in bodies))
    created = [o for o in outcomes if not isinstance(o, Conflict) and o.created]
    repeats = [o for o in outcomes if not isinstance(o, Conflict) and not o.created]
    conflicts = [o for o in outcomes if isinstance(o, Conflict)]
    winner = await Registration.select(Registration.institution).where(
        Registration.email == "twice@example.org"
    )
    assert len(winner) == 1 and len(created) == 41  # whichever of the six came first
    expected = (0, 5) if winner[0]["institution"] == "Other" else (4, 1)
    assert (len(repeats), len(conflicts)) == expected
    statuses = [row["status"] for row in await Registration.select(Registration.status)]
    assert statuses.count("approved") == 10 and statuses.count("waitlisted") == 31
    positions = sorted(
        o.registration.waitlist_position for o in created if o.registration.status == "waitlisted"
    )
    assert positions == list(range(1, 32))


async def test_a_batch_that_fails_gives_each_submission_its_own_outcome():
    """Concurrent submissions share a transaction (submission._BATCHES); when one statement of a
    batch fails, the others are written on their own and only the failing one gets the error."""
    import asyncio

    from events.db import statements

    batches = submission._BATCHES
    numbers = [1, 2, 3, 4]
    outcomes = await asyncio.gather(
        *(batches.submit(("SELECT CAST(? AS INTEGER) AS n", (n,)), key=0) for n in numbers[:2]),
        batches.submit(("SELECT n FROM no_such_table_here", ()), key=0),
        *(batches.submit(("SELECT CAST(? AS INTEGER) AS n", (n,)), key=0) for n in numbers[2:]),
        return_exceptions=True,
    )
    assert [o[0]["n"] for o in outcomes if not isinstance(o, Exception)] == numbers
    assert isinstance(outcomes[2], Exception) and batches.idle()
    assert (await statements.first("SELECT 1 AS one"))["one"] == 1
