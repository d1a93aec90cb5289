"""Submitting a registration from any channel (self-service, invitation, import, walk-in).

The submission runs in one write transaction that holds the event row (see
:mod:`events.registration.seats`) while seats are counted, checks its rules, raises a domain
error, writes its audit entry and queues its e-mail in the same transaction.

Why plain SQL: self-registration is the busiest write of the service (issue 17: 300 a second,
and 500 released at once for 50 seats settling within 2 s). Built with Piccolo it cost about 15 ms
of CPU, a third of it building SQL for eleven statements, each a hop to SQLite's thread or a round
trip to PostgreSQL while the event's lock was held. So everything that needs no lock happens first
(validation, the fingerprint, the reference; one read for the event row, the country's groups and,
on PostgreSQL, the new id), and the locked part is
one statement on PostgreSQL (:func:`_one_statement`: lock, decide and write in one ``WITH``, so the
event row is held across no round trip), or else one statement program
(:func:`events.db.statements.run`: one hop to the SQLite writer; on PostgreSQL, with optional
sessions or an invitation, one transaction): the event row locked with its seat counters (kept by
database triggers, see ``Event.approved_seats``) and the e-mail's active registration, then the
registration, its sign-in link, audit and outbox rows. There is no other path: imports, invitations, walk-ins and the
pages use this one. The rules stay in Python (:func:`events.registration.seats.seat_status`, the
duplicate-e-mail check); the outbox row and the audit rows come from their areas' own builders
(:func:`events.registration.notices.notice`, :func:`events.audit.services.entries`).
``tests/test_registration_hot_path.py`` holds the statement budget."""

from __future__ import annotations

import datetime
import functools
from dataclasses import dataclass, field
from typing import Any

import msgspec

from events.audit.services import entries
from events.audit.tables import AuditEntry
from events.auth.principal import Actor
from events.clock import now
from events.db import INTEGRITY_ERRORS, Dialect, dialect, get_engine, queue_for, statements, write_transaction
from events.db.engine import note_statement
from events.db.grouping import WriteGroups
from events.db.statements import Program, Statement, one
from events.errors import Conflict, InvalidInput, NotFound
from events.notifications.tables import OutboxMessage
from events.programme import services as programme_services
from events.reference.services import normalise_country
from events.registration import access, schemas
from events.registration.notices import notice, notice_any_status
from events.registration.reading import get_registration, to_schema
from events.registration.seats import seat_status, session_seats
from events.registration.tables import ACTIVE_STATUSES, AccessToken, Channel, Registration, RegistrationStatus
from events.registration.validation import (
    check_whole,
    email_problem,
    new_reference,
    normalise_email,
    submission_fingerprint,
    validate,
)


async def submit(
    data: schemas.RegistrationCreate,
    *,
    event_id: int,
    channel: Channel,
    actor: Actor | None = None,
    approve_when_seats: bool | None = None,
) -> schemas.RegistrationSubmitted:
    """Create a registration from any channel.

    Re-submitting the same data for the same e-mail returns the existing registration
    (``created`` false); different data for an e-mail that already holds an active registration
    is a conflict. ``approve_when_seats`` overrides the event's moderation (invitations that skip
    moderation, walk-ins); when seats are out the registration is waitlisted.
    """
    if not data.consent:
        raise InvalidInput.field("consent", "consent to the processing of your data is required to register")
    email = normalise_email(data.email)
    if problem := email_problem(email):
        raise InvalidInput.field("email", problem)
    acting = actor or Actor.system("self-registration")
    # Everything that needs no lock happens first, so the event row is held only for the decision.
    event = await _event_for_submission(event_id, data.country_represented)
    if channel is Channel.self_service or channel is Channel.invitation:
        _check_window(event)
    values, _ = validate(msgspec.to_builtins(data, builtin_types=(datetime.date, datetime.datetime)), event)
    fingerprint = submission_fingerprint(data, values)
    for key in ("consent", "session_ids", "invitation_token", "email"):
        values.pop(key, None)
    moment = now()
    values.update(
        event=event_id,
        email=email,
        channel=channel.value,
        consent_at=moment,
        fingerprint=fingerprint,
        created_at=moment,
        updated_at=moment,
        status_changed_at=moment,
        reference=new_reference(event["slug"]),
    )
    values["warnings"] = check_whole(values, event)
    groups = {values["country_represented"]: event["country_groups"]}

    prepared = _Prepared(
        values=values,
        fingerprint=fingerprint,
        event=event,
        actor=acting,
        approve_when_seats=approve_when_seats,
        invitation_token=data.invitation_token,
        session_ids=data.session_ids,
        registration_id=event["next_registration_id"],
    )
    try:
        outcome = await _decide_and_write_queued(prepared)
    except INTEGRITY_ERRORS as error:
        if not _same_email_raced(error):
            raise
        # Another submission for this e-mail committed while this one waited for the lock (see
        # _LOCK_SEATS): decide again, now seeing it (the same data: that registration; else 409).
        outcome = await _decide_and_write_queued(prepared)
    if outcome.existing_id is not None:
        return schemas.RegistrationSubmitted(
            registration=await get_registration(outcome.existing_id), created=False, sessions_full=[]
        )
    signed_up = sorted(set(data.session_ids) - set(outcome.sessions_full))
    return schemas.RegistrationSubmitted(
        registration=to_schema(outcome.row, groups, signed_up, outcome.positions, event["time_zone"]),
        created=True,
        sessions_full=outcome.sessions_full,
    )


@dataclass(slots=True)
class _Prepared:
    """Everything :func:`submit` checked and computed before taking the event's lock."""

    values: dict[str, Any]
    fingerprint: str
    event: dict
    actor: Actor
    approve_when_seats: bool | None
    invitation_token: str | None
    session_ids: list[int]
    #: The new registration's id taken before the lock where the database can (PostgreSQL's
    #: sequence), so it and the rows that refer to it are one statement; else ``None``.
    registration_id: int | None


@dataclass(slots=True)
class _Outcome:
    existing_id: int | None = None
    row: dict = field(default_factory=dict)
    positions: dict[int, int] = field(default_factory=dict)
    sessions_full: list[int] = field(default_factory=list)


_ACTIVE = tuple(status.value for status in ACTIVE_STATUSES)
#: The active statuses written into the SQL as the unique index ``registration_one_active_per_email``
#: says them (constants, not input): a planner can use a partial index only when the query's
#: condition is the index's own, and with ``IN (?, ?, ?)`` SQLite cannot know it is, so it searched
#: the event's approved registrations for the e-mail instead, a cost growing with every registration.
_ACTIVE_SQL = ", ".join(f"'{status}'" for status in _ACTIVE)

#: The event row locked, its seat counters (kept by triggers, see ``Event.approved_seats``) and the
#: e-mail's active registration, in one statement. On PostgreSQL, a statement that waited for the lock
#: reads the locked row as the last transaction left it, but its subqueries still see the snapshot
#: taken when it started: an e-mail registered meanwhile is then caught by the unique index
#: ``registration_one_active_per_email`` and :func:`submit` decides again.
_LOCK_SEATS = f"""
SELECT e.capacity, e.auto_approve, e.approved_seats, e.waitlisted_seats,
    (SELECT id FROM registration WHERE event = e.id AND email = ? AND status IN ({_ACTIVE_SQL}))
        AS same_id,
    (SELECT fingerprint FROM registration
        WHERE event = e.id AND email = ? AND status IN ({_ACTIVE_SQL})) AS same_fingerprint
FROM event AS e WHERE e.id = ? {{for_update}}
"""  # noqa: S608 (placeholders only)

#: The event row with the country's groups on its first day, and (where the database has sequences)
#: the new registration's id: one statement before the lock.
_EVENT_FOR_SUBMISSION = """
SELECT e.*, (
    SELECT {groups} FROM (
        SELECT m."group" FROM country_group_membership AS m
        WHERE m.country = ? AND (m.member_since IS NULL OR m.member_since <= e.start_date)
            AND (m.member_until IS NULL OR m.member_until > e.start_date)
        ORDER BY m."group"
    ) AS m
) AS country_groups{next_id}
FROM event AS e WHERE e.id = ?
"""


@functools.cache
def _event_sql(db: Dialect) -> str:
    next_id = f", {db.next_id.format(table='registration')} AS next_registration_id" if db.next_id else ""
    return _EVENT_FOR_SUBMISSION.format(groups=db.ordered_concat('m."group"', 'm."group"'), next_id=next_id)


@functools.cache
def _lock_sql(db: Dialect) -> str:
    return _LOCK_SEATS.format(for_update=db.for_update)


async def _event_for_submission(event_id: int, country: str) -> dict:
    """The event row (as ``get_event_row``), ``country_groups`` (the values of the represented
    country's groups on the event's first day) and ``next_registration_id`` (or ``None``)."""
    try:
        iso3 = normalise_country(country, "country_represented")
    except InvalidInput:
        iso3 = ""  # validate() refuses it, beside the other fields' errors
    row = await statements.first(_event_sql(dialect()), iso3, event_id)
    if row is None:
        raise NotFound(f"No event with id {event_id}")
    row["country_groups"] = sorted(set(filter(None, (row["country_groups"] or "").split("|"))))
    row.setdefault("next_registration_id", None)
    return row


async def _decide_and_write_queued(p: _Prepared) -> _Outcome:
    if p.registration_id is not None and not p.session_ids and not p.invitation_token:
        sql, args = _one_statement(p)
        if get_engine().current_transaction.get() is not None or not GROUP_SUBMISSIONS:
            rows = await statements.write(sql, *args)
        else:
            note_statement(sql)  # the batch runs in a context of its own (see statement_log)
            rows = await _BATCHES.submit((sql, args), key=p.values["event"])
        return _outcome_of_one_statement(p, rows)
    async with queue_for(f"event-seats:{p.values['event']}"):
        return await statements.run(_decide_and_write(p))


#: Submissions for one event written in one transaction at most, by :data:`_BATCHES`.
BATCH = 32
#: Group concurrent submissions for an event into shared transactions (tests turn it off to race
#: transactions against each other).
GROUP_SUBMISSIONS = True


async def _write_batch(batch: list[Statement]) -> list[list[dict[str, Any]] | BaseException]:
    """Concurrent submissions for an event, written together (PostgreSQL's one-statement path).

    Each submission commits while it holds the event row, and a commit waits for the write-ahead log
    to reach the disk: one event's submissions could go no faster than one disk flush each (about
    100 a second on the benchmark machine, whatever the CPU). So :data:`_BATCHES` hands the
    submissions that arrived while the previous batch was being written to one task per event and
    process, which runs their statements here in one transaction, one after another: each still
    locks, decides from the counters as the previous one left them, sees the e-mails written before
    it, and writes; the batch shares one commit and one flush. When a batch fails (a submission's
    e-mail raced in from another process, a constraint), each of its submissions runs again on its
    own, so one cannot fail the others. Alone, a submission is a batch of one.
    """
    try:
        async with write_transaction():
            return [await statements.fetch(sql, *args) for sql, args in batch]
    except Exception as error:
        if len(batch) == 1:
            return [error]
    results: list[list[dict[str, Any]] | BaseException] = []
    for sql, args in batch:
        try:
            results.append(await statements.write(sql, *args))
        except Exception as alone:
            results.append(alone)
    return results


_BATCHES: WriteGroups[Statement, list[dict[str, Any]]] = WriteGroups(_write_batch, BATCH)


def _same_email_raced(error: Exception) -> bool:
    constraint = getattr(error, "constraint_name", None) or str(error)
    return "registration_one_active_per_email" in constraint


def _checked_seats(p: _Prepared, seats: dict[str, Any] | None) -> dict[str, Any]:
    """The locked event's seats row; refuses a missing event, and another submission for an e-mail
    already registered (the same data is answered with that registration by the caller)."""
    if seats is None:
        raise NotFound(f"No event with id {p.values['event']}")
    if seats["same_id"] is not None and seats["same_fingerprint"] != p.fingerprint:
        raise Conflict(
            f"{p.values['email']} is already registered for this event; ask for a sign-in link to change the registration",
            registration_reference_hint="POST /api/v1/events/{event_id}/registrations/magic-link",
        )
    return seats


def _decide_and_write(p: _Prepared) -> Program[_Outcome]:
    """The locked part of a submission, as one statement program (see the module's docstring).

    Statements for a new self-registration: the event row locked with its seats and the e-mail's
    active registration, then the registration, its sign-in link, its audit entries and its e-mail
    (on PostgreSQL one statement, the registration's id taken before the lock; elsewhere the
    registration first, for its id). Session sign-ups and invitations add their own.
    """
    values, event_id = p.values, p.values["event"]
    email = values["email"]
    seats = _checked_seats(p, one((yield (_lock_sql(dialect()), (email, email, event_id)))))
    if seats["same_id"] is not None:
        return _Outcome(existing_id=seats["same_id"])
    approve_when_seats = p.approve_when_seats
    invitation = None
    if p.invitation_token:
        invitation = yield from access.redeem_invitation(p.invitation_token, event_id=event_id, email=email)
        values["channel"] = Channel.invitation.value
        if statements.boolean(invitation["skip_moderation"]):
            approve_when_seats = True
    approve = statements.boolean(seats["auto_approve"]) if approve_when_seats is None else approve_when_seats
    status = seat_status(approve, seats["approved_seats"], seats["capacity"])
    values["status"] = status.value
    writes = []
    registration_id = p.registration_id
    if registration_id is None or p.session_ids:
        if registration_id is not None:
            values["id"] = registration_id
        registration_id = (yield statements.insert(Registration, values, returning="id"))[0]["id"]
    else:
        values["id"] = registration_id
        writes.append(statements.insert(Registration, values))
    sessions_full = yield from session_seats(registration_id, event_id, p.session_ids)
    if invitation is not None:
        writes.append(access.mark_invitation_used(invitation["id"], registration_id))
    token_row, link = access.magic_link(registration_id)
    actions = ["registration.submitted"]
    if status is not RegistrationStatus.submitted:
        actions.append(f"registration.{status.value}")
    audit = entries(
        p.actor,
        actions,
        "registration",
        registration_id,
        event_id=event_id,
        data={"channel": values["channel"], "status": status.value},
    )
    row = {**_NEW_ROW_DEFAULTS, **values, "id": registration_id}
    yield from statements.together(
        *writes,
        statements.insert(AccessToken, token_row),
        statements.insert(AuditEntry, *audit),
        statements.insert(OutboxMessage, notice("registration_received", row, p.event, sign_in_link=link)),
    )
    positions = {}
    if status is RegistrationStatus.waitlisted:
        positions[registration_id] = seats["waitlisted_seats"] + 1
    return _Outcome(row=row, positions=positions, sessions_full=sessions_full)


#: The statuses a submission can take, decided in :func:`_one_statement`.
_NEW_STATUSES = ("submitted", "approved", "waitlisted")


def _one_statement(p: _Prepared) -> Statement:
    """The locked part of the common submission (no sessions, no invitation; the id taken before
    the lock) as one statement, sent outside a transaction: the event row is held only while
    PostgreSQL runs it and commits, never across a round trip.

    It is :func:`_decide_and_write` written in SQL: ``ev`` locks the event row with its seat counters
    and the e-mail's active registration (as :data:`_LOCK_SEATS`); ``decided`` is
    :func:`~events.registration.seats.seat_status` (nothing when the e-mail is registered); the
    registration, its sign-in link, audit entries and e-mail are written from it, the e-mail with
    the decided status's word put in. The last ``SELECT`` answers what :func:`submit` needs.
    """
    values, event_id = p.values, p.values["event"]
    email, registration_id = values["email"], p.registration_id
    row = {**values, "id": registration_id}
    row.pop("status", None)
    token_row, link = access.magic_link(registration_id)
    audit = entries(p.actor, ["registration.submitted"], "registration", registration_id, event_id=event_id)[
        0
    ]
    mail, marker, words = notice_any_status(
        "registration_received", {**_NEW_ROW_DEFAULTS, **row}, p.event, _NEW_STATUSES, sign_in_link=link
    )
    worded = (
        "replace(?::text, ?::text, CASE r.status WHEN 'approved' THEN ?::text "
        "WHEN 'waitlisted' THEN ?::text ELSE ?::text END)"
    )
    word_args = (marker, words["approved"], words["waitlisted"], words["submitted"])
    approve = p.approve_when_seats
    parts = [
        ("ev AS (" + _lock_sql(dialect()) + ")", (email, email, event_id)),
        (
            "decided AS (SELECT CASE WHEN NOT coalesce(?::boolean, ev.auto_approve) THEN 'submitted' "
            "WHEN ev.approved_seats < ev.capacity THEN 'approved' ELSE 'waitlisted' END AS status "
            "FROM ev WHERE ev.same_id IS NULL)",
            (approve,),
        ),
        _clause(
            "r",
            statements.insert_select(Registration, row, "decided", {"status": ("decided.status", ())}),
            " RETURNING id, status",
        ),
        _clause("t", statements.insert_select(AccessToken, token_row, "r")),
        _clause(
            "a",
            statements.insert_select(
                AuditEntry,
                {k: audit[k] for k in ("at", "actor", "actor_label", "object_type", "object_id", "event_id")},
                "r CROSS JOIN LATERAL (SELECT 1 AS n, 'registration.submitted' AS action UNION ALL "
                "SELECT 2, 'registration.' || r.status WHERE r.status <> 'submitted') AS x",
                {
                    "action": ("x.action", ()),
                    "data": (
                        "json_build_object('channel', ?::text, 'status', r.status)",
                        (values["channel"],),
                    ),
                },
            ),
            " ORDER BY x.n",
        ),
        _clause(
            "o",
            statements.insert_select(
                OutboxMessage,
                {k: v for k, v in mail.items() if k not in ("subject", "body")},
                "r",
                {
                    "subject": (worded, (mail["subject"], *word_args)),
                    "body": (worded, (mail["body"], *word_args)),
                },
            ),
        ),
    ]
    clauses = ", ".join(clause for clause, _ in parts)
    sql = f"WITH {clauses} SELECT ev.same_id, ev.same_fingerprint, ev.waitlisted_seats, r.status FROM ev LEFT JOIN r ON TRUE"  # noqa: S608
    return sql, tuple(arg for _, args in parts for arg in args)


def _clause(name: str, statement: Statement, tail: str = "") -> Statement:
    return f"{name} AS ({statement[0]}{tail})", statement[1]


def _outcome_of_one_statement(p: _Prepared, rows: list[dict[str, Any]]) -> _Outcome:
    answer = _checked_seats(p, one(rows))
    values = p.values
    if answer["same_id"] is not None:
        return _Outcome(existing_id=answer["same_id"])
    registration_id = p.registration_id
    row = {**_NEW_ROW_DEFAULTS, **values, "id": registration_id, "status": answer["status"]}
    positions = {registration_id: answer["waitlisted_seats"] + 1} if answer["status"] == "waitlisted" else {}
    return _Outcome(row=row, positions=positions)


#: Columns a new registration row has that ``submit`` does not set itself.
_NEW_ROW_DEFAULTS = {"decided_by": None, "decision_note": "", "sensitive_purged_at": None}


def _check_window(event: dict) -> None:
    moment = now()
    opens, closes = event["registration_opens_at"], event["registration_closes_at"]
    if opens and moment < opens:
        raise Conflict(
            f"Registration for this event opens at {programme_services.to_local(opens, event['time_zone'])}"
        )
    if closes and moment >= closes:
        raise Conflict("Registration for this event has closed; ask the organisers for an invitation")
