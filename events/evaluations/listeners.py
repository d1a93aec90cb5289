"""How evaluations react to other areas: the programme report asks for its tables
(``report_sections``).

The automatic reminder round (:func:`events.evaluations.reminders.remind_on_tick`, claimed in the
database) is ready for the job runner's ``periodic_tick`` but not connected yet: the signal's wiring
is shared, and connecting it is one line here plus its entry in ``tests/test_signals.py``.
"""

from __future__ import annotations

from events import signals
from events.evaluations.report import report_tables


def connect() -> None:
    signals.report_sections.connect(report_tables)
