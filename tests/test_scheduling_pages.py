"""The scheduling pages: the unit's weekly report (htmx per row, plain post for all rows), milestones,
the wall chart and the weekly scheduling meeting page with its Excel export."""
import datetime as dt
import io
import re

import pytest
from openpyxl import load_workbook

from portal.models import AuditLog, Milestone, ProgressReport, Project
from portal.scheduling import snapshots as S
from portal.timeutil import iso_week, today
from tests.scheduling_helpers import LONG_AGO, SHANGHAI


def today():
    """Today in the test deployment's time zone (Asia/Shanghai), without an app context."""
    return dt.datetime.now(SHANGHAI).date()


@pytest.fixture
def projects(app, make_project):
    with app.app_context():
        return {
            "plant": make_project(name="Battery plant", unit="county_a", stage="signed", created_at=LONG_AGO),
            "hotel": make_project(name="Lake hotel", unit="town_a", stage="negotiating", created_at=LONG_AGO),
            "clue": make_project(name="Robot clue", unit="county_a", stage="clue", created_at=LONG_AGO),
            "done": make_project(name="Finished mill", unit="county_a", stage="production", created_at=LONG_AGO),
            "other": make_project(name="B county farm", unit="county_b", stage="started", created_at=LONG_AGO),
        }


def rows_of(html):
    return dict(re.findall(r'<tr id="report-row-(\d+)" class="[^"]*" data-reported="(yes|no)"', html))


def test_report_page_lists_the_units_active_projects(login, projects):
    page = login("unit_a").get("/scheduling/report").get_data(as_text=True)
    rows = rows_of(page)
    ids = {str(projects[k].id) for k in ("plant", "hotel", "clue")}
    assert set(rows) == ids  # the town below is included, production and other counties are not
    assert set(rows.values()) == {"no"}
    assert "No report this week yet" in page
    assert "0 of 3 projects reported, 3 left" in page


def test_plain_post_saves_every_row(login, projects, app):
    client = login("unit_a")
    plant, hotel = projects["plant"], projects["hotel"]
    response = client.post_form("/scheduling/report", {
        f"happened-{plant.id}": "Land survey done", f"next-{plant.id}": "Permit", f"percent-{plant.id}": "40",
        f"happened-{hotel.id}": "Second visit", f"happened-{projects['clue'].id}": "",
    })
    assert response.status_code == 303
    week = iso_week(today())
    with app.app_context():
        saved = {(r.project_id, r.happened, r.percent_complete, r.week) for r in ProgressReport.select()}
        assert saved == {(plant.id, "Land survey done", 40, week), (hotel.id, "Second visit", None, week)}
        assert AuditLog.select().where(AuditLog.action == "progress", AuditLog.entity_id == plant.id).count() == 1
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "2 progress entries saved." in page
    rows = rows_of(page)
    assert rows[str(plant.id)] == "yes" and rows[str(projects["clue"].id)] == "no"
    # A later entry in the same week extends the report; history is kept.
    client.post_form("/scheduling/report", {f"happened-{plant.id}": "Permit filed"})
    with app.app_context():
        assert [r.happened for r in ProgressReport.select().where(ProgressReport.project == plant.id)
                .order_by(ProgressReport.id)] == ["Land survey done", "Permit filed"]


@pytest.mark.parametrize("field, value, message", [
    ("percent", "140", "Enter a whole number from 0 to 100."),
    ("percent", "abc", "Enter a whole number from 0 to 100."),
    ("happened", "x" * 2001, "At most 2000 characters."),
    ("next", "only next steps", "Say what happened this week."),
])
def test_bad_rows_are_refused_with_a_message(login, projects, app, field, value, message):
    plant, hotel = projects["plant"], projects["hotel"]
    data = {f"{field}-{plant.id}": value, f"happened-{hotel.id}": "Fine"}
    if field != "happened" and field != "next":
        data[f"happened-{plant.id}"] = "Something"
    response = login("unit_a").post_form("/scheduling/report", data)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    with app.app_context():
        assert ProgressReport.select().count() == 0  # nothing saved


def test_htmx_saves_one_row_and_re_renders_it(login, projects, app):
    client = login("unit_a")
    plant = projects["plant"]
    week = iso_week(today())
    response = client.htmx("POST", f"/scheduling/report/row/{plant.id}?week={week}",
                           {f"happened-{plant.id}": "Signed the land contract", f"percent-{plant.id}": "10",
                            f"happened-{projects['hotel'].id}": "not this row"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.lstrip().startswith(f'<tr id="report-row-{plant.id}"') and "<html" not in html
    assert 'data-reported="yes"' in html and "Signed the land contract" in html
    assert "Vary" in response.headers and "HX-Request" in response.headers["Vary"]
    with app.app_context():
        assert [(r.project_id, r.happened) for r in ProgressReport.select()] == [(plant.id, "Signed the land contract")]
    bad = client.htmx("POST", f"/scheduling/report/row/{plant.id}?week={week}", {f"percent-{plant.id}": "101",
                                                                                 f"happened-{plant.id}": "x"})
    assert bad.status_code == 422
    assert "Enter a whole number from 0 to 100." in bad.get_data(as_text=True)
    assert 'value="101"' in bad.get_data(as_text=True)


def test_row_post_without_javascript_redirects_back(login, projects):
    client = login("unit_a")
    plant = projects["plant"]
    response = client.post_form(f"/scheduling/report/row/{plant.id}", {f"happened-{plant.id}": "Visited"})
    assert response.status_code == 303 and "/scheduling/report" in response.headers["Location"]


def test_report_permissions(login, projects, org, app):
    plant = projects["plant"]
    response = login("unit_b").post_form(f"/scheduling/report/row/{plant.id}", {f"happened-{plant.id}": "x"})
    assert response.status_code == 403
    assert login("unit_b").get(f"/scheduling/report?unit={org.units['county_a'].id}").status_code == 403
    leader = login("leader")
    page = leader.get(f"/scheduling/report?unit={org.units['county_a'].id}")
    assert page.status_code == 200 and "Save all rows" not in page.get_data(as_text=True)
    assert leader.post_form(f"/scheduling/report?unit={org.units['county_a'].id}",
                            {f"happened-{plant.id}": "x"}).status_code == 403
    bureau = login("bureau")
    assert bureau.post_form(f"/scheduling/report?unit={org.units['county_a'].id}",
                            {f"happened-{plant.id}": "By the bureau"}).status_code == 303
    with app.app_context():
        assert ProgressReport.select().count() == 1


@pytest.mark.parametrize("query, message", [
    ("week=2026-W99", "Enter a week such as"),
    ("week=banana", "Enter a week such as"),
    ("week=2099-W01", "This week has not begun yet."),
    ("unit=abc", "Choose a unit from the list."),
    ("unit=99999", "Choose a unit from the list."),
])
def test_bad_parameters_get_a_message_and_400(login, projects, query, message):
    response = login("unit_a").get(f"/scheduling/report?{query}")
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)


def test_frozen_week_is_closed_for_reports(login, projects, app):
    with app.app_context():
        S.freeze_week("2026-W40")
    client = login("unit_a")
    page = client.get("/scheduling/report?week=2026-W40").get_data(as_text=True)
    assert "This week is frozen" in page and "Save all rows" not in page
    plant = projects["plant"]
    assert client.post_form("/scheduling/report?week=2026-W40", {f"happened-{plant.id}": "x"}).status_code == 403
    assert client.post_form(f"/scheduling/report/row/{plant.id}?week=2026-W40",
                            {f"happened-{plant.id}": "x"}).status_code == 400


# Milestones ---------------------------------------------------------------------------------

def test_add_and_complete_milestones(login, projects, app, org):
    client = login("unit_a")
    plant = projects["plant"]
    overdue = (today() - dt.timedelta(days=10)).isoformat()
    response = client.post_form(f"/scheduling/projects/{plant.id}/milestones", {
        "title": "Land handover", "planned_on": overdue, "responsible_unit": str(org.units["department"].id),
        "next": f"/projects/{plant.id}"})
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/projects/{plant.id}")
    with app.app_context():
        milestone = Milestone.get()
        assert milestone.responsible_unit_id == org.units["department"].id
        assert Project.get_by_id(plant.id).flag == "yellow"  # recomputed on change
        assert AuditLog.select().where(AuditLog.action == "milestone").count() == 1
    page = client.get(f"/scheduling/projects/{plant.id}/milestones").get_data(as_text=True)
    assert 'data-status="overdue"' in page and "Overdue by 10 days" in page
    assert 'data-flag="yellow"' in page and "Land handover" in page
    response = client.post_form(f"/scheduling/milestones/{milestone.id}/complete",
                                {"actual_on": (today() - dt.timedelta(days=3)).isoformat(), "next": "//evil.example/"})
    assert response.status_code == 303 and "evil" not in response.headers["Location"]
    page = client.get(f"/scheduling/projects/{plant.id}/milestones").get_data(as_text=True)
    assert "Done 7 days late" in page
    with app.app_context():
        assert Project.get_by_id(plant.id).flag in ("green", "yellow")  # the overdue reason is gone
        assert not any("Land handover" in r["reason"] for r in Project.get_by_id(plant.id).flag_reasons or [])


@pytest.mark.parametrize("data, message", [
    ({"title": "", "planned_on": "2026-12-01"}, "This field is required."),
    ({"title": "Permit", "planned_on": "soon"}, "Enter a date such as 2026-11-20."),
    ({"title": "Permit", "planned_on": "2026-12-01", "actual_on": "2099-01-01"},
     "The actual date cannot be in the future."),
    ({"title": "Permit", "planned_on": "2026-12-01", "responsible_unit": "777"}, "Choose a unit from the list."),
])
def test_bad_milestones_are_refused(login, projects, app, data, message):
    response = login("unit_a").post_form(f"/scheduling/projects/{projects['plant'].id}/milestones", data)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    with app.app_context():
        assert Milestone.select().count() == 0


def test_milestone_permissions(login, projects, app, org):
    plant = projects["plant"]
    data = {"title": "Permit", "planned_on": "2026-12-01"}
    assert login("unit_b").post_form(f"/scheduling/projects/{plant.id}/milestones", data).status_code == 403
    assert login("unit_b").get(f"/scheduling/projects/{plant.id}/milestones").status_code == 403
    assert login("leader").post_form(f"/scheduling/projects/{plant.id}/milestones", data).status_code == 403
    leader_page = login("leader").get(f"/scheduling/projects/{plant.id}/milestones").get_data(as_text=True)
    assert "Add milestone" not in leader_page
    with app.app_context():
        m = Milestone.create(project=plant, title="X", planned_on=dt.date(2026, 1, 1), created_by=org.users["bureau"])
    assert login("unit_b").post_form(f"/scheduling/milestones/{m.id}/complete",
                                     {"actual_on": "2026-01-02"}).status_code == 403
    assert login("unit_a").post_form(f"/scheduling/milestones/{m.id}/complete", {"actual_on": ""}).status_code == 422
    assert login("unit_a").post_form("/scheduling/milestones/abc/complete", {"actual_on": ""}).status_code == 404


def test_milestones_panel_on_the_project_page(login, projects, app):
    if "projects.show" not in app.view_functions:
        pytest.skip("the project pages are not installed")
    page = login("unit_a").get(f"/projects/{projects['plant'].id}").get_data(as_text=True)
    assert "Reversed schedule" in page and "Add a milestone" in page


# Wall chart -----------------------------------------------------------------------------------

def test_wall_chart(login, projects, app, org):
    plant = projects["plant"]
    year = today().year
    with app.app_context():
        Project.update(planned_sign_date=dt.date(year, 1, 15), signed_on=dt.date(year, 2, 3),
                       planned_start_date=dt.date(year, 3, 1)).where(Project.id == plant.id).execute()
        Milestone.create(project=plant, title="Equipment in", planned_on=dt.date(year, 5, 20),
                         created_by=org.users["bureau"])
    client = login("unit_a")
    page = client.get(f"/scheduling/wallchart?year={year}").get_data(as_text=True)
    assert "Battery plant" in page and "B county farm" not in page  # only the user's subtree
    assert page.count('data-kind="planned"') >= 3 and 'data-kind="actual"' in page
    assert "Equipment in" in page
    assert 'class="month today today-q' in page
    assert client.get(f"/scheduling/wallchart?year={year - 1}").get_data(as_text=True).count("today-q") == 0
    assert client.get("/scheduling/wallchart?year=abc").status_code == 400
    assert login("unit_a").get(f"/scheduling/wallchart?unit={org.units['county_b'].id}").status_code == 403
    bureau_page = login("bureau").get(f"/scheduling/wallchart?unit={org.units['county_b'].id}").get_data(as_text=True)
    assert "B county farm" in bureau_page and "Battery plant" not in bureau_page


def test_wall_chart_shows_the_first_projects_by_unit_and_name(login, org, make_project, monkeypatch):
    """Past its limit the wall chart shows the first projects in the tree's order of their units,
    then by name, and says how many there are: read unit by unit, as one query would order them."""
    from portal.models import Unit
    from portal.scheduling import views

    # A town made after County B: by id after it, in the tree before it.
    late_town = Unit(name="Town A2", kind="town", parent=org.units["county_a"]).save_with_path()
    for unit, names in (("county_b", ["B1", "B0"]), (late_town, ["T1", "T0"]), ("county_a", ["A2", "A0", "A1"]),
                        ("town_a", ["W0"])):
        for name in names:
            make_project(name=f"Chart {name}", unit=unit, stage="signed")
    make_project(name="Chart A9 dropped", unit="county_a", stage="dropped")
    monkeypatch.setattr(views, "WALLCHART_LIMIT", 5)
    page = login("bureau").get("/scheduling/wallchart").get_data(as_text=True)
    shown = re.findall(r">Chart (\w+)</a>", page)
    assert shown == ["A0", "A1", "A2", "W0", "T0"]  # County A (/1/2/), Town A1 (/1/2/3/), Town A2, then County B
    assert "Showing the first 5 of 8 projects" in page
    county = login("unit_a").get("/scheduling/wallchart").get_data(as_text=True)  # counted from the tally
    assert re.findall(r">Chart (\w+)</a>", county) == ["A0", "A1", "A2", "W0", "T0"]
    assert "Showing the first 5 of 6 projects" in county
    # A department reads projects its problems grant, which the tally cannot tell: its own unit's chart
    # is counted from the projects.
    make_project(name="Chart D0", unit="department", stage="signed")
    department = login("department").get("/scheduling/wallchart").get_data(as_text=True)
    assert re.findall(r">Chart (\w+)</a>", department) == ["D0"] and "Showing the first" not in department


def test_wall_chart_prints_on_a3(app):
    css = open(app.static_folder + "/css/portal.css", encoding="utf-8").read()
    named = re.search(r"@page\s+(\w+)\s*\{[^}]*size:\s*A3 landscape", css)
    assert named and re.search(r"\.paper-a3-landscape[^{]*\{\s*page:\s*%s" % named.group(1), css)


# Meeting page ----------------------------------------------------------------------------------

def test_meeting_page_of_the_current_week(login, projects, app, org):
    week = iso_week(today())
    monday = today() - dt.timedelta(days=today().weekday())
    with app.app_context():
        Project.update(flag="red", flag_reasons=[{"level": "red", "reason": "Start 40 days overdue"}]).where(
            Project.id == projects["plant"].id).execute()
        Project.update(signed_on=monday).where(Project.id == projects["hotel"].id).execute()
        ProgressReport.create(project=projects["other"], week=week, happened="Roof done", author=org.users["unit_b"])
    page = login("bureau").get("/scheduling").get_data(as_text=True)
    assert f"Weekly scheduling meeting · {week}" in page
    assert 'data-flag="red"' in page and "Start 40 days overdue" in page
    flagged = page.split("Red and yellow projects")[1]
    assert "Battery plant" in flagged
    newly_signed = page.split('data-list="signed"')[1].split("</div>")[0]
    assert "Lake hotel" in newly_signed
    missing = page.split("Reports missing")[1]
    assert "Battery plant" in missing and "B county farm" not in missing
    assert 'data-unit="%d"' % org.units["county_b"].id in page
    # A unit sees only its own subtree.
    unit_page = login("unit_b").get("/scheduling").get_data(as_text=True)
    assert "Battery plant" not in unit_page and "Lake hotel" not in unit_page
    assert 'data-unit="%d"' % org.units["county_b"].id in unit_page
    assert 'data-unit="%d"' % org.units["county_a"].id not in unit_page


def test_meeting_page_of_a_frozen_week_reads_the_snapshot(login, projects, app, org):
    with app.app_context():
        assert S.freeze_week("2026-W40")
        Project.update(flag="red", flag_reasons=[{"level": "red", "reason": "Changed later"}]).execute()
        # Moved to another unit and into production afterwards: the frozen week keeps what it was.
        Project.update(responsible_unit=org.units["county_b"], stage="production").where(
            Project.id == projects["plant"].id).execute()
    page = login("bureau").get("/scheduling?week=2026-W40").get_data(as_text=True)
    missing = page.split("Reports missing")[1]
    assert re.search(r"Battery plant</a></td><td>County A</td><td>Signed</td>", missing)
    county_a = page.split('data-unit="%d"' % org.units["county_a"].id)[1].split("</tr>")[0]
    assert '<td class="num" data-list-count="clues">3</td>' in county_a
    active = re.findall(r'<td class="num">(\d+)</td>', county_a)
    assert active[0] == "2"  # active projects then: the plant and the clue (the town's hotel is the town's)
    assert "frozen" in page
    assert "Changed later" not in page
    assert "No progress report for 2026-W40" in page
    assert 'data-unit-flag="yellow"' in page  # nobody reported in W40


def test_meeting_page_as_excel(login, projects, app):
    with app.app_context():
        Project.update(flag="yellow", flag_reasons=[{"level": "yellow", "reason": "No report"}]).where(
            Project.id == projects["plant"].id).execute()
    response = login("bureau").get("/scheduling?format=xlsx")
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    book = load_workbook(io.BytesIO(response.data))
    assert book.sheetnames == ["Units", "New in the lists", "Red and yellow flags", "Reports missing"]
    flags = [tuple(r) for r in book["Red and yellow flags"].iter_rows(min_row=2, values_only=True)]
    assert flags == [("Yellow flag", "Battery plant", "County A", "No report")]
    assert any(r[0] == "Lake hotel" for r in book["Reports missing"].iter_rows(min_row=2, values_only=True))
    # Printed for the meeting: each sheet one page wide, as many pages long as its rows need.
    for ws in book.worksheets:
        assert ws.sheet_properties.pageSetUpPr.fitToPage, ws.title
        assert ws.page_setup.fitToWidth in (None, 1), ws.title  # absent: the format's default, 1
        assert ws.page_setup.fitToHeight == 0, ws.title
    assert book.properties.title == "Weekly scheduling " + iso_week(today())


def test_meeting_page_in_chinese(login, projects, app):
    client = login("bureau")
    client.post_form("/language", {"locale": "zh_CN", "next": "/"})
    page = client.get("/scheduling").get_data(as_text=True)
    assert "周调度会" in page and "未报送" in page


def test_meeting_page_bad_week(login, projects):
    assert login("bureau").get("/scheduling?week=2026-W60").status_code == 400


def test_menu_entries(login, projects):
    page = login("unit_a").get("/").get_data(as_text=True)
    assert "/scheduling/report" in page and "/scheduling/wallchart" in page and 'href="/scheduling"' in page


def test_timeline_statuses(app, make_project, org):
    from portal.scheduling.views import timeline

    with app.test_request_context():
        project = make_project(stage="signed", planned_sign_date=dt.date(2026, 3, 1), signed_on=dt.date(2026, 3, 1),
                               planned_start_date=dt.date(2026, 5, 1), planned_completion_date=dt.date(2026, 12, 1))
        Milestone.create(project=project, title="Land", planned_on=dt.date(2026, 4, 1), actual_on=dt.date(2026, 4, 6),
                         created_by=org.users["bureau"])
        items = [(i["title"], i["status"], i["days"]) for i in timeline(project, dt.date(2026, 11, 21))]
        assert items == [("Signed", "on_time", 0), ("Land", "late", 5), ("Started (landed)", "overdue", 204),
                         ("Completed", "due", 10)]
        project.stage = "dropped"
        statuses = [i["status"] for i in timeline(project, dt.date(2026, 11, 21))]
        assert statuses == ["on_time", "late", "dropped", "dropped"]


def test_save_all_with_one_bad_row_keeps_every_typed_value_and_names_the_row(login, projects, app):
    """A clerk fills three rows, one with a typo, and clicks "Save all rows": nothing is saved
    (one click, one decision), every row still holds what was typed, and the summary at the top
    links to the row to fix; fixing it and saving again saves all three."""
    from tests.forms_helpers import forms_on, submit

    client = login("unit_a")
    plant, hotel, clue = projects["plant"], projects["hotel"], projects["clue"]
    typed = {f"happened-{plant.id}": "Land survey done", f"next-{plant.id}": "Permit", f"percent-{plant.id}": "40",
             f"happened-{hotel.id}": "Second visit", f"percent-{hotel.id}": "4O",  # a letter O
             f"happened-{clue.id}": "First call\nwith the CEO"}
    url = "/scheduling/report"
    [form] = [f for f in forms_on(client.get(url).get_data(as_text=True), url) if f.id == "report-form"]
    for name, text in typed.items():
        form.type_into(name, text)
    response = submit(client, form, button=form.button("all"))  # "Save all rows"

    assert response.status_code == 422
    with app.app_context():
        assert ProgressReport.select().count() == 0
    html = response.get_data(as_text=True)
    [again] = [f for f in forms_on(html, url) if f.id == "report-form"]
    assert {name: again.data()[name] for name in typed} == typed
    summary = html[html.index('id="report-errors"'):html.index("</ul>", html.index('id="report-errors"'))]
    links = re.findall(r'<a href="#([\w-]+)">([^<]+)</a>', summary)
    assert links == [(f"percent-{hotel.id}", "Lake hotel")]
    assert f'id="percent-{hotel.id}"' in html  # the link lands on the field to fix

    again.type_into(f"percent-{hotel.id}", "40")
    assert submit(client, again, button=again.button("all")).status_code == 303
    with app.app_context():
        assert {r.project_id: r.happened for r in ProgressReport.select()} == {
            plant.id: "Land survey done", hotel.id: "Second visit", clue.id: "First call\nwith the CEO"}
