"""Password-free access for participants, and organisers' invitations.

A magic link (``osm_…``) is e-mailed, works once and expires; exchanging it gives a registration
access token (``osr_…``) that opens that one registration for a few hours. An invitation
(``osi_…``) is bound to the invited address. Each token serves one purpose only, and only its
SHA-256 is stored.
"""

from __future__ import annotations

import datetime
import hashlib
import secrets

from events.api import from_row
from events.audit.services import record
from events.auth.principal import Actor
from events.auth.tables import ThrottledRequest
from events.clock import now
from events.db import dialect, locked, serialise_on, write_transaction
from events.db.statements import Program, Statement, one
from events.errors import Conflict, InvalidInput, NotAuthenticated, PermissionDenied, TooManyRequests
from events.i18n.formatting import format_date, format_date_range, format_datetime
from events.notifications.services import queue_email
from events.notifications.templates import email_language
from events.programme import services as programme_services
from events.registration import schemas
from events.registration.tables import ACTIVE_STATUSES, AccessPurpose, AccessToken, Invitation, Registration
from events.registration.validation import email_problem, normalise_email
from events.settings import get_settings

#: Sign-in link requests: per client address, and e-mails per address, within the window.
MAGIC_LINK_WINDOW = datetime.timedelta(hours=1)
MAGIC_LINK_REQUESTS_PER_CLIENT = 20
MAGIC_LINKS_PER_ADDRESS = 3

MAGIC_PREFIX = "osm_"
ACCESS_PREFIX = "osr_"
INVITATION_PREFIX = "osi_"


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def magic_link_url(token: str) -> str:
    """The fragment is never sent to servers, so mail scanners that prefetch links cannot spend it."""
    return f"{get_settings().base_url}/my/registration#token={token}"


async def issue_magic_link(registration_id: int) -> str:
    """A fresh single-use link for one registration (inside the caller's transaction)."""
    row, link = magic_link(registration_id)
    await AccessToken.insert(AccessToken(**row))
    return link


def magic_link(registration_id: int) -> tuple[dict, str]:
    """A fresh single-use link: the token row to store (its hash only) and the link to e-mail."""
    token = MAGIC_PREFIX + secrets.token_urlsafe(32)
    moment = now()
    row = {
        "registration": registration_id,
        "purpose": AccessPurpose.magic_link.value,
        "token_hash": _digest(token),
        "created_at": moment,
        "expires_at": moment + datetime.timedelta(minutes=get_settings().magic_link_ttl_minutes),
    }
    return row, magic_link_url(token)


async def admit_magic_link_request(email: str, *, client: str) -> bool:
    """Count a request for a sign-in link, before anything is looked up (so known and unknown
    addresses cost the same); returns whether a link may be e-mailed to this address.

    Past :data:`MAGIC_LINK_REQUESTS_PER_CLIENT` in the window a client gets 429. Past
    :data:`MAGIC_LINKS_PER_ADDRESS` the answer stays the same as success, so it does not tell that
    the address is registered, but no further e-mail is queued: nobody can flood a mailbox.
    """
    subject = _digest(normalise_email(email))
    client = client[:64]
    since = now() - MAGIC_LINK_WINDOW
    async with write_transaction():
        await serialise_on(f"magic-link:client:{client}", f"magic-link:address:{subject}")
        await ThrottledRequest.delete().where(ThrottledRequest.at <= since)
        from_client = await ThrottledRequest.count().where(
            ThrottledRequest.action == "magic_link", ThrottledRequest.client == client
        )
        if from_client >= MAGIC_LINK_REQUESTS_PER_CLIENT:
            raise TooManyRequests(
                "Too many sign-in link requests; try again later",
                retry_after_seconds=int(MAGIC_LINK_WINDOW.total_seconds()),
            )
        earlier = await ThrottledRequest.count().where(
            ThrottledRequest.action == "magic_link", ThrottledRequest.subject == subject
        )
        await ThrottledRequest.insert(
            ThrottledRequest(action="magic_link", client=client, subject=subject, at=now())
        )
    return earlier < MAGIC_LINKS_PER_ADDRESS


async def request_magic_link(event_id: int, email: str, language: str | None) -> None:
    """E-mail a sign-in link if the address holds an active registration; say nothing either way.

    Handlers run this after their answer is sent (a background task), so how long the lookup and
    the queueing take cannot tell whether the address is registered.
    """
    email = normalise_email(email)
    row = (
        await Registration.select()
        .where(
            Registration.event == event_id,
            Registration.email == email,
            Registration.status.is_in([s.value for s in ACTIVE_STATUSES]),
        )
        .output(load_json=True)
        .first()
    )
    if row is None:
        return
    event = await programme_services.get_event_row(event_id)
    async with write_transaction():
        link = await issue_magic_link(row["id"])
        if language:
            row = {**row, "preferred_language": language}
        expires = programme_services.to_local(
            now() + datetime.timedelta(minutes=get_settings().magic_link_ttl_minutes), event["time_zone"]
        )
        await queue_email(
            "magic_link",
            to=row["email"],
            language=row["preferred_language"],
            context={
                "name": row["preferred_name"] or row["given_names"],
                "event": event["title"],
                "reference": row["reference"],
                "expires": f"{format_datetime(expires, email_language(row['preferred_language']))} {expires:%Z}",
            },
            secret_context={"link": link},
            object_type="registration",
            object_id=row["id"],
        )
        await record(
            Actor.participant(row["id"], row["reference"]),
            "registration.magic_link_sent",
            "registration",
            row["id"],
            event_id=event_id,
        )


async def exchange_magic_link(token: str) -> schemas.RegistrationAccess:
    """Spend a magic link for an access token; a used, expired or unknown link is refused alike."""
    refused = NotAuthenticated("This link is expired or was used already; ask for a new one")
    if not token.startswith(MAGIC_PREFIX):
        raise refused
    async with write_transaction():
        row = await locked(
            AccessToken.select().where(
                AccessToken.token_hash == _digest(token),
                AccessToken.purpose == AccessPurpose.magic_link.value,
            )
        ).first()
        if row is None or row["used_at"] is not None or row["expires_at"] <= now():
            raise refused
        await AccessToken.update({AccessToken.used_at: now()}).where(AccessToken.id == row["id"])
        access = ACCESS_PREFIX + secrets.token_urlsafe(32)
        expires = now() + datetime.timedelta(hours=get_settings().registration_access_ttl_hours)
        await AccessToken.insert(
            AccessToken(
                registration=row["registration"],
                purpose=AccessPurpose.registration_access.value,
                token_hash=_digest(access),
                created_at=now(),
                expires_at=expires,
            )
        )
        registration = (
            await Registration.select(Registration.reference, Registration.event)
            .where(Registration.id == row["registration"])
            .first()
        )
        await record(
            Actor.participant(row["registration"], registration["reference"]),
            "registration.signed_in",
            "registration",
            row["registration"],
            event_id=registration["event"],
        )
    return schemas.RegistrationAccess(
        access_token=access, expires_at=expires, registration_id=row["registration"]
    )


async def revoke_access_token(token: str) -> None:
    """Sign a participant out: the access token stops working at once, not when it expires."""
    if not token.startswith(ACCESS_PREFIX):
        return
    async with write_transaction():
        await AccessToken.update({AccessToken.expires_at: now()}).where(
            AccessToken.token_hash == _digest(token),
            AccessToken.purpose == AccessPurpose.registration_access.value,
        )


async def actor_from_access_token(token: str) -> Actor | None:
    if not token.startswith(ACCESS_PREFIX):
        return None
    row = (
        await AccessToken.select(
            AccessToken.registration, AccessToken.expires_at, AccessToken.registration.reference
        )
        .where(
            AccessToken.token_hash == _digest(token),
            AccessToken.purpose == AccessPurpose.registration_access.value,
        )
        .first()
    )
    if row is None or row["expires_at"] <= now():
        return None
    return Actor.participant(row["registration"], row["registration.reference"])


async def participant_identity(registration_id: int) -> dict:
    """Who a participant signed in with an access token is, as ``GET /auth/me`` tells them."""
    row = (
        await Registration.select(
            Registration.id,
            Registration.event,
            Registration.reference,
            Registration.given_names,
            Registration.family_name,
            Registration.preferred_name,
            Registration.email,
        )
        .where(Registration.id == registration_id)
        .first()
    )
    if row is None:
        raise NotAuthenticated("This registration no longer exists")
    return {
        "registration_id": row["id"],
        "event_id": row["event"],
        "reference": row["reference"],
        "name": row["preferred_name"] or " ".join(filter(None, (row["given_names"], row["family_name"]))),
        "email": row["email"],
    }


# --- invitations -------------------------------------------------------------------------------


def _invitation(row: dict) -> schemas.Invitation:
    return from_row(schemas.Invitation, row)


async def invite(
    actor: Actor, event_id: int, data: schemas.InvitationCreate
) -> tuple[schemas.Invitation, str]:
    """Invite (nominate) an address; the e-mail carries a registration link bound to it."""
    if not actor.organises(event_id):
        raise PermissionDenied("Only organisers of this event invite")
    email = normalise_email(data.email)
    if problem := email_problem(email):
        raise InvalidInput.field("email", problem)
    token = INVITATION_PREFIX + secrets.token_urlsafe(32)
    async with write_transaction():
        event = await programme_services.get_event_row(event_id)
        expires = now() + datetime.timedelta(days=data.valid_days)
        invitation = Invitation(
            event=event_id,
            email=email,
            token_hash=_digest(token),
            skip_moderation=data.skip_moderation,
            invited_by=actor.user_id,
            created_at=now(),
            expires_at=expires,
        )
        await invitation.save()
        link = f"{get_settings().base_url}/events/{event_id}/register#invitation={token}"
        local_expiry = programme_services.to_local(expires, event["time_zone"])
        language = email_language(data.language)
        await queue_email(
            "invitation",
            to=email,
            language=data.language,
            context={
                "event": event["title"],
                "dates": format_date_range(event["start_date"], event["end_date"], language),
                "city": event["city"],
                "email": email,
                "expires": format_date(local_expiry.date(), language),
            },
            secret_context={"link": link},
            object_type="invitation",
            object_id=invitation.id,
        )
        await record(
            actor,
            "invitation.created",
            "invitation",
            invitation.id,
            event_id=event_id,
            data={"email": email, "skip_moderation": data.skip_moderation},
        )
    row = await Invitation.select().where(Invitation.id == invitation.id).first()
    return _invitation(row), token


async def list_invitations(actor: Actor, event_id: int) -> list[schemas.Invitation]:
    if not actor.organises(event_id):
        raise PermissionDenied("Only organisers of this event see its invitations")
    return [
        _invitation(r)
        for r in await Invitation.select().where(Invitation.event == event_id).order_by(Invitation.id)
    ]


def redeem_invitation(token: str, *, event_id: int, email: str) -> Program[dict]:
    """Check an invitation inside the registering statement program (its row locked). Bound to its
    address and event."""
    invalid = InvalidInput.field("invitation_token", "this invitation is unknown, expired or used")
    if not token.startswith(INVITATION_PREFIX):
        raise invalid
    row = one(
        (
            yield (
                "SELECT id, event, email, expires_at, used_at, skip_moderation FROM invitation "  # noqa: S608
                f"WHERE token_hash = ? {dialect().for_update}",
                (_digest(token),),
            )
        )
    )
    if row is None or row["event"] != event_id or row["expires_at"] <= now():
        raise invalid
    if row["used_at"] is not None:
        raise Conflict("This invitation has been used already; ask for a sign-in link instead")
    if row["email"] != email:
        raise InvalidInput.field(
            "email", "this invitation was sent to another address; register with that address"
        )
    return row


def mark_invitation_used(invitation_id: int, registration_id: int) -> Statement:
    return "UPDATE invitation SET used_at = ?, registration = ? WHERE id = ?", (
        now(),
        registration_id,
        invitation_id,
    )
