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
    """A participant's personal feed, as created or regenerated. The URLs hold the secret: the API
    shows them this once (the feed answers by the token's hash; the token itself is kept encrypted
    only so that the participant's own page, ``/my/calendar``, can show them their link again).
    Regenerating replaces them and stops the old ones."""

    registration_id: int
    url: str
    webcal_url: str
    download_url: str
    created_at: datetime.datetime
    regenerated: bool


class PersonalFeedStatus(Struct):
    """Whether a registration has a working personal feed (the API does not show its URL again)."""

    registration_id: int
    active: bool
    created_at: datetime.datetime | None


class OwnPersonalFeed(Struct):
    """A participant's feed as their own page shows it. ``links`` while the feed works and its token
    is kept; ``active`` without ``links`` for a feed made before tokens were kept (only a new link
    can be shown); neither once it was stopped (``stopped``) or before there was one."""

    registration_id: int
    active: bool
    stopped: bool
    links: CalendarLinks | None = None
    created_at: datetime.datetime | None = None
