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


@pytest.mark.parametrize("javascript", [False, True], ids=["nojs", "js"])
def test_a_visits_minutes_are_attached_and_downloaded_on_a_phone(live_server, page_nojs, page, org, tmp_path,
                                                                  javascript):
    """The file input of the contact form sends the file with JavaScript off (a multipart form)
    and on (htmx's boosted form sends it as multipart too); the file is listed under the visit
    and downloads with its own name."""
    from portal.models import ContactAttachment, Enterprise

    page = page if javascript else page_nojs

    investor = Enterprise.create(name="Ningde Battery Co")
    minutes = b"%PDF-1.7\nMinutes of the visit\n%%EOF\n"
    (tmp_path / "拜访纪要.pdf").write_bytes(minutes)
    page.set_viewport_size({"width": 390, "height": 844})
    browser_login(page, "team")
    page.goto(f"/investors/{investor.id}")
    form = page.locator("form.contact-form")
    form.locator("textarea[name=summary]").fill("Visited the Shanghai office")
    form.locator("input[type=file][name=files]").set_input_files(str(tmp_path / "拜访纪要.pdf"))
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    assert ContactAttachment.get().original_name == "拜访纪要.pdf"
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    with page.expect_download() as caught:
        page.locator("ol.contacts a", has_text="拜访纪要.pdf").click()
    download = caught.value
    assert download.suggested_filename == "拜访纪要.pdf"
    assert open(download.path(), "rb").read() == minutes
    with page.expect_navigation():
        page.locator("ol.contacts form[action$='/remove'] button").click()
    assert page.locator("ol.contacts a", has_text="拜访纪要.pdf").count() == 0
    assert ContactAttachment.select().count() == 0
