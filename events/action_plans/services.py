"""Country action plans: who may see and change a country's plan, and each action on it.

Rights (:func:`role`): the event's organisers see every country's plan, review it and comment;
the approved participants of the event whose ``country_represented`` is the country read it and
change it while it is a draft (any of them: the plan is the country's); anyone else is told
nothing exists (404), except a signed-in account without the organiser's right on this event (403).

Each change runs in one write transaction that takes the plan's lock first (an advisory lock on
``action-plan:{event}:{country}`` where rows lock, then the row ``FOR UPDATE``), so two participants
of one country saving or uploading at once take turns and the plan ends with one current
version; a refused upload writes nothing, so the previous document stays current.
"""

from __future__ import annotations

from typing import Any

import msgspec

from events import crypto
from events.action_plans import files, schemas
from events.action_plans.tables import (
    ActionPlan,
    ActionPlanComment,
    ActionPlanDocument,
    CommentKind,
    PlanStatus,
)
from events.audit.services import record
from events.auth.principal import Actor
from events.auth.tables import User
from events.clock import now
from events.db import locked, serialise_on, write_transaction
from events.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from events.programme import services as programme_services
from events.reference import services as reference
from events.registration.tables import Registration, RegistrationStatus
from events.text import text_problem

ORGANISER = "organiser"
PARTICIPANT = "participant"
FROZEN = "The plan was submitted: it can be changed again when the organisers return it to draft"
PARTICIPANTS_ONLY = "Only the participants who represent this country change its plan"

PLAN_COLUMNS = (
    ActionPlan.id,
    ActionPlan.event,
    ActionPlan.country,
    ActionPlan.status,
    ActionPlan.priority_services,
    ActionPlan.channels,
    ActionPlan.target_date,
    ActionPlan.summary,
    ActionPlan.document_version,
    ActionPlan.changed_at,
    ActionPlan.changed_by_registration,
    ActionPlan.changed_by_user,
    ActionPlan.last_change,
    ActionPlan.submitted_at,
    ActionPlan.reviewed_at,
)
DOCUMENT_COLUMNS = (
    ActionPlanDocument.id,
    ActionPlanDocument.version,
    ActionPlanDocument.sha256,
    ActionPlanDocument.size,
    ActionPlanDocument.content_type,
    ActionPlanDocument.filename,
    ActionPlanDocument.uploaded_at,
    ActionPlanDocument.uploaded_by_registration,
    ActionPlanDocument.uploaded_by_user,
)


def _country(code: str) -> str:
    try:
        return reference.normalise_country(code)
    except InvalidInput:
        raise NotFound(f"No country {code!r}") from None


def _nothing(event_id: int, country: str) -> NotFound:
    return NotFound(f"No action plan for {country} in event {event_id}")


async def role(actor: Actor, event_id: int, country: str) -> tuple[str, str]:
    """``(ORGANISER | PARTICIPANT, alpha-3 country)`` for who may see this country's plan."""
    country = _country(country)
    if actor.organises(event_id):
        await programme_services.get_event_row(event_id)
        return ORGANISER, country
    if actor.registration_id is not None:
        row = (
            await Registration.select(
                Registration.event, Registration.status, Registration.country_represented
            )
            .where(Registration.id == actor.registration_id)
            .first()
        )
        if (
            row is not None
            and row["event"] == event_id
            and row["status"] == RegistrationStatus.approved.value
            and row["country_represented"] == country
        ):
            return PARTICIPANT, country
        raise _nothing(event_id, country)
    if actor.user_id is not None:
        raise PermissionDenied("This needs an organiser of this event")
    raise _nothing(event_id, country)


async def my_country(actor: Actor) -> tuple[int, str] | None:
    """The event and country whose plan a signed-in participant writes, or ``None`` (not approved)."""
    if actor.registration_id is None:
        return None
    row = (
        await Registration.select(Registration.event, Registration.status, Registration.country_represented)
        .where(Registration.id == actor.registration_id)
        .first()
    )
    if row is None or row["status"] != RegistrationStatus.approved.value:
        return None
    return row["event"], row["country_represented"]


async def represented(event_id: int) -> dict[str, int]:
    """The countries the event's approved participants represent, with how many of them."""
    rows = await Registration.select(Registration.country_represented).where(
        Registration.event == event_id, Registration.status == RegistrationStatus.approved.value
    )
    counts: dict[str, int] = {}
    for row in rows:
        counts[row["country_represented"]] = counts.get(row["country_represented"], 0) + 1
    return counts


async def _plan_row(event_id: int, country: str) -> dict | None:
    return (
        await ActionPlan.select(*PLAN_COLUMNS)
        .where(ActionPlan.event == event_id, ActionPlan.country == country)
        .first()
    )


async def _names(registration_ids: set[int], user_ids: set[int]) -> tuple[dict[int, str], dict[int, str]]:
    people: dict[int, str] = {}
    accounts: dict[int, str] = {}
    if registration_ids:
        rows = await Registration.select(
            Registration.id, Registration.given_names, Registration.family_name
        ).where(Registration.id.is_in(sorted(registration_ids)))
        people = {row["id"]: f"{row['given_names']} {row['family_name']}".strip() for row in rows}
    if user_ids:
        rows = await User.select(User.id, User.username).where(User.id.is_in(sorted(user_ids)))
        accounts = {row["id"]: row["username"] for row in rows}
    return people, accounts


def _who(
    people: dict[int, str], accounts: dict[int, str], registration: int | None, user: int | None
) -> str | None:
    if registration is not None:
        return people.get(registration)
    if user is not None:
        return accounts.get(user)
    return None


def document_url(event_id: int, country: str) -> str:
    return f"/api/v1/events/{event_id}/action-plans/{country}/document"


async def _to_schema(event_id: int, country: str, row: dict | None, who: str) -> schemas.Plan:
    if row is None:
        return schemas.Plan(
            event_id=event_id,
            country=country,
            status="none",
            priority_services=[],
            channels=[],
            target_date=None,
            summary="",
            document=None,
            changed_at=None,
            changed_by=None,
            last_change="",
            submitted_at=None,
            reviewed_at=None,
            comments=[],
            editable=who == PARTICIPANT,
        )
    document = None
    if row["document_version"]:
        document = (
            await ActionPlanDocument.select(*DOCUMENT_COLUMNS)
            .where(
                ActionPlanDocument.plan == row["id"], ActionPlanDocument.version == row["document_version"]
            )
            .first()
        )
    comments = (
        await ActionPlanComment.select(
            ActionPlanComment.id,
            ActionPlanComment.kind,
            ActionPlanComment.body,
            ActionPlanComment.created_at,
            ActionPlanComment.author,
        )
        .where(ActionPlanComment.plan == row["id"])
        .order_by(ActionPlanComment.id)
    )
    registration_ids = {row["changed_by_registration"]} - {None}
    user_ids = {row["changed_by_user"]} | {c["author"] for c in comments}
    if document:
        registration_ids.add(document["uploaded_by_registration"])
        user_ids.add(document["uploaded_by_user"])
    people, accounts = await _names(registration_ids - {None}, user_ids - {None})
    return schemas.Plan(
        event_id=event_id,
        country=country,
        status=row["status"],
        priority_services=list(_as_list(row["priority_services"])),
        channels=list(_as_list(row["channels"])),
        target_date=row["target_date"],
        summary=row["summary"],
        document=schemas.Document(
            version=document["version"],
            filename=document["filename"],
            content_type=document["content_type"],
            size=document["size"],
            sha256=document["sha256"],
            uploaded_at=document["uploaded_at"],
            uploaded_by=_who(
                people, accounts, document["uploaded_by_registration"], document["uploaded_by_user"]
            ),
            download_url=document_url(event_id, country),
        )
        if document
        else None,
        changed_at=row["changed_at"],
        changed_by=_who(people, accounts, row["changed_by_registration"], row["changed_by_user"]),
        last_change=row["last_change"],
        submitted_at=row["submitted_at"],
        reviewed_at=row["reviewed_at"],
        comments=[
            schemas.Comment(
                id=c["id"],
                kind=c["kind"],
                body=c["body"],
                created_at=c["created_at"],
                author=accounts.get(c["author"]) if c["author"] is not None else None,
            )
            for c in comments
        ],
        editable=who == PARTICIPANT and row["status"] == PlanStatus.draft.value,
    )


def _as_list(value: Any) -> list:
    if isinstance(value, str):
        value = msgspec.json.decode(value or "[]")
    return value if isinstance(value, list) else []


async def get_plan(actor: Actor, event_id: int, country: str) -> schemas.Plan:
    who, country = await role(actor, event_id, country)
    row = await _plan_row(event_id, country)
    if row is None and who == ORGANISER and country not in await represented(event_id):
        raise _nothing(event_id, country)
    return await _to_schema(event_id, country, row, who)


async def _locked_plan(event_id: int, country: str, *, create: bool) -> dict | None:
    """The plan's row under its lock, created as a draft when ``create`` and missing."""
    await serialise_on(f"action-plan:{event_id}:{country}")
    query = ActionPlan.select(*PLAN_COLUMNS).where(
        ActionPlan.event == event_id, ActionPlan.country == country
    )
    row = await locked(query).first()
    if row is None and create:
        await ActionPlan.insert(ActionPlan(event=event_id, country=country, status=PlanStatus.draft.value))
        row = await locked(query).first()
    return row


def _changed_by(actor: Actor) -> dict:
    return {
        ActionPlan.changed_at: now(),
        ActionPlan.changed_by_registration: actor.registration_id,
        ActionPlan.changed_by_user: actor.user_id,
    }


async def _editable(actor: Actor, event_id: int, country: str) -> tuple[str, dict]:
    """Inside a write transaction: the participant's country and its draft plan, locked."""
    who, country = await role(actor, event_id, country)
    if who != PARTICIPANT:
        raise PermissionDenied(PARTICIPANTS_ONLY)
    row = await _locked_plan(event_id, country, create=True)
    assert row is not None
    if row["status"] != PlanStatus.draft.value:
        raise Conflict(FROZEN)
    return country, row


def _check_services(lines: list[str]) -> list[str]:
    cleaned = [line.strip() for line in lines if line.strip()]
    for index, line in enumerate(cleaned):
        problem = text_problem(line, single_line=True)
        if problem:
            raise InvalidInput.field(f"priority_services[{index}]", problem)
    return cleaned


async def update_fields(
    actor: Actor, event_id: int, country: str, fields: schemas.PlanFields
) -> schemas.Plan:
    services = _check_services(fields.priority_services)
    channels = [channel for channel in schemas.CHANNELS if channel in set(fields.channels)]
    async with write_transaction():
        country, row = await _editable(actor, event_id, country)
        before = {
            "priority_services": _as_list(row["priority_services"]),
            "channels": _as_list(row["channels"]),
            "target_date": row["target_date"].isoformat() if row["target_date"] else None,
            "summary": row["summary"],
        }
        after = {
            "priority_services": services,
            "channels": channels,
            "target_date": fields.target_date.isoformat() if fields.target_date else None,
            "summary": fields.summary.strip(),
        }
        changed = sorted(name for name in after if after[name] != before[name])
        if changed:
            await ActionPlan.update(
                {
                    ActionPlan.priority_services: services,
                    ActionPlan.channels: channels,
                    ActionPlan.target_date: fields.target_date,
                    ActionPlan.summary: after["summary"],
                    ActionPlan.last_change: "fields",
                    **_changed_by(actor),
                }
            ).where(ActionPlan.id == row["id"])
            await record(
                actor,
                "action_plan.fields_updated",
                "action_plan",
                row["id"],
                event_id=event_id,
                data={"country": country, "changed": changed},
            )
    return await get_plan(actor, event_id, country)


async def upload_document(
    actor: Actor, event_id: int, country: str, content: bytes, filename: str | None
) -> schemas.Plan:
    """Check the file (before any write: a refused file leaves the plan as it was), then store it
    encrypted as the plan's next version. Older versions than the one it replaces are dropped."""
    await role(actor, event_id, country)
    checked = files.check(content, filename)
    sealed = crypto.encrypt_bytes(checked.content)
    async with write_transaction():
        country, row = await _editable(actor, event_id, country)
        version = row["document_version"] + 1
        await ActionPlanDocument.insert(
            ActionPlanDocument(
                plan=row["id"],
                version=version,
                content=sealed,
                sha256=checked.sha256,
                size=checked.size,
                content_type=checked.content_type,
                filename=checked.filename,
                uploaded_at=now(),
                uploaded_by_registration=actor.registration_id,
                uploaded_by_user=actor.user_id,
            )
        )
        # Keep the current version and the one before it (a participant who uploaded the wrong file
        # can ask an organiser); older ones are not needed.
        await ActionPlanDocument.delete().where(
            ActionPlanDocument.plan == row["id"], ActionPlanDocument.version < version - 1
        )
        await ActionPlan.update(
            {ActionPlan.document_version: version, ActionPlan.last_change: "document", **_changed_by(actor)}
        ).where(ActionPlan.id == row["id"])
        await record(
            actor,
            "action_plan.document_uploaded",
            "action_plan",
            row["id"],
            event_id=event_id,
            data={
                "country": country,
                "version": version,
                "sha256": checked.sha256,
                "size": checked.size,
                "content_type": checked.content_type,
                "filename": checked.filename,
            },
        )
    return await get_plan(actor, event_id, country)


async def document(actor: Actor, event_id: int, country: str) -> tuple[str, str, bytes]:
    """``(file name, content type, bytes)`` of the plan's current document."""
    _, country = await role(actor, event_id, country)
    row = await _plan_row(event_id, country)
    if row is None or not row["document_version"]:
        raise NotFound(f"The action plan of {country} has no document yet")
    stored = (
        await ActionPlanDocument.select(
            ActionPlanDocument.filename, ActionPlanDocument.content_type, ActionPlanDocument.content
        )
        .where(ActionPlanDocument.plan == row["id"], ActionPlanDocument.version == row["document_version"])
        .first()
    )
    if stored is None:
        raise NotFound(f"The action plan of {country} has no document yet")
    return stored["filename"], stored["content_type"], crypto.decrypt_bytes(bytes(stored["content"]))


async def change_status(
    actor: Actor, event_id: int, country: str, change: schemas.StatusChange
) -> schemas.Plan:
    who, country = await role(actor, event_id, country)
    comment = change.comment.strip()
    async with write_transaction():
        row = await _locked_plan(event_id, country, create=False)
        current = row["status"] if row else PlanStatus.none.value
        if change.status == "submitted":
            if who != PARTICIPANT:
                raise PermissionDenied(PARTICIPANTS_ONLY)
            if current != PlanStatus.draft.value:
                raise Conflict(FROZEN if row else "Start the plan before submitting it")
            if not row["document_version"]:
                raise InvalidInput.field("file", "upload the plan's document before submitting it")
            values: dict = {ActionPlan.submitted_at: now()}
        else:
            actor.require_organiser(event_id, "Only the event's organisers return or review a plan")
            allowed = {"draft": {"submitted", "reviewed"}, "reviewed": {"submitted"}}[change.status]
            if current not in allowed:
                raise Conflict(f"A plan that is {current} cannot be marked {change.status}")
            if change.status == "draft" and not comment:
                raise InvalidInput.field("comment", "say why the plan is returned to the country")
            values = {ActionPlan.reviewed_at: now() if change.status == "reviewed" else None}
        assert row is not None
        await ActionPlan.update(
            {
                ActionPlan.status: change.status,
                ActionPlan.last_change: {"draft": "returned"}.get(change.status, change.status),
                **values,
                **_changed_by(actor),
            }
        ).where(ActionPlan.id == row["id"])
        if comment and who == ORGANISER:
            kind = CommentKind.returned if change.status == "draft" else CommentKind.reviewed
            await ActionPlanComment.insert(
                ActionPlanComment(plan=row["id"], kind=kind.value, body=comment, author=actor.user_id)
            )
        await record(
            actor,
            f"action_plan.{ {'draft': 'returned'}.get(change.status, change.status) }",
            "action_plan",
            row["id"],
            event_id=event_id,
            data={"country": country, "from": current, "to": change.status},
        )
    return await get_plan(actor, event_id, country)


async def add_comment(actor: Actor, event_id: int, country: str, body: str) -> schemas.Plan:
    who, country = await role(actor, event_id, country)
    if who != ORGANISER:
        raise PermissionDenied("Only the event's organisers comment on a plan")
    body = body.strip()
    if not body:
        raise InvalidInput.field("body", "write the comment")
    async with write_transaction():
        row = await _locked_plan(event_id, country, create=False)
        if row is None:
            raise Conflict("This country has not started its plan yet")
        result = await ActionPlanComment.insert(
            ActionPlanComment(plan=row["id"], kind=CommentKind.comment.value, body=body, author=actor.user_id)
        )
        await record(
            actor,
            "action_plan.commented",
            "action_plan",
            row["id"],
            event_id=event_id,
            data={"country": country, "comment_id": result[0]["id"]},
        )
    return await get_plan(actor, event_id, country)


async def overview(
    actor: Actor, event_id: int, *, status: str | None = None, group: str | None = None
) -> list[schemas.CountryPlan]:
    """The countries the event's approved participants represent (and any with a plan), with their
    plan's status; filtered by status and by country group (LDC, LLDC, SIDS on the event's first day)."""
    actor.require_organiser(event_id, "You do not organise this event")
    event = await programme_services.get_event_row(event_id)
    counts = await represented(event_id)
    plans = {
        row["country"]: row
        for row in await ActionPlan.select(
            ActionPlan.country,
            ActionPlan.status,
            ActionPlan.target_date,
            ActionPlan.changed_at,
            ActionPlan.document_version,
        ).where(ActionPlan.event == event_id)
    }
    groups = await reference.groups_by_country(event["start_date"])
    found = []
    for country in sorted(set(counts) | set(plans)):
        plan = plans.get(country)
        line = schemas.CountryPlan(
            country=country,
            status=plan["status"] if plan else "none",
            target_date=plan["target_date"] if plan else None,
            changed_at=plan["changed_at"] if plan else None,
            participants=counts.get(country, 0),
            groups=groups.get(country, []),
            has_document=bool(plan and plan["document_version"]),
        )
        if status and line.status != status:
            continue
        if group and group not in line.groups:
            continue
        found.append(line)
    return found


async def programme_overview(actor: Actor) -> dict[str, dict[int, str]]:
    """Across the events the actor organises: country → event id → plan status (plans only)."""
    event_ids = actor.organised_event_ids()
    query = ActionPlan.select(ActionPlan.country, ActionPlan.event, ActionPlan.status)
    if event_ids is not None:
        if not event_ids:
            return {}
        query = query.where(ActionPlan.event.is_in(sorted(event_ids)))
    found: dict[str, dict[int, str]] = {}
    for row in await query:
        found.setdefault(row["country"], {})[row["event"]] = row["status"]
    return found


async def status_counts(event_ids: list[int]) -> dict[int, dict[str, dict[str, int]]]:
    """For the report: event → country → {"status": …, "participants": n} of every country
    represented by approved participants or with a plan."""
    found: dict[int, dict[str, dict[str, Any]]] = {}
    if not event_ids:
        return {}
    rows = await Registration.select(Registration.event, Registration.country_represented).where(
        Registration.event.is_in(event_ids), Registration.status == RegistrationStatus.approved.value
    )
    for row in rows:
        entry = found.setdefault(row["event"], {}).setdefault(
            row["country_represented"], {"status": "none", "participants": 0}
        )
        entry["participants"] += 1
    for row in await ActionPlan.select(ActionPlan.event, ActionPlan.country, ActionPlan.status).where(
        ActionPlan.event.is_in(event_ids)
    ):
        entry = found.setdefault(row["event"], {}).setdefault(
            row["country"], {"status": "none", "participants": 0}
        )
        entry["status"] = row["status"]
    return found


async def rotate_data_key(actor: Actor) -> int:
    """Re-encrypt every stored plan document with the newest data key (``events rotate-data-key``)."""
    ids = [
        row["id"]
        for row in await ActionPlanDocument.select(ActionPlanDocument.id).order_by(ActionPlanDocument.id)
    ]
    for start in range(0, len(ids), 50):
        async with write_transaction():
            rows = await locked(
                ActionPlanDocument.select(ActionPlanDocument.id, ActionPlanDocument.content).where(
                    ActionPlanDocument.id.is_in(ids[start : start + 50])
                )
            )
            for row in rows:
                await ActionPlanDocument.update(
                    {ActionPlanDocument.content: crypto.rotate_bytes(bytes(row["content"]))}
                ).where(ActionPlanDocument.id == row["id"])
    async with write_transaction():
        await record(actor, "action_plan.data_key_rotated", "action_plan", "*", data={"documents": len(ids)})
    return len(ids)
