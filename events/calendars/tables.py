from __future__ import annotations

from piccolo.columns import ForeignKey, Text, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from events.registration.tables import Registration


class FeedToken(Table, tablename="calendar_feed_token"):
    """The unguessable part of a participant's personal feed URL; revocable and regenerable.

    The feed answers by ``token_hash`` (SHA-256). ``token_enc`` keeps the token itself encrypted
    (:mod:`events.crypto`) so the participant's own page can show their link again whenever they
    come back; it is erased when the token is revoked (or replaced). Tokens made before it was kept
    have none: their link can only be replaced."""

    registration = ForeignKey(references=Registration, null=False, index=True, on_delete=OnDelete.cascade)
    token_hash = Varchar(length=64, unique=True, null=False, secret=True)
    token_enc = Text(null=True, default=None, secret=True)
    created_at = Timestamptz(default=TimestamptzNow())
    revoked_at = Timestamptz(null=True, default=None)
