"""Issuing certificates of attendance: one, or every eligible participant's (the job).

A certificate is a letter of the kind ``attendance_certificate`` (:mod:`events.letters.issuing`):
the same wording per language, letterhead, signature, encrypted storage, verification page,
revocation (a withdrawn registration's letters are revoked) and ZIP. Issuing checks the rule
(409 with the reason when not eligible). Issuing again is idempotent: an unchanged certificate is
kept; when the figures it states changed (a late offline scan synced, a session cancelled), the
new one supersedes it. A participant no longer eligible keeps a certificate until an organiser
revokes it (the console shows them).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from msgspec import Struct

from events.auth.principal import Actor
from events.certificates import eligibility
from events.errors import Conflict, InvalidInput
from events.jobs import services as job_services
from events.jobs.schemas import Job
from events.letters import issuing
from events.letters import schemas as letter_schemas
from events.letters.stored import readable_registration
from events.letters.tables import LetterKind
from events.programme import services as programme_services

KIND = LetterKind.attendance_certificate
#: The job kind (:mod:`events.certificates.jobs`), named here so the service can queue it.
ISSUE_JOB = "certificates.issue"


class BulkReport(Struct, kw_only=True):
    eligible: int
    issued: int = 0
    superseded: int = 0
    unchanged: int = 0
    #: Registration reference → why no certificate could be made (an incomplete letter profile…).
    failed: dict[str, str] = {}


async def issue_certificate(actor: Actor, registration_id: int) -> letter_schemas.LetterIssued:
    """Issue (or keep) one registration's certificate; 409 with the reason when not eligible."""
    row = await readable_registration(actor, registration_id)  # 404 for strangers
    actor.require_organiser(row["event"], "Certificates of attendance are issued by the organisers")
    return await issuing.issue_letter(actor, registration_id, KIND)


async def issue_all(
    actor: Actor, event_id: int, *, progress: Callable[[int, int], Awaitable[None]] | None = None
) -> BulkReport:
    """Every eligible participant's certificate; running it twice issues nothing new."""
    standing = await eligibility.event_eligibility(actor, event_id)
    eligible = [item for item in standing.participants if item.eligible]
    report = BulkReport(eligible=len(eligible), failed={})
    for done, item in enumerate(eligible, start=1):
        had = item.certificate_id
        try:
            result = await issuing.issue_letter(actor, item.registration_id, KIND)
        except (Conflict, InvalidInput) as exc:
            details = "; ".join(f"{e.field}: {e.message}" for e in exc.errors) or exc.detail
            report.failed[item.reference] = details
        else:
            if not result.created:
                report.unchanged += 1
            elif had is not None:
                report.superseded += 1
            else:
                report.issued += 1
        if progress is not None:
            await progress(done, len(eligible))
    return report


async def enqueue_issue_all(actor: Actor, event_id: int) -> Job:
    """Queue :data:`events.certificates.jobs.ISSUE_JOB`; follow it at ``/api/v1/jobs/{id}``."""
    actor.require_organiser(event_id, "Only organisers of this event issue its certificates")
    await programme_services.get_event_row(event_id)
    return await job_services.enqueue(actor, ISSUE_JOB, event_id=event_id, params={"event_id": event_id})
