"""Badges over HTTP, split by audience: the participant's e-badge, organisers, scanners (staff)."""

from __future__ import annotations

import contextlib
import datetime
from collections.abc import AsyncIterator
from typing import Annotated

import anyio.to_thread
from litestar import Controller, Response, get, post
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.response import Stream
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from events.auth.guards import ActorDep, requires_event_organiser, requires_event_staff, requires_sign_in
from events.badges import keys as badge_keys
from events.badges import printing, schemas, services
from events.badges.render import BadgeRenderer
from events.programme.zones import in_event_zones
from events.rendering import qr_png, qr_svg

_PRIVATE = {"Cache-Control": "private, no-store"}


class ParticipantBadgeController(Controller):
    """The participant's own badge (``Authorization: Bearer osr_…``), also open to the event's organisers."""

    path = "/registrations/{registration_id:int}"
    tags = ["badges"]
    guards = [requires_sign_in]

    @get("/badge")
    async def read(self, actor: ActorDep, registration_id: FromPath[int]) -> schemas.Badge:
        """The valid badge; ``404`` before the first is issued, ``410`` (with ``revocation`` and
        ``revoked_at``) once it was revoked."""
        return await in_event_zones(await services.get_badge(actor, registration_id))

    @get("/badge.svg", media_type="image/svg+xml")
    async def svg(self, actor: ActorDep, registration_id: FromPath[int]) -> Response[str]:
        """The QR code alone, scalable: to show on a phone at the door."""
        badge, _data, _event = await services.own_badge(actor, registration_id)
        return Response(qr_svg(badge.token), media_type="image/svg+xml", headers=_PRIVATE)

    @get("/badge.png", media_type="image/png")
    async def png(
        self,
        actor: ActorDep,
        registration_id: FromPath[int],
        scale: Annotated[int, QueryParameter(ge=2, le=20, description="pixels per module")] = 8,
    ) -> Response[bytes]:
        badge, _data, _event = await services.own_badge(actor, registration_id)
        return Response(qr_png(badge.token, scale), media_type="image/png", headers=_PRIVATE)

    @get("/badge.pdf", media_type="application/pdf")
    async def pdf(self, actor: ActorDep, registration_id: FromPath[int]) -> Response[bytes]:
        """The badge on one A6 page, as printed."""
        badge, data, event = await services.own_badge(actor, registration_id)
        body = await anyio.to_thread.run_sync(lambda: BadgeRenderer(event, "a6").render([data]))
        return Response(
            body,
            media_type="application/pdf",
            headers={
                **_PRIVATE,
                "Content-Disposition": f'inline; filename="badge-{registration_id}-v{badge.version}.pdf"',
            },
        )


class BadgeManagementController(Controller):
    """Organisers: issue, reissue, revoke, print; rotate and retire the event's keys."""

    path = "/"
    tags = ["badge management"]

    @post(
        "/registrations/{registration_id:int}/badge", guards=[requires_sign_in], status_code=HTTP_201_CREATED
    )
    async def issue(
        self, actor: ActorDep, registration_id: FromPath[int], data: JSONBody[schemas.BadgeIssue]
    ) -> Response[schemas.BadgeIssued]:
        """Version 1 for an approved registration; an existing valid badge is answered with 200. A revoked
        badge is 409: only ``…/badge/reissue`` gives the registration a new one."""
        result = await services.issue_badge(actor, registration_id, data.role)
        status = HTTP_201_CREATED if result.created else HTTP_200_OK
        return Response(await in_event_zones(result), status_code=status)

    @post(
        "/registrations/{registration_id:int}/badge/reissue",
        guards=[requires_sign_in],
        status_code=HTTP_201_CREATED,
    )
    async def reissue(
        self, actor: ActorDep, registration_id: FromPath[int], data: JSONBody[schemas.BadgeReissue]
    ) -> schemas.Badge:
        """A lost badge: a new version; the old code is refused from now on (``superseded``). Also the way
        to give a badge again to a registration whose badge was revoked."""
        return await in_event_zones(
            await services.reissue_badge(actor, registration_id, data.reason, data.role)
        )

    @post(
        "/registrations/{registration_id:int}/badge/revoke",
        guards=[requires_sign_in],
        status_code=HTTP_200_OK,
    )
    async def revoke(
        self, actor: ActorDep, registration_id: FromPath[int], data: JSONBody[schemas.BadgeRevoke]
    ) -> dict:
        return {"revoked_badge_ids": await services.revoke_badge(actor, registration_id, data.reason)}

    @post("/events/{event_id:int}/badges/issue", guards=[requires_event_organiser], status_code=HTTP_200_OK)
    async def issue_missing(
        self, actor: ActorDep, event_id: FromPath[int], data: JSONBody[schemas.BulkIssue]
    ) -> schemas.BulkIssued:
        """A badge for every approved registration that never had one; those whose badge was revoked are
        skipped and listed in ``skipped`` (reissue them one by one)."""
        return await services.issue_missing(actor, event_id, data.role)

    @post("/events/{event_id:int}/badges/print", guards=[requires_event_organiser], status_code=HTTP_200_OK)
    async def print_badges(
        self, actor: ActorDep, event_id: FromPath[int], data: JSONBody[printing.PrintRequest]
    ) -> Stream:
        """A ZIP of PDFs (200 badges each), streamed as they are rendered. Issues missing badges first.

        ``X-Names-In-Latin`` lists the registrations whose passport name is in a script no font
        draws (``12 NKO, 15 ADLAM``): their badges show the Latin name instead."""
        selection = await printing.select(actor, event_id, data)
        summary = selection.summary

        async def body() -> AsyncIterator[bytes]:
            async with contextlib.aclosing(
                printing.zip_pieces(
                    selection.renderer, selection.badges, prefix=f"badges-{event_id}-{data.sheet.value}"
                )
            ) as pieces:
                async for piece in pieces:
                    yield piece

        stamp = datetime.date.today().isoformat()
        headers = {
            "Content-Disposition": f'attachment; filename="badges-{event_id}-{data.sheet.value}-{stamp}.zip"'
        }
        if summary["names_in_latin"]:
            headers["X-Names-In-Latin"] = ", ".join(
                f"{registration_id} {' '.join(scripts)}"
                for registration_id, scripts in summary["names_in_latin"].items()
            )
        return Stream(body(), media_type="application/zip", headers=headers)

    @post(
        "/events/{event_id:int}/badges/keys/rotate",
        guards=[requires_event_organiser],
        status_code=HTTP_201_CREATED,
    )
    async def rotate_key(self, actor: ActorDep, event_id: FromPath[int]) -> schemas.BadgeKey:
        """A new key signs from now on; the older keys still verify until retired."""
        return await in_event_zones(await badge_keys.rotate_key(actor, event_id))

    @post(
        "/events/{event_id:int}/badges/keys/{key_id:str}/retire",
        guards=[requires_event_organiser],
        status_code=HTTP_200_OK,
    )
    async def retire_key(
        self, actor: ActorDep, event_id: FromPath[int], key_id: FromPath[str]
    ) -> schemas.RetiredKey:
        """Codes signed with this key are refused from now on; reissue the badges it counts."""
        return await in_event_zones(await badge_keys.retire_key(actor, event_id, key_id))


class ScannerBadgeController(Controller):
    """Scanners (staff and organisers of the event): what verifying offline needs, and online checks."""

    path = "/events/{event_id:int}/badges"
    tags = ["badges (scanners)"]
    guards = [requires_event_staff]

    @get("/keys")
    async def keys(self, actor: ActorDep, event_id: FromPath[int]) -> schemas.KeyList:
        """Public keys of the event, retired ones with ``retired_at``; the token layout is in
        ``events/badges/tokens.py``."""
        return await in_event_zones(await badge_keys.list_keys(actor, event_id))

    @get("/revoked")
    async def revoked(
        self,
        actor: ActorDep,
        event_id: FromPath[int],
        since: Annotated[
            datetime.datetime | None,
            QueryParameter(description="only badges revoked after this instant (the last answer's as_of)"),
        ] = None,
    ) -> schemas.RevocationList:
        return await in_event_zones(await services.revocation_list(actor, event_id, since))

    @post("/verify", status_code=HTTP_200_OK)
    async def verify(
        self, actor: ActorDep, event_id: FromPath[int], data: JSONBody[schemas.VerifyRequest]
    ) -> schemas.Verification:
        """Check a scanned code now; the answer says why a code is refused."""
        return await in_event_zones(await services.verify_scanned(actor, event_id, data.token))


API_HANDLERS = [ParticipantBadgeController, BadgeManagementController, ScannerBadgeController]
