"""Stationed teams' quotas and regions: the bureau sets them (audited) on a form that works
without script, the team's page shows the regions and the pace, and the flag rule (a hook a
county can replace) marks a team behind its quota."""
import datetime as dt
from decimal import Decimal

import pytest

from portal import hookimpl
from portal.models import AuditLog, TeamQuota, TeamRegion
from portal.sourcing import quotas
from tests.forms_helpers import forms_on
from tests.plugins_helpers import temporary_plugin

WEDNESDAY = dt.date(2026, 3, 11)  # the week of 9–15 March: three days of seven gone


def _plan_form(client, team_id):
    url = f"/teams/{team_id}/plan?year=2026"
    page = client.get(url)
    assert page.status_code == 200
    return [f for f in forms_on(page.get_data(as_text=True), url) if "/plan" in f.action][0]


def _send(client, form, changes):
    data = form.data()
    for name, value in changes.items():
        data[name] = value
    return client.post(form.action, data=data)


def test_the_bureau_sets_quotas_and_regions_audited(app, org, login):
    bureau, team_id = login("bureau"), org.units["team"].id
    response = _send(bureau, _plan_form(bureau, team_id), {
        "clues_target": "4", "clues_span": "week", "visits_target": "8", "visits_span": "month",
        "region0": "长三角", "plan0": "走访20家新能源企业，举办1场推介会"})
    assert response.status_code == 303
    page = login("team").get(f"/teams/{team_id}?year=2026").get_data(as_text=True)
    assert "长三角" in page and "走访20家新能源企业" in page and "Quotas and pace" in page
    with app.app_context():
        assert {(q.metric, q.span, q.target) for q in TeamQuota.select()} == {("clues", "week", 4),
                                                                            ("visits", "month", 8)}
        assert TeamRegion.get().year == 2026
        assert AuditLog.select().where(AuditLog.action == "team_plan", AuditLog.entity_id == team_id).count() == 1
    # Saved untouched: no change, no audit entry.
    assert _send(bureau, _plan_form(bureau, team_id), {}).status_code == 303
    with app.app_context():
        assert AuditLog.select().where(AuditLog.action == "team_plan").count() == 1


@pytest.mark.parametrize("changes, field", [({"clues_target": "0"}, "clues_target"),
                                            ({"plan1": "a plan without its region"}, "region1")])
def test_bad_plans_are_refused_at_the_field(app, org, login, changes, field):
    bureau = login("bureau")
    response = _send(bureau, _plan_form(bureau, org.units["team"].id), changes)
    assert response.status_code == 422
    assert f'id="{field}-error"' in response.get_data(as_text=True)
    with app.app_context():
        assert not TeamQuota.select().exists() and not TeamRegion.select().exists()


def test_only_the_bureau_plans(org, login):
    team_id = org.units["team"].id
    assert login("team").get(f"/teams/{team_id}/plan").status_code == 403
    assert login("unit_b").get(f"/teams/{team_id}/plan").status_code == 404


def test_pace_against_time_elapsed_and_the_default_flags(app, org, make_project):
    team = org.units["team"]
    with app.test_request_context():
        TeamQuota.create(team=team, metric="clues", span="week", target=7)
        TeamQuota.create(team=team, metric="visits", span="month", target=10)
        make_project(name="Monday's clue", source_team=team, clue_on=dt.date(2026, 3, 9))
        make_project(name="Last week's clue", source_team=team, clue_on=dt.date(2026, 3, 8))
        by_metric = {p.metric: p for p in quotas.paces([team], WEDNESDAY)}
        clues = by_metric["clues"]
        assert (clues.done, clues.elapsed, clues.expected) == (1, Decimal("0.429"), Decimal("3.0"))
        assert by_metric["visits"].done == 0  # 11 of 31 days: 3.5 expected
        flag = quotas.flags(list(by_metric.values()))[team.id]
        assert flag["level"] == "red"  # clues 1 of 3 expected (below half); visits 0 of 3.5
        assert len(flag["reasons"]) == 2


def test_a_team_on_pace_has_no_flag(app, org, make_project):
    team = org.units["team"]
    with app.test_request_context():
        TeamQuota.create(team=team, metric="clues", span="week", target=7)
        for day in (9, 10, 11):
            make_project(name=f"Clue {day}", source_team=team, clue_on=dt.date(2026, 3, day))
        assert quotas.flags(quotas.paces([team], WEDNESDAY)) == {}
        make_project(name="Too few", source_team=team, clue_on=dt.date(2026, 3, 1))
        TeamQuota.update(target=10).execute()  # 4.3 expected, 3 done: behind but above half
        assert quotas.flags(quotas.paces([team], WEDNESDAY))[team.id]["level"] == "yellow"


class EveryTeamRed:
    @hookimpl
    def portal_team_quota_flags(self, paces, context):
        return [{"team_id": p.team.id, "level": "red", "reason": "county rule: always behind"} for p in paces]


def test_a_county_replaces_the_flag_rule(app, org, login):
    with app.app_context():
        TeamQuota.create(team=org.units["team"], metric="visits", span="month", target=1)
    with temporary_plugin(app, EveryTeamRed()):
        page = login("bureau").get("/teams").get_data(as_text=True)
        assert 'data-flag="red"' in page
        team_page = login("bureau").get(f"/teams/{org.units['team'].id}").get_data(as_text=True)
        assert "county rule: always behind" in team_page


def test_a_team_behind_its_quota_and_the_bureau_are_told_once_a_week(app, org):
    from portal.models import Notification
    from portal.notifications import daily
    from portal.timeutil import today

    team = org.units["team"]
    with app.app_context():
        day = today()
        TeamQuota.create(team=team, metric="clues", span="week", target=1000)
        assert daily.run(day).get("team_quota") == 2  # the team's member and the bureau's clerk
        assert daily.run(day + dt.timedelta(days=7)).get("team_quota") == 2  # the next week, again
    notes = list(Notification.select().where(Notification.kind == "team_quota"))
    assert {n.user_id for n in notes} == {org.users["team"].id, org.users["bureau"].id}
    assert all(n.link == f"/teams/{team.id}" for n in notes)


def test_a_team_on_pace_is_not_told(app, org):
    from portal.notifications import daily
    from portal.timeutil import today

    with app.app_context():
        TeamQuota.create(team=org.units["team"], metric="clues", span="week", target=0)
        assert not daily.run(today()).get("team_quota")
