"""The JSON API (/api): tokens made and revoked on the account page, only bearer tokens open it,
the same permissions, filters and masking as the pages, problem details, rate limits, writes."""
from __future__ import annotations

import datetime as dt
import hashlib
import re
from decimal import Decimal

import pytest

from tests.test_forms_roundtrip import make_city

SECRET_RE = re.compile(r"ipt_[A-Za-z0-9_-]{40,}")
ROW_LINK_RE = re.compile(r'<td class="project-name"><a href="/projects/(\d+)"')
ROLES = ("admin", "bureau", "leader", "unit_a", "town_a", "unit_b", "department", "team")


def bearer(secret: str) -> dict:
    return {"Authorization": f"Bearer {secret}"}


def make_token_on_page(client, name="Monthly report", access="read", days="30") -> str:
    """Make a token as a user does (the account page) and read the secret from the answer."""
    response = client.post_form("/account/api-tokens", {"name": name, "days": days, "access": access})
    assert response.status_code == 201, response.get_data(as_text=True)
    secrets = SECRET_RE.findall(response.get_data(as_text=True))
    assert len(set(secrets)) == 1
    return secrets[0]


@pytest.fixture
def city(app, org, make_project):
    """The forms round-trip city, plus a confidential County A project whose problem the
    department holds (the department reads the project but not its investor)."""
    from portal.models import Enterprise, Problem

    with app.app_context():
        make_city(org, make_project)
        secret_investor = Enterprise.create(name="Hidden Motors", credit_code="91310000MA1FL0000X")
        hidden = make_project(name="Motor works", unit="county_a", enterprise=secret_investor, is_confidential=True,
                              stage="signed", signed_on=dt.date(2026, 4, 1), industry_code="newenergy")
        Problem.create(project=hidden, category="land", description="Power line", raised_by=org.users["unit_a"],
                       assigned_unit=org.units["department"], deadline=dt.date(2026, 12, 31))
        for n in range(4):  # enough rows for several pages of two
            make_project(name=f"County A plant {n}", unit="county_a", clue_on=dt.date(2026, 1, 10 + n))
    return org


@pytest.fixture
def tokens_for(app, city):
    """``tokens_for(role, read_only=True)`` → a usable secret of that role's user."""
    from portal.api import tokens

    def _make(role: str, read_only: bool = True) -> str:
        with app.app_context():
            return tokens.issue(city.users[role], f"{role} script", 30, read_only).secret

    return _make


# Tokens ------------------------------------------------------------------------------------------

def test_a_token_is_shown_once_stored_hashed_used_and_revoked(app, city, login):
    from portal.models import ApiToken, AuditLog

    client = login("unit_a")
    secret = make_token_on_page(client)
    assert secret not in client.get("/account/api-tokens").get_data(as_text=True)  # shown once only
    with app.app_context():
        token = ApiToken.get()
        assert token.token_hash == hashlib.sha256(secret.encode()).hexdigest()
        assert secret not in " ".join(str(v) for v in token.__data__.values())
        assert token.read_only and token.last_used_at is None
        made = AuditLog.get(AuditLog.entity == "api_token")
        assert made.user_id == city.users["unit_a"].id and made.api_token_id is None  # made in a page

    api = app.test_client()
    assert api.get("/api/projects", headers=bearer(secret)).status_code == 200
    with app.app_context():
        assert ApiToken.get().last_used_at is not None

    page = client.get("/account/api-tokens").get_data(as_text=True)
    action = re.search(r'action="(/account/api-tokens/\d+/revoke)"', page).group(1)
    assert client.post_form(action).status_code == 303
    answer = api.get("/api/projects", headers=bearer(secret))
    assert answer.status_code == 401 and answer.mimetype == "application/problem+json"
    with app.app_context():
        revoked = AuditLog.get(AuditLog.entity == "api_token", AuditLog.action == "revoke")
        assert revoked.user_id == city.users["unit_a"].id and revoked.note == "Monthly report"
    assert "Monthly report" in login("admin").get("/admin/audit").get_data(as_text=True)


def test_others_may_not_revoke_a_token_but_an_administrator_may(app, city, login, tokens_for):
    from portal.models import ApiToken

    secret = tokens_for("unit_a")
    with app.app_context():
        token_id = ApiToken.get().id
    action = f"/account/api-tokens/{token_id}/revoke"
    assert login("unit_b").post_form(action).status_code == 404
    assert app.test_client().get("/api/units", headers=bearer(secret)).status_code == 200
    admin = login("admin")
    assert "unit_a script" in admin.get("/account/api-tokens/all").get_data(as_text=True)
    assert admin.post_form(action).status_code == 303
    assert app.test_client().get("/api/units", headers=bearer(secret)).status_code == 401


def test_expired_tokens_and_deactivated_users_are_refused(app, city, tokens_for):
    from portal.models import ApiToken, User
    from portal.models.fields import utcnow

    expired, deactivated = tokens_for("unit_a"), tokens_for("unit_b")
    with app.app_context():
        ApiToken.update(expires_at=utcnow() - dt.timedelta(seconds=1)).where(
            ApiToken.user == city.users["unit_a"].id).execute()
        User.update(active=False).where(User.id == city.users["unit_b"].id).execute()
    client = app.test_client()
    for secret in (expired, deactivated, "ipt_" + "x" * 43, ""):
        response = client.get("/api/units", headers=bearer(secret))
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_the_token_form_refuses_bad_values_at_the_field(city, login):
    client = login("unit_a")
    response = client.post_form("/account/api-tokens", {"name": "", "days": "999", "access": "read"})
    assert response.status_code == 422
    assert not SECRET_RE.search(response.get_data(as_text=True))


def test_session_cookies_do_not_open_the_api(city, login):
    client = login("bureau")
    assert client.get("/projects").status_code == 200  # the session works for pages …
    response = client.get("/api/projects")
    assert response.status_code == 401  # … not for the API
    token = client.csrf_token()
    write = client.post("/api/projects/1/stage", json={"to_stage": "started", "on_date": "2026-05-01"},
                        headers={"X-CSRFToken": token, "If-Match": '"1"'})
    assert write.status_code == 401


def test_a_session_still_to_set_up_two_factor_login_gets_the_apis_401_not_a_page(app, city, login):
    app.config["REQUIRE_2FA"] = "bureau"
    client = login("bureau")
    assert client.get("/projects").status_code == 303  # pages send it to the set-up page …
    response = client.get("/api/projects")
    assert response.status_code == 401 and response.mimetype == "application/problem+json"  # … the API answers


def test_tokens_do_not_open_pages(app, tokens_for):
    client = app.test_client()
    secret = tokens_for("bureau")
    for url in ("/projects", "/dashboard", "/account/api-tokens", "/"):
        response = client.get(url, headers=bearer(secret))
        assert response.status_code == 302 and "/login" in response.location


def test_the_rate_limit_is_counted_in_the_database_for_every_process(app, tokens_for):
    from portal import create_app
    from portal.models import ApiToken

    app.config["API_RATE_LIMIT"] = 3
    secret = tokens_for("leader")
    client = app.test_client()
    assert [client.get("/api/units", headers=bearer(secret)).status_code for _ in range(3)] == [200] * 3
    refused = client.get("/api/units", headers=bearer(secret))
    assert refused.status_code == 429 and refused.mimetype == "application/problem+json"
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    # Another process (another app on the same database) counts the same requests.
    other = create_app({"DATABASE_URL": app.config["DATABASE_URL"], "INSTANCE_PATH": app.instance_path,
                        "SECRET_KEY": "test-secret", "TESTING": True, "API_RATE_LIMIT": 3})
    assert other.test_client().get("/api/units", headers=bearer(secret)).status_code == 429
    with app.app_context():
        assert ApiToken.get().rate_count == 5


# Problems -------------------------------------------------------------------------------------------

def test_bad_input_is_a_problem_naming_the_field(app, tokens_for):
    client = app.test_client()
    secret = tokens_for("bureau")
    for url, field in (("/api/projects?flag=purple", "flag"), ("/api/projects?limit=0", "limit"),
                       ("/api/projects?from=yesterday", "from"), ("/api/projects?min=10&max=5", "max"),
                       ("/api/projects?unit=999999", "unit"), ("/api/projects?cursor=nonsense", "cursor"),
                       ("/api/figures?period=2026-Q9", "period"), ("/api/projects?list=signed&stage=clue", "stage")):
        response = client.get(url, headers=bearer(secret))
        body = response.get_json()
        assert response.status_code == 400, url
        assert response.mimetype == "application/problem+json"
        assert body["status"] == 400 and body["title"]
        assert field in [e["field"] for e in body["errors"]], (url, body)


def test_unknown_addresses_and_methods_under_api_are_problems(app, tokens_for):
    client = app.test_client()
    secret = tokens_for("bureau")
    missing = client.get("/api/projects/2147483647", headers=bearer(secret))
    assert missing.status_code == 404 and missing.mimetype == "application/problem+json"
    assert client.get("/api/nothing-here").mimetype == "application/problem+json"
    wrong_method = client.delete("/api/projects", headers=bearer(secret))
    assert wrong_method.status_code == 405 and wrong_method.mimetype == "application/problem+json"
    assert client.get("/no-such-page").mimetype == "text/html"  # pages keep their error page


# The same projects as the pages ------------------------------------------------------------------------

def _all_ids(client, secret, url, params) -> list[int]:
    """The ids of every page of an API list, following the cursor two rows at a time."""
    ids, cursor = [], None
    for _ in range(50):
        query = dict(params, limit="2", **({"cursor": cursor} if cursor else {}))
        body = client.get(url, query_string=query, headers=bearer(secret)).get_json()
        ids += [item["id"] for item in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            assert body["total"] == len(ids)
            return ids
    raise AssertionError("the cursor never ended")


LIST_URLS = {"all": "/projects", "clues": "/lists/clues", "signed": "/lists/signed", "landed": "/lists/landed",
             "production": "/lists/production"}


def test_each_list_endpoint_returns_the_projects_of_its_page_in_the_same_order(app, city, login, tokens_for):
    county_a = city.units["county_a"].id
    filter_sets = ({}, {"q": "plant"}, {"q": "Ningde"}, {"q": "Hidden"}, {"key": "1"}, {"sort": "name"},
                   {"sort": "-amount"}, {"industry": "newenergy"}, {"unit": str(county_a)}, {"from": "2026-01-11"},
                   {"signed_from": "2026-01-01", "signed_to": "2026-12-31"}, {"three500": "1"})
    api = app.test_client()
    compared = 0
    for role in ("bureau", "unit_a", "town_a", "unit_b", "department", "team"):
        page_client, secret = login(role), tokens_for(role)
        for key, url in LIST_URLS.items():
            for params in filter_sets if key == "all" else filter_sets[:2] + filter_sets[6:7]:
                page = page_client.get(url, query_string=params)
                if page.status_code != 200:  # e.g. a unit filter the role may not use: both refuse
                    assert api.get("/api/projects", query_string=dict(params, list=key),
                                   headers=bearer(secret)).status_code == 400
                    continue
                page_ids = [int(i) for i in ROW_LINK_RE.findall(page.get_data(as_text=True))]
                assert _all_ids(api, secret, "/api/projects", dict(params, list=key)) == page_ids, (role, key, params)
                compared += bool(page_ids)
    assert compared > 20  # the comparison saw projects, not only empty lists


def test_a_project_opens_in_the_api_exactly_when_its_page_opens(app, city, login, tokens_for):
    from portal.models import Project

    with app.app_context():
        ids = [p.id for p in Project.select(Project.id)]
    api = app.test_client()
    for role in ROLES:
        page_client, secret = login(role), tokens_for(role)
        for project_id in ids:
            page = page_client.get(f"/projects/{project_id}").status_code
            answer = api.get(f"/api/projects/{project_id}", headers=bearer(secret)).status_code
            assert (page, answer) in ((200, 200), (404, 404)), (role, project_id, page, answer)


def test_confidential_investors_are_masked_as_in_the_pages(app, city, tokens_for):
    api = app.test_client()
    department, unit_a = tokens_for("department"), tokens_for("unit_a")
    hidden = [p for p in api.get("/api/projects", headers=bearer(department)).get_json()["items"]
              if p["name"] == "Motor works"]
    assert hidden and hidden[0]["investor"] == {"id": None, "name": "Confidential investor", "masked": True}
    assert api.get("/api/projects?q=Hidden", headers=bearer(department)).get_json()["items"] == []
    names = [i["name"] for i in api.get("/api/investors", headers=bearer(department)).get_json()["items"]]
    assert "Hidden Motors" not in names and "Ningde Battery Co" in names
    own = [p for p in api.get("/api/projects", headers=bearer(unit_a)).get_json()["items"]
           if p["name"] == "Motor works"]
    assert own[0]["investor"]["name"] == "Hidden Motors" and not own[0]["investor"]["masked"]
    assert "Hidden Motors" in [i["name"] for i in api.get("/api/investors", headers=bearer(unit_a)).get_json()["items"]]


def test_investors_come_a_page_at_a_time_and_are_those_the_projects_show(app, city, tokens_for, monkeypatch,
                                                                         make_project):
    """/api/investors names, a page at a time, exactly the investors /api/projects shows
    unmasked on the projects the user reads; asked for each investor or as a set, the same."""
    from portal.models import Enterprise
    from portal.sourcing import permissions

    with app.app_context():  # investors of several units, one with two projects, one of an archived project
        for n, unit in enumerate(["county_a", "town_a", "county_b", "county_b", "team"]):
            investor = Enterprise.create(name=f"Investor {n}")
            make_project(name=f"Invested works {n}", unit=unit, enterprise=investor)
            if n == 2:
                make_project(name="Invested works again", unit="county_a", enterprise=investor)
        make_project(name="Archived works", unit="county_a", enterprise=Enterprise.create(name="Gone investor"),
                     archived=True)
    api = app.test_client()
    compared = 0
    for role in ROLES:
        secret = tokens_for(role)
        shown, cursor = set(), None
        while True:
            body = api.get("/api/projects", query_string={"limit": "200", **({"cursor": cursor} if cursor else {})},
                           headers=bearer(secret)).get_json()
            shown |= {p["investor"]["id"] for p in body["items"]
                      if p["investor"] and p["investor"]["id"] is not None and not p["investor"]["masked"]}
            cursor = body["next_cursor"]
            if cursor is None:
                break
        for many in (True, False):  # each investor asked in turn, or the user's projects' investors as a set
            monkeypatch.setattr(permissions, "units_hold_many_projects", lambda user, many=many: many)
            whole = api.get("/api/investors?limit=200", headers=bearer(secret)).get_json()
            assert whole["next_cursor"] is None
            ids, cursor = [], None
            for _ in range(50):
                body = api.get("/api/investors", query_string={"limit": "2", **({"cursor": cursor} if cursor else {})},
                               headers=bearer(secret)).get_json()
                assert len(body["items"]) <= 2
                ids += [item["id"] for item in body["items"]]
                cursor = body["next_cursor"]
                if cursor is None:
                    break
            assert ids == [item["id"] for item in whole["items"]], (role, many)
            assert set(ids) == shown, (role, many)
            compared += len(ids)
    assert compared > 10  # the comparison saw investors, not only empty lists


def test_units_are_those_the_user_reads(app, city, tokens_for):
    api = app.test_client()
    names = {role: {u["name"] for u in api.get("/api/units", headers=bearer(tokens_for(role))).get_json()["items"]}
             for role in ("bureau", "unit_a", "unit_b")}
    assert {"County A", "Town A1", "County B", "Bureau"} <= names["bureau"]
    assert names["unit_a"] == {"County A", "Town A1"}
    assert names["unit_b"] == {"County B"}


def test_figures_are_the_dashboards_for_the_period_and_scope(app, city, tokens_for):
    from portal import figures
    from portal.figures import Scope
    from portal.periods import Period

    api = app.test_client()
    body = api.get("/api/figures?period=2026", headers=bearer(tokens_for("unit_a"))).get_json()
    assert body["period"] == {"code": "2026", "start": "2026-01-01", "end": "2026-12-31"}
    assert body["scope"]["unit"] == city.units["county_a"].id  # unit staff: their own unit, as the dashboard
    with app.test_request_context():
        expected = figures.compute(Period.parse("2026"), Scope(unit_id=city.units["county_a"].id))
        want = {f.key: None if f.value is None else str(f.value) for f in expected}
    assert {f["key"]: f["value"] for f in body["figures"]} == want
    assert want["signed_count"] != "0"  # the comparison covers a signing, not only zeros
    other = api.get(f"/api/figures?period=2026&unit={city.units['county_a'].id}", headers=bearer(tokens_for("unit_b")))
    assert other.status_code == 403 and other.mimetype == "application/problem+json"


# Writes --------------------------------------------------------------------------------------------------

def _battery(app):
    from portal.models import Project

    with app.app_context():
        return Project.get(Project.name == "Battery plant")


def test_a_stage_change_needs_a_writing_token_and_the_current_version(app, city, tokens_for, login):
    from portal.api.tokens import hash_secret
    from portal.models import ApiToken, AuditLog, Project

    project = _battery(app)
    url = f"/api/projects/{project.id}/stage"
    change = {"to_stage": "started", "on_date": "2026-05-04", "note": "Ground broken"}
    api = app.test_client()
    read_only, writer = tokens_for("unit_a"), tokens_for("unit_a", read_only=False)
    version = api.get(f"/api/projects/{project.id}", headers=bearer(writer)).headers["ETag"]

    refused = api.post(url, json=change, headers={**bearer(read_only), "If-Match": version})
    assert refused.status_code == 403 and refused.mimetype == "application/problem+json"
    assert api.post(url, json=change, headers=bearer(writer)).status_code == 428
    assert api.post(url, json=change, headers={**bearer(writer), "If-Match": '"99"'}).status_code == 412
    bad = api.post(url, json={**change, "on_date": "soon"}, headers={**bearer(writer), "If-Match": version})
    assert bad.status_code == 422 and [e["field"] for e in bad.get_json()["errors"]] == ["on_date"]
    backwards = api.post(url, json={**change, "to_stage": "clue"}, headers={**bearer(writer), "If-Match": version})
    assert backwards.status_code == 422 and backwards.get_json()["errors"][0]["field"] == "to_stage"
    with app.app_context():
        assert Project.get_by_id(project.id).stage == "signed"  # nothing of the refused ones was saved

    done = api.post(url, json=change, headers={**bearer(writer), "If-Match": version})
    assert done.status_code == 200, done.get_json()
    assert done.get_json()["stage"] == "started" and done.headers["ETag"] != version
    assert done.get_json()["stage_history"][-1]["to_stage"] == "started"
    with app.app_context():
        entry = AuditLog.select().where(AuditLog.entity == "project", AuditLog.action == "stage").get()
        assert entry.user_id == city.users["unit_a"].id  # attributed to the token's user …
        assert entry.api_token_id == ApiToken.get(ApiToken.token_hash == hash_secret(writer)).id  # … and the token
    assert f"API token #{entry.api_token_id}" in login("admin").get("/admin/audit").get_data(as_text=True)
    stale = api.post(url, json={**change, "to_stage": "completed"}, headers={**bearer(writer), "If-Match": version})
    assert stale.status_code == 412


def test_only_the_projects_editors_may_change_its_stage(app, city, tokens_for):
    project = _battery(app)
    api = app.test_client()
    change = {"to_stage": "started", "on_date": "2026-05-04"}
    for role, status in (("leader", 403), ("department", 403), ("team", 403), ("unit_b", 404), ("town_a", 404)):
        response = api.post(f"/api/projects/{project.id}/stage", json=change,
                            headers={**bearer(tokens_for(role, read_only=False)), "If-Match": '"1"'})
        assert response.status_code == status, role


# The description -----------------------------------------------------------------------------------------

def test_the_openapi_description_is_valid_and_the_reference_page_loads_nothing_from_elsewhere(app):
    from openapi_spec_validator import validate

    client = app.test_client()
    description = client.get("/api/openapi.json").get_json()
    validate(description)
    assert description["openapi"].startswith("3.1")
    assert {"/api/projects", "/api/projects/{project_id}", "/api/projects/{project_id}/stage", "/api/units",
            "/api/industries", "/api/investors", "/api/figures", "/api/problems", "/api/weekly-reports",
            "/api/projects/{project_id}/progress", "/api/projects/{project_id}/problems",
            "/api/problems/{problem_id}/answers", "/api/commitments", "/api/province-report",
            "/api/province-report.xlsx"} <= set(description["paths"])
    flag = next(p for p in description["paths"]["/api/projects"]["get"]["parameters"] if p["name"] == "flag")
    assert flag["schema"]["enum"] == ["green", "yellow", "red"]
    page = client.get("/api/docs")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "/api/projects/{project_id}/stage" in html and "StageChangeIn" in html
    assert not re.search(r'(src|href)="(https?:)?//', html)


def test_the_problems_endpoint_returns_the_problems_of_the_board(app, city, login, tokens_for):
    from portal.models import Problem

    with app.app_context():
        project = _battery(app)
        for n in range(3):
            Problem.create(project=project, category="approvals", description=f"Permit {n}",
                           raised_by=city.users["unit_a"], assigned_unit=city.units["county_b"],
                           deadline=dt.date(2026, 1, 1 + n), state="resolved" if n == 2 else "open")
    board_link = re.compile(r'<td><a href="/problems/(\d+)">')
    api = app.test_client()
    compared = 0
    for role in ("bureau", "unit_a", "unit_b", "department", "team", "town_a"):
        page_client, secret = login(role), tokens_for(role)
        for params in ({}, {"state": "active"}, {"category": "approvals"}, {"q": "Permit"}, {"overdue": "1"},
                       {"department": str(city.units["department"].id)}):
            page = page_client.get("/problems", query_string=params)
            assert page.status_code == 200
            page_ids = [int(i) for i in board_link.findall(page.get_data(as_text=True))]
            ids = _all_ids(api, secret, "/api/problems", params)
            assert ids == page_ids, (role, params)
            compared += bool(ids)
    assert compared > 10
    bad = api.get("/api/problems?state=asleep", headers=bearer(tokens_for("bureau")))
    assert bad.status_code == 400 and bad.get_json()["errors"][0]["field"] == "state"


def test_the_weekly_report_is_the_pages_and_progress_is_filed_as_in_a_row(app, city, login, tokens_for):
    from portal.models import AuditLog, ProgressReport
    from portal.timeutil import iso_week, today

    api = app.test_client()
    project = _battery(app)
    with app.app_context():
        week = iso_week(today())
    county_a = city.units["county_a"].id
    report = api.get(f"/api/weekly-reports?unit={county_a}", headers=bearer(tokens_for("unit_a"))).get_json()
    page = login("unit_a").get(f"/scheduling/report?unit={county_a}").get_data(as_text=True)
    assert report["week"] == week and [r["project"]["name"] for r in report["rows"]]
    for row in report["rows"]:
        assert row["project"]["name"] in page
    battery = next(r for r in report["rows"] if r["project"]["id"] == project.id)
    assert [e["next_steps"] for e in battery["entries"]] == ["Sign the lease"]
    # A page at a time, in the report's order: the pages hold every row once.
    paged, number = [], 1
    while True:
        part = api.get(f"/api/weekly-reports?unit={county_a}&limit=2&page={number}",
                       headers=bearer(tokens_for("unit_a"))).get_json()
        assert part["total"] == len(report["rows"]) and part["pages"] == -(-part["total"] // 2)
        assert len(part["rows"]) <= 2
        paged += [r["project"]["id"] for r in part["rows"]]
        if number >= part["pages"]:
            break
        number += 1
    assert paged == [r["project"]["id"] for r in report["rows"]] and len(paged) > 2
    assert report["reported"] >= 1  # the battery's entry
    refused = api.get(f"/api/weekly-reports?unit={county_a}", headers=bearer(tokens_for("unit_b")))
    assert refused.status_code == 403
    assert api.get("/api/weekly-reports?week=2026-W99", headers=bearer(tokens_for("unit_b"))).status_code == 400

    url = f"/api/projects/{project.id}/progress"
    team = tokens_for("team", read_only=False)  # the stationed team that sourced it reports too
    empty = api.post(url, json={"happened": "", "percent_complete": 20}, headers=bearer(team))
    assert empty.status_code == 422 and empty.get_json()["errors"][0]["field"] == "happened"
    assert api.post(url, json={"happened": "x", "percent_complete": 120}, headers=bearer(team)).status_code == 422
    done = api.post(url, json={"happened": "Lease signed", "percent_complete": 50}, headers=bearer(team))
    assert done.status_code == 201 and done.get_json()["author"] == "Team"
    assert api.post(url, json={"happened": "x"}, headers=bearer(tokens_for("unit_b", read_only=False))).status_code \
        == 404
    assert api.post(url, json={"happened": "x"}, headers=bearer(tokens_for("leader", read_only=False))).status_code \
        == 403
    with app.app_context():
        assert ProgressReport.select().where(ProgressReport.project == project.id).count() == 2
        entry = AuditLog.select().where(AuditLog.action == "progress").order_by(AuditLog.id.desc()).get()
        assert entry.user_id == city.users["team"].id


def test_problems_are_raised_and_answered_as_in_the_pages(app, city, tokens_for):
    from portal.models import AuditLog, Notification, Problem

    api = app.test_client()
    project = _battery(app)
    department = city.units["department"].id
    raise_url = f"/api/projects/{project.id}/problems"
    problem = {"category": "utilities", "description": "No power yet", "assigned_unit": department,
               "deadline": "2099-01-31", "priority": "high"}
    writer = tokens_for("unit_a", read_only=False)
    past = api.post(raise_url, json={**problem, "deadline": "2020-01-01"}, headers=bearer(writer))
    assert past.status_code == 422 and past.get_json()["errors"][0]["field"] == "deadline"
    unknown = api.post(raise_url, json={**problem, "assigned_unit": 999999}, headers=bearer(writer))
    assert unknown.status_code == 422 and unknown.get_json()["errors"][0]["field"] == "assigned_unit"
    assert api.post(raise_url, json=problem, headers=bearer(tokens_for("leader", read_only=False))).status_code == 403
    assert api.post(raise_url, json=problem, headers=bearer(tokens_for("unit_b", read_only=False))).status_code == 404
    raised = api.post(raise_url, json=problem, headers=bearer(writer))
    assert raised.status_code == 201, raised.get_json()
    body = raised.get_json()
    assert body["state"] == "open" and body["assigned_unit"]["id"] == department
    with app.app_context():
        assert Notification.select().where(Notification.user == city.users["department"].id).exists()
        assert AuditLog.select().where(AuditLog.entity == "problem", AuditLog.entity_id == body["id"],
                                       AuditLog.user == city.users["unit_a"].id).exists()

    answer_url = f"/api/problems/{body['id']}/answers"
    assert api.post(answer_url, json={"text": "On it"}, headers=bearer(writer)).status_code == 403  # not assigned
    assert api.post(answer_url, json={"text": ""},
                    headers=bearer(tokens_for("department", read_only=False))).status_code == 422
    answered = api.post(answer_url, json={"text": "Line ordered"},
                        headers=bearer(tokens_for("department", read_only=False)))
    assert answered.status_code == 201 and answered.get_json()["state"] == "handling"
    with app.app_context():
        Problem.update(state="closed").where(Problem.id == body["id"]).execute()
    closed = api.post(answer_url, json={"text": "More"}, headers=bearer(tokens_for("department", read_only=False)))
    assert closed.status_code == 409 and closed.mimetype == "application/problem+json"
    assert api.post(answer_url, json={"text": "x"},
                    headers=bearer(tokens_for("unit_b", read_only=False))).status_code == 404


def test_the_commitments_endpoint_returns_the_open_commitments_of_the_board(app, city, login, tokens_for):
    from portal.models import Commitment

    with app.app_context():
        project = _battery(app)
        Commitment.create(project=project, kind="land", promise="Road by May", unit=city.units["county_b"],
                          due_date=dt.date(2020, 5, 1), created_by=city.users["bureau"])
        Commitment.create(project=project, kind="land", promise="Done already", unit=city.units["county_b"],
                          due_date=dt.date(2020, 5, 1), fulfilled_on=dt.date(2020, 4, 1),
                          created_by=city.users["bureau"])
    api = app.test_client()
    for role in ("bureau", "unit_a", "unit_b", "department", "town_a"):
        page = login(role).get("/problems").get_data(as_text=True)
        body = api.get("/api/commitments", headers=bearer(tokens_for(role))).get_json()
        promises = [c["promise"] for c in body["items"]]
        assert "Done already" not in promises
        for promise in ("Road by May", "Hand over 150 mu"):
            assert (promise in promises) == (promise in page), (role, promise)
    overdue = api.get("/api/commitments?overdue=1", headers=bearer(tokens_for("bureau"))).get_json()["items"]
    assert [c["promise"] for c in overdue] == ["Road by May"] and overdue[0]["overdue"]


def test_flagged_projects_carry_the_reasons_the_lists_show(app, city, login, tokens_for):
    from portal.models import Project

    project = _battery(app)
    with app.app_context():
        Project.update(flag="red", flag_reasons=[{"level": "red", "reason": "Land handover two weeks late"}]).where(
            Project.id == project.id).execute()
    items = app.test_client().get("/api/projects?flag=red", headers=bearer(tokens_for("leader"))).get_json()["items"]
    assert [(p["id"], p["flag"], p["flag_reasons"]) for p in items] == [
        (project.id, "red", ["Land handover two weeks late"])]
    assert "Land handover two weeks late" in login("leader").get("/projects?flag=red").get_data(as_text=True)


def test_a_project_is_edited_with_the_edit_forms_rules_and_its_version(app, city, tokens_for):
    from portal.models import AuditLog, Project

    project = _battery(app)
    url = f"/api/projects/{project.id}"
    api = app.test_client()
    writer = tokens_for("unit_a", read_only=False)
    etag = api.get(url, headers=bearer(writer)).headers["ETag"]
    with app.app_context():
        before = {f: getattr(Project.get_by_id(project.id), f) for f in ("park", "leader_id", "expected_jobs",
                                                                         "is_key", "enterprise_id", "land_area_mu")}

    empty_name = api.patch(url, json={"name": ""}, headers={**bearer(writer), "If-Match": etag})
    assert empty_name.status_code == 422 and empty_name.get_json()["errors"][0]["field"] == "name"
    elsewhere = api.patch(url, json={"responsible_unit": city.units["county_b"].id},
                          headers={**bearer(writer), "If-Match": etag})
    assert elsewhere.status_code == 422 and elsewhere.get_json()["errors"][0]["field"] == "responsible_unit"
    assert api.patch(url, json={"total_investment": "12000"}, headers=bearer(writer)).status_code == 428
    assert api.patch(url, json={"total_investment": "12000"},
                     headers={**bearer(tokens_for("leader", read_only=False)), "If-Match": etag}).status_code == 403

    done = api.patch(url, json={"total_investment": "12000", "is_key": False, "responsible_person": "Wang Fang"},
                     headers={**bearer(writer), "If-Match": etag})
    assert done.status_code == 200, done.get_json()
    assert Decimal(done.get_json()["total_investment"]) == 12000 and done.get_json()["is_key"] is False
    with app.app_context():
        fresh = Project.get_by_id(project.id)
        # Members not sent keep their values (the form was filled from the project).
        assert {f: getattr(fresh, f) for f in before if f != "is_key"} == {k: v for k, v in before.items()
                                                                         if k != "is_key"}
        entry = AuditLog.select().where(AuditLog.entity == "project", AuditLog.action == "edit").get()
        assert entry.user_id == city.users["unit_a"].id and entry.api_token_id is not None
        assert set(entry.changes) == {"total_investment", "is_key", "responsible_person", "version"}
    stale = api.patch(url, json={"park": "West park"}, headers={**bearer(writer), "If-Match": etag})
    assert stale.status_code == 412
    unchanged = api.patch(url, json={}, headers={**bearer(writer), "If-Match": done.headers["ETag"]})
    assert unchanged.status_code == 200 and unchanged.headers["ETag"] == done.headers["ETag"]  # nothing written


def test_a_project_is_entered_with_the_new_project_forms_rules(app, city, tokens_for):
    from portal.models import AuditLog, Project, StageChange

    api = app.test_client()
    writer = tokens_for("unit_a", read_only=False)
    new = {"name": "Solar glass line", "total_investment": "56000", "industry_code": "newenergy",
           "investor_name": "Bright Glass Co", "is_key": True}
    future = api.post("/api/projects", json={**new, "clue_on": "2099-01-01"}, headers=bearer(writer))
    assert future.status_code == 422 and future.get_json()["errors"][0]["field"] == "clue_on"
    assert api.post("/api/projects", json={"name": "No amount"}, headers=bearer(writer)).status_code == 422
    assert api.post("/api/projects", json=new, headers=bearer(tokens_for("leader", read_only=False))).status_code \
        == 403
    made = api.post("/api/projects", json=new, headers=bearer(writer))
    assert made.status_code == 201, made.get_json()
    body = made.get_json()
    assert body["stage"] == "clue" and body["responsible_unit"]["id"] == city.units["county_a"].id  # the form's default
    assert body["investor"]["name"] == "Bright Glass Co" and body["is_key"] is True
    with app.app_context():
        assert StageChange.select().where(StageChange.project == body["id"]).count() == 1
        assert AuditLog.get(AuditLog.entity == "project", AuditLog.entity_id == body["id"]).user_id == \
            city.users["unit_a"].id

    again = api.post("/api/projects", json=new, headers=bearer(writer))
    assert again.status_code == 409 and again.get_json()["duplicates"] == [{"id": body["id"], "name": new["name"]}]
    hidden = api.post("/api/projects", json=new, headers=bearer(tokens_for("unit_b", read_only=False)))
    assert hidden.status_code == 409  # County B may not read it: only told that one exists
    assert hidden.get_json()["duplicates"] == [] and hidden.get_json()["duplicates_elsewhere"] is True
    confirmed = api.post("/api/projects", json={**new, "confirm_duplicates": True}, headers=bearer(writer))
    assert confirmed.status_code == 201
    with app.app_context():
        assert Project.select().where(Project.name == new["name"]).count() == 2


def test_problem_steps_hand_overs_and_fulfilments_follow_the_pages_rules(app, city, tokens_for):
    from portal.models import Commitment, Problem

    with app.app_context():
        problem = Problem.get(Problem.description == "Land handover is late")
        commitment = Commitment.get(Commitment.promise == "Hand over 150 mu")
    api = app.test_client()
    department = tokens_for("department", read_only=False)
    raiser = tokens_for("unit_a", read_only=False)
    state_url = f"/api/problems/{problem.id}/state"
    assert api.post(state_url, json={"action": "close"}, headers=bearer(department)).status_code == 403  # raiser's
    assert api.post(state_url, json={"action": "resolve"}, headers=bearer(raiser)).status_code == 403  # unit's
    resolved = api.post(state_url, json={"action": "resolve", "text": "Handed over"}, headers=bearer(department))
    assert resolved.status_code == 200 and resolved.get_json()["state"] == "resolved"
    no_reason = api.post(state_url, json={"action": "reopen"}, headers=bearer(raiser))
    assert no_reason.status_code == 422 and no_reason.get_json()["errors"][0]["field"] == "text"
    assert api.post(state_url, json={"action": "close"}, headers=bearer(raiser)).get_json()["state"] == "closed"
    assert api.post(state_url, json={"action": "resolve"}, headers=bearer(department)).status_code == 409
    assert api.post(state_url, json={"action": "close"},
                    headers=bearer(tokens_for("unit_b", read_only=False))).status_code == 404

    with app.app_context():
        Problem.update(state="open").where(Problem.id == problem.id).execute()
    handover_url = f"/api/problems/{problem.id}/handover"
    assert api.post(handover_url, json={"unit": city.units["county_b"].id, "reason": ""},
                    headers=bearer(department)).status_code == 422
    same = api.post(handover_url, json={"unit": city.units["department"].id, "reason": "Ours"},
                    headers=bearer(department))
    assert same.status_code == 422 and same.get_json()["errors"][0]["field"] == "unit"
    moved = api.post(handover_url, json={"unit": city.units["county_b"].id, "reason": "Their road"},
                     headers=bearer(department))
    assert moved.status_code == 200 and moved.get_json()["assigned_unit"]["id"] == city.units["county_b"].id

    fulfil_url = f"/api/commitments/{commitment.id}/fulfilment"
    future = api.post(fulfil_url, json={"fulfilled_on": "2099-01-01", "evidence": "Deed"}, headers=bearer(department))
    assert future.status_code == 422 and future.get_json()["errors"][0]["field"] == "fulfilled_on"
    assert api.post(fulfil_url, json={"fulfilled_on": "2026-01-10", "evidence": "Deed"},
                    headers=bearer(tokens_for("leader", read_only=False))).status_code == 403
    kept = api.post(fulfil_url, json={"fulfilled_on": "2026-01-10", "evidence": "Deed"}, headers=bearer(department))
    assert kept.status_code == 200 and kept.get_json()["fulfilled_on"] == "2026-01-10"
    again = api.post(fulfil_url, json={"fulfilled_on": "2026-01-10", "evidence": "Deed"}, headers=bearer(department))
    assert again.status_code == 409
