"""Every form gives back what it was given: an edit page submitted unchanged changes nothing."""
from __future__ import annotations

from portal.models import AuditLog, Project, Unit, User
from tests.forms_helpers import forms_on, submit


def _edit_form(client, url):
    page = client.get(url)
    assert page.status_code == 200
    [form] = [f for f in forms_on(page.get_data(as_text=True), url) if f.method == "POST" and f.action == url]
    return form


def test_unit_edit_saved_unchanged_keeps_the_parent(login, org):
    admin = login("admin")
    town = org.units["town_a"]
    response = submit(admin, _edit_form(admin, f"/admin/units/{town.id}"))
    assert response.status_code == 303
    assert Unit.get_by_id(town.id).parent_id == org.units["county_a"].id


def test_user_edit_saved_unchanged_keeps_the_unit_and_role(login, org):
    admin = login("admin")
    user = org.users["unit_a"]
    response = submit(admin, _edit_form(admin, f"/admin/users/{user.id}"))
    assert response.status_code == 303
    saved = User.get_by_id(user.id)
    assert (saved.unit_id, saved.role) == (org.units["county_a"].id, "unit")


def test_project_edit_saved_unchanged_keeps_the_unit(login, org, make_project):
    project = make_project(unit="county_b")
    bureau = login("bureau")
    audited = AuditLog.select().count()
    response = submit(bureau, _edit_form(bureau, f"/projects/{project.id}/edit"))
    assert response.status_code == 303
    assert Project.get_by_id(project.id).responsible_unit_id == org.units["county_b"].id
    assert [e.changes for e in AuditLog.select()][audited:] == []


def test_project_edit_of_the_investor_class_alone_is_saved_as_a_project_change(login, org, make_project):
    """Saving unchanged writes nothing, but unticking "Fortune Global 500" is a change of the
    project too (a new version, in its history, recommendations recomputed)."""
    from portal.models import Enterprise

    investor = Enterprise.create(name="Ningde Battery Co", fortune_global_500=True)
    project = make_project(enterprise=investor)
    bureau = login("bureau")
    form = _edit_form(bureau, f"/projects/{project.id}/edit")
    form.tick("fortune_global_500", False)
    assert submit(bureau, form).status_code == 303
    assert Enterprise.get_by_id(investor.id).fortune_global_500 is False
    assert Project.get_by_id(project.id).version == 2
    entry = AuditLog.get(AuditLog.entity == "project", AuditLog.entity_id == project.id)
    assert entry.changes["fortune_global_500"] == [True, False]


def test_review_decision_is_not_recorded_until_one_is_chosen(login, make_project):
    """The decision select offered "Approved" first: Save without choosing recorded an approval."""
    from portal.models import ReviewDecision

    project = make_project()
    bureau = login("bureau")
    response = submit(bureau, _edit_form(bureau, f"/review/projects/{project.id}"))
    assert response.status_code == 422
    assert ReviewDecision.select().count() == 0


# Every form of the portal, found by crawling ---------------------------------------------

ROLES = ("admin", "bureau", "leader", "unit_a", "town_a", "unit_b", "department", "team")
MAX_PAGES_PER_ROLE = 150
MAX_PAGES_PER_ROUTE = 2  # /projects/1 and /projects/2 show the same forms: two of each suffice,
# the first and the last a page links to (a list's first and last rows differ the most: the
# first user is the bureau's, the last one a county's)
SKIPPED_LINKS = ("/static/", "/logout")

#: POST forms that create a record. Submitted untouched they may create one (or be refused),
#: but they must not change or delete any existing row.
CREATES = {
    "admin.unit_new", "admin.user_new", "projects.new", "projects.stage", "projects.capital",
    "projects.upload", "problems.raise_problem", "problems.add_commitment", "problems.answer",
    "chains.add_target", "scheduling.milestones", "scheduling.report_row",
    "review.decide",  # each decision is a new entry of the project's review history
    "admin.industry_new", "admin.industry_link_new",
    "sourcing.log_contact", "sourcing.new_event", "sourcing.link_project",
    "api_tokens.index",  # makes an API token (untouched: refused, the name is empty)
}

#: POST forms that are one button doing one thing: pressing it is the change. Not submitted.
ACTIONS = {
    "auth.logout": "ends the session",
    "auth.login": "signs in (the crawl is signed in already)",
    "auth.set_language": "switches the language, which is its purpose",
    "admin.unit_active": "activates or deactivates the unit",
    "admin.user_active": "activates or deactivates the user",
    "admin.user_unlock": "unlocks the account",
    "projects.archive": "archives the project",
    "projects.restore": "restores the project",
    "projects.verify": "approves or rejects a stage change",
    "projects.resubmit": "submits a rejected stage change again",
    "problems.change_state": "moves the problem to another state",
    "notifications.read": "marks a notification read",
    "notifications.read_all": "marks every notification read",
    "scheduling.milestone_complete": "marks the milestone done",
    "platform.plugin_state": "switches a plugin on or off",
    "admin.industry_active": "retires or restores the industry",
    "admin.industry_link_active": "retires or restores the chain link",
    "projects.verification": "approves the ticked stage changes",
    "auth.two_factor_setup": "starts setting up two-factor login (a new secret)",
    "auth.two_factor_reset": "removes a user's two-factor login",
    "sourcing.delete_contact": "deletes the logged contact",
    "sourcing.remove_contact_file": "removes the file from the contact",
    "sourcing.unlink_project": "takes the project off the event",
    "api_tokens.revoke": "revokes the API token",
}

#: Edit forms that need something typed before they can be sent (a new password, a reason);
#: untouched they may be refused (4xx), and like every edit form they must change nothing.
NEED_INPUT = {"auth.change_password", "admin.user_password", "problems.handover", "projects.correct",
              "problems.fulfil", "importing.index", "import_units.index", "import_users.index",
              "import_investors.index", "import_capital.index", "import_targets.index", "auth.two_factor_confirm",
              "auth.two_factor_off", "auth.two_factor_new_codes"}


def make_city(org, make_project):
    """Records of every kind the org's users can open, so their edit pages exist."""
    import datetime as dt
    from decimal import Decimal

    from portal.models import (CapitalEntry, ChainInfo, Commitment, Enterprise, Industry, Milestone, Problem,
                               ProblemResponse, StageChange, TargetEnterprise)
    from portal.timeutil import iso_week, today
    from tests.scheduling_helpers import report

    bureau = org.users["bureau"]
    Industry.create(code="food", name_zh="绿色食品", name_en="Green food")
    Industry.create(code="newenergy", name_zh="新能源", name_en="New energy")
    Industry.create(code="textile", name_zh="纺织", name_en="Textile", active=False)  # retired since
    special = Unit(name="Battery special team", kind="special_team", parent=org.units["bureau"]).save_with_path()
    investor = Enterprise.create(name="Ningde Battery Co", credit_code="91350900MA2YQ5NB4A",
                                 origin_country="China", fortune_global_500=True, listed=True)
    full = make_project(
        name="Battery plant", unit="county_a", enterprise=investor, park="East park", industry_code="newenergy",
        source_channel="stationed_team", investment_method="event", source_team=org.units["team"],
        is_key=True, contracted_amount=Decimal("8000.50"), foreign_capital=Decimal("12.25"),
        expected_output=Decimal("30000"), expected_tax=Decimal("1200"), expected_jobs=450,
        land_area_mu=Decimal("150.5"), safety_assessment="passed", environment_assessment="pending",
        responsible_person="Li Wei", leader=org.users["leader"], special_team=special, stage="signed",
        signed_on=dt.date(2026, 3, 2), planned_sign_date=dt.date(2026, 3, 1),
        planned_start_date=dt.date(2026, 6, 1), planned_completion_date=dt.date(2027, 6, 1),
        planned_production_date=dt.date(2027, 9, 1))
    StageChange.create(project=full, from_stage="clue", to_stage="signed", on_date=dt.date(2026, 3, 2),
                       by=bureau, verification="approved")
    CapitalEntry.create(project=full, on_date=dt.date(2026, 4, 1), amount=Decimal("2500"), by=bureau)
    town = make_project(name="Town workshop", unit="town_a", stage="negotiating", is_confidential=True,
                        industry_code="textile", chain_link_code="textile-dyeing")  # both gone from the lists
    StageChange.create(project=town, from_stage="clue", to_stage="negotiating", on_date=dt.date(2026, 2, 2),
                       by=org.users["town_a"], verification="pending")
    make_project(name="County B mall", unit="county_b", responsible_person="Zhao")
    problem = Problem.create(project=full, category="land", description="Land handover is late",
                             raised_by=org.users["unit_a"], assigned_unit=org.units["department"],
                             deadline=today() + dt.timedelta(days=10))
    ProblemResponse.create(problem=problem, kind="answer", text="Working on it", by=org.users["department"],
                           unit=org.units["department"])
    Commitment.create(project=full, kind="land", promise="Hand over 150 mu", unit=org.units["department"],
                      due_date=today() + dt.timedelta(days=30), created_by=bureau)
    Milestone.create(project=full, title="Land handover", planned_on=today() + dt.timedelta(days=20),
                     responsible_unit=org.units["department"], created_by=bureau)
    report(full, iso_week(today()), org.users["unit_a"], percent_complete=40, next_steps="Sign the lease")
    ChainInfo.create(industry_code="newenergy", leader=org.users["leader"], special_team=special, note="Weekly call")
    TargetEnterprise.create(industry_code="newenergy", company="Cell Maker Ltd", reason="Supplier of the plant",
                            reviewed_quarter="2026Q2", status="contacted", project=full, unit=org.units["county_a"],
                            created_by=bureau)
    # Sourcing: County A's visit to the plant's investor (with its minutes), and an event County A
    # and the team took part in.
    from portal.models import Contact, ContactAttachment, EventProject, EventUnit, PromotionEvent

    visit = Contact.create(enterprise=investor, unit=org.units["county_a"], project=full, kind="visit",
                           happened_on=today() - dt.timedelta(days=3), summary="Visited the Ningde office",
                           next_step="Send the lease draft", by=org.users["unit_a"])
    ContactAttachment.create(contact=visit, stored_name="c" * 32 + ".pdf", original_name="minutes.pdf",
                             content_type="application/pdf", size=4, by=org.users["unit_a"])
    event = PromotionEvent.create(name="Spring promotion conference", kind="conference", city="Shanghai",
                                  starts_on=dt.date(2026, 3, 1), ends_on=dt.date(2026, 3, 2), unit=org.units["bureau"],
                                  created_by=bureau)
    EventUnit.create(event=event, unit=org.units["county_a"])
    EventUnit.create(event=event, unit=org.units["team"])
    EventProject.create(event=event, project=full, role="signed", by=bureau)


def _endpoint(app, path: str, method: str) -> str | None:
    from werkzeug.exceptions import HTTPException

    try:
        endpoint, _args = app.url_map.bind("localhost").match(path.partition("?")[0], method=method)
    except HTTPException:
        return None
    return endpoint


def _route_key(app, url: str) -> str:
    return _endpoint(app, url, "GET") or url.partition("?")[0]


def _links(html: str, page_url: str) -> list[str]:
    from html.parser import HTMLParser
    from urllib.parse import urljoin, urlsplit

    found = []

    class Links(HTMLParser):
        def handle_starttag(self, tag, attrs):
            href = dict(attrs).get("href") if tag == "a" else None
            if href and not href.startswith(("#", "mailto:", "javascript:")):
                parts = urlsplit(urljoin("http://localhost" + page_url, href))
                if parts.netloc == "localhost" and not parts.path.startswith(SKIPPED_LINKS):
                    found.append(parts.path + (f"?{parts.query}" if parts.query else ""))

    Links().feed(html)
    return found


def _first_and_last_of_each_route(app, links: list[str]) -> list[str]:
    by_route = {}
    for link in dict.fromkeys(links):
        by_route.setdefault(_route_key(app, link), []).append(link)
    return [link for group in by_route.values() for link in dict.fromkeys((group[0], group[-1]))]


def crawl(app, client, start="/"):
    """``[(page url, form), …]`` of every HTML page reachable from ``start`` (bounded)."""
    from collections import Counter, deque

    seen, per_route, queue, forms = {start}, Counter(), deque([start]), []
    while queue and len(seen) <= MAX_PAGES_PER_ROLE:
        url = queue.popleft()
        response = client.get(url)
        assert response.status_code < 500, f"GET {url} answered {response.status_code}"
        if response.status_code != 200 or not response.mimetype == "text/html":
            continue
        html = response.get_data(as_text=True)
        forms.extend((url, form) for form in forms_on(html, url))
        for link in _first_and_last_of_each_route(app, _links(html, url)):
            route = _route_key(app, link)
            if link not in seen and per_route[route] < MAX_PAGES_PER_ROUTE:
                seen.add(link)
                per_route[route] += 1
                queue.append(link)
    return forms


def dump_tables() -> dict:
    """Every row of every table, by table and primary key (or the whole row when none).
    No column is ignored: an untouched save has no reason to write even a timestamp."""
    from portal.db import database

    tables = {}
    for table in sorted(database.get_tables()):
        cursor = database.execute_sql(f'SELECT * FROM "{table}"' if not _mysql() else f"SELECT * FROM `{table}`")
        columns = [c[0] for c in cursor.description]
        rows = {}
        for row in cursor.fetchall():
            record = dict(zip(columns, row))
            rows[record.get("id", tuple(row))] = record
        tables[table] = rows
    return tables


def _mysql() -> bool:
    import peewee

    from portal.db import database

    return isinstance(database.obj, peewee.MySQLDatabase)


def table_changes(before: dict, after: dict) -> dict:
    """``{table: {"added": [...], "changed": {key: {column: [old, new]}}, "removed": [...]}}``."""
    out = {}
    for table in sorted(set(before) | set(after)):
        old, new = before.get(table, {}), after.get(table, {})
        changed = {key: {c: [old[key].get(c), new[key].get(c)] for c in new[key] if old[key].get(c) != new[key].get(c)}
                   for key in old.keys() & new.keys() if old[key] != new[key]}
        entry = {"added": sorted(new.keys() - old.keys(), key=str), "changed": changed,
                 "removed": sorted(old.keys() - new.keys(), key=str)}
        if any(entry.values()):
            out[table] = {k: v for k, v in entry.items() if v}
    return out


def _form_key(form):
    return form.method, form.action.partition("?")[0], form.names()


def _filter_not_kept(client, form, role, page_url) -> list[str]:
    """A GET form sent with the last option of each select chosen leads to a page whose same
    form holds the same values (a select that lost its value would silently reset a filter)."""
    for select in [c for c in form.controls if c.tag == "select" and c.name and "multiple" not in c.attrs]:
        enabled = [value for value, _selected, disabled in select.options if not disabled]
        if enabled:
            form.choose(select.name, enabled[-1])
    response = submit(client, form)
    where = f"{role}: GET form on {page_url} -> {form.action}"
    if response.status_code != 200:
        return [f"{where}: status {response.status_code}"]
    again = [f for f in forms_on(response.get_data(as_text=True), form.action)
             if _form_key(f) == _form_key(form)]
    if not again:
        return []  # another page (a search result): nothing to compare
    sent, shown = sorted(form.data().items(multi=True)), sorted(again[0].data().items(multi=True))
    return [] if sent == shown else [f"{where}: sent {sent}, shown again as {shown}"]


def test_every_form_submitted_unchanged_changes_nothing(app, org, make_project, login):
    """Each role crawls the portal from its home page; every form found is submitted as the
    browser would send it untouched. Edit forms must accept it and change no row of any table
    (an audit entry is a row too); create forms may only add rows; one-button actions are
    listed above with what they do; a GET form (a filter) sent with the last option of each
    select must show those values again.
    A POST form on no list is an edit form."""
    assert CREATES | ACTIONS.keys() | NEED_INPUT <= set(app.view_functions), "a listed form no longer exists"
    with app.app_context():
        make_city(org, make_project)
    failures, submitted = [], set()
    for role in ROLES:
        client = login(role)
        for page_url, form in crawl(app, client):
            key = (role, *_form_key(form))
            if form.method == "GET":  # a filter once per state it is shown in
                key += tuple(sorted(form.data().items(multi=True)))
            if not form.submittable or key in submitted:
                continue  # a form without a button (nor a field to press Enter in) cannot be sent
            submitted.add(key)
            if form.method == "GET":  # searches and filters change nothing, but must show the choice made
                failures.extend(_filter_not_kept(client, form, role, page_url))
                continue
            endpoint = _endpoint(app, form.action, form.method)
            if endpoint in ACTIONS:
                continue
            before = dump_tables()
            response = submit(client, form)
            changes = table_changes(before, dump_tables())
            where = f"{role}: form on {page_url} -> {form.method} {form.action} ({endpoint})"
            if response.status_code >= 500:
                failures.append(f"{where}: status {response.status_code}")
            elif endpoint in CREATES:
                altered = {t: {k: v for k, v in c.items() if k != "added"} for t, c in changes.items()}
                if any(altered.values()):
                    failures.append(f"{where}: a create form changed existing rows {altered}")
            elif changes:
                failures.append(f"{where}: saved unchanged, it changed {changes}")
            elif response.status_code >= 400 and endpoint not in NEED_INPUT:
                failures.append(f"{where}: the untouched form was refused ({response.status_code})")
    assert not failures, "\n".join(failures)
    endpoints = {_endpoint(app, key[2], key[1]) for key in submitted if key[1] == "POST"}
    # The crawl reached the edit forms this test is about (guards against a crawl that finds nothing).
    assert {"admin.unit_edit", "admin.user_edit", "projects.edit", "scheduling.report",
            "sourcing.edit_contact", "sourcing.edit_event", "sourcing.log_contact"} <= endpoints
