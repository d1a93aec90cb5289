from __future__ import annotations

from piccolo.columns import Integer, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table


class OutboxMessage(Table, tablename="outbox_message"):
    """An e-mail waiting to be sent, or sent. Rows are never deleted by the sender.

    A sender claims a message by setting ``claimed_until`` in a short transaction
    (``FOR UPDATE SKIP LOCKED`` on PostgreSQL), so several instances deliver each message once.
    No usable secret is stored: see :mod:`events.notifications.services`.
    """

    kind = Varchar(length=40, null=False)
    to_address = Varchar(length=254, null=False)
    subject = Varchar(length=300, null=False)
    body = Text(null=False)
    #: Secrets the body shows as placeholders (JSON ``{placeholder: value}``, encrypted with the data
    #: key); put into the e-mail at delivery and erased once it is delivered.
    withheld_enc = Text(null=True, default=None, secret=True)
    language = Varchar(length=2, default="en")
    object_type = Varchar(length=40, default="")
    object_id = Varchar(length=64, default="")
    created_at = Timestamptz(default=TimestamptzNow())
    next_attempt_at = Timestamptz(default=TimestamptzNow(), index=True)
    claimed_until = Timestamptz(null=True, default=None)
    claimed_by = Varchar(length=64, default="")
    attempts = Integer(default=0)
    last_error = Varchar(length=500, default="")
    sent_at = Timestamptz(null=True, default=None, index=True)
