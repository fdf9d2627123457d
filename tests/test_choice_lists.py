"""A county supplies its own lists (portal_choice_lists): investment methods, source channels and
problem categories replace the core's in the forms; codes stored before still read and stay selectable."""
from portal import hookimpl
from portal.models import Problem, Project
from tests.forms_helpers import forms_on, submit
from tests.plugins_helpers import temporary_plugin

PINGYI_METHODS = [("park_led", "Park-led promotion"), ("chain_led", "Chain-led promotion"),
                  ("agency", "Commissioned agency"), ("hometown", "Hometown entrepreneurs")]


class PingyiLists:
    @hookimpl
    def portal_choice_lists(self):
        return [{"list": "investment_method", "choices": [{"code": c, "label": t} for c, t in PINGYI_METHODS]},
                {"list": "problem_category", "choices": [{"code": "quarry_permit", "label": "Quarry permit"}]}]


def form_with(client, url, field):
    [form] = [f for f in forms_on(client.get(url).get_data(as_text=True), url) if field in f.names()]
    return form


def options(form, name):
    return [value for value, _selected, _disabled in form.control(name).options]


def test_the_project_form_offers_the_countys_investment_methods_and_saves_one(app, org, login):
    bureau = login("bureau")
    with temporary_plugin(app, PingyiLists(), "pingyi"):
        form = form_with(bureau, "/projects/new", "investment_method")
        assert options(form, "investment_method") == ["", *[code for code, _ in PINGYI_METHODS]]
        assert "stationed_team" in options(form, "source_channel")  # no county list: the core's stays
        form.type_into("name", "Granite slab plant")
        form.type_into("total_investment", "30000")
        form.choose("investment_method", "chain_led")
        assert submit(bureau, form).status_code == 303
        project = Project.get(Project.name == "Granite slab plant")
        assert project.investment_method == "chain_led"
        page = bureau.get(f"/projects/{project.id}").get_data(as_text=True)
    assert "Chain-led promotion" in page


def test_a_code_stored_under_the_core_list_still_reads_and_survives_an_unchanged_edit(app, org, login, make_project):
    project = make_project(name="Old fund project", investment_method="fund")
    bureau = login("bureau")
    with temporary_plugin(app, PingyiLists(), "pingyi"):
        assert "Fund" in bureau.get(f"/projects/{project.id}").get_data(as_text=True)
        form = form_with(bureau, f"/projects/{project.id}/edit", "investment_method")
        assert form.control("investment_method").selected_values() == ["fund"]
        assert submit(bureau, form).status_code == 303
        data = form.data()
        data["investment_method"] = "not_a_method"  # a code no list offers: refused at the field
        refused = bureau.post(f"/projects/{project.id}/edit", data=data)
        assert refused.status_code == 422 and "Not a valid choice" in refused.get_data(as_text=True)
    assert Project.get_by_id(project.id).investment_method == "fund"


def test_problems_are_raised_under_the_countys_categories_and_the_board_finds_both(app, org, login, make_project):
    project = make_project(name="Quarry")
    unit_a = login("unit_a")
    with temporary_plugin(app, PingyiLists(), "pingyi"):
        url = f"/projects/{project.id}/problems/new"
        form = form_with(unit_a, url, "category")
        assert options(form, "category") == ["quarry_permit"]
        form.type_into("description", "The quarry permit is stuck at the county")
        form.choose("assigned_unit", str(org.units["department"].id))
        form.type_into("deadline", "2099-01-31")
        assert submit(unit_a, form).status_code == 303
        assert Problem.get(Problem.project == project.id).category == "quarry_permit"
        board = form_with(login("bureau"), "/problems", "category")
        assert options(board, "category")[:3] == ["", "quarry_permit", "approvals"]  # county's first, then older
        page = login("bureau").get("/problems?category=quarry_permit").get_data(as_text=True)
    assert "Quarry permit" in page and "The quarry permit is stuck" in page
