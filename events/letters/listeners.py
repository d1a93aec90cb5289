"""How letters react to other areas: a withdrawn registration's letters are revoked in the same
transaction, an approved participant finds theirs on "My registration", and the retention purge
erases the PDFs of visa-support letters with the passport data."""

from __future__ import annotations

from events import signals
from events.letters.controllers import portal_downloads
from events.letters.issuing import revoke_letters_of_registration
from events.letters.retention import erase_visa_letters


def connect() -> None:
    signals.registration_withdrawn.connect(revoke_letters_of_registration)
    signals.participant_downloads.connect(portal_downloads)
    signals.sensitive_data_purged.connect(erase_visa_letters)
