"""A county reports its week for 40 projects in Chromium, by keyboard only, with and without
JavaScript: every key press and every typed text is counted, and every page load.

Each project was reported last week with a plan; this week the clerk accepts the plan as what
happened (on every fourth row adds a few words to it), types next week's plan, on every fifth
row a percentage, and saves the row. The old page offered nothing (the clerk typed every
"what happened"), took two Tab presses to reach a row's first field and four more to reach its
save button: at least 7 keyboard actions a row, 280 for 40 rows. The figures printed here are
the ones in docs/scheduling.md ("The weekly report in minutes")."""
import datetime as dt

import pytest

from portal.models import ProgressReport
from portal.scheduling import weeks as W
from portal.timeutil import iso_week
from tests.browser.conftest import browser_login, expect
from tests.scheduling_helpers import LONG_AGO, SHANGHAI, report

ROWS = 40
OLD_PAGE_ACTIONS_PER_ROW = 7  # Tab, Tab, type, Tab, type, Tab, Tab, Enter less the optional percent


class Keyboard:
    """page.keyboard, counting every press and every typed text (one action each)."""

    def __init__(self, page):
        self.page, self.actions, self.characters = page, 0, 0

    def press(self, key):
        self.actions += 1
        self.page.keyboard.press(key)

    def type(self, text):
        self.actions += 1
        self.characters += len(text)
        self.page.keyboard.type(text)


@pytest.fixture
def county_week(org, make_project):
    """40 active projects of county A, each with last week's report and plan."""
    week = iso_week(dt.datetime.now(SHANGHAI).date())
    projects = []
    for n in range(1, ROWS + 1):
        project = make_project(name=f"项目{n:02d}", unit="county_a", stage="signed", created_at=LONG_AGO)
        report(project, W.shift_week(week, -1), org.users["unit_a"], happened="上周进展",
               next_steps=f"第{n}项：办理施工许可")
        projects.append(project)
    return week, projects


@pytest.mark.parametrize("js_enabled", [True, False], indirect=True, ids=["js", "nojs"])
def test_a_week_for_40_projects_by_keyboard(live_server, page, county_week, js_enabled):
    week, projects = county_week
    browser_login(page, "unit_a")
    loads = []
    page.on("load", lambda: loads.append(page.url))
    keys = Keyboard(page)
    # Only the rows still to report: the filter is a link (and a box in the filters form).
    page.goto("/scheduling/report?show=unreported")
    progress = page.locator("#report-progress")
    expect(progress).to_contain_text(f"本周{ROWS}个项目已报送0个，还剩{ROWS}个")  # the portal speaks Chinese
    expected = {}
    for n, project in enumerate(projects, start=1):
        happened = page.locator(f"#happened-{project.id}")
        # The page puts the cursor into the next row still to report, with last week's plan in it.
        expect(happened).to_be_focused()
        expect(happened).to_have_value(f"第{n}项：办理施工许可")
        expect(page.locator(f"#happened-{project.id}-plan")).to_be_visible()
        plan = f"第{n}项：办理施工许可"
        if n % 4 == 0:  # the plan went only half way: say so after it
            if not js_enabled:
                keys.press("Control+End")  # without JavaScript the cursor starts before the plan
            keys.type("，已提交材料")
            plan += "，已提交材料"
        keys.press("Tab")
        keys.type(f"下周：第{n}项开工准备")
        percent = None
        if n % 5 == 0:
            keys.press("Tab")
            keys.type("60")
            percent = 60
        if js_enabled:
            keys.press("Enter")  # in any field: saves this row, and the cursor moves on to the next row
            expect(page.locator(f"#report-row-{project.id}")).to_have_attribute("data-reported", "yes")
        elif percent is not None:
            keys.press("Tab")  # on to the row's own save button
            keys.press("Enter")
            page.wait_for_load_state("load")
        else:
            keys.press("Tab")  # to the percent field: Enter there saves every row changed, this one
            keys.press("Enter")
            page.wait_for_load_state("load")
        expected[project.id] = (plan, f"下周：第{n}项开工准备", percent)
        expect(progress).to_contain_text(f"本周{ROWS}个项目已报送{n}个，还剩{ROWS - n}个"
                                         if n < ROWS else f"本周{ROWS}个项目已全部报送。")
        if not js_enabled and n < ROWS:  # the page came back at the next row, the filter kept
            assert "show=unreported" in page.url and page.url.endswith(f"at={projects[n].id}")

    saved = {r.project_id: (r.happened, r.next_steps, r.percent_complete)
             for r in ProgressReport.select().where(ProgressReport.week == week)}
    assert saved == expected
    expect(progress).to_have_attribute("data-left", "0")
    print(f"\nweekly report, {ROWS} projects, JavaScript {'on' if js_enabled else 'off'}: "
          f"{keys.actions} keyboard actions ({keys.actions / ROWS:.2f} a row), "
          f"{keys.characters} characters typed, {len(loads)} page loads")
    assert keys.actions < ROWS * OLD_PAGE_ACTIONS_PER_ROW
    assert keys.actions <= ROWS * (3.7 if js_enabled else 5)
    assert len(loads) <= (1 if js_enabled else ROWS + 1)
    errors = [e for e in page.js_errors if "Response Status Error Code" not in e]
    assert not errors and not page.failed_requests, (errors, page.failed_requests)


def test_the_report_with_offered_plans_and_a_refused_row_passes_axe(browser, live_server, county_week):
    """The marks this page adds (the offered plan, the count bar, a row refused in place) meet
    axe's serious and critical rules."""
    from tests.browser.test_accessibility import _serious

    week, projects = county_week
    context = browser.new_context(base_url=live_server.url, bypass_csp=True, locale="en-US")
    page = context.new_page()
    try:
        browser_login(page, "unit_a")
        page.goto("/scheduling/report")
        first = projects[0].id
        page.fill(f"#percent-{first}", "120")
        page.locator(f"#report-row-{first} button.save-row").click()
        expect(page.locator(f"#percent-{first}-error")).to_be_visible()
        expect(page.locator(f"#percent-{first}")).to_be_focused()  # the cursor goes to the field to fix
        assert _serious(page) == []
    finally:
        context.close()
