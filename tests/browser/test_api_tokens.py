"""A unit's clerk makes an API token in Chromium (with and without JavaScript), copies the secret
shown once, a script uses it, and the clerk revokes it; the reference page loads nothing from
elsewhere."""
import json
import re
import urllib.error
import urllib.request

import pytest

from tests.browser.conftest import browser_login, expect


def _api(live_server, path, secret):
    request = urllib.request.Request(live_server.url + path, headers={"Authorization": f"Bearer {secret}"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


@pytest.mark.parametrize("js_enabled", [True, False], indirect=True, ids=["js", "nojs"])
def test_make_use_and_revoke_a_token(live_server, page, org, make_project, js_enabled):
    make_project(name="电池工厂", unit="county_a")
    browser_login(page, "unit_a")
    page.goto("/account/api-tokens")
    page.fill("input[name=name]", "月报脚本")
    page.select_option("select[name=access]", "read")
    with page.expect_navigation():
        page.locator("main form button.primary").click()
    secret = page.locator("#new-token").inner_text().strip()
    assert re.fullmatch(r"ipt_[A-Za-z0-9_-]{40,}", secret)
    expect(page.locator("main table")).to_contain_text("月报脚本")

    status, body = _api(live_server, "/api/projects", secret)
    assert status == 200 and [p["name"] for p in body["items"]] == ["电池工厂"]

    page.goto("/account/api-tokens")
    expect(page.locator("#new-token")).to_have_count(0)  # shown once
    with page.expect_navigation():
        page.locator("main table form button").click()
    expect(page.locator("main table")).to_contain_text("已撤销")
    status, body = _api(live_server, "/api/projects", secret)
    assert status == 401 and body["status"] == 401
    assert not page.js_errors and not page.failed_requests


def test_the_reference_page_loads_everything_from_the_portal(live_server, page):
    page.goto("/api/docs")
    expect(page.locator("h1")).to_be_visible()
    expect(page.locator("#api_projects")).to_contain_text("/api/projects")
    assert not page.js_errors and not page.failed_requests
