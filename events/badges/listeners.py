"""How badges react to other areas: a withdrawn registration's badge is revoked in the same
transaction, so scanners refuse it from the next revocation list on; an approved participant with a
valid badge finds it on "My registration" (the phone page, the PDF and the QR code as PNG)."""

from __future__ import annotations

from events import signals
from events.auth.principal import Actor
from events.badges.services import get_badge, revoke_badges_of_registration
from events.errors import Gone, NotFound
from events.i18n import catalogues
from events.i18n.catalogues import N_
from events.registration.schemas import Registration
from events.signals import Download

#: Pages' texts (the ``messages`` domain: ``events/i18n/extract/messages.cfg`` reads this file).
_DOMAIN = "messages"
_OFFERED = (
    (
        N_("Your badge on this phone"),
        "/my/badge",
        N_("Show it at the entrance; once opened, it works without a connection."),
    ),
    (N_("Badge (PDF, to print)"), "/my/badge.pdf", ""),
    (
        N_("QR code of your badge (PNG image)"),
        "/my/badge.png",
        N_("Save it on your phone as a spare."),
    ),
)


async def badge_downloads(registration: Registration, lang: str) -> list[Download]:
    """The e-badge, only while the approved participant has a valid one (none before it is issued,
    none once revoked: the documents section says so)."""
    if registration.status != "approved":
        return []
    try:
        await get_badge(Actor.participant(registration.id, registration.reference), registration.id)
    except (NotFound, Gone):
        return []
    return [
        Download(
            label=catalogues.gettext(label, lang, _DOMAIN),
            url=url,
            hint=catalogues.gettext(hint, lang, _DOMAIN) if hint else "",
        )
        for label, url, hint in _OFFERED
    ]


def connect() -> None:
    signals.registration_withdrawn.connect(revoke_badges_of_registration)
    signals.participant_downloads.connect(badge_downloads)
