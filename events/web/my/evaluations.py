"""The participant's evaluations: the questionnaire before the event and after it, answered once (optionally anonymously). (see :mod:`events.web.my`)."""

from __future__ import annotations

from events.web.my.view import MyView

NAME = "evaluations"


async def section(view: MyView) -> dict | None:
    """Nothing to show yet."""
    return None


HANDLERS: list = []
