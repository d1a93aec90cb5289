"""Who is asking on a participant page: the signed-in participant and what every part needs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar import Request

from events.auth.principal import Actor
from events.errors import NotAuthenticated
from events.programme import schemas as programme_schemas
from events.programme import services as programme_services
from events.registration import reading, schemas
from events.registration.tables import ACTIVE_STATUSES
from events.web import pages


@dataclass
class MyView:
    """The signed-in participant's registration, its event and the page's language."""

    request: Request
    actor: Actor
    registration: schemas.Registration
    event_row: dict[str, Any]
    event: programme_schemas.Event
    lang: str

    @property
    def gettext(self):
        return pages.gettext(self.request)

    @property
    def active(self) -> bool:
        """Submitted, waitlisted or approved: not cancelled or rejected."""
        return self.registration.status in {status.value for status in ACTIVE_STATUSES}

    @property
    def approved(self) -> bool:
        return self.registration.status == "approved"

    @property
    def time_zone(self) -> str:
        return self.event_row["time_zone"]


async def own_registration(
    request: Request, actor: Actor | None = None
) -> tuple[Actor, schemas.Registration]:
    """The signed-in participant and their registration (pages then speak its preferred language);
    without a valid ``reg`` cookie the page's error handler sends the browser to the sign-in page."""
    actor = actor or await pages.participant(request)
    if actor is None or actor.registration_id is None:
        raise NotAuthenticated("Sign in with the link from your e-mail")
    registration = await reading.read_registration(actor, actor.registration_id)
    pages.language(request, registration.preferred_language)
    return actor, registration


async def my_view(request: Request, actor: Actor | None = None) -> MyView:
    actor, registration = await own_registration(request, actor)
    event_row = await programme_services.get_event_row(registration.event_id)
    return MyView(
        request=request,
        actor=actor,
        registration=registration,
        event_row=event_row,
        event=programme_services.event_from_row(event_row),
        lang=pages.language(request),
    )
