"""A stationed team (驻点招商组) reads and reports on the projects it sourced — in the lists, on
the project page, in the export, on its weekly report and dashboard, with their problems — but
edits none of their own fields, and sees nothing another team sourced."""
import io
import re

import pytest
from openpyxl import load_workbook

from portal.models import AuditLog, Problem, ProgressReport, Unit, User
from tests.problems_helpers import local_today
from tests.scheduling_helpers import LONG_AGO


@pytest.fixture
def sourced(org, make_project, password_hash):
    """County A's plant, sourced by the Shanghai team; County B's farm, sourced by a Shenzhen team."""
    shenzhen = Unit(name="Shenzhen Team", kind="team", parent=org.units["bureau"], city="深圳").save_with_path()
    User.create(username="team_sz", display_name="Shenzhen", role="unit", unit=shenzhen, password_hash=password_hash)
    return {
        "ours": make_project(name="Shanghai-sourced plant", unit="county_a", stage="signed",
                             source_team=org.units["team"], created_at=LONG_AGO),
        "theirs": make_project(name="Shenzhen-sourced farm", unit="county_b", stage="negotiating",
                               source_team=shenzhen, created_at=LONG_AGO),
        "unsourced": make_project(name="County mill", unit="county_a", stage="signed", created_at=LONG_AGO),
    }


def _list_rows(page):
    return set(re.findall(r'href="/projects/(\d+)"', page))


def test_team_lists_show_its_sourced_projects_only(login, sourced):
    team = login("team")
    for url in ("/projects", "/lists/signed"):
        rows = _list_rows(team.get(url).get_data(as_text=True))
        assert str(sourced["ours"].id) in rows
        assert str(sourced["theirs"].id) not in rows and str(sourced["unsourced"].id) not in rows
    rows = _list_rows(login("team_sz").get("/projects").get_data(as_text=True))
    assert rows == {str(sourced["theirs"].id)}


def test_team_reads_the_project_page_but_does_not_edit_it(login, sourced):
    team = login("team")
    page = team.get(f"/projects/{sourced['ours'].id}")
    assert page.status_code == 200 and "Shanghai-sourced plant" in page.get_data(as_text=True)
    assert team.get(f"/projects/{sourced['theirs'].id}").status_code in (403, 404)
    assert team.get(f"/projects/{sourced['ours'].id}/edit").status_code == 403


def test_team_export_holds_its_sourced_projects(login, sourced):
    response = login("team").get("/projects?format=xlsx")
    assert response.status_code == 200
    names = {row[0] for row in load_workbook(io.BytesIO(response.data)).active.iter_rows(values_only=True)}
    assert "Shanghai-sourced plant" in names
    assert "Shenzhen-sourced farm" not in names and "County mill" not in names


def test_team_files_the_weekly_report_of_its_sourced_projects(app, login, sourced):
    team = login("team")
    page = team.get("/scheduling/report").get_data(as_text=True)
    rows = set(re.findall(r'<tr id="report-row-(\d+)"', page))
    assert rows == {str(sourced["ours"].id)}
    ours = sourced["ours"].id
    response = team.post_form("/scheduling/report", {f"happened-{ours}": "Investor visited Shanghai office"})
    assert response.status_code == 303
    theirs = sourced["theirs"].id
    assert team.post_form(f"/scheduling/report/row/{theirs}", {f"happened-{theirs}": "x"}).status_code == 403
    with app.app_context():
        assert [(r.project_id, r.happened) for r in ProgressReport.select()] == [
            (ours, "Investor visited Shanghai office")]
        entry = AuditLog.get(AuditLog.action == "progress")
        assert entry.user_id == User.get(User.username == "team").id


def test_team_reads_the_problems_of_its_sourced_projects(login, sourced, org):
    problem = Problem.create(project=sourced["ours"], category="land", description="Land quota missing",
                             raised_by=org.users["unit_a"], assigned_unit=org.units["department"],
                             deadline=local_today())
    other = Problem.create(project=sourced["theirs"], category="land", description="Shenzhen farm water",
                           raised_by=org.users["unit_b"], assigned_unit=org.units["department"],
                           deadline=local_today())
    team = login("team")
    assert team.get(f"/problems/{problem.id}").status_code == 200
    assert team.get(f"/problems/{other.id}").status_code == 404
    board = team.get("/problems").get_data(as_text=True)
    assert "Land quota missing" in board and "Shenzhen farm water" not in board


def _funnel(page):
    """{stage label: (count, link)} of the dashboard's pipeline table."""
    return {label: (int(count), link) for label, link, count in re.findall(
        r'<tr><th scope="row">([^<]+)</th>\s*<td class="num"><a href="([^"]+)"[^>]*>(\d+)</a>', page)}


def test_team_dashboard_counts_its_sourced_projects_and_links_to_them(login, sourced):
    team = login("team")
    page = team.get("/dashboard").get_data(as_text=True)
    funnel = _funnel(page.split('id="panel-funnel"')[1].split("</section>")[0])
    count, link = funnel["Signed"]
    assert count == 1  # the Shanghai-sourced plant, not County A's own mill
    rows = _list_rows(team.get(link.replace("&amp;", "&")).get_data(as_text=True))
    assert rows == {str(sourced["ours"].id)}


def test_project_rules_agree_in_sql_and_python(app, org, sourced):
    """visible_projects (SQL) and can_read_project agree for every user; a team reports on what it
    sourced but edits none of it."""
    from portal import permissions as perm
    from portal.scheduling import permissions as reporting
    from portal.models import Project

    users = {**org.users, "team_sz": User.get(User.username == "team_sz")}
    with app.test_request_context():
        for name, user in users.items():
            visible = {p.id for p in perm.visible_projects(user)}
            assert visible == {p.id for p in Project.select() if perm.can_read_project(user, p)}, name
        team, ours, theirs = users["team"], sourced["ours"], sourced["theirs"]
        assert reporting.can_report_project_progress(team, ours)
        assert not reporting.can_report_project_progress(team, theirs)
        assert not perm.can_edit_project(team, ours) and not reporting.can_edit_milestones(team, ours)
        assert reporting.can_report_project_progress(users["unit_a"], ours)  # the responsible unit still does


def test_team_sees_the_confidential_investor_it_brought_in(login, org, make_project):
    from portal.models import Enterprise

    investor = Enterprise.create(name="Discreet Capital Ltd")
    project = make_project(name="Discreet plant", unit="county_a", enterprise=investor, is_confidential=True,
                           source_team=org.units["team"])
    assert "Discreet Capital Ltd" in login("team").get(f"/projects/{project.id}").get_data(as_text=True)
    assert "Discreet Capital Ltd" in login("team").get("/projects?q=Discreet+Capital").get_data(as_text=True)
