"""The service's one clock: every "now" the service stores or compares is read here."""

from __future__ import annotations

import datetime


def now() -> datetime.datetime:
    """The current instant as an aware UTC datetime."""
    return datetime.datetime.now(datetime.UTC)
