"""The main navigation grouped by task: every entry a role may open is in its menu once, each
role's daily work comes first, and the sections are native <details> menus (no JavaScript)."""
import re

import pytest
from flask import url_for

from portal import plugins


def _nav(html: str) -> str:
    return re.search(r'<nav class="main-nav".*?</nav>', html, re.S).group(0)


@pytest.mark.parametrize("username", ["admin", "bureau", "unit_a", "department", "leader", "team"])
def test_every_entry_is_in_the_grouped_menu_once(app, org, login, username):
    client = login(username)
    nav = _nav(client.get("/").get_data(as_text=True))
    with app.test_request_context():
        expected = sorted(item["endpoint"] for item in plugins.menu_items(org.users[username]))
        hrefs = sorted(url_for(endpoint) for endpoint in expected)
    found = sorted(re.findall(r'<a href="([^"]+)"', nav))
    assert found == hrefs
    assert len(re.findall(r"<details>", nav)) >= 2 or username in ("department", "leader", "team", "unit_a")


def test_each_role_sees_its_daily_work_first(app, org, login):
    def sections(username):
        nav = _nav(login(username).get("/").get_data(as_text=True))
        return re.findall(r"<summary>([^<]+)</summary>", nav)

    assert sections("unit_a")[0] == "Projects and lists"
    assert sections("department")[0] == "Problems"
    assert sections("admin")[0] == "Administration"
    assert sections("bureau")[:2] == ["Scheduling", "Projects and lists"]  # after the overview links


def test_the_section_of_the_current_page_is_marked(app, org, login):
    nav = _nav(login("bureau").get("/scheduling").get_data(as_text=True))
    current = re.search(r'<li class="menu-section current">\s*<details>\s*<summary>([^<]+)<', nav)
    assert current and current.group(1) == "Scheduling"
    assert 'aria-current="page"' in nav
