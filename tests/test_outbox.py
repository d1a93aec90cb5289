"""The outbox sender: claims with a lease, delivery per backend, retries that never drop a message."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import datetime
import email
import email.policy
import logging
import re
import socket
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from events.db import write_transaction
from events.notifications import sender
from events.notifications.sender import (
    BACKOFF_CAP,
    OutboxWorker,
    backoff,
    claim_batch,
    lifespan_worker,
    mark_failed,
    mark_sent,
    outbox_status,
    send_due,
)
from events.notifications.services import queue_email
from events.notifications.tables import OutboxMessage
from events.notifications.templates import status_word
from events.settings import Settings, get_settings

UTC = datetime.UTC

CONTEXT_FR = {
    "name": "Zoé Müller-Ibáñez",
    "event": "Forum sur l'accessibilité numérique",
    "dates": "12–14 octobre 2027",
    "city": "Bakou",
    "reference": "R-2027-0042",
    "status": status_word("submitted", "fr"),
    "link": "https://events.example.org/r/abc",
}
SUBJECT_FR = "Nous avons reçu votre inscription à Forum sur l'accessibilité numérique"


async def queue(count: int = 1, *, to: str = "zoe@example.org") -> list[int]:
    async with write_transaction():
        return [
            await queue_email("registration_received", to=to, language="fr", context=CONTEXT_FR)
            for _ in range(count)
        ]


async def row(message_id: int) -> dict:
    found = await OutboxMessage.select().where(OutboxMessage.id == message_id).first()
    assert found is not None, "an outbox message must never disappear"
    return found


async def make_due(*message_ids: int) -> None:
    async with write_transaction():
        await OutboxMessage.update(
            {OutboxMessage.next_attempt_at: datetime.datetime.now(UTC) - datetime.timedelta(seconds=1)}
        ).where(OutboxMessage.id.is_in(list(message_ids)))


def free_port() -> int:
    """A loopback port nothing listens on (bound, then closed)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def settings_for(**changes) -> Settings:
    return dataclasses.replace(get_settings(), **changes)


class Mailbox:
    """An aiosmtpd handler that keeps every accepted message."""

    def __init__(self) -> None:
        self.envelopes: list = []

    async def handle_DATA(self, server, session, envelope) -> str:
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"

    def messages(self) -> list[email.message.EmailMessage]:
        return [
            email.message_from_bytes(envelope.original_content, policy=email.policy.default)
            for envelope in self.envelopes
        ]


@pytest.fixture
def smtp_server() -> Iterator[Callable[[int], Mailbox]]:
    """Starts real SMTP servers on loopback (``start(port)``); stops them after the test."""
    controllers: list[Controller] = []

    def start(port: int) -> Mailbox:
        mailbox = Mailbox()
        controller = Controller(mailbox, hostname="127.0.0.1", port=port)
        controller.start()
        controllers.append(controller)
        return mailbox

    yield start
    for controller in controllers:
        controller.stop()


# --------------------------------------------------------------------------------------------
# SMTP


async def test_smtp_delivers_subject_recipient_and_utf8_body(smtp_server) -> None:
    port = free_port()
    mailbox = smtp_server(port)
    [message_id] = await queue(to="zoe@example.org")

    settings = settings_for(email_backend="smtp", smtp_host="127.0.0.1", smtp_port=port, smtp_security="none")
    assert await send_due("w1", settings) == (1, 0)

    assert len(mailbox.envelopes) == 1
    assert mailbox.envelopes[0].rcpt_tos == ["zoe@example.org"]
    assert mailbox.envelopes[0].mail_from == "no-reply@localhost"
    [received] = mailbox.messages()
    assert received["Subject"] == SUBJECT_FR
    assert received["To"] == "zoe@example.org"
    assert received["From"] == settings.email_from
    assert received["Message-ID"].startswith(f"<outbox.{message_id}.")
    assert received["Date"]
    assert received.get_content_type() == "text/plain"
    assert received.get_content_charset() == "utf-8"
    body = received.get_content()
    assert "Madame, Monsieur Zoé Müller-Ibáñez," in body
    assert "Statut : reçue, en cours d'examen." in body
    assert "12–14 octobre 2027" in body

    stored = await row(message_id)
    assert stored["sent_at"] is not None
    assert stored["attempts"] == 0
    assert stored["claimed_by"] == "w1"
    assert stored["claimed_until"] is None


async def test_smtp_down_keeps_the_message_then_delivers_it_once(smtp_server) -> None:
    port = free_port()
    settings = settings_for(email_backend="smtp", smtp_host="127.0.0.1", smtp_port=port)
    [message_id] = await queue()

    before = datetime.datetime.now(UTC)
    assert await send_due("w1", settings) == (0, 1)
    failed = await row(message_id)
    assert failed["sent_at"] is None
    assert failed["attempts"] == 1
    assert failed["last_error"]
    assert failed["claimed_until"] is None
    assert failed["next_attempt_at"] > before + datetime.timedelta(seconds=20)
    assert (await outbox_status())["failing"] == 1

    # Not due yet: nothing is claimed, nothing is sent.
    assert await send_due("w1", settings) == (0, 0)

    mailbox = smtp_server(port)
    await make_due(message_id)
    assert await send_due("w2", settings) == (1, 0)
    assert await send_due("w2", settings) == (0, 0)
    assert len(mailbox.envelopes) == 1
    delivered = await row(message_id)
    assert delivered["sent_at"] is not None
    assert delivered["attempts"] == 1
    assert delivered["last_error"], "the last error stays for the record"


# --------------------------------------------------------------------------------------------
# Claims


async def test_two_workers_claiming_concurrently_split_the_messages() -> None:
    ids = await queue(50)
    first, second = await asyncio.gather(claim_batch("w1", limit=30), claim_batch("w2", limit=30))
    first_ids = {message["id"] for message in first}
    second_ids = {message["id"] for message in second}
    assert not first_ids & second_ids
    assert first_ids | second_ids == set(ids)
    assert all(message["claimed_by"] == "w1" for message in first)
    assert all(message["claimed_by"] == "w2" for message in second)
    assert await claim_batch("w3") == []


async def test_many_workers_racing_claim_each_message_once() -> None:
    ids = await queue(60)
    claimed: list[list[dict]] = await asyncio.gather(*(claim_batch(f"w{n}", limit=7) for n in range(10)))
    all_ids = [message["id"] for batch in claimed for message in batch]
    assert len(all_ids) == len(set(all_ids)) == 60
    assert set(all_ids) == set(ids)
    for n, batch in enumerate(claimed):
        stored = await OutboxMessage.select(OutboxMessage.id).where(OutboxMessage.claimed_by == f"w{n}")
        assert {message["id"] for message in batch} == {message["id"] for message in stored}


@pytest.mark.postgres_only
async def test_postgres_claim_skips_rows_locked_by_another_transaction() -> None:
    import asyncpg

    ids = await queue(10)
    locked = ids[:4]
    other = await asyncpg.connect(get_settings().database_url)
    try:
        transaction = other.transaction()
        await transaction.start()
        await other.execute("SELECT id FROM outbox_message WHERE id = ANY($1::int[]) FOR UPDATE", locked)
        claimed = await asyncio.wait_for(claim_batch("w1", limit=20), timeout=5)
        assert {message["id"] for message in claimed} == set(ids[4:])
        await transaction.rollback()
    finally:
        await other.close()
    assert {message["id"] for message in await claim_batch("w2")} == set(locked)


async def test_an_expired_lease_is_reclaimed_and_a_live_one_is_not() -> None:
    [short_id] = await queue()
    [long_id] = await queue()
    claimed = await claim_batch("w1", lease=datetime.timedelta(milliseconds=100))
    assert [message["id"] for message in claimed] == [short_id, long_id]
    assert await claim_batch("w2") == []

    await asyncio.sleep(0.15)
    async with write_transaction():  # keep one lease alive
        await OutboxMessage.update(
            {OutboxMessage.claimed_until: datetime.datetime.now(UTC) + datetime.timedelta(minutes=1)}
        ).where(OutboxMessage.id == long_id)
    reclaimed = await claim_batch("w2")
    assert [message["id"] for message in reclaimed] == [short_id]

    # The first worker's late outcome does not overwrite the second worker's claim.
    assert await mark_sent(short_id, worker_id="w1") is False
    assert await mark_failed(short_id, "late", worker_id="w1") is False
    stored = await row(short_id)
    assert (stored["sent_at"], stored["attempts"], stored["claimed_by"]) == (None, 0, "w2")
    assert await mark_sent(short_id, worker_id="w2") is True
    assert (await row(short_id))["sent_at"] is not None
    # The other message is still held by w1, which may still record it.
    assert await mark_sent(long_id, worker_id="w1") is True


async def test_a_sender_releases_the_batch_when_its_lease_runs_short(tmp_path: Path, monkeypatch) -> None:
    ids = await queue(3)
    settings = settings_for(email_backend="file", data_dir=tmp_path)
    delivered: list[int] = []

    async def slow_deliver(message: dict, settings: Settings) -> None:
        await asyncio.sleep(0.1)
        delivered.append(message["id"])

    monkeypatch.setattr(sender, "deliver", slow_deliver)
    monkeypatch.setattr(sender, "delivery_budget", lambda settings: datetime.timedelta(milliseconds=80))
    assert await send_due("w1", settings, lease=datetime.timedelta(milliseconds=150)) == (1, 0)
    assert delivered == [ids[0]]
    for message_id in ids[1:]:
        released = await row(message_id)
        assert (released["sent_at"], released["claimed_until"], released["attempts"]) == (None, None, 0)
    assert {message["id"] for message in await claim_batch("w2")} == set(ids[1:])


async def test_a_lease_shorter_than_a_delivery_is_refused() -> None:
    with pytest.raises(ValueError, match="lease"):
        await send_due("w1", settings_for(email_backend="smtp"), lease=datetime.timedelta(seconds=5))


# --------------------------------------------------------------------------------------------
# Failures and backoff


def test_backoff_doubles_from_30_seconds_and_caps_at_one_hour() -> None:
    exact = [backoff(failures, jitter=0).total_seconds() for failures in range(1, 11)]
    assert exact == [30, 60, 120, 240, 480, 960, 1920, 3600, 3600, 3600]
    assert backoff(10_000, jitter=0) == BACKOFF_CAP
    for failures in (1, 4, 8, 500):
        for _ in range(50):
            delay = backoff(failures)
            nominal = backoff(failures, jitter=0)
            assert nominal * 0.9 <= delay <= nominal <= BACKOFF_CAP


async def test_a_message_failing_for_ever_is_kept_and_retried_hourly() -> None:
    [message_id] = await queue()
    async with write_transaction():
        await OutboxMessage.update({OutboxMessage.attempts: 40}).where(OutboxMessage.id == message_id)
    await claim_batch("w1")
    before = datetime.datetime.now(UTC)
    assert await mark_failed(message_id, "x" * 2000, worker_id="w1") is True
    stored = await row(message_id)
    assert stored["attempts"] == 41
    assert stored["last_error"] == "x" * 500
    assert stored["sent_at"] is None
    delay = stored["next_attempt_at"] - before
    assert (
        BACKOFF_CAP * 0.9 - datetime.timedelta(seconds=1)
        <= delay
        <= BACKOFF_CAP + datetime.timedelta(seconds=1)
    )


async def test_failures_grow_the_delay_between_attempts() -> None:
    [message_id] = await queue()
    delays = []
    for _ in range(4):
        await make_due(message_id)
        assert [message["id"] for message in await claim_batch("w1")] == [message_id]
        before = datetime.datetime.now(UTC)
        await mark_failed(message_id, "connection refused", worker_id="w1")
        delays.append(((await row(message_id))["next_attempt_at"] - before).total_seconds())
    assert (await row(message_id))["attempts"] == 4
    for delay, nominal in zip(delays, [30, 60, 120, 240], strict=True):
        assert nominal * 0.9 - 1 <= delay <= nominal + 1


# --------------------------------------------------------------------------------------------
# File and console backends


async def test_file_backend_writes_a_readable_eml(tmp_path: Path) -> None:
    [message_id] = await queue(to="ana@example.org")
    settings = settings_for(email_backend="file", data_dir=tmp_path / "data")
    assert await send_due("w1", settings) == (1, 0)

    path = tmp_path / "data" / "mail" / f"{message_id}.eml"
    assert path.is_file()
    assert [p.name for p in path.parent.iterdir()] == [path.name], "no temporary file left behind"
    parsed = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    assert parsed["To"] == "ana@example.org"
    assert parsed["Subject"] == SUBJECT_FR
    assert parsed["Message-ID"]
    assert "Zoé Müller-Ibáñez" in parsed.get_content()
    assert (await row(message_id))["sent_at"] is not None


async def test_console_backend_logs_the_message(caplog) -> None:
    [message_id] = await queue(to="ana@example.org")
    caplog.set_level(logging.INFO, logger="events.mail")
    assert await send_due("w1", settings_for(email_backend="console")) == (1, 0)
    [record] = [record for record in caplog.records if record.name == "events.mail"]
    text = record.getMessage()
    assert "ana@example.org" in text
    assert SUBJECT_FR in text
    assert "Zoé Müller-Ibáñez" in text
    assert (await row(message_id))["sent_at"] is not None


# --------------------------------------------------------------------------------------------
# Worker, lifespan, status


async def wait_until_sent(*message_ids: int, within: float = 3.0) -> None:
    deadline = asyncio.get_running_loop().time() + within
    while True:
        rows = await OutboxMessage.select(OutboxMessage.sent_at).where(
            OutboxMessage.id.is_in(list(message_ids))
        )
        if all(found["sent_at"] is not None for found in rows):
            return
        assert asyncio.get_running_loop().time() < deadline, "the worker did not send in time"
        await asyncio.sleep(0.02)


async def test_worker_sends_and_survives_errors(tmp_path: Path, monkeypatch) -> None:
    settings = settings_for(email_backend="file", data_dir=tmp_path)
    real_send_due = sender.send_due
    calls = 0

    async def flaky_send_due(*args, **kwargs):
        nonlocal calls
        calls += 1
        if calls == 1:
            raise ConnectionError("database restarting")
        return await real_send_due(*args, **kwargs)

    monkeypatch.setattr(sender, "send_due", flaky_send_due)
    worker = OutboxWorker(settings, idle_interval=0.02, busy_interval=0.01)
    with caplog_silenced():
        worker.start()
        ids = await queue(3)
        await wait_until_sent(*ids)
        assert worker.running
        await worker.stop()
    assert not worker.running
    assert calls >= 2
    assert sorted(p.name for p in (tmp_path / "mail").iterdir()) == sorted(f"{i}.eml" for i in ids)


async def test_worker_stop_is_immediate_when_idle() -> None:
    worker = OutboxWorker(settings_for(email_backend="console"), idle_interval=30)
    worker.start()
    await asyncio.sleep(0.05)
    started = asyncio.get_running_loop().time()
    await worker.stop()
    assert asyncio.get_running_loop().time() - started < 0.5
    await worker.stop()  # stopping twice is harmless


async def test_lifespan_worker_runs_only_when_enabled(tmp_path: Path) -> None:
    off = lifespan_worker(settings_for(email_backend="file", data_dir=tmp_path, outbox_worker=False))
    async with off as worker:
        assert worker is None

    settings = settings_for(email_backend="file", data_dir=tmp_path, outbox_worker=True)
    manager = lifespan_worker(settings)
    [message_id] = await queue()
    async with manager as worker:
        assert worker is not None and worker.running
        worker.wake()
        await wait_until_sent(message_id)
    assert not worker.running
    async with manager as again:  # re-usable, a fresh worker each time
        assert again is not worker and again.running


async def test_outbox_status_counts() -> None:
    assert await outbox_status() == {
        "pending": 0,
        "sent": 0,
        "failing": 0,
        "claimed": 0,
        "oldest_pending": None,
    }
    ids = await queue(3)
    await claim_batch("w1", limit=2)
    await mark_sent(ids[0], worker_id="w1")
    await mark_failed(ids[1], "refused", worker_id="w1")
    status = await outbox_status()
    assert {key: status[key] for key in ("pending", "sent", "failing", "claimed")} == {
        "pending": 2,
        "sent": 1,
        "failing": 1,
        "claimed": 0,
    }
    oldest = await row(ids[1])
    assert status["oldest_pending"] == oldest["created_at"]
    await claim_batch("w2")
    assert (await outbox_status())["claimed"] == 1


@contextlib.contextmanager
def caplog_silenced():
    """The worker logs the injected error with a traceback; keep the test output quiet."""
    logger = logging.getLogger("events.notifications.sender")
    previous = logger.disabled
    logger.disabled = True
    try:
        yield
    finally:
        logger.disabled = previous


# --------------------------------------------------------------------------------------------
# Secrets in the outbox


async def _stored_outbox_text() -> str:
    """Every column of every outbox row as the database holds it, plus (SQLite) the raw file bytes."""
    from tests.conftest import IS_POSTGRES

    rows = await OutboxMessage.select()
    text = "\n".join(str(value) for row in rows for value in row.values())
    if IS_POSTGRES:
        dumped = await OutboxMessage.raw("SELECT row_to_json(o)::text AS dumped FROM outbox_message o")
        text += "\n".join(row["dumped"] for row in dumped)
    else:
        from tests.database_files import stored_database_bytes

        text += (await stored_database_bytes()).decode("latin-1")
    return text


async def test_sign_in_links_are_never_stored_usable_yet_the_e_mail_signs_in(client, event, smtp_server):
    """Issue 13 item 2: a backup or /admin must not open a participant's registration."""
    from tests.test_registration_workflow import person, register

    assert (await register(client, event.id, person("kofi@example.org"))).status_code == 201
    asked = await client.post(
        f"/api/v1/events/{event.id}/registrations/magic-link", json={"email": "kofi@example.org"}
    )
    assert asked.status_code == 202, asked.text
    queued = await OutboxMessage.select().order_by(OutboxMessage.id)
    assert [message["kind"] for message in queued] == ["registration_received", "magic_link"]
    for message in queued:
        assert "osm_" not in str(message), "a usable sign-in link is stored in the outbox"
        assert message["withheld_enc"], "the link is kept, encrypted, until the e-mail is sent"
    assert "osm_" not in await _stored_outbox_text()

    port = free_port()
    mailbox = smtp_server(port)
    settings = settings_for(email_backend="smtp", smtp_host="127.0.0.1", smtp_port=port, smtp_security="none")
    assert await send_due("w1", settings) == (2, 0)

    bodies = [received.get_content() for received in mailbox.messages()]
    links = [re.search(r"https?://\S+#token=(osm_[\w-]+)", body) for body in bodies]
    assert all(links), bodies
    tokens = [link.group(1) for link in links]
    stored = await _stored_outbox_text()
    for token in tokens:
        assert token not in stored and token[4:] not in stored
    for message in await OutboxMessage.select():
        assert message["sent_at"] is not None and message["withheld_enc"] is None
        assert "withheld" in message["body"]

    exchanged = await client.post("/api/v1/registration-access", json={"token": tokens[1]})
    assert exchanged.status_code == 200, exchanged.text
    me = await client.get(
        "/api/v1/auth/me", headers={"Authorization": f"Bearer {exchanged.json()['access_token']}"}
    )
    assert me.status_code == 200 and me.json()["participant"]["email"] == "kofi@example.org"
