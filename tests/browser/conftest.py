"""Browser fixtures: the real portal served by waitress in a background thread, and
Playwright pages in headless Chromium (/usr/bin/chromium, or PORTAL_CHROMIUM).

Every test in tests/browser/ is marked ``browser`` and skipped, with the reason, when
Chromium or the playwright package is missing. The served app is the ``app`` fixture of
tests/conftest.py (a fresh database per test), so a test can create records through the
models (``org``, ``make_project`` …) and see them in the browser at once.

    def test_x(live_server, page, org):
        browser_login(page, "bureau")
        page.goto("/projects")          # relative to live_server.url
"""
from __future__ import annotations

import os
import shutil
from dataclasses import dataclass

import pytest

from tests.conftest import PASSWORD
from tests.net_helpers import served_by_waitress

CHROMIUM = os.environ.get("PORTAL_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]
TIMEOUT_MS = 10_000


def pytest_collection_modifyitems(config, items):
    """Mark every test under tests/browser/ with ``browser`` (deselect with -m 'not browser')."""
    here = os.path.dirname(__file__)
    for item in items:
        if str(item.fspath).startswith(here):
            item.add_marker(pytest.mark.browser)


def _why_no_browser() -> str | None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed (pip install -e '.[test]')"
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        return f"no Chromium at {CHROMIUM} (apt-get install chromium, or set PORTAL_CHROMIUM)"
    return None


def expect(*args, **kwargs):
    """playwright.sync_api.expect, imported late so this module loads without playwright."""
    from playwright.sync_api import expect as _expect

    return _expect(*args, **kwargs)


def pytest_report_header(config):
    reason = _why_no_browser()
    return f"browser tests: SKIPPED, {reason}" if reason else f"browser tests: Chromium at {CHROMIUM}"


try:  # without playwright a browser test module that imports it could not even be collected
    import playwright.sync_api  # noqa: F401
except ImportError:
    collect_ignore_glob = ["test_*.py"]


# The served portal ----------------------------------------------------------------

@dataclass
class LiveServer:
    url: str  # http://127.0.0.1:<port>, no trailing slash
    app: object
    port: int


@pytest.fixture
def app(app):
    """The portal of tests/conftest.py as a deployment runs it: Chinese by default,
    errors answered with the portal's error pages instead of propagated. The daily reminders stay
    off (a test's rows are its own: a test's old clue would get a follow-up reminder)."""
    app.config.update(DEFAULT_LOCALE="zh_CN", TESTING=False, PROPAGATE_EXCEPTIONS=False, NOTIFY_AUTO_DAILY=False)
    return app


@pytest.fixture
def live_server(app):
    """The portal served by waitress on 127.0.0.1 and a free port for this test."""
    with served_by_waitress(app, clear_untrusted_proxy_headers=True) as server:
        yield LiveServer(url=f"http://127.0.0.1:{server.effective_port}", app=app, port=server.effective_port)


# Chromium -------------------------------------------------------------------------

@pytest.fixture(scope="session")
def browser():
    reason = _why_no_browser()
    if reason:
        pytest.skip(f"browser tests skipped: {reason}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def _page(browser, live_server, js_enabled: bool):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=js_enabled, locale="en-US")
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    page.js_errors = []  # uncaught errors and CSP violations reported by the page
    page.failed_requests = []  # "404 http://…" for every sub-resource or page that failed
    page.on("pageerror", lambda error: page.js_errors.append(str(error)))
    # htmx logs every 4xx/5xx answer ("Response Status Error Code 422 …") as an error: expected
    # for forms with errors; failed_requests records those that should not happen.
    page.on("console", lambda msg: page.js_errors.append(msg.text)
            if msg.type == "error"
            and not msg.text.startswith(("Failed to load resource", "Response Status Error Code"))
            else None)
    page.on("response", lambda r: page.failed_requests.append(f"{r.status} {r.url}")
            if r.status >= 400 and not r.url.endswith("/favicon.ico") else None)
    return context, page


@pytest.fixture(params=[pytest.param(True, id="js")])
def js_enabled(request):
    """Parametrise a test with ``@pytest.mark.parametrize("js_enabled", [True, False],
    indirect=True)`` to run it with and without JavaScript."""
    return request.param


@pytest.fixture
def page(browser, live_server, js_enabled):
    """A fresh Playwright page (own cookies) on the live server; ``page.goto("/path")``."""
    context, page = _page(browser, live_server, js_enabled)
    yield page
    context.close()


@pytest.fixture
def page_nojs(browser, live_server):
    """A page with JavaScript switched off: every page must work as plain HTML forms."""
    context, page = _page(browser, live_server, False)
    yield page
    context.close()


def browser_login(page, username: str, password: str = PASSWORD) -> None:
    """Log in through the login form like a user; fails the test when login does not work."""
    page.goto("/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    assert "/login" not in page.url, f"login as {username!r} failed: {page.url}"


def switch_user(page, username: str, password: str = PASSWORD) -> None:
    """Log out through the header's button, as a person does, then log in as ``username``.

    Logging out ends the session on the server. Clearing the browser's cookies instead left a race:
    a response still on its way (any page of a permanent session sets its cookie again) brought the
    old user back, and the login page then sent them home."""
    logout = page.locator("header form[action$='/logout'] button[type=submit]")
    if page.url.startswith("http") and logout.count():
        logout.click()
        page.wait_for_url("**/login*")
    browser_login(page, username, password)
