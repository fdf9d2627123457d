"""Industry chains, the review panel and decisions, and switching a deployment's industry system."""
import datetime as dt
from decimal import Decimal

from portal import extra_fields, hookimpl, industries, plugins, rules
from portal.models import AuditLog, Project, Setting
from portal.models.chains import ChainInfo, ReviewDecision, TargetEnterprise
from tests.plugins_helpers import temporary_plugin


def use(system):
    Setting.set_value(rules.SETTING_KEY, system)


def test_chain_page_shows_links_projects_and_gaps(app, org, login, make_project):
    use("six_plus_three")
    make_project(name="Battery plant", industry_code="new_energy", chain_link_code="new_energy.mid", stage="signed",
                 signed_on=dt.date(2026, 3, 1))
    make_project(name="Lithium clue", industry_code="new_energy", chain_link_code="new_energy.up", stage="clue")
    client = login("unit_a")
    index = client.get("/chains").get_data(as_text=True)
    assert "New energy" in index and "Stone processing" in index
    page = client.get("/chains/new_energy").get_data(as_text=True)
    assert "Battery plant" in page and "Lithium clue" in page
    gaps = page.split("Gaps to replenish")[1].split("</section>")[0]
    assert "Lithium battery raw materials" in gaps  # a clue does not fill a link
    assert "Vehicles and applications" in gaps and "Batteries and storage" not in gaps
    assert client.get("/chains/no_such_industry").status_code == 404


def test_chains_index_counts_each_industrys_links_without_a_signed_project(app, org, login, make_project):
    """A link is filled by an active project signed or later anywhere in the city (not a clue, not an
    archived project): the index counts the others as gaps, industry by industry."""
    import re

    use("six_plus_three")
    with app.test_request_context():
        links = {item["code"]: len(item.get("links", [])) for item in industries.industries()}
    make_project(name="Battery plant", unit="county_b", industry_code="new_energy", chain_link_code="new_energy.mid",
                 stage="production")
    make_project(name="Lithium clue", industry_code="new_energy", chain_link_code="new_energy.up", stage="clue")
    make_project(name="Old vehicles", industry_code="new_energy", chain_link_code="new_energy.down", stage="signed",
                 archived=True)
    index = login("unit_a").get("/chains").get_data(as_text=True)

    def gaps(label):  # the row's fifth cell: industry, kind, projects, links, gaps
        row = index.split(f">{label}</a></td>")[1].split("</tr>")[0]
        return int(re.sub(r"<[^>]+>", "", row.split("<td>")[4]).strip())

    assert links["new_energy"] >= 3
    assert gaps("New energy") == links["new_energy"] - 1
    assert gaps("Stone processing") == links["stone"]


def test_a_chain_page_names_the_first_projects_of_each_link_and_counts_the_rest(app, org, login, make_project,
                                                                               monkeypatch):
    from portal.chains import views

    use("six_plus_three")
    monkeypatch.setattr(views, "LINK_PROJECTS_SHOWN", 2)
    for name, stage in (("C production", "production"), ("A signed", "signed"), ("B signed", "signed")):
        make_project(name=name, industry_code="new_energy", chain_link_code="new_energy.mid", stage=stage)
    make_project(name="Other county's", unit="county_b", industry_code="new_energy", chain_link_code="new_energy.mid",
                 stage="signed")
    make_project(name="Archived", industry_code="new_energy", chain_link_code="new_energy.mid", stage="signed",
                 archived=True)
    for name in ("No link 1", "No link 2", "No link 3"):
        make_project(name=name, industry_code="new_energy", stage="clue")
    make_project(name="Old link", industry_code="new_energy", chain_link_code="new_energy.gone", stage="clue")

    page = login("unit_a").get("/chains/new_energy").get_data(as_text=True)
    row = page.split("Batteries and storage")[1].split("</tr>")[0]
    assert ">C production</a>" in row and ">A signed</a>" in row and "B signed" not in row  # stage code, name
    assert '<a href="/projects?industry=new_energy">and 1 more</a>' in row  # the county reads 3 of its 4
    assert row.split("</td>")[1].strip().endswith("4")  # signed or later: the city's fact, county B's included
    unlinked = page.split("Projects without a chain link:")[1].split("</p>")[0]
    assert "No link 1, No link 2" in unlinked and "and 2 more" in unlinked  # "Old link" counts among them
    other = page.split("Vehicles and applications")[1].split("</tr>")[0]
    assert "more" not in other


def test_chain_projects_respect_permissions(app, org, login, make_project):
    use("six_plus_three")
    make_project(name="County B battery", unit="county_b", industry_code="new_energy",
                 chain_link_code="new_energy.mid", stage="signed")
    page = login("unit_a").get("/chains/new_energy").get_data(as_text=True)
    assert "County B battery" not in page
    gaps = page.split("Gaps to replenish")[1].split("</section>")[0]
    assert "Batteries and storage" not in gaps  # the gap count is the city's fact, names stay private


def test_bureau_sets_chain_leader_and_team(app, org, login):
    from portal.models import Unit

    use("six_plus_three")
    team = Unit(name="New energy team", kind="special_team", parent=org.units["bureau"]).save_with_path()
    leader = org.users["leader"]
    assert login("unit_a").post_form("/chains/new_energy/info", {"leader": leader.id}).status_code == 403
    response = login("bureau").post_form("/chains/new_energy/info",
                                         {"leader": str(leader.id), "special_team": str(team.id), "note": "monthly"})
    assert response.status_code == 303
    info = ChainInfo.get(ChainInfo.industry_code == "new_energy")
    assert info.leader_id == leader.id and info.special_team_id == team.id
    assert AuditLog.select().where(AuditLog.entity == "chain").count() == 1
    bad = login("bureau").post_form("/chains/new_energy/info", {"leader": "abc"})
    assert bad.status_code == 422 and "Not a valid choice" in bad.get_data(as_text=True)
    assert "Leader" in login("bureau").get("/chains").get_data(as_text=True)


def test_departments_keep_target_enterprises(app, org, login, make_project):
    use("six_plus_three")
    project = make_project(name="Storage project", industry_code="new_energy")
    dept = login("department")
    bad = dept.post_form("/chains/new_energy/targets", {"company": "", "reviewed_quarter": "Q3", "status": "contacted"})
    text = bad.get_data(as_text=True)
    assert bad.status_code == 422 and "Enter the company." in text and "Write the quarter as 2026Q3." in text
    ok = dept.post_form("/chains/new_energy/targets", {
        "company": "Storage Co", "chain_link_code": "new_energy.mid", "reason": "leader in storage",
        "reviewed_quarter": "2026Q3", "status": "contacted"})
    assert ok.status_code == 303
    target = TargetEnterprise.get(TargetEnterprise.company == "Storage Co")
    assert target.unit_id == org.units["department"].id and target.status == "contacted"
    response = login("unit_a").post_form("/chains/new_energy/targets", {"company": "x", "status": "contacted"})
    assert response.status_code == 403
    # the bureau links it to its project once it became a clue
    response = login("bureau").post_form(f"/chains/targets/{target.id}", {
        "company": "Storage Co", "chain_link_code": "new_energy.mid", "reason": "leader in storage",
        "reviewed_quarter": "2026Q4", "status": "clue", "project": str(project.id)})
    assert response.status_code == 303
    target = TargetEnterprise.get_by_id(target.id)
    assert target.status == "clue" and target.project_id == project.id
    assert AuditLog.select().where(AuditLog.entity == "project", AuditLog.entity_id == project.id).exists()
    page = login("leader").get("/chains/new_energy").get_data(as_text=True)
    assert "Storage Co" in page and "Became a clue" in page and "Storage project" in page
    # a unit that may not read the linked project sees the target, not the project's name
    page = login("unit_b").get("/chains/new_energy").get_data(as_text=True)
    assert "Storage Co" in page and "Storage project" not in page and "a project of another unit" in page


def test_an_industry_with_many_projects_links_a_target_by_the_projects_number(app, org, login, make_project,
                                                                             monkeypatch):
    """Past PROJECT_CHOICES_MAX projects the form asks for the project's number (no select of thousands):
    what the page's form holds is submitted, a number outside the industry or unreadable is refused at
    the field, and the edit form submitted unchanged keeps the link."""
    from portal.chains import views
    from tests.forms_helpers import forms_on, submit

    use("six_plus_three")
    monkeypatch.setattr(views, "PROJECT_CHOICES_MAX", 1)
    mine = make_project(name="Storage project", industry_code="new_energy")
    make_project(name="Second storage project", industry_code="new_energy")
    other_industry = make_project(name="Glass plant", industry_code="new_materials")
    bureau = login("bureau")

    def add_form():
        page = bureau.get("/chains/new_energy").get_data(as_text=True)
        assert 'name="project" type="number"' in page  # a number, not a select of every project
        assert "The number in the project page's address" in page  # its help under the field
        [form] = [f for f in forms_on(page, "/chains/new_energy") if f.action.endswith("/targets")]
        form.type_into("company", "Storage Co")
        return form

    for number, message in ((other_industry.id, "No active project of this industry"),
                            ("abc", "Not a valid integer value")):
        form = add_form()
        form.type_into("project", str(number))
        refused = submit(bureau, form)
        assert refused.status_code == 422 and message in refused.get_data(as_text=True), number
        assert refused.get_data(as_text=True).count('class="error" id="project-error') == 1  # one message
    form = add_form()
    form.type_into("project", str(mine.id))
    assert submit(bureau, form).status_code == 303
    target = TargetEnterprise.get(TargetEnterprise.company == "Storage Co")
    assert target.project_id == mine.id

    url = f"/chains/targets/{target.id}"
    [edit] = [f for f in forms_on(bureau.get(url).get_data(as_text=True), url) if f.action.endswith(url)]
    saved = submit(bureau, edit)
    assert saved.status_code == 303
    assert TargetEnterprise.get_by_id(target.id).project_id == mine.id
    # a county's user may not add targets: no form (and no list of projects built for one)
    assert "Add a target enterprise" not in login("unit_a").get("/chains/new_energy").get_data(as_text=True)


def test_review_panel_and_decision(app, org, login, make_project):
    use("six_plus_three")
    project = make_project(name="Glass plant", industry_code="new_materials", land_area_mu=Decimal(100),
                           expected_output=Decimal(24000), expected_tax=Decimal(1500), expected_jobs=30)
    page = login("unit_a").get(f"/projects/{project.id}").get_data(as_text=True)
    assert "Project review" in page and "Output value per mu" in page and "84.0" in page and "Suits: do it" in page
    assert login("unit_b").get(f"/review/projects/{project.id}").status_code == 404
    assert login("unit_a").post_form(f"/review/projects/{project.id}", {"decision": "approve"}).status_code == 403
    bad = login("bureau").post_form(f"/review/projects/{project.id}", {"decision": "maybe"})
    assert bad.status_code == 422
    ok = login("bureau").post_form(f"/review/projects/{project.id}", {"decision": "approve", "note": "go"})
    assert ok.status_code == 303
    decision = ReviewDecision.get(ReviewDecision.project == project)
    assert decision.recommendation == "suits" and decision.system == "six_plus_three" and decision.note == "go"
    entry = AuditLog.get(AuditLog.entity == "project", AuditLog.action == "review")
    assert entry.entity_id == project.id


def test_project_changed_stores_the_recommendation(app, org, make_project):
    use("four_plus_one")
    project = make_project(industry_code="electronics", land_area_mu=Decimal(20), safety_assessment="passed",
                           environment_assessment="failed")
    with app.test_request_context():
        plugins.project_changed(project, "edit", org.users["bureau"])
    assert Project.get_by_id(project.id).review_recommendation == "unsuitable"
    assert Project.select().where(Project.review_recommendation == "unsuitable").count() == 1


def test_switching_the_industry_system_changes_industries_chains_and_review(app, org, login, make_project):
    project = make_project(name="Stone works", industry_code="stone", land_area_mu=Decimal(10),
                           safety_assessment="passed", environment_assessment="passed")
    admin = login("admin")
    assert admin.post_form("/admin/plugins/rules", {"system": "six_plus_three"}).status_code == 303
    with app.test_request_context():
        assert len(industries.choices()) == 9 and industries.active_system()["code"] == "six_plus_three"
    bureau = login("bureau")
    assert "Stone processing" in bureau.get("/chains").get_data(as_text=True)
    assert "Output value per mu" in bureau.get(f"/projects/{project.id}").get_data(as_text=True)

    assert admin.post_form("/admin/plugins/rules", {"system": "four_plus_one"}).status_code == 303
    assert AuditLog.select().where(AuditLog.entity == "setting").count() == 2
    with app.test_request_context():
        assert [c for c, _ in industries.choices()] == [
            "new_materials", "advanced_equipment", "electronics", "biomedicine", "culture_tourism"]
        assert industries.label("stone") == "Stone processing"  # the project keeps its industry
    assert "Stone processing" not in bureau.get("/chains").get_data(as_text=True)
    assert Project.get_by_id(project.id).review_recommendation == "unsuitable"  # recomputed on the switch
    review = bureau.get(f"/projects/{project.id}").get_data(as_text=True)
    assert "Investment intensity" in review and "Output value per mu" not in review
    assert "The industry is not one of the 4+1 key industries." in review
    assert admin.post_form("/admin/plugins/rules", {"system": "nonsense"}).status_code == 422
    assert admin.post_form("/admin/plugins/rules", {"system": "core"}).status_code == 303
    with app.test_request_context():
        assert industries.active_system() is None
    assert admin.post_form("/admin/plugins/rules", {"system": "one_plus_three"}).status_code == 303
    city = bureau.get("/chains").get_data(as_text=True)
    assert "County layouts" in city and "南岭县" in city and "New energy</a> + <a" in city


def test_pages_in_chinese(app, org, login, make_project):
    use("six_plus_three")
    project = make_project(name="玻璃厂", industry_code="new_materials")
    client = login("bureau")
    client.post_form("/language", {"locale": "zh_CN", "next": "/"})
    chains = client.get("/chains").get_data(as_text=True)
    assert "产业链" in chains and "新材料" in chains and "石材加工" in chains
    page = client.get(f"/projects/{project.id}").get_data(as_text=True)
    assert "项目评审" in page and "亩均产值" in page
    admin = login("admin")
    admin.post_form("/language", {"locale": "zh_CN", "next": "/"})
    assert "插件" in admin.get("/admin/plugins").get_data(as_text=True)


class CountySystem:
    """A temporary plugin with its own inline system and review."""

    @hookimpl
    def portal_industry_systems(self, context):
        return [{"code": "inline", "name_zh": "内联", "name_en": "Inline", "industries": [
            {"code": "tea", "name_zh": "茶叶", "name_en": "Tea", "kind": "characteristic", "links": [
                {"code": "tea.grow", "name_zh": "种植", "name_en": "Growing", "position": "up"},
                {"code": "tea.sell", "name_zh": "销售", "name_en": "Selling", "position": "down"}]}]}]

    @hookimpl
    def portal_project_review(self, project, context):
        if context.system_code != "inline":
            return None
        return {"scores": [{"label": "Tea", "value": "1", "benchmark": "1", "points": 1, "max_points": 1}],
                "total": 1, "recommendation": "discuss", "vetoes": ["Too much tea"], "notes": []}


def test_portal_industry_systems_and_portal_project_review_with_a_temporary_plugin(app, org, login, make_project):
    app.config["RULES"] = "inline"
    project = make_project(name="Tea garden", industry_code="tea", chain_link_code="tea.grow")
    with temporary_plugin(app, CountySystem(), "county_inline"):
        with app.test_request_context():
            assert industries.choices() == [("tea", "Tea")]
            assert industries.chain_link_choices("tea") == [("tea.grow", "Growing"), ("tea.sell", "Selling")]
            assert industries.chain_link_label("tea.sell") == "Selling"
        page = login("bureau").get(f"/review/projects/{project.id}").get_data(as_text=True)
        assert "Too much tea" in page and "Needs discussion" in page
        assert "Tea garden" in login("bureau").get("/chains/tea").get_data(as_text=True)


class Extras:
    @hookimpl
    def portal_extra_fields(self):
        return [{"code": "energy", "label": "Energy per output", "type": "decimal"},
                {"code": "zone", "label": "Zone", "type": "choice", "choices": [("a", "Zone A")], "required": True}]

    @hookimpl
    def portal_export_columns(self):
        return [{"code": "double", "label": "Double investment", "value": lambda p: p.total_investment * 2}]


def test_portal_extra_fields_and_portal_export_columns_with_a_temporary_plugin(app, org, make_project):
    from flask_wtf import FlaskForm
    from werkzeug.datastructures import MultiDict

    project = make_project()
    with temporary_plugin(app, Extras(), "extras"), app.test_request_context(method="POST"):
        app.config["WTF_CSRF_ENABLED"] = False
        try:
            assert [f["code"] for f in extra_fields.declared_fields()] == ["energy", "zone"]
            form_cls = extra_fields.form_class(FlaskForm)
            form = form_cls(formdata=MultiDict({"extra_energy": "0.35", "extra_zone": ""}))
            assert not form.validate() and "extra_zone" in form.errors
            form = form_cls(formdata=MultiDict({"extra_energy": "0.35", "extra_zone": "a"}))
            assert form.validate(), form.errors
            changes = extra_fields.save_form(form, project)
            project.save()
        finally:
            app.config["WTF_CSRF_ENABLED"] = True
        assert changes == {"extra.energy": [None, "0.35"], "extra.zone": [None, "a"]}
        stored = Project.get_by_id(project.id)
        assert stored.extra == {"energy": "0.35", "zone": "a"}
        assert extra_fields.value(stored, "energy") == Decimal("0.35")
        assert extra_fields.display(stored, extra_fields.declared_fields()[1]) == "Zone A"
        columns = extra_fields.export_columns()
        assert [c["code"] for c in columns] == ["extra_energy", "extra_zone", "double"]
        assert columns[0]["value"](stored) == Decimal("0.35") and columns[2]["value"](stored) == Decimal("20000")
        edit = extra_fields.form_class(FlaskForm)(formdata=None)
        extra_fields.load_form(edit, stored)
        assert edit.extra_energy.data == Decimal("0.35")


class Menu:
    @hookimpl
    def portal_menu_items(self, user):
        return [{"endpoint": "chains.index", "label": "Temporary entry", "order": 1}]

    @hookimpl
    def portal_template_panels(self, slot, context):
        if slot == "project_page":
            return [{"title": "Temporary panel", "html": "<b>escaped</b>", "order": 1}]
        return None


def test_portal_menu_items_and_portal_template_panels_with_a_temporary_plugin(app, org, login, make_project):
    project = make_project()
    with temporary_plugin(app, Menu(), "menu"):
        client = login("bureau")
        assert "Temporary entry" in client.get("/").get_data(as_text=True)
        page = client.get(f"/projects/{project.id}").get_data(as_text=True)
        assert "Temporary panel" in page and "&lt;b&gt;escaped&lt;/b&gt;" in page


def test_the_demo_city_uses_the_six_plus_three_plugin(app, org):
    from portal.demo import DemoContext
    from portal.platform.plugin import portal_demo_data

    import random

    with app.test_request_context():
        context = DemoContext(units=dict(org.units), users={"chainlead": org.users["leader"],
                                                            "industry": org.users["department"]},
                              rng=random.Random(1), today=dt.date(2026, 5, 1), password_hash="x")
        context.units["dept_industry"] = org.units["department"]
        portal_demo_data(context)
        portal_demo_data(context)  # idempotent
        assert rules.configured_code() == "six_plus_three"
        assert ChainInfo.get(ChainInfo.industry_code == "new_energy").leader_id == org.users["leader"].id
        assert TargetEnterprise.select().count() == 4


def test_without_an_active_system_the_portals_own_industry_names_are_used(app):
    """A code a bundled system also knows keeps the name the administrator gave it in the portal."""
    from portal import industries
    from portal.models import Industry

    Industry.create(code="new_energy", name_zh="新能源（本市）", name_en="New energy (our city)")
    with app.test_request_context():
        assert industries.active_system() is None
        assert industries.label("new_energy") == "New energy (our city)"  # tests run in English
        assert dict(industries.choices())["new_energy"] == industries.label("new_energy")


def test_chain_index_counts_each_industry_as_the_projects_do(app, org, make_project, monkeypatch):
    """/chains counts each industry's projects the user reads from the tally the database keeps, where
    it can say (from the projects, a county's count walked all of them: 150-190 ms on SQLite at 100,000),
    and from the projects for a department with projects granted one by one. Either way: the projects
    the user may read, archived ones left out."""
    from portal import permissions
    from portal.chains import views as chains_views
    from portal.figures import tally
    from portal.models import Problem
    from tests.problems_helpers import local_today

    use("six_plus_three")
    for number, (unit, industry) in enumerate([("county_a", "new_energy"), ("county_a", "new_energy"),
                                               ("town_a", "stone"), ("county_b", "new_energy"),
                                               ("county_b", "stone"), ("county_a", "stone")]):
        project = make_project(name=f"Works {number}", unit=unit, industry_code=industry, archived=number == 5,
                               source_team=org.units["team"] if number == 4 else None)
        if number == 3:
            Problem.create(project=project, category="land", description="Land", raised_by=org.users["unit_b"],
                           assigned_unit=org.units["department"], deadline=local_today())
    with app.test_request_context():
        for name, user in org.users.items():
            expected = {}
            for project in Project.select().where(Project.archived == False):  # noqa: E712
                if permissions.can_read_project(user, project):
                    expected[project.industry_code] = expected.get(project.industry_code, 0) + 1
            assert chains_views.industry_counts(user) == expected, name
            with monkeypatch.context() as without_tally:
                without_tally.setattr(tally, "available", lambda: False)
                assert chains_views.industry_counts(user) == expected, name
