"""The participant's documents: what the areas offer through
:data:`events.signals.participant_downloads` (letters, the e-badge) (see :mod:`events.web.my`)."""

from __future__ import annotations

from events.web.downloads import downloads_for
from events.web.my.view import MyView

NAME = "documents"


async def section(view: MyView) -> dict | None:
    """The files on offer; ``None`` (no section, no dead links) while there are none."""
    downloads = await downloads_for(view.registration, view.lang)
    return {"downloads": downloads} if downloads else None


HANDLERS: list = []
