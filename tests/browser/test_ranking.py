"""The ranking in a real browser: open it, change the period (htmx swap with JavaScript,
a plain GET form without), export it to Excel."""
import datetime as dt
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from portal.models import StageChange, UnitTarget
from tests.browser.conftest import browser_login, expect


@pytest.mark.parametrize("js_enabled", [True, False], indirect=True, ids=["js", "nojs"])
def test_open_ranking_change_period_and_export(live_server, page, org, make_project, js_enabled, tmp_path):
    for unit in ("county_a", "county_b", "department", "team"):  # the units assessed this year
        UnitTarget.create(year=2026, unit=org.units[unit], figure="signed_count", value=Decimal(4))
    project = make_project(name="Signed in Q1", unit="county_b", stage="signed", signed_on=dt.date(2026, 2, 3))
    StageChange.create(project=project, from_stage="negotiating", to_stage="signed", on_date=dt.date(2026, 2, 3),
                       by=org.users["bureau"])
    browser_login(page, "leader")
    page.goto("/ranking?period=2026")
    rows = page.locator("table.ranking tbody tr")
    expect(rows.first).to_contain_text("County B")
    assert rows.count() == 4  # two counties, the department and the team; towns are not ranked

    page.select_option("#period", "2026-Q3")
    page.click("form.filters button[type=submit]")
    expect(page.locator("#ranking-export")).to_have_attribute("href", "/ranking?period=2026-Q3&format=xlsx")
    assert "period=2026-Q3" in page.url
    # Nothing was signed in Q3: no unit scores, every unit shares the first place.
    expect(page.locator("table.ranking td.rank").first).to_have_text("1")
    assert set(page.locator("table.ranking td.rank").all_inner_texts()) == {"1"}

    page.select_option("#period", "2026-Q1")
    page.click("form.filters button[type=submit]")
    expect(page.locator("#ranking-export")).to_have_attribute("href", "/ranking?period=2026-Q1&format=xlsx")
    expect(rows.first).to_contain_text("County B")
    assert page.locator("table.ranking td.rank").all_inner_texts() == ["1", "2", "2", "2"]

    with page.expect_download() as download_info:
        page.click("#ranking-export")
    path = tmp_path / "ranking.xlsx"
    download_info.value.save_as(path)
    ws = load_workbook(path).active
    first = list(ws.iter_rows(min_row=4, max_row=4, values_only=True))[0]
    assert first[0] == 1 and first[1] == "County B" and first[5] == 1
    assert not page.js_errors, page.js_errors


def test_targets_row_saves_in_place(live_server, page, org):
    browser_login(page, "bureau")
    page.goto("/ranking/targets?year=2026")
    a = org.units["county_a"].id
    page.fill(f"#t-{a}-signed_count", "12")
    page.click(f"#targets-row-{a} button.row-save")
    expect(page.locator(f"#targets-row-{a} .saved")).to_be_visible()
    assert "/ranking/targets" in page.url
    assert UnitTarget.get(UnitTarget.unit == a, UnitTarget.figure == "signed_count").value == 12
    page.fill(f"#t-{a}-start_rate", "150")
    page.click(f"#targets-row-{a} button.row-save")
    expect(page.locator(f"#targets-row-{a} .error")).to_have_count(1)
    # htmx logs the (expected) 422 of a refused row; anything else is an error.
    assert not [e for e in page.js_errors if "Error Code 422" not in e], page.js_errors
