"""The grouped menu in a real browser: one row on a 1366 px desktop, folded behind "Menu" on a
390 px phone without sideways scrolling, and usable with JavaScript on and off."""
import pytest

from tests.browser.conftest import browser_login


@pytest.mark.parametrize("js_enabled", [True, False], indirect=True, ids=["js", "nojs"])
def test_the_menu_fits_a_desktop_and_a_phone(live_server, page, org, js_enabled):
    page.set_viewport_size({"width": 1366, "height": 800})
    browser_login(page, "bureau")
    nav = page.locator("nav.main-nav")
    box = nav.bounding_box()
    assert box and box["height"] < 60, box  # one row, not twenty links over two lines
    assert page.evaluate("document.documentElement.scrollWidth") <= 1366
    # Open a section and follow an entry.
    page.locator(".menu-section summary", has_text="项目与清单").click()
    page.locator(".menu-section a", has_text="签约清单").click()
    page.wait_for_url("**/lists/signed**")  # htmx's boosted swap or a plain page load

    page.set_viewport_size({"width": 390, "height": 800})
    page.goto("/")
    assert not nav.is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.locator("label.nav-toggle-label").click()
    assert nav.is_visible()
    page.locator(".menu-section summary", has_text="调度").click()
    page.locator(".menu-section a", has_text="周调度").first.click()
    page.wait_for_url("**/scheduling**")
    assert not page.js_errors, page.js_errors
