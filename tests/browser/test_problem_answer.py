"""A department answers a problem from its inbox in Chromium: in place with htmx, and as a plain
form with JavaScript off; the raiser then sees the answer and a notification."""
import datetime as dt

import pytest

from portal.models import Notification, Problem, ProblemResponse
from tests.browser.conftest import browser_login, expect, switch_user
from tests.problems_helpers import local_today


@pytest.mark.parametrize("js_enabled", [True, False], indirect=True, ids=["js", "nojs"])
def test_answer_a_problem_from_the_inbox(live_server, page, org, make_project, js_enabled):
    project = make_project(name="电池工厂", unit="county_a")
    problem = Problem.create(project=project, category="land", description="用地指标未落实",
                             raised_by=org.users["unit_a"], assigned_unit=org.units["department"],
                             deadline=local_today() + dt.timedelta(days=5))
    other = Problem.create(project=project, category="utilities", description="供电接入滞后",
                           raised_by=org.users["unit_a"], assigned_unit=org.units["department"],
                           deadline=local_today() + dt.timedelta(days=9))
    browser_login(page, "department")
    page.goto("/problems/inbox")
    item = page.locator(f"#problem-{problem.id}")
    expect(item).to_contain_text("用地指标未落实")
    if js_enabled:
        url = page.url
        page.fill(f"#answer-{other.id}", "Typed, not sent")
        # An empty answer is refused in place, with the message at the field.
        item.locator("button[type=submit]").click()
        expect(item.locator(".error")).to_be_visible()
        page.fill(f"#answer-{problem.id}", "已协调调整土地利用规划")
        page.locator(f"#problem-{problem.id} button[type=submit]").click()
        expect(page.locator(f"#problem-{problem.id} .flash-success")).to_be_visible()
        assert page.url == url
        # the other problem's half-typed answer is untouched
        expect(page.locator(f"#answer-{other.id}")).to_have_value("Typed, not sent")
    else:
        page.fill(f"#answer-{problem.id}", "已协调调整土地利用规划")
        with page.expect_navigation():
            page.locator(f"#problem-{problem.id} button[type=submit]").click()
        assert page.url.endswith("/problems/inbox")
        expect(page.locator(".flash-success")).to_be_visible()
    assert [r.text for r in ProblemResponse.select()] == ["已协调调整土地利用规划"]
    assert Problem.get_by_id(problem.id).state == "handling"
    assert Notification.select().where(Notification.user == org.users["unit_a"].id,
                                       Notification.kind == "answered").count() == 1

    # The raiser reads the answer in the thread and has one unread notification in the header.
    switch_user(page, "unit_a")
    expect(page.locator("#notification-count")).to_contain_text("1")
    page.goto(f"/problems/{problem.id}")
    expect(page.locator(".thread")).to_contain_text("已协调调整土地利用规划")
    errors = [e for e in page.js_errors if "Response Status Error Code 422" not in e]
    assert not errors, errors
