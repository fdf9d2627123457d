"""Pages fit the screen: the project lists on a 1366 px desktop and a 390 px phone, in Chinese
and English, without the page scrolling sideways and with names that stay readable."""
import datetime as dt
from decimal import Decimal

import pytest

from tests.browser.conftest import browser_login, switch_user

LISTS = ["/projects", "/lists/clues", "/lists/signed", "/lists/landed", "/lists/production"]


@pytest.fixture
def projects(org, make_project):
    """Projects with long names, long investors and long flag reasons in every list."""
    from portal.models import Enterprise

    investor = Enterprise.create(name="华能源动力电池储能科技集团股份有限公司（中国）华东区域总部")
    for i, (stage, day) in enumerate([("clue", None), ("signed", None), ("started", "started_on"),
                                      ("production", "production_on")]):
        fields = {day: dt.date(2026, 3, 1)} if day else {}
        make_project(name=f"华能源动力电池储能电站暨新能源汽车零部件产业园一期工程项目 {i}", stage=stage,
                     enterprise=investor, total_investment=Decimal("1234567.89"), flag="red",
                     flag_reason="节点“土地交付”计划于2026-03-01完成，已逾期52天；本周未报送进展，连续三周无进展",
                     signed_on=dt.date(2026, 2, 1) if stage != "clue" else None, **fields)


@pytest.mark.parametrize("locale", ["zh_CN", "en"])
def test_the_lists_fit_a_desktop_and_a_phone(live_server, page, org, projects, locale):
    live_server.app.config["DEFAULT_LOCALE"] = locale
    page.set_viewport_size({"width": 1366, "height": 900})
    browser_login(page, "bureau")
    for width in (1366, 390):
        page.set_viewport_size({"width": width, "height": 900})
        for url in LISTS:
            page.goto(url)
            assert page.locator("table.project-list tbody tr").count() >= 1, url
            scroll = page.evaluate("document.documentElement.scrollWidth")
            assert scroll <= width, (url, width, scroll)
            name_width = page.locator("td.project-name").first.bounding_box()["width"]
            assert name_width >= 100, (url, width, name_width)  # not two characters a line


#: Pages whose tables (history, audit log, summary, top ten, verification queue) are wider than a
#: phone in English; each must scroll inside its own box.
TABLE_PAGES = {"bureau": ["/projects/{project}", "/dashboard/summary", "/ranking/top-ten", "/projects/verification"],
               "admin": ["/admin/audit"]}


def test_pages_with_wide_tables_fit_a_phone(live_server, page, org, projects):
    from portal.models import Project

    live_server.app.config["DEFAULT_LOCALE"] = "en"
    project = Project.select().order_by(Project.id).first()
    page.set_viewport_size({"width": 390, "height": 900})
    for username, urls in TABLE_PAGES.items():
        switch_user(page, username)
        for url in urls:
            page.goto(url.format(project=project.id))
            assert page.locator("table.data").count() >= 1, url
            scroll = page.evaluate("document.documentElement.scrollWidth")
            assert scroll <= 390, (url, scroll, _sticking_out(page, 390))


def _sticking_out(page, width: int) -> list[str]:
    """The outermost elements that reach past the viewport outside a scrolling box (for the failure message)."""
    return page.evaluate("""(width) => [...document.querySelectorAll("body *")].filter(e =>
        e.getBoundingClientRect().right > width + 1 && e.parentElement.getBoundingClientRect().right <= width + 1
        && !e.parentElement.closest("table.data, .table-scroll, .table-wrap, .panel"))
        .slice(0, 4).map(e => e.tagName + "." + e.className)""", width)
