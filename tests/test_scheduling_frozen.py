"""A frozen week shows what it showed when it was frozen: a stage change dated into it later, or a
stage date corrected into it, changes the current figures only (issue #12). Weeks frozen before
the shown figures were stored get them at `portal db upgrade`."""
import datetime as dt
import re

import pytest
from click.testing import CliRunner

from portal.models import FlagSnapshot, Project, StageChange, WeekFreeze, WeekNewInList, WeekUnitFigures
from portal.scheduling import snapshots as S
from tests.scheduling_helpers import LONG_AGO

FROZEN, OPEN = "2026-W40", "2026-W41"  # 28 Sep – 4 Oct 2026 frozen; 5–11 Oct 2026 not frozen


@pytest.fixture
def projects(app, make_project):
    with app.app_context():
        return {
            "plant": make_project(name="Battery plant", stage="negotiating", negotiating_on=dt.date(2026, 9, 1),
                                  created_at=LONG_AGO),
            "mill": make_project(name="Paper mill", stage="negotiating", negotiating_on=dt.date(2026, 9, 1),
                                 created_at=LONG_AGO),
            "farm": make_project(name="Fish farm", unit="county_b", stage="negotiating",
                                 negotiating_on=dt.date(2026, 9, 2), created_at=LONG_AGO),
        }


def shown_figures(client, week):
    """The parts of a week's meeting page that carry figures: the units table and the new-in lists."""
    page = client.get(f"/scheduling?week={week}").get_data(as_text=True)
    units = page.split('<table class="data meeting-units">')[1].split("</table>")[0]
    new_in = page.split('<div class="meeting-lists">')[1].split("</section>")[0]
    return units, new_in


def unit_cells(units_html, unit):
    row = units_html.split(f'data-unit="{unit.id}"')[1].split("</tr>")[0]
    return re.findall(r'<td class="num"[^>]*>([^<]*)</td>', row)


def newly(new_in_html, key):
    return new_in_html.split(f'data-list="{key}"')[1].split("</div>")[0]


def change_stage(client, project, to_stage, on_date):
    project = Project.get_by_id(project.id)
    response = client.post_form(f"/projects/{project.id}/stage", {
        "to_stage": to_stage, "on_date": on_date, "contracted_amount": "5000", "version": str(project.version)})
    assert response.status_code == 303, response.get_data(as_text=True)


def test_a_back_dated_stage_change_leaves_the_frozen_week_as_it_was(app, login, org, projects):
    bureau = login("bureau")
    with app.app_context():
        assert S.freeze_week(FROZEN)
    before = shown_figures(bureau, FROZEN)
    assert unit_cells(before[0], org.units["county_a"])[4] == "0"  # stage advances
    assert "Battery plant" not in newly(before[1], "signed")

    change_stage(bureau, projects["plant"], "signed", "2026-10-01")  # into the frozen week
    change_stage(bureau, projects["mill"], "signed", "2026-10-07")  # into the week not frozen

    assert shown_figures(bureau, FROZEN) == before
    units, new_in = shown_figures(bureau, OPEN)
    assert unit_cells(units, org.units["county_a"])[4] == "1"
    assert "Paper mill" in newly(new_in, "signed") and "Battery plant" not in newly(new_in, "signed")
    # The current record has the change: it is the frozen week alone that does not move.
    with app.app_context():
        assert Project.get_by_id(projects["plant"].id).signed_on == dt.date(2026, 10, 1)


def test_a_stage_date_corrected_into_the_frozen_week_leaves_it_as_it_was(app, login, org, projects):
    bureau = login("bureau")
    change_stage(bureau, projects["plant"], "signed", "2026-10-14")
    with app.app_context():
        assert S.freeze_week(FROZEN)
        change = StageChange.get(StageChange.project == projects["plant"].id, StageChange.to_stage == "signed")
        version = Project.get_by_id(projects["plant"].id).version
    before = shown_figures(bureau, FROZEN)
    response = bureau.post_form(f"/projects/{projects['plant'].id}/correct/{change.id}",
                                {"on_date": "2026-10-02", "reason": "Contract date misread", "version": str(version)})
    assert response.status_code == 303, response.get_data(as_text=True)
    assert shown_figures(bureau, FROZEN) == before
    assert "Battery plant" not in newly(before[1], "signed")
    # An unfrozen week shows the corrected record: the plant is no longer new in W42's signed list.
    assert "Battery plant" not in newly(shown_figures(bureau, "2026-W42")[1], "signed")
    with app.app_context():
        assert Project.get_by_id(projects["plant"].id).signed_on == dt.date(2026, 10, 2)


def test_new_in_the_lists_keeps_the_unit_and_date_of_the_frozen_week(app, login, org, projects):
    bureau = login("bureau")
    change_stage(bureau, projects["plant"], "signed", "2026-09-30")
    with app.app_context():
        assert S.freeze_week(FROZEN)
        Project.update(responsible_unit=org.units["county_b"], archived=True).where(
            Project.id == projects["plant"].id).execute()
    signed = newly(shown_figures(bureau, FROZEN)[1], "signed")
    assert "Battery plant" in signed and "County A" in signed
    # The Excel export of the week shows the same.
    from io import BytesIO

    from openpyxl import load_workbook

    book = load_workbook(BytesIO(bureau.get(f"/scheduling?week={FROZEN}&format=xlsx").data))
    rows = [tuple(r) for r in book["New in the lists"].iter_rows(min_row=2, values_only=True)]
    assert ("Signed", "Battery plant", "County A", dt.datetime(2026, 9, 30)) in rows


def test_the_report_deadline_and_on_time_count_stay_as_the_week_was_judged(app, login, org, projects):
    from tests.scheduling_helpers import SHANGHAI, report

    with app.app_context():
        report(projects["plant"], FROZEN, org.users["unit_a"],
               when=dt.datetime(2026, 10, 2, 17, 0, tzinfo=SHANGHAI))  # Friday 17:00, before 18:00
        assert S.freeze_week(FROZEN)
    bureau = login("bureau")
    before = bureau.get(f"/scheduling?week={FROZEN}").get_data(as_text=True)
    assert "Report deadline: 2026-10-02 18:00" in before
    app.config["SCHEDULING_DEADLINE_TIME"] = "12:00"  # a stricter deadline set later
    after = bureau.get(f"/scheduling?week={FROZEN}").get_data(as_text=True)
    assert "Report deadline: 2026-10-02 18:00" in after
    assert unit_cells(shown_figures(bureau, FROZEN)[0], org.units["county_a"])[2] == "1"  # on time
    assert "Report deadline: 2026-10-09 12:00" in bureau.get(f"/scheduling?week={OPEN}").get_data(as_text=True)


def test_weeks_frozen_before_the_figures_were_stored_get_them_at_upgrade(app, login, org, projects, monkeypatch):
    from portal.cli import cli

    with app.app_context():
        assert S.freeze_week(FROZEN)
        # As a portal before migration 0012 left the week: flags and list counts only.
        WeekUnitFigures.delete().execute()
        WeekNewInList.delete().execute()
        FlagSnapshot.update(reported=None).execute()
        WeekFreeze.update(figures_frozen_at=None, report_deadline=None).execute()
    monkeypatch.setenv("PORTAL_DATABASE_URL", app.config["DATABASE_URL"])
    monkeypatch.setenv("PORTAL_INSTANCE", app.instance_path)
    result = CliRunner().invoke(cli, ["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert f"stored the figures of frozen week {FROZEN} from the current data" in result.output
    with app.app_context():
        assert WeekFreeze.get(WeekFreeze.week == FROZEN).figures_frozen_at is not None
        assert WeekUnitFigures.select().where(WeekUnitFigures.week == FROZEN).count() == 2
        assert FlagSnapshot.select().where(FlagSnapshot.reported.is_null()).count() == 0
    bureau = login("bureau")
    before = shown_figures(bureau, FROZEN)
    change_stage(bureau, projects["plant"], "signed", "2026-10-01")
    assert shown_figures(bureau, FROZEN) == before
    again = CliRunner().invoke(cli, ["db", "upgrade"])
    assert "stored the figures" not in again.output  # once only


def test_the_weekly_report_of_a_frozen_week_lists_the_projects_it_had(app, login, org, projects, make_project):
    from tests.scheduling_helpers import report

    with app.app_context():
        report(projects["plant"], FROZEN, org.users["unit_a"])
        assert S.freeze_week(FROZEN)
        make_project(name="Entered later", stage="signed")  # created now, after the week
        make_project(name="Also later", stage="clue")
        Project.update(responsible_unit=org.units["county_b"]).where(Project.id == projects["mill"].id).execute()
    page = login("bureau").get(f"/scheduling/report?week={FROZEN}&unit={org.units['county_a'].id}")
    html = page.get_data(as_text=True)
    assert "1 of 2 projects reported, 1 left" in html
    assert "Paper mill" in html and "Entered later" not in html
    current = login("bureau").get(f"/scheduling/report?unit={org.units['county_a'].id}").get_data(as_text=True)
    assert "Entered later" in current and "Paper mill" not in current
