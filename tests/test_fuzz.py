"""Bad input never gives a 500: every GET route with fuzzed query strings, and every form found on
the pages posted with fuzzed values (with its CSRF token), as a logged-in bureau user of a small
city. Bounded (FUZZ_EXAMPLES examples per route and per form) to stay near a minute.
"""
from __future__ import annotations

import datetime as dt
import io
import os
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portal.models import (Attachment, ChainInfo, Commitment, Industry, Milestone, Notification, Problem, Project,
                           StageChange, TargetEnterprise, Unit, User)
from portal.timeutil import today

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "4"))
FUZZ_SETTINGS = settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
                         suppress_health_check=list(HealthCheck))

#: Values people (and attackers) type: numbers just past every limit, odd dates, markup, control
#: characters; mixed with arbitrary text.
NASTY = ["", " ", "0", "-1", "1e308", "-1e308", "1e-308", "NaN", "inf", "-inf", "9" * 40, str(2**31), str(2**63),
         str(-2**63 - 1), "0x10", "1,000.5", "１２３", "2026-02-30", "2026-13-01", "9999-12-31", "0001-01-01",
         "2026-W00", "2026-W54", "99999-W01", "2026-YTD:2026-02-31", "2026-Q5", "2026-M13", "%", "%00", "\x00",
         "\r\n", "\t", "\\", "//evil.example", "<script>x</script>", "' OR 1=1 --", "=1+1", "a" * 5000,
         "xlsx", "csv", "true", "on", "None", "null", "[]", "{}", "../../etc/passwd"]
VALUES = st.one_of(st.sampled_from(NASTY), st.text(max_size=40), st.integers().map(str),
                   st.floats(allow_nan=True, allow_infinity=True).map(str), st.dates().map(str))
#: Query parameters the portal's pages read, besides the fields of each page's GET forms.
COMMON_PARAMS = ["page", "format", "sort", "next", "q", "period", "week", "year", "unit", "min", "max", "stage",
                 "tab", "industry", "flag", "entity", "state", "category", "kind", "key", "compare"]
#: Forms left out: logging out would end the fuzzing session.
SKIP_ACTIONS = ("/logout",)


class Forms(HTMLParser):
    """The forms of a page: method, action and the fields with the values the page filled in."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []
        self._form = None
        self._select = None
        self._textarea = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            action = attrs.get("hx-post") or attrs.get("action") or ""
            method = "post" if attrs.get("hx-post") else (attrs.get("method") or "get").lower()
            self._form = {"method": method, "action": action, "fields": {}}
            self.forms.append(self._form)
        elif self._form is None or not attrs.get("name"):
            return
        elif tag == "input":
            if attrs.get("type") in ("checkbox", "radio") and "checked" not in attrs:
                self._form["fields"].setdefault(attrs["name"], None)
            else:
                self._form["fields"][attrs["name"]] = attrs.get("value") or ""
        elif tag == "select":
            self._select = attrs["name"]
            self._form["fields"].setdefault(self._select, "")
        elif tag == "option" and self._select:
            if not self._form["fields"][self._select] or "selected" in attrs:
                self._form["fields"][self._select] = attrs.get("value", "")
        elif tag == "textarea":
            self._textarea = attrs["name"]
            self._form["fields"][self._textarea] = ""

    def handle_data(self, data):
        if self._textarea and self._form is not None:
            self._form["fields"][self._textarea] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def _forms(html: str) -> list[dict]:
    parser = Forms()
    parser.feed(html)
    return parser.forms


def _first_id(model, *where):
    query = model.select(model.id).order_by(model.id)
    row = query.where(*where).first() if where else query.first()
    return row.id if row else 1


def _route_values() -> dict[str, str]:
    """A real value for every URL argument, so the crawl reaches the pages behind them."""
    pending = StageChange.select().where(StageChange.verification == "pending").first()
    change = pending or StageChange.select().first()
    attachment = Attachment.select().first()
    chain = ChainInfo.select().first() or Industry.select().first()
    return {
        "project_id": str(change.project_id if change else _first_id(Project)),
        "change_id": str(change.id if change else 1),
        "problem_id": str(_first_id(Problem)),
        "commitment_id": str(_first_id(Commitment, Commitment.fulfilled_on.is_null())),
        "milestone_id": str(_first_id(Milestone)),
        "notification_id": str(_first_id(Notification)),
        "target_id": str(_first_id(TargetEnterprise)),
        "unit_id": str(_first_id(Unit, Unit.kind == "county")),
        "user_id": str(_first_id(User)),
        "code": getattr(chain, "industry_code", None) or getattr(chain, "code", "x"),
        "name": "dashboard",
        "stored_name": attachment.stored_name if attachment else "x",
    }


def _get_urls(app) -> list[str]:
    values = _route_values()
    urls = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint == "static":
            continue
        url = rule.rule
        for argument in rule.arguments:
            url = url.replace(f"<{argument}>", values.get(argument, "1"))
        urls.append(url)
    return sorted(set(urls))


@pytest.fixture
def city(app, org, make_project, login):
    """A small city with a record of every kind a page shows (projects in several stages, a
    stage change waiting for verification, a problem, a commitment, a milestone, a file, a target
    enterprise), and its bureau user logged in. Records made through the pages where that is cheap."""
    with app.app_context():
        Industry.create(code="newenergy", name_zh="新能源", name_en="New energy")
        day = today()
        projects = [make_project(name=f"{stage} project", stage=stage, industry_code="newenergy",
                                 signed_on=day if stage != "clue" else None) for stage in ("clue", "signed", "started")]
        StageChange.create(project=projects[1], from_stage="negotiating", to_stage="signed", on_date=day,
                           by=org.users["unit_a"], verification="pending")
        TargetEnterprise.create(industry_code="newenergy", company="Battery Co", unit=org.units["department"])
    client = login("bureau")
    project = projects[1].id
    due = (day + dt.timedelta(days=20)).isoformat()
    department = str(org.units["department"].id)
    for url, data in [
        (f"/projects/{project}/problems/new", {"category": "land", "description": "Land quota", "deadline": due,
                                               "assigned_unit": department, "priority": "normal"}),
        (f"/projects/{project}/commitments/new", {"kind": "land", "promise": "Land by spring", "unit": department,
                                                  "due_date": due}),
        (f"/scheduling/projects/{project}/milestones", {"title": "Land handover", "planned_on": due}),
        (f"/projects/{project}/attachments", {"files": (io.BytesIO(b"%PDF-1.4 plan"), "plan.pdf")}),
    ]:
        assert client.post_form(url, data).status_code == 303, url
    with app.app_context():
        urls = _get_urls(app)
    return client, urls


def _check(failures, label, run):
    """Run one hypothesis property; a 5xx (or, under TESTING, the exception behind it) that it
    finds, shrunk to the simplest input, is noted and the crawl goes on."""
    try:
        run()
    except Exception as exc:  # noqa: BLE001 - every failure is reported at the end
        failures.append(f"{label}: {type(exc).__name__}: {str(exc)[:300]}")


def _get_property(client, url, names):
    @FUZZ_SETTINGS
    # Each parameter is sent or not, independently: every example tries many at once.
    @given(params=st.fixed_dictionaries({}, optional={name: VALUES for name in names}), htmx=st.booleans())
    def no_5xx(params, htmx):
        response = client.get(url, query_string=params, headers={"HX-Request": "true"} if htmx else {})
        assert response.status_code < 500, f"{response.status_code} for {url} {params!r}"
    return no_5xx


def _post_property(client, action, fields, token):
    """Each field keeps the page's value or gets a fuzzed one (an unticked box may be sent or not)."""
    values = st.fixed_dictionaries({
        name: (st.one_of(st.just(value), VALUES) if value is not None else st.one_of(st.none(), VALUES))
        for name, value in fields.items()})

    @FUZZ_SETTINGS
    @given(values=values, htmx=st.booleans())
    def no_5xx(values, htmx):
        posted = {name: value for name, value in values.items() if value is not None}
        response = client.post(action, data={**posted, "csrf_token": token},
                               headers={"HX-Request": "true"} if htmx else {})
        assert response.status_code < 500, f"{response.status_code} for POST {action} {posted!r}"
    return no_5xx


def test_no_get_route_answers_5xx_to_fuzzed_query_strings(city):
    client, urls = city
    failures = []
    for url in urls:
        page = client.get(url)
        assert page.status_code < 500, url
        names = set(COMMON_PARAMS)
        if page.mimetype == "text/html":
            for form in _forms(page.get_data(as_text=True)):
                if form["method"] == "get":
                    names.update(form["fields"])

        _check(failures, url, _get_property(client, url, sorted(names)))
    assert not failures, "\n".join(failures)


def _post_forms(client, urls) -> list[dict]:
    """Every POST form on the crawled pages, one per action path and set of fields."""
    found = {}
    for url in urls:
        page = client.get(url)
        if page.mimetype != "text/html":
            continue
        for form in _forms(page.get_data(as_text=True)):
            action = form["action"] or url
            if form["method"] != "post" or urlsplit(action).path.endswith(SKIP_ACTIONS):
                continue
            found.setdefault((urlsplit(action).path, tuple(sorted(form["fields"]))), {**form, "action": action})
    return list(found.values())


def test_no_form_answers_5xx_to_fuzzed_values(city):
    client, urls = city
    forms = _post_forms(client, urls)
    assert len(forms) >= 20, "the crawl found too few forms to mean anything"
    failures = []
    for form in forms:
        fields = {name: value for name, value in form["fields"].items() if name != "csrf_token"}
        token = form["fields"].get("csrf_token") or client.csrf_token()
        _check(failures, form["action"], _post_property(client, form["action"], fields, token))
    assert not failures, "\n".join(failures)
