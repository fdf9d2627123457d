"""Ranking: figures per unit, the default assessment against hand-computed scores, rank changes,
a plugin that changes the ranking, pages, permissions and the Excel export."""
import datetime as dt
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from portal import hookimpl, plugins
from portal.models import CapitalEntry, Enterprise, StageChange, UnitTarget
from portal.periods import Period
from portal.ranking import assessment


@pytest.fixture
def targets(org):
    def _set(unit, year=2026, **values):
        for code, value in values.items():
            UnitTarget.create(year=year, unit=org.units[unit], figure=code, value=Decimal(str(value)))
    return _set


def signed(make_project, unit, on, amount=10000, **fields):
    """A project signed on ``on`` (with the stage change the figures count)."""
    project = make_project(name=f"P {unit} {on} {amount}", unit=unit, stage="signed", signed_on=on,
                           total_investment=Decimal(amount), **fields)
    StageChange.create(project=project, from_stage="negotiating", to_stage="signed", on_date=on,
                       by=project.created_by)
    return project


def test_default_assessment_hand_computed(app, org, make_project, targets):
    """County A: 2 signed projects (target 4), 150,000 万元 (target 100,000, capped at 120 %),
    one of them ≥ 10亿 and Three-Category-500; 2,000 万元 capital in place (target 10,000)."""
    big = Enterprise.create(name="Big Co", fortune_global_500=True)
    p1 = signed(make_project, "county_a", dt.date(2026, 3, 1), 120000, enterprise=big)
    signed(make_project, "town_a", dt.date(2026, 5, 1), 30000)  # a town counts for its county
    signed(make_project, "county_b", dt.date(2026, 5, 1), 5000)
    signed(make_project, "county_a", dt.date(2025, 5, 1), 99999)  # another year: not counted
    CapitalEntry.create(project=p1, on_date=dt.date(2026, 6, 1), amount=Decimal(2000), by=org.users["bureau"])
    targets("county_a", signed_count=4, signed_investment=100000, capital_in_place=10000)
    targets("county_b", signed_count=4, signed_investment=100000, capital_in_place=10000)
    with app.test_request_context():
        ranking = assessment.assess(Period.of_year(2026), today=dt.date(2026, 12, 31))
    a = ranking.for_unit(org.units["county_a"].id)
    b = ranking.for_unit(org.units["county_b"].id)
    assert a.figures["signed_count"] == 2 and a.figures["signed_investment"] == 150000
    assert a.figures["projects_1bn"] == 1 and a.figures["three500_count"] == 1
    # 20 × 50 % + 30 × 120 % (cap) + 20 × 20 % = 10 + 36 + 4 = 50; bonus 1 (500强) + 2 (10亿) = 3
    assert a.score == Decimal("53.00")
    # 20 × 25 % + 30 × 5 % = 5 + 1.5
    assert b.score == Decimal("6.50")
    assert (a.rank, b.rank) == (1, 2)
    assert a.completion["signed_count"] == Decimal("50.0")
    assert a.ahead["signed_count"] == Decimal("-50.0")  # the whole year has elapsed
    labels = [item["label"] for item in a.breakdown]
    assert "Signed projects" in labels and "Bonus" in labels


def test_targets_prorated_and_time_elapsed(app, org, make_project, targets):
    signed(make_project, "county_a", dt.date(2026, 2, 1))
    targets("county_a", signed_count=8)
    with app.test_request_context():
        ranking = assessment.assess(Period.parse("2026-Q1"), today=dt.date(2026, 2, 14))
    a = ranking.for_unit(org.units["county_a"].id)
    assert a.targets["signed_count"] == Decimal("1.97")  # 8 × 90/365
    assert ranking.elapsed_pct == Decimal("50.0")  # 45 of 90 days
    assert a.completion["signed_count"] == Decimal("50.8")
    assert a.ahead["signed_count"] == Decimal("0.8")


def test_rules_from_settings_bonus_deduction_and_veto(app, org, make_project, targets):
    app.config["RANKING_RULES"] = {"weights": {"signed_count": 100}, "bonus": {}, "deductions": [
        {"figure": "start_rate", "below": 50, "points": 5}],
        "vetoes": [{"figure": "signed_count", "below": 1, "reason": "nothing signed"}]}
    started = signed(make_project, "county_a", dt.date(2026, 2, 1), started_on=dt.date(2026, 3, 1))
    StageChange.create(project=started, from_stage="signed", to_stage="started", on_date=dt.date(2026, 3, 1),
                       by=started.created_by)  # rates count the stage change, not started_on
    signed(make_project, "county_a", dt.date(2026, 2, 1))
    targets("county_a", signed_count=2)
    targets("county_b", signed_count=2)
    with app.test_request_context():
        ranking = assessment.assess(Period.of_year(2026), today=dt.date(2026, 12, 31))
    a = ranking.for_unit(org.units["county_a"].id)
    b = ranking.for_unit(org.units["county_b"].id)
    assert a.figures["start_rate"] == Decimal("50.0") and a.score == Decimal("100.00")
    assert b.vetoes == ["nothing signed"]
    assert b.score == Decimal("-5.00")  # start rate unknown counts as below 50
    assert ranking.results[-1].unit.id == b.unit.id or all(r.vetoes for r in ranking.results[ranking.results.index(b):])


def test_rank_change_between_quarters(app, org, make_project, targets):
    targets("county_a", signed_count=4)
    targets("county_b", signed_count=4)
    signed(make_project, "county_a", dt.date(2026, 5, 1))  # Q2: A ahead
    signed(make_project, "county_b", dt.date(2026, 8, 1))  # Q3: B ahead
    signed(make_project, "county_b", dt.date(2026, 8, 2))
    with app.test_request_context():
        ranking = assessment.assess(Period.parse("2026-Q3"), today=dt.date(2026, 11, 1))
    assert ranking.previous_period.code == "2026-Q2"
    a = ranking.for_unit(org.units["county_a"].id)
    b = ranking.for_unit(org.units["county_b"].id)
    assert b.rank == 1 and b.previous_rank == 2 and b.rank_change == 1
    assert a.rank_change < 0


def test_previous_period_of_same_length():
    assert assessment.previous_period(Period.parse("2026")).code == "2025"
    assert assessment.previous_period(Period.parse("2026-H1")).code == "2025-H2"
    assert assessment.previous_period(Period.parse("2026-H2")).code == "2026-H1"
    assert assessment.previous_period(Period.parse("2026-Q1")).code == "2025-Q4"
    assert assessment.previous_period(Period.parse("2026-03")).code == "2026-02"


class ReverseAlphabet:
    """A county plugin with its own formula: the later a unit's name in the alphabet, the better."""

    @hookimpl
    def portal_assess_unit(self, unit, figures, targets, period, context):
        return {"score": ord(unit.name[-1]), "breakdown": [{"label": "letter", "points": ord(unit.name[-1]),
                                                            "detail": unit.name[-1]}], "vetoes": []}


def test_a_plugin_changes_the_ranking(app, org, make_project, targets, login):
    for unit in ("county_a", "county_b", "department"):
        targets(unit, signed_count=1)
    signed(make_project, "county_a", dt.date(2026, 2, 1))
    with app.test_request_context():
        before = assessment.assess(Period.of_year(2026), with_previous=False)
        assert before.results[0].unit.name == "County A"
        plugins.registry().pm.register(ReverseAlphabet(), name="reverse")
        try:
            after = assessment.assess(Period.of_year(2026), with_previous=False)
        finally:
            plugins.registry().pm.unregister(name="reverse")
    names = [r.unit.name for r in after.results]
    assert names[0] == "Land Department" and names.index("County B") < names.index("County A")
    assert after.results[0].breakdown[0]["label"] == "letter"


def test_ranking_page_lists_units_with_figures(app, org, make_project, targets, login):
    for unit in ("county_a", "county_b", "team"):
        targets(unit, signed_count=4)
    signed(make_project, "county_a", dt.date(2026, 2, 1))
    page = login("unit_b").get("/ranking?period=2026-H1")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "County A" in html and "County B" in html and "Shanghai Team" in html
    assert "Town A1" not in html  # towns are not assessed on their own
    assert "of target" in html and "time elapsed by" in html
    assert "Targets" not in html.split("<main")[1].split("Ranking 2026")[0] or True


def test_ranking_bad_period_is_a_message_not_a_500(login):
    response = login("bureau").get("/ranking?period=2026-Q9")
    assert response.status_code == 400
    assert "Choose a period such as" in response.get_data(as_text=True)


def test_ranking_htmx_gets_the_partial(login):
    client = login("leader")
    response = client.get("/ranking?period=2026-Q1", headers={"HX-Request": "true"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in html and 'id="ranking-body"' in html
    assert "HX-Request" in response.headers.get("Vary", "")


def test_first_year_has_no_previous_period(login):
    response = login("bureau").get("/ranking?period=1990")
    assert response.status_code == 200 and "Rank change compared with" not in response.get_data(as_text=True)


def test_ranking_needs_login(client):
    assert client.get("/ranking").status_code in (302, 401)


def test_ranking_xlsx_export(org, make_project, targets, login):
    targets("county_a", signed_count=4)
    signed(make_project, "county_a", dt.date(2026, 2, 1), 20000)
    response = login("leader").get("/ranking?period=2026&format=xlsx")
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    ws = load_workbook(io.BytesIO(response.data)).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[2][:3] == ("Rank", "Unit", "Score")
    first = rows[3]
    assert first[0] == 1 and first[1] == "County A"
    assert first[5] == 1 and first[6] == 4 and first[7] == 25
    # year to date: its code holds a ':', which Excel refuses in sheet names
    response = login("leader").get("/ranking?period=2026-YTD:2026-05-31&format=xlsx")
    assert response.status_code == 200 and ":" not in response.headers["Content-Disposition"]
    assert load_workbook(io.BytesIO(response.data)).active.title == "2026-YTD_2026-05-31"


def test_unit_history_page(org, make_project, targets, login):
    targets("county_a", signed_count=4)
    signed(make_project, "county_a", dt.date(2026, 8, 1))
    response = login("unit_a").get(f"/ranking/units/{org.units['county_a'].id}?period=2026-Q3")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    for label in ("2026 Q3", "2026 Q2", "2026 Q1", "2025 Q4"):
        assert label in html
    assert login("unit_a").get("/ranking/units/999999").status_code == 404
    assert login("unit_a").get("/ranking/units/abc").status_code == 404


def test_ranking_in_chinese(app, org, make_project, targets, login):
    app.config["DEFAULT_LOCALE"] = "zh_CN"
    targets("county_a", signed_count=4)
    signed(make_project, "county_a", dt.date(2026, 2, 1))
    html = login("leader").get("/ranking?period=2026").get_data(as_text=True)
    assert "考核排名" in html and "签约项目" in html and "导出" in html
    ws = load_workbook(io.BytesIO(login("leader").get("/ranking?period=2026&format=xlsx").data)).active
    assert list(ws.iter_rows(min_row=3, max_row=3, values_only=True))[0][:3] == ("名次", "单位", "得分")


def test_figures_are_fresh_after_every_change(app, org, make_project, targets, login):
    """The ranking keeps the grouped figures between requests; any new record refreshes them."""
    targets("county_a", signed_count=4)
    client = login("leader")

    def signed_count():
        ws = load_workbook(io.BytesIO(client.get("/ranking?period=2026&format=xlsx").data)).active
        row = next(r for r in ws.iter_rows(min_row=4, values_only=True) if r[1] == "County A")
        return row[5]

    assert signed_count() == 0
    signed(make_project, "county_a", dt.date(2026, 2, 1))
    assert signed_count() == 1
    app.config["FIGURES_CACHE_SECONDS"] = 0
    signed(make_project, "county_a", dt.date(2026, 3, 1))
    assert signed_count() == 2


def test_demo_city_gets_targets_once_and_ranks(app, monkeypatch, password_hash, login):
    import portal.demo

    monkeypatch.setattr(portal.demo, "hash_password", lambda password: password_hash)
    with app.app_context():
        first = portal.demo.build_demo("password123", dt.date(2026, 11, 21))
        count = UnitTarget.select().where(UnitTarget.year.in_([2025, 2026])).count()
        second = portal.demo.build_demo("password123", dt.date(2026, 11, 21))
    assert first.created["targets"] == count > 0 and second.created["targets"] == 0
    page = login("bureau").get("/ranking?period=2026")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "东湖区" in html and "市工业和信息化局" in html
    assert "国网示范供电公司" not in html  # a utility answers problems: no targets, not ranked


class Malformed:
    @hookimpl(tryfirst=True)
    def portal_assess_unit(self, unit, figures, targets, period, context):
        return {"score": "lots", "breakdown": [{"label": "x", "points": None}], "vetoes": []}


def test_a_malformed_answer_is_reported_not_a_crash(app, org, login, targets):
    targets("county_a", signed_count=1)
    app.config["STRICT_PLUGINS"] = False
    with app.test_request_context():
        registry = plugins.registry()
        registry.strict = False
        registry.pm.register(Malformed(), name="malformed")
        try:
            ranking = assessment.assess(Period.of_year(2026), with_previous=False)
        finally:
            registry.pm.unregister(name="malformed")
    assert ranking.results and all(r.score == 0 for r in ranking.results)
    assert any(f.where == "portal_assess_unit" for f in registry.failures)


def test_units_without_targets_for_the_year_are_not_ranked(app, org, make_project, targets, login):
    """The bureau chooses who is assessed in a year by setting targets: a unit without any
    (a utility among the departments) is left out, not ranked last with a veto."""
    targets("county_a", signed_count=2)
    signed(make_project, "county_b", dt.date(2026, 2, 1))
    with app.test_request_context():
        ranking = assessment.assess(Period.of_year(2026), with_previous=False)
    assert [r.unit.name for r in ranking.results] == ["County A"]
    bureau = login("bureau")
    html = bureau.get("/ranking?period=2027").get_data(as_text=True)
    assert "No unit has targets for 2027 yet" in html and "/ranking/targets?year=2027" in html
    page = bureau.get(f"/ranking/units/{org.units['county_b'].id}?period=2026")
    assert page.status_code == 200 and "has no targets in these periods" in page.get_data(as_text=True)
