"""The dashboard pages: all panels, htmx partials, permissions, both languages, xlsx, links."""
import datetime as dt
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from portal.models import CapitalEntry, StageChange

D = dt.date


@pytest.fixture
def signed(org, make_project):
    """County A signed a 12亿元 project in Feb 2026; County B one of 3亿元 in March 2025."""
    by = org.users["bureau"]
    a = make_project("Alpha plant", "county_a", total_investment=Decimal("120000"), contracted_amount=Decimal("100000"),
                     signed_on=D(2026, 2, 10), stage="signed", flag="red")
    StageChange.create(project=a, to_stage="signed", on_date=D(2026, 2, 10), by=by, verification="approved")
    CapitalEntry.create(project=a, on_date=D(2026, 3, 1), amount=Decimal("2500"), by=by)
    b = make_project("Beta mill", "county_b", total_investment=Decimal("30000"), signed_on=D(2025, 3, 3),
                     clue_on=D(2025, 1, 2), stage="signed")
    StageChange.create(project=b, to_stage="signed", on_date=D(2025, 3, 3), by=by, verification="approved")
    return a, b


def _figure_cell(html, key):
    start = html.index(f'class="figure-{key}"')
    return html[start:html.index("</tr>", start)]


def test_dashboard_renders_every_panel_for_the_bureau(login, signed):
    page = login("bureau").get("/dashboard?period=2026")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    for panel in ("panel-figures", "panel-funnel", "panel-monthly", "panel-units", "panel-industries",
                  "panel-teams", "panel-flags"):
        assert f'id="{panel}"' in html
    row = _figure_cell(html, "signed_count")
    assert ">1</a>" in row
    assert "n/a" in _figure_cell(html, "projects_1bn")  # last year nil: a mark, not a division by zero
    assert "<svg" in html and "<title" in html and "<desc" in html
    assert 'style="' not in html and "<script>" not in html


def test_numbers_link_to_the_list_behind_them(login, signed, org):
    html = login("bureau").get("/dashboard?period=2026").get_data(as_text=True)
    row = _figure_cell(html, "signed_count")
    assert "/projects?" in row and "signed_from=2026-01-01" in row and "signed_to=2026-12-31" in row
    assert "min=100000" in _figure_cell(html, "projects_1bn")


def test_htmx_request_gets_only_the_panels(login, signed):
    client = login("bureau")
    response = client.get("/dashboard?period=2026-H1", headers={"HX-Request": "true"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="panel-figures"' in html and "<html" not in html and "dashboard-controls" not in html
    assert "HX-Request" in response.headers.get("Vary", "")


def test_bad_period_is_a_400_with_a_message_at_the_field(login):
    client = login("bureau")
    response = client.get("/dashboard?period=2026-Q9")
    assert response.status_code == 400
    assert "2026-H1" in response.get_data(as_text=True)  # the message says what to enter
    assert client.get("/dashboard?from=2026-05-01&to=2026-01-01").status_code == 400
    assert client.get("/dashboard?unit=abc").status_code == 400
    assert client.get("/dashboard?team=999").status_code == 400
    assert client.get("/dashboard?industry=" + "x" * 60).status_code == 400


def test_unit_staff_see_only_their_subtree(login, signed, org):
    client = login("unit_a")
    html = client.get("/dashboard?period=2026").get_data(as_text=True)
    assert "Alpha plant" not in html  # figures, not project names
    assert 'value="">' not in html.split('id="dash-unit"')[1].split("</select>")[0]  # no "whole city" choice
    # County B's numbers are not reachable through ?unit=
    assert client.get(f"/dashboard?period=2025&unit={org.units['county_b'].id}").status_code == 403
    assert client.get(f"/dashboard/summary?period=2025&unit={org.units['county_b'].id}").status_code == 403
    # Without ?unit= the scope is forced to County A: last year's County B signing is not counted.
    row = _figure_cell(client.get("/dashboard?period=2026").get_data(as_text=True), "signed_count")
    assert f"unit={org.units['county_a'].id}" in row
    assert "n/a" in row  # County A signed nothing in 2025
    assert client.get(f"/dashboard?unit={org.units['town_a'].id}").status_code == 200


def test_department_sees_its_own_unit(login, signed, org):
    client = login("department")
    assert client.get(f"/dashboard?unit={org.units['county_a'].id}").status_code == 403
    assert client.get("/dashboard").status_code == 200


def test_leader_sees_the_city_and_login_is_required(client, login, signed):
    assert client.get("/dashboard").status_code in (302, 303)
    html = login("leader").get("/dashboard?period=2025").get_data(as_text=True)
    assert ">1</a>" in _figure_cell(html, "signed_count")


def test_dashboard_in_chinese(login, signed):
    client = login("bureau")
    client.post_form("/language", {"locale": "zh_CN", "next": "/dashboard"})
    html = client.get("/dashboard?period=2026").get_data(as_text=True)
    assert "新签约项目" in html and "签约金额" in html and "10亿元以上项目" in html
    assert "亿元" in html  # amounts as officials read them


def test_xlsx_workbook_of_all_panels(login, signed):
    response = login("bureau").get("/dashboard?period=2026&format=xlsx")
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    wb = load_workbook(io.BytesIO(response.data))
    assert wb.sheetnames[:3] == ["Figures", "Pipeline", "By unit"]
    rows = {r[0]: r for r in wb["Figures"].iter_rows(values_only=True)}
    assert rows["Newly signed projects"][2] == 1
    assert rows["Signed amount"][2] == 120000
    assert rows["Projects of 1 billion yuan or more"][4] is None  # no change where last year was nil


def test_printable_summary(login, signed):
    response = login("bureau").get("/dashboard/summary?period=2026")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "dashboard-summary" in html and "County A" in html


def test_the_list_behind_a_number_holds_exactly_its_projects(login, signed, org, make_project):
    by = org.users["bureau"]
    pending = make_project("Gamma pending", "county_a", total_investment=Decimal("150000"), signed_on=D(2026, 5, 5),
                           stage="signed")
    StageChange.create(project=pending, to_stage="signed", on_date=D(2026, 5, 5), by=by, verification="pending")
    client = login("bureau")
    html = client.get("/dashboard?period=2026").get_data(as_text=True)
    row = _figure_cell(html, "projects_1bn")
    href = row.split('href="')[1].split('"')[0].replace("&amp;", "&")
    listing = client.get(href)
    assert listing.status_code == 200
    text = listing.get_data(as_text=True)
    assert "Alpha plant" in text  # the one counted 10亿元 project
    assert "Gamma pending" not in text and "Beta mill" not in text  # unverified, and last year
    capital = client.get("/projects?capital_from=2026-01-01&capital_to=2026-12-31").get_data(as_text=True)
    assert "Alpha plant" in capital and "Beta mill" not in capital
    team = client.get(f"/projects?team={org.units['team'].id}").get_data(as_text=True)
    assert "Alpha plant" not in team
    bad = client.get("/projects?signed_from=soon&three500=maybe&team=x")
    assert bad.status_code == 400  # (the list has no form fields for these; it answers 400)


def test_caption_shows_time_elapsed(login, signed):
    html = login("bureau").get("/dashboard?period=2025").get_data(as_text=True)
    assert "100% of the period has elapsed" in html


def test_custom_range_shows_as_such_and_a_chosen_period_replaces_it(login, signed):
    client = login("bureau")
    html = client.get("/dashboard?from=2026-02-01&to=2026-03-31").get_data(as_text=True)
    assert '<option value="custom" selected>' in html and '<option value="" selected>' not in html
    # the dates stay in the form; the period chosen in the menu wins
    html = client.get("/dashboard?period=2026-Q3&from=2026-02-01&to=2026-03-31").get_data(as_text=True)
    assert '<option value="2026-Q3" selected>' in html and "signed_from=2026-07-01" in html
