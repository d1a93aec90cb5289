"""Imports that cannot stall the service: hostile XLSX files are refused or read cheaply, off the event loop."""

from __future__ import annotations

import asyncio
import io
import threading
import time
import zipfile

import pytest
from openpyxl import Workbook

from events.errors import InvalidInput
from events.registration import importer
from tests.test_registration_import_export import PEOPLE, csv_bytes, upload, xlsx_bytes

#: Generous: these files are read in milliseconds now and took 20-30 s (or minutes) before.
QUICKLY = 5.0
SHEET = "xl/worksheets/sheet1.xml"


def _rewritten(content: bytes, name: str, change) -> bytes:
    """The XLSX with one member's bytes replaced by ``change(old bytes)``, the rest copied as is."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(content)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as copy,
    ):
        for member in source.infolist():
            data = source.read(member)
            copy.writestr(member.filename, change(data) if member.filename == name else data)
    return out.getvalue()


def _padded_sheet(megabytes: int) -> bytes:
    """A real XLSX whose sheet carries ``megabytes`` MB of blank space: kilobytes once deflated."""
    padding = b" " * (megabytes * 1024 * 1024)
    return _rewritten(
        xlsx_bytes(PEOPLE), SHEET, lambda xml: xml.replace(b"<sheetData>", b"<sheetData>" + padding)
    )


def _refusal(content: bytes) -> tuple[str, float]:
    started = time.monotonic()
    with pytest.raises(InvalidInput) as refused:
        importer.read_table(content, "bomb.xlsx")
    return refused.value.errors[0].message, time.monotonic() - started


def test_a_sparse_sheet_with_a_huge_cell_range_is_read_without_padding_it():
    workbook = Workbook()
    sheet = workbook.active
    header = list(PEOPLE[0])
    sheet.append(header)
    for person in PEOPLE:
        sheet.append([person[name] for name in header])
    sheet.cell(row=20000, column=16384, value="x")  # the sheet now spans A1:XFD20000
    buffer = io.BytesIO()
    workbook.save(buffer)
    content = buffer.getvalue()
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        assert b'<dimension ref="A1:XFD20000"/>' in archive.read(SHEET)
    started = time.monotonic()
    rows = importer.read_table(content, "sparse.xlsx")
    assert time.monotonic() - started < QUICKLY
    assert [row["email"] for row in rows] == [person["email"] for person in PEOPLE]


def test_an_archive_that_unpacks_to_more_than_the_cap_is_refused_before_it_is_opened():
    message, seconds = _refusal(_padded_sheet(importer.MAX_UNCOMPRESSED_BYTES // (1024 * 1024) + 16))
    assert message == "the XLSX file unpacks to more than 64 MB"
    assert seconds < QUICKLY


def test_a_member_compressed_beyond_any_spreadsheet_is_refused():
    message, seconds = _refusal(_padded_sheet(8))
    assert (
        message
        == "the XLSX file is compressed more than 100 to 1 (xl/worksheets/sheet1.xml); this is not a spreadsheet"
    )
    assert seconds < QUICKLY


def test_columns_beyond_the_limit_are_refused_while_reading():
    people = [{**person, **{f"extra_{n}": "" for n in range(importer.MAX_COLUMNS)}} for person in PEOPLE]
    with pytest.raises(InvalidInput) as refused:
        importer.read_table(xlsx_bytes(people), "wide.xlsx")
    assert refused.value.errors[0].message == f"more than {importer.MAX_COLUMNS} columns"


def test_rows_beyond_the_limit_are_refused(monkeypatch):
    monkeypatch.setattr(importer, "MAX_ROWS", 3)
    with pytest.raises(InvalidInput) as refused:
        importer.read_table(xlsx_bytes(PEOPLE), "long.xlsx")
    assert refused.value.errors[0].message == "more than 3 rows; split the file"


async def test_the_service_answers_while_an_import_is_parsed(client, event, event_organiser, monkeypatch):
    """The parse runs in a worker thread: /health answers while it is still going on."""
    parsing, health_answered = threading.Event(), threading.Event()
    read_table = importer.read_table
    parse_threads: list[threading.Thread] = []

    def slow_read_table(content: bytes, filename: str = "") -> list[dict[str, str]]:
        parse_threads.append(threading.current_thread())
        parsing.set()
        health_answered.wait(timeout=10)  # on the event loop, this would hold /health back 10 s
        return read_table(content, filename)

    monkeypatch.setattr(importer, "read_table", slow_read_table)
    importing = asyncio.create_task(
        upload(client, event.id, csv_bytes(PEOPLE), event_organiser, dry_run=True)
    )
    for _ in range(200):
        if parsing.is_set():
            break
        await asyncio.sleep(0.025)
    started = time.monotonic()
    health = await client.get("/health")
    seconds = time.monotonic() - started
    health_answered.set()
    response = await importing
    assert health.status_code == 200
    assert seconds < 2.0
    assert parse_threads and parse_threads[0] is not threading.main_thread()
    assert response.status_code == 200, response.text
    assert response.json()["created"] == len(PEOPLE)
