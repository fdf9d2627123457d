"""A clue entered from a logged visit keeps the link (issue #18): the contact's "Enter a clue from
it" opens the new-project form with the investor, the unit in touch and the visit's date
proposed; what the form holds, saved, is a clue of that investor that the contact names."""
import datetime as dt
import re

from portal.models import AuditLog, Contact, Enterprise, Project
from tests.forms_helpers import forms_on, submit
from tests.problems_helpers import local_today


def _visit(org, unit="county_a", by="unit_a", **fields):
    ningde = Enterprise.create(name="Ningde Battery Co", fortune_global_500=True, origin_city="宁德")
    return Contact.create(enterprise=ningde, unit=org.units[unit], kind="visit", by=org.users[by],
                          happened_on=local_today() - dt.timedelta(days=4), summary="Met the board", **fields)


def _clue_link(client, page_url, contact):
    page = client.get(page_url).get_data(as_text=True)
    return re.search(rf'href="(/contacts/{contact.id}/clue)"', page)


def _form(client, url):
    page = client.get(url)
    assert page.status_code == 200, page.status_code
    [form] = [f for f in forms_on(page.get_data(as_text=True), url) if f.action == url]
    return form


def test_a_clue_entered_from_a_visit_is_the_investors_and_the_visit_names_it(login, org):
    visit = _visit(org)
    client = login("unit_a")
    link = _clue_link(client, f"/investors/{visit.enterprise_id}", visit)
    assert link, "the investor page offers a clue from the visit"
    form = _form(client, link.group(1))
    assert form.control("investor_name").attrs.get("value") == "Ningde Battery Co"
    assert form.control("clue_on").attrs.get("value") == visit.happened_on.isoformat()
    assert form.control("responsible_unit").selected_values() == [str(org.units["county_a"].id)]
    form.type_into("name", "Ningde cell plant")
    form.type_into("total_investment", "50000")
    response = submit(client, form)
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]

    project = Project.get(Project.name == "Ningde cell plant")
    assert response.location.endswith(f"/projects/{project.id}")
    assert (project.stage, project.clue_on, project.responsible_unit_id) == (
        "clue", visit.happened_on, org.units["county_a"].id)
    assert project.enterprise_id == visit.enterprise_id and Enterprise.select().count() == 1
    ningde = Enterprise.get_by_id(visit.enterprise_id)
    assert ningde.fortune_global_500 and ningde.origin_city == "宁德"  # the investor as it was
    assert Contact.get_by_id(visit.id).project_id == project.id
    edits = AuditLog.select().where(AuditLog.entity == "contact", AuditLog.entity_id == visit.id)
    assert [(e.action, e.user_id) for e in edits] == [("contact_edit", org.users["unit_a"].id)]
    assert "Met the board" in client.get(f"/projects/{project.id}").get_data(as_text=True)
    assert not _clue_link(client, f"/investors/{visit.enterprise_id}", visit)  # once only

    again = submit(client, form)  # the same form sent twice (a second tab): no second project
    assert again.status_code == 303 and again.location.endswith(f"/projects/{project.id}")
    assert Project.select().where(Project.name == "Ningde cell plant").count() == 1


def test_of_two_clues_entered_from_one_visit_at_once_only_the_first_is_saved(login, org, make_project, monkeypatch):
    """The page read the contact before another person's clue from it was committed: the
    conditional claim refuses the second clue and its project is rolled back."""
    from portal.sourcing import views

    visit = _visit(org)
    client = login("unit_a")
    url = f"/contacts/{visit.id}/clue"
    form = _form(client, url)
    form.type_into("name", "Second cell plant")
    form.type_into("total_investment", "100")
    stale = Contact.get_by_id(visit.id)  # as this request read it, before the other commit
    first = make_project(name="First cell plant", unit="county_a", stage="clue")
    Contact.update(project=first.id).where(Contact.id == visit.id).execute()  # the other person's clue
    monkeypatch.setattr(views, "load_or_404", lambda *args: stale)
    response = submit(client, form)
    assert response.status_code == 303 and response.location.endswith(f"/projects/{first.id}")
    assert not Project.select().where(Project.name == "Second cell plant").exists()  # rolled back
    assert Contact.get_by_id(visit.id).project_id == first.id


def test_a_stationed_teams_visit_proposes_the_team_as_the_source(login, org):
    visit = _visit(org, unit="team", by="team")
    form = _form(login("bureau"), f"/contacts/{visit.id}/clue")
    assert form.control("source_team").selected_values() == [str(org.units["team"].id)]


def test_only_who_may_correct_the_visit_and_enter_projects_starts_a_clue_from_it(login, org):
    visit = _visit(org)
    url = f"/contacts/{visit.id}/clue"
    assert login("unit_b").get(url).status_code == 404  # County B does not read County A's contact
    for role in ("leader", "department"):
        client = login(role)
        assert client.get(url).status_code in (403, 404), role
        assert client.post_form(url, {"name": "Forged", "total_investment": "1"}).status_code in (403, 404), role
    assert not Project.select().exists() and Contact.get_by_id(visit.id).project_id is None


def test_a_refused_form_keeps_the_visit_unlinked_and_says_what_is_wrong(login, org):
    visit = _visit(org)
    client = login("unit_a")
    form = _form(client, f"/contacts/{visit.id}/clue")
    response = submit(client, form)  # no project name, no investment
    assert response.status_code == 422
    assert not Project.select().exists() and Contact.get_by_id(visit.id).project_id is None
