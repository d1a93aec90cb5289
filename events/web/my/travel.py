"""The participant's travel (see :mod:`events.web.my`)."""

from __future__ import annotations

from events.web.my.view import MyView

NAME = "travel"


async def section(view: MyView) -> dict | None:
    """The hub's travel section, or ``None`` to leave it out."""
    return None


HANDLERS: list = []
