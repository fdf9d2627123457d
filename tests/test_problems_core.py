"""Problems: raising, answering, the state machine, handovers, overdue escalation and notifications."""
import datetime as dt

from tests.problems_helpers import local_today

import pytest

from portal.models import AuditLog, Notification, Problem, ProblemResponse


@pytest.fixture
def project(make_project, org):
    return make_project(name="Battery plant", unit="county_a", leader=org.users["leader"])


@pytest.fixture
def raise_problem(login, project, org):
    """Raise a problem through the page as unit_a (the project's unit), assigned to the department."""
    def _raise(deadline=None, user="unit_a", unit="department", **extra):
        c = login(user)
        deadline = deadline or (local_today() + dt.timedelta(days=10))
        data = {"category": "land", "description": "Land quota missing", "assigned_unit": org.units[unit].id,
                "deadline": deadline.isoformat(), "priority": "high", **extra}
        response = c.post_form(f"/projects/{project.id}/problems/new", data)
        assert response.status_code == 303, response.get_data(as_text=True)
        return Problem.select().order_by(Problem.id.desc()).get()
    return _raise


def _notes(user, kind=None):
    query = Notification.select().where(Notification.user == user.id)
    if kind:
        query = query.where(Notification.kind == kind)
    return query.count()


def test_raising_notifies_the_assigned_unit_and_is_audited(raise_problem, org, project):
    problem = raise_problem()
    assert problem.state == "open" and problem.assigned_unit_id == org.units["department"].id
    assert _notes(org.users["department"], "assigned") == 1
    assert _notes(org.users["unit_a"]) == 0  # never to the author
    assert AuditLog.select().where(AuditLog.entity == "problem", AuditLog.entity_id == problem.id).exists()
    assert AuditLog.select().where(AuditLog.entity == "project", AuditLog.entity_id == project.id,
                                   AuditLog.action == "problem_create").exists()


def test_department_answers_then_raiser_is_told(raise_problem, login, org):
    problem = raise_problem()
    dept = login("department")
    response = dept.post_form(f"/problems/{problem.id}/answer", {"text": "We are on it"})
    assert response.status_code == 303
    problem = Problem.get_by_id(problem.id)
    assert problem.state == "handling"
    assert ProblemResponse.get(ProblemResponse.problem == problem.id).text == "We are on it"
    assert _notes(org.users["unit_a"], "answered") == 1
    page = dept.get(f"/problems/{problem.id}").get_data(as_text=True)
    assert "We are on it" in page


def test_full_state_machine_and_who_may_do_what(raise_problem, login, org):
    problem = raise_problem()
    dept, raiser, other = login("department"), login("unit_a"), login("unit_b")
    url = f"/problems/{problem.id}/state"
    # the raiser cannot resolve on the department's behalf; the department cannot confirm
    assert raiser.post_form(url, {"action": "resolve"}).status_code == 403
    assert dept.post_form(url, {"action": "handle"}).status_code == 303
    # closing before it is resolved is refused with a message
    response = raiser.post_form(url, {"action": "close"})
    assert response.status_code == 409
    assert "cannot be changed this way" in response.get_data(as_text=True)
    assert dept.post_form(url, {"action": "resolve", "text": "Quota granted"}).status_code == 303
    assert Problem.get_by_id(problem.id).resolve_days == 0
    assert _notes(org.users["unit_a"], "resolved") == 1
    assert dept.post_form(url, {"action": "close"}).status_code == 403
    # another county cannot even see it
    assert other.post_form(url, {"action": "close"}).status_code == 404
    # reopening needs a reason
    response = raiser.post_form(url, {"action": "reopen", "text": ""})
    assert response.status_code == 422
    assert "Say why the problem is reopened." in response.get_data(as_text=True)
    assert raiser.post_form(url, {"action": "reopen", "text": "Quota still missing"}).status_code == 303
    problem = Problem.get_by_id(problem.id)
    assert problem.state == "reopened" and problem.resolved_at is None
    assert _notes(org.users["department"], "reopened") == 1
    assert dept.post_form(url, {"action": "resolve"}).status_code == 303
    assert raiser.post_form(url, {"action": "close"}).status_code == 303
    problem = Problem.get_by_id(problem.id)
    assert problem.state == "closed" and problem.closed_at is not None
    # a closed problem takes no answers
    assert dept.post_form(f"/problems/{problem.id}/answer", {"text": "late"}).status_code == 409
    # the bureau may also confirm: reopen and close again
    bureau = login("bureau")
    assert bureau.post_form(url, {"action": "reopen", "text": "Check again"}).status_code == 303
    states = [r.to_state for r in ProblemResponse.select().where(ProblemResponse.kind == "state")
              .order_by(ProblemResponse.id)]
    assert states == ["handling", "resolved", "reopened", "resolved", "closed", "reopened"]


def test_unknown_action_is_a_form_error(raise_problem, login):
    problem = raise_problem()
    response = login("bureau").post_form(f"/problems/{problem.id}/state", {"action": "explode"})
    assert response.status_code == 422
    assert "Not a valid choice" in response.get_data(as_text=True)


def test_handover_moves_the_problem_and_tells_the_new_unit(raise_problem, login, org):
    problem = raise_problem()
    dept = login("department")
    url = f"/problems/{problem.id}/handover"
    response = dept.post_form(url, {"unit": org.units["team"].id, "reason": ""})
    assert response.status_code == 422
    assert "Say why the problem is handed over." in response.get_data(as_text=True)
    response = dept.post_form(url, {"unit": "99999", "reason": "x"})
    assert response.status_code == 422 and "Choose a unit from the list." in response.get_data(as_text=True)
    response = dept.post_form(url, {"unit": org.units["team"].id, "reason": "Theirs, not ours"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/problems/inbox")  # it is no longer the department's
    problem = Problem.get_by_id(problem.id)
    assert problem.assigned_unit_id == org.units["team"].id
    assert _notes(org.users["team"], "handover") == 1
    handover = ProblemResponse.get(ProblemResponse.kind == "handover")
    assert handover.from_unit_id == org.units["department"].id and handover.text == "Theirs, not ours"
    # the department lost it: not readable, not answerable
    assert dept.get(f"/problems/{problem.id}").status_code == 404
    assert login("team").post_form(f"/problems/{problem.id}/answer", {"text": "ok"}).status_code == 303


def test_overdue_escalates_once(app, raise_problem, login, org):
    problem = raise_problem()
    Problem.update(deadline=local_today() - dt.timedelta(days=3)).where(Problem.id == problem.id).execute()
    with app.app_context():
        from portal.problems.service import check_overdue
        assert check_overdue() == 1
    assert _notes(org.users["department"], "overdue") == 1
    assert _notes(org.users["leader"], "escalated") == 1
    assert AuditLog.select().where(AuditLog.entity == "problem", AuditLog.action == "overdue").count() == 1
    with app.app_context():
        from portal.problems.service import check_overdue
        assert check_overdue() == 0


def test_notification_count_and_mark_read(raise_problem, login, org):
    raise_problem()
    raise_problem()
    dept = login("department")
    count = dept.get("/notifications/count").get_data(as_text=True).strip()
    assert count.startswith('<span class="notification-count">2<')
    page = dept.get("/notifications").get_data(as_text=True)
    assert "was assigned to your unit" in page and "Battery plant" in page
    first = (Notification.select().where(Notification.user == org.users["department"].id)
             .order_by(Notification.id).first())
    response = dept.post_form(f"/notifications/{first.id}/read", {"open": "1"})
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/problems/{first.args['problem']}")
    assert "2<" not in dept.get("/notifications/count").get_data(as_text=True)
    # another user's notification is not found
    assert login("unit_b").post_form(f"/notifications/{first.id}/read").status_code == 404
    assert dept.post_form("/notifications/read-all").status_code == 303
    assert dept.get("/notifications/count").get_data(as_text=True).strip() == ""


def test_badge_in_every_page_header(raise_problem, login):
    raise_problem()
    page = login("department").get("/problems").get_data(as_text=True)
    assert 'hx-get="/notifications/count"' in page


def test_count_poll_after_logout_asks_for_a_full_page_login(client, org):
    response = client.htmx("GET", "/notifications/count")
    assert response.status_code == 401 and response.headers["HX-Redirect"].startswith("/login")


def test_board_filters_answer_a_partial_to_htmx(login, raise_problem):
    raise_problem()
    c = login("bureau")
    response = c.get("/problems?category=land", headers={"HX-Request": "true"})
    body = response.get_data(as_text=True)
    assert "<html" not in body and "Land quota missing" in body and "format=xlsx" in body
    assert "HX-Request" in response.headers["Vary"]


def test_project_history_names_problem_changes(raise_problem, login, project):
    raise_problem()
    page = login("bureau").get("/admin/audit?entity=project").get_data(as_text=True)
    assert "Problem raised" in page and "Land quota missing" in page
