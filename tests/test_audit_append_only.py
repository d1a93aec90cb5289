"""The database refuses to rewrite or delete audit entries (SQLite and PostgreSQL alike); deleting an
account only empties the ``actor`` of its entries."""

from __future__ import annotations

import pytest

from events.audit.services import record
from events.audit.tables import AuditEntry
from events.auth.principal import Actor
from events.auth.tables import User
from events.db import INTEGRITY_ERRORS, write_transaction


async def _entry_by(account) -> dict:
    async with write_transaction():
        await record(account.actor, "thing.done", "thing", 7, data={"why": "tested"})
    entry = await AuditEntry.select().where(AuditEntry.action == "thing.done").first()
    assert entry is not None and entry["actor"] == account.user_id
    return entry


async def _unchanged(entry: dict) -> None:
    assert await AuditEntry.select().where(AuditEntry.id == entry["id"]).first() == entry


@pytest.mark.parametrize(
    "change",
    [
        {AuditEntry.action: "nothing.happened"},
        {AuditEntry.actor_label: "someone else"},
        {AuditEntry.data: {"why": "rewritten"}},
        {AuditEntry.actor: None, AuditEntry.object_id: "8"},
    ],
    ids=["action", "label", "data", "actor-and-more"],
)
async def test_the_database_refuses_to_rewrite_an_entry(make_account, change):
    entry = await _entry_by(await make_account())
    with pytest.raises(INTEGRITY_ERRORS, match="append-only"):
        await AuditEntry.update(change).where(AuditEntry.id == entry["id"])
    await _unchanged(entry)


async def test_the_database_refuses_to_give_an_entry_another_actor(make_account):
    entry = await _entry_by(await make_account())
    other = await make_account()
    with pytest.raises(INTEGRITY_ERRORS, match="append-only"):
        await AuditEntry.update({AuditEntry.actor: other.user_id}).where(AuditEntry.id == entry["id"])
    await _unchanged(entry)


async def test_the_database_refuses_to_delete_an_entry(make_account):
    entry = await _entry_by(await make_account())
    with pytest.raises(INTEGRITY_ERRORS, match="append-only"):
        await AuditEntry.delete().where(AuditEntry.id == entry["id"])
    with pytest.raises(INTEGRITY_ERRORS, match="append-only"):
        await AuditEntry.delete(force=True)
    await _unchanged(entry)


async def test_the_system_cannot_write_past_it_either():
    async with write_transaction():
        await record(Actor.system("cli"), "thing.done", "thing", 1)
    with pytest.raises(INTEGRITY_ERRORS, match="append-only"):
        await AuditEntry.update({AuditEntry.actor_label: "nobody"}, force=True)
    assert [row["actor_label"] for row in await AuditEntry.select(AuditEntry.actor_label)] == ["cli (system)"]


async def test_deleting_the_account_keeps_its_entries_without_the_actor(make_account):
    account = await make_account()
    entry = await _entry_by(account)

    await User.delete().where(User.id == account.user_id)

    assert await AuditEntry.select().where(AuditEntry.id == entry["id"]).first() == {**entry, "actor": None}
