"""Problems: answering in place (htmx) and without JavaScript, the demo data and the overdue command."""
import datetime as dt

import pytest

from portal.models import Commitment, Notification, Problem
from tests.problems_helpers import local_today


@pytest.fixture
def problem(org, make_project):
    project = make_project(name="Gamma park", unit="county_a")
    return Problem.create(project=project, category="approvals", description="Permit stuck",
                          raised_by=org.users["unit_a"], assigned_unit=org.units["department"],
                          deadline=local_today() + dt.timedelta(days=3))


def test_inbox_answer_in_place_with_htmx(login, problem):
    c = login("department")
    inbox = c.get("/problems/inbox").get_data(as_text=True)
    assert f'hx-post="/problems/{problem.id}/answer"' in inbox
    assert f'action="/problems/{problem.id}/answer"' in inbox  # a plain form too
    response = c.htmx("POST", f"/problems/{problem.id}/answer", {"text": "Permit signed today", "in_place": "1"})
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert body.lstrip().startswith(f'<li class="card inbox-item" id="problem-{problem.id}"')
    assert "Your answer was saved." in body and "Permit signed today" in body
    assert Problem.get_by_id(problem.id).state == "handling"


def test_inbox_answer_in_place_with_an_empty_answer(login, problem):
    response = login("department").htmx("POST", f"/problems/{problem.id}/answer", {"text": " ", "in_place": "1"})
    assert response.status_code == 422
    assert "Write an answer." in response.get_data(as_text=True)


def test_inbox_answer_without_javascript_returns_to_the_inbox(login, problem):
    c = login("department")
    response = c.post_form(f"/problems/{problem.id}/answer",
                           {"text": "Done", "in_place": "1", "next": "/problems/inbox"})
    assert response.status_code == 303 and response.headers["Location"].endswith("/problems/inbox")
    response = c.post_form(f"/problems/{problem.id}/answer", {"text": "Done", "next": "//evil.example/"})
    assert "evil" not in response.headers["Location"]


def test_inbox_in_chinese(login, problem, org):
    from portal.models import User
    User.update(locale="zh_CN").where(User.id == org.users["department"].id).execute()
    page = login("department").get("/problems/inbox").get_data(as_text=True)
    assert "问题待办" in page and "提交答复" in page and "审批手续" in page


def test_demo_adds_problems_in_every_state_idempotently(app, runner, org, make_project):
    from portal import demo
    for i in range(3):
        make_project(name=f"Demo {i}", unit="county_a")
    with app.test_request_context():
        demo.build_demo("demo-password-1", local_today())
        counts = (Problem.select().count(), Commitment.select().count())
        demo.build_demo("demo-password-1", local_today())
        assert (Problem.select().count(), Commitment.select().count()) == counts
    states = {p.state for p in Problem.select()}
    assert {"open", "handling", "resolved", "closed", "reopened"} <= states
    assert Commitment.select().where(Commitment.fulfilled_on.is_null(False)).exists()
    assert Commitment.select().where(Commitment.fulfilled_on.is_null(), Commitment.due_date < local_today()).exists()
    assert Notification.select().where(Notification.kind == "overdue").exists()


def test_demo_without_projects_adds_nothing(app, org):
    from portal.demo import DemoContext
    from portal.problems.demo import add_demo_problems
    import random
    with app.test_request_context():
        add_demo_problems(DemoContext(units={}, users={}, rng=random.Random(1), today=local_today(), password_hash=""))
    assert Problem.select().count() == 0


def test_check_overdue_command(app, problem, monkeypatch):
    Problem.update(deadline=local_today() - dt.timedelta(days=1)).where(Problem.id == problem.id).execute()
    from portal.problems import service
    with app.test_request_context():
        assert service.check_overdue() == 1
        assert service.check_overdue() == 0
