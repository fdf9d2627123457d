"""Flag reasons are stored as codes with params and read in each reader's language (issue #16)."""
import datetime as dt
import io

import pytest
from babel.dates import format_date
from flask_babel import lazy_gettext as _l
from openpyxl import load_workbook

from portal import hookimpl
from portal.models import Milestone, Project, User
from portal.plugin_answers import BadReturnValue, check_answer
from portal.scheduling import flags as F
from portal.scheduling import snapshots as S
from portal.timeutil import today
from tests.plugins_helpers import login_to, other_app, temporary_plugin
from tests.scheduling_helpers import LONG_AGO

OVERDUE_DAYS = 52


def english_reason(planned, days=OVERDUE_DAYS):
    return f"The milestone “土地交付” ({format_date(planned, 'medium', locale='en')}) is {days} days overdue"


def chinese_reason(planned, days=OVERDUE_DAYS):
    return f"节点“土地交付”（{format_date(planned, 'medium', locale='zh_CN')}）已逾期{days}天"


@pytest.fixture
def flagged(app, org, make_project):
    """A project the default rules flag red: its milestone (named in Chinese by its user) is 52 days overdue."""
    project = make_project(name="Battery plant", stage="started", created_at=LONG_AGO)
    with app.test_request_context():
        planned = today() - dt.timedelta(days=OVERDUE_DAYS)
        Milestone.create(project=project, title="土地交付", planned_on=planned, created_by=org.users["bureau"])
        F.recompute_project(project)
    project = Project.get_by_id(project.id)
    project.milestone_planned = planned  # for the expected words
    return project


def reader(login, username, locale):
    User.update(locale=locale).where(User.username == username).execute()
    return login(username)


READERS = [("en", english_reason), ("zh_CN", chinese_reason)]


def test_the_stored_reason_is_a_code_with_the_name_as_typed(flagged):
    assert flagged.flag == "red"
    stored = flagged.flag_reasons[0]["reason"]
    assert stored["code"] == "milestone_overdue"
    assert stored["params"]["title"] == "土地交付" and stored["params"]["days"] == OVERDUE_DAYS


@pytest.mark.parametrize("locale, expected", READERS)
def test_list_project_page_and_meeting_in_the_readers_language(flagged, login, locale, expected):
    client = reader(login, "bureau", locale)
    for url in ("/projects", f"/projects/{flagged.id}", "/scheduling"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert expected(flagged.milestone_planned) in response.get_data(as_text=True), url


@pytest.mark.parametrize("locale, expected", READERS)
def test_list_export_in_the_readers_language(flagged, login, locale, expected):
    response = reader(login, "bureau", locale).get("/projects?format=xlsx")
    sheet = load_workbook(io.BytesIO(response.data)).active
    header = [cell.value for cell in sheet[1]]
    column = header.index("Flag reasons" if locale == "en" else "红黄旗原因")
    cells = [row[column].value for row in sheet.iter_rows(min_row=2)]
    assert expected(flagged.milestone_planned) in cells


@pytest.mark.parametrize("locale, expected, unit_reason", [
    ("en", english_reason, "Only 0 of 1 projects reported on time"),
    ("zh_CN", chinese_reason, "1个项目中仅0个按时报送"),
])
def test_a_frozen_weeks_reasons_in_the_readers_language(flagged, app, login, locale, expected, unit_reason):
    with app.test_request_context():
        week = S.last_completed_week()
        assert S.freeze_week(week)
    page = reader(login, "bureau", locale).get(f"/scheduling?week={week}").get_data(as_text=True)
    # The snapshot was judged at the end of that week's Sunday: fewer days overdue than today.
    planned = flagged.milestone_planned
    assert expected(planned, (S.W.week_days(week)[1] - planned).days) in page
    assert unit_reason in page


def test_old_text_reasons_render_as_they_are(app, login, make_project):
    make_project(name="Old", stage="signed", flag="yellow",
                 flag_reasons=[{"level": "yellow", "reason": "节点“土地交付”（2026-03-02）已逾期52天"}])
    page = reader(login, "bureau", "en").get("/projects").get_data(as_text=True)
    assert "节点“土地交付”（2026-03-02）已逾期52天" in page


class CountyRule:
    """A county plugin's own reason: a code, params and an English template it translates with _l."""

    answer = None

    @hookimpl
    def portal_project_flags(self, project, context):
        return [{"level": "yellow", "reason": self.answer}]


@pytest.fixture
def county_rule(app):
    pm = app.extensions["portal_plugins"].pm
    plugin = CountyRule()
    pm.register(plugin, name="county_rule")
    yield plugin
    pm.unregister(plugin)


@pytest.mark.parametrize("locale, expected", [
    ("en", "Only 1,200 of 3,400 projects reported on time"), ("zh_CN", "3,400个项目中仅1,200个按时报送")])
def test_a_plugins_coded_reason_is_translated(app, login, make_project, county_rule, locale, expected):
    # The template is in the portal's catalog, as a bundled plugin's would be.
    county_rule.answer = {"code": "county_report_rate", "params": {"on_time": 1200, "projects": 3400},
                          "message": _l("Only %(on_time)s of %(projects)s projects reported on time")}
    project = make_project(name="County project", stage="signed", created_at=LONG_AGO)
    with app.test_request_context():
        F.recompute_project(project)
    assert Project.get_by_id(project.id).flag == "yellow"
    page = reader(login, "bureau", locale).get("/projects").get_data(as_text=True)
    assert expected in page


BAD_REASONS = [
    {"code": "county_x", "params": {"n": 1}, "message": "%(missing)s is late"},  # a placeholder no param fills
    {"code": "county_x"},                                                          # no message, not a core code
    {"code": "", "message": "Late"},                                               # no code
    {"code": "county_x", "params": {"n": float("nan")}, "message": "%(n)s late"},  # a number that is none
    {"code": "county_x", "params": {"n": [1]}, "message": "%(n)s late"},           # a param of another kind
    {"code": "county_x", "params": {"n": 1}, "message": "   "},                    # nothing to read
]


@pytest.mark.parametrize("bad", BAD_REASONS)
def test_the_checker_rejects_a_bad_reason_object(app, bad):
    with app.test_request_context(), pytest.raises(BadReturnValue):
        check_answer("portal_project_flags", [{"level": "yellow", "reason": bad}])


def test_good_reasons_pass_the_checker(app):
    with app.test_request_context():
        check_answer("portal_project_flags", [
            {"level": "red", "reason": "In the plugin's own words"},
            {"level": "red", "reason": {"code": "milestone_overdue",
                                        "params": {"title": "x", "date": dt.date(2026, 1, 5), "days": 3}}},
            {"level": "red", "reason": {"code": "county_x", "params": {"n": 2}, "message": _l("%(n)s late")}},
        ])
        check_answer("portal_unit_week_flags", [{"unit_id": 1, "flag": "yellow",
                                                 "reason": {"code": "unit_few_on_time",
                                                            "params": {"on_time": 0, "projects": 2}}}])


class BadReasonRule:
    @hookimpl
    def portal_project_flags(self, project, context):
        return [{"level": "yellow", "reason": {"code": "county_x", "params": {"n": 1}, "message": "%(missing)s late"}}]


def test_a_plugin_with_a_bad_reason_fails_and_the_pages_still_render(flagged, app, org):
    portal = other_app(app, STRICT_PLUGINS=False)
    with temporary_plugin(portal, BadReasonRule(), "bad_reason"):
        client = login_to(portal, "bureau")
        response = client.post_form(f"/scheduling/projects/{flagged.id}/milestones", {
            "title": "Approval", "planned_on": flagged.milestone_planned.isoformat(),
            "responsible_unit": str(org.units["county_a"].id), "next": f"/projects/{flagged.id}"})
        assert response.status_code == 303  # the change is saved
        admin_page = login_to(portal, "admin").get("/admin/plugins").get_data(as_text=True)
        project_page = client.get(f"/projects/{flagged.id}")
    stored = Project.get_by_id(flagged.id)
    assert stored.flag == "red" and stored.flag_reasons == flagged.flag_reasons  # the stored flag stays
    assert "bad_reason" in admin_page and "placeholders" in admin_page
    assert project_page.status_code == 200
    assert english_reason(flagged.milestone_planned) in project_page.get_data(as_text=True)


def test_a_features_reason_codes_come_from_its_plugin_and_a_feature_off_shows_the_code(app):
    from portal import flag_reasons

    stored = {"code": "problem_overdue", "params": {"category": "land", "days": 12}}
    with app.test_request_context():
        assert flag_reasons.render(stored) == "A problem (Land) is 12 days overdue."
    without = other_app(app, FEATURES_OFF="problems")
    with without.test_request_context():
        assert flag_reasons.render(stored) == "problem_overdue"  # nobody knows the code: shown as stored
        assert "milestone_overdue" in flag_reasons.codes()  # the core's codes stay
    assert "problem_overdue" not in flag_reasons.CORE_CODES  # importing the feature changed no core table
