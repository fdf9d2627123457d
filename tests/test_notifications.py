"""Notifications beyond problems: a stage change returned for rework, the bureau's daily digest
of changes waiting for verification, commitments due and overdue, weekly reports missing
before the deadline, clues without follow-up; each user's choice of kinds; delivery plugins;
and the scheduled kinds sent once however often (and by however many processes) they run."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from click.testing import CliRunner

from portal import hookimpl, plugins, stages
from portal.cli import cli
from portal.models import (AuditLog, Commitment, Notification, NotificationSend, PluginFailureRecord, Project,
                           User)
from portal.notifications import daily, kinds
from portal.notifications.kinds import Due
from tests.forms_helpers import forms_on, submit
from tests.plugins_helpers import other_app, temporary_plugin
from tests.problems_helpers import local_today
from tests.query_log import queries_sent

D = dt.date


def _pending_signing(app, org, make_project, name="Battery plant"):
    project = make_project(name=name, clue_on=D(2026, 1, 5))
    with app.test_request_context():
        stages.record_initial(project, org.users["unit_a"], D(2026, 1, 5))
        stages.change_stage(Project.get_by_id(project.id), org.users["unit_a"], "negotiating", D(2026, 2, 1))
        return stages.change_stage(Project.get_by_id(project.id), org.users["unit_a"], "signed", D(2026, 3, 1),
                                   contracted_amount=Decimal("5000"))


def _notes(user, kind=None):
    query = Notification.select().where(Notification.user == user.id)
    if kind:
        query = query.where(Notification.kind == kind)
    return list(query)


def _return_through_the_page(login, change):
    bureau = login("bureau")
    response = bureau.post_form(f"/projects/{change.project_id}/verify/{change.id}",
                                {"decision": "return", "opinion": "The contract date is wrong"})
    assert response.status_code == 303, response.get_data(as_text=True)


def test_a_returned_stage_change_notifies_the_unit(app, org, login, make_project):
    change = _pending_signing(app, org, make_project)
    _return_through_the_page(login, change)
    [note] = _notes(org.users["unit_a"], "stage_returned")
    assert note.link == f"/projects/{change.project_id}"
    page = login("unit_a").get("/notifications").get_data(as_text=True)
    assert "Battery plant" in page and "Signed" in page and "The contract date is wrong" in page
    assert _notes(org.users["unit_b"]) == [] and _notes(org.users["bureau"], "stage_returned") == []


def test_a_user_who_turned_a_kind_off_does_not_get_it_and_the_choice_is_audited(app, org, login, make_project):
    unit = login("unit_a")
    page = unit.get("/notifications/preferences").get_data(as_text=True)
    [form] = [f for f in forms_on(page, "/notifications/preferences") if f.action.endswith("/preferences")]
    box = next(c for c in form.controls if c.attrs.get("value") == "stage_returned")
    assert "checked" in box.attrs  # on by default
    assert "verify_digest" not in page  # the bureau's digest is not offered to a county
    box.attrs.pop("checked")
    assert submit(unit, form).status_code == 303
    entry = AuditLog.get(AuditLog.action == "notification_preferences")
    assert entry.entity_id == org.users["unit_a"].id and entry.changes == {"stage_returned": [True, False]}
    page = unit.get("/notifications/preferences").get_data(as_text=True)
    assert 'value="stage_returned" id="kind-stage_returned">' in page  # no longer checked

    change = _pending_signing(app, org, make_project)
    _return_through_the_page(login, change)
    assert _notes(org.users["unit_a"], "stage_returned") == []
    assert len(_notes(org.users["town_a"])) == 0  # the town below is not the project's unit


def test_saving_the_choices_unchanged_writes_nothing(app, org, login):
    unit = login("unit_a")
    page = unit.get("/notifications/preferences").get_data(as_text=True)
    [form] = [f for f in forms_on(page, "/notifications/preferences") if f.action.endswith("/preferences")]
    before = AuditLog.select().count()
    assert submit(unit, form).status_code == 303
    assert AuditLog.select().count() == before


def _run_notify(app, monkeypatch):
    monkeypatch.setenv("PORTAL_DATABASE_URL", app.config["DATABASE_URL"])
    monkeypatch.setenv("PORTAL_INSTANCE", app.config["INSTANCE_PATH"])
    result = CliRunner().invoke(cli, ["notify"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def test_portal_notify_sends_each_reminder_and_digest_once(app, org, make_project, monkeypatch):
    today = local_today()
    _pending_signing(app, org, make_project, name="Signed plant")
    project = make_project(name="Promised plant")
    due = Commitment.create(project=project, kind="land", promise="Land handed over", unit=org.units["county_a"],
                            due_date=today + dt.timedelta(days=2), created_by=org.users["bureau"])
    late = Commitment.create(project=project, kind="approval_time", promise="Permit in 30 days",
                             unit=org.units["department"], due_date=today - dt.timedelta(days=1),
                             created_by=org.users["bureau"])
    Commitment.create(project=project, kind="other", promise="Later", unit=org.units["county_a"],
                      due_date=today + dt.timedelta(days=30), created_by=org.users["bureau"])
    output = _run_notify(app, monkeypatch)
    assert "verify_digest: 1" in output
    [digest] = _notes(org.users["bureau"], "verify_digest")
    assert digest.args["count"] == 1
    [soon] = _notes(org.users["unit_a"], "commitment_due")
    assert soon.args["summary"] == "Land handed over" and soon.args["deadline"] == due.due_date.isoformat()
    [overdue] = _notes(org.users["department"], "commitment_overdue")
    assert overdue.args["summary"] == "Permit in 30 days"
    record = NotificationSend.get(NotificationSend.kind == "commitment_overdue", NotificationSend.key == "overdue")
    assert record.subject_id == late.id and record.count == 1

    before = Notification.select().count()
    output = _run_notify(app, monkeypatch)  # again the same day (cron and a process's daily run)
    assert "0 notification(s) sent" in output and Notification.select().count() == before


def test_the_daily_digest_comes_again_the_next_day_but_a_reminder_does_not(app, org, make_project):
    today = local_today()
    _pending_signing(app, org, make_project)
    Commitment.create(project=make_project(name="P2"), kind="land", promise="Land", unit=org.units["county_a"],
                      due_date=today - dt.timedelta(days=3), created_by=org.users["bureau"])
    with app.app_context():
        daily.run(today)
        daily.run(today + dt.timedelta(days=1))
    assert len(_notes(org.users["bureau"], "verify_digest")) == 2
    assert len(_notes(org.users["unit_a"], "commitment_overdue")) == 1


def test_missing_weekly_reports_are_announced_on_the_day_before_the_deadline(app, org, make_project):
    make_project(name="Started plant", stage="started")
    make_project(name="Other county's", unit="county_b", stage="negotiating")
    make_project(name="A clue", stage="clue")  # clues report no progress
    monday = D(2026, 11, 30)  # the deadline is on Friday: Thursday announces it
    with app.app_context():
        assert daily.run(monday)["report_missing"] == 0
        sent = daily.run(monday + dt.timedelta(days=3))
        assert daily.run(monday + dt.timedelta(days=4))["report_missing"] == 0  # once a week
    assert sent["report_missing"] == 2  # one per unit with a project missing its report
    [note] = _notes(org.users["unit_a"], "report_missing")
    assert note.args["count"] == 1 and note.args["week"] == "2026-W49"


def test_a_clue_without_follow_up_is_announced_to_its_unit(app, org, make_project, login):
    today = local_today()
    stale = make_project(name="Forgotten clue", stage="clue", clue_on=today - dt.timedelta(days=20))
    make_project(name="Fresh clue", stage="clue", clue_on=today - dt.timedelta(days=2))
    with app.app_context():
        daily.run(today)
        daily.run(today)
    [note] = _notes(org.users["unit_a"], "clue_stale")
    assert note.args["project_id"] == stale.id
    page = login("unit_a").get("/notifications").get_data(as_text=True)
    assert "Forgotten clue" in page and "Fresh clue" not in page


def test_a_notification_about_a_project_one_no_longer_reads_names_nothing(app, org, make_project, login):
    project = make_project(name="Secret move", stage="clue", clue_on=local_today() - dt.timedelta(days=20))
    with app.app_context():
        daily.run(local_today())
    Project.update(responsible_unit=org.units["county_b"]).where(Project.id == project.id).execute()
    page = login("unit_a").get("/notifications").get_data(as_text=True)
    assert "Secret move" not in page and "no longer among those you read" in page


class Messenger:
    def __init__(self):
        self.sent = []

    @hookimpl
    def portal_deliver_notification(self, user, notification):
        self.sent.append((user.username, notification["kind"], notification["text"], notification["link"]))


class BrokenMessenger:
    @hookimpl
    def portal_deliver_notification(self, user, notification):
        raise ConnectionError("messenger unreachable")


def test_a_delivery_plugin_gets_each_notification_in_the_recipients_language(app, org, login, make_project):
    User.update(locale="zh_CN").where(User.id == org.users["unit_a"].id).execute()
    change = _pending_signing(app, org, make_project)
    with temporary_plugin(app, Messenger()) as messenger:
        _return_through_the_page(login, change)
    assert [(u, k, link) for u, k, _text, link in messenger.sent] == [
        ("unit_a", "stage_returned", f"/projects/{change.project_id}")]
    assert "退回" in messenger.sent[0][2]


def test_a_failing_delivery_plugin_is_reported_and_the_portal_keeps_the_notification(app, org, login,
                                                                                        make_project):
    change = _pending_signing(app, org, make_project)
    with temporary_plugin(app, BrokenMessenger(), name="broken_messenger"):
        _return_through_the_page(login, change)
    assert len(_notes(org.users["unit_a"], "stage_returned")) == 1
    failure = PluginFailureRecord.get(PluginFailureRecord.plugin == "broken_messenger")
    assert failure.hook == "portal_deliver_notification" and "messenger unreachable" in failure.message


class QuotaKind:
    """A plugin adding a kind, as sourcing adds "team behind its quota": a collector, sent once per key."""

    def __init__(self, org):
        self.org = org

    def behind(self, today):
        team = self.org.units["team"]
        return [Due((self.org.users["team"].id,), {"team": "Shanghai Team"}, "/sourcing/teams", team.id,
                    today.isoformat())]

    @hookimpl
    def portal_notification_kinds(self):
        return [kinds.Kind("team_quota_test", "A team behind its quota", "%(team)s is behind its quota.",
                           roles=("unit",), daily=self.behind),
                kinds.Kind("stage_returned", "Taken", "A code the core has")]


def test_a_new_kind_is_one_hook_away(app, org, monkeypatch):
    with app.app_context():
        monkeypatch.setattr(plugins.registry(), "strict", False)  # as in production: report, do not raise
    with temporary_plugin(app, QuotaKind(org), name="quota_kind"):
        app.extensions.pop(kinds.REGISTRY_KEY, None)
        with app.app_context():
            assert daily.run(local_today())["team_quota_test"] == 1
            assert daily.run(local_today())["team_quota_test"] == 0
            assert kinds.get("stage_returned").label != "Taken"  # the first plugin's kind kept
            assert "notification kind 'stage_returned' is taken" in str(plugins.registry().failures)
    app.extensions.pop(kinds.REGISTRY_KEY, None)
    with app.app_context():
        assert kinds.get("team_quota_test") is None  # the plugin gone, its kind too
    [note] = _notes(org.users["team"], "team_quota_test")
    assert note.link == "/sourcing/teams"


def test_a_feature_turned_off_sends_none_of_its_kinds(app):
    without = other_app(app, FEATURES_OFF="scheduling,sourcing")
    with without.app_context():
        codes = set(kinds.registry())
    assert "stage_returned" in codes and "report_missing" not in codes and "team_quota" not in codes
    with app.app_context():
        assert {"report_missing", "team_quota", "assigned"} <= set(kinds.registry())


def test_the_first_request_of_the_day_runs_the_scheduled_kinds(app, org, make_project, login):
    _pending_signing(app, org, make_project)
    app.config["NOTIFY_AUTO_DAILY"] = True
    client = login("leader")
    client.get("/notifications")
    assert len(_notes(org.users["bureau"], "verify_digest")) == 1


@pytest.mark.parametrize("username", ["unit_a", "bureau"])
def test_the_preferences_page_lists_only_kinds_that_can_reach_the_user(login, username):
    page = login(username).get("/notifications/preferences").get_data(as_text=True)
    assert ("verify_digest" in page) == (username == "bureau")
    assert 'value="commitment_due"' in page


def _queries_of_a_daily_run(app, monkeypatch, today):
    with queries_sent(monkeypatch) as queries, app.app_context():
        sent = daily.run(today)
    return len(queries), sent


def test_the_daily_run_takes_as_many_queries_for_many_due_items_as_for_few(app, org, make_project, monkeypatch):
    today = local_today()
    for n in range(3):
        make_project(name=f"Old clue {n}", stage="clue", clue_on=today - dt.timedelta(days=20))
    few, sent = _queries_of_a_daily_run(app, monkeypatch, today)
    assert sent["clue_stale"] == 3
    for n in range(40):
        make_project(name=f"Older clue {n}", stage="clue", unit=("county_a", "county_b")[n % 2],
                     clue_on=today - dt.timedelta(days=30))
    many, sent = _queries_of_a_daily_run(app, monkeypatch, today + dt.timedelta(days=7))
    assert sent["clue_stale"] == 43  # a week later: every stale clue again, once
    assert many <= few, (few, many)


def test_a_kind_another_process_ran_today_is_skipped(app, org, make_project):
    """The day's claim is a unique row: a second process (its insert refused) sends nothing."""
    today = local_today()
    _pending_signing(app, org, make_project)
    NotificationSend.create(kind="verify_digest", subject_id=0, key=f"day:{today.isoformat()}")
    with app.app_context():
        assert daily.run(today)["verify_digest"] == 0
    assert _notes(org.users["bureau"], "verify_digest") == []


def _header_count(html):
    start = html.find('id="notification-count"')
    assert start >= 0, "no unread count in the header"
    section = html[start:html.find("</span></a>", start)]
    shown = section.partition('class="notification-count">')[2].partition("<")[0]
    return shown


def test_the_header_says_99_plus_beyond_99_unread_and_the_page_still_offers_to_mark_them_read(app, org, login):
    """The header counts no further than 99 (a backlog of tens of thousands made every page count
    them all); the notifications page and marking all read work on every one."""
    bureau, user = login("bureau"), org.users["bureau"]
    Notification.insert_many([{"user": user.id, "kind": "stage_returned", "link": "/", "args": {},
                               "created_at": dt.datetime(2026, 11, 1)} for _ in range(120)]).execute()
    assert _header_count(bureau.get("/").get_data(as_text=True)) == "99+"
    assert bureau.get("/notifications/count").get_data(as_text=True).strip().startswith(
        '<span class="notification-count">99+<')

    read = [n.id for n in Notification.select(Notification.id).where(Notification.user == user.id).limit(21)]
    Notification.delete().where(Notification.id.in_(read)).execute()  # MariaDB takes no LIMIT in IN (…)
    assert _header_count(bureau.get("/").get_data(as_text=True)) == "99"

    page = "/notifications"
    [mark_all] = [f for f in forms_on(bureau.get(page).get_data(as_text=True), page)
                  if f.action == "/notifications/read-all"]
    assert submit(bureau, mark_all).status_code == 303
    assert Notification.select().where(Notification.user == user.id, Notification.read_at.is_null()).count() == 0
    assert bureau.get("/notifications/count").get_data(as_text=True).strip() == ""


def test_the_header_count_reads_the_users_unread_in_the_order_of_their_index(app, org, login, monkeypatch):
    """Unordered, PostgreSQL reckoned a user's unread share as the average user's and read the whole
    notification table up to the cap (2.5-9 ms a page at 20,000 notifications): the capped count walks
    the (user, read_at) index in its order, and stops at the cap."""
    bureau = login("bureau")
    with queries_sent(monkeypatch) as sent:
        bureau.get("/")
    [badge] = [sql for sql, _ in sent if 'FROM "notification"' in sql and "COUNT" in sql]
    assert 'ORDER BY "t1"."user_id", "t1"."read_at" LIMIT' in badge.replace("`", '"'), badge
