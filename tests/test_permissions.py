"""Every permission decision, as a matrix: each role × (own unit, unit below, another unit,
the bureau); and every protected URL refuses an anonymous visitor."""
from __future__ import annotations

import re
import tempfile

import peewee
import pytest
from flask_login import AnonymousUserMixin

from portal import hookimpl, plugins
from portal import permissions as perm
from portal.models import Project, Unit, User

UNITS = ("bureau", "county_a", "town_a", "county_b", "department", "team")

# user -> the org units whose records the user reads (None: all of them)
READS = {
    "admin": None,
    "bureau": None,
    "leader": None,
    "unit_a": {"county_a", "town_a"},   # own county and the town below it
    "town_a": {"town_a"},               # not the county above
    "unit_b": {"county_b"},
    "department": {"department"},
    "team": {"team"},
}
# user -> the units whose records the user creates and changes
EDITS = {
    "admin": set(),  # administrators manage the organisation, not projects
    "bureau": set(UNITS),
    "leader": set(),  # leaders read, never edit
    "unit_a": {"county_a", "town_a"},
    "town_a": {"town_a"},
    "unit_b": {"county_b"},
    "department": set(),
    "team": {"team"},
}


def _all(units):
    return set(UNITS) if units is None else units


@pytest.mark.parametrize("username", READS)
def test_unit_read_and_edit_matrix(org, username):
    user = org.users[username]
    for key in UNITS:
        unit = org.units[key]
        assert perm.can_read_unit(user, unit) == (key in _all(READS[username])), (username, key, "read")
        assert perm.can_edit_unit(user, unit) == (key in EDITS[username]), (username, key, "edit")


@pytest.mark.parametrize("username", READS)
def test_readable_and_editable_unit_queries_agree_with_the_matrix(org, username):
    user = org.users[username]
    ids = perm.readable_unit_ids(user)
    readable = {u.id for u in Unit.select()} if ids is None else set(ids)
    assert readable == {org.units[k].id for k in _all(READS[username])}
    assert {u.id for u in perm.editable_units(user)} == {org.units[k].id for k in EDITS[username]}



@pytest.fixture(autouse=True)
def _app_context(app):
    """Permission functions run in an app context, as in a request or a command: features answer
    the ``portal_project_read_grants`` hook through the app's plugins."""
    with app.app_context():
        yield

@pytest.fixture
def projects(make_project):
    """One project per unit of the org fixture."""
    return {key: make_project(name=f"P {key}", unit=key) for key in UNITS}


@pytest.mark.parametrize("username", READS)
def test_visible_projects_and_project_permissions(org, projects, username):
    user = org.users[username]
    visible = {p.name for p in perm.visible_projects(user)}
    assert visible == {f"P {k}" for k in _all(READS[username])}
    # The filter composes with a caller's query (still one SQL query, no Python loop).
    narrowed = perm.visible_projects(user, Project.select().where(Project.name == "P county_a"))
    assert [p.name for p in narrowed] == (["P county_a"] if "county_a" in _all(READS[username]) else [])
    for key, project in projects.items():
        assert perm.can_read_project(user, project) == (key in _all(READS[username])), (username, key)
        assert perm.can_edit_project(user, project) == (key in EDITS[username]), (username, key)
        assert perm.can_archive_project(user, project) == (key in EDITS[username]), (username, key)
    assert perm.can_create_project(user) == bool(EDITS[username])


@pytest.mark.parametrize("username", READS)
def test_archived_projects_are_changed_only_by_the_bureau(org, make_project, username):
    project = make_project(name="Old", unit="county_a", archived=True)
    assert perm.can_edit_project(org.users[username], project) == (username == "bureau")
    assert perm.can_restore_project(org.users[username]) == (username == "admin")


CONFIDENTIAL_SEEN_BY = {"admin", "bureau", "leader", "unit_a"}


@pytest.mark.parametrize("username", READS)
def test_confidential_investor_shown_to_owning_unit_bureau_and_leaders(org, make_project, username):
    secret = make_project(name="Secret", unit="county_a", is_confidential=True)
    public = make_project(name="Public", unit="county_a")
    user = org.users[username]
    assert perm.can_see_confidential(user, secret) == (username in CONFIDENTIAL_SEEN_BY)
    assert perm.can_see_confidential(user, public)


@pytest.mark.parametrize("username", READS)
def test_organisation_and_bureau_powers(org, username):
    user = org.users[username]
    assert perm.can_manage_organisation(user) == (username == "admin")
    assert perm.can_read_audit_log(user) == (username in ("admin", "bureau"))
    assert perm.can_correct_stages(user) == (username == "bureau")
    assert perm.can_verify_stages(user) == (username == "bureau")
    assert perm.sees_everything(user) == (username in ("admin", "bureau", "leader"))


@pytest.mark.parametrize("username", READS)
def test_deactivated_user_reads_and_edits_nothing(org, projects, username):
    user = org.users[username]
    User.update(active=False).where(User.id == user.id).execute()
    user = User.get_by_id(user.id)
    for key in UNITS:
        assert not perm.can_read_unit(user, org.units[key])
        assert not perm.can_edit_unit(user, org.units[key])
        assert not perm.can_edit_project(user, projects[key])
    assert list(perm.visible_projects(user)) == []
    assert not perm.can_manage_organisation(user)


def test_anonymous_user_reads_nothing(org, projects):
    anonymous = AnonymousUserMixin()
    assert not perm.can_read_unit(anonymous, org.units["county_a"])
    assert not perm.can_edit_project(anonymous, projects["county_a"])
    assert list(perm.visible_projects(anonymous)) == []
    confidential = Project(is_confidential=True, responsible_unit=org.units["county_a"])
    assert not perm.can_see_confidential(anonymous, confidential)


def test_unit_moved_below_another_changes_who_reads_it(org, make_project):
    """The tree is the only source of truth: move town A1 under county B and its records follow."""
    project = make_project(name="Town project", unit="town_a")
    town = org.units["town_a"]
    town.parent = org.units["county_b"]
    town.save_with_path()
    project = Project.get_by_id(project.id)
    assert perm.can_read_project(org.users["unit_b"], project)
    assert not perm.can_read_project(org.users["unit_a"], project)


# Every protected URL -------------------------------------------------------------------

#: The API's description and its reference page are public (they describe the API, no record);
#: every API endpoint that reads or writes a record needs a token.
PUBLIC_ENDPOINTS = {"static", "auth.login", "auth.logout", "auth.set_language", "home.healthz",
                    "api.openapi_json", "api.docs"}


def _rules():
    """The URL rules of the portal as installed now (every feature's blueprint)."""
    from portal import create_app

    with tempfile.TemporaryDirectory() as instance:
        app = create_app({"DATABASE_URL": "sqlite:///:memory:", "INSTANCE_PATH": instance,
                          "SECRET_KEY": "x", "STRICT_PLUGINS": True})
        rules = []
        for rule in app.url_map.iter_rules():
            if rule.endpoint in PUBLIC_ENDPOINTS or rule.endpoint.endswith(".static"):
                continue
            method = "GET" if "GET" in rule.methods else sorted(rule.methods - {"HEAD", "OPTIONS"})[0]
            rules.append(pytest.param(rule.rule, rule.endpoint, method, id=f"{method} {rule.rule}"))
    return rules


def _url(rule: str) -> str:
    """Fill every <converter:arg> of a rule with 1 (an id nobody has in an empty database)."""
    return re.sub(r"<(?:[^:<>]+:)?[^<>]+>", "1", rule)


def pytest_generate_tests(metafunc):
    if "protected_rule" in metafunc.fixturenames:
        metafunc.parametrize("protected_rule, endpoint, method", _rules())


def test_protected_url_refuses_anonymous(client, protected_rule, endpoint, method):
    url = _url(protected_rule)
    if method == "GET":
        response = client.get(url)
    else:  # a valid CSRF token, so the refusal comes from the login check, not from CSRF
        response = client.open(url, method=method, data={"csrf_token": client.csrf_token()})
    assert response.status_code != 200 and response.status_code < 500, (endpoint, response.status_code)
    if response.status_code in (301, 302, 303, 307, 308):
        assert "/login" in response.headers["Location"], (endpoint, response.headers["Location"])
    else:
        assert response.status_code in (401, 403, 404), (endpoint, response.status_code)


def test_protected_url_by_htmx_asks_for_a_full_page_login(client, org):
    response = client.htmx("GET", "/admin/users")
    assert response.status_code == 401
    assert response.headers["HX-Redirect"].startswith("/login")


@pytest.mark.parametrize("username", ["admin", "bureau", "leader", "unit_a", "department"])
def test_every_page_answers_without_server_error_for_each_role(app, login, username):
    """GET every page (ids that do not exist) as each role: a page, a refusal or a 404,
    never a 500."""
    client = login(username)
    failures = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint == "static" or rule.endpoint.endswith(".static"):
            continue
        response = client.get(_url(rule.rule))
        if response.status_code >= 500:
            failures.append(f"{rule.rule}: {response.status_code}")
    assert not failures, failures


def test_a_department_reads_its_granted_projects_by_their_ids(login, org, make_project, monkeypatch):
    """A department reads the projects where it holds a problem (the problems feature's grant). Its list
    finds them by their ids, read first: as subqueries in the OR with the department's own projects,
    PostgreSQL read a list's every project to find them (100,000 projects: 114 ms for /projects, 0.7 ms
    by the ids). Beyond GRANTED_IDS_WRITTEN_OUT ids the subqueries come back, with the same rows."""
    from portal.models import Problem
    from tests.problems_helpers import local_today
    from tests.query_log import queries_sent

    granted = [make_project(name=f"Granted works {number}", unit="county_a") for number in range(2)]
    make_project(name="Works of County A alone", unit="county_a")
    for project in granted:
        Problem.create(project=project, category="land", description="Land", raised_by=org.users["unit_a"],
                       assigned_unit=org.units["department"], deadline=local_today())
    client = login("department")
    for written_out in (perm.GRANTED_IDS_WRITTEN_OUT, 1):
        monkeypatch.setattr(perm, "GRANTED_IDS_WRITTEN_OUT", written_out)
        with queries_sent(monkeypatch) as sent:
            page = client.get("/projects").get_data(as_text=True)
        assert "Granted works 0" in page and "Granted works 1" in page, written_out
        assert "Works of County A alone" not in page, written_out
        [rows] = [sql for sql, _ in sent if 'FROM "project" AS "t1" INNER JOIN "unit"' in sql]
        assert ('FROM "problem"' in rows) == (written_out == 1), rows


class RefusedGrants:
    """A plugin whose grants are wrong: one the database refuses, one that selects names, not ids."""

    @hookimpl
    def portal_project_read_grants(self, user):
        return [Project.select(Project.id).where(peewee.SQL("no_such_column = 1")), Project.select(Project.name)]


def test_a_grant_the_database_refuses_is_the_plugins_failure_and_grants_nothing(app, org, make_project):
    """A plugin's grant is untrusted: a query the database refuses, or one that selects anything but
    project ids, is that plugin's reported failure. The department's pages still render, the problems
    feature's grant still holds, and a transaction the grant was read in goes on (PostgreSQL refuses
    every later statement of a transaction after an error, so the grant is read in a savepoint)."""
    from portal.models import Problem
    from portal.db import database
    from tests.plugins_helpers import login_to, other_app, temporary_plugin
    from tests.problems_helpers import local_today

    granted = make_project(name="Granted works", unit="county_a")
    other = make_project(name="Works of County A alone", unit="county_a")
    Problem.create(project=granted, category="land", description="Land", raised_by=org.users["unit_a"],
                   assigned_unit=org.units["department"], deadline=local_today())
    portal = other_app(app, STRICT_PLUGINS=False)
    with temporary_plugin(portal, RefusedGrants(), name="refused_grants"):
        department = login_to(portal, "department")
        listed = department.get("/projects")
        assert listed.status_code == 200
        assert "Granted works" in listed.get_data(as_text=True)
        assert "Works of County A alone" not in listed.get_data(as_text=True)
        assert department.get(f"/projects/{granted.id}").status_code == 200
        assert department.get(f"/projects/{other.id}").status_code == 404
        with portal.app_context(), database.atomic():
            user = User.get_by_id(org.users["department"].id)
            assert perm.can_read_project(user, granted) and not perm.can_read_project(user, other)
            assert Project.select().where(Project.id == granted.id).exists()  # the transaction goes on
        with portal.app_context():
            failures = [(f.plugin, f.where) for f in plugins.registry().all_failures()]
    assert failures.count(("refused_grants", "portal_project_read_grants")) >= 1, failures
