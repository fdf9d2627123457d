"""Accessibility: axe-core finds no serious or critical violation on the pages people use every
day, as each role, in Chinese (the default) and English."""
from pathlib import Path

import pytest

from tests.browser.conftest import CHROMIUM_ARGS, TIMEOUT_MS, switch_user  # noqa: F401  (the same Chromium)

AXE = Path(__file__).resolve().parent.parent / "vendor" / "axe-core" / "axe.min.js"
PAGES = {
    "bureau": ["/", "/dashboard", "/projects", "/lists/signed", "/projects/new", "/projects/{project}",
               "/scheduling", "/scheduling/wallchart", "/problems", "/ranking", "/projects/verification"],
    "unit_a": ["/scheduling/report", "/projects/{project}/edit"],
    "admin": ["/admin/users", "/admin/units", "/admin/industries", "/admin/audit", "/admin/plugins"],
}


@pytest.fixture
def axe_page(browser, live_server):
    """A page whose CSP lets the test inject axe (the portal's own pages stay as served)."""
    context = browser.new_context(base_url=live_server.url, bypass_csp=True, locale="en-US")
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    yield page
    context.close()


def _serious(page) -> list[str]:
    page.add_script_tag(path=str(AXE))
    results = page.evaluate("""async () => {
        const r = await axe.run(document, {resultTypes: ["violations"]});
        return r.violations.filter(v => v.impact === "serious" || v.impact === "critical")
            .map(v => v.id + ": " + v.nodes.slice(0, 3).map(n => n.target.join(" ")).join(" | "));
    }""")
    return results


@pytest.mark.parametrize("locale", ["zh_CN", "en"])
def test_no_serious_accessibility_violation(live_server, axe_page, org, make_project, locale):
    live_server.app.config["DEFAULT_LOCALE"] = locale
    project = make_project(name="无障碍检查项目", flag="yellow", flag_reason="本周未报送进展")
    axe_page.goto("/login")
    found = {"/login": _serious(axe_page)}
    for username, urls in PAGES.items():
        switch_user(axe_page, username)
        for url in urls:
            url = url.format(project=project.id)
            response = axe_page.goto(url)
            if response.status == 404:  # a feature turned off in this deployment
                continue
            found[url] = _serious(axe_page)
    problems = {url: issues for url, issues in found.items() if issues}
    assert not problems, problems


def test_tables_that_scroll_on_a_phone_take_the_keyboard(live_server, axe_page, org, make_project):
    """On a phone a wide table scrolls inside its own box; axe's scrollable-region-focusable asks
    that such a box can be reached and scrolled with the keyboard."""
    live_server.app.config["DEFAULT_LOCALE"] = "en"
    project = make_project(name="手机表格检查项目", flag="yellow", flag_reason="本周未报送进展")
    axe_page.set_viewport_size({"width": 390, "height": 900})
    found, scrolling = {}, 0
    for username, urls in {"bureau": ["/projects/{project}", "/dashboard/summary", "/ranking/top-ten"],
                           "admin": ["/admin/audit"]}.items():
        switch_user(axe_page, username)
        for url in urls:
            axe_page.goto(url.format(project=project.id))
            axe_page.wait_for_load_state("load")
            scrolling += axe_page.locator("table.data[tabindex='0']").count()
            found[url] = _serious(axe_page)
    assert scrolling >= 1  # the summary's tables at least are wider than a phone
    problems = {url: issues for url, issues in found.items() if issues}
    assert not problems, problems
