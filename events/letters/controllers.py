"""Letters over HTTP, split by audience.

Participants (their ``osr_`` access token) and the event's organisers, per registration:

* ``GET  /api/v1/registrations/{id}/letters`` — the registration's letters;
* ``POST /api/v1/registrations/{id}/letters`` ``{"kind": "invitation" | "visa_support"}`` — issue
  (201), or the valid letter when the data is unchanged (200), with ``warnings``;
* ``GET  /api/v1/registrations/{id}/letters/{letter_id}.pdf`` — the signed PDF.

Organisers of the event:

* ``GET  /api/v1/events/{id}/letters?kind=&status=&registration_id=`` — the event's letters;
* ``GET  /api/v1/events/{id}/letters.zip?kind=&status=`` — every letter as a ZIP, streamed;
* ``POST /api/v1/letters/{letter_id}/revoke`` ``{"reason"}``;
* ``GET|PUT /api/v1/events/{id}/letter-profile``; ``GET|PUT|DELETE …/letter-profile/logo`` and
  ``…/letter-profile/signature`` (PUT: multipart field ``data``, PNG or JPEG up to 1 MB);
* ``GET /api/v1/events/{id}/letter-templates``; ``GET|PUT|DELETE
  /api/v1/events/{id}/letter-templates/{kind}/{language}`` (DELETE: back to the default).

Public (outside ``/api/v1``, it is printed on letters): ``GET /verify/{reference}?c={code}``, an
HTML page, or JSON with ``Accept: application/json`` or ``/verify/{reference}.json?c=…``.
"""

from __future__ import annotations

import re
from typing import Annotated
from zoneinfo import ZoneInfo

from litestar import Controller, Request, Response, delete, get, post, put
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from litestar.response import Stream, Template
from litestar.status_codes import (
    HTTP_200_OK,
    HTTP_201_CREATED,
    HTTP_404_NOT_FOUND,
    HTTP_429_TOO_MANY_REQUESTS,
)

from events.api import DEFAULT_PAGE_SIZE, FilePart, Limit, Offset, Page, page_of, require_file_part
from events.auth.guards import ActorDep, requires_event_organiser, requires_sign_in
from events.certificates.eligibility import standing_of
from events.clock import now
from events.errors import InvalidInput, NotFound, TooManyRequests
from events.i18n import catalogues
from events.i18n.catalogues import N_
from events.i18n.formatting import format_date
from events.i18n.languages import DEFAULT_LANGUAGE, direction
from events.letters import issuing, profiles, schemas, stored, templates, verification, verifying, wording
from events.letters.tables import LetterKind, LetterStatus
from events.programme import services as programme_services
from events.programme.zones import in_event_zones
from events.registration import reading
from events.signals import Download

SKIP_COMPRESSION = "skip_compression"
PDF = "application/pdf"
_LETTER_FILE = re.compile(r"^([0-9]{1,18})\.pdf$")
_PRIVATE = {"Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff"}


def _pdf(name: str, data: bytes) -> Response[bytes]:
    return Response(
        data,
        media_type=PDF,
        headers={**_PRIVATE, "Content-Disposition": f'attachment; filename="{name}"'},
    )


def _kind(value: str) -> LetterKind:
    try:
        return LetterKind(value)
    except ValueError:
        raise NotFound(
            f"No letter kind {value!r}; use invitation, visa_support or attendance_certificate"
        ) from None


class ParticipantLetterController(Controller):
    """A registration's letters: its participant (once approved) and the event's organisers."""

    path = "/registrations/{registration_id:int}/letters"
    tags = ["letters"]
    guards = [requires_sign_in]
    opt = {SKIP_COMPRESSION: True}

    @get("/")
    async def list_letters(
        self,
        actor: ActorDep,
        registration_id: FromPath[int],
        limit: Limit = DEFAULT_PAGE_SIZE,
        offset: Offset = 0,
    ) -> Page[schemas.Letter]:
        letters = await stored.list_registration_letters(actor, registration_id)
        return await in_event_zones(page_of(letters, limit, offset))

    @post("/", status_code=HTTP_201_CREATED)
    async def issue(
        self, actor: ActorDep, registration_id: FromPath[int], data: JSONBody[schemas.IssueRequest]
    ) -> Response[schemas.LetterIssued]:
        """Issue the letter, or return the valid one if nothing it shows has changed (200). A
        letter with changed data supersedes the previous one. Refused (409, naming the fields)
        when the registration is not approved, the passport data is missing or expired, the
        name cannot be printed, or the event's letter profile is incomplete."""
        result = await issuing.issue_letter(actor, registration_id, data.kind)
        status = HTTP_201_CREATED if result.created else HTTP_200_OK
        return Response(await in_event_zones(result), status_code=status)

    @get("/{letter_file:str}", media_type=PDF)
    async def download(
        self, actor: ActorDep, registration_id: FromPath[int], letter_file: FromPath[str]
    ) -> Response[bytes]:
        """``{letter_id}.pdf``: the signed letter."""
        match = _LETTER_FILE.match(letter_file)
        if match is None:
            raise NotFound("Letters are downloaded as {letter_id}.pdf")
        name, data = await stored.letter_pdf(actor, registration_id, int(match.group(1)))
        return _pdf(name, data)


class LetterManagementController(Controller):
    """Organisers: the event's letters, revocation, the letter profile and templates."""

    path = "/"
    tags = ["letters"]
    opt = {SKIP_COMPRESSION: True}

    @get("/events/{event_id:int}/letters", guards=[requires_event_organiser])
    async def list_event_letters(
        self,
        actor: ActorDep,
        event_id: FromPath[int],
        kind: FromQuery[LetterKind | None] = None,
        status: FromQuery[LetterStatus | None] = None,
        registration_id: FromQuery[int | None] = None,
        limit: Limit = DEFAULT_PAGE_SIZE,
        offset: Offset = 0,
    ) -> Page[schemas.Letter]:
        items, total = await stored.list_event_letters(
            actor,
            event_id,
            kind=kind,
            status=status,
            registration_id=registration_id,
            limit=limit,
            offset=offset,
        )
        return await in_event_zones(Page(items=items, total=total, limit=limit, offset=offset))

    @get(
        "/events/{event_id:int}/letters.zip", guards=[requires_event_organiser], media_type="application/zip"
    )
    async def archive(
        self,
        actor: ActorDep,
        event_id: FromPath[int],
        kind: Annotated[
            str | None,
            QueryParameter(
                pattern="^(invitation|visa_support|attendance_certificate|all)$", description="default: all"
            ),
        ] = None,
        status: FromQuery[LetterStatus] = LetterStatus.valid,
    ) -> Stream:
        """Every letter of the event (default: the valid ones) as ``{reference}.pdf``, with
        ``letters.csv`` listing them; streamed, so memory holds one PDF at a time."""
        chunks = await stored.archive_chunks(
            actor, event_id, kinds=stored.kinds_from(kind), statuses=[status]
        )
        return Stream(
            chunks,
            media_type="application/zip",
            headers={
                **_PRIVATE,
                "Content-Disposition": f'attachment; filename="{stored.archive_name(event_id)}"',
            },
        )

    @post("/letters/{letter_id:int}/revoke", guards=[requires_sign_in], status_code=HTTP_200_OK)
    async def revoke(
        self, actor: ActorDep, letter_id: FromPath[int], data: JSONBody[schemas.RevokeRequest]
    ) -> schemas.Letter:
        """The verification page says "revoked" from now on; revoking again changes nothing."""
        return await in_event_zones(await issuing.revoke_letter(actor, letter_id, data.reason))

    @get("/events/{event_id:int}/letter-profile", guards=[requires_event_organiser])
    async def get_profile(self, actor: ActorDep, event_id: FromPath[int]) -> schemas.LetterProfile:
        return await profiles.get_profile(actor, event_id)

    @put("/events/{event_id:int}/letter-profile", guards=[requires_event_organiser])
    async def put_profile(
        self, actor: ActorDep, event_id: FromPath[int], data: JSONBody[schemas.LetterProfileUpdate]
    ) -> schemas.LetterProfile:
        """Replaces the text fields (host, signatory, costs, reference prefix)."""
        return await profiles.update_profile(actor, event_id, data)

    @get("/events/{event_id:int}/letter-profile/{image:str}", guards=[requires_event_organiser])
    async def get_image(
        self, actor: ActorDep, event_id: FromPath[int], image: FromPath[str]
    ) -> Response[bytes]:
        data, media_type = await profiles.get_profile_image(actor, event_id, image)
        return Response(data, media_type=media_type, headers=_PRIVATE)

    @put(
        "/events/{event_id:int}/letter-profile/{image:str}",
        guards=[requires_event_organiser],
        before_request=require_file_part,
    )
    async def put_image(
        self,
        actor: ActorDep,
        event_id: FromPath[int],
        image: FromPath[str],
        data: FilePart,
    ) -> schemas.LetterProfile:
        """``logo`` or ``signature``: a PNG or JPEG of at most 1 MB (multipart field ``data``)."""
        content = await data.read(profiles.MAX_IMAGE_BYTES + 1)
        if len(content) > profiles.MAX_IMAGE_BYTES:
            raise InvalidInput.field(image, f"must be at most {profiles.MAX_IMAGE_BYTES // 1024} kB")
        return await profiles.set_profile_image(actor, event_id, image, content)

    @delete(
        "/events/{event_id:int}/letter-profile/{image:str}",
        guards=[requires_event_organiser],
        status_code=HTTP_200_OK,
    )
    async def delete_image(
        self, actor: ActorDep, event_id: FromPath[int], image: FromPath[str]
    ) -> schemas.LetterProfile:
        return await profiles.set_profile_image(actor, event_id, image, None)

    @get("/events/{event_id:int}/letter-templates", guards=[requires_event_organiser])
    async def list_templates(
        self, actor: ActorDep, event_id: FromPath[int], limit: Limit = DEFAULT_PAGE_SIZE, offset: Offset = 0
    ) -> Page[schemas.LetterTemplate]:
        """Every kind in every letter language: the event's own wording or the default."""
        return page_of(await templates.list_templates(actor, event_id), limit, offset)

    @get(
        "/events/{event_id:int}/letter-templates/{kind:str}/{language:str}", guards=[requires_event_organiser]
    )
    async def get_template(
        self, actor: ActorDep, event_id: FromPath[int], kind: FromPath[str], language: FromPath[str]
    ) -> schemas.LetterTemplate:
        return await templates.get_template(actor, event_id, _kind(kind), language)

    @put(
        "/events/{event_id:int}/letter-templates/{kind:str}/{language:str}", guards=[requires_event_organiser]
    )
    async def put_template(
        self,
        actor: ActorDep,
        event_id: FromPath[int],
        kind: FromPath[str],
        language: FromPath[str],
        data: JSONBody[schemas.LetterTemplateUpdate],
    ) -> schemas.LetterTemplate:
        """Title and body with ``{placeholders}`` (listed in the answer); an unknown one is a 422
        naming ``title`` or ``body``. Paragraphs are separated by an empty line."""
        return await templates.put_template(actor, event_id, _kind(kind), language, data)

    @delete(
        "/events/{event_id:int}/letter-templates/{kind:str}/{language:str}",
        guards=[requires_event_organiser],
        status_code=HTTP_200_OK,
    )
    async def reset_template(
        self, actor: ActorDep, event_id: FromPath[int], kind: FromPath[str], language: FromPath[str]
    ) -> schemas.LetterTemplate:
        return await templates.reset_template(actor, event_id, _kind(kind), language)


# --- public verification ------------------------------------------------------------------------

_STATUS_TEXT = {
    LetterStatus.valid: (N_("Valid"), N_("This letter was issued by the organisers and is valid.")),
    LetterStatus.revoked: (
        N_("Revoked"),
        N_("This letter was withdrawn by the organisers and is no longer valid."),
    ),
    LetterStatus.superseded: (
        N_("Superseded"),
        N_(
            "This letter was replaced by a newer letter and is no longer valid; ask the participant for the "
            "current one."
        ),
    ),
    LetterStatus.expired: (
        N_("Expired, details erased"),
        N_(
            "This letter was issued by the organisers for an event that has ended. Its personal details "
            "were erased under the retention policy, so they can no longer be checked here."
        ),
    ),
}
_KIND_TEXT = {
    LetterKind.invitation: N_("Invitation letter"),
    LetterKind.visa_support: N_("Visa-support letter"),
    LetterKind.attendance_certificate: N_("Certificate of attendance"),
}
_NOT_VALID = N_(
    "This reference and code do not match any letter issued through this service. Check that the address "
    "was copied completely, or scan the code on the letter again."
)
_PAGE = "letters/verification.html"


def _text(message: str, lang: str) -> str:
    return catalogues.gettext(message, lang, wording.DOMAIN)


def _page(
    title: str,
    status: str,
    sentence: str,
    status_code: int,
    *,
    lang: str = DEFAULT_LANGUAGE,
    valid: bool = False,
    details: list[tuple[str, str]] | None = None,
    back_link: bool = False,
    headers: dict[str, str] | None = None,
) -> Template:
    """The verification page (or the portal's "letter not available") in ``lang``; ``title``,
    ``status`` and ``sentence`` are translated already."""
    return Template(
        template_name=_PAGE,
        context={
            "lang": lang,
            "dir": direction(lang),
            "title": title,
            "status": status,
            "sentence": sentence,
            "valid": valid,
            "details": details or [],
            "back_link": back_link,
        },
        media_type="text/html",
        status_code=status_code,
        headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer", **(headers or {})},
    )


def _verified_page(result: schemas.Verification, lang: str) -> Template:
    word, sentence = (_text(text, lang) for text in _STATUS_TEXT[result.status])
    dates = f"{format_date(result.event.start_date, lang)} – {format_date(result.event.end_date, lang)}"
    details = [
        (_text(N_("Reference"), lang), result.reference),
        (_text(N_("Letter"), lang), _text(_KIND_TEXT[result.kind], lang)),
    ]
    if not result.details_erased:
        details.append((_text(N_("Name"), lang), result.name))
    details += [
        (_text(N_("Event"), lang), result.event.title),
        (_text(N_("Dates"), lang), dates),
        (_text(N_("Issued on"), lang), format_date(result.issued_on, lang)),
    ]
    if result.revoked_on:
        details.append((_text(N_("Revoked on"), lang), format_date(result.revoked_on, lang)))
    return _page(word, word, sentence, HTTP_200_OK, lang=lang, valid=result.valid, details=details)


def _wants_json(request: Request, reference: str) -> bool:
    if reference.endswith(".json"):
        return True
    accept = request.headers.get("accept", "")
    if not accept:
        return False
    return (
        request.accept.best_match(["text/html", "application/json"], default="text/html")
        == "application/json"
    )


@get("/verify/{reference:str}", tags=["letters"], cache=False, opt={SKIP_COMPRESSION: True})
async def verify_letter(
    request: Request,
    reference: FromPath[str],
    c: Annotated[str | None, QueryParameter(description="the code printed with the reference")] = None,
) -> Response:
    """Whether a letter is valid, revoked or superseded, with the name, event, dates and issue date;
    after the retention period, "expired" with ``details_erased`` and no name.

    HTML by default (in the language of ``?lang=``, else the browser's); JSON with ``Accept:
    application/json`` or a ``.json`` suffix. An unknown reference or a wrong code is a 404 "not
    valid" (the same for both); more than 30 requests a minute from one address get 429."""
    from events.web import pages

    as_json = _wants_json(request, reference)
    reference = reference.removesuffix(".json")
    lang = pages.language(request)
    client = request.client.host if request.client else "unknown"
    wait = await verification.VERIFY_LIMITER.hit(client)
    if wait is not None:
        if as_json:
            raise TooManyRequests("Too many verification requests; try again later", retry_after_seconds=wait)
        return _page(
            _text(N_("Too many requests"), lang),
            _text(N_("Please wait"), lang),
            _text(N_("Too many checks from this address; try again in a minute."), lang),
            HTTP_429_TOO_MANY_REQUESTS,
            lang=lang,
            headers={"Retry-After": str(wait)},
        )
    try:
        result = await verifying.verify(reference, c)
    except verifying.NotValid:
        if as_json:
            return Response(
                {"reference": reference, "valid": False, "status": "not_valid"},
                status_code=HTTP_404_NOT_FOUND,
                headers={"Cache-Control": "no-store"},
            )
        not_valid = _text(N_("Not valid"), lang)
        return _page(not_valid, not_valid, _text(_NOT_VALID, lang), HTTP_404_NOT_FOUND, lang=lang)
    if as_json:
        return Response(result, headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"})
    return _verified_page(result, lang)


# --- the participant portal ("My registration" → "Your documents") -----------------------------

_PORTAL_LABELS = {
    LetterKind.invitation: N_("Invitation letter (PDF)"),
    LetterKind.visa_support: N_("Visa-support letter (PDF)"),
    LetterKind.attendance_certificate: N_("Certificate of attendance (PDF)"),
}
_PORTAL_HINT = N_("Signed; the QR code on it lets an embassy check it.")
_CERTIFICATE_HINT = N_("Signed; the QR code on it lets your employer check it.")
_PORTAL_FILE = re.compile(r"^(invitation|visa_support|attendance_certificate)\.pdf$")


async def portal_downloads(registration, lang: str) -> list[Download]:
    """The letters an approved participant can take from "My registration" (made on first click)."""
    if registration.status != "approved" or not await profiles.letters_available(registration.event_id):
        return []
    hint = catalogues.gettext(_PORTAL_HINT, lang, wording.DOMAIN)
    kinds = [LetterKind.invitation] + ([LetterKind.visa_support] if registration.needs_visa else [])
    offered = [
        Download(
            label=catalogues.gettext(_PORTAL_LABELS[kind], lang, wording.DOMAIN),
            url=f"/my/registration/letters/{kind.value}.pdf",
            hint=hint,
        )
        for kind in kinds
    ]
    if await issuing.current_letter(registration.id, LetterKind.attendance_certificate) is not None:
        kind = LetterKind.attendance_certificate
        offered.append(
            Download(
                label=catalogues.gettext(_PORTAL_LABELS[kind], lang, wording.DOMAIN),
                url=f"/my/registration/letters/{kind.value}.pdf",
                hint=catalogues.gettext(_CERTIFICATE_HINT, lang, wording.DOMAIN),
            )
        )
    else:
        offered += await _certificate_notice(registration, lang)
    return offered


_CERTIFICATE_PENDING = N_("Your certificate of attendance will appear here once the organisers issue it.")
_CERTIFICATE_FIGURES = N_(
    "The check-in records show you at %(attended)s of the %(counted)s sessions that count for a "
    "certificate of attendance. If you think a session is missing, please write to the organisers."
)


async def _certificate_notice(registration, lang: str) -> list[Download]:
    """After the event, before a certificate is issued: a sentence (no link) saying it will come,
    or, kindly, what the check-in records show when the rule is not met."""
    event = await programme_services.get_event_row(registration.event_id)
    if event["end_date"] >= now().astimezone(ZoneInfo(event["time_zone"])).date():
        return []
    standing = await standing_of(await reading.get_registration_row(registration.id))
    if standing.eligible:
        text = catalogues.gettext(_CERTIFICATE_PENDING, lang, wording.DOMAIN)
    else:
        text = catalogues.gettext(_CERTIFICATE_FIGURES, lang, wording.DOMAIN) % {
            "attended": standing.attended,
            "counted": standing.counted,
        }
    return [Download(label=text, url="")]


@get(
    "/my/registration/letters/{letter_file:str}",
    tags=["letters"],
    include_in_schema=False,
    opt={SKIP_COMPRESSION: True},
)
async def portal_letter(request: Request, letter_file: FromPath[str]) -> Response:
    """The participant's current letter of a kind, issued on the first click (signed in with the
    magic link's cookie); a refusal is a short page with the reason."""
    from events.errors import DomainError
    from events.web import pages

    match = _PORTAL_FILE.match(letter_file)
    if match is None:
        raise NotFound("There is no document at this address")
    actor = await pages.participant(request)
    if actor is None or actor.registration_id is None:
        return pages.redirect("/my/registration")
    try:
        kind = LetterKind(match.group(1))
        if kind is LetterKind.attendance_certificate:  # issued by the organisers, never on a click
            current = await issuing.current_letter(actor.registration_id, kind)
            if current is None:
                raise NotFound("No certificate of attendance has been issued to you yet")
            letter_id = current["id"]
        else:
            letter_id = (await issuing.issue_letter(actor, actor.registration_id, kind)).letter.id
        name, data = await stored.letter_pdf(actor, actor.registration_id, letter_id)
    except DomainError as exc:
        lang = pages.language(request)
        return _page(
            _text(N_("Letter not available"), lang),
            _text(N_("Not available"), lang),
            exc.detail,
            exc.status_code,
            lang=lang,
            back_link=True,
        )
    return _pdf(name, data)


API_HANDLERS = [ParticipantLetterController, LetterManagementController]
ROOT_HANDLERS = [verify_letter, portal_letter]
