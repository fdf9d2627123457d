"""Accessibility: axe-core finds no serious or critical violation on the pages people use every
day, as each role, in Chinese (the default) and English."""
from pathlib import Path

import pytest

from tests.browser.conftest import CHROMIUM_ARGS, TIMEOUT_MS  # noqa: F401  (the same Chromium)
from tests.conftest import PASSWORD

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


def _login(page, username):
    page.goto("/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.click("main form button[type=submit]")


@pytest.mark.parametrize("locale", ["zh_CN", "en"])
def test_no_serious_accessibility_violation(live_server, axe_page, org, make_project, locale):
    live_server.app.config["DEFAULT_LOCALE"] = locale
    project = make_project(name="无障碍检查项目", flag="yellow", flag_reason="本周未报送进展")
    axe_page.goto("/login")
    found = {"/login": _serious(axe_page)}
    for username, urls in PAGES.items():
        axe_page.context.clear_cookies()
        _login(axe_page, username)
        for url in urls:
            url = url.format(project=project.id)
            response = axe_page.goto(url)
            if response.status == 404:  # a feature turned off in this deployment
                continue
            found[url] = _serious(axe_page)
    problems = {url: issues for url, issues in found.items() if issues}
    assert not problems, problems
