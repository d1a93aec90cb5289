"""Deliver the outbox: claim due messages with a lease, send them, record the outcome.

Guarantees, in plain words:

* **Nothing is lost.** A message row is never deleted or dropped by the sender. A failed
  delivery increments ``attempts``, records ``last_error`` and schedules the next attempt
  after an exponential backoff (30 s, 1 min, 2 min … capped at 1 h, with a little jitter);
  after that the message keeps being retried every hour, for ever, until it is sent. An
  operator sees such messages in :func:`outbox_status` (``failing``).
* **Each message is claimed by one sender at a time.** :func:`claim_batch` sets
  ``claimed_until`` (the lease) and ``claimed_by`` in one atomic step: one
  ``WITH picked AS MATERIALIZED (SELECT … FOR UPDATE SKIP LOCKED) UPDATE … RETURNING *`` statement inside
  :func:`events.db.write_transaction`. On PostgreSQL the row locks let several instances claim
  different messages without waiting on each other; SQLite has no row locks and needs none (the
  clause is left out): its write transaction (``BEGIN IMMEDIATE``) is exclusive across processes.
* **At-least-once delivery with a lease, effectively once in normal operation.** Handing a
  message to the SMTP server and recording ``sent_at`` cannot be one atomic step. If the
  process dies after the server accepted a message but before :func:`mark_sent` committed,
  the message is sent again once its lease has expired (at most one extra copy per crash;
  the ``Message-ID`` header is the same, so mail clients can recognise it). The outcome is
  recorded only while the row is still claimed by the same worker (a conditional update), so
  a worker whose lease expired and whose message another worker re-claimed cannot overwrite
  the other worker's record. A sender stops working through a batch (and releases the rest
  of it, without counting an attempt) before the lease could expire under it.

:class:`OutboxWorker` runs :func:`send_due` in a loop inside the web process (see
:func:`lifespan_worker`); the same function serves a one-shot command line run.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import email.policy
import email.utils
import logging
import os
import random
import secrets
import socket
from contextlib import AbstractAsyncContextManager
from email.headerregistry import Address, HeaderRegistry
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from events import clock, signals
from events.db import dialect, statements, write_transaction
from events.notifications.services import delivered_body
from events.notifications.tables import OutboxMessage
from events.settings import Settings, get_settings

logger = logging.getLogger("events.notifications.sender")
mail_logger = logging.getLogger("events.mail")

#: How long a claim protects a message from other senders.
DEFAULT_LEASE = datetime.timedelta(seconds=60)
#: Messages claimed at a time.
DEFAULT_BATCH = 20
#: Time limit of one SMTP conversation (connect, TLS, authenticate, send).
SMTP_TIMEOUT = 10.0
#: First retry delay and the cap of the backoff.
BACKOFF_BASE = datetime.timedelta(seconds=30)
BACKOFF_CAP = datetime.timedelta(hours=1)
#: The jitter shortens a delay by up to this fraction, so delays never exceed the cap.
BACKOFF_JITTER = 0.1
#: Longest ``last_error`` kept (the column's length).
MAX_ERROR_LENGTH = 500

_UTC = datetime.UTC


def new_worker_id() -> str:
    """``host:pid:random``, unique per sender and short enough for ``claimed_by`` (64)."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{secrets.token_hex(4)}"


def backoff(failures: int, *, jitter: float = BACKOFF_JITTER) -> datetime.timedelta:
    """Delay before the next attempt after ``failures`` failed attempts (1 for the first failure).

    ``min(30 s × 2**(failures - 1), 1 h)``, shortened by a random fraction up to ``jitter`` so
    that many messages failing together do not retry in lockstep. Never longer than 1 h.
    """
    exponent = min(max(failures - 1, 0), 16)
    delay = min(BACKOFF_BASE * (2**exponent), BACKOFF_CAP)
    if jitter:
        delay *= 1 - random.uniform(0, jitter)
    return delay


# --------------------------------------------------------------------------------------------
# Claiming


_CLAIM = """
WITH picked AS MATERIALIZED (
    SELECT id FROM outbox_message
    WHERE sent_at IS NULL
      AND next_attempt_at <= ?
      AND (claimed_until IS NULL OR claimed_until < ?)
    ORDER BY id
    LIMIT ?
    {skip_locked}
)
UPDATE outbox_message SET claimed_until = ?, claimed_by = ?
WHERE id IN (SELECT id FROM picked)
RETURNING *
"""


_ANY_DUE = """
SELECT 1 AS due FROM outbox_message
WHERE sent_at IS NULL AND next_attempt_at <= ? AND (claimed_until IS NULL OR claimed_until < ?)
LIMIT 1
"""


async def claim_batch(
    worker_id: str, limit: int = DEFAULT_BATCH, lease: datetime.timedelta = DEFAULT_LEASE
) -> list[dict[str, Any]]:
    """Claim up to ``limit`` due messages for ``worker_id`` until ``now + lease``; oldest first.

    A message is due when it is not sent, its ``next_attempt_at`` has come and it is not
    claimed (or its claim has expired). Returns the claimed rows as dictionaries.
    """
    if limit <= 0:
        return []
    now = clock.now()
    until = now + lease
    # A read first, so an idle sender opens no write transaction (on SQLite: takes no write lock).
    if await statements.first(_ANY_DUE, now, now) is None:
        return []
    claim = _CLAIM.format(skip_locked=dialect().skip_locked)
    rows = await statements.write(claim, now, now, limit, until, worker_id)
    return sorted(rows, key=lambda row: row["id"])


#: The outcome is recorded only while the sender still holds the claim (see the module's docstring).
_STILL_MINE = "id = ? AND claimed_by = ? AND sent_at IS NULL"


async def mark_sent(message_id: int, *, worker_id: str) -> bool:
    """Record a delivery and erase the message's withheld secrets; only while ``worker_id`` still
    holds the claim. True when recorded."""
    rows = await statements.write(
        "UPDATE outbox_message SET sent_at = ?, claimed_until = NULL, withheld_enc = NULL "  # noqa: S608
        f"WHERE {_STILL_MINE} RETURNING id",
        clock.now(),
        message_id,
        worker_id,
    )
    if not rows:
        logger.warning("outbox message %s was re-claimed by another sender; not marked sent", message_id)
    return bool(rows)


async def mark_failed(message_id: int, error: str, *, worker_id: str) -> bool:
    """Record a failed attempt and schedule the next one (see :func:`backoff`); never drops the message.

    Only while ``worker_id`` still holds the claim. True when recorded.
    """
    recorded = await statements.run(_mark_failed(message_id, error[:MAX_ERROR_LENGTH], worker_id))
    if not recorded:
        logger.warning("outbox message %s was re-claimed by another sender; not marked failed", message_id)
    return recorded


def _mark_failed(message_id: int, error: str, worker_id: str) -> statements.Program[bool]:
    rows = yield (
        "UPDATE outbox_message SET attempts = attempts + 1, last_error = ?, claimed_until = NULL "  # noqa: S608
        f"WHERE {_STILL_MINE} RETURNING attempts",
        (error, message_id, worker_id),
    )
    if not rows:
        return False
    yield (
        "UPDATE outbox_message SET next_attempt_at = ? WHERE id = ?",
        (clock.now() + backoff(rows[0]["attempts"]), message_id),
    )
    return True


async def release(message_ids: list[int], *, worker_id: str) -> None:
    """Give claimed messages back untouched (no attempt counted), e.g. when the lease runs short."""
    if not message_ids:
        return
    async with write_transaction():
        await OutboxMessage.update({OutboxMessage.claimed_until: None}).where(
            OutboxMessage.id.is_in(message_ids)
            & (OutboxMessage.claimed_by == worker_id)
            & OutboxMessage.sent_at.is_null()
        )


# --------------------------------------------------------------------------------------------
# Delivery


def _domain(settings: Settings) -> str:
    _, address = email.utils.parseaddr(settings.email_from)
    domain = address.rpartition("@")[2]
    return domain or "localhost"


class _HeaderClasses(HeaderRegistry):
    """The standard registry, but each header's class is made once: the stock one builds a new class
    for every header set, a good part of what building an e-mail cost."""

    def __init__(self) -> None:
        super().__init__()
        self._made: dict[str, type] = {}

    def __getitem__(self, name: str) -> type:
        key = name.lower()
        made = self._made.get(key)
        if made is None:
            made = self._made[key] = super().__getitem__(name)
        return made


_POLICY = email.policy.default.clone(header_factory=_HeaderClasses())


def build_email(message: dict[str, Any], settings: Settings) -> EmailMessage:
    """The MIME message for an outbox row: plain text, UTF-8, quoted-printable (7-bit safe).

    The ``Message-ID`` depends only on the row, so a re-sent copy carries the same one; the
    ``Date`` is when the message was queued.
    """
    created = message.get("created_at") or clock.now()
    mail = EmailMessage(policy=_POLICY)
    mail["From"] = settings.email_from
    mail["To"] = Address(addr_spec=message["to_address"])
    mail["Subject"] = message["subject"]
    mail["Date"] = email.utils.format_datetime(created.astimezone(_UTC))
    mail["Message-ID"] = f"<outbox.{message['id']}.{int(created.timestamp())}@{_domain(settings)}>"
    mail["Auto-Submitted"] = "auto-generated"
    if message.get("language"):
        mail["Content-Language"] = message["language"]
    mail.set_content(delivered_body(message), charset="utf-8", cte="quoted-printable")
    return mail


def delivery_budget(settings: Settings) -> datetime.timedelta:
    """The lease time one delivery may need; a sender starts a delivery only with this much left."""
    if settings.email_backend == "smtp":
        return datetime.timedelta(seconds=SMTP_TIMEOUT + 5)
    return datetime.timedelta(seconds=5)


async def deliver(message: dict[str, Any], settings: Settings) -> None:
    """Hand one outbox row to the configured backend; raises on failure.

    ``smtp``: one connection per message (``SMTP_SECURITY`` none = plain, starttls, tls =
    implicit TLS; credentials when set). ``file``: ``DATA_DIR/mail/<id>.eml`` (rewritten if
    delivered again). ``console``: logged on the ``events.mail`` logger.
    """
    mail = build_email(message, settings)
    for attachments in await signals.mail_attachments.send(message):
        for filename, maintype, subtype, content in attachments:
            mail.add_attachment(content, maintype=maintype, subtype=subtype, filename=filename)
    backend = settings.email_backend
    if backend == "smtp":
        import aiosmtplib

        await aiosmtplib.send(
            mail,
            hostname=settings.smtp_host,
            port=settings.smtp_port,
            username=settings.smtp_username or None,
            password=settings.smtp_password or None,
            use_tls=settings.smtp_security == "tls",
            start_tls=settings.smtp_security == "starttls",
            timeout=SMTP_TIMEOUT,
        )
    elif backend == "file":
        await asyncio.to_thread(_write_eml, Path(settings.data_dir) / "mail", message["id"], mail.as_bytes())
    elif backend == "console":
        mail_logger.info(
            "e-mail %s to %s\nSubject: %s\n\n%s",
            message["id"],
            message["to_address"],
            message["subject"],
            delivered_body(message),
        )
    else:
        raise ValueError(f"unknown e-mail backend {backend!r}")


def _write_eml(folder: Path, message_id: int, content: bytes) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{message_id}.eml"
    partial = folder / f".{message_id}.eml.{secrets.token_hex(4)}.tmp"
    partial.write_bytes(content)
    partial.replace(path)
    return path


def _describe(exc: BaseException) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


async def send_due(
    worker_id: str,
    settings: Settings | None = None,
    *,
    limit: int = DEFAULT_BATCH,
    lease: datetime.timedelta = DEFAULT_LEASE,
) -> tuple[int, int]:
    """Claim one batch of due messages and deliver them one by one; returns ``(sent, failed)``.

    Before each delivery the remaining lease is checked: when less than
    :func:`delivery_budget` is left, the rest of the batch is released (no attempt counted)
    so no other sender can claim a message this one is still sending.
    """
    settings = settings or get_settings()
    budget = delivery_budget(settings)
    if lease <= budget:
        raise ValueError(f"the lease ({lease}) must be longer than one delivery may take ({budget})")
    batch = await claim_batch(worker_id, limit=limit, lease=lease)
    sent = failed = 0
    for index, message in enumerate(batch):
        if message["claimed_until"] - clock.now() < budget:
            rest = [row["id"] for row in batch[index:]]
            logger.warning("outbox lease running short; releasing %d message(s)", len(rest))
            await release(rest, worker_id=worker_id)
            break
        try:
            await deliver(message, settings)
        except Exception as exc:  # every failure is recorded and retried later
            logger.warning(
                "outbox message %s to %s failed (attempt %d): %s",
                message["id"],
                message["to_address"],
                message["attempts"] + 1,
                _describe(exc),
            )
            await mark_failed(message["id"], _describe(exc), worker_id=worker_id)
            failed += 1
        else:
            await mark_sent(message["id"], worker_id=worker_id)
            sent += 1
    return sent, failed


# --------------------------------------------------------------------------------------------
# Background worker


class OutboxWorker:
    """Runs :func:`send_due` in an asyncio task until stopped.

    Sleeps ``idle_interval`` after a batch that was not full, ``busy_interval`` after a full
    one; after an error (e.g. the database is unreachable) it logs and waits longer each time,
    up to ``max_error_interval``, so the loop never dies and never floods the log.
    """

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        worker_id: str | None = None,
        batch_size: int = DEFAULT_BATCH,
        lease: datetime.timedelta = DEFAULT_LEASE,
        idle_interval: float = 2.0,
        busy_interval: float = 0.05,
        max_error_interval: float = 60.0,
    ) -> None:
        self.settings = settings
        self.worker_id = worker_id or new_worker_id()
        self.batch_size = batch_size
        self.lease = lease
        self.idle_interval = idle_interval
        self.busy_interval = busy_interval
        self.max_error_interval = max_error_interval
        self._task: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()
        self._stopping = False

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def start(self) -> None:
        if self.running:
            return
        self._stopping = False
        self._wake = asyncio.Event()
        self._task = asyncio.create_task(self._run(), name=f"outbox-worker {self.worker_id}")
        logger.info("outbox worker %s started", self.worker_id)

    def wake(self) -> None:
        """Look for due messages now instead of after the current pause."""
        self._wake.set()

    async def stop(self, grace: float = 5.0) -> None:
        """Stop the loop: at once when it is pausing, else after the current batch (at most
        ``grace`` seconds, then it is cancelled; messages it held are retried after their lease)."""
        task, self._task = self._task, None
        if task is None:
            return
        self._stopping = True
        self._wake.set()
        done, _ = await asyncio.wait({task}, timeout=grace)
        if not done:
            task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        logger.info("outbox worker %s stopped", self.worker_id)

    async def _run(self) -> None:
        errors = 0
        while not self._stopping:
            try:
                sent, failed = await send_due(
                    self.worker_id, self.settings, limit=self.batch_size, lease=self.lease
                )
            except Exception:
                errors += 1
                pause = min(self.idle_interval * 2 ** min(errors - 1, 10), self.max_error_interval)
                logger.exception(
                    "outbox worker %s: sending failed; retrying in %.0f s", self.worker_id, pause
                )
            else:
                errors = 0
                pause = self.busy_interval if sent + failed >= self.batch_size else self.idle_interval
            if self._stopping:
                break
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), pause)
            self._wake.clear()


class _WorkerLifespan(AbstractAsyncContextManager):
    """Starts an :class:`OutboxWorker` on enter when ``OUTBOX_WORKER`` is on; stops it on exit.

    Re-usable: each ``async with`` starts a fresh worker.
    """

    def __init__(self, settings: Settings | None = None) -> None:
        self._settings = settings
        self.worker: OutboxWorker | None = None

    async def __aenter__(self) -> OutboxWorker | None:
        settings = self._settings or get_settings()
        if settings.outbox_worker:
            self.worker = OutboxWorker(settings)
            self.worker.start()
        else:
            logger.info("outbox worker disabled (OUTBOX_WORKER=off); run the sender separately")
        return self.worker

    async def __aexit__(self, *exc_info: object) -> None:
        worker, self.worker = self.worker, None
        if worker is not None:
            await worker.stop()


def lifespan_worker(settings: Settings | None = None) -> AbstractAsyncContextManager:
    """For Litestar's ``lifespan=[...]``, placed *after* the database lifespan (so the pool is
    open while the worker runs and the worker stops before the pool closes)."""
    return _WorkerLifespan(settings)


# --------------------------------------------------------------------------------------------
# Status


async def outbox_status() -> dict[str, Any]:
    """Counts for operators: ``pending`` (not sent), ``sent``, ``failing`` (not sent, failed at
    least once), ``claimed`` (being sent now) and ``oldest_pending`` (``created_at`` or None)."""
    now = clock.now()
    unsent = OutboxMessage.sent_at.is_null()
    oldest = await (
        OutboxMessage.select(OutboxMessage.created_at)
        .where(unsent)
        .order_by(OutboxMessage.created_at)
        .first()
    )
    return {
        "pending": await OutboxMessage.count().where(unsent),
        "sent": await OutboxMessage.count().where(OutboxMessage.sent_at.is_not_null()),
        "failing": await OutboxMessage.count().where(unsent & (OutboxMessage.attempts > 0)),
        "claimed": await OutboxMessage.count().where(unsent & (OutboxMessage.claimed_until >= now)),
        "oldest_pending": oldest["created_at"] if oldest else None,
    }
