"""How evaluations react to other areas: the programme report asks for its tables
(``report_sections``); the job runner's minute tick sends the automatic reminder rounds of
questionnaires that ask for them (:func:`events.evaluations.reminders.remind_on_tick`, claimed in the
database, so several workers send each round once).
"""

from __future__ import annotations

from events import signals
from events.evaluations.reminders import remind_on_tick
from events.evaluations.report import report_tables


def connect() -> None:
    signals.report_sections.connect(report_tables)
    signals.periodic_tick.connect(remind_on_tick)
