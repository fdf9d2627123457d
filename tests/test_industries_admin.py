"""The portal's own industries and chain links, edited by an administrator when no county
plugin provides the industry system: a fresh instance gets industries without a rules file."""
from __future__ import annotations

import re

from portal import rules
from portal.models import AuditLog, Industry, IndustryLink, Project, Setting


def _options(html: str, name: str) -> list[tuple[str, str]]:
    select = re.search(rf'<select[^>]*name="{name}".*?</select>', html, re.S).group(0)
    return [(value, label.strip()) for value, label in re.findall(r'<option[^>]*value="([^"]*)"[^>]*>([^<]*)<', select)]


def _create_industry(admin, code, name_zh, name_en="", kind="leading", sort_order="0"):
    return admin.post_form("/admin/industries/new", {"code": code, "name_zh": name_zh, "name_en": name_en,
                                                     "kind": kind, "sort_order": sort_order})


def test_an_administrator_creates_orders_and_links_industries_the_project_form_offers(app, org, login):
    admin = login("admin")
    assert "No industries yet" in admin.get("/admin/industries").get_data(as_text=True)
    assert _create_industry(admin, "tourism", "文化旅游", "Culture and tourism", sort_order="2").status_code == 303
    assert _create_industry(admin, "new_energy", "新能源", "New energy", sort_order="1").status_code == 303
    energy = Industry.get(Industry.code == "new_energy")
    response = admin.post_form(f"/admin/industries/{energy.id}/links/new",
                               {"code": "new_energy.battery", "name_zh": "电池", "name_en": "Batteries",
                                "position": "mid", "sort_order": "0"})
    assert response.status_code == 303
    form = login("unit_a").get("/projects/new").get_data(as_text=True)
    assert [label for value, label in _options(form, "industry_code") if value] == ["New energy", "Culture and tourism"]
    assert ("new_energy.battery", "Batteries") in _options(form, "chain_link_code")
    assert AuditLog.select().where(AuditLog.entity == "industry").count() == 2
    assert AuditLog.select().where(AuditLog.entity == "industry_link").count() == 1


def test_renaming_keeps_the_code_and_projects_follow_the_new_name(app, org, login, make_project):
    admin = login("admin")
    _create_industry(admin, "stone", "石材", "Stone")
    industry = Industry.get(Industry.code == "stone")
    project = make_project(name="Quarry", industry_code="stone")
    page = admin.get(f"/admin/industries/{industry.id}").get_data(as_text=True)
    assert 'name="code"' not in page  # the code is shown, not editable
    response = admin.post_form(f"/admin/industries/{industry.id}",
                               {"name_zh": "石材加工", "name_en": "Stone processing", "kind": "characteristic",
                                "sort_order": "3", "code": "forged"})
    assert response.status_code == 303
    industry = Industry.get_by_id(industry.id)
    assert (industry.code, industry.name_en, industry.kind) == ("stone", "Stone processing", "characteristic")
    assert Project.get_by_id(project.id).industry_code == "stone"
    assert "Stone processing" in login("bureau").get(f"/projects/{project.id}").get_data(as_text=True)
    entry = AuditLog.select().where(AuditLog.entity == "industry", AuditLog.action == "edit").get()
    assert entry.changes["name_en"] == ["Stone", "Stone processing"]


def test_a_retired_industry_is_no_longer_offered_and_its_projects_keep_its_name(app, org, login, make_project):
    admin = login("admin")
    _create_industry(admin, "textiles", "纺织", "Textiles")
    industry = Industry.get(Industry.code == "textiles")
    project = make_project(name="Mill", industry_code="textiles")
    assert admin.post_form(f"/admin/industries/{industry.id}/active", {"active": "0"}).status_code == 303
    bureau = login("bureau")
    assert "textiles" not in dict(_options(bureau.get("/projects/new").get_data(as_text=True), "industry_code"))
    assert "Textiles" in bureau.get(f"/projects/{project.id}").get_data(as_text=True)
    admin.post_form(f"/admin/industries/{industry.id}/active", {"active": "1"})
    assert "textiles" in dict(_options(bureau.get("/projects/new").get_data(as_text=True), "industry_code"))


def test_bad_and_taken_codes_are_refused_at_the_field(app, org, login):
    admin = login("admin")
    _create_industry(admin, "food", "食品")
    for code, message in [("Food!", "lower-case"), ("food", "taken"), ("", "required")]:
        response = _create_industry(admin, code, "另一个")
        assert response.status_code == 422, code
        assert message in response.get_data(as_text=True), code
    assert Industry.select().count() == 1
    food = Industry.get(Industry.code == "food")
    admin.post_form(f"/admin/industries/{food.id}/links/new", {"code": "food.up", "name_zh": "原料", "position": "up"})
    again = admin.post_form(f"/admin/industries/{food.id}/links/new",
                            {"code": "food.up", "name_zh": "重复", "position": "up"})
    assert again.status_code == 422 and "taken" in again.get_data(as_text=True)
    assert IndustryLink.select().count() == 1


def test_only_administrators_edit_industries(app, org, login):
    industry = Industry.create(code="wine", name_zh="酒")
    for username in ("bureau", "unit_a", "leader", "department"):
        client = login(username)
        assert client.get("/admin/industries").status_code == 403, username
        new = {"code": "x", "name_zh": "x", "kind": "leading"}
        assert client.post_form("/admin/industries/new", new).status_code == 403
        assert client.post_form(f"/admin/industries/{industry.id}/active", {"active": "0"}).status_code == 403
    assert Industry.select().count() == 1 and Industry.get_by_id(industry.id).active
    assert "/admin/industries" in login("admin").get("/").get_data(as_text=True)


def test_with_a_plugin_system_in_force_the_page_says_the_list_is_not_used(app, org, login):
    Setting.set_value(rules.SETTING_KEY, "six_plus_three")
    page = login("admin").get("/admin/industries").get_data(as_text=True)
    assert "from a plugin" in page


def test_kinds_and_positions_read_in_the_readers_language_on_the_list_and_in_the_forms(app, org, login):
    admin = login("admin")
    _create_industry(admin, "new_energy", "新能源", "New energy")
    energy = Industry.get(Industry.code == "new_energy")
    admin.post_form(f"/admin/industries/{energy.id}/links/new",
                    {"code": "new_energy.battery", "name_zh": "电池", "name_en": "Batteries",
                     "position": "up", "sort_order": "0"})
    for locale, kind, position in (("zh_CN", "主导产业", "上游"), ("en", "Leading industry", "Upstream")):
        admin.post_form("/language", {"locale": locale, "next": "/"})
        listing = admin.get("/admin/industries").get_data(as_text=True)
        assert kind in listing and position in listing
        form = admin.get(f"/admin/industries/{energy.id}").get_data(as_text=True)
        assert ("leading", kind) in _options(form, "kind")
        link_form = admin.get(f"/admin/industries/{energy.id}/links/new").get_data(as_text=True)
        assert ("up", position) in _options(link_form, "position")
