"""A stationed team's member logs a visit from a 390 px phone with JavaScript off: the investor's
page and its one-column contact form fit the screen, and the visit shows in the timeline."""
import pytest

from tests.browser.conftest import browser_login


@pytest.mark.parametrize("locale", ["zh_CN", "en"])
def test_team_logs_a_visit_on_a_phone_without_javascript(live_server, page_nojs, org, make_project, locale):
    from portal.models import Contact, Enterprise

    live_server.app.config["DEFAULT_LOCALE"] = locale
    investor = Enterprise.create(name="华能源动力电池储能科技集团股份有限公司（中国）华东区域总部")
    make_project(name="Battery plant", unit="county_a", enterprise=investor, source_team=org.units["team"])
    page = page_nojs
    page.set_viewport_size({"width": 390, "height": 844})
    browser_login(page, "team")
    page.goto(f"/investors/{investor.id}")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    form = page.locator("form.contact-form")
    assert form.locator("button[type=submit]").bounding_box()["width"] <= 390
    form.locator("select[name=kind]").select_option("visit")
    form.locator("textarea[name=summary]").fill("在上海总部座谈，企业计划扩产")
    form.locator("textarea[name=next_step]").fill("寄送园区资料")
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    assert page.locator("ol.contacts").inner_text().count("在上海总部座谈") == 1
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert Contact.get().unit_id == org.units["team"].id
