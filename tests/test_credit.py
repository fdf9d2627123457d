"""Credit without double counting: a project sourced by a stationed team and hosted by a county
counts once in the figures per unit and team (the ranking, the dashboard's tables), shared as
the county's rule or the bureau decides; the units add up to the city."""
import datetime as dt
import io
import re
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from portal import figures, hookimpl
from portal.models import AuditLog, Project, ProjectCredit
from portal.periods import Period
from portal.ranking import data as ranking_data
from portal.ranking.targets import assessed_units
from tests.forms_helpers import forms_on
from tests.plugins_helpers import temporary_plugin

YEAR = Period.of_year(2026)
SIGNED = dict(stage="signed", signed_on=dt.date(2026, 3, 1), counted_signed_on=dt.date(2026, 3, 1))


@pytest.fixture
def city(app, org, make_project):
    """Three signed projects: two hosted by County A (one sourced by the Shanghai team), one by
    County B; the team hosts none."""
    with app.app_context():
        team = org.units["team"]
        return {
            "sourced": make_project("Sourced", "county_a", source_team=team, total_investment=Decimal("30000"),
                                    **SIGNED),
            "own": make_project("Own", "county_a", total_investment=Decimal("10000"), **SIGNED),
            "other": make_project("Other", "county_b", total_investment=Decimal("20000"), **SIGNED),
        }


def _ranked_sum(code):
    units = list(assessed_units())
    values = ranking_data.unit_figures([YEAR], units)[0]
    return sum(values[u.id][code] for u in units)


def test_ranked_units_add_up_to_the_city(app, org, city):
    with app.app_context():
        city_figures = figures.compute(YEAR)
        assert city_figures.signed_count.value == 3
        # The old code counted "Sourced" for the team and for County A: 4 against the city's 3.
        assert _ranked_sum("signed_count") == 3
        assert _ranked_sum("signed_investment") == city_figures.signed_investment.value
        team = figures.compute(YEAR, figures.Scope(unit_id=org.units["team"].id))
        assert team.signed_count.value == 0  # the default rule: all credit to the host


def test_dashboard_tables_add_up_to_the_city(app, org, city):
    with app.app_context():
        rows = figures.by_unit(YEAR)
        total = figures.compute(YEAR)
        assert sum(r["signed_count"].value for r in rows) == total.signed_count.value
        assert sum(r["signed_investment"].value for r in rows) == total.signed_investment.value


class TeamTakesForty:
    @hookimpl
    def portal_credit_rule(self, context):
        return {"team": 40}


def test_the_county_rule_shares_a_sourced_project(app, org, city):
    with temporary_plugin(app, TeamTakesForty()), app.test_request_context():
        by_unit = {r.label: r for r in figures.by_unit(YEAR)}
        assert by_unit["Shanghai Team"]["signed_count"].value == Decimal("0.40")
        assert by_unit["Shanghai Team"]["signed_investment"].value == Decimal("12000.00")
        assert by_unit["County A"]["signed_count"].value == Decimal("1.60")
        assert by_unit["County A"]["signed_investment"].value == Decimal("28000.00")
        assert sum(r["signed_count"].value for r in by_unit.values()) == 3
        teams = {r.label: r for r in figures.by_team(YEAR)}
        assert teams["Shanghai Team"]["signed_investment"].value == Decimal("12000.00")
        assert _ranked_sum("signed_investment") == Decimal("60000.00")


def test_figures_of_a_few_units_are_theirs_in_the_figures_of_all(app, org, city):
    # for_units reads only the shares credited to the units asked for (the teams' results read
    # their projects only): each unit's figures are those it has among all units' figures.
    with temporary_plugin(app, TeamTakesForty()), app.test_request_context():
        from portal.models import Unit

        every = list(Unit.select())
        few = [org.units["team"], org.units["county_b"]]
        months = [Period.of_month(2026, m) for m in range(1, 13)]
        all_units = figures.for_units(months + [YEAR], every, ("signed_count", "signed_investment"))
        some = figures.for_units(months + [YEAR], few, ("signed_count", "signed_investment"))
    for unit in few:
        assert some[unit.id] == all_units[unit.id]
    assert some[org.units["team"].id][-1]["signed_count"] == Decimal("0.40")  # its share counted


@pytest.mark.parametrize("unit", [None, "county_a", "team"])
def test_key_figures_rolled_up_from_shares_are_the_figures_themselves(app, org, city, unit):
    # With a team's share the grouped queries hold fractions of projects; rolled up for a scope
    # they give the key figures that scope's own queries give.
    app.config["FIGURES_CACHE_SECONDS"] = 0
    with temporary_plugin(app, TeamTakesForty()), app.test_request_context():
        scope = figures.Scope(unit_id=org.units[unit].id) if unit else figures.Scope()
        own = figures.compute(YEAR, scope)
        rolled = figures.compute(YEAR, scope, data=figures.grouped(YEAR, scope, figures.TABLE_FAMILIES_PER_PERIOD))
        assert [(f.key, f.value, f.previous) for f in rolled] == [(f.key, f.value, f.previous) for f in own]
        assert own.signed_count.value  # something to compare


def _credit_form(client, project):
    url = f"/projects/{project.id}/credit"
    page = client.get(url)
    assert page.status_code == 200
    return [f for f in forms_on(page.get_data(as_text=True), url) if f.action.endswith("/credit")][0]


def submit(client, form, changes):
    """Send what the form holds, with ``changes`` made as a person would (a radio, fields typed)."""
    data = form.data()
    for name, value in changes.items():
        data[name] = value
    return client.post(form.action, data=data)


def test_the_bureau_sets_shares_audited_and_the_figures_follow(app, org, city, login):
    bureau = login("bureau")
    sourced = city["sourced"]
    form = _credit_form(bureau, sourced)
    team = str(org.units["team"].id)
    response = submit(bureau, form, {"mode": "set", "host_share": "70", "r0_kind": "team", "r0_unit": team,
                                     "r0_share": "30", "r1_kind": "chamber", "r1_name": "上海湖南商会",
                                     "r1_share": "0"})
    assert response.status_code == 303
    shown = bureau.get(f"/projects/{sourced.id}").get_data(as_text=True)
    assert "上海湖南商会" in shown and "30%" in shown
    with app.app_context():
        assert ProjectCredit.select().where(ProjectCredit.project == sourced.id).count() == 3
        entry = AuditLog.select().where(AuditLog.action == "credit").get()
        assert entry.entity_id == sourced.id
        team_row = {r.label: r for r in figures.by_team(YEAR)}["Shanghai Team"]
        assert team_row["signed_investment"].value == Decimal("9000.00")
        assert _ranked_sum("signed_count") == 3
    # Saved untouched: nothing changes, no new audit entry.
    again = submit(bureau, _credit_form(bureau, sourced), {})
    assert again.status_code == 303
    with app.app_context():
        assert AuditLog.select().where(AuditLog.action == "credit").count() == 1
    # Back to the rule.
    submit(bureau, _credit_form(bureau, sourced), {"mode": "rule"})
    with app.app_context():
        assert not ProjectCredit.select().where(ProjectCredit.project == sourced.id).exists()


@pytest.mark.parametrize("values, field, message", [
    ({"host_share": "70"}, "host_share", "add up to 70%"),
    ({"host_share": "50", "r0_kind": "chamber", "r0_name": "商会", "r0_share": "50"}, "r0_share",
     "Only a unit can take a share"),
    ({"host_share": "50", "r0_kind": "team", "r0_share": "50"}, "r0_unit", "Choose the unit"),
    ({"host_share": "150"}, "host_share", "0 to 100"),
    ({"host_share": "x"}, "host_share", ""),
])
def test_bad_shares_are_refused_at_the_field(app, org, city, login, values, field, message):
    bureau = login("bureau")
    response = submit(bureau, _credit_form(bureau, city["own"]), {"mode": "set", **values})
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert f'id="{field}-error"' in body and message in body
    with app.app_context():
        assert not ProjectCredit.select().exists()


def test_a_stale_form_is_refused(app, org, city, login):
    bureau = login("bureau")
    form = _credit_form(bureau, city["own"])
    with app.app_context():
        Project.update(version=Project.version + 1).where(Project.id == city["own"].id).execute()
    response = submit(bureau, form, {"mode": "set", "host_share": "100"})
    assert response.status_code == 409
    with app.app_context():
        assert not ProjectCredit.select().exists()


def test_only_the_bureau_sets_shares(app, org, city, login):
    assert login("unit_a").get(f"/projects/{city['own'].id}/credit").status_code == 403
    assert login("unit_b").get(f"/projects/{city['own'].id}/credit").status_code == 404
    response = login("unit_a").post_form(f"/projects/{city['own'].id}/credit", {"mode": "set", "host_share": "100"})
    assert response.status_code == 403


def test_team_results_per_month_take_the_shares(app, org, city, login):
    """The teams' results per month (team page, dashboard, workbook): referred projects whole,
    credited ones by the share the bureau set."""
    bureau = login("bureau")
    team = str(org.units["team"].id)
    submit(bureau, _credit_form(bureau, city["sourced"]),
           {"mode": "set", "host_share": "70", "r0_kind": "team", "r0_unit": team, "r0_share": "30"})
    page = bureau.get(f"/teams/{team}?year=2026").get_data(as_text=True)
    march = re.search(r"<th scope=\"row\">2026-03</th>(.*?)</tr>", page, re.S).group(1)
    assert re.findall(r'<td class="num">([^<]*)</td>', march)[:4] == ["0", "1", "CNY 300.00 million", "0.30"]
    dashboard = bureau.get("/dashboard?period=2026").get_data(as_text=True)
    assert "Stationed teams per month, 2026" in dashboard
    book = load_workbook(io.BytesIO(bureau.get("/dashboard?period=2026&format=xlsx").data))
    rows = list(book["Stationed teams per month"].iter_rows(values_only=True))
    assert ("Shanghai Team", "2026-03", 0, 1, 30000, 0.3, 9000, 0) in rows


def test_the_demo_city_shows_shares_quotas_and_regions_and_adds_up(app, monkeypatch, password_hash):
    import portal.demo
    from portal.models import TeamQuota, TeamRegion, Unit

    monkeypatch.setattr(portal.demo, "hash_password", lambda password: password_hash)
    with app.test_request_context():
        portal.demo.build_demo("password123", dt.date(2026, 11, 21))
        shares = ProjectCredit.select().count()
        assert shares >= 8 and ProjectCredit.select().where(ProjectCredit.kind == "chamber").exists()
        assert TeamQuota.select().count() == 6
        assert TeamRegion.select().where(TeamRegion.region == "长三角", TeamRegion.year == 2026).exists()
        # The demo city's ranked units (every host is one, or a town below one) add up to the
        # city: before, each project a team brought counted for the team and for its host.
        city_total = figures.compute(YEAR).signed_count.value
        assert city_total > 0 and _ranked_sum("signed_count") == city_total
        teams = [u for u in Unit.select().where(Unit.kind == "team")]
        assert any(r["signed_investment"].value for r in figures.by_team(YEAR) if r.key in {t.id for t in teams})
        portal.demo.build_demo("password123", dt.date(2026, 11, 21))
        assert ProjectCredit.select().count() == shares  # idempotent


@pytest.mark.parametrize("unit", [None, "county_a", "county_b", "team"])
def test_bureau_shares_beside_the_rule_count_each_project_once(app, org, city, unit):
    # The rule's parts read every project and take those with bureau shares off again (so the
    # figures' indexes serve them); the shares then count instead: each unit gets exactly its part.
    app.config["FIGURES_CACHE_SECONDS"] = 0
    with app.app_context():
        ProjectCredit.create(project=city["sourced"], kind="host", unit=org.units["county_b"], share=50)
        ProjectCredit.create(project=city["sourced"], kind="team", unit=org.units["team"], share=50)
    expected = {  # signed count, signed amount: "Sourced" (30,000) shared by the bureau half and half
        "county_a": (Decimal(1), Decimal("10000.00")),
        "county_b": (Decimal("1.5"), Decimal("35000.00")),
        "team": (Decimal("0.5"), Decimal("15000.00")),
    }
    with temporary_plugin(app, TeamTakesForty()), app.test_request_context():
        scope = figures.Scope(unit_id=org.units[unit].id) if unit else figures.Scope()
        own = figures.compute(YEAR, scope)
        rolled = figures.compute(YEAR, scope, data=figures.grouped(YEAR, scope, figures.TABLE_FAMILIES_PER_PERIOD))
        assert [(f.key, f.value) for f in rolled] == [(f.key, f.value) for f in own]
        if unit:
            assert (own.signed_count.value, own.signed_investment.value) == expected[unit]
        rows = {r.label: r for r in figures.by_unit(YEAR)}
        for code, (count, amount) in expected.items():
            row = rows[org.units[code].name]
            assert (row["signed_count"].value, row["signed_investment"].value) == (count, amount)
        ranked = figures.for_units([YEAR], [org.units[c] for c in expected], ("signed_count",))
        assert {c: ranked[org.units[c].id][0]["signed_count"] for c in expected} == {
            c: v[0] for c, v in expected.items()}
