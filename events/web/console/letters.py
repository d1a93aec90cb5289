"""Console: letters (see events/web/console/__init__.py).

- ``/organiser/events/{id}/letters``: the event's letters with filters (kind, status, registration),
  revoke (with a reason, on a page of its own) and issue again per letter or per registration, the
  form that builds a ZIP of letters as a job (``letters.zip``, :mod:`events.letters.jobs`) and the
  latest such jobs with their progress bars;
- ``…/letters/wording``: the wording of each kind in each letter language; one form per kind and
  language (save, reset to the default) and a PDF preview for a sample participant or a chosen
  registration;
- ``…/letters/letterhead``: the letter profile's text (host, signatory, costs, reference prefix) and
  its two images (letterhead logo and signature): upload, show, remove.

Every action is the letters area's own service (rights, checks and the audit entry are theirs).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.params import FromPath
from litestar.response import Template

from events.errors import Conflict, DomainError, InvalidInput, NotFound
from events.letters import issuing, jobs, profiles, schemas, stored, templates, wording
from events.letters.tables import LetterKind, LetterStatus
from events.web import pages
from events.web.console import common
from events.web.forms import Form, read_form
from events.web.i18n import AUTONYMS, N_

PAGE_SIZE = 50
TAB = "letters"

KIND_WORDS = {
    LetterKind.invitation.value: N_("Invitation letter"),
    LetterKind.visa_support.value: N_("Visa-support letter"),
    LetterKind.attendance_certificate.value: N_("Certificate of attendance"),
}
STATUS_WORDS = {
    LetterStatus.valid.value: N_("Valid"),
    LetterStatus.revoked.value: N_("Revoked"),
    LetterStatus.superseded.value: N_("Superseded"),
    LetterStatus.expired.value: N_("Expired, details erased"),
}
IMAGE_WORDS = {"logo": N_("Letterhead logo"), "signature": N_("Signature")}
PROFILE_FIELDS = (
    "host_name",
    "host_address",
    "host_contact",
    "signatory_name",
    "signatory_title",
    "costs_statement",
    "reference_prefix",
)
PROFILE_LABELS = {
    "host_name": N_("Host"),
    "host_address": N_("Host's address"),
    "host_contact": N_("Contact (e-mail, phone)"),
    "signatory_name": N_("Signatory"),
    "signatory_title": N_("Signatory's title"),
    "costs_statement": N_("Who pays the costs"),
    "reference_prefix": N_("Reference prefix"),
}
#: The services' English messages about images and wording, as the page says them.
IMAGE_ERRORS = (
    ("PNG or JPEG", N_("Choose a PNG or JPEG image")),
    ("at most", N_("Choose an image of at most 1 MB and 4000 pixels wide and high")),
    ("empty", N_("Choose an image file to upload")),
    ("readable", N_("This file is not a readable image: choose a PNG or JPEG image")),
)
CHECK_WORDING = N_("Check this wording: %(problem)s")
CHECK_ANSWER = N_("Check this answer: %(problem)s")
#: Uploads may be larger than the app's body limit, so that the service (not a bare 413) refuses them.
UPLOAD_LIMIT = 4 * profiles.MAX_IMAGE_BYTES


def _kind(value: str) -> LetterKind:
    try:
        return LetterKind(value)
    except ValueError:
        raise NotFound(f"No letter kind {value!r}") from None


def _language(value: str) -> str:
    if value not in wording.LETTER_LANGUAGES:
        raise NotFound(f"Letters are not written in {value!r}")
    return value


def _base(event_id: int) -> str:
    return f"/organiser/events/{event_id}/letters"


def _back(candidate: str | None, event_id: int) -> str:
    """Only this event's letters pages, so a crafted form cannot send the organiser elsewhere."""
    base = _base(event_id)
    if candidate and (candidate == base or candidate.startswith(base + "?")) and "//" not in candidate:
        return candidate
    return base


def _filters(request: Request) -> dict[str, str]:
    """The list's filters the page understands (others are ignored)."""
    chosen: dict[str, str] = {}
    kind = request.query_params.get("kind", "")
    if kind in KIND_WORDS:
        chosen["kind"] = kind
    status = request.query_params.get("status", "")
    if status in STATUS_WORDS:
        chosen["status"] = status
    registration_id = common.query_int(request, "registration_id")
    if registration_id:
        chosen["registration_id"] = str(registration_id)
    return chosen


def _service_message(exc: DomainError) -> str:
    """A refusal as one readable line: the fields the service names, else its detail."""
    if exc.errors:
        return "; ".join(f"{error.field}: {error.message}" for error in exc.errors)
    return exc.detail


class LetterPages(Controller):
    path = "/organiser/events/{event_id:int}/letters"

    # --- the event's letters ------------------------------------------------------------------

    @get("/")
    async def letters(self, request: Request, event_id: FromPath[int]) -> Template:
        actor, event = await common.event_page(request, event_id)
        chosen = _filters(request)
        offset = common.query_int(request, "offset") or 0
        registration_id = int(chosen["registration_id"]) if "registration_id" in chosen else None
        items, total = await stored.list_event_letters(
            actor,
            event_id,
            kind=LetterKind(chosen["kind"]) if "kind" in chosen else None,
            status=LetterStatus(chosen["status"]) if "status" in chosen else None,
            registration_id=registration_id,
            limit=PAGE_SIZE,
            offset=offset,
        )
        people = await stored.people_of(event_id, [item.registration_id for item in items])
        person = None
        if registration_id is not None:
            person = (await stored.people_of(event_id, [registration_id])).get(registration_id)
        query = urlencode(chosen)
        return common.render(
            request,
            "console/letters/index.html",
            actor,
            event,
            TAB,
            {
                "items": items,
                "people": people,
                "person": person,
                "registration_id": registration_id,
                "total": total,
                "offset": offset,
                "page_size": PAGE_SIZE,
                "filters": chosen,
                "query": query,
                "back": f"{_base(event_id)}?{query}" if query else _base(event_id),
                "kind_words": KIND_WORDS,
                "status_words": STATUS_WORDS,
                "autonyms": AUTONYMS,
                "zip_jobs": await common.latest_jobs(actor, event_id, jobs.ZIP_JOB, request),
                "profile": await profiles.get_profile(actor, event_id),
            },
        )

    @get("/{letter_id:int}/revoke")
    async def revoke_form(
        self, request: Request, event_id: FromPath[int], letter_id: FromPath[int]
    ) -> Template:
        actor, event = await common.event_page(request, event_id)
        letter = await self._letter(actor, event_id, letter_id)
        return self._revoke_page(request, actor, event, letter, Form(order=("reason",)))

    @post("/{letter_id:int}/revoke")
    async def revoke(self, request: Request, event_id: FromPath[int], letter_id: FromPath[int]) -> Response:
        actor, event = await common.event_page(request, event_id)
        letter = await self._letter(actor, event_id, letter_id)
        submitted = await request.form()
        translate = pages.gettext(request)
        data, form = read_form(submitted, schemas.RevokeRequest, ("reason",), translate, required=("reason",))
        if data is not None and data.reason.strip():
            revoked = await issuing.revoke_letter(actor, letter_id, data.reason)
            return pages.redirect(
                _back(submitted.get("back"), event_id),
                flash=N_("Letter %(reference)s is revoked."),
                reference=revoked.reference,
            )
        if not (submitted.get("reason") or "").strip():
            form.errors["reason"] = translate(N_("Enter why the letter is revoked"))
        return self._revoke_page(request, actor, event, letter, form, status_code=422)

    @post("/registrations/{registration_id:int}/revoke")
    async def revoke_registration(
        self, request: Request, event_id: FromPath[int], registration_id: FromPath[int]
    ) -> Response:
        actor, _ = await common.event_page(request, event_id)
        submitted = await request.form()
        back = f"{_base(event_id)}?registration_id={registration_id}"
        reason = (submitted.get("reason") or "").strip()
        if not reason:
            return pages.redirect(back, flash=N_("Enter why the letters are revoked, then revoke them."))
        await self._person(actor, event_id, registration_id)
        try:
            count = await issuing.revoke_registration_letters(actor, registration_id, reason[:500])
        except InvalidInput:
            return pages.redirect(back, flash=N_("Enter why the letters are revoked, then revoke them."))
        return pages.redirect(back, flash=N_("%(count)s letters revoked."), count=count)

    @post("/issue")
    async def issue(self, request: Request, event_id: FromPath[int]) -> Response:
        """Issue a letter of a kind to a registration: the valid one stays when nothing it shows
        changed; otherwise a new letter supersedes it (a revoked letter is replaced by a new one)."""
        actor, _ = await common.event_page(request, event_id)
        submitted = await request.form()
        back = _back(submitted.get("back"), event_id)
        kind = submitted.get("kind", "")
        registration = submitted.get("registration_id", "")
        if kind not in KIND_WORDS or not registration.isdigit() or len(registration) > 9:
            return pages.redirect(back, flash=N_("Choose a registration and a kind of letter."))
        await self._person(actor, event_id, int(registration))
        try:
            result = await issuing.issue_letter(actor, int(registration), LetterKind(kind))
        except (Conflict, InvalidInput) as exc:
            return pages.redirect(
                back,
                flash=N_("The letter was not issued: %(reason)s"),
                reason=_service_message(exc)[:600],
            )
        if result.created:
            return pages.redirect(
                back, flash=N_("Letter %(reference)s is issued."), reference=result.letter.reference
            )
        return pages.redirect(
            back,
            flash=N_("Letter %(reference)s is still current: nothing it shows has changed."),
            reference=result.letter.reference,
        )

    @post("/zip")
    async def start_zip(self, request: Request, event_id: FromPath[int]) -> Response:
        actor, _ = await common.event_page(request, event_id)
        submitted = await request.form()
        kind = submitted.get("kind", "all")
        status = submitted.get("status", LetterStatus.valid.value)
        if kind not in (*KIND_WORDS, "all") or status not in STATUS_WORDS or status == "expired":
            return pages.redirect(_base(event_id), flash=N_("Choose which letters go in the ZIP."))
        issue = submitted.get("issue") == "1"
        if issue and status != LetterStatus.valid.value:
            return pages.redirect(
                _base(event_id),
                flash=N_(
                    "Missing letters are issued as valid letters: choose the status Valid to issue them first."
                ),
            )
        params = {"event_id": event_id, "kind": None if kind == "all" else kind, "status": status}
        if issue:
            params["issue"] = True
        return await common.start_job(request, actor, jobs.ZIP_JOB, event_id=event_id, params=params)

    # --- wording ------------------------------------------------------------------------------

    @get("/wording")
    async def wording_list(self, request: Request, event_id: FromPath[int]) -> Template:
        actor, event = await common.event_page(request, event_id)
        return common.render(
            request,
            "console/letters/wording_list.html",
            actor,
            event,
            TAB,
            {
                "templates": await templates.list_templates(actor, event_id),
                "kind_words": KIND_WORDS,
                "autonyms": AUTONYMS,
            },
        )

    @get("/wording/{kind:str}/{language:str}")
    async def wording_form(
        self, request: Request, event_id: FromPath[int], kind: FromPath[str], language: FromPath[str]
    ) -> Template:
        actor, event = await common.event_page(request, event_id)
        template = await templates.get_template(actor, event_id, _kind(kind), _language(language))
        form = Form(values={"title": template.title, "body": template.body}, order=("title", "body"))
        return self._wording_page(request, actor, event, template, form)

    @post("/wording/{kind:str}/{language:str}")
    async def wording_save(
        self, request: Request, event_id: FromPath[int], kind: FromPath[str], language: FromPath[str]
    ) -> Response:
        actor, event = await common.event_page(request, event_id)
        letter_kind, language = _kind(kind), _language(language)
        submitted = await request.form()
        translate = pages.gettext(request)
        data, form = read_form(
            submitted,
            schemas.LetterTemplateUpdate,
            ("title", "body"),
            translate,
            required=("title", "body"),
        )
        if data is not None:
            try:
                await templates.put_template(actor, event_id, letter_kind, language, data)
            except InvalidInput as exc:
                for error in exc.errors:
                    form.add(error.field, translate(CHECK_WORDING, problem=error.message))
                if not exc.errors:
                    form.add(None, exc.detail)
            else:
                return pages.redirect(
                    f"{_base(event_id)}/wording/{kind}/{language}",
                    flash=N_("The wording is saved. Preview the letter to check it."),
                )
        template = await templates.get_template(actor, event_id, letter_kind, language)
        return self._wording_page(request, actor, event, template, form, status_code=422)

    @post("/wording/{kind:str}/{language:str}/reset")
    async def wording_reset(
        self, request: Request, event_id: FromPath[int], kind: FromPath[str], language: FromPath[str]
    ) -> Response:
        actor, _ = await common.event_page(request, event_id)
        await templates.reset_template(actor, event_id, _kind(kind), _language(language))
        return pages.redirect(
            f"{_base(event_id)}/wording/{kind}/{language}",
            flash=N_("The wording is back to the default."),
        )

    @get("/wording/{kind:str}/{language:str}/preview", cache=False)
    async def wording_preview(
        self, request: Request, event_id: FromPath[int], kind: FromPath[str], language: FromPath[str]
    ) -> Response:
        """The letter as it would be made now (a PDF), or the wording page with what is missing."""
        actor, event = await common.event_page(request, event_id)
        letter_kind, language = _kind(kind), _language(language)
        registration_id = common.query_int(request, "registration_id")
        try:
            pdf = await issuing.preview_letter(actor, event_id, letter_kind, language, registration_id)
        except (Conflict, InvalidInput, NotFound) as exc:
            template = await templates.get_template(actor, event_id, letter_kind, language)
            form = Form(values={"title": template.title, "body": template.body}, order=("title", "body"))
            form.add(
                None,
                pages.gettext(request)(
                    N_("The preview cannot be made: %(reason)s"), reason=_service_message(exc)
                ),
            )
            return self._wording_page(request, actor, event, template, form, status_code=409)
        return Response(
            pdf,
            media_type="application/pdf",
            headers={
                "Cache-Control": "private, no-store",
                "Content-Disposition": f'inline; filename="preview-{letter_kind.value}-{language}.pdf"',
            },
        )

    # --- letterhead and signature -------------------------------------------------------------

    @get("/letterhead")
    async def letterhead(self, request: Request, event_id: FromPath[int]) -> Template:
        actor, event = await common.event_page(request, event_id)
        profile = await profiles.get_profile(actor, event_id)
        form = Form(values=msgspec.structs.asdict(profile), order=PROFILE_FIELDS)
        return await self._letterhead_page(request, actor, event, form)

    @post("/letterhead")
    async def letterhead_save(self, request: Request, event_id: FromPath[int]) -> Response:
        actor, event = await common.event_page(request, event_id)
        submitted = await request.form()
        translate = pages.gettext(request)
        data, form = read_form(submitted, schemas.LetterProfileUpdate, PROFILE_FIELDS, translate)
        if data is not None:
            try:
                await profiles.update_profile(actor, event_id, data)
            except (InvalidInput, Conflict) as exc:
                for error in exc.errors:
                    form.add(error.field, translate(CHECK_ANSWER, problem=error.message))
                if not exc.errors:
                    form.add(None, exc.detail)
            else:
                return pages.redirect(f"{_base(event_id)}/letterhead", flash=N_("The letterhead is saved."))
        return await self._letterhead_page(request, actor, event, form, status_code=422)

    @post("/letterhead/{image:str}", request_max_body_size=UPLOAD_LIMIT)
    async def image_upload(self, request: Request, event_id: FromPath[int], image: FromPath[str]) -> Response:
        actor, event = await common.event_page(request, event_id)
        if image not in IMAGE_WORDS:
            raise NotFound(f"No letter profile image {image!r}")
        submitted = await request.form()
        upload = submitted.get("data")
        content = b""
        if isinstance(upload, UploadFile):
            content = await upload.read(profiles.MAX_IMAGE_BYTES + 1)
        try:
            await profiles.set_profile_image(actor, event_id, image, content)
        except InvalidInput as exc:
            message = " ".join(error.message for error in exc.errors) or exc.detail
            readable = next((text for key, text in IMAGE_ERRORS if key in message), None)
            translate = pages.gettext(request)
            profile = await profiles.get_profile(actor, event_id)
            form = Form(values=msgspec.structs.asdict(profile), order=PROFILE_FIELDS)
            return await self._letterhead_page(
                request,
                actor,
                event,
                form,
                image_errors={image: translate(readable) if readable else message},
                status_code=422,
            )
        return pages.redirect(
            f"{_base(event_id)}/letterhead",
            flash=N_("%(image)s is saved."),
            image=pages.Word(IMAGE_WORDS[image]),
        )

    @post("/letterhead/{image:str}/remove")
    async def image_remove(self, request: Request, event_id: FromPath[int], image: FromPath[str]) -> Response:
        actor, _ = await common.event_page(request, event_id)
        if image not in IMAGE_WORDS:
            raise NotFound(f"No letter profile image {image!r}")
        await profiles.set_profile_image(actor, event_id, image, None)
        return pages.redirect(
            f"{_base(event_id)}/letterhead",
            flash=N_("%(image)s is removed."),
            image=pages.Word(IMAGE_WORDS[image]),
        )

    @get("/letterhead/{image:str}", cache=False)
    async def image(self, request: Request, event_id: FromPath[int], image: FromPath[str]) -> Response[bytes]:
        actor, _ = await common.event_page(request, event_id)
        data, media_type = await profiles.get_profile_image(actor, event_id, image)
        return Response(
            data,
            media_type=media_type,
            headers={"Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff"},
        )

    # --- shared -------------------------------------------------------------------------------

    @staticmethod
    async def _letter(actor, event_id: int, letter_id: int) -> schemas.Letter:
        return await stored.event_letter(actor, event_id, letter_id)

    @staticmethod
    async def _person(actor, event_id: int, registration_id: int) -> dict:
        person = (await stored.people_of(event_id, [registration_id])).get(registration_id)
        if person is None:
            raise NotFound(f"No registration {registration_id} in event {event_id}")
        return person

    def _revoke_page(
        self, request: Request, actor, event, letter: schemas.Letter, form: Form, status_code: int = 200
    ) -> Template:
        return common.render(
            request,
            "console/letters/revoke.html",
            actor,
            event,
            TAB,
            {
                "letter": letter,
                "form": form,
                "kind_words": KIND_WORDS,
                "status_words": STATUS_WORDS,
                "back": _back(request.query_params.get("back"), event.id),
            },
            status_code=status_code,
        )

    def _wording_page(
        self,
        request: Request,
        actor,
        event,
        template: schemas.LetterTemplate,
        form: Form,
        status_code: int = 200,
    ) -> Template:
        return common.render(
            request,
            "console/letters/wording.html",
            actor,
            event,
            TAB,
            {
                "template": template,
                "form": form,
                "kind_words": KIND_WORDS,
                "autonyms": AUTONYMS,
                "preview_url": f"{_base(event.id)}/wording/{template.kind.value}/{template.language}/preview",
            },
            status_code=status_code,
        )

    async def _letterhead_page(
        self,
        request: Request,
        actor,
        event,
        form: Form,
        *,
        image_errors: dict[str, str] | None = None,
        status_code: int = 200,
    ) -> Template:
        profile = await profiles.get_profile(actor, event.id)
        context: dict[str, Any] = {
            "profile": profile,
            "form": form,
            "labels": PROFILE_LABELS,
            "image_words": IMAGE_WORDS,
            "image_errors": image_errors or {},
            "images": {"logo": profile.has_logo, "signature": profile.has_signature_image},
            "max_kb": profiles.MAX_IMAGE_BYTES // 1024,
        }
        return common.render(
            request, "console/letters/letterhead.html", actor, event, TAB, context, status_code=status_code
        )


#: Job kind → function(job) giving the console page that shows what the job produced.
JOB_PAGES: dict = {jobs.ZIP_JOB: lambda job: f"/organiser/events/{job.event_id}/letters"}

HANDLERS: list = [LetterPages]
