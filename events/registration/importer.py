"""Bulk import of registrations from CSV or XLSX (lists sent by ministries and partners).

Every row is validated and reported (created / updated / rejected with the reasons), each in a
savepoint, so a failing row leaves no trace. A dry run is the real run in one transaction rolled
back, and ``atomic`` imports nothing unless every row is good (one transaction too); any other import
commits ``CHUNK_ROWS`` rows at a time, so a large sheet does not hold the database's writers and a
job (``events.registration.jobs``) can report progress and stop between chunks.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
import zipfile
from collections.abc import Awaitable, Callable
from typing import Any

import msgspec

from events.auth.principal import Actor
from events.db import get_engine, write_transaction
from events.errors import DomainError, InvalidInput, PermissionDenied, field_errors, is_missing
from events.programme import services as programme_services
from events.registration import editing, schemas, submission
from events.registration.tables import ACTIVE_STATUSES, Channel, Registration
from events.registration.validation import normalise_email

MAX_ROWS = 5000
MAX_COLUMNS = 100
MAX_BYTES = 10 * 1024 * 1024
#: What an XLSX may unpack to, checked in the zip's directory before anything is decompressed: a sheet
#: of MAX_ROWS rows is a few MB of XML, a zip bomb is hundreds of MB from a few.
MAX_UNCOMPRESSED_BYTES = 64 * 1024 * 1024
MAX_COMPRESSION_RATIO = 100
_RATIO_CHECKED_FROM_BYTES = 1024 * 1024  # small parts (styles, an empty sheet) compress far better
REQUIRED_COLUMNS = (
    "given_names",
    "family_name",
    "email",
    "gender",
    "nationality",
    "country_represented",
    "institution",
    "level",
)
LIST_COLUMNS = ("accessibility", "self_identification", "session_ids")
BOOLEAN_COLUMNS = ("consent", "needs_visa", "funding_requested")
DATETIME_COLUMNS = ("arrival_at", "departure_at")
KNOWN_COLUMNS = set(schemas.RegistrationCreate.__struct_fields__) - {"invitation_token"}
#: Key under which the readers keep each row's line (CSV) or row number (XLSX) in the file,
#: so that the report points at the line the organiser sees, whatever blank lines came before.
ROW_KEY = "_row"
_TRUE = {"yes", "y", "true", "1"}
_FALSE = {"no", "n", "false", "0"}


class _DryRun(Exception):
    """Raised to roll the import back after reporting."""


def refuse_utf16(content: bytes) -> None:
    """A UTF-16 text (Excel's 'Unicode Text', some exports) is refused saying how to save it, before
    its NUL bytes make it look like a binary file."""
    if content[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise InvalidInput.field("file", "the CSV file is UTF-16; save it as 'CSV UTF-8'")


def read_table(content: bytes, filename: str = "") -> list[dict[str, str]]:
    """Rows of a CSV (UTF-8, comma or semicolon) or XLSX file as dicts keyed by lower-case headers."""
    if not content.strip():
        raise InvalidInput.field("file", "the file is empty")
    if len(content) > MAX_BYTES:
        raise InvalidInput.field("file", f"the file is larger than {MAX_BYTES // (1024 * 1024)} MB")
    refuse_utf16(content)
    if content[:4] == b"PK\x03\x04":
        header, rows = _read_xlsx(content)
    elif (
        content[:5] == b"%PDF-"
        or filename.lower().endswith((".xlsx", ".xls", ".xlsm", ".pdf", ".docx", ".doc", ".ods"))
        or b"\x00" in content  # binary; and PostgreSQL refuses NUL in text
    ):
        raise InvalidInput.field("file", "this is not a CSV or XLSX file; send a CSV (UTF-8) or an XLSX file")
    else:
        header, rows = _read_csv(content)
    missing = [column for column in REQUIRED_COLUMNS if column not in header]
    if missing:
        raise InvalidInput.field("file", f"missing columns: {', '.join(missing)}")
    if not rows:
        raise InvalidInput.field("file", "the file has a header but no rows")
    if len(rows) > MAX_ROWS:
        raise InvalidInput.field("file", f"more than {MAX_ROWS} rows; split the file")
    return rows


def _header(cells: list[Any]) -> list[str]:
    return [str(cell or "").strip().lower().replace(" ", "_") for cell in cells]


def _record(header: list[str], cells: list[str], number: int) -> dict[str, str]:
    """One row keyed by the header; short rows are padded, so every header column is present."""
    record = dict(zip(header, [*cells, *[""] * (len(header) - len(cells))], strict=False))
    record.pop("", None)
    record[ROW_KEY] = str(number)
    return record


def _delimiter(text: str) -> str:
    """The delimiter of the header line: the column names never contain one, unlike the cells."""
    first = next((line for line in io.StringIO(text) if line.strip()), "")
    counts = {delimiter: first.count(delimiter) for delimiter in (",", ";", "\t")}
    best = max(counts, key=lambda delimiter: counts[delimiter])
    if counts[best]:
        return best
    try:
        return csv.Sniffer().sniff(text[:4096], delimiters=",;\t").delimiter
    except csv.Error:
        return ","


def _read_csv(content: bytes) -> tuple[list[str], list[dict[str, str]]]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInput.field("file", "the CSV file is not UTF-8; save it as 'CSV UTF-8'") from exc
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    lines: list[tuple[int, list[str]]] = []
    try:
        start = 1
        for line in reader:
            if any(cell.strip() for cell in line):
                lines.append((start, [cell.strip() for cell in line]))
            start = reader.line_num + 1
    except csv.Error as exc:
        raise InvalidInput.field(
            "file", f"the CSV file cannot be read near line {reader.line_num}: {exc}"
        ) from exc
    if not lines:
        raise InvalidInput.field("file", "the file is empty")
    header = _header(lines[0][1])
    return header, [_record(header, cells, number) for number, cells in lines[1:]]


def _refuse_zip_bombs(content: bytes, unreadable: str) -> None:
    """Judge the archive by its central directory, before openpyxl decompresses a byte of it.

    The sizes are the ones the archive declares; ``zipfile`` never inflates a member past its declared
    size (it fails the CRC instead), so they bound the work that follows.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise InvalidInput.field("file", unreadable) from exc
    if sum(member.file_size for member in members) > MAX_UNCOMPRESSED_BYTES:
        raise InvalidInput.field(
            "file", f"the XLSX file unpacks to more than {MAX_UNCOMPRESSED_BYTES // (1024 * 1024)} MB"
        )
    for member in members:
        ratio = member.file_size / max(member.compress_size, 1)
        if member.file_size > _RATIO_CHECKED_FROM_BYTES and ratio > MAX_COMPRESSION_RATIO:
            raise InvalidInput.field(
                "file",
                f"the XLSX file is compressed more than {MAX_COMPRESSION_RATIO} to 1 ({member.filename});"
                " this is not a spreadsheet",
            )


def _sheet_lines(sheet: Any) -> list[tuple[int, list[Any]]]:
    """The non-empty rows, read as a stream with the limits applied while reading.

    The sheet's declared dimension is ignored (a 2 kB file may claim ``A1:XFD1048576``, and openpyxl
    would pad every row to it), and cells right of column ``MAX_COLUMNS`` are not read.
    """
    sheet.reset_dimensions()
    lines: list[tuple[int, list[Any]]] = []
    for number, row in enumerate(sheet.iter_rows(max_col=MAX_COLUMNS + 1, values_only=True), start=1):
        if not any(cell not in (None, "") for cell in row):
            continue
        if not lines and row[MAX_COLUMNS] not in (None, ""):
            raise InvalidInput.field("file", f"more than {MAX_COLUMNS} columns")
        if len(lines) > MAX_ROWS:  # the header and MAX_ROWS rows are read already
            raise InvalidInput.field("file", f"more than {MAX_ROWS} rows; split the file")
        lines.append((number, list(row[:MAX_COLUMNS])))
    return lines


def _read_xlsx(content: bytes) -> tuple[list[str], list[dict[str, str]]]:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    unreadable = "this is not a readable XLSX file; send a CSV (UTF-8) or an XLSX file"
    _refuse_zip_bombs(content, unreadable)
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, ValueError, OSError) as exc:
        raise InvalidInput.field("file", unreadable) from exc
    try:
        if not workbook.worksheets:
            raise InvalidInput.field("file", unreadable)
        lines = _sheet_lines(workbook.worksheets[0])
    except (zipfile.BadZipFile, KeyError, ValueError, TypeError, OSError) as exc:
        raise InvalidInput.field("file", unreadable) from exc
    finally:
        workbook.close()
    if not lines:
        raise InvalidInput.field("file", "the sheet is empty")
    header = _header(lines[0][1])

    def text(cell: Any) -> str:
        if cell is None:
            return ""
        if isinstance(cell, datetime.datetime):
            return cell.date().isoformat() if cell.time() == datetime.time() else cell.isoformat()
        if isinstance(cell, datetime.date):
            return cell.isoformat()
        if isinstance(cell, bool):
            return "true" if cell else "false"
        if isinstance(cell, float) and cell.is_integer():
            return str(int(cell))
        return str(cell).strip()

    return header, [_record(header, [text(cell) for cell in cells], number) for number, cells in lines[1:]]


def _row_to_create(row: dict[str, str], consent_collected: bool) -> schemas.RegistrationCreate:
    values: dict[str, Any] = {}
    for key, value in row.items():
        if key not in KNOWN_COLUMNS or value == "":
            continue
        if key in LIST_COLUMNS:
            values[key] = [item.strip() for item in value.replace(",", ";").split(";") if item.strip()]
        elif key in BOOLEAN_COLUMNS and value.strip().lower() in _TRUE | _FALSE:
            values[key] = value.strip().lower() in _TRUE
        elif key in DATETIME_COLUMNS:
            values[key] = _datetime(value)
        else:
            values[key] = value
    if "consent" not in values:
        values["consent"] = consent_collected
    return msgspec.convert(values, schemas.RegistrationCreate, strict=False)


def _datetime(value: str) -> str:
    """Accept what spreadsheets write ("2027-10-11 14:00"); the service reads it in the event's zone."""
    try:
        return datetime.datetime.fromisoformat(value.strip()).isoformat()
    except ValueError:
        return value


#: A real import that is neither a dry run nor atomic commits this many rows at a time: other writers
#: (and, on SQLite, the rest of the process) are not held up by a 5,000-row sheet, and a job reports
#: its progress and sees a cancel between chunks.
CHUNK_ROWS = 25

#: ``step(done, total, inside)``, awaited between rows: ``inside`` is True inside the import's open
#: transaction (there it may read, not write), False between committed chunks. It may raise to stop
#: the import (a cancelled job): committed chunks stay, an open transaction is rolled back.
Step = Callable[[int, int, bool], Awaitable[None]]


async def _no_step(done: int, total: int, inside: bool) -> None:
    return None


async def import_registrations(
    actor: Actor,
    event_id: int,
    rows: list[dict[str, str]],
    *,
    dry_run: bool,
    atomic: bool,
    consent_collected: bool,
    step: Step = _no_step,
) -> schemas.ImportReport:
    """Import ``rows``; a dry run or an atomic import is one transaction (rolled back when it is a
    dry run, or when a row fails and ``atomic``); any other import commits ``CHUNK_ROWS`` at a time."""
    if not actor.organises(event_id):
        raise PermissionDenied("Only organisers of this event import registrations")
    await programme_services.get_event_row(event_id)  # 404 for the whole file, not a reason per row
    report: list[schemas.ImportRowReport] = []
    seen: dict[str, int] = {}
    one_transaction = dry_run or atomic
    chunk = (len(rows) or 1) if one_transaction else CHUNK_ROWS
    committed = False
    try:
        for first in range(0, len(rows), chunk):
            await step(first, len(rows), False)
            async with write_transaction():
                transaction = get_engine().current_transaction.get()
                for position in range(first, min(first + chunk, len(rows))):
                    if position > first:
                        await step(position, len(rows), True)
                    await _import_one(
                        actor,
                        event_id,
                        rows[position],
                        position + 2,
                        transaction,
                        seen,
                        report,
                        consent_collected,
                    )
                rejected = sum(1 for r in report if r.outcome == "rejected")
                if dry_run or (atomic and rejected):
                    raise _DryRun
                committed = True
        await step(len(rows), len(rows), False)
    except _DryRun:
        committed = False
    if not committed:
        # Rolled back: the ids were never written (and SQLite may hand them out again).
        for row in report:
            row.registration_id = None
    counts = {
        outcome: sum(1 for r in report if r.outcome == outcome)
        for outcome in ("created", "updated", "rejected")
    }
    return schemas.ImportReport(dry_run=dry_run, atomic=atomic, committed=committed, rows=report, **counts)


async def _import_one(
    actor: Actor,
    event_id: int,
    row: dict[str, str],
    position: int,
    transaction: Any,
    seen: dict[str, int],
    report: list[schemas.ImportRowReport],
    consent_collected: bool,
) -> None:
    """One row in a savepoint of the open transaction; its outcome appended to ``report``."""
    number = int(row.get(ROW_KEY) or position)
    email = normalise_email(row.get("email") or "") or None
    if email and email in seen:
        reason = f"email: {email} appears more than once in this file (first on row {seen[email]})"
        report.append(schemas.ImportRowReport(number, "rejected", email, None, [reason]))
        return
    if email:
        seen[email] = number
    savepoint = await transaction.savepoint()
    try:
        outcome, registration_id = await _import_row(actor, event_id, row, consent_collected)
    except (msgspec.ValidationError, DomainError) as exc:
        await savepoint.rollback_to()
        report.append(schemas.ImportRowReport(number, "rejected", email, None, _reasons(exc)))
        return
    await savepoint.release()
    report.append(schemas.ImportRowReport(number, outcome, email, registration_id, []))


_LENGTH = re.compile(r"^Expected `str` of length (?P<op><=|>=) (?P<n>\d+)$")
_FORMATS = {
    "email": "is not an e-mail address",
    "passport_number": "must be 5-20 letters and digits",
    "preferred_language": "must be one of en, fr, es, ar, ru, zh",
}
_CHOICES = {
    "gender": schemas.Gender,
    "level": schemas.Level,
    "government_level": schemas.GovernmentLevel,
    "accessibility": schemas.AccessibilityNeed,
    "self_identification": schemas.ReportingGroup,
}


def _validation_reason(exc: msgspec.ValidationError) -> str:
    """msgspec's message as ``field: what is wrong``, in words an organiser can act on."""
    (error,) = field_errors(exc)
    if is_missing(error):
        return f"{error.field}: is required"
    if not error.field:
        return error.message
    path, message = error.field, error.message
    field = path.split("[", 1)[0]
    length = _LENGTH.match(message)
    if length and length.group("op") == ">=" and length.group("n") == "1":
        message = "must not be empty"
    elif length:
        message = f"must be {'at most' if length.group('op') == '<=' else 'at least'} {length.group('n')} characters"
    elif message.startswith("Expected `str` matching regex"):
        message = _FORMATS.get(field, "does not have the expected format")
    elif message.startswith("Invalid enum value") and field in _CHOICES:
        choices = ", ".join(choice.value for choice in _CHOICES[field])
        message = f"{message.removeprefix('Invalid enum value ')} is not one of {choices}"
    elif message.startswith("Expected `bool`"):
        message = "must be true or false (yes or no)"
    elif message == "Invalid RFC3339 encoded date" or message.startswith("Expected `date`"):
        message = "must be a date written YYYY-MM-DD"
    elif message == "Invalid RFC3339 encoded datetime" or message.startswith("Expected `datetime`"):
        message = "must be a date and time written YYYY-MM-DD HH:MM"
    return f"{path}: {message}"


def _reasons(exc: Exception) -> list[str]:
    if isinstance(exc, DomainError) and exc.errors:
        return [f"{error.field}: {error.message}" for error in exc.errors]
    if isinstance(exc, DomainError):
        return [exc.detail]
    return [_validation_reason(exc)]


async def _import_row(
    actor: Actor, event_id: int, row: dict[str, str], consent_collected: bool
) -> tuple[str, int]:
    data = _row_to_create(row, consent_collected)
    existing = (
        await Registration.select(Registration.id)
        .where(
            Registration.event == event_id,
            Registration.email == normalise_email(data.email),
            Registration.status.is_in([s.value for s in ACTIVE_STATUSES]),
        )
        .first()
    )
    if existing is None:
        submitted = await submission.submit(data, event_id=event_id, channel=Channel.import_, actor=actor)
        return "created", submitted.registration.id
    fields = {
        name: getattr(data, name)
        for name in schemas.RegistrationUpdate.__struct_fields__
        if name in row and row[name] != "" and name != "session_ids"
    }
    await editing.update(actor, existing["id"], schemas.RegistrationUpdate(**fields))
    return "updated", existing["id"]
