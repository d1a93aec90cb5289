"""The country's action plan: the participant's view of their country's plan, upload and the structured fields, status and organisers' comments. (see :mod:`events.web.my`)."""

from __future__ import annotations

from events.web.my.view import MyView

NAME = "action_plan"


async def section(view: MyView) -> dict | None:
    """Nothing to show yet."""
    return None


HANDLERS: list = []
