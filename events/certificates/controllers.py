"""Certificates of attendance over HTTP (organisers of the event).

* ``GET|PUT /api/v1/events/{id}/certificates/rule`` — the rule (``min_percent``, ``session_ids``);
* ``GET /api/v1/events/{id}/certificates/eligibility?eligible=`` — every approved participant with
  eligible yes/no, attended X of Y, and why not;
* ``POST /api/v1/registrations/{id}/certificate`` — issue one (201; 200 when the valid one is kept;
  409 with the reason when not eligible);
* ``POST /api/v1/events/{id}/certificates/issue`` — every eligible one, as the job
  ``certificates.issue`` (202, follow it at ``/api/v1/jobs/{id}``).

Downloads, verification and revocation are the letters' (``/api/v1/letters/{id}/revoke``).
"""

from __future__ import annotations

from litestar import Controller, Response, get, post, put
from litestar.params import FromPath, FromQuery, JSONBody
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_202_ACCEPTED

from events.auth.guards import ActorDep, requires_event_organiser, requires_sign_in
from events.certificates import eligibility, issuing, rules, schemas
from events.certificates import jobs as _jobs  # noqa: F401  (registers the job kind)
from events.jobs.schemas import Job
from events.letters import schemas as letter_schemas
from events.programme.zones import in_event_zones


class EventCertificatesController(Controller):
    path = "/events/{event_id:int}/certificates"
    tags = ["certificates"]
    guards = [requires_event_organiser]

    @get("/rule")
    async def get_rule(self, actor: ActorDep, event_id: FromPath[int]) -> schemas.CertificateRule:
        return await rules.get_rule(actor, event_id)

    @put("/rule")
    async def put_rule(
        self, actor: ActorDep, event_id: FromPath[int], data: JSONBody[schemas.CertificateRuleUpdate]
    ) -> schemas.CertificateRule:
        return await rules.put_rule(actor, event_id, data)

    @get("/eligibility")
    async def list_eligibility(
        self, actor: ActorDep, event_id: FromPath[int], eligible: FromQuery[bool | None] = None
    ) -> schemas.Eligibility:
        result = await eligibility.event_eligibility(actor, event_id)
        if eligible is not None:
            result.participants = [item for item in result.participants if item.eligible is eligible]
        return result

    @post("/issue", status_code=HTTP_202_ACCEPTED)
    async def issue_all(self, actor: ActorDep, event_id: FromPath[int]) -> Response[Job]:
        job = await in_event_zones(await issuing.enqueue_issue_all(actor, event_id))
        return Response(job, status_code=HTTP_202_ACCEPTED, headers={"Location": f"/api/v1/jobs/{job.id}"})


class RegistrationCertificateController(Controller):
    path = "/registrations/{registration_id:int}/certificate"
    tags = ["certificates"]
    guards = [requires_sign_in]

    @post("/", status_code=HTTP_201_CREATED)
    async def issue_one(
        self, actor: ActorDep, registration_id: FromPath[int]
    ) -> Response[letter_schemas.LetterIssued]:
        result = await issuing.issue_certificate(actor, registration_id)
        return Response(
            await in_event_zones(result), status_code=HTTP_201_CREATED if result.created else HTTP_200_OK
        )


API_HANDLERS = [EventCertificatesController, RegistrationCertificateController]
ROOT_HANDLERS: list = []
