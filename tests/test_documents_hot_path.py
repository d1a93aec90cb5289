"""Bulk documents on every core, with memory flat: the rendering pool, the PDF joiner, the
transient text layouts, badge runs drawn by worker processes, and the signing identity kept
until its key is rotated."""

from __future__ import annotations

import contextlib
import dataclasses
import io
import zipfile

import pytest
from pypdf import PdfReader

from events.badges import printing
from events.badges.render import DEFAULT_CHUNK, BadgeData, BadgeRenderer, Chunk, EventInfo, render_chunk
from events.letters import signing
from events.rendering import memo, pool, string_width
from events.rendering.pdfjoin import PdfJoiner, PdfJoinError
from events.rendering.text import _layout
from events.settings import get_settings

EVENT = EventInfo(title="Symposium on Public Service Delivery", dates="12–14 October 2027", place="Baku")
NAMES = [("Amina", "Moussa"), ("عبدالله", "الحداد"), ("伟", "王"), ("Дмитрий", "Иванов"), ("Grâce", "Kalala")]


def badges(count: int, start: int = 0) -> list[BadgeData]:
    return [
        BadgeData(
            token=f"code-{number}",
            given_names=NAMES[number % len(NAMES)][0],
            family_name=f"{NAMES[number % len(NAMES)][1]} {number:05d}",
            latin_name=f"PERSON {number:05d}",
            country_name="Djibouti",
            institution="Cabinet Office",
        )
        for number in range(start, start + count)
    ]


def selection(items: list[BadgeData], sheet: str = "4xa6") -> printing.Selection:
    return printing.Selection(event=EVENT, badges=items, summary={}, renderer=BadgeRenderer(EVENT, sheet))


def page_texts(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


# --- transient layouts ---------------------------------------------------------------------------


def test_a_name_laid_out_in_a_transient_block_does_not_stay_in_the_shared_cache() -> None:
    name = "Zebulon Quartermaine-Oyelaran 9471"
    before = _layout.cache_info().currsize
    with memo.transient():
        width = string_width(name, 10)
        assert string_width(name, 10) == width  # remembered inside the block
    assert _layout.cache_info().currsize == before
    assert string_width(name, 10) == pytest.approx(width)  # outside: cached as before
    assert _layout.cache_info().currsize == before + 1


def test_a_string_that_repeats_across_blocks_is_shared() -> None:
    country = "Republic of Testland 5521"
    before = _layout.cache_info().currsize
    with memo.transient():
        string_width(country, 10)
    assert _layout.cache_info().currsize == before
    with memo.transient():  # needed again soon after: it repeats, so it is kept
        string_width(country, 10)
    assert _layout.cache_info().currsize == before + 1


# --- joining PDFs ----------------------------------------------------------------------------------


def test_parts_are_joined_into_one_pdf_with_every_page_in_order() -> None:
    renderer = BadgeRenderer(EVENT, "a6")
    run = badges(7)
    buffer = io.BytesIO()
    joiner = PdfJoiner(buffer)
    assert [joiner.add(renderer.render(run[start : start + 3])) for start in (0, 3, 6)] == [3, 3, 1]
    joiner.close()
    pdf = buffer.getvalue()
    reader = PdfReader(io.BytesIO(pdf), strict=True)
    assert len(reader.pages) == joiner.pages == 7
    texts = page_texts(pdf)
    for number, text in enumerate(texts):
        assert f"{number:05d}" in text
    assert reader.metadata.title.startswith("Badges")
    # Each part embeds its own font subsets: their names differ from one part to the next.
    names = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].get_object().values():
            names.add(font.get_object()["/BaseFont"])
    subsets = {name for name in names if "+NotoSans-Regular" in name}
    assert len(subsets) == 3


def test_what_is_not_a_reportlab_pdf_is_refused() -> None:
    joiner = PdfJoiner(io.BytesIO())
    with pytest.raises(PdfJoinError):
        joiner.add(b"not a pdf")
    with pytest.raises(PdfJoinError):
        joiner.close()  # no pages


# --- the pool ------------------------------------------------------------------------------------


def test_worker_count_follows_the_setting_and_the_chunks(monkeypatch) -> None:
    settings = get_settings()
    monkeypatch.setattr(pool, "get_settings", lambda: dataclasses.replace(settings, render_processes=0))
    assert pool.worker_count(100) == pool.available_cpus()
    assert pool.worker_count(1) == 1
    monkeypatch.setattr(pool, "get_settings", lambda: dataclasses.replace(settings, render_processes=1))
    assert pool.worker_count(100) == 1
    monkeypatch.setattr(pool, "get_settings", lambda: dataclasses.replace(settings, render_processes=3))
    assert pool.worker_count(2) == 2


def test_chunks_are_whole_sheets_about_four_per_worker_and_never_too_large() -> None:
    assert pool.chunk_size(120, 2, largest=200, multiple=4) == 16
    assert pool.chunk_size(10_000, 2, largest=200, multiple=4) == 200
    assert pool.chunk_size(3, 2, largest=200, multiple=4) == 4
    assert pool.chunk_size(0, 1, largest=200, multiple=1) == 1


async def test_chunks_drawn_by_worker_processes_come_back_in_order() -> None:
    run = badges(10)
    chunks = [
        Chunk(event=EVENT, sheet="a6", crop_marks=False, badges=run[start : start + 2])
        for start in range(0, 10, 2)
    ]
    async with pool.mapped(render_chunk, chunks, workers=2) as results:
        pdfs = [pdf async for pdf in results]
    texts = [text for pdf in pdfs for text in page_texts(pdf)]
    assert [f"{number:05d}" in text for number, text in enumerate(texts)] == [True] * 10


# --- badge runs ----------------------------------------------------------------------------------


@pytest.mark.parametrize("workers", [1, 2])
async def test_a_run_is_one_pdf_whatever_the_number_of_workers(workers: int) -> None:
    run = badges(45)
    reports: list[tuple[int, int]] = []

    async def progress(done: int, total: int) -> None:
        reports.append((done, total))

    pdf = await printing.render_pdf(selection(run), progress, workers=workers)
    texts = page_texts(pdf)
    assert len(texts) == 12  # 45 badges, 4 to a sheet
    for number in range(45):
        assert f"{number:05d}" in texts[number // 4]
    assert reports[-1] == (45, 45)
    assert [done for done, _ in reports] == sorted({done for done, _ in reports})
    assert len(reports) > 2  # the bar moves between chunks


async def test_an_exception_from_progress_stops_the_pool_between_chunks() -> None:
    class Cancelled(Exception):
        pass

    reports: list[int] = []

    async def cancel_at_once(done: int, total: int) -> None:
        reports.append(done)
        raise Cancelled

    run = badges(400)
    with pytest.raises(Cancelled):
        await printing.render_pdf(selection(run, "a6"), cancel_at_once, workers=2)
    assert len(reports) == 1 and reports[0] < 400
    # The pool is gone and a new run works.
    assert len(page_texts(await printing.render_pdf(selection(badges(3), "a6"), workers=2))) == 3


async def test_a_zip_holds_entries_of_200_badges_drawn_in_parallel() -> None:
    run = badges(DEFAULT_CHUNK + 5)
    renderer = BadgeRenderer(EVENT, "a6")
    async with contextlib.aclosing(printing.zip_pieces(renderer, run, prefix="b", workers=2)) as pieces:
        data = b"".join([piece async for piece in pieces])
    archive = zipfile.ZipFile(io.BytesIO(data))
    assert archive.namelist() == ["b-001.pdf", "b-002.pdf"]
    assert [len(PdfReader(io.BytesIO(archive.read(name))).pages) for name in archive.namelist()] == [200, 5]


# --- signing identity ----------------------------------------------------------------------------


def test_the_identity_is_kept_until_the_key_is_rotated(tmp_path, monkeypatch) -> None:
    key_path, cert_path = signing.create_development_key(tmp_path / "letters")
    monkeypatch.setenv(signing.ENV_KEY, str(key_path))
    monkeypatch.setenv(signing.ENV_CERT, str(cert_path))
    signing.use_identity(None)
    try:
        first = signing.current_identity()
        assert signing.current_identity() is first  # built once, not per letter
        signing.create_development_key(tmp_path / "letters", force=True)  # rotated in place
        rotated = signing.current_identity()
        assert rotated is not first and rotated.sha256 != first.sha256
        assert signing.current_identity() is rotated
        other_key, other_cert = signing.create_development_key(tmp_path / "other")
        monkeypatch.setenv(signing.ENV_KEY, str(other_key))
        monkeypatch.setenv(signing.ENV_CERT, str(other_cert))
        assert signing.current_identity().sha256 not in (first.sha256, rotated.sha256)
        signing.use_identity(first)  # pinned: kept whatever the files say
        assert signing.current_identity() is first
    finally:
        signing.use_identity(None)
