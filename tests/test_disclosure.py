"""Nothing reveals what a user may not read: the list filters by investor class, the duplicate
warning of a new project, and notifications after a problem was handed to another unit."""
import datetime as dt
import re

import pytest

from portal.models import Enterprise, Problem
from tests.problems_helpers import local_today


def _list_rows(page):
    return set(re.findall(r'href="/projects/(\d+)"', page))


# Investor class filters ------------------------------------------------------------------

@pytest.fixture
def masked(org, make_project):
    """A confidential Fortune 500 investor's project of County A, on which the department
    holds a problem (so the department reads the project, but not its investor)."""
    giant = Enterprise.create(name="Secret Giant Ltd", fortune_global_500=True, foreign_invested=True)
    plain = Enterprise.create(name="Open Local Co")
    secret = make_project(name="Secret plant", unit="county_a", enterprise=giant, is_confidential=True)
    open_ = make_project(name="Open plant", unit="county_a", enterprise=plain)
    for project in (secret, open_):
        Problem.create(project=project, category="land", description="Land", raised_by=org.users["unit_a"],
                       assigned_unit=org.units["department"], deadline=local_today() + dt.timedelta(days=5))
    return {"secret": secret, "open": open_}


@pytest.mark.parametrize("param", ["three500", "foreign"])
def test_class_filters_do_not_reveal_a_masked_investors_class(login, masked, param):
    department = login("department")
    everything = _list_rows(department.get("/projects").get_data(as_text=True))
    assert str(masked["secret"].id) in everything  # the department reads the project …
    assert "Secret Giant Ltd" not in department.get(f"/projects/{masked['secret'].id}").get_data(as_text=True)
    # … but neither answer of the class filter tells it what the hidden investor is
    yes = _list_rows(department.get(f"/projects?{param}=1").get_data(as_text=True))
    no = _list_rows(department.get(f"/projects?{param}=0").get_data(as_text=True))
    assert str(masked["secret"].id) not in yes | no
    assert str(masked["open"].id) in no


@pytest.mark.parametrize("username", ["unit_a", "bureau"])
def test_class_filters_still_find_investors_the_user_may_read(login, masked, username):
    rows = _list_rows(login(username).get("/projects?three500=1").get_data(as_text=True))
    assert rows == {str(masked["secret"].id)}


# Duplicate warning on a new project ---------------------------------------------------------

def _new_project(client, org, name, investor="", **more):
    return client.post_form("/projects/new", {
        "name": name, "investor_name": investor, "responsible_unit": str(org.units["county_a"].id),
        "clue_on": "2026-01-10", "total_investment": "5000", "source_channel": "event",
        "investment_method": "event", "safety_assessment": "pending", "environment_assessment": "pending", **more})


def test_duplicate_warning_names_only_projects_the_user_reads(login, org, make_project):
    harbour = Enterprise.create(name="Blue Ocean Shipping")
    make_project(name="Harbour logistics park", unit="county_b", enterprise=harbour, stage="signed")
    make_project(name="Harbour cold store", unit="town_a", stage="negotiating")
    client = login("unit_a")
    response = _new_project(client, org, "Harbour", investor="Blue Ocean Shipping")
    warning = response.get_data(as_text=True).split('id="duplicates"')[1].split("</section>")[0]
    assert response.status_code == 200
    assert "Harbour cold store" in warning and "Town A1" in warning  # its own town's project, in full
    assert "A similar project exists at a unit whose projects you do not read" in warning
    for secret in ("Harbour logistics park", "Blue Ocean Shipping", "County B", "Signed"):
        assert secret not in warning
    # a match only at another unit: the hint alone
    warning = _new_project(client, org, "Logistics park").get_data(as_text=True).split('id="duplicates"')[1]
    section = warning.split("</section>")[0]
    assert "A similar project exists" in section and "<table" not in section
    # saving anyway works
    assert _new_project(client, org, "Logistics park", confirm_duplicates="1").status_code == 303


# Notifications after a handover ---------------------------------------------------------------

def test_notification_hides_a_problem_handed_to_another_unit(login, org, make_project):
    project = make_project(name="Quiet harbour depot", unit="county_a")
    unit_a = login("unit_a")
    assert unit_a.post_form(f"/projects/{project.id}/problems/new", {
        "category": "land", "description": "Seller wants 40 million under the table",
        "assigned_unit": org.units["department"].id, "deadline": "2099-01-01", "priority": "high"}).status_code == 303
    problem = Problem.select().order_by(Problem.id.desc()).get()
    department = login("department")
    page = department.get("/notifications").get_data(as_text=True)
    assert "Quiet harbour depot" in page and "Seller wants 40 million" in page  # while it reads the problem
    assert department.post_form(f"/problems/{problem.id}/handover", {
        "unit": org.units["team"].id, "reason": "The team handles this investor"}).status_code == 303
    assert department.get(f"/problems/{problem.id}").status_code == 404  # the department lost it …
    page = department.get("/notifications").get_data(as_text=True)
    assert "Quiet harbour depot" not in page and "Seller wants 40 million" not in page  # … and its text
    assert "has moved to a unit whose problems you do not read" in page
    assert 'name="open"' not in page  # no link to a page it may not open
    # the unit that now holds it reads its notification in full
    page = login("team").get("/notifications").get_data(as_text=True)
    assert "Quiet harbour depot" in page and "Seller wants 40 million" in page
