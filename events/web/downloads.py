"""Files a participant can download from "My registration" (letters, badge QR code, calendar).

Those features come with their own areas. An area offers its files by connecting, in its
``listeners.py``, a receiver of :data:`events.signals.participant_downloads`::

    async def letters(registration, lang):
        if registration.status != "approved":
            return []
        return [signals.Download(label=..., url=f"/my/registration/letters/{...}.pdf", hint=...)]

    signals.participant_downloads.connect(letters)

The page shows the downloads section only when some receiver returns a file, so there are no dead
links while no area offers any. Receivers translate their own labels into ``lang``.
"""

from __future__ import annotations

from events import signals
from events.registration.schemas import Registration
from events.signals import Download


async def downloads_for(registration: Registration, lang: str) -> list[Download]:
    """What the areas offer ``registration`` on "My registration", labels in ``lang``."""
    return [
        found for offered in await signals.participant_downloads.send(registration, lang) for found in offered
    ]
