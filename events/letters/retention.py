"""The letters' part of data protection: the data key's rotation over the stored PDFs, and the
retention purge of visa-support letters.

* :func:`rotate_data_key` re-encrypts every stored PDF with the newest key of
  ``DATA_ENCRYPTION_KEYS`` (and encrypts a PDF stored before encryption), so the retired key can be
  removed afterwards; ``events rotate-data-key`` runs it after the registrations' values.
* :func:`erase_visa_letters` receives :data:`events.signals.sensitive_data_purged`: when an
  event's passport data is erased, so are the PDFs of its visa-support letters, which print the
  passport number, its expiry and the date of birth. The rows stay, ``expired``, so the printed
  reference still verifies ("expired, details erased"); the download answers 410. Invitation
  letters carry no passport data and stay.
"""

from __future__ import annotations

from events import crypto
from events.audit.services import record
from events.auth.principal import Actor
from events.db import locked, write_transaction
from events.letters.stored import PLAINTEXT_HEADER, seal
from events.letters.tables import Letter, LetterKind, LetterStatus
from events.settings import get_settings

ROTATION_BATCH = 50


async def rotate_data_key(actor: Actor) -> int:
    """Re-encrypt every stored letter PDF with the newest data key; returns how many."""
    ids = [
        row["id"]
        for row in await Letter.select(Letter.id)
        .where(Letter.status != LetterStatus.expired.value)
        .order_by(Letter.id)
    ]
    for start in range(0, len(ids), ROTATION_BATCH):
        async with write_transaction():
            rows = await locked(
                Letter.select(Letter.id, Letter.pdf).where(
                    Letter.id.is_in(ids[start : start + ROTATION_BATCH])
                )
            )
            for row in rows:
                stored = bytes(row["pdf"])
                if not stored:
                    continue
                rotated = seal(stored) if stored.startswith(PLAINTEXT_HEADER) else crypto.rotate_bytes(stored)
                await Letter.update({Letter.pdf: rotated}).where(Letter.id == row["id"])
    async with write_transaction():
        await record(actor, "letter.data_key_rotated", "letter", "*", data={"letters": len(ids)})
    return len(ids)


async def erase_visa_letters(actor: Actor, event_id: int) -> int:
    """Erase the stored PDFs of the event's visa-support letters (any status) and mark them
    ``expired``; returns how many. Joins the purge's transaction; audited as ``letter.erased``."""
    async with write_transaction():
        rows = await locked(
            Letter.select(Letter.id, Letter.reference, Letter.status).where(
                Letter.event == event_id,
                Letter.kind == LetterKind.visa_support.value,
                Letter.status != LetterStatus.expired.value,
            )
        )
        if not rows:
            return 0
        await Letter.update({Letter.pdf: b"", Letter.status: LetterStatus.expired.value}).where(
            Letter.id.is_in([row["id"] for row in rows])
        )
        await record(
            actor,
            "letter.erased",
            "event",
            event_id,
            event_id=event_id,
            data={
                "letters": len(rows),
                "references": [row["reference"] for row in rows],
                "retention_days": get_settings().sensitive_retention_days,
            },
        )
    return len(rows)
