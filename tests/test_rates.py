"""Rates count verified stage changes only, and each rate's numerator is the list its link opens."""
import datetime as dt
import io
import re
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from portal import figures, stages
from portal.models import Project, StageChange
from portal.periods import Period

D = dt.date


def _move(app, project, user, to_stage, day, approve_by=None, **kw):
    """The stage form's action (portal.stages.change_stage); with ``approve_by`` the bureau verifies it."""
    with app.test_request_context():
        change = stages.change_stage(Project.get_by_id(project.id), user, to_stage, day, reason="r", **kw)
        if approve_by is not None and change.verification == "pending":
            stages.verify(change, approve_by, True)
    return change


def _walk(app, org, name, unit, steps):
    """A project moved through ``steps`` [(stage, date, approved?)] by its unit, verified by the bureau."""
    with app.test_request_context():
        project = Project.create(name=name, responsible_unit=org.units[unit], total_investment=Decimal("10000"),
                                 clue_on=D(2024, 1, 2), created_by=org.users["bureau"])
        stages.record_initial(project, org.users["bureau"], D(2024, 1, 2))
    for stage, day, approved in steps:
        extra = {"contracted_amount": Decimal("5000")} if stage == "signed" else {}
        _move(app, project, org.users["bureau"], stage, day, org.users["bureau"] if approved else None, **extra)
    return project


def _listed(client, query: str) -> tuple[int, str]:
    page = client.get("/projects?" + query)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    return int(re.search(r"(\d+) projects?\b", html).group(1)), html


def _figure_link(html, key):
    start = html.index(f'class="figure-{key}"')
    row = html[start:html.index("</tr>", start)]
    return row.split('href="')[1].split('"')[0].replace("&amp;", "&").split("?", 1)[1], row


def test_a_start_awaiting_verification_counts_in_no_rate_and_no_list_until_verified(app, org, login):
    """A unit enters a start; until the bureau verifies it, the implementation and start rates
    and the lists behind them leave it out (the project's ``started_on`` is already set)."""
    project = _walk(app, org, "Alpha plant", "county_a",
                    [("negotiating", D(2026, 1, 20), True), ("signed", D(2026, 2, 10), True)])
    unit = login("unit_a")
    response = unit.post_form(f"/projects/{project.id}/stage", {"to_stage": "started", "on_date": "2026-04-01",
                                                                  "version": Project.get_by_id(project.id).version})
    assert response.status_code == 303
    assert Project.get_by_id(project.id).started_on == D(2026, 4, 1)  # set, though not yet verified
    bureau = login("bureau")

    def dashboard():
        html = bureau.get("/dashboard?period=2026").get_data(as_text=True)
        return {key: _figure_link(html, key) for key in ("implementation_rate", "start_rate")}

    for key, (link, row) in dashboard().items():
        assert ">0.0%</a>" in row, key  # 0 of 1 signed project started; 0 started of 1 that could
        total, html = _listed(bureau, link)
        assert total == 0 and "Alpha plant" not in html, key

    change = StageChange.get(StageChange.project == project.id, StageChange.to_stage == "started")
    assert bureau.post_form(f"/projects/{project.id}/verify/{change.id}", {"decision": "approve"}).status_code == 303

    for key, (link, row) in dashboard().items():
        assert ">100.0%</a>" in row, key
        total, html = _listed(bureau, link)
        assert total == 1 and "Alpha plant" in html, key


@pytest.fixture
def history(app, org):
    """Projects whose rates differ when unverified or repeated changes are counted."""
    return [
        _walk(app, org, "Started", "county_a", [("negotiating", D(2026, 1, 5), True),
                                                ("signed", D(2026, 2, 10), True), ("started", D(2026, 4, 1), True)]),
        _walk(app, org, "Start pending", "county_a", [("negotiating", D(2026, 1, 5), True),
                                                      ("signed", D(2026, 3, 1), True),
                                                      ("started", D(2026, 5, 1), False)]),
        # Started in 2025, stalled and resumed in 2026: two counted starts (the stored date is the later).
        _walk(app, org, "Resumed", "town_a", [("negotiating", D(2025, 1, 5), True), ("signed", D(2025, 6, 1), True),
                                              ("started", D(2025, 9, 1), True), ("stalled", D(2026, 2, 1), True),
                                              ("started", D(2026, 3, 1), True)]),
        _walk(app, org, "Signing pending", "county_b", [("negotiating", D(2026, 1, 5), True),
                                                        ("signed", D(2026, 6, 1), False)]),
        _walk(app, org, "Waiting since 2024", "county_b", [("negotiating", D(2024, 2, 1), True),
                                                           ("signed", D(2024, 3, 1), True)]),
        # Its signing awaits verification, its start was approved: it started, it never "could start".
        _walk(app, org, "Start approved, signing pending", "county_a",
              [("negotiating", D(2026, 1, 5), True), ("signed", D(2026, 2, 1), False),
               ("started", D(2026, 3, 1), True)]),
    ]


@pytest.mark.parametrize("period", ["2026", "2025", "2026-H1", "2026-Q1", "2025-Q3"])
def test_each_rates_numerator_is_the_number_of_projects_its_link_lists(app, org, login, history, period):
    client = login("bureau")
    for scope in (figures.Scope(), figures.Scope(unit_id=org.units["county_a"].id)):
        with app.test_request_context():
            app.config["FIGURES_CACHE_SECONDS"] = 0
            f = figures.compute(Period.parse(period), scope)
        for key in ("implementation_rate", "start_rate"):
            fig = f[key]
            total, _ = _listed(client, fig.link)
            assert fig.numerator == total, (key, scope)
            if fig.denominator:
                assert fig.value == (Decimal(total) * 100 / fig.denominator).quantize(Decimal("0.1"))
                assert fig.numerator <= fig.denominator


def test_rates_of_the_history_by_hand(app, history):
    with app.test_request_context():
        year = figures.compute(Period.of_year(2026))
        # Signed in 2026 (counted): Started, Start pending → one with a counted start.
        assert (year.implementation_rate.numerator, year.implementation_rate.denominator) == (1, 2)
        # Started in 2026: Started, Resumed, Start approved/signing pending; waiting at the end of
        # 2026: Start pending, Waiting since 2024.
        assert (year.start_rate.numerator, year.start_rate.denominator) == (3, 5)
        assert year.start_rate.value == Decimal("60.0")
        last = figures.compute(Period.of_year(2025))
        assert (last.implementation_rate.numerator, last.implementation_rate.denominator) == (1, 1)
        assert (last.start_rate.numerator, last.start_rate.denominator) == (1, 2)  # Resumed | Waiting since 2024
        # The ranking and the tables read the same rates.
        rows = {r.label: r for r in figures.by_unit(Period.of_year(2026))}
        assert rows["County A"]["implementation_rate"].value == Decimal("50.0")


# A rate's change against last year is in percentage points ----------------------------------
# With the history above: start rate 60.0 % in 2026, 50.0 % in 2025: +10.0 points (a relative
# change would read +20.0 %).

def _summary_row(html, label):
    start = html.index(f'<th scope="row">{label}</th>')
    return html[start:html.index("</tr>", start)]


def test_the_dashboard_and_summary_show_a_rates_change_in_percentage_points(login, history):
    client = login("bureau")
    html = client.get("/dashboard?period=2026").get_data(as_text=True)
    _, row = _figure_link(html, "start_rate")
    assert ">60.0%</a>" in row and "50.0%" in row
    assert "+10.0 pp" in row and "20.0" not in row
    _, count_row = _figure_link(html, "started_count")  # 1 → 3 started: a count's change stays in percent
    assert "+200.0%" in count_row
    summary = client.get("/dashboard/summary?period=2026").get_data(as_text=True)
    assert "+10.0 pp" in _summary_row(summary, "Start rate") and "20.0" not in _summary_row(summary, "Start rate")
    assert client.post_form("/language", {"locale": "zh_CN", "next": "/dashboard"}).status_code == 303
    chinese = client.get("/dashboard?period=2026").get_data(as_text=True)
    assert "+10.0个百分点" in _figure_link(chinese, "start_rate")[1]


def test_the_workbook_gives_a_rates_change_in_its_own_percentage_points_column(login, history):
    response = login("bureau").get("/dashboard?period=2026&format=xlsx")
    sheet = load_workbook(io.BytesIO(response.data))["Figures"]
    rows = list(sheet.iter_rows(values_only=True))
    header, by_label = rows[0], {r[0]: r for r in rows[1:]}
    assert header[4:] == ("Change (%)", "Change (percentage points)")
    assert by_label["Start rate"][2:] == (60.0, 50.0, None, 10.0)
    assert by_label["Newly started projects"][2:] == (3, 1, 200.0, None)
