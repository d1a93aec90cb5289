"""events.db.grouping.WriteGroups: concurrent items reach one writer per key, in groups of at most
``limit``, and each caller gets its own result or exception."""

from __future__ import annotations

import asyncio

import pytest

from events.db.grouping import WriteGroups


def _recording(calls: list[tuple[str, list[int]]], key_of=lambda item: "k"):
    async def write(items: list[int]) -> list[int | BaseException]:
        calls.append((key_of(items[0]), list(items)))
        await asyncio.sleep(0.01)  # while this group is written, more items gather
        return [ValueError(f"bad {item}") if item < 0 else item * 10 for item in items]

    return write


async def test_items_that_arrive_together_are_written_together_within_the_limit():
    calls: list[tuple[str, list[int]]] = []
    groups: WriteGroups[int, int] = WriteGroups(_recording(calls), limit=3)
    results = await asyncio.gather(*(groups.submit(n) for n in range(7)))
    assert results == [n * 10 for n in range(7)]
    assert [items for _, items in calls] == [[0, 1, 2], [3, 4, 5], [6]]
    assert groups.idle()


async def test_each_caller_gets_its_own_exception():
    groups: WriteGroups[int, int] = WriteGroups(_recording([]), limit=10)
    outcomes = await asyncio.gather(*(groups.submit(n) for n in (1, -2, 3)), return_exceptions=True)
    assert outcomes[0] == 10 and outcomes[2] == 30
    assert isinstance(outcomes[1], ValueError) and str(outcomes[1]) == "bad -2"


async def test_keys_have_writers_of_their_own():
    calls: list[tuple[str, list[int]]] = []
    groups: WriteGroups[int, int] = WriteGroups(
        _recording(calls, lambda item: "odd" if item % 2 else "even"), 10
    )
    await asyncio.gather(*(groups.submit(n, key=n % 2) for n in range(6)))
    assert sorted(calls) == [("even", [0, 2, 4]), ("odd", [1, 3, 5])]


async def test_a_cancelled_caller_does_not_stop_the_others():
    groups: WriteGroups[int, int] = WriteGroups(_recording([]), limit=10)
    first = asyncio.ensure_future(groups.submit(1))
    second = asyncio.ensure_future(groups.submit(2))
    await asyncio.sleep(0)
    first.cancel()
    assert await second == 20
    with pytest.raises(asyncio.CancelledError):
        await first
    assert groups.idle()


async def test_a_cancelled_writer_cancels_the_waiting_callers():
    started = asyncio.Event()

    async def stuck(items: list[int]) -> list[int]:
        started.set()
        await asyncio.sleep(3600)
        return items

    groups: WriteGroups[int, int] = WriteGroups(stuck, limit=1)
    callers = [asyncio.ensure_future(groups.submit(n)) for n in (1, 2)]
    await started.wait()
    writer = next(iter(groups._writers().tasks.values()))
    writer.cancel()
    outcomes = await asyncio.gather(*callers, return_exceptions=True)
    assert all(isinstance(o, asyncio.CancelledError) for o in outcomes)
    assert groups.idle()


async def test_a_writer_that_raises_gives_every_caller_of_the_group_its_error():
    async def broken(items: list[int]) -> list[int]:
        raise RuntimeError("the database went away")

    groups: WriteGroups[int, int] = WriteGroups(broken, limit=10)
    outcomes = await asyncio.gather(*(groups.submit(n) for n in (1, 2)), return_exceptions=True)
    assert [str(o) for o in outcomes] == ["the database went away"] * 2
    assert groups.idle()
