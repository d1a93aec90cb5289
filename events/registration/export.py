"""Registration lists as CSV or XLSX for organisers. Passport data never leaves masked.

Names and institutions are typed by participants, so a cell may start like a spreadsheet formula
(``=HYPERLINK(…)``, ``@SUM(…)``). The XLSX file stores every text as text; the CSV file prefixes such
cells with an apostrophe (OWASP's advice against CSV injection), except plain numbers such as an
E.164 phone number.
"""

from __future__ import annotations

import csv
import datetime
import io
import re

from events.registration import schemas

COLUMNS = (
    "reference",
    "status",
    "channel",
    "family_name",
    "given_names",
    "latin_name",
    "preferred_name",
    "email",
    "phone",
    "gender",
    "nationality",
    "country_represented",
    "country_groups",
    "institution",
    "position",
    "level",
    "sector",
    "government_level",
    "preferred_language",
    "needs_visa",
    "passport_expiry",
    "warnings",
    "arrival_at",
    "departure_at",
    "funding_requested",
    "accessibility",
    "accessibility_other",
    "dietary",
    "self_identification",
    "sessions",
    "waitlist_position",
    "created_at",
)


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?\d[\d ]*")


def _cell(value) -> str | int | bool:
    if value is None:
        return ""
    if isinstance(value, list):
        return "; ".join(str(item) for item in value)
    if isinstance(value, bool | int):
        return value
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(getattr(value, "value", value))


def rows(items: list[schemas.Registration]) -> list[list]:
    return [[_cell(getattr(item, column)) for column in COLUMNS] for item in items]


def _csv_safe(value: str | int | bool) -> str | int | bool:
    if isinstance(value, str) and value.startswith(_FORMULA_START) and not _PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


def to_csv(items: list[schemas.Registration]) -> bytes:
    return table_csv(COLUMNS, rows(items))


def to_xlsx(items: list[schemas.Registration]) -> bytes:
    return table_xlsx([("registrations", COLUMNS, rows(items))])


def table_csv(header, body) -> bytes:
    """Any table as CSV (UTF-8 with a BOM, for spreadsheets), its text cells made safe."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([_csv_safe(value) for value in header])
    writer.writerows([_csv_safe(value) for value in row] for row in body)
    return buffer.getvalue().encode("utf-8-sig")


def table_xlsx(sheets) -> bytes:
    """Tables as an XLSX workbook: (sheet name, header, rows) each; every text stored as text."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    workbook = Workbook(write_only=True)
    for name, header, body in sheets:
        sheet = workbook.create_sheet(name[:31])

        def text_cell(value: str | int | bool, sheet=sheet):
            if not isinstance(value, str):
                return value
            # Control characters are not allowed in XLSX: openpyxl refuses the whole file.
            value = ILLEGAL_CHARACTERS_RE.sub("", value)
            if not value.startswith("="):
                return value
            cell = WriteOnlyCell(sheet, value=value)
            cell.data_type = "s"  # openpyxl would store "=…" as a formula
            return cell

        sheet.append([text_cell(value) for value in header])
        for row in body:
            sheet.append([text_cell(value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
