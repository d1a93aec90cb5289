"""Console travel: dsa (see events/web/console/travel/__init__.py)."""

from __future__ import annotations

#: Job kind → function(job) giving the console page that shows what the job produced.
JOB_PAGES: dict = {}

HANDLERS: list = []
