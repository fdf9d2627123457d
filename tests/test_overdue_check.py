"""The overdue check is something the system does: pages never run it (they show overdue status
computed on read), and its audit entries name the system, never whoever opened a page."""
import datetime as dt

import pytest
from click.testing import CliRunner

from portal.cli import cli
from portal.models import AuditLog, Notification, Problem
from tests.problems_helpers import local_today


@pytest.fixture
def overdue(org, make_project):
    project = make_project(name="Battery plant", unit="county_a", leader=org.users["leader"])
    return Problem.create(project=project, category="land", description="Land quota missing",
                          raised_by=org.users["unit_a"], assigned_unit=org.units["department"],
                          deadline=local_today() - dt.timedelta(days=3))


def _written():
    return AuditLog.select().count(), Notification.select().count()


@pytest.mark.parametrize("username, url", [
    ("department", "/problems"), ("department", "/problems/inbox"), ("department", "/notifications"),
    ("bureau", "/problems"), ("bureau", "/notifications"), ("bureau", "/scheduling/"),
])
def test_opening_a_page_writes_nothing(login, overdue, username, url):
    client = login(username)
    before = _written()
    response = client.get(url)
    assert response.status_code == 200
    assert _written() == before
    assert Problem.get_by_id(overdue.id).overdue_notified_at is None


def test_pages_still_show_the_problem_overdue(login, overdue):
    board = login("department").get("/problems").get_data(as_text=True)
    assert 'data-count="overdue">1<' in board


def test_check_overdue_command_records_the_system(app, overdue, org, login, monkeypatch):
    monkeypatch.setenv("PORTAL_DATABASE_URL", app.config["DATABASE_URL"])
    monkeypatch.setenv("PORTAL_INSTANCE", app.config["INSTANCE_PATH"])
    result = CliRunner().invoke(cli, ["problems", "check-overdue"], catch_exceptions=False)
    assert result.exit_code == 0 and "1 overdue problem(s) escalated" in result.output
    entry = AuditLog.get(AuditLog.action == "overdue")
    assert entry.user_id is None and entry.entity_id == overdue.id
    assert Notification.select().where(Notification.kind == "overdue",
                                       Notification.user == org.users["department"].id).count() == 1
    assert Notification.select().where(Notification.kind == "escalated").count() == 1
    page = login("admin").get("/admin/audit").get_data(as_text=True)
    row = next(r for r in page.split("<tr>") if f"#{overdue.id}" in r and ">overdue<" in r.lower().replace(" ", ""))
    assert "System" in row and "Admin" not in row


def test_first_request_of_the_day_runs_the_check_as_the_system(app, overdue, login):
    app.config["PROBLEMS_AUTO_OVERDUE"] = True
    client = login("department")  # the login request already ran it, once for the day
    client.get("/problems/inbox")
    assert [e.user_id for e in AuditLog.select().where(AuditLog.action == "overdue")] == [None]
    assert Problem.get_by_id(overdue.id).overdue_notified_at is not None
