"""The foundation in a real browser: log in through the form, see the start page, switch
the language (Chinese by default, English once chosen, remembered), log out."""
import pytest

from tests.browser.conftest import browser_login, expect
from tests.conftest import PASSWORD


@pytest.mark.parametrize("js_enabled", [True, False], indirect=True, ids=["js", "nojs"])
def test_login_language_and_logout(live_server, page, org, js_enabled):
    page.goto("/")
    # Not logged in: the login page, in Chinese (the deployment default).
    assert "/login" in page.url
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    assert page.locator("main h1").inner_text() == "登录"

    page.fill("input[name=username]", "bureau")
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    assert page.url.rstrip("/") == live_server.url
    assert "Bureau" in page.locator("main h1").inner_text()
    assert page.locator(".whoami").inner_text().startswith("Bureau")

    # Switch to English: the same page in English, and still English after a reload.
    page.click(".language-switch button[value=en]")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("main h1").inner_text() == "Welcome, Bureau"
    page.reload()
    assert page.locator("main h1").inner_text() == "Welcome, Bureau"
    assert page.locator(".language-switch button[value=en]").get_attribute("aria-pressed") == "true"

    # Log out: back at the login form, in English, and the start page needs a login again.
    page.click("header form[action='/logout'] button")
    expect(page.locator("main h1")).to_have_text("Log in")
    assert "/login" in page.url
    assert "You have logged out." in page.locator(".flashes").inner_text()
    page.goto("/")
    assert "/login" in page.url
    assert not page.js_errors, page.js_errors


def test_wrong_password_shows_message_at_the_field(live_server, page_nojs, org):
    page = page_nojs
    page.goto("/login")
    page.fill("input[name=username]", "bureau")
    page.fill("input[name=password]", "wrong-password")
    page.click("main form button[type=submit]")
    expect(page.locator("main")).to_contain_text("用户名或密码错误")
    assert "用户名或密码错误" in page.locator("main").inner_text()
    browser_login(page, "bureau")
    assert "/login" not in page.url


def test_pages_load_stylesheet_and_htmx_without_csp_errors(live_server, page, org):
    browser_login(page, "admin")
    page.goto("/admin/users")
    assert page.evaluate("typeof window.htmx") == "object"
    # The stylesheet is applied (the CSP lets it through): the header is laid out by portal.css.
    assert page.evaluate("document.styleSheets.length") >= 1
    assert not page.js_errors, page.js_errors
    assert not page.failed_requests, page.failed_requests


@pytest.mark.parametrize("js_enabled", [True, False], indirect=True, ids=["js", "nojs"])
def test_administrator_adds_a_unit_through_the_form(live_server, page, org, js_enabled):
    """With htmx (boosted form, CSRF token in the header) and without JavaScript alike."""
    from portal.models import Unit

    browser_login(page, "admin")
    page.goto("/admin/units/new")
    # The browser itself stops an over-long name (maxlength); a missing one the server answers.
    assert page.get_attribute("input[name=name]", "maxlength") == "100"
    page.select_option("select[name=kind]", "zone")
    page.click("main form button[type=submit]")
    expect(page.locator("#name-error")).to_be_visible()  # the message, at the field
    assert page.get_attribute("input[name=name]", "aria-invalid") == "true"
    assert not Unit.select().where(Unit.kind == "zone").exists()

    page.fill("input[name=name]", "高新技术产业开发区")
    page.select_option("select[name=parent]", str(org.units["county_a"].id))
    page.click("main form button[type=submit]")
    expect(page.locator(".flashes")).to_contain_text("已保存")
    assert page.url.endswith("/admin/units")
    expect(page.locator("main")).to_contain_text("高新技术产业开发区")
    zone = Unit.get(Unit.name == "高新技术产业开发区")
    assert zone.parent_id == org.units["county_a"].id and zone.kind == "zone"
    assert not page.js_errors, page.js_errors
