"""What a page costs the browser as it loads: htmx sets up each element it finds (a boosted link
costs four events), and on the dashboard's hundreds of links that blocked the main thread for up
to a second on Lighthouse's slow phone. The pages made of links (the dashboard, its printable
summary, the lists, the weekly meeting) leave their links to the browser; only the menu is
boosted there (docs/page-quality.md)."""
import datetime as dt
from decimal import Decimal

import pytest

from tests.browser.conftest import browser_login

#: The elements htmx 2 sets up when a page loads (findElementsToProcess in the vendored htmx.js).
HTMX_SETS_UP = ("[hx-get], [hx-post], [hx-put], [hx-delete], [hx-patch], [hx-boost] a, a[hx-boost], form, "
                "[type='submit'], [hx-ext], [hx-trigger]")


@pytest.fixture
def city(org, make_project):
    for i in range(12):
        make_project(name=f"负载检查项目{i}", unit="county_a" if i % 2 else "county_b", stage="signed",
                     total_investment=Decimal(10000 + i), signed_on=dt.date.today() - dt.timedelta(days=i + 1))


@pytest.mark.parametrize("url", ["/dashboard", "/dashboard/summary", "/lists/signed", "/scheduling"])
def test_link_heavy_pages_leave_their_links_to_the_browser(live_server, page, city, url):
    browser_login(page, "bureau")
    page.goto(url)
    page.wait_for_load_state("load")
    counts = page.evaluate("""(selector) => ({
        links: document.querySelectorAll("main a[href]").length,
        set_up: [...document.querySelectorAll(selector)].filter(e => e.closest("main")).length,
    })""", HTMX_SETS_UP)
    assert counts["links"] >= 10, counts  # the page does hold links
    # What htmx still sets up in the content: the filter form, an export or print button.
    assert counts["set_up"] <= 6, counts
