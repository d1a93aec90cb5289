"""How certificates react to other areas: a session the rule names is not deleted, and the programme
report gets its table of certificates. (A withdrawn registration's certificates are revoked by the
letters' own receiver: they are letters.)"""

from __future__ import annotations

from events import signals
from events.certificates.report import certificate_section
from events.certificates.rules import named_session_blocks_deletion


def connect() -> None:
    signals.session_deleting.connect(named_session_blocks_deletion)
    signals.report_sections.connect(certificate_section)
