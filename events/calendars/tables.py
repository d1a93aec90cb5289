from __future__ import annotations

from piccolo.columns import ForeignKey, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from events.registration.tables import Registration


class FeedToken(Table, tablename="calendar_feed_token"):
    """The unguessable part of a participant's personal feed URL; revocable and regenerable."""

    registration = ForeignKey(references=Registration, null=False, index=True, on_delete=OnDelete.cascade)
    token_hash = Varchar(length=64, unique=True, null=False, secret=True)
    created_at = Timestamptz(default=TimestamptzNow())
    revoked_at = Timestamptz(null=True, default=None)
