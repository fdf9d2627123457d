"""A failing plugin never rewrites stored results: recommendations, flags and frozen weeks keep
what the plugin last said; the administrator is told; the ranking says when the default scored."""
import datetime as dt
import io
import textwrap

from click.testing import CliRunner
from openpyxl import load_workbook

from portal import hookimpl, rules
from portal.models import FlagSnapshot, PluginFailureRecord, Project, Setting, UnitTarget, WeekFreeze
from tests.plugins_helpers import login_to, other_app, temporary_plugin

PROJECT_STAGE = dict(stage="negotiating", negotiating_on=dt.date(2026, 2, 1))


class RaisingReview:
    @hookimpl
    def portal_project_review(self, project, context):
        raise RuntimeError("review service down")


class RaisingFlags:
    @hookimpl
    def portal_project_flags(self, project, context):
        raise RuntimeError("flag service down")


class ReasonlessFlag:
    @hookimpl
    def portal_project_flags(self, project, context):
        return [{"level": "red"}]


class RaisingAssessment:
    @hookimpl
    def portal_assess_unit(self, unit, figures):
        raise RuntimeError("county formula broken")


def lenient(app):
    """A portal on the test database where a failing plugin is reported, not raised."""
    return other_app(app, STRICT_PLUGINS=False)


def admin_plugins_page(portal) -> str:
    return login_to(portal, "admin").get("/admin/plugins").get_data(as_text=True)


# Review ---------------------------------------------------------------------------------------

def test_a_failing_review_plugin_leaves_stored_recommendations_when_the_rules_are_saved(app, org, make_project):
    reviewed = make_project(name="Reviewed", review_recommendation="suits")
    Setting.set_value(rules.SETTING_KEY, "six_plus_three")  # choosing "core" is then a change
    portal = lenient(app)
    admin = login_to(portal, "admin")
    with temporary_plugin(portal, RaisingReview(), "raising_review"):
        response = admin.post_form("/admin/plugins/rules", {"system": "core"})
        assert response.status_code == 303
        page = admin.get("/admin/plugins").get_data(as_text=True)
    assert Project.get_by_id(reviewed.id).review_recommendation == "suits"
    assert "raising_review" in page and "review service down" in page


def test_a_failing_review_plugin_leaves_stored_recommendations_through_portal_demo(app, org, make_project):
    from portal.demo import build_demo
    from portal.timeutil import today

    reviewed = make_project(name="Reviewed", review_recommendation="unsuitable")
    portal = lenient(app)
    with temporary_plugin(portal, RaisingReview(), "raising_review"), portal.app_context():
        build_demo("demo-pass-2026", today())
    assert Project.get_by_id(reviewed.id).review_recommendation == "unsuitable"


# Flags ------------------------------------------------------------------------------------------

def test_a_failing_flag_plugin_leaves_the_stored_flag(app, org, make_project):
    reasons = [{"level": "yellow", "reason": "No report this week"}]
    project = make_project(name="Flagged", flag="yellow", flag_reasons=reasons, archived=True, **PROJECT_STAGE)
    portal = lenient(app)
    with temporary_plugin(portal, RaisingFlags(), "raising_flags"):  # restoring recomputes the flag
        assert login_to(portal, "admin").post_form(f"/projects/{project.id}/restore").status_code == 303
    stored = Project.get_by_id(project.id)
    assert (stored.flag, stored.flag_reasons) == ("yellow", reasons)


def test_a_flag_without_a_reason_is_a_bad_answer_not_a_red_project(app, org, make_project):
    project = make_project(name="Calm", flag="green", archived=True, **PROJECT_STAGE)
    portal = lenient(app)
    with temporary_plugin(portal, ReasonlessFlag(), "reasonless"):
        assert login_to(portal, "admin").post_form(f"/projects/{project.id}/restore").status_code == 303
        page = admin_plugins_page(portal)
    assert Project.get_by_id(project.id).flag == "green"
    assert "reasonless" in page and "lacks &#39;reason&#39;" in page


FLAG_PLUGIN = '''
    from pathlib import Path
    from portal import hookimpl

    BROKEN = Path({marker!r})


    @hookimpl
    def portal_project_flags(project):
        if BROKEN.exists():
            raise RuntimeError("county flag service down")
        return [{{"level": "red", "reason": "County rule: no visit this month"}}]
'''


def test_portal_snapshot_does_not_freeze_a_week_while_a_flag_plugin_fails_and_freezes_it_once_it_works(
        app, org, make_project, tmp_path, monkeypatch):
    from portal.cli import cli
    from portal.scheduling import snapshots as S

    with app.app_context():
        twenty_days_ago = dt.date.today() - dt.timedelta(days=20)
        project = make_project(name="Watched", stage="signed", clue_on=twenty_days_ago,
                               created_at=dt.datetime.combine(twenty_days_ago, dt.time(1)))
    marker = tmp_path / "broken"
    marker.write_text("down")
    folder = tmp_path / "plugins"
    folder.mkdir()
    (folder / "county_flags.py").write_text(textwrap.dedent(FLAG_PLUGIN.format(marker=str(marker))), encoding="utf-8")
    monkeypatch.setenv("PORTAL_DATABASE_URL", app.config["DATABASE_URL"])
    monkeypatch.setenv("PORTAL_INSTANCE", app.instance_path)
    monkeypatch.setenv("PORTAL_PLUGINS_DIR", str(folder))
    monkeypatch.setenv("PORTAL_LOAD_PLUGINS", "county_flags")

    refused = CliRunner().invoke(cli, ["snapshot"])
    assert refused.exit_code == 1
    assert "not frozen" in refused.output and "county_flags" in refused.output
    assert WeekFreeze.select().count() == 0 and FlagSnapshot.select().count() == 0
    # Another process (the web portal) tells the administrator.
    page = admin_plugins_page(other_app(app, PLUGINS_DIR=str(folder), LOAD_PLUGINS="county_flags",
                                        STRICT_PLUGINS=False))
    assert "county flag service down" in page and "not frozen" in page
    assert PluginFailureRecord.select().where(PluginFailureRecord.plugin == "county_flags").count() == 2
    listed = CliRunner().invoke(cli, ["plugins"]).output
    assert "error: snapshot: WeekNotFrozen: week" in listed and "county flag service down" in listed

    marker.unlink()
    frozen = CliRunner().invoke(cli, ["snapshot"])
    assert frozen.exit_code == 0, frozen.output
    with app.app_context():
        week = S.last_completed_week()
        assert S.is_frozen(week)
    row = FlagSnapshot.get(FlagSnapshot.project == project.id, FlagSnapshot.week == week)
    assert row.flag == "red" and {"level": "red", "reason": "County rule: no visit this month"} in row.reasons


# Ranking ---------------------------------------------------------------------------------------

def test_the_ranking_says_when_the_default_assessment_scored_instead_of_a_failed_plugin(app, org):
    UnitTarget.create(year=dt.date.today().year, unit=org.units["county_a"], figure="signed_count", value=5)
    portal = lenient(app)
    bureau = login_to(portal, "bureau")
    notice = "The assessment plugin county_assessment failed, so the default assessment scored instead"
    assert notice not in bureau.get("/ranking").get_data(as_text=True)
    with temporary_plugin(portal, RaisingAssessment(), "county_assessment"):
        page = bureau.get("/ranking")
        export = bureau.get("/ranking?format=xlsx")
    assert page.status_code == 200 and notice in page.get_data(as_text=True)
    sheet = load_workbook(io.BytesIO(export.data)).active
    assert notice in sheet["A3"].value
    assert sheet["A4"].value == "Rank"


# The record of failures ------------------------------------------------------------------------

def test_a_failure_in_one_process_shows_in_another_until_an_administrator_clears_it(app, org, make_project):
    project = make_project(name="Reviewed")
    worker = lenient(app)
    with temporary_plugin(worker, RaisingReview(), "raising_review"):
        assert login_to(worker, "bureau").get(f"/projects/{project.id}").status_code == 200
        login_to(worker, "bureau").get(f"/projects/{project.id}")
    admin = login_to(lenient(app), "admin")  # another process: nothing of the worker's memory
    page = admin.get("/admin/plugins").get_data(as_text=True)
    assert "raising_review · portal_project_review: RuntimeError: review service down" in page
    assert "2 times, last at" in page
    assert admin.post_form("/admin/plugins/failures/clear").status_code == 303
    assert "review service down" not in admin.get("/admin/plugins").get_data(as_text=True)
