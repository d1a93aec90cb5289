"""Console: certificates of attendance — the event's rule (errors beside the fields), every approved
participant with eligible or not and why (filter), issue to all eligible as the job
``certificates.issue``, issue or revoke one, and the download of each certificate.

Everything goes through :mod:`events.certificates` (rule, eligibility, issuing) and the letters'
services for what certificates share with letters (download, revocation); the wording of the
certificate is edited in the letters tab (kind "Certificate of attendance").
"""

from __future__ import annotations

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath
from litestar.response import Template

from events.certificates import eligibility, issuing, rules, schemas
from events.certificates import jobs as certificate_jobs
from events.errors import DomainError, InvalidInput, NotFound
from events.letters import issuing as letter_issuing
from events.letters import stored
from events.registration import reading
from events.web import pages
from events.web.console import common
from events.web.forms import Form
from events.web.i18n import N_

RULE_FIELDS = ("min_percent", "session_ids")
FILTERS = {"eligible": N_("Eligible"), "not": N_("Not eligible")}
#: Why someone is not eligible, by reason code (values from the reason).
REASONS = {
    "not_approved": N_("the registration is not approved"),
    "nothing_measured": N_("no session could be measured: none has a check-in checkpoint"),
    "too_few": N_("attended %(attended)s of %(counted)s counted sessions (%(percent)s %%, rule %(rule)s %%)"),
    "missed_named": N_("missed the named session “%(title)s”"),
}
SESSION_STATES = {
    "counted": N_("counted"),
    "cancelled": N_("cancelled: not counted"),
    "unmeasured": N_("no checkpoint: cannot be measured, not counted"),
    "optional": N_("optional and not named: not counted"),
}


def _page(event_id: int) -> str:
    return f"/organiser/events/{event_id}/certificates"


def _rule_form(rule: schemas.CertificateRule) -> Form:
    return Form(
        values={
            "min_percent": "" if rule.min_percent is None else str(rule.min_percent),
            "session_ids": [str(session_id) for session_id in rule.session_ids],
        },
        order=RULE_FIELDS,
    )


class CertificatePages(Controller):
    path = "/organiser/events/{event_id:int}/certificates"

    async def _render(self, request: Request, event_id: int, form: Form | None = None) -> Template:
        actor, event = await common.event_page(request, event_id)
        result = await eligibility.event_eligibility(actor, event_id)
        shown = request.query_params.get("show", "")
        participants = result.participants
        if shown == "eligible":
            participants = [item for item in participants if item.eligible]
        elif shown == "not":
            participants = [item for item in participants if not item.eligible]
        gettext = pages.gettext(request)
        why = {
            item.registration_id: [gettext(REASONS[reason.code]) % reason.values for reason in item.reasons]
            for item in participants
        }
        return common.render(
            request,
            "console/certificates/index.html",
            actor,
            event,
            "certificates",
            {
                "result": result,
                "participants": participants,
                "why": why,
                "shown": shown if shown in FILTERS else "",
                "filters": FILTERS,
                "session_states": SESSION_STATES,
                "unmeasured": [item for item in result.sessions if item.status == "unmeasured"],
                "session_options": [
                    (str(item.session_id), item.title, None)
                    for item in result.sessions
                    if item.status != "cancelled"
                ],
                "form": form or _rule_form(result.rule),
                "jobs": await common.latest_jobs(actor, event_id, certificate_jobs.ISSUE_JOB, request),
            },
            status_code=422 if form is not None and form.has_errors else 200,
        )

    @get("/")
    async def index(self, request: Request, event_id: FromPath[int]) -> Template:
        return await self._render(request, event_id)

    @post("/rule")
    async def save_rule(self, request: Request, event_id: FromPath[int]) -> Response:
        actor, _event = await common.event_page(request, event_id)
        return await common.post_form(
            request,
            schemas.CertificateRuleUpdate,
            RULE_FIELDS,
            lambda data: rules.put_rule(actor, event_id, data),
            done=lambda _: pages.redirect(_page(event_id), flash=N_("Certificate rule saved.")),
            again=lambda form, _status: self._render(request, event_id, form),
            refused=(InvalidInput,),
        )

    @post("/issue")
    async def issue_all(self, request: Request, event_id: FromPath[int]) -> Response:
        actor, _event = await common.event_page(request, event_id)
        return await common.start_job(
            request, actor, certificate_jobs.ISSUE_JOB, event_id=event_id, params={"event_id": event_id}
        )

    @post("/registrations/{registration_id:int}/issue")
    async def issue_one(
        self, request: Request, event_id: FromPath[int], registration_id: FromPath[int]
    ) -> Response:
        actor, _event = await common.event_page(request, event_id)
        try:
            if (await reading.get_registration_row(registration_id))["event"] != event_id:
                raise NotFound(f"No registration {registration_id} in event {event_id}")
            result = await issuing.issue_certificate(actor, registration_id)
        except DomainError as exc:
            return pages.redirect(_page(event_id), flash=N_("Not issued: %(reason)s"), reason=exc.detail)
        if not result.created:
            return pages.redirect(_page(event_id), flash=N_("The certificate is unchanged: it stays valid."))
        return pages.redirect(
            _page(event_id), flash=N_("Certificate %(reference)s issued."), reference=result.letter.reference
        )

    @post("/letters/{letter_id:int}/revoke")
    async def revoke(self, request: Request, event_id: FromPath[int], letter_id: FromPath[int]) -> Response:
        actor, _event = await common.event_page(request, event_id)
        reason = " ".join(((await request.form()).get("reason") or "").split())[:500]
        try:
            await stored.event_letter(actor, event_id, letter_id)
            await letter_issuing.revoke_letter(actor, letter_id, reason)
        except DomainError as exc:
            return pages.redirect(_page(event_id), flash=N_("Not changed: %(reason)s"), reason=exc.detail)
        return pages.redirect(
            _page(event_id), flash=N_("Certificate revoked: the verification page says so from now on.")
        )


HANDLERS: list = [CertificatePages]
#: Job kind → the page showing what the job produced.
JOB_PAGES: dict = {certificate_jobs.ISSUE_JOB: lambda job: _page(job.event_id)}
