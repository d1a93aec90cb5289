"""Importing a sheet from the console in chromium, at 390 px: upload, the job's progress, the report."""

from __future__ import annotations

import re

import pytest

from tests.browser.console import PHONE, organiser_page
from tests.browser.layout import assert_fits, axe_check

pytestmark = pytest.mark.browser

SHEET = (
    "given_names,family_name,email,gender,nationality,country_represented,institution,level,consent\n"
    "Thị Minh Khai,Nguyễn,khai.import@example.vn,female,VNM,VNM,Bộ Nội vụ,high,yes\n"
    "Ana,Silva,not-an-address,female,BRA,BRA,Ministério,mid,yes\n"
    "Aigul,Toktogulova,aigul.import@example.kg,female,KGZ,KGZ,Ministry,mid,yes\n"
)


async def test_an_organiser_checks_a_sheet_from_a_phone(server, new_page, tmp_path):
    page = await organiser_page(server, new_page, viewport=PHONE)
    await page.goto(f"{server.url}/organiser/events/{server.event_id}/registrations")
    await page.click("text=Import a sheet")
    await page.wait_for_url(re.compile(r"/registrations/import$"))
    await assert_fits(page)
    await axe_check(page)

    sheet = tmp_path / "delegation.csv"
    sheet.write_text(SHEET, encoding="utf-8")
    await page.set_input_files("#field-file", str(sheet))
    await page.check("#field-dry_run")  # check only: the shared seeded event stays as it is
    await page.click("button:has-text('Import')")
    await page.wait_for_url(re.compile(r"/organiser/jobs/\d+$"))
    # console.js follows the job and reloads the page when it ends.
    await page.get_by_role("link", name="See the result").click(timeout=30_000)
    await page.wait_for_url(re.compile(r"/registrations/import/\d+$"))
    assert "nothing was imported" in await page.locator(".notice").inner_text()
    outcomes = await page.locator("table.import-report tbody tr").evaluate_all(
        "rows => rows.map(row => [row.cells[0].innerText.trim(), row.className])"
    )
    assert [(number, kind.rsplit("--", 1)[1]) for number, kind in outcomes] == [
        ("2", "created"),
        ("3", "rejected"),
        ("4", "created"),
    ]
    await assert_fits(page)
    await axe_check(page)
