"""The three bundled county plugins' assessment formulas, against hand-computed scores.

County A: two projects signed in 2026 — P1 150,000 万元 (≥ 10亿, Three-Category-500, foreign
capital 300 万美元, started 1 April, 5,000 万元 capital in place) and P2 20,000 万元 (not
started). Targets of County A: 4 signed projects, 200,000 万元 signed investment, 10,000 万元
capital in place, 1,000 万美元 foreign capital. County B: one 5,000 万元 project signed, not
started; its one target (1 foreign-invested project, unmet) is a figure none of the county
formulas weighs. The Shanghai team has the same target; the department has none (not ranked).
So County A has: start rate 50 %, implementation rate 50 %.
"""
import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from portal.models import CapitalEntry, Enterprise, StageChange, UnitTarget
from portal.periods import Period
from portal.ranking import assessment

PLUGINS = Path(__file__).resolve().parent.parent / "plugins"


@pytest.fixture
def city(org, make_project):
    big = Enterprise.create(name="Global Co", fortune_global_500=True, foreign_invested=True)
    bureau = org.users["bureau"]

    def signed(unit, on, amount, **fields):
        project = make_project(name=f"{unit} {amount}", unit=unit, stage="signed", signed_on=on,
                               total_investment=Decimal(amount), **fields)
        StageChange.create(project=project, from_stage="negotiating", to_stage="signed", on_date=on, by=bureau)
        return project

    p1 = signed("county_a", dt.date(2026, 3, 1), 150000, enterprise=big, foreign_capital=Decimal(300),
                started_on=dt.date(2026, 4, 1))
    StageChange.create(project=p1, from_stage="signed", to_stage="started", on_date=dt.date(2026, 4, 1),
                       by=bureau)  # rates count the stage change, not started_on
    signed("county_a", dt.date(2026, 5, 1), 20000)
    signed("county_b", dt.date(2026, 6, 1), 5000)
    CapitalEntry.create(project=p1, on_date=dt.date(2026, 7, 1), amount=Decimal(5000), by=bureau)
    for code, value in {"signed_count": 4, "signed_investment": 200000, "capital_in_place": 10000,
                        "foreign_capital": 1000}.items():
        UnitTarget.create(year=2026, unit=org.units["county_a"], figure=code, value=Decimal(value))
    for unit in ("county_b", "team"):  # ranked: the bureau set them a target
        UnitTarget.create(year=2026, unit=org.units[unit], figure="foreign_count", value=Decimal(1))
    return org


def ranking_under(app, system, **config):
    app.config["RULES"] = system
    app.config.update(config)
    with app.test_request_context():
        return assessment.assess(Period.of_year(2026), with_previous=False, today=dt.date(2026, 12, 31))


def test_six_plus_three(app, city):
    ranking = ranking_under(app, "six_plus_three")
    a = ranking.for_unit(city.units["county_a"].id)
    b = ranking.for_unit(city.units["county_b"].id)
    assert a.figures["start_rate"] == Decimal("50.0")
    # 40 × 170,000/200,000 + 40 × 5,000/10,000 + 20 × 50 % + 5 × one 500强 project = 34 + 20 + 10 + 5
    assert a.score == Decimal("69.00") and a.vetoes == []
    assert b.score == Decimal("0.00") and b.vetoes == []
    # The team signed nothing: vetoed, ranked last; the department has no targets: not ranked.
    team = ranking.for_unit(city.units["team"].id)
    assert team.vetoes == ["No project was signed in the period."] and team.rank == 3
    assert ranking.for_unit(city.units["department"].id) is None
    assert [r.unit.name for r in ranking.results[:2]] == ["County A", "County B"]


def test_six_plus_three_reads_its_weights_from_the_rules_file(app, city, tmp_path):
    text = (PLUGINS / "six_plus_three" / "rules.example.toml").read_text(encoding="utf-8")
    assert "investment_weight = 40" in text
    own = tmp_path / "rules.toml"
    own.write_text(text.replace("investment_weight = 40", "investment_weight = 80"), encoding="utf-8")
    a = ranking_under(app, "six_plus_three", RULES_FILE=str(own)).for_unit(city.units["county_a"].id)
    assert a.score == Decimal("103.00")  # 68 + 20 + 10 + 5


def test_four_plus_one(app, city):
    ranking = ranking_under(app, "four_plus_one")
    a = ranking.for_unit(city.units["county_a"].id)
    b = ranking.for_unit(city.units["county_b"].id)
    assert a.figures["implementation_rate"] == Decimal("50.0")
    # 25 per 10亿 project + 30 × 2/4 signed + 20 × 300/1,000 foreign capital − 10 (implementation < 60 %)
    assert a.score == Decimal("36.00") and a.vetoes == []
    # County B: implementation rate 0 % → −10 and a one-vote veto
    assert b.score == Decimal("-10.00") and b.vetoes == ["Implementation rate below 30%."]
    assert a.rank == 1 and b.rank == len(ranking.results)


def test_one_plus_three(app, city):
    ranking = ranking_under(app, "one_plus_three")
    a = ranking.for_unit(city.units["county_a"].id)
    # average of 50 % (2/4), 85 % (170,000/200,000), 50 % (capital), 30 % (foreign) = 53.75, + 3 per 500强
    assert a.score == Decimal("56.75")
    assert ranking.for_unit(city.units["county_b"].id).score == Decimal("0.00")  # its one target unmet


def test_without_an_active_system_the_default_assessment_scores(app, city):
    a = ranking_under(app, None).for_unit(city.units["county_a"].id)
    # 20 × 50 % + 30 × 85 % + 20 × 50 % + 10 × 30 % (foreign) = 10 + 25.5 + 10 + 3; bonus 1 + 2
    assert a.score == Decimal("51.50")
