"""Evaluations: the event's questionnaire, reminders and results with the before/after change."""

from __future__ import annotations

HANDLERS: list = []
#: Job kind → the page showing what the job produced.
JOB_PAGES: dict = {}
