"""The participant's agenda (see :mod:`events.web.my`)."""

from __future__ import annotations

from events.web.my.view import MyView

NAME = "agenda"


async def section(view: MyView) -> dict | None:
    """The hub's agenda section, or ``None`` to leave it out."""
    return None


HANDLERS: list = []
