from __future__ import annotations

from piccolo.columns import ForeignKey, Integer, Timestamptz
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from events.auth.tables import User
from events.programme.tables import Event, Session

#: The share of counted sessions an event asks for until its organisers save a rule.
DEFAULT_MIN_PERCENT = 75


class CertificateRule(Table, tablename="certificate_rule"):
    """What a participant must have attended for a certificate: at least ``min_percent`` % of the
    counted sessions (``None``: no share asked), and every named session
    (:class:`CertificateNamedSession`), or both. One per event; none means the default (75 %)."""

    event = ForeignKey(references=Event, null=False, unique=True, on_delete=OnDelete.cascade)
    min_percent = Integer(null=True, default=DEFAULT_MIN_PERCENT)
    updated_at = Timestamptz(default=TimestamptzNow())
    updated_by = ForeignKey(references=User, null=True, default=None, on_delete=OnDelete.set_null)


class CertificateNamedSession(Table, tablename="certificate_named_session"):
    """A session the event's rule names: all of them must be attended. Deleting the session is
    refused while named (``session_deleting``); a cancelled one drops out of the rule."""

    event = ForeignKey(references=Event, null=False, index=True, on_delete=OnDelete.cascade)
    session = ForeignKey(references=Session, null=False, index=True, on_delete=OnDelete.cascade)
