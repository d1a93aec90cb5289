"""How action plans react to other areas: the programme report asks for their tables."""

from __future__ import annotations

from events import signals
from events.action_plans.report import action_plan_tables


def connect() -> None:
    signals.report_sections.connect(action_plan_tables)
