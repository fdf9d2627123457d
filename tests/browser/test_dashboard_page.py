"""The dashboard in a real browser: open it, change the period (htmx swap with JavaScript,
a plain GET form without), and follow a number to the list of projects behind it."""
import datetime as dt
from decimal import Decimal

import pytest

from portal.models import StageChange
from tests.browser.conftest import browser_login, expect


@pytest.mark.parametrize("js_enabled", [True, False], indirect=True, ids=["js", "nojs"])
def test_open_dashboard_change_period_follow_a_number(live_server, page, org, make_project, js_enabled):
    by = org.users["bureau"]
    new = make_project(name="Clue of this year", unit="county_a", clue_on=dt.date(2026, 3, 2),
                       total_investment=Decimal("120000"), signed_on=dt.date(2026, 4, 1), stage="signed")
    StageChange.create(project=new, to_stage="signed", on_date=dt.date(2026, 4, 1), by=by, verification="approved")
    old = make_project(name="Clue of last year", unit="county_b", clue_on=dt.date(2025, 5, 6))
    old2 = make_project(name="Another clue of last year", unit="county_b", clue_on=dt.date(2025, 7, 8))
    assert old and old2
    browser_login(page, "leader")
    page.goto("/dashboard?period=2026")
    clues = page.locator("tr.figure-new_clues td.num a.figure-link")
    expect(clues).to_have_text("1")
    expect(page.locator("tr.figure-signed_count td.num a.figure-link")).to_have_text("1")
    expect(page.locator("#panel-monthly svg title").first).to_be_attached()

    page.select_option("#dash-period", "2025")
    if not js_enabled:
        page.click("form.dashboard-controls button[type=submit]")
    expect(clues).to_have_text("2")
    assert "period=2025" in page.url
    expect(page.locator("#dashboard-xlsx-link")).to_have_attribute("href", "/dashboard?period=2025&format=xlsx")

    clues.click()
    page.wait_for_url("**/projects?**")
    assert "from=2025-01-01" in page.url and "to=2025-12-31" in page.url
    expect(page.locator("main")).to_contain_text("Clue of last year")
    expect(page.locator("main")).to_contain_text("Another clue of last year")
    expect(page.locator("main")).not_to_contain_text("Clue of this year")
    assert not page.js_errors, page.js_errors
