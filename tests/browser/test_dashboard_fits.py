"""The dashboard fits a 1366 px desktop in both languages: the page never scrolls sideways, and
each table by unit, industry and team shows every column (wrapped headers), or scrolls inside its
own box where it cannot."""
import datetime as dt
from decimal import Decimal

import pytest

from portal.models import StageChange
from tests.browser.conftest import browser_login

TABLES = ["#panel-units", "#panel-industries", "#panel-teams"]


@pytest.fixture
def signed(org, make_project):
    """Every unit with large numbers, so each column holds its widest value."""
    by = org.users["bureau"]
    for key in ("county_a", "county_b", "department"):
        project = make_project(name=f"Project of {key}", unit=key, total_investment=Decimal("12345678.90"),
                               contracted_amount=Decimal("9876543.21"), signed_on=dt.date(2026, 2, 10),
                               stage="signed", industry_code="new_energy")
        StageChange.create(project=project, to_stage="signed", on_date=dt.date(2026, 2, 10), by=by,
                           verification="approved")


@pytest.mark.parametrize("locale", ["en", "zh_CN"])
def test_the_dashboard_tables_fit_a_desktop(live_server, page, org, signed, locale):
    live_server.app.config["DEFAULT_LOCALE"] = locale
    page.set_viewport_size({"width": 1366, "height": 900})
    browser_login(page, "bureau")
    page.goto("/dashboard?period=2026")
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= 1366, scroll
    for panel in TABLES:
        box = page.evaluate("""selector => {
            const panel = document.querySelector(selector);
            const table = panel.querySelector('table.figures-rows');
            const scroller = table.closest('.table-scroll') || panel;
            const last = table.querySelector('thead th:last-child').getBoundingClientRect();
            const inside = scroller.getBoundingClientRect();
            return {tableWidth: table.scrollWidth, boxWidth: scroller.clientWidth,
                    lastRight: last.right, boxRight: inside.right,
                    overflow: getComputedStyle(scroller).overflowX};
        }""", panel)
        # every column in view, or the table scrolls inside its own box (never cut off)
        fits = box["lastRight"] <= box["boxRight"] + 1
        scrolls = box["overflow"] in ("auto", "scroll") and box["tableWidth"] > box["boxWidth"]
        assert fits or scrolls, (panel, box)
        assert fits, (panel, box)  # at 1366 px every column fits: the headers wrap
