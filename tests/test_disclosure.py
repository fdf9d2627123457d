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
