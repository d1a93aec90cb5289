"""How badges react to other areas: a withdrawn registration's badge is revoked in the same
transaction, so scanners refuse it from the next revocation list on."""

from __future__ import annotations

from events import signals
from events.badges.services import revoke_badges_of_registration


def connect() -> None:
    signals.registration_withdrawn.connect(revoke_badges_of_registration)
