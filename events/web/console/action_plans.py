"""Country action plans: each country's plan and its status, organisers' comments, the overview."""

from __future__ import annotations

HANDLERS: list = []
#: Job kind → the page showing what the job produced.
JOB_PAGES: dict = {}
