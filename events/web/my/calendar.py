"""The participant's calendar (see :mod:`events.web.my`)."""

from __future__ import annotations

from events.web.my.view import MyView

NAME = "calendar"


async def section(view: MyView) -> dict | None:
    """The hub's calendar section, or ``None`` to leave it out."""
    return None


HANDLERS: list = []
