"""Named signals: how one area reacts to what happens in another without importing it.

The sending area calls ``await signal.send(...)`` at the moment the docstring names; receivers are
connected once at start-up by each area's ``listeners.connect()``, which :mod:`events.plugin` calls
for the service and for the CLI alike. Nothing connects on import, so a reaction never depends on
which modules happened to be imported.

Receivers are coroutines, awaited one after another in connection order inside the sender's
transaction (when there is one): an exception aborts the sender's action. ``send`` returns what
they returned, in the same order.

A small hand-written class rather than blinker: receivers here are async and their return values
matter (a deletion blocker returns a reason, a provider returns items), which blinker's
synchronous, weakly-referenced ``send`` does not serve without wrapping.
"""

from __future__ import annotations

import datetime
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, ParamSpec, TypeVar

if TYPE_CHECKING:
    from events.auth.principal import Actor
    from events.calendars.render import Item
    from events.calendars.services import Agenda
    from events.db.dialect import Dialect
    from events.registration.schemas import Registration
    from events.reports.sections import ReportTable

P = ParamSpec("P")
R = TypeVar("R")


class Signal(Generic[P, R]):
    """Something that happens in one area, to which other areas' receivers react."""

    def __init__(self, name: str, doc: str) -> None:
        self.name = name
        self.__doc__ = doc
        self._receivers: list[Callable[P, Awaitable[R]]] = []

    def __repr__(self) -> str:
        return f"<Signal {self.name}>"

    @property
    def receivers(self) -> tuple[Callable[P, Awaitable[R]], ...]:
        return tuple(self._receivers)

    def connect(self, receiver: Callable[P, Awaitable[R]]) -> None:
        """Add a receiver; connecting the same receiver again changes nothing."""
        if receiver not in self._receivers:
            self._receivers.append(receiver)

    def disconnect(self, receiver: Callable[P, Awaitable[R]]) -> None:
        if receiver in self._receivers:
            self._receivers.remove(receiver)

    async def send(self, *args: P.args, **kwargs: P.kwargs) -> list[R]:
        return [await receiver(*args, **kwargs) for receiver in self._receivers]


registration_withdrawn: Signal[[Actor, int, str], Any] = Signal(
    "registration_withdrawn",
    """Sent inside the transaction that cancels or rejects a registration, with the actor, the
    registration id and the reason. Receivers withdraw what their area issued for it (letters,
    badges, seats on visits); what they return is ignored.""",
)

event_deleting: Signal[[int], str | None] = Signal(
    "event_deleting",
    """Sent inside the transaction that deletes an event, before the delete, with its id. Receivers
    return why their area's data forbids the deletion, or ``None``; the first reason refuses it.""",
)

session_deleting: Signal[[int], str | None] = Signal(
    "session_deleting",
    """Sent inside the transaction that deletes a session, before the delete, with its id. Receivers
    return why their area's data forbids the deletion, or ``None``; the first reason refuses it.""",
)

session_changed: Signal[[int, int], list[str]] = Signal(
    "session_changed",
    """Sent inside the transaction that created or edited a session, after the write, with the event
    id and the session id. Receivers return warnings for the organiser about what the session now
    collides with in their area (e.g. participants booked on a study visit at that time), or
    ``[]``; the session is saved either way and the answer carries them as ``warnings``.""",
)

event_changed: Signal[[Actor, int], Any] = Signal(
    "event_changed",
    """Sent inside the transaction that updated an event, with the actor and the event id (e.g. a
    raised capacity lets the waiting list move up). What receivers return is ignored.""",
)


@dataclass(frozen=True)
class Download:
    """A file offered by :data:`participant_downloads` (defined here, with its signal, so that the
    areas offering files need not import the web layer that shows them)."""

    label: str
    #: Empty for a sentence without a link (the certificate of attendance not issued yet).
    url: str
    hint: str = ""


participant_downloads: Signal[[Registration, str], list[Download]] = Signal(
    "participant_downloads",
    """Sent when "My registration" is shown, with the participant's registration and the page's
    language. Receivers return the files their area offers (labels in that language), or ``[]``.""",
)

mail_attachments: Signal[[dict[str, Any]], list[tuple[str, str, str, bytes]]] = Signal(
    "mail_attachments",
    """Sent when an outbox message is delivered, with its row. Receivers return files to attach as
    ``(filename, maintype, subtype, content)`` tuples, built from the latest data, or ``[]``.""",
)

agenda_items: Signal[[Agenda], Iterable[Item]] = Signal(
    "agenda_items",
    """Sent when a personal calendar feed is built for an approved registration, with the
    :class:`~events.calendars.services.Agenda`. Receivers return the items their area adds (e.g. a
    study visit). A receiver whose items come from data other than the registration, its event,
    the event's sessions and its session sign-ups must also connect to :data:`agenda_version`.""",
)

agenda_version: Signal[[Dialect], str] = Signal(
    "agenda_version",
    """Sent when a personal feed's fingerprint statement is made, with the database's
    :class:`~events.db.dialect.Dialect`. Receivers return a SQL scalar subquery (no placeholders,
    constant text) that gives a text changing whenever the items they add to :data:`agenda_items`
    would; it names the feed's registration as ``OWNER_ID`` and its event as ``OWNER_EVENT`` of
    :mod:`events.calendars.services`. The calendars area puts every fragment into the one
    statement that reads the token, so a feed request costs one query whatever the areas add.""",
)

sensitive_data_purged: Signal[[Actor, int], Any] = Signal(
    "sensitive_data_purged",
    """Sent by the retention purge (``events purge-sensitive``) for every event that ended more than
    SENSITIVE_RETENTION_DAYS ago, with the actor and the event id, inside the transaction that
    erases its registrations' passport data and dates and places of birth. Receivers erase the
    copies their area keeps (e.g. the stored PDFs of visa-support letters) and audit it; they must
    be idempotent, as the purge runs daily. What they return is ignored.""",
)

periodic_tick: Signal[[datetime.datetime], Any] = Signal(
    "periodic_tick",
    """Sent by the job runner's periodic maintenance (``events.jobs.runner.maintain``, about once a
    minute in every worker process), with the current UTC time, outside any transaction. Receivers
    do time-driven work (e.g. the travel e-mail the day before arrival); several workers tick at
    once, so each receiver claims its work in the database. What they return is ignored; an
    exception is logged by the runner and retried at the next tick.""",
)

report_sections: Signal[[list[int], str], list[ReportTable]] = Signal(
    "report_sections",
    """Sent when the programme report is built (its page, PDF and XLSX), with the ids of the events
    it covers and the reader's language. Receivers return the tables their area adds (evaluation
    results, action plans by country, certificates issued) as
    :class:`~events.reports.sections.ReportTable`, labels in that language, or ``[]``; the report
    suppresses small cells itself.""",
)

#: Every signal, for the wiring test and for readers.
SIGNALS: tuple[Signal[..., Any], ...] = (
    registration_withdrawn,
    event_deleting,
    session_deleting,
    session_changed,
    event_changed,
    participant_downloads,
    mail_attachments,
    agenda_items,
    agenda_version,
    sensitive_data_purged,
    periodic_tick,
    report_sections,
)
