"""Bulk import of registrations from CSV or XLSX (lists sent by ministries and partners).

Every row is validated and reported (created / updated / rejected with the reasons). The whole
import runs in one transaction with a savepoint per row, so a failing row leaves no trace, a
dry run is the real run rolled back, and ``atomic`` imports nothing unless every row is good.
"""

from __future__ import annotations

import csv
import io
import zipfile
from typing import Any

import msgspec

from events.auth.principal import Actor
from events.db import get_engine, write_transaction
from events.errors import DomainError, InvalidInput, PermissionDenied
from events.registration import schemas, services
from events.registration.tables import ACTIVE_STATUSES, Channel, Registration

MAX_ROWS = 5000
MAX_BYTES = 10 * 1024 * 1024
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
KNOWN_COLUMNS = set(schemas.RegistrationCreate.__struct_fields__) - {"invitation_token"}


class _DryRun(Exception):
    """Raised to roll the import back after reporting."""


def read_table(content: bytes, filename: str = "") -> list[dict[str, str]]:
    """Rows of a CSV (UTF-8, comma or semicolon) or XLSX file as dicts keyed by lower-case headers."""
    if not content:
        raise InvalidInput.field("file", "the file is empty")
    if len(content) > MAX_BYTES:
        raise InvalidInput.field("file", f"the file is larger than {MAX_BYTES // (1024 * 1024)} MB")
    if content[:4] == b"PK\x03\x04":
        rows = _read_xlsx(content)
    elif filename.lower().endswith((".xlsx", ".xls", ".xlsm", ".pdf", ".docx")) or b"\x00" in content[:4096]:
        raise InvalidInput.field("file", "send a CSV (UTF-8) or an XLSX file")
    else:
        rows = _read_csv(content)
    if not rows:
        raise InvalidInput.field("file", "the file has a header but no rows")
    missing = [column for column in REQUIRED_COLUMNS if column not in rows[0]]
    if missing:
        raise InvalidInput.field("file", f"missing columns: {', '.join(missing)}")
    if len(rows) > MAX_ROWS:
        raise InvalidInput.field("file", f"more than {MAX_ROWS} rows; split the file")
    return rows


def _header(cells: list[Any]) -> list[str]:
    return [str(cell or "").strip().lower().replace(" ", "_") for cell in cells]


def _read_csv(content: bytes) -> list[dict[str, str]]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInput.field("file", "the CSV file is not UTF-8; save it as 'CSV UTF-8'") from exc
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    lines = [line for line in reader if any(cell.strip() for cell in line)]
    if not lines:
        raise InvalidInput.field("file", "the file is empty")
    header = _header(lines[0])
    return [dict(zip(header, (cell.strip() for cell in line), strict=False)) for line in lines[1:]]


def _read_xlsx(content: bytes) -> list[dict[str, str]]:
    import datetime

    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise InvalidInput.field("file", "this is not a readable XLSX file") from exc
    sheet = workbook.worksheets[0]
    lines = [
        list(row) for row in sheet.iter_rows(values_only=True) if any(cell not in (None, "") for cell in row)
    ]
    workbook.close()
    if not lines:
        raise InvalidInput.field("file", "the sheet is empty")
    header = _header(lines[0])

    def text(cell: Any) -> str:
        if cell is None:
            return ""
        if isinstance(cell, datetime.datetime):
            return cell.date().isoformat() if cell.time() == datetime.time() else cell.isoformat()
        if isinstance(cell, datetime.date):
            return cell.isoformat()
        if isinstance(cell, float) and cell.is_integer():
            return str(int(cell))
        return str(cell).strip()

    return [dict(zip(header, (text(cell) for cell in line), strict=False)) for line in lines[1:]]


def _row_to_create(row: dict[str, str], consent_collected: bool) -> schemas.RegistrationCreate:
    values: dict[str, Any] = {}
    for key, value in row.items():
        if key not in KNOWN_COLUMNS or value == "":
            continue
        if key in LIST_COLUMNS:
            values[key] = [item.strip() for item in value.replace(",", ";").split(";") if item.strip()]
        else:
            values[key] = value
    if "consent" not in values:
        values["consent"] = consent_collected
    return msgspec.convert(values, schemas.RegistrationCreate, strict=False)


async def import_registrations(
    actor: Actor,
    event_id: int,
    rows: list[dict[str, str]],
    *,
    dry_run: bool,
    atomic: bool,
    consent_collected: bool,
) -> schemas.ImportReport:
    if not actor.organises(event_id):
        raise PermissionDenied("Only organisers of this event import registrations")
    report: list[schemas.ImportRowReport] = []
    committed = False
    try:
        async with write_transaction():
            transaction = get_engine().current_transaction.get()
            seen: set[str] = set()
            for number, row in enumerate(rows, start=2):
                email = (row.get("email") or "").strip().lower() or None
                if email and email in seen:
                    report.append(
                        schemas.ImportRowReport(number, "rejected", email, None, ["duplicate e-mail in file"])
                    )
                    continue
                if email:
                    seen.add(email)
                savepoint = await transaction.savepoint()
                try:
                    outcome, registration_id = await _import_row(actor, event_id, row, consent_collected)
                except (msgspec.ValidationError, DomainError) as exc:
                    await savepoint.rollback_to()
                    report.append(schemas.ImportRowReport(number, "rejected", email, None, _reasons(exc)))
                    continue
                await savepoint.release()
                report.append(schemas.ImportRowReport(number, outcome, email, registration_id, []))
            rejected = sum(1 for r in report if r.outcome == "rejected")
            if dry_run or (atomic and rejected):
                raise _DryRun
            committed = True
    except _DryRun:
        committed = False
    counts = {
        outcome: sum(1 for r in report if r.outcome == outcome)
        for outcome in ("created", "updated", "rejected")
    }
    return schemas.ImportReport(dry_run=dry_run, atomic=atomic, committed=committed, rows=report, **counts)


def _reasons(exc: Exception) -> list[str]:
    if isinstance(exc, DomainError) and exc.errors:
        return [f"{error.field}: {error.message}" for error in exc.errors]
    if isinstance(exc, DomainError):
        return [exc.detail]
    return [str(exc).replace("$.", "")]


async def _import_row(
    actor: Actor, event_id: int, row: dict[str, str], consent_collected: bool
) -> tuple[str, int]:
    data = _row_to_create(row, consent_collected)
    existing = (
        await Registration.select(Registration.id)
        .where(
            Registration.event == event_id,
            Registration.email == data.email.strip().lower(),
            Registration.status.is_in([s.value for s in ACTIVE_STATUSES]),
        )
        .first()
    )
    if existing is None:
        submitted = await services.submit(data, event_id=event_id, channel=Channel.import_, actor=actor)
        return "created", submitted.registration.id
    fields = {
        name: getattr(data, name)
        for name in schemas.RegistrationUpdate.__struct_fields__
        if name in row and row[name] != "" and name != "session_ids"
    }
    await services.update(actor, existing["id"], schemas.RegistrationUpdate(**fields))
    return "updated", existing["id"]
