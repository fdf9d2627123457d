"""Plugins' extra fields and export columns on the project pages, lists and exports; the chain-link
select of the active industry system; the demo projects in the demo's "6+3" system."""
import io
from decimal import Decimal

from openpyxl import load_workbook

from portal import hookimpl, rules
from portal.models import AuditLog, Project, Setting
from tests.plugins_helpers import temporary_plugin
from tests.test_demo_seed import demo  # noqa: F401 - fixture
from tests.test_project_pages import extra, full_form, project_id  # noqa: F401 - fixture


class Energy:
    @hookimpl
    def portal_extra_fields(self):
        return [{"code": "energy", "label": "Energy per output", "type": "decimal", "list": True,
                 "help": "Tonnes of coal equivalent"},
                {"code": "zone", "label": "Zone", "type": "choice", "choices": [("a", "Zone A"), ("b", "Zone B")]}]

    @hookimpl
    def portal_export_columns(self):
        return [{"code": "double", "label": "Double investment", "value": lambda p: p.total_investment * 2}]


def sheet_rows(response):
    return list(load_workbook(io.BytesIO(response.data)).active.iter_rows(values_only=True))


def test_extra_fields_in_form_page_audit_list_and_export(app, login, org, extra):
    client = login("unit_a")
    with temporary_plugin(app, Energy(), "energy"):
        form = client.get("/projects/new").get_data(as_text=True)
        assert "Energy per output" in form and 'name="extra_energy"' in form and "Zone B" in form
        response = client.post_form("/projects/new", full_form(org, extra, extra_energy="0.35", extra_zone="b"))
        assert response.status_code == 303, response.get_data(as_text=True)
        project = Project.get_by_id(project_id(response))
        assert project.extra == {"energy": "0.35", "zone": "b"}
        created = AuditLog.get(AuditLog.entity == "project", AuditLog.entity_id == project.id)
        assert created.changes["extra.energy"] == [None, "0.35"] and created.changes["extra.zone"] == [None, "b"]

        page = client.get(f"/projects/{project.id}").get_data(as_text=True)
        details = page.split('id="details"')[1].split("</section>")[0]
        assert "Energy per output" in details and "0.35" in details and "Zone B" in details

        listing = client.get("/projects").get_data(as_text=True)
        assert ">Energy per output</th>" in listing and ">0.35</td>" in listing
        assert ">Zone</th>" not in listing  # not declared for the lists

        rows = sheet_rows(client.get("/projects?format=xlsx"))
        header = list(rows[0])
        assert header[-3:] == ["Energy per output", "Zone", "Double investment"]
        assert list(rows[1][-3:]) == [0.35, "b", 240001.0]

        edit = client.get(f"/projects/{project.id}/edit").get_data(as_text=True)
        assert 'name="extra_energy"' in edit and 'value="0.35"' in edit
        data = full_form(org, extra, extra_energy="0.5", extra_zone="b", version=str(project.version))
        assert client.post_form(f"/projects/{project.id}/edit", data).status_code == 303
        assert Project.get_by_id(project.id).extra == {"energy": "0.5", "zone": "b"}
        edited = AuditLog.get(AuditLog.entity == "project", AuditLog.action == "edit")
        assert edited.changes["extra.energy"] == ["0.35", "0.5"] and "extra.zone" not in edited.changes


def test_a_bad_extra_value_gets_a_message_at_the_field(app, login, org, extra):
    client = login("unit_a")
    with temporary_plugin(app, Energy(), "energy"):
        for over, message in (({"extra_energy": "lots"}, "Not a valid decimal value"),
                              ({"extra_zone": "c"}, "Not a valid choice")):
            response = client.post_form("/projects/new", full_form(org, extra, **over))
            assert response.status_code == 422
            page = response.get_data(as_text=True)
            field = page.split('name="' + next(iter(over)) + '"')[1].split("</div>")[0]
            assert message in field
    assert Project.select().count() == 0


def use_six_plus_three():
    Setting.set_value(rules.SETTING_KEY, "six_plus_three")


def test_chain_link_select_offers_the_industry_links(app, login, org, extra):
    use_six_plus_three()
    client = login("unit_a")
    form = client.get("/projects/new").get_data(as_text=True)
    select = form.split('name="chain_link_code"')[1].split("</select>")[0]
    assert '<optgroup label="New energy">' in select and 'value="stone.up"' in select  # without JavaScript: all
    assert 'hx-get="/projects/chain-links"' in form
    partial = client.htmx("GET", "/projects/chain-links?industry_code=stone&chain_link_code=new_energy.mid")
    text = partial.get_data(as_text=True)
    assert partial.status_code == 200 and 'id="chain-link-field"' in text and "<html" not in text
    assert 'value="stone.up"' in text and "new_energy" not in text and '<option selected value="">' in text
    kept = client.htmx("GET", "/projects/chain-links?industry_code=new_energy&chain_link_code=new_energy.mid")
    assert '<option selected value="new_energy.mid">' in kept.get_data(as_text=True)


def test_chain_link_is_saved_or_refused_with_a_message(app, login, org, extra):
    use_six_plus_three()
    client = login("unit_a")
    for link, message in (("stone.up", "belongs to another industry (Stone processing)"),
                          ("no_such.link", "Choose a chain link from the list.")):
        response = client.post_form("/projects/new", full_form(org, extra, industry_code="new_energy",
                                                                chain_link_code=link))
        assert response.status_code == 422, link
        field = response.get_data(as_text=True).split('id="chain-link-field"')[1].split("</div>")[0]
        assert message in field
    assert Project.select().count() == 0
    response = client.post_form("/projects/new", full_form(org, extra, industry_code="new_energy",
                                                            chain_link_code="new_energy.mid"))
    assert response.status_code == 303
    project = Project.get_by_id(project_id(response))
    assert (project.industry_code, project.chain_link_code) == ("new_energy", "new_energy.mid")
    page = client.get(f"/projects/{project.id}").get_data(as_text=True)
    assert "Batteries and storage" in page
    # Changing the industry without changing the link is refused too.
    data = full_form(org, extra, industry_code="stone", chain_link_code="new_energy.mid", version=str(project.version))
    response = client.post_form(f"/projects/{project.id}/edit", data)
    assert response.status_code == 422 and "belongs to another industry" in response.get_data(as_text=True)


def test_demo_projects_use_the_active_system_with_chain_links_and_gaps(demo, app):  # noqa: F811
    demo()
    with app.test_request_context():
        system = rules.active_system()
        assert system["code"] == "six_plus_three"
        links = {item["code"]: {link["code"] for link in item["links"]} for item in system["industries"]}
    projects = list(Project.select(Project.industry_code, Project.chain_link_code, Project.stage))
    assert {p.industry_code for p in projects} == set(links)
    assert all(p.chain_link_code in links[p.industry_code] for p in projects)
    client = app.test_client()
    assert client.login("bureau").status_code == 303
    page = client.get("/chains/new_energy").get_data(as_text=True)
    assert "项目" in page
    gaps = page.split("Gaps to replenish")[1].split("</section>")[0] if "Gaps to replenish" in page else \
        page.split("待补链环节")[1].split("</section>")[0]
    assert "锂电原材料" in gaps or "Lithium battery raw materials" in gaps
    assert "电池与储能" not in gaps and "Batteries and storage" not in gaps
    assert Decimal(len(projects)) > 250


class FailingColumn:
    """A plugin's export column that fails for projects without a land area, and reads a
    field no core column exports (so the export must read whole rows while it is declared)."""

    @hookimpl
    def portal_export_columns(self):
        return [{"code": "land", "label": "Land per 10,000 yuan",
                 "value": lambda p: p.land_area_mu / p.total_investment}]


def test_a_failing_export_column_is_reported_and_the_export_still_downloads(app, login, org, make_project,
                                                                            monkeypatch):
    from portal import plugins
    from portal.models import PluginFailureRecord

    with app.app_context():
        monkeypatch.setattr(plugins.registry(), "strict", False)  # as in production: report, do not raise
    make_project(name="有用地", total_investment=Decimal("500"), land_area_mu=Decimal("50"))
    make_project(name="无用地一", total_investment=Decimal("100"), land_area_mu=None)
    make_project(name="无用地二", total_investment=Decimal("200"), land_area_mu=None)
    client = login("bureau")
    with temporary_plugin(app, FailingColumn(), "failing-column"):
        response = client.get("/projects?format=xlsx&sort=name")
        assert response.status_code == 200
        rows = sheet_rows(response)
    header = list(rows[0])
    assert header[0] == "Project" and header[-1] == "Land per 10,000 yuan"
    by_name = {row[0]: row for row in rows[1:]}
    assert set(by_name) == {"有用地", "无用地一", "无用地二"}
    assert by_name["有用地"][-1] == 0.1  # land_area_mu, not among the core's exported columns, was read
    assert by_name["无用地一"][-1] == by_name["无用地二"][-1] == "(plugin failed)"
    assert by_name["无用地二"][header.index("Total investment (10,000 yuan)")] == 200  # the rest of the row
    failure = PluginFailureRecord.get(PluginFailureRecord.plugin == "failing-column")
    assert failure.hook == "portal_export_columns" and "TypeError" in failure.message
    assert failure.count == 1  # once per export, not once per row


class NonsenseColumns:
    """Export columns answering what Excel cannot hold as given."""

    @hookimpl
    def portal_export_columns(self):
        import datetime as dt

        return [{"code": "nan", "label": "Not a number", "value": lambda p: float("nan")},
                {"code": "inf", "label": "Infinite", "value": lambda p: Decimal("Infinity")},
                {"code": "zoned", "label": "Zoned time",
                 "value": lambda p: dt.datetime(2026, 5, 1, 9, 30, tzinfo=dt.timezone(dt.timedelta(hours=8)))},
                {"code": "big", "label": "Big number", "value": lambda p: 10**400},
                {"code": "id", "label": "Eighteen digits", "value": lambda p: 110101199001011234},
                {"code": "dict", "label": "A dict", "value": lambda p: {"a": 1}}]


def test_export_columns_answering_what_excel_cannot_hold_still_download(app, login, org, make_project):
    """A plugin's NaN or infinity is an empty cell, a time with a zone the time it reads, a whole number
    too long for Excel's numbers its digits, anything else its text: the export downloads either way."""
    import datetime as dt

    make_project(name="有用地", total_investment=Decimal("500"))
    with temporary_plugin(app, NonsenseColumns(), "nonsense"):
        response = login("bureau").get("/projects?format=xlsx")
        assert response.status_code == 200
        header, row = sheet_rows(response)
    cells = dict(zip(header, row))
    assert cells["Not a number"] is None and cells["Infinite"] is None
    assert cells["Zoned time"] == dt.datetime(2026, 5, 1, 9, 30)
    assert cells["Big number"] == str(10**400) and cells["Eighteen digits"] == "110101199001011234"
    assert cells["A dict"] == "{'a': 1}" and cells["Project"] == "有用地"
