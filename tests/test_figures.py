"""The figures module against hand-computed values on a small fixed data set."""
import datetime as dt
from decimal import Decimal

import pytest

from portal import figures
from portal.figures import Scope, compute
from portal.figures import sql as figure_sql
from portal.models import CapitalEntry, Enterprise, StageChange
from portal.periods import Period

D = dt.date


@pytest.fixture(autouse=True)
def request_context(app):
    with app.test_request_context():  # labels and the industry system read the app's settings
        yield


@pytest.fixture
def data(app, org, make_project):
    """Five projects with explicit, dated stage histories (see each comment)."""
    by = org.users["bureau"]

    def change(project, to_stage, on, verification="approved", from_stage=""):
        StageChange.create(project=project, from_stage=from_stage, to_stage=to_stage, on_date=on,
                           by=by, verification=verification)

    big = Enterprise.create(name="Global Co", fortune_global_500=True, foreign_invested=True)
    # P1: County A, 12亿元, Fortune 500 and foreign; signed 2026-02-10, started 2026-04-10.
    p1 = make_project("P1", "county_a", industry_code="ind1", total_investment=Decimal("120000"),
                      contracted_amount=Decimal("100000"), foreign_capital=Decimal("500"), enterprise=big,
                      clue_on=D(2026, 1, 5), signed_on=D(2026, 2, 10), started_on=D(2026, 4, 10),
                      stage="started", flag="red")
    change(p1, "clue", D(2026, 1, 5), "not_required")
    change(p1, "signed", D(2026, 2, 10))
    change(p1, "started", D(2026, 4, 10))
    CapitalEntry.create(project=p1, on_date=D(2026, 3, 1), amount=Decimal("20000"), by=by)
    CapitalEntry.create(project=p1, on_date=D(2025, 12, 31), amount=Decimal("5000"), by=by)
    # P2: Town A1 (in County A); signed in January, moved back, signed again in May: counts once, in May.
    p2 = make_project("P2", "town_a", industry_code="ind2", total_investment=Decimal("50000"),
                      contracted_amount=Decimal("40000"), clue_on=D(2025, 12, 1), signed_on=D(2026, 5, 20),
                      stage="signed", flag="yellow")
    change(p2, "signed", D(2026, 1, 20))
    change(p2, "negotiating", D(2026, 3, 1), from_stage="signed")
    change(p2, "signed", D(2026, 5, 20))
    # P3: County B; its signing awaits verification: not counted.
    p3 = make_project("P3", "county_b", industry_code="ind1", total_investment=Decimal("30000"),
                      contracted_amount=Decimal("30000"), clue_on=D(2026, 2, 1), stage="signed")
    change(p3, "signed", D(2026, 6, 1), "pending")
    # P4: County B, sourced by the Shanghai team; signed 2025-03-15, started 2025-09-01.
    p4 = make_project("P4", "county_b", industry_code="ind2", total_investment=Decimal("20000"),
                      contracted_amount=Decimal("10000"), clue_on=D(2025, 1, 15), signed_on=D(2025, 3, 15),
                      started_on=D(2025, 9, 1), stage="started", source_team=org.units["team"])
    change(p4, "signed", D(2025, 3, 15))
    change(p4, "started", D(2025, 9, 1), "not_required")
    # P5: County A; its signing was returned by the bureau: not counted.
    p5 = make_project("P5", "county_a", total_investment=Decimal("90000"), clue_on=D(2026, 6, 1), stage="negotiating")
    change(p5, "signed", D(2026, 7, 1), "returned")
    # P6: signed on a leap day.
    p6 = make_project("P6", "county_b", total_investment=Decimal("1000"), clue_on=D(2024, 1, 2),
                      signed_on=D(2024, 2, 29), stage="signed")
    change(p6, "signed", D(2024, 2, 29))
    return {"p1": p1, "p2": p2, "p3": p3, "p4": p4, "p5": p5, "p6": p6}


def test_year_figures_and_last_year(data):
    f = compute(Period.of_year(2026))
    assert (f.new_clues.value, f.new_clues.previous, f.new_clues.change_pct) == (3, 2, Decimal("50.0"))
    assert (f.signed_count.value, f.signed_count.previous, f.signed_count.change_pct) == (2, 1, Decimal("100.0"))
    assert f.signed_investment.value == Decimal("170000.00")
    assert f.signed_investment.previous == Decimal("20000.00")
    assert f.signed_investment.change_pct == Decimal("750.0")
    assert (f.contracted_amount.value, f.contracted_amount.previous) == (Decimal("140000.00"), Decimal("10000.00"))
    assert (f.projects_1bn.value, f.projects_1bn.previous, f.projects_1bn.change_pct) == (1, 0, None)
    assert f.projects_1bn.trend == "none"
    assert (f.three500_count.value, f.foreign_count.value, f.foreign_capital.value) == (1, 1, Decimal("500.00"))
    assert (f.started_count.value, f.started_count.previous, f.started_count.change_pct) == (1, 1, Decimal("0.0"))
    assert (f.completed_count.value, f.production_count.value) == (0, 0)
    assert (f.capital_in_place.value, f.capital_in_place.previous) == (Decimal("20000.00"), Decimal("5000.00"))


def test_rates_and_cycle_days(data):
    f = compute(Period.of_year(2026))
    assert (f.implementation_rate.value, f.implementation_rate.previous) == (Decimal("50.0"), Decimal("100.0"))
    # Could start in 2026: P1, P2 and P6 (signed 2024, not started); P1 started → 1/3.
    # In 2025: P4 and P6; P4 started → 1/2.
    assert (f.start_rate.value, f.start_rate.previous) == (Decimal("33.3"), Decimal("50.0"))
    assert f.capital_availability_rate.value == Decimal("14.3")  # 20000 / 140000
    assert f.capital_availability_rate.previous == Decimal("50.0")
    # P1: 2026-01-05 → 02-10 = 36 days; P2: 2025-12-01 → 2026-05-20 = 170 days.
    assert f.avg_days_clue_to_sign.value == Decimal("103.0")
    assert f.avg_days_clue_to_sign.previous == Decimal("59.0")
    assert f.avg_days_sign_to_start.value == Decimal("59.0")
    assert f.avg_days_sign_to_start.previous == Decimal("170.0")


def test_project_moved_back_counts_once_at_latest_signing(data):
    q1 = compute(Period.of_quarter(2026, 1))
    # In Q1 P2's January signing is its latest counted one in that period, so it counts there…
    assert q1.signed_count.value == 2
    h1 = compute(Period.of_half(2026, 1))
    # …but in the half-year it counts once, with its amount added once.
    assert h1.signed_count.value == 2
    assert h1.signed_investment.value == Decimal("170000.00")
    months = {p.month: p for p in figures.monthly_signed(2026)}
    assert months[1].value == 0 and months[5].value == Decimal("50000.00")
    assert months[2].value == Decimal("120000.00")
    assert months[3].previous == Decimal("20000.00")


def test_unverified_changes_do_not_count(data):
    f = compute(Period.of_year(2026), Scope(unit_id=data["p3"].responsible_unit_id))
    assert f.signed_count.value == 0
    assert f.signed_investment.value == 0
    assert f.signed_count.previous == 1  # P4 in 2025


def test_year_without_data_gives_no_change_and_no_division(data):
    f = compute(Period.of_year(2031))
    for figure in f:
        assert figure.change_pct is None
        assert figure.value in (0, None)
    assert f.implementation_rate.value is None
    assert f.avg_days_clue_to_sign.value is None
    later = compute(Period.of_year(2027))
    assert later.signed_count.change_pct == Decimal("-100.0")


def test_leap_day(data):
    feb = compute(Period.parse("2024-02"))
    assert feb.signed_count.value == 1
    assert feb.previous_period.end == D(2023, 2, 28)
    leap = Period.between("2024-02-29", "2024-02-29")
    assert compute(leap).signed_count.value == 1
    assert leap.previous_year().start == D(2023, 2, 28)
    assert compute(Period.parse("2025-02")).signed_count.previous == 1


def test_scope_unit_includes_sub_units_and_industry_and_team(data, org):
    a = compute(Period.of_year(2026), Scope(unit_id=org.units["county_a"].id))
    assert a.signed_count.value == 2  # P1 and P2 (in Town A1)
    town = compute(Period.of_year(2026), Scope(unit_id=org.units["town_a"].id))
    assert town.signed_count.value == 1
    ind = compute(Period.of_year(2026), Scope(industry="ind1"))
    assert ind.signed_investment.value == Decimal("120000.00")
    team = compute(Period.of_year(2025), Scope(team_id=org.units["team"].id))
    assert team.signed_count.value == 1 and team.started_count.value == 1


def test_tables_by_unit_industry_team(data, org):
    rows = {r.label: r for r in figures.by_unit(Period.of_year(2026))}
    assert rows["County A"]["signed_count"].value == 2
    assert rows["County A"]["signed_investment"].value == Decimal("170000.00")
    assert rows["County A"]["implementation_rate"].value == Decimal("50.0")
    # The tables show last year's signed amount (P4: 20,000 in 2025), no other figure's last year.
    assert rows["County B"]["signed_count"].value == 0
    assert rows["County B"]["signed_investment"].previous == Decimal("20000.00")
    assert rows["County B"]["signed_count"].previous is None
    assert "Land Department" not in rows  # a department without projects gets no row; places always do
    sub = {r.label: r for r in figures.by_unit(Period.of_year(2026), Scope(unit_id=org.units["county_a"].id))}
    assert sub["Town A1"]["signed_count"].value == 1
    assert sub["County A"]["signed_count"].value == 1  # P1 sits directly with the county
    industries = {r.key: r for r in figures.by_industry(Period.of_year(2026))}
    assert industries["ind1"]["signed_investment"].value == Decimal("120000.00")
    assert industries["ind2"]["signed_count"].value == 1
    # By the default credit rule the team that sourced P4 counts a referral, its host the credit.
    teams = figures.by_team(Period.of_year(2025))
    assert teams[0].label == "Shanghai Team" and teams[0]["signed_count"].value == 0


def test_funnel_current_and_past(data):
    stages = {s.stage: s.count for s in figures.funnel()}
    assert stages["started"] == 2 and stages["signed"] == 3 and stages["negotiating"] == 1
    past = {s.stage: s.count for s in figures.funnel(on_date=D(2026, 3, 15))}
    # On 15 March 2026: P1 signed, P2 moved back to negotiating, P4 started, P6 signed (P3/P5 unverified).
    assert past == {**past, "signed": 2, "negotiating": 1, "started": 1}


def test_flag_counts_current(data):
    counts = figures.flag_counts("2026-W47")
    assert counts["red"] == 1 and counts["yellow"] == 1


def test_links_to_the_list_behind_a_number(data, org):
    f = compute(Period.of_year(2026), Scope(unit_id=org.units["county_a"].id))
    assert "signed_from=2026-01-01" in f.signed_count.link
    assert "signed_to=2026-12-31" in f.signed_count.link
    assert f"unit={org.units['county_a'].id}" in f.signed_count.link
    assert "min=100000" in f.projects_1bn.link
    assert "three500=1" in f.three500_count.link
    assert "from=2026-01-01" in f.new_clues.link and "signed_from" not in f.new_clues.link


def test_one_grouped_query_set_gives_the_same_numbers(data, org):
    period = Period.of_year(2026)
    for scope in (Scope(), Scope(unit_id=org.units["county_a"].id), Scope(industry="ind1")):
        grouped = figures.grouped(period, scope)
        alone, shared = compute(period, scope), compute(period, scope, data=grouped)
        for key in figures.FIGURES:
            assert (alone[key].value, alone[key].previous) == (shared[key].value, shared[key].previous), key
        for fn in (figures.by_unit, figures.by_industry, figures.by_team):
            a = [(r.label, [(f.value, f.previous) for f in r.figures.values()]) for r in fn(period, scope)]
            b = [(r.label, [(f.value, f.previous) for f in r.figures.values()])
                 for r in fn(period, scope, data=grouped)]
            assert a == b, fn.__name__


def test_cached_figures_see_a_change_at_once(app, data, org):
    period = Period.of_year(2026)
    before = compute(period, data=figures.grouped(period))
    assert compute(period, data=figures.grouped(period)).signed_count.value == before.signed_count.value == 2
    StageChange.create(project=data["p5"], to_stage="signed", on_date=D(2026, 8, 1), by=org.users["bureau"],
                       verification="approved")
    after = compute(period, data=figures.grouped(period))
    assert after.signed_count.value == 3
    assert after.signed_investment.value == Decimal("260000.00")
    app.config["FIGURES_CACHE_SECONDS"] = 0
    assert compute(period, data=figures.grouped(period)).signed_count.value == 3


def _shown(result) -> dict:
    return {f.key: (f.value, f.previous, f.numerator, f.denominator, f.link) for f in result}


@pytest.mark.parametrize("unit", [None, "county_a", "team"])
def test_key_figures_from_the_tables_grouped_queries_are_those_of_their_own(app, data, org, unit):
    # The dashboard rolls the key figures up from what the tables' grouped queries hold and
    # queries only the rest (start rate, completions …): the same numbers as querying them all.
    app.config["FIGURES_CACHE_SECONDS"] = 0
    period = Period.of_year(2026)
    scope = Scope(unit_id=org.units[unit].id) if unit else Scope()
    tables_only = figures.grouped(period, scope, families=figures.TABLE_FAMILIES_PER_PERIOD)
    assert [r.label for r in figures.by_unit(period, scope, data=tables_only)] == [
        r.label for r in figures.by_unit(period, scope)]
    assert _shown(compute(period, scope, data=tables_only)) == _shown(compute(period, scope))
    assert _shown(compute(period, scope, data=figures.grouped(period, scope))) == _shown(compute(period, scope))


def test_many_projects_with_repeated_milestones_are_read_by_subquery(app, data, org, monkeypatch):
    """Up to _REPEATS_AS_LIST such projects are passed as a list of ids, more as a subquery:
    both give the same numbers (P2 was signed twice)."""
    app.config["FIGURES_CACHE_SECONDS"] = 0
    period = Period.of_year(2026)

    def numbers():
        f = compute(period)
        return ([(f[k].value, f[k].previous) for k in figures.FIGURES],
                [(r.label, r["signed_count"].value) for r in figures.by_unit(period)],
                [p.value for p in figures.monthly_signed(2026)])

    as_list = numbers()
    assert as_list[0][list(figures.FIGURES).index("signed_count")] == (2, 1)
    monkeypatch.setattr(figure_sql, "REPEATS_AS_LIST", 0)
    assert numbers() == as_list


def test_a_period_longer_than_a_year_overlaps_last_year_and_each_counts_its_own(data, org):
    """2025-01-01 to 2026-12-31 against 2024-01-01 to 2025-12-31: P4 (signed 2025-03-15) counts in
    both; each period's numbers come from its own queries."""
    period = Period.between("2025-01-01", "2026-12-31")
    f = compute(period)
    assert (f.signed_count.value, f.signed_count.previous) == (3, 2)  # P1, P2, P4 | P6 (leap day), P4
    assert f.signed_investment.value == Decimal("190000.00") and f.signed_investment.previous == Decimal("21000.00")
    rows = {r.label: r for r in figures.by_unit(period)}
    assert rows["County B"]["signed_count"].value == 1
    assert rows["County B"]["signed_investment"].previous == Decimal("21000.00")


def test_a_month_and_a_custom_range_of_the_same_days_are_cached_apart(app, data):
    """2025-02 is compared with February 2024 (29 days, P6 signed on the leap day); the range
    2025-02-01..2025-02-28 with 2024-02-01..2024-02-28. Same dates, different last year: the cache
    must not hand one the other's numbers."""
    app.config["FIGURES_CACHE_SECONDS"] = 300
    month, custom = Period.parse("2025-02"), Period.between("2025-02-01", "2025-02-28")
    assert compute(month).signed_count.previous == 1
    assert compute(custom).signed_count.previous == 0
    assert [r["signed_investment"].previous for r in figures.by_unit(custom) if r.label == "County B"] == [0]


def test_capital_of_an_archived_project_counts_nowhere(app, data, org, make_project):
    # The city's capital is read from the entries alone, less those of archived projects; it
    # must equal what the units' rows (joined to their projects) add up to.
    app.config["FIGURES_CACHE_SECONDS"] = 0
    old = make_project("Archived", "county_b", archived=True, stage="signed")
    CapitalEntry.create(project=old, on_date=D(2026, 2, 1), amount=Decimal("7000"), by=org.users["bureau"])
    year = Period.of_year(2026)
    city = compute(year)
    assert (city.capital_in_place.value, city.capital_in_place.previous) == (Decimal("20000.00"), Decimal("5000.00"))
    rows = figures.by_unit(year)
    assert sum(r["capital_in_place"].value for r in rows) == city.capital_in_place.value
    assert compute(year, Scope(unit_id=org.units["county_b"].id)).capital_in_place.value == Decimal("0.00")
