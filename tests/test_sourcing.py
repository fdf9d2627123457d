"""Sourcing (issue #18): investor pages, contacts logged through the form, the clue follow-up
clock they restart, promotion events with their results, and stationed teams' workspaces —
each read and written as the users would, through the pages and forms."""
import datetime as dt
import io
import re
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from portal.models import AuditLog, Contact, Enterprise, EventProject, Problem, Project, PromotionEvent
from tests.forms_helpers import forms_on, submit
from tests.query_log import queries_sent
from tests.problems_helpers import local_today


def _form(client, url, action):
    page = client.get(url)
    assert page.status_code == 200, page.status_code
    [form] = [f for f in forms_on(page.get_data(as_text=True), url) if f.action.partition("?")[0] == action]
    return form


@pytest.fixture
def investors(org, make_project):
    """Ningde: a public project in County A (sourced by the Shanghai team); Discreet: only a
    confidential project in County A; Mixed: public in County B, confidential in County A."""
    ningde = Enterprise.create(name="Ningde Battery Co", fortune_global_500=True, origin_city="宁德")
    discreet = Enterprise.create(name="Discreet Capital Ltd")
    mixed = Enterprise.create(name="Mixed Holdings")
    return {
        "ningde": ningde, "discreet": discreet, "mixed": mixed,
        "plant": make_project(name="Battery plant", unit="county_a", enterprise=ningde, stage="clue",
                              source_team=org.units["team"], clue_on=local_today() - dt.timedelta(days=30)),
        "secret": make_project(name="Secret plant", unit="county_a", enterprise=discreet, is_confidential=True),
        "mall": make_project(name="Mixed mall", unit="county_b", enterprise=mixed),
        "hidden": make_project(name="Mixed hidden works", unit="county_a", enterprise=mixed, is_confidential=True),
    }


def test_investor_page_shows_class_and_projects_to_those_who_read_its_projects(login, investors):
    for reader in ("unit_a", "team", "leader"):
        page = login(reader).get(f"/investors/{investors['ningde'].id}").get_data(as_text=True)
        assert "Ningde Battery Co" in page and "Fortune Global 500" in page and "Battery plant" in page, reader
    # County B reads no project of it: the investor is County A's business, as on the project pages.
    assert login("unit_b").get(f"/investors/{investors['ningde'].id}").status_code == 404
    assert "Ningde Battery Co" not in login("unit_b").get("/investors?q=Ningde").get_data(as_text=True)


def test_an_investor_masked_for_the_reader_is_not_found(login, investors):
    assert login("unit_b").get(f"/investors/{investors['discreet'].id}").status_code == 404
    assert "Discreet Capital Ltd" not in login("unit_b").get("/investors?q=Discreet").get_data(as_text=True)
    page = login("unit_a").get(f"/investors/{investors['discreet'].id}")
    assert page.status_code == 200 and "Secret plant" in page.get_data(as_text=True)
    assert "Discreet Capital Ltd" in login("unit_a").get("/investors?q=Discreet").get_data(as_text=True)


def test_a_readable_project_whose_investor_is_masked_is_not_listed_under_the_investor(app, login, org, investors):
    """The department reads County A's confidential works (it holds a problem there) without its
    investor: the investor's page must not list that project, or it would tell who invests."""
    for project in (investors["hidden"], investors["mall"]):
        Problem.create(project=project, category="land", description="Land", raised_by=org.users["unit_a"],
                       assigned_unit=org.units["department"], deadline=local_today())
    department = login("department")
    assert department.get(f"/projects/{investors['hidden'].id}").status_code == 200
    page = department.get(f"/investors/{investors['mixed'].id}").get_data(as_text=True)
    assert "Mixed Holdings" in page and "Mixed hidden works" not in page
    assert "Mixed mall" in page
    assert "Mixed hidden works" in login("bureau").get(f"/investors/{investors['mixed'].id}").get_data(as_text=True)


def test_project_page_links_the_investor_name_to_its_page(login, investors):
    page = login("unit_a").get(f"/projects/{investors['plant'].id}").get_data(as_text=True)
    assert f'href="/investors/{investors["ningde"].id}"' in page


def test_team_logs_a_visit_through_the_form_and_the_city_sees_who_is_in_touch(app, login, org, investors):
    team = login("team")
    url = f"/investors/{investors['ningde'].id}"
    form = _form(team, url, f"{url}/contacts/new")
    assert [v for v, _label, _d in form.control("unit").options] == [str(org.units["team"].id)]
    form.choose("kind", "visit")
    form.type_into("summary", "Visited the Shanghai office; expansion plans discussed")
    form.type_into("next_step", "Send the park brochure")
    form.type_into("place", "Shanghai")
    form.choose("project", str(investors["plant"].id))
    response = submit(team, form)
    assert response.status_code == 303
    with app.app_context():
        contact = Contact.get()
        assert (contact.unit_id, contact.project_id, contact.by_id) == (
            org.units["team"].id, investors["plant"].id, org.users["team"].id)
        assert AuditLog.get(AuditLog.action == "contact_create").entity_id == contact.id
    assert "expansion plans discussed" in team.get(url).get_data(as_text=True)
    other = login("unit_a").get(url).get_data(as_text=True)
    assert "Shanghai Team" in other and "expansion plans discussed" not in other  # who, not what
    assert login("unit_a").get(f"/contacts/{contact.id}/edit").status_code == 404


def test_contact_form_refuses_another_units_name_and_a_future_date(login, org, investors):
    unit_b = login("unit_a")
    url = f"/investors/{investors['ningde'].id}"
    form = _form(unit_b, url, f"{url}/contacts/new")
    form.type_into("summary", "Called")
    data = form.data()
    data["unit"] = str(org.units["team"].id)
    response = unit_b.post(form.action, data=data)
    assert response.status_code == 422
    form.type_into("happened_on", (local_today() + dt.timedelta(days=3)).isoformat())
    response = submit(unit_b, form)
    assert response.status_code == 422 and "The date cannot be in the future." in response.get_data(as_text=True)
    assert Contact.select().count() == 0


def test_a_logged_contact_restarts_the_clue_follow_up_clock(app, login, investors):
    from portal.scheduling import flags

    plant = investors["plant"]
    with app.test_request_context():
        flags.recompute_project(Project.get_by_id(plant.id))
        assert "clue_no_followup" in str(Project.get_by_id(plant.id).flag_reasons)
    unit_a = login("unit_a")
    page = unit_a.get(f"/projects/{plant.id}").get_data(as_text=True)
    assert "30 days since the last contact or stage change" in page
    url = f"/investors/{investors['ningde'].id}"
    form = _form(unit_a, url, f"{url}/contacts/new")
    form.choose("kind", "call")
    form.type_into("summary", "Phoned the investor about land")
    form.choose("project", str(plant.id))
    assert submit(unit_a, form).status_code == 303
    with app.app_context():
        assert "clue_no_followup" not in str(Project.get_by_id(plant.id).flag_reasons or "")
    assert "0 days since the last contact or stage change" in unit_a.get(f"/projects/{plant.id}").get_data(
        as_text=True)
    clues = unit_a.get("/lists/clues").get_data(as_text=True)
    assert re.search(r'<td class="num follow-up-days">0</td>', clues)


def test_contact_corrected_and_deleted_by_its_unit_with_audit(app, login, org, investors):
    contact = Contact.create(enterprise=investors["ningde"], unit=org.units["county_a"], kind="call",
                             happened_on=local_today(), summary="First call", by=org.users["unit_a"])
    unit_a = login("unit_a")
    url = f"/contacts/{contact.id}/edit"
    form = _form(unit_a, url, url)
    form.type_into("summary", "First call, corrected")
    assert submit(unit_a, form).status_code == 303
    assert Contact.get_by_id(contact.id).summary == "First call, corrected"
    assert login("team").post_form(f"/contacts/{contact.id}/delete").status_code == 404
    assert unit_a.post_form(f"/contacts/{contact.id}/delete").status_code == 303
    with app.app_context():
        assert Contact.select().count() == 0
        assert [e.action for e in AuditLog.select().where(AuditLog.entity == "contact")] == [
            "contact_edit", "contact_delete"]


def _create_event(client, org, name="Spring promotion conference"):
    form = _form(client, "/events/new", "/events/new")
    form.type_into("name", name)
    form.choose("kind", "conference")
    form.type_into("city", "Shanghai")
    form.type_into("starts_on", "2026-04-10")
    form.type_into("ends_on", "2026-04-11")
    data = form.data()
    data.setlist("units", [str(org.units["county_a"].id), str(org.units["team"].id)])
    return client.post(form.action, data=data)


def test_bureau_creates_an_event_and_units_link_their_projects(app, login, org, investors, make_project):
    bureau = login("bureau")
    response = _create_event(bureau, org)
    assert response.status_code == 303
    event = PromotionEvent.get()
    assert login("unit_b").get(f"/events/{event.id}").status_code == 404  # not taking part
    unit_a = login("unit_a")
    signed = make_project(name="Signed works", unit="county_a", stage="started", total_investment=Decimal("50000"),
                          signed_on=dt.date(2026, 4, 10), started_on=dt.date(2026, 6, 1), industry_code="food")
    form = _form(unit_a, f"/events/{event.id}", f"/events/{event.id}/projects")
    assert str(investors["mall"].id) not in [v for v, _l, _d in form.control("project").options]
    form.choose("project", str(signed.id))
    form.choose("role", "signed")
    assert submit(unit_a, form).status_code == 303
    assert unit_a.post_form(f"/events/{event.id}/projects", {"project": str(investors["mall"].id),
                                                            "role": "signed"}).status_code == 422
    page = unit_a.get(f"/events/{event.id}").get_data(as_text=True)
    assert "Signed works" in page
    results = re.search(r'<table class="data event-results">.*?</table>', page, re.S).group(0)
    cells = re.findall(r'<td class="num">([^<]*)</td>', results)
    assert (cells[0], cells[2], cells[4]) == ("1", "1", "1")  # one project, signed, and it has started since
    listing = bureau.get("/events?period=2026").get_data(as_text=True)
    assert "Spring promotion conference" in listing
    sheet = load_workbook(io.BytesIO(bureau.get("/events?period=2026&format=xlsx").data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][0] == "Spring promotion conference" and rows[1][8] == 1 and rows[1][12] == 1
    sheet = load_workbook(io.BytesIO(unit_a.get(f"/events/{event.id}?format=xlsx").data)).active
    rows = {row[0]: row[1:] for row in sheet.iter_rows(values_only=True) if row and row[0]}
    assert rows["All projects"] == (None, 1, 50000, 1, 50000, 1) and rows["County A"] == ("Unit", 1, 50000, 1, 50000, 1)
    with app.app_context():
        assert EventProject.select().count() == 1
        assert AuditLog.select().where(AuditLog.action == "event_link", AuditLog.entity_id == signed.id).exists()


def test_event_form_keeps_its_values_and_rejects_bad_dates(login, org):
    bureau = login("bureau")
    assert _create_event(bureau, org).status_code == 303
    event = PromotionEvent.get()
    url = f"/events/{event.id}/edit"
    form = _form(bureau, url, url)
    assert sorted(form.data().getlist("units")) == sorted([str(org.units["county_a"].id), str(org.units["team"].id)])
    form.type_into("ends_on", "2026-04-01")
    response = submit(bureau, form)
    assert response.status_code == 422
    assert "The last day cannot be before the first day." in response.get_data(as_text=True)
    assert login("unit_a").get(url).status_code == 403  # County A takes part but does not keep the record


def test_team_workspace_counts_clues_signings_and_visits_per_month(app, login, org, investors, make_project):
    """Referred: the whole projects the team brought; credited: its share as the ranking counts it
    (none by the default rule: the host County B has the credit)."""
    make_project(name="Team signed", unit="county_b", stage="signed", source_team=org.units["team"],
                 signed_on=dt.date(2026, 3, 5), counted_signed_on=dt.date(2026, 3, 5), clue_on=dt.date(2026, 2, 1),
                 total_investment=Decimal("88200"))
    Contact.create(enterprise=investors["ningde"], unit=org.units["team"], kind="visit",
                   happened_on=dt.date(2026, 3, 9), summary="Trip to Suzhou", by=org.users["team"])
    team = login("team")
    page = team.get(f"/teams/{org.units['team'].id}?year=2026").get_data(as_text=True)
    march = re.search(r"<th scope=\"row\">2026-03</th>(.*?)</tr>", page, re.S).group(1)
    clues, referred, amount, credited, credited_amount, visits = re.findall(r'<td class="num">([^<]*)</td>', march)
    assert (clues, referred, credited, visits) == ("0", "1", "0", "1") and amount == "CNY 882.00 million"
    assert "Trip to Suzhou" in page
    sheet = load_workbook(io.BytesIO(team.get(f"/teams/{org.units['team'].id}?year=2026&format=xlsx").data)).active
    rows = {row[0]: row[1:] for row in sheet.iter_rows(values_only=True)}
    assert rows["2026-03"] == (0, 1, 88200, 0, 0, 1) and rows["2026-02"][0] == 1
    assert login("unit_a").get(f"/teams/{org.units['team'].id}").status_code == 404
    bureau = login("bureau")
    assert "Shanghai Team" in bureau.get("/teams?year=2026").get_data(as_text=True)
    book = load_workbook(io.BytesIO(bureau.get("/teams?year=2026&format=xlsx").data))
    totals, monthly = (list(sheet.iter_rows(values_only=True)) for sheet in book.worksheets)
    clues = 1 + (investors["plant"].clue_on.year == 2026)  # February's, and the plant's when it fell in 2026
    assert totals[1] == ("Shanghai Team", "上海", clues, 1, 88200, 0, 0, 1)
    assert ("Shanghai Team", "2026-03", 0, 1, 88200, 0, 0, 1) in monthly


def test_a_contact_with_the_investor_about_no_project_counts_for_its_clues(app, login, investors):
    """The team visits the investor without naming a project: its clue is followed up all the same."""
    from portal.scheduling import flags

    with app.test_request_context():
        flags.recompute_project(Project.get_by_id(investors["plant"].id))
        assert "clue_no_followup" in str(Project.get_by_id(investors["plant"].id).flag_reasons)
    team = login("team")
    url = f"/investors/{investors['ningde'].id}"
    form = _form(team, url, f"{url}/contacts/new")
    form.type_into("summary", "Courtesy visit")
    form.type_into("happened_on", (local_today() - dt.timedelta(days=2)).isoformat())
    assert submit(team, form).status_code == 303
    page = team.get(f"/teams/{investors['plant'].source_team_id}").get_data(as_text=True)
    row = re.search(r"Battery plant</a></td>(.*?)</tr>", page, re.S).group(1)
    assert re.findall(r'<td class="num">([^<]*)</td>', row) == ["2"]
    with app.app_context():
        assert "clue_no_followup" not in str(Project.get_by_id(investors["plant"].id).flag_reasons or "")


def test_contact_rules_agree_in_sql_and_python(app, org, investors):
    """visible_contacts (SQL) and can_read_contact agree for every user; each unit writes its own."""
    from portal.sourcing import permissions as sourcing_permissions

    for unit in ("county_a", "town_a", "county_b", "department", "team"):
        Contact.create(enterprise=investors["ningde"], unit=org.units[unit], kind="call",
                       happened_on=local_today(), summary=f"{unit} call", by=org.users["bureau"])
    with app.test_request_context():
        for name, user in org.users.items():
            visible = {c.id for c in sourcing_permissions.visible_contacts(user)}
            assert visible == {c.id for c in Contact.select() if sourcing_permissions.can_read_contact(user, c)}, name
            editable = {c.unit.name for c in Contact.select() if sourcing_permissions.can_edit_contact(user, c)}
            expected = {"admin": set(), "leader": set(), "bureau": {u.name for u in org.units.values()
                                                                    if u.name != "Bureau"},
                        "unit_a": {"County A", "Town A1"}, "town_a": {"Town A1"}, "unit_b": {"County B"},
                        "department": {"Land Department"}, "team": {"Shanghai Team"}}[name]
            assert editable == expected, name


@pytest.mark.parametrize("text, found", [
    ("宁德", {"宁德时代新能源"}), ("时", {"宁德时代新能源"}), ("新能", {"宁德时代新能源", "新能光伏"}),
    ("ningde", {"Ningde Battery Co"}), ("MIXED", {"Mixed Holdings"}), ("%", set()), ("_", set()),
    ("91350900MA2XN8", {"宁德时代新能源"}),
])
def test_the_investor_search_finds_what_like_finds(login, investors, text, found):
    # Through the names' text index (one and two characters included), the same matches as LIKE;
    # a credit code finds its investor; a wildcard is a character, not "anything".
    Enterprise.create(name="宁德时代新能源", credit_code="91350900MA2XN8")
    Enterprise.create(name="新能光伏")
    names = {"宁德时代新能源", "新能光伏", "Ningde Battery Co", "Mixed Holdings"}
    client = login("bureau")
    form = next(f for f in forms_on(client.get("/investors").get_data(as_text=True), "/investors")
                if "q" in f.data())
    page = client.get("/investors", query_string={**form.data(), "q": text}).get_data(as_text=True)
    assert {name for name in names if name in page} == found


def test_both_ways_of_asking_name_the_investors_the_rule_names(app, org, investors, make_project):
    """/investors asks "may the user open this investor" one investor at a time where the user's units
    hold many of the city's projects, and as sets of ids where they hold few (the same rule, fast in
    each case: portal.sourcing.permissions). Both must name exactly the investors the rule names: those
    of a project the user reads with its investor shown, those their units logged a contact with, and
    the bare targets (no project, no contact) for everyone."""
    from portal import permissions
    from portal.sourcing import permissions as sourcing_permissions

    bare = Enterprise.create(name="Bare Target Ltd")
    contacted = Enterprise.create(name="Contacted Only Co")
    Contact.create(enterprise=contacted, unit=org.units["town_a"], kind="call", happened_on=local_today(),
                   summary="Call", by=org.users["town_a"])
    make_project(name="No investor yet", unit="county_b")
    # The department reads, through the problems it holds, a confidential project of County A (not its
    # investor) and a public one of County B (its investor too).
    granted = make_project(name="Granted works", unit="county_b", enterprise=Enterprise.create(name="Granted Co"))
    for project in (investors["hidden"], granted):
        Problem.create(project=project, category="land", description="Land", raised_by=org.users["unit_a"],
                       assigned_unit=org.units["department"], deadline=local_today())
    everyone = set(Enterprise.select())
    with app.test_request_context():
        for name, user in org.users.items():
            expected = {e.id for e in everyone if permissions.sees_everything(user)
                        or any(permissions.can_read_project(user, p) and permissions.can_see_confidential(user, p)
                               for p in e.projects)
                        or any(c.unit.is_within(user.unit) for c in e.contacts)
                        or not (e.projects.exists() or e.contacts.exists())}
            for one_by_one in (True, False):
                condition = sourcing_permissions.readable_investors_condition(user, one_by_one=one_by_one)
                named = {e.id for e in Enterprise.select().where(condition)}
                assert named == expected, (name, one_by_one)
            assert bare.id in expected and (contacted.id in expected) == (name in ("unit_a", "town_a", "admin",
                                                                                   "bureau", "leader")), name
            assert (granted.enterprise_id in expected) == (name in ("unit_b", "department", "admin", "bureau",
                                                                    "leader")), name


def test_a_unit_holding_many_projects_is_asked_investor_by_investor(monkeypatch, login, investors, make_project):
    """A unit with many of the city's projects reads most investors: asked as sets, each page and its
    count read every project of the unit (a county at 100,000 projects: 4-6 times the minimal list
    page); asked one by one, the page stops at its 50th investor. A department with no project of
    its own is asked as sets (one by one, every investor's projects would be tested for none)."""
    from portal.figures import tally

    if not tally.available():
        pytest.skip("MySQL keeps no tally of projects: its investors are asked as sets, as before")
    for number in range(3):
        make_project(name=f"County project {number}", unit="county_a",
                     enterprise=Enterprise.create(name=f"County investor {number}"))
    for user, one_by_one in (("unit_a", True), ("department", False)):
        client = login(user)
        with queries_sent(monkeypatch) as sent:
            page = client.get("/investors")
        assert page.status_code == 200
        [listed] = [sql for sql, _ in sent if 'FROM "enterprise"' in sql and "ORDER BY" in sql]
        assert ("WHERE ((EXISTS(" in listed) == one_by_one, (user, listed)
        assert "County investor 0" in page.get_data(as_text=True) or user == "department"
