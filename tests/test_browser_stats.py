"""A provincial supervisor opens the province dashboard, drills into a
kabupaten/kota and downloads a table as XLSX (real Chromium)."""

import io

import pytest
from openpyxl import load_workbook

from conftest import login
from stats.factories import edge_cases, ensure_districts, make_case
from stats.rollup import rebuild, take_snapshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def figures(orgs, alice):
    ensure_districts()
    edge_cases(orgs, alice)
    make_case(orgs["samarinda"], category="PMKS24", priority="urgent")
    take_snapshot()
    rebuild(trigger="test")


def table_cells(page, key: str) -> list[list[str]]:
    return page.eval_on_selector(
        f'table[data-table="{key}"]',
        """table => Array.from(table.rows).map(
            row => Array.from(row.cells).map(cell => cell.innerText.trim()))""",
    )


def test_a_provincial_supervisor_drills_down_and_downloads_xlsx(page, prov, figures):
    login(page, "prov")
    page.goto(f"{page.base_url}/statistik/")
    assert page.url.endswith("/statistik/provinsi/")
    assert "Dasbor PMKS Provinsi Kalimantan Timur" in page.locator("h1").inner_text()
    assert "Data per" in page.get_by_test_id("freshness").inner_text()
    assert page.get_by_test_id("headline-open_cases").locator(".value").inner_text() == "7"
    # The charts are drawn by the vendored Chart.js.
    assert page.evaluate("() => !!Chart.getChart(document.getElementById('chart-trend'))")

    page.locator('table[data-table="by_area"]').get_by_role("link", name="Kota Samarinda").click()
    page.wait_for_url("**/statistik/kabupaten/64.72/")
    assert "Kota Samarinda" in page.locator("h1").inner_text()
    shown = table_cells(page, "by_area")
    assert "Palaran" in [row[1] for row in shown]

    with page.expect_download() as download:
        page.get_by_test_id("xlsx-by_area").click()
    assert download.value.suggested_filename == "statistik-6472-by_area-12m.xlsx"
    workbook = load_workbook(io.BytesIO(open(download.value.path(), "rb").read()))  # noqa: SIM115
    rows = [
        ["–" if value is None else str(value) for value in row]  # the page's empty cell
        for row in workbook.worksheets[0].iter_rows(values_only=True)
    ]
    assert rows == shown


def test_the_dashboard_fits_a_phone_screen(page, prov, figures):
    page.set_viewport_size({"width": 390, "height": 844})
    login(page, "prov")
    page.goto(f"{page.base_url}/statistik/provinsi/")
    # Wide tables scroll inside their box; the page itself does not scroll sideways.
    wide = page.evaluate(
        """() => Array.from(document.querySelectorAll('body *'))
            .filter(e => e.getBoundingClientRect().right > 391 && !e.closest('.table-wrap'))
            .map(e => e.tagName + '.' + e.className).slice(0, 5)"""
    )
    assert wide == []
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    assert page.locator("canvas#chart-by_area").bounding_box()["width"] <= 390
