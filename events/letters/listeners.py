"""How letters react to other areas: a withdrawn registration's letters are revoked in the same
transaction, and an approved participant finds theirs on "My registration"."""

from __future__ import annotations

from events import signals
from events.letters.controllers import portal_downloads
from events.letters.issuing import revoke_letters_of_registration


def connect() -> None:
    signals.registration_withdrawn.connect(revoke_letters_of_registration)
    signals.participant_downloads.connect(portal_downloads)
