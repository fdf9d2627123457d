"""Flag rules (红黄旗): overdue dates, the weekly report deadline in the deployment's time zone,
clue follow-up, three weeks running, week 53 and year ends, thresholds and plugins that change the rules."""
import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from portal import hookimpl
from portal.models import Milestone, Project
from portal.scheduling import flags as F
from portal.scheduling import snapshots as S
from portal.scheduling import weeks as W
from portal.timeutil import iso_week
from tests.scheduling_helpers import LONG_AGO, at, context, report, shown

#: Six in the evening as English readers read it (CLDR puts a narrow no-break space before PM).
SIX_PM = "6:00\u202fPM"


@pytest.fixture
def ctx_app(app):
    with app.app_context():
        yield app


def milestone(project, planned, actual=None, user=None, title="Land handover"):
    return Milestone.create(project=project, title=title, planned_on=planned, actual_on=actual,
                            created_by=user or project.created_by)


def test_milestone_overdue_up_to_30_days_is_yellow_beyond_red(ctx_app, make_project):
    project = make_project(stage="started", created_at=LONG_AGO)
    milestone(project, dt.date(2026, 3, 2))

    def judged(day):
        # The week's report is in, so only the milestone can raise a flag.
        report(project, iso_week(day), project.created_by, when=at(day.year, day.month, day.day, 8))
        return F.compute(project, context(at(day.year, day.month, day.day, 9)))

    flag, reasons = judged(dt.date(2026, 3, 21))
    assert flag == "yellow"
    assert shown(reasons) == [
        {"level": "yellow", "reason": "The milestone “Land handover” (Mar 2, 2026) is 19 days overdue"}]
    assert judged(dt.date(2026, 4, 1))[0] == "yellow"  # exactly 30 days
    flag, reasons = judged(dt.date(2026, 4, 2))
    assert flag == "red" and "31 days overdue" in shown(reasons)[0]["reason"]
    assert judged(dt.date(2026, 3, 2))[0] == "green"  # due today is not overdue


def test_done_milestones_and_reached_stages_are_not_overdue(ctx_app, make_project):
    project = make_project(stage="signed", signed_on=dt.date(2026, 3, 10), planned_sign_date=dt.date(2026, 3, 1),
                           planned_start_date=dt.date(2026, 12, 1), created_at=LONG_AGO)
    milestone(project, dt.date(2026, 3, 2), actual=dt.date(2026, 3, 20))
    report(project, "2026-W20", project.created_by)
    assert F.compute(project, context(at(2026, 5, 13, 12))) == ("green", [])
    # Judged before the milestone was done, it was overdue then.
    report(project, "2026-W12", project.created_by)
    flag, reasons = F.compute(project, context(at(2026, 3, 18, 12)))
    assert flag == "yellow" and "Land handover" in shown(reasons)[0]["reason"]


def test_planned_stage_date_overdue(ctx_app, make_project):
    project = make_project(stage="signed", planned_start_date=dt.date(2026, 5, 1), created_at=LONG_AGO)
    report(project, "2026-W23", project.created_by)
    flag, reasons = F.compute(project, context(at(2026, 6, 3, 12)))
    assert flag == "red"
    assert shown(reasons)[0]["reason"] == "The planned date for “Started (landed)” (May 1, 2026) is 33 days overdue"


@pytest.mark.parametrize("moment, expected", [
    (at(2026, 11, 20, 17, 59), "green"),                       # Friday 17:59 in Shanghai
    (at(2026, 11, 20, 18, 1), "yellow"),                       # Friday 18:01 in Shanghai
    (dt.datetime(2026, 11, 20, 9, 59, tzinfo=dt.timezone.utc), "green"),   # = 17:59 in Shanghai
    (dt.datetime(2026, 11, 20, 10, 1, tzinfo=dt.timezone.utc), "yellow"),  # = 18:01 in Shanghai
    (at(2026, 11, 23, 0, 1), "green"),                         # Monday: a new week, its deadline not yet passed
])
def test_report_missing_after_the_weekly_deadline(ctx_app, make_project, moment, expected):
    project = make_project(stage="negotiating", created_at=LONG_AGO)
    flag, reasons = F.compute(project, context(moment))
    assert flag == expected
    if expected == "yellow":
        assert shown(reasons)[0]["reason"] == (
            f"No progress report for 2026-W47 after the deadline Nov 20, 2026 {SIX_PM}")


def test_deadline_follows_the_deployment_time_zone(ctx_app, make_project):
    ctx_app.config["TZ"] = ZoneInfo("Europe/Berlin")
    project = make_project(stage="negotiating", created_at=LONG_AGO)
    # 16:30 UTC is 17:30 in Berlin (before the deadline), though already past 18:00 in Shanghai.
    assert F.compute(project, context(dt.datetime(2026, 11, 20, 16, 30, tzinfo=dt.timezone.utc)))[0] == "green"
    assert F.compute(project, context(dt.datetime(2026, 11, 20, 17, 30, tzinfo=dt.timezone.utc)))[0] == "yellow"


def test_configurable_deadline_and_thresholds(ctx_app, make_project):
    ctx_app.config.update(SCHEDULING_DEADLINE_WEEKDAY=1, SCHEDULING_DEADLINE_TIME="12:00",
                          SCHEDULING_OVERDUE_RED_DAYS=10)
    project = make_project(stage="signed", planned_start_date=dt.date(2026, 11, 1), created_at=LONG_AGO)
    flag, reasons = F.compute(project, context(at(2026, 11, 16, 12, 30)))  # Monday 12:30
    assert flag == "red"  # 15 days overdue > 10
    assert any("No progress report for 2026-W47" in r["reason"] for r in shown(reasons))
    ctx_app.config["SCHEDULING_OVERDUE_RED_DAYS"] = "not a number"  # ignored, default 30
    assert F.compute(project, context(at(2026, 11, 16, 11)))[0] == "yellow"


def test_a_report_entered_in_the_week_clears_the_missing_report(ctx_app, make_project, org):
    project = make_project(stage="started", created_at=LONG_AGO)
    report(project, "2026-W47", org.users["unit_a"], when=at(2026, 11, 21, 9))  # late, on Saturday
    assert F.compute(project, context(at(2026, 11, 21, 10))) == ("green", [])
    # ... but not for a moment judged before it was written.
    assert F.compute(project, context(at(2026, 11, 20, 19)))[0] == "yellow"


def test_project_entered_after_the_deadline_owes_its_first_report_next_week(ctx_app, make_project):
    project = make_project(stage="negotiating", created_at=W.to_utc_naive(at(2026, 11, 20, 20)))
    assert F.compute(project, context(at(2026, 11, 21, 10)))[0] == "green"


def test_clue_without_follow_up_note_turns_yellow(ctx_app, make_project, org):
    project = make_project(stage="clue", clue_on=dt.date(2026, 11, 10), created_at=LONG_AGO)
    assert F.compute(project, context(at(2026, 11, 17, 12)))[0] == "green"  # 7 days: still fine
    flag, reasons = F.compute(project, context(at(2026, 11, 18, 12)))
    assert flag == "yellow"
    assert shown(reasons)[0]["reason"] == "No follow-up note on this clue for 8 days"
    report(project, "2026-W47", org.users["unit_a"], when=at(2026, 11, 16, 9))
    assert F.compute(project, context(at(2026, 11, 18, 12)))[0] == "green"
    ctx_app.config["SCHEDULING_CLUE_FOLLOWUP_DAYS"] = 1
    assert F.compute(project, context(at(2026, 11, 18, 12)))[0] == "yellow"


def test_yellow_three_weeks_running_turns_red(ctx_app, make_project, org):
    late = make_project(name="Never reports", stage="negotiating", created_at=LONG_AGO)
    gap = make_project(name="Reported two weeks ago", stage="negotiating", created_at=LONG_AGO)
    report(gap, "2026-W45", org.users["unit_a"])
    assert S.freeze_week("2026-W45") and S.freeze_week("2026-W46")
    moment = at(2026, 11, 20, 19)
    flag, reasons = F.compute(late, context(moment))
    assert flag == "red"
    assert shown(reasons)[0] == {"level": "red", "reason": "Yellow flag 3 weeks running"}
    assert F.compute(gap, context(moment))[0] == "yellow"  # green in W45: only two weeks running


def test_three_weeks_running_across_the_year_end_and_week_53(ctx_app, make_project):
    project = make_project(stage="signed", created_at=LONG_AGO)
    assert S.freeze_week("2026-W52") and S.freeze_week("2026-W53")
    # Friday 8 January 2027 is in 2027-W01; the two weeks before are 2026-W53 and 2026-W52.
    ctx = context(at(2027, 1, 8, 19))
    assert ctx.week == "2027-W01"
    assert ctx.previous_flags(project, 2) == ["yellow", "yellow"]
    assert F.compute(project, ctx)[0] == "red"


def test_week_53_and_the_first_week_of_2027(ctx_app, make_project, org):
    assert W.parse_week("2026-W53") == "2026-W53"
    assert W.parse_week("2027-W53") is None and W.parse_week("2026-W54") is None and W.parse_week("x") is None
    assert W.shift_week("2026-W53", 1) == "2027-W01"
    assert W.week_days("2027-W01") == (dt.date(2027, 1, 4), dt.date(2027, 1, 10))
    assert iso_week(dt.date(2027, 1, 3)) == "2026-W53"
    project = make_project(stage="started", created_at=LONG_AGO)
    ctx = context(at(2027, 1, 2, 10))  # Saturday 2 January 2027: still 2026-W53, after Friday 1 January 18:00
    assert ctx.week == "2026-W53"
    assert ctx.report_deadline() == at(2027, 1, 1, 18)
    assert F.compute(project, ctx)[0] == "yellow"
    report(project, "2026-W53", org.users["unit_a"], when=at(2027, 1, 1, 9))
    assert F.compute(project, context(at(2027, 1, 2, 10)))[0] == "green"
    # Monday 4 January 2027 begins 2027-W01; its deadline is Friday 8 January.
    assert context(at(2027, 1, 4, 9)).report_deadline() == at(2027, 1, 8, 18)


def test_archived_dropped_and_production_projects_carry_no_flag(ctx_app, make_project):
    for stage in ("dropped", "production"):
        project = make_project(stage=stage, planned_start_date=dt.date(2026, 1, 1), created_at=LONG_AGO)
        assert F.compute(project, context(at(2026, 11, 20, 20))) == ("green", [])
    project = make_project(stage="signed", archived=True, planned_start_date=dt.date(2026, 1, 1))
    assert F.compute(project, context(at(2026, 11, 20, 20))) == ("green", [])


class BigProjectRule:
    """A county rule: every project of 1 billion yuan or more without a milestone is red."""

    @hookimpl
    def portal_project_flags(self, project, context):
        if project.total_investment >= 100000 and not context.milestones(project):
            return [{"level": "red", "reason": "Key project without a reversed schedule"}]
        return None

    @hookimpl
    def portal_unit_week_flags(self, week, units, context):
        return [{"unit_id": units[0].id, "flag": "red", "reason": "First in the county's own ranking"}]


@pytest.fixture
def county_rule(ctx_app):
    pm = ctx_app.extensions["portal_plugins"].pm
    plugin = BigProjectRule()
    pm.register(plugin, name="county_rule")
    yield plugin
    pm.unregister(plugin)


def test_a_plugin_changes_the_rules(ctx_app, make_project, county_rule, org):
    big = make_project(name="Big", stage="negotiating", total_investment=200000, created_at=LONG_AGO)
    small = make_project(name="Small", stage="negotiating", created_at=LONG_AGO)
    moment = at(2026, 11, 20, 19)
    flag, reasons = F.compute(big, context(moment))
    assert flag == "red"
    missing = f"No progress report for 2026-W47 after the deadline Nov 20, 2026 {SIX_PM}"
    assert {r["reason"] for r in shown(reasons)} == {"Key project without a reversed schedule", missing}
    assert F.compute(small, context(moment))[0] == "yellow"
    # The unit rule is firstresult: the county's answer replaces the default.
    assert S.freeze_week("2026-W46")
    from portal.models import UnitWeekFlag
    rows = list(UnitWeekFlag.select().where(UnitWeekFlag.week == "2026-W46"))
    assert [(r.unit_id, r.flag, r.reasons) for r in rows] == [
        (org.units["county_a"].id, "red", ["First in the county's own ranking"])]


def test_default_unit_week_flags(ctx_app, make_project, org):
    fast = [make_project(name=f"A{i}", unit="county_a", stage="signed", created_at=LONG_AGO) for i in range(2)]
    slow = [make_project(name=f"B{i}", unit="county_b", stage="signed", created_at=LONG_AGO) for i in range(3)]
    from portal.models import StageChange, UnitWeekFlag
    for project in fast:
        report(project, "2026-W46", org.users["unit_a"])
    StageChange.create(project=fast[0], from_stage="negotiating", to_stage="signed", on_date=dt.date(2026, 11, 11),
                       by=org.users["unit_a"])
    report(slow[0], "2026-W46", org.users["unit_b"], when=at(2026, 11, 14, 9))  # Saturday: late
    assert S.freeze_week("2026-W46")
    frozen = UnitWeekFlag.select().where(UnitWeekFlag.week == "2026-W46")
    flags = {r.unit_id: (r.flag, shown(r.reasons)[0]) for r in frozen}
    assert flags == {
        org.units["county_a"].id: ("red", "Advanced 1 projects a stage; 2 of 2 reported on time"),
        org.units["county_b"].id: ("yellow", "Only 0 of 3 projects reported on time"),
    }


def test_flags_are_stored_when_records_change(ctx_app, make_project, org):
    project = make_project(stage="signed", created_at=LONG_AGO)
    from portal import plugins
    Milestone.create(project=project, title="Approval", planned_on=dt.date.today() - dt.timedelta(days=40),
                     created_by=org.users["bureau"])
    with ctx_app.test_request_context():
        plugins.project_changed(project, "milestone", org.users["bureau"])
    stored = Project.get_by_id(project.id)
    assert stored.flag == "red"
    assert any("Approval" in r["reason"] for r in shown(stored.flag_reasons))
    assert Project.select().where(Project.flag == "red").count() == 1
