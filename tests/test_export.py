"""Excel export of the lists: exactly the filtered rows, translated headers, numbers, masking."""
import datetime as dt
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from portal.models import Enterprise
from tests.plugins_helpers import GrantEveryProject, temporary_plugin


def sheet(response):
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    ws = load_workbook(io.BytesIO(response.data)).active
    return [list(r) for r in ws.iter_rows(values_only=True)]


@pytest.fixture
def signed(org, make_project):
    secret = Enterprise.create(name="Hidden Battery Group")
    make_project("Battery plant", "county_a", stage="signed", enterprise=secret, is_confidential=True,
                 total_investment=Decimal("150000.5"), contracted_amount=Decimal("120000"),
                 signed_on=dt.date(2026, 3, 1))
    make_project("Noodle factory", "town_a", stage="signed", total_investment=Decimal("8000"),
                 signed_on=dt.date(2026, 5, 10), leader=org.users["leader"])
    make_project("Solar farm", "county_b", stage="signed", total_investment=Decimal("60000"),
                 signed_on=dt.date(2025, 12, 20))
    make_project("Tea garden clue", "county_b", stage="clue")


def test_export_has_exactly_the_filtered_rows_on_all_pages(app, login, org, signed, make_project):
    for i in range(5):
        make_project(f"Extra {i}", "county_a", stage="signed", signed_on=dt.date(2026, 2, 1 + i))
    app.config["PAGE_SIZE"] = 2
    response = login("bureau").get(f"/lists/signed?unit={org.units['county_a'].id}&format=xlsx&page=2")
    assert "attachment" in response.headers["Content-Disposition"]
    assert ".xlsx" in response.headers["Content-Disposition"]
    rows = sheet(response)
    names = {r[0] for r in rows[1:]}
    assert names == {"Battery plant", "Noodle factory"} | {f"Extra {i}" for i in range(5)}


def test_english_headers_and_numeric_amounts(login, signed):
    rows = sheet(login("bureau").get("/lists/signed?format=xlsx&sort=-amount"))
    header = rows[0]
    assert header[:6] == ["Project", "Investor", "Responsible unit", "Industry", "Stage",
                          "Total investment (10,000 yuan)"]
    assert "Signing date" in header
    battery = rows[1]
    assert battery[0] == "Battery plant" and battery[1] == "Hidden Battery Group"
    assert battery[5] == pytest.approx(150000.5) and isinstance(battery[5], float)
    assert battery[6] == pytest.approx(120000)
    assert battery[header.index("Signing date")].date() == dt.date(2026, 3, 1)
    assert [r[0] for r in rows[1:]] == ["Battery plant", "Solar farm", "Noodle factory"]


def test_chinese_headers(app, login, signed):
    app.config["DEFAULT_LOCALE"] = "zh_CN"
    rows = sheet(login("bureau").get("/lists/signed?format=xlsx"))
    assert rows[0][:3] == ["项目", "投资方", "责任单位"]
    assert "总投资（万元）" in rows[0] and "签约日期" in rows[0]


def test_unit_staff_export_only_their_projects(login, signed):
    rows = sheet(login("unit_b").get("/lists/signed?format=xlsx"))
    assert [r[0] for r in rows[1:]] == ["Solar farm"]
    rows = sheet(login("unit_b").get("/projects?format=xlsx"))
    assert {r[0] for r in rows[1:]} == {"Solar farm", "Tea garden clue"}


def test_confidential_investor_masked_in_export(app, login, signed):
    with temporary_plugin(app, GrantEveryProject()):
        rows = sheet(login("department").get("/lists/signed?format=xlsx"))
    battery = next(r for r in rows if r[0] == "Battery plant")
    assert battery[1] == "Confidential investor"
    assert not any("Hidden Battery" in str(cell) for row in rows for cell in row)
    # The owning unit reads the name.
    rows = sheet(login("unit_a").get("/lists/signed?format=xlsx"))
    assert next(r for r in rows if r[0] == "Battery plant")[1] == "Hidden Battery Group"


def test_bad_filter_is_not_exported(login, signed):
    response = login("bureau").get("/lists/signed?format=xlsx&min=abc")
    assert response.status_code == 400
    assert "Enter an amount" in response.get_data(as_text=True)


def test_export_link_keeps_the_filters(login, signed):
    page = login("bureau").get("/lists/signed?q=noodle&page=1").get_data(as_text=True)
    assert 'href="/lists/signed?q=noodle&amp;format=xlsx"' in page
