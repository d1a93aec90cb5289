"""The participant's visits (see :mod:`events.web.my`)."""

from __future__ import annotations

from events.web.my.view import MyView

NAME = "visits"


async def section(view: MyView) -> dict | None:
    """The hub's visits section, or ``None`` to leave it out."""
    return None


HANDLERS: list = []
