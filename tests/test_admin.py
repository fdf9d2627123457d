"""Administrators manage units and users: create, edit, deactivate (never delete), audited;
bad input gets a message at the field and a 4xx; nobody else may."""
from __future__ import annotations

import datetime as dt

import pytest

from portal.models import AuditLog, LoginThrottle, Unit, User


def audit_entries(entity, entity_id):
    return list(AuditLog.select().where(AuditLog.entity == entity, AuditLog.entity_id == entity_id)
                .order_by(AuditLog.id))


@pytest.fixture
def admin(login):
    return login("admin")


# Only administrators ---------------------------------------------------------------

@pytest.mark.parametrize("username", ["bureau", "leader", "unit_a", "department", "team"])
def test_only_administrators_manage_the_organisation(org, login, username):
    client = login(username)
    for url in ("/admin/units", "/admin/units/new", f"/admin/units/{org.units['county_a'].id}",
                "/admin/users", "/admin/users/new", f"/admin/users/{org.users['unit_b'].id}/password"):
        assert client.get(url).status_code == 403, url
    response = client.post_form("/admin/units/new", {"name": "Sneaky", "kind": "county"})
    assert response.status_code == 403
    assert not Unit.select().where(Unit.name == "Sneaky").exists()
    target = org.users["unit_b"]
    assert client.post_form(f"/admin/users/{target.id}/active", {"active": "0"}).status_code == 403
    assert User.get_by_id(target.id).active
    assert client.post_form(f"/admin/units/{org.units['county_b'].id}/active", {"active": "0"}).status_code == 403
    assert Unit.get_by_id(org.units["county_b"].id).active


# Units -----------------------------------------------------------------------------

def test_create_and_edit_a_unit(org, admin):
    response = admin.post_form("/admin/units/new", {
        "name": "Hi-tech Zone", "kind": "zone", "parent": org.units["county_a"].id, "city": "", "sort_order": "3"})
    assert response.status_code == 303
    zone = Unit.get(Unit.name == "Hi-tech Zone")
    assert zone.parent_id == org.units["county_a"].id
    assert zone.path == f"{org.units['county_a'].path}{zone.id}/"
    assert zone.is_within(org.units["bureau"])
    assert "Hi-tech Zone" in admin.get("/admin/units").get_data(as_text=True)
    assert [e.action for e in audit_entries("unit", zone.id)] == ["create"]

    # Move it below county B and rename it: the path follows, the audit log keeps old and new.
    response = admin.post_form(f"/admin/units/{zone.id}", {
        "name": "High-tech Zone", "kind": "zone", "parent": org.units["county_b"].id, "sort_order": "3"})
    assert response.status_code == 303
    zone = Unit.get_by_id(zone.id)
    assert zone.name == "High-tech Zone" and zone.path.startswith(org.units["county_b"].path)
    edit = audit_entries("unit", zone.id)[-1]
    assert edit.action == "edit" and edit.user_id == org.users["admin"].id
    assert edit.changes["name"] == ["Hi-tech Zone", "High-tech Zone"]


def test_moving_a_unit_moves_its_subtree(org, admin):
    county = org.units["county_a"]
    response = admin.post_form(f"/admin/units/{county.id}", {
        "name": county.name, "kind": "county", "parent": org.units["team"].id, "sort_order": "0"})
    assert response.status_code == 303
    town = Unit.get_by_id(org.units["town_a"].id)
    assert town.path == f"{org.units['team'].path}{county.id}/{town.id}/"


def test_a_unit_cannot_move_below_itself(org, admin):
    county = org.units["county_a"]
    response = admin.post_form(f"/admin/units/{county.id}", {
        "name": county.name, "kind": "county", "parent": org.units["town_a"].id})
    assert response.status_code == 422
    assert "A unit cannot be placed below itself." in response.get_data(as_text=True)
    assert Unit.get_by_id(county.id).parent_id == org.units["bureau"].id


@pytest.mark.parametrize("data, message", [
    ({"name": "x" * 101, "kind": "county"}, "Field cannot be longer than 100 characters."),
    ({"name": "", "kind": "county"}, "This field is required."),
    ({"name": "Ghost County", "kind": "county", "parent": "999999"}, "Choose a unit from the list."),
    ({"name": "Ghost County", "kind": "county", "parent": "not-a-number"}, "Choose a unit from the list."),
    ({"name": "Ghost County", "kind": "kingdom"}, "Not a valid choice."),
    ({"name": "Ghost County", "kind": "county", "sort_order": "-5"}, "Number must be between 0 and 9999."),
])
def test_bad_unit_input_gets_a_message_and_4xx(org, admin, data, message):
    before = Unit.select().count()
    response = admin.post_form("/admin/units/new", data)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert Unit.select().count() == before


def test_deactivating_a_unit_keeps_it_and_its_records(org, admin, make_project):
    project = make_project(unit="county_b")
    county = org.units["county_b"]
    response = admin.post_form(f"/admin/units/{county.id}/active", {"active": "0"})
    assert response.status_code == 303
    county = Unit.get_by_id(county.id)
    assert not county.active
    assert project.responsible_unit_id == county.id
    assert audit_entries("unit", county.id)[-1].action == "deactivate"
    # No longer offered in forms, still listed for the administrator; it can come back.
    form = admin.get("/admin/users/new").get_data(as_text=True)
    assert f'value="{county.id}"' not in form
    assert "County B" in admin.get("/admin/units").get_data(as_text=True)
    assert admin.post_form(f"/admin/units/{county.id}/active", {"active": "1"}).status_code == 303
    assert Unit.get_by_id(county.id).active


def test_unknown_unit_id_in_the_url_is_a_404(admin):
    assert admin.get("/admin/units/999999").status_code == 404
    assert admin.get("/admin/units/abc").status_code == 404
    assert admin.post_form("/admin/units/999999/active", {"active": "0"}).status_code == 404


# Users -----------------------------------------------------------------------------

def test_create_a_user_who_then_logs_in(app, org, admin):
    response = admin.post_form("/admin/users/new", {
        "username": "li.jing", "display_name": "李静", "role": "unit", "unit": org.units["county_b"].id,
        "phone": "0731-1234567", "password": "li-jing-password"})
    assert response.status_code == 303
    user = User.get(User.username == "li.jing")
    assert (user.role, user.unit_id, user.display_name) == ("unit", org.units["county_b"].id, "李静")
    assert user.password_hash != "li-jing-password"
    entry = audit_entries("user", user.id)[0]
    assert entry.action == "create" and "password" not in (entry.changes or {})
    assert "li.jing" in admin.get("/admin/users").get_data(as_text=True)
    assert app.test_client().login("li.jing", "li-jing-password").status_code == 303


@pytest.mark.parametrize("data, message", [
    ({"username": "bureau"}, "This username is taken."),
    ({"unit": "999999"}, "Choose a unit from the list."),
    ({"unit": "x"}, "Choose a unit from the list."),
    ({"unit": ""}, "Choose a unit from the list."),
    ({"display_name": "名" * 101}, "Field cannot be longer than 100 characters."),
    ({"username": "u" * 65}, "Field must be between 2 and 64 characters long."),
    ({"username": "with space"}, "Use letters, digits, dot, dash and underscore only."),
    ({"password": ""}, "A new user needs a password."),
    ({"password": "short"}, "Use at least 12 characters."),
    ({"password": "password1234"}, "This password is too common; choose another."),
    ({"username": "wangfang", "password": "Wangfang-2026-x"}, "The password must not contain the username."),
    ({"role": "king"}, "Not a valid choice."),
])
def test_bad_user_input_gets_a_message_and_4xx(org, admin, data, message):
    before = User.select().count()
    form = {"username": "newbie", "display_name": "Newbie", "role": "unit",
            "unit": org.units["county_a"].id, "password": "newbie-password", **data}
    response = admin.post_form("/admin/users/new", form)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert User.select().count() == before


def test_edit_a_user_keeps_the_password_when_left_blank(org, admin):
    user = org.users["unit_a"]
    old_hash = user.password_hash
    response = admin.post_form(f"/admin/users/{user.id}", {
        "username": "unit_a", "display_name": "Unit A staff", "role": "leader", "unit": org.units["bureau"].id,
        "password": ""})
    assert response.status_code == 303
    user = User.get_by_id(user.id)
    assert (user.role, user.unit_id, user.display_name) == ("leader", org.units["bureau"].id, "Unit A staff")
    assert user.password_hash == old_hash
    changes = audit_entries("user", user.id)[-1].changes
    assert changes["role"] == ["unit", "leader"] and "password" not in changes


def test_deactivating_a_user_ends_their_sessions_but_keeps_them(org, admin, login):
    victim = login("unit_a")
    assert victim.get("/").status_code == 200
    user = org.users["unit_a"]
    response = admin.post_form(f"/admin/users/{user.id}/active", {"active": "0"})
    assert response.status_code == 303
    assert User.get_by_id(user.id).active is False  # still there: history keeps its authors
    assert victim.get("/").status_code == 302  # the open session ended
    assert audit_entries("user", user.id)[-1].action == "deactivate"
    assert "Deactivated" in admin.get("/admin/users").get_data(as_text=True)
    # And back.
    assert admin.post_form(f"/admin/users/{user.id}/active", {"active": "1"}).status_code == 303
    assert User.get_by_id(user.id).active


def test_administrator_cannot_deactivate_themselves(org, admin):
    response = admin.post_form(f"/admin/users/{org.users['admin'].id}/active", {"active": "0"}, follow_redirects=True)
    assert "You cannot deactivate your own account." in response.get_data(as_text=True)
    assert User.get_by_id(org.users["admin"].id).active


def test_unlock_and_reset_password_are_audited(org, admin):
    user = org.users["unit_b"]
    LoginThrottle.create(key=f"user:{user.id}", failures=15, last_failed_at=dt.datetime.utcnow())
    assert "Slowed down" in admin.get("/admin/users").get_data(as_text=True)
    assert admin.post_form(f"/admin/users/{user.id}/unlock").status_code == 303
    assert not LoginThrottle.select().where(LoginThrottle.key == f"user:{user.id}").exists()
    user = User.get_by_id(user.id)
    short = admin.post_form(f"/admin/users/{user.id}/password", {"password": "short"})
    assert short.status_code == 422
    assert admin.post_form(f"/admin/users/{user.id}/password", {"password": "brand-new-password"}).status_code == 303
    assert User.get_by_id(user.id).session_version == user.session_version + 1
    assert [e.action for e in audit_entries("user", user.id)][-2:] == ["unlock", "reset_password"]


def test_unknown_user_id_is_a_404(admin):
    assert admin.get("/admin/users/999999").status_code == 404
    assert admin.post_form("/admin/users/999999/unlock").status_code == 404
    assert admin.get("/admin/users/x/password").status_code == 404


def test_audit_log_shows_who_changed_what(org, admin, login):
    admin.post_form("/admin/units/new", {"name": "Audited Zone", "kind": "zone", "parent": org.units["bureau"].id})
    page = admin.get("/admin/audit")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert "Audited Zone" in body and org.users["admin"].display_name in body
    assert admin.get("/admin/audit?entity=user").status_code == 200
    assert "Audited Zone" not in admin.get("/admin/audit?entity=user").get_data(as_text=True)
    assert login("bureau").get("/admin/audit").status_code == 200
    assert login("unit_a").get("/admin/audit").status_code == 403
