from __future__ import annotations

import datetime

from msgspec import Struct


class CalendarLinks(Struct):
    """How to get a feed: ``webcal_url`` subscribes (calendar apps refresh it), ``url`` is the same
    feed over HTTP(S), ``download_url`` downloads it once as an ``.ics`` file."""

    url: str
    webcal_url: str
    download_url: str


class PersonalFeed(Struct):
    """A participant's personal feed, as created or regenerated. The URLs hold the secret and are
    shown this once (only a hash is stored); regenerating replaces them and stops the old ones."""

    registration_id: int
    url: str
    webcal_url: str
    download_url: str
    created_at: datetime.datetime
    regenerated: bool


class PersonalFeedStatus(Struct):
    """Whether a registration has a working personal feed (its URL cannot be shown again)."""

    registration_id: int
    active: bool
    created_at: datetime.datetime | None
