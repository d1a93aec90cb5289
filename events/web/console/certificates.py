"""Certificates of attendance: the event's rule, who meets it and who does not (and why), issuing in bulk as a job, revoking."""

from __future__ import annotations

HANDLERS: list = []
#: Job kind → the page showing what the job produced.
JOB_PAGES: dict = {}
