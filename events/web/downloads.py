"""Files a participant can download from "My registration" (letters, badge QR code, calendar).

Those features come with their own areas. An area offers its files by appending a provider from its
``controllers.py`` (imported when the app starts)::

    from events.web.downloads import Download, PARTICIPANT_DOWNLOADS

    async def _letters(registration, lang):
        if registration.status != "approved":
            return []
        return [Download(label=..., url=f"/my/registration/letters/{...}.pdf", hint=...)]

    PARTICIPANT_DOWNLOADS.append(_letters)

The page shows the downloads section only when some provider returns a file, so there are no dead
links while no area offers any. Providers translate their own labels into ``lang``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from events.registration.schemas import Registration


@dataclass(frozen=True)
class Download:
    label: str
    url: str
    hint: str = ""


DownloadProvider = Callable[[Registration, str], Awaitable[list[Download]]]
PARTICIPANT_DOWNLOADS: list[DownloadProvider] = []


async def downloads_for(registration: Registration, lang: str) -> list[Download]:
    found: list[Download] = []
    for provider in PARTICIPANT_DOWNLOADS:
        found.extend(await provider(registration, lang))
    return found
