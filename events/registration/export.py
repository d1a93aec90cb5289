"""Registration lists as CSV or XLSX for organisers. Passport data never leaves masked."""

from __future__ import annotations

import csv
import io

from events.registration import schemas

COLUMNS = (
    "reference",
    "status",
    "channel",
    "family_name",
    "given_names",
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


def _cell(value) -> str | int | bool:
    if value is None:
        return ""
    if isinstance(value, list):
        return "; ".join(str(item) for item in value)
    if isinstance(value, bool | int):
        return value
    return str(getattr(value, "value", value))


def rows(items: list[schemas.Registration]) -> list[list]:
    return [[_cell(getattr(item, column)) for column in COLUMNS] for item in items]


def to_csv(items: list[schemas.Registration]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    writer.writerows(rows(items))
    return buffer.getvalue().encode("utf-8-sig")


def to_xlsx(items: list[schemas.Registration]) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("registrations")
    sheet.append(list(COLUMNS))
    for row in rows(items):
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
