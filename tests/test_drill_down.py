"""The lists behind the dashboard's numbers: they show the date the number counts, last year's
numbers open last year's list, and their Excel holds the signing, start and capital columns."""
import datetime as dt
import io
import re
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from portal.models import CapitalEntry, StageChange

D = dt.date


@pytest.fixture
def projects(org, make_project):
    """Alpha signed in Feb 2026 and started in May (clue in Jan), 2,500万元 in place in March;
    Beta signed in March 2025."""
    by = org.users["bureau"]
    a = make_project("Alpha plant", "county_a", total_investment=Decimal("120000"), clue_on=D(2026, 1, 5),
                     signed_on=D(2026, 2, 10), started_on=D(2026, 5, 20), stage="started")
    StageChange.create(project=a, to_stage="signed", on_date=D(2026, 2, 10), by=by, verification="approved")
    StageChange.create(project=a, to_stage="started", on_date=D(2026, 5, 20), by=by, verification="approved")
    CapitalEntry.create(project=a, on_date=D(2026, 3, 1), amount=Decimal("2500"), by=by)
    b = make_project("Beta mill", "county_b", total_investment=Decimal("30000"), clue_on=D(2025, 1, 2),
                     signed_on=D(2025, 3, 3), stage="signed")
    StageChange.create(project=b, to_stage="signed", on_date=D(2025, 3, 3), by=by, verification="approved")
    return a, b


def _row(html, key):
    start = html.index(f'class="figure-{key}"')
    return html[start:html.index("</tr>", start)]


def _links(fragment):
    return [href.replace("&amp;", "&") for href in re.findall(r'href="([^"]+)"', fragment)]


def _date_header_and_cell(html, project):
    """The list's date column header and the project's date in it."""
    header = re.search(r'aria-sort="[a-z]+">\s*<a [^>]*>([^<↓↑]+)', html).group(1).strip()
    row = html[html.index(project):]
    row = row[:row.index("</tr>")]
    return header, re.search(r'<td class="date">([^<]*)</td>', row).group(1)


@pytest.mark.parametrize("figure, header, date", [
    ("signed_count", "Signing date", "2026-02-10"),
    ("started_count", "Start date", "2026-05-20"),
    ("capital_in_place", "Capital in place on", "2026-03-01"),
    ("new_clues", "Clue date", "2026-01-05"),
])
def test_the_list_behind_a_figure_shows_the_date_it_counts(login, projects, figure, header, date):
    client = login("bureau")
    html = client.get("/dashboard?period=2026").get_data(as_text=True)
    listing = client.get(_links(_row(html, figure))[0])
    assert listing.status_code == 200
    assert _date_header_and_cell(listing.get_data(as_text=True), "Alpha plant") == (header, date)


def test_last_years_numbers_open_last_years_list(login, projects):
    client = login("bureau")
    html = client.get("/dashboard?period=2026").get_data(as_text=True)
    this_year, last_year = _links(_row(html, "signed_count"))[:2]
    assert "signed_from=2025-01-01" in last_year and "signed_to=2025-12-31" in last_year
    text = client.get(last_year).get_data(as_text=True)
    assert "Beta mill" in text and "Alpha plant" not in text
    assert _date_header_and_cell(text, "Beta mill") == ("Signing date", "2025-03-03")
    # the monthly table: March last year opens March 2025's signings
    monthly = html[html.index('id="panel-monthly"'):]
    march = monthly[monthly.index('<th scope="row">3</th>'):]
    march_last_year = _links(march[:march.index("</tr>")])[1]
    assert "Beta mill" in client.get(march_last_year).get_data(as_text=True)
    # the tables by unit: last year's signed amount of County B
    units = html[html.index('id="panel-units"'):]
    assert any("signed_to=2025-12-31" in link for link in _links(units))


def test_the_excel_of_a_drill_down_has_signing_start_and_capital(login, projects):
    client = login("bureau")
    html = client.get("/dashboard?period=2026").get_data(as_text=True)
    link = _links(_row(html, "signed_count"))[0]
    response = client.get(link + "&format=xlsx")
    assert response.status_code == 200
    rows = list(load_workbook(io.BytesIO(response.data)).active.values)
    header = list(rows[0])
    alpha = dict(zip(header, rows[1]))
    assert alpha["Project"] == "Alpha plant"
    assert alpha["Signing date"].date() == D(2026, 2, 10)
    assert alpha["Start date"].date() == D(2026, 5, 20)
    assert alpha["Capital in place (10,000 yuan)"] == 2500
    assert header.count("Signing date") == 1 and "Clue date" in header
