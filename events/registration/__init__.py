"""Registrations from every channel, moderation, capacity, waiting list and sensitive data."""


def _connect_to_programme() -> None:
    """Register the checks and hooks the programme area calls (deletion blockers, waiting list)."""
    from events.registration import services  # noqa: F401  (registers on import)


_connect_to_programme()
