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
